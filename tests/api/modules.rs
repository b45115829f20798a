//! Collaborator modules (SPEC §1 v2): set with `PUT …/collaborators/{c}`,
//! read with `GET …/collaborators/{c}`, and what they take from free
//! collaborators.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_check, assert_error, event_path, spawn_app, Scope, TestApp};

fn collaborator_path(collaborator: &str) -> String {
    format!("{}/collaborators/{collaborator}", event_path("acme", "e1"))
}

/// `acme` with one Event Pro license, one Org Pro seat and event `e1`.
async fn acme() -> TestApp {
    let app = spawn_app().await;
    app.team_org("acme").await;
    app.licenses("acme", json!({"event_pro": 1, "org_pro": 1}))
        .await;
    app.event("acme", "e1").await;
    app
}

#[actix_web::test]
async fn putting_a_collaborator_sets_its_name_and_modules_and_missing_keys_stay() {
    let app = acme().await;
    let all_on = json!({"advancing": true, "schedule": true, "files": true});

    let created = app.put_empty(&collaborator_path("band")).await;
    assert_eq!(
        created,
        (
            StatusCode::CREATED,
            json!({"id": "band", "name": null, "modules": all_on})
        )
    );

    let named = app
        .put(
            &collaborator_path("band"),
            &json!({"name": "The Band", "modules": {"advancing": false}}),
        )
        .await;
    let advancing_off = json!({"advancing": false, "schedule": true, "files": true});
    assert_eq!(
        named,
        (
            StatusCode::OK,
            json!({"id": "band", "name": "The Band", "modules": advancing_off})
        )
    );

    let files_off = app
        .put(
            &collaborator_path("band"),
            &json!({"modules": {"files": false, "schedule": null}}),
        )
        .await;
    let both_off = json!({"advancing": false, "schedule": true, "files": false});
    assert_eq!(
        files_off,
        (
            StatusCode::OK,
            json!({"id": "band", "name": "The Band", "modules": both_off})
        )
    );

    let read = app.get(&collaborator_path("band")).await;
    assert_eq!(
        read,
        (
            StatusCode::OK,
            json!({"id": "band", "name": "The Band", "modules": both_off, "users": []})
        )
    );

    let new_with_modules = app
        .put(
            &collaborator_path("crew"),
            &json!({"modules": {"schedule": false}}),
        )
        .await;
    assert_eq!(
        new_with_modules,
        (
            StatusCode::CREATED,
            json!({"id": "crew", "name": null,
                   "modules": {"advancing": true, "schedule": false, "files": true}})
        )
    );
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
    let band = Scope::Collaborator("band");
    let holders = [("sam", "event_pro"), ("pat", "org_pro")];

    let advance = app
        .check("acme", "e1", "amy", "Collaborator.AdvanceEdit", band)
        .await;
    assert_check(&advance, true, "granted", Some("collaborator"));

    let off = app
        .put(
            &collaborator_path("band"),
            &json!({"modules": {"advancing": false}}),
        )
        .await;
    assert_eq!(off.0, StatusCode::OK, "{off:?}");
    for permission in ["Collaborator.AdvanceView", "Collaborator.AdvanceEdit"] {
        let denied = app.check("acme", "e1", "amy", permission, band).await;
        assert_check(&denied, false, "module_disabled", Some("collaborator"));
        for (user, license) in holders {
            let check = app.check("acme", "e1", user, permission, band).await;
            assert_check(&check, true, "granted", Some(license));
        }
    }
    // The other modules, and Collaborator.View, are untouched.
    for permission in [
        "Collaborator.View",
        "Collaborator.ScheduleView",
        "Collaborator.FileUpload",
    ] {
        let check = app.check("acme", "e1", "amy", permission, band).await;
        assert_check(&check, true, "granted", Some("collaborator"));
    }
    // Her grants stay as they are.
    let grants = app.event_user("acme", "e1", "amy").await["grants"].clone();
    assert!(
        grants
            .as_array()
            .unwrap()
            .contains(&json!({"permission": "Collaborator.AdvanceEdit", "collaborator": "band"})),
        "{grants}"
    );

    let on = app
        .put(
            &collaborator_path("band"),
            &json!({"modules": {"advancing": true}}),
        )
        .await;
    assert_eq!(on.0, StatusCode::OK, "{on:?}");
    let restored = app
        .check("acme", "e1", "amy", "Collaborator.AdvanceEdit", band)
        .await;
    assert_check(&restored, true, "granted", Some("collaborator"));
}

#[actix_web::test]
async fn a_module_off_comes_after_outside_license_and_before_no_permission() {
    let app = acme().await;
    app.collaborator("acme", "e1", "band").await;
    app.collaborator("acme", "e1", "crew").await;
    app.attach_with("acme", "e1", "band", "amy", &["Collaborator.View"])
        .await;
    app.put(
        &collaborator_path("band"),
        &json!({"modules": {"schedule": false}}),
    )
    .await;
    app.put(
        &collaborator_path("crew"),
        &json!({"modules": {"schedule": false}}),
    )
    .await;

    // Inside her collaborator, no grant of ScheduleEdit: the module decides first.
    let own = app
        .check(
            "acme",
            "e1",
            "amy",
            "Collaborator.ScheduleEdit",
            Scope::Collaborator("band"),
        )
        .await;
    assert_check(&own, false, "module_disabled", Some("collaborator"));
    // Another collaborator is outside her license, module or not.
    let other = app
        .check(
            "acme",
            "e1",
            "amy",
            "Collaborator.ScheduleView",
            Scope::Collaborator("crew"),
        )
        .await;
    assert_check(&other, false, "outside_license", Some("collaborator"));
    // A module that is on, without a grant: no_permission.
    let files = app
        .check(
            "acme",
            "e1",
            "amy",
            "Collaborator.FileView",
            Scope::Collaborator("band"),
        )
        .await;
    assert_check(&files, false, "no_permission", Some("collaborator"));
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
    let band = Scope::Collaborator("band");
    let before = app
        .check("acme", "e1", "pat", "Collaborator.View", band)
        .await;
    assert_check(&before, true, "granted", Some("org_pro"));

    app.member("acme", "pat", Some("org_standard")).await;

    let after = app
        .check("acme", "e1", "pat", "Collaborator.View", band)
        .await;
    assert_check(&after, false, "no_license", None);
    let user = app.event_user("acme", "e1", "pat").await;
    assert_eq!(user["collaborators"], json!(["band", "crew"]));
    assert_eq!(user["license"], json!(null));

    // Detached down to one, the free license is back.
    let (status, body) = app
        .delete(&format!("{}/users/pat", collaborator_path("crew")))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let one = app
        .check("acme", "e1", "pat", "Collaborator.View", band)
        .await;
    assert_check(&one, true, "granted", Some("collaborator"));
}
