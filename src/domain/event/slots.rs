//! An event's Event Pro slot holders, each until when, and how many of them
//! expire at all: with none, every holder is live and the pool's use is the
//! map's length, so a claim costs O(1) rather than a pass over the holders.
//! Stored as the map alone (the count is rebuilt when read).

use std::ops::Deref;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Expiry, Id, IdMap, Timestamp};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Slots {
    holders: IdMap<Expiry>,
    /// Holders whose slot ends (`Expiry` other than `NEVER`).
    expiring: u32,
}

impl Slots {
    pub fn insert(&mut self, user: Id, expires: Expiry) {
        let old = self.holders.insert(user, expires);
        self.forget(old);
        if expires != Expiry::NEVER {
            self.expiring += 1;
        }
    }

    pub fn remove(&mut self, user: &Id) {
        let old = self.holders.remove(user);
        self.forget(old);
    }

    fn forget(&mut self, old: Option<Expiry>) {
        if old.is_some_and(|e| e != Expiry::NEVER) {
            self.expiring = self.expiring.saturating_sub(1);
        }
    }

    /// The holders whose slot is live at `now`.
    pub fn live(&self, now: Timestamp) -> impl Iterator<Item = (&Id, &Expiry)> {
        self.holders.iter().filter(move |(_, e)| e.live_at(now))
    }

    /// How many slots are in use at `now`.
    pub fn used(&self, now: Timestamp) -> u32 {
        let n = if self.expiring == 0 {
            self.holders.len()
        } else {
            self.live(now).count()
        };
        u32::try_from(n).unwrap_or(u32::MAX)
    }
}

impl Deref for Slots {
    type Target = IdMap<Expiry>;

    fn deref(&self) -> &IdMap<Expiry> {
        &self.holders
    }
}

impl FromIterator<(Id, Expiry)> for Slots {
    fn from_iter<I: IntoIterator<Item = (Id, Expiry)>>(iter: I) -> Slots {
        let mut slots = Slots::default();
        for (user, expires) in iter {
            slots.insert(user, expires);
        }
        slots
    }
}

impl From<IdMap<Expiry>> for Slots {
    fn from(holders: IdMap<Expiry>) -> Slots {
        let expiring = holders.values().filter(|e| **e != Expiry::NEVER).count();
        Slots {
            holders,
            expiring: u32::try_from(expiring).unwrap_or(u32::MAX),
        }
    }
}

impl Serialize for Slots {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.holders.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Slots {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Slots, D::Error> {
        IdMap::<Expiry>::deserialize(d).map(Slots::from)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn id(s: &str) -> Id {
        Id::parse(s).unwrap()
    }

    #[test]
    fn the_count_of_expiring_holders_follows_every_change() {
        let (t0, t1) = (Timestamp::from_secs(100), Timestamp::from_secs(200));
        let mut slots = Slots::default();
        slots.insert(id("a"), Expiry::NEVER);
        slots.insert(id("b"), Expiry::at(t1));
        assert_eq!((slots.used(t0), slots.used(t1)), (2, 1));
        slots.insert(id("b"), Expiry::NEVER); // no longer ends
        assert_eq!((slots.expiring, slots.used(t1)), (0, 2));
        slots.insert(id("a"), Expiry::at(t1));
        slots.remove(&id("a"));
        assert_eq!((slots.expiring, slots.used(t1)), (0, 1));
        slots.remove(&id("nobody"));
        assert_eq!(slots.expiring, 0);
    }

    #[test]
    fn it_is_stored_as_the_map_alone_and_counts_again_when_read() {
        let t1 = Timestamp::from_secs(200);
        let slots: Slots = [(id("a"), Expiry::NEVER), (id("b"), Expiry::at(t1))]
            .into_iter()
            .collect();
        let bytes = serde_json::to_vec(&slots).unwrap();
        assert_eq!(bytes, serde_json::to_vec(&slots.holders).unwrap());
        let back: Slots = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(back, slots);
        assert_eq!(back.expiring, 1);
    }
}
