//! What an event answers about its users and collaborators, for reads
//! and the usage advice.

use super::Event;
use crate::domain::{CollaboratorView, Error, Id};

impl Event {
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
    pub fn usage(
        &self,
        id: Id,
        denied_by_license: Vec<(Id, u64)>,
    ) -> crate::domain::usage::EventUse {
        let needs_slot = self.needing_slot();
        // Someone needing a slot is told of once, there, not again as
        // holding idle grants.
        let mut idle_grants = self.idle_grants();
        idle_grants.retain(|u| needs_slot.binary_search(u).is_err());
        crate::domain::usage::EventUse {
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
}
