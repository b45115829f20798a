//! Event Pro slots.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_error, spawn_event, NO_BODY};

#[actix_web::test]
async fn assigning_a_slot_returns_201_and_the_slot_then_200_and_changes_nothing() {
    let app = spawn_event(2, &[], &[]).await;
    let path = "/v1/orgs/acme/events/e1/slots/amy";
    let slot = json!({"event": "e1", "user": "amy"});

    let answer = app.put_empty(path).await;

    assert_eq!(answer, (StatusCode::CREATED, slot.clone()));
    let event = app.event_details("acme", "e1").await;
    let slots = json!({"total": 2, "used": 1, "holders": ["amy"]});
    assert_eq!(event["slots"], slots);
    let before = app.org_state("acme").await;
    assert_eq!(app.put_empty(path).await, (StatusCode::OK, slot));
    assert_eq!(app.org_state("acme").await, before);
}

#[actix_web::test]
async fn slots_that_cannot_be_given_or_released_are_refused_and_change_nothing() {
    let app = spawn_event(2, &[], &[]).await;
    app.event("acme", "e2").await;
    for (event, user) in [("e1", "amy"), ("e1", "bob"), ("e2", "cat")] {
        app.slot("acme", event, user).await;
    }
    app.seat_holder("acme", "org_pro", "boss").await;
    let slot = |path: &str| format!("/v1/orgs/acme/events/{path}");

    #[rustfmt::skip]
    let refusals = [
        (format!("PUT {}", slot("e1/slots/cat")), NO_BODY, 409, "no_slot_available"),
        (format!("PUT {}", slot("e1/slots/dan")), NO_BODY, 409, "no_slot_available"),
        (format!("PUT {}", slot("e2/slots/boss")), NO_BODY, 409, "org_pro_holder"),
        (format!("DELETE {}", slot("e2/slots/bob")), NO_BODY, 404, "slot_not_found"),
        (format!("PUT {}", slot("ghost/slots/amy")), NO_BODY, 404, "event_not_found"),
        (format!("DELETE {}", slot("ghost/slots/amy")), NO_BODY, 404, "event_not_found"),
    ];

    app.assert_refusals_change_nothing("acme", &refusals).await;
    let dan = app.event_user("acme", "e1", "dan").await;
    assert_eq!(dan["license"], json!(null));
}

#[actix_web::test]
async fn a_slot_goes_to_anyone_without_org_pro_member_or_not() {
    let app = spawn_event(2, &[], &[]).await;
    app.seat_holder("acme", "org_pro", "boss").await;
    let deleted = app.delete("/v1/orgs/acme/members/boss").await;
    assert_eq!(deleted.0, StatusCode::NO_CONTENT);
    app.personal_org_with_events("solo", "ana", &["gig"]).await;

    // Not a member, a deleted Org Pro member, a personal org's owner.
    for (org, event, user) in [
        ("acme", "e1", "freelancer@example.com"),
        ("acme", "e1", "boss"),
        ("solo", "gig", "ana"),
    ] {
        app.slot(org, event, user).await;
        let license = &app.event_user(org, event, user).await["license"];
        assert_eq!(license, "event_pro", "{user}");
    }
    let member = app
        .get("/v1/orgs/acme/members/freelancer@example.com")
        .await;
    assert_error(&member, StatusCode::NOT_FOUND, "member_not_found");
}

#[actix_web::test]
async fn releasing_a_slot_returns_204_and_frees_it_for_someone_else() {
    let app = spawn_event(1, &[], &[]).await;
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
async fn no_slot_can_be_given_on_an_event_once_event_pro_is_zero() {
    let app = spawn_event(1, &[], &[]).await;
    app.licenses("acme", json!({"event_pro": 0})).await;

    let answer = app.put_empty("/v1/orgs/acme/events/e1/slots/amy").await;

    assert_error(&answer, StatusCode::CONFLICT, "no_slot_available");
    assert_eq!(
        app.event_details("acme", "e1").await["slots"],
        json!({"total": 0, "used": 0, "holders": []})
    );
}
