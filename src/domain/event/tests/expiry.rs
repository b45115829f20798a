//! Time-bound access: slots, attachments and grants that end on their
//! own, decided with the time passed in (no clock, no sleeping).

use proptest::prelude::*;

use super::*;
use crate::domain::{Expiry, OrgGrant};

fn at(secs: i64) -> Timestamp {
    NOW.plus(secs)
}

fn assign_until(e: &mut Event, user: &str, until: i64, now: Timestamp) -> Result<bool, Error> {
    let put = e.plan_assign_slot(&id(user), Some(at(until)), now)?;
    Ok(apply_put(e, put))
}

#[test]
fn a_pool_of_one_whose_slot_expires_is_claimable_at_once_with_no_release() {
    let mut e = event(1, &[]);
    assert!(assign_until(&mut e, "ann", 10, NOW).unwrap());
    // before the instant the pool is full
    assert_eq!(
        e.plan_assign_slot(&id("bob"), None, at(9)),
        Err(Error::NoSlotAvailable { total: 1 })
    );
    assert!(e.holds_slot(&id("ann"), at(9)));
    // at the instant ann's slot counts for nothing and bob gets it
    assert!(!e.holds_slot(&id("ann"), at(10)));
    assert_eq!(e.slots_used(at(10)), 0);
    assert_eq!(
        reason(&e, "ann", EventView, &Scope::Event),
        Reason::NoPermission
    );
    assert_eq!(
        e.check(&id("ann"), EventView, &Scope::Event, at(10))
            .unwrap()
            .license,
        None
    );
    let claim = e.plan_assign_slot(&id("bob"), None, at(10)).unwrap();
    assert!(apply_put(&mut e, claim));
    // never more live holders than slots
    assert_eq!(e.slots_used(at(10)), 1);
    assert_eq!(e.sorted_slot_holders(at(10)), vec![id("bob")]);
    // ann's expired slot is no longer hers to release
    assert_eq!(
        e.plan_release_slot(&id("ann"), at(10)),
        Err(Error::SlotNotFound(id("ann")))
    );
}

#[test]
fn a_put_with_another_expiry_or_none_replaces_it_and_the_same_changes_nothing() {
    let mut e = event(2, &[]);
    assign_until(&mut e, "ann", 10, NOW).unwrap();
    let same = e.plan_assign_slot(&id("ann"), Some(at(10)), NOW).unwrap();
    assert_eq!((same.created, same.effect), (false, None));
    assert!(!assign_until(&mut e, "ann", 20, NOW).unwrap());
    assert!(e.holds_slot(&id("ann"), at(15)));
    let forever = e.plan_assign_slot(&id("ann"), None, NOW).unwrap();
    assert!(!apply_put(&mut e, forever));
    assert!(e.holds_slot(&id("ann"), Timestamp::MAX));
    assert_eq!(e.user_view(&id("ann"), NOW).slot_expires_at, None);
    // the same for a grant
    let g = grant_of(EventView, Scope::Event);
    let put = e
        .plan_grant(&id("ann"), g.clone(), Some(at(5)), NOW)
        .unwrap();
    assert!(apply_put(&mut e, put));
    assert_eq!(
        e.user_view(&id("ann"), NOW).grants,
        vec![(g.clone(), Some(at(5)))]
    );
    let put = e.plan_grant(&id("ann"), g.clone(), None, NOW).unwrap();
    assert!(!apply_put(&mut e, put));
    assert_eq!(e.user_view(&id("ann"), at(99)).grants, vec![(g, None)]);
}

#[test]
fn an_expiry_in_the_past_is_bad_request_and_changes_nothing() {
    let mut e = event(2, &[]);
    add_collaborator(&mut e, "band");
    let before = e.clone();
    let past = [Some(NOW), Some(at(-1))];
    for when in past {
        assert!(matches!(
            e.plan_assign_slot(&id("ann"), when, NOW),
            Err(Error::BadRequest(_))
        ));
        assert!(matches!(
            e.plan_grant(&id("ann"), grant_of(EventView, Scope::Event), when, NOW),
            Err(Error::BadRequest(_))
        ));
        assert!(matches!(
            e.plan_attach(&id("band"), &id("ann"), None, when, NOW),
            Err(Error::BadRequest(_))
        ));
    }
    // the form of the request comes before the look-up
    assert!(matches!(
        e.plan_attach(&id("nope"), &id("ann"), None, Some(NOW), NOW),
        Err(Error::BadRequest(_))
    ));
    assert_eq!(e, before);
}

#[test]
fn an_expired_attachment_counts_as_absent_for_the_license_and_the_one_collaborator_rule() {
    let mut e = event(1, &[]);
    add_collaborator(&mut e, "band");
    add_collaborator(&mut e, "crew");
    let put = e
        .plan_attach(&id("band"), &id("amy"), None, Some(at(10)), NOW)
        .unwrap();
    assert!(apply_put(&mut e, put));
    let band = c("band");
    let asked = |e: &Event, t| e.check(&id("amy"), CollaboratorView, &band, t).unwrap();
    assert_eq!(asked(&e, at(9)).reason, Reason::Granted);
    assert_eq!(asked(&e, at(10)).reason, Reason::NoLicense);
    // while band's attachment counts, crew is a second one: slot_required
    assert!(matches!(
        e.plan_attach(&id("crew"), &id("amy"), None, None, at(9)),
        Err(Error::SlotRequired { .. })
    ));
    // once it has expired, crew is her only one
    let put = e
        .plan_attach(&id("crew"), &id("amy"), None, None, at(10))
        .unwrap();
    assert!(apply_put(&mut e, put));
    assert_eq!(
        e.user_view(&id("amy"), at(10)).collaborators,
        vec![id("crew")]
    );
    assert_eq!(e.needing_slot(at(9)), vec![id("amy")]);
    assert!(e.needing_slot(at(10)).is_empty());
    // attaching again changes only the expiry
    let put = e
        .plan_attach(&id("crew"), &id("amy"), None, Some(at(50)), at(10))
        .unwrap();
    assert!(matches!(
        put.effect,
        Some(EventEffect::AttachmentExpirySet { .. })
    ));
    assert!(!apply_put(&mut e, put));
    let view = e.collaborator_view(&id("crew"), at(10)).unwrap();
    assert_eq!(view.users, vec![(id("amy"), Some(at(50)))]);
}

#[test]
fn an_expired_org_wide_grant_counts_for_nothing() {
    let view = Arc::new(OrgView {
        slot_total: 1,
        org_grants: [(
            id("ann"),
            vec![OrgGrant::new(EventUpdate)
                .unwrap()
                .until(Expiry::at(at(10)))],
        )]
        .into_iter()
        .collect(),
        org_grants_expire: Some(at(10)),
        ..OrgView::default()
    });
    let mut e = Event::new(None, view);
    assign(&mut e, "ann").unwrap();
    let asked = |t| {
        e.check(&id("ann"), EventView, &Scope::Event, t)
            .unwrap()
            .reason
    };
    assert_eq!(asked(at(9)), Reason::Granted);
    assert_eq!(asked(at(10)), Reason::NoPermission);
    assert!(e.user_view(&id("ann"), at(10)).org_grants.is_empty());
}

#[test]
fn a_thousand_grants_expiring_at_the_same_second_go_in_one_pass() {
    let mut e = event(1, &[]);
    for u in 0..1_000 {
        let put = e
            .plan_grant(
                &id(&format!("u{u}")),
                grant_of(EventView, Scope::Event),
                Some(at(10)),
                NOW,
            )
            .unwrap();
        apply_put(&mut e, put);
    }
    grant(&mut e, "keep", EventView, Scope::Event);
    let put = e
        .plan_grant(
            &id("later"),
            grant_of(EventView, Scope::Event),
            Some(at(20)),
            NOW,
        )
        .unwrap();
    apply_put(&mut e, put);
    let early = e.plan_expiry(at(9));
    assert_eq!(early.effect, None);
    assert_eq!(early.next, Some(at(10)));
    let due = e.plan_expiry(at(10));
    let Some(EventEffect::Expired {
        at: when,
        grants,
        slots,
        attachments,
    }) = &due.effect
    else {
        panic!("nothing expired: {due:?}");
    };
    assert_eq!((*when, grants.len()), (at(10), 1_000));
    assert!(slots.is_empty() && attachments.is_empty());
    assert_eq!(due.next, Some(at(20)));
    if let Some(effect) = &due.effect {
        e.apply(effect);
    }
    assert_eq!(e.grant_count(), 2);
    assert_eq!(e.plan_expiry(at(10)).effect, None);
}

/// Something to put on the event, each maybe expiring at one of a few
/// instants.
#[derive(Clone, Debug)]
enum Entry {
    Slot(usize, Option<i64>),
    Attach(usize, usize, Option<i64>),
    Grant(usize, Permission, usize, Option<i64>),
}

fn entry() -> impl Strategy<Value = Entry> {
    let until = prop::option::of(1i64..6);
    prop_oneof![
        (0..4usize, until.clone()).prop_map(|(u, t)| Entry::Slot(u, t)),
        (0..4usize, 0..2usize, until.clone()).prop_map(|(u, c, t)| Entry::Attach(u, c, t)),
        (
            0..4usize,
            prop::sample::select(Permission::ALL),
            0..2usize,
            until
        )
            .prop_map(|(u, p, s, t)| Entry::Grant(u, p, s, t)),
    ]
}

fn put_entry(e: &mut Event, entry: &Entry) {
    let users = ["u0", "u1", "u2", "u3"];
    let scopes = ["s0", "s1"];
    let until = |t: &Option<i64>| t.map(at);
    let put = match entry {
        Entry::Slot(u, t) => e.plan_assign_slot(&id(users[*u]), until(t), NOW),
        Entry::Attach(u, c, t) => {
            e.plan_attach(&id(scopes[*c]), &id(users[*u]), None, until(t), NOW)
        }
        Entry::Grant(u, p, s, t) => {
            let scope = match p.domain() {
                Domain::Event => Scope::Event,
                Domain::Collaborator => c(scopes[*s]),
                Domain::Area => a(scopes[*s]),
            };
            e.plan_grant(&id(users[*u]), grant_of(*p, scope), until(t), NOW)
        }
    };
    if let Ok(put) = put {
        apply_put(e, put);
    }
}

proptest! {
    /// For any instant, the check at that instant is the check on the state
    /// with everything expired by then removed (as the timer removes it).
    #[test]
    fn a_check_at_any_instant_equals_the_check_with_the_expired_removed(
        entries in prop::collection::vec(entry(), 0..24),
        t in 0i64..7,
    ) {
        let mut e = event(2, &[]);
        for s in ["s0", "s1"] {
            add_collaborator(&mut e, s);
            add_area(&mut e, s);
        }
        for entry in &entries {
            put_entry(&mut e, entry);
        }
        let now = at(t);
        let mut removed = e.clone();
        if let Some(effect) = removed.plan_expiry(now).effect {
            removed.apply(&effect);
        }
        prop_assert_eq!(removed.plan_expiry(now).effect, None);
        for u in ["u0", "u1", "u2", "u3"] {
            for &p in Permission::ALL {
                for s in ["s0", "s1"] {
                    let scope = match p.domain() {
                        Domain::Event => Scope::Event,
                        Domain::Collaborator => c(s),
                        Domain::Area => a(s),
                    };
                    prop_assert_eq!(
                        e.check(&id(u), p, &scope, now),
                        removed.check(&id(u), p, &scope, now),
                        "{} {} {:?} at {}", u, p, scope, t
                    );
                }
            }
            prop_assert_eq!(e.user_view(&id(u), now), removed.user_view(&id(u), now));
        }
        prop_assert_eq!(e.slots_used(now), removed.slots_used(now));
        let (mine, theirs) = (e.usage(id("e"), vec![], now), removed.usage(id("e"), vec![], now));
        prop_assert_eq!(mine.holders, theirs.holders);
        prop_assert_eq!(mine.needs_slot, theirs.needs_slot);
        prop_assert_eq!(mine.idle_grants, theirs.idle_grants);
    }
}
