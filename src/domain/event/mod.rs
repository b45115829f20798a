//! One event: its collaborators, areas, Event Pro slots, free collaborator
//! attachments and grants, and the check (SPEC §1 "Events", "The check").

mod check;
mod plan;
mod reads;
mod v1;

pub use v1::EventV1;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{
    Attachment, Attachments, Collaborator, Error, Grant, GrantSet, Id, IdMap, IdSet, License,
    Modules, OrgGrant, Permission, Scope,
};

/// What an event knows of its org's licenses and org-wide grants. The org
/// publishes a new one whenever Event Pro, the set of Org Pro holders or an
/// org-wide grant changes; every event of the org shares it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrgView {
    /// Slots per event (the org's `event_pro`).
    pub slot_total: u32,
    pub org_pro: IdSet,
    /// Org-wide grants by user, each user's sorted.
    pub org_grants: IdMap<Vec<OrgGrant>>,
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
    /// A collaborator created or changed with its name and modules, whole.
    CollaboratorSet {
        id: Id,
        name: Option<String>,
        modules: Modules,
    },
}

/// What a user has on one event (`GET …/users/{user}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserView {
    pub license: Option<License>,
    pub collaborators: Vec<Id>,
    pub grants: Vec<Grant>,
    /// The user's org-wide grants, which count here too.
    pub org_grants: Vec<OrgGrant>,
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
    collaborators: BTreeMap<Id, Collaborator>,
    areas: BTreeMap<Id, Option<String>>,
    /// Users holding an Event Pro slot here. A hash set: every check asks
    /// it, listings (which sort) are rare.
    slots: IdSet,
    /// Free collaborator access: user → the collaborators they are attached
    /// to (one, unless they hold or held a slot or Org Pro).
    attachments: IdMap<Attachments>,
    /// A user's grants here; see [`GrantSet`] for why not a `BTreeSet`.
    grants: IdMap<GrantSet>,
    /// The most slots ever in use at once here.
    peak: u32,
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

    /// The most slots ever in use at once on this event.
    pub fn peak(&self) -> u32 {
        self.peak
    }

    pub fn collaborators(&self) -> &BTreeMap<Id, Collaborator> {
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
                self.collaborators.entry(id.clone()).or_default().name = name.clone();
            }
            EventEffect::CollaboratorSet { id, name, modules } => {
                self.collaborators.insert(
                    id.clone(),
                    Collaborator {
                        name: name.clone(),
                        modules: *modules,
                    },
                );
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
                self.peak = self.peak.max(self.slots_used());
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
                    .insert(Attachment {
                        collaborator: collaborator.clone(),
                    });
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
}

#[cfg(test)]
mod tests;
