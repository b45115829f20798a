//! `expires_at` on the wire (SPEC §1 "Time-bound access"): read from a
//! request as an RFC 3339 string (or `null`, or absent: no expiry), written
//! in answers as RFC 3339 in UTC, and left out of an answer when nothing
//! expires.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::domain::Timestamp;

/// An `expires_at` a request gave. A number, a boolean or anything but an
/// RFC 3339 date-time string is `400 bad_request` saying which.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExpiresAt(pub Timestamp);

const EXPECTED: &str = "expires_at must be an RFC 3339 date-time string such as \"2027-06-01T18:00:00Z\" (or null for no expiry)";

struct At;

impl<'de> Visitor<'de> for At {
    type Value = ExpiresAt;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(EXPECTED)
    }

    fn visit_str<E: de::Error>(self, raw: &str) -> Result<ExpiresAt, E> {
        Timestamp::parse_rfc3339(raw)
            .map(ExpiresAt)
            .map_err(|e| E::custom(e.to_string()))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<ExpiresAt, E> {
        Err(E::custom(format!("{EXPECTED}, not a number")))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<ExpiresAt, E> {
        Err(E::custom(format!("{EXPECTED}, not a number")))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<ExpiresAt, E> {
        Err(E::custom(format!("{EXPECTED}, not a number")))
    }
}

impl<'de> Deserialize<'de> for ExpiresAt {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ExpiresAt, D::Error> {
        d.deserialize_any(At)
    }
}

/// A body whose only field is `expires_at`: the slot and grant `PUT`s.
/// Empty, `{}`, a missing key or `null`: no expiry.
#[derive(Deserialize, Default, ToSchema)]
pub struct ExpiryBody {
    /// When it ends (RFC 3339, in the future, at most 9999-12-31T23:59:59Z);
    /// a `PUT` of the same thing replaces the expiry it had.
    #[schema(value_type = Option<String>, format = DateTime, example = "2027-06-01T18:00:00Z")]
    pub expires_at: Option<ExpiresAt>,
}

/// An instant as answers write it: RFC 3339 in UTC.
pub fn rfc3339(t: Option<Timestamp>) -> Option<String> {
    t.map(|t| t.to_string())
}
