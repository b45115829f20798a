//! One actix actor per organization ([`OrgActor`]) and per event
//! ([`EventActor`]), each owning its state and handling one message at a
//! time, and the [`Registry`] that maps ids to their addresses.
//!
//! Who decides what (details in `docs/DESIGN.md`):
//! - an event decides everything about itself: slots, collaborators,
//!   areas, attachments, grants and checks;
//! - its org decides the license pools, prices, memberships and org-wide
//!   grants, and pushes each change that touches events (Event Pro count,
//!   Org Pro holders, org-wide grants) to all of them before it answers,
//!   never processing another message meanwhile.

pub mod clock;
mod event;
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod expiry_tests;
mod failure;
mod org;
pub mod placement;
mod registry;
pub mod snapshotter;

/// The journal sequence number an actor's answer reflects.
pub use crate::persist::Seq;
pub use clock::{Clock, Expire, ManualClock, SharedClock, SystemClock};
#[cfg(feature = "fault-injection")]
pub use event::Panic;
pub use event::{
    Capture as CaptureEvent, Check, CheckMany, CopyEvent, EventActor, EventCommand, EventInfo,
    GetCollaborator, GetInfo, GetUse, GetUser, LicenseOf, SlotsUsed, Write, Written,
};
pub use failure::Failure;
pub use org::{
    Access, Capture as CaptureOrg, CopyOrg, CreateEvent, Created, DeleteEvent, GetMember, GetOrg,
    GrantOrgWide, ListEvents, ListMembers, MemberOutcome, OrgActor, OrgGrants, OrgInfo,
    RemoveMember, RevokeOrgWide, SetLicenses, SetMember, SetPools,
};
pub use registry::{OrgEntry, Registry};
