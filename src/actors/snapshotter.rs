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

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use futures_util::future::join_all;

use crate::persist::snapshot::{self, Captured, CapturedOrg};

use super::{CaptureOrg, Registry};

/// Orgs captured concurrently during a snapshot: enough that a snapshot
/// takes few rounds, few enough that a check queued behind one round waits
/// only for its encoding (about a millisecond at 10 events an org).
const CAPTURE_AT_ONCE: usize = 64;

/// Captures every org and event (step 2 above), sorted by id, once all of
/// it is durable (step 3); answers the orgs and the newest position.
async fn capture(registry: &Registry) -> Result<Vec<CapturedOrg>, String> {
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
            let (org, seq) = result.map_err(|e| format!("org {id} did not answer: {e}"))??;
            newest = newest.max(seq);
            out.push(org);
        }
    }
    registry
        .journal()
        .wait_durable(newest)
        .await
        .map_err(|e| e.to_string())?;
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
    pub async fn take(&self, registry: &Registry) -> Result<Taken, String> {
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
}

async fn take(registry: &Registry, dir: &Path) -> Result<Taken, String> {
    let started = Instant::now();
    let rotated = registry.journal().rotate().await?;
    let orgs = capture(registry).await?;
    let capture_seconds = started.elapsed().as_secs_f64();
    let taken_at_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let snap = Captured {
        taken_at_ms,
        segment: rotated.segment,
        next_seq: rotated.next_seq,
        orgs,
    };
    let dir = dir.to_path_buf();
    let written = Instant::now();
    let (file, bytes) = tokio::task::spawn_blocking(move || {
        let out = snapshot::write_captured(&dir, &snap)?;
        snapshot::prune(&dir, snap.segment);
        Ok::<_, String>(out)
    })
    .await
    .map_err(|e| format!("the snapshot writer stopped: {e}"))??;
    Ok(Taken {
        file,
        bytes,
        capture_seconds,
        write_seconds: written.elapsed().as_secs_f64(),
    })
}
