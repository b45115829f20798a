//! Planning changes to an event: each `plan_*` only reads, and either
//! refuses or returns the effect to journal and apply.

use super::{Event, EventEffect, Put};
use crate::domain::{Collaborator, Error, Grant, Id, ModulesChange, Permission, Scope};

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
}
