//! What an event answers about its users and collaborators at an instant,
//! for reads and the usage advice. Expired entries are left out.

use super::Event;
use crate::domain::{CollaboratorView, Error, Id, Timestamp};

impl Event {
    /// One collaborator with its modules and attached users (sorted, each
    /// with the instant the attachment ends).
    pub fn collaborator_view(&self, id: &Id, now: Timestamp) -> Result<CollaboratorView, Error> {
        let c = self
            .collaborators
            .get(id)
            .ok_or_else(|| Error::CollaboratorNotFound(id.clone()))?;
        let mut users: Vec<(Id, Option<Timestamp>)> = self
            .attachments
            .iter()
            .filter_map(|(u, a)| {
                let a = a.get(id).filter(|a| a.expires.live_at(now))?;
                Some((u.clone(), a.expires.time()))
            })
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
    pub fn needing_slot(&self, now: Timestamp) -> Vec<Id> {
        let mut users: Vec<Id> = self
            .attachments
            .iter()
            .filter(|(u, a)| {
                a.live(now).nth(1).is_some()
                    && !self.holds_slot(u, now)
                    && !self.org.org_pro.contains(*u)
            })
            .map(|(u, _)| u.clone())
            .collect();
        users.sort_unstable();
        users
    }

    /// Users with grants here or org-wide but no license on this event:
    /// their grants count for nothing (sorted).
    pub fn idle_grants(&self, now: Timestamp) -> Vec<Id> {
        let here = self
            .grants
            .iter()
            .filter(|(_, gs)| gs.live(now).next().is_some())
            .map(|(u, _)| u);
        let org_wide = self
            .org
            .org_grants
            .iter()
            .filter(|(_, gs)| gs.iter().any(|g| g.expires().live_at(now)))
            .map(|(u, _)| u);
        let mut users: Vec<Id> = here
            .chain(org_wide)
            .filter(|u| self.license_of(u, now).is_none())
            .cloned()
            .collect();
        users.sort_unstable();
        users.dedup();
        users
    }

    /// This event's part of the org's usage at `now` (`id` is its own id),
    /// with the refusals counted by whoever answers its checks. A user
    /// needing a slot is not listed again among the idle grants.
    pub fn usage(
        &self,
        id: Id,
        denied_by_license: Vec<(Id, u64)>,
        now: Timestamp,
    ) -> crate::domain::usage::EventUse {
        let needs_slot = self.needing_slot(now);
        // Someone needing a slot is told of once, there, not again as
        // holding idle grants.
        let mut idle_grants = self.idle_grants(now);
        idle_grants.retain(|u| needs_slot.binary_search(u).is_err());
        crate::domain::usage::EventUse {
            id,
            holders: self.sorted_slot_holders(now),
            peak: self.peak,
            needs_slot,
            idle_grants,
            denied_by_license,
        }
    }

    /// Users holding a license here at `now`: slot holders, attached users
    /// and the org's Org Pro holders (sorted, each once), for what-if's
    /// `lose_access`.
    pub fn licensed_users(&self, now: Timestamp) -> Vec<Id> {
        let mut users: Vec<Id> = self
            .slots
            .keys()
            .chain(self.attachments.keys())
            .chain(self.org.org_pro.iter())
            .filter(|u| self.license_of(u, now).is_some())
            .cloned()
            .collect();
        users.sort_unstable();
        users.dedup();
        users
    }
}
