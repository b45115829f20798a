//! Stopped the hard way (`SIGKILL`) or the clean way (`SIGTERM`/`SIGINT`).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use reqwest::Method;
use serde_json::{json, Value};

use crate::files::*;
use crate::process::*;
use crate::state::*;
use crate::writers::*;

// ---------------------------------------------------------------------------
// 1. kill -9 right after acknowledged writes
// ---------------------------------------------------------------------------

#[tokio::test]
async fn kill9_after_acknowledged_writes_loses_nothing() {
    let (dir, opts, mut s) = start_fresh().await;
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
    let (dir, opts, mut s) = start_fresh().await;
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
    let (dir, opts, mut s) = start_fresh().await;
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
    let (dir, opts, mut s) = start_fresh().await;
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
    let (dir, opts, mut s) = start_fresh().await;
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
