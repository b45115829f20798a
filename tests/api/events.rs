//! Events, their collaborators and areas, and the per-user lookups.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{
    assert_error, assert_refused, spawn_app, spawn_event, spawn_org, Scope, TestApp, NO_BODY,
};

#[actix_web::test]
async fn creating_an_event_without_event_pro_returns_409_event_pro_required() {
    let app = spawn_org(json!({})).await;

    assert_no_event_without_event_pro(&app, "acme", "e1").await;
}

/// Creating `event` on `org` is `409 event_pro_required` and changes nothing.
async fn assert_no_event_without_event_pro(app: &TestApp, org: &str, event: &str) {
    let before = app.org_state(org).await;
    let path = format!("/v1/orgs/{org}/events/{event}");

    let answer = app.put(&path, &json!({"name": "Fest"})).await;

    assert_error(&answer, StatusCode::CONFLICT, "event_pro_required");
    assert_eq!(app.org_state(org).await, before);
    let gone = app.get(&path).await;
    assert_error(&gone, StatusCode::NOT_FOUND, "event_not_found");
}

#[actix_web::test]
async fn putting_an_event_returns_201_then_200_and_renames_it_or_changes_nothing() {
    let app = spawn_org(json!({"event_pro": 2})).await;

    // (event, body, status, name then): a name is optional; a new one renames.
    for (event, body, status, name) in [
        (
            "e1",
            json!({"name": "Summer Fest"}),
            StatusCode::CREATED,
            json!("Summer Fest"),
        ),
        ("e2", NO_BODY, StatusCode::CREATED, json!(null)),
        ("e1", json!({"name": "New"}), StatusCode::OK, json!("New")),
    ] {
        let answer = app
            .request(&format!("PUT /v1/orgs/acme/events/{event}"), &body)
            .await;

        assert_eq!(answer.0, status, "{event} {body}: {answer:?}");
        assert_eq!(
            (&answer.1["id"], &answer.1["name"]),
            (&json!(event), &name),
            "{event} {body}"
        );
        assert_eq!(app.event_details("acme", event).await["name"], name);
    }
    assert_eq!(app.org("acme").await["events"], 2);
    let e2 = app.event_details("acme", "e2").await;
    let empty = json!({"total": 2, "used": 0, "holders": []});
    assert_eq!(
        (&e2["slots"], &e2["collaborators"], &e2["areas"]),
        (&empty, &json!([]), &json!([]))
    );

    app.slot("acme", "e1", "amy").await;
    app.collaborator("acme", "e1", "artist").await;
    let before = app.org_state("acme").await;
    let again = app
        .put("/v1/orgs/acme/events/e1", &json!({"name": "New"}))
        .await;
    assert_eq!(again.0, StatusCode::OK, "{again:?}");
    assert_eq!(app.org_state("acme").await, before);
}

#[actix_web::test]
async fn getting_an_event_returns_its_slots_collaborators_and_areas_sorted() {
    let app = spawn_org(json!({})).await;
    app.licenses("acme", json!({"event_pro": 3})).await;
    let (status, _) = app
        .put("/v1/orgs/acme/events/e1", &json!({"name": "Summer Fest"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    for user in ["zed", "amy"] {
        app.slot("acme", "e1", user).await;
    }
    for collaborator in ["vendor", "artist"] {
        app.collaborator("acme", "e1", collaborator).await;
    }
    for area in ["main-stage", "catering"] {
        app.area("acme", "e1", area).await;
    }

    let answer = app.as_check_token().get("/v1/orgs/acme/events/e1").await;

    assert_eq!(
        answer,
        (
            StatusCode::OK,
            json!({
                "id": "e1",
                "name": "Summer Fest",
                "slots": {"total": 3, "used": 2, "holders": ["amy", "zed"]},
                "collaborators": ["artist", "vendor"],
                "areas": ["catering", "main-stage"],
            })
        )
    );
}

#[actix_web::test]
async fn events_stay_when_event_pro_drops_to_zero_but_no_new_one_can_be_made() {
    let app = spawn_event(1, &[], &[]).await;

    app.licenses("acme", json!({"event_pro": 0})).await;

    assert_eq!(app.event_details("acme", "e1").await["id"], "e1");
    let again = app.put_empty("/v1/orgs/acme/events/e1").await;
    assert_eq!(again.0, StatusCode::OK, "{:?}", again.1);
    let answer = app.put_empty("/v1/orgs/acme/events/e2").await;
    assert_error(&answer, StatusCode::CONFLICT, "event_pro_required");
}

#[actix_web::test]
async fn every_event_has_as_many_slots_as_event_pro_licenses() {
    let app = spawn_app().await;
    app.org_with_events("acme", 2, &["e1", "e2"]).await;

    app.licenses("acme", json!({"event_pro": 4})).await;

    for event in ["e1", "e2"] {
        assert_eq!(app.event_details("acme", event).await["slots"]["total"], 4);
    }
}

#[actix_web::test]
async fn listing_events_returns_them_sorted_with_slots_used() {
    let app = spawn_app().await;
    app.org_with_events("acme", 2, &[]).await;
    for (id, name) in [("zulu", "Z"), ("alpha", "A")] {
        let (status, _) = app
            .put(
                &format!("/v1/orgs/acme/events/{id}"),
                &json!({ "name": name }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    app.slot("acme", "zulu", "amy").await;
    app.slot("acme", "zulu", "bob").await;

    let answer = app.as_check_token().get("/v1/orgs/acme/events").await;

    assert_eq!(
        answer,
        (
            StatusCode::OK,
            json!({"events": [
                {"id": "alpha", "name": "A", "slots_used": 0},
                {"id": "zulu", "name": "Z", "slots_used": 2},
            ]})
        )
    );
}

#[actix_web::test]
async fn deleting_an_event_returns_204_and_removes_it() {
    let app = spawn_app().await;
    app.org_with_events("acme", 1, &["e1", "e2"]).await;
    app.slot("acme", "e1", "amy").await;

    let answer = app.delete("/v1/orgs/acme/events/e1").await;

    assert_eq!(answer.0, StatusCode::NO_CONTENT, "{:?}", answer.1);
    let gone = app.get("/v1/orgs/acme/events/e1").await;
    assert_error(&gone, StatusCode::NOT_FOUND, "event_not_found");
    assert_eq!(app.org("acme").await["events"], 1);
    let (_, events) = app.get("/v1/orgs/acme/events").await;
    assert_eq!(
        events["events"].as_array().map(Vec::len),
        Some(1),
        "{events}"
    );
    let (_, lookup) = app.get("/v1/orgs/acme/users/amy/events").await;
    assert_eq!(lookup, json!({"events": []}));
}

#[actix_web::test]
async fn an_event_made_again_after_deletion_starts_empty() {
    let app = spawn_event(1, &[], &[]).await;
    app.slot("acme", "e1", "amy").await;
    app.collaborator("acme", "e1", "artist").await;
    app.grant("acme", "e1", "amy", "Event.View", Scope::Event)
        .await;
    assert_eq!(
        app.delete("/v1/orgs/acme/events/e1").await.0,
        StatusCode::NO_CONTENT
    );

    app.event("acme", "e1").await;

    let event = app.event_details("acme", "e1").await;
    assert_eq!(event["slots"]["holders"], json!([]));
    assert_eq!(event["collaborators"], json!([]));
    let user = app.event_user("acme", "e1", "amy").await;
    assert_eq!(user["grants"], json!([]));
    assert_eq!(user["license"], json!(null));
}

#[actix_web::test]
async fn requests_on_events_that_do_not_exist_or_with_a_bad_name_are_refused() {
    let app = spawn_event(1, &[], &[]).await;
    app.org_with_events("other", 1, &[]).await;
    let name = json!({"name": 5});

    #[rustfmt::skip]
    let refusals = [
        ("GET /v1/orgs/ghost/events", NO_BODY, 404, "org_not_found"),
        ("GET /v1/orgs/ghost/events/e1", NO_BODY, 404, "org_not_found"),
        ("PUT /v1/orgs/ghost/events/e1", NO_BODY, 404, "org_not_found"),
        ("GET /v1/orgs/ghost/users/amy/events", NO_BODY, 404, "org_not_found"),
        ("GET /v1/orgs/acme/events/ghost", NO_BODY, 404, "event_not_found"),
        ("GET /v1/orgs/other/events/e1", NO_BODY, 404, "event_not_found"),
        ("DELETE /v1/orgs/acme/events/ghost", NO_BODY, 404, "event_not_found"),
        ("PUT /v1/orgs/acme/events/ghost/collaborators/artist", NO_BODY, 404, "event_not_found"),
        ("PUT /v1/orgs/acme/events/ghost/areas/bar", NO_BODY, 404, "event_not_found"),
        ("GET /v1/orgs/acme/events/ghost/users/amy", NO_BODY, 404, "event_not_found"),
        ("PUT /v1/orgs/acme/events/e2", name.clone(), 400, "bad_request"),
        ("PUT /v1/orgs/acme/events/e1/collaborators/artist", name.clone(), 400, "bad_request"),
        ("PUT /v1/orgs/acme/events/e1/areas/bar", name, 400, "bad_request"),
    ];

    app.assert_refusals_change_nothing("acme", &refusals).await;
}

#[actix_web::test]
async fn putting_a_collaborator_or_area_returns_201_then_200_and_applies_a_new_name() {
    let app = spawn_event(1, &[], &[]).await;
    let modules = json!({"advancing": true, "schedule": true, "files": true});

    // (kind, id, name, new name, what the answer has besides id and name)
    for (kind, id, name, renamed, extra) in [
        (
            "collaborators",
            "artist",
            "The Band",
            "The Band Live",
            Some(&modules),
        ),
        ("areas", "main-stage", "Main Stage", "Big Stage", None),
    ] {
        let path = format!("/v1/orgs/acme/events/e1/{kind}/{id}");
        let answer = |name: &str| {
            let mut answer = json!({"id": id, "name": name});
            if let Some(modules) = extra {
                answer["modules"] = modules.clone();
            }
            answer
        };

        let created = app.put(&path, &json!({ "name": name })).await;
        let repeated = app.put(&path, &json!({ "name": name })).await;
        let changed = app.put(&path, &json!({ "name": renamed })).await;

        assert_eq!(created, (StatusCode::CREATED, answer(name)), "{kind}");
        assert_eq!(repeated, (StatusCode::OK, answer(name)), "{kind}");
        assert_eq!(changed, (StatusCode::OK, answer(renamed)), "{kind}");
        let listed = &app.event_details("acme", "e1").await[kind];
        assert_eq!(listed, &json!([id]), "{kind}");
    }
}

#[actix_web::test]
async fn deleting_a_collaborator_or_area_returns_204_then_404() {
    let app = spawn_event(1, &["artist"], &["bar"]).await;

    for (kind, path, code) in [
        (
            "collaborators",
            "collaborators/artist",
            "collaborator_not_found",
        ),
        ("areas", "areas/bar", "area_not_found"),
    ] {
        let path = format!("/v1/orgs/acme/events/e1/{path}");

        let first = app.delete(&path).await;
        let second = app.delete(&path).await;

        assert_eq!(first.0, StatusCode::NO_CONTENT, "{path}: {:?}", first.1);
        assert_refused(&path, &second, StatusCode::NOT_FOUND, code);
        assert_eq!(app.event_details("acme", "e1").await[kind], json!([]));
    }
}

#[actix_web::test]
async fn deleting_an_area_drops_the_grants_scoped_to_it_only() {
    let app = spawn_event(1, &[], &["bar", "stage"]).await;
    app.slot("acme", "e1", "amy").await;
    app.grant("acme", "e1", "amy", "Area.ScheduleEdit", Scope::Area("bar"))
        .await;
    app.grant("acme", "e1", "amy", "Area.View", Scope::Area("stage"))
        .await;
    app.grant("acme", "e1", "amy", "Event.FileView", Scope::Event)
        .await;

    let answer = app.delete("/v1/orgs/acme/events/e1/areas/bar").await;

    assert_eq!(answer.0, StatusCode::NO_CONTENT);
    let grants = &app.event_user("acme", "e1", "amy").await["grants"];
    assert_eq!(
        crate::helpers::sorted(grants),
        crate::helpers::sorted(&json!([
            {"permission": "Area.View", "area": "stage"},
            {"permission": "Event.FileView"},
        ]))
    );
    // Making the area again does not bring the old grant back.
    app.area("acme", "e1", "bar").await;
    let edit = (
        "amy",
        "Area.ScheduleEdit",
        Scope::Area("bar"),
        "no_permission event_pro",
    );
    app.assert_checks("acme", "e1", &[edit]).await;
}

#[actix_web::test]
async fn a_users_event_lookup_lists_the_events_where_they_have_a_license_sorted() {
    let app = spawn_event(2, &[], &[]).await;
    for event in ["e4", "e3", "e2"] {
        app.event("acme", event).await;
    }
    app.collaborator("acme", "e2", "artist").await;
    app.slot("acme", "e3", "amy").await;
    app.attach("acme", "e2", "artist", "amy").await;
    app.grant("acme", "e4", "amy", "Event.View", Scope::Event)
        .await;
    app.slot("acme", "e1", "amy").await;
    app.licenses("acme", json!({"org_pro": 1, "org_standard": 1}))
        .await;
    app.member("acme", "boss", Some("org_pro")).await;
    app.member("acme", "std", Some("org_standard")).await;
    let every = ["e1", "e2", "e3", "e4"].map(|event| json!({"event": event, "license": "org_pro"}));

    for (user, events) in [
        (
            "amy",
            json!([
                {"event": "e1", "license": "event_pro"},
                {"event": "e2", "license": "collaborator"},
                {"event": "e3", "license": "event_pro"},
            ]),
        ),
        ("boss", json!(every)),
        ("std", json!([])),
        ("stranger", json!([])),
    ] {
        let path = format!("/v1/orgs/acme/users/{user}/events");
        let answer = app.as_check_token().get(&path).await;
        assert_eq!(
            answer,
            (StatusCode::OK, json!({ "events": events })),
            "{user}"
        );
    }
}

#[actix_web::test]
async fn a_personal_owners_event_lookup_lists_only_events_with_their_slot() {
    let app = spawn_app().await;
    app.personal_org_with_events("solo", "ana", &["gig", "tour"])
        .await;
    app.slot("solo", "tour", "ana").await;

    let answer = app.get("/v1/orgs/solo/users/ana/events").await;

    assert_eq!(
        answer,
        (
            StatusCode::OK,
            json!({"events": [{"event": "tour", "license": "event_pro"}]})
        )
    );
}

#[actix_web::test]
async fn reading_an_event_user_shows_license_collaborators_and_grants() {
    let app = spawn_event(1, &["vendor", "artist"], &["bar"]).await;
    // a slot, to be on two collaborators
    app.slot("acme", "e1", "amy").await;
    app.attach_with("acme", "e1", "vendor", "amy", &["Collaborator.View"])
        .await;
    app.attach_with("acme", "e1", "artist", "amy", &["Collaborator.FileView"])
        .await;
    app.grant("acme", "e1", "amy", "Area.View", Scope::Area("bar"))
        .await;
    app.grant("acme", "e1", "amy", "Event.View", Scope::Event)
        .await;

    let (status, user) = app
        .as_check_token()
        .get("/v1/orgs/acme/events/e1/users/amy")
        .await;

    assert_eq!(status, StatusCode::OK, "{user}");
    assert_eq!(user["user"], "amy");
    assert_eq!(user["license"], "event_pro");
    assert_eq!(user["collaborators"], json!(["artist", "vendor"]));
    assert_eq!(
        crate::helpers::sorted(&user["grants"]),
        crate::helpers::sorted(&json!([
            {"permission": "Collaborator.View", "collaborator": "vendor"},
            {"permission": "Collaborator.FileView", "collaborator": "artist"},
            {"permission": "Area.View", "area": "bar"},
            {"permission": "Event.View"},
        ]))
    );
}

#[actix_web::test]
async fn reading_an_event_user_who_has_nothing_there_shows_nothing() {
    let app = spawn_event(1, &[], &[]).await;

    let answer = app.get("/v1/orgs/acme/events/e1/users/nobody").await;

    assert_eq!(
        answer,
        (
            StatusCode::OK,
            json!({"user": "nobody", "license": null, "collaborators": [], "grants": [], "org_grants": []})
        )
    );
}

#[actix_web::test]
async fn reading_an_event_user_shows_the_highest_license_they_have_there() {
    let app = spawn_event(1, &[], &[]).await;
    app.licenses("acme", json!({"org_pro": 1, "org_standard": 1}))
        .await;
    app.collaborator("acme", "e1", "artist").await;
    app.attach("acme", "e1", "artist", "slotted").await;
    app.slot("acme", "e1", "slotted").await;
    app.attach("acme", "e1", "artist", "boss").await;
    app.member("acme", "boss", Some("org_pro")).await;
    app.member("acme", "std", Some("org_standard")).await;

    assert_eq!(
        app.event_user("acme", "e1", "slotted").await["license"],
        "event_pro"
    );
    assert_eq!(
        app.event_user("acme", "e1", "boss").await["license"],
        "org_pro"
    );
    assert_eq!(
        app.event_user("acme", "e1", "std").await["license"],
        json!(null)
    );
}

#[actix_web::test]
async fn org_standard_and_org_pro_seats_without_event_pro_cannot_create_an_event() {
    let app = spawn_org(json!({})).await;
    app.licenses("acme", json!({"org_standard": 2, "org_pro": 2}))
        .await;
    app.member("acme", "pat", Some("org_pro")).await;
    app.member("acme", "sue", Some("org_standard")).await;

    assert_no_event_without_event_pro(&app, "acme", "e1").await;
}

#[actix_web::test]
async fn a_personal_org_without_event_pro_cannot_create_an_event_until_it_buys_one() {
    let app = spawn_app().await;
    app.personal_org("solo", "sam").await;

    assert_no_event_without_event_pro(&app, "solo", "gig").await;

    app.licenses("solo", json!({"event_pro": 1})).await;
    let created = app.put_empty("/v1/orgs/solo/events/gig").await;
    assert_eq!(created.0, StatusCode::CREATED, "{created:?}");
    assert_eq!(app.org("solo").await["events"], 1);
}
