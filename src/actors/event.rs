//! The event actor: owns one event's slots, collaborators, areas,
//! attachments and grants, and answers checks on them.

use std::collections::HashSet;
use std::sync::Arc;

use actix::prelude::*;

use crate::domain::usage::{Denials, EventUse};
use crate::domain::{
    CollaboratorView, Decision, Error, Event, EventEffect, Grant, Id, License, Modules,
    ModulesChange, OrgView, Permission, Scope, UserView,
};
use crate::metrics::Stats;
use crate::persist::state::EventStateRef;
use crate::persist::{codec, EventState, Log, Record, Seq};

use super::snapshotter::SnapshotFailure;
use super::Failure;

pub struct EventActor {
    org: Id,
    id: Id,
    event: Event,
    /// The sequence of this event's last journal record: a read waits until
    /// it is durable, so no answer ever shows a write that could be lost.
    applied_seq: Seq,
    journal: Log,
    /// Set when the event is deleted: later messages answer `event_not_found`.
    closed: bool,
    /// Users being given Org Pro whose record is not yet in the journal:
    /// they get no new slot here meanwhile (see [`HoldSlots`]).
    held: HashSet<Id>,
    /// Refusals for want of a license since start, for the usage advice.
    denials: Denials,
    stats: Arc<Stats>,
}

impl EventActor {
    pub fn new(org: Id, id: Id, state: EventState, journal: Log, stats: Arc<Stats>) -> EventActor {
        EventActor {
            stats,
            org,
            id,
            event: state.event,
            applied_seq: state.applied_seq,
            journal,
            closed: false,
            held: HashSet::new(),
            denials: Denials::default(),
        }
    }

    fn open(&self) -> Result<(), Failure> {
        if self.closed {
            Err(Error::EventNotFound.into())
        } else {
            Ok(())
        }
    }

    /// Journals `effect`, then applies it. If the journal refuses, nothing
    /// changes.
    fn commit(&mut self, effect: EventEffect) -> Result<Seq, Failure> {
        let record = Record::Event {
            org: self.org.clone(),
            event: self.id.clone(),
            effect,
        };
        let seq = self.journal.append(&record)?;
        if let Record::Event { effect, .. } = &record {
            self.apply(effect);
        }
        self.applied_seq = seq;
        Ok(seq)
    }
}

impl EventActor {
    /// Applies an effect, keeping the slot gauge in step.
    fn apply(&mut self, effect: &EventEffect) {
        let before = i64::from(self.event.slots_used());
        self.event.apply(effect);
        let after = i64::from(self.event.slots_used());
        Stats::add(&self.stats.slots_in_use, after - before);
    }
}

impl Actor for EventActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        // A burst of checks must not make writers wait behind a tiny queue.
        ctx.set_mailbox_capacity(1024);
    }
}

/// A change to one event.
#[derive(Debug)]
pub enum EventCommand {
    Rename(Option<String>),
    PutCollaborator(Id, Option<String>),
    /// Creates or changes a collaborator: its name (when given) and the
    /// modules named (the others unchanged).
    SetCollaborator {
        id: Id,
        name: Option<String>,
        modules: ModulesChange,
    },
    DeleteCollaborator(Id),
    PutArea(Id, Option<String>),
    DeleteArea(Id),
    AssignSlot(Id),
    ReleaseSlot(Id),
    Attach {
        collaborator: Id,
        user: Id,
        permissions: Option<Vec<Permission>>,
    },
    Detach {
        collaborator: Id,
        user: Id,
    },
    Grant(Id, Grant),
    Revoke(Id, Grant),
}

/// What a write did.
#[derive(Debug, Clone)]
pub struct Written {
    pub created: bool,
    /// Answer once this sequence is durable.
    pub seq: Seq,
    /// The name of the thing written, where it has one.
    pub name: Option<String>,
    /// A collaborator's modules after the write (`None` for other things).
    pub modules: Option<Modules>,
}

#[derive(Message)]
#[rtype(result = "Result<Written, Failure>")]
pub struct Write(pub EventCommand);

impl Handler<Write> for EventActor {
    type Result = Result<Written, Failure>;

    fn handle(&mut self, Write(command): Write, _: &mut Context<Self>) -> Self::Result {
        self.open()?;
        let e = &self.event;
        let (created, effect, named) = match command {
            EventCommand::Rename(name) => (false, e.plan_rename(name), None),
            EventCommand::PutCollaborator(id, name) => {
                let put = e.plan_put_collaborator(&id, name);
                (put.created, put.effect, Some(Named::Collaborator(id)))
            }
            EventCommand::SetCollaborator { id, name, modules } => {
                let put = e.plan_set_collaborator(&id, name, modules);
                (put.created, put.effect, Some(Named::Collaborator(id)))
            }
            EventCommand::PutArea(id, name) => {
                let put = e.plan_put_area(&id, name);
                (put.created, put.effect, Some(Named::Area(id)))
            }
            EventCommand::DeleteCollaborator(id) => {
                (false, Some(e.plan_delete_collaborator(&id)?), None)
            }
            EventCommand::DeleteArea(id) => (false, Some(e.plan_delete_area(&id)?), None),
            EventCommand::AssignSlot(user) => {
                if self.held.contains(&user) && !e.slot_holders().contains(&user) {
                    return Err(Error::OrgProHolder(user).into());
                }
                let put = e.plan_assign_slot(&user)?;
                (put.created, put.effect, None)
            }
            EventCommand::ReleaseSlot(user) => (false, Some(e.plan_release_slot(&user)?), None),
            EventCommand::Attach {
                collaborator,
                user,
                permissions,
            } => {
                let put = e.plan_attach(&collaborator, &user, permissions)?;
                (put.created, put.effect, None)
            }
            EventCommand::Detach { collaborator, user } => {
                (false, Some(e.plan_detach(&collaborator, &user)?), None)
            }
            EventCommand::Grant(user, grant) => {
                let put = e.plan_grant(&user, grant)?;
                (put.created, put.effect, None)
            }
            EventCommand::Revoke(user, grant) => (false, Some(e.plan_revoke(&user, grant)?), None),
        };
        let seq = match effect {
            Some(effect) => self.commit(effect)?,
            // Nothing changed, but the answer must not show state that is
            // still on its way to the disk.
            None => self.applied_seq,
        };
        let (name, modules) = match named {
            Some(Named::Collaborator(id)) => match self.event.collaborators().get(&id) {
                Some(c) => (c.name.clone(), Some(c.modules)),
                None => (None, None),
            },
            Some(Named::Area(id)) => (self.event.areas().get(&id).cloned().flatten(), None),
            None => (self.event.name().map(str::to_owned), None),
        };
        Ok(Written {
            created,
            seq,
            name,
            modules,
        })
    }
}

enum Named {
    Collaborator(Id),
    Area(Id),
}

/// `allowed(user, permission, scope)`, with the sequence to wait for.
#[derive(Message)]
#[rtype(result = "Result<(Decision, Seq), Failure>")]
pub struct Check {
    pub user: Id,
    pub permission: Permission,
    pub scope: Scope,
}

impl Handler<Check> for EventActor {
    type Result = Result<(Decision, Seq), Failure>;

    fn handle(&mut self, m: Check, _: &mut Context<Self>) -> Self::Result {
        self.open()?;
        let decision = self.event.check(&m.user, m.permission, &m.scope)?;
        self.denials.record(&m.user, &decision);
        Ok((decision, self.applied_seq))
    }
}

/// Several checks on this event, answered in order.
#[derive(Message)]
#[rtype(result = "(Vec<Result<Decision, Error>>, Seq)")]
pub struct CheckMany(pub Vec<(Id, Permission, Scope)>);

impl Handler<CheckMany> for EventActor {
    type Result = MessageResult<CheckMany>;

    fn handle(&mut self, CheckMany(checks): CheckMany, _: &mut Context<Self>) -> Self::Result {
        let results = checks
            .iter()
            .map(|(user, permission, scope)| {
                if self.closed {
                    Err(Error::EventNotFound)
                } else {
                    let decision = self.event.check(user, *permission, scope)?;
                    self.denials.record(user, &decision);
                    Ok(decision)
                }
            })
            .collect();
        MessageResult((results, self.applied_seq))
    }
}

/// This event's part of the org's usage, in one message: its slot holders,
/// peak, users needing a slot, idle grants and refusal counters.
#[derive(Message)]
#[rtype(result = "Result<(EventUse, Seq), Failure>")]
pub struct GetUse;

impl Handler<GetUse> for EventActor {
    type Result = Result<(EventUse, Seq), Failure>;

    fn handle(&mut self, _: GetUse, _: &mut Context<Self>) -> Self::Result {
        self.open()?;
        let usage = self.event.usage(self.id.clone(), self.denials.counts());
        Ok((usage, self.applied_seq))
    }
}

/// A copy of the event with its refusal counters, for a what-if to change
/// outside the actor.
#[derive(Message)]
#[rtype(result = "Result<((Event, Vec<(Id, u64)>), Seq), Failure>")]
pub struct CopyEvent;

impl Handler<CopyEvent> for EventActor {
    type Result = Result<((Event, Vec<(Id, u64)>), Seq), Failure>;

    fn handle(&mut self, _: CopyEvent, _: &mut Context<Self>) -> Self::Result {
        self.open()?;
        Ok((
            (self.event.clone(), self.denials.counts()),
            self.applied_seq,
        ))
    }
}

#[derive(Debug, Clone)]
pub struct EventInfo {
    pub name: Option<String>,
    pub slot_total: u32,
    pub holders: Vec<Id>,
    pub collaborators: Vec<Id>,
    pub areas: Vec<Id>,
    pub seq: Seq,
}

#[derive(Message)]
#[rtype(result = "Result<EventInfo, Failure>")]
pub struct GetInfo;

impl Handler<GetInfo> for EventActor {
    type Result = Result<EventInfo, Failure>;

    fn handle(&mut self, _: GetInfo, _: &mut Context<Self>) -> Self::Result {
        self.open()?;
        let e = &self.event;
        Ok(EventInfo {
            name: e.name().map(str::to_owned),
            slot_total: e.org_view().slot_total,
            holders: e.sorted_slot_holders(),
            collaborators: e.collaborators().keys().cloned().collect(),
            areas: e.areas().keys().cloned().collect(),
            seq: self.applied_seq,
        })
    }
}

/// Name and slots in use, for listings and `event_pro.max_used`.
#[derive(Message)]
#[rtype(result = "Result<((Option<String>, u32), Seq), Failure>")]
pub struct SlotsUsed;

impl Handler<SlotsUsed> for EventActor {
    type Result = Result<((Option<String>, u32), Seq), Failure>;

    fn handle(&mut self, _: SlotsUsed, _: &mut Context<Self>) -> Self::Result {
        self.open()?;
        let e = &self.event;
        Ok((
            (e.name().map(str::to_owned), e.slots_used()),
            self.applied_seq,
        ))
    }
}

#[derive(Message)]
#[rtype(result = "Result<(UserView, Seq), Failure>")]
pub struct GetUser(pub Id);

impl Handler<GetUser> for EventActor {
    type Result = Result<(UserView, Seq), Failure>;

    fn handle(&mut self, GetUser(user): GetUser, _: &mut Context<Self>) -> Self::Result {
        self.open()?;
        Ok((self.event.user_view(&user), self.applied_seq))
    }
}

/// One collaborator with its modules and attached users.
#[derive(Message)]
#[rtype(result = "Result<(CollaboratorView, Seq), Failure>")]
pub struct GetCollaborator(pub Id);

impl Handler<GetCollaborator> for EventActor {
    type Result = Result<(CollaboratorView, Seq), Failure>;

    fn handle(
        &mut self,
        GetCollaborator(id): GetCollaborator,
        _: &mut Context<Self>,
    ) -> Self::Result {
        self.open()?;
        Ok((self.event.collaborator_view(&id)?, self.applied_seq))
    }
}

#[derive(Message)]
#[rtype(result = "Result<(Option<License>, Seq), Failure>")]
pub struct LicenseOf(pub Id);

impl Handler<LicenseOf> for EventActor {
    type Result = Result<(Option<License>, Seq), Failure>;

    fn handle(&mut self, LicenseOf(user): LicenseOf, _: &mut Context<Self>) -> Self::Result {
        self.open()?;
        Ok((self.event.license_of(&user), self.applied_seq))
    }
}

/// What the org decided about a lower Event Pro count its events adopted
/// tentatively ([`TryView`]), or about deleting an event ([`TryClose`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lowering {
    Pending,
    /// In the journal as this record: reads wait until it is durable.
    Journaled(Seq),
    /// Refused (another event uses more slots, or the journal refused the
    /// record); also what a dropped sender means.
    Refused,
}

/// What the org decides, once it has (a dropped sender is a refusal).
async fn decision(mut decided: tokio::sync::watch::Receiver<Lowering>) -> Lowering {
    decided
        .wait_for(|d| *d != Lowering::Pending)
        .await
        .map_or(Lowering::Refused, |d| *d)
}

/// From the org: adopt a view with fewer slots, unless more are in use.
/// Answers the slots in use when refusing. Adopting is tentative: the event
/// then handles no other message (no claim, check or read) until `decided`
/// says whether the org journaled the change (reads then wait for that
/// record) or not (the old view comes back). So a claim is measured against
/// the lower count only once it is decided, and no answer ever shows a
/// count that is then taken back. The pause lasts until every event of the
/// org has answered and the org has appended its record.
#[derive(Message)]
#[rtype(result = "Result<(), u32>")]
pub(super) struct TryView {
    pub view: Arc<OrgView>,
    pub decided: tokio::sync::watch::Receiver<Lowering>,
}

impl Handler<TryView> for EventActor {
    type Result = Result<(), u32>;

    fn handle(&mut self, m: TryView, ctx: &mut Context<Self>) -> Self::Result {
        if !self.closed && !self.event.fits(m.view.slot_total) {
            return Err(self.event.slots_used());
        }
        let old = self.event.org_view().clone();
        self.event.set_org_view(m.view);
        let decision = decision(m.decided);
        ctx.wait(
            decision
                .into_actor(self)
                .map(move |decision, act, _| match decision {
                    Lowering::Journaled(seq) => act.applied_seq = act.applied_seq.max(seq),
                    Lowering::Pending | Lowering::Refused => act.event.set_org_view(old),
                }),
        );
        Ok(())
    }
}

/// From the org: adopt a new view (more slots, or an Org Pro holder less),
/// which the org's record `seq` made; reads here wait for that record too.
#[derive(Message)]
#[rtype(result = "()")]
pub(super) struct SetView {
    pub view: Arc<OrgView>,
    pub seq: Seq,
}

impl Handler<SetView> for EventActor {
    type Result = ();

    fn handle(&mut self, m: SetView, _: &mut Context<Self>) {
        self.event.set_org_view(m.view);
        self.applied_seq = self.applied_seq.max(m.seq);
    }
}

/// From the org, first step of giving `user` Org Pro: give them no new
/// slot here until [`GiveOrgPro`] or [`ReleaseHold`] arrives. Their slots
/// and every check stay as they were; only a claim of a new slot by them is
/// refused meanwhile (`org_pro_holder`, a refusal that changes nothing).
#[derive(Message)]
#[rtype(result = "()")]
pub(super) struct HoldSlots(pub Id);

impl Handler<HoldSlots> for EventActor {
    type Result = ();

    fn handle(&mut self, HoldSlots(user): HoldSlots, _: &mut Context<Self>) {
        self.held.insert(user);
    }
}

/// From the org, when giving Org Pro failed after [`HoldSlots`].
#[derive(Message)]
#[rtype(result = "()")]
pub(super) struct ReleaseHold(pub Id);

impl Handler<ReleaseHold> for EventActor {
    type Result = ();

    fn handle(&mut self, ReleaseHold(user): ReleaseHold, _: &mut Context<Self>) {
        self.held.remove(&user);
    }
}

/// From the org, second step: the org's record `seq` giving `user` Org Pro
/// is in the journal. Releases their slot here and adopts the view that
/// lists them; answers whether a slot was released. Not journaled here: the
/// org's record replays it. The freed slot can only be claimed now, so any
/// claim of it follows that record in the journal.
#[derive(Message)]
#[rtype(result = "bool")]
pub(super) struct GiveOrgPro {
    pub user: Id,
    pub view: Arc<OrgView>,
    pub seq: Seq,
}

impl Handler<GiveOrgPro> for EventActor {
    type Result = bool;

    fn handle(&mut self, m: GiveOrgPro, _: &mut Context<Self>) -> bool {
        self.held.remove(&m.user);
        let held = !self.closed && self.event.slot_holders().contains(&m.user);
        self.apply(&EventEffect::OrgProGiven { user: m.user });
        self.event.set_org_view(m.view);
        // Reads here now reflect the org's record: they wait for it too.
        self.applied_seq = self.applied_seq.max(m.seq);
        held
    }
}

/// From the org, when the event is being deleted: finish what is queued,
/// then handle nothing until `decided` says whether the deletion is in the
/// journal (then answer nothing more and stop) or not (then go on as if
/// nothing happened). So no record of the event follows its deletion, and a
/// deletion the journal refuses leaves the event as it was.
#[derive(Message)]
#[rtype(result = "()")]
pub(super) struct TryClose {
    pub decided: tokio::sync::watch::Receiver<Lowering>,
}

impl Handler<TryClose> for EventActor {
    type Result = ();

    fn handle(&mut self, m: TryClose, ctx: &mut Context<Self>) {
        let decision = decision(m.decided);
        ctx.wait(decision.into_actor(self).map(|decision, act, ctx| {
            if let Lowering::Journaled(_) = decision {
                Stats::add(&act.stats.slots_in_use, -i64::from(act.event.slots_used()));
                act.closed = true;
                ctx.stop();
            }
        }));
    }
}

/// For a snapshot: the state and the journal position it reflects, encoded
/// here so that no copy of the event is made. `None` once deleted.
#[derive(Message)]
#[rtype(result = "Option<Result<(Vec<u8>, Seq), SnapshotFailure>>")]
pub struct Capture;

impl Handler<Capture> for EventActor {
    type Result = Option<Result<(Vec<u8>, Seq), SnapshotFailure>>;

    fn handle(&mut self, _: Capture, _: &mut Context<Self>) -> Self::Result {
        (!self.closed).then(|| {
            let state = EventStateRef {
                event: &self.event,
                applied_seq: self.applied_seq,
            };
            codec::encode(&state)
                .map(|bytes| (bytes, self.applied_seq))
                .map_err(|source| SnapshotFailure::Encode {
                    org: self.org.clone(),
                    event: self.id.clone(),
                    source,
                })
        })
    }
}

/// Makes the actor panic (tests of the panic policy only).
#[cfg(feature = "fault-injection")]
#[derive(Message)]
#[rtype(result = "()")]
pub struct Panic;

#[cfg(feature = "fault-injection")]
impl Handler<Panic> for EventActor {
    type Result = ();

    #[allow(clippy::panic)]
    fn handle(&mut self, _: Panic, _: &mut Context<Self>) {
        panic!(
            "fault injection: event {}/{} panicked on purpose",
            self.org, self.id
        );
    }
}
