//! Client-chosen identifiers: parsed once at the edge, valid from then on.

use std::borrow::Borrow;
use std::fmt;

use ecow::EcoString;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Error;

/// Hashing for tables keyed by id: foldhash, seeded per process, several
/// times faster than SipHash on short ids while still unpredictable to a
/// client choosing ids.
pub type IdHasher = foldhash::quality::RandomState;
pub type IdMap<V> = std::collections::HashMap<Id, V, IdHasher>;
pub type IdSet = std::collections::HashSet<Id, IdHasher>;

/// The longest id accepted, in bytes (every allowed character is one byte).
pub const MAX_ID_LEN: usize = 128;

/// An org, event, collaborator, area or user id: `[A-Za-z0-9._:@+-]{1,128}`,
/// not made of dots alone.
///
/// Held as an [`EcoString`]: 16 bytes, the size of an `Arc<str>`, with ids
/// of up to 15 bytes stored inline and longer ones shared behind an atomic
/// counter. One id is held by many tables (members, slot holders, grants)
/// and cloned on every message; inline, a lookup compares the bytes already
/// in the table's slot instead of chasing a pointer to them, and parsing one
/// allocates nothing. It orders, hashes and compares as its `str`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(EcoString);

impl Id {
    pub fn parse(raw: &str) -> Result<Id, Error> {
        Self::validate(raw)?;
        Ok(Id(EcoString::from(raw)))
    }

    /// What [`Id::parse`] would refuse, without making the id.
    pub fn validate(raw: &str) -> Result<(), Error> {
        if Self::is_valid(raw) {
            Ok(())
        } else {
            Err(Error::InvalidId(Self::describe(raw)))
        }
    }

    pub fn is_valid(raw: &str) -> bool {
        !raw.is_empty()
            && raw.len() <= MAX_ID_LEN
            && raw.bytes().all(Self::allowed_byte)
            && !raw.bytes().all(|b| b == b'.')
    }

    fn allowed_byte(b: u8) -> bool {
        b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'@' | b'+' | b'-')
    }

    /// A short, printable rendering of a rejected id for error messages.
    fn describe(raw: &str) -> String {
        let shown: String = raw
            .chars()
            .take(40)
            .flat_map(char::escape_default)
            .collect();
        if raw.chars().count() > 40 {
            format!("{shown}… ({} bytes)", raw.len())
        } else {
            shown
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Some valid id, for building lookup tables.
    pub(super) fn probe() -> Id {
        Id(EcoString::from("probe"))
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Borrow<str> for Id {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(IdVisitor)
    }
}

/// Reads an id from the decoder's own buffer where it can, so an id of up
/// to 15 bytes is decoded without allocating.
struct IdVisitor;

impl serde::de::Visitor<'_> for IdVisitor {
    type Value = Id;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an id: 1 to 128 of A-Z a-z 0-9 . _ : @ + -")
    }

    fn visit_str<E: serde::de::Error>(self, raw: &str) -> Result<Id, E> {
        Id::parse(raw).map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_every_allowed_character() {
        assert!(Id::parse("aZ09._:@+-").is_ok());
        assert!(Id::parse("user@example.com").is_ok());
        assert!(Id::parse(&"x".repeat(128)).is_ok());
        assert!(Id::parse(".a").is_ok());
    }

    #[test]
    fn rejects_empty_long_dotted_and_foreign_ids() {
        for bad in ["", ".", "..", "...", "a b", "a/b", "é", "a\0", "😀", "a%2F"] {
            assert!(
                matches!(Id::parse(bad), Err(Error::InvalidId(_))),
                "{bad:?} accepted"
            );
        }
        assert!(Id::parse(&"x".repeat(129)).is_err());
    }

    proptest! {
        /// Ids of up to 15 bytes are stored inline and longer ones on the
        /// heap: across that line they must still compare, order and hash
        /// as their text, or lookups by `&str` and sorted listings would
        /// go wrong.
        #[test]
        fn ids_compare_order_and_hash_as_their_text(
            a in "[a-z0-9]{1,30}",
            b in "[a-z0-9]{1,30}",
        ) {
            let (ia, ib) = (Id::parse(&a).unwrap(), Id::parse(&b).unwrap());
            prop_assert_eq!(ia.as_str(), a.as_str());
            prop_assert_eq!(ia == ib, a == b);
            prop_assert_eq!(ia.cmp(&ib), a.cmp(&b));
            let mut table = IdMap::default();
            table.insert(ia.clone(), 1);
            prop_assert_eq!(table.get(a.as_str()), Some(&1));
            prop_assert_eq!(table.contains_key(b.as_str()), a == b);
        }

        #[test]
        fn parse_agrees_with_the_pattern(raw in "\\PC{0,140}") {
            let pattern_ok = (1..=128).contains(&raw.len())
                && raw.chars().all(|c| c.is_ascii_alphanumeric() || "._:@+-".contains(c))
                && !raw.chars().all(|c| c == '.');
            prop_assert_eq!(Id::parse(&raw).is_ok(), pattern_ok);
        }

        #[test]
        fn valid_ids_round_trip_through_json(raw in "[A-Za-z0-9._:@+-]{1,128}") {
            prop_assume!(!raw.chars().all(|c| c == '.'));
            let id = Id::parse(&raw).unwrap();
            let json = serde_json::to_string(&id).unwrap();
            prop_assert_eq!(serde_json::from_str::<Id>(&json).unwrap(), id);
        }
    }
}
