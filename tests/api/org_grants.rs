//! Org-wide grants (SPEC §1 v2): an Event permission granted on every
//! event of an org, present and future, counting only inside the user's
//! ceiling on each.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_error, spawn_org, Scope, TestApp, NO_BODY};

fn org_grant_path(org: &str, user: &str, permission: &str) -> String {
    format!("/v1/orgs/{org}/users/{user}/grants/{permission}")
}

fn org_grants_path(org: &str, user: &str) -> String {
    format!("/v1/orgs/{org}/users/{user}/grants")
}

/// `acme` with one of each license and event `e1`; `pat` holds Org Pro and
/// `sue` Org Standard.
async fn acme() -> TestApp {
    let app = spawn_org(json!({"event_pro": 1, "org_pro": 1, "org_standard": 1})).await;
    app.event("acme", "e1").await;
    app.member("acme", "pat", Some("org_pro")).await;
    app.member("acme", "sue", Some("org_standard")).await;
    app
}

#[actix_web::test]
async fn an_org_wide_grant_is_201_then_200_and_listed_in_the_catalogues_order() {
    let app = acme().await;

    let update = json!({"permission": "Event.Update"});
    let view = json!({"permission": "Event.View"});
    app.assert_answers(&[
        (
            "PUT /v1/orgs/acme/users/pat/grants/Event.Update",
            NO_BODY,
            201,
            update.clone(),
        ),
        (
            "PUT /v1/orgs/acme/users/pat/grants/Event.Update",
            NO_BODY,
            200,
            update,
        ),
        (
            "PUT /v1/orgs/acme/users/pat/grants/Event.View",
            NO_BODY,
            201,
            view,
        ),
    ])
    .await;

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

    #[rustfmt::skip]
    app.assert_checks("acme", "e1", &[
        ("pat", schedule, Scope::Event, "granted org_pro"),
        ("sam", schedule, Scope::Event, "granted event_pro"),
        // Org Standard gives no ceiling on events.
        ("sue", schedule, Scope::Event, "no_license"),
        // A free collaborator: inside her collaborator only.
        ("amy", "Collaborator.ScheduleEdit", Scope::Collaborator("band"), "granted collaborator"),
        ("amy", schedule, Scope::Event, "outside_license collaborator"),
        // What it does not imply is not granted.
        ("pat", "Event.Update", Scope::Event, "no_permission org_pro"),
    ])
    .await;

    // An event made after the grant has it too.
    app.event("acme", "e2").await;
    #[rustfmt::skip]
    app.assert_checks("acme", "e2", &[
        ("pat", schedule, Scope::Event, "granted org_pro"),
        ("sam", schedule, Scope::Event, "no_license"),
    ])
    .await;
    let user = app.event_user("acme", "e2", "pat").await;
    assert_eq!(user["org_grants"], json!([{"permission": schedule}]));
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

    let view = |expected| [("pat", "Event.View", Scope::Event, expected)];
    app.assert_checks("acme", "e1", &view("granted org_pro"))
        .await;
    app.assert_checks("acme", "e2", &view("no_permission org_pro"))
        .await;
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
    let mut refusals = Vec::new();
    for org in ["acme", "nobody"] {
        let grant = |user: &str, permission: &str| {
            format!("/v1/orgs/{org}/users/{user}/grants/{permission}")
        };
        for permission in ["Collaborator.View", "Area.FileUpload"] {
            refusals.push((
                format!("PUT {}", grant("pat", permission)),
                400,
                "bad_request",
            ));
            refusals.push((
                format!("DELETE {}", grant("pat", permission)),
                400,
                "bad_request",
            ));
        }
        refusals.push((
            format!("PUT {}", grant("pat", "Event.Fly")),
            400,
            "unknown_permission",
        ));
        refusals.push((
            format!("PUT {}", grant("p*t", "Event.View")),
            400,
            "invalid_id",
        ));
    }
    refusals.push((
        "PUT /v1/orgs/nobody/users/pat/grants/Event.View".into(),
        404,
        "org_not_found",
    ));
    refusals.push((
        "DELETE /v1/orgs/nobody/users/pat/grants/Event.View".into(),
        404,
        "org_not_found",
    ));
    refusals.push((
        "GET /v1/orgs/nobody/users/pat/grants".into(),
        404,
        "org_not_found",
    ));
    let refusals: Vec<_> = refusals
        .into_iter()
        .map(|(request, status, code)| (request, NO_BODY, status, code))
        .collect();

    app.assert_refusals(&refusals).await;
    assert_eq!(
        app.get(&org_grants_path("acme", "pat")).await,
        (StatusCode::OK, json!({"grants": []}))
    );
}

#[actix_web::test]
async fn the_check_token_may_read_org_wide_grants_but_not_write_them() {
    let app = acme().await;
    app.put_empty(&org_grant_path("acme", "pat", "Event.View"))
        .await;
    let check = app.as_check_token();

    check
        .assert_refusals(&[
            (
                "PUT /v1/orgs/acme/users/pat/grants/Event.Admin",
                NO_BODY,
                403,
                "forbidden",
            ),
            (
                "DELETE /v1/orgs/acme/users/pat/grants/Event.View",
                NO_BODY,
                403,
                "forbidden",
            ),
        ])
        .await;
    let read = check.get(&org_grants_path("acme", "pat")).await;
    let grants = json!({"grants": [{"permission": "Event.View"}]});
    assert_eq!(read, (StatusCode::OK, grants));
}
