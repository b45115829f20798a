//! Members of team orgs and their org licenses.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_refused, spawn_app, spawn_event, spawn_org, Scope, NO_BODY};

#[actix_web::test]
async fn putting_a_new_member_returns_201_and_again_200_and_changes_nothing() {
    let app = spawn_org(json!({"org_standard": 1})).await;
    let member = |license: Value| json!({"user": "amy", "license": license, "released_slots": []});

    let created = app
        .put(
            "/v1/orgs/acme/members/amy",
            &json!({"license": "org_standard"}),
        )
        .await;

    assert_eq!(
        created,
        (StatusCode::CREATED, member(json!("org_standard")))
    );
    let org = app.org("acme").await;
    assert_eq!(org["licenses"]["org_standard"]["used"], 1);
    assert_eq!(org["members"], 1);
    let before = app.org_state("acme").await;
    let again = app
        .put(
            "/v1/orgs/acme/members/amy",
            &json!({"license": "org_standard"}),
        )
        .await;
    assert_eq!(again, (StatusCode::OK, member(json!("org_standard"))));
    assert_eq!(app.org_state("acme").await, before);
}

#[actix_web::test]
async fn a_member_put_with_an_empty_body_or_no_license_key_has_no_license() {
    let app = spawn_org(json!({})).await;

    let empty = app.put_empty("/v1/orgs/acme/members/amy").await;
    let no_key = app.put("/v1/orgs/acme/members/bob", &json!({})).await;

    let member = |user: &str| json!({"user": user, "license": null, "released_slots": []});
    assert_eq!(empty, (StatusCode::CREATED, member("amy")));
    assert_eq!(no_key, (StatusCode::CREATED, member("bob")));
    let read = app.get("/v1/orgs/acme/members/amy").await;
    assert_eq!(
        read,
        (StatusCode::OK, json!({"user": "amy", "license": null}))
    );
}

#[actix_web::test]
async fn member_changes_that_break_a_rule_are_refused_and_change_nothing() {
    let app = spawn_org(json!({"org_standard": 1, "org_pro": 1, "event_pro": 1})).await;
    app.event("acme", "e1").await;
    app.member("acme", "amy", Some("org_standard")).await;
    app.member("acme", "bob", Some("org_pro")).await;
    app.member("acme", "cat", None).await;
    app.slot("acme", "e1", "cat").await;
    app.member("acme", "gone", None).await;
    assert_eq!(
        app.delete("/v1/orgs/acme/members/gone").await.0,
        StatusCode::NO_CONTENT
    );
    app.personal_org("solo", "ana").await;
    let before = (app.org_state("acme").await, app.org_state("solo").await);
    let license = |license: Value| json!({ "license": license });

    #[rustfmt::skip]
    let refusals = [
        ("PUT /v1/orgs/acme/members/cat", license(json!("org_standard")), 409, "no_seat_available"),
        ("PUT /v1/orgs/acme/members/cat", license(json!("org_pro")), 409, "no_seat_available"),
        ("PUT /v1/orgs/acme/members/dan", license(json!("org_standard")), 409, "no_seat_available"),
        ("PUT /v1/orgs/acme/members/dan", license(json!("org_pro")), 409, "no_seat_available"),
        ("PUT /v1/orgs/acme/members/amy", license(json!("org_pro")), 409, "no_seat_available"),
        ("PUT /v1/orgs/acme/members/eve", license(json!("gold")), 400, "bad_request"),
        ("PUT /v1/orgs/acme/members/eve", license(json!("event_pro")), 400, "bad_request"),
        ("PUT /v1/orgs/acme/members/eve", license(json!("owner")), 400, "bad_request"),
        ("PUT /v1/orgs/acme/members/eve", license(json!(1)), 400, "bad_request"),
        ("PUT /v1/orgs/acme/members/eve", license(json!(true)), 400, "bad_request"),
        ("PUT /v1/orgs/solo/members/bob", NO_BODY, 400, "personal_org"),
        ("PUT /v1/orgs/solo/members/ana", NO_BODY, 400, "personal_org"),
        ("DELETE /v1/orgs/solo/members/ana", NO_BODY, 400, "personal_org"),
        ("PUT /v1/orgs/ghost/members/amy", NO_BODY, 404, "org_not_found"),
        ("GET /v1/orgs/ghost/members", NO_BODY, 404, "org_not_found"),
        ("GET /v1/orgs/ghost/members/amy", NO_BODY, 404, "org_not_found"),
        ("GET /v1/orgs/acme/members/ghost", NO_BODY, 404, "member_not_found"),
        ("GET /v1/orgs/acme/members/dan", NO_BODY, 404, "member_not_found"),
        ("DELETE /v1/orgs/acme/members/gone", NO_BODY, 404, "member_not_found"),
        ("DELETE /v1/orgs/acme/members/ghost", NO_BODY, 404, "member_not_found"),
    ];

    app.assert_refusals(&refusals).await;
    let after = (app.org_state("acme").await, app.org_state("solo").await);
    assert_eq!(after, before);
    let amy = app.get("/v1/orgs/acme/members/amy").await;
    assert_eq!(amy.1, json!({"user": "amy", "license": "org_standard"}));
}

#[actix_web::test]
async fn listing_members_returns_them_sorted_by_user() {
    let app = spawn_org(json!({"org_standard": 1, "org_pro": 1})).await;
    app.member("acme", "zed", Some("org_pro")).await;
    app.member("acme", "amy", None).await;
    app.member("acme", "bob", Some("org_standard")).await;

    let answer = app.as_check_token().get("/v1/orgs/acme/members").await;

    assert_eq!(
        answer,
        (
            StatusCode::OK,
            json!({"members": [
                {"user": "amy", "license": null},
                {"user": "bob", "license": "org_standard"},
                {"user": "zed", "license": "org_pro"},
            ]})
        )
    );
}

#[actix_web::test]
async fn a_personal_org_lists_its_owner_as_a_member_with_license_owner() {
    let app = spawn_app().await;
    app.personal_org("solo", "ana").await;

    let list = app.get("/v1/orgs/solo/members").await;
    let one = app.get("/v1/orgs/solo/members/ana").await;

    assert_eq!(
        list,
        (
            StatusCode::OK,
            json!({"members": [{"user": "ana", "license": "owner"}]})
        )
    );
    assert_eq!(
        one,
        (StatusCode::OK, json!({"user": "ana", "license": "owner"}))
    );
}

#[actix_web::test]
async fn deleting_a_member_keeps_their_slots_and_grants() {
    let app = spawn_event(1, &[], &[]).await;
    app.licenses("acme", json!({"org_standard": 1})).await;
    app.member("acme", "amy", Some("org_standard")).await;
    app.slot("acme", "e1", "amy").await;
    app.grant("acme", "e1", "amy", "Event.Update", Scope::Event)
        .await;

    let answer = app.delete("/v1/orgs/acme/members/amy").await;

    assert_eq!(answer.0, StatusCode::NO_CONTENT);
    let event = app.event_details("acme", "e1").await;
    assert_eq!(event["slots"]["holders"], json!(["amy"]));
    assert_eq!(event["slots"]["used"], 1);
    let user = app.event_user("acme", "e1", "amy").await;
    assert_eq!(user["license"], "event_pro");
    assert_eq!(user["grants"], json!([{"permission": "Event.Update"}]));
    let update = ("amy", "Event.Update", Scope::Event, "granted event_pro");
    app.assert_checks("acme", "e1", &[update]).await;
}

#[actix_web::test]
async fn giving_a_member_org_pro_releases_their_slots_and_lists_those_events() {
    let app = spawn_org(json!({"event_pro": 2})).await;
    for event in ["e1", "e2", "e3"] {
        app.event("acme", event).await;
    }
    app.licenses("acme", json!({"org_pro": 1})).await;
    app.member("acme", "amy", None).await;
    app.slot("acme", "e1", "amy").await;
    app.slot("acme", "e3", "amy").await;
    app.slot("acme", "e1", "bob").await;

    let (status, member) = app
        .put("/v1/orgs/acme/members/amy", &json!({"license": "org_pro"}))
        .await;

    assert_eq!(status, StatusCode::OK, "{member}");
    assert_eq!(member["user"], "amy");
    assert_eq!(member["license"], "org_pro");
    let mut released: Vec<String> = member["released_slots"]
        .as_array()
        .expect("released_slots is a list")
        .iter()
        .map(|event| event.as_str().expect("event id").to_string())
        .collect();
    released.sort();
    assert_eq!(released, ["e1", "e3"]);
    let e1 = app.event_details("acme", "e1").await;
    assert_eq!(e1["slots"]["holders"], json!(["bob"]));
    assert_eq!(e1["slots"]["used"], 1);
    let e3 = app.event_details("acme", "e3").await;
    assert_eq!(e3["slots"]["holders"], json!([]));
    assert_eq!(e3["slots"]["used"], 0);
}

#[actix_web::test]
async fn a_member_leaving_org_standard_frees_the_seat_for_someone_else() {
    let member = |license: Value| json!({"user": "amy", "license": license, "released_slots": []});
    // (case, request, body, answer, org_pro seats used, members, amy's license then)
    #[rustfmt::skip]
    let cases = [
        ("put again without a license", "PUT", NO_BODY, (200, member(json!(null))), 0, 1, Some(json!(null))),
        ("switched to org_pro", "PUT", json!({"license": "org_pro"}), (200, member(json!("org_pro"))), 1, 1, Some(json!("org_pro"))),
        ("deleted", "DELETE", NO_BODY, (204, NO_BODY), 0, 0, None),
    ];

    for (case, method, body, answer, pro_used, members, license) in cases {
        let app = spawn_org(json!({"org_standard": 1, "org_pro": 1})).await;
        app.member("acme", "amy", Some("org_standard")).await;
        let amy = "/v1/orgs/acme/members/amy";

        let (status, got) = app.request(&format!("{method} {amy}"), &body).await;

        assert_eq!((status.as_u16(), got), answer, "{case}");
        let org = app.org("acme").await;
        assert_eq!(org["licenses"]["org_standard"]["used"], 0, "{case}: {org}");
        assert_eq!(
            org["licenses"]["org_pro"]["used"], pro_used,
            "{case}: {org}"
        );
        assert_eq!(org["members"], members, "{case}: {org}");
        let read = app.get(amy).await;
        match license {
            Some(license) => {
                let expected = json!({"user": "amy", "license": license});
                assert_eq!(read, (StatusCode::OK, expected), "{case}");
            }
            None => assert_refused(case, &read, StatusCode::NOT_FOUND, "member_not_found"),
        }
        app.member("acme", "bob", Some("org_standard")).await;
    }
}

#[actix_web::test]
async fn org_pro_releases_the_slots_held_in_that_org_only_and_checks_see_org_pro() {
    let app = spawn_event(1, &[], &[]).await;
    app.licenses("acme", json!({"org_pro": 1})).await;
    app.org_with_events("other", 1, &["e1"]).await;
    app.slot("acme", "e1", "amy").await;
    app.slot("other", "e1", "amy").await;
    app.grant("acme", "e1", "amy", "Event.View", Scope::Event)
        .await;

    let answer = app
        .put("/v1/orgs/acme/members/amy", &json!({"license": "org_pro"}))
        .await;

    let member = json!({"user": "amy", "license": "org_pro", "released_slots": ["e1"]});
    assert_eq!(answer, (StatusCode::CREATED, member));
    assert_eq!(app.event_details("acme", "e1").await["slots"]["used"], 0);
    let other = app.event_details("other", "e1").await;
    assert_eq!(other["slots"]["holders"], json!(["amy"]));
    let view = ("amy", "Event.View", Scope::Event, "granted org_pro");
    app.assert_checks("acme", "e1", &[view]).await;
    let user = app.event_user("acme", "e1", "amy").await;
    assert_eq!(user["license"], "org_pro");
    app.slot("acme", "e1", "bob").await;
}

#[actix_web::test]
async fn org_standard_keeps_slots_and_an_org_pro_holder_moved_down_can_take_one_again() {
    let app = spawn_event(2, &[], &[]).await;
    app.licenses("acme", json!({"org_standard": 2, "org_pro": 1}))
        .await;
    app.slot("acme", "e1", "amy").await;
    app.member("acme", "bob", Some("org_pro")).await;

    let amy = app.member("acme", "amy", Some("org_standard")).await;
    app.member("acme", "bob", Some("org_standard")).await;

    assert_eq!(amy["released_slots"], json!([]));
    let event = app.event_details("acme", "e1").await;
    assert_eq!(event["slots"]["holders"], json!(["amy"]));
    app.slot("acme", "e1", "bob").await;
    let bob = app.event_user("acme", "e1", "bob").await;
    assert_eq!(bob["license"], "event_pro");
}
