//! The earlier snapshot formats, read and converted. Version 1: then
//! collaborators have every module on, orgs no org-wide grants and every
//! price 0, and an event's peak is the slots it had in use. Version 2:
//! then nothing expires. Both have the shape of the current [`Snapshot`]
//! with older orgs and events ([`OldSnapshot`]). Journals need no
//! converter: records added since are new enum variants at the end, which
//! an older journal never holds, and bincode encodes a variant by its
//! index.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::snapshot::Snapshot;
use super::{EventState, OrgState, Seq, State};
use crate::domain::{Event, EventV1, EventV2, Id, Org, OrgV1, OrgV2};

/// A snapshot whose orgs are `O`s and events `E`s, as a format before the
/// current one wrote it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OldSnapshot<O, E> {
    pub taken_at_ms: u64,
    pub segment: u64,
    pub next_seq: Seq,
    pub state: OldState<O, E>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OldState<O, E> {
    pub orgs: BTreeMap<Id, OldOrgState<O>>,
    pub events: BTreeMap<Id, BTreeMap<Id, OldEventState<E>>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OldOrgState<O> {
    pub org: O,
    pub applied_seq: Seq,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OldEventState<E> {
    pub event: E,
    pub applied_seq: Seq,
}

pub type SnapshotV1 = OldSnapshot<OrgV1, EventV1>;
pub type StateV1 = OldState<OrgV1, EventV1>;
pub type SnapshotV2 = OldSnapshot<OrgV2, EventV2>;
pub type StateV2 = OldState<OrgV2, EventV2>;

impl<O: Into<Org>, E: Into<Event>> From<OldSnapshot<O, E>> for Snapshot {
    fn from(old: OldSnapshot<O, E>) -> Snapshot {
        Snapshot {
            taken_at_ms: old.taken_at_ms,
            segment: old.segment,
            next_seq: old.next_seq,
            state: old.state.into(),
        }
    }
}

impl<O: Into<Org>, E: Into<Event>> From<OldState<O, E>> for State {
    fn from(old: OldState<O, E>) -> State {
        State {
            orgs: old
                .orgs
                .into_iter()
                .map(|(id, o)| {
                    let org = o.org.into();
                    let applied_seq = o.applied_seq;
                    (id, OrgState { org, applied_seq })
                })
                .collect(),
            events: old
                .events
                .into_iter()
                .map(|(org, events)| {
                    let events = events
                        .into_iter()
                        .map(|(id, e)| {
                            let event = e.event.into();
                            let applied_seq = e.applied_seq;
                            (id, EventState { event, applied_seq })
                        })
                        .collect();
                    (org, events)
                })
                .collect(),
        }
    }
}

impl<O, E> From<&State> for OldState<O, E>
where
    O: for<'a> From<&'a Org>,
    E: for<'a> From<&'a Event>,
{
    /// What an older format can hold of a state (to write one in tests).
    fn from(state: &State) -> OldState<O, E> {
        OldState {
            orgs: state
                .orgs
                .iter()
                .map(|(id, o)| {
                    let org = O::from(&o.org);
                    let applied_seq = o.applied_seq;
                    (id.clone(), OldOrgState { org, applied_seq })
                })
                .collect(),
            events: state
                .events
                .iter()
                .map(|(org, events)| {
                    let events = events
                        .iter()
                        .map(|(id, e)| {
                            let event = E::from(&e.event);
                            let applied_seq = e.applied_seq;
                            (id.clone(), OldEventState { event, applied_seq })
                        })
                        .collect();
                    (org.clone(), events)
                })
                .collect(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    //! The types as version 1 wrote them, copied here, encode a snapshot and
    //! journal records that this build must load.

    use std::collections::BTreeSet;

    use super::*;
    use crate::domain::Timestamp;
    use crate::domain::{
        Grant, IdSet, License, Modules, OrgEffect, OrgKind, OrgLicense, Permission, Pools, Prices,
        Reason, Scope,
    };
    use crate::persist::codec::{self, HEADER_LEN, SNAPSHOT_MAGIC};
    use crate::persist::{snapshot, Record};

    /// The instant the rules are asked at, where nothing expires.
    const NOW: Timestamp = Timestamp::from_secs(1_000_000);

    #[derive(Serialize)]
    struct OldEvent {
        name: Option<String>,
        collaborators: BTreeMap<Id, Option<String>>,
        areas: BTreeMap<Id, Option<String>>,
        slots: IdSet,
        attachments: crate::domain::IdMap<BTreeSet<Id>>,
        grants: crate::domain::IdMap<BTreeSet<Grant>>,
    }

    #[derive(Serialize)]
    struct OldOrg {
        kind: OrgKind,
        pools: Pools,
        members: BTreeMap<Id, Option<OrgLicense>>,
    }

    #[derive(Serialize)]
    struct OldOrgState {
        org: OldOrg,
        applied_seq: Seq,
    }

    #[derive(Serialize)]
    struct OldEventState {
        event: OldEvent,
        applied_seq: Seq,
    }

    #[derive(Serialize)]
    struct OldState {
        orgs: BTreeMap<Id, OldOrgState>,
        events: BTreeMap<Id, BTreeMap<Id, OldEventState>>,
    }

    #[derive(Serialize)]
    struct OldSnapshot {
        taken_at_ms: u64,
        segment: u64,
        next_seq: Seq,
        state: OldState,
    }

    #[allow(dead_code)] // only some variants are written
    #[derive(Serialize)]
    enum OldEventEffect {
        Renamed {
            name: Option<String>,
        },
        CollaboratorPut {
            id: Id,
            name: Option<String>,
        },
        CollaboratorDeleted {
            id: Id,
        },
        AreaPut {
            id: Id,
            name: Option<String>,
        },
        AreaDeleted {
            id: Id,
        },
        SlotAssigned {
            user: Id,
        },
        SlotReleased {
            user: Id,
        },
        Attached {
            collaborator: Id,
            user: Id,
            permissions: Vec<Permission>,
        },
        Detached {
            collaborator: Id,
            user: Id,
        },
        Granted {
            user: Id,
            grant: Grant,
        },
        Revoked {
            user: Id,
            grant: Grant,
        },
        OrgProGiven {
            user: Id,
        },
    }

    #[allow(dead_code)]
    #[derive(Serialize)]
    enum OldOrgEffect {
        PoolsSet(Pools),
        MemberSet {
            user: Id,
            license: Option<OrgLicense>,
        },
        MemberRemoved {
            user: Id,
        },
    }

    #[allow(dead_code)]
    #[derive(Serialize)]
    enum OldRecord {
        OrgCreated {
            org: Id,
            kind: OrgKind,
        },
        Org {
            org: Id,
            effect: OldOrgEffect,
        },
        EventCreated {
            org: Id,
            event: Id,
            name: Option<String>,
        },
        EventDeleted {
            org: Id,
            event: Id,
        },
        Event {
            org: Id,
            event: Id,
            effect: OldEventEffect,
        },
    }

    fn id(s: &str) -> Id {
        Id::parse(s).unwrap()
    }

    fn ids(list: &[&str]) -> BTreeSet<Id> {
        list.iter().map(|s| id(s)).collect()
    }

    /// Org `acme` (Event Pro 2, Org Standard 1 held by ann) and its event
    /// `e1`: collaborators band and crew, bob holding a slot, carl attached
    /// to both collaborators (he held a slot once), dora to band.
    fn old_snapshot() -> OldSnapshot {
        let band = Grant::new(
            Permission::CollaboratorAdvanceEdit,
            Scope::Collaborator(id("band")),
        );
        let event = OldEvent {
            name: Some("Fest".into()),
            collaborators: [(id("band"), Some("The Band".into())), (id("crew"), None)].into(),
            areas: [(id("stage"), None)].into(),
            slots: [id("bob")].into_iter().collect(),
            attachments: [
                (id("carl"), ids(&["band", "crew"])),
                (id("dora"), ids(&["band"])),
            ]
            .into_iter()
            .collect(),
            grants: [
                (id("dora"), [band.clone().unwrap()].into()),
                (id("carl"), [band.unwrap()].into()),
            ]
            .into_iter()
            .collect(),
        };
        let org = OldOrg {
            kind: OrgKind::Team,
            pools: Pools {
                org_standard: 1,
                org_pro: 0,
                event_pro: 2,
            },
            members: [(id("ann"), Some(OrgLicense::OrgStandard))].into(),
        };
        OldSnapshot {
            taken_at_ms: 1_700_000_000_000,
            segment: 3,
            next_seq: 20,
            state: OldState {
                orgs: [(
                    id("acme"),
                    OldOrgState {
                        org,
                        applied_seq: 5,
                    },
                )]
                .into(),
                events: [(
                    id("acme"),
                    [(
                        id("e1"),
                        OldEventState {
                            event,
                            applied_seq: 19,
                        },
                    )]
                    .into(),
                )]
                .into(),
            },
        }
    }

    /// A snapshot file as version 1 wrote it.
    fn write_v1(dir: &std::path::Path, snap: &OldSnapshot) -> std::path::PathBuf {
        write_as(dir, 1, snap.segment, snap)
    }

    /// A snapshot file as format `version` wrote it, with `snap` its body.
    fn write_as<T: Serialize>(
        dir: &std::path::Path,
        version: u32,
        segment: u64,
        snap: &T,
    ) -> std::path::PathBuf {
        let body = codec::encode(snap).unwrap();
        let mut bytes = codec::header_of(SNAPSHOT_MAGIC, version).to_vec();
        assert_eq!(bytes.len(), HEADER_LEN);
        bytes.extend_from_slice(&(body.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
        bytes.extend_from_slice(&body);
        let path = snapshot::path(dir, segment);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// The state of `old_snapshot()`, loaded, written as version 2 and
    /// read back: the same state, with nothing expiring. Then, with
    /// expiries set, the current format keeps them.
    #[test]
    fn a_version_2_snapshot_loads_with_nothing_expiring_and_the_current_keeps_expiries() {
        let dir = tempfile::tempdir().unwrap();
        let mut state = snapshot::read(&write_v1(dir.path(), &old_snapshot()))
            .unwrap()
            .state;
        state.rebuild_views();
        let v2 = SnapshotV2 {
            taken_at_ms: 1,
            segment: 7,
            next_seq: 20,
            state: StateV2::from(&state),
        };
        let mut back = snapshot::read(&write_as(dir.path(), 2, 7, &v2))
            .unwrap()
            .state;
        back.rebuild_views();
        assert_eq!(back, state);
        let e = &back.events[&id("acme")][&id("e1")].event;
        assert_eq!(e.plan_expiry(Timestamp::MAX).effect, None);
        // expiries survive the current format
        let until = Some(NOW.plus(60));
        let e = &mut state
            .events
            .get_mut(&id("acme"))
            .unwrap()
            .get_mut(&id("e1"))
            .unwrap()
            .event;
        let put = e.plan_assign_slot(&id("bob"), until, NOW).unwrap();
        e.apply(&put.effect.unwrap());
        let put = e
            .plan_attach(&id("band"), &id("dora"), None, until, NOW)
            .unwrap();
        e.apply(&put.effect.unwrap());
        let org = &mut state.orgs.get_mut(&id("acme")).unwrap().org;
        let (_, grant) = org
            .plan_org_grant(&id("ann"), Permission::EventView, until, NOW)
            .unwrap();
        org.apply(&grant.unwrap());
        state.rebuild_views();
        let (path, _) = snapshot::write(
            dir.path(),
            &snapshot::Snapshot {
                taken_at_ms: 2,
                segment: 8,
                next_seq: 30,
                state: state.clone(),
            },
        )
        .unwrap();
        let mut again = snapshot::read(&path).unwrap().state;
        again.rebuild_views();
        assert_eq!(again, state);
        let e = &again.events[&id("acme")][&id("e1")].event;
        assert_eq!(e.user_view(&id("bob"), NOW).slot_expires_at, until);
        assert!(e.plan_expiry(NOW.plus(60)).effect.is_some());
        assert_eq!(again.orgs[&id("acme")].org.next_grant_expiry(), until);
    }

    #[test]
    fn a_version_1_snapshot_loads_with_modules_on_no_org_grants_prices_0_and_peak_in_use() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_v1(dir.path(), &old_snapshot());
        let snap = snapshot::read(&path).unwrap();
        assert_eq!((snap.segment, snap.next_seq), (3, 20));
        let mut state = snap.state;
        state.rebuild_views();
        let org = &state.orgs[&id("acme")].org;
        assert_eq!(org.pools().event_pro, 2);
        assert_eq!(org.member(&id("ann")).unwrap(), Some(License::OrgStandard));
        assert_eq!(org.prices(), Prices::default());
        assert!(org.org_grants(&id("ann"), NOW).is_empty());
        let e = &state.events[&id("acme")][&id("e1")].event;
        assert_eq!(e.name(), Some("Fest"));
        for c in ["band", "crew"] {
            assert_eq!(e.collaborators()[&id(c)].modules, Modules::ALL_ON);
        }
        assert_eq!(e.collaborators()[&id("band")].name(), Some("The Band"));
        assert_eq!(e.peak(), 1);
        // carl, on two collaborators with no slot, has no license; dora has
        // free access on band
        let check = |u: &str| {
            e.check(
                &id(u),
                Permission::CollaboratorAdvanceEdit,
                &Scope::Collaborator(id("band")),
                NOW,
            )
            .unwrap()
            .reason
        };
        assert_eq!(check("carl"), Reason::NoLicense);
        assert_eq!(check("dora"), Reason::Granted);
        assert_eq!(e.license_of(&id("bob"), NOW), Some(License::EventPro));
        assert_eq!(
            e.user_view(&id("carl"), NOW).collaborators,
            vec![id("band"), id("crew")]
        );
        // written again, it is the current version and reads back the same
        let (again, _) = snapshot::write(
            dir.path(),
            &snapshot::Snapshot {
                segment: 4,
                state: state.clone(),
                ..snapshot::read(&path).unwrap()
            },
        )
        .unwrap();
        let mut back = snapshot::read(&again).unwrap().state;
        back.rebuild_views();
        assert_eq!(back, state);
    }

    #[test]
    fn version_1_journal_records_decode_as_the_same_records_and_replay() {
        let old = [
            OldRecord::Event {
                org: id("acme"),
                event: id("e1"),
                effect: OldEventEffect::SlotAssigned { user: id("carl") },
            },
            OldRecord::Event {
                org: id("acme"),
                event: id("e1"),
                effect: OldEventEffect::Attached {
                    collaborator: id("crew"),
                    user: id("dora"),
                    permissions: vec![Permission::CollaboratorView],
                },
            },
            OldRecord::Org {
                org: id("acme"),
                effect: OldOrgEffect::MemberSet {
                    user: id("ann"),
                    license: None,
                },
            },
        ];
        let new = [
            Record::Event {
                org: id("acme"),
                event: id("e1"),
                effect: crate::domain::EventEffect::SlotAssigned { user: id("carl") },
            },
            Record::Event {
                org: id("acme"),
                event: id("e1"),
                effect: crate::domain::EventEffect::Attached {
                    collaborator: id("crew"),
                    user: id("dora"),
                    permissions: vec![Permission::CollaboratorView],
                },
            },
            Record::Org {
                org: id("acme"),
                effect: OrgEffect::MemberSet {
                    user: id("ann"),
                    license: None,
                },
            },
        ];
        let dir = tempfile::tempdir().unwrap();
        let path = write_v1(dir.path(), &old_snapshot());
        let mut state = snapshot::read(&path).unwrap().state;
        for (i, (o, n)) in old.iter().zip(&new).enumerate() {
            let bytes = codec::encode(o).unwrap();
            let decoded: Record = codec::decode(&bytes).unwrap();
            assert_eq!(&decoded, n);
            state.replay(20 + i as u64, &decoded);
        }
        state.rebuild_views();
        let e = &state.events[&id("acme")][&id("e1")].event;
        // carl holds a slot again (peak 2); dora, now on two collaborators
        // without one, has no license
        assert_eq!(e.license_of(&id("carl"), NOW), Some(License::EventPro));
        assert_eq!(e.peak(), 2);
        assert_eq!(e.license_of(&id("dora"), NOW), None);
        assert_eq!(
            state.orgs[&id("acme")].org.member(&id("ann")).unwrap(),
            None
        );
    }
}
