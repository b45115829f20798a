//! Pools hold under concurrent requests.

use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_error, spawn_app};

fn slot_paths(users: &[String]) -> Vec<String> {
    users
        .iter()
        .map(|user| format!("/v1/orgs/acme/events/e1/slots/{user}"))
        .collect()
}

#[actix_web::test]
async fn two_hundred_concurrent_claims_on_five_slots_give_exactly_five() {
    let app = spawn_app().await;
    app.org_with_events("acme", 5, &["e1"]).await;
    let users: Vec<String> = (0..200).map(|n| format!("user-{n:03}")).collect();

    let paths = slot_paths(&users);

    let answers = join_all(paths.iter().map(|path| app.put_empty(path))).await;

    let mut winners = Vec::new();
    for (user, answer) in users.iter().zip(&answers) {
        if answer.0 == StatusCode::CREATED {
            assert_eq!(answer.1, json!({"event": "e1", "user": user}));
            winners.push(user.clone());
        } else {
            assert_error(answer, StatusCode::CONFLICT, "no_slot_available");
        }
    }
    assert_eq!(winners.len(), 5, "winners: {winners:?}");
    let event = app.event_details("acme", "e1").await;
    assert_eq!(event["slots"]["used"], 5);
    assert_eq!(event["slots"]["holders"], json!(winners));
    assert_eq!(
        app.org("acme").await["licenses"]["event_pro"]["max_used"],
        5
    );
}

#[actix_web::test]
async fn fifty_concurrent_claims_of_one_users_slot_create_it_once() {
    let app = spawn_app().await;
    app.org_with_events("acme", 2, &["e1"]).await;

    let answers =
        join_all((0..50).map(|_| app.put_empty("/v1/orgs/acme/events/e1/slots/amy"))).await;

    let created = answers
        .iter()
        .filter(|answer| answer.0 == StatusCode::CREATED)
        .count();
    let repeated = answers
        .iter()
        .filter(|answer| answer.0 == StatusCode::OK)
        .count();
    assert_eq!((created, repeated), (1, 49), "{answers:?}");
    let event = app.event_details("acme", "e1").await;
    assert_eq!(
        event["slots"],
        json!({"total": 2, "used": 1, "holders": ["amy"]})
    );
}

#[actix_web::test]
async fn fifty_concurrent_members_on_three_org_seats_give_exactly_three() {
    let app = spawn_app().await;
    app.team_org("acme").await;
    app.licenses("acme", json!({"org_standard": 3})).await;
    let users: Vec<String> = (0..50).map(|n| format!("member-{n:02}")).collect();

    let paths: Vec<String> = users
        .iter()
        .map(|user| format!("/v1/orgs/acme/members/{user}"))
        .collect();
    let body = json!({"license": "org_standard"});

    let answers = join_all(paths.iter().map(|path| app.put(path, &body))).await;

    let mut winners = Vec::new();
    for (user, answer) in users.iter().zip(&answers) {
        if answer.0 == StatusCode::CREATED {
            winners.push(json!({"user": user, "license": "org_standard"}));
        } else {
            assert_error(answer, StatusCode::CONFLICT, "no_seat_available");
        }
    }
    assert_eq!(winners.len(), 3, "{answers:?}");
    let (_, members) = app.get("/v1/orgs/acme/members").await;
    assert_eq!(members, json!({ "members": winners }));
    assert_eq!(
        app.org("acme").await["licenses"]["org_standard"],
        json!({"total": 3, "used": 3})
    );
}

#[actix_web::test]
async fn slot_claims_racing_an_event_pro_cut_never_leave_more_holders_than_the_pool() {
    let app = spawn_app().await;
    app.org_with_events("acme", 10, &["e1"]).await;
    let users: Vec<String> = (0..40).map(|n| format!("racer-{n:02}")).collect();

    let paths = slot_paths(&users);
    let lower = json!({"event_pro": 3});

    let claims = join_all(paths.iter().map(|path| app.put_empty(path)));
    let cut = app.put("/v1/orgs/acme/licenses", &lower);
    let (answers, cut) = futures_util::future::join(claims, cut).await;

    let won = answers
        .iter()
        .filter(|answer| answer.0 == StatusCode::CREATED)
        .count();
    let event = app.event_details("acme", "e1").await;
    let total = event["slots"]["total"].as_u64().expect("total");
    let used = event["slots"]["used"].as_u64().expect("used");
    assert_eq!(used as usize, won, "{event}");
    assert!(used <= total, "{used} slots used of {total}: {event}");
    if cut.0 == StatusCode::OK {
        assert_eq!(total, 3);
    } else {
        assert_error(&cut, StatusCode::CONFLICT, "licenses_in_use");
        assert_eq!(total, 10);
    }
}
