//! Gatehouse: the license and permission server of an event-production
//! platform. It answers "may this user do this here?" and keeps the license
//! pools that decide who is let in at all.
//!
//! # Layout
//!
//! - [`domain`]: the rules (ids, permissions, grants, licenses, orgs,
//!   events) as plain types with no actors, HTTP or I/O.
//! - [`actors`]: one actix actor per organization and per event, each
//!   owning its state, and the registry mapping ids to their addresses.
//! - [`persist`]: the journal, snapshots and restore; all bincode lives in
//!   `persist::codec`.
//! - [`http`]: the actix-web routes, authentication and the error table.
//! - [`cluster`]: the cluster file, shards and the HAProxy configuration
//!   (SPEC §5).
//! - [`config`], [`startup`], [`telemetry`]: flags, building the app (the
//!   same way for `main` and the tests), logs.

#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

pub mod actors;
pub mod cluster;
pub mod config;
pub mod domain;
pub mod http;
pub mod inspect;
pub mod metrics;
pub mod persist;
pub mod startup;
pub mod telemetry;
