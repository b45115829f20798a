//! Org access: `GET /v1/orgs/{org}/access?user=u`.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_check, assert_error, spawn_app};

#[actix_web::test]
async fn org_license_holders_have_org_access_under_their_license() {
    let app = spawn_app().await;
    app.team_org("acme").await;
    app.licenses("acme", json!({"org_standard": 1, "org_pro": 1}))
        .await;
    app.member("acme", "amy", Some("org_standard")).await;
    app.member("acme", "bob", Some("org_pro")).await;

    for (user, license) in [("amy", "org_standard"), ("bob", "org_pro")] {
        let (status, access) = app
            .as_check_token()
            .get(&format!("/v1/orgs/acme/access?user={user}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{access}");
        assert_check(&access, true, "granted", Some(license));
    }
}

#[actix_web::test]
async fn a_personal_orgs_owner_has_org_access_with_license_owner() {
    let app = spawn_app().await;
    app.personal_org("solo", "ana").await;

    let (status, access) = app.get("/v1/orgs/solo/access?user=ana").await;

    assert_eq!(status, StatusCode::OK, "{access}");
    assert_check(&access, true, "granted", Some("owner"));
}

#[actix_web::test]
async fn anyone_else_on_a_personal_org_has_no_org_access() {
    let app = spawn_app().await;
    app.personal_org("solo", "ana").await;

    let (status, access) = app.get("/v1/orgs/solo/access?user=bob").await;

    assert_eq!(status, StatusCode::OK, "{access}");
    assert_check(&access, false, "no_license", None);
}

#[actix_web::test]
async fn members_without_an_org_license_and_strangers_have_no_org_access() {
    let app = spawn_app().await;
    app.team_org("acme").await;
    app.member("acme", "amy", None).await;

    for user in ["amy", "stranger"] {
        let (status, access) = app.get(&format!("/v1/orgs/acme/access?user={user}")).await;
        assert_eq!(status, StatusCode::OK, "{access}");
        assert_check(&access, false, "no_license", None);
    }
}

#[actix_web::test]
async fn an_event_pro_slot_gives_no_org_access() {
    let app = spawn_app().await;
    app.org_with_events("acme", 1, &["e1"]).await;
    app.slot("acme", "e1", "amy").await;

    let (status, access) = app.get("/v1/orgs/acme/access?user=amy").await;

    assert_eq!(status, StatusCode::OK, "{access}");
    assert_eq!(access["allowed"], false);
    assert_eq!(access["reason"], "no_license");
}

#[actix_web::test]
async fn a_deleted_member_loses_org_access() {
    let app = spawn_app().await;
    app.team_org("acme").await;
    app.licenses("acme", json!({"org_standard": 1})).await;
    app.member("acme", "amy", Some("org_standard")).await;
    assert_eq!(
        app.delete("/v1/orgs/acme/members/amy").await.0,
        StatusCode::NO_CONTENT
    );

    let (_, access) = app.get("/v1/orgs/acme/access?user=amy").await;

    assert_check(&access, false, "no_license", None);
}

#[actix_web::test]
async fn access_without_a_user_returns_400_bad_request() {
    let app = spawn_app().await;
    app.team_org("acme").await;

    let answer = app.get("/v1/orgs/acme/access").await;

    assert_error(&answer, StatusCode::BAD_REQUEST, "bad_request");
}

#[actix_web::test]
async fn access_for_an_invalid_user_id_returns_400_invalid_id() {
    let app = spawn_app().await;
    app.team_org("acme").await;

    for user in ["", "..", "a%20b", &"u".repeat(129)] {
        let answer = app.get(&format!("/v1/orgs/acme/access?user={user}")).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "invalid_id");
    }
}

#[actix_web::test]
async fn access_on_an_unknown_org_returns_404_org_not_found() {
    let app = spawn_app().await;

    let answer = app.get("/v1/orgs/ghost/access?user=amy").await;

    assert_error(&answer, StatusCode::NOT_FOUND, "org_not_found");
}
