//! Granting, revoking, and applying effects.

use super::*;

// -------------------------------------------------------- grant, revoke

#[test]
fn granting_needs_its_scope_to_exist_on_the_event() {
    let mut e = event(1, &[]);
    add_collaborator(&mut e, "x");
    assert_eq!(
        e.plan_grant(&id("ann"), grant_of(CollaboratorView, c("band")), None, NOW),
        Err(Error::CollaboratorNotFound(id("band")))
    );
    assert_eq!(
        e.plan_grant(&id("ann"), grant_of(AreaView, a("x")), None, NOW),
        Err(Error::AreaNotFound(id("x")))
    );
    assert!(e
        .plan_grant(&id("ann"), grant_of(EventView, Scope::Event), None, NOW)
        .is_ok());
    assert!(e
        .plan_grant(&id("ann"), grant_of(CollaboratorView, c("x")), None, NOW)
        .is_ok());
}

#[test]
fn granting_is_independent_of_licenses_and_granting_again_has_no_effect() {
    let mut e = event(1, &[]);
    let g = grant_of(EventUpdate, Scope::Event);
    let put = e.plan_grant(&id("ann"), g.clone(), None, NOW).unwrap();
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
    assert_eq!(plain(&e.user_view(&id("ann"), NOW).grants), vec![g.clone()]);
    assert_eq!(e.grant_count(), 1);
    assert_eq!(
        e.plan_grant(&id("ann"), g, None, NOW).unwrap(),
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
    let effect = e.plan_revoke(&id("ann"), g.clone(), NOW).unwrap();
    assert_eq!(
        effect,
        EventEffect::Revoked {
            user: id("ann"),
            grant: g,
        }
    );
    e.apply(&effect);
    assert_eq!(
        plain(&e.user_view(&id("ann"), NOW).grants),
        vec![grant_of(AreaFileView, a("stage"))]
    );
}

#[test]
fn revoking_a_grant_the_user_does_not_have_is_grant_not_found() {
    let mut e = event(1, &[]);
    add_collaborator(&mut e, "band");
    grant(&mut e, "ann", EventView, Scope::Event);
    assert_eq!(
        e.plan_revoke(&id("ann"), grant_of(EventUpdate, Scope::Event), NOW),
        Err(Error::GrantNotFound(id("ann")))
    );
    assert_eq!(
        e.plan_revoke(&id("bob"), grant_of(EventView, Scope::Event), NOW),
        Err(Error::GrantNotFound(id("bob")))
    );
    // a covering grant is not the grant itself
    grant(&mut e, "ann", EventAdmin, Scope::Event);
    assert_eq!(
        e.plan_revoke(&id("ann"), grant_of(CollaboratorView, c("band")), NOW),
        Err(Error::GrantNotFound(id("ann")))
    );
}

#[test]
fn revoking_on_an_unknown_scope_is_not_found() {
    let e = event(1, &[]);
    assert_eq!(
        e.plan_revoke(&id("ann"), grant_of(CollaboratorView, c("band")), NOW),
        Err(Error::CollaboratorNotFound(id("band")))
    );
    assert_eq!(
        e.plan_revoke(&id("ann"), grant_of(AreaView, a("stage")), NOW),
        Err(Error::AreaNotFound(id("stage")))
    );
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
