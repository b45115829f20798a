//! The check (SPEC §1 "The check"): licenses, ceilings, modules and grants,
//! each counting only until it expires. `now` is the caller's: the check
//! reads no clock, and compares each entry's expiry to it once.

use super::{Event, UserView};
use crate::domain::{
    Ceiling, Decision, Domain, Error, Id, License, Modules, OrgGrant, Permission, Reason, Scope,
    Timestamp,
};

impl Event {
    /// The highest license `user` has on this event at `now`.
    pub fn license_of(&self, user: &Id, now: Timestamp) -> Option<License> {
        self.license_and_ceiling(user, now).0
    }

    /// The user's license here and what it lets them do, with one lookup
    /// per table.
    #[inline]
    fn license_and_ceiling(&self, user: &Id, now: Timestamp) -> (Option<License>, Ceiling<'_>) {
        // All three lookups first, independent of each other, so that their
        // cache misses overlap instead of following one another.
        let org_pro = self.org.org_pro.contains(user);
        let slot = self.slots.get(user);
        let attached = self.attachments.get(user);
        if org_pro {
            (Some(License::OrgPro), Ceiling::Everything)
        } else if slot.is_some_and(|e| e.live_at(now)) {
            (Some(License::EventPro), Ceiling::Everything)
        } else if let Some(mine) = attached.and_then(|a| a.only(now)) {
            (
                Some(License::Collaborator),
                Ceiling::Collaborator(&mine.collaborator),
            )
        } else {
            (None, Ceiling::Nothing)
        }
    }

    /// The modules of the collaborator `scope` names (all on for other
    /// scopes); the scope must exist.
    fn modules_of(&self, scope: &Scope) -> Result<Modules, Error> {
        match scope {
            Scope::Collaborator(c) => self
                .collaborators
                .get(c)
                .map(|c| c.modules)
                .ok_or_else(|| Error::CollaboratorNotFound(c.clone())),
            _ => self.require_scope(scope).map(|()| Modules::ALL_ON),
        }
    }

    /// `allowed(user, permission, scope)` at `now`: inside the license
    /// ceiling (and, for a free collaborator, the collaborator's modules)
    /// and covered by some grant, on this event or org-wide, that has not
    /// expired. The scope must exist.
    pub fn check(
        &self,
        user: &Id,
        permission: Permission,
        scope: &Scope,
        now: Timestamp,
    ) -> Result<Decision, Error> {
        let modules = self.modules_of(scope)?;
        if scope.domain() != permission.domain() {
            return Err(if scope.domain() == Domain::Event {
                Error::MissingScope(permission)
            } else {
                Error::UnexpectedScope(permission)
            });
        }
        let grants = self.grants.get(user);
        let (license, ceiling) = self.license_and_ceiling(user, now);
        let reason = if license.is_none() {
            Reason::NoLicense
        } else if !ceiling.admits(permission, scope) {
            Reason::OutsideLicense
        } else if matches!(ceiling, Ceiling::Collaborator(_)) && !modules.allow(permission) {
            Reason::ModuleDisabled
        } else if grants.is_some_and(|gs| gs.covers(permission, scope, now))
            || self.org.org_grants.get(user).is_some_and(|gs| {
                gs.iter()
                    .any(|g| g.expires().live_at(now) && g.covers(permission, scope))
            })
        {
            Reason::Granted
        } else {
            Reason::NoPermission
        };
        Ok(Decision::new(reason, license))
    }

    /// What `user` has here at `now`; expired entries are left out.
    pub fn user_view(&self, user: &Id, now: Timestamp) -> UserView {
        UserView {
            license: self.license_of(user, now),
            collaborators: self
                .attachments
                .get(user)
                .map(|cs| cs.live(now).map(|a| a.collaborator.clone()).collect())
                .unwrap_or_default(),
            grants: self
                .grants
                .get(user)
                .map(|gs| {
                    gs.live(now)
                        .map(|h| (h.grant.clone(), h.expires.time()))
                        .collect()
                })
                .unwrap_or_default(),
            org_grants: self
                .org
                .org_grants
                .get(user)
                .map(|gs| {
                    gs.iter()
                        .filter(|g| g.expires().live_at(now))
                        .cloned()
                        .collect::<Vec<OrgGrant>>()
                })
                .unwrap_or_default(),
            slot_expires_at: self
                .slots
                .get(user)
                .filter(|e| e.live_at(now))
                .and_then(|e| e.time()),
        }
    }
}
