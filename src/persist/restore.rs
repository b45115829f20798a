//! Start-up: the newest snapshot plus the journal written after it.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

use super::journal::{read_segment, segment_path};
use super::snapshot::{self, Snapshot};
use super::{Seq, State};

/// The restored state and where the journal continues.
#[derive(Debug)]
pub struct Restored {
    pub state: State,
    /// The segment the journal opens next.
    pub next_segment: u64,
    pub next_seq: Seq,
    /// The snapshot it started from, if any.
    pub snapshot: Option<PathBuf>,
    pub replayed: usize,
    /// When `--restore` named a file: the state must be snapshotted into the
    /// folder before serving, so the folder's own journal is never replayed
    /// over it.
    pub needs_snapshot: bool,
}

/// Loads `dir`'s newest snapshot and replays the journal after it, or, with
/// `from`, loads that file alone. Any damage is an error that names the file
/// and what to do; a torn last journal record is dropped and logged.
pub fn restore(dir: &Path, from: Option<&Path>) -> Result<Restored, String> {
    let listing = snapshot::list(dir)?;
    let after_existing = listing
        .snapshots
        .iter()
        .chain(&listing.segments)
        .max()
        .map_or(0, |n| n + 1);
    if let Some(file) = from {
        let snap = snapshot::read(file)
            .map_err(|e| format!("cannot restore from {}: {e}", file.display()))?;
        let mut state = snap.state;
        state.rebuild_views();
        let next_seq = snap.next_seq.max(state.newest_seq() + 1);
        return Ok(Restored {
            state,
            next_segment: after_existing,
            next_seq,
            snapshot: Some(file.to_path_buf()),
            replayed: 0,
            needs_snapshot: true,
        });
    }
    let (mut state, from_segment, mut next_seq, used) = match listing.snapshots.last() {
        Some(&n) => {
            let path = snapshot::path(dir, n);
            let snap: Snapshot = snapshot::read(&path).map_err(|e| {
                format!(
                    "snapshot {} is damaged: {e}. Nothing was loaded. Move it out of the \
                     folder to start from the previous snapshot (writes since then are lost), \
                     or restore the file from a backup.",
                    path.display()
                )
            })?;
            (snap.state, snap.segment, snap.next_seq, Some(path))
        }
        None => (State::default(), 0, 1, None),
    };
    let segments: Vec<u64> = listing
        .segments
        .iter()
        .copied()
        .filter(|&n| n >= from_segment)
        .collect();
    let mut replayed = 0;
    for (i, &n) in segments.iter().enumerate() {
        let path = segment_path(dir, n);
        let read = read_segment(&path, next_seq).map_err(|e| {
            format!(
                "journal {} is damaged: {e}. Nothing was loaded. The records after the damage \
                 cannot be trusted; restore the folder from a backup, or move this file aside \
                 to start without the writes it holds.",
                path.display()
            )
        })?;
        if let Some(at) = read.torn_at {
            if i + 1 != segments.len() {
                return Err(format!(
                    "journal {} ends in a torn record at byte {at} but is not the newest segment. \
                     Nothing was loaded; restore the folder from a backup.",
                    path.display()
                ));
            }
            let kept = truncate(&path, at)?;
            tracing::warn!(
                file = %path.display(),
                offset = at,
                kept = %kept.display(),
                "dropped a torn last journal record (a crash mid-append, never acknowledged, \
                 unless the disk damaged it after its flush); its bytes are kept beside the segment"
            );
        }
        for (seq, record) in &read.records {
            state.replay(*seq, record);
            next_seq = next_seq.max(seq + 1);
            replayed += 1;
        }
    }
    state.rebuild_views();
    // New records must sort after everything the state already reflects.
    let next_seq = next_seq.max(state.newest_seq() + 1);
    Ok(Restored {
        state,
        next_segment: after_existing,
        next_seq,
        snapshot: used,
        replayed,
        needs_snapshot: false,
    })
}

/// Drops a segment's torn tail from byte `at`. The dropped bytes are kept
/// beside it as `<segment>.torn-<at>`, so a wrong call can still be undone
/// by hand; nothing reads or prunes those files. Returns that file's path.
fn truncate(path: &Path, at: u64) -> Result<PathBuf, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let tail = bytes
        .get(usize::try_from(at).unwrap_or(usize::MAX)..)
        .unwrap_or_default();
    let mut aside = path.as_os_str().to_owned();
    aside.push(format!(".torn-{at}"));
    let aside = PathBuf::from(aside);
    std::fs::write(&aside, tail)
        .map_err(|e| format!("cannot keep the torn tail of {}: {e}", path.display()))?;
    if at < super::codec::HEADER_LEN as u64 {
        return std::fs::remove_file(path)
            .map(|()| aside)
            .map_err(|e| format!("cannot remove the torn {}: {e}", path.display()));
    }
    let file = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| format!("cannot open {} to drop its torn tail: {e}", path.display()))?;
    file.set_len(at)
        .and_then(|()| file.sync_all())
        .map(|()| aside)
        .map_err(|e| format!("cannot truncate {}: {e}", path.display()))
}
