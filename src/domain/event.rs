//! One event: its collaborators, areas, Event Pro slots, free collaborator
//! attachments and grants, and the check (SPEC §1 "Events", "The check").

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{
    Ceiling, Decision, Domain, Error, Grant, GrantSet, Id, IdMap, IdSet, License, Permission,
    Reason, Scope,
};

/// What an event knows of its org's licenses. The org publishes a new one
/// whenever Event Pro or the set of Org Pro holders changes; every event of
/// the org shares it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrgView {
    /// Slots per event (the org's `event_pro`).
    pub slot_total: u32,
    pub org_pro: IdSet,
}

/// A change to an event's own state, as applied and journaled. Applying is
/// infallible and idempotent; every check happens in the `plan_*` methods.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventEffect {
    Renamed {
        name: Option<String>,
    },
    CollaboratorPut {
        id: Id,
        name: Option<String>,
    },
    CollaboratorDeleted {
        id: Id,
    },
    AreaPut {
        id: Id,
        name: Option<String>,
    },
    AreaDeleted {
        id: Id,
    },
    SlotAssigned {
        user: Id,
    },
    SlotReleased {
        user: Id,
    },
    Attached {
        collaborator: Id,
        user: Id,
        permissions: Vec<Permission>,
    },
    Detached {
        collaborator: Id,
        user: Id,
    },
    Granted {
        user: Id,
        grant: Grant,
    },
    Revoked {
        user: Id,
        grant: Grant,
    },
    /// The user was given Org Pro: any slot they hold here is released.
    OrgProGiven {
        user: Id,
    },
}

/// What a user has on one event (`GET …/users/{user}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserView {
    pub license: Option<License>,
    pub collaborators: Vec<Id>,
    pub grants: Vec<Grant>,
}

/// A `PUT` outcome: whether it created the thing, and the change to make
/// (`None` when it already was exactly so).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Put {
    pub created: bool,
    pub effect: Option<EventEffect>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    name: Option<String>,
    collaborators: BTreeMap<Id, Option<String>>,
    areas: BTreeMap<Id, Option<String>>,
    /// Users holding an Event Pro slot here. A hash set: every check asks
    /// it, listings (which sort) are rare.
    slots: IdSet,
    /// Free collaborator access: user → the collaborators they are attached to.
    attachments: IdMap<BTreeSet<Id>>,
    /// A user's grants here; see [`GrantSet`] for why not a `BTreeSet`.
    grants: IdMap<GrantSet>,
    /// Not persisted: rebuilt from the org on restore.
    #[serde(skip)]
    org: Arc<OrgView>,
}

impl Event {
    pub fn new(name: Option<String>, org: Arc<OrgView>) -> Event {
        Event {
            name,
            org,
            ..Event::default()
        }
    }

    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    pub fn org_view(&self) -> &Arc<OrgView> {
        &self.org
    }

    pub fn set_org_view(&mut self, org: Arc<OrgView>) {
        self.org = org;
    }

    pub fn slot_holders(&self) -> &IdSet {
        &self.slots
    }

    /// The slot holders in id order.
    pub fn sorted_slot_holders(&self) -> Vec<Id> {
        let mut holders: Vec<Id> = self.slots.iter().cloned().collect();
        holders.sort_unstable();
        holders
    }

    pub fn slots_used(&self) -> u32 {
        u32::try_from(self.slots.len()).unwrap_or(u32::MAX)
    }

    pub fn collaborators(&self) -> &BTreeMap<Id, Option<String>> {
        &self.collaborators
    }

    pub fn areas(&self) -> &BTreeMap<Id, Option<String>> {
        &self.areas
    }

    pub fn grant_count(&self) -> usize {
        self.grants.values().map(GrantSet::len).sum()
    }

    /// Whether the slots in use fit a pool of `total`.
    pub fn fits(&self, total: u32) -> bool {
        self.slots_used() <= total
    }

    pub fn plan_rename(&self, name: Option<String>) -> Option<EventEffect> {
        match name {
            Some(n) if self.name.as_deref() != Some(n.as_str()) => {
                Some(EventEffect::Renamed { name: Some(n) })
            }
            _ => None,
        }
    }

    pub fn plan_put_collaborator(&self, id: &Id, name: Option<String>) -> Put {
        Self::plan_put(&self.collaborators, id, name, |id, name| {
            EventEffect::CollaboratorPut { id, name }
        })
    }

    pub fn plan_put_area(&self, id: &Id, name: Option<String>) -> Put {
        Self::plan_put(&self.areas, id, name, |id, name| EventEffect::AreaPut {
            id,
            name,
        })
    }

    /// A missing name creates the thing unnamed, and leaves an existing one's
    /// name as it is.
    fn plan_put(
        table: &BTreeMap<Id, Option<String>>,
        id: &Id,
        name: Option<String>,
        effect: impl Fn(Id, Option<String>) -> EventEffect,
    ) -> Put {
        match table.get(id) {
            None => Put {
                created: true,
                effect: Some(effect(id.clone(), name)),
            },
            Some(old) => Put {
                created: false,
                effect: name
                    .filter(|n| old.as_deref() != Some(n.as_str()))
                    .map(|n| effect(id.clone(), Some(n))),
            },
        }
    }

    pub fn plan_delete_collaborator(&self, id: &Id) -> Result<EventEffect, Error> {
        self.require_scope(&Scope::Collaborator(id.clone()))?;
        Ok(EventEffect::CollaboratorDeleted { id: id.clone() })
    }

    pub fn plan_delete_area(&self, id: &Id) -> Result<EventEffect, Error> {
        self.require_scope(&Scope::Area(id.clone()))?;
        Ok(EventEffect::AreaDeleted { id: id.clone() })
    }

    /// Gives `user` a slot unless the pool is full or they hold Org Pro.
    pub fn plan_assign_slot(&self, user: &Id) -> Result<Put, Error> {
        if self.slots.contains(user) {
            return Ok(Put {
                created: false,
                effect: None,
            });
        }
        if self.org.org_pro.contains(user) {
            return Err(Error::OrgProHolder(user.clone()));
        }
        let total = self.org.slot_total;
        if self.slots_used() >= total {
            return Err(Error::NoSlotAvailable { total });
        }
        Ok(Put {
            created: true,
            effect: Some(EventEffect::SlotAssigned { user: user.clone() }),
        })
    }

    pub fn plan_release_slot(&self, user: &Id) -> Result<EventEffect, Error> {
        if !self.slots.contains(user) {
            return Err(Error::SlotNotFound(user.clone()));
        }
        Ok(EventEffect::SlotReleased { user: user.clone() })
    }

    /// Attaches `user` to a collaborator with the named Collaborator
    /// permissions (the defaults when `None`). Attaching again changes nothing.
    pub fn plan_attach(
        &self,
        collaborator: &Id,
        user: &Id,
        permissions: Option<Vec<Permission>>,
    ) -> Result<Put, Error> {
        if let Some(p) = permissions
            .iter()
            .flatten()
            .find(|p| p.domain() != Domain::Collaborator)
        {
            return Err(Error::BadRequest(format!(
                "{p} is not a Collaborator permission; a free collaborator can only be given Collaborator permissions on attach"
            )));
        }
        self.require_scope(&Scope::Collaborator(collaborator.clone()))?;
        if self.is_attached(collaborator, user) {
            return Ok(Put {
                created: false,
                effect: None,
            });
        }
        let mut permissions =
            permissions.unwrap_or_else(|| Permission::COLLABORATOR_DEFAULTS.to_vec());
        permissions.sort();
        permissions.dedup();
        Ok(Put {
            created: true,
            effect: Some(EventEffect::Attached {
                collaborator: collaborator.clone(),
                user: user.clone(),
                permissions,
            }),
        })
    }

    pub fn plan_detach(&self, collaborator: &Id, user: &Id) -> Result<EventEffect, Error> {
        self.require_scope(&Scope::Collaborator(collaborator.clone()))?;
        if !self.is_attached(collaborator, user) {
            return Err(Error::AttachmentNotFound {
                user: user.clone(),
                collaborator: collaborator.clone(),
            });
        }
        Ok(EventEffect::Detached {
            collaborator: collaborator.clone(),
            user: user.clone(),
        })
    }

    fn is_attached(&self, collaborator: &Id, user: &Id) -> bool {
        self.attachments
            .get(user)
            .is_some_and(|cs| cs.contains(collaborator))
    }

    pub fn plan_grant(&self, user: &Id, grant: Grant) -> Result<Put, Error> {
        self.require_scope(grant.scope())?;
        let exists = self.grants.get(user).is_some_and(|g| g.contains(&grant));
        Ok(Put {
            created: !exists,
            effect: (!exists).then(|| EventEffect::Granted {
                user: user.clone(),
                grant,
            }),
        })
    }

    pub fn plan_revoke(&self, user: &Id, grant: Grant) -> Result<EventEffect, Error> {
        self.require_scope(grant.scope())?;
        if !self.grants.get(user).is_some_and(|g| g.contains(&grant)) {
            return Err(Error::GrantNotFound(user.clone()));
        }
        Ok(EventEffect::Revoked {
            user: user.clone(),
            grant,
        })
    }

    /// The scope must exist on this event.
    pub fn require_scope(&self, scope: &Scope) -> Result<(), Error> {
        match scope {
            Scope::Event => Ok(()),
            Scope::Collaborator(c) if self.collaborators.contains_key(c) => Ok(()),
            Scope::Collaborator(c) => Err(Error::CollaboratorNotFound(c.clone())),
            Scope::Area(a) if self.areas.contains_key(a) => Ok(()),
            Scope::Area(a) => Err(Error::AreaNotFound(a.clone())),
        }
    }

    pub fn apply(&mut self, effect: &EventEffect) {
        match effect {
            EventEffect::Renamed { name } => self.name.clone_from(name),
            EventEffect::CollaboratorPut { id, name } => {
                self.collaborators.insert(id.clone(), name.clone());
            }
            EventEffect::CollaboratorDeleted { id } => {
                self.collaborators.remove(id);
                let scope = Scope::Collaborator(id.clone());
                self.drop_scope(&scope);
                self.attachments.retain(|_, cs| {
                    cs.remove(id);
                    !cs.is_empty()
                });
            }
            EventEffect::AreaPut { id, name } => {
                self.areas.insert(id.clone(), name.clone());
            }
            EventEffect::AreaDeleted { id } => {
                self.areas.remove(id);
                self.drop_scope(&Scope::Area(id.clone()));
            }
            EventEffect::SlotAssigned { user } => {
                self.slots.insert(user.clone());
            }
            EventEffect::SlotReleased { user } | EventEffect::OrgProGiven { user } => {
                self.slots.remove(user);
            }
            EventEffect::Attached {
                collaborator,
                user,
                permissions,
            } => {
                self.attachments
                    .entry(user.clone())
                    .or_default()
                    .insert(collaborator.clone());
                let grants = self.grants.entry(user.clone()).or_default();
                for &p in permissions {
                    if let Ok(g) = Grant::new(p, Scope::Collaborator(collaborator.clone())) {
                        grants.insert(g);
                    }
                }
            }
            EventEffect::Detached { collaborator, user } => {
                if let Some(cs) = self.attachments.get_mut(user) {
                    cs.remove(collaborator);
                    if cs.is_empty() {
                        self.attachments.remove(user);
                    }
                }
            }
            EventEffect::Granted { user, grant } => {
                self.grants
                    .entry(user.clone())
                    .or_default()
                    .insert(grant.clone());
            }
            EventEffect::Revoked { user, grant } => {
                if let Some(gs) = self.grants.get_mut(user) {
                    gs.remove(grant);
                    if gs.is_empty() {
                        self.grants.remove(user);
                    }
                }
            }
        }
    }

    fn drop_scope(&mut self, scope: &Scope) {
        self.grants.retain(|_, gs| {
            gs.retain(|g| g.scope() != scope);
            !gs.is_empty()
        });
    }

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
        } else if let Some(mine) = attached {
            (Some(License::Collaborator), Ceiling::Collaborators(mine))
        } else {
            (None, Ceiling::Nothing)
        }
    }

    /// `allowed(user, permission, scope)`: inside the license ceiling and
    /// covered by some grant. The scope must exist.
    pub fn check(
        &self,
        user: &Id,
        permission: Permission,
        scope: &Scope,
    ) -> Result<Decision, Error> {
        self.require_scope(scope)?;
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
        } else if grants.is_some_and(|gs| gs.iter().any(|g| g.covers(permission, scope))) {
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
                .map(|cs| cs.iter().cloned().collect())
                .unwrap_or_default(),
            grants: self
                .grants
                .get(user)
                .map(|gs| gs.iter().cloned().collect())
                .unwrap_or_default(),
        }
    }
}

#[cfg(test)]
#[path = "event_tests.rs"]
mod tests;
