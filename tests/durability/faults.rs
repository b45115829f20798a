//! Storage faults an operator runs into: a full disk while the journal
//! starts a segment, a second server on the same folder or port, the folder
//! removed under a running server, an admin token file that cannot be read.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::damage::journal_folder;
use crate::files::*;
use crate::process::*;

/// A tmpfs of `size` mounted on a fresh folder, unmounted when dropped.
/// Mounting needs root (which the test runs as here and in CI).
struct SmallDisk {
    mount: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> SmallDisk {
        let mount = tempfile::tempdir().unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(mount.path())
            .status()
            .expect("run mount");
        assert!(
            status.success(),
            "this test mounts a small tmpfs to fill it and needs root for that ({status})"
        );
        SmallDisk { mount }
    }

    fn path(&self) -> &Path {
        self.mount.path()
    }

    /// Writes a file until the disk is full; returns its path.
    fn fill(&self) -> PathBuf {
        use std::io::Write;
        let path = self.path().join("filler");
        let mut file = fs::File::create(&path).unwrap();
        let block = vec![0xa5u8; 4096];
        while file.write_all(&block).is_ok() {}
        // What is left is less than a block: fill that too, byte by byte.
        while file.write_all(&[0xa5]).is_ok() {}
        file.sync_all().ok();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.mount.path())
            .status();
    }
}

/// Ten areas on `acme/e1`, each acknowledged.
async fn some_writes(s: &Server, prefix: &str) {
    for i in 0..10 {
        s.put_empty(&format!("/v1/orgs/acme/events/e1/areas/{prefix}{i}"))
            .await;
    }
}

async fn acme_with_an_event(s: &Server) {
    s.put("/v1/orgs/acme", json!({"kind": "team"})).await;
    s.put("/v1/orgs/acme/licenses", json!({"event_pro": 2}))
        .await;
    s.put_empty("/v1/orgs/acme/events/e1").await;
}

fn assert_unavailable(answer: &(StatusCode, Value), what: &str) {
    assert_eq!(
        answer.0,
        StatusCode::SERVICE_UNAVAILABLE,
        "{what}: {}",
        answer.1
    );
    assert_eq!(answer.1["error"], "unavailable", "{what}: {}", answer.1);
}

/// The disk fills up, then a snapshot is asked for: starting the new
/// journal segment fails after the file was created. The failed roll
/// leaves no file behind, the server goes on taking writes in the segment
/// it had, and once space is freed snapshots work again; a kill -9 after
/// that loses nothing. (Filled for real: a small tmpfs.)
#[tokio::test]
async fn a_full_disk_during_a_segment_roll_leaves_nothing_behind_and_snapshots_work_again() {
    let disk = SmallDisk::mount("512k");
    let dir = disk.path().join("data");
    let opts = Opts::token(&unique("admin"));
    let mut s = start(&dir, &opts).await;
    acme_with_an_event(&s).await;
    some_writes(&s, "before").await;
    let journal = segments(&dir);
    assert_eq!(journal.len(), 1, "{journal:?}");

    let filler = disk.fill();
    for _ in 0..2 {
        let answer = s.call(Method::POST, "/v1/admin/snapshot", None).await;
        assert_unavailable(&answer, "a snapshot on a full disk");
        assert_eq!(segments(&dir), journal, "a failed roll leaves no segment");
        assert!(snapshots(&dir).is_empty());
    }

    fs::remove_file(&filler).unwrap();
    s.snapshot().await;
    some_writes(&s, "after").await;
    s.snapshot().await;
    some_writes(&s, "last").await;
    let before = s.dump(&["acme"], &[]).await;
    s.kill9();

    let s = start(&dir, &opts).await;
    assert_same_dump(&before, &s.dump(&["acme"], &[]).await);
    let areas = s.get("/v1/orgs/acme/events/e1").await["areas"].clone();
    assert_eq!(areas.as_array().unwrap().len(), 30, "{areas}");
}

/// A crash tore the last record of a segment, and a newer segment exists
/// that never got a record (a roll the crash interrupted, or one left by
/// an older version). That torn record is still the journal's last: it is
/// dropped, as a torn tail of the newest segment is.
#[tokio::test]
async fn an_empty_newest_segment_after_a_torn_record_is_the_same_as_none() {
    for empty in [&b"GHJOURNL\x01\x00\x00\x00"[..], &b""[..]] {
        let (dir, opts) = journal_folder(3).await;
        let seg = newest_segment(dir.path());
        let (at, len) = *frames(&seg).last().unwrap();
        truncate(&seg, at + FRAME_HEADER + len / 2);
        let number: u64 = file_name(&seg)[8..28].parse().unwrap();
        let newer = dir.path().join(format!("journal-{:020}.log", number + 1));
        fs::write(&newer, empty).unwrap();

        let mut s = start(dir.path(), &opts).await;
        let e1 = s.get("/v1/orgs/acme/events/e1").await;
        assert_eq!(e1["areas"], json!(["a0", "a1"]), "{e1}");
        s.put_empty("/v1/orgs/acme/events/e1/areas/next").await;
        s.kill9();
        let s = start(dir.path(), &opts).await;
        let e1 = s.get("/v1/orgs/acme/events/e1").await;
        assert_eq!(e1["areas"], json!(["a0", "a1", "next"]), "{e1}");
    }
}

/// A second server on a folder in use refuses to start, names the folder
/// and the first server's pid, and changes nothing; the first goes on
/// serving and taking snapshots.
#[tokio::test]
async fn a_second_server_on_the_same_folder_is_refused_while_the_first_keeps_working() {
    let (dir, opts, mut first) = start_fresh().await;
    acme_with_an_event(&first).await;
    some_writes(&first, "a").await;
    let files = folder_contents(dir.path());

    let err = start_refused(dir.path(), &opts).await;
    assert!(
        err.contains(&dir.path().display().to_string()),
        "names the folder:\n{err}"
    );
    assert!(
        err.contains(&format!("pid {}", first.pid())),
        "names the other server's pid:\n{err}"
    );
    assert_eq!(
        folder_contents(dir.path()),
        files,
        "the refused start touched nothing"
    );

    first.snapshot().await;
    some_writes(&first, "b").await;
    first.snapshot().await;
    let before = first.dump(&["acme"], &[]).await;
    first.kill9();
    let s = start(dir.path(), &opts).await;
    assert_same_dump(&before, &s.dump(&["acme"], &[]).await);
}

/// A server started on a port in use, with a folder whose journal ends in
/// a torn record, stops at the port: it opens nothing in its folder first
/// (the torn tail is not cut, no segment is started).
#[tokio::test]
async fn a_server_on_a_port_in_use_touches_nothing_in_its_folder() {
    let busy = tempfile::tempdir().unwrap();
    let running = start(busy.path(), &Opts::token(&unique("admin"))).await;
    let (dir, opts) = journal_folder(2).await;
    let seg = newest_segment(dir.path());
    let (at, len) = *frames(&seg).last().unwrap();
    truncate(&seg, at + FRAME_HEADER + len / 2);
    let files = folder_contents(dir.path());

    let same_port = Opts {
        port: Some(running.port()),
        ..opts
    };
    // Not `start_refused`: the port answers, as the running server.
    let logs = tempfile::tempdir().unwrap();
    let mut second = spawn(dir.path(), &same_port, logs.path().join("second.log"));
    let status = wait_exit(&mut second.child).await;
    let err = fs::read_to_string(&second.log).unwrap();
    assert!(!status.success(), "{err}");
    assert!(err.contains("cannot listen"), "{err}");
    assert_eq!(folder_contents(dir.path()), files);
    assert_eq!(running.status_of("/v1/permissions").await, StatusCode::OK);
}

/// Writes, a snapshot, more writes (in the journal only): what `acme` then
/// shows.
async fn snapshot_then_journal(s: &Server) -> BTreeMap<String, Value> {
    acme_with_an_event(s).await;
    s.put("/v1/orgs/acme/members/ann", json!({})).await;
    some_writes(s, "kept").await;
    s.snapshot().await;
    some_writes(s, "journal").await;
    s.put("/v1/orgs/acme/members/bob", json!({})).await;
    s.dump(&["acme"], &[]).await
}

/// The folder is deleted while the server runs. No write is acknowledged
/// after that (each answers `503 unavailable`; so does a read of what such
/// a write touched, which is in memory but on no disk), and SIGTERM makes
/// the folder again with everything held in memory, the admin token file
/// included: the restart has every write answered before the deletion.
#[tokio::test]
async fn a_deleted_folder_acknowledges_no_write_and_the_shutdown_snapshot_brings_back_everything() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("data");
    let opts = Opts::default();
    let mut s = start(&dir, &opts).await;
    let answered = snapshot_then_journal(&s).await;

    fs::remove_dir_all(&dir).unwrap();
    let mut unknown = Vec::new();
    for i in 0..5 {
        let area = format!("gone{i}");
        let path = format!("/v1/orgs/acme/events/e1/areas/{area}");
        let answer = s.call(Method::PUT, &path, None).await;
        assert_unavailable(&answer, "a write after the folder was deleted");
        unknown.push(json!(area));
    }
    let answer = s.call(Method::POST, "/v1/admin/snapshot", None).await;
    assert_unavailable(&answer, "a snapshot after the folder was deleted");

    let status = s.stop_with("TERM").await;
    assert!(status.success(), "{status}:\n{}", s.log_text());
    assert_eq!(snapshots(&dir).len(), 1, "the final snapshot");
    let s = start(&dir, &opts).await;
    let mut after = s.dump(&["acme"], &[]).await;
    // The writes answered 503 may or may not have been applied; all else
    // is exactly as answered.
    let e1 = "/v1/orgs/acme/events/e1";
    let areas = after[e1]["body"]["areas"].as_array().unwrap().clone();
    let (was, extra): (Vec<Value>, Vec<Value>) = areas.into_iter().partition(|a| {
        answered[e1]["body"]["areas"]
            .as_array()
            .unwrap()
            .contains(a)
    });
    assert!(extra.iter().all(|a| unknown.contains(a)), "{extra:?}");
    after.get_mut(e1).unwrap()["body"]["areas"] = Value::Array(was);
    assert_same_dump(&answered, &after);
    assert_populated_acme(&s).await;
}

/// The folder is deleted while no write comes in: the shutdown snapshot
/// finds it gone (the journal checks its segment before starting the
/// next) and makes it again with everything.
#[tokio::test]
async fn a_folder_deleted_while_idle_is_made_again_by_the_shutdown_snapshot() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("data");
    let opts = Opts::token(&unique("admin"));
    let mut s = start(&dir, &opts).await;
    let answered = snapshot_then_journal(&s).await;

    fs::remove_dir_all(&dir).unwrap();
    let status = s.stop_with("TERM").await;
    assert!(status.success(), "{status}:\n{}", s.log_text());
    let s = start(&dir, &opts).await;
    assert_same_dump(&answered, &s.dump(&["acme"], &[]).await);
    assert_populated_acme(&s).await;
}

/// Spot checks, so the comparison above cannot pass on two empty states.
async fn assert_populated_acme(s: &Server) {
    let e1 = s.get("/v1/orgs/acme/events/e1").await;
    let areas = e1["areas"].as_array().unwrap();
    assert!(
        areas.contains(&json!("kept0")) && areas.contains(&json!("journal9")),
        "{e1}"
    );
    assert_eq!(
        s.status_of("/v1/orgs/acme/members/bob").await,
        StatusCode::OK
    );
}

/// As above, but the folder's path then names a file, so the shutdown
/// snapshot cannot make the folder again: the server says the writes are
/// lost and exits non-zero.
#[tokio::test]
async fn a_folder_that_cannot_be_made_again_at_shutdown_exits_non_zero_and_says_why() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("data");
    let opts = Opts::token(&unique("admin"));
    let mut s = start(&dir, &opts).await;
    acme_with_an_event(&s).await;
    fs::remove_dir_all(&dir).unwrap();
    fs::write(&dir, b"not a folder").unwrap();
    let answer = s
        .call(Method::PUT, "/v1/orgs/acme/events/e1/areas/x", None)
        .await;
    assert_unavailable(&answer, "a write after the folder was replaced");

    let status = s.stop_with("TERM").await;
    let log = s.log_text();
    assert!(!status.success(), "exits non-zero:\n{log}");
    assert!(log.contains("lost"), "says the writes are lost:\n{log}");
    assert!(!log.contains("the journal still holds"), "{log}");
}

/// An admin token file that exists but cannot be read as a token stops
/// the start, naming the file, and is left as it was: the server never
/// writes a new token over an operator's. A file of mode 0200 would not
/// do here: the tests run as root, who reads it anyway; a folder, bytes
/// that are not text, and an empty file are unreadable as a token for
/// any user.
#[tokio::test]
async fn an_admin_token_file_that_cannot_be_read_stops_the_start_and_is_kept() {
    for case in ["folder", "not text", "empty"] {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("data");
        fs::create_dir_all(&dir).unwrap();
        let token = dir.join("admin.token");
        match case {
            "folder" => fs::create_dir(&token).unwrap(),
            "not text" => fs::write(&token, b"\xff\xfe secret \xc3").unwrap(),
            _ => fs::write(&token, b"").unwrap(),
        }
        let before = fs::read(&token).ok();
        let err = start_refused(&dir, &Opts::default()).await;
        assert!(
            err.contains(&token.display().to_string()),
            "{case}: names the file:\n{err}"
        );
        assert!(err.contains("admin token file"), "{case}:\n{err}");
        assert_eq!(fs::read(&token).ok(), before, "{case}: the file is kept");
        assert!(segments(&dir).is_empty(), "{case}: no journal was started");
    }
}
