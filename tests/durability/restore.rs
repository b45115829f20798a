//! `--restore FILE`.

use std::fs;

use reqwest::StatusCode;
use serde_json::json;

use crate::process::*;
use crate::state::*;

// ---------------------------------------------------------------------------
// 8. --restore FILE
// ---------------------------------------------------------------------------

#[tokio::test]
async fn restore_from_a_file_then_restart_keeps_that_state() {
    let (_dir_a, _, mut a) = start_fresh().await;
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
