//! Micro-benchmarks of the domain rules, with no actor or HTTP around them:
//! the check for a user with 20 grants and 2 org-wide grants, on an event
//! whose org has org-wide grants for 50 users and whose collaborators have
//! modules (one off), (target: ≤ 150 ns), a slot
//! assignment and release (plan + apply), a grant's `covers`, and the
//! parsing every request does (ids, permissions), and checks spread over
//! 10,000 events and 1M grants, where the tables are not in the CPU caches.
//!
//! `cargo bench --bench domain` (add `-- <filter>` to run some). Under
//! `cargo test --benches` criterion runs each benchmark once, as a smoke test.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use gatehouse::domain::{
    Domain, Event, EventEffect, Expiry, Grant, Held, Id, IdSet, ModulesChange, OrgGrant, OrgView,
    Permission, Scope, Timestamp,
};

/// The instant checks are decided at.
const NOW: Timestamp = Timestamp::from_secs(1_800_000_000);

fn id(s: &str) -> Id {
    Id::parse(s).unwrap()
}

/// Plans a change on `event` and applies it, if it changes anything.
fn apply_put(event: &mut Event, plan: impl FnOnce(&Event) -> Option<EventEffect>) {
    if let Some(effect) = plan(event) {
        event.apply(&effect);
    }
}

/// The dataset's collaborators `c0`..`c4` and areas `a0`..`a2` on `event`.
fn put_collaborators_and_areas(event: &mut Event) {
    for c in 0..5 {
        apply_put(event, |e| {
            e.plan_put_collaborator(&id(&format!("c{c}")), None).effect
        });
    }
    for a in 0..3 {
        apply_put(event, |e| {
            e.plan_put_area(&id(&format!("a{a}")), None).effect
        });
    }
}

/// An event like the dataset's: 5 collaborators (c1's files module off),
/// 3 areas, 200 users with grants, 20 slot holders, an Org Pro holder, a
/// free collaborator, 50 users with org-wide grants, and the user `me` with
/// a slot, 20 grants (3 Event-wide, 10 Collaborator, 7 Area) and 2 org-wide
/// grants.
fn event_with_20_grants() -> Event {
    event_with_20_grants_until(None)
}

/// [`event_with_20_grants`] where every grant, slot, attachment and
/// org-wide grant ends at `until` (when given).
fn event_with_20_grants_until(until: Option<Timestamp>) -> Event {
    let org_pro: IdSet = [id("boss")].into_iter().collect();
    let expires = Expiry::from(until);
    let org_wide = |ps: &[Permission]| {
        ps.iter()
            .map(|&p| OrgGrant::new(p).unwrap().until(expires))
            .collect()
    };
    let mut org_grants: gatehouse::domain::IdMap<Vec<OrgGrant>> = (0..50)
        .map(|u| (id(&format!("o{u:07}")), org_wide(&[Permission::EventView])))
        .collect();
    // Neither covers Area.FileUpload nor Collaborator.FileUpload.
    org_grants.insert(
        id("me"),
        org_wide(&[Permission::EventView, Permission::EventScheduleEdit]),
    );
    let view = Arc::new(OrgView {
        slot_total: 100,
        org_pro,
        org_grants,
        org_grants_expire: until,
    });
    let mut e = Event::new(Some("bench".into()), view);
    put_collaborators_and_areas(&mut e);
    // Background users so the per-user maps have a realistic size.
    for u in 0..200 {
        let user = id(&format!("u{u:07}"));
        let g = Grant::new(Permission::EventView, Scope::Event).unwrap();
        apply_put(&mut e, |e| {
            e.plan_grant(&user, g, until, NOW).unwrap().effect
        });
        if u < 20 {
            apply_put(&mut e, |e| {
                e.plan_assign_slot(&user, until, NOW).unwrap().effect
            });
        }
    }
    // `me`: a slot and 20 grants, none of them Event.Admin nor Event.View,
    // so a check of Area.FileUpload on a2 has to look at every one.
    let me = id("me");
    apply_put(&mut e, |e| {
        e.plan_assign_slot(&me, None, NOW).unwrap().effect
    });
    let mut grants = Vec::new();
    for p in [
        Permission::EventScheduleView,
        Permission::EventFileView,
        Permission::EventUpdate,
    ] {
        grants.push(Grant::new(p, Scope::Event).unwrap());
    }
    for c in 0..5 {
        for p in [
            Permission::CollaboratorAdvanceEdit,
            Permission::CollaboratorScheduleView,
        ] {
            grants.push(Grant::new(p, Scope::Collaborator(id(&format!("c{c}")))).unwrap());
        }
    }
    for a in 0..3 {
        for p in [Permission::AreaScheduleView, Permission::AreaFileView] {
            grants.push(Grant::new(p, Scope::Area(id(&format!("a{a}")))).unwrap());
        }
    }
    grants.push(Grant::new(Permission::AreaView, Scope::Area(id("a0"))).unwrap());
    assert_eq!(grants.len(), 20);
    for g in grants {
        apply_put(&mut e, |e| e.plan_grant(&me, g, until, NOW).unwrap().effect);
    }
    // A free collaborator with the default grants on c1, whose files
    // module is off.
    apply_put(&mut e, |e| {
        e.plan_attach(&id("c1"), &id("band"), None, until, NOW)
            .unwrap()
            .effect
    });
    let files_off = ModulesChange {
        files: Some(false),
        ..ModulesChange::default()
    };
    apply_put(&mut e, |e| {
        e.plan_set_collaborator(&id("c1"), None, files_off).effect
    });
    assert_eq!(e.user_view(&me, NOW).grants.len(), 20);
    e
}

fn check(c: &mut Criterion) {
    let e = event_with_20_grants();
    let me = id("me");
    let a2 = Scope::Area(id("a2"));
    let c4 = Scope::Collaborator(id("c4"));
    let mut g = c.benchmark_group("check");

    // Worst case: every one of the 20 grants and the 2 org-wide ones is
    // tried and none covers it.
    let d = e.check(&me, Permission::AreaFileUpload, &a2, NOW).unwrap();
    assert_eq!(d.reason, gatehouse::domain::Reason::NoPermission);
    g.bench_function("20_grants/denied_after_all", |b| {
        b.iter(|| {
            e.check(
                black_box(&me),
                black_box(Permission::AreaFileUpload),
                black_box(&a2),
                NOW,
            )
        })
    });

    // Granted through rule 4 (Event.FileView reaches Area.FileView): grants
    // iterate in permission order, so this is the third one tried.
    let d = e.check(&me, Permission::AreaFileView, &a2, NOW).unwrap();
    assert!(d.allowed);
    g.bench_function("20_grants/granted_rule4", |b| {
        b.iter(|| {
            e.check(
                black_box(&me),
                black_box(Permission::AreaFileView),
                black_box(&a2),
                NOW,
            )
        })
    });

    // Granted by an exact scoped grant near the end of the set.
    let d = e
        .check(&me, Permission::CollaboratorAdvanceView, &c4, NOW)
        .unwrap();
    assert!(d.allowed);
    g.bench_function("20_grants/granted_scoped", |b| {
        b.iter(|| {
            e.check(
                black_box(&me),
                black_box(Permission::CollaboratorAdvanceView),
                black_box(&c4),
                NOW,
            )
        })
    });

    // The cheap answers: no license (three set lookups), and a free
    // collaborator outside their ceiling.
    let stranger = id("nobody");
    g.bench_function("no_license", |b| {
        b.iter(|| {
            e.check(
                black_box(&stranger),
                black_box(Permission::EventView),
                black_box(&Scope::Event),
                NOW,
            )
        })
    });
    // The worst case on a collaborator: the scope's modules are looked up,
    // and every grant and org-wide grant is tried.
    let d = e
        .check(&me, Permission::CollaboratorFileUpload, &c4, NOW)
        .unwrap();
    assert_eq!(d.reason, gatehouse::domain::Reason::NoPermission);
    g.bench_function("20_grants/denied_after_all_collaborator", |b| {
        b.iter(|| {
            e.check(
                black_box(&me),
                black_box(Permission::CollaboratorFileUpload),
                black_box(&c4),
                NOW,
            )
        })
    });
    let band = id("band");
    let c1 = Scope::Collaborator(id("c1"));
    let d = e
        .check(&band, Permission::CollaboratorFileUpload, &c1, NOW)
        .unwrap();
    assert_eq!(d.reason, gatehouse::domain::Reason::ModuleDisabled);
    g.bench_function("collaborator/module_disabled", |b| {
        b.iter(|| {
            e.check(
                black_box(&band),
                black_box(Permission::CollaboratorFileUpload),
                black_box(&c1),
                NOW,
            )
        })
    });
    g.bench_function("collaborator/outside_license", |b| {
        b.iter(|| {
            e.check(
                black_box(&band),
                black_box(Permission::CollaboratorView),
                black_box(&c4),
                NOW,
            )
        })
    });
    g.finish();
}

/// What counting a refusal adds to a denied check (target: ≤ 20 ns more
/// than `check/no_license`): the check and the count of a user already
/// among 1,000 counted, and of new users in a full map (which now and then
/// forgets the less refused half). An allowed check only compares its
/// reason.
/// The same checks with every entry expiring (in the future): one more
/// comparison per grant tried, no clock read. Prints the bytes a grant
/// takes, with and without its expiry.
fn expiring(c: &mut Criterion) {
    let held = std::mem::size_of::<Held>();
    let grant = std::mem::size_of::<Grant>();
    println!(
        "bytes per grant: {held} ({grant} for the grant, {} for its expiry)",
        held - grant
    );
    let e = event_with_20_grants_until(Some(NOW.plus(3600)));
    let me = id("me");
    let a2 = Scope::Area(id("a2"));
    let d = e.check(&me, Permission::AreaFileUpload, &a2, NOW).unwrap();
    assert_eq!(d.reason, gatehouse::domain::Reason::NoPermission);
    let d = e.check(&me, Permission::AreaFileView, &a2, NOW).unwrap();
    assert!(d.allowed);
    // an hour later all of it counts for nothing
    let later = NOW.plus(3600);
    assert!(
        !e.check(&me, Permission::AreaFileView, &a2, later)
            .unwrap()
            .allowed
    );
    let mut g = c.benchmark_group("check_expiring");
    g.bench_function("20_grants/denied_after_all", |b| {
        b.iter(|| {
            e.check(
                black_box(&me),
                black_box(Permission::AreaFileUpload),
                black_box(&a2),
                black_box(NOW),
            )
        })
    });
    g.bench_function("20_grants/granted_rule4", |b| {
        b.iter(|| {
            e.check(
                black_box(&me),
                black_box(Permission::AreaFileView),
                black_box(&a2),
                black_box(NOW),
            )
        })
    });
    g.finish();
}

fn denials(c: &mut Criterion) {
    use gatehouse::domain::usage::{Denials, MAX_DENIED_COUNTED};
    let mut g = c.benchmark_group("denials");
    let e = event_with_20_grants();
    let mut counted = Denials::default();
    for i in 0..MAX_DENIED_COUNTED {
        counted.count(&id(&format!("x{i:04}")));
    }
    let stranger = id("x0500");
    g.bench_function("no_license/counted", |b| {
        b.iter(|| {
            let d = e
                .check(
                    black_box(&stranger),
                    black_box(Permission::EventView),
                    black_box(&Scope::Event),
                    NOW,
                )
                .unwrap();
            counted.record(&stranger, &d);
            d
        })
    });
    let mut full = counted.clone();
    let strangers: Vec<Id> = (0..4096).map(|i| id(&format!("new{i:05}"))).collect();
    let mut next = 0;
    g.bench_function("no_license/new_user_full_map", |b| {
        b.iter(|| {
            let user = &strangers[next % strangers.len()];
            next += 1;
            let d = e
                .check(
                    black_box(user),
                    black_box(Permission::EventView),
                    black_box(&Scope::Event),
                    NOW,
                )
                .unwrap();
            full.record(user, &d);
            d
        })
    });
    g.finish();
}

fn slots(c: &mut Criterion) {
    let mut e = event_with_20_grants();
    let new_user = id("newcomer");
    let mut g = c.benchmark_group("slot");
    // One iteration = assign (plan + apply) then release (plan + apply), so
    // the event is the same before and after.
    g.bench_function("assign_then_release", |b| {
        b.iter(|| {
            let put = e.plan_assign_slot(black_box(&new_user), None, NOW).unwrap();
            e.apply(put.effect.as_ref().unwrap());
            let release = e.plan_release_slot(black_box(&new_user), NOW).unwrap();
            e.apply(&release);
        })
    });
    // Planning alone: the refusals are as cheap as the acceptances.
    g.bench_function("plan_assign", |b| {
        b.iter(|| e.plan_assign_slot(black_box(&new_user), None, NOW))
    });
    g.bench_function("plan_assign/already_held", |b| {
        let me = id("me");
        b.iter(|| e.plan_assign_slot(black_box(&me), None, NOW))
    });
    g.finish();
}

fn covers(c: &mut Criterion) {
    let mut g = c.benchmark_group("covers");
    let a0 = Scope::Area(id("a0"));
    let admin = Grant::new(Permission::EventAdmin, Scope::Event).unwrap();
    let same = Grant::new(Permission::AreaFileUpload, a0.clone()).unwrap();
    let wide = Grant::new(Permission::EventScheduleEdit, Scope::Event).unwrap();
    let other = Grant::new(Permission::AreaFileUpload, Scope::Area(id("a1"))).unwrap();
    let cases = [
        ("rule1_admin", &admin, Permission::AreaScheduleView, true),
        ("rule2_same_scope", &same, Permission::AreaFileView, true),
        (
            "rule4_event_wide_hit",
            &wide,
            Permission::AreaScheduleView,
            true,
        ),
        (
            "rule4_event_wide_miss",
            &wide,
            Permission::AreaFileView,
            false,
        ),
        ("other_scope_miss", &other, Permission::AreaFileView, false),
    ];
    for (name, grant, want, expected) in cases {
        assert_eq!(grant.covers(want, &a0), expected, "{name}");
        g.bench_function(name, |b| {
            b.iter(|| black_box(grant).covers(black_box(want), black_box(&a0)))
        });
    }
    g.finish();
}

fn parsing(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse");
    g.bench_function("id", |b| b.iter(|| Id::parse(black_box("u0001234"))));
    g.bench_function("permission", |b| {
        b.iter(|| Permission::parse(black_box("Collaborator.FileUpload")))
    });
    g.finish();
}

/// A small deterministic generator (an LCG), so every run checks the same.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n
    }
}

const EVENTS: usize = 10_000;
const USERS_PER_EVENT: usize = 10;
const GRANTS_PER_USER: usize = 10;

fn scope_for(p: Permission, rng: &mut Lcg) -> Scope {
    match p.domain() {
        Domain::Event => Scope::Event,
        Domain::Collaborator => Scope::Collaborator(id(&format!("c{}", rng.below(5)))),
        Domain::Area => Scope::Area(id(&format!("a{}", rng.below(3)))),
    }
}

/// The dataset's shape in memory: 10,000 events of 10 users with 10 grants
/// each (1M grants); per event 2 Org Pro holders, 6 slot holders and 2 free
/// collaborators; 5 collaborators and 3 areas.
fn many_events(rng: &mut Lcg) -> Vec<Event> {
    (0..EVENTS)
        .map(|ev| {
            let user = |u: usize| id(&format!("u{ev:05}{u:02}"));
            let view = Arc::new(OrgView {
                slot_total: 100,
                org_pro: (0..2).map(user).collect(),
                ..Default::default()
            });
            let mut e = Event::new(None, view);
            put_collaborators_and_areas(&mut e);
            for u in 0..USERS_PER_EVENT {
                let me = user(u);
                match u {
                    2..=7 => apply_put(&mut e, |e| {
                        e.plan_assign_slot(&me, None, NOW).unwrap().effect
                    }),
                    8.. => apply_put(&mut e, |e| {
                        e.plan_attach(&id(&format!("c{}", u % 5)), &me, None, None, NOW)
                            .unwrap()
                            .effect
                    }),
                    _ => {}
                }
                for _ in 0..GRANTS_PER_USER {
                    let p = Permission::ALL[rng.below(Permission::ALL.len())];
                    let g = Grant::new(p, scope_for(p, rng)).unwrap();
                    apply_put(&mut e, |e| e.plan_grant(&me, g, None, NOW).unwrap().effect);
                }
            }
            e
        })
        .collect()
}

fn spread(c: &mut Criterion) {
    let mut rng = Lcg(7);
    let events = many_events(&mut rng);
    // 20,000 checks as a request carries them: the event's index, the
    // permission, and the user, collaborator and area as text.
    type Request = (usize, Permission, String, Option<String>, Option<String>);
    let checks: Vec<Request> = (0..20_000)
        .map(|_| {
            let ev = rng.below(EVENTS);
            let user = format!("u{ev:05}{:02}", rng.below(USERS_PER_EVENT + 2));
            let p = Permission::ALL[rng.below(Permission::ALL.len())];
            let (collaborator, area) = match scope_for(p, &mut rng) {
                Scope::Event => (None, None),
                Scope::Collaborator(c) => (Some(c.to_string()), None),
                Scope::Area(a) => (None, Some(a.to_string())),
            };
            (ev, p, user, collaborator, area)
        })
        .collect();
    let parse = |raw: &Option<String>| raw.as_deref().map(|r| Id::parse(r).unwrap());
    let mut g = c.benchmark_group("spread");
    // Parse the ids as the route does, then check: one check per iteration,
    // on an event drawn at random from the 10,000.
    g.bench_function("parse_and_check/10k_events_1M_grants", |b| {
        let mut i = 0;
        b.iter(|| {
            let (ev, p, user, collaborator, area) = &checks[i % checks.len()];
            i += 1;
            let user = Id::parse(user).unwrap();
            let scope = Scope::for_permission(*p, parse(collaborator), parse(area)).unwrap();
            black_box(events[*ev].check(&user, *p, &scope, NOW).unwrap())
        })
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = benches;
    config = config();
    targets = check, expiring, denials, slots, covers, parsing, spread
}
criterion_main!(benches);
