//! One order of checks on every route (SPEC §2 v2): first the request's own
//! form (ids, query parameters, body: `400`), then what it names is looked
//! up (`404`), then the rules (`409`).

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{assert_error, spawn_app, TestApp};

/// `acme` with event `e1`, collaborator `band` and area `bar`.
async fn acme() -> TestApp {
    let app = spawn_app().await;
    app.org_with_events("acme", 1, &["e1"]).await;
    app.collaborator("acme", "e1", "band").await;
    app.area("acme", "e1", "bar").await;
    app
}

/// A request: method, path (`{org}` and `{event}` filled in per case) and
/// raw body.
type Request = (Method, &'static str, Option<&'static str>);

fn fill(path: &str, org: &str, event: &str) -> String {
    path.replace("{org}", org).replace("{event}", event)
}

/// Every write route (and the reads that take a body or a query), each with
/// a request wrong in its own form, and the `400` code that must answer it
/// even though the org or event it names does not exist.
const MALFORMED: &[(Request, &str)] = &[
    (
        (Method::PUT, "/v1/orgs/{org}", Some(r#"{"kind": "club"}"#)),
        "bad_request",
    ),
    (
        (
            Method::PUT,
            "/v1/orgs/{org}/licenses",
            Some(r#"{"event_pro": -1}"#),
        ),
        "bad_request",
    ),
    (
        (Method::PUT, "/v1/orgs/{org}/licenses", Some("[1]")),
        "bad_request",
    ),
    (
        (
            Method::PUT,
            "/v1/orgs/{org}/members/amy",
            Some(r#"{"license": "gold"}"#),
        ),
        "bad_request",
    ),
    (
        (Method::PUT, "/v1/orgs/{org}/members/a*y", None),
        "invalid_id",
    ),
    (
        (Method::DELETE, "/v1/orgs/{org}/members/a*y", None),
        "invalid_id",
    ),
    (
        (
            Method::PUT,
            "/v1/orgs/{org}/events/{event}",
            Some(r#"{"name": 5}"#),
        ),
        "bad_request",
    ),
    (
        (Method::PUT, "/v1/orgs/{org}/events/{event}", Some("{")),
        "bad_request",
    ),
    (
        (Method::DELETE, "/v1/orgs/{org}/events/e*1", None),
        "invalid_id",
    ),
    (
        (
            Method::PUT,
            "/v1/orgs/{org}/events/{event}/collaborators/band",
            Some(r#"{"modules": {"files": "yes"}}"#),
        ),
        "bad_request",
    ),
    (
        (
            Method::DELETE,
            "/v1/orgs/{org}/events/{event}/collaborators/b*d",
            None,
        ),
        "invalid_id",
    ),
    (
        (
            Method::PUT,
            "/v1/orgs/{org}/events/{event}/areas/bar",
            Some(r#"{"name": []}"#),
        ),
        "bad_request",
    ),
    (
        (
            Method::DELETE,
            "/v1/orgs/{org}/events/{event}/areas/b*r",
            None,
        ),
        "invalid_id",
    ),
    (
        (Method::PUT, "/v1/orgs/{org}/events/{event}/slots/a*y", None),
        "invalid_id",
    ),
    (
        (
            Method::DELETE,
            "/v1/orgs/{org}/events/{event}/slots/a*y",
            None,
        ),
        "invalid_id",
    ),
    (
        (
            Method::PUT,
            "/v1/orgs/{org}/events/{event}/collaborators/band/users/amy",
            Some(r#"{"permissions": "all"}"#),
        ),
        "bad_request",
    ),
    (
        (
            Method::PUT,
            "/v1/orgs/{org}/events/{event}/collaborators/band/users/amy",
            Some(r#"{"permissions": ["Event.View"]}"#),
        ),
        "bad_request",
    ),
    (
        (
            Method::DELETE,
            "/v1/orgs/{org}/events/{event}/collaborators/band/users/a*y",
            None,
        ),
        "invalid_id",
    ),
    (
        (
            Method::PUT,
            "/v1/orgs/{org}/events/{event}/users/amy/grants/Event.Fly",
            None,
        ),
        "unknown_permission",
    ),
    (
        (
            Method::PUT,
            "/v1/orgs/{org}/events/{event}/users/amy/grants/Collaborator.View",
            None,
        ),
        "missing_scope",
    ),
    (
        (
            Method::DELETE,
            "/v1/orgs/{org}/events/{event}/users/amy/grants/Event.View?area=bar",
            None,
        ),
        "unexpected_scope",
    ),
    (
        (
            Method::PUT,
            "/v1/orgs/{org}/users/amy/grants/Area.View",
            None,
        ),
        "bad_request",
    ),
    (
        (
            Method::DELETE,
            "/v1/orgs/{org}/users/amy/grants/Event.Fly",
            None,
        ),
        "unknown_permission",
    ),
    (
        (
            Method::POST,
            "/v1/orgs/{org}/check",
            Some(r#"{"checks": 5}"#),
        ),
        "bad_request",
    ),
    (
        (
            Method::GET,
            "/v1/orgs/{org}/events/{event}/check?user=amy",
            None,
        ),
        "bad_request",
    ),
    (
        (Method::GET, "/v1/orgs/{org}/access?user=a*y", None),
        "invalid_id",
    ),
];

#[actix_web::test]
async fn a_request_wrong_in_form_and_naming_a_missing_org_or_event_is_400() {
    let app = acme().await;
    let before = app.org_state("acme").await;

    for ((method, path, body), code) in MALFORMED {
        // The org is missing; then the org is there but the event is not.
        for (org, event) in [("nobody", "e1"), ("acme", "ghost")] {
            let path = fill(path, org, event);
            let body = body.map(|b| b.as_bytes().to_vec());
            let answer = app.send(method.clone(), &path, body).await;
            assert_eq!(
                answer.0,
                StatusCode::BAD_REQUEST,
                "{method} {path}: {answer:?}"
            );
            assert_eq!(answer.1["error"], *code, "{method} {path}: {answer:?}");
        }
    }

    assert_eq!(app.org_state("acme").await, before);
    let nobody = app.get("/v1/orgs/nobody").await;
    assert_error(&nobody, StatusCode::NOT_FOUND, "org_not_found");
}

/// One request per route family, right in form, naming something missing.
#[actix_web::test]
async fn a_request_right_in_form_naming_a_missing_thing_is_404() {
    let app = acme().await;
    let before = app.org_state("acme").await;
    let cases: [(Method, &str, Option<serde_json::Value>, &str); 10] = [
        (
            Method::PUT,
            "/v1/orgs/nobody/licenses",
            Some(json!({"event_pro": 1})),
            "org_not_found",
        ),
        (
            Method::PUT,
            "/v1/orgs/nobody/members/amy",
            Some(json!({"license": null})),
            "org_not_found",
        ),
        (
            Method::PUT,
            "/v1/orgs/nobody/events/e1",
            Some(json!({"name": "Fest"})),
            "org_not_found",
        ),
        (
            Method::PUT,
            "/v1/orgs/acme/events/ghost/collaborators/band",
            Some(json!({"modules": {"files": false}})),
            "event_not_found",
        ),
        (
            Method::PUT,
            "/v1/orgs/acme/events/e1/collaborators/crew/users/amy",
            Some(json!({"permissions": ["Collaborator.View"]})),
            "collaborator_not_found",
        ),
        (
            Method::PUT,
            "/v1/orgs/acme/events/e1/users/amy/grants/Area.View?area=gate",
            None,
            "area_not_found",
        ),
        (
            Method::DELETE,
            "/v1/orgs/acme/events/e1/slots/amy",
            None,
            "slot_not_found",
        ),
        (
            Method::PUT,
            "/v1/orgs/nobody/users/amy/grants/Event.View",
            None,
            "org_not_found",
        ),
        (
            Method::POST,
            "/v1/orgs/nobody/check",
            Some(json!({"checks": [{"event": "e1", "user": "amy", "permission": "Event.View"}]})),
            "org_not_found",
        ),
        (
            Method::GET,
            "/v1/orgs/acme/events/ghost/check?user=amy&permission=Event.View",
            None,
            "event_not_found",
        ),
    ];

    for (method, path, body, code) in cases {
        let body = body.map(|b| b.to_string().into_bytes());
        let answer = app.send(method.clone(), path, body).await;
        assert_eq!(
            answer.0,
            StatusCode::NOT_FOUND,
            "{method} {path}: {answer:?}"
        );
        assert_eq!(answer.1["error"], code, "{method} {path}: {answer:?}");
    }

    assert_eq!(app.org_state("acme").await, before);
}
