//! Ids to actor addresses. Lookups never hold a map reference across an
//! `.await`: they clone the address out and let go, or (a message to an
//! event) send through the map's own address and let go before awaiting.

use std::sync::Arc;

use actix::prelude::*;
use dashmap::mapref::entry::Entry;
use dashmap::DashMap;

use crate::domain::{Error, Id, IdHasher, OrgKind, OrgView};
use crate::metrics::Stats;
use crate::persist::{EventState, Log, OrgState, Record, Seq, State};

use super::clock::{SharedClock, SystemClock};
use super::{EventActor, Failure, OrgActor};

/// What the registry keeps of an org: its address, and its kind, which never
/// changes, so `PUT` of an existing org is answered without a message.
#[derive(Clone)]
pub struct OrgEntry {
    pub addr: Addr<OrgActor>,
    pub kind: OrgKind,
}

pub struct Registry {
    /// The threads actors run on: the HTTP workers' own (see
    /// [`super::placement`]). An org and all its events share one, picked by
    /// the org id.
    arbiters: Vec<ArbiterHandle>,
    orgs: DashMap<Id, OrgEntry, IdHasher>,
    /// Events by (org, event), so a check reaches its event in one lookup.
    events: DashMap<(Id, Id), Addr<EventActor>, IdHasher>,
    /// The local journal, or in a cluster the shards' Raft logs.
    journal: Log,
    stats: Arc<Stats>,
    /// The one clock every actor (and the HTTP edge) reads.
    clock: SharedClock,
}

impl Registry {
    /// Starts an actor for every org and event of `state`, spread over
    /// `arbiters` by org, on the system clock.
    pub fn start(
        state: State,
        journal: impl Into<Log>,
        arbiters: Vec<ArbiterHandle>,
    ) -> Arc<Registry> {
        Registry::start_with_clock(state, journal, arbiters, Arc::new(SystemClock))
    }

    /// [`Registry::start`] with the clock given (tests drive time with a
    /// [`super::ManualClock`]).
    pub fn start_with_clock(
        state: State,
        journal: impl Into<Log>,
        arbiters: Vec<ArbiterHandle>,
        clock: SharedClock,
    ) -> Arc<Registry> {
        let stats = Arc::new(Stats::default());
        for o in state.orgs.values() {
            super::org::count(&stats, &o.org, 1);
        }
        for e in state.events.values().flat_map(|m| m.values()) {
            Stats::add(&stats.slots_in_use, i64::from(e.event.slot_count()));
        }
        let registry = Arc::new(Registry {
            arbiters,
            orgs: DashMap::with_hasher(IdHasher::default()),
            events: DashMap::with_hasher(IdHasher::default()),
            journal: journal.into(),
            stats,
            clock,
        });
        registry.adopt(state);
        registry
    }

    /// Starts an actor for every org and event of `state` (in a cluster:
    /// a shard this node has just taken the lead of).
    pub fn adopt(self: &Arc<Self>, state: State) {
        let State { orgs, mut events } = state;
        for (id, org_state) in orgs {
            let org_events = events.remove(&id).unwrap_or_default();
            self.start_org(id, org_state, org_events);
        }
    }

    /// Forgets every org (and its events) for which `retired` holds (in a
    /// cluster: a shard this node no longer leads). Their actors stop
    /// once the requests holding their addresses are done; their log
    /// refuses every write meanwhile.
    pub fn retire(&self, retired: impl Fn(&Id) -> bool) {
        self.orgs.retain(|id, _| !retired(id));
        self.events.retain(|(org, _), _| !retired(org));
    }

    fn start_org(
        self: &Arc<Self>,
        id: Id,
        state: OrgState,
        events: std::collections::BTreeMap<Id, EventState>,
    ) -> Addr<OrgActor> {
        let kind = state.org.kind().clone();
        let view = Arc::new(state.org.view());
        let arbiter = self.arbiter_for(&id);
        let mut addrs = std::collections::BTreeMap::new();
        for (event_id, mut event_state) in events {
            event_state.event.set_org_view(view.clone());
            let addr = self.start_event(&arbiter, &id, &event_id, event_state);
            addrs.insert(event_id, addr);
        }
        let actor = OrgActor::new(
            id.clone(),
            state,
            view,
            addrs,
            self.clone(),
            arbiter.clone(),
        );
        let addr = OrgActor::start_in_arbiter(&arbiter, move |_| actor);
        self.orgs.insert(
            id,
            OrgEntry {
                addr: addr.clone(),
                kind,
            },
        );
        addr
    }

    fn arbiter_for(&self, org: &Id) -> ArbiterHandle {
        use std::hash::{Hash, Hasher};
        // Fixed keys: the same org lands on the same thread from any caller.
        let mut h = std::hash::DefaultHasher::new();
        org.hash(&mut h);
        let i = h.finish() as usize % self.arbiters.len().max(1);
        match self.arbiters.get(i) {
            Some(a) => a.clone(),
            None => Arbiter::current(),
        }
    }

    pub(super) fn start_event(
        &self,
        arbiter: &ArbiterHandle,
        org: &Id,
        event: &Id,
        state: EventState,
    ) -> Addr<EventActor> {
        let actor = EventActor::new(
            org.clone(),
            event.clone(),
            state,
            self.journal.bind(org),
            self.stats.clone(),
            self.clock.clone(),
        );
        let addr = EventActor::start_in_arbiter(arbiter, move |_| actor);
        self.events
            .insert((org.clone(), event.clone()), addr.clone());
        addr
    }

    pub(super) fn forget_event(&self, org: &Id, event: &Id) {
        self.events.remove(&(org.clone(), event.clone()));
    }

    pub fn journal(&self) -> &Log {
        &self.journal
    }

    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// Waits until the change with `seq` (and all before it) is on disk; a
    /// journal that can no longer write is [`Failure::Unavailable`].
    pub async fn durable(&self, seq: Seq) -> Result<(), Failure> {
        Ok(self.journal.wait_durable(seq).await?)
    }

    pub fn stats(&self) -> &Arc<Stats> {
        &self.stats
    }

    /// Creates the org if it is new. Answers whether it was created and the
    /// sequence to wait for; `409 conflict` if it exists with another kind.
    pub fn put_org(self: &Arc<Self>, id: Id, kind: OrgKind) -> Result<(bool, Seq), Failure> {
        match self.orgs.entry(id.clone()) {
            Entry::Occupied(e) => {
                kind.plan_create(Some(&e.get().kind))?;
                Ok((false, 0))
            }
            Entry::Vacant(slot) => {
                // Journaled while the entry is held, so the org's creation
                // precedes every record of its own in the journal.
                let seq = self.journal.append(&Record::OrgCreated {
                    org: id.clone(),
                    kind: kind.clone(),
                })?;
                let state = OrgState {
                    org: crate::domain::Org::new(kind.clone()),
                    applied_seq: seq,
                };
                let view = Arc::new(OrgView::default());
                let arbiter = self.arbiter_for(&id);
                let actor = OrgActor::new(
                    id,
                    state,
                    view,
                    Default::default(),
                    self.clone(),
                    arbiter.clone(),
                );
                let addr = OrgActor::start_in_arbiter(&arbiter, move |_| actor);
                slot.insert(OrgEntry { addr, kind });
                Ok((true, seq))
            }
        }
    }

    pub fn org(&self, id: &Id) -> Result<Addr<OrgActor>, Error> {
        self.orgs
            .get(id)
            .map(|e| e.addr.clone())
            .ok_or(Error::OrgNotFound)
    }

    /// Sends `msg` to an event's actor through the address the map holds,
    /// without cloning it: a clone of an `Addr` is an atomic update of the
    /// actor's channel and two allocations, and a check would pay both
    /// (and their undoing) on every request. Sending only queues the message
    /// and wakes the actor's task, so the map's entry is held for no longer
    /// than a lookup and the map is not touched again meanwhile.
    pub fn send_event<M>(
        &self,
        org: &Id,
        event: &Id,
        msg: M,
    ) -> Result<Request<EventActor, M>, Error>
    where
        M: Message + Send + 'static,
        M::Result: Send,
        EventActor: Handler<M>,
    {
        let sent = self
            .events
            .get(&(org.clone(), event.clone()))
            .map(|addr| addr.send(msg));
        sent.ok_or_else(|| self.missing(org))
    }

    /// Whether the registry lists this event.
    pub fn has_event(&self, org: &Id, event: &Id) -> bool {
        self.events.contains_key(&(org.clone(), event.clone()))
    }

    /// Why an event is not found: its org is missing too, or only it.
    fn missing(&self, org: &Id) -> Error {
        if self.orgs.contains_key(org) {
            Error::EventNotFound
        } else {
            Error::OrgNotFound
        }
    }

    pub fn event(&self, org: &Id, event: &Id) -> Result<Addr<EventActor>, Error> {
        // The key is built from clones: an `Arc` bump each, no allocation.
        let found = self
            .events
            .get(&(org.clone(), event.clone()))
            .map(|a| a.clone());
        found.ok_or_else(|| self.missing(org))
    }

    /// Every org's address, for snapshots.
    pub fn org_addrs(&self) -> Vec<(Id, Addr<OrgActor>)> {
        self.orgs
            .iter()
            .map(|e| (e.key().clone(), e.value().addr.clone()))
            .collect()
    }

    pub fn org_count(&self) -> usize {
        self.orgs.len()
    }

    pub fn event_count(&self) -> usize {
        self.events.len()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::actors::Check;
    use crate::domain::{Permission, Reason, Scope};
    use crate::persist::Journal;

    fn id(s: &str) -> Id {
        Id::parse(s).unwrap()
    }

    /// The registry's one address of an event sends every message, also
    /// when more are queued than the mailbox holds (here before the actor
    /// first runs, at actix's default of 16): its sender is then parked, the
    /// messages beyond go through a clone (actix's `Request`), and every one
    /// is answered.
    #[test]
    fn sends_past_the_mailbox_capacity_are_all_answered() {
        let sys = System::new();
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path(), 0, 5, Box::new(|_, _| {})).unwrap();
        let mut state = State::default();
        let (o, e) = (id("o"), id("e"));
        let kind = OrgKind::Team;
        state.replay(
            1,
            &Record::OrgCreated {
                org: o.clone(),
                kind,
            },
        );
        let (org, event) = (o.clone(), e.clone());
        state.replay(
            2,
            &Record::EventCreated {
                org,
                event,
                name: None,
            },
        );
        let registry =
            sys.block_on(async { Registry::start(state, journal, vec![Arbiter::current()]) });
        let check = || Check {
            user: id("nobody"),
            permission: Permission::EventView,
            scope: Scope::Event,
        };
        sys.block_on(async {
            let sent: Vec<_> = (0..3_000)
                .map(|_| registry.send_event(&o, &e, check()).unwrap())
                .collect();
            for answer in futures_util::future::join_all(sent).await {
                let (decision, _) = answer.unwrap().unwrap();
                assert!(!decision.allowed);
                assert_eq!(decision.reason, Reason::NoLicense);
            }
            let unknown = registry.send_event(&o, &id("x"), check());
            assert!(matches!(unknown, Err(Error::EventNotFound)));
            assert!(registry.has_event(&o, &e) && !registry.has_event(&o, &id("x")));
        });
    }
}
