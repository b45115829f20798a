#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Durability tests (SPEC §3): each test runs the real `gatehouse` binary as
//! a child process on its own snapshot folder, stops it the hard way
//! (`SIGKILL`) or the clean way (`SIGTERM`/`SIGINT`), damages files where the
//! test is about damage, starts it again and compares what the HTTP API
//! shows with what was acknowledged before.
//!
//! Nothing here sleeps and hopes: every wait polls a condition with a bounded
//! deadline.
//!
//! `process` starts, stops and talks to the binary; `files` lists and damages
//! the folder's files; `state` and `writers` make the states the cases
//! compare; each other module is one kind of case (`logs`: what the
//! request log keeps of each kind of request).

mod crash;
mod damage;
mod expiry;
mod faults;
mod files;
mod logs;
mod process;
mod restore;
mod state;
mod token;
mod writers;
