//! Planning changes to an event: each `plan_*` only reads, and either
//! refuses or returns the effect to journal and apply.

use super::{Event, EventEffect, Put};
use crate::domain::{Collaborator, Error, Grant, Id, ModulesChange, Permission, Scope, Timestamp};

impl Event {
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

    /// Gives `user` a slot until `expires_at` (`None`: no end) unless the
    /// pool is full at `now` or they hold Org Pro; for a holder, replaces
    /// their slot's expiry. An expired slot counts as absent: it blocks no
    /// claim, and its holder claims anew.
    pub fn plan_assign_slot(
        &self,
        user: &Id,
        expires_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<Put, Error> {
        let expires = Timestamp::expiry(expires_at, now)?;
        let effect = || match expires_at {
            None => EventEffect::SlotAssigned { user: user.clone() },
            Some(expires_at) => EventEffect::SlotAssignedUntil {
                user: user.clone(),
                expires_at,
            },
        };
        if let Some(&held) = self.slots.get(user).filter(|e| e.live_at(now)) {
            return Ok(Put {
                created: false,
                effect: (held != expires).then(effect),
            });
        }
        if self.org.org_pro.contains(user) {
            return Err(Error::OrgProHolder(user.clone()));
        }
        let total = self.org.slot_total;
        if self.slots_used(now) >= total {
            return Err(Error::NoSlotAvailable { total });
        }
        Ok(Put {
            created: true,
            effect: Some(effect()),
        })
    }

    pub fn plan_release_slot(&self, user: &Id, now: Timestamp) -> Result<EventEffect, Error> {
        if !self.holds_slot(user, now) {
            return Err(Error::SlotNotFound(user.clone()));
        }
        Ok(EventEffect::SlotReleased { user: user.clone() })
    }

    /// Attaches `user` to a collaborator until `expires_at` (`None`: no
    /// end) with the named Collaborator permissions (the defaults when
    /// `None`). Attaching again changes nothing but the attachment's
    /// expiry, which becomes the one asked for. Free access covers one
    /// collaborator: a user with neither a slot here nor Org Pro who is
    /// attached elsewhere is `slot_required`. Expired attachments count as
    /// absent.
    pub fn plan_attach(
        &self,
        collaborator: &Id,
        user: &Id,
        permissions: Option<Vec<Permission>>,
        expires_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<Put, Error> {
        if let Some(ps) = &permissions {
            Permission::attachable(ps)?;
        }
        let expires = Timestamp::expiry(expires_at, now)?;
        self.require_scope(&Scope::Collaborator(collaborator.clone()))?;
        let mine = self.attachments.get(user);
        if let Some(held) = mine
            .and_then(|a| a.get(collaborator))
            .filter(|a| a.expires.live_at(now))
        {
            return Ok(Put {
                created: false,
                effect: (held.expires != expires).then(|| EventEffect::AttachmentExpirySet {
                    collaborator: collaborator.clone(),
                    user: user.clone(),
                    expires_at,
                }),
            });
        }
        let licensed = self.holds_slot(user, now) || self.org.org_pro.contains(user);
        if let Some(other) = mine.and_then(|a| a.live(now).next()) {
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
        let (collaborator, user) = (collaborator.clone(), user.clone());
        Ok(Put {
            created: true,
            effect: Some(match expires_at {
                None => EventEffect::Attached {
                    collaborator,
                    user,
                    permissions,
                },
                Some(expires_at) => EventEffect::AttachedUntil {
                    collaborator,
                    user,
                    permissions,
                    expires_at,
                },
            }),
        })
    }

    pub fn plan_detach(
        &self,
        collaborator: &Id,
        user: &Id,
        now: Timestamp,
    ) -> Result<EventEffect, Error> {
        self.require_scope(&Scope::Collaborator(collaborator.clone()))?;
        if !self.is_attached(collaborator, user, now) {
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

    fn is_attached(&self, collaborator: &Id, user: &Id, now: Timestamp) -> bool {
        self.attachments
            .get(user)
            .is_some_and(|cs| cs.holds(collaborator, now))
    }

    /// Gives `user` the grant until `expires_at` (`None`: no end), or
    /// replaces the expiry of theirs. An expired grant counts as absent.
    pub fn plan_grant(
        &self,
        user: &Id,
        grant: Grant,
        expires_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<Put, Error> {
        let expires = Timestamp::expiry(expires_at, now)?;
        self.require_scope(grant.scope())?;
        let held = self
            .grants
            .get(user)
            .and_then(|g| g.get(&grant))
            .filter(|e| e.live_at(now));
        let effect = match expires_at {
            None => EventEffect::Granted {
                user: user.clone(),
                grant,
            },
            Some(expires_at) => EventEffect::GrantedUntil {
                user: user.clone(),
                grant,
                expires_at,
            },
        };
        Ok(Put {
            created: held.is_none(),
            effect: (held != Some(expires)).then_some(effect),
        })
    }

    pub fn plan_revoke(
        &self,
        user: &Id,
        grant: Grant,
        now: Timestamp,
    ) -> Result<EventEffect, Error> {
        self.require_scope(grant.scope())?;
        if !self.grants.get(user).is_some_and(|g| g.holds(&grant, now)) {
            return Err(Error::GrantNotFound(user.clone()));
        }
        Ok(EventEffect::Revoked {
            user: user.clone(),
            grant,
        })
    }
}
