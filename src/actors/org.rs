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
    Decision, Error, Event, Id, InUse, License, MemberPlan, Org, OrgEffect, OrgGrant, OrgKind,
    OrgLicense, OrgView, Permission, Pools, PoolsChange, Prices, PricesChange,
};
use crate::metrics::Stats;
use crate::persist::snapshot::CapturedOrg;
use crate::persist::{EventState, Log, OrgState, Record, Seq};

use super::event::{GiveOrgPro, HoldSlots, Lowering, ReleaseHold, SetView, TryClose, TryView};
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
    /// Where this org's records go: bound when the actor starts, so in a
    /// cluster an actor of an earlier leadership never writes into a
    /// later one's log.
    log: Log,
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
            log: registry.journal().bind(&id),
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
        let seq = self.log.append(&record)?;
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
    pub prices: Prices,
    pub org_standard_used: u32,
    pub org_pro_used: u32,
    pub members: usize,
    pub events: Vec<(Id, Addr<EventActor>)>,
    pub seq: Seq,
}

/// A copy of the org, for usage and what-if to read or change outside the
/// actor, with its events.
#[derive(Message)]
#[rtype(result = "((Org, Vec<(Id, Addr<EventActor>)>), Seq)")]
pub struct CopyOrg;

impl Handler<CopyOrg> for OrgActor {
    type Result = MessageResult<CopyOrg>;

    fn handle(&mut self, _: CopyOrg, _: &mut Context<Self>) -> Self::Result {
        MessageResult(((self.org.clone(), self.event_list()), self.applied_seq))
    }
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
            prices: self.org.prices(),
            org_standard_used: self.org.used(OrgLicense::OrgStandard),
            org_pro_used: self.org.used(OrgLicense::OrgPro),
            members: self.org.member_count(),
            events: self.event_list(),
            seq: self.applied_seq,
        })
    }
}

/// Sets license counts and prices. Lowering Event Pro asks every event to
/// adopt the smaller pool first; if any uses more slots, or the journal then
/// refuses the record, the ones that adopted it go back and nothing changes.
#[derive(Message)]
#[rtype(result = "Result<Seq, Failure>")]
pub struct SetLicenses {
    pub pools: PoolsChange,
    pub prices: PricesChange,
}

/// [`SetLicenses`] without prices.
#[derive(Message)]
#[rtype(result = "Result<Seq, Failure>")]
pub struct SetPools(pub PoolsChange);

impl Handler<SetLicenses> for OrgActor {
    type Result = AtomicResponse<Self, Result<Seq, Failure>>;

    fn handle(&mut self, m: SetLicenses, _: &mut Context<Self>) -> Self::Result {
        AtomicResponse::new(self.set_licenses(m.pools, m.prices))
    }
}

impl Handler<SetPools> for OrgActor {
    type Result = AtomicResponse<Self, Result<Seq, Failure>>;

    fn handle(&mut self, SetPools(pools): SetPools, _: &mut Context<Self>) -> Self::Result {
        AtomicResponse::new(self.set_licenses(pools, PricesChange::default()))
    }
}

type Answer<T> = ResponseActFuture<OrgActor, Result<T, Failure>>;

/// Answers at once.
fn now<T: 'static>(value: Result<T, Failure>) -> Answer<T> {
    Box::pin(fut::ready(value))
}

impl OrgActor {
    fn set_licenses(&mut self, pools: PoolsChange, prices: PricesChange) -> Answer<Seq> {
        let (pools, prices) = match self.org.plan_licenses(pools, prices) {
            Ok(new) if new == (self.org.pools(), self.org.prices()) => {
                return now(Ok(self.applied_seq))
            }
            Ok(new) => new,
            Err(e) => return now(Err(e.into())),
        };
        let effect = OrgEffect::LicensesSet { pools, prices };
        if pools.event_pro >= self.view.slot_total {
            // Allowing more: journal first, so any slot given under the new
            // count comes after this record.
            return self.publish(effect, |act| {
                (pools.event_pro != act.view.slot_total).then(|| OrgView {
                    slot_total: pools.event_pro,
                    ..(*act.view).clone()
                })
            });
        }
        self.lower_event_pro(effect, pools.event_pro)
    }

    /// Journals `effect`, then (when given) makes `view` the events' view
    /// and tells every event before answering. For changes that allow more,
    /// or that restrict without freeing anything another request could take.
    fn publish(
        &mut self,
        effect: OrgEffect,
        view: impl FnOnce(&OrgActor) -> Option<OrgView>,
    ) -> Answer<Seq> {
        let seq = match self.commit(effect) {
            Ok(seq) => seq,
            Err(e) => return now(Err(e)),
        };
        let Some(view) = view(self) else {
            return now(Ok(seq));
        };
        let view = Arc::new(view);
        self.view = view.clone();
        let events = self.event_list();
        Box::pin(
            async move {
                broadcast(&events, &view, seq).await;
                Ok(seq)
            }
            .into_actor(self),
        )
    }

    /// Allowing fewer slots: every event adopts the count tentatively and
    /// pauses; then it is journaled, and the events learn the outcome. If
    /// any event uses more slots, or the journal refuses the record,
    /// `decide` is dropped and every event goes back to the old view.
    fn lower_event_pro(&mut self, effect: OrgEffect, slot_total: u32) -> Answer<Seq> {
        let new_view = Arc::new(OrgView {
            slot_total,
            ..(*self.view).clone()
        });
        let events = self.event_list();
        let (decide, decided) = tokio::sync::watch::channel(Lowering::Pending);
        Box::pin(
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
                let seq = act.commit(effect)?;
                act.view = view;
                decide.send_replace(Lowering::Journaled(seq));
                Ok(seq)
            }),
        )
    }

    /// Giving `user` Org Pro restricts and frees at once. First every event
    /// stops giving them a slot; then the change is journaled; only then do
    /// the events release their slots, so any claim of a freed slot follows
    /// the record in the journal. Answers the events where a slot was freed.
    fn give_org_pro(&mut self, user: Id, effect: OrgEffect) -> Answer<(Vec<Id>, Seq)> {
        let mut view = (*self.view).clone();
        view.org_pro.insert(user.clone());
        let view = Arc::new(view);
        let events = self.event_list();
        let journal = self.log.clone();
        let record = Record::Org {
            org: self.id.clone(),
            effect,
        };
        Box::pin(
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
                let (record, seq, view, released) = done?;
                if let Record::Org { effect, .. } = &record {
                    act.applied(effect, seq);
                }
                act.view = view;
                Ok((released, seq))
            }),
        )
    }

    /// The events' view without `user` among the Org Pro holders, if they
    /// are one.
    fn view_without_org_pro(&self, user: &Id) -> Option<OrgView> {
        self.view.org_pro.contains(user).then(|| {
            let mut view = (*self.view).clone();
            view.org_pro.remove(user);
            view
        })
    }

    /// The events' view with the org's current org-wide grants.
    fn view_with_org_grants(&self) -> OrgView {
        OrgView {
            org_grants: self.org.org_grants_by_user(),
            ..(*self.view).clone()
        }
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
        let license = m.license.map(License::from);
        let plan = self.org.plan_member(&m.user, m.license);
        let created = plan.as_ref().is_ok_and(|p| p.created);
        let done = match plan {
            Err(e) => now(Err(e.into())),
            Ok(MemberPlan { effect: None, .. }) => now(Ok((Vec::new(), self.applied_seq))),
            Ok(MemberPlan {
                effect: Some(effect),
                becomes_org_pro: true,
                ..
            }) => self.give_org_pro(m.user, effect),
            // Otherwise journal first; if Org Pro is given up, the events
            // learn it after the record, so a slot given to them comes
            // later in the journal.
            Ok(MemberPlan {
                effect: Some(effect),
                ..
            }) => {
                let user = m.user;
                let view = move |act: &OrgActor| act.view_without_org_pro(&user);
                Box::pin(
                    self.publish(effect, view)
                        .map(|seq, _, _| Ok((Vec::new(), seq?))),
                )
            }
        };
        AtomicResponse::new(Box::pin(done.map(move |done, _, _| {
            let (released_slots, seq) = done?;
            Ok(MemberOutcome {
                created,
                license,
                released_slots,
                seq,
            })
        })))
    }
}

#[derive(Message)]
#[rtype(result = "Result<Seq, Failure>")]
pub struct RemoveMember(pub Id);

impl Handler<RemoveMember> for OrgActor {
    type Result = AtomicResponse<Self, Result<Seq, Failure>>;

    fn handle(&mut self, RemoveMember(user): RemoveMember, _: &mut Context<Self>) -> Self::Result {
        AtomicResponse::new(match self.org.plan_remove_member(&user) {
            Ok(effect) => self.publish(effect, |act| act.view_without_org_pro(&user)),
            Err(e) => now(Err(e.into())),
        })
    }
}

/// Grants an Event permission to `user` on every event of the org, present
/// and future. Answers whether it was new.
#[derive(Message)]
#[rtype(result = "Result<(bool, Seq), Failure>")]
pub struct GrantOrgWide {
    pub user: Id,
    pub permission: Permission,
}

impl Handler<GrantOrgWide> for OrgActor {
    type Result = AtomicResponse<Self, Result<(bool, Seq), Failure>>;

    fn handle(&mut self, m: GrantOrgWide, _: &mut Context<Self>) -> Self::Result {
        AtomicResponse::new(match self.org.plan_org_grant(&m.user, m.permission) {
            Ok(Some(effect)) => self.change_org_grants(effect, true),
            Ok(None) => now(Ok((false, self.applied_seq))),
            Err(e) => now(Err(e.into())),
        })
    }
}

/// Takes an org-wide grant away (`grant_not_found` if there is none).
#[derive(Message)]
#[rtype(result = "Result<Seq, Failure>")]
pub struct RevokeOrgWide {
    pub user: Id,
    pub permission: Permission,
}

impl Handler<RevokeOrgWide> for OrgActor {
    type Result = AtomicResponse<Self, Result<Seq, Failure>>;

    fn handle(&mut self, m: RevokeOrgWide, _: &mut Context<Self>) -> Self::Result {
        AtomicResponse::new(match self.org.plan_org_revoke(&m.user, m.permission) {
            Ok(effect) => Box::pin(
                self.change_org_grants(effect, false)
                    .map(|done, _, _| done.map(|(_, seq)| seq)),
            ),
            Err(e) => now(Err(e.into())),
        })
    }
}

impl OrgActor {
    /// Journals an org-wide grant change and tells every event before
    /// answering: a check is then one message to one event, as ever.
    fn change_org_grants(&mut self, effect: OrgEffect, created: bool) -> Answer<(bool, Seq)> {
        let view = |act: &OrgActor| Some(act.view_with_org_grants());
        Box::pin(
            self.publish(effect, view)
                .map(move |seq, _, _| Ok((created, seq?))),
        )
    }
}

/// A user's org-wide grants, sorted.
#[derive(Message)]
#[rtype(result = "(Vec<OrgGrant>, Seq)")]
pub struct OrgGrants(pub Id);

impl Handler<OrgGrants> for OrgActor {
    type Result = MessageResult<OrgGrants>;

    fn handle(&mut self, OrgGrants(user): OrgGrants, _: &mut Context<Self>) -> Self::Result {
        MessageResult((self.org.org_grants(&user), self.applied_seq))
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
        let seq = self.log.append(&Record::EventCreated {
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

/// Deletes an event: its actor finishes what it has queued and pauses
/// before the deletion is journaled, so no record of it can follow; it
/// stops once the record is in the journal, and goes on unchanged if the
/// journal refuses it.
#[derive(Message)]
#[rtype(result = "Result<Seq, Failure>")]
pub struct DeleteEvent(pub Id);

impl Handler<DeleteEvent> for OrgActor {
    type Result = AtomicResponse<Self, Result<Seq, Failure>>;

    fn handle(&mut self, DeleteEvent(event): DeleteEvent, _: &mut Context<Self>) -> Self::Result {
        let Some(addr) = self.events.get(&event).cloned() else {
            return ready(Err(Error::EventNotFound.into()));
        };
        let (decide, decided) = tokio::sync::watch::channel(Lowering::Pending);
        AtomicResponse::new(Box::pin(
            async move {
                let _ = addr.send(TryClose { decided }).await;
            }
            .into_actor(self)
            .map(move |(), act, _| {
                // On failure `decide` is dropped: the event goes on.
                let seq = act.log.append(&Record::EventDeleted {
                    org: act.id.clone(),
                    event: event.clone(),
                })?;
                act.registry.forget_event(&act.id, &event);
                act.events.remove(&event);
                decide.send_replace(Lowering::Journaled(seq));
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

    /// A running registry over `state()`, with a journal in `dir`.
    fn running(sys: &SystemRunner, dir: &std::path::Path) -> (Arc<Registry>, Journal) {
        let journal = Journal::open(dir, 0, 5, Box::new(|_, _| {})).unwrap();
        let registry = sys.block_on(async {
            Registry::start(state(), journal.clone(), vec![Arbiter::current()])
        });
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
            let slot = EventCommand::AssignSlot(id("taken"));
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
            write(&registry, "e1", EventCommand::AssignSlot(id("ann")))
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
            write(&registry, "e3", EventCommand::AssignSlot(id("ann")))
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
            let listed: Vec<Permission> =
                view.org_grants.iter().map(OrgGrant::permission).collect();
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
            write(&registry, "e1", EventCommand::AssignSlot(id("ann")))
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
            assert_eq!(view.users, vec![id("amy"), id("zed")]);
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
}
