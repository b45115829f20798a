//! Damaged files: a torn tail is dropped, any other damage stops the start.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::files::*;
use crate::process::*;
use crate::state::*;

// ---------------------------------------------------------------------------
// 5. A torn last journal record
// ---------------------------------------------------------------------------

#[tokio::test]
async fn torn_journal_tail_is_dropped_and_logged() {
    let (dir, opts, mut s) = start_fresh().await;
    let ev = "/v1/orgs/acme/events/e1";
    s.put("/v1/orgs/acme", json!({"kind": "team"})).await;
    s.put("/v1/orgs/acme/licenses", json!({"event_pro": 2}))
        .await;
    s.put_empty(ev).await;
    for i in 0..5 {
        s.put_empty(&format!("{ev}/areas/a{i}")).await;
    }
    s.kill9();

    // (a) A crash mid-append left part of a frame header after the last
    // whole record.
    let seg = newest_segment(dir.path());
    let whole = fs::metadata(&seg).unwrap().len() as usize;
    append_bytes(&seg, &[0x2a, 0, 0, 0, 0xde, 0xad, 0xbe]);
    let mut s = start(dir.path(), &opts).await;
    let log = s.log_text();
    assert!(
        log.contains("torn") && log.contains(&file_name(&seg)),
        "the log names the torn record and its file:\n{log}"
    );
    let e = s.get(ev).await;
    assert_eq!(e["areas"], json!(["a0", "a1", "a2", "a3", "a4"]), "{e}");
    assert_eq!(
        fs::metadata(&seg).unwrap().len() as usize,
        whole,
        "the torn bytes are cut off"
    );
    let aside = PathBuf::from(format!("{}.torn-{whole}", seg.display()));
    assert_eq!(
        fs::read(&aside).unwrap(),
        [0x2a, 0, 0, 0, 0xde, 0xad, 0xbe],
        "the torn bytes are kept beside the segment"
    );

    // (b) The last frame itself is cut half-way (its write never finished,
    // so it was never answered: it is dropped, the rest stays).
    s.put_empty(&format!("{ev}/areas/b0")).await;
    s.put_empty(&format!("{ev}/areas/b1")).await;
    s.put_empty(&format!("{ev}/areas/cut")).await;
    s.kill9();
    let seg = newest_segment(dir.path());
    let f = frames(&seg);
    assert_eq!(f.len(), 3, "the three writes went to a new segment");
    let (at, len) = *f.last().unwrap();
    truncate(&seg, at + FRAME_HEADER + len / 2);
    let mut s = start(dir.path(), &opts).await;
    let log = s.log_text();
    assert!(
        log.contains("torn") && log.contains(&file_name(&seg)),
        "the log names the torn record and its file:\n{log}"
    );
    let e = s.get(ev).await;
    assert_eq!(
        e["areas"],
        json!(["a0", "a1", "a2", "a3", "a4", "b0", "b1"]),
        "{e}"
    );

    // The repaired folder starts again without complaint, with later writes.
    s.put_empty(&format!("{ev}/areas/c0")).await;
    s.kill9();
    let s = start(dir.path(), &opts).await;
    assert!(!s.log_text().contains("torn"), "{}", s.log_text());
    let e = s.get(ev).await;
    assert_eq!(
        e["areas"],
        json!(["a0", "a1", "a2", "a3", "a4", "b0", "b1", "c0"]),
        "{e}"
    );
}

// ---------------------------------------------------------------------------
// 6. Damage inside the journal stops the start
// ---------------------------------------------------------------------------

/// A folder whose journal holds an org, an event and `areas` areas, written
/// by a server that was then killed.
pub async fn journal_folder(areas: usize) -> (tempfile::TempDir, Opts) {
    let (dir, opts, mut s) = start_fresh().await;
    s.put("/v1/orgs/acme", json!({"kind": "team"})).await;
    s.put("/v1/orgs/acme/licenses", json!({"event_pro": 1}))
        .await;
    s.put_empty("/v1/orgs/acme/events/e1").await;
    for i in 0..areas {
        s.put_empty(&format!("/v1/orgs/acme/events/e1/areas/a{i}"))
            .await;
    }
    s.kill9();
    (dir, opts)
}

/// Starts the server on `dir` and asserts it refuses, naming `damaged`, and
/// leaves every file of the folder as it was (no truncation, no new segment).
pub async fn assert_refused_untouched(dir: &Path, opts: &Opts, damaged: &Path) {
    let files = folder_contents(dir);
    let err = start_refused(dir, opts).await;
    assert!(
        err.contains(&file_name(damaged)),
        "stderr names the damaged file {}:\n{err}",
        file_name(damaged)
    );
    assert_eq!(
        folder_contents(dir),
        files,
        "a refused start changes no file: acknowledged records after the damage stay"
    );
}

#[tokio::test]
async fn checksum_damage_inside_the_journal_refuses_to_start() {
    let (dir, opts) = journal_folder(6).await;
    let (seg, f) = busiest_segment(dir.path());
    assert!(f.len() >= 9, "{f:?}");
    // A byte inside the body of the second record.
    let (at, len) = f[1];
    flip_byte(&seg, at + FRAME_HEADER + len / 2);
    assert_refused_untouched(dir.path(), &opts, &seg).await;
}

#[tokio::test]
async fn torn_record_in_an_older_segment_refuses_to_start() {
    let (dir, opts) = journal_folder(3).await;
    let older = newest_segment(dir.path());
    // A second run writes to a newer segment.
    let mut s = start(dir.path(), &opts).await;
    s.put_empty("/v1/orgs/acme/events/e1/areas/later").await;
    s.kill9();
    assert!(newest_segment(dir.path()) != older);
    let f = frames(&older);
    let (at, len) = *f.last().unwrap();
    truncate(&older, at + FRAME_HEADER + len / 2);
    assert_refused_untouched(dir.path(), &opts, &older).await;
}

/// A damaged length field in an early frame makes the frame seem to run
/// past the end of the file. That is damage in the middle of the journal
/// (whole, checksummed frames follow it), not a torn last record: the start
/// must be refused, and the acknowledged records after it must not be cut
/// off.
#[tokio::test]
async fn damaged_length_of_an_early_record_is_not_taken_for_a_torn_tail() {
    let (dir, opts) = journal_folder(6).await;
    let (seg, f) = busiest_segment(dir.path());
    assert!(f.len() >= 9, "{f:?}");
    let file_len = fs::metadata(&seg).unwrap().len();
    // Bit damage in the third byte of the second frame's length: the length
    // grows by a multiple of 64 KiB, past the end of this small file but
    // below the 64 MiB cap on a record.
    let (at, _) = f[1];
    assert!(file_len < 60_000);
    flip_byte(&seg, at + 2);
    assert_refused_untouched(dir.path(), &opts, &seg).await;
}

/// A zeroed block over several whole records in the middle of the newest
/// segment (a lost disk block): valid records follow it, so it is damage,
/// not a torn tail, even though no record right after it has the next
/// sequence number.
#[tokio::test]
async fn a_zeroed_block_over_several_records_is_not_taken_for_a_torn_tail() {
    let (dir, opts) = journal_folder(12).await;
    let (seg, f) = busiest_segment(dir.path());
    assert!(f.len() >= 12, "{f:?}");
    let from = f[2].0;
    let (last_at, last_len) = f[8];
    let to = last_at + FRAME_HEADER + last_len;
    let mut bytes = fs::read(&seg).unwrap();
    bytes[from..to].fill(0);
    fs::write(&seg, &bytes).unwrap();
    assert_refused_untouched(dir.path(), &opts, &seg).await;
}

/// A journal segment that is gone from the middle of the journal: the
/// records after it were decided on a state that had its records, so the
/// start is refused (naming the segment where the gap shows) instead of
/// replaying them over a state without.
#[tokio::test]
async fn a_missing_journal_segment_refuses_to_start() {
    let (dir, opts) = journal_folder(2).await;
    // Two more runs, each writing into a segment of its own.
    let mut middle = None;
    for area in ["later", "latest"] {
        let mut s = start(dir.path(), &opts).await;
        s.put_empty(&format!("/v1/orgs/acme/events/e1/areas/{area}"))
            .await;
        s.kill9();
        middle = middle.or(Some(newest_segment(dir.path())));
    }
    let middle = middle.unwrap();
    assert!(
        !frames(&middle).is_empty(),
        "the middle segment holds a record"
    );
    let newest = newest_segment(dir.path());
    assert!(newest != middle);
    let kept = fs::read(&middle).unwrap();
    fs::remove_file(&middle).unwrap();
    let files = folder_contents(dir.path());
    let err = start_refused(dir.path(), &opts).await;
    assert!(
        err.contains(&file_name(&newest)),
        "names the segment after the gap:\n{err}"
    );
    assert!(err.contains("missing"), "{err}");
    assert_eq!(
        folder_contents(dir.path()),
        files,
        "a refused start changes no file"
    );

    // Put back, the folder starts with every record.
    fs::write(&middle, kept).unwrap();
    let s = start(dir.path(), &opts).await;
    let info = s.get("/v1/orgs/acme/events/e1").await;
    assert_eq!(
        info["areas"],
        json!(["a0", "a1", "later", "latest"]),
        "{info}"
    );
}

/// The newest snapshot removed (e.g. set aside because it was damaged):
/// the journal segments between the older snapshot and it were pruned when
/// it was written, so the older snapshot plus the remaining journal would
/// make a state that never existed (here: four slot holders on a pool of
/// two). The start is refused; `--restore` of the older snapshot is the
/// deliberate way back to it.
#[tokio::test]
async fn without_the_newest_snapshot_the_older_one_is_not_replayed_over() {
    let (dir, opts, mut s) = start_fresh().await;
    let e = "/v1/orgs/acme/events/e1";
    s.put("/v1/orgs/acme", json!({"kind": "team"})).await;
    s.put("/v1/orgs/acme/licenses", json!({"event_pro": 2}))
        .await;
    s.put_empty(e).await;
    s.put_empty(&format!("{e}/slots/u1")).await;
    s.put_empty(&format!("{e}/slots/u2")).await;
    let older = s.snapshot().await;
    s.delete(&format!("{e}/slots/u1")).await;
    s.delete(&format!("{e}/slots/u2")).await;
    let newest = s.snapshot().await;
    s.put_empty(&format!("{e}/slots/u3")).await;
    s.put_empty(&format!("{e}/slots/u4")).await;
    s.kill9();
    assert!(older.exists() && newest.exists());

    let aside = dir.path().join("aside.bin");
    fs::rename(&newest, &aside).unwrap();
    let files = folder_contents(dir.path());
    let err = start_refused(dir.path(), &opts).await;
    assert!(err.contains("missing"), "{err}");
    assert!(
        err.contains(&file_name(&older)),
        "names the snapshot the journal would follow:\n{err}"
    );
    assert_eq!(
        folder_contents(dir.path()),
        files,
        "a refused start changes no file"
    );

    // Put back, the folder starts with every acknowledged write.
    fs::rename(&aside, &newest).unwrap();
    let s = start(dir.path(), &opts).await;
    let info = s.get(e).await;
    assert_eq!(info["slots"]["holders"], json!(["u3", "u4"]), "{info}");
    assert_eq!(info["slots"]["total"], 2, "{info}");
    drop(s);

    // Asked for by name, the older snapshot is what the server starts on.
    let restore = Opts {
        restore: Some(older.clone()),
        ..opts.clone()
    };
    let s = start(dir.path(), &restore).await;
    let info = s.get(e).await;
    assert_eq!(info["slots"]["holders"], json!(["u1", "u2"]), "{info}");
}

// ---------------------------------------------------------------------------
// 7. Damaged snapshots and `snapshot inspect`
// ---------------------------------------------------------------------------

#[tokio::test]
async fn damaged_snapshot_refuses_to_start_and_inspect_reports_it() {
    let (dir, opts, mut s) = start_fresh().await;
    populate(&s).await;
    let file = s.snapshot().await;
    s.kill9();
    assert_eq!(newest_snapshot(dir.path()), file);

    // populate(): orgs acme and solo; events acme/e1, acme/e2, solo/s1;
    // members alice, bob, carol (acme) and the owner pat (solo); slots
    // carol and erin on e1, pat on s1; grants: on e1 carol Event.Admin,
    // erin Area.FileUpload@a1 and Collaborator.View@c1, alice
    // Event.ScheduleEdit, vic the six defaults, wes Collaborator.View and
    // FileView@c1 (kept after detach); on e2 bob Event.Update; on s1 pat
    // Event.Admin.
    let (status, out, err) = inspect(&file);
    assert!(status.success(), "inspect a good snapshot: {err}");
    let summary: Value = serde_json::from_str(&out).expect("inspect prints JSON");
    assert_eq!(summary["orgs"], 2, "{summary}");
    assert_eq!(summary["events"], 3, "{summary}");
    assert_eq!(summary["members"], 4, "{summary}");
    assert_eq!(summary["slots"], 3, "{summary}");
    assert_eq!(summary["grants"], 14, "{summary}");

    // The counts agree with what the API shows.
    let s = start(dir.path(), &opts).await;
    let mut members = 0;
    let mut slots = 0;
    let mut events = 0;
    for org in ORGS {
        members += s.get(&format!("/v1/orgs/{org}/members")).await["members"]
            .as_array()
            .unwrap()
            .len();
        for e in s.get(&format!("/v1/orgs/{org}/events")).await["events"]
            .as_array()
            .unwrap()
        {
            events += 1;
            slots += e["slots_used"].as_u64().unwrap();
        }
    }
    assert_eq!(summary["members"], members);
    assert_eq!(summary["slots"], slots);
    assert_eq!(summary["events"], events);
    drop(s);

    // A byte of the body damaged.
    let len = fs::metadata(&file).unwrap().len() as usize;
    flip_byte(&file, (HEADER_LEN + 12 + len) / 2);
    let (status, out, err) = inspect(&file);
    assert!(!status.success(), "inspect a damaged snapshot: {out}");
    assert!(err.contains(&file_name(&file)), "{err}");
    let files = folder_contents(dir.path());
    let err = start_refused(dir.path(), &opts).await;
    assert!(
        err.contains(&file_name(&file)),
        "stderr names the damaged snapshot:\n{err}"
    );
    assert_eq!(folder_contents(dir.path()), files);

    // A truncated one too.
    fs::write(&file, &fs::read(&file).unwrap()[..len / 2]).unwrap();
    let (status, _, err) = inspect(&file);
    assert!(!status.success(), "inspect a truncated snapshot");
    assert!(err.contains(&file_name(&file)), "{err}");
    let err = start_refused(dir.path(), &opts).await;
    assert!(err.contains(&file_name(&file)), "{err}");
}
