//! Members of team orgs and their org licenses.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_check, assert_error, spawn_app, Scope};

#[actix_web::test]
async fn putting_a_new_member_with_a_license_returns_201_and_the_member() {
    let app = spawn_app().await;
    app.team_org("acme").await;
    app.licenses("acme", json!({"org_standard": 1})).await;

    let answer = app
        .put(
            "/v1/orgs/acme/members/amy",
            &json!({"license": "org_standard"}),
        )
        .await;

    assert_eq!(
        answer,
        (
            StatusCode::CREATED,
            json!({"user": "amy", "license": "org_standard", "released_slots": []})
        )
    );
    let org = app.org("acme").await;
    assert_eq!(org["licenses"]["org_standard"]["used"], 1);
    assert_eq!(org["members"], 1);
}

#[actix_web::test]
async fn putting_the_same_member_again_returns_200_and_changes_nothing() {
    let app = spawn_app().await;
    app.team_org("acme").await;
    app.licenses("acme", json!({"org_standard": 1})).await;
    app.member("acme", "amy", Some("org_standard")).await;
    let before = app.org_state("acme").await;

    let answer = app
        .put(
            "/v1/orgs/acme/members/amy",
            &json!({"license": "org_standard"}),
        )
        .await;

    assert_eq!(
        answer,
        (
            StatusCode::OK,
            json!({"user": "amy", "license": "org_standard", "released_slots": []})
        )
    );
    assert_eq!(app.org_state("acme").await, before);
}

#[actix_web::test]
async fn putting_a_member_with_an_empty_body_makes_a_member_without_a_license() {
    let app = spawn_app().await;
    app.team_org("acme").await;

    let answer = app.put_empty("/v1/orgs/acme/members/amy").await;

    assert_eq!(
        answer,
        (
            StatusCode::CREATED,
            json!({"user": "amy", "license": null, "released_slots": []})
        )
    );
    let (status, member) = app.get("/v1/orgs/acme/members/amy").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(member, json!({"user": "amy", "license": null}));
}

#[actix_web::test]
async fn putting_a_member_without_a_license_key_makes_a_member_without_a_license() {
    let app = spawn_app().await;
    app.team_org("acme").await;

    let (status, member) = app.put("/v1/orgs/acme/members/amy", &json!({})).await;

    assert_eq!(status, StatusCode::CREATED, "{member}");
    assert_eq!(member["license"], json!(null));
}

#[actix_web::test]
async fn re_putting_a_member_without_a_license_frees_their_seat() {
    let app = spawn_app().await;
    app.team_org("acme").await;
    app.licenses("acme", json!({"org_standard": 1})).await;
    app.member("acme", "amy", Some("org_standard")).await;

    let (status, member) = app.put_empty("/v1/orgs/acme/members/amy").await;

    assert_eq!(status, StatusCode::OK, "{member}");
    assert_eq!(member["license"], json!(null));
    assert_eq!(app.org("acme").await["licenses"]["org_standard"]["used"], 0);
    app.member("acme", "bob", Some("org_standard")).await;
}

#[actix_web::test]
async fn assigning_an_org_license_from_a_full_pool_returns_409_no_seat_available_and_changes_nothing(
) {
    let app = spawn_app().await;
    app.team_org("acme").await;
    app.licenses("acme", json!({"org_standard": 1, "org_pro": 1}))
        .await;
    app.member("acme", "amy", Some("org_standard")).await;
    app.member("acme", "bob", Some("org_pro")).await;
    app.member("acme", "cat", None).await;
    let before = app.org_state("acme").await;

    for (user, license) in [
        ("cat", "org_standard"),
        ("cat", "org_pro"),
        ("dan", "org_standard"),
        ("dan", "org_pro"),
    ] {
        let answer = app
            .put(
                &format!("/v1/orgs/acme/members/{user}"),
                &json!({ "license": license }),
            )
            .await;
        assert_error(&answer, StatusCode::CONFLICT, "no_seat_available");
    }
    assert_eq!(app.org_state("acme").await, before);
    let answer = app.get("/v1/orgs/acme/members/dan").await;
    assert_error(&answer, StatusCode::NOT_FOUND, "member_not_found");
}

#[actix_web::test]
async fn a_failed_switch_keeps_the_members_old_license() {
    let app = spawn_app().await;
    app.team_org("acme").await;
    app.licenses("acme", json!({"org_standard": 1, "org_pro": 0}))
        .await;
    app.member("acme", "amy", Some("org_standard")).await;
    let before = app.org_state("acme").await;

    let answer = app
        .put("/v1/orgs/acme/members/amy", &json!({"license": "org_pro"}))
        .await;

    assert_error(&answer, StatusCode::CONFLICT, "no_seat_available");
    assert_eq!(app.org_state("acme").await, before);
    let (_, member) = app.get("/v1/orgs/acme/members/amy").await;
    assert_eq!(member, json!({"user": "amy", "license": "org_standard"}));
}

#[actix_web::test]
async fn switching_a_member_to_another_license_moves_their_seat() {
    let app = spawn_app().await;
    app.team_org("acme").await;
    app.licenses("acme", json!({"org_standard": 1, "org_pro": 1}))
        .await;
    app.member("acme", "amy", Some("org_standard")).await;

    let (status, member) = app
        .put("/v1/orgs/acme/members/amy", &json!({"license": "org_pro"}))
        .await;

    assert_eq!(status, StatusCode::OK, "{member}");
    assert_eq!(member["license"], "org_pro");
    let org = app.org("acme").await;
    assert_eq!(org["licenses"]["org_standard"]["used"], 0);
    assert_eq!(org["licenses"]["org_pro"]["used"], 1);
    // The freed standard seat can be given to someone else.
    app.member("acme", "bob", Some("org_standard")).await;
}

#[actix_web::test]
async fn an_unknown_license_value_returns_400_bad_request() {
    let app = spawn_app().await;
    app.team_org("acme").await;
    app.licenses("acme", json!({"org_standard": 1})).await;
    let before = app.org_state("acme").await;

    for license in [
        json!("gold"),
        json!("event_pro"),
        json!("owner"),
        json!(1),
        json!(true),
    ] {
        let answer = app
            .put("/v1/orgs/acme/members/amy", &json!({ "license": license }))
            .await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "bad_request");
    }
    assert_eq!(app.org_state("acme").await, before);
}

#[actix_web::test]
async fn putting_a_member_on_a_personal_org_returns_400_personal_org() {
    let app = spawn_app().await;
    app.personal_org("solo", "ana").await;
    let before = app.org_state("solo").await;

    for user in ["bob", "ana"] {
        let answer = app
            .put_empty(&format!("/v1/orgs/solo/members/{user}"))
            .await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "personal_org");
    }
    assert_eq!(app.org_state("solo").await, before);
}

#[actix_web::test]
async fn putting_a_member_on_an_unknown_org_returns_404_org_not_found() {
    let app = spawn_app().await;

    let answer = app.put_empty("/v1/orgs/ghost/members/amy").await;

    assert_error(&answer, StatusCode::NOT_FOUND, "org_not_found");
}

#[actix_web::test]
async fn listing_members_returns_them_sorted_by_user() {
    let app = spawn_app().await;
    app.team_org("acme").await;
    app.licenses("acme", json!({"org_standard": 1, "org_pro": 1}))
        .await;
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
async fn getting_an_unknown_member_returns_404_member_not_found() {
    let app = spawn_app().await;
    app.team_org("acme").await;

    let answer = app.get("/v1/orgs/acme/members/ghost").await;

    assert_error(&answer, StatusCode::NOT_FOUND, "member_not_found");
}

#[actix_web::test]
async fn listing_members_of_an_unknown_org_returns_404_org_not_found() {
    let app = spawn_app().await;

    let list = app.get("/v1/orgs/ghost/members").await;
    let one = app.get("/v1/orgs/ghost/members/amy").await;

    assert_error(&list, StatusCode::NOT_FOUND, "org_not_found");
    assert_error(&one, StatusCode::NOT_FOUND, "org_not_found");
}

#[actix_web::test]
async fn deleting_a_member_returns_204_and_frees_their_org_license() {
    let app = spawn_app().await;
    app.team_org("acme").await;
    app.licenses("acme", json!({"org_standard": 1})).await;
    app.member("acme", "amy", Some("org_standard")).await;

    let answer = app.delete("/v1/orgs/acme/members/amy").await;

    assert_eq!(answer.0, StatusCode::NO_CONTENT, "{:?}", answer.1);
    let gone = app.get("/v1/orgs/acme/members/amy").await;
    assert_error(&gone, StatusCode::NOT_FOUND, "member_not_found");
    let org = app.org("acme").await;
    assert_eq!(org["licenses"]["org_standard"]["used"], 0);
    assert_eq!(org["members"], 0);
    app.member("acme", "bob", Some("org_standard")).await;
}

#[actix_web::test]
async fn deleting_an_unknown_member_returns_404_member_not_found() {
    let app = spawn_app().await;
    app.team_org("acme").await;
    app.member("acme", "amy", None).await;
    assert_eq!(
        app.delete("/v1/orgs/acme/members/amy").await.0,
        StatusCode::NO_CONTENT
    );

    let again = app.delete("/v1/orgs/acme/members/amy").await;
    let never = app.delete("/v1/orgs/acme/members/ghost").await;

    assert_error(&again, StatusCode::NOT_FOUND, "member_not_found");
    assert_error(&never, StatusCode::NOT_FOUND, "member_not_found");
}

#[actix_web::test]
async fn deleting_the_owner_of_a_personal_org_returns_400_personal_org() {
    let app = spawn_app().await;
    app.personal_org("solo", "ana").await;
    let before = app.org_state("solo").await;

    let answer = app.delete("/v1/orgs/solo/members/ana").await;

    assert_error(&answer, StatusCode::BAD_REQUEST, "personal_org");
    assert_eq!(app.org_state("solo").await, before);
}

#[actix_web::test]
async fn deleting_a_member_keeps_their_slots_and_grants() {
    let app = spawn_app().await;
    app.org_with_events("acme", 1, &["e1"]).await;
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
    let check = app
        .check("acme", "e1", "amy", "Event.Update", Scope::Event)
        .await;
    assert_check(&check, true, "granted", Some("event_pro"));
}

#[actix_web::test]
async fn giving_a_member_org_pro_releases_their_slots_and_lists_those_events() {
    let app = spawn_app().await;
    app.org_with_events("acme", 2, &["e1", "e2", "e3"]).await;
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
async fn a_new_member_given_org_pro_releases_the_slots_they_already_held() {
    let app = spawn_app().await;
    app.org_with_events("acme", 1, &["e1"]).await;
    app.licenses("acme", json!({"org_pro": 1})).await;
    app.slot("acme", "e1", "amy").await;

    let (status, member) = app
        .put("/v1/orgs/acme/members/amy", &json!({"license": "org_pro"}))
        .await;

    assert_eq!(
        (status, member),
        (
            StatusCode::CREATED,
            json!({"user": "amy", "license": "org_pro", "released_slots": ["e1"]})
        )
    );
    assert_eq!(app.event_details("acme", "e1").await["slots"]["used"], 0);
}

#[actix_web::test]
async fn after_an_org_pro_upgrade_checks_see_org_pro_and_the_freed_slot_can_be_given() {
    let app = spawn_app().await;
    app.org_with_events("acme", 1, &["e1"]).await;
    app.licenses("acme", json!({"org_pro": 1})).await;
    app.slot("acme", "e1", "amy").await;
    app.grant("acme", "e1", "amy", "Event.View", Scope::Event)
        .await;
    app.member("acme", "amy", Some("org_pro")).await;

    let check = app
        .check("acme", "e1", "amy", "Event.View", Scope::Event)
        .await;

    assert_check(&check, true, "granted", Some("org_pro"));
    assert_eq!(
        app.event_user("acme", "e1", "amy").await["license"],
        "org_pro"
    );
    app.slot("acme", "e1", "bob").await;
}

#[actix_web::test]
async fn a_failed_org_pro_upgrade_keeps_the_members_slots() {
    let app = spawn_app().await;
    app.org_with_events("acme", 1, &["e1"]).await;
    app.member("acme", "amy", None).await;
    app.slot("acme", "e1", "amy").await;
    let before = app.org_state("acme").await;

    let answer = app
        .put("/v1/orgs/acme/members/amy", &json!({"license": "org_pro"}))
        .await;

    assert_error(&answer, StatusCode::CONFLICT, "no_seat_available");
    assert_eq!(app.org_state("acme").await, before);
}

#[actix_web::test]
async fn an_org_standard_member_keeps_their_slots() {
    let app = spawn_app().await;
    app.org_with_events("acme", 1, &["e1"]).await;
    app.licenses("acme", json!({"org_standard": 1})).await;
    app.slot("acme", "e1", "amy").await;

    let member = app.member("acme", "amy", Some("org_standard")).await;

    assert_eq!(member["released_slots"], json!([]));
    assert_eq!(
        app.event_details("acme", "e1").await["slots"]["holders"],
        json!(["amy"])
    );
}

#[actix_web::test]
async fn an_org_pro_holder_moved_down_to_org_standard_can_take_a_slot_again() {
    let app = spawn_app().await;
    app.org_with_events("acme", 1, &["e1"]).await;
    app.licenses("acme", json!({"org_standard": 1, "org_pro": 1}))
        .await;
    app.member("acme", "amy", Some("org_pro")).await;

    app.member("acme", "amy", Some("org_standard")).await;

    app.slot("acme", "e1", "amy").await;
    assert_eq!(
        app.event_user("acme", "e1", "amy").await["license"],
        "event_pro"
    );
}

#[actix_web::test]
async fn an_org_pro_upgrade_releases_slots_in_that_org_only() {
    let app = spawn_app().await;
    app.org_with_events("acme", 1, &["e1"]).await;
    app.org_with_events("other", 1, &["e1"]).await;
    app.licenses("acme", json!({"org_pro": 1})).await;
    app.slot("acme", "e1", "amy").await;
    app.slot("other", "e1", "amy").await;

    let member = app.member("acme", "amy", Some("org_pro")).await;

    assert_eq!(member["released_slots"], json!(["e1"]));
    assert_eq!(
        app.event_details("other", "e1").await["slots"]["holders"],
        json!(["amy"])
    );
}
