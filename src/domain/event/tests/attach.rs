//! Attaching and detaching free collaborators.

use super::*;

// --------------------------------------------------------------- attach

#[test]
fn attaching_without_a_list_gives_the_six_default_collaborator_grants() {
    let mut e = event(1, &[]);
    add_collaborator(&mut e, "band");
    let put = e
        .plan_attach(&id("band"), &id("ann"), None, None, NOW)
        .unwrap();
    assert!(put.created);
    apply_put(&mut e, put);
    let ann = e.user_view(&id("ann"), NOW);
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
    assert_eq!(plain(&ann.grants), expected);
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
            None,
            NOW,
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
        plain(&e.user_view(&id("ann"), NOW).grants),
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
                e.plan_attach(
                    &id("band"),
                    &id("ann"),
                    Some(vec![CollaboratorView, p]),
                    None,
                    NOW
                ),
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
        e.plan_attach(&id("band"), &id("ann"), None, None, NOW),
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
    assert_eq!(
        e.plan_attach(&id("band"), &id("ann"), None, None, NOW)
            .unwrap(),
        none
    );
    assert_eq!(
        e.plan_attach(
            &id("band"),
            &id("ann"),
            Some(vec![CollaboratorScheduleEdit, CollaboratorFileUpload]),
            None,
            NOW
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
        .plan_revoke(&id("ann"), grant_of(CollaboratorFileUpload, c("band")), NOW)
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
        e.user_view(&id("ann"), NOW).collaborators,
        vec![id("band"), id("crew")]
    );
    assert_eq!(e.user_view(&id("ann"), NOW).grants.len(), 12);
    assert!(attach(&mut e, "crew", "boss", None).unwrap());
    assert!(attach(&mut e, "band", "boss", None).unwrap());
    assert_eq!(e.license_of(&id("boss"), NOW), Some(License::OrgPro));
}

#[test]
fn a_user_on_two_collaborators_who_loses_the_slot_or_org_pro_has_no_license_until_down_to_one() {
    let mut e = event(1, &["boss"]);
    add_collaborator(&mut e, "band");
    add_collaborator(&mut e, "crew");
    attach_to_several(&mut e, "ann", &[("band", None), ("crew", None)]);
    assert_eq!(e.license_of(&id("ann"), NOW), None);
    assert_eq!(e.needing_slot(NOW), vec![id("ann")]);
    assert_eq!(
        e.check(&id("ann"), CollaboratorView, &c("band"), NOW)
            .unwrap(),
        Decision::new(Reason::NoLicense, None)
    );
    // Org Pro taken away (or Org Pro → Org Standard, or the member removed:
    // all the same to the event, which only sees the holders change)
    attach(&mut e, "band", "boss", None).unwrap();
    attach(&mut e, "crew", "boss", None).unwrap();
    e.set_org_view(view(1, &[]));
    assert_eq!(e.license_of(&id("boss"), NOW), None);
    assert_eq!(e.needing_slot(NOW), vec![id("ann"), id("boss")]);
    // a slot again gives everything back; detaching down to one gives free
    // access to that one
    assign(&mut e, "ann").unwrap();
    assert_eq!(e.license_of(&id("ann"), NOW), Some(License::EventPro));
    let effect = e.plan_detach(&id("band"), &id("boss"), NOW).unwrap();
    e.apply(&effect);
    assert_eq!(e.license_of(&id("boss"), NOW), Some(License::Collaborator));
    assert!(e.needing_slot(NOW).is_empty());
}

// --------------------------------------------------------------- detach

#[test]
fn detaching_removes_the_free_license_but_the_grants_stay() {
    let mut e = event(1, &[]);
    add_collaborator(&mut e, "band");
    attach(&mut e, "band", "ann", None).unwrap();
    let grants = e.user_view(&id("ann"), NOW).grants;
    let effect = e.plan_detach(&id("band"), &id("ann"), NOW).unwrap();
    assert_eq!(
        effect,
        EventEffect::Detached {
            collaborator: id("band"),
            user: id("ann"),
        }
    );
    e.apply(&effect);
    let ann = e.user_view(&id("ann"), NOW);
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
    let effect = e.plan_detach(&id("band"), &id("ann"), NOW).unwrap();
    e.apply(&effect);
    assert_eq!(e.user_view(&id("ann"), NOW).collaborators, vec![id("crew")]);
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
        e.plan_detach(&id("band"), &id("ann"), NOW),
        Err(not_found("ann"))
    );
    assert_eq!(
        e.plan_detach(&id("band"), &id("bob"), NOW),
        Err(not_found("bob"))
    );
}

#[test]
fn detaching_from_an_unknown_collaborator_is_collaborator_not_found() {
    let e = event(1, &[]);
    assert_eq!(
        e.plan_detach(&id("band"), &id("ann"), NOW),
        Err(Error::CollaboratorNotFound(id("band")))
    );
}
