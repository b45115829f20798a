//! Org access: `GET /v1/orgs/{org}/access?user=u`.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_decision, spawn_event, NO_BODY};

#[actix_web::test]
async fn org_access_is_granted_under_an_org_license_or_ownership_only() {
    let app = spawn_event(1, &[], &[]).await;
    app.licenses("acme", json!({"org_standard": 2, "org_pro": 1}))
        .await;
    app.member("acme", "amy", Some("org_standard")).await;
    app.member("acme", "bob", Some("org_pro")).await;
    app.member("acme", "cat", None).await;
    app.slot("acme", "e1", "dan").await;
    app.member("acme", "eve", Some("org_standard")).await;
    let deleted = app.delete("/v1/orgs/acme/members/eve").await;
    assert_eq!(deleted.0, StatusCode::NO_CONTENT);
    app.personal_org("solo", "ana").await;

    // (org, user, expected): an Event Pro slot, a member without an org
    // license, a deleted member and a stranger have no org access.
    for (org, user, expected) in [
        ("acme", "amy", "granted org_standard"),
        ("acme", "bob", "granted org_pro"),
        ("solo", "ana", "granted owner"),
        ("solo", "bob", "no_license"),
        ("acme", "cat", "no_license"),
        ("acme", "stranger", "no_license"),
        ("acme", "dan", "no_license"),
        ("acme", "eve", "no_license"),
    ] {
        let path = format!("/v1/orgs/{org}/access?user={user}");
        let (status, access) = app.as_check_token().get(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {access}");
        assert_decision(&path, &access, expected);
    }
}

#[actix_web::test]
async fn access_without_a_valid_user_or_on_an_unknown_org_is_refused() {
    let app = spawn_event(1, &[], &[]).await;
    let too_long = format!("GET /v1/orgs/acme/access?user={}", "u".repeat(129));

    app.assert_refusals(&[
        ("GET /v1/orgs/acme/access", NO_BODY, 400, "bad_request"),
        ("GET /v1/orgs/acme/access?user=", NO_BODY, 400, "invalid_id"),
        (
            "GET /v1/orgs/acme/access?user=..",
            NO_BODY,
            400,
            "invalid_id",
        ),
        (
            "GET /v1/orgs/acme/access?user=a%20b",
            NO_BODY,
            400,
            "invalid_id",
        ),
        (&too_long, NO_BODY, 400, "invalid_id"),
        (
            "GET /v1/orgs/ghost/access?user=amy",
            NO_BODY,
            404,
            "org_not_found",
        ),
    ])
    .await;
}
