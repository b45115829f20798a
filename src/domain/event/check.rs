//! The check (SPEC §1 "The check"): licenses, ceilings, modules and grants.

use super::{Event, UserView};
use crate::domain::{
    Attachments, Ceiling, Decision, Domain, Error, Id, License, Modules, Permission, Reason, Scope,
};

impl Event {
    /// The highest license `user` has on this event.
    pub fn license_of(&self, user: &Id) -> Option<License> {
        self.license_and_ceiling(user).0
    }

    /// The user's license here and what it lets them do, with one lookup
    /// per table.
    fn license_and_ceiling(&self, user: &Id) -> (Option<License>, Ceiling<'_>) {
        // All three lookups first, independent of each other, so that their
        // cache misses overlap instead of following one another.
        let org_pro = self.org.org_pro.contains(user);
        let slot = self.slots.contains(user);
        let attached = self.attachments.get(user);
        if org_pro {
            (Some(License::OrgPro), Ceiling::Everything)
        } else if slot {
            (Some(License::EventPro), Ceiling::Everything)
        } else if let Some(mine) = attached.and_then(Attachments::only) {
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

    /// `allowed(user, permission, scope)`: inside the license ceiling (and,
    /// for a free collaborator, the collaborator's modules) and covered by
    /// some grant, on this event or org-wide. The scope must exist.
    pub fn check(
        &self,
        user: &Id,
        permission: Permission,
        scope: &Scope,
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
        let (license, ceiling) = self.license_and_ceiling(user);
        let reason = if license.is_none() {
            Reason::NoLicense
        } else if !ceiling.admits(permission, scope) {
            Reason::OutsideLicense
        } else if matches!(ceiling, Ceiling::Collaborator(_)) && !modules.allow(permission) {
            Reason::ModuleDisabled
        } else if grants.is_some_and(|gs| gs.iter().any(|g| g.covers(permission, scope)))
            || self
                .org
                .org_grants
                .get(user)
                .is_some_and(|gs| gs.iter().any(|g| g.covers(permission, scope)))
        {
            Reason::Granted
        } else {
            Reason::NoPermission
        };
        Ok(Decision::new(reason, license))
    }

    pub fn user_view(&self, user: &Id) -> UserView {
        UserView {
            license: self.license_of(user),
            collaborators: self
                .attachments
                .get(user)
                .map(|cs| cs.iter().map(|a| a.collaborator.clone()).collect())
                .unwrap_or_default(),
            grants: self
                .grants
                .get(user)
                .map(|gs| gs.iter().cloned().collect())
                .unwrap_or_default(),
            org_grants: self.org.org_grants.get(user).cloned().unwrap_or_default(),
        }
    }
}
