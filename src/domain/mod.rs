//! The licensing and permission rules of SPEC §1, as plain Rust: no actors,
//! HTTP or I/O. Every change is planned first (`plan_*`, which only reads and
//! may refuse) and then applied (`apply`, which cannot fail), so a refused
//! request changes nothing and the journal can replay exactly what was
//! applied.

mod error;
mod event;
mod grants;
mod id;
mod license;
mod org;
mod permission;
pub mod usage;

#[cfg(test)]
mod proptests;

pub use error::{Error, InUse};
pub use event::{Event, EventEffect, OrgView, Put, UserView};
pub use grants::GrantSet;
pub use id::{Id, IdHasher, IdMap, IdSet, MAX_ID_LEN};
pub use license::{Ceiling, Decision, License, OrgLicense, Reason};
pub use org::{MemberPlan, Org, OrgEffect, OrgKind, Pools, PoolsChange, MAX_POOL};
pub use permission::{Action, Domain, Grant, Permission, Scope};
