//! Durability: a write-ahead journal with group commit, bincode snapshots,
//! and restore (SPEC §3). See `docs/DESIGN.md` for how a snapshot and the
//! journal line up.

pub mod codec;
pub mod journal;
pub mod lock;
pub mod log;
pub mod record;
pub mod restore;
mod segment;
pub mod snapshot;
pub mod state;
pub mod v1;

pub use journal::{Journal, JournalError};
pub use log::{Log, Replicated};
pub use record::{Record, Seq};
pub use state::{EventState, OrgState, State};
