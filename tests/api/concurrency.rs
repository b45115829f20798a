//! Pools hold under concurrent requests.

use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_error, assert_refused, spawn_event, spawn_org, TestApp, NO_BODY};

/// `count` users named `{prefix}-{n:03}`.
fn users(prefix: &str, count: usize) -> Vec<String> {
    (0..count).map(|n| format!("{prefix}-{n:03}")).collect()
}

/// Puts `body` (or nothing) at `path` for every user at once; asserts that
/// each answer is `201` or `409 code` and returns the users answered `201`
/// with their answers, in order.
async fn claim_at_once(
    app: &TestApp,
    users: &[String],
    path: impl Fn(&str) -> String,
    body: &Value,
    code: &str,
) -> Vec<(String, Value)> {
    let paths: Vec<String> = users.iter().map(|user| path(user)).collect();
    let answers = join_all(paths.iter().map(|path| app.request(path, body))).await;
    let mut winners = Vec::new();
    for (user, answer) in users.iter().zip(&answers) {
        if answer.0 == StatusCode::CREATED {
            winners.push((user.clone(), answer.1.clone()));
        } else {
            assert_refused(user, answer, StatusCode::CONFLICT, code);
        }
    }
    winners
}

#[actix_web::test]
async fn two_hundred_concurrent_claims_on_five_slots_give_exactly_five() {
    let app = spawn_event(5, &[], &[]).await;
    let slot = |user: &str| format!("PUT /v1/orgs/acme/events/e1/slots/{user}");

    let winners = claim_at_once(
        &app,
        &users("user", 200),
        slot,
        &NO_BODY,
        "no_slot_available",
    )
    .await;

    assert_eq!(winners.len(), 5, "winners: {winners:?}");
    for (user, slot) in &winners {
        assert_eq!(slot, &json!({"event": "e1", "user": user}));
    }
    let holders: Vec<&String> = winners.iter().map(|(user, _)| user).collect();
    let event = app.event_details("acme", "e1").await;
    assert_eq!(event["slots"]["used"], 5);
    assert_eq!(event["slots"]["holders"], json!(holders));
    assert_eq!(
        app.org("acme").await["licenses"]["event_pro"]["max_used"],
        5
    );
}

#[actix_web::test]
async fn fifty_concurrent_claims_of_one_users_slot_create_it_once() {
    let app = spawn_event(2, &[], &[]).await;

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
    let app = spawn_org(json!({"org_standard": 3})).await;
    let member = |user: &str| format!("PUT /v1/orgs/acme/members/{user}");
    let body = json!({"license": "org_standard"});

    let winners = claim_at_once(
        &app,
        &users("member", 50),
        member,
        &body,
        "no_seat_available",
    )
    .await;

    assert_eq!(winners.len(), 3, "{winners:?}");
    let (_, members) = app.get("/v1/orgs/acme/members").await;
    let listed: Vec<Value> = winners
        .iter()
        .map(|(user, _)| json!({"user": user, "license": "org_standard"}))
        .collect();
    assert_eq!(members, json!({ "members": listed }));
    assert_eq!(
        app.org("acme").await["licenses"]["org_standard"],
        json!({"total": 3, "used": 3})
    );
}

#[actix_web::test]
async fn slot_claims_racing_an_event_pro_cut_never_leave_more_holders_than_the_pool() {
    let app = spawn_event(10, &[], &[]).await;
    let paths: Vec<String> = users("racer", 40)
        .iter()
        .map(|user| format!("/v1/orgs/acme/events/e1/slots/{user}"))
        .collect();
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
