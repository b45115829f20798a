//! Organizations and their license pools.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{
    assert_error, assert_refused, spawn_app, spawn_event, spawn_org, Scope, NO_BODY,
};

#[actix_web::test]
async fn health_answers_200_status_ok_without_a_token() {
    let app = spawn_app().await;

    let answer = app.no_token().get("/health").await;

    assert_eq!(answer, (StatusCode::OK, json!({"status": "ok"})));
}

#[actix_web::test]
async fn putting_a_new_org_returns_201_and_the_empty_org_and_again_200_and_changes_nothing() {
    let app = spawn_app().await;
    let empty = json!({
        "org_standard": {"total": 0, "used": 0},
        "org_pro": {"total": 0, "used": 0},
        "event_pro": {"total": 0, "max_used": 0},
    });

    // (org, body, members): a personal org counts its owner; unknown fields are ignored.
    for (org, body, members) in [
        ("acme", json!({"kind": "team"}), 0),
        ("solo", json!({"kind": "personal", "owner": "ana"}), 1),
        ("red", json!({"kind": "team", "colour": "red"}), 0),
    ] {
        let path = format!("/v1/orgs/{org}");
        let (status, created) = app.put(&path, &body).await;

        assert_eq!(status, StatusCode::CREATED, "{org}: {created}");
        let fields = ["id", "kind", "owner", "licenses", "members", "events"].map(|f| &created[f]);
        let expected = [
            &json!(org),
            &body["kind"],
            &body["owner"],
            &empty,
            &json!(members),
            &json!(0),
        ];
        assert_eq!(fields, expected, "{org}: {created}");
        app.licenses(org, json!({"event_pro": 1})).await;
        let before = app.org_state(org).await;
        let again = app.put(&path, &body).await;
        assert_eq!(
            again,
            (StatusCode::OK, before["org"].clone()),
            "{org} again"
        );
        assert_eq!(app.org_state(org).await, before, "{org} again");
    }
}

#[actix_web::test]
async fn license_pools_are_set_to_what_is_sent_and_those_not_sent_stay() {
    let app = spawn_org(json!({})).await;
    app.personal_org("solo", "ana").await;
    let pools = ["org_standard", "org_pro", "event_pro"];
    let mut last = (Value::Null, Value::Null);

    // (org, body, totals after: org_standard, org_pro, event_pro)
    #[rustfmt::skip]
    let cases = [
        ("acme", json!({"org_standard": 2, "org_pro": 1, "event_pro": 3}), [2, 1, 3]),
        ("acme", json!({"event_pro": 5}), [2, 1, 5]),
        ("acme", json!({"event_pro": 5}), [2, 1, 5]),
        ("acme", json!({"org_standard": 1_000_000, "org_pro": 1_000_000, "event_pro": 1_000_000}), [1_000_000; 3]),
        ("solo", json!({"event_pro": 2}), [0, 0, 2]),
        ("solo", json!({"org_standard": 0, "org_pro": 0, "event_pro": 1}), [0, 0, 1]),
    ];
    for (org, body, totals) in cases {
        let (status, answer) = app.put(&format!("/v1/orgs/{org}/licenses"), &body).await;

        assert_eq!(status, StatusCode::OK, "{org} {body}: {answer}");
        assert_eq!(answer["id"], org);
        let got = pools.map(|pool| answer["licenses"][pool]["total"].clone());
        assert_eq!(got, totals.map(|total| json!(total)), "{org} {body}");
        assert_eq!(app.org(org).await, answer, "{org} {body}");
        if last.0 == body {
            assert_eq!(answer, last.1, "repeating {body} changed {org}");
        }
        last = (body, answer);
    }
}

#[actix_web::test]
async fn org_and_license_changes_that_break_a_rule_are_refused_and_change_nothing() {
    let app = spawn_org(json!({"org_standard": 1, "org_pro": 1, "event_pro": 1})).await;
    app.personal_org("solo", "ana").await;
    app.licenses("solo", json!({"event_pro": 1})).await;
    let before = (app.org_state("acme").await, app.org_state("solo").await);
    let personal = |owner: &str| json!({"kind": "personal", "owner": owner});
    let kind = |kind: Value| json!({ "kind": kind });

    #[rustfmt::skip]
    let mut refusals = vec![
        ("PUT /v1/orgs/acme", personal("ana"), 409, "conflict"),
        ("PUT /v1/orgs/solo", kind(json!("team")), 409, "conflict"),
        ("PUT /v1/orgs/solo", personal("bob"), 409, "conflict"),
        ("PUT /v1/orgs/new", json!({"kind": "team", "owner": "ana"}), 400, "bad_request"),
        ("PUT /v1/orgs/new", kind(json!("personal")), 400, "bad_request"),
        ("PUT /v1/orgs/new", kind(json!("enterprise")), 400, "bad_request"),
        ("PUT /v1/orgs/new", kind(json!(1)), 400, "bad_request"),
        ("PUT /v1/orgs/new", json!({}), 400, "bad_request"),
        ("PUT /v1/orgs/new", personal("a b"), 400, "invalid_id"),
        ("PUT /v1/orgs/new", personal(".."), 400, "invalid_id"),
        ("PUT /v1/orgs/new", personal(""), 400, "invalid_id"),
        ("GET /v1/orgs/ghost", NO_BODY, 404, "org_not_found"),
        ("PUT /v1/orgs/ghost/licenses", json!({"event_pro": 1}), 404, "org_not_found"),
        ("PUT /v1/orgs/acme/licenses", json!({"org_standard": 5, "event_pro": "3"}), 400, "bad_request"),
        ("PUT /v1/orgs/solo/licenses", json!({"org_standard": 1}), 400, "personal_org"),
        ("PUT /v1/orgs/solo/licenses", json!({"org_pro": 1}), 400, "personal_org"),
        ("PUT /v1/orgs/solo/licenses", json!({"org_standard": 1, "event_pro": 4}), 400, "personal_org"),
    ];
    // A count must be a JSON integer from 0 to 1,000,000.
    for pool in ["org_standard", "org_pro", "event_pro"] {
        for bad in [
            json!(2.0),
            json!("2"),
            json!(true),
            json!(-1),
            json!(1_000_001),
            json!(1.5),
            json!([2]),
            json!({"n": 2}),
        ] {
            refusals.push((
                "PUT /v1/orgs/acme/licenses",
                json!({ pool: bad }),
                400,
                "bad_request",
            ));
        }
    }

    app.assert_refusals(&refusals).await;
    for pool in ["org_standard", "org_pro", "event_pro"] {
        // `-0` is read as the float -0.0 (docs/DESIGN.md), so it is refused like `0.0`.
        let negative_zero = app
            .put_raw("/v1/orgs/acme/licenses", &format!(r#"{{"{pool}": -0}}"#))
            .await;
        assert_refused(pool, &negative_zero, StatusCode::BAD_REQUEST, "bad_request");
    }
    let after = (app.org_state("acme").await, app.org_state("solo").await);
    assert_eq!(after, before);
    app.assert_no_org("new").await;
}

#[actix_web::test]
async fn lowering_an_org_pool_below_its_holders_returns_409_licenses_in_use_with_the_count() {
    for (pool, holders) in [
        ("org_standard", ["amy", "bob"].as_slice()),
        ("org_pro", &["amy"]),
    ] {
        let app = spawn_org(json!({ pool: holders.len() + 1 })).await;
        for holder in holders {
            app.member("acme", holder, Some(pool)).await;
        }
        let before = app.org_state("acme").await;

        let answer = app
            .put(
                "/v1/orgs/acme/licenses",
                &json!({ pool: holders.len() - 1 }),
            )
            .await;

        assert_refused(pool, &answer, StatusCode::CONFLICT, "licenses_in_use");
        assert_eq!(answer.1["used"], holders.len(), "{pool}: {}", answer.1);
        assert_eq!(app.org_state("acme").await, before, "{pool}");
        // Down to exactly the holders is fine.
        let org = app.licenses("acme", json!({ pool: holders.len() })).await;
        let exactly = json!({"total": holders.len(), "used": holders.len()});
        assert_eq!(org["licenses"][pool], exactly, "{pool}");
    }
}

#[actix_web::test]
async fn getting_an_org_returns_its_licenses_and_counts() {
    let app = spawn_app().await;
    app.org_with_events("acme", 3, &["e1", "e2"]).await;
    app.licenses("acme", json!({"org_standard": 4, "org_pro": 2}))
        .await;
    app.member("acme", "amy", Some("org_standard")).await;
    app.member("acme", "bob", Some("org_pro")).await;
    app.member("acme", "cat", None).await;
    app.slot("acme", "e1", "amy").await;
    app.slot("acme", "e1", "dan").await;
    app.slot("acme", "e2", "eve").await;

    let (status, org) = app.as_check_token().get("/v1/orgs/acme").await;

    assert_eq!(status, StatusCode::OK, "{org}");
    assert_eq!(org["id"], "acme");
    assert_eq!(org["kind"], "team");
    assert_eq!(
        org["licenses"],
        json!({
            "org_standard": {"total": 4, "used": 1},
            "org_pro": {"total": 2, "used": 1},
            "event_pro": {"total": 3, "max_used": 2},
        })
    );
    assert_eq!(org["members"], 3);
    assert_eq!(org["events"], 2);
}

#[actix_web::test]
async fn event_pro_max_used_follows_the_busiest_event_now() {
    let app = spawn_app().await;
    app.org_with_events("acme", 3, &["e1", "e2"]).await;
    app.slot("acme", "e1", "amy").await;
    app.slot("acme", "e1", "bob").await;
    app.slot("acme", "e2", "cat").await;
    assert_eq!(
        app.org("acme").await["licenses"]["event_pro"]["max_used"],
        2
    );

    let (status, _) = app.delete("/v1/orgs/acme/events/e1/slots/amy").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.org("acme").await["licenses"]["event_pro"]["max_used"],
        1
    );

    let (status, _) = app.delete("/v1/orgs/acme/events/e1").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.org("acme").await["licenses"]["event_pro"]["max_used"],
        1
    );
}

#[actix_web::test]
async fn lowering_event_pro_below_slots_in_use_returns_409_licenses_in_use_listing_those_events() {
    let app = spawn_app().await;
    app.org_with_events("acme", 3, &["e1", "e2", "e3"]).await;
    for user in ["a", "b", "c"] {
        app.slot("acme", "e1", user).await;
        app.slot("acme", "e3", user).await;
    }
    app.slot("acme", "e2", "a").await;
    let before = app.org_state("acme").await;

    let answer = app
        .put("/v1/orgs/acme/licenses", &json!({"event_pro": 2}))
        .await;

    assert_error(&answer, StatusCode::CONFLICT, "licenses_in_use");
    let mut events = answer.1["events"]
        .as_array()
        .unwrap_or_else(|| panic!("no events list: {}", answer.1))
        .clone();
    events.sort_by_key(|event| event["event"].to_string());
    assert_eq!(
        events,
        vec![
            json!({"event": "e1", "used": 3}),
            json!({"event": "e3", "used": 3})
        ]
    );
    assert_eq!(app.org_state("acme").await, before);
}

#[actix_web::test]
async fn a_blocked_pool_refuses_the_whole_licenses_change() {
    let app = spawn_event(1, &[], &[]).await;
    app.slot("acme", "e1", "amy").await;
    let before = app.org_state("acme").await;

    let answer = app
        .put(
            "/v1/orgs/acme/licenses",
            &json!({"org_standard": 7, "event_pro": 0}),
        )
        .await;

    assert_error(&answer, StatusCode::CONFLICT, "licenses_in_use");
    assert_eq!(app.org_state("acme").await, before);
    assert_eq!(
        app.org("acme").await["licenses"]["org_standard"]["total"],
        0
    );
}

#[actix_web::test]
async fn lowering_event_pro_to_the_busiest_events_use_is_accepted() {
    let app = spawn_event(5, &[], &[]).await;
    app.slot("acme", "e1", "amy").await;
    app.slot("acme", "e1", "bob").await;

    let org = app.licenses("acme", json!({"event_pro": 2})).await;

    assert_eq!(
        org["licenses"]["event_pro"],
        json!({"total": 2, "max_used": 2})
    );
    assert_eq!(app.event_details("acme", "e1").await["slots"]["total"], 2);
}

#[actix_web::test]
async fn taking_a_snapshot_returns_200_with_the_file_on_disk_and_its_size() {
    let app = spawn_event(1, &[], &[]).await;
    app.slot("acme", "e1", "amy").await;
    app.grant("acme", "e1", "amy", "Event.View", Scope::Event)
        .await;

    let (status, body) = app.post_empty("/v1/admin/snapshot").await;

    assert_eq!(status, StatusCode::OK, "{body}");
    let file = body["file"].as_str().expect("file is a string");
    let bytes = body["bytes"].as_u64().expect("bytes is a count");
    assert!(
        std::path::Path::new(file).starts_with(&app.snapshot_dir),
        "{file} is not in the snapshot folder"
    );
    let metadata = std::fs::metadata(file).expect("the snapshot file exists");
    assert!(bytes > 0);
    assert_eq!(metadata.len(), bytes);
}
