//! Time-bound access over HTTP (SPEC §1 "Time-bound access"): `expires_at`
//! on slots, attachments, event and org-wide grants, shown in answers and
//! reads, refused with `400 bad_request` when it is not a future RFC 3339
//! date-time; and one slot expiring in real time, polled with a deadline.

use std::time::{Duration, Instant};

use gatehouse::actors::{Clock, SystemClock};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_error, spawn_app, Scope};

const LATER: &str = "2999-06-01T18:00:00Z";

/// RFC 3339 for `secs` from now, read on the clock the server reads.
fn in_secs(secs: i64) -> String {
    SystemClock.now().plus(secs).to_string()
}

#[actix_web::test]
async fn a_slot_expiring_two_seconds_ahead_frees_its_place_with_no_release() {
    let app = spawn_app().await;
    app.org_with_events("acme", 1, &["e1"]).await;
    app.grant("acme", "e1", "amy", "Event.View", Scope::Event)
        .await;
    let until = in_secs(2);
    let answer = app
        .put(
            "/v1/orgs/acme/events/e1/slots/amy",
            &json!({"expires_at": until}),
        )
        .await;
    assert_eq!(
        answer,
        (
            StatusCode::CREATED,
            json!({"event": "e1", "user": "amy", "expires_at": until})
        )
    );
    assert_eq!(
        app.event_user("acme", "e1", "amy").await["slot_expires_at"],
        json!(until)
    );
    app.assert_checks(
        "acme",
        "e1",
        &[("amy", "Event.View", Scope::Event, "granted event_pro")],
    )
    .await;
    let full = app.put_empty("/v1/orgs/acme/events/e1/slots/bob").await;
    assert_error(&full, StatusCode::CONFLICT, "no_slot_available");

    // Poll until the slot has expired: the place is free at once.
    let deadline = Instant::now() + Duration::from_secs(10);
    let bob = loop {
        let bob = app.put_empty("/v1/orgs/acme/events/e1/slots/bob").await;
        if bob.0 != StatusCode::CONFLICT || Instant::now() > deadline {
            break bob;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        bob,
        (StatusCode::CREATED, json!({"event": "e1", "user": "bob"}))
    );
    app.assert_checks(
        "acme",
        "e1",
        &[("amy", "Event.View", Scope::Event, "no_license")],
    )
    .await;
    let event = app.event_details("acme", "e1").await;
    assert_eq!(
        event["slots"],
        json!({"total": 1, "used": 1, "holders": ["bob"]})
    );
    assert!(app
        .event_user("acme", "e1", "amy")
        .await
        .get("slot_expires_at")
        .is_none());
}

#[actix_web::test]
async fn expires_at_is_shown_and_a_put_with_another_or_null_replaces_it() {
    let app = spawn_app().await;
    app.org_with_events("acme", 2, &["e1"]).await;
    app.collaborator("acme", "e1", "band").await;
    let grant = "/v1/orgs/acme/events/e1/users/amy/grants/Event.View";
    let made = app.put(grant, &json!({"expires_at": LATER})).await;
    assert_eq!(
        made,
        (
            StatusCode::CREATED,
            json!({"permission": "Event.View", "expires_at": LATER})
        )
    );
    let same = app.put(grant, &json!({"expires_at": LATER})).await;
    assert_eq!(same.0, StatusCode::OK);
    // another expiry, then null: replaced, a 200 each
    let other = "2998-01-01T00:00:00+01:00";
    let moved = app.put(grant, &json!({"expires_at": other})).await;
    assert_eq!(
        moved,
        (
            StatusCode::OK,
            json!({"permission": "Event.View", "expires_at": "2997-12-31T23:00:00Z"})
        )
    );
    let user = app.event_user("acme", "e1", "amy").await;
    assert_eq!(
        user["grants"],
        json!([{"permission": "Event.View", "expires_at": "2997-12-31T23:00:00Z"}])
    );
    let cleared = app.put(grant, &json!({"expires_at": null})).await;
    assert_eq!(
        cleared,
        (StatusCode::OK, json!({"permission": "Event.View"}))
    );
    assert_eq!(
        app.event_user("acme", "e1", "amy").await["grants"],
        json!([{"permission": "Event.View"}])
    );
    // attachments
    let attach = "/v1/orgs/acme/events/e1/collaborators/band/users/zed";
    let made = app.put(attach, &json!({"expires_at": LATER})).await;
    assert_eq!(
        made,
        (
            StatusCode::CREATED,
            json!({"event": "e1", "collaborator": "band", "user": "zed", "expires_at": LATER})
        )
    );
    let band = app.get("/v1/orgs/acme/events/e1/collaborators/band").await;
    assert_eq!(
        band.1["users"],
        json!([{"user": "zed", "expires_at": LATER}])
    );
    let again = app.put_empty(attach).await;
    assert_eq!(again.0, StatusCode::OK);
    let band = app.get("/v1/orgs/acme/events/e1/collaborators/band").await;
    assert_eq!(band.1["users"], json!([{"user": "zed"}]));
    // org-wide grants
    let org_wide = "/v1/orgs/acme/users/amy/grants/Event.Update";
    let made = app.put(org_wide, &json!({"expires_at": LATER})).await;
    assert_eq!(
        made,
        (
            StatusCode::CREATED,
            json!({"permission": "Event.Update", "expires_at": LATER})
        )
    );
    let listed = app.get("/v1/orgs/acme/users/amy/grants").await;
    assert_eq!(
        listed.1,
        json!({"grants": [{"permission": "Event.Update", "expires_at": LATER}]})
    );
    assert_eq!(
        app.event_user("acme", "e1", "amy").await["org_grants"],
        json!([{"permission": "Event.Update", "expires_at": LATER}])
    );
}

#[actix_web::test]
async fn a_bad_expires_at_is_bad_request_saying_which_and_changes_nothing() {
    let app = spawn_app().await;
    app.org_with_events("acme", 2, &["e1"]).await;
    app.collaborator("acme", "e1", "band").await;
    let before = app.org_state("acme").await;
    let paths = [
        "/v1/orgs/acme/events/e1/slots/amy",
        "/v1/orgs/acme/events/e1/users/amy/grants/Event.View",
        "/v1/orgs/acme/events/e1/collaborators/band/users/amy",
        "/v1/orgs/acme/users/amy/grants/Event.View",
    ];
    let cases: [(Value, &str); 6] = [
        (json!("next tuesday"), "not an RFC 3339"),
        (json!("2027-06-01"), "not an RFC 3339"),
        (json!("2020-01-01T00:00:00Z"), "in the past"),
        (json!("9999-12-31T23:59:59-01:00"), "after the year 9999"),
        (json!(1_900_000_000), "not a number"),
        (json!(true), "RFC 3339"),
    ];
    for path in paths {
        for (value, says) in &cases {
            let answer = app.put(path, &json!({"expires_at": value})).await;
            assert_error(&answer, StatusCode::BAD_REQUEST, "bad_request");
            let message = answer.1["message"].as_str().unwrap();
            assert!(
                message.contains(says) && message.contains("expires_at"),
                "{path} {value}: {message}"
            );
        }
    }
    // the form comes before the look-up: a bad expiry on an unknown event
    // is still 400
    let unknown = app
        .put(
            "/v1/orgs/acme/events/nope/slots/amy",
            &json!({"expires_at": "2020-01-01T00:00:00Z"}),
        )
        .await;
    assert_error(&unknown, StatusCode::BAD_REQUEST, "bad_request");
    assert_eq!(app.org_state("acme").await, before);
}
