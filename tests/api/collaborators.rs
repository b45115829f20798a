//! Free collaborator access: attaching users to collaborators.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{
    assert_check, assert_error, attachment_path, sorted, spawn_app, Scope, TestApp,
};

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
    let app = spawn_app().await;
    app.org_with_events("acme", 1, &["e1"]).await;
    app.collaborator("acme", "e1", "artist").await;
    app.collaborator("acme", "e1", "vendor").await;
    app.area("acme", "e1", "bar").await;
    app
}

#[actix_web::test]
async fn attaching_a_user_returns_201_and_the_attachment() {
    let app = event_with_collaborators().await;

    let answer = app
        .put_empty(&attachment_path("acme", "e1", "artist", "amy"))
        .await;

    assert_eq!(
        answer,
        (
            StatusCode::CREATED,
            json!({"event": "e1", "collaborator": "artist", "user": "amy"})
        )
    );
    let user = app.event_user("acme", "e1", "amy").await;
    assert_eq!(user["license"], "collaborator");
    assert_eq!(user["collaborators"], json!(["artist"]));
}

#[actix_web::test]
async fn attaching_a_user_gives_the_default_collaborator_grants() {
    let app = event_with_collaborators().await;

    app.attach("acme", "e1", "artist", "amy").await;

    let user = app.event_user("acme", "e1", "amy").await;
    assert_eq!(
        sorted(&user["grants"]),
        sorted(&scoped(&DEFAULT_GRANTS, "artist"))
    );
}

#[actix_web::test]
async fn attaching_with_an_explicit_list_gives_only_those_grants() {
    let app = event_with_collaborators().await;

    app.attach_with(
        "acme",
        "e1",
        "artist",
        "amy",
        &["Collaborator.View", "Collaborator.ScheduleEdit"],
    )
    .await;

    let user = app.event_user("acme", "e1", "amy").await;
    assert_eq!(
        sorted(&user["grants"]),
        sorted(&scoped(
            &["Collaborator.View", "Collaborator.ScheduleEdit"],
            "artist"
        ))
    );
}

#[actix_web::test]
async fn attaching_again_returns_200_and_changes_nothing_even_with_another_list() {
    let app = event_with_collaborators().await;
    app.attach_with("acme", "e1", "artist", "amy", &["Collaborator.View"])
        .await;
    let before = app.event_user("acme", "e1", "amy").await;
    let path = attachment_path("acme", "e1", "artist", "amy");

    let bare = app.put_empty(&path).await;
    let other = app
        .put(
            &path,
            &json!({"permissions": ["Collaborator.FileUpload", "Collaborator.AdvanceEdit"]}),
        )
        .await;

    let attachment = json!({"event": "e1", "collaborator": "artist", "user": "amy"});
    assert_eq!(bare, (StatusCode::OK, attachment.clone()));
    assert_eq!(other, (StatusCode::OK, attachment));
    assert_eq!(app.event_user("acme", "e1", "amy").await, before);
}

#[actix_web::test]
async fn attaching_with_a_non_collaborator_permission_returns_400_bad_request_and_attaches_nothing()
{
    let app = event_with_collaborators().await;
    let before = app.event_user("acme", "e1", "amy").await;

    for permission in ["Event.View", "Area.View", "Event.Admin"] {
        let answer = app
            .put(
                &attachment_path("acme", "e1", "artist", "amy"),
                &json!({"permissions": ["Collaborator.View", permission]}),
            )
            .await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "bad_request");
    }
    assert_eq!(app.event_user("acme", "e1", "amy").await, before);
    assert_eq!(before["license"], json!(null));
}

#[actix_web::test]
async fn attaching_with_an_unknown_permission_is_refused_with_400() {
    let app = event_with_collaborators().await;
    let before = app.event_user("acme", "e1", "amy").await;

    let answer = app
        .put(
            &attachment_path("acme", "e1", "artist", "amy"),
            &json!({"permissions": ["Collaborator.Dance"]}),
        )
        .await;

    assert_eq!(answer.0, StatusCode::BAD_REQUEST, "{}", answer.1);
    assert!(answer.1["error"].is_string(), "{}", answer.1);
    assert_eq!(app.event_user("acme", "e1", "amy").await, before);
}

#[actix_web::test]
async fn attaching_with_a_permissions_value_that_is_not_a_list_returns_400_bad_request() {
    let app = event_with_collaborators().await;

    let answer = app
        .put(
            &attachment_path("acme", "e1", "artist", "amy"),
            &json!({"permissions": "Collaborator.View"}),
        )
        .await;

    assert_error(&answer, StatusCode::BAD_REQUEST, "bad_request");
}

#[actix_web::test]
async fn attaching_to_an_unknown_collaborator_returns_404_collaborator_not_found() {
    let app = event_with_collaborators().await;

    let answer = app
        .put_empty(&attachment_path("acme", "e1", "ghost", "amy"))
        .await;

    assert_error(&answer, StatusCode::NOT_FOUND, "collaborator_not_found");
    assert_eq!(
        app.event_user("acme", "e1", "amy").await["license"],
        json!(null)
    );
}

#[actix_web::test]
async fn attaching_on_an_unknown_event_returns_404_event_not_found() {
    let app = event_with_collaborators().await;

    let answer = app
        .put_empty(&attachment_path("acme", "ghost", "artist", "amy"))
        .await;

    assert_error(&answer, StatusCode::NOT_FOUND, "event_not_found");
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
    let check = app
        .check(
            "acme",
            "e1",
            "amy",
            "Collaborator.View",
            Scope::Collaborator("artist"),
        )
        .await;
    assert_check(&check, false, "no_license", None);
}

#[actix_web::test]
async fn detaching_a_user_who_is_not_attached_returns_404_attachment_not_found() {
    let app = event_with_collaborators().await;
    app.attach("acme", "e1", "artist", "amy").await;
    let before = app.event_user("acme", "e1", "amy").await;

    let other_collaborator = app
        .delete(&attachment_path("acme", "e1", "vendor", "amy"))
        .await;
    let other_user = app
        .delete(&attachment_path("acme", "e1", "artist", "bob"))
        .await;

    assert_error(
        &other_collaborator,
        StatusCode::NOT_FOUND,
        "attachment_not_found",
    );
    assert_error(&other_user, StatusCode::NOT_FOUND, "attachment_not_found");
    assert_eq!(app.event_user("acme", "e1", "amy").await, before);
}

#[actix_web::test]
async fn detaching_from_an_unknown_collaborator_returns_404_collaborator_not_found() {
    let app = event_with_collaborators().await;

    let answer = app
        .delete(&attachment_path("acme", "e1", "ghost", "amy"))
        .await;

    assert_error(&answer, StatusCode::NOT_FOUND, "collaborator_not_found");
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
    app.grant(
        "acme",
        "e1",
        "bob",
        "Collaborator.AdvanceEdit",
        Scope::Collaborator("artist"),
    )
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
    let check = app
        .check(
            "acme",
            "e1",
            "amy",
            "Collaborator.View",
            Scope::Collaborator("artist"),
        )
        .await;
    assert_check(&check, false, "no_license", None);
}

#[actix_web::test]
async fn a_free_collaborator_is_allowed_their_default_grants_on_their_collaborator() {
    let app = event_with_collaborators().await;
    app.attach("acme", "e1", "artist", "amy").await;

    for permission in DEFAULT_GRANTS {
        let check = app
            .check(
                "acme",
                "e1",
                "amy",
                permission,
                Scope::Collaborator("artist"),
            )
            .await;
        assert_check(&check, true, "granted", Some("collaborator"));
    }
    let check = app
        .check(
            "acme",
            "e1",
            "amy",
            "Collaborator.ScheduleEdit",
            Scope::Collaborator("artist"),
        )
        .await;
    assert_check(&check, false, "no_permission", Some("collaborator"));
}

#[actix_web::test]
async fn a_free_collaborators_ceiling_stops_at_their_own_collaborators() {
    let app = event_with_collaborators().await;
    app.attach("acme", "e1", "artist", "amy").await;
    app.grant("acme", "e1", "amy", "Event.View", Scope::Event)
        .await;
    app.grant("acme", "e1", "amy", "Area.View", Scope::Area("bar"))
        .await;
    app.grant(
        "acme",
        "e1",
        "amy",
        "Collaborator.View",
        Scope::Collaborator("vendor"),
    )
    .await;

    for (permission, scope) in [
        ("Collaborator.View", Scope::Collaborator("vendor")),
        ("Event.View", Scope::Event),
        ("Area.View", Scope::Area("bar")),
    ] {
        let check = app.check("acme", "e1", "amy", permission, scope).await;
        assert_check(&check, false, "outside_license", Some("collaborator"));
    }
}

#[actix_web::test]
async fn event_admin_for_a_free_collaborator_covers_only_their_own_collaborators() {
    let app = event_with_collaborators().await;
    app.attach_with("acme", "e1", "artist", "amy", &["Collaborator.View"])
        .await;
    app.grant("acme", "e1", "amy", "Event.Admin", Scope::Event)
        .await;

    for permission in [
        "Collaborator.View",
        "Collaborator.AdvanceView",
        "Collaborator.AdvanceEdit",
        "Collaborator.ScheduleView",
        "Collaborator.ScheduleEdit",
        "Collaborator.FileView",
        "Collaborator.FileUpload",
    ] {
        let own = app
            .check(
                "acme",
                "e1",
                "amy",
                permission,
                Scope::Collaborator("artist"),
            )
            .await;
        assert_check(&own, true, "granted", Some("collaborator"));
        let other = app
            .check(
                "acme",
                "e1",
                "amy",
                permission,
                Scope::Collaborator("vendor"),
            )
            .await;
        assert_check(&other, false, "outside_license", Some("collaborator"));
    }
    for (permission, scope) in [
        ("Event.Admin", Scope::Event),
        ("Event.Update", Scope::Event),
        ("Event.View", Scope::Event),
        ("Area.View", Scope::Area("bar")),
    ] {
        let check = app.check("acme", "e1", "amy", permission, scope).await;
        assert_check(&check, false, "outside_license", Some("collaborator"));
    }
}

#[actix_web::test]
async fn event_wide_grants_of_a_free_collaborator_reach_their_collaborators_only() {
    let app = event_with_collaborators().await;
    app.attach_with("acme", "e1", "artist", "amy", &["Collaborator.View"])
        .await;
    app.grant("acme", "e1", "amy", "Event.ScheduleEdit", Scope::Event)
        .await;

    let own = app
        .check(
            "acme",
            "e1",
            "amy",
            "Collaborator.ScheduleEdit",
            Scope::Collaborator("artist"),
        )
        .await;
    let other = app
        .check(
            "acme",
            "e1",
            "amy",
            "Collaborator.ScheduleEdit",
            Scope::Collaborator("vendor"),
        )
        .await;

    assert_check(&own, true, "granted", Some("collaborator"));
    assert_check(&other, false, "outside_license", Some("collaborator"));
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
    for collaborator in ["artist", "vendor"] {
        let check = app
            .check(
                "acme",
                "e1",
                "amy",
                "Collaborator.AdvanceEdit",
                Scope::Collaborator(collaborator),
            )
            .await;
        assert_check(&check, true, "granted", Some("event_pro"));
    }
    let user = app.event_user("acme", "e1", "amy").await;
    assert_eq!(user["collaborators"], json!(["artist", "vendor"]));

    // the slot released, she keeps both attachments and has no license
    let (status, body) = app.delete("/v1/orgs/acme/events/e1/slots/amy").await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let check = app
        .check(
            "acme",
            "e1",
            "amy",
            "Collaborator.View",
            Scope::Collaborator("artist"),
        )
        .await;
    assert_check(&check, false, "no_license", None);
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

    let event_wide = app
        .check("acme", "e1", "amy", "Event.View", Scope::Event)
        .await;
    let other = app
        .check(
            "acme",
            "e1",
            "amy",
            "Collaborator.View",
            Scope::Collaborator("vendor"),
        )
        .await;

    assert_check(&event_wide, true, "granted", Some("event_pro"));
    assert_check(&other, true, "granted", Some("event_pro"));
}
