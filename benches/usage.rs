//! The in-process part of `GET /v1/orgs/{org}/usage`: the usage answer and
//! its advice for an org with 100 events and 10,000 users (target: the
//! whole route within 20 ms p99), with 16 swap candidates (the largest
//! exact search: every one of 65,536 sets) and with 40 (the heuristic).
//! Each event has 30 to 40 external slot holders plus about half of the
//! candidates, 50 users with idle grants, 5 needing a slot and 1,000
//! denial counters (the per-event bound).
//!
//! `swap_plan_*` times the `org_pro_swap` search alone.
//!
//! `real_scale_*` is the org `benches/usage_http.sh` loads: 10,000 members
//! (80 % Org Standard, 1 % Org Pro), 100 events with 150 slot holders each
//! drawn from the members without Org Pro, so about 7,800 swap candidates.
//! `real_scale_priced` has that script's prices (Org Pro dear: no set of
//! moves saves anything); `real_scale_cheap_org_pro` makes Org Pro cheap
//! and Event Pro dear, so the heuristic's descent runs all the way down.
//!
//! `cargo bench --bench usage`. After criterion's estimates it times 200
//! single runs of each and prints their p50 and p99. Under
//! `cargo test --benches` criterion runs each benchmark once.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use gatehouse::domain::usage::{EventUse, OrgUse, Prices};
use gatehouse::domain::{Id, OrgLicense, Pools};

const USERS: usize = 10_000;
const MEMBERS: usize = 3_000;
const EVENTS: usize = 100;

fn user(i: usize) -> Id {
    Id::parse(&format!("u{i:05}")).unwrap()
}

/// A fixed pseudo-random bit per (candidate, event).
fn holds(c: usize, e: usize) -> bool {
    let x = (c as u64 * 0x9E37_79B9_7F4A_7C15) ^ (e as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    (x.wrapping_mul(0x1656_67B1_9E37_79F9) >> 61) & 1 == 1
}

/// The org described in the module doc, with `candidates` producers.
fn org(candidates: usize) -> OrgUse {
    let mut members: BTreeMap<Id, Option<OrgLicense>> = BTreeMap::new();
    for i in 0..MEMBERS {
        let license = match i {
            i if i < candidates => Some(OrgLicense::OrgStandard),
            i if i < 1_000 => Some(OrgLicense::OrgStandard),
            i if i < 1_200 => Some(OrgLicense::OrgPro),
            _ => None,
        };
        members.insert(user(i), license);
    }
    let events = (0..EVENTS)
        .map(|e| {
            let mut holders: Vec<Id> = (0..candidates).filter(|&c| holds(c, e)).map(user).collect();
            let externals = 30 + (e * 7) % 11;
            holders
                .extend((0..externals).map(|x| user(MEMBERS + (e * 37 + x) % (USERS - MEMBERS))));
            holders.sort();
            holders.dedup();
            EventUse {
                id: Id::parse(&format!("event-{e:03}")).unwrap(),
                peak: holders.len() as u32 + (e % 3) as u32,
                holders,
                needs_slot: (0..5).map(|i| user(1_500 + e * 5 + i)).collect(),
                idle_grants: (0..50).map(|i| user((e * 50 + i) % USERS)).collect(),
                denied_by_license: (0..1_000)
                    .map(|i| (user((e * 13 + i * 7) % USERS), (i as u64 * 31) % 97 + 1))
                    .collect(),
            }
        })
        .collect();
    OrgUse {
        pools: Pools {
            org_standard: 1_100,
            org_pro: 250,
            event_pro: 60,
        },
        prices: Prices {
            org_standard: 20,
            org_pro: 45,
            event_pro: 40,
        },
        members,
        events,
    }
}

/// A fixed pseudo-random sequence (splitmix64).
struct Mix(u64);

impl Mix {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % n as u64) as usize
    }
}

/// The org `benches/usage_http.sh` loads, at these prices.
fn real_scale(prices: Prices) -> OrgUse {
    const SLOTS: usize = 150;
    let license = |i: usize| match i {
        i if i % 100 == 0 => Some(OrgLicense::OrgPro),
        i if i % 5 != 0 => Some(OrgLicense::OrgStandard),
        _ => None,
    };
    let members: BTreeMap<Id, Option<OrgLicense>> =
        (0..USERS).map(|i| (user(i), license(i))).collect();
    let may_hold: Vec<usize> = (0..USERS).filter(|i| i % 100 != 0).collect();
    let mut mix = Mix(21);
    let events = (0..EVENTS)
        .map(|e| {
            let mut pool = may_hold.clone();
            let mut holders: Vec<Id> = (0..SLOTS)
                .map(|_| user(pool.swap_remove(mix.below(pool.len()))))
                .collect();
            holders.sort();
            EventUse {
                id: Id::parse(&format!("e{e:03}")).unwrap(),
                peak: SLOTS as u32,
                holders,
                needs_slot: Vec::new(),
                idle_grants: (0..5).map(|_| user(mix.below(USERS))).collect(),
                denied_by_license: (0..20)
                    .map(|i| (Id::parse(&format!("x{i}")).unwrap(), 1 + i as u64))
                    .collect(),
            }
        })
        .collect();
    OrgUse {
        pools: Pools {
            org_standard: USERS as u32,
            org_pro: (USERS / 50) as u32,
            event_pro: SLOTS as u32 + 10,
        },
        prices,
        members,
        events,
    }
}

/// The real-scale orgs: (name, org).
fn real_scale_orgs() -> [(&'static str, OrgUse); 2] {
    [
        (
            "real_scale_priced",
            real_scale(Prices {
                org_standard: 10,
                org_pro: 60,
                event_pro: 25,
            }),
        ),
        (
            "real_scale_cheap_org_pro",
            real_scale(Prices {
                org_standard: 10,
                org_pro: 12,
                event_pro: 200,
            }),
        ),
    ]
}

fn usage(c: &mut Criterion) {
    let mut g = c.benchmark_group("usage");
    for candidates in [16, 40] {
        let org = org(candidates);
        let answer = org.usage();
        assert!(answer.advice.len() > 300, "{}", answer.advice.len());
        g.bench_function(
            format!("100_events_10000_users_{candidates}_candidates"),
            |b| b.iter(|| black_box(&org).usage()),
        );
        // The org_pro_swap search alone, to tell its share.
        g.bench_function(format!("swap_plan_{candidates}_candidates"), |b| {
            b.iter(|| black_box(&org).swap_plan())
        });
    }
    for (name, org) in real_scale_orgs() {
        g.bench_function(format!("{name}_usage"), |b| {
            b.iter(|| black_box(&org).usage())
        });
        g.bench_function(format!("{name}_swap_plan"), |b| {
            b.iter(|| black_box(&org).swap_plan())
        });
    }
    g.finish();
}

/// p50 and p99 of single runs: criterion reports means, SPEC's target is a
/// p99.
fn percentiles(_: &mut Criterion) {
    if std::env::args().any(|a| a == "--test") {
        return;
    }
    let small = [16, 40].map(|n| (format!("{n} candidates"), org(n)));
    let real = real_scale_orgs().map(|(name, org)| (name.to_string(), org));
    for (name, org) in small.into_iter().chain(real) {
        let runs = 200;
        let mut times: Vec<Duration> = (0..runs)
            .map(|_| {
                let start = Instant::now();
                black_box(black_box(&org).usage());
                start.elapsed()
            })
            .collect();
        times.sort();
        let swap = org
            .swap_plan()
            .map(|p| (p.users.len(), p.event_pro_from, p.event_pro_to));
        println!(
            "usage, {name}: p50 {:?}, p99 {:?} over {runs} runs (swap: {swap:?})",
            times[runs / 2],
            times[runs * 99 / 100]
        );
    }
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = usage, percentiles
}
criterion_main!(benches);
