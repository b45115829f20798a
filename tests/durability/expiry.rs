//! `kill -9` across an expiry (SPEC §1 "Time-bound access"): a removal is a
//! journal record, so a restart neither loses what was acknowledged nor
//! brings back what expired, and replay decides no expiry of its own.

use std::time::{Duration, Instant};

use gatehouse::actors::{Clock, SystemClock};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::files::*;
use crate::process::*;

/// RFC 3339 for `secs` from now, on the clock the server reads.
fn in_secs(secs: i64) -> String {
    SystemClock.now().plus(secs).to_string()
}

#[tokio::test]
async fn kill9_across_an_expiry_loses_nothing_and_brings_nothing_back() {
    let (dir, opts, mut s) = start_fresh().await;
    let e1 = "/v1/orgs/acme/events/e1";
    s.put("/v1/orgs/acme", json!({"kind": "team"})).await;
    s.put("/v1/orgs/acme/licenses", json!({"event_pro": 1}))
        .await;
    s.put_empty(e1).await;
    // A pool of one held by amy until two seconds from now, and two grants
    // of hers: one ending then, one that never does.
    let until = in_secs(2);
    s.put(&format!("{e1}/slots/amy"), json!({"expires_at": until}))
        .await;
    s.put(
        &format!("{e1}/users/amy/grants/Event.View"),
        json!({"expires_at": until}),
    )
    .await;
    s.put_empty(&format!("{e1}/users/amy/grants/Event.Update"))
        .await;

    // Bob claims the place as soon as it is free, with no release; the
    // server records amy's removal before his claim.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = s.call(Method::PUT, &format!("{e1}/slots/bob"), None).await;
        if status == StatusCode::CREATED {
            break;
        }
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert!(Instant::now() < deadline, "amy's slot never expired");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    s.kill9();

    let mut s = start(dir.path(), &opts).await;
    let event = s.get(e1).await;
    assert_eq!(
        event["slots"],
        json!({"total": 1, "used": 1, "holders": ["bob"]})
    );
    // Replayed as it ran: amy's slot went before bob's came, so the pool
    // never held two (a replay that kept amy's would show a peak of 2).
    let usage = s.get("/v1/orgs/acme/usage").await;
    assert_eq!(usage["events"][0]["peak"], json!(1), "{usage}");
    let amy = s.get(&format!("{e1}/users/amy")).await;
    assert_eq!(amy["grants"], json!([{"permission": "Event.Update"}]));
    assert_eq!(amy.get("slot_expires_at"), None::<&Value>);
    // The state itself holds neither: one slot and one grant in total.
    let snap = s.snapshot().await;
    let (status, out, err) = inspect(&snap);
    assert!(status.success(), "inspect: {err}");
    let summary: Value = serde_json::from_str(&out).expect("inspect prints JSON");
    assert_eq!(
        (&summary["slots"], &summary["grants"]),
        (&json!(1), &json!(1)),
        "{summary}"
    );

    // Once more, an expiry the server is down for: removed at start.
    let soon = in_secs(2);
    s.put(
        &format!("{e1}/users/bob/grants/Event.View"),
        json!({"expires_at": soon}),
    )
    .await;
    s.kill9();
    let deadline = Instant::now() + Duration::from_secs(10);
    while SystemClock.now().to_string() < soon {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let s = start(dir.path(), &opts).await;
    let bob = s.get(&format!("{e1}/users/bob")).await;
    assert_eq!(bob["grants"], json!([]));
    let snap = s.snapshot().await;
    let (_, out, _) = inspect(&snap);
    let summary: Value = serde_json::from_str(&out).expect("inspect prints JSON");
    assert_eq!(summary["grants"], json!(1), "{summary}");
}
