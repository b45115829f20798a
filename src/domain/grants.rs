//! One user's grants on one event: a sorted, duplicate-free `Vec`.
//!
//! A user holds a handful of grants per event. A `BTreeSet` gives each such
//! handful a whole B-tree leaf (room for 11 grants, ~280 bytes) and a
//! check walks it through node pointers; a sorted `Vec` holds just the
//! grants and is read front to back. With the benchmark dataset (1M grants)
//! it took the loaded server from 227 to 175 MiB. It serializes as the same
//! sequence a `BTreeSet` does, so the snapshot and journal formats are
//! unchanged.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Grant;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GrantSet(Vec<Grant>);

impl GrantSet {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, grant: &Grant) -> bool {
        self.0.binary_search(grant).is_ok()
    }

    /// Adds `grant`; whether it was new.
    pub fn insert(&mut self, grant: Grant) -> bool {
        match self.0.binary_search(&grant) {
            Ok(_) => false,
            Err(at) => {
                self.0.insert(at, grant);
                true
            }
        }
    }

    /// Removes `grant`; whether it was there.
    pub fn remove(&mut self, grant: &Grant) -> bool {
        match self.0.binary_search(grant) {
            Ok(at) => {
                self.0.remove(at);
                true
            }
            Err(_) => false,
        }
    }

    pub fn retain(&mut self, keep: impl FnMut(&Grant) -> bool) {
        self.0.retain(keep);
    }

    /// In order.
    pub fn iter(&self) -> std::slice::Iter<'_, Grant> {
        self.0.iter()
    }
}

impl Serialize for GrantSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(&self.0)
    }
}

impl<'de> Deserialize<'de> for GrantSet {
    /// Sorted and deduplicated whatever the input's order, as a `BTreeSet`
    /// would be.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<GrantSet, D::Error> {
        let mut grants = Vec::<Grant>::deserialize(d)?;
        grants.sort_unstable();
        grants.dedup();
        grants.shrink_to_fit();
        Ok(GrantSet(grants))
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
            assert_eq!(set.insert(g.clone()), model.insert(g));
        }
        assert_eq!(
            set.iter().collect::<Vec<_>>(),
            model.iter().collect::<Vec<_>>()
        );
        let gone = sample().remove(1);
        assert_eq!(set.remove(&gone), model.remove(&gone));
        assert!(!set.remove(&gone));
        assert!(!set.contains(&gone));
        assert_eq!(set.len(), model.len());
        assert_eq!(
            set.iter().collect::<Vec<_>>(),
            model.iter().collect::<Vec<_>>()
        );
    }
}
