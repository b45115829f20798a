//! Taking a snapshot while the server runs.
//!
//! 1. The journal starts a new segment: every record in older segments was
//!    applied before anything below is captured.
//! 2. Each org captures itself and its events between two of its own license
//!    changes (the org handles nothing else meanwhile); events go on taking
//!    writes and checks throughout, each paused only while it encodes itself
//!    (the bytes are the snapshot's; no copy of the state is ever made).
//! 3. The snapshot waits until every captured change is durable, then is
//!    written off the actors' threads; the segments before step 1 go.
//!
//! Restore replays the new segment over it; each entity skips the records
//! its captured state already reflects (see `persist::State::replay`).

use std::io;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use actix::MailboxError;
use futures_util::future::join_all;

use crate::domain::Id;
use crate::persist::codec::CodecError;
use crate::persist::journal::Rotated;
use crate::persist::snapshot::{self, Captured, CapturedOrg, SnapshotError};
use crate::persist::JournalError;

use super::{CaptureOrg, Registry};

/// Why a snapshot was not taken.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotFailure {
    #[error("{0}")]
    Journal(#[from] JournalError),
    #[error("org {org} did not answer: {source}")]
    OrgGone { org: Id, source: MailboxError },
    #[error("cannot encode event {org}/{event}: {source}")]
    Encode {
        org: Id,
        event: Id,
        source: CodecError,
    },
    #[error("{0}")]
    Write(#[from] SnapshotError),
    #[error("cannot recreate the snapshot folder {}: {source}", .dir.display())]
    Recreate { dir: PathBuf, source: io::Error },
    #[error("the snapshot writer stopped: {0}")]
    Writer(#[from] tokio::task::JoinError),
}

/// Orgs captured concurrently during a snapshot: enough that a snapshot
/// takes few rounds, few enough that a check queued behind one round waits
/// only for its encoding (about a millisecond at 10 events an org).
const CAPTURE_AT_ONCE: usize = 64;

/// Captures every org and event (step 2 above), sorted by id; with
/// `durable`, once all of it is on disk (step 3).
async fn capture(registry: &Registry, durable: bool) -> Result<Vec<CapturedOrg>, SnapshotFailure> {
    let mut orgs = registry.org_addrs();
    orgs.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = Vec::with_capacity(orgs.len());
    let mut newest = 0;
    // A few orgs at a time: the events encode themselves on the threads
    // that also serve checks, and a check queued behind a whole snapshot's
    // worth of encoding would wait for all of it.
    for chunk in orgs.chunks(CAPTURE_AT_ONCE) {
        let captured = join_all(chunk.iter().map(|(_, addr)| addr.send(CaptureOrg))).await;
        for ((id, _), result) in chunk.iter().zip(captured) {
            let (org, seq) = result.map_err(|source| SnapshotFailure::OrgGone {
                org: id.clone(),
                source,
            })??;
            newest = newest.max(seq);
            out.push(org);
        }
    }
    if durable {
        registry.journal().wait_durable(newest).await?;
    }
    Ok(out)
}

/// What a finished snapshot reports.
#[derive(Debug, Clone)]
pub struct Taken {
    pub file: PathBuf,
    pub bytes: u64,
    pub capture_seconds: f64,
    pub write_seconds: f64,
}

/// The snapshot folder, and the lock that lets one snapshot run at a time.
pub struct Snapshots {
    dir: PathBuf,
    running: tokio::sync::Mutex<()>,
}

impl Snapshots {
    pub fn new(dir: PathBuf) -> Snapshots {
        Snapshots {
            dir,
            running: tokio::sync::Mutex::new(()),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Takes a snapshot, after any already running.
    pub async fn take(&self, registry: &Registry) -> Result<Taken, SnapshotFailure> {
        let _one_at_a_time = self.running.lock().await;
        let started = Instant::now();
        let taken = take(registry, &self.dir).await;
        let result = if taken.is_ok() { "ok" } else { "error" };
        metrics::counter!(crate::metrics::SNAPSHOTS, "result" => result).increment(1);
        if let Ok(t) = &taken {
            metrics::histogram!(crate::metrics::SNAPSHOT_DURATION)
                .record(started.elapsed().as_secs_f64());
            metrics::gauge!(crate::metrics::SNAPSHOT_BYTES).set(t.bytes as f64);
        }
        taken
    }

    /// A snapshot of everything in memory into the folder, made again if
    /// it is gone: for a journal whose folder is gone, whose acknowledged
    /// writes then exist nowhere else.
    pub async fn take_rebuilt(&self, registry: &Registry) -> Result<Taken, SnapshotFailure> {
        let _one_at_a_time = self.running.lock().await;
        std::fs::create_dir_all(&self.dir).map_err(|source| SnapshotFailure::Recreate {
            dir: self.dir.clone(),
            source,
        })?;
        let started = Instant::now();
        // Nothing is appended any more: the position is final.
        let at = registry.journal().position();
        let orgs = capture(registry, false).await?;
        write(&self.dir, at, orgs, started).await
    }
}

async fn take(registry: &Registry, dir: &Path) -> Result<Taken, SnapshotFailure> {
    let started = Instant::now();
    let rotated = registry.journal().rotate().await?;
    let orgs = capture(registry, true).await?;
    write(dir, rotated, orgs, started).await
}

/// Writes the captured `orgs` as the snapshot at `at`, off the actors'
/// threads, and prunes what it replaces.
async fn write(
    dir: &Path,
    at: Rotated,
    orgs: Vec<CapturedOrg>,
    started: Instant,
) -> Result<Taken, SnapshotFailure> {
    let capture_seconds = started.elapsed().as_secs_f64();
    let taken_at_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let snap = Captured {
        taken_at_ms,
        segment: at.segment,
        next_seq: at.next_seq,
        orgs,
    };
    let dir = dir.to_path_buf();
    let written = Instant::now();
    let (file, bytes) = tokio::task::spawn_blocking(move || {
        let out = snapshot::write_captured(&dir, &snap)?;
        snapshot::prune(&dir, snap.segment);
        Ok::<_, SnapshotError>(out)
    })
    .await??;
    Ok(Taken {
        file,
        bytes,
        capture_seconds,
        write_seconds: written.elapsed().as_secs_f64(),
    })
}
