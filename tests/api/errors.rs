//! Unknown routes, wrong methods, malformed bodies and oversized bodies.

use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{
    assert_error, assert_refused, spawn_app, spawn_event, spawn_org, ADMIN_TOKEN, NO_BODY,
};

#[actix_web::test]
async fn unknown_routes_wrong_methods_and_bodies_that_are_not_json_objects_are_refused() {
    let app = spawn_event(1, &["artist"], &[]).await;
    let before = app.org_state("acme").await;
    let not_found = |request| (request, NO_BODY, 404, "not_found");
    let not_allowed = |request| (request, NO_BODY, 405, "method_not_allowed");
    let mut refusals = vec![
        not_found("GET /"),
        not_found("GET /v1"),
        not_found("GET /v1/nothing"),
        not_found("GET /v2/orgs/acme"),
        not_found("GET /v1/orgs/acme/nothing"),
        not_found("GET /v1/orgs/acme/events/e1/nothing"),
        not_found("GET /v1/orgs/acme/events/e1/users/amy/nothing"),
        not_allowed("POST /v1/orgs/x"),
        not_allowed("POST /v1/orgs/acme"),
        not_allowed("DELETE /v1/orgs/acme"),
        not_allowed("GET /v1/orgs/acme/licenses"),
        not_allowed("POST /v1/orgs/acme/members"),
        not_allowed("PATCH /v1/orgs/acme/members/amy"),
        not_allowed("POST /v1/orgs/acme/events/e1"),
        not_allowed("GET /v1/orgs/acme/events/e1/slots/amy"),
        not_allowed("GET /v1/orgs/acme/check"),
        not_allowed("POST /v1/orgs/acme/events/e1/check"),
        not_allowed("PUT /v1/permissions"),
        not_allowed("GET /v1/admin/snapshot"),
    ];
    for body in [json!([1]), json!("team"), json!(3)] {
        refusals.push(("PUT /v1/orgs/new", body.clone(), 400, "bad_request"));
        refusals.push(("PUT /v1/orgs/acme/licenses", body, 400, "bad_request"));
    }

    app.assert_refusals(&refusals).await;
    // Malformed JSON, on every route that reads a body.
    for path in [
        "/v1/orgs/acme",
        "/v1/orgs/new",
        "/v1/orgs/acme/licenses",
        "/v1/orgs/acme/members/amy",
        "/v1/orgs/acme/events/e2",
        "/v1/orgs/acme/events/e1/collaborators/vendor",
        "/v1/orgs/acme/events/e1/areas/bar",
        "/v1/orgs/acme/events/e1/collaborators/artist/users/amy",
    ] {
        for raw in ["{", "{\"kind\": team}", "not json", "{\"license\": }"] {
            let answer = app.put_raw(path, raw).await;
            assert_refused(
                &format!("{path} {raw}"),
                &answer,
                StatusCode::BAD_REQUEST,
                "bad_request",
            );
        }
    }
    let batch = app
        .send(
            Method::POST,
            "/v1/orgs/acme/check",
            Some(b"{\"checks\": [".to_vec()),
        )
        .await;
    assert_error(&batch, StatusCode::BAD_REQUEST, "bad_request");
    assert_eq!(app.org_state("acme").await, before);
    app.assert_no_org("new").await;
}

#[actix_web::test]
async fn unknown_json_fields_are_ignored_everywhere() {
    let app = spawn_org(json!({})).await;

    let licenses = app
        .put(
            "/v1/orgs/acme/licenses",
            &json!({"event_pro": 1, "org_enterprise": 9}),
        )
        .await;
    let member = app
        .put("/v1/orgs/acme/members/amy", &json!({"role": "boss"}))
        .await;
    let event = app
        .put(
            "/v1/orgs/acme/events/e1",
            &json!({"name": "E", "city": "Oslo"}),
        )
        .await;
    let batch = app
        .post(
            "/v1/orgs/acme/check",
            &json!({"checks": [], "verbose": true}),
        )
        .await;

    assert_eq!(licenses.0, StatusCode::OK, "{}", licenses.1);
    assert_eq!(licenses.1["licenses"]["event_pro"]["total"], 1);
    assert_eq!(member.0, StatusCode::CREATED, "{}", member.1);
    assert_eq!(event.0, StatusCode::CREATED, "{}", event.1);
    assert_eq!(batch, (StatusCode::OK, json!({"results": []})));
}

#[actix_web::test]
async fn deeply_nested_unknown_fields_are_skipped_without_harm() {
    let app = spawn_event(1, &[], &[]).await;
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));

    let org = app
        .put_raw("/v1/orgs/deep", &format!(r#"{{"kind":"team","x":{deep}}}"#))
        .await;
    let batch = app
        .admin()
        .send(
            Method::POST,
            "/v1/orgs/acme/check",
            Some(
                format!(
                    r#"{{"x":{deep},"checks":[{{"event":"e1","user":"amy","permission":"Event.View","y":{deep}}}]}}"#
                )
                .into_bytes(),
            ),
        )
        .await;

    assert_eq!(org.0, StatusCode::CREATED, "{}", org.1);
    assert_eq!(
        batch,
        (
            StatusCode::OK,
            json!({"results": [{"allowed": false, "reason": "no_license", "license": null}]})
        )
    );
    assert_eq!(app.get("/health").await.0, StatusCode::OK);
}

#[actix_web::test]
async fn a_body_over_one_mebibyte_returns_413_payload_too_large_and_just_under_is_accepted() {
    let app = spawn_app().await;
    let padded = |size: usize| json!({"kind": "team", "padding": "x".repeat(size)});

    let answer = app.put("/v1/orgs/big", &padded(1024 * 1024 + 1)).await;

    assert_error(&answer, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    app.assert_no_org("big").await;
    // Just under one mebibyte is accepted.
    let (status, org) = app.put("/v1/orgs/big", &padded(1024 * 1024 - 100)).await;
    assert_eq!(status, StatusCode::CREATED, "{org}");
}

#[actix_web::test]
async fn a_body_over_one_mebibyte_is_413_also_on_routes_that_read_no_body() {
    let app = spawn_event(2, &[], &[]).await;
    app.licenses("acme", json!({"org_standard": 1})).await;
    app.member("acme", "amy", Some("org_standard")).await;
    app.area("acme", "e1", "stage").await;
    // What the test watches: the org and the user on the event.
    let state = || async {
        (
            app.org_state("acme").await,
            app.event_user("acme", "e1", "amy").await,
        )
    };
    let before = state().await;
    let big = vec![b'x'; 1024 * 1024 + 1];
    let e1 = "/v1/orgs/acme/events/e1";

    for (method, path) in [
        (Method::PUT, format!("{e1}/slots/amy")),
        (Method::PUT, format!("{e1}/users/amy/grants/Event.View")),
        (Method::DELETE, format!("{e1}/areas/stage")),
        (Method::DELETE, "/v1/orgs/acme/members/amy".to_string()),
        (
            Method::GET,
            format!("{e1}/check?user=amy&permission=Event.View"),
        ),
        (Method::GET, "/v1/orgs/acme".to_string()),
        (Method::GET, "/health".to_string()),
    ] {
        let answer = app.send(method.clone(), &path, Some(big.clone())).await;
        assert_error(&answer, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
        assert_eq!(state().await, before, "{method} {path} changed something");
    }

    // In its place in SPEC §2's order: after the token, the route and the
    // token's rights.
    let slot = format!("{e1}/slots/amy");
    let no_token = app
        .no_token()
        .send(Method::PUT, &slot, Some(big.clone()))
        .await;
    assert_error(&no_token, StatusCode::UNAUTHORIZED, "unauthorized");
    let wrong_method = app.send(Method::POST, &slot, Some(big.clone())).await;
    assert_error(
        &wrong_method,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    );
    let check_token = app
        .as_check_token()
        .send(Method::PUT, &slot, Some(big.clone()))
        .await;
    assert_error(&check_token, StatusCode::FORBIDDEN, "forbidden");
    // A read the check token may make: there the body is what is wrong.
    let user = format!("{e1}/users/amy");
    for path in ["/v1/orgs/acme/members", "/v1/orgs/acme/events", &user] {
        let read = app
            .as_check_token()
            .send(Method::GET, path, Some(big.clone()))
            .await;
        assert_error(&read, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    }
    assert_eq!(state().await, before);
}

#[actix_web::test]
async fn answers_with_a_body_are_application_json() {
    let app = spawn_app().await;
    let url = |path: &str| format!("http://127.0.0.1:{}{path}", app.port);

    for (method, path, token) in [
        (Method::GET, "/health", None),
        (Method::GET, "/v1/permissions", Some(ADMIN_TOKEN)),
        (Method::GET, "/v1/orgs/ghost", Some(ADMIN_TOKEN)),
        (Method::GET, "/v1/nothing", Some(ADMIN_TOKEN)),
        (Method::POST, "/v1/orgs/ghost", Some(ADMIN_TOKEN)),
        (Method::GET, "/v1/permissions", None),
    ] {
        let mut request = app.client.request(method, url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert!(
            content_type.starts_with("application/json"),
            "{path} answered {} with content type {content_type:?}",
            response.status()
        );
    }
}
