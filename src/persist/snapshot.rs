//! Snapshot files: `snapshot-<segment>.bin`, a header, then
//! `body_len: u64 | crc32: u32 | body` where body is a bincode [`Snapshot`].
//! Written to a temporary file in the same folder, synced, renamed into place
//! and the folder synced: a snapshot under its final name is always whole.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::codec::{self, HEADER_LEN, SNAPSHOT_MAGIC};
use super::journal::{segment_of, segment_path, sync_dir};
use super::{Seq, State};

/// How many snapshots are kept; older ones are pruned.
pub const KEEP: usize = 3;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// When it was taken, in milliseconds since the Unix epoch.
    pub taken_at_ms: u64,
    /// Journal segments from this one on are replayed over it.
    pub segment: u64,
    /// Every record with a lower sequence is reflected in `state`.
    pub next_seq: Seq,
    pub state: State,
}

pub fn path(dir: &Path, segment: u64) -> PathBuf {
    dir.join(format!("snapshot-{segment:020}.bin"))
}

pub fn snapshot_of(name: &str) -> Option<u64> {
    name.strip_prefix("snapshot-")?
        .strip_suffix(".bin")?
        .parse()
        .ok()
}

/// Writes `snapshot` atomically; returns its path and size in bytes.
pub fn write(dir: &Path, snapshot: &Snapshot) -> Result<(PathBuf, u64), String> {
    let body = codec::encode(snapshot).map_err(|e| e.to_string())?;
    let final_path = path(dir, snapshot.segment);
    let tmp = final_path.with_extension("bin.tmp");
    let fail = |what: &str, e: std::io::Error| format!("{what} {}: {e}", tmp.display());
    let mut file = File::create(&tmp).map_err(|e| fail("cannot create", e))?;
    let mut head = Vec::with_capacity(HEADER_LEN + 12);
    head.extend_from_slice(&codec::header(SNAPSHOT_MAGIC));
    head.extend_from_slice(&(body.len() as u64).to_le_bytes());
    head.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
    file.write_all(&head)
        .and_then(|()| file.write_all(&body))
        .and_then(|()| file.sync_all())
        .map_err(|e| fail("cannot write", e))?;
    drop(file);
    fs::rename(&tmp, &final_path).map_err(|e| fail("cannot rename", e))?;
    sync_dir(dir).map_err(|e| format!("cannot sync {}: {e}", dir.display()))?;
    Ok((final_path, (head.len() + body.len()) as u64))
}

/// Reads and checks a snapshot file whole; never returns part of one.
pub fn read(path: &Path) -> Result<Snapshot, String> {
    let bytes = fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    codec::check_header(&bytes, SNAPSHOT_MAGIC)?;
    let rest = bytes.get(HEADER_LEN..).unwrap_or_default();
    let (Some(len), Some(crc)) = (rest.first_chunk::<8>(), rest.get(8..12)) else {
        return Err("the file ends inside its header".into());
    };
    let len = u64::from_le_bytes(*len);
    let body = rest.get(12..).unwrap_or_default();
    if body.len() as u64 != len {
        return Err(format!(
            "the body should be {len} bytes but {} are present (truncated or damaged)",
            body.len()
        ));
    }
    let mut c = [0u8; 4];
    c.copy_from_slice(crc);
    if crc32fast::hash(body) != u32::from_le_bytes(c) {
        return Err("checksum mismatch: the file is damaged".into());
    }
    codec::decode(body).map_err(|e| format!("the body does not decode: {e}"))
}

/// The snapshot and journal files of a folder, by number, oldest first.
pub struct Listing {
    pub snapshots: Vec<u64>,
    pub segments: Vec<u64>,
}

pub fn list(dir: &Path) -> Result<Listing, String> {
    let mut listing = Listing {
        snapshots: Vec::new(),
        segments: Vec::new(),
    };
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if let Some(n) = snapshot_of(&name) {
            listing.snapshots.push(n);
        } else if let Some(n) = segment_of(&name) {
            listing.segments.push(n);
        }
    }
    listing.snapshots.sort_unstable();
    listing.segments.sort_unstable();
    Ok(listing)
}

/// Keeps the newest [`KEEP`] snapshots and drops journal segments the newest
/// snapshot covers. Failures are logged, never fatal: pruning only saves room.
pub fn prune(dir: &Path, newest: u64) {
    let Ok(listing) = list(dir) else { return };
    let old = listing.snapshots.len().saturating_sub(KEEP);
    let stale_snapshots = listing.snapshots.iter().take(old).map(|&n| path(dir, n));
    let stale_segments = listing
        .segments
        .iter()
        .filter(|&&n| n < newest)
        .map(|&n| segment_path(dir, n));
    for p in stale_snapshots.chain(stale_segments) {
        if let Err(e) = fs::remove_file(&p) {
            tracing::warn!(file = %p.display(), error = %e, "cannot prune");
        }
    }
}
