//! Expiry through the actors, with time driven by a [`ManualClock`]: what
//! the actors remove is journaled, so a restart replays the same state.

use std::sync::Arc;

use actix::prelude::*;

use super::{
    Check, EventCommand, Expire, Failure, GetInfo, GrantOrgWide, ManualClock, OrgGrants, Registry,
    Write, Written,
};
use crate::domain::{
    Error, Grant, Id, Org, OrgEffect, OrgKind, Permission, PoolsChange, Reason, Scope, Timestamp,
};
use crate::persist::{restore, Journal, Record, State};

const T0: Timestamp = Timestamp::from_secs(1_800_000_000);

fn id(s: &str) -> Id {
    Id::parse(s).unwrap()
}

/// Org `o` with Event Pro 1 and event `e1`, journaled in `dir` as well as
/// returned as a state, and a registry running over it on `clock`.
fn running(
    sys: &SystemRunner,
    dir: &std::path::Path,
    clock: Arc<ManualClock>,
) -> (Arc<Registry>, Journal) {
    let journal = Journal::open(dir, 0, 1, Box::new(|_, _| {})).unwrap();
    let pools = PoolsChange {
        event_pro: Some(1),
        ..PoolsChange::default()
    };
    let pools = Org::new(OrgKind::Team).plan_pools(pools).unwrap();
    let records = [
        Record::OrgCreated {
            org: id("o"),
            kind: OrgKind::Team,
        },
        Record::Org {
            org: id("o"),
            effect: OrgEffect::PoolsSet(pools),
        },
        Record::EventCreated {
            org: id("o"),
            event: id("e1"),
            name: None,
        },
    ];
    let mut state = State::default();
    for r in &records {
        let seq = journal.append(r).unwrap();
        state.replay(seq, r);
    }
    let registry = sys.block_on(async {
        Registry::start_with_clock(state, journal.clone(), vec![Arbiter::current()], clock)
    });
    (registry, journal)
}

async fn write(registry: &Registry, command: EventCommand) -> Result<Written, Failure> {
    let addr = registry.event(&id("o"), &id("e1")).unwrap();
    addr.send(Write(command)).await.unwrap()
}

async fn check(registry: &Registry, user: &str) -> Reason {
    let addr = registry.event(&id("o"), &id("e1")).unwrap();
    let m = Check {
        user: id(user),
        permission: Permission::EventView,
        scope: Scope::Event,
    };
    addr.send(m).await.unwrap().unwrap().0.reason
}

/// The state the folder `dir` restores to.
fn records(dir: &std::path::Path) -> State {
    restore::restore(dir, None).unwrap().state
}

#[test]
fn a_slot_that_expires_is_claimable_at_once_and_its_removal_is_journaled_first() {
    let sys = System::new();
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::at(T0);
    let (registry, journal) = running(&sys, dir.path(), clock.clone());
    sys.block_on(async {
        let until = Some(T0.plus(10));
        let made = write(&registry, EventCommand::AssignSlot(id("ann"), until)).await;
        assert_eq!(made.unwrap().expires_at, until);
        let full = write(&registry, EventCommand::AssignSlot(id("bob"), None)).await;
        assert!(matches!(
            full,
            Err(Failure::Rule(Error::NoSlotAvailable { total: 1 }))
        ));
        clock.advance(10);
        // no release: bob gets the slot at once
        let claimed = write(&registry, EventCommand::AssignSlot(id("bob"), None)).await;
        assert!(claimed.unwrap().created);
        let addr = registry.event(&id("o"), &id("e1")).unwrap();
        let info = addr.send(GetInfo).await.unwrap().unwrap();
        assert_eq!(info.holders, vec![id("bob")]);
    });
    journal.close();
    let state = records(dir.path());
    let e = &state.events[&id("o")][&id("e1")].event;
    // replayed: ann's slot removed by its own record, bob's given after
    assert_eq!(e.slot_count(), 1);
    assert!(e.holds_slot(&id("bob"), T0.plus(10)));
    assert_eq!(e.peak(), 1);
}

#[test]
fn the_timer_message_removes_what_expired_and_the_journal_keeps_the_removal() {
    let sys = System::new();
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::at(T0);
    let (registry, journal) = running(&sys, dir.path(), clock.clone());
    sys.block_on(async {
        write(&registry, EventCommand::AssignSlot(id("ann"), None))
            .await
            .unwrap();
        let view = Grant::new(Permission::EventView, Scope::Event).unwrap();
        let until = Some(T0.plus(5));
        write(&registry, EventCommand::Grant(id("ann"), view, until))
            .await
            .unwrap();
        assert_eq!(check(&registry, "ann").await, Reason::Granted);
        clock.advance(5);
        // denied at once, before anything is removed
        assert_eq!(check(&registry, "ann").await, Reason::NoPermission);
        let addr = registry.event(&id("o"), &id("e1")).unwrap();
        addr.send(Expire).await.unwrap();
        // an org-wide grant expires the same way, removed by the org
        let org = registry.org(&id("o")).unwrap();
        let grant = GrantOrgWide {
            user: id("ann"),
            permission: Permission::EventView,
            expires_at: Some(T0.plus(8)),
        };
        let (created, _) = org.send(grant).await.unwrap().unwrap();
        assert!(created);
        assert_eq!(check(&registry, "ann").await, Reason::Granted);
        clock.advance(3);
        assert_eq!(check(&registry, "ann").await, Reason::NoPermission);
        org.send(Expire).await.unwrap();
        let (left, _) = org.send(OrgGrants(id("ann"))).await.unwrap();
        assert!(left.is_empty());
    });
    journal.close();
    let state = records(dir.path());
    let e = &state.events[&id("o")][&id("e1")].event;
    assert_eq!(e.grant_count(), 0, "the event grant's removal was replayed");
    assert!(state.orgs[&id("o")].org.view().org_grants.is_empty());
    assert!(e.holds_slot(&id("ann"), Timestamp::MAX));
}

#[test]
fn what_expired_while_down_is_removed_and_journaled_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::at(T0);
    {
        let sys = System::new();
        let (registry, journal) = running(&sys, dir.path(), clock.clone());
        sys.block_on(async {
            let until = Some(T0.plus(10));
            write(&registry, EventCommand::AssignSlot(id("ann"), until))
                .await
                .unwrap();
        });
        journal.close();
    }
    clock.advance(60);
    let restored = records(dir.path());
    assert_eq!(e1(&restored).slot_count(), 1, "the journal holds the slot");
    // a new start: the first pass runs as the actor starts
    let sys = System::new();
    let journal = Journal::open(
        dir.path(),
        1,
        restored.newest_seq() + 1,
        Box::new(|_, _| {}),
    )
    .unwrap();
    let mut state = restored;
    state.rebuild_views();
    let registry = sys.block_on(async {
        Registry::start_with_clock(state, journal.clone(), vec![Arbiter::current()], clock)
    });
    sys.block_on(async {
        let addr = registry.event(&id("o"), &id("e1")).unwrap();
        let info = addr.send(GetInfo).await.unwrap().unwrap();
        assert!(info.holders.is_empty());
    });
    journal.close();
    let again = records(dir.path());
    assert_eq!(e1(&again).slot_count(), 0, "the removal is in the journal");
}

fn e1(state: &State) -> &crate::domain::Event {
    &state.events[&id("o")][&id("e1")].event
}
