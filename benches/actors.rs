//! Actor round trips: a `Check` sent to an `EventActor` and its answer
//! awaited, with the actor on the sender's own arbiter and on another one
//! (as the HTTP workers reach the actors in the server), plus the registry
//! lookup, a 100-check `CheckMany`, checks in flight together, and a durable
//! write (journal append + group-commit fsync + wait).
//!
//! `cargo bench --bench actors` (add `-- <filter>` to run some). Each
//! benchmark measures `iters` round trips inside one `block_on` on an actix
//! `System` (`iter_custom`), so the time is per round trip. The journal
//! lives in a temporary folder under `$TMPDIR` (its fsync cost is that
//! file system's).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use futures_util::future::join_all;
use gatehouse::actors::{Check, CheckMany, EventActor, EventCommand, Registry, SystemClock, Write};
use gatehouse::domain::{
    Event, EventEffect, Grant, Id, Org, OrgEffect, OrgKind, OrgLicense, Permission, PoolsChange,
    Scope, Timestamp, MAX_POOL,
};
use gatehouse::metrics::Stats;
use gatehouse::persist::{EventState, Journal, OrgState, State};

/// The instant the dataset is built at (nothing in it expires).
const NOW: Timestamp = Timestamp::from_secs(1_800_000_000);

fn id(s: &str) -> Id {
    Id::parse(s).unwrap()
}

/// One team org `o` (Event Pro at the maximum, 100 members, 5 with Org Pro)
/// with one event `e`: 5 collaborators, 3 areas, 100 users with 4 grants
/// each, 12 slot holders, and `me` with a slot and Event.View.
fn state() -> State {
    let mut org = Org::new(OrgKind::Team);
    let pools = org
        .plan_pools(PoolsChange {
            org_standard: Some(50),
            org_pro: Some(5),
            event_pro: Some(MAX_POOL),
        })
        .unwrap();
    org.apply(&OrgEffect::PoolsSet(pools));
    for m in 0..100 {
        let license = (m < 5).then_some(OrgLicense::OrgPro);
        let plan = org.plan_member(&id(&format!("u{m:07}")), license).unwrap();
        org.apply(plan.effect.as_ref().unwrap());
    }
    let view = Arc::new(org.view());
    let mut event = Event::new(Some("bench".into()), view);
    let apply = |event: &mut Event, plan: &dyn Fn(&Event) -> Option<EventEffect>| {
        if let Some(effect) = plan(event) {
            event.apply(&effect);
        }
    };
    for c in 0..5 {
        apply(&mut event, &|e| {
            e.plan_put_collaborator(&id(&format!("c{c}")), None).effect
        });
    }
    for a in 0..3 {
        apply(&mut event, &|e| {
            e.plan_put_area(&id(&format!("a{a}")), None).effect
        });
    }
    for u in 0..100 {
        let user = id(&format!("u{u:07}"));
        let grants = [
            Grant::new(Permission::EventScheduleView, Scope::Event),
            Grant::new(
                Permission::CollaboratorAdvanceEdit,
                Scope::Collaborator(id(&format!("c{}", u % 5))),
            ),
            Grant::new(
                Permission::AreaFileUpload,
                Scope::Area(id(&format!("a{}", u % 3))),
            ),
            Grant::new(Permission::CollaboratorView, Scope::Collaborator(id("c0"))),
        ];
        for g in grants {
            let g = g.unwrap();
            apply(&mut event, &|e| {
                e.plan_grant(&user, g.clone(), None, NOW).unwrap().effect
            });
        }
        if (5..17).contains(&u) {
            apply(&mut event, &|e| {
                e.plan_assign_slot(&user, None, NOW).unwrap().effect
            });
        }
    }
    let me = id("me");
    apply(&mut event, &|e| {
        e.plan_assign_slot(&me, None, NOW).unwrap().effect
    });
    let view_grant = Grant::new(Permission::EventView, Scope::Event).unwrap();
    apply(&mut event, &|e| {
        e.plan_grant(&me, view_grant.clone(), None, NOW)
            .unwrap()
            .effect
    });

    let mut state = State::default();
    state.orgs.insert(
        id("o"),
        OrgState {
            org,
            applied_seq: 1,
        },
    );
    let mut events = BTreeMap::new();
    events.insert(
        id("e"),
        EventState {
            event,
            applied_seq: 1,
        },
    );
    state.events.insert(id("o"), events);
    state
}

/// How many event actors the spread round trips go to.
const SPREAD: usize = 64;

fn check_msg(user: &Id) -> Check {
    Check {
        user: user.clone(),
        permission: Permission::EventView,
        scope: Scope::Event,
    }
}

/// Sends `n` checks, `in_flight` at a time, to `addrs` in turn, and waits
/// for every answer.
async fn checks(addrs: &[Addr<EventActor>], user: &Id, n: u64, in_flight: u64) {
    let mut left = n;
    while left > 0 {
        let wave = left.min(in_flight);
        let sends = addrs
            .iter()
            .cycle()
            .take(wave as usize)
            .map(|a| a.send(check_msg(user)));
        for answer in join_all(sends).await {
            let (decision, _) = answer.unwrap().unwrap();
            assert!(decision.allowed);
        }
        left -= wave;
    }
}

fn actors(c: &mut Criterion) {
    let sys = System::new();
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(dir.path(), 0, 2, Box::new(|_, _| {})).unwrap();
    let org = id("o");
    let ev = id("e");
    let me = id("me");

    // Another arbiter: a check that arrives on the other HTTP worker.
    let other = Arbiter::new();
    let registry =
        sys.block_on(async { Registry::start(state(), journal.clone(), vec![other.handle()]) });
    let remote = registry.event(&org, &ev).unwrap();
    // 64 copies of the event on the other arbiter, for checks that each
    // reach a different actor (as spread checks do).
    let spread_registry = sys.block_on(async {
        let mut many = state();
        let event = many.events.get_mut(&org).unwrap().remove(&ev).unwrap();
        let copies = many.events.get_mut(&org).unwrap();
        for i in 0..SPREAD {
            copies.insert(id(&format!("e{i:02}")), event.clone());
        }
        Registry::start(many, journal.clone(), vec![other.handle()])
    });
    let spread: Vec<Addr<EventActor>> = (0..SPREAD)
        .map(|i| {
            spread_registry
                .event(&org, &id(&format!("e{i:02}")))
                .unwrap()
        })
        .collect();
    // The same event in a registry whose actors run on the System's thread.
    let local_registry =
        sys.block_on(async { Registry::start(state(), journal.clone(), vec![Arbiter::current()]) });
    // The same arbiter: a copy of the event started on the System's thread.
    let local = sys.block_on(async {
        let event = state().events.remove(&org).unwrap().remove(&ev).unwrap();
        let actor = EventActor::new(
            org.clone(),
            ev.clone(),
            event,
            journal.clone().into(),
            Arc::new(Stats::default()),
            Arc::new(SystemClock),
        );
        actor.start()
    });

    let mut g = c.benchmark_group("actor_check");
    g.throughput(Throughput::Elements(1));
    g.bench_function("same_arbiter", |b| {
        b.iter_custom(|iters| {
            sys.block_on(async {
                let started = Instant::now();
                checks(std::slice::from_ref(&local), &me, iters, 1).await;
                started.elapsed()
            })
        })
    });
    g.bench_function("other_arbiter", |b| {
        b.iter_custom(|iters| {
            sys.block_on(async {
                let started = Instant::now();
                checks(std::slice::from_ref(&remote), &me, iters, 1).await;
                started.elapsed()
            })
        })
    });
    // What a check route does between parsing and answering: the registry
    // lookup (dashmap), the round trip, and the durability wait (already
    // durable here, so only the watch-channel read).
    g.bench_function("other_arbiter/lookup+send+durable", |b| {
        b.iter_custom(|iters| {
            sys.block_on(async {
                let started = Instant::now();
                for _ in 0..iters {
                    let sent = registry.send_event(&org, &ev, check_msg(&me)).unwrap();
                    let (d, seq) = sent.await.unwrap().unwrap();
                    registry.journal().wait_durable(seq).await.unwrap();
                    assert!(d.allowed);
                }
                started.elapsed()
            })
        })
    });
    // The route's send through the registry's own address, against a
    // clone of the address taken out of the map first (the actor on this
    // thread, so the difference is not lost in a cross-thread wake).
    g.bench_function("same_arbiter/registry_send", |b| {
        b.iter_custom(|iters| {
            sys.block_on(async {
                let started = Instant::now();
                for _ in 0..iters {
                    let sent = local_registry
                        .send_event(&org, &ev, check_msg(&me))
                        .unwrap();
                    assert!(sent.await.unwrap().unwrap().0.allowed);
                }
                started.elapsed()
            })
        })
    });
    g.bench_function("same_arbiter/registry_clone_then_send", |b| {
        b.iter_custom(|iters| {
            sys.block_on(async {
                let started = Instant::now();
                for _ in 0..iters {
                    let addr = local_registry.event(&org, &ev).unwrap();
                    assert!(addr.send(check_msg(&me)).await.unwrap().unwrap().0.allowed);
                }
                started.elapsed()
            })
        })
    });
    g.bench_function("registry_lookup_only", |b| {
        b.iter(|| registry.event(std::hint::black_box(&org), std::hint::black_box(&ev)))
    });
    // Throughput with 64 checks in flight (per check): the mailbox and the
    // cross-thread wake-ups are shared by a wave.
    {
        let in_flight = 64;
        g.bench_function(format!("other_arbiter/{in_flight}_in_flight"), |b| {
            b.iter_custom(|iters| {
                sys.block_on(async {
                    let started = Instant::now();
                    checks(std::slice::from_ref(&remote), &me, iters, in_flight).await;
                    started.elapsed()
                })
            })
        });
        g.bench_function(
            format!("other_arbiter/{in_flight}_in_flight_to_{SPREAD}_actors"),
            |b| {
                b.iter_custom(|iters| {
                    sys.block_on(async {
                        let started = Instant::now();
                        checks(&spread, &me, iters, in_flight).await;
                        started.elapsed()
                    })
                })
            },
        );
        g.bench_function(format!("same_arbiter/{in_flight}_in_flight"), |b| {
            b.iter_custom(|iters| {
                sys.block_on(async {
                    let started = Instant::now();
                    checks(std::slice::from_ref(&local), &me, iters, in_flight).await;
                    started.elapsed()
                })
            })
        });
    }
    g.finish();

    // A batch of 100 checks in one message (time per batch).
    let mut g = c.benchmark_group("actor_check_many");
    g.throughput(Throughput::Elements(100));
    let many: Vec<(Id, Permission, Scope)> = (0..100)
        .map(|i| {
            let user = if i % 4 == 0 {
                me.clone()
            } else {
                id(&format!("u{:07}", i % 100))
            };
            (user, Permission::EventView, Scope::Event)
        })
        .collect();
    g.bench_function("100/other_arbiter", |b| {
        b.iter_custom(|iters| {
            sys.block_on(async {
                let started = Instant::now();
                for _ in 0..iters {
                    let (answers, _) = remote.send(CheckMany(many.clone())).await.unwrap();
                    assert_eq!(answers.len(), 100);
                }
                started.elapsed()
            })
        })
    });
    g.finish();

    // Durable writes: a slot for a new user each time, answered once the
    // journal has synced it. Alone (one fsync each) and 64 at a time (group
    // commit shares the fsyncs).
    let mut g = c.benchmark_group("actor_durable_slot");
    g.throughput(Throughput::Elements(1));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(5));
    let next = AtomicU64::new(0);
    let assign = |n: u64| {
        let addr = remote.clone();
        let journal = registry.journal().clone();
        async move {
            let user = id(&format!("w{n:09}"));
            let w = addr
                .send(Write(EventCommand::AssignSlot(user, None)))
                .await
                .unwrap()
                .unwrap();
            journal.wait_durable(w.seq).await.unwrap();
            assert!(w.created);
        }
    };
    g.bench_function("one_at_a_time", |b| {
        b.iter_custom(|iters| {
            sys.block_on(async {
                let started = Instant::now();
                for _ in 0..iters {
                    assign(next.fetch_add(1, Ordering::Relaxed)).await;
                }
                started.elapsed()
            })
        })
    });
    g.bench_function("64_in_flight", |b| {
        b.iter_custom(|iters| {
            sys.block_on(async {
                let started = Instant::now();
                let mut left = iters;
                while left > 0 {
                    let wave = left.min(64);
                    join_all((0..wave).map(|_| assign(next.fetch_add(1, Ordering::Relaxed)))).await;
                    left -= wave;
                }
                started.elapsed()
            })
        })
    });
    g.finish();
    journal.close();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = benches;
    config = config();
    targets = actors
}
criterion_main!(benches);
