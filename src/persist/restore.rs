//! Start-up: the newest snapshot plus the journal written after it.

use std::fs::OpenOptions;
use std::io;
use std::path::{Path, PathBuf};

use super::journal::{read_segment, segment_path, SegmentError, SegmentRead};
use super::snapshot::{self, Listing, Snapshot, SnapshotError};
use super::{Seq, State};

/// Why the folder cannot be restored. Every message names the file and
/// what to do; nothing was loaded.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error("{0}")]
    List(SnapshotError),
    #[error("cannot restore from {}: {source}", .file.display())]
    From {
        file: PathBuf,
        source: SnapshotError,
    },
    #[error(
        "snapshot {} is damaged: {source}. Nothing was loaded. Restore the file from a \
         backup; or, to start from an older snapshot and lose every write made after it, \
         start once with `--restore <that snapshot>`.",
        .file.display()
    )]
    Snapshot {
        file: PathBuf,
        source: SnapshotError,
    },
    #[error(
        "journal {} is damaged: {source}. Nothing was loaded. The records after the damage \
         cannot be trusted; restore the folder from a backup, or, to start from the newest \
         snapshot and lose every write made after it, start once with \
         `--restore <newest snapshot>`.",
        .file.display()
    )]
    Journal { file: PathBuf, source: SegmentError },
    #[error(
        "journal {} ends in a torn record at byte {at} but is not the newest segment: {} \
         holds records after it. Nothing was loaded; restore the folder from a backup.",
        .file.display(), .later.display()
    )]
    TornInside {
        file: PathBuf,
        at: u64,
        later: PathBuf,
    },
    #[error("{}", gap(.segment, *.expected, *.found, .snapshot.as_deref()))]
    Gap {
        segment: PathBuf,
        expected: Seq,
        found: Seq,
        snapshot: Option<PathBuf>,
    },
    #[error("cannot {action} {}: {source}", .file.display())]
    Repair {
        action: &'static str,
        file: PathBuf,
        source: io::Error,
    },
    #[error("cannot write the start-up snapshot: {0}")]
    Settle(SnapshotError),
}

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
pub fn restore(dir: &Path, from: Option<&Path>) -> Result<Restored, RestoreError> {
    let listing = snapshot::list(dir).map_err(RestoreError::List)?;
    let next_segment = after_existing(&listing);
    if let Some(file) = from {
        return from_file(file, next_segment);
    }
    let start = newest_snapshot(dir, &listing)?;
    let replayed = replay(dir, &listing, start)?;
    Ok(replayed.into_restored(next_segment))
}

/// The number after every snapshot and segment of the folder.
fn after_existing(listing: &Listing) -> u64 {
    listing
        .snapshots
        .iter()
        .chain(&listing.segments)
        .max()
        .map_or(0, |n| n + 1)
}

/// `--restore <file>`: that snapshot alone, to be written into the folder
/// before serving.
fn from_file(file: &Path, next_segment: u64) -> Result<Restored, RestoreError> {
    let snap = snapshot::read(file).map_err(|source| RestoreError::From {
        file: file.to_path_buf(),
        source,
    })?;
    let mut state = snap.state;
    state.rebuild_views();
    let next_seq = snap.next_seq.max(state.newest_seq() + 1);
    Ok(Restored {
        state,
        next_segment,
        next_seq,
        snapshot: Some(file.to_path_buf()),
        replayed: 0,
        needs_snapshot: true,
    })
}

/// Where replay starts: a snapshot's state, or an empty one.
struct Replay {
    state: State,
    /// Segments from this one on are replayed.
    from_segment: u64,
    /// The sequence the next record must have.
    expected: Seq,
    snapshot: Option<PathBuf>,
    replayed: usize,
}

fn newest_snapshot(dir: &Path, listing: &Listing) -> Result<Replay, RestoreError> {
    let Some(&n) = listing.snapshots.last() else {
        return Ok(Replay {
            state: State::default(),
            from_segment: 0,
            expected: 1,
            snapshot: None,
            replayed: 0,
        });
    };
    let file = snapshot::path(dir, n);
    let snap: Snapshot = match snapshot::read(&file) {
        Ok(snap) => snap,
        Err(source) => return Err(RestoreError::Snapshot { file, source }),
    };
    Ok(Replay {
        state: snap.state,
        from_segment: snap.segment,
        expected: snap.next_seq,
        snapshot: Some(file),
        replayed: 0,
    })
}

/// Replays every segment from the snapshot's on.
///
/// Sequence numbers run on without a gap: from the snapshot's into the
/// first segment after it, and from each segment into the next. A gap is a
/// lost file (a segment, or the snapshot the journal follows), and the
/// records after it were decided on a state that had the missing ones:
/// replaying them without would make a state that never existed.
///
/// A torn record ends the journal: only segments without records (a roll
/// that never got a record in) may follow it. Torn tails are cut off once
/// every segment has been read.
fn replay(dir: &Path, listing: &Listing, mut from: Replay) -> Result<Replay, RestoreError> {
    let mut torn: Vec<(PathBuf, u64)> = Vec::new();
    let first = from.from_segment;
    for &n in listing.segments.iter().filter(|&&n| n >= first) {
        let file = segment_path(dir, n);
        let read = match read_segment(&file, from.expected) {
            Ok(read) => read,
            Err(source) => return Err(RestoreError::Journal { file, source }),
        };
        if let (Some((first, at)), false) = (torn.first(), read.records.is_empty()) {
            return Err(RestoreError::TornInside {
                file: first.clone(),
                at: *at,
                later: file,
            });
        }
        from.apply(&file, &read)?;
        if let Some(offset) = read.torn_at {
            torn.push((file, offset));
        }
    }
    for (file, offset) in torn {
        drop_torn_tail(&file, offset)?;
    }
    Ok(from)
}

impl Replay {
    fn apply(&mut self, file: &Path, read: &SegmentRead) -> Result<(), RestoreError> {
        for (seq, record) in &read.records {
            if *seq != self.expected {
                return Err(RestoreError::Gap {
                    segment: file.to_path_buf(),
                    expected: self.expected,
                    found: *seq,
                    snapshot: self.snapshot.clone(),
                });
            }
            self.state.replay(*seq, record);
            self.expected = seq + 1;
            self.replayed += 1;
        }
        Ok(())
    }

    /// New records must sort after everything the state already reflects.
    /// The snapshot can reflect a record the journal no longer holds (its
    /// last frame, damaged on disk after its flush and dropped as torn):
    /// the journal then continues above it, which leaves a gap after the
    /// snapshot, so a snapshot written at start becomes the folder's new
    /// starting point and the next start finds none.
    fn into_restored(mut self, next_segment: u64) -> Restored {
        self.state.rebuild_views();
        let next_seq = self.expected.max(self.state.newest_seq() + 1);
        Restored {
            state: self.state,
            next_segment,
            next_seq,
            snapshot: self.snapshot,
            replayed: self.replayed,
            needs_snapshot: next_seq != self.expected,
        }
    }
}

fn drop_torn_tail(file: &Path, at: u64) -> Result<(), RestoreError> {
    let kept = truncate(file, at)?;
    tracing::warn!(
        file = %file.display(),
        offset = at,
        kept = %kept.display(),
        "dropped a torn last journal record (a crash mid-append, never acknowledged, \
         unless the disk damaged it after its flush); its bytes are kept beside the segment"
    );
    Ok(())
}

impl Restored {
    /// Writes the start-up snapshot if [`Restored::needs_snapshot`] says
    /// so, and prunes what it replaces; the journal then opens at
    /// `next_segment` and `next_seq`, right after it.
    pub fn settle(&mut self, dir: &Path, taken_at_ms: u64) -> Result<(), RestoreError> {
        if !self.needs_snapshot {
            return Ok(());
        }
        // Moved in and back out: the state is never copied.
        let snap = Snapshot {
            taken_at_ms,
            segment: self.next_segment,
            next_seq: self.next_seq,
            state: std::mem::take(&mut self.state),
        };
        let written = snapshot::write(dir, &snap);
        self.state = snap.state;
        written.map_err(RestoreError::Settle)?;
        snapshot::prune(dir, self.next_segment);
        self.needs_snapshot = false;
        Ok(())
    }
}

/// The refusal of a journal whose record `found` comes where `expected`
/// should: the records (or the snapshot) in between are missing.
fn gap(segment: &Path, expected: Seq, found: Seq, snapshot: Option<&Path>) -> String {
    let after = match snapshot {
        Some(file) => format!("the snapshot {} and the journal segments", file.display()),
        None => "the journal segments".to_string(),
    };
    format!(
        "journal {} holds record {found} where record {expected} should come next: the records \
         in between are missing from {after} (a file was removed or lost). Nothing was loaded: \
         the later records were decided on a state that had the missing ones. Put the missing \
         files back, or restore the folder from a backup; or, to start from a snapshot and \
         lose every write made after it, start once with `--restore <that snapshot>`.",
        segment.display()
    )
}

/// Drops a segment's torn tail from byte `at`. The dropped bytes are kept
/// beside it as `<segment>.torn-<at>`, so a wrong call can still be undone
/// by hand; nothing reads or prunes those files. Returns that file's path.
fn truncate(path: &Path, at: u64) -> Result<PathBuf, RestoreError> {
    let fail = |action: &'static str| {
        move |source| RestoreError::Repair {
            action,
            file: path.to_path_buf(),
            source,
        }
    };
    let bytes = std::fs::read(path).map_err(fail("read"))?;
    let tail = bytes
        .get(usize::try_from(at).unwrap_or(usize::MAX)..)
        .unwrap_or_default();
    let mut aside = path.as_os_str().to_owned();
    aside.push(format!(".torn-{at}"));
    let aside = PathBuf::from(aside);
    std::fs::write(&aside, tail).map_err(fail("keep the torn tail of"))?;
    if at < super::codec::HEADER_LEN as u64 {
        std::fs::remove_file(path).map_err(fail("remove the torn"))?;
        return Ok(aside);
    }
    let file = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(fail("open to drop the torn tail of"))?;
    file.set_len(at)
        .and_then(|()| file.sync_all())
        .map_err(fail("truncate"))?;
    Ok(aside)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::domain::{Id, OrgKind};
    use crate::persist::{Journal, Record};

    fn created(org: &str) -> Record {
        Record::OrgCreated {
            org: Id::parse(org).unwrap(),
            kind: OrgKind::Team,
        }
    }

    /// Starts as the server does: restore, settle, open the journal, append
    /// `org`'s creation, close. Answers what was restored.
    fn start_and_write(dir: &Path, org: &str) -> Restored {
        let mut restored = restore(dir, None).unwrap();
        restored.settle(dir, 0).unwrap();
        let journal = Journal::open(
            dir,
            restored.next_segment,
            restored.next_seq,
            Box::new(|_, _| {}),
        )
        .unwrap();
        journal.append(&created(org)).unwrap();
        journal.close();
        restored
    }

    /// The snapshot reflects record 5, the last frame of the segment after
    /// it, and that frame is then damaged on disk (whole, bad checksum: it
    /// reads as torn and is dropped). The start goes on from the snapshot,
    /// which has record 5, and writes a start-up snapshot, so the records
    /// of the next run follow it without a gap and the start after that
    /// finds everything.
    #[test]
    fn a_dropped_last_record_the_snapshot_reflects_leaves_no_gap_for_the_next_start() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let journal = Journal::open(d, 1, 5, Box::new(|_, _| {})).unwrap();
        assert_eq!(journal.append(&created("o")).unwrap(), 5);
        journal.close();
        let mut state = State::default();
        state.replay(5, &created("o"));
        let snap = Snapshot {
            taken_at_ms: 0,
            segment: 1,
            next_seq: 5,
            state,
        };
        snapshot::write(d, &snap).unwrap();
        let segment = segment_path(d, 1);
        let mut bytes = std::fs::read(&segment).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0xff;
        std::fs::write(&segment, bytes).unwrap();

        let first = start_and_write(d, "p");
        assert_eq!(first.replayed, 0, "the damaged record is dropped");
        assert_eq!(
            first.next_seq, 6,
            "the journal goes on after what the snapshot has"
        );
        let second = restore(d, None).unwrap();
        assert!(!second.needs_snapshot);
        let orgs: Vec<String> = second.state.orgs.keys().map(|o| o.to_string()).collect();
        assert_eq!(orgs, ["o", "p"]);
        assert_eq!(second.next_seq, 7);
    }
}
