//! The request log (README "Logs"): every write, refusal, failure and slow
//! request has one `info` line with its request id; successful fast reads
//! and checks have none at `info`, unless `--log-sample` asks for one in N.

use std::fs;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::process::{start, Opts, Server, POLL};

const TOKEN: &str = "log-test-token";

fn opts(args: &[&str]) -> Opts {
    let mut opts = Opts::token(TOKEN);
    opts.args = ["--log-format", "json"]
        .iter()
        .chain(args)
        .map(|a| a.to_string())
        .collect();
    opts
}

/// Sends a request with the given `x-request-id`; answers its status.
async fn send(s: &Server, method: Method, path: &str, id: &str, body: Option<Value>) -> StatusCode {
    let mut request = s
        .client
        .request(method, format!("{}{path}", s.base))
        .bearer_auth(&s.token)
        .header("x-request-id", id);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("request").status()
}

/// The `gatehouse::request` lines of `id` at `level`.
fn lines(s: &Server, id: &str, level: &str) -> usize {
    s.log_text()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| {
            l["target"] == "gatehouse::request" && l["request_id"] == id && l["level"] == level
        })
        .count()
}

/// Waits until `id` has a line at `info`: a line is written before its
/// answer leaves, so every line of an earlier request is there too.
async fn wait_for_line(s: &Server, id: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while lines(s, id, "INFO") == 0 {
        assert!(
            Instant::now() < deadline,
            "no info line for {id}:\n{}",
            s.log_text()
        );
        tokio::time::sleep(POLL).await;
    }
}

const CHECK: &str = "/v1/orgs/acme/events/show/check?user=ana&permission=Event.View";

async fn populate(s: &Server) {
    s.put("/v1/orgs/acme", json!({"kind": "team"})).await;
    s.put("/v1/orgs/acme/licenses", json!({"event_pro": 2}))
        .await;
    s.put_empty("/v1/orgs/acme/events/show").await;
    s.put_empty("/v1/orgs/acme/events/show/slots/ana").await;
    s.put_empty("/v1/orgs/acme/events/show/users/ana/grants/Event.View")
        .await;
}

#[tokio::test]
async fn writes_refusals_and_failures_log_at_info_and_successful_checks_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("data");
    let s = start(&folder, &opts(&[])).await;
    populate(&s).await;

    let write = send(
        &s,
        Method::PUT,
        "/v1/orgs/acme/members/bo",
        "log-write",
        None,
    )
    .await;
    assert_eq!(write, StatusCode::CREATED);
    let check = send(&s, Method::GET, CHECK, "log-check", None).await;
    assert_eq!(check, StatusCode::OK);
    let refused = send(&s, Method::GET, "/v1/orgs/nobody", "log-refused", None).await;
    assert_eq!(refused, StatusCode::NOT_FOUND);
    // A write while the folder is gone cannot be made durable: 503.
    fs::remove_dir_all(&folder).unwrap();
    let failed = send(
        &s,
        Method::PUT,
        "/v1/orgs/acme/members/cy",
        "log-failed",
        None,
    )
    .await;
    assert_eq!(failed, StatusCode::SERVICE_UNAVAILABLE);
    wait_for_line(&s, "log-failed").await;

    for id in ["log-write", "log-refused", "log-failed"] {
        assert_eq!(lines(&s, id, "INFO"), 1, "{id}:\n{}", s.log_text());
    }
    assert_eq!(lines(&s, "log-check", "INFO"), 0, "{}", s.log_text());
}

#[tokio::test]
async fn a_slow_request_logs_at_info_and_log_sample_logs_one_read_in_n() {
    let dir = tempfile::tempdir().unwrap();
    // Every request is "slow" past 0 ms.
    let slow = start(dir.path(), &opts(&["--log-slow-ms", "0"])).await;
    populate(&slow).await;
    assert_eq!(
        send(&slow, Method::GET, CHECK, "slow-check", None).await,
        StatusCode::OK
    );
    wait_for_line(&slow, "slow-check").await;
    assert_eq!(lines(&slow, "slow-check", "INFO"), 1);
    drop(slow);

    let dir = tempfile::tempdir().unwrap();
    let sampled = start(dir.path(), &opts(&["--log-sample", "3"])).await;
    populate(&sampled).await;
    // 30 checks one after another: exactly 10 of any 30 consecutive reads
    // are the third.
    for _ in 0..30 {
        let status = send(&sampled, Method::GET, CHECK, "sampled-check", None).await;
        assert_eq!(status, StatusCode::OK);
    }
    let marker = send(
        &sampled,
        Method::PUT,
        "/v1/orgs/acme/members/dee",
        "marker",
        None,
    )
    .await;
    assert_eq!(marker, StatusCode::CREATED);
    wait_for_line(&sampled, "marker").await;
    assert_eq!(
        lines(&sampled, "sampled-check", "INFO"),
        10,
        "{}",
        sampled.log_text()
    );
}
