//! One shard's Raft log on disk, in the journal's frame format.
//!
//! The file `raft.log` in the shard's folder is a header (`GHRAFTLG`,
//! format version one) then frames `len | crc32 | seq | body`, exactly the journal's frames
//! (the checksum covers `seq` and `body`), where `seq` numbers the frames
//! and each `body` is one bincode [`Op`]: the vote, a batch of entries, a
//! truncation or a purge. Reading the file back replays the ops in order.
//!
//! Every write is one frame, written and `fdatasync`ed before the call
//! returns, so openraft's flush callback (and its answer to the leader) is
//! only ever sent for entries on disk, and the vote is on disk before the
//! node acts on it. Writes are serialized: openraft calls them one at a
//! time through `&mut self`, and the file is behind one lock.
//!
//! A torn last frame (a crash in the middle of a write, which therefore was
//! never acknowledged) is cut off at open; damage anywhere else stops the
//! start. When purges leave most of the file dead, it is rewritten (a
//! temporary file, `fsync`, rename, `fsync` of the folder) with only what is
//! live.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::ops::RangeBounds;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use openraft::storage::{LogFlushed, LogState, RaftLogStorage};
use openraft::{OptionalSend, RaftLogReader, StorageIOError};
use serde::{Deserialize, Serialize};

use super::types::{Entry, LogId, StorageError, TypeConfig, Vote};
use crate::persist::codec::{self, HEADER_LEN};
use crate::persist::journal::{encode_frame, frame_at, sync_dir, valid_frame_after, MAX_RECORD};

pub const LOG_MAGIC: [u8; 8] = *b"GHRAFTLG";
const FILE: &str = "raft.log";
/// The file is rewritten when it is at least this large and more than half
/// of it is purged entries.
const COMPACT_AT: u64 = 8 << 20;

/// One write to the log, as a frame's body.
#[derive(Debug, Serialize, Deserialize)]
enum Op {
    Vote(Vote),
    Entries(Vec<Entry>),
    /// Deletes entries from this index on.
    Truncate(u64),
    /// Deletes entries up to and including this id.
    Purge(LogId),
}

#[derive(Debug, thiserror::Error)]
pub enum LogFileError {
    #[error("cannot {action} the Raft log {}: {source}", .path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    #[error("the Raft log {} is damaged: {why}", .path.display())]
    Damaged { path: PathBuf, why: String },
}

/// What the log holds, in memory; the file is its history.
#[derive(Default)]
struct Held {
    vote: Option<Vote>,
    entries: BTreeMap<u64, Entry>,
    last_purged: Option<LogId>,
}

struct Inner {
    held: Held,
    file: File,
    /// The next frame's sequence number.
    next_seq: u64,
    /// The file's size.
    size: u64,
    /// Bytes of frames that only held entries purged since.
    dead: u64,
}

/// The log of one shard; clones share it (the reader handed to openraft's
/// replication tasks is a clone).
#[derive(Clone)]
pub struct LogStore {
    dir: PathBuf,
    inner: Arc<Mutex<Inner>>,
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> LogFileError + 'a {
    move |source| LogFileError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

fn storage(e: impl std::error::Error + 'static) -> StorageError {
    StorageIOError::write_logs(&e).into()
}

impl LogStore {
    /// Opens (or creates) the log in `dir`, cutting off a torn last frame.
    pub fn open(dir: &Path) -> Result<LogStore, LogFileError> {
        fs::create_dir_all(dir).map_err(io("create", dir))?;
        let path = dir.join(FILE);
        let (held, next_seq, size) = match fs::read(&path) {
            Ok(bytes) => read_file(&path, &bytes)?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let (size, frames) = write_new(dir, &Held::default())?;
                (Held::default(), frames + 1, size)
            }
            Err(e) => return Err(io("read", &path)(e)),
        };
        let file = OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(io("open", &path))?;
        file.set_len(size).map_err(io("truncate", &path))?;
        Ok(LogStore {
            dir: dir.to_path_buf(),
            inner: Arc::new(Mutex::new(Inner {
                held,
                file,
                next_seq,
                size,
                dead: 0,
            })),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes one op and syncs it; the in-memory change follows only once
    /// it is on disk.
    fn write(&self, op: Op) -> Result<(), StorageError> {
        let body = codec::encode(&op).map_err(storage)?;
        let len = u32::try_from(body.len())
            .ok()
            .filter(|&l| (l as usize) <= MAX_RECORD)
            .ok_or_else(|| storage(io::Error::other("a Raft log write is too large")))?;
        let mut inner = self.lock();
        let mut frame = Vec::with_capacity(body.len() + 16);
        encode_frame(&mut frame, len, inner.next_seq, &body);
        let file = &mut inner.file;
        // A blocking write and sync, on the Raft runtime's own threads: the
        // next write must wait for this one anyway.
        tokio::task::block_in_place(|| file.write_all(&frame).and_then(|()| file.sync_data()))
            .map_err(storage)?;
        inner.next_seq += 1;
        inner.size += frame.len() as u64;
        let freed = replay(&mut inner.held, op);
        inner.dead += freed;
        if inner.size >= COMPACT_AT && inner.dead * 2 > inner.size {
            self.compact(&mut inner).map_err(storage)?;
        }
        Ok(())
    }

    /// Rewrites the file with only what is live.
    fn compact(&self, inner: &mut Inner) -> Result<(), LogFileError> {
        let (size, frames) = tokio::task::block_in_place(|| write_new(&self.dir, &inner.held))?;
        let path = self.dir.join(FILE);
        inner.file = OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(io("open", &path))?;
        inner.size = size;
        inner.dead = 0;
        inner.next_seq = frames + 1;
        Ok(())
    }

    fn entries<RB: RangeBounds<u64>>(&self, range: RB) -> Vec<Entry> {
        let inner = self.lock();
        inner
            .held
            .entries
            .range(range)
            .map(|(_, e)| e.clone())
            .collect()
    }
}

/// Writes a log file holding `held` as its first frames (vote, purge,
/// entries) under a temporary name, syncs it and renames it into place.
/// Returns its size and how many frames it holds.
fn write_new(dir: &Path, held: &Held) -> Result<(u64, u64), LogFileError> {
    let path = dir.join(FILE);
    let tmp = dir.join("raft.log.tmp");
    let mut bytes = codec::header(LOG_MAGIC).to_vec();
    let entries: Vec<Entry> = held.entries.values().cloned().collect();
    let ops = [
        held.vote.map(Op::Vote),
        held.last_purged.map(Op::Purge),
        Some(Op::Entries(entries)),
    ];
    let mut frames = 0;
    for (seq, op) in (1..).zip(ops.iter().flatten()) {
        frames = seq;
        let body = codec::encode(op).map_err(|e| LogFileError::Damaged {
            path: path.clone(),
            why: e.to_string(),
        })?;
        encode_frame(&mut bytes, body.len() as u32, seq, &body);
    }
    let mut file = File::create(&tmp).map_err(io("create", &tmp))?;
    file.write_all(&bytes)
        .and_then(|()| file.sync_all())
        .map_err(io("write", &tmp))?;
    fs::rename(&tmp, &path).map_err(io("rename", &tmp))?;
    sync_dir(dir).map_err(io("sync", dir))?;
    Ok((bytes.len() as u64, frames))
}

/// Replays a log file: what it holds, the next frame's sequence and where
/// the good frames end (a torn last frame starts there).
fn read_file(path: &Path, bytes: &[u8]) -> Result<(Held, u64, u64), LogFileError> {
    let damaged = |why: String| LogFileError::Damaged {
        path: path.to_path_buf(),
        why,
    };
    codec::check_header(bytes, LOG_MAGIC).map_err(|e| damaged(e.to_string()))?;
    let mut held = Held::default();
    let mut at = HEADER_LEN;
    let mut last_seq = 0;
    while at < bytes.len() {
        let Some((seq, body, end)) = frame_at(bytes, at) else {
            if let Some(next) = valid_frame_after(bytes, at, last_seq) {
                return Err(damaged(format!(
                    "the frame at byte {at} is damaged and a valid one follows at byte {next}"
                )));
            }
            tracing::warn!(file = %path.display(), at, "dropping a torn last Raft log write");
            break;
        };
        let op: Op = codec::decode(body)
            .map_err(|e| damaged(format!("the frame at byte {at} does not decode: {e}")))?;
        replay(&mut held, op);
        last_seq = seq;
        at = end;
    }
    Ok((held, last_seq + 1, at as u64))
}

/// Applies one op to what the log holds; answers how many bytes of frames
/// it made dead (an estimate: entries purged count their encoded size).
fn replay(held: &mut Held, op: Op) -> u64 {
    match op {
        Op::Vote(v) => {
            held.vote = Some(v);
            0
        }
        Op::Entries(entries) => {
            for e in entries {
                held.entries.insert(e.log_id.index, e);
            }
            0
        }
        Op::Truncate(from) => {
            held.entries.split_off(&from);
            0
        }
        Op::Purge(id) => {
            let kept = held.entries.split_off(&(id.index + 1));
            let gone = std::mem::replace(&mut held.entries, kept);
            held.last_purged = Some(id);
            gone.values()
                .map(|e| codec::encode(e).map_or(0, |b| b.len() as u64 + 16))
                .sum()
        }
    }
}

impl RaftLogReader<TypeConfig> for LogStore {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + OptionalSend>(
        &mut self,
        range: RB,
    ) -> Result<Vec<Entry>, StorageError> {
        Ok(self.entries(range))
    }
}

impl RaftLogStorage<TypeConfig> for LogStore {
    type LogReader = LogStore;

    async fn get_log_state(&mut self) -> Result<LogState<TypeConfig>, StorageError> {
        let inner = self.lock();
        let last_purged_log_id = inner.held.last_purged;
        let last_log_id = inner
            .held
            .entries
            .values()
            .next_back()
            .map(|e| e.log_id)
            .or(last_purged_log_id);
        Ok(LogState {
            last_purged_log_id,
            last_log_id,
        })
    }

    async fn get_log_reader(&mut self) -> LogStore {
        self.clone()
    }

    async fn save_vote(&mut self, vote: &Vote) -> Result<(), StorageError> {
        self.write(Op::Vote(*vote))
    }

    async fn read_vote(&mut self) -> Result<Option<Vote>, StorageError> {
        Ok(self.lock().held.vote)
    }

    async fn append<I>(
        &mut self,
        entries: I,
        callback: LogFlushed<TypeConfig>,
    ) -> Result<(), StorageError>
    where
        I: IntoIterator<Item = Entry> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        let result = self.write(Op::Entries(entries.into_iter().collect()));
        // Only after the sync: openraft answers the leader on this.
        callback.log_io_completed(
            result
                .as_ref()
                .map(|_| ())
                .map_err(|e| io::Error::other(e.to_string())),
        );
        result
    }

    async fn truncate(&mut self, log_id: LogId) -> Result<(), StorageError> {
        self.write(Op::Truncate(log_id.index))
    }

    async fn purge(&mut self, log_id: LogId) -> Result<(), StorageError> {
        self.write(Op::Purge(log_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openraft::{CommittedLeaderId, EntryPayload};

    use crate::cluster::types::Batch;

    fn entry(term: u64, index: u64) -> Entry {
        Entry {
            log_id: LogId::new(CommittedLeaderId::new(term, 1), index),
            payload: EntryPayload::Normal(Batch::default()),
        }
    }

    fn indexes(store: &LogStore) -> Vec<u64> {
        store.entries(..).iter().map(|e| e.log_id.index).collect()
    }

    /// What was written comes back after a reopen: the vote, the entries
    /// after a truncation and a purge, and the purge itself.
    #[test]
    fn the_log_reopens_as_it_was_written() {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let dir = tempfile::tempdir().unwrap();
        rt.block_on(async {
            let mut store = LogStore::open(dir.path()).unwrap();
            store.save_vote(&Vote::new(3, 2)).await.unwrap();
            store
                .write(Op::Entries((1..=10).map(|i| entry(1, i)).collect()))
                .unwrap();
            store.truncate(entry(1, 8).log_id).await.unwrap();
            store.purge(entry(1, 3).log_id).await.unwrap();
            assert_eq!(indexes(&store), vec![4, 5, 6, 7]);
        });
        rt.block_on(async {
            let mut store = LogStore::open(dir.path()).unwrap();
            assert_eq!(store.read_vote().await.unwrap(), Some(Vote::new(3, 2)));
            assert_eq!(indexes(&store), vec![4, 5, 6, 7]);
            let state = store.get_log_state().await.unwrap();
            assert_eq!(state.last_purged_log_id, Some(entry(1, 3).log_id));
            assert_eq!(state.last_log_id, Some(entry(1, 7).log_id));
        });
    }

    /// A torn last write (never acknowledged: the callback follows the
    /// sync) is cut off at open; damage before a good frame stops it.
    #[test]
    fn a_torn_last_write_is_dropped_and_damage_before_a_good_one_is_refused() {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        rt.block_on(async {
            let store = LogStore::open(dir.path()).unwrap();
            store.write(Op::Entries(vec![entry(1, 1)])).unwrap();
            store.write(Op::Entries(vec![entry(1, 2)])).unwrap();
        });
        let whole = fs::read(&path).unwrap();
        fs::write(&path, &whole[..whole.len() - 3]).unwrap();
        rt.block_on(async {
            let store = LogStore::open(dir.path()).unwrap();
            assert_eq!(indexes(&store), vec![1]);
            store.write(Op::Entries(vec![entry(1, 2)])).unwrap();
        });
        let reopened = LogStore::open(dir.path()).unwrap();
        assert_eq!(indexes(&reopened), vec![1, 2]);
        let mut damaged = fs::read(&path).unwrap();
        damaged[HEADER_LEN + 20] ^= 0xFF;
        fs::write(&path, &damaged).unwrap();
        let err = LogStore::open(dir.path()).err().unwrap().to_string();
        assert!(
            err.contains("is damaged") && err.contains("a valid one follows"),
            "{err}"
        );
    }

    struct Builder;

    impl
        openraft::testing::StoreBuilder<
            TypeConfig,
            LogStore,
            super::super::machine::Machine,
            tempfile::TempDir,
        > for Builder
    {
        async fn build(
            &self,
        ) -> Result<(tempfile::TempDir, LogStore, super::super::machine::Machine), StorageError>
        {
            let dir = tempfile::tempdir().unwrap();
            let log = LogStore::open(dir.path()).unwrap();
            let machine = super::super::machine::Machine::open(dir.path()).unwrap();
            Ok((dir, log, machine))
        }
    }

    /// openraft's own conformance suite for log storage and state machines.
    #[test]
    fn the_log_and_state_machine_pass_openraft_s_storage_suite() {
        openraft::testing::Suite::test_all(Builder).unwrap();
    }
}
