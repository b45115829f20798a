//! Collaborator modules (SPEC §1 v2): set with `PUT …/collaborators/{c}`,
//! read with `GET …/collaborators/{c}`, and what they take from free
//! collaborators.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_error, event_path, spawn_org, CheckRow, Scope, TestApp, NO_BODY};

fn collaborator_path(collaborator: &str) -> String {
    format!("{}/collaborators/{collaborator}", event_path("acme", "e1"))
}

/// `acme` with one Event Pro license, one Org Pro seat and event `e1`.
async fn acme() -> TestApp {
    let app = spawn_org(json!({"event_pro": 1, "org_pro": 1})).await;
    app.event("acme", "e1").await;
    app
}

#[actix_web::test]
async fn putting_a_collaborator_sets_its_name_and_modules_and_missing_keys_stay() {
    let app = acme().await;
    let band = format!("PUT {}", collaborator_path("band"));
    let modules = |advancing: bool, schedule: bool, files: bool| json!({"advancing": advancing, "schedule": schedule, "files": files});
    let answer =
        |id: &str, name: Value, modules: Value| json!({"id": id, "name": name, "modules": modules});
    let named = json!("The Band");
    let mut read = answer("band", named.clone(), modules(false, true, false));
    read["users"] = json!([]);

    #[rustfmt::skip]
    app.assert_answers(&[
        (band.clone(), NO_BODY, 201, answer("band", json!(null), modules(true, true, true))),
        (band.clone(), json!({"name": "The Band", "modules": {"advancing": false}}), 200, answer("band", named.clone(), modules(false, true, true))),
        (band, json!({"modules": {"files": false, "schedule": null}}), 200, answer("band", named, modules(false, true, false))),
        (format!("GET {}", collaborator_path("band")), NO_BODY, 200, read),
        (format!("PUT {}", collaborator_path("crew")), json!({"modules": {"schedule": false}}), 201, answer("crew", json!(null), modules(true, false, true))),
    ])
    .await;
}

#[actix_web::test]
async fn module_values_other_than_booleans_are_400_bad_request_and_change_nothing() {
    let app = acme().await;
    app.collaborator("acme", "e1", "band").await;
    let before = app.get(&collaborator_path("band")).await;

    for body in [
        json!({"modules": {"advancing": "false"}}),
        json!({"modules": {"files": 0}}),
        json!({"modules": {"schedule": [true]}}),
        json!({"modules": [false, false, false]}),
        json!({"modules": "off"}),
        json!({"name": 7}),
    ] {
        let answer = app.put(&collaborator_path("band"), &body).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "bad_request");
        // On a collaborator not yet made, nothing is made either.
        let answer = app.put(&collaborator_path("new"), &body).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "bad_request");
    }

    assert_eq!(app.get(&collaborator_path("band")).await, before);
    let missing = app.get(&collaborator_path("new")).await;
    assert_error(&missing, StatusCode::NOT_FOUND, "collaborator_not_found");
}

#[actix_web::test]
async fn getting_a_collaborator_lists_its_attached_users_sorted_and_the_check_token_may_read_it() {
    let app = acme().await;
    app.collaborator("acme", "e1", "band").await;
    app.collaborator("acme", "e1", "crew").await;
    for user in ["zoe", "amy", "max"] {
        app.attach("acme", "e1", "band", user).await;
    }
    app.attach("acme", "e1", "crew", "bob").await;

    let read = app.as_check_token().get(&collaborator_path("band")).await;
    assert_eq!(
        read,
        (
            StatusCode::OK,
            json!({
                "id": "band",
                "name": null,
                "modules": {"advancing": true, "schedule": true, "files": true},
                "users": [{"user": "amy"}, {"user": "max"}, {"user": "zoe"}],
            })
        )
    );

    let (status, body) = app
        .delete(&format!("{}/users/max", collaborator_path("band")))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let users = app.get(&collaborator_path("band")).await.1["users"].clone();
    assert_eq!(users, json!([{"user": "amy"}, {"user": "zoe"}]));

    let write = app
        .as_check_token()
        .put(
            &collaborator_path("band"),
            &json!({"modules": {"files": false}}),
        )
        .await;
    assert_error(&write, StatusCode::FORBIDDEN, "forbidden");
    let missing = app.get(&collaborator_path("nobody")).await;
    assert_error(&missing, StatusCode::NOT_FOUND, "collaborator_not_found");
    let no_event = app
        .get(&format!(
            "{}/collaborators/band",
            event_path("acme", "ghost")
        ))
        .await;
    assert_error(&no_event, StatusCode::NOT_FOUND, "event_not_found");
}

/// Checks of `permissions` by `user` on collaborator `band`, each expected as
/// `expected`.
fn on_band<'a>(user: &'a str, permissions: &[&'a str], expected: &'a str) -> Vec<CheckRow<'a>> {
    let band = Scope::Collaborator("band");
    permissions
        .iter()
        .map(|permission| (user, *permission, band, expected))
        .collect()
}

/// Sets `modules` on collaborator `collaborator`; asserts it was accepted.
async fn set_modules(app: &TestApp, collaborator: &str, modules: Value) {
    let body = json!({ "modules": modules });
    let answer = app.put(&collaborator_path(collaborator), &body).await;
    assert_eq!(answer.0, StatusCode::OK, "{body}: {answer:?}");
}

#[actix_web::test]
async fn a_module_turned_off_denies_free_collaborators_with_module_disabled_until_turned_on() {
    let app = acme().await;
    app.collaborator("acme", "e1", "band").await;
    // amy: free; sam: a slot; pat: Org Pro. All three work on `band`.
    app.attach("acme", "e1", "band", "amy").await;
    app.slot("acme", "e1", "sam").await;
    app.attach("acme", "e1", "band", "sam").await;
    app.member("acme", "pat", Some("org_pro")).await;
    app.attach("acme", "e1", "band", "pat").await;
    let advancing = ["Collaborator.AdvanceView", "Collaborator.AdvanceEdit"];
    let edit = on_band("amy", &advancing[1..], "granted collaborator");
    app.assert_checks("acme", "e1", &edit).await;

    set_modules(&app, "band", json!({"advancing": false})).await;

    let mut rows = on_band("amy", &advancing, "module_disabled collaborator");
    rows.extend(on_band("sam", &advancing, "granted event_pro"));
    rows.extend(on_band("pat", &advancing, "granted org_pro"));
    // The other modules, and Collaborator.View, are untouched.
    let others = [
        "Collaborator.View",
        "Collaborator.ScheduleView",
        "Collaborator.FileUpload",
    ];
    rows.extend(on_band("amy", &others, "granted collaborator"));
    app.assert_checks("acme", "e1", &rows).await;
    // Her grants stay as they are.
    let grants = app.event_user("acme", "e1", "amy").await["grants"].clone();
    let advance_edit = json!({"permission": "Collaborator.AdvanceEdit", "collaborator": "band"});
    assert!(
        grants.as_array().unwrap().contains(&advance_edit),
        "{grants}"
    );

    set_modules(&app, "band", json!({"advancing": true})).await;
    app.assert_checks("acme", "e1", &edit).await;
}

#[actix_web::test]
async fn a_module_off_comes_after_outside_license_and_before_no_permission() {
    let app = acme().await;
    app.collaborator("acme", "e1", "band").await;
    app.collaborator("acme", "e1", "crew").await;
    app.attach_with("acme", "e1", "band", "amy", &["Collaborator.View"])
        .await;
    for collaborator in ["band", "crew"] {
        set_modules(&app, collaborator, json!({"schedule": false})).await;
    }

    let crew = Scope::Collaborator("crew");
    // Inside her collaborator, no grant of ScheduleEdit: the module decides first.
    let mut rows = on_band(
        "amy",
        &["Collaborator.ScheduleEdit"],
        "module_disabled collaborator",
    );
    // Another collaborator is outside her license, module or not.
    rows.push((
        "amy",
        "Collaborator.ScheduleView",
        crew,
        "outside_license collaborator",
    ));
    // A module that is on, without a grant: no_permission.
    rows.extend(on_band(
        "amy",
        &["Collaborator.FileView"],
        "no_permission collaborator",
    ));
    app.assert_checks("acme", "e1", &rows).await;
}

#[actix_web::test]
async fn an_org_pro_holder_on_two_collaborators_moved_to_org_standard_has_no_license() {
    let app = acme().await;
    app.licenses("acme", json!({"org_standard": 1})).await;
    app.collaborator("acme", "e1", "band").await;
    app.collaborator("acme", "e1", "crew").await;
    app.member("acme", "pat", Some("org_pro")).await;
    app.attach("acme", "e1", "band", "pat").await;
    app.attach("acme", "e1", "crew", "pat").await;
    let view = |expected| on_band("pat", &["Collaborator.View"], expected);
    app.assert_checks("acme", "e1", &view("granted org_pro"))
        .await;

    app.member("acme", "pat", Some("org_standard")).await;

    app.assert_checks("acme", "e1", &view("no_license")).await;
    let user = app.event_user("acme", "e1", "pat").await;
    assert_eq!(user["collaborators"], json!(["band", "crew"]));
    assert_eq!(user["license"], json!(null));

    // Detached down to one, the free license is back.
    let (status, body) = app
        .delete(&format!("{}/users/pat", collaborator_path("crew")))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    app.assert_checks("acme", "e1", &view("granted collaborator"))
        .await;
}
