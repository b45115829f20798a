//! Organizations and their license pools.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_error, spawn_app, Scope};

#[actix_web::test]
async fn health_answers_200_status_ok_without_a_token() {
    let app = spawn_app().await;

    let answer = app.no_token().get("/health").await;

    assert_eq!(answer, (StatusCode::OK, json!({"status": "ok"})));
}

#[actix_web::test]
async fn putting_a_new_team_org_returns_201_and_the_empty_org() {
    let app = spawn_app().await;

    let (status, org) = app.put("/v1/orgs/acme", &json!({"kind": "team"})).await;

    assert_eq!(status, StatusCode::CREATED, "{org}");
    assert_eq!(org["id"], "acme");
    assert_eq!(org["kind"], "team");
    assert_eq!(
        org["licenses"],
        json!({
            "org_standard": {"total": 0, "used": 0},
            "org_pro": {"total": 0, "used": 0},
            "event_pro": {"total": 0, "max_used": 0},
        })
    );
    assert_eq!(org["members"], 0);
    assert_eq!(org["events"], 0);
}

#[actix_web::test]
async fn putting_the_same_org_again_returns_200_and_changes_nothing() {
    let app = spawn_app().await;
    app.team_org("acme").await;
    app.licenses("acme", json!({"org_standard": 2, "event_pro": 1}))
        .await;
    let before = app.org_state("acme").await;

    let (status, org) = app.put("/v1/orgs/acme", &json!({"kind": "team"})).await;

    assert_eq!(status, StatusCode::OK, "{org}");
    assert_eq!(org, before["org"]);
    assert_eq!(app.org_state("acme").await, before);
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
async fn putting_a_new_personal_org_returns_201_with_its_owner() {
    let app = spawn_app().await;

    let (status, org) = app
        .put(
            "/v1/orgs/solo",
            &json!({"kind": "personal", "owner": "ana"}),
        )
        .await;

    assert_eq!(status, StatusCode::CREATED, "{org}");
    assert_eq!(org["id"], "solo");
    assert_eq!(org["kind"], "personal");
    assert_eq!(org["owner"], "ana");
    assert_eq!(org["licenses"]["event_pro"]["total"], 0);
    assert_eq!(org["licenses"]["org_standard"]["total"], 0);
    assert_eq!(org["licenses"]["org_pro"]["total"], 0);
}

#[actix_web::test]
async fn putting_the_same_personal_org_again_returns_200() {
    let app = spawn_app().await;
    app.personal_org("solo", "ana").await;
    let before = app.org_state("solo").await;

    let (status, org) = app
        .put(
            "/v1/orgs/solo",
            &json!({"kind": "personal", "owner": "ana"}),
        )
        .await;

    assert_eq!(status, StatusCode::OK, "{org}");
    assert_eq!(org["owner"], "ana");
    assert_eq!(app.org_state("solo").await, before);
}

#[actix_web::test]
async fn a_personal_orgs_member_count_includes_its_owner() {
    let app = spawn_app().await;
    app.personal_org("solo", "ana").await;

    let org = app.org("solo").await;

    assert_eq!(org["members"], 1, "{org}");
}

#[actix_web::test]
async fn re_putting_a_team_org_as_personal_returns_409_conflict_and_changes_nothing() {
    let app = spawn_app().await;
    app.team_org("acme").await;
    let before = app.org_state("acme").await;

    let answer = app
        .put(
            "/v1/orgs/acme",
            &json!({"kind": "personal", "owner": "ana"}),
        )
        .await;

    assert_error(&answer, StatusCode::CONFLICT, "conflict");
    assert_eq!(app.org_state("acme").await, before);
}

#[actix_web::test]
async fn re_putting_a_personal_org_as_team_returns_409_conflict() {
    let app = spawn_app().await;
    app.personal_org("solo", "ana").await;
    let before = app.org_state("solo").await;

    let answer = app.put("/v1/orgs/solo", &json!({"kind": "team"})).await;

    assert_error(&answer, StatusCode::CONFLICT, "conflict");
    assert_eq!(app.org_state("solo").await, before);
}

#[actix_web::test]
async fn re_putting_a_personal_org_with_another_owner_returns_409_conflict() {
    let app = spawn_app().await;
    app.personal_org("solo", "ana").await;
    let before = app.org_state("solo").await;

    let answer = app
        .put(
            "/v1/orgs/solo",
            &json!({"kind": "personal", "owner": "bob"}),
        )
        .await;

    assert_error(&answer, StatusCode::CONFLICT, "conflict");
    assert_eq!(app.org_state("solo").await, before);
    assert_eq!(app.org("solo").await["owner"], "ana");
}

#[actix_web::test]
async fn a_team_org_given_an_owner_returns_400_bad_request_and_is_not_created() {
    let app = spawn_app().await;

    let answer = app
        .put("/v1/orgs/acme", &json!({"kind": "team", "owner": "ana"}))
        .await;

    assert_error(&answer, StatusCode::BAD_REQUEST, "bad_request");
    let answer = app.get("/v1/orgs/acme").await;
    assert_error(&answer, StatusCode::NOT_FOUND, "org_not_found");
}

#[actix_web::test]
async fn a_personal_org_without_an_owner_returns_400_bad_request() {
    let app = spawn_app().await;

    let answer = app.put("/v1/orgs/solo", &json!({"kind": "personal"})).await;

    assert_error(&answer, StatusCode::BAD_REQUEST, "bad_request");
    let answer = app.get("/v1/orgs/solo").await;
    assert_error(&answer, StatusCode::NOT_FOUND, "org_not_found");
}

#[actix_web::test]
async fn an_org_of_an_unknown_kind_returns_400_bad_request() {
    let app = spawn_app().await;

    for body in [json!({"kind": "enterprise"}), json!({"kind": 1}), json!({})] {
        let answer = app.put("/v1/orgs/acme", &body).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "bad_request");
    }
    let answer = app.get("/v1/orgs/acme").await;
    assert_error(&answer, StatusCode::NOT_FOUND, "org_not_found");
}

#[actix_web::test]
async fn a_personal_org_whose_owner_is_not_a_valid_id_returns_400_invalid_id() {
    let app = spawn_app().await;

    for owner in ["a b", "..", ""] {
        let answer = app
            .put(
                "/v1/orgs/solo",
                &json!({"kind": "personal", "owner": owner}),
            )
            .await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "invalid_id");
    }
    let answer = app.get("/v1/orgs/solo").await;
    assert_error(&answer, StatusCode::NOT_FOUND, "org_not_found");
}

#[actix_web::test]
async fn unknown_json_fields_in_an_org_are_ignored() {
    let app = spawn_app().await;

    let (status, org) = app
        .put("/v1/orgs/acme", &json!({"kind": "team", "colour": "red"}))
        .await;

    assert_eq!(status, StatusCode::CREATED, "{org}");
    assert_eq!(org["kind"], "team");
}

#[actix_web::test]
async fn getting_an_unknown_org_returns_404_org_not_found() {
    let app = spawn_app().await;

    let answer = app.get("/v1/orgs/ghost").await;

    assert_error(&answer, StatusCode::NOT_FOUND, "org_not_found");
}

#[actix_web::test]
async fn setting_licenses_returns_200_and_the_org_with_its_new_totals() {
    let app = spawn_app().await;
    app.team_org("acme").await;

    let (status, org) = app
        .put(
            "/v1/orgs/acme/licenses",
            &json!({"org_standard": 2, "org_pro": 1, "event_pro": 3}),
        )
        .await;

    assert_eq!(status, StatusCode::OK, "{org}");
    assert_eq!(org["id"], "acme");
    assert_eq!(org["licenses"]["org_standard"]["total"], 2);
    assert_eq!(org["licenses"]["org_pro"]["total"], 1);
    assert_eq!(org["licenses"]["event_pro"]["total"], 3);
    assert_eq!(app.org("acme").await, org);
}

#[actix_web::test]
async fn a_pool_missing_from_a_licenses_body_is_left_unchanged() {
    let app = spawn_app().await;
    app.team_org("acme").await;
    app.licenses(
        "acme",
        json!({"org_standard": 2, "org_pro": 1, "event_pro": 3}),
    )
    .await;

    let org = app.licenses("acme", json!({"event_pro": 5})).await;

    assert_eq!(org["licenses"]["org_standard"]["total"], 2);
    assert_eq!(org["licenses"]["org_pro"]["total"], 1);
    assert_eq!(org["licenses"]["event_pro"]["total"], 5);
}

#[actix_web::test]
async fn repeating_a_licenses_put_changes_nothing() {
    let app = spawn_app().await;
    app.team_org("acme").await;
    let first = app.licenses("acme", json!({"org_standard": 2})).await;

    let second = app.licenses("acme", json!({"org_standard": 2})).await;

    assert_eq!(first, second);
}

#[actix_web::test]
async fn a_pool_of_one_million_is_accepted() {
    let app = spawn_app().await;
    app.team_org("acme").await;

    let org = app
        .licenses(
            "acme",
            json!({"org_standard": 1_000_000, "org_pro": 1_000_000, "event_pro": 1_000_000}),
        )
        .await;

    assert_eq!(org["licenses"]["event_pro"]["total"], 1_000_000);
}

#[actix_web::test]
async fn a_count_that_is_not_a_json_integer_in_range_returns_400_bad_request_and_changes_nothing() {
    let app = spawn_app().await;
    app.team_org("acme").await;
    app.licenses(
        "acme",
        json!({"org_standard": 1, "org_pro": 1, "event_pro": 1}),
    )
    .await;
    let before = app.org_state("acme").await;

    for pool in ["org_standard", "org_pro", "event_pro"] {
        // `-0` is read as the float -0.0 (docs/DESIGN.md), so it is refused like `0.0`.
        let negative_zero = app
            .put_raw("/v1/orgs/acme/licenses", &format!(r#"{{"{pool}": -0}}"#))
            .await;
        assert_error(&negative_zero, StatusCode::BAD_REQUEST, "bad_request");
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
            let answer = app
                .put("/v1/orgs/acme/licenses", &json!({ pool: bad }))
                .await;
            assert_error(&answer, StatusCode::BAD_REQUEST, "bad_request");
        }
    }
    assert_eq!(app.org_state("acme").await, before);
}

#[actix_web::test]
async fn a_bad_count_refuses_the_whole_licenses_change() {
    let app = spawn_app().await;
    app.team_org("acme").await;
    let before = app.org_state("acme").await;

    let answer = app
        .put(
            "/v1/orgs/acme/licenses",
            &json!({"org_standard": 5, "event_pro": "3"}),
        )
        .await;

    assert_error(&answer, StatusCode::BAD_REQUEST, "bad_request");
    assert_eq!(app.org_state("acme").await, before);
}

#[actix_web::test]
async fn setting_licenses_on_an_unknown_org_returns_404_org_not_found() {
    let app = spawn_app().await;

    let answer = app
        .put("/v1/orgs/ghost/licenses", &json!({"event_pro": 1}))
        .await;

    assert_error(&answer, StatusCode::NOT_FOUND, "org_not_found");
}

#[actix_web::test]
async fn a_personal_org_may_buy_event_pro() {
    let app = spawn_app().await;
    app.personal_org("solo", "ana").await;

    let org = app.licenses("solo", json!({"event_pro": 2})).await;

    assert_eq!(org["licenses"]["event_pro"]["total"], 2);
}

#[actix_web::test]
async fn org_licenses_on_a_personal_org_return_400_personal_org_and_change_nothing() {
    let app = spawn_app().await;
    app.personal_org("solo", "ana").await;
    app.licenses("solo", json!({"event_pro": 1})).await;
    let before = app.org_state("solo").await;

    for body in [
        json!({"org_standard": 1}),
        json!({"org_pro": 1}),
        json!({"org_standard": 1, "event_pro": 4}),
    ] {
        let answer = app.put("/v1/orgs/solo/licenses", &body).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "personal_org");
    }
    assert_eq!(app.org_state("solo").await, before);
}

#[actix_web::test]
async fn zero_org_licenses_on_a_personal_org_are_accepted() {
    let app = spawn_app().await;
    app.personal_org("solo", "ana").await;

    let org = app
        .licenses(
            "solo",
            json!({"org_standard": 0, "org_pro": 0, "event_pro": 1}),
        )
        .await;

    assert_eq!(org["licenses"]["event_pro"]["total"], 1);
}

#[actix_web::test]
async fn lowering_org_standard_below_its_holders_returns_409_licenses_in_use_with_the_count() {
    let app = spawn_app().await;
    app.team_org("acme").await;
    app.licenses("acme", json!({"org_standard": 3})).await;
    app.member("acme", "amy", Some("org_standard")).await;
    app.member("acme", "bob", Some("org_standard")).await;
    let before = app.org_state("acme").await;

    let answer = app
        .put("/v1/orgs/acme/licenses", &json!({"org_standard": 1}))
        .await;

    assert_error(&answer, StatusCode::CONFLICT, "licenses_in_use");
    assert_eq!(answer.1["used"], 2, "{}", answer.1);
    assert_eq!(app.org_state("acme").await, before);
    // Down to exactly the holders is fine.
    let org = app.licenses("acme", json!({"org_standard": 2})).await;
    assert_eq!(
        org["licenses"]["org_standard"],
        json!({"total": 2, "used": 2})
    );
}

#[actix_web::test]
async fn lowering_org_pro_below_its_holders_returns_409_licenses_in_use_with_the_count() {
    let app = spawn_app().await;
    app.team_org("acme").await;
    app.licenses("acme", json!({"org_pro": 1})).await;
    app.member("acme", "amy", Some("org_pro")).await;
    let before = app.org_state("acme").await;

    let answer = app
        .put("/v1/orgs/acme/licenses", &json!({"org_pro": 0}))
        .await;

    assert_error(&answer, StatusCode::CONFLICT, "licenses_in_use");
    assert_eq!(answer.1["used"], 1, "{}", answer.1);
    assert_eq!(app.org_state("acme").await, before);
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
    let app = spawn_app().await;
    app.org_with_events("acme", 1, &["e1"]).await;
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
    let app = spawn_app().await;
    app.org_with_events("acme", 5, &["e1"]).await;
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
    let app = spawn_app().await;
    app.org_with_events("acme", 1, &["e1"]).await;
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
