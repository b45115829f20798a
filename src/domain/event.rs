//! One event: its collaborators, areas, Event Pro slots, free collaborator
//! attachments and grants, and the check (SPEC §1 "Events", "The check").

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{
    Attachment, Attachments, Ceiling, Collaborator, CollaboratorView, Decision, Domain, Error,
    Grant, GrantSet, Id, IdMap, IdSet, License, Modules, ModulesChange, OrgGrant, Permission,
    Reason, Scope,
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

/// An event's state as the first snapshot format held it, before modules
/// and peaks, field for field (a set of ids encodes as a sequence).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventV1 {
    pub name: Option<String>,
    pub collaborators: BTreeMap<Id, Option<String>>,
    pub areas: BTreeMap<Id, Option<String>>,
    pub slots: IdSet,
    pub attachments: IdMap<Vec<Id>>,
    pub grants: IdMap<GrantSet>,
}

impl From<EventV1> for Event {
    /// Every module on; the peak is the slots in use (none was recorded).
    fn from(v1: EventV1) -> Event {
        let collaborators = v1
            .collaborators
            .into_iter()
            .map(|(id, name)| {
                let modules = Modules::ALL_ON;
                (id, Collaborator { name, modules })
            })
            .collect();
        let attachments = v1
            .attachments
            .into_iter()
            .map(|(user, cs)| {
                let mut a = Attachments::default();
                for collaborator in cs {
                    a.insert(Attachment { collaborator });
                }
                (user, a)
            })
            .collect();
        let mut event = Event {
            name: v1.name,
            collaborators,
            areas: v1.areas,
            slots: v1.slots,
            attachments,
            grants: v1.grants,
            ..Event::default()
        };
        event.peak = event.slots_used();
        event
    }
}

impl From<&Event> for EventV1 {
    /// What the first format can hold of an event: modules and the peak are
    /// left out.
    fn from(e: &Event) -> EventV1 {
        EventV1 {
            name: e.name.clone(),
            collaborators: e
                .collaborators
                .iter()
                .map(|(id, c)| (id.clone(), c.name.clone()))
                .collect(),
            areas: e.areas.clone(),
            slots: e.slots.clone(),
            attachments: e
                .attachments
                .iter()
                .map(|(u, a)| {
                    (
                        u.clone(),
                        a.iter().map(|a| a.collaborator.clone()).collect(),
                    )
                })
                .collect(),
            grants: e.grants.clone(),
        }
    }
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

    /// One collaborator with its modules and attached users (sorted).
    pub fn collaborator_view(&self, id: &Id) -> Result<CollaboratorView, Error> {
        let c = self
            .collaborators
            .get(id)
            .ok_or_else(|| Error::CollaboratorNotFound(id.clone()))?;
        let mut users: Vec<Id> = self
            .attachments
            .iter()
            .filter(|(_, a)| a.contains(id))
            .map(|(u, _)| u.clone())
            .collect();
        users.sort_unstable();
        Ok(CollaboratorView {
            id: id.clone(),
            name: c.name.clone(),
            modules: c.modules,
            users,
        })
    }

    /// Users attached to two or more collaborators with neither a slot nor
    /// Org Pro: they have no license here until detached down to one.
    pub fn needing_slot(&self) -> Vec<Id> {
        let mut users: Vec<Id> = self
            .attachments
            .iter()
            .filter(|(u, a)| {
                a.len() > 1 && !self.slots.contains(*u) && !self.org.org_pro.contains(*u)
            })
            .map(|(u, _)| u.clone())
            .collect();
        users.sort_unstable();
        users
    }

    /// Users with grants here or org-wide but no license on this event:
    /// their grants count for nothing (sorted).
    pub fn idle_grants(&self) -> Vec<Id> {
        let mut users: Vec<Id> = self
            .grants
            .keys()
            .chain(self.org.org_grants.keys())
            .filter(|u| self.license_of(u).is_none())
            .cloned()
            .collect();
        users.sort_unstable();
        users.dedup();
        users
    }

    /// This event's part of the org's usage (`id` is its own id), with the
    /// refusals counted by whoever answers its checks. A user needing a
    /// slot is not listed again among the idle grants.
    pub fn usage(&self, id: Id, denied_by_license: Vec<(Id, u64)>) -> super::usage::EventUse {
        let needs_slot = self.needing_slot();
        // Someone needing a slot is told of once, there, not again as
        // holding idle grants.
        let mut idle_grants = self.idle_grants();
        idle_grants.retain(|u| needs_slot.binary_search(u).is_err());
        super::usage::EventUse {
            id,
            holders: self.sorted_slot_holders(),
            peak: self.peak,
            needs_slot,
            idle_grants,
            denied_by_license,
        }
    }

    /// Users holding a license here: slot holders, attached users and the
    /// org's Org Pro holders (sorted, each once), for what-if's
    /// `lose_access`.
    pub fn licensed_users(&self) -> Vec<Id> {
        let mut users: Vec<Id> = self
            .slots
            .iter()
            .chain(self.attachments.keys())
            .chain(self.org.org_pro.iter())
            .filter(|u| self.license_of(u).is_some())
            .cloned()
            .collect();
        users.sort_unstable();
        users.dedup();
        users
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

    /// Creates a collaborator (all modules on) or renames one; a missing
    /// name leaves an existing one's as it is.
    pub fn plan_put_collaborator(&self, id: &Id, name: Option<String>) -> Put {
        self.plan_set_collaborator(id, name, ModulesChange::default())
    }

    /// [`Event::plan_put_collaborator`] that also turns modules on or off
    /// (missing ones unchanged).
    pub fn plan_set_collaborator(
        &self,
        id: &Id,
        name: Option<String>,
        modules: ModulesChange,
    ) -> Put {
        let old = self.collaborators.get(id);
        let base = old.cloned().unwrap_or_default();
        let new = Collaborator {
            name: name.or_else(|| base.name.clone()),
            modules: base.modules.with(modules),
        };
        let changed = old.is_none_or(|old| *old != new);
        Put {
            created: old.is_none(),
            effect: changed.then(|| EventEffect::CollaboratorSet {
                id: id.clone(),
                name: new.name,
                modules: new.modules,
            }),
        }
    }

    /// A missing name creates the area unnamed, and leaves an existing
    /// one's name as it is.
    pub fn plan_put_area(&self, id: &Id, name: Option<String>) -> Put {
        match self.areas.get(id) {
            None => Put {
                created: true,
                effect: Some(EventEffect::AreaPut {
                    id: id.clone(),
                    name,
                }),
            },
            Some(old) => Put {
                created: false,
                effect: name
                    .filter(|n| old.as_deref() != Some(n.as_str()))
                    .map(|n| EventEffect::AreaPut {
                        id: id.clone(),
                        name: Some(n),
                    }),
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
    /// permissions (the defaults when `None`). Attaching again changes
    /// nothing. Free access covers one collaborator: a user with neither a
    /// slot here nor Org Pro who is attached elsewhere is `slot_required`.
    pub fn plan_attach(
        &self,
        collaborator: &Id,
        user: &Id,
        permissions: Option<Vec<Permission>>,
    ) -> Result<Put, Error> {
        if let Some(ps) = &permissions {
            Permission::attachable(ps)?;
        }
        self.require_scope(&Scope::Collaborator(collaborator.clone()))?;
        if self.is_attached(collaborator, user) {
            return Ok(Put {
                created: false,
                effect: None,
            });
        }
        let licensed = self.slots.contains(user) || self.org.org_pro.contains(user);
        if let Some(other) = self.attachments.get(user).and_then(|a| a.iter().next()) {
            if !licensed {
                return Err(Error::SlotRequired {
                    user: user.clone(),
                    attached: other.collaborator.clone(),
                });
            }
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

#[cfg(test)]
#[path = "event_tests.rs"]
mod tests;
