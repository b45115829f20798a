//! Concurrent writers that log what they were told.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::process::*;

/// What a writer knows about one thing it wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Known {
    Yes,
    No,
    /// The request got no answer (the server died under it).
    Unknown,
}

/// One writer's record of what it was told.
#[derive(Debug, Default)]
pub struct WriterLog {
    /// (event, user) → holds a slot there.
    pub slots: BTreeMap<(String, String), Known>,
    /// (event, user) with an acknowledged `Event.View` grant.
    pub grants: BTreeSet<(String, String)>,
    /// Members acknowledged with `org_standard`.
    pub members: BTreeSet<String>,
    pub acked: usize,
}

/// Where the writers send their requests.
#[derive(Clone)]
pub struct Target {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
    pub org: &'static str,
    pub events: &'static [&'static str],
}

impl Target {
    pub fn of(s: &Server, org: &'static str, events: &'static [&'static str]) -> Target {
        Target {
            http: client(),
            base: s.base.clone(),
            token: s.token.clone(),
            org,
            events,
        }
    }

    pub async fn send(
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
pub async fn writer(
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
pub async fn assert_acknowledged(s: &Server, org: &str, events: &[&str], logs: &[WriterLog]) {
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
pub async fn setup_writers_org(s: &Server, org: &str, events: &[&str], event_pro: u32) {
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
pub async fn wait_for_acks(acked: &AtomicUsize, n: usize, done: &AtomicBool, limit: Duration) {
    let deadline = Instant::now() + limit;
    while acked.load(Ordering::Relaxed) < n
        && !done.load(Ordering::Relaxed)
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}
