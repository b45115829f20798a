//! Property tests of the pure rules: the check is monotone in grants (and
//! modules and the one-collaborator rule are ceilings, not grants), a check
//! is allowed exactly when inside the ceiling and covered, and implication
//! is transitive. The whole-system model (org, events, journal replay and
//! the codec) is in `tests/model.rs`.

use std::sync::Arc;

use proptest::prelude::*;

use crate::domain::{
    Decision, Domain, Event, EventEffect, Grant, Id, IdSet, License, Modules, OrgGrant, OrgView,
    Permission, Reason, Scope, Timestamp,
};

/// The instant the rules are asked at, where nothing expires.
const NOW: Timestamp = Timestamp::from_secs(1_000_000);

const USERS: [&str; 4] = ["u0", "u1", "u2", "u3"];
/// Collaborators and areas share these ids, so the two kinds collide too.
const SCOPES: [&str; 2] = ["s0", "s1"];

fn id(s: &str) -> Id {
    Id::parse(s).unwrap()
}

fn user(i: usize) -> Id {
    id(USERS[i % USERS.len()])
}

fn scope_id(i: usize) -> Id {
    id(SCOPES[i % SCOPES.len()])
}

/// The scope a permission takes, picking the collaborator or area `i`.
fn scope_for(p: Permission, i: usize) -> Scope {
    match p.domain() {
        Domain::Event => Scope::Event,
        Domain::Collaborator => Scope::Collaborator(scope_id(i)),
        Domain::Area => Scope::Area(scope_id(i)),
    }
}

fn permission() -> impl Strategy<Value = Permission> {
    prop::sample::select(Permission::ALL)
}

/// `default` cases per property, or `PROPTEST_CASES` when set: the same
/// properties run as a longer fuzzing session with, for instance,
/// `PROPTEST_CASES=200000 cargo test --release --lib domain::proptests`.
fn cases(default: u32) -> ProptestConfig {
    let n = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig::with_cases(n)
}

// ------------------------------------------------ monotonicity in grants

/// The licenses of one user on the checked event.
#[derive(Clone, Debug)]
struct Holder {
    org_pro: bool,
    slot: bool,
    /// Which of `SCOPES` they are attached to as a free collaborator.
    attached: Vec<bool>,
}

fn holder() -> impl Strategy<Value = Holder> {
    (
        prop::bool::weighted(0.25),
        prop::bool::weighted(0.25),
        prop::collection::vec(prop::bool::weighted(0.4), SCOPES.len()),
    )
        .prop_map(|(org_pro, slot, attached)| Holder {
            org_pro,
            slot,
            attached,
        })
}

/// A grant to one user: (user, permission, scope index).
fn user_grant() -> impl Strategy<Value = (usize, Permission, usize)> {
    (0..USERS.len(), permission(), 0..SCOPES.len())
}

/// The modules of each of `SCOPES`' collaborators.
fn modules() -> impl Strategy<Value = Vec<Modules>> {
    let one = (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(a, s, f)| Modules {
        advancing: a,
        schedule: s,
        files: f,
    });
    prop::collection::vec(one, SCOPES.len())
}

/// An org-wide grant: (user, Event permission).
fn org_grant() -> impl Strategy<Value = (usize, Permission)> {
    let event_permissions: Vec<Permission> = Permission::ALL
        .iter()
        .copied()
        .filter(|p| p.domain() == Domain::Event)
        .collect();
    (0..USERS.len(), prop::sample::select(event_permissions))
}

/// Gives org-wide grants, as the org pushes them to its events.
fn give_org_wide(e: &mut Event, grants: &[(usize, Permission)]) {
    let mut view = (**e.org_view()).clone();
    for &(u, p) in grants {
        let gs = view.org_grants.entry(user(u)).or_default();
        gs.push(OrgGrant::new(p).unwrap());
        gs.sort();
        gs.dedup();
    }
    e.set_org_view(Arc::new(view));
}

/// Sets the modules of `SCOPES`' collaborators.
fn set_modules(e: &mut Event, modules: &[Modules]) {
    for (s, m) in modules.iter().enumerate() {
        e.apply(&EventEffect::CollaboratorSet {
            id: scope_id(s),
            name: None,
            modules: *m,
        });
    }
}

/// An event with every collaborator and area of `SCOPES`, the holders'
/// licenses, and no grants. A holder attached to several collaborators
/// without a slot or Org Pro is one who lost their slot (as attaching them
/// takes one).
fn licensed_event(holders: &[Holder]) -> Event {
    let org_pro: IdSet = holders
        .iter()
        .enumerate()
        .filter(|(_, h)| h.org_pro)
        .map(|(i, _)| user(i))
        .collect();
    let mut e = Event::new(
        None,
        Arc::new(OrgView {
            slot_total: u32::try_from(USERS.len()).unwrap(),
            org_pro,
            ..Default::default()
        }),
    );
    for s in SCOPES {
        e.apply(&EventEffect::CollaboratorPut {
            id: id(s),
            name: None,
        });
        e.apply(&EventEffect::AreaPut {
            id: id(s),
            name: None,
        });
    }
    for (i, h) in holders.iter().enumerate() {
        if h.slot && !h.org_pro {
            let put = e.plan_assign_slot(&user(i), None, NOW).unwrap();
            e.apply(&put.effect.unwrap());
        }
        for (s, attached) in h.attached.iter().enumerate() {
            if *attached {
                e.apply(&EventEffect::Attached {
                    collaborator: scope_id(s),
                    user: user(i),
                    permissions: vec![],
                });
            }
        }
    }
    e
}

fn give(e: &mut Event, (u, p, s): (usize, Permission, usize)) {
    let put = e
        .plan_grant(&user(u), Grant::new(p, scope_for(p, s)).unwrap(), None, NOW)
        .unwrap();
    if let Some(effect) = put.effect {
        e.apply(&effect);
    }
}

fn every_check(e: &Event) -> Vec<((usize, Permission, Scope), Decision)> {
    let mut out = Vec::new();
    for u in 0..USERS.len() {
        for &p in Permission::ALL {
            let scopes: Vec<Scope> = match p.domain() {
                Domain::Event => vec![Scope::Event],
                _ => (0..SCOPES.len()).map(|s| scope_for(p, s)).collect(),
            };
            for scope in scopes {
                let d = e.check(&user(u), p, &scope, NOW).unwrap();
                out.push(((u, p, scope), d));
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(cases(128))]

    #[test]
    fn adding_grants_never_turns_an_allowed_check_into_a_denied_one(
        holders in prop::collection::vec(holder(), USERS.len()),
        modules in modules(),
        grants in prop::collection::vec(user_grant(), 0..12),
        more in prop::collection::vec(user_grant(), 0..6),
        org_wide in prop::collection::vec(org_grant(), 0..4),
    ) {
        let mut e = licensed_event(&holders);
        set_modules(&mut e, &modules);
        for g in &grants {
            give(&mut e, *g);
        }
        let before = every_check(&e);
        for g in &more {
            give(&mut e, *g);
        }
        give_org_wide(&mut e, &org_wide);
        let after = every_check(&e);
        for ((query, was), (_, now)) in before.iter().zip(&after) {
            // the license never depends on grants
            prop_assert_eq!(was.license, now.license, "{:?}", query);
            if was.allowed {
                prop_assert!(now.allowed, "{:?} was allowed, then {:?}", query, now);
            }
            // only no_permission can turn into granted
            if was.reason != now.reason {
                prop_assert_eq!((was.reason, now.reason), (Reason::NoPermission, Reason::Granted));
            }
        }
    }

    /// Modules and the one-collaborator rule are ceilings: turning a module
    /// off, or attaching a user who is already attached somewhere to one
    /// more collaborator, never allows anything that was denied.
    #[test]
    fn modules_off_and_more_attachments_never_allow_more(
        holders in prop::collection::vec(holder(), USERS.len()),
        modules in modules(),
        grants in prop::collection::vec(user_grant(), 0..12),
        org_wide in prop::collection::vec(org_grant(), 0..4),
        attach in (0..USERS.len(), 0..SCOPES.len()),
    ) {
        let mut e = licensed_event(&holders);
        give_org_wide(&mut e, &org_wide);
        for g in &grants {
            give(&mut e, *g);
        }
        let before = every_check(&e);
        set_modules(&mut e, &modules);
        let (u, c) = attach;
        if holders[u].attached.iter().any(|a| *a) {
            e.apply(&EventEffect::Attached {
                collaborator: scope_id(c),
                user: user(u),
                permissions: vec![],
            });
        }
        let after = every_check(&e);
        for ((query, was), (_, now)) in before.iter().zip(&after) {
            if now.allowed {
                prop_assert!(was.allowed, "{:?} was denied ({:?}), then allowed", query, was);
            }
        }
    }

    #[test]
    fn a_random_check_is_allowed_exactly_when_inside_the_ceiling_and_covered(
        holders in prop::collection::vec(holder(), USERS.len()),
        modules in modules(),
        grants in prop::collection::vec(user_grant(), 0..12),
        org_wide in prop::collection::vec(org_grant(), 0..4),
        query in user_grant(),
    ) {
        let mut e = licensed_event(&holders);
        set_modules(&mut e, &modules);
        give_org_wide(&mut e, &org_wide);
        for g in &grants {
            give(&mut e, *g);
        }
        let (u, p, s) = query;
        let scope = scope_for(p, s);
        let d = e.check(&user(u), p, &scope, NOW).unwrap();
        let h = &holders[u];
        let covered = grants.iter().any(|&(gu, gp, gs)| {
            gu == u && Grant::new(gp, scope_for(gp, gs)).unwrap().covers(p, &scope)
        }) || org_wide.iter().any(|&(gu, gp)| {
            gu == u && Grant::new(gp, Scope::Event).unwrap().covers(p, &scope)
        });
        let attached_here = matches!(&scope, Scope::Collaborator(_)) && h.attached[s];
        let attachments = h.attached.iter().filter(|a| **a).count();
        let (license, inside) = if h.org_pro {
            (Some(License::OrgPro), true)
        } else if h.slot {
            (Some(License::EventPro), true)
        } else if attachments == 1 {
            (Some(License::Collaborator), attached_here)
        } else {
            (None, false)
        };
        let module_off = license == Some(License::Collaborator) && {
            let m = modules[s];
            match p {
                Permission::CollaboratorAdvanceView | Permission::CollaboratorAdvanceEdit => !m.advancing,
                Permission::CollaboratorScheduleView | Permission::CollaboratorScheduleEdit => !m.schedule,
                Permission::CollaboratorFileView | Permission::CollaboratorFileUpload => !m.files,
                _ => false,
            }
        };
        let reason = match (license, inside, module_off, covered) {
            (None, _, _, _) => Reason::NoLicense,
            (Some(_), false, _, _) => Reason::OutsideLicense,
            (Some(_), true, true, _) => Reason::ModuleDisabled,
            (Some(_), true, false, false) => Reason::NoPermission,
            (Some(_), true, false, true) => Reason::Granted,
        };
        prop_assert_eq!(d, Decision::new(reason, license));
    }
}

// ------------------------------------------- transitivity of implication

/// Every (permission, scope) pair a grant can have, over two collaborators
/// and two areas (one collaborator and one area share an id).
fn every_grantable() -> Vec<(Permission, Scope)> {
    let scopes = [
        Scope::Event,
        Scope::Collaborator(id("x")),
        Scope::Collaborator(id("y")),
        Scope::Area(id("x")),
        Scope::Area(id("z")),
    ];
    Permission::ALL
        .iter()
        .flat_map(|&p| {
            scopes
                .iter()
                .filter(move |s| s.domain() == p.domain())
                .map(move |s| (p, s.clone()))
        })
        .collect()
}

fn grant_at((p, s): &(Permission, Scope)) -> Grant {
    Grant::new(*p, s.clone()).unwrap()
}

#[test]
fn every_grant_covers_its_own_permission_and_scope() {
    for pair in every_grantable() {
        assert!(grant_at(&pair).covers(pair.0, &pair.1), "{pair:?}");
    }
}

#[test]
fn the_implication_closure_is_transitive_over_every_triple() {
    let all = every_grantable();
    let mut failures = Vec::new();
    for g in &all {
        let g_grant = grant_at(g);
        for mid in all.iter().filter(|m| g_grant.covers(m.0, &m.1)) {
            let mid_grant = grant_at(mid);
            for want in all.iter().filter(|w| mid_grant.covers(w.0, &w.1)) {
                if !g_grant.covers(want.0, &want.1) {
                    failures.push((g.clone(), mid.clone(), want.clone()));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} counterexamples (g covers mid, mid covers want, g does not cover want), e.g. {:?}",
        failures.len(),
        failures.iter().take(5).collect::<Vec<_>>()
    );
}

proptest! {
    #![proptest_config(cases(256))]

    /// Walks two implication steps from a random grant (each step picks
    /// among what the previous one covers) and checks the grant covers the
    /// end of the walk directly.
    #[test]
    fn implication_is_transitive_along_random_two_step_chains(
        g in prop::sample::select(every_grantable()),
        mid_pick in any::<prop::sample::Index>(),
        want_pick in any::<prop::sample::Index>(),
    ) {
        let all = every_grantable();
        let g_grant = grant_at(&g);
        let mids: Vec<_> = all.iter().filter(|m| g_grant.covers(m.0, &m.1)).collect();
        // a grant covers at least itself
        prop_assert!(!mids.is_empty());
        let mid = *mid_pick.get(&mids);
        let mid_grant = grant_at(mid);
        let wants: Vec<_> = all.iter().filter(|w| mid_grant.covers(w.0, &w.1)).collect();
        prop_assert!(!wants.is_empty());
        let want = *want_pick.get(&wants);
        prop_assert!(
            g_grant.covers(want.0, &want.1),
            "{:?} covers {:?}, which covers {:?}, but not the other",
            g, mid, want
        );
    }
}
