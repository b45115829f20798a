//! One event: its collaborators, areas, Event Pro slots, free collaborator
//! attachments and grants, and the check (SPEC §1 "Events", "The check").

mod check;
mod expiry;
mod plan;
mod reads;
mod v1;

pub use expiry::Expiring;
pub use v1::{EventV1, EventV2};

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{
    Attachment, Attachments, Collaborator, Error, Expiry, Grant, GrantSet, Id, IdMap, IdSet,
    License, Modules, OrgGrant, Permission, Scope, Timestamp,
};

/// What an event knows of its org's licenses and org-wide grants. The org
/// publishes a new one whenever Event Pro, the set of Org Pro holders or an
/// org-wide grant changes; every event of the org shares it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrgView {
    /// Slots per event (the org's `event_pro`).
    pub slot_total: u32,
    pub org_pro: IdSet,
    /// Org-wide grants by user, each user's sorted (expired ones stay
    /// until the org removes them; a check passes over them).
    pub org_grants: IdMap<Vec<OrgGrant>>,
    /// The earliest expiry among `org_grants`, if any expires.
    pub org_grants_expire: Option<Timestamp>,
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
    // Time-bound access (SPEC §1). `SlotAssigned`, `Attached` and
    // `Granted` give or keep the thing with no expiry; these give or keep
    // it until an instant.
    /// A slot given to `user`, or the expiry of theirs replaced.
    SlotAssignedUntil {
        user: Id,
        expires_at: Timestamp,
    },
    /// A new attachment ending at `expires_at`, with its grants (which
    /// do not expire with it, as they stay when one detaches).
    AttachedUntil {
        collaborator: Id,
        user: Id,
        permissions: Vec<Permission>,
        expires_at: Timestamp,
    },
    /// An existing attachment's expiry replaced (`None`: it no longer
    /// expires); its grants stay as they are.
    AttachmentExpirySet {
        collaborator: Id,
        user: Id,
        expires_at: Option<Timestamp>,
    },
    /// A grant given to `user`, or the expiry of theirs replaced.
    GrantedUntil {
        user: Id,
        grant: Grant,
        expires_at: Timestamp,
    },
    /// Entries whose expiry had come at `at`, removed: a record, so that
    /// replay removes exactly what the running server removed.
    Expired {
        at: Timestamp,
        slots: Vec<Id>,
        /// (user, collaborator)
        attachments: Vec<(Id, Id)>,
        grants: Vec<(Id, Grant)>,
    },
}

/// What a user has on one event (`GET …/users/{user}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserView {
    pub license: Option<License>,
    pub collaborators: Vec<Id>,
    /// Each grant with the instant it ends.
    pub grants: Vec<(Grant, Option<Timestamp>)>,
    /// The user's org-wide grants, which count here too.
    pub org_grants: Vec<OrgGrant>,
    /// When their slot here ends, if they hold one that does.
    pub slot_expires_at: Option<Timestamp>,
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
    /// Users holding an Event Pro slot here, each until when. A hash map:
    /// every check asks it, listings (which sort) are rare.
    slots: IdMap<Expiry>,
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

    /// Whether `user` holds a slot here that still counts at `now`.
    #[inline]
    pub fn holds_slot(&self, user: &Id, now: Timestamp) -> bool {
        self.slots.get(user).is_some_and(|e| e.live_at(now))
    }

    /// The slot holders at `now`, in id order.
    pub fn sorted_slot_holders(&self, now: Timestamp) -> Vec<Id> {
        let mut holders: Vec<Id> = self.live_slots(now).map(|(u, _)| u.clone()).collect();
        holders.sort_unstable();
        holders
    }

    fn live_slots(&self, now: Timestamp) -> impl Iterator<Item = (&Id, &Expiry)> {
        self.slots.iter().filter(move |(_, e)| e.live_at(now))
    }

    /// The slots in use at `now`.
    pub fn slots_used(&self, now: Timestamp) -> u32 {
        u32::try_from(self.live_slots(now).count()).unwrap_or(u32::MAX)
    }

    /// The slots held, expired or not (what the state holds until the
    /// expired ones are removed).
    pub fn slot_count(&self) -> u32 {
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

    /// Whether the slots in use at `now` fit a pool of `total`.
    pub fn fits(&self, total: u32, now: Timestamp) -> bool {
        self.slots_used(now) <= total
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
            EventEffect::SlotAssigned { user } => self.set_slot(user, Expiry::NEVER),
            EventEffect::SlotAssignedUntil { user, expires_at } => {
                self.set_slot(user, Expiry::at(*expires_at));
            }
            EventEffect::SlotReleased { user } | EventEffect::OrgProGiven { user } => {
                self.slots.remove(user);
            }
            EventEffect::Attached {
                collaborator,
                user,
                permissions,
            } => self.attach(collaborator, user, permissions, Expiry::NEVER),
            EventEffect::AttachedUntil {
                collaborator,
                user,
                permissions,
                expires_at,
            } => self.attach(collaborator, user, permissions, Expiry::at(*expires_at)),
            EventEffect::AttachmentExpirySet {
                collaborator,
                user,
                expires_at,
            } => {
                if let Some(a) = self.attachments.get_mut(user) {
                    if a.get(collaborator).is_some() {
                        a.insert(Attachment {
                            collaborator: collaborator.clone(),
                            expires: Expiry::from(*expires_at),
                        });
                    }
                }
            }
            EventEffect::Detached { collaborator, user } => self.detach(collaborator, user),
            EventEffect::Granted { user, grant } => self.set_grant(user, grant, Expiry::NEVER),
            EventEffect::GrantedUntil {
                user,
                grant,
                expires_at,
            } => self.set_grant(user, grant, Expiry::at(*expires_at)),
            EventEffect::Revoked { user, grant } => self.revoke(user, grant),
            EventEffect::Expired {
                at: _,
                slots,
                attachments,
                grants,
            } => {
                for user in slots {
                    self.slots.remove(user);
                }
                for (user, collaborator) in attachments {
                    self.detach(collaborator, user);
                }
                for (user, grant) in grants {
                    self.revoke(user, grant);
                }
            }
        }
    }

    fn set_slot(&mut self, user: &Id, expires: Expiry) {
        self.slots.insert(user.clone(), expires);
        self.peak = self.peak.max(self.slot_count());
    }

    fn attach(
        &mut self,
        collaborator: &Id,
        user: &Id,
        permissions: &[Permission],
        expires: Expiry,
    ) {
        self.attachments
            .entry(user.clone())
            .or_default()
            .insert(Attachment {
                collaborator: collaborator.clone(),
                expires,
            });
        let grants = self.grants.entry(user.clone()).or_default();
        for &p in permissions {
            if let Ok(g) = Grant::new(p, Scope::Collaborator(collaborator.clone())) {
                if grants.get(&g).is_none() {
                    grants.insert(g, Expiry::NEVER);
                }
            }
        }
    }

    fn detach(&mut self, collaborator: &Id, user: &Id) {
        if let Some(cs) = self.attachments.get_mut(user) {
            cs.remove(collaborator);
            if cs.is_empty() {
                self.attachments.remove(user);
            }
        }
    }

    fn set_grant(&mut self, user: &Id, grant: &Grant, expires: Expiry) {
        self.grants
            .entry(user.clone())
            .or_default()
            .insert(grant.clone(), expires);
    }

    fn revoke(&mut self, user: &Id, grant: &Grant) {
        if let Some(gs) = self.grants.get_mut(user) {
            gs.remove(grant);
            if gs.is_empty() {
                self.grants.remove(user);
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
