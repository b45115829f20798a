//! The one clock the actors read (SPEC §1 "Time-bound access"). The rules
//! take the time as an argument; the actors read it here and pass it in, so
//! a test can drive time with a [`ManualClock`] instead of sleeping.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use actix::Message;

use crate::domain::Timestamp;

pub trait Clock: Send + Sync + 'static {
    /// The current instant, in whole seconds (rounded down).
    fn now(&self) -> Timestamp;
}

/// Shared by the registry, every actor and the HTTP edge.
pub type SharedClock = Arc<dyn Clock>;

/// The system's wall clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let secs = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |s| -s),
        };
        Timestamp::from_secs(secs)
    }
}

/// A clock that says what it is told: for tests, which move it forward
/// instead of waiting.
#[derive(Debug)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn at(t: Timestamp) -> Arc<ManualClock> {
        Arc::new(ManualClock(AtomicI64::new(t.secs())))
    }

    pub fn set(&self, t: Timestamp) {
        self.0.store(t.secs(), Ordering::Relaxed);
    }

    pub fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::Relaxed);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_secs(self.0.load(Ordering::Relaxed))
    }
}

/// How long to wait before asking again whether `due` has come, read at
/// `now`. At most an hour: a far expiry is re-armed on the way, which also
/// follows a wall clock that was set back or forward meanwhile.
pub fn wait_until(due: Timestamp, now: Timestamp) -> std::time::Duration {
    let secs = due.secs().saturating_sub(now.secs()).clamp(0, 3600);
    std::time::Duration::from_secs(u64::try_from(secs).unwrap_or(0))
}

/// From an actor's own timer to itself: remove what has expired. What that
/// is, is decided when the message is handled, at the clock's time then.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Expire;
