//! One order of checks on every route (SPEC §2 v2): first the request's own
//! form (ids, query parameters, body: `400`), then what it names is looked
//! up (`404`), then the rules (`409`).

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{assert_refused, spawn_event, NO_BODY};

/// Every write route (and the reads that take a body or a query), each with
/// a request wrong in its own form (`"METHOD /path"` with `{org}` and
/// `{event}` filled in per case, and its raw body), and the `400` code that
/// must answer it even though the org or event it names does not exist.
#[rustfmt::skip]
const MALFORMED: &[(&str, Option<&str>, &str)] = &[
    ("PUT /v1/orgs/{org}", Some(r#"{"kind": "club"}"#), "bad_request"),
    ("PUT /v1/orgs/{org}/licenses", Some(r#"{"event_pro": -1}"#), "bad_request"),
    ("PUT /v1/orgs/{org}/licenses", Some("[1]"), "bad_request"),
    ("PUT /v1/orgs/{org}/members/amy", Some(r#"{"license": "gold"}"#), "bad_request"),
    ("PUT /v1/orgs/{org}/members/a*y", None, "invalid_id"),
    ("DELETE /v1/orgs/{org}/members/a*y", None, "invalid_id"),
    ("PUT /v1/orgs/{org}/events/{event}", Some(r#"{"name": 5}"#), "bad_request"),
    ("PUT /v1/orgs/{org}/events/{event}", Some("{"), "bad_request"),
    ("DELETE /v1/orgs/{org}/events/e*1", None, "invalid_id"),
    ("PUT /v1/orgs/{org}/events/{event}/collaborators/band", Some(r#"{"modules": {"files": "yes"}}"#), "bad_request"),
    ("DELETE /v1/orgs/{org}/events/{event}/collaborators/b*d", None, "invalid_id"),
    ("PUT /v1/orgs/{org}/events/{event}/areas/bar", Some(r#"{"name": []}"#), "bad_request"),
    ("DELETE /v1/orgs/{org}/events/{event}/areas/b*r", None, "invalid_id"),
    ("PUT /v1/orgs/{org}/events/{event}/slots/a*y", None, "invalid_id"),
    ("DELETE /v1/orgs/{org}/events/{event}/slots/a*y", None, "invalid_id"),
    ("PUT /v1/orgs/{org}/events/{event}/collaborators/band/users/amy", Some(r#"{"permissions": "all"}"#), "bad_request"),
    ("PUT /v1/orgs/{org}/events/{event}/collaborators/band/users/amy", Some(r#"{"permissions": ["Event.View"]}"#), "bad_request"),
    ("DELETE /v1/orgs/{org}/events/{event}/collaborators/band/users/a*y", None, "invalid_id"),
    ("PUT /v1/orgs/{org}/events/{event}/users/amy/grants/Event.Fly", None, "unknown_permission"),
    ("PUT /v1/orgs/{org}/events/{event}/users/amy/grants/Collaborator.View", None, "missing_scope"),
    ("DELETE /v1/orgs/{org}/events/{event}/users/amy/grants/Event.View?area=bar", None, "unexpected_scope"),
    ("PUT /v1/orgs/{org}/users/amy/grants/Area.View", None, "bad_request"),
    ("DELETE /v1/orgs/{org}/users/amy/grants/Event.Fly", None, "unknown_permission"),
    ("POST /v1/orgs/{org}/check", Some(r#"{"checks": 5}"#), "bad_request"),
    ("GET /v1/orgs/{org}/events/{event}/check?user=amy", None, "bad_request"),
    ("GET /v1/orgs/{org}/access?user=a*y", None, "invalid_id"),
];

#[actix_web::test]
async fn a_request_wrong_in_form_and_naming_a_missing_org_or_event_is_400() {
    let app = spawn_event(1, &["band"], &["bar"]).await;
    let before = app.org_state("acme").await;

    for (request, body, code) in MALFORMED {
        // The org is missing; then the org is there but the event is not.
        for (org, event) in [("nobody", "e1"), ("acme", "ghost")] {
            let request = request.replace("{org}", org).replace("{event}", event);
            let (method, path) = request.split_once(' ').expect("METHOD /path");
            let method = Method::from_bytes(method.as_bytes()).expect("a method");
            let body = body.map(|b| b.as_bytes().to_vec());
            let answer = app.send(method, path, body).await;
            assert_refused(&request, &answer, StatusCode::BAD_REQUEST, code);
        }
    }

    assert_eq!(app.org_state("acme").await, before);
    app.assert_no_org("nobody").await;
}

/// One request per route family, right in form, naming something missing.
#[actix_web::test]
async fn a_request_right_in_form_naming_a_missing_thing_is_404() {
    let app = spawn_event(1, &["band"], &["bar"]).await;
    let check = json!({"checks": [{"event": "e1", "user": "amy", "permission": "Event.View"}]});

    #[rustfmt::skip]
    let refusals = [
        ("PUT /v1/orgs/nobody/licenses", json!({"event_pro": 1}), 404, "org_not_found"),
        ("PUT /v1/orgs/nobody/members/amy", json!({"license": null}), 404, "org_not_found"),
        ("PUT /v1/orgs/nobody/events/e1", json!({"name": "Fest"}), 404, "org_not_found"),
        ("PUT /v1/orgs/acme/events/ghost/collaborators/band", json!({"modules": {"files": false}}), 404, "event_not_found"),
        ("PUT /v1/orgs/acme/events/e1/collaborators/crew/users/amy", json!({"permissions": ["Collaborator.View"]}), 404, "collaborator_not_found"),
        ("PUT /v1/orgs/acme/events/e1/users/amy/grants/Area.View?area=gate", NO_BODY, 404, "area_not_found"),
        ("DELETE /v1/orgs/acme/events/e1/slots/amy", NO_BODY, 404, "slot_not_found"),
        ("PUT /v1/orgs/nobody/users/amy/grants/Event.View", NO_BODY, 404, "org_not_found"),
        ("POST /v1/orgs/nobody/check", check, 404, "org_not_found"),
        ("GET /v1/orgs/acme/events/ghost/check?user=amy&permission=Event.View", NO_BODY, 404, "event_not_found"),
    ];

    app.assert_refusals_change_nothing("acme", &refusals).await;
}
