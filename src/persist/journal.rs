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

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::Instant;

use tokio::sync::{oneshot, watch};

use super::codec::{self, CodecError, HEADER_LEN, JOURNAL_MAGIC};
use super::{Record, Seq};

/// Bytes before a frame's body: length, checksum, sequence.
pub const FRAME_HEADER: usize = 16;
/// No single record may claim more than this (a damaged length is caught
/// before allocating for it).
pub const MAX_RECORD: usize = 64 << 20;

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("journal I/O on {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("cannot encode a journal record: {0}")]
    Encode(#[from] CodecError),
    #[error("the journal is shut down")]
    Closed,
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
    /// A snapshot asked to start a new segment after what is in `buf`.
    rotate: Vec<oneshot::Sender<Result<Rotated, String>>>,
    closing: bool,
}

/// Where the journal continued after a rotation.
#[derive(Clone, Copy, Debug)]
pub struct Rotated {
    /// The new segment: everything appended from now on goes there.
    pub segment: u64,
    /// The sequence of the first record that can land in the new segment.
    pub next_seq: Seq,
}

struct Shared {
    pending: Mutex<Pending>,
    wake: Condvar,
    durable: watch::Sender<Seq>,
    /// Seconds per flush (write + fsync), for metrics.
    on_flush: Box<dyn Fn(f64, usize) + Send + Sync>,
}

#[derive(Clone)]
pub struct Journal {
    shared: Arc<Shared>,
    durable: watch::Receiver<Seq>,
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
        let file = create_segment(dir, segment)?;
        let (tx, rx) = watch::channel(next_seq.saturating_sub(1));
        let shared = Arc::new(Shared {
            pending: Mutex::new(Pending {
                buf: Vec::with_capacity(1 << 16),
                next_seq,
                rotate: Vec::new(),
                closing: false,
            }),
            wake: Condvar::new(),
            durable: tx,
            on_flush,
        });
        let flusher = Flusher {
            shared: shared.clone(),
            dir: dir.to_path_buf(),
            segment,
            file,
        };
        let handle = thread::Builder::new()
            .name("journal-flusher".into())
            .spawn(move || flusher.run())
            .map_err(|source| JournalError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        Ok(Journal {
            shared,
            durable: rx,
            flusher: Arc::new(Mutex::new(Some(handle))),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Pending> {
        self.shared
            .pending
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
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
        if p.closing {
            return Err(JournalError::Closed);
        }
        let seq = p.next_seq;
        p.next_seq += 1;
        let seq_bytes = seq.to_le_bytes();
        let mut crc = crc32fast::Hasher::new();
        crc.update(&seq_bytes);
        crc.update(&body);
        p.buf.extend_from_slice(&len.to_le_bytes());
        p.buf.extend_from_slice(&crc.finalize().to_le_bytes());
        p.buf.extend_from_slice(&seq_bytes);
        p.buf.extend_from_slice(&body);
        drop(p);
        self.shared.wake.notify_one();
        Ok(seq)
    }

    pub fn is_durable(&self, seq: Seq) -> bool {
        *self.durable.borrow() >= seq
    }

    /// The highest sequence known to be on disk.
    pub fn durable_seq(&self) -> Seq {
        *self.durable.borrow()
    }

    /// Waits until every record up to `seq` is on disk.
    pub async fn wait_durable(&self, seq: Seq) -> Result<(), JournalError> {
        if self.is_durable(seq) {
            return Ok(());
        }
        let mut rx = self.durable.clone();
        rx.wait_for(|&d| d >= seq)
            .await
            .map(drop)
            .map_err(|_| JournalError::Closed)
    }

    /// Closes the current segment after everything appended so far and
    /// continues in a new one.
    pub async fn rotate(&self) -> Result<Rotated, String> {
        let (tx, rx) = oneshot::channel();
        {
            let mut p = self.lock();
            if p.closing {
                return Err("the journal is shut down".into());
            }
            p.rotate.push(tx);
        }
        self.shared.wake.notify_one();
        rx.await
            .map_err(|_| "the journal flusher stopped".to_string())?
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

fn create_segment(dir: &Path, segment: u64) -> Result<File, JournalError> {
    let path = segment_path(dir, segment);
    let io_err = |source| JournalError::Io {
        path: path.clone(),
        source,
    };
    let mut file = OpenOptions::new()
        .create_new(true)
        .append(true)
        .open(&path)
        .map_err(io_err)?;
    file.write_all(&codec::header(JOURNAL_MAGIC))
        .map_err(io_err)?;
    file.sync_all().map_err(io_err)?;
    sync_dir(dir).map_err(|source| JournalError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    Ok(file)
}

/// Makes a directory's entries (a created or renamed file) durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

struct Flusher {
    shared: Arc<Shared>,
    dir: PathBuf,
    segment: u64,
    file: File,
}

impl Flusher {
    fn run(mut self) {
        let mut spare = Vec::with_capacity(1 << 16);
        loop {
            let (upto, rotate, closing) = {
                let mut p = self
                    .shared
                    .pending
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                while p.buf.is_empty() && p.rotate.is_empty() && !p.closing {
                    p = self
                        .shared
                        .wake
                        .wait(p)
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                }
                std::mem::swap(&mut p.buf, &mut spare);
                (p.next_seq - 1, std::mem::take(&mut p.rotate), p.closing)
            };
            if !spare.is_empty() {
                let started = Instant::now();
                let written = self
                    .file
                    .write_all(&spare)
                    .and_then(|()| self.file.sync_data());
                if let Err(e) = written {
                    // The state in memory is ahead of the disk and cannot be
                    // made durable: stop, and let the restart recover every
                    // acknowledged write from the journal.
                    tracing::error!(error = %e, segment = self.segment, "journal write failed; stopping");
                    std::process::abort();
                }
                (self.shared.on_flush)(started.elapsed().as_secs_f64(), spare.len());
                spare.clear();
                self.shared.durable.send_replace(upto);
            }
            if !rotate.is_empty() {
                let answer = self.rotate(upto + 1);
                for tx in rotate {
                    let _ = tx.send(answer.clone());
                }
            }
            if closing {
                return;
            }
        }
    }

    fn rotate(&mut self, next_seq: Seq) -> Result<Rotated, String> {
        let segment = self.segment + 1;
        let file = create_segment(&self.dir, segment).map_err(|e| e.to_string())?;
        self.file = file;
        self.segment = segment;
        Ok(Rotated { segment, next_seq })
    }
}

/// What reading one segment found.
#[derive(Debug)]
pub struct SegmentRead {
    pub records: Vec<(Seq, Record)>,
    /// Where a torn last frame starts (a crash mid-append), if there is one.
    pub torn_at: Option<u64>,
}

/// Reads a segment whose first record has a sequence of at least
/// `first_seq`. A torn last frame is reported in `torn_at`; any other damage
/// is an error naming the offset.
///
/// A frame that is cut short or fails its checksum is a torn tail only if no
/// valid frame follows it: a crash leaves a prefix of what was being
/// written, never good records after bad bytes. Damage to a frame's length
/// looks like a cut-short frame, and a damaged block can cover many frames,
/// so before calling anything torn the rest of the file is searched for any
/// whole frame with a good checksum and a sequence that could follow.
pub fn read_segment(path: &Path, first_seq: Seq) -> Result<SegmentRead, String> {
    let bytes = fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() < HEADER_LEN {
        // Created but its header never fully reached the disk.
        return Ok(SegmentRead {
            records: Vec::new(),
            torn_at: Some(0),
        });
    }
    codec::check_header(&bytes, JOURNAL_MAGIC)?;
    let mut records: Vec<(Seq, Record)> = Vec::new();
    let mut at = HEADER_LEN;
    while at < bytes.len() {
        let Some((seq, body, end)) = frame_at(&bytes, at) else {
            let after = records
                .last()
                .map_or(first_seq.saturating_sub(1), |(s, _)| *s);
            if let Some(next) = valid_frame_after(&bytes, at, after) {
                return Err(format!(
                    "the record at byte {at} is damaged (bad length or checksum) and a valid \
                     record follows it at byte {next}"
                ));
            }
            return Ok(SegmentRead {
                records,
                torn_at: Some(at as u64),
            });
        };
        let record = codec::decode::<Record>(body)
            .map_err(|e| format!("record at byte {at} does not decode: {e}"))?;
        records.push((seq, record));
        at = end;
    }
    Ok(SegmentRead {
        records,
        torn_at: None,
    })
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let b: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(b))
}

fn read_u64(bytes: &[u8], at: usize) -> Option<u64> {
    let b: [u8; 8] = bytes.get(at..at.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_le_bytes(b))
}

/// The frame starting at `at` if it is whole and its checksum holds: its
/// sequence, body and where the next frame starts.
fn frame_at(bytes: &[u8], at: usize) -> Option<(Seq, &[u8], usize)> {
    let len = read_u32(bytes, at)? as usize;
    let crc = read_u32(bytes, at + 4)?;
    if len > MAX_RECORD {
        return None;
    }
    let end = at.checked_add(FRAME_HEADER)?.checked_add(len)?;
    let payload = bytes.get(at + 8..end)?;
    if crc32fast::hash(payload) != crc {
        return None;
    }
    let seq = read_u64(bytes, at + 8)?;
    Some((seq, payload.get(8..)?, end))
}

/// Where a valid frame starts after the bad one at `bad`, if one does: a
/// whole frame with a good checksum whose sequence is above `after` (the
/// last good one) and no further above it than the frames the rest of the
/// file could hold. The sequence test is cheap and rules out almost every
/// offset, so the checksum is computed rarely.
fn valid_frame_after(bytes: &[u8], bad: usize, after: Seq) -> Option<usize> {
    let rest = bytes.len().saturating_sub(bad) as u64;
    let highest = after.saturating_add(rest / FRAME_HEADER as u64 + 1);
    (bad + 1..bytes.len().saturating_sub(FRAME_HEADER - 1)).find(|&start| {
        read_u64(bytes, start + 8).is_some_and(|seq| seq > after && seq <= highest)
            && frame_at(bytes, start).is_some()
    })
}
