#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Durability tests (SPEC §3): each test runs the real `gatehouse` binary as
//! a child process on its own snapshot folder, stops it the hard way
//! (`SIGKILL`) or the clean way (`SIGTERM`/`SIGINT`), damages files where the
//! test is about damage, starts it again and compares what the HTTP API
//! shows with what was acknowledged before.
//!
//! Nothing here sleeps and hopes: every wait polls a condition with a bounded
//! deadline.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_gatehouse");
/// How long a server may take to answer `/health` after being spawned.
const START_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a server may take to exit (clean shutdown or refused start).
const EXIT_TIMEOUT: Duration = Duration::from_secs(15);
/// Polling step of every bounded wait.
const POLL: Duration = Duration::from_millis(10);
/// Journal and snapshot file header: 8 magic bytes and a u32 version.
const HEADER_LEN: usize = 12;
/// Journal frame header: len u32, crc32 u32, seq u64.
const FRAME_HEADER: usize = 16;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A token no other test (or other run) uses, so a health check that reaches
/// some other process on a recycled port is noticed.
fn unique(tag: &str) -> String {
    format!(
        "{tag}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind an ephemeral port")
        .local_addr()
        .expect("local addr")
        .port()
}

// ---------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------

/// How to start the binary.
#[derive(Clone, Debug, Default)]
struct Opts {
    /// `None`: no `--admin-token` (the server generates one).
    admin_token: Option<String>,
    restore: Option<PathBuf>,
    snapshot_interval: u64,
}

impl Opts {
    fn token(token: &str) -> Opts {
        Opts {
            admin_token: Some(token.to_string()),
            ..Opts::default()
        }
    }
}

/// A spawned binary, whatever became of it.
struct Spawned {
    child: Child,
    port: u16,
    log: PathBuf,
}

fn spawn(dir: &Path, opts: &Opts, log: PathBuf) -> Spawned {
    let port = free_port();
    let stderr = fs::File::create(&log).expect("create the log file");
    let mut cmd = Command::new(BIN);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("GATEHOUSE_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("RUST_LOG", "info")
        .arg("--addr")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--snapshot-dir")
        .arg(dir)
        .arg("--snapshot-interval")
        .arg(opts.snapshot_interval.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(stderr));
    if let Some(token) = &opts.admin_token {
        cmd.arg("--admin-token").arg(token);
    }
    if let Some(file) = &opts.restore {
        cmd.arg("--restore").arg(file);
    }
    let child = cmd.spawn().expect("spawn gatehouse");
    Spawned { child, port, log }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("http client")
}

/// A running server. Dropping it kills the process (and, if the test is
/// failing, prints its log).
struct Server {
    child: Option<Child>,
    base: String,
    token: String,
    log: PathBuf,
    client: reqwest::Client,
    _logs: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            eprintln!(
                "---- server log ({}) ----\n{}",
                self.log.display(),
                fs::read_to_string(&self.log).unwrap_or_default()
            );
        }
    }
}

/// Starts the binary on `dir` and waits until it answers, as itself.
async fn start(dir: &Path, opts: &Opts) -> Server {
    let logs = tempfile::tempdir().expect("log dir");
    for attempt in 0..3 {
        let log = logs.path().join(format!("gatehouse-{attempt}.log"));
        let Spawned {
            mut child,
            port,
            log,
        } = spawn(dir, opts, log);
        let base = format!("http://127.0.0.1:{port}");
        let http = client();
        let deadline = Instant::now() + START_TIMEOUT;
        let mut up = false;
        while Instant::now() < deadline {
            if let Some(status) = child.try_wait().expect("try_wait") {
                let text = fs::read_to_string(&log).unwrap_or_default();
                if text.contains("cannot listen") {
                    break; // the port was taken meanwhile: try another
                }
                panic!("gatehouse exited during start-up ({status}):\n{text}");
            }
            let health = http
                .get(format!("{base}/health"))
                .timeout(Duration::from_secs(1))
                .send()
                .await;
            if matches!(&health, Ok(r) if r.status() == StatusCode::OK) {
                up = true;
                break;
            }
            tokio::time::sleep(POLL).await;
        }
        if !up {
            let _ = child.kill();
            let _ = child.wait();
            let text = fs::read_to_string(&log).unwrap_or_default();
            if text.contains("cannot listen") {
                continue;
            }
            panic!("gatehouse did not answer /health within {START_TIMEOUT:?}:\n{text}");
        }
        let token = match &opts.admin_token {
            Some(t) => t.clone(),
            None => fs::read_to_string(dir.join("admin.token"))
                .expect("the generated admin.token")
                .trim()
                .to_string(),
        };
        let server = Server {
            child: Some(child),
            base,
            token,
            log,
            client: http,
            _logs: logs,
        };
        // The port answered; make sure it is our process and our token.
        let (status, _) = server.call(Method::GET, "/v1/permissions", None).await;
        assert_eq!(status, StatusCode::OK, "the server on the port is not ours");
        return server;
    }
    panic!("could not find a free port for gatehouse");
}

/// Runs the binary on `dir` expecting it to refuse to start: it must exit
/// non-zero within [`EXIT_TIMEOUT`] and never answer `/health` meanwhile.
/// Returns its stderr.
async fn start_refused(dir: &Path, opts: &Opts) -> String {
    let logs = tempfile::tempdir().expect("log dir");
    let Spawned {
        mut child,
        port,
        log,
    } = spawn(dir, opts, logs.path().join("gatehouse.log"));
    let http = client();
    let deadline = Instant::now() + EXIT_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        let health = http
            .get(format!("http://127.0.0.1:{port}/health"))
            .timeout(Duration::from_millis(500))
            .send()
            .await;
        if matches!(&health, Ok(r) if r.status().is_success()) {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "gatehouse started serving although it should have refused:\n{}",
                fs::read_to_string(&log).unwrap_or_default()
            );
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "gatehouse neither served nor exited within {EXIT_TIMEOUT:?}:\n{}",
                fs::read_to_string(&log).unwrap_or_default()
            );
        }
        tokio::time::sleep(POLL).await;
    };
    let stderr = fs::read_to_string(&log).unwrap_or_default();
    assert!(
        !status.success(),
        "gatehouse should exit non-zero, got {status}:\n{stderr}"
    );
    stderr
}

/// Waits (bounded) for a child to exit.
async fn wait_exit(child: &mut Child) -> ExitStatus {
    let deadline = Instant::now() + EXIT_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("gatehouse did not exit within {EXIT_TIMEOUT:?}");
        }
        tokio::time::sleep(POLL).await;
    }
}

impl Server {
    fn log_text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `kill -9`: no chance to flush or snapshot anything.
    fn kill9(&mut self) {
        let mut child = self.child.take().expect("the server is running");
        child.kill().expect("SIGKILL");
        let status = child.wait().expect("wait");
        assert!(!status.success(), "a SIGKILLed process cannot succeed");
    }

    /// Sends `signal` (`TERM`, `INT`) and waits for a clean exit.
    async fn stop_with(&mut self, signal: &str) -> ExitStatus {
        // Close idle keep-alive connections first.
        self.client = client();
        let mut child = self.child.take().expect("the server is running");
        let sent = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -{signal} failed");
        wait_exit(&mut child).await
    }

    async fn try_call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<(StatusCode, Value), reqwest::Error> {
        send(&self.client, &self.base, &self.token, method, path, body).await
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let what = format!("{method} {path}");
        self.try_call(method, path, body)
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"))
    }

    /// A write that must succeed (2xx); returns the answer's body.
    async fn ok(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let what = format!("{method} {path}");
        let (status, value) = self.call(method, path, body).await;
        assert!(status.is_success(), "{what} answered {status}: {value}");
        value
    }

    async fn put(&self, path: &str, body: Value) -> Value {
        self.ok(Method::PUT, path, Some(body)).await
    }

    async fn put_empty(&self, path: &str) -> Value {
        self.ok(Method::PUT, path, None).await
    }

    async fn delete(&self, path: &str) {
        self.ok(Method::DELETE, path, None).await;
    }

    async fn get(&self, path: &str) -> Value {
        self.ok(Method::GET, path, None).await
    }

    async fn status_of(&self, path: &str) -> StatusCode {
        self.call(Method::GET, path, None).await.0
    }

    /// `POST /v1/admin/snapshot`: the file it wrote.
    async fn snapshot(&self) -> PathBuf {
        let answer = self.ok(Method::POST, "/v1/admin/snapshot", None).await;
        let file = PathBuf::from(answer["file"].as_str().expect("file"));
        let bytes = answer["bytes"].as_u64().expect("bytes");
        let on_disk = fs::metadata(&file).expect("the snapshot file exists").len();
        assert_eq!(on_disk, bytes, "the snapshot answer's size");
        file
    }

    /// Everything the read API shows about `orgs`: each org, its members and
    /// events, every event, and every user's view of every event, access
    /// and event list, for the given users and every member and slot holder.
    async fn dump(&self, orgs: &[&str], users: &[&str]) -> BTreeMap<String, Value> {
        let mut out = BTreeMap::new();
        for org in orgs {
            let base = format!("/v1/orgs/{org}");
            let mut paths = vec![
                base.clone(),
                format!("{base}/members"),
                format!("{base}/events"),
            ];
            let members = self.get(&format!("{base}/members")).await;
            let events = self.get(&format!("{base}/events")).await;
            let mut everyone: BTreeSet<String> = users.iter().map(|u| u.to_string()).collect();
            for m in members["members"].as_array().expect("members") {
                everyone.insert(m["user"].as_str().expect("user").to_string());
            }
            let mut event_ids = Vec::new();
            for e in events["events"].as_array().expect("events") {
                let id = e["id"].as_str().expect("event id").to_string();
                let info = self.get(&format!("{base}/events/{id}")).await;
                for h in info["slots"]["holders"].as_array().expect("holders") {
                    everyone.insert(h.as_str().expect("holder").to_string());
                }
                event_ids.push(id);
            }
            for id in &event_ids {
                paths.push(format!("{base}/events/{id}"));
                for u in &everyone {
                    paths.push(format!("{base}/events/{id}/users/{u}"));
                }
            }
            for u in &everyone {
                paths.push(format!("{base}/members/{u}"));
                paths.push(format!("{base}/access?user={u}"));
                paths.push(format!("{base}/users/{u}/events"));
            }
            for p in paths {
                let answer = self.call(Method::GET, &p, None).await;
                out.insert(p, json!({"status": answer.0.as_u16(), "body": answer.1}));
            }
        }
        out
    }
}

async fn send(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Result<(StatusCode, Value), reqwest::Error> {
    let mut request = client
        .request(method, format!("{base}{path}"))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await?;
    let status = response.status();
    let bytes = response.bytes().await?;
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    Ok((status, value))
}

/// Asserts two dumps are equal, naming every path that differs.
fn assert_same_dump(before: &BTreeMap<String, Value>, after: &BTreeMap<String, Value>) {
    let keys: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let diffs: Vec<String> = keys
        .into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .map(|k| {
            format!(
                "{k}\n  before: {}\n  after:  {}",
                before.get(k).map_or("<absent>".into(), Value::to_string),
                after.get(k).map_or("<absent>".into(), Value::to_string)
            )
        })
        .collect();
    assert!(
        diffs.is_empty(),
        "the state differs after the restart:\n{}",
        diffs.join("\n")
    );
}

// ---------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------

fn numbered(dir: &Path, prefix: &str, suffix: &str) -> Vec<(u64, PathBuf)> {
    let mut found: Vec<(u64, PathBuf)> = fs::read_dir(dir)
        .expect("list the snapshot dir")
        .filter_map(|e| {
            let e = e.ok()?;
            let name = e.file_name().to_string_lossy().into_owned();
            let n = name
                .strip_prefix(prefix)?
                .strip_suffix(suffix)?
                .parse()
                .ok()?;
            Some((n, e.path()))
        })
        .collect();
    found.sort();
    found
}

fn segments(dir: &Path) -> Vec<PathBuf> {
    numbered(dir, "journal-", ".log")
        .into_iter()
        .map(|(_, p)| p)
        .collect()
}

fn snapshots(dir: &Path) -> Vec<PathBuf> {
    numbered(dir, "snapshot-", ".bin")
        .into_iter()
        .map(|(_, p)| p)
        .collect()
}

fn newest_segment(dir: &Path) -> PathBuf {
    segments(dir).pop().expect("a journal segment")
}

fn newest_snapshot(dir: &Path) -> PathBuf {
    snapshots(dir).pop().expect("a snapshot")
}

/// The frames of a journal segment: (offset, body length), checked to fill
/// the file exactly.
fn frames(path: &Path) -> Vec<(usize, usize)> {
    let bytes = fs::read(path).expect("read segment");
    assert_eq!(&bytes[..8], b"GHJOURNL", "{} header", path.display());
    let mut at = HEADER_LEN;
    let mut out = Vec::new();
    while at < bytes.len() {
        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        out.push((at, len));
        at += FRAME_HEADER + len;
    }
    assert_eq!(at, bytes.len(), "{} ends inside a frame", path.display());
    out
}

/// The segment that holds the most frames (the one writes went to).
fn busiest_segment(dir: &Path) -> (PathBuf, Vec<(usize, usize)>) {
    segments(dir)
        .into_iter()
        .map(|p| {
            let f = frames(&p);
            (p, f)
        })
        .max_by_key(|(_, f)| f.len())
        .expect("a segment")
}

fn flip_byte(path: &Path, offset: usize) {
    let mut bytes = fs::read(path).expect("read");
    assert!(offset < bytes.len(), "offset {offset} past the end");
    bytes[offset] ^= 0xFF;
    fs::write(path, bytes).expect("write");
}

fn append_bytes(path: &Path, extra: &[u8]) {
    let mut bytes = fs::read(path).expect("read");
    bytes.extend_from_slice(extra);
    fs::write(path, bytes).expect("write");
}

fn truncate(path: &Path, len: usize) {
    let file = fs::OpenOptions::new()
        .write(true)
        .open(path)
        .expect("open for truncation");
    file.set_len(len as u64).expect("truncate");
}

/// Every file of a folder and its bytes.
fn folder_contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .expect("list")
        .map(|e| {
            let e = e.expect("entry");
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).expect("read"),
            )
        })
        .collect()
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .expect("file name")
        .to_string_lossy()
        .into_owned()
}

/// `gatehouse snapshot inspect FILE`: exit status, stdout, stderr.
fn inspect(file: &Path) -> (ExitStatus, String, String) {
    let out = Command::new(BIN)
        .args(["snapshot", "inspect"])
        .arg(file)
        .stdin(Stdio::null())
        .output()
        .expect("run gatehouse snapshot inspect");
    (
        out.status,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

// ---------------------------------------------------------------------------
// A state that touches every kind of write
// ---------------------------------------------------------------------------

const ORGS: &[&str] = &["acme", "solo"];
const USERS: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "vic", "wes", "pat",
];

/// Orgs, licenses, members, events, collaborators, areas, slots,
/// attachments, grants, renames and deletes of each.
async fn populate(s: &Server) {
    let acme = "/v1/orgs/acme";
    let e1 = "/v1/orgs/acme/events/e1";
    let e2 = "/v1/orgs/acme/events/e2";
    s.put(acme, json!({"kind": "team"})).await;
    s.put(
        &format!("{acme}/licenses"),
        json!({"org_standard": 3, "org_pro": 2, "event_pro": 2}),
    )
    .await;
    s.put("/v1/orgs/solo", json!({"kind": "personal", "owner": "pat"}))
        .await;
    s.put("/v1/orgs/solo/licenses", json!({"event_pro": 1}))
        .await;

    s.put(
        &format!("{acme}/members/alice"),
        json!({"license": "org_standard"}),
    )
    .await;
    s.put(&format!("{acme}/members/bob"), json!({"license": null}))
        .await;
    s.put(&format!("{acme}/members/carol"), json!({})).await;
    s.put(
        &format!("{acme}/members/dave"),
        json!({"license": "org_standard"}),
    )
    .await;
    s.delete(&format!("{acme}/members/dave")).await;

    s.put(e1, json!({"name": "Main"})).await;
    s.put_empty(e2).await;
    s.put(&format!("{acme}/events/e3"), json!({"name": "Doomed"}))
        .await;
    s.delete(&format!("{acme}/events/e3")).await;
    s.put(e1, json!({"name": "Main Stage"})).await;

    s.put(&format!("{e1}/collaborators/c1"), json!({"name": "Band"}))
        .await;
    s.put_empty(&format!("{e1}/collaborators/c2")).await;
    s.put(&format!("{e1}/areas/a1"), json!({"name": "main-stage"}))
        .await;
    s.put_empty(&format!("{e1}/areas/a2")).await;

    s.put_empty(&format!("{e1}/slots/carol")).await;
    s.put_empty(&format!("{e1}/slots/erin")).await;
    s.put_empty(&format!("{e2}/slots/frank")).await;
    s.put_empty(&format!("{e2}/slots/bob")).await;
    s.delete(&format!("{e2}/slots/frank")).await;
    let promoted = s
        .put(
            &format!("{acme}/members/bob"),
            json!({"license": "org_pro"}),
        )
        .await;
    assert_eq!(promoted["released_slots"], json!(["e2"]), "{promoted}");

    s.put_empty(&format!("{e1}/collaborators/c1/users/vic"))
        .await;
    s.put(
        &format!("{e1}/collaborators/c1/users/wes"),
        json!({"permissions": ["Collaborator.View", "Collaborator.FileView"]}),
    )
    .await;
    s.delete(&format!("{e1}/collaborators/c1/users/wes")).await;
    s.put_empty(&format!("{e1}/collaborators/c2/users/wes"))
        .await;

    s.put_empty(&format!("{e1}/users/carol/grants/Event.Admin"))
        .await;
    s.put_empty(&format!("{e1}/users/erin/grants/Area.FileUpload?area=a1"))
        .await;
    s.put_empty(&format!("{e1}/users/erin/grants/Area.View?area=a2"))
        .await;
    s.put_empty(&format!(
        "{e1}/users/erin/grants/Collaborator.View?collaborator=c1"
    ))
    .await;
    s.put_empty(&format!(
        "{e1}/users/erin/grants/Collaborator.FileView?collaborator=c2"
    ))
    .await;
    s.put_empty(&format!("{e2}/users/erin/grants/Event.View"))
        .await;
    s.delete(&format!("{e2}/users/erin/grants/Event.View"))
        .await;
    s.put_empty(&format!("{e1}/users/alice/grants/Event.ScheduleEdit"))
        .await;
    s.put_empty(&format!("{e2}/users/bob/grants/Event.Update"))
        .await;
    // Deleting a collaborator or area drops its scoped grants and
    // attachments.
    s.delete(&format!("{e1}/collaborators/c2")).await;
    s.delete(&format!("{e1}/areas/a2")).await;

    s.put_empty("/v1/orgs/solo/events/s1").await;
    s.put_empty("/v1/orgs/solo/events/s1/slots/pat").await;
    s.put_empty("/v1/orgs/solo/events/s1/users/pat/grants/Event.Admin")
        .await;

    s.put(&format!("{acme}/licenses"), json!({"org_standard": 2}))
        .await;
}

/// Spot checks of [`populate`]'s state, so a dump comparison can never pass
/// on two empty states.
async fn assert_populated(s: &Server) {
    let acme = "/v1/orgs/acme";
    let e1 = s.get(&format!("{acme}/events/e1")).await;
    assert_eq!(e1["name"], "Main Stage", "{e1}");
    assert_eq!(e1["slots"]["holders"], json!(["carol", "erin"]), "{e1}");
    assert_eq!(e1["collaborators"], json!(["c1"]), "{e1}");
    assert_eq!(e1["areas"], json!(["a1"]), "{e1}");
    let e2 = s.get(&format!("{acme}/events/e2")).await;
    assert_eq!(e2["slots"]["holders"], json!([]), "{e2}");
    assert_eq!(
        s.status_of(&format!("{acme}/events/e3")).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.status_of(&format!("{acme}/members/dave")).await,
        StatusCode::NOT_FOUND
    );
    let bob = s.get(&format!("{acme}/members/bob")).await;
    assert_eq!(bob["license"], "org_pro");
    let org = s.get(acme).await;
    assert_eq!(org["licenses"]["org_standard"]["total"], 2, "{org}");
    assert_eq!(org["licenses"]["org_standard"]["used"], 1, "{org}");
    assert_eq!(org["licenses"]["org_pro"]["used"], 1, "{org}");
    assert_eq!(org["licenses"]["event_pro"]["total"], 2, "{org}");
    let vic = s.get(&format!("{acme}/events/e1/users/vic")).await;
    assert_eq!(vic["license"], "collaborator", "{vic}");
    assert_eq!(vic["grants"].as_array().map(Vec::len), Some(6), "{vic}");
    let wes = s.get(&format!("{acme}/events/e1/users/wes")).await;
    assert_eq!(wes["collaborators"], json!([]), "{wes}");
    let grants: BTreeSet<String> = wes["grants"]
        .as_array()
        .expect("grants")
        .iter()
        .map(Value::to_string)
        .collect();
    let expected: BTreeSet<String> = [
        json!({"permission": "Collaborator.FileView", "collaborator": "c1"}),
        json!({"permission": "Collaborator.View", "collaborator": "c1"}),
    ]
    .iter()
    .map(Value::to_string)
    .collect();
    assert_eq!(grants, expected, "{wes}");
    let erin = s.get(&format!("{acme}/events/e1/users/erin")).await;
    assert_eq!(erin["grants"].as_array().map(Vec::len), Some(2), "{erin}");
    let erin2 = s.get(&format!("{acme}/events/e2/users/erin")).await;
    assert_eq!(erin2["grants"], json!([]), "{erin2}");
    let s1 = s.get("/v1/orgs/solo/events/s1").await;
    assert_eq!(s1["slots"]["holders"], json!(["pat"]), "{s1}");
}

// ---------------------------------------------------------------------------
// Concurrent writers
// ---------------------------------------------------------------------------

/// What a writer knows about one thing it wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Known {
    Yes,
    No,
    /// The request got no answer (the server died under it).
    Unknown,
}

/// One writer's record of what it was told.
#[derive(Debug, Default)]
struct WriterLog {
    /// (event, user) → holds a slot there.
    slots: BTreeMap<(String, String), Known>,
    /// (event, user) with an acknowledged `Event.View` grant.
    grants: BTreeSet<(String, String)>,
    /// Members acknowledged with `org_standard`.
    members: BTreeSet<String>,
    acked: usize,
}

/// Where the writers send their requests.
#[derive(Clone)]
struct Target {
    http: reqwest::Client,
    base: String,
    token: String,
    org: &'static str,
    events: &'static [&'static str],
}

impl Target {
    fn of(s: &Server, org: &'static str, events: &'static [&'static str]) -> Target {
        Target {
            http: client(),
            base: s.base.clone(),
            token: s.token.clone(),
            org,
            events,
        }
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<(StatusCode, Value), reqwest::Error> {
        send(&self.http, &self.base, &self.token, method, path, body).await
    }
}

/// Writer `w`: in round `k` it gives user `w{w}u{k}` a slot on one of the
/// target's events, grants them `Event.View` there, makes every fifth one
/// an `org_standard` member, and releases the slot it got in the round
/// before (so slots keep changing hands). It stops after `rounds` rounds,
/// when a request gets no answer, or when `stop` is set. Every
/// acknowledged write is counted in `acked`.
async fn writer(
    t: Target,
    w: usize,
    rounds: usize,
    stop: &AtomicBool,
    acked: &AtomicUsize,
) -> WriterLog {
    let mut log = WriterLog::default();
    let ack = |log: &mut WriterLog| {
        log.acked += 1;
        acked.fetch_add(1, Ordering::Relaxed);
    };
    let mut held: Option<(String, String)> = None;
    for k in 0..rounds {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let event = t.events[(w + k) % t.events.len()];
        let user = format!("w{w}u{k}");
        let key = (event.to_string(), user.clone());
        let ev = format!("/v1/orgs/{}/events/{event}", t.org);

        match t
            .send(Method::PUT, &format!("{ev}/slots/{user}"), None)
            .await
        {
            Ok((st, _)) if st.is_success() => {
                log.slots.insert(key.clone(), Known::Yes);
                ack(&mut log);
            }
            Ok((StatusCode::CONFLICT, body)) => {
                assert_eq!(body["error"], "no_slot_available", "{body}");
                log.slots.insert(key.clone(), Known::No);
            }
            Ok((st, body)) => panic!("PUT slot answered {st}: {body}"),
            Err(_) => {
                log.slots.insert(key, Known::Unknown);
                break;
            }
        }

        let grant = format!("{ev}/users/{user}/grants/Event.View");
        match t.send(Method::PUT, &grant, None).await {
            Ok((st, _)) if st.is_success() => {
                log.grants.insert(key.clone());
                ack(&mut log);
            }
            Ok((st, body)) => panic!("PUT grant answered {st}: {body}"),
            Err(_) => break,
        }

        if k % 5 == 0 {
            let path = format!("/v1/orgs/{}/members/{user}", t.org);
            let body = json!({"license": "org_standard"});
            match t.send(Method::PUT, &path, Some(body)).await {
                Ok((st, _)) if st.is_success() => {
                    log.members.insert(user.clone());
                    ack(&mut log);
                }
                Ok((st, body)) => panic!("PUT member answered {st}: {body}"),
                Err(_) => break,
            }
        }

        if let Some((event, user)) = held.take() {
            let path = format!("/v1/orgs/{}/events/{event}/slots/{user}", t.org);
            let key = (event, user);
            match t.send(Method::DELETE, &path, None).await {
                Ok((StatusCode::NO_CONTENT, _)) => {
                    log.slots.insert(key, Known::No);
                    ack(&mut log);
                }
                Ok((st, body)) => panic!("DELETE slot answered {st}: {body}"),
                Err(_) => {
                    log.slots.insert(key, Known::Unknown);
                    break;
                }
            }
        }
        if log.slots.get(&key) == Some(&Known::Yes) {
            held = Some(key);
        }
    }
    log
}

/// Checks every acknowledged write of `logs` on a (restarted) server, and
/// that no event has more slot holders than `event_pro`.
async fn assert_acknowledged(s: &Server, org: &str, events: &[&str], logs: &[WriterLog]) {
    let info = s.get(&format!("/v1/orgs/{org}")).await;
    let total = info["licenses"]["event_pro"]["total"]
        .as_u64()
        .expect("event_pro total");
    let mut holders: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for event in events {
        let e = s.get(&format!("/v1/orgs/{org}/events/{event}")).await;
        let list: BTreeSet<String> = e["slots"]["holders"]
            .as_array()
            .expect("holders")
            .iter()
            .map(|h| h.as_str().expect("holder").to_string())
            .collect();
        assert!(
            list.len() as u64 <= total,
            "event {event} has {} slot holders with event_pro {total}: {e}",
            list.len()
        );
        assert_eq!(e["slots"]["used"], list.len(), "{e}");
        assert_eq!(e["slots"]["total"], total, "{e}");
        holders.insert(event.to_string(), list);
    }
    let members = s.get(&format!("/v1/orgs/{org}/members")).await;
    let members: BTreeMap<String, Value> = members["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| {
            (
                m["user"].as_str().unwrap().to_string(),
                m["license"].clone(),
            )
        })
        .collect();
    let mut checked = 0;
    for log in logs {
        for ((event, user), known) in &log.slots {
            let held = holders[event].contains(user);
            match known {
                Known::Yes => assert!(held, "acknowledged slot {user} on {event} is lost"),
                Known::No => assert!(
                    !held,
                    "{user} holds a slot on {event} it was refused or released"
                ),
                Known::Unknown => {}
            }
            checked += 1;
        }
        for (event, user) in &log.grants {
            let view = s
                .get(&format!("/v1/orgs/{org}/events/{event}/users/{user}"))
                .await;
            assert!(
                view["grants"]
                    .as_array()
                    .expect("grants")
                    .contains(&json!({"permission": "Event.View"})),
                "acknowledged grant Event.View of {user} on {event} is lost: {view}"
            );
            checked += 1;
        }
        for user in &log.members {
            assert_eq!(
                members.get(user),
                Some(&json!("org_standard")),
                "acknowledged member {user} is lost"
            );
            checked += 1;
        }
    }
    assert!(checked > 0, "nothing was checked");
}

/// An org `org` with `events`, `event_pro` slots each, and a large
/// `org_standard` pool for the writers' members.
async fn setup_writers_org(s: &Server, org: &str, events: &[&str], event_pro: u32) {
    s.put(&format!("/v1/orgs/{org}"), json!({"kind": "team"}))
        .await;
    s.put(
        &format!("/v1/orgs/{org}/licenses"),
        json!({"org_standard": 100_000, "event_pro": event_pro}),
    )
    .await;
    for e in events {
        s.put_empty(&format!("/v1/orgs/{org}/events/{e}")).await;
    }
}

/// Waits (bounded by `limit`) until `acked` reaches `n` or `done` is set.
async fn wait_for_acks(acked: &AtomicUsize, n: usize, done: &AtomicBool, limit: Duration) {
    let deadline = Instant::now() + limit;
    while acked.load(Ordering::Relaxed) < n
        && !done.load(Ordering::Relaxed)
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

// ---------------------------------------------------------------------------
// 1. kill -9 right after acknowledged writes
// ---------------------------------------------------------------------------

#[tokio::test]
async fn kill9_after_acknowledged_writes_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let opts = Opts::token(&unique("admin"));
    let mut s = start(dir.path(), &opts).await;
    populate(&s).await;
    assert_populated(&s).await;
    let before = s.dump(ORGS, USERS).await;
    s.kill9();

    let s = start(dir.path(), &opts).await;
    assert_populated(&s).await;
    let after = s.dump(ORGS, USERS).await;
    assert_same_dump(&before, &after);
    assert!(
        snapshots(dir.path()).is_empty(),
        "no snapshot was taken: the state came from the journal alone"
    );
}

// ---------------------------------------------------------------------------
// 2. kill -9 under 8 concurrent writers
// ---------------------------------------------------------------------------

#[tokio::test]
async fn kill9_under_concurrent_writers_keeps_every_acknowledged_write() {
    const ORG: &str = "busy";
    const EVENTS: &[&str] = &["ev0", "ev1", "ev2"];
    let dir = tempfile::tempdir().unwrap();
    let opts = Opts::token(&unique("admin"));
    let mut s = start(dir.path(), &opts).await;
    setup_writers_org(&s, ORG, EVENTS, 2).await;

    let stop = AtomicBool::new(false);
    let acked = AtomicUsize::new(0);
    let target = Target::of(&s, ORG, EVENTS);
    let writers = join_all((0..8).map(|w| writer(target.clone(), w, 400, &stop, &acked)));
    let killer = async {
        // Kill while every writer is mid-loop.
        wait_for_acks(&acked, 200, &stop, Duration::from_secs(10)).await;
        s.kill9();
        stop.store(true, Ordering::Relaxed);
    };
    let (logs, ()) = tokio::join!(writers, killer);
    let total: usize = logs.iter().map(|l| l.acked).sum();
    assert!(total >= 200, "only {total} writes were acknowledged");
    assert!(
        logs.iter().all(|l| l.acked > 0),
        "every writer got some writes in"
    );

    let s = start(dir.path(), &opts).await;
    assert_acknowledged(&s, ORG, EVENTS, &logs).await;
}

// ---------------------------------------------------------------------------
// 3. SIGTERM / SIGINT: clean exit, a final snapshot, the same state
// ---------------------------------------------------------------------------

#[tokio::test]
async fn sigterm_and_sigint_exit_cleanly_with_a_final_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let opts = Opts::token(&unique("admin"));
    let mut s = start(dir.path(), &opts).await;
    populate(&s).await;
    let before = s.dump(ORGS, USERS).await;
    assert!(snapshots(dir.path()).is_empty());
    let status = s.stop_with("TERM").await;
    assert!(status.success(), "SIGTERM should exit 0, got {status}");
    let snap = newest_snapshot(dir.path());
    let (status, out, err) = inspect(&snap);
    assert!(status.success(), "inspect the final snapshot: {err}");
    let summary: Value = serde_json::from_str(&out).expect("inspect prints JSON");
    assert_eq!(summary["orgs"], 2, "{summary}");

    // The restart starts from that snapshot; nothing is lost or doubled.
    let mut s = start(dir.path(), &opts).await;
    assert_populated(&s).await;
    assert_same_dump(&before, &s.dump(ORGS, USERS).await);

    // Once more with SIGINT, after a write made on the restored state.
    s.put_empty("/v1/orgs/acme/events/e2/slots/zed").await;
    let before = s.dump(ORGS, USERS).await;
    let status = s.stop_with("INT").await;
    assert!(status.success(), "SIGINT should exit 0, got {status}");
    assert_ne!(newest_snapshot(dir.path()), snap, "SIGINT wrote a snapshot");
    let s = start(dir.path(), &opts).await;
    assert_same_dump(&before, &s.dump(ORGS, USERS).await);
    let e2 = s.get("/v1/orgs/acme/events/e2").await;
    assert_eq!(e2["slots"]["holders"], json!(["zed"]), "{e2}");
}

// ---------------------------------------------------------------------------
// 4. A snapshot plus the journal after it
// ---------------------------------------------------------------------------

#[tokio::test]
async fn snapshot_then_writes_then_kill9_restores_both() {
    let dir = tempfile::tempdir().unwrap();
    let opts = Opts::token(&unique("admin"));
    let mut s = start(dir.path(), &opts).await;
    let acme = "/v1/orgs/acme";
    let e1 = "/v1/orgs/acme/events/e1";
    let e2 = "/v1/orgs/acme/events/e2";
    s.put(acme, json!({"kind": "team"})).await;
    s.put(
        &format!("{acme}/licenses"),
        json!({"org_standard": 2, "org_pro": 2, "event_pro": 3}),
    )
    .await;
    s.put(&format!("{acme}/members/uma"), json!({"license": null}))
        .await;
    s.put(e1, json!({"name": "Before"})).await;
    s.put_empty(e2).await;
    s.put_empty(&format!("{e1}/slots/uma")).await;
    s.put_empty(&format!("{e2}/slots/uma")).await;
    s.put_empty(&format!("{e2}/slots/ned")).await;
    s.put_empty(&format!("{e1}/collaborators/c1")).await;
    s.put_empty(&format!("{e1}/areas/a1")).await;
    s.put_empty(&format!("{e1}/users/ned/grants/Area.View?area=a1"))
        .await;
    s.put_empty(&format!("{e1}/collaborators/c1/users/vic"))
        .await;
    let first = s.snapshot().await;

    // After the snapshot: changes to everything the snapshot holds.
    let promoted = s
        .put(
            &format!("{acme}/members/uma"),
            json!({"license": "org_pro"}),
        )
        .await;
    assert_eq!(promoted["released_slots"], json!(["e1", "e2"]));
    s.put(e1, json!({"name": "After"})).await;
    s.delete(e2).await;
    s.put(e2, json!({"name": "Reborn"})).await;
    s.put_empty(&format!("{e2}/slots/ned")).await;
    s.delete(&format!("{e1}/areas/a1")).await;
    s.put_empty(&format!("{e1}/areas/a9")).await;
    s.put_empty(&format!("{e1}/users/ned/grants/Area.View?area=a9"))
        .await;
    s.delete(&format!("{e1}/collaborators/c1/users/vic")).await;
    s.put(
        &format!("{acme}/members/ola"),
        json!({"license": "org_standard"}),
    )
    .await;
    s.put(&format!("{acme}/licenses"), json!({"event_pro": 1}))
        .await;
    s.put("/v1/orgs/late", json!({"kind": "personal", "owner": "lou"}))
        .await;
    let users = &["uma", "ned", "vic", "ola", "lou"];
    let before = s.dump(&["acme", "late"], users).await;
    s.kill9();

    let mut s = start(dir.path(), &opts).await;
    assert_eq!(newest_snapshot(dir.path()), first);
    let after = s.dump(&["acme", "late"], users).await;
    assert_same_dump(&before, &after);
    let e1_now = s.get(e1).await;
    assert_eq!(e1_now["name"], "After");
    assert_eq!(e1_now["slots"]["holders"], json!([]));
    assert_eq!(e1_now["areas"], json!(["a9"]));
    let e2_now = s.get(e2).await;
    assert_eq!(e2_now["slots"]["holders"], json!(["ned"]));

    // Snapshots taken while writers are in flight, writes after the last
    // one, then kill -9.
    const ORG: &str = "busy";
    const EVENTS: &[&str] = &["ev0", "ev1", "ev2", "ev3"];
    setup_writers_org(&s, ORG, EVENTS, 3).await;
    let done = AtomicBool::new(false);
    let acked = AtomicUsize::new(0);
    let target = Target::of(&s, ORG, EVENTS);
    let writers = async {
        let logs = join_all((0..6).map(|w| writer(target.clone(), w, 40, &done, &acked))).await;
        done.store(true, Ordering::Relaxed);
        logs
    };
    let snapshotter = async {
        let mut taken = Vec::new();
        for n in [60, 180, 300] {
            wait_for_acks(&acked, n, &done, Duration::from_secs(20)).await;
            if done.load(Ordering::Relaxed) {
                break;
            }
            taken.push(s.snapshot().await);
        }
        taken
    };
    let (logs, taken) = tokio::join!(writers, snapshotter);
    assert!(
        !taken.is_empty(),
        "no snapshot was taken while the writers ran"
    );
    // Writes after the last snapshot: the journal must be replayed over it.
    s.put_empty(&format!("/v1/orgs/{ORG}/events/ev0/areas/tail"))
        .await;
    let users: Vec<String> = (0..6)
        .flat_map(|w| (0..40).map(move |k| format!("w{w}u{k}")))
        .collect();
    let users: Vec<&str> = users.iter().map(String::as_str).collect();
    let before = s.dump(&["acme", "late", ORG], &users).await;
    s.kill9();

    let s = start(dir.path(), &opts).await;
    assert_acknowledged(&s, ORG, EVENTS, &logs).await;
    assert_same_dump(&before, &s.dump(&["acme", "late", ORG], &users).await);
}

// ---------------------------------------------------------------------------
// 5. A torn last journal record
// ---------------------------------------------------------------------------

#[tokio::test]
async fn torn_journal_tail_is_dropped_and_logged() {
    let dir = tempfile::tempdir().unwrap();
    let opts = Opts::token(&unique("admin"));
    let mut s = start(dir.path(), &opts).await;
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
async fn journal_folder(areas: usize) -> (tempfile::TempDir, Opts) {
    let dir = tempfile::tempdir().unwrap();
    let opts = Opts::token(&unique("admin"));
    let mut s = start(dir.path(), &opts).await;
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
async fn assert_refused_untouched(dir: &Path, opts: &Opts, damaged: &Path) {
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
    let dir = tempfile::tempdir().unwrap();
    let opts = Opts::token(&unique("admin"));
    let mut s = start(dir.path(), &opts).await;
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
    let dir = tempfile::tempdir().unwrap();
    let opts = Opts::token(&unique("admin"));
    let mut s = start(dir.path(), &opts).await;
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

// ---------------------------------------------------------------------------
// 8. --restore FILE
// ---------------------------------------------------------------------------

#[tokio::test]
async fn restore_from_a_file_then_restart_keeps_that_state() {
    let dir_a = tempfile::tempdir().unwrap();
    let opts_a = Opts::token(&unique("admin"));
    let mut a = start(dir_a.path(), &opts_a).await;
    populate(&a).await;
    let expected = a.dump(ORGS, USERS).await;
    let snap = a.snapshot().await;
    // A write after the snapshot is in A's journal, not in the file.
    a.put_empty("/v1/orgs/acme/events/e2/slots/late").await;
    a.kill9();
    let carried = tempfile::tempdir().unwrap();
    let file = carried.path().join("colleague.bin");
    fs::copy(&snap, &file).unwrap();

    // An empty folder, started from the file.
    let dir_b = tempfile::tempdir().unwrap();
    let opts_b = Opts::token(&unique("admin"));
    let restore = Opts {
        restore: Some(file.clone()),
        ..opts_b.clone()
    };
    let mut b = start(dir_b.path(), &restore).await;
    assert_populated(&b).await;
    assert_same_dump(&expected, &b.dump(ORGS, USERS).await);
    b.kill9();
    let mut b = start(dir_b.path(), &opts_b).await;
    assert_same_dump(&expected, &b.dump(ORGS, USERS).await);
    b.kill9();

    // A folder with a state and journal of its own: --restore replaces it,
    // and a restart without --restore replays none of the old journal.
    let dir_c = tempfile::tempdir().unwrap();
    let mut c = start(dir_c.path(), &opts_b).await;
    c.put("/v1/orgs/acme", json!({"kind": "team"})).await;
    c.put("/v1/orgs/acme/licenses", json!({"event_pro": 5}))
        .await;
    c.put_empty("/v1/orgs/acme/events/e1").await;
    c.put_empty("/v1/orgs/acme/events/e1/slots/intruder").await;
    c.put("/v1/orgs/other", json!({"kind": "team"})).await;
    c.snapshot().await;
    c.put_empty("/v1/orgs/acme/events/e9").await;
    c.kill9();
    let mut c = start(dir_c.path(), &restore).await;
    assert_same_dump(&expected, &c.dump(ORGS, USERS).await);
    assert_eq!(c.status_of("/v1/orgs/other").await, StatusCode::NOT_FOUND);
    c.put_empty("/v1/orgs/acme/events/e1/areas/after-restore")
        .await;
    let expected_c = c.dump(ORGS, USERS).await;
    c.kill9();
    let c = start(dir_c.path(), &opts_b).await;
    assert_same_dump(&expected_c, &c.dump(ORGS, USERS).await);
    assert_eq!(c.status_of("/v1/orgs/other").await, StatusCode::NOT_FOUND);
    assert_eq!(
        c.status_of("/v1/orgs/acme/events/e9").await,
        StatusCode::NOT_FOUND
    );
    let e1 = c.get("/v1/orgs/acme/events/e1").await;
    assert_eq!(e1["slots"]["holders"], json!(["carol", "erin"]), "{e1}");
    assert!(e1["areas"]
        .as_array()
        .unwrap()
        .contains(&json!("after-restore")));
    // The file it was restored from is untouched.
    assert_eq!(fs::read(&file).unwrap(), fs::read(&snap).unwrap());
}

// ---------------------------------------------------------------------------
// 9. A generated admin token
// ---------------------------------------------------------------------------

#[tokio::test]
async fn generated_admin_token_is_written_0600_and_works() {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().unwrap();
    let opts = Opts::default();
    let mut s = start(dir.path(), &opts).await;
    let path = dir.path().join("admin.token");
    let mode = fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(
        mode & 0o777,
        0o600,
        "admin.token mode is {:o}",
        mode & 0o777
    );
    let token = fs::read_to_string(&path).unwrap().trim().to_string();
    assert!(token.len() >= 16, "a token of some strength: {token:?}");
    assert_eq!(s.token, token);

    // It works as a bearer token; another one does not.
    s.put("/v1/orgs/acme", json!({"kind": "team"})).await;
    let (status, _) = send(
        &s.client,
        &s.base,
        "not-the-token",
        Method::GET,
        "/v1/orgs/acme",
        None,
    )
    .await
    .unwrap();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    s.kill9();

    // The next start keeps it.
    let s = start(dir.path(), &opts).await;
    assert_eq!(
        fs::read_to_string(&path).unwrap().trim(),
        token,
        "the token file is reused"
    );
    let org = s.get("/v1/orgs/acme").await;
    assert_eq!(org["kind"], "team");
}

// ---------------------------------------------------------------------------
// 2b. kill -9 while an Org Pro promotion releases a slot
// ---------------------------------------------------------------------------

/// Giving a member Org Pro releases their Event Pro slots. The released slot
/// may be handed to someone else at once; if that grab is acknowledged and
/// the server dies before the promotion is on disk, the restart must still
/// hold at most `event_pro` users per event (SPEC §1: "at most `event_pro`
/// users hold a slot on one event at any instant") and keep the
/// acknowledged grab.
///
/// Many filler events make the promotion's round of all events slow, so the
/// grab can be answered while the promotion is still pending; the test then
/// kills the server and checks the restart, several times over.
#[tokio::test]
async fn kill9_while_org_pro_releases_a_slot_keeps_the_slot_pool_invariant() {
    const ORG: &str = "pro";
    let dir = tempfile::tempdir().unwrap();
    let opts = Opts::token(&unique("admin"));
    let mut s = start(dir.path(), &opts).await;
    s.put(&format!("/v1/orgs/{ORG}"), json!({"kind": "team"}))
        .await;
    s.put(
        &format!("/v1/orgs/{ORG}/licenses"),
        json!({"org_pro": 100_000, "event_pro": 1}),
    )
    .await;
    // Fillers sort after the race events, so each race event hears of the
    // promotion long before the org has heard back from all events.
    let fillers: Vec<String> = (0..400)
        .map(|i| format!("/v1/orgs/{ORG}/events/z{i:03}"))
        .collect();
    for chunk in fillers.chunks(50) {
        join_all(chunk.iter().map(|p| s.put_empty(p))).await;
    }

    let deadline = Instant::now() + Duration::from_secs(10);
    let mut kills = 0;
    let mut round = 0;
    while kills < 8 && Instant::now() < deadline {
        round += 1;
        let ev = format!("/v1/orgs/{ORG}/events/a{round:03}");
        let (holder, grabber) = (format!("p{round}"), format!("q{round}"));
        s.put_empty(&ev).await;
        s.put(
            &format!("/v1/orgs/{ORG}/members/{holder}"),
            json!({"license": null}),
        )
        .await;
        s.put_empty(&format!("{ev}/slots/{holder}")).await;

        let t = Target::of(&s, ORG, &[]);
        let t2 = t.clone();
        let member = format!("/v1/orgs/{ORG}/members/{holder}");
        let slot = format!("{ev}/slots/{grabber}");
        let mut promote = Box::pin(async move {
            let body = json!({"license": "org_pro"});
            t.send(Method::PUT, &member, Some(body)).await
        });
        let mut grabs =
            Box::pin(
                async move { join_all((0..4).map(|_| t2.send(Method::PUT, &slot, None))).await },
            );
        let grabbed_first = tokio::select! {
            biased;
            _ = &mut promote => {
                grabs.await;
                false
            }
            answers = &mut grabs => {
                answers.iter().any(|a| matches!(a, Ok((st, _)) if st.is_success()))
            }
        };
        if !grabbed_first {
            continue;
        }
        // The grab is acknowledged; the promotion has not been answered.
        drop(promote);
        s.kill9();
        kills += 1;
        s = start(dir.path(), &opts).await;
        let e = s.get(&ev).await;
        let holders = e["slots"]["holders"].as_array().expect("holders");
        assert!(
            holders.contains(&json!(grabber)),
            "the acknowledged slot of {grabber} is lost: {e}"
        );
        assert!(
            holders.len() <= 1,
            "after kill -9 while {holder} was being given Org Pro, event {ev} has {} \
             slot holders with event_pro 1: {e}",
            holders.len()
        );
    }
    eprintln!("{round} rounds, {kills} kills with the grab answered first");
}
