//! The leader's side of a shard's log: its actors append records here as
//! they would to the journal, and one task proposes whatever gathered as
//! ONE Raft entry, waits for it to commit, and proposes the next (openraft
//! 0.9 flushes each `client_write` on its own, so batching before the
//! proposal is what keeps group commit).
//!
//! A record's sequence is `shard << 48 | generation << 32 | n`: a
//! generation is one leadership of this node over the shard (a new one each
//! time it takes the lead), `n` counts its records from 1. A read waits for
//! the sequence its answer reflects through [`Shards`], which finds the
//! generation it belongs to. Sequence 0 (what the state a leadership starts
//! from reflects: all of it committed) is durable at once.
//!
//! Once a proposal fails (this node lost the lead, or its storage failed)
//! the generation is over: nothing it holds or is given is ever proposed,
//! every wait on it that is not committed fails (`503`), and the shard's
//! actors, which applied those records, are retired and started again from
//! the committed state at the next leadership.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use futures_util::future::BoxFuture;
use tokio::sync::{watch, Notify};

use super::machine::MAX_BATCH;
use super::shard_of;
use super::types::{Batch, Raft};
use crate::domain::Id;
use crate::persist::{JournalError, Log, Record, Replicated, Seq};

/// Records proposed in one entry at most.
const BATCH: usize = if MAX_BATCH < 4096 { MAX_BATCH } else { 4096 };
/// Generations kept for waits that started before the lead changed.
const KEPT_GENERATIONS: usize = 16;

pub fn org_of(record: &Record) -> &Id {
    match record {
        Record::OrgCreated { org, .. }
        | Record::Org { org, .. }
        | Record::EventCreated { org, .. }
        | Record::EventDeleted { org, .. }
        | Record::Event { org, .. } => org,
    }
}

fn split(seq: Seq) -> (u32, u64, u64) {
    ((seq >> 48) as u32, (seq >> 32) & 0xFFFF, seq & 0xFFFF_FFFF)
}

#[derive(Clone, Default)]
struct Progress {
    committed: u64,
    failed: Option<String>,
}

struct Queue {
    records: Vec<Record>,
    /// The next record's `n`.
    next: u64,
    failed: Option<String>,
}

/// One generation: one leadership of this node over one shard.
pub struct Proposer {
    shard: u32,
    generation: u64,
    /// The Raft term it leads in.
    pub term: u64,
    queue: Mutex<Queue>,
    wake: Notify,
    progress: watch::Sender<Progress>,
}

impl Proposer {
    /// A generation whose proposals go to `raft`, run by a task on the
    /// current runtime.
    pub fn start(raft: Raft, shard: u32, generation: u64, term: u64) -> Arc<Proposer> {
        let p = Arc::new(Proposer {
            shard,
            generation: generation & 0xFFFF,
            term,
            queue: Mutex::new(Queue {
                records: Vec::new(),
                next: 1,
                failed: None,
            }),
            wake: Notify::new(),
            progress: watch::channel(Progress::default()).0,
        });
        tokio::spawn(p.clone().run(raft));
        p
    }

    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn seq(&self, n: u64) -> Seq {
        (u64::from(self.shard) << 48) | (self.generation << 32) | n
    }

    /// Ends the generation: nothing more is proposed or acknowledged.
    pub fn fail(&self, why: &str) {
        let mut q = self.lock();
        if q.failed.is_none() {
            q.failed = Some(why.to_string());
            q.records.clear();
        }
        drop(q);
        self.progress.send_modify(|p| {
            p.failed.get_or_insert_with(|| why.to_string());
        });
        self.wake.notify_one();
    }

    pub fn is_failed(&self) -> bool {
        self.lock().failed.is_some()
    }

    async fn run(self: Arc<Self>, raft: Raft) {
        loop {
            let (records, upto) = {
                let mut q = self.lock();
                if q.failed.is_some() {
                    return;
                }
                let n = q.records.len().min(BATCH);
                let records: Vec<Record> = q.records.drain(..n).collect();
                let upto = q.next - 1 - q.records.len() as u64;
                (records, upto)
            };
            if records.is_empty() {
                self.wake.notified().await;
                continue;
            }
            match raft.client_write(Batch { records }).await {
                Ok(_) => {
                    self.progress
                        .send_modify(|p| p.committed = p.committed.max(upto));
                }
                Err(e) => {
                    tracing::warn!(shard = self.shard, error = %e, "a proposal failed; this leadership is over");
                    self.fail(&format!(
                        "shard {} lost its leader while committing: {e}",
                        self.shard
                    ));
                    return;
                }
            }
        }
    }

    async fn wait(&self, n: u64) -> Result<(), JournalError> {
        let mut rx = self.progress.subscribe();
        let p = rx
            .wait_for(|p| p.committed >= n || p.failed.is_some())
            .await
            .map_err(|_| JournalError::Replicated("the shard's log stopped".into()))?
            .clone();
        if p.committed >= n {
            Ok(())
        } else {
            Err(JournalError::Replicated(p.failed.unwrap_or_default()))
        }
    }
}

impl Replicated for Proposer {
    fn append(&self, record: &Record) -> Result<Seq, JournalError> {
        let mut q = self.lock();
        if let Some(why) = &q.failed {
            return Err(JournalError::Replicated(why.clone()));
        }
        if q.next >= 0xFFFF_FFFF {
            return Err(JournalError::Replicated(
                "this leadership has numbered all the records it can; retry".into(),
            ));
        }
        let n = q.next;
        q.next += 1;
        q.records.push(record.clone());
        drop(q);
        self.wake.notify_one();
        Ok(self.seq(n))
    }

    fn wait_durable(&self, seq: Seq) -> BoxFuture<'_, Result<(), JournalError>> {
        let (shard, generation, n) = split(seq);
        Box::pin(async move {
            if n == 0 {
                Ok(())
            } else if shard == self.shard && generation == self.generation {
                self.wait(n).await
            } else {
                Err(JournalError::Replicated(
                    "the write belongs to another leadership".into(),
                ))
            }
        })
    }

    fn bind(self: Arc<Self>, _org: &Id) -> Log {
        // Already one generation's log.
        Log::Replicated(self)
    }
}

/// One shard's place on this node.
#[derive(Default)]
pub struct Slot {
    current: RwLock<Option<Arc<Proposer>>>,
    /// The newest generations, the current one included.
    kept: Mutex<VecDeque<Arc<Proposer>>>,
    next_generation: Mutex<u64>,
    /// Set once the current generation's actors are all started: only then
    /// are requests let in (an org must never look missing meanwhile).
    serving: AtomicBool,
}

impl Slot {
    pub fn current(&self) -> Option<Arc<Proposer>> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Starts a generation on `raft` in `term` and makes it current.
    pub fn begin(&self, raft: Raft, shard: u32, term: u64) -> Arc<Proposer> {
        let generation = {
            let mut g = self
                .next_generation
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            *g = (*g + 1) & 0xFFFF;
            *g
        };
        let p = Proposer::start(raft, shard, generation, term);
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        kept.push_back(p.clone());
        while kept.len() > KEPT_GENERATIONS {
            kept.pop_front();
        }
        drop(kept);
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Some(p.clone());
        p
    }

    /// Lets requests in: the current generation's actors are started.
    pub fn open(&self) {
        self.serving.store(true, Ordering::SeqCst);
    }

    /// Whether requests are let in: a generation is current, has its
    /// actors, and has not failed.
    pub fn serving(&self) -> bool {
        self.serving.load(Ordering::SeqCst) && self.current().is_some_and(|p| !p.is_failed())
    }

    /// Ends the current generation, if any.
    pub fn end(&self, why: &str) -> bool {
        self.serving.store(false, Ordering::SeqCst);
        let old = self
            .current
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(p) = &old {
            p.fail(why);
        }
        old.is_some()
    }

    fn generation(&self, generation: u64) -> Option<Arc<Proposer>> {
        let kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        kept.iter().find(|p| p.generation == generation).cloned()
    }
}

/// Every shard's log on this node: what the registry writes to and waits
/// on. A record goes to the current generation of its org's shard; a node
/// that does not lead the shard refuses it (`503`).
pub struct Shards {
    pub count: u32,
    /// By shard; `None` where this node holds no replica.
    pub slots: Vec<Option<Slot>>,
}

impl Shards {
    pub fn slot(&self, shard: u32) -> Option<&Slot> {
        self.slots.get(shard as usize).and_then(Option::as_ref)
    }

    fn not_leader(shard: u32) -> JournalError {
        JournalError::Replicated(format!("this node does not lead shard {shard}"))
    }
}

impl Replicated for Shards {
    fn append(&self, record: &Record) -> Result<Seq, JournalError> {
        let shard = shard_of(org_of(record).as_str(), self.count);
        match self.slot(shard).and_then(Slot::current) {
            Some(p) => p.append(record),
            None => Err(Shards::not_leader(shard)),
        }
    }

    fn wait_durable(&self, seq: Seq) -> BoxFuture<'_, Result<(), JournalError>> {
        let (shard, generation, n) = split(seq);
        Box::pin(async move {
            if n == 0 {
                return Ok(());
            }
            match self.slot(shard).and_then(|s| s.generation(generation)) {
                Some(p) => p.wait(n).await,
                None => Err(JournalError::Replicated(format!(
                    "shard {shard} changed leaders since this write; its outcome is unknown"
                ))),
            }
        })
    }

    fn bind(self: Arc<Self>, org: &Id) -> Log {
        let shard = shard_of(org.as_str(), self.count);
        match self.slot(shard).and_then(Slot::current) {
            Some(p) => Log::Replicated(p),
            None => Log::Replicated(Arc::new(Refusing(shard))),
        }
    }
}

/// The log of an actor started where its shard has no leadership: it
/// refuses everything.
struct Refusing(u32);

impl Replicated for Refusing {
    fn append(&self, _: &Record) -> Result<Seq, JournalError> {
        Err(Shards::not_leader(self.0))
    }
    fn wait_durable(&self, seq: Seq) -> BoxFuture<'_, Result<(), JournalError>> {
        Box::pin(async move {
            if seq & 0xFFFF_FFFF == 0 {
                Ok(())
            } else {
                Err(Shards::not_leader(self.0))
            }
        })
    }
    fn bind(self: Arc<Self>, _: &Id) -> Log {
        Log::Replicated(self)
    }
}
