//! What a panic does: `panic = "abort"` ends the whole process, so the server
//! never goes on answering from an actor whose state was lost; restarted, it
//! recovers every acknowledged write from its journal.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::net::TcpListener;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const TOKEN: &str = "panic-test-admin";

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &Path) -> Server {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args(["--addr", &format!("127.0.0.1:{port}")])
        .args(["--admin-token", TOKEN, "--snapshot-interval", "0"])
        .arg("--snapshot-dir")
        .arg(dir)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    let client = raw_http::client();
    while Instant::now() < deadline {
        if client.get(format!("{}/health", server.base)).send().is_ok() {
            return server;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the server did not come up");
}

mod raw_http {
    /// A tiny blocking HTTP client over std, enough for these calls.
    pub fn client() -> Client {
        Client
    }
    pub struct Client;
    pub struct Request {
        method: &'static str,
        url: String,
        body: Option<String>,
    }
    impl Client {
        pub fn get(&self, url: String) -> Request {
            Request {
                method: "GET",
                url,
                body: None,
            }
        }
        pub fn send(&self, method: &'static str, url: String, body: Option<String>) -> Request {
            Request { method, url, body }
        }
    }
    impl Request {
        pub fn send(self) -> std::io::Result<(u16, String)> {
            use std::io::{Read, Write};
            let rest = self.url.trim_start_matches("http://");
            let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let mut s = std::net::TcpStream::connect(host)?;
            let body = self.body.unwrap_or_default();
            write!(
                s,
                "{} {} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                self.method,
                path,
                super::TOKEN,
                body.len()
            )?;
            let mut out = String::new();
            s.read_to_string(&mut out)?;
            let status = out
                .split(' ')
                .nth(1)
                .and_then(|c| c.parse().ok())
                .ok_or_else(|| std::io::Error::other("no status line"))?;
            let body = out.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
            Ok((status, body))
        }
    }
}

fn call(server: &Server, method: &'static str, path: &str, body: Option<Value>) -> (u16, Value) {
    let (status, text) = raw_http::client()
        .send(
            method,
            format!("{}{path}", server.base),
            body.map(|b| b.to_string()),
        )
        .send()
        .unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[test]
fn a_panicking_actor_stops_the_process_and_a_restart_recovers_every_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path());
    assert_eq!(
        call(&server, "PUT", "/v1/orgs/o", Some(json!({"kind": "team"}))).0,
        201
    );
    assert_eq!(
        call(
            &server,
            "PUT",
            "/v1/orgs/o/licenses",
            Some(json!({"event_pro": 3}))
        )
        .0,
        200
    );
    for e in ["e1", "e2"] {
        assert_eq!(
            call(&server, "PUT", &format!("/v1/orgs/o/events/{e}"), None).0,
            201
        );
        assert_eq!(
            call(
                &server,
                "PUT",
                &format!("/v1/orgs/o/events/{e}/slots/ann"),
                None
            )
            .0,
            201
        );
    }
    let before = call(&server, "GET", "/v1/orgs/o/events/e1", None).1;

    let mut server = server;
    // The panic ends the process: no answer comes back from a dead actor.
    let _ = raw_http::client()
        .send("POST", format!("{}/v1/debug/panic/o/e1", server.base), None)
        .send();
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the process outlived the panic");
        std::thread::sleep(Duration::from_millis(10));
    };
    assert_eq!(status.signal(), Some(6), "expected SIGABRT, got {status:?}");

    let restarted = start(dir.path());
    assert_eq!(
        call(&restarted, "GET", "/v1/orgs/o/events/e1", None).1,
        before
    );
    let e2 = call(&restarted, "GET", "/v1/orgs/o/events/e2", None).1;
    assert_eq!(e2["slots"]["holders"], json!(["ann"]));
    // and it takes writes again
    assert_eq!(
        call(&restarted, "PUT", "/v1/orgs/o/events/e1/slots/bob", None).0,
        201
    );
}
