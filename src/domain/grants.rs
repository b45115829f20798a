//! One user's grants on one event: a sorted, duplicate-free `Vec`.
//!
//! A user holds a handful of grants per event. A `BTreeSet` gives each such
//! handful a whole B-tree leaf (room for 11 grants, ~280 bytes) and a
//! check walks it through node pointers; a sorted `Vec` holds just the
//! grants and is read front to back. With the benchmark dataset (1M grants)
//! it took the loaded server from 227 to 175 MiB. Each grant carries its
//! [`Expiry`] (8 bytes: a grant is 32, a held one 40).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Expiry, Grant, Permission, Scope, Timestamp};

/// A grant a user holds, until when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Held {
    pub grant: Grant,
    pub expires: Expiry,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GrantSet(Vec<Held>);

impl GrantSet {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn find(&self, grant: &Grant) -> Result<usize, usize> {
        self.0.binary_search_by(|h| h.grant.cmp(grant))
    }

    /// The grant's expiry, if it is held (expired or not).
    pub fn get(&self, grant: &Grant) -> Option<Expiry> {
        self.find(grant)
            .ok()
            .and_then(|at| self.0.get(at))
            .map(|h| h.expires)
    }

    /// Whether `grant` is held and still counts at `now`.
    pub fn holds(&self, grant: &Grant, now: Timestamp) -> bool {
        self.get(grant).is_some_and(|e| e.live_at(now))
    }

    /// Adds `grant` until `expires`, or replaces the expiry of the one held;
    /// whether it was new.
    pub fn insert(&mut self, grant: Grant, expires: Expiry) -> bool {
        match self.find(&grant) {
            Ok(at) => {
                if let Some(h) = self.0.get_mut(at) {
                    h.expires = expires;
                }
                false
            }
            Err(at) => {
                self.0.insert(at, Held { grant, expires });
                true
            }
        }
    }

    /// Removes `grant`; whether it was there.
    pub fn remove(&mut self, grant: &Grant) -> bool {
        match self.find(grant) {
            Ok(at) => {
                self.0.remove(at);
                true
            }
            Err(_) => false,
        }
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&Grant) -> bool) {
        self.0.retain(|h| keep(&h.grant));
    }

    /// In grant order, expired ones included.
    pub fn iter(&self) -> std::slice::Iter<'_, Held> {
        self.0.iter()
    }

    /// The grants that still count at `now`, in order.
    pub fn live(&self, now: Timestamp) -> impl Iterator<Item = &Held> {
        self.0.iter().filter(move |h| h.expires.live_at(now))
    }

    /// Whether a grant that still counts at `now` covers `want` on `scope`:
    /// one comparison of its expiry per grant tried, no clock.
    #[inline]
    pub fn covers(&self, want: Permission, scope: &Scope, now: Timestamp) -> bool {
        self.0
            .iter()
            .any(|h| h.expires.live_at(now) && h.grant.covers(want, scope))
    }
}

impl Serialize for GrantSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(&self.0)
    }
}

impl<'de> Deserialize<'de> for GrantSet {
    /// Sorted and deduplicated by grant whatever the input's order.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<GrantSet, D::Error> {
        let mut grants = Vec::<Held>::deserialize(d)?;
        grants.sort_by(|a, b| a.grant.cmp(&b.grant));
        grants.dedup_by(|a, b| a.grant == b.grant);
        grants.shrink_to_fit();
        Ok(GrantSet(grants))
    }
}

impl FromIterator<Grant> for GrantSet {
    /// Grants with no expiry (as the first snapshot formats held them).
    fn from_iter<I: IntoIterator<Item = Grant>>(grants: I) -> GrantSet {
        let mut set = GrantSet::default();
        for g in grants {
            set.insert(g, Expiry::NEVER);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::domain::{Id, Permission, Scope};

    fn grant(p: Permission, scope: Scope) -> Grant {
        Grant::new(p, scope).unwrap()
    }

    fn sample() -> Vec<Grant> {
        let c = |s: &str| Scope::Collaborator(Id::parse(s).unwrap());
        vec![
            grant(Permission::EventView, Scope::Event),
            grant(Permission::CollaboratorAdvanceEdit, c("c2")),
            grant(Permission::CollaboratorAdvanceEdit, c("c1")),
            grant(
                Permission::AreaFileUpload,
                Scope::Area(Id::parse("a0").unwrap()),
            ),
            grant(Permission::EventView, Scope::Event),
        ]
    }

    #[test]
    fn keeps_the_order_and_uniqueness_of_a_btree_set() {
        let mut set = GrantSet::default();
        let mut model = BTreeSet::new();
        for g in sample() {
            assert_eq!(set.insert(g.clone(), Expiry::NEVER), model.insert(g));
        }
        assert_eq!(
            set.iter().map(|h| &h.grant).collect::<Vec<_>>(),
            model.iter().collect::<Vec<_>>()
        );
        let gone = sample().remove(1);
        assert_eq!(set.remove(&gone), model.remove(&gone));
        assert!(!set.remove(&gone));
        assert!(set.get(&gone).is_none());
        assert_eq!(set.len(), model.len());
        assert_eq!(
            set.iter().map(|h| &h.grant).collect::<Vec<_>>(),
            model.iter().collect::<Vec<_>>()
        );
    }

    #[test]
    fn inserting_again_replaces_the_expiry_and_an_expired_grant_covers_nothing() {
        let now = Timestamp::from_secs(100);
        let g = grant(Permission::EventView, Scope::Event);
        let mut set = GrantSet::default();
        assert!(set.insert(g.clone(), Expiry::at(now.plus(10))));
        assert!(set.covers(Permission::EventView, &Scope::Event, now));
        assert!(!set.covers(Permission::EventView, &Scope::Event, now.plus(10)));
        assert!(!set.holds(&g, now.plus(10)));
        assert!(!set.insert(g.clone(), Expiry::NEVER));
        assert_eq!(set.get(&g), Some(Expiry::NEVER));
        assert!(set.covers(Permission::EventView, &Scope::Event, now.plus(10)));
        assert_eq!(
            std::mem::size_of::<Held>(),
            std::mem::size_of::<Grant>() + 8
        );
    }
}
