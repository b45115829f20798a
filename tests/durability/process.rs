//! Running the real binary: start, stop the hard or the clean way, restart,
//! and talk to it over HTTP.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

pub const BIN: &str = env!("CARGO_BIN_EXE_gatehouse");
/// How long a server may take to answer `/health` after being spawned.
pub const START_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a server may take to exit (clean shutdown or refused start).
pub const EXIT_TIMEOUT: Duration = Duration::from_secs(15);
/// Polling step of every bounded wait.
pub const POLL: Duration = Duration::from_millis(10);

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A token no other test (or other run) uses, so a health check that reaches
/// some other process on a recycled port is noticed.
pub fn unique(tag: &str) -> String {
    format!(
        "{tag}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind an ephemeral port")
        .local_addr()
        .expect("local addr")
        .port()
}

/// How to start the binary.
#[derive(Clone, Debug, Default)]
pub struct Opts {
    /// `None`: no `--admin-token` (the server generates one).
    pub admin_token: Option<String>,
    pub restore: Option<PathBuf>,
    pub snapshot_interval: u64,
    /// `None`: a free port.
    pub port: Option<u16>,
    /// More command-line arguments.
    pub args: Vec<String>,
}

impl Opts {
    pub fn token(token: &str) -> Opts {
        Opts {
            admin_token: Some(token.to_string()),
            ..Opts::default()
        }
    }
}

/// A spawned binary, whatever became of it.
pub struct Spawned {
    pub child: Child,
    pub port: u16,
    pub log: PathBuf,
}

pub fn spawn(dir: &Path, opts: &Opts, log: PathBuf) -> Spawned {
    let port = opts.port.unwrap_or_else(free_port);
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
    cmd.args(&opts.args);
    let child = cmd.spawn().expect("spawn gatehouse");
    Spawned { child, port, log }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("http client")
}

/// A running server. Dropping it kills the process (and, if the test is
/// failing, prints its log).
pub struct Server {
    pub child: Option<Child>,
    pub base: String,
    pub token: String,
    pub log: PathBuf,
    pub client: reqwest::Client,
    pub _logs: tempfile::TempDir,
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
pub async fn start(dir: &Path, opts: &Opts) -> Server {
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

/// A fresh folder and a token of its own, with the binary started on them.
pub async fn start_fresh() -> (tempfile::TempDir, Opts, Server) {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = Opts::token(&unique("admin"));
    let server = start(dir.path(), &opts).await;
    (dir, opts, server)
}

/// Runs the binary on `dir` expecting it to refuse to start: it must exit
/// non-zero within [`EXIT_TIMEOUT`] and never answer `/health` meanwhile.
/// Returns its stderr.
pub async fn start_refused(dir: &Path, opts: &Opts) -> String {
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
pub async fn wait_exit(child: &mut Child) -> ExitStatus {
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
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("the server is running").id()
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.base
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("a port in the base address")
    }

    pub fn log_text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `kill -9`: no chance to flush or snapshot anything.
    pub fn kill9(&mut self) {
        let mut child = self.child.take().expect("the server is running");
        child.kill().expect("SIGKILL");
        let status = child.wait().expect("wait");
        assert!(!status.success(), "a SIGKILLed process cannot succeed");
    }

    /// Sends `signal` (`TERM`, `INT`) and waits for a clean exit.
    pub async fn stop_with(&mut self, signal: &str) -> ExitStatus {
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

    pub async fn try_call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<(StatusCode, Value), reqwest::Error> {
        send(&self.client, &self.base, &self.token, method, path, body).await
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let what = format!("{method} {path}");
        self.try_call(method, path, body)
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"))
    }

    /// A write that must succeed (2xx); returns the answer's body.
    pub async fn ok(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let what = format!("{method} {path}");
        let (status, value) = self.call(method, path, body).await;
        assert!(status.is_success(), "{what} answered {status}: {value}");
        value
    }

    pub async fn put(&self, path: &str, body: Value) -> Value {
        self.ok(Method::PUT, path, Some(body)).await
    }

    pub async fn put_empty(&self, path: &str) -> Value {
        self.ok(Method::PUT, path, None).await
    }

    pub async fn delete(&self, path: &str) {
        self.ok(Method::DELETE, path, None).await;
    }

    pub async fn get(&self, path: &str) -> Value {
        self.ok(Method::GET, path, None).await
    }

    pub async fn status_of(&self, path: &str) -> StatusCode {
        self.call(Method::GET, path, None).await.0
    }

    /// `POST /v1/admin/snapshot`: the file it wrote.
    pub async fn snapshot(&self) -> PathBuf {
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
    pub async fn dump(&self, orgs: &[&str], users: &[&str]) -> BTreeMap<String, Value> {
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

pub async fn send(
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
pub fn assert_same_dump(before: &BTreeMap<String, Value>, after: &BTreeMap<String, Value>) {
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
