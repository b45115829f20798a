//! The whole-system model: random operation sequences over one team org and
//! a few events, driven the way the actors drive the domain, keep the
//! license invariants; refusals change nothing; effects are idempotent; and
//! every reachable state survives the codec, replays from the journal to the
//! live state, and loads from the previous snapshot format.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeMap;
use std::sync::Arc;

use proptest::prelude::*;

use gatehouse::domain::Timestamp;
use gatehouse::domain::{
    Domain, Error, Event, EventEffect, Grant, Id, InUse, License, Modules, ModulesChange, Org,
    OrgEffect, OrgKind, OrgLicense, OrgView, Permission, Pools, PoolsChange, PricesChange, Put,
    Scope, MAX_POOL,
};
use gatehouse::persist::codec::{self, SNAPSHOT_MAGIC};
use gatehouse::persist::state::Content;
use gatehouse::persist::v1::{SnapshotV1, StateV1};
use gatehouse::persist::{snapshot, Record, Seq, State};

/// The instant the rules are asked at, where nothing expires.
const NOW: Timestamp = Timestamp::from_secs(1_000_000);

const ORG: &str = "org";
const USERS: [&str; 4] = ["u0", "u1", "u2", "u3"];
const EVENTS: [&str; 3] = ["e0", "e1", "e2"];
/// Collaborators and areas share these ids, so the two kinds collide too.
const SCOPES: [&str; 2] = ["s0", "s1"];
const NAMES: [&str; 2] = ["n0", "n1"];

fn id(s: &str) -> Id {
    Id::parse(s).unwrap()
}

fn user(i: usize) -> Id {
    id(USERS[i % USERS.len()])
}

fn event_id(i: usize) -> Id {
    id(EVENTS[i % EVENTS.len()])
}

fn scope_id(i: usize) -> Id {
    id(SCOPES[i % SCOPES.len()])
}

/// The scope a permission takes, picking the collaborator or area `i`.
fn scope_for(p: Permission, i: usize) -> Scope {
    match p.domain() {
        Domain::Event => Scope::Event,
        Domain::Collaborator => Scope::Collaborator(scope_id(i)),
        Domain::Area => Scope::Area(scope_id(i)),
    }
}

// ------------------------------------------------------------ operations

#[derive(Clone, Debug)]
enum Op {
    SetPools(PoolsChange),
    SetPrices(PricesChange),
    SetModules {
        event: usize,
        id: usize,
        modules: ModulesChange,
    },
    GrantOrgWide {
        user: usize,
        permission: Permission,
    },
    RevokeOrgWide {
        user: usize,
        permission: Permission,
    },
    SetMember {
        user: usize,
        license: Option<OrgLicense>,
    },
    RemoveMember {
        user: usize,
    },
    PutCollaborator {
        event: usize,
        id: usize,
        name: Option<usize>,
    },
    DeleteCollaborator {
        event: usize,
        id: usize,
    },
    PutArea {
        event: usize,
        id: usize,
        name: Option<usize>,
    },
    DeleteArea {
        event: usize,
        id: usize,
    },
    AssignSlot {
        event: usize,
        user: usize,
    },
    ReleaseSlot {
        event: usize,
        user: usize,
    },
    Attach {
        event: usize,
        collaborator: usize,
        user: usize,
        permissions: Option<Vec<Permission>>,
    },
    Detach {
        event: usize,
        collaborator: usize,
        user: usize,
    },
    Grant {
        event: usize,
        user: usize,
        permission: Permission,
        scope: usize,
    },
    Revoke {
        event: usize,
        user: usize,
        permission: Permission,
        scope: usize,
    },
    /// Detaches the user from the `pick`-th collaborator they are attached
    /// to, if any (so that detaching succeeds often enough).
    DetachHeld {
        event: usize,
        user: usize,
        pick: usize,
    },
    /// Revokes the `pick`-th grant the user has, if any.
    RevokeHeld {
        event: usize,
        user: usize,
        pick: usize,
    },
}

fn permission() -> impl Strategy<Value = Permission> {
    prop::sample::select(Permission::ALL)
}

fn collaborator_permission() -> impl Strategy<Value = Permission> {
    prop::sample::select(
        Permission::ALL
            .iter()
            .copied()
            .filter(|p| p.domain() == Domain::Collaborator)
            .collect::<Vec<_>>(),
    )
}

fn pool_count() -> impl Strategy<Value = Option<u32>> {
    prop_oneof![
        8 => Just(None),
        16 => (0u32..=3).prop_map(Some),
        // rarely, a count over the cap
        1 => Just(Some(MAX_POOL + 1)),
    ]
}

fn org_license() -> impl Strategy<Value = Option<OrgLicense>> {
    prop_oneof![
        Just(None),
        Just(Some(OrgLicense::OrgStandard)),
        Just(Some(OrgLicense::OrgPro)),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let u = || 0..USERS.len();
    // most operations go to the first event, so that things pile up there
    let e = || prop_oneof![3 => Just(0), 2 => Just(1), 1 => Just(2)];
    let s = || 0..SCOPES.len();
    let name = || prop::option::of(0..NAMES.len());
    let attach_list = prop_oneof![
        Just(None),
        prop::collection::vec(collaborator_permission(), 0..4).prop_map(Some),
        prop::collection::vec(permission(), 1..3).prop_map(Some),
    ];
    let switch = || prop::option::of(any::<bool>());
    let price = || prop::option::of(0u64..100);
    prop_oneof![
        1 => (price(), price(), price()).prop_map(|(s, p, e)| {
            Op::SetPrices(PricesChange {
                org_standard: s,
                org_pro: p,
                event_pro: e,
            })
        }),
        2 => (e(), s(), switch(), switch(), switch()).prop_map(|(event, id, a, sc, f)| {
            Op::SetModules {
                event,
                id,
                modules: ModulesChange {
                    advancing: a,
                    schedule: sc,
                    files: f,
                },
            }
        }),
        2 => (u(), permission()).prop_map(|(user, permission)| Op::GrantOrgWide { user, permission }),
        1 => (u(), permission()).prop_map(|(user, permission)| Op::RevokeOrgWide { user, permission }),
        2 => (pool_count(), pool_count(), pool_count()).prop_map(|(s, p, e)| {
            Op::SetPools(PoolsChange {
                org_standard: s,
                org_pro: p,
                event_pro: e,
            })
        }),
        3 => (u(), org_license()).prop_map(|(user, license)| Op::SetMember { user, license }),
        1 => u().prop_map(|user| Op::RemoveMember { user }),
        2 => (e(), s(), name()).prop_map(|(event, id, name)| Op::PutCollaborator { event, id, name }),
        1 => (e(), s()).prop_map(|(event, id)| Op::DeleteCollaborator { event, id }),
        2 => (e(), s(), name()).prop_map(|(event, id, name)| Op::PutArea { event, id, name }),
        1 => (e(), s()).prop_map(|(event, id)| Op::DeleteArea { event, id }),
        4 => (e(), u()).prop_map(|(event, user)| Op::AssignSlot { event, user }),
        2 => (e(), u()).prop_map(|(event, user)| Op::ReleaseSlot { event, user }),
        3 => (e(), s(), u(), attach_list).prop_map(|(event, collaborator, user, permissions)| {
            Op::Attach {
                event,
                collaborator,
                user,
                permissions,
            }
        }),
        1 => (e(), s(), u()).prop_map(|(event, collaborator, user)| Op::Detach {
            event,
            collaborator,
            user,
        }),
        3 => (e(), u(), permission(), s()).prop_map(|(event, user, permission, scope)| {
            Op::Grant {
                event,
                user,
                permission,
                scope,
            }
        }),
        2 => (e(), u(), permission(), s()).prop_map(|(event, user, permission, scope)| {
            Op::Revoke {
                event,
                user,
                permission,
                scope,
            }
        }),
        1 => (e(), u(), 0..8usize).prop_map(|(event, user, pick)| Op::DetachHeld { event, user, pick }),
        2 => (e(), u(), 0..8usize).prop_map(|(event, user, pick)| Op::RevokeHeld { event, user, pick }),
    ]
}

// ----------------------------------------------------------------- model

/// One team org and its events, driven the way the org and event actors
/// drive the domain, with every applied change recorded as the journal
/// would hold it.
#[derive(Clone, Debug)]
struct World {
    org_id: Id,
    org: Org,
    events: BTreeMap<Id, Event>,
    records: Vec<(Seq, Record)>,
    /// The most slots each event has had in use at once.
    peaks: BTreeMap<Id, u32>,
}

/// The part of a world that a refused operation must leave alone.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Observed {
    org: Org,
    events: BTreeMap<Id, Event>,
}

impl World {
    /// A team org with `event_pro` slots (at least one, to create events)
    /// and every event of `EVENTS`.
    fn new(event_pro: u32) -> World {
        let org_id = id(ORG);
        let mut world = World {
            org_id: org_id.clone(),
            org: Org::new(OrgKind::Team),
            events: BTreeMap::new(),
            records: Vec::new(),
            peaks: BTreeMap::new(),
        };
        world.record(Record::OrgCreated {
            org: org_id.clone(),
            kind: OrgKind::Team,
        });
        let pools = world
            .org
            .plan_pools(PoolsChange {
                event_pro: Some(event_pro.max(1)),
                ..PoolsChange::default()
            })
            .unwrap();
        world.apply_org(OrgEffect::PoolsSet(pools));
        let view = world.current_view();
        for e in EVENTS {
            world.record(Record::EventCreated {
                org: org_id.clone(),
                event: id(e),
                name: Some(format!("Event {e}")),
            });
            world
                .events
                .insert(id(e), Event::new(Some(format!("Event {e}")), view.clone()));
        }
        world
    }

    fn observed(&self) -> Observed {
        Observed {
            org: self.org.clone(),
            events: self.events.clone(),
        }
    }

    fn record(&mut self, record: Record) {
        let seq = Seq::try_from(self.records.len()).unwrap() + 1;
        self.records.push((seq, record));
    }

    fn current_view(&self) -> Arc<OrgView> {
        Arc::new(self.org.view())
    }

    /// Publishes the org's licenses to every event, as the org actor does.
    fn publish_view(&mut self) {
        let view = self.current_view();
        for e in self.events.values_mut() {
            e.set_org_view(view.clone());
        }
    }

    /// Applies an org effect (checking that applying it again changes
    /// nothing), journals it, and publishes the new view.
    fn apply_org(&mut self, effect: OrgEffect) {
        self.org.apply(&effect);
        let once = self.org.clone();
        self.org.apply(&effect);
        assert_eq!(self.org, once, "applying {effect:?} twice differs");
        self.record(Record::Org {
            org: self.org_id.clone(),
            effect,
        });
        self.publish_view();
    }

    /// Applies an event effect, idempotently, without journaling it.
    fn apply_event_unrecorded(event: &mut Event, effect: &EventEffect) {
        event.apply(effect);
        let once = event.clone();
        event.apply(effect);
        assert_eq!(*event, once, "applying {effect:?} twice differs");
    }

    fn apply_event(&mut self, event: &Id, effect: EventEffect) {
        let e = self.events.get_mut(event).unwrap();
        Self::apply_event_unrecorded(e, &effect);
        let peak = self.peaks.entry(event.clone()).or_default();
        *peak = (*peak).max(e.slots_used(NOW));
        self.record(Record::Event {
            org: self.org_id.clone(),
            event: event.clone(),
            effect,
        });
    }

    fn apply_put(&mut self, event: &Id, put: Put) {
        if let Some(effect) = put.effect {
            self.apply_event(event, effect);
        }
    }

    fn event(&self, i: usize) -> (Id, &Event) {
        let eid = event_id(i);
        let e = self.events.get(&eid).unwrap();
        (eid, e)
    }

    /// Runs one operation; a refusal is returned and must change nothing.
    fn step(&mut self, op: &Op) -> Result<(), Error> {
        match op {
            Op::SetPrices(change) => {
                let (pools, prices) = self.org.plan_licenses(PoolsChange::default(), *change)?;
                if prices != self.org.prices() {
                    self.apply_org(OrgEffect::LicensesSet { pools, prices });
                }
            }
            Op::SetModules { event, id, modules } => {
                let (eid, e) = self.event(*event);
                let put = e.plan_set_collaborator(&scope_id(*id), None, *modules);
                self.apply_put(&eid, put);
            }
            Op::GrantOrgWide {
                user: u,
                permission,
            } => {
                if let (_, Some(effect)) =
                    self.org.plan_org_grant(&user(*u), *permission, None, NOW)?
                {
                    self.apply_org(effect);
                }
            }
            Op::RevokeOrgWide {
                user: u,
                permission,
            } => {
                let effect = self.org.plan_org_revoke(&user(*u), *permission, NOW)?;
                self.apply_org(effect);
            }
            Op::SetPools(change) => {
                let (pools, prices) = self.org.plan_licenses(*change, PricesChange::default())?;
                if pools == self.org.pools() {
                    return Ok(());
                }
                // The org actor's cross-event rule: lowering Event Pro below
                // the slots any event uses is refused whole.
                let blocked: Vec<(Id, u32)> = self
                    .events
                    .iter()
                    .filter(|(_, e)| !e.fits(pools.event_pro, NOW))
                    .map(|(id, e)| (id.clone(), e.slots_used(NOW)))
                    .collect();
                if !blocked.is_empty() {
                    return Err(Error::LicensesInUse(InUse::Events(blocked)));
                }
                self.apply_org(OrgEffect::LicensesSet { pools, prices });
            }
            Op::SetMember { user: u, license } => {
                let u = user(*u);
                let plan = self.org.plan_member(&u, *license)?;
                let Some(effect) = plan.effect else {
                    assert_eq!(self.org.member(&u).unwrap(), license.map(License::from));
                    return Ok(());
                };
                if plan.becomes_org_pro {
                    // Every event releases their slot; the org's record of
                    // the change is what the journal replays.
                    let given = EventEffect::OrgProGiven { user: u.clone() };
                    for e in self.events.values_mut() {
                        Self::apply_event_unrecorded(e, &given);
                    }
                }
                self.apply_org(effect);
            }
            Op::RemoveMember { user: u } => {
                let effect = self.org.plan_remove_member(&user(*u))?;
                self.apply_org(effect);
            }
            Op::PutCollaborator { event, id, name } => {
                let (eid, e) = self.event(*event);
                let put = e.plan_put_collaborator(&scope_id(*id), name.map(|n| NAMES[n].into()));
                self.apply_put(&eid, put);
            }
            Op::DeleteCollaborator { event, id } => {
                let (eid, e) = self.event(*event);
                let effect = e.plan_delete_collaborator(&scope_id(*id))?;
                self.apply_event(&eid, effect);
            }
            Op::PutArea { event, id, name } => {
                let (eid, e) = self.event(*event);
                let put = e.plan_put_area(&scope_id(*id), name.map(|n| NAMES[n].into()));
                self.apply_put(&eid, put);
            }
            Op::DeleteArea { event, id } => {
                let (eid, e) = self.event(*event);
                let effect = e.plan_delete_area(&scope_id(*id))?;
                self.apply_event(&eid, effect);
            }
            Op::AssignSlot { event, user: u } => {
                let (eid, e) = self.event(*event);
                let put = e.plan_assign_slot(&user(*u), None, NOW)?;
                self.apply_put(&eid, put);
            }
            Op::ReleaseSlot { event, user: u } => {
                let (eid, e) = self.event(*event);
                let effect = e.plan_release_slot(&user(*u), NOW)?;
                self.apply_event(&eid, effect);
            }
            Op::Attach {
                event,
                collaborator,
                user: u,
                permissions,
            } => {
                let (eid, e) = self.event(*event);
                let put = e.plan_attach(
                    &scope_id(*collaborator),
                    &user(*u),
                    permissions.clone(),
                    None,
                    NOW,
                )?;
                self.apply_put(&eid, put);
            }
            Op::Detach {
                event,
                collaborator,
                user: u,
            } => {
                let (eid, e) = self.event(*event);
                let effect = e.plan_detach(&scope_id(*collaborator), &user(*u), NOW)?;
                self.apply_event(&eid, effect);
            }
            Op::Grant {
                event,
                user: u,
                permission,
                scope,
            }
            | Op::Revoke {
                event,
                user: u,
                permission,
                scope,
            } => {
                let (eid, e) = self.event(*event);
                let grant = Grant::new(*permission, scope_for(*permission, *scope)).unwrap();
                if let Op::Grant { .. } = op {
                    let put = e.plan_grant(&user(*u), grant, None, NOW)?;
                    self.apply_put(&eid, put);
                } else {
                    let effect = e.plan_revoke(&user(*u), grant, NOW)?;
                    self.apply_event(&eid, effect);
                }
            }
            Op::DetachHeld {
                event,
                user: u,
                pick,
            }
            | Op::RevokeHeld {
                event,
                user: u,
                pick,
            } => {
                let (eid, e) = self.event(*event);
                let view = e.user_view(&user(*u), NOW);
                // The `pick`th of what the user holds, if anything.
                let held = |count: usize| pick % count.max(1);
                let effect = if let Op::DetachHeld { .. } = op {
                    match view.collaborators.get(held(view.collaborators.len())) {
                        Some(c) => e.plan_detach(c, &user(*u), NOW)?,
                        None => return Ok(()),
                    }
                } else {
                    match view.grants.get(held(view.grants.len())) {
                        Some((g, _)) => e.plan_revoke(&user(*u), g.clone(), NOW)?,
                        None => return Ok(()),
                    }
                };
                self.apply_event(&eid, effect);
            }
        }
        Ok(())
    }

    /// The license invariants of SPEC §1, checked after every step.
    fn assert_invariants(&self) -> Result<(), TestCaseError> {
        let pools = self.org.pools();
        let org_pro = self.org.org_pro_holders();
        prop_assert!(self.org.used(OrgLicense::OrgStandard) <= pools.org_standard);
        prop_assert!(self.org.used(OrgLicense::OrgPro) <= pools.org_pro);
        prop_assert_eq!(self.org.used(OrgLicense::OrgPro) as usize, org_pro.len());
        for (eid, e) in &self.events {
            prop_assert!(
                e.slots_used(NOW) <= pools.event_pro,
                "{} holds {} slots of {}",
                eid,
                e.slots_used(NOW),
                pools.event_pro
            );
            prop_assert!(e.fits(pools.event_pro, NOW));
            for holder in &e.sorted_slot_holders(NOW) {
                prop_assert!(
                    !org_pro.contains(holder),
                    "Org Pro holder {} holds a slot on {}",
                    holder,
                    eid
                );
            }
            // every event sees the org as it is
            prop_assert_eq!(e.org_view().slot_total, pools.event_pro);
            prop_assert_eq!(&e.org_view().org_pro, &org_pro);
            prop_assert_eq!(&e.org_view().org_grants, &self.org.org_grants_by_user());
            prop_assert_eq!(e.peak(), self.peaks.get(eid).copied().unwrap_or(0));
            for i in 0..USERS.len() {
                let u = user(i);
                let license = e.license_of(&u, NOW);
                if org_pro.contains(&u) {
                    prop_assert_eq!(license, Some(License::OrgPro));
                } else if e.holds_slot(&u, NOW) {
                    prop_assert_eq!(license, Some(License::EventPro));
                }
                prop_assert_eq!(e.user_view(&u, NOW).license, license);
                // free access covers one collaborator
                let attached = e.user_view(&u, NOW).collaborators.len();
                if license == Some(License::Collaborator) {
                    prop_assert_eq!(attached, 1);
                }
                if attached > 1 && license.is_none() {
                    prop_assert!(e.needing_slot(NOW).contains(&u));
                }
            }
        }
        Ok(())
    }

    /// The state the journal would rebuild: the records replayed from empty.
    fn replayed(&self) -> State {
        let mut state = State::default();
        for (seq, record) in &self.records {
            state.replay(*seq, record);
        }
        state.rebuild_views();
        state
    }

    fn content(&self) -> Content<'_> {
        Content {
            orgs: vec![(&self.org_id, &self.org)],
            events: self
                .events
                .iter()
                .map(|(e, ev)| ((&self.org_id, e), ev))
                .collect(),
        }
    }
}

fn scenario() -> impl Strategy<Value = (u32, Vec<Op>)> {
    (1u32..=3, prop::collection::vec(op(), 1..64))
}

proptest! {
    #![proptest_config(cases(192))]

    #[test]
    fn random_operations_keep_the_license_invariants_and_refusals_change_nothing(
        (event_pro, ops) in scenario()
    ) {
        let mut world = World::new(event_pro);
        world.assert_invariants()?;
        for op in &ops {
            let before = world.observed();
            let records = world.records.len();
            if let Err(refusal) = world.step(op) {
                prop_assert_eq!(
                    &world.observed(),
                    &before,
                    "{:?} was refused ({:?}) but changed the state",
                    op,
                    refusal
                );
                prop_assert_eq!(world.records.len(), records);
            }
            world.assert_invariants()?;
        }
    }

    #[test]
    fn every_reachable_state_survives_the_codec_and_replays_to_the_live_state(
        (event_pro, ops) in scenario()
    ) {
        let mut world = World::new(event_pro);
        for op in &ops {
            let _ = world.step(op);
        }
        let mut state = world.replayed();
        prop_assert_eq!(state.content(), world.content());

        let bytes = codec::encode(&state).unwrap();
        let mut decoded: State = codec::decode(&bytes).unwrap();
        decoded.rebuild_views();
        state.rebuild_views();
        prop_assert_eq!(&decoded, &state);
        prop_assert_eq!(decoded.content(), world.content());

        // a snapshot taken half-way, through the codec, with the rest of the
        // journal replayed over it, is the live state too
        let mid = world.records.len() / 2;
        let mut early = State::default();
        for (seq, record) in &world.records[..mid] {
            early.replay(*seq, record);
        }
        let mut resumed: State = codec::decode(&codec::encode(&early).unwrap()).unwrap();
        for (seq, record) in &world.records[mid..] {
            resumed.replay(*seq, record);
        }
        resumed.rebuild_views();
        prop_assert_eq!(resumed.content(), world.content());

        // the journal records themselves survive the codec too
        for (_, record) in &world.records {
            let bytes = codec::encode(record).unwrap();
            prop_assert_eq!(&codec::decode::<Record>(&bytes).unwrap(), record);
        }
    }

    /// A state in the previous snapshot format (what it can hold of any
    /// reachable state) loads with every module on, no org-wide grants,
    /// prices 0 and each event's peak at the slots it has in use.
    #[test]
    fn every_reachable_state_written_in_the_version_1_format_loads(
        (event_pro, ops) in scenario()
    ) {
        let mut world = World::new(event_pro);
        for op in &ops {
            let _ = world.step(op);
        }
        let state = world.replayed();
        let snap = SnapshotV1 {
            taken_at_ms: 1,
            segment: 1,
            next_seq: world.records.len() as u64 + 1,
            state: StateV1::from(&state),
        };
        let dir = tempfile::tempdir().unwrap();
        let body = codec::encode(&snap).unwrap();
        let mut bytes = codec::header_of(SNAPSHOT_MAGIC, 1).to_vec();
        bytes.extend_from_slice(&(body.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
        bytes.extend_from_slice(&body);
        let path = snapshot::path(dir.path(), 1);
        std::fs::write(&path, bytes).unwrap();
        let mut loaded = snapshot::read(&path).unwrap().state;
        loaded.rebuild_views();

        let live = &state.orgs[&id(ORG)].org;
        let org = &loaded.orgs[&id(ORG)].org;
        prop_assert_eq!(org.pools(), live.pools());
        prop_assert_eq!(org.members(), live.members());
        prop_assert_eq!(org.prices(), Default::default());
        prop_assert!(org.org_grants_by_user().is_empty());
        for (eid, was) in &state.events[&id(ORG)] {
            let e = &loaded.events[&id(ORG)][eid].event;
            let was = &was.event;
            prop_assert_eq!(e.name(), was.name());
            prop_assert_eq!(e.areas(), was.areas());
            prop_assert_eq!(e.sorted_slot_holders(NOW), was.sorted_slot_holders(NOW));
            prop_assert_eq!(e.peak(), e.slots_used(NOW));
            let names = |ev: &Event| {
                ev.collaborators()
                    .iter()
                    .map(|(c, v)| (c.clone(), v.name.clone()))
                    .collect::<Vec<_>>()
            };
            prop_assert_eq!(names(e), names(was));
            prop_assert!(e.collaborators().values().all(|c| c.modules == Modules::ALL_ON));
            for i in 0..USERS.len() {
                let (now, then) = (e.user_view(&user(i), NOW), was.user_view(&user(i), NOW));
                prop_assert_eq!(&now.collaborators, &then.collaborators);
                prop_assert_eq!(&now.grants, &then.grants);
                prop_assert!(now.org_grants.is_empty());
            }
        }
    }
}

/// `default` cases per property, or `PROPTEST_CASES` when set: the same
/// properties run as a longer fuzzing session with, for instance,
/// `PROPTEST_CASES=200000 cargo test --release --lib domain::proptests`.
fn cases(default: u32) -> ProptestConfig {
    let n = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig::with_cases(n)
}

// ---------------------------------------------------- small sanity checks

#[test]
fn the_model_refuses_lowering_event_pro_below_any_events_slots() {
    let mut world = World::new(2);
    world.step(&Op::AssignSlot { event: 1, user: 0 }).unwrap();
    world.step(&Op::AssignSlot { event: 1, user: 1 }).unwrap();
    let before = world.observed();
    let lower = Op::SetPools(PoolsChange {
        event_pro: Some(1),
        ..PoolsChange::default()
    });
    assert_eq!(
        world.step(&lower),
        Err(Error::LicensesInUse(InUse::Events(vec![(id("e1"), 2)])))
    );
    assert_eq!(world.observed(), before);
    world.step(&Op::ReleaseSlot { event: 1, user: 1 }).unwrap();
    world.step(&lower).unwrap();
    assert_eq!(
        world.org.pools(),
        Pools {
            org_standard: 0,
            org_pro: 0,
            event_pro: 1,
        }
    );
}

#[test]
fn giving_org_pro_releases_the_members_slots_live_and_on_replay() {
    let mut world = World::new(1);
    world
        .step(&Op::SetPools(PoolsChange {
            org_pro: Some(1),
            ..PoolsChange::default()
        }))
        .unwrap();
    world.step(&Op::AssignSlot { event: 0, user: 2 }).unwrap();
    world.step(&Op::AssignSlot { event: 2, user: 2 }).unwrap();
    world
        .step(&Op::SetMember {
            user: 2,
            license: Some(OrgLicense::OrgPro),
        })
        .unwrap();
    assert!(world.events.values().all(|e| e.slot_count() == 0));
    assert_eq!(
        world.step(&Op::AssignSlot { event: 0, user: 2 }),
        Err(Error::OrgProHolder(user(2)))
    );
    assert_eq!(world.replayed().content(), world.content());
}
