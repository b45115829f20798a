use super::*;
use crate::actors::event::{Check, EventCommand, GetInfo, GetUser, LicenseOf, Write};
use crate::domain::{Permission, Reason, Scope};
use crate::persist::{Journal, State};

fn id(s: &str) -> Id {
    Id::parse(s).unwrap()
}

/// An org `o` with Event Pro 3 and two events, no slot in use.
fn state() -> State {
    let mut state = State::default();
    let (o, kind) = (id("o"), OrgKind::Team);
    state.replay(
        1,
        &Record::OrgCreated {
            org: o.clone(),
            kind,
        },
    );
    let pools = PoolsChange {
        org_standard: None,
        org_pro: None,
        event_pro: Some(3),
    };
    let pools = Org::new(OrgKind::Team).plan_pools(pools).unwrap();
    let effect = OrgEffect::PoolsSet(pools);
    state.replay(
        2,
        &Record::Org {
            org: o.clone(),
            effect,
        },
    );
    for (seq, e) in [(3, "e1"), (4, "e2")] {
        let (org, event) = (o.clone(), id(e));
        state.replay(
            seq,
            &Record::EventCreated {
                org,
                event,
                name: None,
            },
        );
    }
    state
}

#[test]
fn lowering_event_pro_the_journal_refuses_leaves_every_event_as_it_was() {
    let sys = System::new();
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(dir.path(), 0, 5, Box::new(|_, _| {})).unwrap();
    let registry =
        sys.block_on(async { Registry::start(state(), journal.clone(), vec![Arbiter::current()]) });
    // The journal takes no more writes, as while the server shuts down.
    journal.close();
    sys.block_on(async {
        let org = registry.org(&id("o")).unwrap();
        let lower = PoolsChange {
            org_standard: None,
            org_pro: None,
            event_pro: Some(1),
        };
        let refused = org.send(SetPools(lower)).await.unwrap();
        assert!(
            matches!(refused, Err(Failure::Unavailable(_))),
            "{refused:?}"
        );
        for e in ["e1", "e2"] {
            let event = registry.event(&id("o"), &id(e)).unwrap();
            let info = event.send(GetInfo).await.unwrap().unwrap();
            assert_eq!(info.slot_total, 3, "event {e}");
        }
        let info = org.send(GetOrg).await.unwrap();
        assert_eq!(info.pools.event_pro, 3);
    });
}

/// A running registry over `state()`, with a journal in `dir`.
fn running(sys: &SystemRunner, dir: &std::path::Path) -> (Arc<Registry>, Journal) {
    let journal = Journal::open(dir, 0, 5, Box::new(|_, _| {})).unwrap();
    let registry =
        sys.block_on(async { Registry::start(state(), journal.clone(), vec![Arbiter::current()]) });
    (registry, journal)
}

async fn write(
    registry: &Registry,
    event: &str,
    command: EventCommand,
) -> Result<Written, Failure> {
    let addr = registry.event(&id("o"), &id(event)).unwrap();
    addr.send(Write(command)).await.unwrap()
}

async fn license(registry: &Registry, event: &str, user: &str) -> Option<License> {
    let addr = registry.event(&id("o"), &id(event)).unwrap();
    addr.send(LicenseOf(id(user))).await.unwrap().unwrap().0
}

async fn check(
    registry: &Registry,
    event: &str,
    user: &str,
    p: Permission,
    scope: Scope,
) -> Reason {
    let addr = registry.event(&id("o"), &id(event)).unwrap();
    let m = Check {
        user: id(user),
        permission: p,
        scope,
    };
    addr.send(m).await.unwrap().unwrap().0.reason
}

use crate::actors::event::Written;

/// `user` on collaborators `band` and `crew` of `e1` while holding what
/// `licensed` gives them.
async fn on_two_collaborators(registry: &Registry, user: &str) {
    for c in ["band", "crew"] {
        write(registry, "e1", EventCommand::PutCollaborator(id(c), None))
            .await
            .unwrap();
    }
    for c in ["band", "crew"] {
        let attach = EventCommand::Attach {
            collaborator: id(c),
            user: id(user),
            permissions: None,
            expires_at: None,
        };
        write(registry, "e1", attach).await.unwrap();
    }
}

#[test]
fn a_user_on_two_collaborators_loses_the_license_with_org_pro_in_every_way_the_org_takes_it() {
    let sys = System::new();
    let dir = tempfile::tempdir().unwrap();
    let (registry, _journal) = running(&sys, dir.path());
    sys.block_on(async {
        let org = registry.org(&id("o")).unwrap();
        let pools = PoolsChange {
            org_standard: Some(3),
            org_pro: Some(3),
            event_pro: None,
        };
        org.send(SetPools(pools)).await.unwrap().unwrap();
        let set = |user: &str, license| SetMember {
            user: id(user),
            license,
        };
        for u in ["taken", "lowered", "removed"] {
            org.send(set(u, Some(OrgLicense::OrgPro)))
                .await
                .unwrap()
                .unwrap();
        }
        // a free user cannot take a second collaborator; Org Pro can
        write(
            &registry,
            "e1",
            EventCommand::PutCollaborator(id("band"), None),
        )
        .await
        .unwrap();
        write(
            &registry,
            "e1",
            EventCommand::PutCollaborator(id("crew"), None),
        )
        .await
        .unwrap();
        let attach = |c: &str| EventCommand::Attach {
            collaborator: id(c),
            user: id("free"),
            permissions: None,
            expires_at: None,
        };
        write(&registry, "e1", attach("band")).await.unwrap();
        let refused = write(&registry, "e1", attach("crew")).await;
        assert!(
            matches!(refused, Err(Failure::Rule(Error::SlotRequired { .. }))),
            "{refused:?}"
        );
        for u in ["taken", "lowered", "removed"] {
            on_two_collaborators(&registry, u).await;
            assert_eq!(license(&registry, "e1", u).await, Some(License::OrgPro));
        }
        org.send(set("taken", None)).await.unwrap().unwrap();
        org.send(set("lowered", Some(OrgLicense::OrgStandard)))
            .await
            .unwrap()
            .unwrap();
        org.send(RemoveMember(id("removed")))
            .await
            .unwrap()
            .unwrap();
        for u in ["taken", "lowered", "removed"] {
            assert_eq!(license(&registry, "e1", u).await, None, "{u}");
            let band = Scope::Collaborator(id("band"));
            let r = check(&registry, "e1", u, Permission::CollaboratorView, band).await;
            assert_eq!(r, Reason::NoLicense, "{u}");
        }
        // a slot brings it back; releasing it takes it away again
        let slot = EventCommand::AssignSlot(id("taken"), None);
        write(&registry, "e1", slot).await.unwrap();
        assert_eq!(
            license(&registry, "e1", "taken").await,
            Some(License::EventPro)
        );
        write(&registry, "e1", EventCommand::ReleaseSlot(id("taken")))
            .await
            .unwrap();
        assert_eq!(license(&registry, "e1", "taken").await, None);
    });
}

#[test]
fn org_wide_grants_reach_every_event_present_and_future_inside_the_ceiling() {
    let sys = System::new();
    let dir = tempfile::tempdir().unwrap();
    let (registry, _journal) = running(&sys, dir.path());
    sys.block_on(async {
        let org = registry.org(&id("o")).unwrap();
        let grant = |user: &str, permission| GrantOrgWide {
            user: id(user),
            permission,
            expires_at: None,
        };
        let refused = org.send(grant("ann", Permission::AreaView)).await.unwrap();
        assert!(matches!(refused, Err(Failure::Rule(Error::BadRequest(_)))));
        let (created, _) = org
            .send(grant("ann", Permission::EventUpdate))
            .await
            .unwrap()
            .unwrap();
        assert!(created);
        let (again, _) = org
            .send(grant("ann", Permission::EventUpdate))
            .await
            .unwrap()
            .unwrap();
        assert!(!again);
        // no license yet on e1: the grant counts for nothing there
        let r = check(&registry, "e1", "ann", Permission::EventView, Scope::Event).await;
        assert_eq!(r, Reason::NoLicense);
        write(&registry, "e1", EventCommand::AssignSlot(id("ann"), None))
            .await
            .unwrap();
        let r = check(&registry, "e1", "ann", Permission::EventView, Scope::Event).await;
        assert_eq!(r, Reason::Granted);
        // an event created later knows it too
        let created = org
            .send(CreateEvent {
                event: id("e3"),
                name: None,
            })
            .await
            .unwrap();
        assert!(matches!(created, Ok(Created::New { .. })));
        write(&registry, "e3", EventCommand::AssignSlot(id("ann"), None))
            .await
            .unwrap();
        let r = check(
            &registry,
            "e3",
            "ann",
            Permission::EventUpdate,
            Scope::Event,
        )
        .await;
        assert_eq!(r, Reason::Granted);
        let e3 = registry.event(&id("o"), &id("e3")).unwrap();
        let (view, _) = e3.send(GetUser(id("ann"))).await.unwrap().unwrap();
        let listed: Vec<Permission> = view.org_grants.iter().map(OrgGrant::permission).collect();
        assert_eq!(listed, vec![Permission::EventUpdate]);
        let (mine, _) = org.send(OrgGrants(id("ann"))).await.unwrap();
        assert_eq!(mine.len(), 1);
        // revoked: gone everywhere; revoking again is grant_not_found
        let revoke = || RevokeOrgWide {
            user: id("ann"),
            permission: Permission::EventUpdate,
        };
        org.send(revoke()).await.unwrap().unwrap();
        for e in ["e1", "e3"] {
            let r = check(&registry, e, "ann", Permission::EventView, Scope::Event).await;
            assert_eq!(r, Reason::NoPermission, "{e}");
        }
        let again = org.send(revoke()).await.unwrap();
        assert!(matches!(
            again,
            Err(Failure::Rule(Error::OrgGrantNotFound(_)))
        ));
    });
}

#[test]
fn deleting_an_event_the_journal_refuses_leaves_it_in_place() {
    let sys = System::new();
    let dir = tempfile::tempdir().unwrap();
    let (registry, journal) = running(&sys, dir.path());
    sys.block_on(async {
        write(&registry, "e1", EventCommand::AssignSlot(id("ann"), None))
            .await
            .unwrap();
    });
    journal.close();
    sys.block_on(async {
        let org = registry.org(&id("o")).unwrap();
        let refused = org.send(DeleteEvent(id("e1"))).await.unwrap();
        assert!(
            matches!(refused, Err(Failure::Unavailable(_))),
            "{refused:?}"
        );
        let info = org.send(GetOrg).await.unwrap();
        let events: Vec<&Id> = info.events.iter().map(|(e, _)| e).collect();
        assert_eq!(events, vec![&id("e1"), &id("e2")]);
        // the event still answers, as it was
        let event = registry.event(&id("o"), &id("e1")).unwrap();
        let info = event.send(GetInfo).await.unwrap().unwrap();
        assert_eq!(info.holders, vec![id("ann")]);
        assert_eq!(
            license(&registry, "e1", "ann").await,
            Some(License::EventPro)
        );
    });
}

#[test]
fn prices_are_set_with_the_licenses_and_kept_when_only_pools_change() {
    let sys = System::new();
    let dir = tempfile::tempdir().unwrap();
    let (registry, _journal) = running(&sys, dir.path());
    sys.block_on(async {
        let org = registry.org(&id("o")).unwrap();
        let m = SetLicenses {
            pools: PoolsChange::default(),
            prices: PricesChange {
                event_pro: Some(40),
                ..PricesChange::default()
            },
        };
        org.send(m).await.unwrap().unwrap();
        let more = PoolsChange {
            event_pro: Some(4),
            ..PoolsChange::default()
        };
        org.send(SetPools(more)).await.unwrap().unwrap();
        let info = org.send(GetOrg).await.unwrap();
        assert_eq!(info.prices.event_pro, 40);
        assert_eq!(info.pools.event_pro, 4);
    });
}

#[test]
fn a_collaborator_is_put_with_modules_and_read_back_with_its_users() {
    let sys = System::new();
    let dir = tempfile::tempdir().unwrap();
    let (registry, _journal) = running(&sys, dir.path());
    sys.block_on(async {
        let set = |name: Option<&str>, advancing| EventCommand::SetCollaborator {
            id: id("band"),
            name: name.map(str::to_owned),
            modules: crate::domain::ModulesChange {
                advancing,
                ..Default::default()
            },
        };
        let made = write(&registry, "e1", set(Some("The Band"), Some(false)))
            .await
            .unwrap();
        assert!(made.created);
        assert_eq!(made.name.as_deref(), Some("The Band"));
        let again = write(&registry, "e1", set(None, None)).await.unwrap();
        assert!(!again.created);
        for u in ["zed", "amy"] {
            let attach = EventCommand::Attach {
                collaborator: id("band"),
                user: id(u),
                permissions: None,
                expires_at: None,
            };
            write(&registry, "e1", attach).await.unwrap();
        }
        let event = registry.event(&id("o"), &id("e1")).unwrap();
        let (view, _) = event
            .send(crate::actors::GetCollaborator(id("band")))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(view.name.as_deref(), Some("The Band"));
        assert!(!view.modules.advancing && view.modules.schedule && view.modules.files);
        assert_eq!(view.users, vec![(id("amy"), None), (id("zed"), None)]);
        let band = Scope::Collaborator(id("band"));
        let r = check(
            &registry,
            "e1",
            "amy",
            Permission::CollaboratorAdvanceView,
            band,
        )
        .await;
        assert_eq!(r, Reason::ModuleDisabled);
        let missing = event
            .send(crate::actors::GetCollaborator(id("nope")))
            .await
            .unwrap();
        assert!(matches!(
            missing,
            Err(Failure::Rule(Error::CollaboratorNotFound(_)))
        ));
    });
}
