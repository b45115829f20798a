//! Black-box HTTP tests of Gatehouse against SPEC sections 1 and 2: each test
//! starts its own server on a random port and talks to it over HTTP.

// A test that fails should panic; the server's no-panic lints stop here.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod access;
mod auth;
mod check;
mod collaborators;
mod concurrency;
mod errors;
mod events;
mod expiry;
mod grants;
mod helpers;
mod ids;
mod members;
mod metrics;
mod modules;
mod order;
mod org_grants;
mod orgs;
mod revisions;
mod slots;
mod usage;
