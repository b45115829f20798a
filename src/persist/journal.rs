//! The write-ahead journal: every accepted change is appended here and made
//! durable with `fsync` before its answer is sent.
//!
//! Appending only copies the encoded record into a shared buffer and returns
//! its sequence number; one flusher thread writes whatever has gathered and
//! syncs it once (group commit), then publishes the highest durable sequence.
//! Callers await that number, so a thousand concurrent writes cost a handful
//! of `fsync`s, and no actor ever waits on the disk.
//!
//! On disk the journal is a series of segments `journal-<n>.log`, each a
//! header then frames `len: u32 | crc32: u32 | seq: u64 | body`, where the
//! checksum covers `seq` and `body` and `body` is one bincode [`Record`].
//!
//! After each flush the flusher checks, with one `stat`, that the segment's
//! path still names the file it wrote: an open file stays writable after
//! its folder is removed or replaced, so only then is a record durable where
//! the next start will look. If not, nothing more is acknowledged.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::Instant;

use tokio::sync::{oneshot, watch};

use super::codec::{self, CodecError, HEADER_LEN, JOURNAL_MAGIC};
pub(crate) use super::segment::{frame_at, valid_frame_after};
pub use super::segment::{read_segment, SegmentError, SegmentRead};
use super::{Record, Seq};

/// Bytes before a frame's body: length, checksum, sequence.
pub const FRAME_HEADER: usize = 16;
/// No single record may claim more than this (a damaged length is caught
/// before allocating for it).
pub const MAX_RECORD: usize = 64 << 20;

/// Why the journal did not take or keep a record. Cloned to every caller
/// waiting on the same failure.
#[derive(Clone, Debug, thiserror::Error)]
pub enum JournalError {
    #[error("journal I/O on {path}: {source}")]
    Io {
        path: PathBuf,
        source: Arc<io::Error>,
    },
    #[error("cannot encode a journal record: {0}")]
    Encode(Arc<CodecError>),
    #[error("the journal is shut down")]
    Closed,
    #[error("the journal flusher stopped")]
    FlusherStopped,
    /// The open segment is no longer the file at its path: the folder was
    /// deleted, moved, unmounted or replaced. Nothing written since can be
    /// restored from the folder, so nothing more is acknowledged.
    #[error(
        "the journal segment {path} is no longer in the snapshot folder (the folder was \
         deleted, moved or replaced): writes cannot be made durable there; the snapshot at \
         shutdown writes everything held in memory back into the folder"
    )]
    FolderGone { path: PathBuf },
    /// In a cluster: the shard's Raft log did not take or commit the
    /// record (this node does not, or no longer, lead the shard).
    #[error("{0}")]
    Replicated(String),
    #[error("journal segment {path} already exists and holds records")]
    SegmentExists { path: PathBuf },
}

impl From<CodecError> for JournalError {
    fn from(e: CodecError) -> JournalError {
        JournalError::Encode(Arc::new(e))
    }
}

fn io_error(path: &Path) -> impl Fn(io::Error) -> JournalError + '_ {
    move |source| JournalError::Io {
        path: path.to_path_buf(),
        source: Arc::new(source),
    }
}

/// Appends one frame, `len | crc32 | seq | body` (the checksum over `seq`
/// and `body`), to `out`. `len` is `body.len()`, checked by the caller.
pub(crate) fn encode_frame(out: &mut Vec<u8>, len: u32, seq: Seq, body: &[u8]) {
    let seq_bytes = seq.to_le_bytes();
    let mut crc = crc32fast::Hasher::new();
    crc.update(&seq_bytes);
    crc.update(body);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&crc.finalize().to_le_bytes());
    out.extend_from_slice(&seq_bytes);
    out.extend_from_slice(body);
}

pub fn segment_path(dir: &Path, segment: u64) -> PathBuf {
    dir.join(format!("journal-{segment:020}.log"))
}

/// The segment number of a journal file name, if it is one.
pub fn segment_of(name: &str) -> Option<u64> {
    name.strip_prefix("journal-")?
        .strip_suffix(".log")?
        .parse()
        .ok()
}

struct Pending {
    /// Encoded frames not yet written.
    buf: Vec<u8>,
    /// The sequence the next append gets.
    next_seq: Seq,
    /// The segment appends go to.
    segment: u64,
    /// A snapshot asked to start a new segment after what is in `buf`.
    rotate: Vec<oneshot::Sender<Result<Rotated, JournalError>>>,
    closing: bool,
    /// Set once the open segment is found gone from its folder: from then
    /// on nothing is appended, written or acknowledged.
    gone: Option<PathBuf>,
}

/// Where the journal continued after a rotation.
#[derive(Clone, Copy, Debug)]
pub struct Rotated {
    /// The new segment: everything appended from now on goes there.
    pub segment: u64,
    /// The sequence of the first record that can land in the new segment.
    pub next_seq: Seq,
}

/// What the flusher publishes after each flush.
#[derive(Clone, Copy)]
struct Progress {
    /// The highest sequence on disk in the folder.
    durable: Seq,
    /// The folder is gone: nothing above `durable` will ever be.
    gone: bool,
}

struct Shared {
    pending: Mutex<Pending>,
    wake: Condvar,
    progress: watch::Sender<Progress>,
    /// Seconds per flush (write + fsync), for metrics.
    on_flush: Box<dyn Fn(f64, usize) + Send + Sync>,
}

#[derive(Clone)]
pub struct Journal {
    shared: Arc<Shared>,
    progress: watch::Receiver<Progress>,
    flusher: Arc<Mutex<Option<thread::JoinHandle<()>>>>,
}

impl Journal {
    /// Starts a new segment `segment` in `dir` whose first record gets
    /// `next_seq`, and the flusher thread behind it.
    pub fn open(
        dir: &Path,
        segment: u64,
        next_seq: Seq,
        on_flush: Box<dyn Fn(f64, usize) + Send + Sync>,
    ) -> Result<Journal, JournalError> {
        let open = Segment::create(dir, segment)?;
        let (tx, rx) = watch::channel(Progress {
            durable: next_seq.saturating_sub(1),
            gone: false,
        });
        let shared = Arc::new(Shared {
            pending: Mutex::new(Pending {
                buf: Vec::with_capacity(1 << 16),
                next_seq,
                segment,
                rotate: Vec::new(),
                closing: false,
                gone: None,
            }),
            wake: Condvar::new(),
            progress: tx,
            on_flush,
        });
        let flusher = Flusher {
            shared: shared.clone(),
            dir: dir.to_path_buf(),
            open,
        };
        let handle = thread::Builder::new()
            .name("journal-flusher".into())
            .spawn(move || flusher.run())
            .map_err(io_error(dir))?;
        Ok(Journal {
            shared,
            progress: rx,
            flusher: Arc::new(Mutex::new(Some(handle))),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Pending> {
        self.shared.lock()
    }

    /// Queues `record` and returns its sequence number; it is durable once
    /// [`Journal::wait_durable`] for that number returns.
    pub fn append(&self, record: &Record) -> Result<Seq, JournalError> {
        let body = codec::encode(record)?;
        let len = u32::try_from(body.len())
            .ok()
            .filter(|&l| (l as usize) <= MAX_RECORD)
            .ok_or(CodecError::Trailing(body.len()))?;
        let mut p = self.lock();
        if let Some(path) = &p.gone {
            return Err(JournalError::FolderGone { path: path.clone() });
        }
        if p.closing {
            return Err(JournalError::Closed);
        }
        let seq = p.next_seq;
        p.next_seq += 1;
        encode_frame(&mut p.buf, len, seq, &body);
        drop(p);
        self.shared.wake.notify_one();
        Ok(seq)
    }

    pub fn is_durable(&self, seq: Seq) -> bool {
        self.progress.borrow().durable >= seq
    }

    /// The highest sequence known to be on disk.
    pub fn durable_seq(&self) -> Seq {
        self.progress.borrow().durable
    }

    /// Waits until every record up to `seq` is on disk; fails if the
    /// folder is gone first (or the journal closes).
    pub async fn wait_durable(&self, seq: Seq) -> Result<(), JournalError> {
        if self.is_durable(seq) {
            return Ok(());
        }
        let mut rx = self.progress.clone();
        let reached = rx
            .wait_for(|p| p.durable >= seq || p.gone)
            .await
            .map(|p| p.durable >= seq)
            .map_err(|_| JournalError::Closed)?;
        match (reached, self.gone()) {
            (true, _) => Ok(()),
            (false, Some(path)) => Err(JournalError::FolderGone { path }),
            (false, None) => Err(JournalError::Closed),
        }
    }

    /// The segment found gone from its folder, if that happened: the
    /// journal then takes nothing more.
    pub fn gone(&self) -> Option<PathBuf> {
        self.lock().gone.clone()
    }

    /// Where a journal started now would continue: the segment after the
    /// open one, and the sequence the next record would get. Once the
    /// journal is [`gone`](Journal::gone) nothing is appended, so this is
    /// where a snapshot of everything in memory stands.
    pub fn position(&self) -> Rotated {
        let p = self.lock();
        Rotated {
            segment: p.segment + 1,
            next_seq: p.next_seq,
        }
    }

    /// Closes the current segment after everything appended so far and
    /// continues in a new one. If the new one cannot be started, the
    /// journal goes on in the current one and nothing is left behind.
    pub async fn rotate(&self) -> Result<Rotated, JournalError> {
        let (tx, rx) = oneshot::channel();
        {
            let mut p = self.lock();
            if let Some(path) = &p.gone {
                return Err(JournalError::FolderGone { path: path.clone() });
            }
            if p.closing {
                return Err(JournalError::Closed);
            }
            p.rotate.push(tx);
        }
        self.shared.wake.notify_one();
        rx.await.map_err(|_| JournalError::FlusherStopped)?
    }

    /// Flushes what is pending and stops the flusher; later appends fail.
    pub fn close(&self) {
        self.lock().closing = true;
        self.shared.wake.notify_one();
        let handle = self
            .flusher
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(h) = handle {
            let _ = h.join();
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Pending> {
        self.pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Which file a path names: device and inode, so a file deleted, moved or
/// replaced under the same name is told apart from the one still open.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct FileId(u64, u64);

impl FileId {
    #[cfg(unix)]
    fn of(meta: &fs::Metadata) -> FileId {
        use std::os::unix::fs::MetadataExt;
        FileId(meta.dev(), meta.ino())
    }

    #[cfg(not(unix))]
    fn of(_: &fs::Metadata) -> FileId {
        FileId(0, 0)
    }
}

/// The segment the flusher writes to.
struct Segment {
    number: u64,
    path: PathBuf,
    file: File,
    id: FileId,
}

impl Segment {
    /// Starts segment `number` in `dir`, all or nothing: if any step fails,
    /// the file it created is removed, so no empty segment is left to
    /// block the next attempt or confuse a restart. A segment of that
    /// number that holds no record (left by a crash mid-creation) is
    /// reused.
    fn create(dir: &Path, number: u64) -> Result<Segment, JournalError> {
        let path = segment_path(dir, number);
        let io_err = io_error(&path);
        let file = match OpenOptions::new().create_new(true).append(true).open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                let len = fs::metadata(&path).map_err(&io_err)?.len();
                if len > HEADER_LEN as u64 {
                    return Err(JournalError::SegmentExists { path: path.clone() });
                }
                let file = OpenOptions::new()
                    .append(true)
                    .open(&path)
                    .map_err(&io_err)?;
                file.set_len(0).map_err(&io_err)?;
                file
            }
            Err(e) => return Err(io_err(e)),
        };
        let started = Self::start(dir, &path, file);
        if started.is_err() {
            let _ = fs::remove_file(&path);
            let _ = sync_dir(dir);
        }
        let (file, id) = started.map_err(io_err)?;
        Ok(Segment {
            number,
            path,
            file,
            id,
        })
    }

    fn start(dir: &Path, path: &Path, mut file: File) -> io::Result<(File, FileId)> {
        file.write_all(&codec::header(JOURNAL_MAGIC))?;
        file.sync_all()?;
        sync_dir(dir)?;
        let id = FileId::of(&fs::metadata(path)?);
        Ok((file, id))
    }

    /// Whether the segment's path still names the open file: one `stat`.
    fn in_folder(&self) -> bool {
        fs::metadata(&self.path).is_ok_and(|m| FileId::of(&m) == self.id)
    }
}

/// Makes a directory's entries (a created or renamed file) durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

struct Flusher {
    shared: Arc<Shared>,
    dir: PathBuf,
    open: Segment,
}

impl Flusher {
    fn run(mut self) {
        let mut spare = Vec::with_capacity(1 << 16);
        loop {
            let (upto, rotate, closing, gone) = {
                let mut p = self.shared.lock();
                while p.buf.is_empty() && p.rotate.is_empty() && !p.closing {
                    p = self
                        .shared
                        .wake
                        .wait(p)
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                }
                std::mem::swap(&mut p.buf, &mut spare);
                let rotate = std::mem::take(&mut p.rotate);
                (p.next_seq - 1, rotate, p.closing, p.gone.is_some())
            };
            if !spare.is_empty() && !gone {
                self.flush(&spare, upto);
            }
            spare.clear();
            for tx in rotate {
                let _ = tx.send(self.rotate(upto + 1));
            }
            if closing {
                return;
            }
        }
    }

    /// Writes and syncs `frames`, checks the segment is still in the
    /// folder, and only then publishes `upto` as durable.
    fn flush(&mut self, frames: &[u8], upto: Seq) {
        let started = Instant::now();
        let file = &mut self.open.file;
        let written = file.write_all(frames).and_then(|()| file.sync_data());
        if !self.open.in_folder() {
            self.folder_gone();
            return;
        }
        if let Err(e) = written {
            // The state in memory is ahead of the disk and cannot be
            // made durable: stop, and let the restart recover every
            // acknowledged write from the journal.
            tracing::error!(error = %e, segment = self.open.number, "journal write failed; stopping");
            std::process::abort();
        }
        (self.shared.on_flush)(started.elapsed().as_secs_f64(), frames.len());
        self.shared.progress.send_modify(|p| p.durable = upto);
    }

    /// The segment is gone from its folder: refuse every append and wake
    /// every waiter with the failure.
    fn folder_gone(&mut self) {
        let path = self.open.path.clone();
        tracing::error!(
            file = %path.display(),
            "the journal segment is gone from the snapshot folder (deleted, moved or \
             replaced); writes are refused until a restart, and the snapshot at shutdown \
             writes everything in memory back into the folder"
        );
        let mut p = self.shared.lock();
        p.gone = Some(path);
        p.buf.clear();
        drop(p);
        self.shared.progress.send_modify(|p| p.gone = true);
    }

    /// Starts the next segment; first checks (as every flush does) that
    /// the open one is still in the folder, so a snapshot of an idle
    /// server also finds a folder that is gone.
    fn rotate(&mut self, next_seq: Seq) -> Result<Rotated, JournalError> {
        if self.shared.lock().gone.is_none() && !self.open.in_folder() {
            self.folder_gone();
        }
        if let Some(path) = self.shared.lock().gone.clone() {
            return Err(JournalError::FolderGone { path });
        }
        let number = self.open.number + 1;
        self.open = Segment::create(&self.dir, number)?;
        self.shared.lock().segment = number;
        Ok(Rotated {
            segment: number,
            next_seq,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::domain::{Id, OrgKind};

    fn created(org: &str) -> Record {
        Record::OrgCreated {
            org: Id::parse(org).unwrap(),
            kind: OrgKind::Team,
        }
    }

    #[tokio::test]
    async fn once_the_folder_is_gone_nothing_more_is_acknowledged() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("data");
        fs::create_dir(&dir).unwrap();
        let journal = Journal::open(&dir, 0, 1, Box::new(|_, _| {})).unwrap();
        let first = journal.append(&created("a")).unwrap();
        journal.wait_durable(first).await.unwrap();

        fs::remove_dir_all(&dir).unwrap();
        let second = journal.append(&created("b")).unwrap();
        let refused = journal.wait_durable(second).await.unwrap_err();
        assert!(
            matches!(refused, JournalError::FolderGone { .. }),
            "{refused}"
        );
        assert_eq!(journal.durable_seq(), first);
        let later = journal.append(&created("c")).unwrap_err();
        assert!(matches!(later, JournalError::FolderGone { .. }), "{later}");
        assert!(journal.rotate().await.is_err());
        assert_eq!(journal.position().next_seq, second + 1);
        journal.close();
    }

    #[test]
    fn a_roll_onto_an_empty_leftover_segment_reuses_it_and_one_with_records_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::write(segment_path(d, 3), b"").unwrap();
        Segment::create(d, 3).unwrap();
        assert_eq!(
            fs::read(segment_path(d, 3)).unwrap(),
            codec::header(JOURNAL_MAGIC)
        );

        let journal = Journal::open(d, 4, 1, Box::new(|_, _| {})).unwrap();
        journal.append(&created("a")).unwrap();
        journal.close();
        let refused = Segment::create(d, 4).err().unwrap();
        assert!(
            matches!(refused, JournalError::SegmentExists { .. }),
            "{refused}"
        );
    }
}
