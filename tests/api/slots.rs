//! Event Pro slots.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_error, spawn_app};

#[actix_web::test]
async fn assigning_a_slot_returns_201_and_the_slot() {
    let app = spawn_app().await;
    app.org_with_events("acme", 2, &["e1"]).await;

    let answer = app.put_empty("/v1/orgs/acme/events/e1/slots/amy").await;

    assert_eq!(
        answer,
        (StatusCode::CREATED, json!({"event": "e1", "user": "amy"}))
    );
    let event = app.event_details("acme", "e1").await;
    assert_eq!(
        event["slots"],
        json!({"total": 2, "used": 1, "holders": ["amy"]})
    );
}

#[actix_web::test]
async fn assigning_the_same_slot_again_returns_200_and_changes_nothing() {
    let app = spawn_app().await;
    app.org_with_events("acme", 1, &["e1"]).await;
    app.slot("acme", "e1", "amy").await;
    let before = app.org_state("acme").await;

    let answer = app.put_empty("/v1/orgs/acme/events/e1/slots/amy").await;

    assert_eq!(
        answer,
        (StatusCode::OK, json!({"event": "e1", "user": "amy"}))
    );
    assert_eq!(app.org_state("acme").await, before);
}

#[actix_web::test]
async fn assigning_a_slot_beyond_the_pool_returns_409_no_slot_available() {
    let app = spawn_app().await;
    app.org_with_events("acme", 2, &["e1"]).await;
    app.slot("acme", "e1", "amy").await;
    app.slot("acme", "e1", "bob").await;
    let before = app.org_state("acme").await;

    let answer = app.put_empty("/v1/orgs/acme/events/e1/slots/cat").await;

    assert_error(&answer, StatusCode::CONFLICT, "no_slot_available");
    assert_eq!(app.org_state("acme").await, before);
    assert_eq!(
        app.event_user("acme", "e1", "cat").await["license"],
        json!(null)
    );
}

#[actix_web::test]
async fn each_event_has_its_own_slots() {
    let app = spawn_app().await;
    app.org_with_events("acme", 1, &["e1", "e2"]).await;

    app.slot("acme", "e1", "amy").await;
    app.slot("acme", "e2", "bob").await;

    let answer = app.put_empty("/v1/orgs/acme/events/e1/slots/bob").await;
    assert_error(&answer, StatusCode::CONFLICT, "no_slot_available");
}

#[actix_web::test]
async fn a_slot_can_go_to_someone_who_is_not_a_member() {
    let app = spawn_app().await;
    app.org_with_events("acme", 1, &["e1"]).await;

    app.slot("acme", "e1", "freelancer@example.com").await;

    let member = app
        .get("/v1/orgs/acme/members/freelancer@example.com")
        .await;
    assert_error(&member, StatusCode::NOT_FOUND, "member_not_found");
    assert_eq!(
        app.event_user("acme", "e1", "freelancer@example.com").await["license"],
        "event_pro"
    );
}

#[actix_web::test]
async fn releasing_a_slot_returns_204_and_frees_it_for_someone_else() {
    let app = spawn_app().await;
    app.org_with_events("acme", 1, &["e1"]).await;
    app.slot("acme", "e1", "amy").await;

    let answer = app.delete("/v1/orgs/acme/events/e1/slots/amy").await;

    assert_eq!(answer.0, StatusCode::NO_CONTENT, "{:?}", answer.1);
    assert_eq!(
        app.event_details("acme", "e1").await["slots"],
        json!({"total": 1, "used": 0, "holders": []})
    );
    app.slot("acme", "e1", "bob").await;
}

#[actix_web::test]
async fn releasing_a_slot_nobody_holds_returns_404_slot_not_found() {
    let app = spawn_app().await;
    app.org_with_events("acme", 1, &["e1"]).await;
    app.slot("acme", "e1", "amy").await;
    let before = app.org_state("acme").await;

    let answer = app.delete("/v1/orgs/acme/events/e1/slots/bob").await;

    assert_error(&answer, StatusCode::NOT_FOUND, "slot_not_found");
    assert_eq!(app.org_state("acme").await, before);
}

#[actix_web::test]
async fn a_slot_on_an_unknown_event_returns_404_event_not_found() {
    let app = spawn_app().await;
    app.org_with_events("acme", 1, &[]).await;

    let put = app.put_empty("/v1/orgs/acme/events/ghost/slots/amy").await;
    let delete = app.delete("/v1/orgs/acme/events/ghost/slots/amy").await;

    assert_error(&put, StatusCode::NOT_FOUND, "event_not_found");
    assert_error(&delete, StatusCode::NOT_FOUND, "event_not_found");
}

#[actix_web::test]
async fn a_slot_for_an_org_pro_holder_returns_409_org_pro_holder() {
    let app = spawn_app().await;
    app.org_with_events("acme", 2, &["e1"]).await;
    app.licenses("acme", json!({"org_pro": 1})).await;
    app.member("acme", "boss", Some("org_pro")).await;
    let before = app.org_state("acme").await;

    let answer = app.put_empty("/v1/orgs/acme/events/e1/slots/boss").await;

    assert_error(&answer, StatusCode::CONFLICT, "org_pro_holder");
    assert_eq!(app.org_state("acme").await, before);
}

#[actix_web::test]
async fn a_deleted_org_pro_member_can_take_a_slot() {
    let app = spawn_app().await;
    app.org_with_events("acme", 1, &["e1"]).await;
    app.licenses("acme", json!({"org_pro": 1})).await;
    app.member("acme", "boss", Some("org_pro")).await;
    assert_eq!(
        app.delete("/v1/orgs/acme/members/boss").await.0,
        StatusCode::NO_CONTENT
    );

    app.slot("acme", "e1", "boss").await;
}

#[actix_web::test]
async fn a_personal_orgs_owner_can_take_a_slot_on_its_events() {
    let app = spawn_app().await;
    app.personal_org("solo", "ana").await;
    app.licenses("solo", json!({"event_pro": 1})).await;
    app.event("solo", "gig").await;

    app.slot("solo", "gig", "ana").await;

    assert_eq!(
        app.event_user("solo", "gig", "ana").await["license"],
        "event_pro"
    );
}

#[actix_web::test]
async fn no_slot_can_be_given_on_an_event_once_event_pro_is_zero() {
    let app = spawn_app().await;
    app.org_with_events("acme", 1, &["e1"]).await;
    app.licenses("acme", json!({"event_pro": 0})).await;

    let answer = app.put_empty("/v1/orgs/acme/events/e1/slots/amy").await;

    assert_error(&answer, StatusCode::CONFLICT, "no_slot_available");
    assert_eq!(
        app.event_details("acme", "e1").await["slots"],
        json!({"total": 0, "used": 0, "holders": []})
    );
}
