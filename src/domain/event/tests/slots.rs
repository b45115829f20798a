//! Slots, and the event itself.

use super::*;

// ---------------------------------------------------------------- slots

#[test]
fn assigning_a_slot_creates_it_and_gives_the_user_event_pro() {
    let mut e = event(2, &[]);
    let put = e.plan_assign_slot(&id("ann"), None, NOW).unwrap();
    assert_eq!(
        put,
        Put {
            created: true,
            effect: Some(EventEffect::SlotAssigned { user: id("ann") }),
        }
    );
    apply_put(&mut e, put);
    assert_eq!(e.slots_used(NOW), 1);
    assert!(e.holds_slot(&id("ann"), NOW));
    assert_eq!(e.license_of(&id("ann"), NOW), Some(License::EventPro));
}

#[test]
fn assigning_a_slot_the_user_already_holds_is_not_created_and_has_no_effect() {
    let mut e = event(1, &[]);
    assert!(assign(&mut e, "ann").unwrap());
    let before = e.clone();
    assert_eq!(
        e.plan_assign_slot(&id("ann"), None, NOW).unwrap(),
        Put {
            created: false,
            effect: None,
        }
    );
    assert_eq!(e, before);
}

#[test]
fn assigning_a_slot_when_every_slot_is_taken_is_no_slot_available() {
    let mut e = event(2, &[]);
    assign(&mut e, "ann").unwrap();
    assign(&mut e, "bob").unwrap();
    let before = e.clone();
    assert_eq!(
        e.plan_assign_slot(&id("cid"), None, NOW),
        Err(Error::NoSlotAvailable { total: 2 })
    );
    assert_eq!(e, before);
    // the holders themselves are still fine
    assert!(!assign(&mut e, "bob").unwrap());
}

#[test]
fn with_no_event_pro_licenses_no_slot_can_be_given() {
    let e = event(0, &[]);
    assert_eq!(
        e.plan_assign_slot(&id("ann"), None, NOW),
        Err(Error::NoSlotAvailable { total: 0 })
    );
}

#[test]
fn a_slot_is_never_given_to_an_org_pro_holder() {
    let e = event(5, &["pro"]);
    assert_eq!(
        e.plan_assign_slot(&id("pro"), None, NOW),
        Err(Error::OrgProHolder(id("pro")))
    );
}

#[test]
fn an_org_pro_holder_is_refused_as_org_pro_holder_even_when_the_pool_is_full() {
    let mut e = event(1, &["pro"]);
    assign(&mut e, "ann").unwrap();
    assert_eq!(
        e.plan_assign_slot(&id("pro"), None, NOW),
        Err(Error::OrgProHolder(id("pro")))
    );
}

#[test]
fn releasing_a_slot_frees_it_for_someone_else() {
    let mut e = event(1, &[]);
    assign(&mut e, "ann").unwrap();
    let effect = e.plan_release_slot(&id("ann"), NOW).unwrap();
    assert_eq!(effect, EventEffect::SlotReleased { user: id("ann") });
    e.apply(&effect);
    assert_eq!(e.slots_used(NOW), 0);
    assert_eq!(e.license_of(&id("ann"), NOW), None);
    assert!(assign(&mut e, "bob").unwrap());
}

#[test]
fn releasing_a_slot_nobody_holds_is_slot_not_found() {
    let mut e = event(2, &[]);
    assign(&mut e, "ann").unwrap();
    assert_eq!(
        e.plan_release_slot(&id("bob"), NOW),
        Err(Error::SlotNotFound(id("bob")))
    );
}

#[test]
fn org_pro_given_releases_the_users_slot_and_keeps_the_others() {
    let mut e = event(2, &[]);
    assign(&mut e, "ann").unwrap();
    assign(&mut e, "bob").unwrap();
    e.apply(&EventEffect::OrgProGiven { user: id("ann") });
    assert_eq!(e.sorted_slot_holders(NOW), vec![id("bob")]);
}

#[test]
fn org_pro_given_to_a_user_without_a_slot_changes_nothing() {
    let mut e = event(2, &[]);
    assign(&mut e, "bob").unwrap();
    let before = e.clone();
    e.apply(&EventEffect::OrgProGiven { user: id("ann") });
    assert_eq!(e, before);
}

#[test]
fn an_event_fits_exactly_the_totals_at_least_its_slots_in_use() {
    let mut e = event(3, &[]);
    assert!(e.fits(0, NOW));
    assign(&mut e, "ann").unwrap();
    assign(&mut e, "bob").unwrap();
    assert!(!e.fits(0, NOW));
    assert!(!e.fits(1, NOW));
    assert!(e.fits(2, NOW));
    assert!(e.fits(3, NOW));
    assert!(e.fits(u32::MAX, NOW));
}

#[test]
fn a_new_view_with_more_slots_lets_more_users_in() {
    let mut e = event(1, &[]);
    assign(&mut e, "ann").unwrap();
    assert!(assign(&mut e, "bob").is_err());
    e.set_org_view(view(2, &[]));
    assert!(assign(&mut e, "bob").unwrap());
}

// ------------------------------------------------------ the event itself

#[test]
fn renaming_an_event_changes_only_a_different_given_name() {
    let mut e = event(1, &[]);
    assert_eq!(e.plan_rename(None), None);
    assert_eq!(e.plan_rename(Some("Festival".into())), None);
    let effect = e.plan_rename(Some("Fair".into())).unwrap();
    e.apply(&effect);
    assert_eq!(e.name(), Some("Fair"));
}
