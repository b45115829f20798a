//! `Gatehouse-Revision` (SPEC §2, changes): every accepted write answers the
//! journal record it reflects; refusals and reads answer none.

use reqwest::{Method, StatusCode};

use crate::helpers::{spawn_app, TestApp, ADMIN_TOKEN};

/// Sends a request with the admin token: its status and its revision.
async fn send(app: &TestApp, method: Method, path: &str, body: &str) -> (StatusCode, Option<u64>) {
    let response = app
        .client
        .request(method, format!("{}{path}", app.address))
        .bearer_auth(ADMIN_TOKEN)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let revision = response
        .headers()
        .get("gatehouse-revision")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    (response.status(), revision)
}

#[actix_web::test]
async fn every_accepted_write_answers_a_newer_revision() {
    let app = spawn_app().await;
    let writes: &[(Method, &str, &str)] = &[
        (Method::PUT, "/v1/orgs/acme", r#"{"kind":"team"}"#),
        (
            Method::PUT,
            "/v1/orgs/acme/licenses",
            r#"{"event_pro":1,"org_standard":2}"#,
        ),
        (
            Method::PUT,
            "/v1/orgs/acme/members/amy",
            r#"{"license":"org_standard"}"#,
        ),
        (Method::PUT, "/v1/orgs/acme/events/e1", "{}"),
        (Method::PUT, "/v1/orgs/acme/events/e1/slots/amy", ""),
        (
            Method::PUT,
            "/v1/orgs/acme/events/e1/users/amy/grants/Event.View",
            "",
        ),
        (
            Method::PUT,
            "/v1/orgs/acme/users/amy/grants/Event.Update",
            "",
        ),
        (
            Method::DELETE,
            "/v1/orgs/acme/users/amy/grants/Event.Update",
            "",
        ),
        (
            Method::DELETE,
            "/v1/orgs/acme/events/e1/users/amy/grants/Event.View",
            "",
        ),
        (Method::DELETE, "/v1/orgs/acme/events/e1/slots/amy", ""),
        (Method::DELETE, "/v1/orgs/acme/events/e1", ""),
    ];
    let mut last = 0;
    for (method, path, body) in writes {
        let (status, revision) = send(&app, method.clone(), path, body).await;
        assert!(status.is_success(), "{method} {path}: {status}");
        let revision = revision.unwrap_or_else(|| panic!("{method} {path}: no revision"));
        assert!(revision > last, "{method} {path}: {revision} after {last}");
        last = revision;
    }
}

#[actix_web::test]
async fn a_write_that_changes_nothing_answers_the_revision_it_found() {
    let app = spawn_app().await;
    let org = r#"{"kind":"team"}"#;
    let (_, created) = send(&app, Method::PUT, "/v1/orgs/acme", org).await;
    let (status, again) = send(&app, Method::PUT, "/v1/orgs/acme", org).await;
    assert_eq!(status, StatusCode::OK);
    assert!(again.unwrap() >= created.unwrap());
}

#[actix_web::test]
async fn refusals_and_reads_answer_no_revision() {
    let app = spawn_app().await;
    send(&app, Method::PUT, "/v1/orgs/acme", r#"{"kind":"team"}"#).await;
    let cases: &[(Method, &str, &str, StatusCode)] = &[
        // refused by the rules: no event_pro
        (
            Method::PUT,
            "/v1/orgs/acme/events/e1",
            "{}",
            StatusCode::CONFLICT,
        ),
        (
            Method::PUT,
            "/v1/orgs/acme",
            r#"{"kind":"club"}"#,
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::DELETE,
            "/v1/orgs/acme/members/nobody",
            "",
            StatusCode::NOT_FOUND,
        ),
        (Method::GET, "/v1/orgs/acme", "", StatusCode::OK),
        (
            Method::POST,
            "/v1/orgs/acme/check",
            r#"{"checks":[]}"#,
            StatusCode::OK,
        ),
    ];
    for (method, path, body, expected) in cases {
        let (status, revision) = send(&app, method.clone(), path, body).await;
        assert_eq!(status, *expected, "{method} {path}");
        assert_eq!(revision, None, "{method} {path}");
    }
}
