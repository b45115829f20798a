//! The event actor: owns one event's slots, collaborators, areas,
//! attachments and grants, and answers checks on them.

mod from_org;

pub(super) use from_org::{
    GiveOrgPro, HoldSlots, Lowering, ReleaseHold, SetView, TryClose, TryView,
};

use std::collections::HashSet;
use std::sync::Arc;

use actix::prelude::*;

use crate::domain::usage::{Denials, EventUse};
use crate::domain::{
    earliest, CollaboratorView, Decision, Error, Event, EventEffect, Grant, Id, License, Modules,
    ModulesChange, Permission, Scope, Timestamp, UserView,
};
use crate::metrics::Stats;
use crate::persist::state::EventStateRef;
use crate::persist::{codec, EventState, Log, Record, Seq};

use super::clock::{wait_until, Expire, SharedClock};
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
    clock: SharedClock,
    /// No entry here expires before this (`None`: none expires). Exact
    /// after each pass over the event ([`Event::plan_expiry`]), lowered by
    /// each write that sets an expiry in between. It starts at the
    /// earliest instant, so the first pass runs at start and removes what
    /// expired while the server was down.
    next_expiry: Option<Timestamp>,
    /// The one timer of this actor: when it is set for, and its handle.
    timer: Option<(Timestamp, SpawnHandle)>,
}

impl EventActor {
    pub fn new(
        org: Id,
        id: Id,
        state: EventState,
        journal: Log,
        stats: Arc<Stats>,
        clock: SharedClock,
    ) -> EventActor {
        EventActor {
            stats,
            clock,
            next_expiry: Some(Timestamp::from_secs(i64::MIN)),
            timer: None,
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
            self.next_expiry = earliest(self.next_expiry, effect.sets_expiry());
        }
        self.applied_seq = seq;
        Ok(seq)
    }

    /// The instant a check is decided at. Read from the clock only when
    /// something here or among the org-wide grants can expire: otherwise
    /// every instant gives the same answer.
    #[inline]
    fn check_now(&self) -> Timestamp {
        if self.next_expiry.is_none() && self.event.org_view().org_grants_expire.is_none() {
            Timestamp::from_secs(i64::MIN)
        } else {
            self.clock.now()
        }
    }

    /// Removes what has expired at `now`, if anything may have: planned
    /// here with the time given, journaled and applied like any write
    /// (so replay removes exactly this and decides nothing). In a cluster
    /// only the leader does this; followers apply the record.
    fn expire_due(&mut self, now: Timestamp) -> Result<(), Failure> {
        if self.closed || self.next_expiry.is_none_or(|t| t > now) {
            return Ok(());
        }
        let expiring = self.event.plan_expiry(now);
        if let Some(effect) = expiring.effect {
            self.commit(effect)?;
        }
        self.next_expiry = expiring.next;
        Ok(())
    }

    /// Sets the one timer for the next expiry, if it is not set for it
    /// already. The timer only sends [`Expire`]: what to remove is decided
    /// when that message is handled.
    fn arm(&mut self, ctx: &mut Context<Self>) {
        let due = self.next_expiry.filter(|_| !self.closed);
        if let Some((at, handle)) = self.timer {
            if due == Some(at) {
                return;
            }
            ctx.cancel_future(handle);
            self.timer = None;
        }
        if let Some(due) = due {
            let handle = ctx.notify_later(Expire, wait_until(due, self.clock.now()));
            self.timer = Some((due, handle));
        }
    }
}

impl Handler<Expire> for EventActor {
    type Result = ();

    fn handle(&mut self, _: Expire, ctx: &mut Context<Self>) {
        self.timer = None;
        if let Err(e) = self.expire_due(self.clock.now()) {
            // The journal refused the record: nothing changed; try again.
            tracing::warn!(org = %self.org, event = %self.id, error = %e, "cannot record expired entries; retrying in a second");
            let retry = ctx.notify_later(Expire, std::time::Duration::from_secs(1));
            self.timer = self.next_expiry.map(|t| (t, retry));
            return;
        }
        self.arm(ctx);
    }
}

impl EventActor {
    /// Applies an effect, keeping the slot gauge in step.
    fn apply(&mut self, effect: &EventEffect) {
        let before = i64::from(self.event.slot_count());
        self.event.apply(effect);
        let after = i64::from(self.event.slot_count());
        Stats::add(&self.stats.slots_in_use, after - before);
    }
}

impl Actor for EventActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        // A burst of checks must not make writers wait behind a tiny queue.
        ctx.set_mailbox_capacity(1024);
        // The first pass, before any message: what expired while the
        // server was down is removed (and journaled) now.
        if let Err(e) = self.expire_due(self.clock.now()) {
            tracing::warn!(org = %self.org, event = %self.id, error = %e, "cannot record expired entries at start");
        }
        self.arm(ctx);
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
    /// Gives a slot until the instant given (`None`: no end).
    AssignSlot(Id, Option<Timestamp>),
    ReleaseSlot(Id),
    Attach {
        collaborator: Id,
        user: Id,
        permissions: Option<Vec<Permission>>,
        expires_at: Option<Timestamp>,
    },
    Detach {
        collaborator: Id,
        user: Id,
    },
    Grant(Id, Grant, Option<Timestamp>),
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
    /// When the slot, attachment or grant written ends (`None`: never, or
    /// a thing that does not expire).
    pub expires_at: Option<Timestamp>,
}

#[derive(Message)]
#[rtype(result = "Result<Written, Failure>")]
pub struct Write(pub EventCommand);

impl Handler<Write> for EventActor {
    type Result = Result<Written, Failure>;

    fn handle(&mut self, Write(command): Write, ctx: &mut Context<Self>) -> Self::Result {
        self.open()?;
        let now = self.clock.now();
        // What is due goes first, as its own record: the write is then
        // decided and applied on a state holding nothing expired, so slot
        // counts and peaks never count an expired holder.
        self.expire_due(now)?;
        let written = self.write(command, now);
        self.arm(ctx);
        written
    }
}

impl EventActor {
    fn write(&mut self, command: EventCommand, now: Timestamp) -> Result<Written, Failure> {
        let e = &self.event;
        let mut expires_at = None;
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
            EventCommand::AssignSlot(user, until) => {
                if self.held.contains(&user) && !e.holds_slot(&user, now) {
                    return Err(Error::OrgProHolder(user).into());
                }
                let put = e.plan_assign_slot(&user, until, now)?;
                expires_at = until;
                (put.created, put.effect, None)
            }
            EventCommand::ReleaseSlot(user) => {
                (false, Some(e.plan_release_slot(&user, now)?), None)
            }
            EventCommand::Attach {
                collaborator,
                user,
                permissions,
                expires_at: until,
            } => {
                let put = e.plan_attach(&collaborator, &user, permissions, until, now)?;
                expires_at = until;
                (put.created, put.effect, None)
            }
            EventCommand::Detach { collaborator, user } => {
                (false, Some(e.plan_detach(&collaborator, &user, now)?), None)
            }
            EventCommand::Grant(user, grant, until) => {
                let put = e.plan_grant(&user, grant, until, now)?;
                expires_at = until;
                (put.created, put.effect, None)
            }
            EventCommand::Revoke(user, grant) => {
                (false, Some(e.plan_revoke(&user, grant, now)?), None)
            }
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
            expires_at,
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
        let decision = self
            .event
            .check(&m.user, m.permission, &m.scope, self.check_now())?;
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
        let now = self.check_now();
        let results = checks
            .iter()
            .map(|(user, permission, scope)| {
                if self.closed {
                    Err(Error::EventNotFound)
                } else {
                    let decision = self.event.check(user, *permission, scope, now)?;
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
        let now = self.clock.now();
        let usage = self
            .event
            .usage(self.id.clone(), self.denials.counts(), now);
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
            holders: e.sorted_slot_holders(self.clock.now()),
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
            (e.name().map(str::to_owned), e.slots_used(self.clock.now())),
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
        let now = self.clock.now();
        Ok((self.event.user_view(&user, now), self.applied_seq))
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
        let now = self.clock.now();
        Ok((self.event.collaborator_view(&id, now)?, self.applied_seq))
    }
}

#[derive(Message)]
#[rtype(result = "Result<(Option<License>, Seq), Failure>")]
pub struct LicenseOf(pub Id);

impl Handler<LicenseOf> for EventActor {
    type Result = Result<(Option<License>, Seq), Failure>;

    fn handle(&mut self, LicenseOf(user): LicenseOf, _: &mut Context<Self>) -> Self::Result {
        self.open()?;
        let now = self.clock.now();
        Ok((self.event.license_of(&user, now), self.applied_seq))
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
