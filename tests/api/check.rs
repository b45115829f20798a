//! The permission check: implications, license ceilings, reasons, the batch
//! form and the catalogue.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_check, assert_error, check_path, spawn_app, Scope, TestApp};

const EVENT_PERMISSIONS: [&str; 7] = [
    "Event.Admin",
    "Event.View",
    "Event.Update",
    "Event.ScheduleView",
    "Event.ScheduleEdit",
    "Event.FileView",
    "Event.FileUpload",
];
const COLLABORATOR_PERMISSIONS: [&str; 7] = [
    "Collaborator.View",
    "Collaborator.AdvanceView",
    "Collaborator.AdvanceEdit",
    "Collaborator.ScheduleView",
    "Collaborator.ScheduleEdit",
    "Collaborator.FileView",
    "Collaborator.FileUpload",
];
const AREA_PERMISSIONS: [&str; 5] = [
    "Area.View",
    "Area.ScheduleView",
    "Area.ScheduleEdit",
    "Area.FileView",
    "Area.FileUpload",
];

/// Every permission of the catalogue on the scope it needs (`c1` or `a1`).
fn every_permission_on(
    collaborator: &'static str,
    area: &'static str,
) -> Vec<(&'static str, Scope<'static>)> {
    EVENT_PERMISSIONS
        .iter()
        .map(|p| (*p, Scope::Event))
        .chain(
            COLLABORATOR_PERMISSIONS
                .iter()
                .map(|p| (*p, Scope::Collaborator(collaborator))),
        )
        .chain(AREA_PERMISSIONS.iter().map(|p| (*p, Scope::Area(area))))
        .collect()
}

/// An org `acme` with event `e1`, collaborators `c1`, `c2`, areas `a1`,
/// `a2`, and user `pro` holding a slot on `e1`.
async fn event_with_slot_holder() -> TestApp {
    let app = spawn_app().await;
    app.org_with_events("acme", 2, &["e1"]).await;
    for collaborator in ["c1", "c2"] {
        app.collaborator("acme", "e1", collaborator).await;
    }
    for area in ["a1", "a2"] {
        app.area("acme", "e1", area).await;
    }
    app.slot("acme", "e1", "pro").await;
    app
}

/// Gives `pro` one grant, then asserts which permissions it covers: every
/// listed one is granted, every other one of the catalogue (on scopes `c1`,
/// `a1`, `c2`, `a2`) is `no_permission`.
async fn assert_grant_covers(
    app: &TestApp,
    grant: (&str, Scope<'_>),
    covered: &[(&str, Scope<'_>)],
) {
    app.grant("acme", "e1", "pro", grant.0, grant.1).await;
    let everything = every_permission_on("c1", "a1")
        .into_iter()
        .chain(every_permission_on("c2", "a2"));
    for (permission, scope) in everything {
        let expected = covered
            .iter()
            .any(|(p, s)| *p == permission && format!("{s:?}") == format!("{scope:?}"));
        let check = app.check("acme", "e1", "pro", permission, scope).await;
        let reason = if expected { "granted" } else { "no_permission" };
        assert_eq!(
            (&check["allowed"], &check["reason"]),
            (&json!(expected), &json!(reason)),
            "{grant:?} covering {permission} on {scope:?}: {check}"
        );
    }
}

#[actix_web::test]
async fn event_admin_covers_every_permission_on_every_scope() {
    let app = event_with_slot_holder().await;
    let mut covered = every_permission_on("c1", "a1");
    covered.extend(every_permission_on("c2", "a2"));

    assert_grant_covers(&app, ("Event.Admin", Scope::Event), &covered).await;
}

#[actix_web::test]
async fn event_update_covers_event_view_and_view_on_every_collaborator_and_area() {
    let app = event_with_slot_holder().await;

    assert_grant_covers(
        &app,
        ("Event.Update", Scope::Event),
        &[
            ("Event.Update", Scope::Event),
            ("Event.View", Scope::Event),
            ("Collaborator.View", Scope::Collaborator("c1")),
            ("Collaborator.View", Scope::Collaborator("c2")),
            ("Area.View", Scope::Area("a1")),
            ("Area.View", Scope::Area("a2")),
        ],
    )
    .await;
}

#[actix_web::test]
async fn event_view_covers_view_on_every_collaborator_and_area_only() {
    let app = event_with_slot_holder().await;

    assert_grant_covers(
        &app,
        ("Event.View", Scope::Event),
        &[
            ("Event.View", Scope::Event),
            ("Collaborator.View", Scope::Collaborator("c1")),
            ("Collaborator.View", Scope::Collaborator("c2")),
            ("Area.View", Scope::Area("a1")),
            ("Area.View", Scope::Area("a2")),
        ],
    )
    .await;
}

#[actix_web::test]
async fn event_schedule_edit_covers_schedule_edit_and_view_everywhere_and_views() {
    let app = event_with_slot_holder().await;

    assert_grant_covers(
        &app,
        ("Event.ScheduleEdit", Scope::Event),
        &[
            ("Event.ScheduleEdit", Scope::Event),
            ("Event.ScheduleView", Scope::Event),
            ("Event.View", Scope::Event),
            ("Collaborator.ScheduleEdit", Scope::Collaborator("c1")),
            ("Collaborator.ScheduleEdit", Scope::Collaborator("c2")),
            ("Collaborator.ScheduleView", Scope::Collaborator("c1")),
            ("Collaborator.ScheduleView", Scope::Collaborator("c2")),
            ("Collaborator.View", Scope::Collaborator("c1")),
            ("Collaborator.View", Scope::Collaborator("c2")),
            ("Area.ScheduleEdit", Scope::Area("a1")),
            ("Area.ScheduleEdit", Scope::Area("a2")),
            ("Area.ScheduleView", Scope::Area("a1")),
            ("Area.ScheduleView", Scope::Area("a2")),
            ("Area.View", Scope::Area("a1")),
            ("Area.View", Scope::Area("a2")),
        ],
    )
    .await;
}

#[actix_web::test]
async fn event_schedule_view_covers_schedule_view_everywhere_and_views() {
    let app = event_with_slot_holder().await;

    assert_grant_covers(
        &app,
        ("Event.ScheduleView", Scope::Event),
        &[
            ("Event.ScheduleView", Scope::Event),
            ("Event.View", Scope::Event),
            ("Collaborator.ScheduleView", Scope::Collaborator("c1")),
            ("Collaborator.ScheduleView", Scope::Collaborator("c2")),
            ("Collaborator.View", Scope::Collaborator("c1")),
            ("Collaborator.View", Scope::Collaborator("c2")),
            ("Area.ScheduleView", Scope::Area("a1")),
            ("Area.ScheduleView", Scope::Area("a2")),
            ("Area.View", Scope::Area("a1")),
            ("Area.View", Scope::Area("a2")),
        ],
    )
    .await;
}

#[actix_web::test]
async fn event_file_upload_covers_files_everywhere_and_views() {
    let app = event_with_slot_holder().await;

    assert_grant_covers(
        &app,
        ("Event.FileUpload", Scope::Event),
        &[
            ("Event.FileUpload", Scope::Event),
            ("Event.FileView", Scope::Event),
            ("Event.View", Scope::Event),
            ("Collaborator.FileUpload", Scope::Collaborator("c1")),
            ("Collaborator.FileUpload", Scope::Collaborator("c2")),
            ("Collaborator.FileView", Scope::Collaborator("c1")),
            ("Collaborator.FileView", Scope::Collaborator("c2")),
            ("Collaborator.View", Scope::Collaborator("c1")),
            ("Collaborator.View", Scope::Collaborator("c2")),
            ("Area.FileUpload", Scope::Area("a1")),
            ("Area.FileUpload", Scope::Area("a2")),
            ("Area.FileView", Scope::Area("a1")),
            ("Area.FileView", Scope::Area("a2")),
            ("Area.View", Scope::Area("a1")),
            ("Area.View", Scope::Area("a2")),
        ],
    )
    .await;
}

#[actix_web::test]
async fn event_file_view_covers_file_view_everywhere_and_views() {
    let app = event_with_slot_holder().await;

    assert_grant_covers(
        &app,
        ("Event.FileView", Scope::Event),
        &[
            ("Event.FileView", Scope::Event),
            ("Event.View", Scope::Event),
            ("Collaborator.FileView", Scope::Collaborator("c1")),
            ("Collaborator.FileView", Scope::Collaborator("c2")),
            ("Collaborator.View", Scope::Collaborator("c1")),
            ("Collaborator.View", Scope::Collaborator("c2")),
            ("Area.FileView", Scope::Area("a1")),
            ("Area.FileView", Scope::Area("a2")),
            ("Area.View", Scope::Area("a1")),
            ("Area.View", Scope::Area("a2")),
        ],
    )
    .await;
}

#[actix_web::test]
async fn advance_edit_covers_advance_view_and_view_on_the_same_collaborator_only() {
    let app = event_with_slot_holder().await;

    assert_grant_covers(
        &app,
        ("Collaborator.AdvanceEdit", Scope::Collaborator("c1")),
        &[
            ("Collaborator.AdvanceEdit", Scope::Collaborator("c1")),
            ("Collaborator.AdvanceView", Scope::Collaborator("c1")),
            ("Collaborator.View", Scope::Collaborator("c1")),
        ],
    )
    .await;
}

#[actix_web::test]
async fn collaborator_schedule_edit_covers_schedule_view_and_view_on_the_same_collaborator_only() {
    let app = event_with_slot_holder().await;

    assert_grant_covers(
        &app,
        ("Collaborator.ScheduleEdit", Scope::Collaborator("c2")),
        &[
            ("Collaborator.ScheduleEdit", Scope::Collaborator("c2")),
            ("Collaborator.ScheduleView", Scope::Collaborator("c2")),
            ("Collaborator.View", Scope::Collaborator("c2")),
        ],
    )
    .await;
}

#[actix_web::test]
async fn collaborator_view_covers_nothing_else() {
    let app = event_with_slot_holder().await;

    assert_grant_covers(
        &app,
        ("Collaborator.View", Scope::Collaborator("c1")),
        &[("Collaborator.View", Scope::Collaborator("c1"))],
    )
    .await;
}

#[actix_web::test]
async fn area_file_upload_covers_file_view_and_view_on_the_same_area_only() {
    let app = event_with_slot_holder().await;

    assert_grant_covers(
        &app,
        ("Area.FileUpload", Scope::Area("a1")),
        &[
            ("Area.FileUpload", Scope::Area("a1")),
            ("Area.FileView", Scope::Area("a1")),
            ("Area.View", Scope::Area("a1")),
        ],
    )
    .await;
}

#[actix_web::test]
async fn area_schedule_view_covers_view_on_the_same_area_only() {
    let app = event_with_slot_holder().await;

    assert_grant_covers(
        &app,
        ("Area.ScheduleView", Scope::Area("a2")),
        &[
            ("Area.ScheduleView", Scope::Area("a2")),
            ("Area.View", Scope::Area("a2")),
        ],
    )
    .await;
}

#[actix_web::test]
async fn a_user_without_any_license_is_refused_with_no_license_even_with_grants() {
    let app = event_with_slot_holder().await;
    app.grant("acme", "e1", "amy", "Event.Admin", Scope::Event)
        .await;

    for (permission, scope) in [
        ("Event.View", Scope::Event),
        ("Collaborator.View", Scope::Collaborator("c1")),
        ("Area.View", Scope::Area("a1")),
    ] {
        let check = app.check("acme", "e1", "amy", permission, scope).await;
        assert_check(&check, false, "no_license", None);
    }
}

#[actix_web::test]
async fn a_slot_holder_without_a_grant_is_refused_with_no_permission() {
    let app = event_with_slot_holder().await;

    let check = app
        .check("acme", "e1", "pro", "Event.View", Scope::Event)
        .await;

    assert_check(&check, false, "no_permission", Some("event_pro"));
}

#[actix_web::test]
async fn a_slot_holders_grant_is_granted_under_event_pro() {
    let app = event_with_slot_holder().await;
    app.grant("acme", "e1", "pro", "Event.Update", Scope::Event)
        .await;

    let check = app
        .check("acme", "e1", "pro", "Event.Update", Scope::Event)
        .await;

    assert_check(&check, true, "granted", Some("event_pro"));
}

#[actix_web::test]
async fn a_slot_on_one_event_gives_no_license_on_another() {
    let app = event_with_slot_holder().await;
    app.event("acme", "e2").await;
    app.grant("acme", "e2", "pro", "Event.View", Scope::Event)
        .await;

    let check = app
        .check("acme", "e2", "pro", "Event.View", Scope::Event)
        .await;

    assert_check(&check, false, "no_license", None);
}

#[actix_web::test]
async fn an_org_pro_holder_has_every_event_under_org_pro_without_a_slot() {
    let app = event_with_slot_holder().await;
    app.event("acme", "e2").await;
    app.licenses("acme", json!({"org_pro": 1})).await;
    app.member("acme", "boss", Some("org_pro")).await;
    app.grant("acme", "e2", "boss", "Event.View", Scope::Event)
        .await;

    let without_grant = app
        .check("acme", "e1", "boss", "Event.View", Scope::Event)
        .await;
    let with_grant = app
        .check("acme", "e2", "boss", "Event.View", Scope::Event)
        .await;

    assert_check(&without_grant, false, "no_permission", Some("org_pro"));
    assert_check(&with_grant, true, "granted", Some("org_pro"));
    assert_eq!(app.event_details("acme", "e2").await["slots"]["used"], 0);
}

#[actix_web::test]
async fn an_org_pro_holders_grants_are_granted() {
    let app = event_with_slot_holder().await;
    app.licenses("acme", json!({"org_pro": 1})).await;
    app.member("acme", "boss", Some("org_pro")).await;
    app.grant("acme", "e1", "boss", "Event.Admin", Scope::Event)
        .await;

    for (permission, scope) in every_permission_on("c2", "a2") {
        let check = app.check("acme", "e1", "boss", permission, scope).await;
        assert_check(&check, true, "granted", Some("org_pro"));
    }
}

#[actix_web::test]
async fn an_org_standard_holder_needs_a_slot_to_work_on_an_event() {
    let app = event_with_slot_holder().await;
    app.licenses("acme", json!({"org_standard": 1})).await;
    app.member("acme", "std", Some("org_standard")).await;
    app.grant("acme", "e1", "std", "Event.View", Scope::Event)
        .await;

    let without = app
        .check("acme", "e1", "std", "Event.View", Scope::Event)
        .await;
    app.slot("acme", "e1", "std").await;
    let with = app
        .check("acme", "e1", "std", "Event.View", Scope::Event)
        .await;

    assert_check(&without, false, "no_license", None);
    assert_check(&with, true, "granted", Some("event_pro"));
}

#[actix_web::test]
async fn a_personal_orgs_owner_needs_a_slot_to_work_on_its_events() {
    let app = spawn_app().await;
    app.personal_org("solo", "ana").await;
    app.licenses("solo", json!({"event_pro": 1})).await;
    app.event("solo", "gig").await;
    app.grant("solo", "gig", "ana", "Event.Admin", Scope::Event)
        .await;

    let without = app
        .check("solo", "gig", "ana", "Event.Update", Scope::Event)
        .await;
    app.slot("solo", "gig", "ana").await;
    let with = app
        .check("solo", "gig", "ana", "Event.Update", Scope::Event)
        .await;

    assert_check(&without, false, "no_license", None);
    assert_check(&with, true, "granted", Some("event_pro"));
}

#[actix_web::test]
async fn releasing_a_slot_takes_the_license_away_but_keeps_the_grants() {
    let app = event_with_slot_holder().await;
    app.grant("acme", "e1", "pro", "Event.View", Scope::Event)
        .await;
    let answer = app.delete("/v1/orgs/acme/events/e1/slots/pro").await;
    assert_eq!(answer.0, StatusCode::NO_CONTENT);

    let check = app
        .check("acme", "e1", "pro", "Event.View", Scope::Event)
        .await;

    assert_check(&check, false, "no_license", None);
    assert_eq!(
        app.event_user("acme", "e1", "pro").await["grants"],
        json!([{"permission": "Event.View"}])
    );
}

#[actix_web::test]
async fn revoking_a_grant_turns_granted_into_no_permission() {
    let app = event_with_slot_holder().await;
    app.grant("acme", "e1", "pro", "Area.FileUpload", Scope::Area("a1"))
        .await;
    let path =
        crate::helpers::grant_path("acme", "e1", "pro", "Area.FileUpload", Scope::Area("a1"));
    assert_eq!(app.delete(&path).await.0, StatusCode::NO_CONTENT);

    let check = app
        .check("acme", "e1", "pro", "Area.FileView", Scope::Area("a1"))
        .await;

    assert_check(&check, false, "no_permission", Some("event_pro"));
}

#[actix_web::test]
async fn checking_an_unknown_scope_returns_404() {
    let app = event_with_slot_holder().await;

    let collaborator = app
        .get(&check_path(
            "acme",
            "e1",
            "pro",
            "Collaborator.View",
            Scope::Collaborator("ghost"),
        ))
        .await;
    let area = app
        .get(&check_path(
            "acme",
            "e1",
            "pro",
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
}

#[actix_web::test]
async fn checking_on_an_unknown_event_or_org_returns_404() {
    let app = event_with_slot_holder().await;

    let event = app
        .get(&check_path(
            "acme",
            "ghost",
            "pro",
            "Event.View",
            Scope::Event,
        ))
        .await;
    let org = app
        .get(&check_path(
            "ghost",
            "e1",
            "pro",
            "Event.View",
            Scope::Event,
        ))
        .await;

    assert_error(&event, StatusCode::NOT_FOUND, "event_not_found");
    assert_error(&org, StatusCode::NOT_FOUND, "org_not_found");
}

#[actix_web::test]
async fn checking_without_user_or_permission_returns_400_bad_request() {
    let app = event_with_slot_holder().await;

    for query in ["user=pro", "permission=Event.View", ""] {
        let answer = app
            .get(&format!("/v1/orgs/acme/events/e1/check?{query}"))
            .await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "bad_request");
    }
}

#[actix_web::test]
async fn checking_an_unknown_permission_returns_400_unknown_permission() {
    let app = event_with_slot_holder().await;

    let answer = app
        .get(&check_path("acme", "e1", "pro", "Event.Fly", Scope::Event))
        .await;

    assert_error(&answer, StatusCode::BAD_REQUEST, "unknown_permission");
}

#[actix_web::test]
async fn checking_a_scoped_permission_without_its_scope_returns_400_missing_scope() {
    let app = event_with_slot_holder().await;

    let answer = app
        .get(&check_path("acme", "e1", "pro", "Area.View", Scope::Event))
        .await;

    assert_error(&answer, StatusCode::BAD_REQUEST, "missing_scope");
}

#[actix_web::test]
async fn checking_an_event_permission_with_a_scope_returns_400_unexpected_scope() {
    let app = event_with_slot_holder().await;

    let answer = app
        .get(&check_path(
            "acme",
            "e1",
            "pro",
            "Event.View",
            Scope::Collaborator("c1"),
        ))
        .await;

    assert_error(&answer, StatusCode::BAD_REQUEST, "unexpected_scope");
}

#[actix_web::test]
async fn checking_with_an_invalid_user_id_returns_400_invalid_id() {
    let app = event_with_slot_holder().await;

    for user in ["", "..", "a b"] {
        let answer = app
            .get(&check_path("acme", "e1", user, "Event.View", Scope::Event))
            .await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "invalid_id");
    }
}

fn item(user: &str, permission: &str) -> Value {
    json!({"event": "e1", "user": user, "permission": permission})
}

#[actix_web::test]
async fn a_batch_check_answers_each_item_in_order() {
    let app = event_with_slot_holder().await;
    app.grant("acme", "e1", "pro", "Event.ScheduleEdit", Scope::Event)
        .await;
    app.collaborator("acme", "e1", "c3").await;
    app.attach("acme", "e1", "c3", "free").await;

    let answer = app
        .as_check_token()
        .post(
            "/v1/orgs/acme/check",
            &json!({"checks": [
                item("pro", "Event.ScheduleView"),
                item("pro", "Event.Update"),
                item("nobody", "Event.View"),
                {"event": "e1", "user": "free", "permission": "Collaborator.View", "collaborator": "c3"},
                {"event": "e1", "user": "free", "permission": "Collaborator.View", "collaborator": "c1"},
                {"event": "e1", "user": "pro", "permission": "Area.ScheduleEdit", "area": "a2"},
            ]}),
        )
        .await;

    assert_eq!(
        answer,
        (
            StatusCode::OK,
            json!({"results": [
                {"allowed": true, "reason": "granted", "license": "event_pro"},
                {"allowed": false, "reason": "no_permission", "license": "event_pro"},
                {"allowed": false, "reason": "no_license", "license": null},
                {"allowed": true, "reason": "granted", "license": "collaborator"},
                {"allowed": false, "reason": "outside_license", "license": "collaborator"},
                {"allowed": true, "reason": "granted", "license": "event_pro"},
            ]})
        )
    );
}

#[actix_web::test]
async fn a_failing_item_in_a_batch_check_answers_its_error_code_in_place() {
    let app = event_with_slot_holder().await;
    app.grant("acme", "e1", "pro", "Event.View", Scope::Event)
        .await;
    let granted = json!({"allowed": true, "reason": "granted", "license": "event_pro"});

    let (status, body) = app
        .post(
            "/v1/orgs/acme/check",
            &json!({"checks": [
                item("pro", "Event.View"),
                {"event": "ghost", "user": "pro", "permission": "Event.View"},
                item("pro", "Event.Fly"),
                item("pro", "Collaborator.View"),
                {"event": "e1", "user": "pro", "permission": "Event.View", "area": "a1"},
                {"event": "e1", "user": "pro", "permission": "Area.View", "area": "ghost"},
                {"event": "e1", "user": "pro", "permission": "Collaborator.View", "collaborator": "ghost"},
                {"event": "e1", "user": "a b", "permission": "Event.View"},
                item("pro", "Event.View"),
            ]}),
        )
        .await;

    assert_eq!(status, StatusCode::OK, "{body}");
    let results = body["results"].as_array().expect("results list");
    assert_eq!(results.len(), 9, "{body}");
    assert_eq!(results[0], granted);
    let codes: Vec<&Value> = results[1..8].iter().map(|r| &r["error"]).collect();
    assert_eq!(
        codes,
        [
            "event_not_found",
            "unknown_permission",
            "missing_scope",
            "unexpected_scope",
            "area_not_found",
            "collaborator_not_found",
            "invalid_id",
        ]
    );
    assert_eq!(results[8], granted);
}

#[actix_web::test]
async fn an_empty_batch_check_answers_no_results() {
    let app = event_with_slot_holder().await;

    let answer = app
        .post("/v1/orgs/acme/check", &json!({"checks": []}))
        .await;

    assert_eq!(answer, (StatusCode::OK, json!({"results": []})));
}

#[actix_web::test]
async fn a_batch_of_one_thousand_checks_is_answered() {
    let app = event_with_slot_holder().await;
    app.grant("acme", "e1", "pro", "Event.View", Scope::Event)
        .await;
    let checks: Vec<Value> = (0..1000).map(|_| item("pro", "Event.View")).collect();

    let (status, body) = app
        .post("/v1/orgs/acme/check", &json!({ "checks": checks }))
        .await;

    assert_eq!(status, StatusCode::OK);
    let results = body["results"].as_array().expect("results list");
    assert_eq!(results.len(), 1000);
    assert!(results.iter().all(|r| r["allowed"] == true));
}

#[actix_web::test]
async fn a_batch_of_more_than_one_thousand_checks_returns_400_bad_request() {
    let app = event_with_slot_holder().await;
    let checks: Vec<Value> = (0..1001).map(|_| item("pro", "Event.View")).collect();

    let answer = app
        .post("/v1/orgs/acme/check", &json!({ "checks": checks }))
        .await;

    assert_error(&answer, StatusCode::BAD_REQUEST, "bad_request");
}

#[actix_web::test]
async fn a_batch_check_without_a_checks_list_returns_400_bad_request() {
    let app = event_with_slot_holder().await;

    for body in [json!({}), json!({"checks": "all"}), json!([])] {
        let answer = app.post("/v1/orgs/acme/check", &body).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "bad_request");
    }
}

#[actix_web::test]
async fn a_batch_check_on_an_unknown_org_returns_404_org_not_found() {
    let app = spawn_app().await;

    let answer = app
        .post(
            "/v1/orgs/ghost/check",
            &json!({"checks": [item("u", "Event.View")]}),
        )
        .await;

    assert_error(&answer, StatusCode::NOT_FOUND, "org_not_found");
}

#[actix_web::test]
async fn the_permission_catalogue_lists_the_19_permissions_with_their_domains() {
    let app = spawn_app().await;

    let (status, body) = app.as_check_token().get("/v1/permissions").await;

    assert_eq!(status, StatusCode::OK, "{body}");
    let entries = body["permissions"].as_array().expect("permissions list");
    assert_eq!(entries.len(), 19, "{body}");
    let mut names: Vec<&str> = entries
        .iter()
        .map(|entry| entry["name"].as_str().expect("name"))
        .collect();
    names.sort();
    let mut expected: Vec<&str> = EVENT_PERMISSIONS
        .iter()
        .chain(COLLABORATOR_PERMISSIONS.iter())
        .chain(AREA_PERMISSIONS.iter())
        .copied()
        .collect();
    expected.sort();
    assert_eq!(names, expected);
    for entry in entries {
        let name = entry["name"].as_str().expect("name");
        let domain = entry["domain"].as_str().expect("domain");
        let prefix = name.split('.').next().expect("domain prefix");
        assert!(
            domain.eq_ignore_ascii_case(prefix),
            "{name} listed in domain {domain}"
        );
    }
}

#[actix_web::test]
async fn a_grant_on_one_event_does_not_count_on_another() {
    let app = event_with_slot_holder().await;
    app.event("acme", "e2").await;
    app.slot("acme", "e2", "pro").await;
    app.grant("acme", "e1", "pro", "Event.Admin", Scope::Event)
        .await;

    let check = app
        .check("acme", "e2", "pro", "Event.View", Scope::Event)
        .await;

    assert_check(&check, false, "no_permission", Some("event_pro"));
}

#[actix_web::test]
async fn org_pro_in_one_org_gives_no_license_on_another_orgs_events() {
    let app = event_with_slot_holder().await;
    app.licenses("acme", json!({"org_pro": 1})).await;
    app.member("acme", "boss", Some("org_pro")).await;
    app.org_with_events("other", 1, &["e1"]).await;
    app.grant("other", "e1", "boss", "Event.View", Scope::Event)
        .await;

    let check = app
        .check("other", "e1", "boss", "Event.View", Scope::Event)
        .await;

    assert_check(&check, false, "no_license", None);
}

#[actix_web::test]
async fn a_deleted_org_pro_member_loses_their_license_on_events() {
    let app = event_with_slot_holder().await;
    app.licenses("acme", json!({"org_pro": 1})).await;
    app.member("acme", "boss", Some("org_pro")).await;
    app.grant("acme", "e1", "boss", "Event.View", Scope::Event)
        .await;
    assert_eq!(
        app.delete("/v1/orgs/acme/members/boss").await.0,
        StatusCode::NO_CONTENT
    );

    let check = app
        .check("acme", "e1", "boss", "Event.View", Scope::Event)
        .await;

    assert_check(&check, false, "no_license", None);
}

#[actix_web::test]
async fn a_batch_check_names_events_of_its_own_org_only() {
    let app = event_with_slot_holder().await;
    app.org_with_events("other", 1, &["e9"]).await;

    let (status, body) = app
        .post(
            "/v1/orgs/acme/check",
            &json!({"checks": [{"event": "e9", "user": "pro", "permission": "Event.View"}]}),
        )
        .await;

    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["results"], json!([{"error": "event_not_found"}]));
}
