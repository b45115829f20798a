//! The org actor: owns an org's license pools and members, creates and
//! deletes its events, and pushes every license change that concerns events
//! to all of them before it answers.
//!
//! Handlers that talk to the events answer with an [`AtomicResponse`]: the
//! org handles nothing else until they finish, so two license changes never
//! interleave. Events never wait on their org, so this cannot deadlock.

mod grants;
mod licenses;

pub use grants::{GrantOrgWide, OrgGrants, RevokeOrgWide};
pub use licenses::{MemberOutcome, RemoveMember, SetLicenses, SetMember, SetPools};

use std::collections::BTreeMap;
use std::sync::Arc;

use actix::prelude::*;
use futures_util::future::join_all;

use crate::domain::{
    earliest, Decision, Error, Event, Id, InUse, License, MemberPlan, Org, OrgEffect, OrgGrant,
    OrgKind, OrgLicense, OrgView, Permission, Pools, PoolsChange, Prices, PricesChange, Timestamp,
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
    /// No org-wide grant expires before this (`None`: none expires); as
    /// in the event actor, exact after each pass and starting at the
    /// earliest instant, so what expired while down goes at start.
    next_expiry: Option<Timestamp>,
    /// The one timer of this actor: when it is set for, and its handle.
    timer: Option<(Timestamp, SpawnHandle)>,
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
            next_expiry: Some(Timestamp::from_secs(i64::MIN)),
            timer: None,
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
        self.next_expiry = earliest(self.next_expiry, effect.sets_expiry());
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

    fn started(&mut self, ctx: &mut Self::Context) {
        // The first pass, as the first message: org-wide grants that
        // expired while the server was down go now.
        ctx.notify(crate::actors::clock::Expire);
    }
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
type Answer<T> = ResponseActFuture<OrgActor, Result<T, Failure>>;

/// Answers at once.
fn now<T: 'static>(value: Result<T, Failure>) -> Answer<T> {
    Box::pin(fut::ready(value))
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
mod tests;
