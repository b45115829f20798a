//! Collaborators and areas.

use super::*;

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
    let ann = e.user_view(&id("ann"), NOW);
    assert_eq!(ann.collaborators, vec![id("crew")]);
    assert_eq!(
        plain(&ann.grants),
        vec![grant_of(CollaboratorView, c("crew"))]
    );
    assert_eq!(ann.license, Some(License::Collaborator));
    // bob loses his only attachment, so his free license, but keeps the rest
    let bob = e.user_view(&id("bob"), NOW);
    assert_eq!(bob.license, None);
    assert!(bob.collaborators.is_empty());
    assert_eq!(
        plain(&bob.grants),
        vec![
            grant_of(EventView, Scope::Event),
            grant_of(AreaView, a("stage"))
        ]
    );
    // a user whose only grant was on it has nothing left
    assert!(e.user_view(&id("cid"), NOW).grants.is_empty());
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
        e.user_view(&id("ann"), NOW),
        UserView {
            license: None,
            collaborators: vec![],
            grants: vec![],
            org_grants: vec![],
            slot_expires_at: None,
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
    let ann = e.user_view(&id("ann"), NOW);
    assert_eq!(ann.collaborators, vec![id("band")]);
    assert_eq!(
        plain(&ann.grants),
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
