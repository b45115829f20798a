//! Free collaborator access: attaching users to collaborators.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{attachment_path, sorted, spawn_event, CheckRow, Scope, TestApp, NO_BODY};

const DEFAULT_GRANTS: [&str; 6] = [
    "Collaborator.View",
    "Collaborator.AdvanceView",
    "Collaborator.AdvanceEdit",
    "Collaborator.ScheduleView",
    "Collaborator.FileView",
    "Collaborator.FileUpload",
];

/// The grants `permissions` scoped to `collaborator`, as the server lists them.
fn scoped(permissions: &[&str], collaborator: &str) -> Value {
    permissions
        .iter()
        .map(|permission| json!({"permission": permission, "collaborator": collaborator}))
        .collect()
}

/// An org `acme` with event `e1`, collaborators `artist` and `vendor`, and
/// area `bar`.
async fn event_with_collaborators() -> TestApp {
    spawn_event(1, &["artist", "vendor"], &["bar"]).await
}

/// `amy`'s checks of `permissions` on collaborator `on`, each expected as
/// `expected`.
fn amy_on<'a>(on: &'a str, permissions: &[&'a str], expected: &'a str) -> Vec<CheckRow<'a>> {
    permissions
        .iter()
        .map(|permission| ("amy", *permission, Scope::Collaborator(on), expected))
        .collect()
}

#[actix_web::test]
async fn attaching_a_user_returns_201_and_the_attachment_then_200_and_changes_nothing() {
    let app = event_with_collaborators().await;
    let path = attachment_path("acme", "e1", "artist", "amy");
    let attachment = json!({"event": "e1", "collaborator": "artist", "user": "amy"});

    let answer = app.put_empty(&path).await;

    assert_eq!(answer, (StatusCode::CREATED, attachment.clone()));
    let user = app.event_user("acme", "e1", "amy").await;
    assert_eq!(user["license"], "collaborator");
    assert_eq!(user["collaborators"], json!(["artist"]));

    // Again, bare or with another list of grants: nothing changes.
    let bare = app.put_empty(&path).await;
    let other = json!({"permissions": ["Collaborator.FileUpload", "Collaborator.AdvanceEdit"]});
    let other = app.put(&path, &other).await;
    assert_eq!(bare, (StatusCode::OK, attachment.clone()));
    assert_eq!(other, (StatusCode::OK, attachment));
    assert_eq!(app.event_user("acme", "e1", "amy").await, user);
}

#[actix_web::test]
async fn attaching_gives_the_default_collaborator_grants_or_only_those_listed() {
    let app = event_with_collaborators().await;
    let listed = ["Collaborator.View", "Collaborator.ScheduleEdit"];

    app.attach("acme", "e1", "artist", "amy").await;
    app.attach_with("acme", "e1", "artist", "bob", &listed)
        .await;

    for (user, grants) in [("amy", &DEFAULT_GRANTS[..]), ("bob", &listed[..])] {
        let read = app.event_user("acme", "e1", user).await;
        assert_eq!(
            sorted(&read["grants"]),
            sorted(&scoped(grants, "artist")),
            "{user}"
        );
    }
}

#[actix_web::test]
async fn attachments_that_cannot_be_made_or_ended_are_refused_and_change_nothing() {
    let app = event_with_collaborators().await;
    app.attach("acme", "e1", "artist", "cat").await;
    let before = (
        app.event_user("acme", "e1", "amy").await,
        app.event_user("acme", "e1", "cat").await,
    );
    let put = |path: &str| format!("PUT /v1/orgs/acme/events/{path}");
    let delete = |path: &str| format!("DELETE /v1/orgs/acme/events/{path}");
    let listing = |permission: &str| json!({"permissions": ["Collaborator.View", permission]});

    #[rustfmt::skip]
    let refusals = [
        (put("e1/collaborators/artist/users/amy"), listing("Event.View"), 400, "bad_request"),
        (put("e1/collaborators/artist/users/amy"), listing("Area.View"), 400, "bad_request"),
        (put("e1/collaborators/artist/users/amy"), listing("Event.Admin"), 400, "bad_request"),
        (put("e1/collaborators/artist/users/amy"), json!({"permissions": "Collaborator.View"}), 400, "bad_request"),
        (put("e1/collaborators/ghost/users/amy"), NO_BODY, 404, "collaborator_not_found"),
        (put("ghost/collaborators/artist/users/amy"), NO_BODY, 404, "event_not_found"),
        (delete("e1/collaborators/vendor/users/cat"), NO_BODY, 404, "attachment_not_found"),
        (delete("e1/collaborators/artist/users/bob"), NO_BODY, 404, "attachment_not_found"),
        (delete("e1/collaborators/ghost/users/amy"), NO_BODY, 404, "collaborator_not_found"),
    ];

    app.assert_refusals(&refusals).await;
    // SPEC names no code for a permission it does not know: any 400 error.
    let unknown = json!({"permissions": ["Collaborator.Dance"]});
    let path = attachment_path("acme", "e1", "artist", "amy");
    let (status, body) = app.put(&path, &unknown).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"].is_string(), "{body}");
    let after = (
        app.event_user("acme", "e1", "amy").await,
        app.event_user("acme", "e1", "cat").await,
    );
    assert_eq!(after, before);
    assert_eq!(before.0["license"], json!(null));
}

#[actix_web::test]
async fn detaching_returns_204_keeps_the_grants_and_ends_the_free_license() {
    let app = event_with_collaborators().await;
    app.attach("acme", "e1", "artist", "amy").await;

    let answer = app
        .delete(&attachment_path("acme", "e1", "artist", "amy"))
        .await;

    assert_eq!(answer.0, StatusCode::NO_CONTENT, "{:?}", answer.1);
    let user = app.event_user("acme", "e1", "amy").await;
    assert_eq!(user["license"], json!(null));
    assert_eq!(user["collaborators"], json!([]));
    assert_eq!(
        sorted(&user["grants"]),
        sorted(&scoped(&DEFAULT_GRANTS, "artist"))
    );
    let view = amy_on("artist", &["Collaborator.View"], "no_license");
    app.assert_checks("acme", "e1", &view).await;
}

#[actix_web::test]
async fn deleting_a_collaborator_drops_its_attachments_and_scoped_grants_only() {
    let app = event_with_collaborators().await;
    // amy on two collaborators: attached while she held the only slot
    app.slot("acme", "e1", "amy").await;
    app.attach("acme", "e1", "artist", "amy").await;
    app.attach_with("acme", "e1", "vendor", "amy", &["Collaborator.View"])
        .await;
    let (status, _) = app.delete("/v1/orgs/acme/events/e1/slots/amy").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    app.slot("acme", "e1", "bob").await;
    let advance = Scope::Collaborator("artist");
    app.grant("acme", "e1", "bob", "Collaborator.AdvanceEdit", advance)
        .await;
    app.grant("acme", "e1", "bob", "Area.View", Scope::Area("bar"))
        .await;

    let answer = app
        .delete("/v1/orgs/acme/events/e1/collaborators/artist")
        .await;

    assert_eq!(answer.0, StatusCode::NO_CONTENT, "{:?}", answer.1);
    // down to one collaborator: free access again
    let amy = app.event_user("acme", "e1", "amy").await;
    assert_eq!(amy["license"], "collaborator");
    assert_eq!(amy["collaborators"], json!(["vendor"]));
    assert_eq!(amy["grants"], scoped(&["Collaborator.View"], "vendor"));
    let bob = app.event_user("acme", "e1", "bob").await;
    assert_eq!(
        bob["grants"],
        json!([{"permission": "Area.View", "area": "bar"}])
    );
}

#[actix_web::test]
async fn a_collaborator_made_again_after_deletion_has_no_old_attachments_or_grants() {
    let app = event_with_collaborators().await;
    app.attach("acme", "e1", "artist", "amy").await;
    let answer = app
        .delete("/v1/orgs/acme/events/e1/collaborators/artist")
        .await;
    assert_eq!(answer.0, StatusCode::NO_CONTENT);

    app.collaborator("acme", "e1", "artist").await;

    let amy = app.event_user("acme", "e1", "amy").await;
    assert_eq!(
        amy,
        json!({"user": "amy", "license": null, "collaborators": [], "grants": [], "org_grants": []})
    );
    let view = amy_on("artist", &["Collaborator.View"], "no_license");
    app.assert_checks("acme", "e1", &view).await;
}

#[actix_web::test]
async fn a_free_collaborator_is_allowed_their_default_grants_on_their_collaborator() {
    let app = event_with_collaborators().await;
    app.attach("acme", "e1", "artist", "amy").await;

    let mut rows = amy_on("artist", &DEFAULT_GRANTS, "granted collaborator");
    rows.extend(amy_on(
        "artist",
        &["Collaborator.ScheduleEdit"],
        "no_permission collaborator",
    ));
    app.assert_checks("acme", "e1", &rows).await;
}

#[actix_web::test]
async fn a_free_collaborators_ceiling_stops_at_their_own_collaborators() {
    let app = event_with_collaborators().await;
    app.attach("acme", "e1", "artist", "amy").await;
    let outside = [
        ("Collaborator.View", Scope::Collaborator("vendor")),
        ("Event.View", Scope::Event),
        ("Area.View", Scope::Area("bar")),
    ];
    for (permission, scope) in outside {
        app.grant("acme", "e1", "amy", permission, scope).await;
    }

    let rows = outside
        .map(|(permission, scope)| ("amy", permission, scope, "outside_license collaborator"));
    app.assert_checks("acme", "e1", &rows).await;
}

#[actix_web::test]
async fn event_admin_for_a_free_collaborator_covers_only_their_own_collaborators() {
    let app = event_with_collaborators().await;
    app.attach_with("acme", "e1", "artist", "amy", &["Collaborator.View"])
        .await;
    app.grant("acme", "e1", "amy", "Event.Admin", Scope::Event)
        .await;
    let every = [&DEFAULT_GRANTS[..], &["Collaborator.ScheduleEdit"]].concat();
    let outside = "outside_license collaborator";

    let mut rows = amy_on("artist", &every, "granted collaborator");
    rows.extend(amy_on("vendor", &every, outside));
    rows.extend([
        ("amy", "Event.Admin", Scope::Event, outside),
        ("amy", "Event.Update", Scope::Event, outside),
        ("amy", "Event.View", Scope::Event, outside),
        ("amy", "Area.View", Scope::Area("bar"), outside),
    ]);
    app.assert_checks("acme", "e1", &rows).await;
}

#[actix_web::test]
async fn event_wide_grants_of_a_free_collaborator_reach_their_collaborators_only() {
    let app = event_with_collaborators().await;
    app.attach_with("acme", "e1", "artist", "amy", &["Collaborator.View"])
        .await;
    app.grant("acme", "e1", "amy", "Event.ScheduleEdit", Scope::Event)
        .await;

    let edit = ["Collaborator.ScheduleEdit"];
    let mut rows = amy_on("artist", &edit, "granted collaborator");
    rows.extend(amy_on("vendor", &edit, "outside_license collaborator"));
    app.assert_checks("acme", "e1", &rows).await;
}

#[actix_web::test]
async fn a_second_collaborator_needs_a_slot_and_a_slot_holder_works_on_both() {
    let app = event_with_collaborators().await;
    app.attach("acme", "e1", "artist", "amy").await;
    let before = app.event_user("acme", "e1", "amy").await;
    let (status, body) = app
        .put_empty("/v1/orgs/acme/events/e1/collaborators/vendor/users/amy")
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"], "slot_required");
    assert_eq!(app.event_user("acme", "e1", "amy").await, before);

    app.slot("acme", "e1", "amy").await;
    app.attach("acme", "e1", "vendor", "amy").await;
    let edit = ["Collaborator.AdvanceEdit"];
    let mut rows = amy_on("artist", &edit, "granted event_pro");
    rows.extend(amy_on("vendor", &edit, "granted event_pro"));
    app.assert_checks("acme", "e1", &rows).await;
    let user = app.event_user("acme", "e1", "amy").await;
    assert_eq!(user["collaborators"], json!(["artist", "vendor"]));

    // the slot released, she keeps both attachments and has no license
    let (status, body) = app.delete("/v1/orgs/acme/events/e1/slots/amy").await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let view = amy_on("artist", &["Collaborator.View"], "no_license");
    app.assert_checks("acme", "e1", &view).await;
}

#[actix_web::test]
async fn attaching_a_user_costs_no_license() {
    let app = event_with_collaborators().await;
    app.slot("acme", "e1", "bob").await;

    app.attach("acme", "e1", "artist", "amy").await;
    app.attach("acme", "e1", "artist", "cat").await;

    let event = app.event_details("acme", "e1").await;
    assert_eq!(
        event["slots"],
        json!({"total": 1, "used": 1, "holders": ["bob"]})
    );
}

#[actix_web::test]
async fn an_attached_user_with_a_slot_has_the_slots_ceiling() {
    let app = event_with_collaborators().await;
    app.attach("acme", "e1", "artist", "amy").await;
    app.slot("acme", "e1", "amy").await;
    app.grant("acme", "e1", "amy", "Event.View", Scope::Event)
        .await;

    let mut rows = amy_on("vendor", &["Collaborator.View"], "granted event_pro");
    rows.push(("amy", "Event.View", Scope::Event, "granted event_pro"));
    app.assert_checks("acme", "e1", &rows).await;
}
