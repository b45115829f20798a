//! The org actor: owns an org's license pools and members, creates and
//! deletes its events, and pushes every license change that concerns events
//! to all of them before it answers.
//!
//! Handlers that talk to the events answer with an [`AtomicResponse`]: the
//! org handles nothing else until they finish, so two license changes never
//! interleave. Events never wait on their org, so this cannot deadlock.

use std::collections::BTreeMap;
use std::sync::Arc;

use actix::prelude::*;
use futures_util::future::join_all;

use crate::domain::{
    Decision, Error, Event, Id, IdSet, InUse, License, Org, OrgEffect, OrgKind, OrgLicense,
    OrgView, Pools, PoolsChange,
};
use crate::metrics::Stats;
use crate::persist::snapshot::CapturedOrg;
use crate::persist::{EventState, OrgState, Record, Seq};

use super::event::{GiveOrgPro, HoldSlots, Lowering, ReleaseHold, SetView, Shutdown, TryView};
use super::snapshotter::SnapshotFailure;
use super::{CaptureEvent, EventActor, Failure, Registry};

type Events = BTreeMap<Id, Addr<EventActor>>;

pub struct OrgActor {
    id: Id,
    org: Org,
    /// The sequence of this org's last journal record.
    applied_seq: Seq,
    /// What every event of the org knows of its licenses; replaced, never
    /// mutated, so events can share it.
    view: Arc<OrgView>,
    events: Events,
    registry: Arc<Registry>,
    /// The thread this org and its events run on.
    arbiter: ArbiterHandle,
}

impl OrgActor {
    pub(super) fn new(
        id: Id,
        state: OrgState,
        view: Arc<OrgView>,
        events: Events,
        registry: Arc<Registry>,
        arbiter: ArbiterHandle,
    ) -> OrgActor {
        OrgActor {
            id,
            org: state.org,
            applied_seq: state.applied_seq,
            view,
            events,
            registry,
            arbiter,
        }
    }

    fn commit(&mut self, effect: OrgEffect) -> Result<Seq, Failure> {
        let record = Record::Org {
            org: self.id.clone(),
            effect,
        };
        let seq = self.registry.journal().append(&record)?;
        if let Record::Org { effect, .. } = &record {
            self.applied(effect, seq);
        }
        Ok(seq)
    }

    /// Applies an effect whose record `seq` is in the journal.
    fn applied(&mut self, effect: &OrgEffect, seq: Seq) {
        count(self.registry.stats(), &self.org, -1);
        self.org.apply(effect);
        count(self.registry.stats(), &self.org, 1);
        self.applied_seq = seq;
    }

    fn event_list(&self) -> Vec<(Id, Addr<EventActor>)> {
        self.events
            .iter()
            .map(|(id, a)| (id.clone(), a.clone()))
            .collect()
    }

    fn view_with(&self, slot_total: u32, org_pro: IdSet) -> Arc<OrgView> {
        Arc::new(OrgView {
            slot_total,
            org_pro,
        })
    }
}

/// Adds (`sign` 1) or takes away (-1) an org's pools from the totals.
pub(super) fn count(stats: &Stats, org: &Org, sign: i64) {
    let pools = org.pools();
    let totals = [pools.org_standard, pools.org_pro, pools.event_pro];
    for (cell, n) in stats.pool_totals.iter().zip(totals) {
        Stats::add(cell, sign * i64::from(n));
    }
    let used = [
        org.used(OrgLicense::OrgStandard),
        org.used(OrgLicense::OrgPro),
    ];
    for (cell, n) in stats.pool_used.iter().zip(used) {
        Stats::add(cell, sign * i64::from(n));
    }
}

impl Actor for OrgActor {
    type Context = Context<Self>;
}

/// Answers an [`AtomicResponse`] at once.
fn ready<T: 'static>(value: T) -> AtomicResponse<OrgActor, T> {
    AtomicResponse::new(Box::pin(fut::ready(value)))
}

/// Tells every event of the new view the org's record `seq` made.
async fn broadcast(events: &[(Id, Addr<EventActor>)], view: &Arc<OrgView>, seq: Seq) {
    let set = |a: &Addr<EventActor>| {
        a.send(SetView {
            view: view.clone(),
            seq,
        })
    };
    join_all(events.iter().map(|(_, a)| set(a))).await;
}

#[derive(Debug, Clone)]
pub struct OrgInfo {
    pub kind: OrgKind,
    pub pools: Pools,
    pub org_standard_used: u32,
    pub org_pro_used: u32,
    pub members: usize,
    pub events: Vec<(Id, Addr<EventActor>)>,
    pub seq: Seq,
}

#[derive(Message)]
#[rtype(result = "OrgInfo")]
pub struct GetOrg;

impl Handler<GetOrg> for OrgActor {
    type Result = MessageResult<GetOrg>;

    fn handle(&mut self, _: GetOrg, _: &mut Context<Self>) -> Self::Result {
        MessageResult(OrgInfo {
            kind: self.org.kind().clone(),
            pools: self.org.pools(),
            org_standard_used: self.org.used(OrgLicense::OrgStandard),
            org_pro_used: self.org.used(OrgLicense::OrgPro),
            members: self.org.member_count(),
            events: self.event_list(),
            seq: self.applied_seq,
        })
    }
}

/// Sets license counts. Lowering Event Pro asks every event to adopt the
/// smaller pool first; if any uses more slots, or the journal then refuses
/// the record, the ones that adopted it go back and nothing changes.
#[derive(Message)]
#[rtype(result = "Result<Seq, Failure>")]
pub struct SetPools(pub PoolsChange);

impl Handler<SetPools> for OrgActor {
    type Result = AtomicResponse<Self, Result<Seq, Failure>>;

    fn handle(&mut self, SetPools(change): SetPools, _: &mut Context<Self>) -> Self::Result {
        let pools = match self.org.plan_pools(change) {
            Ok(p) if p == self.org.pools() => return ready(Ok(self.applied_seq)),
            Ok(p) => p,
            Err(e) => return ready(Err(e.into())),
        };
        let old_view = self.view.clone();
        let new_view = self.view_with(pools.event_pro, old_view.org_pro.clone());
        let events = self.event_list();
        if pools.event_pro >= old_view.slot_total {
            // Allowing more: journal first, so any slot given under the new
            // count comes after this record.
            let seq = match self.commit(OrgEffect::PoolsSet(pools)) {
                Ok(seq) => seq,
                Err(e) => return ready(Err(e)),
            };
            self.view = new_view.clone();
            return AtomicResponse::new(Box::pin(
                async move {
                    if pools.event_pro != old_view.slot_total {
                        broadcast(&events, &new_view, seq).await;
                    }
                    Ok(seq)
                }
                .into_actor(self),
            ));
        }
        // Allowing fewer: every event adopts it tentatively and pauses; then
        // it is journaled, and the events learn the outcome. If any event
        // uses more slots, or the journal refuses the record, `decide` is
        // dropped and every event goes back to the old view.
        let (decide, decided) = tokio::sync::watch::channel(Lowering::Pending);
        AtomicResponse::new(Box::pin(
            async move {
                let answers = join_all(events.iter().map(|(_, a)| {
                    a.send(TryView {
                        view: new_view.clone(),
                        decided: decided.clone(),
                    })
                }))
                .await;
                let mut blocked = Vec::new();
                for ((id, _), answer) in events.iter().zip(answers) {
                    match answer {
                        Ok(Ok(())) => {}
                        Ok(Err(used)) => blocked.push((id.clone(), used)),
                        Err(_) => {} // deleted meanwhile
                    }
                }
                if !blocked.is_empty() {
                    return Err(Error::LicensesInUse(InUse::Events(blocked)).into());
                }
                Ok(new_view)
            }
            .into_actor(self)
            .map(move |adopted: Result<_, Failure>, act, _| {
                let view = adopted?;
                let seq = act.commit(OrgEffect::PoolsSet(pools))?;
                act.view = view;
                decide.send_replace(Lowering::Journaled(seq));
                Ok(seq)
            }),
        ))
    }
}

#[derive(Debug, Clone)]
pub struct MemberOutcome {
    pub created: bool,
    pub license: Option<License>,
    /// Events where the member's slot was released (given Org Pro).
    pub released_slots: Vec<Id>,
    pub seq: Seq,
}

#[derive(Message)]
#[rtype(result = "Result<MemberOutcome, Failure>")]
pub struct SetMember {
    pub user: Id,
    pub license: Option<OrgLicense>,
}

impl Handler<SetMember> for OrgActor {
    type Result = AtomicResponse<Self, Result<MemberOutcome, Failure>>;

    fn handle(&mut self, m: SetMember, _: &mut Context<Self>) -> Self::Result {
        let plan = match self.org.plan_member(&m.user, m.license) {
            Ok(plan) => plan,
            Err(e) => return ready(Err(e.into())),
        };
        let license = m.license.map(License::from);
        let Some(effect) = plan.effect else {
            return ready(Ok(MemberOutcome {
                created: false,
                license,
                released_slots: Vec::new(),
                seq: self.applied_seq,
            }));
        };
        let events = self.event_list();
        let mut org_pro = self.view.org_pro.clone();
        if plan.becomes_org_pro {
            // Restricting and freeing at once. First every event stops
            // giving the member a slot; then the change is journaled; only
            // then do the events release the member's slots, so any claim of
            // a freed slot follows the record in the journal.
            org_pro.insert(m.user.clone());
            let view = self.view_with(self.view.slot_total, org_pro);
            let user = m.user;
            let journal = self.registry.journal().clone();
            let record = Record::Org {
                org: self.id.clone(),
                effect,
            };
            return AtomicResponse::new(Box::pin(
                async move {
                    join_all(events.iter().map(|(_, a)| a.send(HoldSlots(user.clone())))).await;
                    let seq = match journal.append(&record) {
                        Ok(seq) => seq,
                        Err(e) => {
                            for (_, a) in &events {
                                a.do_send(ReleaseHold(user.clone()));
                            }
                            return Err(Failure::from(e));
                        }
                    };
                    let answers = join_all(events.iter().map(|(_, a)| {
                        a.send(GiveOrgPro {
                            user: user.clone(),
                            view: view.clone(),
                            seq,
                        })
                    }))
                    .await;
                    let released: Vec<Id> = events
                        .iter()
                        .zip(answers)
                        .filter(|(_, answer)| matches!(answer, Ok(true)))
                        .map(|((id, _), _)| id.clone())
                        .collect();
                    Ok((record, seq, view, released))
                }
                .into_actor(self)
                .map(move |done, act, _| {
                    let (record, seq, view, released_slots) = done?;
                    if let Record::Org { effect, .. } = &record {
                        act.applied(effect, seq);
                    }
                    act.view = view;
                    Ok(MemberOutcome {
                        created: plan.created,
                        license,
                        released_slots,
                        seq,
                    })
                }),
            ));
        }
        // Otherwise journal first; if Org Pro is given up, the events learn
        // it after the record, so a slot given to them comes later in the
        // journal.
        let seq = match self.commit(effect) {
            Ok(seq) => seq,
            Err(e) => return ready(Err(e)),
        };
        let outcome = MemberOutcome {
            created: plan.created,
            license,
            released_slots: Vec::new(),
            seq,
        };
        if !plan.leaves_org_pro {
            return ready(Ok(outcome));
        }
        org_pro.remove(&m.user);
        let view = self.view_with(self.view.slot_total, org_pro);
        self.view = view.clone();
        AtomicResponse::new(Box::pin(
            async move {
                broadcast(&events, &view, outcome.seq).await;
                Ok(outcome)
            }
            .into_actor(self),
        ))
    }
}

#[derive(Message)]
#[rtype(result = "Result<Seq, Failure>")]
pub struct RemoveMember(pub Id);

impl Handler<RemoveMember> for OrgActor {
    type Result = AtomicResponse<Self, Result<Seq, Failure>>;

    fn handle(&mut self, RemoveMember(user): RemoveMember, _: &mut Context<Self>) -> Self::Result {
        let effect = match self.org.plan_remove_member(&user) {
            Ok(e) => e,
            Err(e) => return ready(Err(e.into())),
        };
        let seq = match self.commit(effect) {
            Ok(seq) => seq,
            Err(e) => return ready(Err(e)),
        };
        if !self.view.org_pro.contains(&user) {
            return ready(Ok(seq));
        }
        let mut org_pro = self.view.org_pro.clone();
        org_pro.remove(&user);
        let view = self.view_with(self.view.slot_total, org_pro);
        self.view = view.clone();
        let events = self.event_list();
        AtomicResponse::new(Box::pin(
            async move {
                broadcast(&events, &view, seq).await;
                Ok(seq)
            }
            .into_actor(self),
        ))
    }
}

// Reads answer with the org's `applied_seq`: the route waits until it is
// durable, so no answer shows a change a crash could still take back.

#[derive(Message)]
#[rtype(result = "(Vec<(Id, Option<License>)>, Seq)")]
pub struct ListMembers;

impl Handler<ListMembers> for OrgActor {
    type Result = MessageResult<ListMembers>;

    fn handle(&mut self, _: ListMembers, _: &mut Context<Self>) -> Self::Result {
        MessageResult((self.org.members(), self.applied_seq))
    }
}

#[derive(Message)]
#[rtype(result = "Result<(Option<License>, Seq), Error>")]
pub struct GetMember(pub Id);

impl Handler<GetMember> for OrgActor {
    type Result = Result<(Option<License>, Seq), Error>;

    fn handle(&mut self, GetMember(user): GetMember, _: &mut Context<Self>) -> Self::Result {
        Ok((self.org.member(&user)?, self.applied_seq))
    }
}

#[derive(Message)]
#[rtype(result = "(Decision, Seq)")]
pub struct Access(pub Id);

impl Handler<Access> for OrgActor {
    type Result = MessageResult<Access>;

    fn handle(&mut self, Access(user): Access, _: &mut Context<Self>) -> Self::Result {
        MessageResult((self.org.access(&user), self.applied_seq))
    }
}

pub enum Created {
    /// A new event, answered once `seq` is durable.
    New { seq: Seq },
    /// It already existed: apply any change to it directly.
    Exists,
}

#[derive(Message)]
#[rtype(result = "Result<Created, Failure>")]
pub struct CreateEvent {
    pub event: Id,
    pub name: Option<String>,
}

impl Handler<CreateEvent> for OrgActor {
    type Result = Result<Created, Failure>;

    fn handle(&mut self, m: CreateEvent, _: &mut Context<Self>) -> Self::Result {
        if self.events.contains_key(&m.event) {
            return Ok(Created::Exists);
        }
        if self.org.pools().event_pro < 1 {
            return Err(Error::EventProRequired.into());
        }
        let seq = self.registry.journal().append(&Record::EventCreated {
            org: self.id.clone(),
            event: m.event.clone(),
            name: m.name.clone(),
        })?;
        let state = EventState {
            event: Event::new(m.name, self.view.clone()),
            applied_seq: seq,
        };
        let addr = self
            .registry
            .start_event(&self.arbiter, &self.id, &m.event, state);
        self.events.insert(m.event, addr);
        Ok(Created::New { seq })
    }
}

/// Deletes an event: its actor finishes what it has queued and stops before
/// the deletion is journaled, so no record of it can follow.
#[derive(Message)]
#[rtype(result = "Result<Seq, Failure>")]
pub struct DeleteEvent(pub Id);

impl Handler<DeleteEvent> for OrgActor {
    type Result = AtomicResponse<Self, Result<Seq, Failure>>;

    fn handle(&mut self, DeleteEvent(event): DeleteEvent, _: &mut Context<Self>) -> Self::Result {
        let Some(addr) = self.events.get(&event).cloned() else {
            return ready(Err(Error::EventNotFound.into()));
        };
        self.registry.forget_event(&self.id, &event);
        AtomicResponse::new(Box::pin(
            async move {
                let _ = addr.send(Shutdown).await;
            }
            .into_actor(self)
            .map(move |(), act, _| {
                act.events.remove(&event);
                let seq = act.registry.journal().append(&Record::EventDeleted {
                    org: act.id.clone(),
                    event,
                })?;
                Ok(seq)
            }),
        ))
    }
}

#[derive(Message)]
#[rtype(result = "Vec<(Id, Addr<EventActor>)>")]
pub struct ListEvents;

impl Handler<ListEvents> for OrgActor {
    type Result = MessageResult<ListEvents>;

    fn handle(&mut self, _: ListEvents, _: &mut Context<Self>) -> Self::Result {
        MessageResult(self.event_list())
    }
}

/// For a snapshot: the org and all its events, captured while no license
/// change is half-way through its events. Answers the captured org and the
/// newest journal position it or its events reflect.
#[derive(Message)]
#[rtype(result = "Result<(CapturedOrg, Seq), SnapshotFailure>")]
pub struct Capture;

impl Handler<Capture> for OrgActor {
    type Result = AtomicResponse<Self, Result<(CapturedOrg, Seq), SnapshotFailure>>;

    fn handle(&mut self, _: Capture, _: &mut Context<Self>) -> Self::Result {
        let org = OrgState {
            org: self.org.clone(),
            applied_seq: self.applied_seq,
        };
        let id = self.id.clone();
        let events = self.event_list();
        AtomicResponse::new(Box::pin(
            async move {
                let states = join_all(events.iter().map(|(_, a)| a.send(CaptureEvent))).await;
                let mut newest = org.applied_seq;
                let mut captured = Vec::with_capacity(events.len());
                for ((event, _), state) in events.into_iter().zip(states) {
                    // A deleted event (stopped or closed) is left out.
                    if let Ok(Some(state)) = state {
                        let (bytes, seq) = state?;
                        newest = newest.max(seq);
                        captured.push((event, bytes));
                    }
                }
                let org = CapturedOrg {
                    id,
                    state: org,
                    events: captured,
                };
                Ok((org, newest))
            }
            .into_actor(self),
        ))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::actors::event::GetInfo;
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
        let registry = sys.block_on(async {
            Registry::start(state(), journal.clone(), vec![Arbiter::current()])
        });
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
}
