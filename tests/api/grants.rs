//! Giving and taking away permission grants.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{sorted, spawn_event, Scope, TestApp, NO_BODY};

/// An org `acme` with event `e1`, collaborator `artist` and area `bar`.
async fn event_with_scopes() -> TestApp {
    spawn_event(1, &["artist"], &["bar"]).await
}

#[actix_web::test]
async fn granting_returns_201_and_the_grant_then_200_and_changes_nothing_and_revoking_204() {
    let app = event_with_scopes().await;
    app.area("acme", "e1", "stage").await;
    let grants = "/v1/orgs/acme/events/e1/users/amy/grants";
    let grant = |scoped: &str| format!("PUT {grants}/{scoped}");
    let area = |area: &str| json!({"permission": "Area.View", "area": area});
    // The same permission on two scopes is two grants.
    #[rustfmt::skip]
    let given = [
        (grant("Event.Update"), NO_BODY, 201, json!({"permission": "Event.Update"})),
        (grant("Collaborator.AdvanceEdit?collaborator=artist"), NO_BODY, 201, json!({"permission": "Collaborator.AdvanceEdit", "collaborator": "artist"})),
        (grant("Area.FileUpload?area=bar"), NO_BODY, 201, json!({"permission": "Area.FileUpload", "area": "bar"})),
        (grant("Area.View?area=bar"), NO_BODY, 201, area("bar")),
        (grant("Area.View?area=stage"), NO_BODY, 201, area("stage")),
    ];

    app.assert_answers(&given).await;

    let listed: Value = given.iter().map(|(.., grant)| grant.clone()).collect();
    let user = app.event_user("acme", "e1", "amy").await;
    assert_eq!(sorted(&user["grants"]), sorted(&listed));
    let again = given
        .clone()
        .map(|(request, body, _, grant)| (request, body, 200, grant));
    app.assert_answers(&again).await;
    assert_eq!(app.event_user("acme", "e1", "amy").await, user);

    // Revoking one removes it only.
    let revoke = format!("DELETE {grants}/Area.View?area=bar");
    app.assert_answers(&[(revoke, NO_BODY, 204, NO_BODY)]).await;
    let left: Value = given
        .into_iter()
        .filter(|(.., grant)| *grant != area("bar"))
        .map(|(.., grant)| grant)
        .collect();
    let user = app.event_user("acme", "e1", "amy").await;
    assert_eq!(sorted(&user["grants"]), sorted(&left));
}

#[actix_web::test]
async fn a_grant_may_be_given_to_a_user_without_any_license() {
    let app = event_with_scopes().await;

    app.grant("acme", "e1", "nobody", "Event.Admin", Scope::Event)
        .await;

    let user = app.event_user("acme", "e1", "nobody").await;
    assert_eq!(user["license"], json!(null));
    assert_eq!(user["grants"], json!([{"permission": "Event.Admin"}]));
}

#[actix_web::test]
async fn a_scoped_permission_with_the_other_kind_of_scope_returns_400() {
    let app = event_with_scopes().await;
    let grants = "/v1/orgs/acme/events/e1/users/amy/grants";

    for query in [
        "Collaborator.View?area=bar",
        "Area.View?collaborator=artist",
        "Area.View?area=bar&collaborator=artist",
    ] {
        let (status, body) = app.put_empty(&format!("{grants}/{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        let code = body["error"].as_str().unwrap_or_default();
        assert!(
            code == "unexpected_scope" || code == "missing_scope",
            "{query}: {body}"
        );
    }
    assert_eq!(
        app.event_user("acme", "e1", "amy").await["grants"],
        json!([])
    );
}

#[actix_web::test]
async fn grants_that_cannot_be_given_or_taken_away_are_refused_and_change_nothing() {
    let app = event_with_scopes().await;
    app.area("acme", "e1", "stage").await;
    app.grant("acme", "e1", "amy", "Area.View", Scope::Area("bar"))
        .await;
    let before = app.event_user("acme", "e1", "amy").await;
    let put = |grant: &str| format!("PUT /v1/orgs/acme/events/e1/users/amy/grants/{grant}");
    let delete = |path: &str| format!("DELETE /v1/orgs/acme/events/{path}");

    #[rustfmt::skip]
    let refusals = [
        (put("Event.Fly"), NO_BODY, 400, "unknown_permission"),
        (put("event.view"), NO_BODY, 400, "unknown_permission"),
        (put("View"), NO_BODY, 400, "unknown_permission"),
        (put("Collaborator.Admin"), NO_BODY, 400, "unknown_permission"),
        (put("Collaborator.View"), NO_BODY, 400, "missing_scope"),
        (put("Area.ScheduleEdit"), NO_BODY, 400, "missing_scope"),
        (put("Event.View?collaborator=artist"), NO_BODY, 400, "unexpected_scope"),
        (put("Event.View?area=bar"), NO_BODY, 400, "unexpected_scope"),
        (put("Collaborator.View?collaborator=ghost"), NO_BODY, 404, "collaborator_not_found"),
        (put("Area.View?area=ghost"), NO_BODY, 404, "area_not_found"),
        (put("Area.View?area=a%20b"), NO_BODY, 400, "invalid_id"),
        ("PUT /v1/orgs/acme/events/ghost/users/amy/grants/Event.View".into(), NO_BODY, 404, "event_not_found"),
        (delete("e1/users/amy/grants/Area.View?area=stage"), NO_BODY, 404, "grant_not_found"),
        (delete("e1/users/amy/grants/Event.View"), NO_BODY, 404, "grant_not_found"),
        (delete("e1/users/bob/grants/Area.View?area=bar"), NO_BODY, 404, "grant_not_found"),
        (delete("e1/users/amy/grants/Event.Fly"), NO_BODY, 400, "unknown_permission"),
    ];

    app.assert_refusals(&refusals).await;
    assert_eq!(app.event_user("acme", "e1", "amy").await, before);
}
