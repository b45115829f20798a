//! Failover under load: 8 writers claim and release slots and grant
//! permissions, 4 checkers read the events, all through HAProxy, while the
//! shard's leader is killed (`kill -9`). Every operation is recorded (what
//! was sent, when, what came back), and the history is checked:
//!
//! - every answer is a success, an expected refusal (`409` pool full,
//!   `404` for a retried release) or `503`: never another error, never a
//!   connection closed without an answer;
//! - no pool is over-allocated in any read;
//! - every read shows every claim acknowledged before the read began,
//!   unless a release of it had been sent by the time the read was answered;
//! - after the run, every acknowledged claim not released is held: no
//!   acknowledged write was lost;
//! - writes are acknowledged again within 5 s of the kill;
//! - the killed node, restarted, catches up and can lead again.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};

use super::nodes::{TestCluster, CHECK_TOKEN};

const EVENTS: usize = 4;
const POOL: usize = 5;

#[derive(Default)]
struct Claim {
    /// When its acknowledgement arrived.
    acked: Option<Instant>,
    /// When a release was first sent, whatever its answer.
    release_sent: Option<Instant>,
}

#[derive(Default)]
struct History {
    claims: BTreeMap<(usize, String), Claim>,
    /// When each acknowledged write (claim, release, grant) was answered.
    acks: Vec<Instant>,
    errors: Vec<String>,
    reads: usize,
}

type Shared = Arc<Mutex<History>>;

fn event_path(e: usize) -> String {
    format!("/v1/orgs/acme/events/e{e}")
}

async fn writer(cluster: Arc<TestCluster>, w: usize, history: Shared, until: Instant) {
    let mut mine: Vec<(usize, String)> = Vec::new();
    let mut k = 0;
    while Instant::now() < until {
        k += 1;
        let e = (w + k) % EVENTS;
        if k % 3 == 0 && !mine.is_empty() {
            let (e, user) = mine.remove(0);
            history
                .lock()
                .unwrap()
                .claims
                .entry((e, user.clone()))
                .or_default()
                .release_sent = Some(Instant::now());
            let path = format!("{}/slots/{user}", event_path(e));
            let (status, body) = cluster.call(Method::DELETE, &path, None).await;
            answered(
                &history,
                &format!("DELETE {path}"),
                status,
                &body,
                &[204, 404],
                &[],
            );
            continue;
        }
        let user = format!("w{w}-{k}");
        let path = format!("{}/slots/{user}", event_path(e));
        let (status, body) = cluster.call(Method::PUT, &path, None).await;
        if answered(
            &history,
            &format!("PUT {path}"),
            status,
            &body,
            &[200, 201],
            &[409],
        ) {
            let mut h = history.lock().unwrap();
            // Reads that began after this answer must show it.
            h.claims.entry((e, user.clone())).or_default().acked = Some(Instant::now());
            mine.push((e, user.clone()));
        }
        if k % 5 == 0 {
            let grant = format!("{}/users/{user}/grants/Event.View", event_path(e));
            let (status, body) = cluster.call(Method::PUT, &grant, None).await;
            answered(
                &history,
                &format!("PUT {grant}"),
                status,
                &body,
                &[200, 201],
                &[],
            );
        }
    }
}

/// Records a write's answer: acknowledged (`acked`, the time is kept), an
/// expected refusal (`refused`) or `503`, or else an error. Answers whether
/// it was acknowledged.
fn answered(
    history: &Shared,
    what: &str,
    status: u16,
    body: &Value,
    acked: &[u16],
    refused: &[u16],
) -> bool {
    let mut h = history.lock().unwrap();
    if acked.contains(&status) {
        h.acks.push(Instant::now());
        return true;
    }
    if status != 503 && !refused.contains(&status) {
        h.errors.push(format!("{what}: {status} {body}"));
    }
    false
}

/// Checks one read of event `e` against the history.
fn check_read(history: &mut History, e: usize, began: Instant, body: &Value) {
    let holders: Vec<&str> = body["slots"]["holders"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if holders.len() > POOL {
        history.errors.push(format!("e{e} over-allocated: {body}"));
    }
    let answered = Instant::now();
    let missing: Vec<String> = history
        .claims
        .iter()
        .filter(|((ev, user), c)| {
            *ev == e
                && c.acked.is_some_and(|t| t < began)
                && c.release_sent.is_none_or(|t| t > answered)
                && !holders.contains(&user.as_str())
        })
        .map(|((_, user), _)| user.clone())
        .collect();
    if !missing.is_empty() {
        history.errors.push(format!(
            "a read of e{e} lost acknowledged claims {missing:?}: {body}"
        ));
    }
    history.reads += 1;
}

async fn checker(cluster: Arc<TestCluster>, c: usize, history: Shared, until: Instant) {
    while Instant::now() < until {
        let e = c % EVENTS;
        let began = Instant::now();
        let (status, body) = cluster.call(Method::GET, &event_path(e), None).await;
        match status {
            200 => check_read(&mut history.lock().unwrap(), e, began, &body),
            503 => {}
            _ => history
                .lock()
                .unwrap()
                .errors
                .push(format!("GET e{e}: {status} {body}")),
        }
        let check = format!("{}/check?user=w0-1&permission=Event.View", event_path(e));
        let (status, body) = cluster
            .call_as(CHECK_TOKEN, Method::GET, &check, None)
            .await;
        if status != 200 && status != 503 {
            history
                .lock()
                .unwrap()
                .errors
                .push(format!("check: {status} {body}"));
        }
    }
}

/// Reads every event and checks it against the whole history.
async fn final_reads(cluster: &TestCluster, history: &Shared) {
    for e in 0..EVENTS {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let began = Instant::now();
            let (status, body) = cluster.call(Method::GET, &event_path(e), None).await;
            if status == 200 {
                check_read(&mut history.lock().unwrap(), e, began, &body);
                break;
            }
            assert_eq!(status, 503, "{body}");
            assert!(Instant::now() < deadline, "e{e} unreadable");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let h = history.lock().unwrap();
    assert!(h.errors.is_empty(), "{:#?}", h.errors);
}

async fn run_load(
    cluster: &Arc<TestCluster>,
    history: &Shared,
    for_: Duration,
) -> Vec<tokio::task::JoinHandle<()>> {
    let until = Instant::now() + for_;
    let mut tasks = Vec::new();
    for w in 0..8 {
        tasks.push(tokio::spawn(writer(
            cluster.clone(),
            w,
            history.clone(),
            until,
        )));
    }
    for c in 0..4 {
        tasks.push(tokio::spawn(checker(
            cluster.clone(),
            c,
            history.clone(),
            until,
        )));
    }
    tasks
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killing_the_leader_under_load_loses_no_acknowledged_write() {
    let mut cluster = TestCluster::start(3, 1).await;
    assert_eq!(
        cluster
            .call(Method::PUT, "/v1/orgs/acme", Some(json!({"kind": "team"})))
            .await
            .0,
        201
    );
    let (status, _) = cluster
        .call(
            Method::PUT,
            "/v1/orgs/acme/licenses",
            Some(json!({"event_pro": POOL})),
        )
        .await;
    assert_eq!(status, 200);
    for e in 0..EVENTS {
        assert_eq!(cluster.call(Method::PUT, &event_path(e), None).await.0, 201);
    }
    let history: Shared = Arc::default();
    let leader = cluster.leader(0, Duration::from_secs(5)).await;
    let shared = Arc::new(cluster);
    let tasks = run_load(&shared, &history, Duration::from_secs(9)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    // `kill -9` of the leader while the load runs. The cluster is shared
    // with the load tasks; the process is killed through its pid.
    let killed_at = Instant::now();
    let pid = shared.pid(leader);
    std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    for t in tasks {
        t.await.unwrap();
    }
    {
        let h = history.lock().unwrap();
        assert!(h.errors.is_empty(), "{:#?}", h.errors);
        let first = h.acks.iter().find(|t| **t > killed_at).copied();
        let first = first.expect("no write was acknowledged after the kill");
        assert!(
            first - killed_at <= Duration::from_secs(5),
            "writes were answered again only after {:?}",
            first - killed_at
        );
        assert!(h.reads > 10, "only {} reads succeeded", h.reads);
        assert!(
            h.acks.len() > 20,
            "only {} writes acknowledged",
            h.acks.len()
        );
    }
    final_reads(&shared, &history).await;

    // The killed node, restarted, catches up and can lead again: kill
    // whichever other node leads until it does (Raft elects only a node
    // whose log holds everything committed).
    cluster = Arc::try_unwrap(shared).ok().unwrap();
    cluster.restart(leader);
    for _ in 0..10 {
        let now = cluster.leader(0, Duration::from_secs(10)).await;
        if now == leader {
            break;
        }
        // Down with the current leader until one of the other two leads,
        // then back.
        cluster.kill(now);
        let next = cluster.leader(0, Duration::from_secs(10)).await;
        cluster.restart(now);
        if next == leader {
            break;
        }
    }
    assert_eq!(cluster.leader(0, Duration::from_secs(10)).await, leader);
    final_reads(&cluster, &history).await;
}

/// The answer to a call through the proxy once it is not `503` (a
/// failover in progress); it must then be `200`.
async fn until_answered(
    cluster: &TestCluster,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, answer) = cluster.call(method.clone(), path, body.clone()).await;
        if status != 503 {
            assert_eq!(status, 200, "{path}: {answer}");
            return answer;
        }
        assert!(Instant::now() < deadline, "{path}: still 503: {answer}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A leader paused (`SIGSTOP`) until another was elected, then resumed,
/// answers no read from its old state and takes no write: its reads wait
/// for a confirmation of its leadership that fails, its writes never
/// commit; it steps down.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_paused_leader_answers_no_stale_read_and_takes_no_write() {
    let cluster = TestCluster::start(3, 1).await;
    assert_eq!(
        cluster
            .call(Method::PUT, "/v1/orgs/acme", Some(json!({"kind": "team"})))
            .await
            .0,
        201
    );
    let old = cluster.leader(0, Duration::from_secs(5)).await;
    cluster.pause(old, true);
    // A new leader; a write through it.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if cluster.leader(0, Duration::from_secs(10)).await != old {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no new leader while the old one is paused"
        );
    }
    // Until the proxy found the new leader, clients may see 503.
    let licenses = Some(json!({"event_pro": 7}));
    let body = until_answered(&cluster, Method::PUT, "/v1/orgs/acme/licenses", licenses).await;
    assert_eq!(body["licenses"]["event_pro"]["total"], 7, "{body}");
    // Resumed, the old leader is asked directly (as a client with a stale
    // route would): no read of the old state, no write.
    cluster.pause(old, false);
    let direct = |method: Method, path: &str| {
        cluster
            .client
            .request(method, format!("{}{path}", cluster.nodes[old].base))
            .bearer_auth(super::nodes::TOKEN)
    };
    let read = direct(Method::GET, "/v1/orgs/acme").send().await.unwrap();
    let status = read.status().as_u16();
    let body: Value = read.json().await.unwrap_or(Value::Null);
    assert!(
        status == 503 || body["licenses"]["event_pro"]["total"] == 7,
        "a stale read from the paused leader: {status} {body}"
    );
    let write = direct(Method::PUT, "/v1/orgs/acme/licenses")
        .json(&json!({"event_pro": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(write.status(), 503, "the paused leader took a write");
    let body = until_answered(&cluster, Method::GET, "/v1/orgs/acme", None).await;
    assert_eq!(body["licenses"]["event_pro"]["total"], 7, "{body}");
}
