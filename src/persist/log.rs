//! Where an actor hands a record to be made durable: the local journal of a
//! one-process server, or, in a cluster, the shard's Raft log
//! ([`Replicated`], implemented by `cluster`). Actors see one interface:
//! `append` answers a sequence number at once, and a read or an answer
//! waits for `wait_durable` of it.

use std::path::PathBuf;
use std::sync::Arc;

use futures_util::future::BoxFuture;

use super::journal::Rotated;
use super::{Journal, JournalError, Record, Seq};
use crate::domain::Id;

/// A log whose records are durable once a majority of a shard's replicas
/// hold them.
pub trait Replicated: Send + Sync + 'static {
    /// Queues `record`; its sequence is durable once `wait_durable` says so.
    fn append(&self, record: &Record) -> Result<Seq, JournalError>;
    /// Waits until `seq` (and everything before it) is committed.
    fn wait_durable(&self, seq: Seq) -> BoxFuture<'_, Result<(), JournalError>>;
    /// The log an actor of `org` starts with: it stays with that actor, so
    /// an actor left over from an earlier leadership never writes into a
    /// later one's log.
    fn bind(self: Arc<Self>, org: &Id) -> Log;
}

#[derive(Clone)]
pub enum Log {
    Local(Journal),
    Replicated(Arc<dyn Replicated>),
}

impl From<Journal> for Log {
    fn from(j: Journal) -> Log {
        Log::Local(j)
    }
}

impl Log {
    pub fn append(&self, record: &Record) -> Result<Seq, JournalError> {
        match self {
            Log::Local(j) => j.append(record),
            Log::Replicated(r) => r.append(record),
        }
    }

    pub async fn wait_durable(&self, seq: Seq) -> Result<(), JournalError> {
        match self {
            Log::Local(j) => j.wait_durable(seq).await,
            Log::Replicated(r) => r.wait_durable(seq).await,
        }
    }

    /// The log a new actor of `org` writes to.
    pub fn bind(&self, org: &Id) -> Log {
        match self {
            Log::Local(_) => self.clone(),
            Log::Replicated(r) => r.clone().bind(org),
        }
    }

    /// The local journal's folder, if it is gone (never, in a cluster).
    pub fn gone(&self) -> Option<PathBuf> {
        match self {
            Log::Local(j) => j.gone(),
            Log::Replicated(_) => None,
        }
    }

    /// See [`Journal::position`]; a cluster's snapshots are Raft's own.
    pub fn position(&self) -> Rotated {
        match self {
            Log::Local(j) => j.position(),
            Log::Replicated(_) => Rotated {
                segment: 0,
                next_seq: 0,
            },
        }
    }

    /// See [`Journal::rotate`]; a cluster's snapshots are Raft's own.
    pub async fn rotate(&self) -> Result<Rotated, JournalError> {
        match self {
            Log::Local(j) => j.rotate().await,
            Log::Replicated(_) => Err(JournalError::Replicated(
                "a cluster node's snapshots are taken by Raft, per shard".into(),
            )),
        }
    }

    pub fn close(&self) {
        if let Log::Local(j) = self {
            j.close();
        }
    }
}
