//! The permission check: implications, license ceilings, reasons, the batch
//! form and the catalogue.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_event, CheckRow, Scope, TestApp, NO_BODY};

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
    let app = spawn_event(2, &["c1", "c2"], &["a1", "a2"]).await;
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
    let expected: Vec<(&str, Scope<'_>, String)> = everything
        .map(|(permission, scope)| {
            let is_covered = covered
                .iter()
                .any(|(p, s)| *p == permission && format!("{s:?}") == format!("{scope:?}"));
            let decision = if is_covered {
                "granted"
            } else {
                "no_permission"
            };
            (permission, scope, format!("{decision} event_pro"))
        })
        .collect();
    let rows: Vec<CheckRow<'_>> = expected
        .iter()
        .map(|(permission, scope, decision)| ("pro", *permission, *scope, decision.as_str()))
        .collect();
    let after = format!("after granting {grant:?}:");
    app.assert_checks_after(&after, "acme", "e1", &rows).await;
}

#[actix_web::test]
async fn event_admin_covers_every_permission_on_every_scope() {
    let app = event_with_slot_holder().await;
    let mut covered = every_permission_on("c1", "a1");
    covered.extend(every_permission_on("c2", "a2"));

    assert_grant_covers(&app, ("Event.Admin", Scope::Event), &covered).await;
}

/// What one grant covers, a row a former test: `(grant, its scope, the
/// permissions it covers)`. Those of an event-wide grant hold on every
/// collaborator or area; those of a scoped grant on its own scope only.
#[rustfmt::skip]
const COVERAGE: [(&str, Scope<'static>, &[&str]); 11] = [
    ("Event.Update", Scope::Event, &["Event.Update", "Event.View", "Collaborator.View", "Area.View"]),
    ("Event.View", Scope::Event, &["Event.View", "Collaborator.View", "Area.View"]),
    ("Event.ScheduleEdit", Scope::Event, &[
        "Event.ScheduleEdit", "Event.ScheduleView", "Event.View",
        "Collaborator.ScheduleEdit", "Collaborator.ScheduleView", "Collaborator.View",
        "Area.ScheduleEdit", "Area.ScheduleView", "Area.View",
    ]),
    ("Event.ScheduleView", Scope::Event, &[
        "Event.ScheduleView", "Event.View",
        "Collaborator.ScheduleView", "Collaborator.View",
        "Area.ScheduleView", "Area.View",
    ]),
    ("Event.FileUpload", Scope::Event, &[
        "Event.FileUpload", "Event.FileView", "Event.View",
        "Collaborator.FileUpload", "Collaborator.FileView", "Collaborator.View",
        "Area.FileUpload", "Area.FileView", "Area.View",
    ]),
    ("Event.FileView", Scope::Event, &[
        "Event.FileView", "Event.View",
        "Collaborator.FileView", "Collaborator.View",
        "Area.FileView", "Area.View",
    ]),
    ("Collaborator.AdvanceEdit", Scope::Collaborator("c1"), &[
        "Collaborator.AdvanceEdit", "Collaborator.AdvanceView", "Collaborator.View",
    ]),
    ("Collaborator.ScheduleEdit", Scope::Collaborator("c2"), &[
        "Collaborator.ScheduleEdit", "Collaborator.ScheduleView", "Collaborator.View",
    ]),
    ("Collaborator.View", Scope::Collaborator("c1"), &["Collaborator.View"]),
    ("Area.FileUpload", Scope::Area("a1"), &["Area.FileUpload", "Area.FileView", "Area.View"]),
    ("Area.ScheduleView", Scope::Area("a2"), &["Area.ScheduleView", "Area.View"]),
];

/// `permissions` on the scopes a grant on `scope` reaches: the grant's own
/// scope, or for an event-wide grant every scope of the permission's domain.
fn on_scopes_of(
    scope: Scope<'static>,
    permissions: &[&'static str],
) -> Vec<(&'static str, Scope<'static>)> {
    let mut covered = Vec::new();
    for permission in permissions {
        let scopes = match (scope, permission.split('.').next()) {
            (Scope::Event, Some("Collaborator")) => {
                vec![Scope::Collaborator("c1"), Scope::Collaborator("c2")]
            }
            (Scope::Event, Some("Area")) => vec![Scope::Area("a1"), Scope::Area("a2")],
            _ => vec![scope],
        };
        covered.extend(scopes.into_iter().map(|scope| (*permission, scope)));
    }
    covered
}

#[actix_web::test]
async fn each_grant_covers_its_implied_permissions_and_nothing_else() {
    for (permission, scope, covered) in COVERAGE {
        let app = event_with_slot_holder().await;
        let covered = on_scopes_of(scope, covered);

        assert_grant_covers(&app, (permission, scope), &covered).await;
    }
}

#[actix_web::test]
async fn a_user_without_any_license_is_refused_with_no_license_even_with_grants() {
    let app = event_with_slot_holder().await;
    app.grant("acme", "e1", "amy", "Event.Admin", Scope::Event)
        .await;

    app.assert_checks(
        "acme",
        "e1",
        &[
            ("amy", "Event.View", Scope::Event, "no_license"),
            (
                "amy",
                "Collaborator.View",
                Scope::Collaborator("c1"),
                "no_license",
            ),
            ("amy", "Area.View", Scope::Area("a1"), "no_license"),
        ],
    )
    .await;
}

#[actix_web::test]
async fn a_slot_holder_is_refused_without_a_grant_and_granted_with_one() {
    let app = event_with_slot_holder().await;
    let view = ("pro", "Event.View", Scope::Event, "no_permission event_pro");
    app.assert_checks("acme", "e1", &[view]).await;

    app.grant("acme", "e1", "pro", "Event.Update", Scope::Event)
        .await;

    let update = ("pro", "Event.Update", Scope::Event, "granted event_pro");
    app.assert_checks("acme", "e1", &[update]).await;
}

#[actix_web::test]
async fn a_slot_and_a_grant_count_on_their_own_event_only() {
    let app = event_with_slot_holder().await;
    app.event("acme", "e2").await;
    app.grant("acme", "e2", "pro", "Event.View", Scope::Event)
        .await;
    let no_slot = ("pro", "Event.View", Scope::Event, "no_license");
    app.assert_checks("acme", "e2", &[no_slot]).await;

    app.event("acme", "e3").await;
    app.slot("acme", "e3", "pro").await;
    app.grant("acme", "e1", "pro", "Event.Admin", Scope::Event)
        .await;
    let no_grant = ("pro", "Event.View", Scope::Event, "no_permission event_pro");
    app.assert_checks("acme", "e3", &[no_grant]).await;
}

#[actix_web::test]
async fn an_org_pro_holder_has_every_event_under_org_pro_without_a_slot() {
    let app = event_with_slot_holder().await;
    app.event("acme", "e2").await;
    app.seat_holder("acme", "org_pro", "boss").await;
    app.grant("acme", "e2", "boss", "Event.View", Scope::Event)
        .await;

    let view = ("boss", "Event.View", Scope::Event, "no_permission org_pro");
    app.assert_checks("acme", "e1", &[view]).await;
    let view = ("boss", "Event.View", Scope::Event, "granted org_pro");
    app.assert_checks("acme", "e2", &[view]).await;
    assert_eq!(app.event_details("acme", "e2").await["slots"]["used"], 0);
}

#[actix_web::test]
async fn an_org_pro_holders_grants_are_granted() {
    let app = event_with_slot_holder().await;
    app.seat_holder("acme", "org_pro", "boss").await;
    app.grant("acme", "e1", "boss", "Event.Admin", Scope::Event)
        .await;

    let rows: Vec<_> = every_permission_on("c2", "a2")
        .into_iter()
        .map(|(permission, scope)| ("boss", permission, scope, "granted org_pro"))
        .collect();
    app.assert_checks("acme", "e1", &rows).await;
}

#[actix_web::test]
async fn an_org_standard_holder_needs_a_slot_to_work_on_an_event() {
    let app = event_with_slot_holder().await;
    app.seat_holder("acme", "org_standard", "std").await;
    app.grant("acme", "e1", "std", "Event.View", Scope::Event)
        .await;

    assert_a_slot_gives_event_pro(&app, ("acme", "e1", "std"), "Event.View").await;
}

/// `user` is refused `permission` with `no_license` on `event` until given a
/// slot there, then granted under `event_pro`.
async fn assert_a_slot_gives_event_pro(
    app: &TestApp,
    (org, event, user): (&str, &str, &str),
    permission: &str,
) {
    let without = (user, permission, Scope::Event, "no_license");
    app.assert_checks(org, event, &[without]).await;
    app.slot(org, event, user).await;
    let with = (user, permission, Scope::Event, "granted event_pro");
    app.assert_checks(org, event, &[with]).await;
}

#[actix_web::test]
async fn a_personal_orgs_owner_needs_a_slot_to_work_on_its_events() {
    let app = spawn_app().await;
    app.personal_org_with_events("solo", "ana", &["gig"]).await;
    app.grant("solo", "gig", "ana", "Event.Admin", Scope::Event)
        .await;

    assert_a_slot_gives_event_pro(&app, ("solo", "gig", "ana"), "Event.Update").await;
}

#[actix_web::test]
async fn releasing_a_slot_takes_the_license_away_but_keeps_the_grants() {
    let app = event_with_slot_holder().await;
    app.grant("acme", "e1", "pro", "Event.View", Scope::Event)
        .await;
    let answer = app.delete("/v1/orgs/acme/events/e1/slots/pro").await;
    assert_eq!(answer.0, StatusCode::NO_CONTENT);

    let view = ("pro", "Event.View", Scope::Event, "no_license");
    app.assert_checks("acme", "e1", &[view]).await;
    assert_eq!(
        app.event_user("acme", "e1", "pro").await["grants"],
        json!([{"permission": "Event.View"}])
    );
}

#[actix_web::test]
async fn revoking_a_grant_turns_granted_into_no_permission() {
    let app = event_with_slot_holder().await;
    let upload = ("Area.FileUpload", Scope::Area("a1"));
    app.grant("acme", "e1", "pro", upload.0, upload.1).await;
    let path = crate::helpers::grant_path("acme", "e1", "pro", upload.0, upload.1);
    assert_eq!(app.delete(&path).await.0, StatusCode::NO_CONTENT);

    let view = (
        "pro",
        "Area.FileView",
        Scope::Area("a1"),
        "no_permission event_pro",
    );
    app.assert_checks("acme", "e1", &[view]).await;
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
async fn checks_that_cannot_be_answered_are_refused_with_their_error() {
    let app = event_with_slot_holder().await;
    let check = |query: &str| format!("GET /v1/orgs/acme/events/e1/check?{query}");
    let too_many: Vec<Value> = (0..1001).map(|_| item("pro", "Event.View")).collect();

    #[rustfmt::skip]
    let refusals = [
        (check("user=pro&permission=Collaborator.View&collaborator=ghost"), NO_BODY, 404, "collaborator_not_found"),
        (check("user=pro&permission=Area.View&area=ghost"), NO_BODY, 404, "area_not_found"),
        ("GET /v1/orgs/acme/events/ghost/check?user=pro&permission=Event.View".into(), NO_BODY, 404, "event_not_found"),
        ("GET /v1/orgs/ghost/events/e1/check?user=pro&permission=Event.View".into(), NO_BODY, 404, "org_not_found"),
        (check("user=pro"), NO_BODY, 400, "bad_request"),
        (check("permission=Event.View"), NO_BODY, 400, "bad_request"),
        (check(""), NO_BODY, 400, "bad_request"),
        (check("user=pro&permission=Event.Fly"), NO_BODY, 400, "unknown_permission"),
        (check("user=pro&permission=Area.View"), NO_BODY, 400, "missing_scope"),
        (check("user=pro&permission=Event.View&collaborator=c1"), NO_BODY, 400, "unexpected_scope"),
        (check("user=&permission=Event.View"), NO_BODY, 400, "invalid_id"),
        (check("user=..&permission=Event.View"), NO_BODY, 400, "invalid_id"),
        (check("user=a%20b&permission=Event.View"), NO_BODY, 400, "invalid_id"),
        ("POST /v1/orgs/acme/check".into(), json!({ "checks": too_many }), 400, "bad_request"),
        ("POST /v1/orgs/acme/check".into(), json!({}), 400, "bad_request"),
        ("POST /v1/orgs/acme/check".into(), json!({"checks": "all"}), 400, "bad_request"),
        ("POST /v1/orgs/acme/check".into(), json!([]), 400, "bad_request"),
        ("POST /v1/orgs/ghost/check".into(), json!({"checks": [item("u", "Event.View")]}), 404, "org_not_found"),
    ];

    app.assert_refusals(&refusals).await;
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
async fn org_pro_gives_no_license_on_another_orgs_events_nor_once_the_member_is_deleted() {
    let app = event_with_slot_holder().await;
    app.seat_holder("acme", "org_pro", "boss").await;
    app.org_with_events("other", 1, &["e1"]).await;
    for org in ["acme", "other"] {
        app.grant(org, "e1", "boss", "Event.View", Scope::Event)
            .await;
    }
    let view = ("boss", "Event.View", Scope::Event, "no_license");
    app.assert_checks("other", "e1", &[view]).await;

    let deleted = app.delete("/v1/orgs/acme/members/boss").await;
    assert_eq!(deleted.0, StatusCode::NO_CONTENT);
    app.assert_checks("acme", "e1", &[view]).await;
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
