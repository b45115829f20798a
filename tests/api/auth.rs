//! Tokens, and the order in which a request is refused: token (401), route
//! (404/405), token rights (403), then body and rules.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{assert_error, spawn_event, spawn_org, ADMIN_TOKEN, CHECK_TOKEN, NO_BODY};

#[actix_web::test]
async fn a_request_without_a_valid_bearer_token_is_refused_401_before_anything_else() {
    let app = spawn_org(json!({})).await;
    let before = app.org_state("acme").await;
    let admin_with_suffix = format!("{ADMIN_TOKEN}x");
    let prefix = &ADMIN_TOKEN[..ADMIN_TOKEN.len() - 1];
    let basic = format!("Basic {ADMIN_TOKEN}");
    let unauthorized = |request| (request, NO_BODY, 401, "unauthorized");
    let licenses = (
        "PUT /v1/orgs/acme/licenses",
        json!({"event_pro": 3}),
        401,
        "unauthorized",
    );

    app.no_token()
        .assert_refusals(&[
            unauthorized("GET /v1/orgs/acme"),
            unauthorized("GET /v1/permissions"),
            licenses.clone(),
            (
                "PUT /v1/orgs/new",
                json!({"kind": "team"}),
                401,
                "unauthorized",
            ),
            unauthorized("POST /v1/admin/snapshot"),
            // before an unknown route, a wrong method or a bad body
            unauthorized("GET /v1/nothing"),
            ("POST /v1/orgs/x", json!({}), 401, "unauthorized"),
        ])
        .await;
    let bad_body = app.no_token().put_raw("/v1/orgs/x", "{").await;
    assert_error(&bad_body, StatusCode::UNAUTHORIZED, "unauthorized");
    for token in ["nope", admin_with_suffix.as_str(), prefix, ""] {
        let read = unauthorized("GET /v1/orgs/acme");
        let refusals = [read, licenses.clone(), unauthorized("GET /v1/nothing")];
        app.with_token(token).assert_refusals(&refusals).await;
    }
    for header in [ADMIN_TOKEN, basic.as_str()] {
        let read = [unauthorized("GET /v1/orgs/acme")];
        app.with_authorization(header).assert_refusals(&read).await;
    }
    assert_eq!(app.org_state("acme").await, before);
    app.assert_no_org("new").await;
}

#[actix_web::test]
async fn the_check_token_is_refused_403_on_every_write_after_the_route_and_before_the_body() {
    let app = spawn_event(1, &["artist"], &[]).await;
    app.slot("acme", "e1", "amy").await;
    app.member("acme", "amy", None).await;
    let before = app.org_state("acme").await;
    let forbidden = |request| (request, NO_BODY, 403, "forbidden");
    let team = json!({"kind": "team"});

    #[rustfmt::skip]
    let refusals = [
        ("PUT /v1/orgs/new", team.clone(), 403, "forbidden"),
        ("PUT /v1/orgs/acme", team.clone(), 403, "forbidden"),
        ("PUT /v1/orgs/acme/licenses", json!({"event_pro": 4}), 403, "forbidden"),
        forbidden("PUT /v1/orgs/acme/members/bob"),
        forbidden("DELETE /v1/orgs/acme/members/amy"),
        forbidden("PUT /v1/orgs/acme/events/e2"),
        forbidden("DELETE /v1/orgs/acme/events/e1"),
        forbidden("PUT /v1/orgs/acme/events/e1/collaborators/vendor"),
        forbidden("DELETE /v1/orgs/acme/events/e1/collaborators/artist"),
        forbidden("PUT /v1/orgs/acme/events/e1/areas/bar"),
        forbidden("PUT /v1/orgs/acme/events/e1/slots/bob"),
        forbidden("DELETE /v1/orgs/acme/events/e1/slots/amy"),
        forbidden("PUT /v1/orgs/acme/events/e1/collaborators/artist/users/bob"),
        forbidden("PUT /v1/orgs/acme/events/e1/users/amy/grants/Event.View"),
        forbidden("POST /v1/admin/snapshot"),
        // before the body and the rules
        ("PUT /v1/orgs/acme/licenses", json!({"event_pro": -1}), 403, "forbidden"),
        ("PUT /v1/orgs/ghost/licenses", json!({"event_pro": 1}), 403, "forbidden"),
        forbidden("PUT /v1/orgs/acme/members/a%20b"),
        ("PUT /v1/orgs/acme", json!({"kind": "personal", "owner": "u"}), 403, "forbidden"),
        // after the route and the method
        ("PUT /v1/nothing", team, 404, "not_found"),
        ("POST /v1/orgs/x", json!({}), 405, "method_not_allowed"),
        // a read the check token may make
        ("GET /v1/orgs/ghost", NO_BODY, 404, "org_not_found"),
    ];

    app.as_check_token().assert_refusals(&refusals).await;
    let bad_body = app
        .as_check_token()
        .put_raw("/v1/orgs/acme/licenses", "{")
        .await;
    assert_error(&bad_body, StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(app.org_state("acme").await, before);
    app.assert_no_org("new").await;
}

/// A proxy that appends its own `Authorization` header must not turn a
/// request into another identity: with two, neither is taken, whichever
/// comes first and whether or not either is valid.
#[actix_web::test]
async fn two_authorization_headers_are_refused_with_400_and_change_nothing() {
    let app = spawn_org(json!({})).await;
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
    let app = spawn_event(1, &[], &[]).await;
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
