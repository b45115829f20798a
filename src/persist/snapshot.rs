//! Snapshot files: `snapshot-<segment>.bin`, a header, then
//! `body_len: u64 | crc32: u32 | body` where body is a bincode [`Snapshot`].
//! Written to a temporary file in the same folder, synced, renamed into place
//! and the folder synced: a snapshot under its final name is always whole.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::codec::{self, CodecError, HeaderError, HEADER_LEN, SNAPSHOT_MAGIC, SNAPSHOT_VERSION};
use super::journal::{segment_of, segment_path, sync_dir};
use super::{OrgState, Seq, State};
use crate::domain::Id;

/// Why a snapshot file could not be written, read or listed.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("cannot encode the snapshot: {0}")]
    Encode(CodecError),
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    #[error("cannot read: {0}")]
    Read(io::Error),
    #[error(transparent)]
    Header(#[from] HeaderError),
    #[error("the file ends inside its header")]
    ShortHeader,
    #[error("the body should be {expected} bytes but {found} are present (truncated or damaged)")]
    Length { expected: u64, found: usize },
    #[error("checksum mismatch: the file is damaged")]
    Checksum,
    #[error("the body does not decode: {0}")]
    Decode(CodecError),
}

fn io_error<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(io::Error) -> SnapshotError + 'a {
    move |source| SnapshotError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

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

/// One org as a running server captures it for a snapshot: its state, and
/// each of its events already encoded (by the event's own actor, so the
/// snapshot never holds a copy of the whole state).
pub struct CapturedOrg {
    pub id: Id,
    pub state: OrgState,
    /// By event id, ascending; each an encoded [`EventState`].
    pub events: Vec<(Id, Vec<u8>)>,
}

/// A snapshot made of captured parts. It encodes to exactly the bytes of the
/// equivalent [`Snapshot`] (a test checks it), so one reader reads both.
pub struct Captured {
    pub taken_at_ms: u64,
    pub segment: u64,
    pub next_seq: Seq,
    /// By org id, ascending.
    pub orgs: Vec<CapturedOrg>,
}

impl Captured {
    /// bincode writes a struct as its fields in order and a map as its length
    /// then its entries, with nothing in between: the parts are laid out as
    /// `Snapshot { taken_at_ms, segment, next_seq, state: State { orgs, events } }`.
    pub fn encode(&self) -> Result<Vec<u8>, codec::CodecError> {
        let mut out = Vec::new();
        let n = self.orgs.len() as u64;
        codec::encode_into(
            &mut out,
            &(self.taken_at_ms, self.segment, self.next_seq, n),
        )?;
        for o in &self.orgs {
            codec::encode_into(&mut out, &(&o.id, &o.state))?;
        }
        codec::encode_into(&mut out, &n)?;
        for o in &self.orgs {
            codec::encode_into(&mut out, &(&o.id, o.events.len() as u64))?;
            for (id, bytes) in &o.events {
                codec::encode_into(&mut out, id)?;
                out.extend_from_slice(bytes);
            }
        }
        Ok(out)
    }
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
pub fn write(dir: &Path, snapshot: &Snapshot) -> Result<(PathBuf, u64), SnapshotError> {
    let body = codec::encode(snapshot).map_err(SnapshotError::Encode)?;
    write_body(dir, snapshot.segment, &body)
}

/// Writes a captured snapshot atomically; returns its path and size.
pub fn write_captured(dir: &Path, captured: &Captured) -> Result<(PathBuf, u64), SnapshotError> {
    let body = captured.encode().map_err(SnapshotError::Encode)?;
    write_body(dir, captured.segment, &body)
}

/// Where snapshot `n` is written before its rename to [`path`].
fn unfinished_path(dir: &Path, n: u64) -> PathBuf {
    path(dir, n).with_extension("bin.tmp")
}

/// Writes the temporary file, renames it into place and syncs the folder.
/// A temporary file that could not be finished is removed (on a full disk
/// it would only hold the space that a retry needs).
fn write_body(dir: &Path, segment: u64, body: &[u8]) -> Result<(PathBuf, u64), SnapshotError> {
    let final_path = path(dir, segment);
    let tmp = unfinished_path(dir, segment);
    let mut file = File::create(&tmp).map_err(io_error("create", &tmp))?;
    let head = file_head(body);
    let written = file
        .write_all(&head)
        .and_then(|()| file.write_all(body))
        .and_then(|()| file.sync_all());
    drop(file);
    let renamed = written
        .map_err(io_error("write", &tmp))
        .and_then(|()| fs::rename(&tmp, &final_path).map_err(io_error("rename", &tmp)));
    if let Err(e) = renamed {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    sync_dir(dir).map_err(io_error("sync", dir))?;
    Ok((final_path, (head.len() + body.len()) as u64))
}

/// What a snapshot file holds before its body: the header, the body's
/// length and its checksum.
fn file_head(body: &[u8]) -> Vec<u8> {
    let mut head = Vec::with_capacity(HEADER_LEN + 12);
    head.extend_from_slice(&codec::header_of(SNAPSHOT_MAGIC, SNAPSHOT_VERSION));
    head.extend_from_slice(&(body.len() as u64).to_le_bytes());
    head.extend_from_slice(&crc32fast::hash(body).to_le_bytes());
    head
}

/// The bytes of a snapshot file holding `snapshot` (what a cluster sends
/// as a Raft snapshot).
pub fn encode_file(snapshot: &Snapshot) -> Result<Vec<u8>, SnapshotError> {
    let body = codec::encode(snapshot).map_err(SnapshotError::Encode)?;
    let mut bytes = file_head(&body);
    bytes.extend_from_slice(&body);
    Ok(bytes)
}

/// Reads and checks a snapshot file whole; never returns part of one.
pub fn read(path: &Path) -> Result<Snapshot, SnapshotError> {
    decode_file(&fs::read(path).map_err(SnapshotError::Read)?)
}

/// Checks and decodes the bytes of a whole snapshot file.
pub fn decode_file(bytes: &[u8]) -> Result<Snapshot, SnapshotError> {
    let version = codec::version_of(bytes, SNAPSHOT_MAGIC)?;
    if !(1..=SNAPSHOT_VERSION).contains(&version) {
        return Err(HeaderError::Version {
            found: version,
            reads: &[1, 2, SNAPSHOT_VERSION],
        }
        .into());
    }
    let rest = bytes.get(HEADER_LEN..).unwrap_or_default();
    let (Some(len), Some(crc)) = (rest.first_chunk::<8>(), rest.get(8..12)) else {
        return Err(SnapshotError::ShortHeader);
    };
    let expected = u64::from_le_bytes(*len);
    let body = rest.get(12..).unwrap_or_default();
    if body.len() as u64 != expected {
        return Err(SnapshotError::Length {
            expected,
            found: body.len(),
        });
    }
    let mut c = [0u8; 4];
    c.copy_from_slice(crc);
    if crc32fast::hash(body) != u32::from_le_bytes(c) {
        return Err(SnapshotError::Checksum);
    }
    let decoded = match version {
        1 => codec::decode::<super::v1::SnapshotV1>(body).map(Snapshot::from),
        2 => codec::decode::<super::v1::SnapshotV2>(body).map(Snapshot::from),
        _ => codec::decode(body),
    };
    decoded.map_err(SnapshotError::Decode)
}

/// The snapshot and journal files of a folder, by number, oldest first.
pub struct Listing {
    pub snapshots: Vec<u64>,
    pub segments: Vec<u64>,
    /// Snapshots whose writing never finished (`snapshot-<n>.bin.tmp`, left
    /// by a crash before the rename): never read, removed by [`prune`].
    pub unfinished: Vec<u64>,
}

pub fn list(dir: &Path) -> Result<Listing, SnapshotError> {
    let mut listing = Listing {
        snapshots: Vec::new(),
        segments: Vec::new(),
        unfinished: Vec::new(),
    };
    let entries = fs::read_dir(dir).map_err(io_error("list", dir))?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if let Some(n) = snapshot_of(&name) {
            listing.snapshots.push(n);
        } else if let Some(n) = segment_of(&name) {
            listing.segments.push(n);
        } else if let Some(n) = name.strip_suffix(".tmp").and_then(snapshot_of) {
            listing.unfinished.push(n);
        }
    }
    listing.snapshots.sort_unstable();
    listing.segments.sort_unstable();
    Ok(listing)
}

/// Keeps the newest [`KEEP`] snapshots and drops journal segments the newest
/// snapshot covers, and unfinished snapshots numbered up to the newest (a
/// crash left them; one being written now has a higher number). Failures
/// are logged, never fatal: pruning only saves room.
pub fn prune(dir: &Path, newest: u64) {
    let Ok(listing) = list(dir) else { return };
    let old = listing.snapshots.len().saturating_sub(KEEP);
    let stale_snapshots = listing.snapshots.iter().take(old).map(|&n| path(dir, n));
    let stale_segments = listing
        .segments
        .iter()
        .filter(|&&n| n < newest)
        .map(|&n| segment_path(dir, n));
    let unfinished = listing
        .unfinished
        .iter()
        .filter(|&&n| n <= newest)
        .map(|&n| unfinished_path(dir, n));
    for p in stale_snapshots.chain(stale_segments).chain(unfinished) {
        if let Err(e) = fs::remove_file(&p) {
            tracing::warn!(file = %p.display(), error = %e, "cannot prune");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::domain::{
        Event, EventEffect, Grant, Org, OrgEffect, OrgKind, Permission, Pools, Scope,
    };
    use crate::persist::state::EventStateRef;
    use crate::persist::EventState;

    fn id(s: &str) -> Id {
        Id::parse(s).unwrap()
    }

    fn event(name: &str, users: &[&str]) -> Event {
        let mut e = Event::new(Some(name.into()), Default::default());
        e.apply(&EventEffect::CollaboratorPut {
            id: id("c1"),
            name: None,
        });
        for u in users {
            e.apply(&EventEffect::SlotAssigned { user: id(u) });
            let grant = Grant::new(
                Permission::CollaboratorAdvanceEdit,
                Scope::Collaborator(id("c1")),
            );
            e.apply(&EventEffect::Granted {
                user: id(u),
                grant: grant.unwrap(),
            });
        }
        e
    }

    #[test]
    fn a_captured_snapshot_encodes_exactly_as_the_snapshot_it_stands_for() {
        let mut acme = Org::new(OrgKind::Team);
        acme.apply(&OrgEffect::PoolsSet(Pools {
            org_standard: 3,
            org_pro: 1,
            event_pro: 5,
        }));
        let solo = Org::new(OrgKind::Personal { owner: id("pat") });
        let events = [
            ("e1", event("One", &["ann", "bob"])),
            ("e2", event("Two", &[])),
        ];

        let mut state = State::default();
        state.orgs.insert(
            id("acme"),
            OrgState {
                org: acme.clone(),
                applied_seq: 7,
            },
        );
        state.orgs.insert(
            id("solo"),
            OrgState {
                org: solo.clone(),
                applied_seq: 2,
            },
        );
        let by_id: BTreeMap<Id, EventState> = events
            .iter()
            .enumerate()
            .map(|(i, (e, ev))| {
                (
                    id(e),
                    EventState {
                        event: ev.clone(),
                        applied_seq: 10 + i as u64,
                    },
                )
            })
            .collect();
        state.events.insert(id("acme"), by_id.clone());
        state.events.insert(id("solo"), BTreeMap::new());
        let whole = Snapshot {
            taken_at_ms: 1_700_000_000_000,
            segment: 4,
            next_seq: 99,
            state,
        };

        let parts = Captured {
            taken_at_ms: whole.taken_at_ms,
            segment: whole.segment,
            next_seq: whole.next_seq,
            orgs: vec![
                CapturedOrg {
                    id: id("acme"),
                    state: OrgState {
                        org: acme,
                        applied_seq: 7,
                    },
                    events: by_id
                        .iter()
                        .map(|(e, s)| {
                            let r = EventStateRef {
                                event: &s.event,
                                applied_seq: s.applied_seq,
                            };
                            (e.clone(), codec::encode(&r).unwrap())
                        })
                        .collect(),
                },
                CapturedOrg {
                    id: id("solo"),
                    state: OrgState {
                        org: solo,
                        applied_seq: 2,
                    },
                    events: vec![],
                },
            ],
        };
        let composed = parts.encode().unwrap();
        assert_eq!(composed, codec::encode(&whole).unwrap());
        let back: Snapshot = codec::decode(&composed).unwrap();
        assert_eq!(back, whole);
    }

    #[test]
    fn prune_removes_unfinished_snapshots_up_to_the_newest_and_keeps_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let file = |name: &str| d.join(name);
        for n in 1..=5 {
            fs::write(path(d, n), b"snapshot").unwrap();
            fs::write(segment_path(d, n), b"journal").unwrap();
        }
        // Left by crashes mid-write (3, 5), and one being written now (6).
        for n in [3, 5, 6] {
            fs::write(unfinished_path(d, n), b"half").unwrap();
        }
        fs::write(file("notes.txt"), b"not ours").unwrap();
        let listing = list(d).unwrap();
        assert_eq!(listing.unfinished.len(), 3);
        assert_eq!(
            listing.snapshots,
            [1, 2, 3, 4, 5],
            "a .tmp is never a snapshot"
        );

        prune(d, 5);
        let mut left: Vec<String> = fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        let mut want = vec![
            file_name_of(&segment_path(d, 5)),
            "notes.txt".to_string(),
            file_name_of(&path(d, 3)),
            file_name_of(&path(d, 4)),
            file_name_of(&path(d, 5)),
            file_name_of(&unfinished_path(d, 6)),
        ];
        want.sort();
        assert_eq!(left, want);
    }

    fn file_name_of(p: &Path) -> String {
        p.file_name().unwrap().to_string_lossy().into_owned()
    }
}
