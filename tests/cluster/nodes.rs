//! A cluster of real `gatehouse` processes on 127.0.0.1 (`--cluster FILE
//! --node ID`), each on its own folder and free ports, with HAProxy in
//! front on the configuration `gatehouse cluster haproxy` prints. Nodes can
//! be killed (`SIGKILL`), paused (`SIGSTOP`/`SIGCONT`) and restarted.

use std::fs;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::Value;

use super::proxy::Proxy;

pub const TOKEN: &str = "admin-secret";
pub const CHECK_TOKEN: &str = "check-secret";
const BIN: &str = env!("CARGO_BIN_EXE_gatehouse");

pub struct Node {
    pub id: String,
    /// `http://127.0.0.1:PORT`: the node itself, not the proxy.
    pub base: String,
    child: Option<Child>,
    log: PathBuf,
}

pub struct TestCluster {
    pub nodes: Vec<Node>,
    pub proxy: Proxy,
    pub client: reqwest::Client,
    file: PathBuf,
    dir: tempfile::TempDir,
}

impl TestCluster {
    /// `n` nodes replicating `shards` shards (each on the first three),
    /// HAProxy in front; returns once every shard has a leader that the
    /// proxy reaches.
    pub async fn start(n: usize, shards: u32) -> TestCluster {
        let dir = tempfile::tempdir().unwrap();
        let mut text = format!("shards = {shards}\nsecret = \"a-cluster-secret-for-tests\"\n");
        let mut nodes = Vec::new();
        // Held together so no two are the same; freed before the nodes bind.
        let held: Vec<std::net::TcpListener> = (0..2 * n)
            .map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap())
            .collect();
        let ports: Vec<u16> = held
            .iter()
            .map(|l| l.local_addr().unwrap().port())
            .collect();
        drop(held);
        for i in 1..=n {
            let (port, raft_port) = (ports[2 * i - 2], ports[2 * i - 1]);
            text += &format!(
                "[[nodes]]\nid = \"n{i}\"\naddr = \"127.0.0.1:{port}\"\nraft_addr = \"127.0.0.1:{raft_port}\"\n"
            );
            nodes.push(Node {
                id: format!("n{i}"),
                base: format!("http://127.0.0.1:{port}"),
                child: None,
                log: dir.path().join(format!("n{i}.log")),
            });
        }
        let file = dir.path().join("cluster.toml");
        fs::write(&file, &text).unwrap();
        let proxy = Proxy::start(&text, dir.path());
        let mut cluster = TestCluster {
            nodes,
            proxy,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
            file,
            dir,
        };
        for i in 0..n {
            cluster.spawn(i);
        }
        for shard in 0..shards {
            cluster.leader(shard, Duration::from_secs(20)).await;
            // And the proxy found it: an org no one made is a 404 from the
            // leader, not HAProxy's 503.
            let probe = (0..)
                .map(|i| format!("probe-{i}"))
                .find(|id| gatehouse::cluster::shard_of(id, shards) == shard)
                .unwrap();
            let deadline = Instant::now() + Duration::from_secs(20);
            while cluster
                .call(Method::GET, &format!("/v1/orgs/{probe}"), None)
                .await
                .0
                != 404
            {
                assert!(
                    Instant::now() < deadline,
                    "the proxy never reached shard {shard}"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        cluster
    }

    fn spawn(&mut self, i: usize) {
        let node = &mut self.nodes[i];
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&node.log)
            .unwrap();
        let child = Command::new(BIN)
            .env("RUST_LOG", "warn,gatehouse=info")
            .arg("--cluster")
            .arg(&self.file)
            .args([
                "--node",
                &node.id,
                "--admin-token",
                TOKEN,
                "--check-token",
                CHECK_TOKEN,
            ])
            .arg("--snapshot-dir")
            .arg(self.dir.path().join(&node.id))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap();
        node.child = Some(child);
    }

    /// `kill -9` of node `i`.
    pub fn kill(&mut self, i: usize) {
        if let Some(mut child) = self.nodes[i].child.take() {
            // It may have been killed already, by its pid.
            let _ = child.kill();
            child.wait().unwrap();
        }
    }

    pub fn restart(&mut self, i: usize) {
        self.kill(i);
        self.spawn(i);
    }

    pub fn pid(&self, i: usize) -> u32 {
        self.nodes[i].child.as_ref().unwrap().id()
    }

    /// Sends `SIGSTOP` (`true`) or `SIGCONT` to node `i`.
    pub fn pause(&self, i: usize, pause: bool) {
        let pid = self.pid(i);
        let signal = if pause { "-STOP" } else { "-CONT" };
        let status = Command::new("kill")
            .args([signal, &pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Which node answers `200` on the shard's leader route, polled until
    /// `within` has passed.
    pub async fn leader(&self, shard: u32, within: Duration) -> usize {
        let deadline = Instant::now() + within;
        loop {
            for (i, node) in self.nodes.iter().enumerate() {
                if node.child.is_none() {
                    continue;
                }
                let url = format!("{}/v1/cluster/shards/{shard}/leader", node.base);
                let asked = self
                    .client
                    .get(url)
                    .timeout(Duration::from_millis(500))
                    .send()
                    .await;
                if matches!(asked, Ok(r) if r.status() == 200) {
                    return i;
                }
            }
            assert!(
                Instant::now() < deadline,
                "shard {shard} has no leader after {within:?}\n{}",
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A call through the proxy with the admin token: status and body.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        self.call_as(TOKEN, method, path, body).await
    }

    pub async fn call_as(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.proxy.address))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{path}: no answer ({e:?}): clients must see at worst 503"));
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Every node's log, for a failing test's message.
    pub fn logs(&self) -> String {
        let mut out = self.proxy.output();
        for node in &self.nodes {
            out += &format!(
                "\n---- {} ----\n{}",
                node.id,
                fs::read_to_string(&node.log).unwrap_or_default()
            );
        }
        out
    }
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        for i in 0..self.nodes.len() {
            // A paused node must run again to die cleanly.
            if let Some(child) = &self.nodes[i].child {
                let _ = Command::new("kill")
                    .args(["-CONT", &child.id().to_string()])
                    .status();
            }
            self.kill(i);
        }
        if std::thread::panicking() {
            eprintln!("{}", self.logs());
        }
    }
}
