//! Time as the rules see it (SPEC §1 "Time-bound access"): instants in
//! whole seconds since the Unix epoch, always passed in by the caller (the
//! domain reads no clock), expiries of grants, slots and attachments, and
//! RFC 3339 reading and writing.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Error;

/// An instant: whole seconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Timestamp(i64);

/// Seconds in a day.
const DAY: i64 = 86_400;

impl Timestamp {
    /// 9999-12-31T23:59:59Z: the latest expiry accepted.
    pub const MAX: Timestamp = Timestamp(253_402_300_799);

    pub const fn from_secs(secs: i64) -> Timestamp {
        Timestamp(secs)
    }

    pub const fn secs(self) -> i64 {
        self.0
    }

    /// `self` plus `secs` seconds (saturating).
    pub const fn plus(self, secs: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(secs))
    }

    /// Reads an RFC 3339 date-time (`2027-06-01T18:00:00Z`, `…T20:00:00+02:00`,
    /// `…T18:00:00.250Z`). A fraction of a second rounds up to the next
    /// whole second, so access never ends before the instant asked for.
    /// A year past 9999 is refused as such.
    pub fn parse_rfc3339(raw: &str) -> Result<Timestamp, Error> {
        let not_rfc3339 = || {
            Error::BadRequest(format!(
                "expires_at {:?} is not an RFC 3339 date-time such as \"2027-06-01T18:00:00Z\"",
                raw.chars().take(64).collect::<String>()
            ))
        };
        let t = parse(raw).ok_or_else(not_rfc3339)?;
        if t > Timestamp::MAX {
            return Err(Error::BadRequest(format!(
                "expires_at {raw:?} is after the year 9999"
            )));
        }
        Ok(t)
    }

    /// The expiry a request may set at `now`: in the future, and no later
    /// than the year 9999. `None` (no expiry) is always allowed.
    pub fn expiry(expires_at: Option<Timestamp>, now: Timestamp) -> Result<Expiry, Error> {
        match expires_at {
            None => Ok(Expiry::NEVER),
            Some(t) if t > Timestamp::MAX => Err(Error::BadRequest(format!(
                "expires_at {t} is after the year 9999"
            ))),
            Some(t) if t <= now => Err(Error::BadRequest(format!(
                "expires_at {t} is in the past (it is now {now}): an expiry must be later than now"
            ))),
            Some(t) => Ok(Expiry::at(t)),
        }
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC: `2027-06-01T18:00:00Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(DAY);
        let secs = self.0.rem_euclid(DAY);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

/// When an entry (a grant, a slot, an attachment) stops counting: an
/// instant, or never. Eight bytes (no `Option` tag: "never" is a value no
/// accepted expiry reaches), and one comparison to ask at a check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Expiry(i64);

impl Expiry {
    pub const NEVER: Expiry = Expiry(i64::MAX);

    pub const fn at(t: Timestamp) -> Expiry {
        Expiry(t.0)
    }

    /// The instant it ends, or `None` for never.
    pub fn time(self) -> Option<Timestamp> {
        (self != Expiry::NEVER).then_some(Timestamp(self.0))
    }

    /// Whether the entry still counts at `now`: at or after its expiry it
    /// counts for nothing.
    #[inline]
    pub fn live_at(self, now: Timestamp) -> bool {
        now.0 < self.0
    }
}

impl Default for Expiry {
    fn default() -> Expiry {
        Expiry::NEVER
    }
}

impl From<Option<Timestamp>> for Expiry {
    fn from(t: Option<Timestamp>) -> Expiry {
        t.map_or(Expiry::NEVER, Expiry::at)
    }
}

impl Serialize for Expiry {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.time().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Expiry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Expiry, D::Error> {
        Option::<Timestamp>::deserialize(d).map(Expiry::from)
    }
}

/// The earliest of two optional instants.
pub fn earliest(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// `YYYY-MM-DD(T|t| )HH:MM:SS(.fraction)?(Z|z|±HH:MM)`; years of more than
/// four digits are read (and then refused as past 9999 by the caller).
fn parse(raw: &str) -> Option<Timestamp> {
    let b = raw.as_bytes();
    let year_len = b.iter().position(|&c| c == b'-')?;
    if !(4..=6).contains(&year_len) {
        return None;
    }
    let year = digits(b, 0, year_len)?;
    let rest = b.get(year_len..)?;
    if rest.len() < 15 || rest.first() != Some(&b'-') || rest.get(3) != Some(&b'-') {
        return None;
    }
    let month = digits(rest, 1, 2)?;
    let day = digits(rest, 4, 2)?;
    if !matches!(rest.get(6), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let hour = digits(rest, 7, 2)?;
    let minute = digits(rest, 10, 2)?;
    let second = digits(rest, 13, 2)?;
    if rest.get(9) != Some(&b':') || rest.get(12) != Some(&b':') {
        return None;
    }
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut tail = rest.get(15..)?;
    let mut round_up = 0;
    if tail.first() == Some(&b'.') {
        let n = tail
            .iter()
            .skip(1)
            .take_while(|c| c.is_ascii_digit())
            .count();
        if n == 0 {
            return None;
        }
        if tail.get(1..=n)?.iter().any(|&c| c != b'0') {
            round_up = 1;
        }
        tail = tail.get(n + 1..)?;
    }
    let offset = match tail {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (h, m) = (digits(tail, 1, 2)?, digits(tail, 4, 2)?);
            if h > 23 || m > 59 {
                return None;
            }
            let off = h * 3600 + m * 60;
            if *sign == b'+' {
                off
            } else {
                -off
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * DAY + hour * 3600 + minute * 60 + second + round_up - offset;
    Some(Timestamp(secs))
}

/// The number written by `len` ASCII digits of `b` at `at`.
fn digits(b: &[u8], at: usize, len: usize) -> Option<i64> {
    b.get(at..at + len)?.iter().try_fold(0i64, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
    })
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day counted from 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(raw: &str) -> Timestamp {
        Timestamp::parse_rfc3339(raw).unwrap()
    }

    #[test]
    fn rfc3339_reads_utc_offsets_and_fractions_and_writes_utc() {
        assert_eq!(t("1970-01-01T00:00:00Z").secs(), 0);
        assert_eq!(t("2027-06-01T18:00:00Z").secs(), 1_811_872_800);
        assert_eq!(t("2027-06-01T20:00:00+02:00"), t("2027-06-01T18:00:00Z"));
        assert_eq!(t("2027-06-01t17:30:00-00:30"), t("2027-06-01T18:00:00z"));
        assert_eq!(t("2027-06-01T18:00:00.000Z"), t("2027-06-01T18:00:00Z"));
        assert_eq!(t("2027-06-01T18:00:00.25Z"), t("2027-06-01T18:00:01Z"));
        assert_eq!(
            t("2024-02-29T00:00:00Z").to_string(),
            "2024-02-29T00:00:00Z"
        );
        assert_eq!(Timestamp::MAX.to_string(), "9999-12-31T23:59:59Z");
        assert_eq!(t("9999-12-31T23:59:59Z"), Timestamp::MAX);
        for secs in [0, 59, 86_399, 951_782_400, 1_811_872_800, 253_402_300_799] {
            let ts = Timestamp::from_secs(secs);
            assert_eq!(t(&ts.to_string()), ts);
        }
    }

    #[test]
    fn malformed_dates_and_years_past_9999_are_bad_requests_saying_which() {
        for bad in [
            "",
            "2027-06-01",
            "2027-06-01T18:00:00",
            "2027-06-01T18:00Z",
            "2027-13-01T18:00:00Z",
            "2027-02-29T18:00:00Z",
            "2027-06-01T24:00:00Z",
            "2027-06-01T18:00:00.Z",
            "2027-06-01T18:00:00+2:00",
            "2027-06-01T18:00:00Zjunk",
            "27-06-01T18:00:00Z",
            "tomorrow",
        ] {
            let Err(Error::BadRequest(m)) = Timestamp::parse_rfc3339(bad) else {
                panic!("{bad:?} was accepted");
            };
            assert!(m.contains("not an RFC 3339"), "{bad:?}: {m}");
        }
        for late in [
            "10000-01-01T00:00:00Z",
            "9999-12-31T23:59:59-00:01",
            "9999-12-31T23:59:59.5Z",
        ] {
            let Err(Error::BadRequest(m)) = Timestamp::parse_rfc3339(late) else {
                panic!("{late:?} was accepted");
            };
            assert!(m.contains("after the year 9999"), "{late:?}: {m}");
        }
    }

    #[test]
    fn an_expiry_must_be_later_than_now_and_ends_access_at_its_instant() {
        let now = Timestamp::from_secs(1_000);
        assert_eq!(Timestamp::expiry(None, now), Ok(Expiry::NEVER));
        let Err(Error::BadRequest(m)) = Timestamp::expiry(Some(now), now) else {
            panic!("now was accepted");
        };
        assert!(m.contains("in the past"), "{m}");
        let e = Timestamp::expiry(Some(now.plus(1)), now).unwrap();
        assert!(e.live_at(now));
        assert!(!e.live_at(now.plus(1)));
        assert!(Expiry::NEVER.live_at(Timestamp::MAX));
        assert_eq!(Expiry::NEVER.time(), None);
        assert_eq!(e.time(), Some(now.plus(1)));
        assert_eq!(std::mem::size_of::<Expiry>(), 8);
    }
}
