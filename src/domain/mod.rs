//! The licensing and permission rules of SPEC §1, as plain Rust: no actors,
//! HTTP or I/O. Every change is planned first (`plan_*`, which only reads and
//! may refuse) and then applied (`apply`, which cannot fail), so a refused
//! request changes nothing and the journal can replay exactly what was
//! applied.

mod collaborator;
mod error;
mod event;
mod grants;
mod id;
mod license;
mod org;
mod permission;
mod time;
pub mod usage;

#[cfg(test)]
mod proptests;

pub use collaborator::{
    Attachment, Attachments, Collaborator, CollaboratorView, Module, Modules, ModulesChange,
};
pub use error::{Error, InUse};
pub use event::{Event, EventEffect, EventV1, EventV2, Expiring, OrgView, Put, UserView};
pub use grants::{GrantSet, Held};
pub use id::{Id, IdHasher, IdMap, IdSet, MAX_ID_LEN};
pub use license::{Ceiling, Decision, License, OrgLicense, Reason};
pub use org::{
    MemberPlan, Org, OrgEffect, OrgExpiring, OrgKind, OrgV1, OrgV2, Pools, PoolsChange, Prices,
    PricesChange, MAX_POOL,
};
pub use permission::{Action, Domain, Grant, OrgGrant, Permission, Scope};
pub use time::{earliest, Expiry, Timestamp};
