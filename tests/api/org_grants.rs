//! Org-wide grants (SPEC §1 v2): an Event permission granted on every
//! event of an org, present and future, counting only inside the user's
//! ceiling on each.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_check, assert_error, spawn_app, Scope, TestApp};

fn org_grant_path(org: &str, user: &str, permission: &str) -> String {
    format!("/v1/orgs/{org}/users/{user}/grants/{permission}")
}

fn org_grants_path(org: &str, user: &str) -> String {
    format!("/v1/orgs/{org}/users/{user}/grants")
}

/// `acme` with one of each license and event `e1`; `pat` holds Org Pro and
/// `sue` Org Standard.
async fn acme() -> TestApp {
    let app = spawn_app().await;
    app.team_org("acme").await;
    app.licenses(
        "acme",
        json!({"event_pro": 1, "org_pro": 1, "org_standard": 1}),
    )
    .await;
    app.event("acme", "e1").await;
    app.member("acme", "pat", Some("org_pro")).await;
    app.member("acme", "sue", Some("org_standard")).await;
    app
}

#[actix_web::test]
async fn an_org_wide_grant_is_201_then_200_and_listed_in_the_catalogues_order() {
    let app = acme().await;

    let created = app
        .put_empty(&org_grant_path("acme", "pat", "Event.Update"))
        .await;
    assert_eq!(
        created,
        (StatusCode::CREATED, json!({"permission": "Event.Update"}))
    );
    let again = app
        .put_empty(&org_grant_path("acme", "pat", "Event.Update"))
        .await;
    assert_eq!(
        again,
        (StatusCode::OK, json!({"permission": "Event.Update"}))
    );
    let view = app
        .put_empty(&org_grant_path("acme", "pat", "Event.View"))
        .await;
    assert_eq!(view.0, StatusCode::CREATED, "{view:?}");

    let listed = app
        .as_check_token()
        .get(&org_grants_path("acme", "pat"))
        .await;
    assert_eq!(
        listed,
        (
            StatusCode::OK,
            json!({"grants": [{"permission": "Event.View"}, {"permission": "Event.Update"}]})
        )
    );
    let none = app.get(&org_grants_path("acme", "sue")).await;
    assert_eq!(none, (StatusCode::OK, json!({"grants": []})));
    let user = app.event_user("acme", "e1", "pat").await;
    assert_eq!(
        user["org_grants"],
        json!([{"permission": "Event.View"}, {"permission": "Event.Update"}])
    );
    assert_eq!(user["grants"], json!([]));
}

#[actix_web::test]
async fn an_org_wide_grant_counts_on_present_and_later_events_only_inside_the_ceiling() {
    let app = acme().await;
    app.collaborator("acme", "e1", "band").await;
    app.attach("acme", "e1", "band", "amy").await;
    for user in ["pat", "sue", "sam", "amy"] {
        let answer = app
            .put_empty(&org_grant_path("acme", user, "Event.ScheduleEdit"))
            .await;
        assert_eq!(answer.0, StatusCode::CREATED, "{answer:?}");
    }
    app.slot("acme", "e1", "sam").await;
    let schedule = "Event.ScheduleEdit";

    let pat = app.check("acme", "e1", "pat", schedule, Scope::Event).await;
    assert_check(&pat, true, "granted", Some("org_pro"));
    let sam = app.check("acme", "e1", "sam", schedule, Scope::Event).await;
    assert_check(&sam, true, "granted", Some("event_pro"));
    // Org Standard gives no ceiling on events.
    let sue = app.check("acme", "e1", "sue", schedule, Scope::Event).await;
    assert_check(&sue, false, "no_license", None);
    // A free collaborator: inside her collaborator only.
    let amy_band = app
        .check(
            "acme",
            "e1",
            "amy",
            "Collaborator.ScheduleEdit",
            Scope::Collaborator("band"),
        )
        .await;
    assert_check(&amy_band, true, "granted", Some("collaborator"));
    let amy_event = app.check("acme", "e1", "amy", schedule, Scope::Event).await;
    assert_check(&amy_event, false, "outside_license", Some("collaborator"));
    // What it does not imply is not granted.
    let update = app
        .check("acme", "e1", "pat", "Event.Update", Scope::Event)
        .await;
    assert_check(&update, false, "no_permission", Some("org_pro"));

    // An event made after the grant has it too.
    app.event("acme", "e2").await;
    let later = app.check("acme", "e2", "pat", schedule, Scope::Event).await;
    assert_check(&later, true, "granted", Some("org_pro"));
    let user = app.event_user("acme", "e2", "pat").await;
    assert_eq!(user["org_grants"], json!([{"permission": schedule}]));
    let no_slot = app.check("acme", "e2", "sam", schedule, Scope::Event).await;
    assert_check(&no_slot, false, "no_license", None);
}

#[actix_web::test]
async fn revoking_an_org_wide_grant_takes_it_from_every_event_and_keeps_event_grants() {
    let app = acme().await;
    app.event("acme", "e2").await;
    app.put_empty(&org_grant_path("acme", "pat", "Event.View"))
        .await;
    app.grant("acme", "e1", "pat", "Event.View", Scope::Event)
        .await;

    let (status, body) = app
        .delete(&org_grant_path("acme", "pat", "Event.View"))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    let kept = app
        .check("acme", "e1", "pat", "Event.View", Scope::Event)
        .await;
    assert_check(&kept, true, "granted", Some("org_pro"));
    let gone = app
        .check("acme", "e2", "pat", "Event.View", Scope::Event)
        .await;
    assert_check(&gone, false, "no_permission", Some("org_pro"));
    assert_eq!(
        app.get(&org_grants_path("acme", "pat")).await,
        (StatusCode::OK, json!({"grants": []}))
    );
    let user = app.event_user("acme", "e2", "pat").await;
    assert_eq!(user["org_grants"], json!([]));

    let again = app
        .delete(&org_grant_path("acme", "pat", "Event.View"))
        .await;
    assert_error(&again, StatusCode::NOT_FOUND, "grant_not_found");
}

#[actix_web::test]
async fn only_event_permissions_can_be_org_wide_checked_before_the_org_is_looked_up() {
    let app = acme().await;
    for org in ["acme", "nobody"] {
        for permission in ["Collaborator.View", "Area.FileUpload"] {
            let put = app.put_empty(&org_grant_path(org, "pat", permission)).await;
            assert_error(&put, StatusCode::BAD_REQUEST, "bad_request");
            let delete = app.delete(&org_grant_path(org, "pat", permission)).await;
            assert_error(&delete, StatusCode::BAD_REQUEST, "bad_request");
        }
        let unknown = app
            .put_empty(&org_grant_path(org, "pat", "Event.Fly"))
            .await;
        assert_error(&unknown, StatusCode::BAD_REQUEST, "unknown_permission");
        let bad_user = app
            .put_empty(&org_grant_path(org, "p*t", "Event.View"))
            .await;
        assert_error(&bad_user, StatusCode::BAD_REQUEST, "invalid_id");
    }
    assert_eq!(
        app.get(&org_grants_path("acme", "pat")).await,
        (StatusCode::OK, json!({"grants": []}))
    );

    for answer in [
        app.put_empty(&org_grant_path("nobody", "pat", "Event.View"))
            .await,
        app.delete(&org_grant_path("nobody", "pat", "Event.View"))
            .await,
        app.get(&org_grants_path("nobody", "pat")).await,
    ] {
        assert_error(&answer, StatusCode::NOT_FOUND, "org_not_found");
    }
}

#[actix_web::test]
async fn the_check_token_may_read_org_wide_grants_but_not_write_them() {
    let app = acme().await;
    app.put_empty(&org_grant_path("acme", "pat", "Event.View"))
        .await;
    let check = app.as_check_token();

    let put = check
        .put_empty(&org_grant_path("acme", "pat", "Event.Admin"))
        .await;
    assert_error(&put, StatusCode::FORBIDDEN, "forbidden");
    let delete = check
        .delete(&org_grant_path("acme", "pat", "Event.View"))
        .await;
    assert_error(&delete, StatusCode::FORBIDDEN, "forbidden");
    let read = check.get(&org_grants_path("acme", "pat")).await;
    assert_eq!(
        read,
        (
            StatusCode::OK,
            json!({"grants": [{"permission": "Event.View"}]})
        )
    );
}
