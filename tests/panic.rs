//! What a panic does: `panic = "abort"` ends the whole process, so the server
//! never goes on answering from an actor whose state was lost; restarted, it
//! recovers every acknowledged write from its journal.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::os::unix::process::ExitStatusExt;

use reqwest::Method;
use serde_json::{json, Value};

#[allow(dead_code)]
#[path = "durability/process.rs"]
mod process;

const TOKEN: &str = "panic-test-admin";

async fn call(
    server: &process::Server,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let (status, value) = server.call(method, path, body).await;
    (status.as_u16(), value)
}

#[tokio::test]
async fn a_panicking_actor_stops_the_process_and_a_restart_recovers_every_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let opts = process::Opts::token(TOKEN);
    let server = process::start(dir.path(), &opts).await;
    for (path, body, status) in [
        ("/v1/orgs/o", Some(json!({"kind": "team"})), 201),
        ("/v1/orgs/o/licenses", Some(json!({"event_pro": 3})), 200),
        ("/v1/orgs/o/events/e1", None, 201),
        ("/v1/orgs/o/events/e1/slots/ann", None, 201),
        ("/v1/orgs/o/events/e2", None, 201),
        ("/v1/orgs/o/events/e2/slots/ann", None, 201),
    ] {
        let (got, answer) = call(&server, Method::PUT, path, body).await;
        assert_eq!(got, status, "PUT {path}: {answer}");
    }
    let before = call(&server, Method::GET, "/v1/orgs/o/events/e1", None)
        .await
        .1;

    let mut server = server;
    // The panic ends the process: no answer comes back from a dead actor.
    let _ = server
        .try_call(Method::POST, "/v1/debug/panic/o/e1", None)
        .await;
    let mut child = server.child.take().unwrap();
    let status = process::wait_exit(&mut child).await;
    assert_eq!(status.signal(), Some(6), "expected SIGABRT, got {status:?}");

    let restarted = process::start(dir.path(), &opts).await;
    assert_eq!(
        call(&restarted, Method::GET, "/v1/orgs/o/events/e1", None)
            .await
            .1,
        before
    );
    let e2 = call(&restarted, Method::GET, "/v1/orgs/o/events/e2", None)
        .await
        .1;
    assert_eq!(e2["slots"]["holders"], json!(["ann"]));
    // and it takes writes again
    assert_eq!(
        call(
            &restarted,
            Method::PUT,
            "/v1/orgs/o/events/e1/slots/bob",
            None
        )
        .await
        .0,
        201
    );
}
