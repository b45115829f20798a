//! Unit tests for the event rules of SPEC §1: slots, collaborators, areas,
//! free collaborator attachments, grants, the check and the user view.

use super::*;
use crate::domain::Module;
use Permission::*;

fn id(s: &str) -> Id {
    Id::parse(s).unwrap()
}

fn view(slot_total: u32, org_pro: &[&str]) -> Arc<OrgView> {
    Arc::new(OrgView {
        slot_total,
        org_pro: org_pro.iter().map(|u| id(u)).collect(),
        ..Default::default()
    })
}

/// An event whose org has `slot_total` Event Pro licenses and the given
/// Org Pro holders.
fn event(slot_total: u32, org_pro: &[&str]) -> Event {
    Event::new(Some("Festival".into()), view(slot_total, org_pro))
}

fn c(name: &str) -> Scope {
    Scope::Collaborator(id(name))
}

fn a(name: &str) -> Scope {
    Scope::Area(id(name))
}

fn grant_of(p: Permission, scope: Scope) -> Grant {
    Grant::new(p, scope).unwrap()
}

/// Applies a `Put`'s effect, if any, and returns whether it created the thing.
fn apply_put(e: &mut Event, put: Put) -> bool {
    if let Some(effect) = &put.effect {
        e.apply(effect);
    }
    put.created
}

fn add_collaborator(e: &mut Event, name: &str) {
    let put = e.plan_put_collaborator(&id(name), None);
    apply_put(e, put);
}

fn add_area(e: &mut Event, name: &str) {
    let put = e.plan_put_area(&id(name), None);
    apply_put(e, put);
}

fn assign(e: &mut Event, user: &str) -> Result<bool, Error> {
    let put = e.plan_assign_slot(&id(user))?;
    Ok(apply_put(e, put))
}

fn attach(
    e: &mut Event,
    collaborator: &str,
    user: &str,
    permissions: Option<Vec<Permission>>,
) -> Result<bool, Error> {
    let put = e.plan_attach(&id(collaborator), &id(user), permissions)?;
    Ok(apply_put(e, put))
}

/// Attaches `user` to several collaborators as a slot holder would, then
/// releases the slot: what a user who lost their slot is left with.
fn attach_to_several(e: &mut Event, user: &str, to: &[(&str, Option<Vec<Permission>>)]) {
    assign(e, user).unwrap();
    for (collaborator, permissions) in to {
        attach(e, collaborator, user, permissions.clone()).unwrap();
    }
    let effect = e.plan_release_slot(&id(user)).unwrap();
    e.apply(&effect);
}

fn grant(e: &mut Event, user: &str, p: Permission, scope: Scope) {
    let put = e.plan_grant(&id(user), grant_of(p, scope)).unwrap();
    apply_put(e, put);
}

fn check(e: &Event, user: &str, p: Permission, scope: &Scope) -> Decision {
    e.check(&id(user), p, scope).unwrap()
}

fn reason(e: &Event, user: &str, p: Permission, scope: &Scope) -> Reason {
    check(e, user, p, scope).reason
}

fn collaborator_permissions() -> impl Iterator<Item = Permission> {
    Permission::ALL
        .iter()
        .copied()
        .filter(|p| p.domain() == Domain::Collaborator)
}

/// Every permission with a scope of its domain on this event: the event,
/// collaborator `c` and area `a` (both must exist).
fn every_query() -> Vec<(Permission, Scope)> {
    Permission::ALL
        .iter()
        .map(|&p| {
            let scope = match p.domain() {
                Domain::Event => Scope::Event,
                Domain::Collaborator => c("c"),
                Domain::Area => a("a"),
            };
            (p, scope)
        })
        .collect()
}

// ---------------------------------------------------------------- slots

#[test]
fn assigning_a_slot_creates_it_and_gives_the_user_event_pro() {
    let mut e = event(2, &[]);
    let put = e.plan_assign_slot(&id("ann")).unwrap();
    assert_eq!(
        put,
        Put {
            created: true,
            effect: Some(EventEffect::SlotAssigned { user: id("ann") }),
        }
    );
    apply_put(&mut e, put);
    assert_eq!(e.slots_used(), 1);
    assert!(e.slot_holders().contains(&id("ann")));
    assert_eq!(e.license_of(&id("ann")), Some(License::EventPro));
}

#[test]
fn assigning_a_slot_the_user_already_holds_is_not_created_and_has_no_effect() {
    let mut e = event(1, &[]);
    assert!(assign(&mut e, "ann").unwrap());
    let before = e.clone();
    assert_eq!(
        e.plan_assign_slot(&id("ann")).unwrap(),
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
        e.plan_assign_slot(&id("cid")),
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
        e.plan_assign_slot(&id("ann")),
        Err(Error::NoSlotAvailable { total: 0 })
    );
}

#[test]
fn a_slot_is_never_given_to_an_org_pro_holder() {
    let e = event(5, &["pro"]);
    assert_eq!(
        e.plan_assign_slot(&id("pro")),
        Err(Error::OrgProHolder(id("pro")))
    );
}

#[test]
fn an_org_pro_holder_is_refused_as_org_pro_holder_even_when_the_pool_is_full() {
    let mut e = event(1, &["pro"]);
    assign(&mut e, "ann").unwrap();
    assert_eq!(
        e.plan_assign_slot(&id("pro")),
        Err(Error::OrgProHolder(id("pro")))
    );
}

#[test]
fn releasing_a_slot_frees_it_for_someone_else() {
    let mut e = event(1, &[]);
    assign(&mut e, "ann").unwrap();
    let effect = e.plan_release_slot(&id("ann")).unwrap();
    assert_eq!(effect, EventEffect::SlotReleased { user: id("ann") });
    e.apply(&effect);
    assert_eq!(e.slots_used(), 0);
    assert_eq!(e.license_of(&id("ann")), None);
    assert!(assign(&mut e, "bob").unwrap());
}

#[test]
fn releasing_a_slot_nobody_holds_is_slot_not_found() {
    let mut e = event(2, &[]);
    assign(&mut e, "ann").unwrap();
    assert_eq!(
        e.plan_release_slot(&id("bob")),
        Err(Error::SlotNotFound(id("bob")))
    );
}

#[test]
fn org_pro_given_releases_the_users_slot_and_keeps_the_others() {
    let mut e = event(2, &[]);
    assign(&mut e, "ann").unwrap();
    assign(&mut e, "bob").unwrap();
    e.apply(&EventEffect::OrgProGiven { user: id("ann") });
    assert_eq!(
        e.slot_holders().iter().cloned().collect::<Vec<_>>(),
        vec![id("bob")]
    );
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
    assert!(e.fits(0));
    assign(&mut e, "ann").unwrap();
    assign(&mut e, "bob").unwrap();
    assert!(!e.fits(0));
    assert!(!e.fits(1));
    assert!(e.fits(2));
    assert!(e.fits(3));
    assert!(e.fits(u32::MAX));
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

// ---------------------------------------------- collaborators and areas

#[test]
fn putting_a_new_collaborator_creates_it_with_its_name() {
    let mut e = event(1, &[]);
    let put = e.plan_put_collaborator(&id("band"), Some("The Band".into()));
    assert_eq!(
        put,
        Put {
            created: true,
            effect: Some(EventEffect::CollaboratorSet {
                id: id("band"),
                name: Some("The Band".into()),
                modules: Modules::ALL_ON,
            }),
        }
    );
    apply_put(&mut e, put);
    assert_eq!(
        e.collaborators().get(&id("band")).map(Collaborator::name),
        Some(Some("The Band"))
    );
}

#[test]
fn putting_a_new_collaborator_without_a_name_creates_it_unnamed() {
    let mut e = event(1, &[]);
    let put = e.plan_put_collaborator(&id("band"), None);
    assert!(apply_put(&mut e, put));
    assert_eq!(
        e.collaborators().get(&id("band")).map(Collaborator::name),
        Some(None)
    );
}

#[test]
fn putting_an_existing_collaborator_with_another_name_renames_it_without_creating_it() {
    let mut e = event(1, &[]);
    let put = e.plan_put_collaborator(&id("band"), Some("Old".into()));
    apply_put(&mut e, put);
    let put = e.plan_put_collaborator(&id("band"), Some("New".into()));
    assert!(!put.created);
    assert_eq!(
        put.effect,
        Some(EventEffect::CollaboratorSet {
            id: id("band"),
            name: Some("New".into()),
            modules: Modules::ALL_ON,
        })
    );
    apply_put(&mut e, put);
    assert_eq!(
        e.collaborators().get(&id("band")).map(Collaborator::name),
        Some(Some("New"))
    );
}

#[test]
fn putting_an_existing_collaborator_without_a_name_keeps_its_name() {
    let mut e = event(1, &[]);
    let put = e.plan_put_collaborator(&id("band"), Some("The Band".into()));
    apply_put(&mut e, put);
    assert_eq!(
        e.plan_put_collaborator(&id("band"), None),
        Put {
            created: false,
            effect: None,
        }
    );
}

#[test]
fn putting_an_existing_collaborator_with_the_same_name_has_no_effect() {
    let mut e = event(1, &[]);
    let put = e.plan_put_collaborator(&id("band"), Some("The Band".into()));
    apply_put(&mut e, put);
    assert_eq!(
        e.plan_put_collaborator(&id("band"), Some("The Band".into())),
        Put {
            created: false,
            effect: None,
        }
    );
}

#[test]
fn an_unnamed_collaborator_gets_a_name_when_one_is_put() {
    let mut e = event(1, &[]);
    add_collaborator(&mut e, "band");
    let put = e.plan_put_collaborator(&id("band"), Some("Named".into()));
    assert!(!apply_put(&mut e, put));
    assert_eq!(
        e.collaborators().get(&id("band")).map(Collaborator::name),
        Some(Some("Named"))
    );
}

#[test]
fn areas_are_created_renamed_and_kept_by_the_same_rules_as_collaborators() {
    let mut e = event(1, &[]);
    let put = e.plan_put_area(&id("stage"), Some("Main".into()));
    assert_eq!(
        put,
        Put {
            created: true,
            effect: Some(EventEffect::AreaPut {
                id: id("stage"),
                name: Some("Main".into()),
            }),
        }
    );
    apply_put(&mut e, put);
    assert_eq!(
        e.plan_put_area(&id("stage"), None),
        Put {
            created: false,
            effect: None,
        }
    );
    assert_eq!(
        e.plan_put_area(&id("stage"), Some("Main".into())),
        Put {
            created: false,
            effect: None,
        }
    );
    let put = e.plan_put_area(&id("stage"), Some("Big".into()));
    assert!(!apply_put(&mut e, put));
    assert_eq!(e.areas().get(&id("stage")), Some(&Some("Big".into())));
    let put = e.plan_put_area(&id("gate"), None);
    assert!(apply_put(&mut e, put));
    assert_eq!(e.areas().get(&id("gate")), Some(&None));
}

#[test]
fn a_collaborator_and_an_area_with_the_same_id_are_different_things() {
    let mut e = event(1, &[]);
    add_collaborator(&mut e, "x");
    assert!(e.plan_put_area(&id("x"), None).created);
    assert_eq!(e.require_scope(&a("x")), Err(Error::AreaNotFound(id("x"))));
    add_area(&mut e, "x");
    let effect = e.plan_delete_area(&id("x")).unwrap();
    e.apply(&effect);
    assert!(e.collaborators().contains_key(&id("x")));
}

#[test]
fn deleting_a_collaborator_drops_its_scoped_grants_and_attachments_only() {
    let mut e = event(1, &[]);
    add_collaborator(&mut e, "band");
    add_collaborator(&mut e, "crew");
    add_area(&mut e, "stage");
    attach_to_several(
        &mut e,
        "ann",
        &[("band", None), ("crew", Some(vec![CollaboratorView]))],
    );
    attach(&mut e, "band", "bob", None).unwrap();
    grant(&mut e, "bob", EventView, Scope::Event);
    grant(&mut e, "bob", AreaView, a("stage"));
    grant(&mut e, "cid", CollaboratorScheduleEdit, c("band"));

    let effect = e.plan_delete_collaborator(&id("band")).unwrap();
    assert_eq!(effect, EventEffect::CollaboratorDeleted { id: id("band") });
    e.apply(&effect);

    assert!(!e.collaborators().contains_key(&id("band")));
    // ann keeps her other attachment and its grant, and with only one
    // attachment left has free access again
    let ann = e.user_view(&id("ann"));
    assert_eq!(ann.collaborators, vec![id("crew")]);
    assert_eq!(ann.grants, vec![grant_of(CollaboratorView, c("crew"))]);
    assert_eq!(ann.license, Some(License::Collaborator));
    // bob loses his only attachment, so his free license, but keeps the rest
    let bob = e.user_view(&id("bob"));
    assert_eq!(bob.license, None);
    assert!(bob.collaborators.is_empty());
    assert_eq!(
        bob.grants,
        vec![
            grant_of(EventView, Scope::Event),
            grant_of(AreaView, a("stage"))
        ]
    );
    // a user whose only grant was on it has nothing left
    assert_eq!(e.user_view(&id("cid")).grants, vec![]);
}

#[test]
fn putting_a_deleted_collaborator_again_does_not_bring_back_its_grants() {
    let mut e = event(1, &[]);
    add_collaborator(&mut e, "band");
    attach(&mut e, "band", "ann", None).unwrap();
    let effect = e.plan_delete_collaborator(&id("band")).unwrap();
    e.apply(&effect);
    add_collaborator(&mut e, "band");
    assert_eq!(
        e.user_view(&id("ann")),
        UserView {
            license: None,
            collaborators: vec![],
            grants: vec![],
            org_grants: vec![],
        }
    );
}

#[test]
fn deleting_an_area_drops_its_area_grants_and_nothing_else() {
    let mut e = event(1, &[]);
    add_collaborator(&mut e, "band");
    add_area(&mut e, "stage");
    add_area(&mut e, "gate");
    attach(&mut e, "band", "ann", Some(vec![CollaboratorView])).unwrap();
    grant(&mut e, "ann", AreaFileUpload, a("stage"));
    grant(&mut e, "ann", AreaView, a("gate"));
    grant(&mut e, "ann", EventScheduleView, Scope::Event);

    let effect = e.plan_delete_area(&id("stage")).unwrap();
    assert_eq!(effect, EventEffect::AreaDeleted { id: id("stage") });
    e.apply(&effect);

    assert!(!e.areas().contains_key(&id("stage")));
    let ann = e.user_view(&id("ann"));
    assert_eq!(ann.collaborators, vec![id("band")]);
    assert_eq!(
        ann.grants,
        vec![
            grant_of(EventScheduleView, Scope::Event),
            grant_of(CollaboratorView, c("band")),
            grant_of(AreaView, a("gate")),
        ]
    );
}

#[test]
fn deleting_an_unknown_collaborator_or_area_is_not_found() {
    let mut e = event(1, &[]);
    add_collaborator(&mut e, "x");
    assert_eq!(
        e.plan_delete_collaborator(&id("band")),
        Err(Error::CollaboratorNotFound(id("band")))
    );
    assert_eq!(
        e.plan_delete_area(&id("x")),
        Err(Error::AreaNotFound(id("x")))
    );
}

// --------------------------------------------------------------- attach

#[test]
fn attaching_without_a_list_gives_the_six_default_collaborator_grants() {
    let mut e = event(1, &[]);
    add_collaborator(&mut e, "band");
    let put = e.plan_attach(&id("band"), &id("ann"), None).unwrap();
    assert!(put.created);
    apply_put(&mut e, put);
    let ann = e.user_view(&id("ann"));
    assert_eq!(ann.license, Some(License::Collaborator));
    assert_eq!(ann.collaborators, vec![id("band")]);
    let mut expected: Vec<Grant> = [
        CollaboratorView,
        CollaboratorAdvanceView,
        CollaboratorAdvanceEdit,
        CollaboratorScheduleView,
        CollaboratorFileView,
        CollaboratorFileUpload,
    ]
    .into_iter()
    .map(|p| grant_of(p, c("band")))
    .collect();
    expected.sort();
    assert_eq!(ann.grants, expected);
    // Collaborator.ScheduleEdit is the one Collaborator permission left out
    assert_eq!(
        reason(&e, "ann", CollaboratorScheduleEdit, &c("band")),
        Reason::NoPermission
    );
    assert_eq!(
        reason(&e, "ann", CollaboratorAdvanceEdit, &c("band")),
        Reason::Granted
    );
}

#[test]
fn attaching_with_a_named_list_gives_exactly_those_grants_once_each() {
    let mut e = event(1, &[]);
    add_collaborator(&mut e, "band");
    let put = e
        .plan_attach(
            &id("band"),
            &id("ann"),
            Some(vec![
                CollaboratorScheduleEdit,
                CollaboratorView,
                CollaboratorScheduleEdit,
            ]),
        )
        .unwrap();
    assert_eq!(
        put.effect,
        Some(EventEffect::Attached {
            collaborator: id("band"),
            user: id("ann"),
            permissions: vec![CollaboratorView, CollaboratorScheduleEdit],
        })
    );
    apply_put(&mut e, put);
    assert_eq!(
        e.user_view(&id("ann")).grants,
        vec![
            grant_of(CollaboratorView, c("band")),
            grant_of(CollaboratorScheduleEdit, c("band")),
        ]
    );
    assert_eq!(
        reason(&e, "ann", CollaboratorFileView, &c("band")),
        Reason::NoPermission
    );
}

#[test]
fn attaching_with_a_non_collaborator_permission_is_bad_request_and_changes_nothing() {
    let mut e = event(1, &[]);
    add_collaborator(&mut e, "band");
    let before = e.clone();
    for p in [EventView, EventAdmin, AreaView] {
        assert!(
            matches!(
                e.plan_attach(&id("band"), &id("ann"), Some(vec![CollaboratorView, p])),
                Err(Error::BadRequest(_))
            ),
            "{p} accepted"
        );
    }
    assert_eq!(e, before);
}

#[test]
fn attaching_to_an_unknown_collaborator_is_collaborator_not_found() {
    let mut e = event(1, &[]);
    add_area(&mut e, "band");
    assert_eq!(
        e.plan_attach(&id("band"), &id("ann"), None),
        Err(Error::CollaboratorNotFound(id("band")))
    );
}

#[test]
fn attaching_again_changes_nothing_even_with_another_list() {
    let mut e = event(1, &[]);
    add_collaborator(&mut e, "band");
    attach(&mut e, "band", "ann", Some(vec![CollaboratorView])).unwrap();
    let before = e.clone();
    let none = Put {
        created: false,
        effect: None,
    };
    assert_eq!(e.plan_attach(&id("band"), &id("ann"), None).unwrap(), none);
    assert_eq!(
        e.plan_attach(
            &id("band"),
            &id("ann"),
            Some(vec![CollaboratorScheduleEdit, CollaboratorFileUpload])
        )
        .unwrap(),
        none
    );
    assert_eq!(e, before);
}

#[test]
fn attaching_again_after_a_grant_was_revoked_does_not_restore_it() {
    let mut e = event(1, &[]);
    add_collaborator(&mut e, "band");
    attach(&mut e, "band", "ann", None).unwrap();
    let revoke = e
        .plan_revoke(&id("ann"), grant_of(CollaboratorFileUpload, c("band")))
        .unwrap();
    e.apply(&revoke);
    assert!(!attach(&mut e, "band", "ann", None).unwrap());
    assert_eq!(
        reason(&e, "ann", CollaboratorFileUpload, &c("band")),
        Reason::NoPermission
    );
}

#[test]
fn a_free_user_is_attached_to_one_collaborator_only_and_a_second_is_slot_required() {
    let mut e = event(1, &[]);
    add_collaborator(&mut e, "band");
    add_collaborator(&mut e, "crew");
    assert!(attach(&mut e, "crew", "ann", None).unwrap());
    let before = e.clone();
    assert_eq!(
        attach(&mut e, "band", "ann", None),
        Err(Error::SlotRequired {
            user: id("ann"),
            attached: id("crew"),
        })
    );
    assert_eq!(e, before);
    // attaching again where she is changes nothing and is no refusal
    assert!(!attach(&mut e, "crew", "ann", None).unwrap());
}

#[test]
fn slot_and_org_pro_holders_can_be_attached_to_several_collaborators() {
    let mut e = event(1, &["boss"]);
    add_collaborator(&mut e, "band");
    add_collaborator(&mut e, "crew");
    assign(&mut e, "ann").unwrap();
    assert!(attach(&mut e, "crew", "ann", None).unwrap());
    assert!(attach(&mut e, "band", "ann", None).unwrap());
    assert_eq!(
        e.user_view(&id("ann")).collaborators,
        vec![id("band"), id("crew")]
    );
    assert_eq!(e.user_view(&id("ann")).grants.len(), 12);
    assert!(attach(&mut e, "crew", "boss", None).unwrap());
    assert!(attach(&mut e, "band", "boss", None).unwrap());
    assert_eq!(e.license_of(&id("boss")), Some(License::OrgPro));
}

#[test]
fn a_user_on_two_collaborators_who_loses_the_slot_or_org_pro_has_no_license_until_down_to_one() {
    let mut e = event(1, &["boss"]);
    add_collaborator(&mut e, "band");
    add_collaborator(&mut e, "crew");
    attach_to_several(&mut e, "ann", &[("band", None), ("crew", None)]);
    assert_eq!(e.license_of(&id("ann")), None);
    assert_eq!(e.needing_slot(), vec![id("ann")]);
    assert_eq!(
        e.check(&id("ann"), CollaboratorView, &c("band")).unwrap(),
        Decision::new(Reason::NoLicense, None)
    );
    // Org Pro taken away (or Org Pro → Org Standard, or the member removed:
    // all the same to the event, which only sees the holders change)
    attach(&mut e, "band", "boss", None).unwrap();
    attach(&mut e, "crew", "boss", None).unwrap();
    e.set_org_view(view(1, &[]));
    assert_eq!(e.license_of(&id("boss")), None);
    assert_eq!(e.needing_slot(), vec![id("ann"), id("boss")]);
    // a slot again gives everything back; detaching down to one gives free
    // access to that one
    assign(&mut e, "ann").unwrap();
    assert_eq!(e.license_of(&id("ann")), Some(License::EventPro));
    let effect = e.plan_detach(&id("band"), &id("boss")).unwrap();
    e.apply(&effect);
    assert_eq!(e.license_of(&id("boss")), Some(License::Collaborator));
    assert!(e.needing_slot().is_empty());
}

// --------------------------------------------------------------- detach

#[test]
fn detaching_removes_the_free_license_but_the_grants_stay() {
    let mut e = event(1, &[]);
    add_collaborator(&mut e, "band");
    attach(&mut e, "band", "ann", None).unwrap();
    let grants = e.user_view(&id("ann")).grants;
    let effect = e.plan_detach(&id("band"), &id("ann")).unwrap();
    assert_eq!(
        effect,
        EventEffect::Detached {
            collaborator: id("band"),
            user: id("ann"),
        }
    );
    e.apply(&effect);
    let ann = e.user_view(&id("ann"));
    assert_eq!(ann.license, None);
    assert!(ann.collaborators.is_empty());
    assert_eq!(ann.grants, grants);
    assert_eq!(
        reason(&e, "ann", CollaboratorView, &c("band")),
        Reason::NoLicense
    );
    // the grants count again once a license is back
    assign(&mut e, "ann").unwrap();
    assert_eq!(
        reason(&e, "ann", CollaboratorView, &c("band")),
        Reason::Granted
    );
}

#[test]
fn detaching_from_one_collaborator_keeps_the_others() {
    let mut e = event(1, &[]);
    add_collaborator(&mut e, "band");
    add_collaborator(&mut e, "crew");
    attach_to_several(&mut e, "ann", &[("band", None), ("crew", None)]);
    assert_eq!(
        reason(&e, "ann", CollaboratorView, &c("crew")),
        Reason::NoLicense
    );
    let effect = e.plan_detach(&id("band"), &id("ann")).unwrap();
    e.apply(&effect);
    assert_eq!(e.user_view(&id("ann")).collaborators, vec![id("crew")]);
    assert_eq!(
        reason(&e, "ann", CollaboratorView, &c("band")),
        Reason::OutsideLicense
    );
    assert_eq!(
        reason(&e, "ann", CollaboratorView, &c("crew")),
        Reason::Granted
    );
}

#[test]
fn detaching_a_user_who_is_not_attached_is_attachment_not_found() {
    let mut e = event(1, &[]);
    add_collaborator(&mut e, "band");
    add_collaborator(&mut e, "crew");
    attach(&mut e, "crew", "ann", None).unwrap();
    let not_found = |user: &str| Error::AttachmentNotFound {
        user: id(user),
        collaborator: id("band"),
    };
    assert_eq!(
        e.plan_detach(&id("band"), &id("ann")),
        Err(not_found("ann"))
    );
    assert_eq!(
        e.plan_detach(&id("band"), &id("bob")),
        Err(not_found("bob"))
    );
}

#[test]
fn detaching_from_an_unknown_collaborator_is_collaborator_not_found() {
    let e = event(1, &[]);
    assert_eq!(
        e.plan_detach(&id("band"), &id("ann")),
        Err(Error::CollaboratorNotFound(id("band")))
    );
}

// -------------------------------------------------------- grant, revoke

#[test]
fn granting_needs_its_scope_to_exist_on_the_event() {
    let mut e = event(1, &[]);
    add_collaborator(&mut e, "x");
    assert_eq!(
        e.plan_grant(&id("ann"), grant_of(CollaboratorView, c("band"))),
        Err(Error::CollaboratorNotFound(id("band")))
    );
    assert_eq!(
        e.plan_grant(&id("ann"), grant_of(AreaView, a("x"))),
        Err(Error::AreaNotFound(id("x")))
    );
    assert!(e
        .plan_grant(&id("ann"), grant_of(EventView, Scope::Event))
        .is_ok());
    assert!(e
        .plan_grant(&id("ann"), grant_of(CollaboratorView, c("x")))
        .is_ok());
}

#[test]
fn granting_is_independent_of_licenses_and_granting_again_has_no_effect() {
    let mut e = event(1, &[]);
    let g = grant_of(EventUpdate, Scope::Event);
    let put = e.plan_grant(&id("ann"), g.clone()).unwrap();
    assert_eq!(
        put,
        Put {
            created: true,
            effect: Some(EventEffect::Granted {
                user: id("ann"),
                grant: g.clone(),
            }),
        }
    );
    apply_put(&mut e, put);
    assert_eq!(e.user_view(&id("ann")).grants, vec![g.clone()]);
    assert_eq!(e.grant_count(), 1);
    assert_eq!(
        e.plan_grant(&id("ann"), g).unwrap(),
        Put {
            created: false,
            effect: None,
        }
    );
}

#[test]
fn revoking_a_grant_removes_only_that_grant() {
    let mut e = event(1, &[]);
    add_area(&mut e, "stage");
    grant(&mut e, "ann", EventView, Scope::Event);
    grant(&mut e, "ann", AreaFileView, a("stage"));
    let g = grant_of(EventView, Scope::Event);
    let effect = e.plan_revoke(&id("ann"), g.clone()).unwrap();
    assert_eq!(
        effect,
        EventEffect::Revoked {
            user: id("ann"),
            grant: g,
        }
    );
    e.apply(&effect);
    assert_eq!(
        e.user_view(&id("ann")).grants,
        vec![grant_of(AreaFileView, a("stage"))]
    );
}

#[test]
fn revoking_a_grant_the_user_does_not_have_is_grant_not_found() {
    let mut e = event(1, &[]);
    add_collaborator(&mut e, "band");
    grant(&mut e, "ann", EventView, Scope::Event);
    assert_eq!(
        e.plan_revoke(&id("ann"), grant_of(EventUpdate, Scope::Event)),
        Err(Error::GrantNotFound(id("ann")))
    );
    assert_eq!(
        e.plan_revoke(&id("bob"), grant_of(EventView, Scope::Event)),
        Err(Error::GrantNotFound(id("bob")))
    );
    // a covering grant is not the grant itself
    grant(&mut e, "ann", EventAdmin, Scope::Event);
    assert_eq!(
        e.plan_revoke(&id("ann"), grant_of(CollaboratorView, c("band"))),
        Err(Error::GrantNotFound(id("ann")))
    );
}

#[test]
fn revoking_on_an_unknown_scope_is_not_found() {
    let e = event(1, &[]);
    assert_eq!(
        e.plan_revoke(&id("ann"), grant_of(CollaboratorView, c("band"))),
        Err(Error::CollaboratorNotFound(id("band")))
    );
    assert_eq!(
        e.plan_revoke(&id("ann"), grant_of(AreaView, a("stage"))),
        Err(Error::AreaNotFound(id("stage")))
    );
}

// ------------------------------------------------------------ the check

/// An event with collaborator `c`, area `a`, and `user` given `grants`.
fn checked_event(org_pro: &[&str], user: &str, grants: &[(Permission, Scope)]) -> Event {
    let mut e = event(2, org_pro);
    add_collaborator(&mut e, "c");
    add_collaborator(&mut e, "other");
    add_area(&mut e, "a");
    for (p, s) in grants {
        grant(&mut e, user, *p, s.clone());
    }
    e
}

#[test]
fn a_user_without_a_license_is_no_license_whatever_their_grants() {
    let e = checked_event(&[], "ann", &[(EventAdmin, Scope::Event)]);
    for (p, scope) in every_query() {
        assert_eq!(
            check(&e, "ann", p, &scope),
            Decision {
                allowed: false,
                reason: Reason::NoLicense,
                license: None,
            },
            "{p}"
        );
    }
}

#[test]
fn an_org_pro_holder_is_granted_what_their_grants_cover_on_every_scope() {
    let e = checked_event(
        &["pro"],
        "pro",
        &[
            (EventScheduleEdit, Scope::Event),
            (CollaboratorAdvanceEdit, c("c")),
        ],
    );
    assert_eq!(
        check(&e, "pro", AreaScheduleView, &a("a")),
        Decision {
            allowed: true,
            reason: Reason::Granted,
            license: Some(License::OrgPro),
        }
    );
    assert_eq!(
        reason(&e, "pro", CollaboratorAdvanceView, &c("c")),
        Reason::Granted
    );
    assert_eq!(
        reason(&e, "pro", CollaboratorAdvanceView, &c("other")),
        Reason::NoPermission
    );
    assert_eq!(
        check(&e, "pro", EventUpdate, &Scope::Event),
        Decision {
            allowed: false,
            reason: Reason::NoPermission,
            license: Some(License::OrgPro),
        }
    );
}

#[test]
fn org_pro_comes_from_the_org_view_and_goes_with_it() {
    let mut e = checked_event(&[], "ann", &[(EventView, Scope::Event)]);
    assert_eq!(
        reason(&e, "ann", EventView, &Scope::Event),
        Reason::NoLicense
    );
    e.set_org_view(view(2, &["ann"]));
    assert_eq!(e.license_of(&id("ann")), Some(License::OrgPro));
    assert_eq!(reason(&e, "ann", EventView, &Scope::Event), Reason::Granted);
    e.set_org_view(view(2, &[]));
    assert_eq!(e.license_of(&id("ann")), None);
}

#[test]
fn a_slot_holder_is_granted_what_their_grants_cover_on_every_scope() {
    let mut e = checked_event(&[], "ann", &[(EventFileUpload, Scope::Event)]);
    assign(&mut e, "ann").unwrap();
    assert_eq!(
        check(&e, "ann", CollaboratorFileView, &c("c")),
        Decision {
            allowed: true,
            reason: Reason::Granted,
            license: Some(License::EventPro),
        }
    );
    assert_eq!(reason(&e, "ann", AreaFileUpload, &a("a")), Reason::Granted);
    assert_eq!(reason(&e, "ann", EventView, &Scope::Event), Reason::Granted);
    assert_eq!(
        check(&e, "ann", EventScheduleView, &Scope::Event),
        Decision {
            allowed: false,
            reason: Reason::NoPermission,
            license: Some(License::EventPro),
        }
    );
}

#[test]
fn org_pro_and_event_pro_ceilings_never_answer_outside_license() {
    let mut e = checked_event(&["pro"], "ann", &[]);
    assign(&mut e, "ann").unwrap();
    grant(&mut e, "pro", EventView, Scope::Event);
    grant(&mut e, "ann", AreaScheduleEdit, a("a"));
    for user in ["pro", "ann"] {
        for (p, scope) in every_query() {
            let r = reason(&e, user, p, &scope);
            assert!(
                matches!(r, Reason::Granted | Reason::NoPermission),
                "{user} {p}: {r:?}"
            );
        }
    }
}

#[test]
fn a_free_collaborator_is_granted_only_collaborator_permissions_on_their_own_collaborators() {
    let mut e = checked_event(&[], "ann", &[]);
    attach(&mut e, "c", "ann", None).unwrap();
    // grants outside the ceiling do not count
    grant(&mut e, "ann", EventView, Scope::Event);
    grant(&mut e, "ann", AreaView, a("a"));
    grant(&mut e, "ann", CollaboratorView, c("other"));

    assert_eq!(
        check(&e, "ann", CollaboratorAdvanceEdit, &c("c")),
        Decision {
            allowed: true,
            reason: Reason::Granted,
            license: Some(License::Collaborator),
        }
    );
    assert_eq!(
        check(&e, "ann", CollaboratorScheduleEdit, &c("c")),
        Decision {
            allowed: false,
            reason: Reason::NoPermission,
            license: Some(License::Collaborator),
        }
    );
    for (p, scope) in [
        (CollaboratorView, c("other")),
        (EventView, Scope::Event),
        (AreaView, a("a")),
    ] {
        assert_eq!(
            check(&e, "ann", p, &scope),
            Decision {
                allowed: false,
                reason: Reason::OutsideLicense,
                license: Some(License::Collaborator),
            },
            "{p} on {scope:?}"
        );
    }
}

#[test]
fn event_wide_grants_reach_a_free_collaborators_own_collaborators() {
    let mut e = checked_event(&[], "ann", &[]);
    attach(&mut e, "c", "ann", Some(vec![])).unwrap();
    grant(&mut e, "ann", EventScheduleEdit, Scope::Event);
    assert_eq!(
        reason(&e, "ann", CollaboratorScheduleEdit, &c("c")),
        Reason::Granted
    );
    assert_eq!(
        reason(&e, "ann", CollaboratorScheduleEdit, &c("other")),
        Reason::OutsideLicense
    );
    assert_eq!(
        reason(&e, "ann", EventScheduleEdit, &Scope::Event),
        Reason::OutsideLicense
    );
}

#[test]
fn event_admin_given_to_a_free_collaborator_covers_every_collaborator_permission_on_their_own_collaborator_and_nothing_else(
) {
    let mut e = checked_event(&[], "ann", &[(EventAdmin, Scope::Event)]);
    add_collaborator(&mut e, "mine2");
    attach(&mut e, "c", "ann", Some(vec![])).unwrap();
    for p in collaborator_permissions() {
        assert_eq!(
            reason(&e, "ann", p, &c("mine2")),
            Reason::OutsideLicense,
            "{p}"
        );
        assert_eq!(reason(&e, "ann", p, &c("c")), Reason::Granted, "{p}");
        assert_eq!(
            reason(&e, "ann", p, &c("other")),
            Reason::OutsideLicense,
            "{p}"
        );
    }
    for (p, scope) in every_query() {
        if p.domain() != Domain::Collaborator {
            assert_eq!(reason(&e, "ann", p, &scope), Reason::OutsideLicense, "{p}");
        }
    }
}

#[test]
fn a_license_without_grants_is_no_permission() {
    let mut e = checked_event(&["pro"], "ann", &[]);
    assign(&mut e, "slot").unwrap();
    attach(&mut e, "c", "free", Some(vec![])).unwrap();
    for (p, scope) in every_query() {
        assert_eq!(reason(&e, "pro", p, &scope), Reason::NoPermission, "{p}");
        assert_eq!(reason(&e, "slot", p, &scope), Reason::NoPermission, "{p}");
    }
    for p in collaborator_permissions() {
        assert_eq!(
            check(&e, "free", p, &c("c")),
            Decision {
                allowed: false,
                reason: Reason::NoPermission,
                license: Some(License::Collaborator),
            },
            "{p}"
        );
    }
}

#[test]
fn the_highest_license_on_the_event_decides_the_ceiling() {
    let mut e = checked_event(&[], "ann", &[(EventView, Scope::Event)]);
    attach(&mut e, "c", "ann", None).unwrap();
    assert_eq!(e.license_of(&id("ann")), Some(License::Collaborator));
    assert_eq!(
        reason(&e, "ann", EventView, &Scope::Event),
        Reason::OutsideLicense
    );
    assign(&mut e, "ann").unwrap();
    assert_eq!(e.license_of(&id("ann")), Some(License::EventPro));
    assert_eq!(reason(&e, "ann", EventView, &Scope::Event), Reason::Granted);
    e.set_org_view(view(2, &["ann"]));
    assert_eq!(e.license_of(&id("ann")), Some(License::OrgPro));
}

#[test]
fn checking_an_unknown_scope_is_not_found_whoever_asks() {
    let mut e = checked_event(&["pro"], "pro", &[(EventAdmin, Scope::Event)]);
    assign(&mut e, "slot").unwrap();
    for user in ["pro", "slot", "nobody"] {
        assert_eq!(
            e.check(&id(user), CollaboratorView, &c("missing")),
            Err(Error::CollaboratorNotFound(id("missing")))
        );
        assert_eq!(
            e.check(&id(user), AreaView, &a("missing")),
            Err(Error::AreaNotFound(id("missing")))
        );
        // a collaborator id is no area, nor the other way round
        assert_eq!(
            e.check(&id(user), AreaView, &a("c")),
            Err(Error::AreaNotFound(id("c")))
        );
        assert_eq!(
            e.check(&id(user), CollaboratorView, &c("a")),
            Err(Error::CollaboratorNotFound(id("a")))
        );
    }
}

#[test]
fn checking_a_permission_with_a_scope_of_another_domain_is_refused() {
    let e = checked_event(&[], "ann", &[]);
    assert_eq!(
        e.check(&id("ann"), CollaboratorView, &Scope::Event),
        Err(Error::MissingScope(CollaboratorView))
    );
    assert_eq!(
        e.check(&id("ann"), EventView, &c("c")),
        Err(Error::UnexpectedScope(EventView))
    );
    assert_eq!(
        e.check(&id("ann"), AreaView, &c("c")),
        Err(Error::UnexpectedScope(AreaView))
    );
}

// ------------------------------------------------------------ user view

#[test]
fn the_user_view_lists_the_license_collaborators_and_grants_in_order() {
    let mut e = checked_event(&[], "ann", &[]);
    add_collaborator(&mut e, "b-band");
    attach_to_several(
        &mut e,
        "ann",
        &[
            ("c", Some(vec![CollaboratorFileView])),
            ("b-band", Some(vec![CollaboratorView])),
        ],
    );
    grant(&mut e, "ann", AreaView, a("a"));
    grant(&mut e, "ann", EventUpdate, Scope::Event);
    assert_eq!(
        e.user_view(&id("ann")),
        UserView {
            // two collaborators and no slot: no license
            license: None,
            collaborators: vec![id("b-band"), id("c")],
            grants: vec![
                grant_of(EventUpdate, Scope::Event),
                grant_of(CollaboratorView, c("b-band")),
                grant_of(CollaboratorFileView, c("c")),
                grant_of(AreaView, a("a")),
            ],
            org_grants: vec![],
        }
    );
}

#[test]
fn the_user_view_of_a_stranger_is_empty_and_of_holders_names_their_license() {
    let mut e = checked_event(&["pro"], "ann", &[]);
    assign(&mut e, "slot").unwrap();
    let empty = |license| UserView {
        license,
        collaborators: vec![],
        grants: vec![],
        org_grants: vec![],
    };
    assert_eq!(e.user_view(&id("nobody")), empty(None));
    assert_eq!(e.user_view(&id("pro")), empty(Some(License::OrgPro)));
    assert_eq!(e.user_view(&id("slot")), empty(Some(License::EventPro)));
}

// ------------------------------------------------------------ apply

#[test]
fn applying_any_effect_twice_is_the_same_as_applying_it_once() {
    let mut e = checked_event(&[], "ann", &[]);
    assign(&mut e, "ann").unwrap();
    attach(&mut e, "c", "bob", None).unwrap();
    let effects = [
        EventEffect::Renamed {
            name: Some("X".into()),
        },
        EventEffect::CollaboratorPut {
            id: id("n"),
            name: Some("N".into()),
        },
        EventEffect::AreaPut {
            id: id("z"),
            name: None,
        },
        EventEffect::SlotAssigned { user: id("cid") },
        EventEffect::SlotReleased { user: id("ann") },
        EventEffect::Attached {
            collaborator: id("c"),
            user: id("dan"),
            permissions: vec![CollaboratorView],
        },
        EventEffect::Detached {
            collaborator: id("c"),
            user: id("bob"),
        },
        EventEffect::Granted {
            user: id("bob"),
            grant: grant_of(AreaView, a("a")),
        },
        EventEffect::Revoked {
            user: id("bob"),
            grant: grant_of(CollaboratorView, c("c")),
        },
        EventEffect::OrgProGiven { user: id("cid") },
        EventEffect::AreaDeleted { id: id("a") },
        EventEffect::CollaboratorDeleted { id: id("c") },
    ];
    for effect in &effects {
        e.apply(effect);
        let once = e.clone();
        e.apply(effect);
        assert_eq!(e, once, "{effect:?}");
    }
}

// ------------------------------------------------------------- modules

fn set_modules(e: &mut Event, collaborator: &str, change: ModulesChange) -> Put {
    let put = e.plan_set_collaborator(&id(collaborator), None, change);
    if let Some(effect) = &put.effect {
        e.apply(effect);
    }
    put
}

fn modules_off(advancing: bool, schedule: bool, files: bool) -> ModulesChange {
    ModulesChange {
        advancing: advancing.then_some(false),
        schedule: schedule.then_some(false),
        files: files.then_some(false),
    }
}

#[test]
fn a_collaborator_is_created_with_every_module_on_and_missing_keys_stay() {
    let mut e = event(1, &[]);
    add_collaborator(&mut e, "band");
    assert_eq!(
        e.collaborator_view(&id("band")).unwrap().modules,
        Modules::ALL_ON
    );
    let put = set_modules(&mut e, "band", modules_off(false, true, false));
    assert!(!put.created);
    assert_eq!(
        put.effect,
        Some(EventEffect::CollaboratorSet {
            id: id("band"),
            name: None,
            modules: Modules {
                advancing: true,
                schedule: false,
                files: true
            },
        })
    );
    // the same again, and a name-only put, keep the modules
    assert_eq!(
        set_modules(&mut e, "band", modules_off(false, true, false)).effect,
        None
    );
    let put = e.plan_put_collaborator(&id("band"), Some("Band".into()));
    apply_put(&mut e, put);
    let view = e.collaborator_view(&id("band")).unwrap();
    assert_eq!(view.name.as_deref(), Some("Band"));
    assert!(!view.modules.schedule && view.modules.advancing && view.modules.files);
    // created with modules in one go
    let put = set_modules(&mut e, "new", modules_off(true, false, false));
    assert!(put.created);
    assert!(!e.collaborator_view(&id("new")).unwrap().modules.advancing);
}

#[test]
fn a_module_off_denies_a_free_collaborator_its_permissions_after_outside_license() {
    let mut e = checked_event(&[], "ann", &[]);
    attach(
        &mut e,
        "c",
        "ann",
        Some(collaborator_permissions().collect()),
    )
    .unwrap();
    set_modules(&mut e, "c", modules_off(true, false, true));
    for p in collaborator_permissions() {
        let expected = match Module::of(p) {
            Some(Module::Advancing | Module::Files) => Reason::ModuleDisabled,
            Some(Module::Schedule) | None => Reason::Granted,
        };
        assert_eq!(reason(&e, "ann", p, &c("c")), expected, "{p}");
        // outside her collaborator it is still outside_license
        assert_eq!(
            reason(&e, "ann", p, &c("other")),
            Reason::OutsideLicense,
            "{p}"
        );
    }
    // decided before no_permission: even with no grant it is module_disabled
    let mut bare = checked_event(&[], "bob", &[]);
    attach(&mut bare, "c", "bob", Some(vec![])).unwrap();
    set_modules(&mut bare, "c", modules_off(true, true, true));
    assert_eq!(
        reason(&bare, "bob", CollaboratorAdvanceView, &c("c")),
        Reason::ModuleDisabled
    );
    assert_eq!(
        reason(&bare, "bob", CollaboratorView, &c("c")),
        Reason::NoPermission
    );
    // on again: the grants, never touched, count again
    set_modules(
        &mut e,
        "c",
        ModulesChange {
            advancing: Some(true),
            schedule: Some(true),
            files: Some(true),
        },
    );
    for p in collaborator_permissions() {
        assert_eq!(reason(&e, "ann", p, &c("c")), Reason::Granted, "{p}");
    }
}

#[test]
fn modules_do_not_limit_slot_or_org_pro_holders() {
    let mut e = checked_event(&["boss"], "ann", &[(EventAdmin, Scope::Event)]);
    grant(&mut e, "boss", EventAdmin, Scope::Event);
    assign(&mut e, "ann").unwrap();
    attach(&mut e, "c", "ann", None).unwrap();
    set_modules(&mut e, "c", modules_off(true, true, true));
    for p in collaborator_permissions() {
        assert_eq!(reason(&e, "ann", p, &c("c")), Reason::Granted, "{p}");
        assert_eq!(reason(&e, "boss", p, &c("c")), Reason::Granted, "{p}");
    }
}

#[test]
fn a_collaborator_reads_back_with_its_attached_users_sorted() {
    let mut e = event(2, &[]);
    add_collaborator(&mut e, "band");
    add_collaborator(&mut e, "crew");
    for u in ["zoe", "ann", "max"] {
        attach(&mut e, "band", u, None).unwrap();
    }
    attach(&mut e, "crew", "kim", None).unwrap();
    assert_eq!(
        e.collaborator_view(&id("band")).unwrap(),
        super::CollaboratorView {
            id: id("band"),
            name: None,
            modules: Modules::ALL_ON,
            users: vec![id("ann"), id("max"), id("zoe")],
        }
    );
    assert_eq!(
        e.collaborator_view(&id("nope")),
        Err(Error::CollaboratorNotFound(id("nope")))
    );
}

// ----------------------------------------------------- org-wide grants

fn with_org_grants(
    e: &mut Event,
    slot_total: u32,
    org_pro: &[&str],
    grants: &[(&str, Permission)],
) {
    let mut view = (*view(slot_total, org_pro)).clone();
    for (u, p) in grants {
        let gs = view.org_grants.entry(id(u)).or_default();
        gs.push(OrgGrant::new(*p).unwrap());
        gs.sort();
    }
    e.set_org_view(Arc::new(view));
}

#[test]
fn an_org_wide_grant_counts_as_if_granted_on_the_event_inside_the_ceiling() {
    let mut e = checked_event(&[], "ann", &[]);
    assign(&mut e, "ann").unwrap();
    attach(&mut e, "c", "bob", Some(vec![])).unwrap();
    with_org_grants(
        &mut e,
        2,
        &["boss"],
        &[
            ("ann", EventScheduleEdit),
            ("bob", EventAdmin),
            ("boss", EventView),
            ("nobody", EventAdmin),
        ],
    );
    assert_eq!(
        reason(&e, "ann", EventScheduleEdit, &Scope::Event),
        Reason::Granted
    );
    // rule 4 reaches every collaborator and area
    assert_eq!(
        reason(&e, "ann", AreaScheduleView, &a("a")),
        Reason::Granted
    );
    assert_eq!(
        reason(&e, "ann", EventUpdate, &Scope::Event),
        Reason::NoPermission
    );
    assert_eq!(
        reason(&e, "boss", CollaboratorView, &c("other")),
        Reason::Granted
    );
    // inside the ceiling only: a free collaborator gets their own collaborator
    assert_eq!(
        reason(&e, "bob", CollaboratorAdvanceEdit, &c("c")),
        Reason::Granted
    );
    assert_eq!(
        reason(&e, "bob", EventView, &Scope::Event),
        Reason::OutsideLicense
    );
    assert_eq!(
        reason(&e, "nobody", EventView, &Scope::Event),
        Reason::NoLicense
    );
    assert_eq!(
        e.user_view(&id("ann")).org_grants,
        vec![OrgGrant::new(EventScheduleEdit).unwrap()]
    );
}
