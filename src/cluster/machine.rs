//! One shard's Raft state machine: the shard's state as plain data
//! ([`State`], what snapshots hold and restore replays into), changed only
//! by committed entries, in log order, on every replica.
//!
//! Applying is deterministic: each record is replayed exactly as restore
//! replays the journal, with a sequence made of the entry's index and the
//! record's place in it, and nothing else (no clock, no random id) is read.
//! The leader's actors are built from this state when it takes the lead
//! (see `docs/CLUSTER.md`), so they start from exactly what was committed.
//!
//! A snapshot is today's snapshot file (`persist::snapshot`, bincode through
//! `persist::codec`) of the shard's state. The newest one is kept in
//! `raft-snapshot.bin` in the shard's folder with its Raft metadata, written
//! atomically, and loaded at start.

use std::fs;
use std::io::{self, Cursor};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use openraft::storage::{RaftStateMachine, Snapshot as RaftSnapshot};
use openraft::{EntryPayload, RaftSnapshotBuilder, StorageIOError};
use tokio::sync::watch;

use super::types::{Entry, LogId, SnapshotMeta, StorageError, StoredMembership, TypeConfig};
use crate::persist::codec::{self, HEADER_LEN};
use crate::persist::journal::{encode_frame, frame_at, sync_dir};
use crate::persist::snapshot::{self, Snapshot};
use crate::persist::{Seq, State};

pub const SNAPSHOT_MAGIC: [u8; 8] = *b"GHRAFTSN";
const FILE: &str = "raft-snapshot.bin";
/// Records in one entry: a record's sequence is `index << 16 | place`.
pub const MAX_BATCH: usize = 1 << 16;

/// The sequence of the record at `place` in the entry at `index`.
pub fn seq_of(index: u64, place: usize) -> Seq {
    (index << 16) | place as u64
}

struct Current {
    meta: SnapshotMeta,
    /// A whole snapshot file's bytes.
    data: Vec<u8>,
}

struct Inner {
    state: State,
    applied: Option<LogId>,
    membership: StoredMembership,
    snapshot: Option<Current>,
}

/// The state machine of one shard; clones share it.
#[derive(Clone)]
pub struct Machine {
    dir: PathBuf,
    inner: Arc<Mutex<Inner>>,
    /// The index of the last applied entry.
    applied: watch::Sender<u64>,
}

fn sm_error(e: impl std::error::Error + 'static) -> StorageError {
    StorageIOError::write_state_machine(&e).into()
}

impl Machine {
    /// The shard's state from its last snapshot in `dir`, or empty.
    pub fn open(dir: &Path) -> Result<Machine, String> {
        let path = dir.join(FILE);
        let (state, current) = match fs::read(&path) {
            Ok(bytes) => {
                let (meta, data) = read_file(&bytes)
                    .map_err(|why| format!("the Raft snapshot {} {why}", path.display()))?;
                let snap = snapshot::decode_file(&data)
                    .map_err(|e| format!("the Raft snapshot {} is damaged: {e}", path.display()))?;
                (snap.state, Some(Current { meta, data }))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => (State::default(), None),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let (applied, membership) = match &current {
            Some(c) => (c.meta.last_log_id, c.meta.last_membership.clone()),
            None => (None, StoredMembership::default()),
        };
        Ok(Machine {
            dir: dir.to_path_buf(),
            applied: watch::channel(applied.map_or(0, |l| l.index)).0,
            inner: Arc::new(Mutex::new(Inner {
                state,
                applied,
                membership,
                snapshot: current,
            })),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A copy of the committed state and the last applied log id, to start
    /// the leader's actors from.
    pub fn state(&self) -> (State, Option<LogId>) {
        let inner = self.lock();
        (inner.state.clone(), inner.applied)
    }

    /// Follows the index of the last applied entry.
    pub fn applied(&self) -> watch::Receiver<u64> {
        self.applied.subscribe()
    }

    fn take_snapshot(&self) -> Result<Current, StorageError> {
        let inner = self.lock();
        let snap = Snapshot {
            taken_at_ms: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64),
            segment: 0,
            next_seq: inner.applied.map_or(0, |l| seq_of(l.index + 1, 0)),
            state: inner.state.clone(),
        };
        let meta = SnapshotMeta {
            last_log_id: inner.applied,
            last_membership: inner.membership.clone(),
            snapshot_id: format!(
                "{}-{}",
                inner.applied.map_or(0, |l| l.leader_id.term),
                inner.applied.map_or(0, |l| l.index)
            ),
        };
        drop(inner);
        let data = snapshot::encode_file(&snap).map_err(sm_error)?;
        Ok(Current { meta, data })
    }

    /// Makes `current` the snapshot on disk and in memory.
    fn keep(&self, current: Current) -> Result<(), StorageError> {
        tokio::task::block_in_place(|| write_file(&self.dir, &current.meta, &current.data))
            .map_err(sm_error)?;
        self.lock().snapshot = Some(current);
        Ok(())
    }
}

/// `GHRAFTSN` header, then one journal-style frame whose body is the
/// bincode of the metadata and the snapshot file's bytes.
fn write_file(dir: &Path, meta: &SnapshotMeta, data: &[u8]) -> io::Result<()> {
    let body = codec::encode(&(meta, data)).map_err(io::Error::other)?;
    let len = u32::try_from(body.len()).map_err(io::Error::other)?;
    let mut bytes = codec::header(SNAPSHOT_MAGIC).to_vec();
    encode_frame(&mut bytes, len, 1, &body);
    let tmp = dir.join("raft-snapshot.bin.tmp");
    let mut file = fs::File::create(&tmp)?;
    io::Write::write_all(&mut file, &bytes)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&tmp, dir.join(FILE))?;
    sync_dir(dir)
}

fn read_file(bytes: &[u8]) -> Result<(SnapshotMeta, Vec<u8>), String> {
    codec::check_header(bytes, SNAPSHOT_MAGIC).map_err(|e| e.to_string())?;
    let (_, body, _) =
        frame_at(bytes, HEADER_LEN).ok_or("is damaged (length or checksum)".to_string())?;
    codec::decode(body).map_err(|e| format!("does not decode: {e}"))
}

impl RaftSnapshotBuilder<TypeConfig> for Machine {
    async fn build_snapshot(&mut self) -> Result<RaftSnapshot<TypeConfig>, StorageError> {
        let current = self.take_snapshot()?;
        let out = RaftSnapshot {
            meta: current.meta.clone(),
            snapshot: Box::new(Cursor::new(current.data.clone())),
        };
        self.keep(current)?;
        Ok(out)
    }
}

impl RaftStateMachine<TypeConfig> for Machine {
    type SnapshotBuilder = Machine;

    async fn applied_state(&mut self) -> Result<(Option<LogId>, StoredMembership), StorageError> {
        let inner = self.lock();
        Ok((inner.applied, inner.membership.clone()))
    }

    /// One answer per entry, blank and membership entries included.
    async fn apply<I>(&mut self, entries: I) -> Result<Vec<()>, StorageError>
    where
        I: IntoIterator<Item = Entry> + openraft::OptionalSend,
        I::IntoIter: openraft::OptionalSend,
    {
        let mut answers = Vec::new();
        let mut inner = self.lock();
        for entry in entries {
            match &entry.payload {
                EntryPayload::Blank => {}
                EntryPayload::Normal(batch) => {
                    for (place, record) in batch.records.iter().enumerate() {
                        inner
                            .state
                            .replay(seq_of(entry.log_id.index, place), record);
                    }
                }
                EntryPayload::Membership(m) => {
                    inner.membership = StoredMembership::new(Some(entry.log_id), m.clone());
                }
            }
            inner.applied = Some(entry.log_id);
            answers.push(());
        }
        let index = inner.applied.map_or(0, |l| l.index);
        drop(inner);
        self.applied.send_replace(index);
        Ok(answers)
    }

    async fn get_snapshot_builder(&mut self) -> Machine {
        self.clone()
    }

    async fn begin_receiving_snapshot(&mut self) -> Result<Box<Cursor<Vec<u8>>>, StorageError> {
        Ok(Box::new(Cursor::new(Vec::new())))
    }

    async fn install_snapshot(
        &mut self,
        meta: &SnapshotMeta,
        snapshot: Box<Cursor<Vec<u8>>>,
    ) -> Result<(), StorageError> {
        let data = snapshot.into_inner();
        let snap = snapshot::decode_file(&data).map_err(sm_error)?;
        self.keep(Current {
            meta: meta.clone(),
            data,
        })?;
        let mut inner = self.lock();
        inner.state = snap.state;
        inner.applied = meta.last_log_id;
        inner.membership = meta.last_membership.clone();
        let index = inner.applied.map_or(0, |l| l.index);
        drop(inner);
        self.applied.send_replace(index);
        Ok(())
    }

    async fn get_current_snapshot(
        &mut self,
    ) -> Result<Option<RaftSnapshot<TypeConfig>>, StorageError> {
        let inner = self.lock();
        Ok(inner.snapshot.as_ref().map(|c| RaftSnapshot {
            meta: c.meta.clone(),
            snapshot: Box::new(Cursor::new(c.data.clone())),
        }))
    }
}
