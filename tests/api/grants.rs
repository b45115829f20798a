//! Giving and taking away permission grants.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_error, grant_path, sorted, spawn_app, Scope, TestApp};

/// An org `acme` with event `e1`, collaborator `artist` and area `bar`.
async fn event_with_scopes() -> TestApp {
    let app = spawn_app().await;
    app.org_with_events("acme", 1, &["e1"]).await;
    app.collaborator("acme", "e1", "artist").await;
    app.area("acme", "e1", "bar").await;
    app
}

#[actix_web::test]
async fn granting_an_event_permission_returns_201_and_the_grant() {
    let app = event_with_scopes().await;

    let answer = app
        .put_empty(&grant_path(
            "acme",
            "e1",
            "amy",
            "Event.Update",
            Scope::Event,
        ))
        .await;

    assert_eq!(
        answer,
        (StatusCode::CREATED, json!({"permission": "Event.Update"}))
    );
    assert_eq!(
        app.event_user("acme", "e1", "amy").await["grants"],
        json!([{"permission": "Event.Update"}])
    );
}

#[actix_web::test]
async fn granting_a_scoped_permission_returns_201_and_the_grant_with_its_scope() {
    let app = event_with_scopes().await;

    let collaborator = app
        .put_empty(&grant_path(
            "acme",
            "e1",
            "amy",
            "Collaborator.AdvanceEdit",
            Scope::Collaborator("artist"),
        ))
        .await;
    let area = app
        .put_empty(&grant_path(
            "acme",
            "e1",
            "amy",
            "Area.FileUpload",
            Scope::Area("bar"),
        ))
        .await;

    assert_eq!(
        collaborator,
        (
            StatusCode::CREATED,
            json!({"permission": "Collaborator.AdvanceEdit", "collaborator": "artist"})
        )
    );
    assert_eq!(
        area,
        (
            StatusCode::CREATED,
            json!({"permission": "Area.FileUpload", "area": "bar"})
        )
    );
}

#[actix_web::test]
async fn granting_the_same_permission_again_returns_200_and_changes_nothing() {
    let app = event_with_scopes().await;
    app.grant(
        "acme",
        "e1",
        "amy",
        "Collaborator.View",
        Scope::Collaborator("artist"),
    )
    .await;
    let before = app.event_user("acme", "e1", "amy").await;

    let answer = app
        .put_empty(&grant_path(
            "acme",
            "e1",
            "amy",
            "Collaborator.View",
            Scope::Collaborator("artist"),
        ))
        .await;

    assert_eq!(
        answer,
        (
            StatusCode::OK,
            json!({"permission": "Collaborator.View", "collaborator": "artist"})
        )
    );
    assert_eq!(app.event_user("acme", "e1", "amy").await, before);
}

#[actix_web::test]
async fn the_same_permission_on_two_scopes_is_two_grants() {
    let app = event_with_scopes().await;
    app.area("acme", "e1", "stage").await;

    app.grant("acme", "e1", "amy", "Area.View", Scope::Area("bar"))
        .await;
    app.grant("acme", "e1", "amy", "Area.View", Scope::Area("stage"))
        .await;

    assert_eq!(
        sorted(&app.event_user("acme", "e1", "amy").await["grants"]),
        sorted(&json!([
            {"permission": "Area.View", "area": "bar"},
            {"permission": "Area.View", "area": "stage"},
        ]))
    );
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
async fn an_unknown_permission_returns_400_unknown_permission() {
    let app = event_with_scopes().await;

    for permission in ["Event.Fly", "event.view", "View", "Collaborator.Admin"] {
        let answer = app
            .put_empty(&grant_path("acme", "e1", "amy", permission, Scope::Event))
            .await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "unknown_permission");
    }
    assert_eq!(
        app.event_user("acme", "e1", "amy").await["grants"],
        json!([])
    );
}

#[actix_web::test]
async fn a_scoped_permission_without_its_scope_returns_400_missing_scope() {
    let app = event_with_scopes().await;

    for permission in ["Collaborator.View", "Area.ScheduleEdit"] {
        let answer = app
            .put_empty(&grant_path("acme", "e1", "amy", permission, Scope::Event))
            .await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "missing_scope");
    }
    assert_eq!(
        app.event_user("acme", "e1", "amy").await["grants"],
        json!([])
    );
}

#[actix_web::test]
async fn an_event_permission_with_a_scope_returns_400_unexpected_scope() {
    let app = event_with_scopes().await;

    for scope in [Scope::Collaborator("artist"), Scope::Area("bar")] {
        let answer = app
            .put_empty(&grant_path("acme", "e1", "amy", "Event.View", scope))
            .await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "unexpected_scope");
    }
    assert_eq!(
        app.event_user("acme", "e1", "amy").await["grants"],
        json!([])
    );
}

#[actix_web::test]
async fn a_scoped_permission_with_the_other_kind_of_scope_returns_400() {
    let app = event_with_scopes().await;

    let collaborator_on_area = app
        .put_empty(&grant_path(
            "acme",
            "e1",
            "amy",
            "Collaborator.View",
            Scope::Area("bar"),
        ))
        .await;
    let area_on_collaborator = app
        .put_empty(&grant_path(
            "acme",
            "e1",
            "amy",
            "Area.View",
            Scope::Collaborator("artist"),
        ))
        .await;
    let both = app
        .put_empty(
            "/v1/orgs/acme/events/e1/users/amy/grants/Area.View?area=bar&collaborator=artist",
        )
        .await;

    for answer in [collaborator_on_area, area_on_collaborator, both] {
        assert_eq!(answer.0, StatusCode::BAD_REQUEST, "{}", answer.1);
        let code = answer.1["error"].as_str().unwrap_or_default();
        assert!(
            code == "unexpected_scope" || code == "missing_scope",
            "{}",
            answer.1
        );
    }
    assert_eq!(
        app.event_user("acme", "e1", "amy").await["grants"],
        json!([])
    );
}

#[actix_web::test]
async fn granting_on_a_scope_that_does_not_exist_returns_404() {
    let app = event_with_scopes().await;

    let collaborator = app
        .put_empty(&grant_path(
            "acme",
            "e1",
            "amy",
            "Collaborator.View",
            Scope::Collaborator("ghost"),
        ))
        .await;
    let area = app
        .put_empty(&grant_path(
            "acme",
            "e1",
            "amy",
            "Area.View",
            Scope::Area("ghost"),
        ))
        .await;

    assert_error(
        &collaborator,
        StatusCode::NOT_FOUND,
        "collaborator_not_found",
    );
    assert_error(&area, StatusCode::NOT_FOUND, "area_not_found");
    assert_eq!(
        app.event_user("acme", "e1", "amy").await["grants"],
        json!([])
    );
}

#[actix_web::test]
async fn granting_with_a_scope_id_that_is_not_valid_returns_400_invalid_id() {
    let app = event_with_scopes().await;

    let answer = app
        .put_empty(&grant_path(
            "acme",
            "e1",
            "amy",
            "Area.View",
            Scope::Area("a b"),
        ))
        .await;

    assert_error(&answer, StatusCode::BAD_REQUEST, "invalid_id");
}

#[actix_web::test]
async fn granting_on_an_unknown_event_returns_404_event_not_found() {
    let app = event_with_scopes().await;

    let answer = app
        .put_empty(&grant_path(
            "acme",
            "ghost",
            "amy",
            "Event.View",
            Scope::Event,
        ))
        .await;

    assert_error(&answer, StatusCode::NOT_FOUND, "event_not_found");
}

#[actix_web::test]
async fn revoking_a_grant_returns_204_and_removes_only_it() {
    let app = event_with_scopes().await;
    app.grant("acme", "e1", "amy", "Event.View", Scope::Event)
        .await;
    app.grant("acme", "e1", "amy", "Area.View", Scope::Area("bar"))
        .await;

    let answer = app
        .delete(&grant_path(
            "acme",
            "e1",
            "amy",
            "Area.View",
            Scope::Area("bar"),
        ))
        .await;

    assert_eq!(answer.0, StatusCode::NO_CONTENT, "{:?}", answer.1);
    assert_eq!(
        app.event_user("acme", "e1", "amy").await["grants"],
        json!([{"permission": "Event.View"}])
    );
}

#[actix_web::test]
async fn revoking_a_grant_that_does_not_exist_returns_404_grant_not_found() {
    let app = event_with_scopes().await;
    app.area("acme", "e1", "stage").await;
    app.grant("acme", "e1", "amy", "Area.View", Scope::Area("bar"))
        .await;
    let before = app.event_user("acme", "e1", "amy").await;

    for path in [
        grant_path("acme", "e1", "amy", "Area.View", Scope::Area("stage")),
        grant_path("acme", "e1", "amy", "Event.View", Scope::Event),
        grant_path("acme", "e1", "bob", "Area.View", Scope::Area("bar")),
    ] {
        let answer = app.delete(&path).await;
        assert_error(&answer, StatusCode::NOT_FOUND, "grant_not_found");
    }
    assert_eq!(app.event_user("acme", "e1", "amy").await, before);
}

#[actix_web::test]
async fn revoking_an_unknown_permission_returns_400_unknown_permission() {
    let app = event_with_scopes().await;

    let answer = app
        .delete(&grant_path("acme", "e1", "amy", "Event.Fly", Scope::Event))
        .await;

    assert_error(&answer, StatusCode::BAD_REQUEST, "unknown_permission");
}
