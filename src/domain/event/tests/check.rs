//! The check and the user view.

use super::*;

// ------------------------------------------------------------ the check

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
    assert_eq!(e.license_of(&id("ann"), NOW), Some(License::OrgPro));
    assert_eq!(reason(&e, "ann", EventView, &Scope::Event), Reason::Granted);
    e.set_org_view(view(2, &[]));
    assert_eq!(e.license_of(&id("ann"), NOW), None);
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
    assert_eq!(e.license_of(&id("ann"), NOW), Some(License::Collaborator));
    assert_eq!(
        reason(&e, "ann", EventView, &Scope::Event),
        Reason::OutsideLicense
    );
    assign(&mut e, "ann").unwrap();
    assert_eq!(e.license_of(&id("ann"), NOW), Some(License::EventPro));
    assert_eq!(reason(&e, "ann", EventView, &Scope::Event), Reason::Granted);
    e.set_org_view(view(2, &["ann"]));
    assert_eq!(e.license_of(&id("ann"), NOW), Some(License::OrgPro));
}

#[test]
fn checking_an_unknown_scope_is_not_found_whoever_asks() {
    let mut e = checked_event(&["pro"], "pro", &[(EventAdmin, Scope::Event)]);
    assign(&mut e, "slot").unwrap();
    for user in ["pro", "slot", "nobody"] {
        assert_eq!(
            e.check(&id(user), CollaboratorView, &c("missing"), NOW),
            Err(Error::CollaboratorNotFound(id("missing")))
        );
        assert_eq!(
            e.check(&id(user), AreaView, &a("missing"), NOW),
            Err(Error::AreaNotFound(id("missing")))
        );
        // a collaborator id is no area, nor the other way round
        assert_eq!(
            e.check(&id(user), AreaView, &a("c"), NOW),
            Err(Error::AreaNotFound(id("c")))
        );
        assert_eq!(
            e.check(&id(user), CollaboratorView, &c("a"), NOW),
            Err(Error::CollaboratorNotFound(id("a")))
        );
    }
}

#[test]
fn checking_a_permission_with_a_scope_of_another_domain_is_refused() {
    let e = checked_event(&[], "ann", &[]);
    assert_eq!(
        e.check(&id("ann"), CollaboratorView, &Scope::Event, NOW),
        Err(Error::MissingScope(CollaboratorView))
    );
    assert_eq!(
        e.check(&id("ann"), EventView, &c("c"), NOW),
        Err(Error::UnexpectedScope(EventView))
    );
    assert_eq!(
        e.check(&id("ann"), AreaView, &c("c"), NOW),
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
        e.user_view(&id("ann"), NOW),
        UserView {
            // two collaborators and no slot: no license
            license: None,
            collaborators: vec![id("b-band"), id("c")],
            grants: vec![
                (grant_of(EventUpdate, Scope::Event), None),
                (grant_of(CollaboratorView, c("b-band")), None),
                (grant_of(CollaboratorFileView, c("c")), None),
                (grant_of(AreaView, a("a")), None),
            ],
            org_grants: vec![],
            slot_expires_at: None,
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
        slot_expires_at: None,
    };
    assert_eq!(e.user_view(&id("nobody"), NOW), empty(None));
    assert_eq!(e.user_view(&id("pro"), NOW), empty(Some(License::OrgPro)));
    assert_eq!(
        e.user_view(&id("slot"), NOW),
        empty(Some(License::EventPro))
    );
}
