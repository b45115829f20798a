//! Collaborator modules and org-wide grants.

use super::*;

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
        e.collaborator_view(&id("band"), NOW).unwrap().modules,
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
    let view = e.collaborator_view(&id("band"), NOW).unwrap();
    assert_eq!(view.name.as_deref(), Some("Band"));
    assert!(!view.modules.schedule && view.modules.advancing && view.modules.files);
    // created with modules in one go
    let put = set_modules(&mut e, "new", modules_off(true, false, false));
    assert!(put.created);
    assert!(
        !e.collaborator_view(&id("new"), NOW)
            .unwrap()
            .modules
            .advancing
    );
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
        e.collaborator_view(&id("band"), NOW).unwrap(),
        super::CollaboratorView {
            id: id("band"),
            name: None,
            modules: Modules::ALL_ON,
            users: vec![(id("ann"), None), (id("max"), None), (id("zoe"), None)],
        }
    );
    assert_eq!(
        e.collaborator_view(&id("nope"), NOW),
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
        e.user_view(&id("ann"), NOW).org_grants,
        vec![OrgGrant::new(EventScheduleEdit).unwrap()]
    );
}
