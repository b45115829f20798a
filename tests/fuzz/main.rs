#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Robustness of the HTTP front (SPEC §2) against hostile and malformed
//! input, spoken over raw HTTP/1.1 sockets so that every byte is ours: odd
//! methods, invalid percent-encoding, dot segments, huge queries, broken or
//! enormous bodies, wrong tokens.
//!
//! The fuzz test is seeded (`GATEHOUSE_FUZZ_SEED` overrides the fixed seed);
//! each request is generated from the seed and its index alone, so a failure
//! names both and the request can be rebuilt.
//!
//! `client` speaks raw HTTP/1.1; `routes` reads the route table from the
//! OpenAPI document; `generate` makes a request and what it must get;
//! `check` judges an answer; `reference` builds the states fuzzed against;
//! `bodies` and `slow` are the focused cases.

mod bodies;
mod check;
mod client;
mod generate;
mod reference;
mod routes;
mod slow;

#[path = "../common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::time::Instant;

use check::judge;
use client::{blocking, health, send};
use common::{ADMIN_TOKEN as ADMIN, CHECK_TOKEN as CHECK};
use generate::generate;
use reference::{build_fuzz_orgs, build_reference, reference_views};

const MIB: usize = 1 << 20;

/// The fixed seed; `GATEHOUSE_FUZZ_SEED` (decimal or 0x-hex) overrides it.
const SEED: u64 = 0x6a7e_4045_5eed_2026;
/// How many random requests the fuzz test sends.
const REQUESTS: u64 = 4000;
/// Client threads sending them (the server has its own worker threads).
const CLIENTS: u64 = 4;

/// A server with no periodic snapshots.
async fn start() -> common::Server {
    common::start(common::Options::no_snapshots()).await
}

/// Starts a server and runs `f` with its port, off the test's runtime.
async fn with_server<T: Send + 'static>(f: impl FnOnce(u16) -> T + Send + 'static) -> T {
    let server = start().await;
    let port = server.port;
    blocking(move || f(port)).await
}

#[actix_web::test]
async fn fuzzed_requests_never_break_the_contract_or_the_reference_org() {
    let server = start().await;
    let port = server.port;
    let seed = common::seed("GATEHOUSE_FUZZ_SEED", SEED);
    let started = Instant::now();
    let failures = blocking(move || {
        build_reference(port);
        build_fuzz_orgs(port);
        let before = reference_views(port);
        let mut failures: Vec<String> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..CLIENTS)
                .map(|client| {
                    scope.spawn(move || {
                        let mut failures = Vec::new();
                        let mut statuses = BTreeMap::new();
                        for index in (client..REQUESTS).step_by(CLIENTS as usize) {
                            let case = generate(seed, index);
                            let problem = match send(port, &case.request) {
                                Ok(response) => {
                                    *statuses.entry(response.status).or_insert(0u32) += 1;
                                    judge(&case, &response).err()
                                }
                                Err(e) => Some(format!("no answer (did the server crash?): {e}")),
                            };
                            if let Some(problem) = problem {
                                failures.push(format!(
                                    "seed {seed:#x} index {index}: {problem}\n    request: {}",
                                    case.request.describe()
                                ));
                            }
                        }
                        (failures, statuses)
                    })
                })
                .collect();
            let mut statuses = BTreeMap::new();
            let mut failures = Vec::new();
            for worker in workers {
                let (f, s) = worker.join().unwrap();
                failures.extend(f);
                for (status, n) in s {
                    *statuses.entry(status).or_insert(0) += n;
                }
            }
            eprintln!("fuzz: answers by status: {statuses:?}");
            failures
        });
        let up = health(port);
        if up.status != 200 {
            failures.push(format!("GET /health after fuzzing: {} {}", up.status, up.text()));
        }
        let after = reference_views(port);
        for ((what, s0, b0), (_, s1, b1)) in before.iter().zip(&after) {
            if (s0, b0) != (s1, b1) {
                failures.push(format!(
                    "seed {seed:#x}: the reference org changed: {what}\n    before: {s0} {}\n    after:  {s1} {}",
                    String::from_utf8_lossy(b0),
                    String::from_utf8_lossy(b1)
                ));
            }
        }
        failures
    })
    .await;
    eprintln!(
        "fuzz: {REQUESTS} requests, seed {seed:#x}, {:.1?}",
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "{} problem(s) (seed {seed:#x}; rerun with GATEHOUSE_FUZZ_SEED={seed:#x}):\n{}",
        failures.len(),
        failures
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
