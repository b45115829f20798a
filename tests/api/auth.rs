//! Tokens, and the order in which a request is refused: token (401), route
//! (404/405), token rights (403), then body and rules.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{assert_error, spawn_app, ADMIN_TOKEN, CHECK_TOKEN};

#[actix_web::test]
async fn a_request_without_a_token_returns_401_unauthorized() {
    let app = spawn_app().await;
    app.team_org("acme").await;
    let before = app.org_state("acme").await;

    for answer in [
        app.no_token().get("/v1/orgs/acme").await,
        app.no_token().get("/v1/permissions").await,
        app.no_token()
            .put("/v1/orgs/acme/licenses", &json!({"event_pro": 3}))
            .await,
        app.no_token()
            .put("/v1/orgs/new", &json!({"kind": "team"}))
            .await,
        app.no_token().post_empty("/v1/admin/snapshot").await,
    ] {
        assert_error(&answer, StatusCode::UNAUTHORIZED, "unauthorized");
    }
    assert_eq!(app.org_state("acme").await, before);
    let new = app.get("/v1/orgs/new").await;
    assert_error(&new, StatusCode::NOT_FOUND, "org_not_found");
}

#[actix_web::test]
async fn a_request_with_a_wrong_token_returns_401_unauthorized() {
    let app = spawn_app().await;
    app.team_org("acme").await;
    let before = app.org_state("acme").await;
    let admin_with_suffix = format!("{ADMIN_TOKEN}x");
    let prefix = &ADMIN_TOKEN[..ADMIN_TOKEN.len() - 1];

    for token in ["nope", admin_with_suffix.as_str(), prefix, ""] {
        let read = app.with_token(token).get("/v1/orgs/acme").await;
        let write = app
            .with_token(token)
            .put("/v1/orgs/acme/licenses", &json!({"event_pro": 3}))
            .await;
        assert_error(&read, StatusCode::UNAUTHORIZED, "unauthorized");
        assert_error(&write, StatusCode::UNAUTHORIZED, "unauthorized");
    }
    assert_eq!(app.org_state("acme").await, before);
}

#[actix_web::test]
async fn a_token_not_sent_as_bearer_returns_401_unauthorized() {
    let app = spawn_app().await;
    app.team_org("acme").await;
    let basic = format!("Basic {ADMIN_TOKEN}");

    for header in [ADMIN_TOKEN, basic.as_str()] {
        let answer = app.with_authorization(header).get("/v1/orgs/acme").await;
        assert_error(&answer, StatusCode::UNAUTHORIZED, "unauthorized");
    }
}

/// A proxy that appends its own `Authorization` header must not turn a
/// request into another identity: with two, neither is taken, whichever
/// comes first and whether or not either is valid.
#[actix_web::test]
async fn two_authorization_headers_are_refused_with_400_and_change_nothing() {
    let app = spawn_app().await;
    app.team_org("acme").await;
    let before = app.org_state("acme").await;
    let admin = format!("Bearer {ADMIN_TOKEN}");
    let check = format!("Bearer {CHECK_TOKEN}");
    for (first, second) in [
        (check.as_str(), admin.as_str()),
        (admin.as_str(), check.as_str()),
        (admin.as_str(), admin.as_str()),
        ("Bearer nope", admin.as_str()),
    ] {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.append(reqwest::header::AUTHORIZATION, first.parse().unwrap());
        headers.append(reqwest::header::AUTHORIZATION, second.parse().unwrap());
        for (method, path, body) in [
            (Method::GET, "/v1/orgs/acme", None),
            (
                Method::PUT,
                "/v1/orgs/acme/licenses",
                Some(json!({"event_pro": 3})),
            ),
        ] {
            let mut request = app
                .client
                .request(method, format!("{}{path}", app.address))
                .headers(headers.clone());
            if let Some(body) = body {
                request = request.json(&body);
            }
            let response = request.send().await.unwrap();
            let status = response.status();
            let body: serde_json::Value = response.json().await.unwrap();
            assert_error(&(status, body), StatusCode::BAD_REQUEST, "bad_request");
        }
    }
    assert_eq!(app.org_state("acme").await, before);
}

#[actix_web::test]
async fn the_check_token_may_call_every_read_only_route() {
    let app = spawn_app().await;
    app.org_with_events("acme", 1, &["e1"]).await;
    let reader = app.as_check_token();

    for path in [
        "/v1/orgs/acme",
        "/v1/orgs/acme/members",
        "/v1/orgs/acme/access?user=amy",
        "/v1/orgs/acme/events",
        "/v1/orgs/acme/events/e1",
        "/v1/orgs/acme/events/e1/users/amy",
        "/v1/orgs/acme/events/e1/check?user=amy&permission=Event.View",
        "/v1/orgs/acme/users/amy/events",
        "/v1/permissions",
    ] {
        let (status, body) = reader.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
    }
    let (status, body) = reader
        .post(
            "/v1/orgs/acme/check",
            &json!({"checks": [{"event": "e1", "user": "amy", "permission": "Event.View"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let missing_member = reader.get("/v1/orgs/acme/members/amy").await;
    assert_error(&missing_member, StatusCode::NOT_FOUND, "member_not_found");
}

#[actix_web::test]
async fn the_check_token_on_a_write_returns_403_forbidden_and_changes_nothing() {
    let app = spawn_app().await;
    app.org_with_events("acme", 1, &["e1"]).await;
    app.collaborator("acme", "e1", "artist").await;
    app.slot("acme", "e1", "amy").await;
    app.member("acme", "amy", None).await;
    let before = app.org_state("acme").await;
    let writer = app.as_check_token();

    for answer in [
        writer.put("/v1/orgs/new", &json!({"kind": "team"})).await,
        writer.put("/v1/orgs/acme", &json!({"kind": "team"})).await,
        writer
            .put("/v1/orgs/acme/licenses", &json!({"event_pro": 4}))
            .await,
        writer.put_empty("/v1/orgs/acme/members/bob").await,
        writer.delete("/v1/orgs/acme/members/amy").await,
        writer.put_empty("/v1/orgs/acme/events/e2").await,
        writer.delete("/v1/orgs/acme/events/e1").await,
        writer
            .put_empty("/v1/orgs/acme/events/e1/collaborators/vendor")
            .await,
        writer
            .delete("/v1/orgs/acme/events/e1/collaborators/artist")
            .await,
        writer.put_empty("/v1/orgs/acme/events/e1/areas/bar").await,
        writer.put_empty("/v1/orgs/acme/events/e1/slots/bob").await,
        writer.delete("/v1/orgs/acme/events/e1/slots/amy").await,
        writer
            .put_empty("/v1/orgs/acme/events/e1/collaborators/artist/users/bob")
            .await,
        writer
            .put_empty("/v1/orgs/acme/events/e1/users/amy/grants/Event.View")
            .await,
        writer.post_empty("/v1/admin/snapshot").await,
    ] {
        assert_error(&answer, StatusCode::FORBIDDEN, "forbidden");
    }
    assert_eq!(app.org_state("acme").await, before);
    let new = app.get("/v1/orgs/new").await;
    assert_error(&new, StatusCode::NOT_FOUND, "org_not_found");
}

#[actix_web::test]
async fn a_missing_token_is_refused_before_an_unknown_route() {
    let app = spawn_app().await;

    let missing = app.no_token().get("/v1/nothing").await;
    let wrong = app.with_token("nope").get("/v1/nothing").await;

    assert_error(&missing, StatusCode::UNAUTHORIZED, "unauthorized");
    assert_error(&wrong, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[actix_web::test]
async fn a_missing_token_is_refused_before_a_wrong_method() {
    let app = spawn_app().await;

    let answer = app
        .no_token()
        .send(Method::POST, "/v1/orgs/x", Some(b"{}".to_vec()))
        .await;

    assert_error(&answer, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[actix_web::test]
async fn a_missing_token_is_refused_before_a_bad_body() {
    let app = spawn_app().await;

    let answer = app.no_token().put_raw("/v1/orgs/x", "{").await;

    assert_error(&answer, StatusCode::UNAUTHORIZED, "unauthorized");
}

#[actix_web::test]
async fn the_check_token_gets_404_not_403_on_an_unknown_route() {
    let app = spawn_app().await;

    let answer = app
        .as_check_token()
        .put("/v1/nothing", &json!({"kind": "team"}))
        .await;

    assert_error(&answer, StatusCode::NOT_FOUND, "not_found");
}

#[actix_web::test]
async fn the_check_token_gets_405_not_403_on_a_wrong_method() {
    let app = spawn_app().await;

    let answer = app
        .as_check_token()
        .send(Method::POST, "/v1/orgs/x", Some(b"{}".to_vec()))
        .await;

    assert_error(
        &answer,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    );
}

#[actix_web::test]
async fn the_check_token_on_a_write_is_refused_before_the_body_and_the_rules() {
    let app = spawn_app().await;
    app.team_org("acme").await;
    let writer = app.as_check_token();

    let bad_body = writer.put_raw("/v1/orgs/acme/licenses", "{").await;
    let bad_count = writer
        .put("/v1/orgs/acme/licenses", &json!({"event_pro": -1}))
        .await;
    let missing_org = writer
        .put("/v1/orgs/ghost/licenses", &json!({"event_pro": 1}))
        .await;
    let invalid_id = writer.put_empty("/v1/orgs/acme/members/a%20b").await;
    let conflict = writer
        .put("/v1/orgs/acme", &json!({"kind": "personal", "owner": "u"}))
        .await;

    for answer in [bad_body, bad_count, missing_org, invalid_id, conflict] {
        assert_error(&answer, StatusCode::FORBIDDEN, "forbidden");
    }
}

#[actix_web::test]
async fn the_check_token_reading_an_unknown_org_gets_404_org_not_found() {
    let app = spawn_app().await;

    let answer = app.with_token(CHECK_TOKEN).get("/v1/orgs/ghost").await;

    assert_error(&answer, StatusCode::NOT_FOUND, "org_not_found");
}
