//! What an org uses and needs (`/usage`), what proposed changes would do
//! (`/what-if`), and prices on `PUT /licenses` (SPEC §1 "Figuring out what
//! you need").

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{assert_error, spawn_app, spawn_event, spawn_org, Scope, TestApp, NO_BODY};

async fn usage(app: &TestApp, org: &str) -> Value {
    let answer = app
        .as_check_token()
        .get(&format!("/v1/orgs/{org}/usage"))
        .await;
    assert_eq!(answer.0, StatusCode::OK, "usage: {answer:?}");
    answer.1
}

async fn what_if(app: &TestApp, org: &str, body: &Value) -> Value {
    let answer = app
        .as_check_token()
        .post(&format!("/v1/orgs/{org}/what-if"), body)
        .await;
    assert_eq!(answer.0, StatusCode::OK, "what-if {body}: {answer:?}");
    answer.1
}

fn kinds<'a>(usage: &'a Value, kind: &str) -> Vec<&'a Value> {
    usage["advice"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == kind)
        .collect()
}

/// The bytes of every file under the server's folder (journal, snapshots).
fn folder_bytes(app: &TestApp) -> Vec<(String, u64)> {
    let mut files: Vec<(String, u64)> = walk(&app.snapshot_dir);
    files.sort();
    files
}

fn walk(dir: &std::path::Path) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let meta = entry.metadata().unwrap();
        if meta.is_dir() {
            out.extend(walk(&entry.path()));
        } else {
            out.push((entry.path().display().to_string(), meta.len()));
        }
    }
    out
}

/// Event Pro 10 with at most 6 slots used on one event.
async fn ten_slots_six_used(app: &TestApp) {
    app.org_with_events("acme", 10, &["e1", "e2"]).await;
    app.licenses("acme", json!({"prices": {"event_pro": 100}}))
        .await;
    for u in ["a", "b", "c", "d", "e", "f"] {
        app.slot("acme", "e1", u).await;
    }
    for u in ["a", "g", "h"] {
        app.slot("acme", "e2", u).await;
    }
}

#[actix_web::test]
async fn event_pro_bought_above_use_is_advised_lower_to_the_busiest_event() {
    let app = spawn_app().await;
    ten_slots_six_used(&app).await;

    let usage = usage(&app, "acme").await;

    assert_eq!(
        usage["pools"],
        json!({
            "org_standard": {"total": 0, "used": 0},
            "org_pro": {"total": 0, "used": 0},
            "event_pro": {"total": 10, "max_used": 6, "peak": 6},
        })
    );
    assert_eq!(
        usage["events"],
        json!([
            {"event": "e1", "slots_used": 6, "peak": 6, "at_capacity": false},
            {"event": "e2", "slots_used": 3, "peak": 3, "at_capacity": false},
        ])
    );
    assert_eq!(
        usage["prices"],
        json!({"org_standard": 0, "org_pro": 0, "event_pro": 100})
    );
    assert_eq!(usage["cost"], json!({"current": 1000, "needed": 600}));
    let advice = usage["advice"].as_array().unwrap();
    assert_eq!(advice.len(), 1, "{advice:?}");
    assert_eq!(advice[0]["kind"], "lower_pool");
    assert_eq!(advice[0]["pool"], "event_pro");
    assert_eq!(advice[0]["from"], 10);
    assert_eq!(advice[0]["to"], 6);
    assert_eq!(advice[0]["saving"], 400);
    assert!(advice[0]["message"].as_str().unwrap().contains("Event Pro"));
}

#[actix_web::test]
async fn a_full_event_is_at_capacity_and_peaks_stay_after_slots_are_released() {
    let app = spawn_event(2, &[], &[]).await;
    app.slot("acme", "e1", "a").await;
    app.slot("acme", "e1", "b").await;
    assert_eq!(
        usage(&app, "acme").await["events"],
        json!([{"event": "e1", "slots_used": 2, "peak": 2, "at_capacity": true}])
    );

    let answer = app.delete("/v1/orgs/acme/events/e1/slots/a").await;
    assert_eq!(answer.0, StatusCode::NO_CONTENT);

    let usage = usage(&app, "acme").await;
    assert_eq!(
        usage["events"],
        json!([{"event": "e1", "slots_used": 1, "peak": 2, "at_capacity": false}])
    );
    assert_eq!(
        usage["pools"]["event_pro"],
        json!({"total": 2, "max_used": 1, "peak": 2})
    );
}

/// Two producers (Org Standard members) hold slots on the three busiest
/// events; Org Pro at `org_pro_price`.
async fn producers_on_the_busiest_events(app: &TestApp, org_pro_price: u64) {
    app.team_org("acme").await;
    app.licenses(
        "acme",
        json!({
            "org_standard": 2, "org_pro": 2, "event_pro": 4,
            "prices": {"org_standard": 10, "org_pro": org_pro_price, "event_pro": 100},
        }),
    )
    .await;
    app.member("acme", "p1", Some("org_standard")).await;
    app.member("acme", "p2", Some("org_standard")).await;
    for (event, others) in [("e1", ["a", "b"]), ("e2", ["c", "d"]), ("e3", ["e", "f"])] {
        app.event("acme", event).await;
        for u in ["p1", "p2"].into_iter().chain(others) {
            app.slot("acme", event, u).await;
        }
    }
    app.event("acme", "e4").await;
    app.slot("acme", "e4", "g").await;
}

#[actix_web::test]
async fn producers_on_every_busy_event_are_advised_org_pro_only_when_it_costs_less_than_their_slots(
) {
    // Needed now: 2 × 10 + 0 × price + 4 × 100 = 420. At 30 the move costs
    // 0 + 2 × 30 + 2 × 100 = 260 (moving one alone: 340); at 200 both cost
    // 400 + 200 = 600, one 10 + 200 + 300 = 510, both above 420.
    let swap =
        json!({"users": ["p1", "p2"], "event_pro_from": 4, "event_pro_to": 2, "saving": 160});
    for (org_pro_price, swaps) in [(30, vec![swap]), (200, vec![])] {
        let app = spawn_app().await;
        producers_on_the_busiest_events(&app, org_pro_price).await;

        let usage = usage(&app, "acme").await;

        assert_eq!(usage["cost"]["needed"], 420, "at {org_pro_price}");
        let advised: Vec<Value> = kinds(&usage, "org_pro_swap")
            .into_iter()
            .map(|swap| {
                let fields = ["users", "event_pro_from", "event_pro_to", "saving"];
                fields
                    .iter()
                    .map(|f| (f.to_string(), swap[f].clone()))
                    .collect()
            })
            .collect();
        assert_eq!(advised, swaps, "at {org_pro_price}: {usage}");
    }
}

#[actix_web::test]
async fn needs_slot_idle_grants_and_refusals_are_advised_per_event() {
    let app = spawn_event(2, &["c1", "c2"], &[]).await;
    // On two collaborators with a slot, then without it: no license.
    app.slot("acme", "e1", "sam").await;
    app.attach("acme", "e1", "c1", "sam").await;
    app.attach("acme", "e1", "c2", "sam").await;
    let answer = app.delete("/v1/orgs/acme/events/e1/slots/sam").await;
    assert_eq!(answer.0, StatusCode::NO_CONTENT);
    // Grants but no license.
    app.grant("acme", "e1", "zed", "Event.View", Scope::Event)
        .await;
    // Refusals: zed (no license) twice by the single check and once in a
    // batch; fay (a free collaborator) outside her license once; an
    // allowed check and a refusal for want of a grant are not counted.
    app.attach("acme", "e1", "c1", "fay").await;
    let view = ("zed", "Event.View", Scope::Event, "no_license");
    let update = (
        "fay",
        "Event.Update",
        Scope::Event,
        "outside_license collaborator",
    );
    app.assert_checks("acme", "e1", &[view, view, update]).await;
    app.slot("acme", "e1", "amy").await;
    app.grant("acme", "e1", "amy", "Event.View", Scope::Event)
        .await;
    #[rustfmt::skip]
    app.assert_checks("acme", "e1", &[
        ("amy", "Event.View", Scope::Event, "granted event_pro"),
        ("amy", "Event.Update", Scope::Event, "no_permission event_pro"),
    ])
    .await;
    let batch = app
        .as_check_token()
        .post(
            "/v1/orgs/acme/check",
            &json!({"checks": [
                {"event": "e1", "user": "zed", "permission": "Event.View"},
                {"event": "e1", "user": "amy", "permission": "Event.View"},
            ]}),
        )
        .await;
    assert_eq!(batch.0, StatusCode::OK, "{batch:?}");

    let usage = usage(&app, "acme").await;

    let needs = kinds(&usage, "needs_slot");
    assert_eq!(needs.len(), 1, "{usage}");
    assert_eq!(needs[0]["event"], "e1");
    assert_eq!(needs[0]["users"], json!(["sam"]));
    let idle = kinds(&usage, "idle_grants");
    assert_eq!(idle.len(), 1, "{usage}");
    // sam's grants from attaching count for nothing too, but sam is told
    // of once, as needing a slot.
    assert_eq!(idle[0]["users"], json!(["zed"]));
    let denied = kinds(&usage, "denied_by_license");
    assert_eq!(denied.len(), 1, "{usage}");
    assert_eq!(denied[0]["event"], "e1");
    assert_eq!(
        denied[0]["users"],
        json!([{"user": "zed", "count": 3}, {"user": "fay", "count": 1}])
    );
}

#[actix_web::test]
async fn what_if_lowering_event_pro_under_use_is_refused_with_the_events_in_use() {
    let app = spawn_app().await;
    ten_slots_six_used(&app).await;

    let answer = what_if(&app, "acme", &json!({"licenses": {"event_pro": 4}})).await;

    assert_eq!(answer["allowed"], false);
    let errors = answer["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{answer}");
    assert_eq!(errors[0]["error"], "licenses_in_use");
    assert_eq!(errors[0]["events"], json!([{"event": "e1", "used": 6}]));
    assert!(errors[0]["message"].is_string());
    // The real write answers the same.
    let real = app
        .put("/v1/orgs/acme/licenses", &json!({"event_pro": 4}))
        .await;
    assert_error(&real, StatusCode::CONFLICT, "licenses_in_use");
    assert_eq!(real.1["events"], errors[0]["events"]);
    // Nothing was applied: the copy's usage is today's.
    assert_eq!(answer["usage"], usage(&app, "acme").await);
}

#[actix_web::test]
async fn what_if_lowering_event_pro_to_the_use_is_allowed_and_shows_the_new_usage() {
    let app = spawn_app().await;
    ten_slots_six_used(&app).await;

    let answer = what_if(
        &app,
        "acme",
        &json!({"licenses": {"event_pro": 6, "prices": {"event_pro": 50}}}),
    )
    .await;

    assert_eq!(answer["allowed"], true);
    assert_eq!(answer["errors"], json!([]));
    assert_eq!(answer["lose_access"], json!([]));
    assert_eq!(answer["usage"]["pools"]["event_pro"]["total"], 6);
    assert_eq!(answer["usage"]["events"][0]["at_capacity"], true);
    assert_eq!(
        answer["usage"]["cost"],
        json!({"current": 300, "needed": 300})
    );
    assert_eq!(usage(&app, "acme").await["pools"]["event_pro"]["total"], 10);
}

#[actix_web::test]
async fn what_if_releasing_a_slot_lists_who_loses_access_and_changes_nothing() {
    let app = spawn_app().await;
    ten_slots_six_used(&app).await;
    app.collaborator("acme", "e2", "c1").await;
    app.attach("acme", "e2", "c1", "g").await;
    app.member("acme", "x", None).await;
    let refused = ("nobody", "Event.View", Scope::Event, "no_license");
    app.assert_checks("acme", "e1", &[refused]).await;
    let state = app.org_state("acme").await;
    let before = usage(&app, "acme").await;
    let files = folder_bytes(&app);

    let answer = what_if(
        &app,
        "acme",
        &json!({
            "members": {"x": "org_pro"},
            "release_slots": [
                {"event": "e1", "user": "a"},
                {"event": "e2", "user": "g"},
                {"event": "e2", "user": "nobody"},
                {"event": "e9", "user": "a"},
            ],
        }),
    )
    .await;

    assert_eq!(answer["allowed"], false);
    let codes: Vec<&Value> = answer["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["error"])
        .collect();
    // The member change first (no Org Pro seat bought), then the releases.
    assert_eq!(
        codes,
        [
            &json!("no_seat_available"),
            &json!("slot_not_found"),
            &json!("event_not_found")
        ]
    );
    assert_eq!(answer["errors"][0]["license"], "org_pro");
    assert_eq!(answer["errors"][0]["total"], 0);
    assert_eq!(
        answer["lose_access"],
        json!([
            {"event": "e1", "user": "a", "license_before": "event_pro", "license_after": null},
            {"event": "e2", "user": "g", "license_before": "event_pro",
             "license_after": "collaborator"},
        ])
    );
    assert_eq!(answer["usage"]["events"][0]["slots_used"], 5);
    assert_eq!(answer["usage"]["events"][1]["slots_used"], 2);
    // Nothing changed, nothing was written.
    assert_eq!(app.org_state("acme").await, state);
    assert_eq!(usage(&app, "acme").await, before);
    assert_eq!(folder_bytes(&app), files);
}

#[actix_web::test]
async fn what_if_giving_org_pro_frees_slots_without_loss_and_taking_it_away_is_a_loss() {
    let app = spawn_app().await;
    producers_on_the_busiest_events(&app, 30).await;

    let answer = what_if(
        &app,
        "acme",
        &json!({"members": {"p1": "org_pro", "p2": "org_pro"}}),
    )
    .await;

    assert_eq!(answer["allowed"], true, "{answer}");
    assert_eq!(answer["lose_access"], json!([]));
    assert_eq!(answer["usage"]["pools"]["event_pro"]["max_used"], 2);
    assert_eq!(answer["usage"]["pools"]["org_pro"]["used"], 2);
    assert_eq!(answer["usage"]["cost"]["needed"], 260);

    // Org Standard instead: the slots stay, nobody loses anything; no
    // license at all on an event where they hold a slot is no loss either.
    let answer = what_if(&app, "acme", &json!({"members": {"p1": null}})).await;
    assert_eq!(answer["allowed"], true);
    assert_eq!(answer["lose_access"], json!([]));

    // An Org Pro holder left with no org license loses access on every
    // event.
    app.member("acme", "boss", Some("org_pro")).await;
    let answer = what_if(&app, "acme", &json!({"members": {"boss": null}})).await;
    assert_eq!(answer["allowed"], true);
    let lost: Vec<Value> = ["e1", "e2", "e3", "e4"]
        .iter()
        .map(|e| json!({"event": e, "user": "boss", "license_before": "org_pro", "license_after": null}))
        .collect();
    assert_eq!(answer["lose_access"], json!(lost));

    // Lowering Org Standard under use comes first and is refused.
    let answer = what_if(
        &app,
        "acme",
        &json!({"licenses": {"org_standard": 1}, "members": {"p1": "org_pro"}}),
    )
    .await;
    assert_eq!(answer["errors"][0]["error"], "licenses_in_use");
    assert_eq!(answer["errors"][0]["used"], 2);
    assert_eq!(answer["errors"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn what_if_on_a_personal_org_refuses_members_as_the_write_would() {
    let app = spawn_app().await;
    app.personal_org("solo", "owner").await;

    let answer = what_if(&app, "solo", &json!({"members": {"amy": "org_standard"}})).await;

    assert_eq!(answer["allowed"], false);
    assert_eq!(answer["errors"][0]["error"], "personal_org");
}

#[actix_web::test]
async fn what_if_refuses_a_malformed_body_and_an_unknown_org() {
    let app = spawn_event(1, &[], &[]).await;
    let what_if = "POST /v1/orgs/acme/what-if";

    #[rustfmt::skip]
    app.as_check_token()
        .assert_refusals(&[
            (what_if, json!({"licenses": {"event_pro": -1}}), 400, "bad_request"),
            (what_if, json!({"licenses": {"prices": {"org_pro": 1.5}}}), 400, "bad_request"),
            (what_if, json!({"members": {"amy": "owner"}}), 400, "bad_request"),
            (what_if, json!({"release_slots": [{"event": "e1"}]}), 400, "bad_request"),
            (what_if, json!([]), 400, "bad_request"),
            (what_if, json!({"members": {"..": null}}), 400, "invalid_id"),
            ("POST /v1/orgs/nope/what-if", json!({}), 404, "org_not_found"),
            ("GET /v1/orgs/nope/usage", NO_BODY, 404, "org_not_found"),
        ])
        .await;
    let usage = [("GET /v1/orgs/acme/usage", NO_BODY, 401, "unauthorized")];
    app.no_token().assert_refusals(&usage).await;
}

#[actix_web::test]
async fn prices_are_set_with_licenses_kept_when_missing_and_not_shown_on_the_org() {
    let app = spawn_org(json!({})).await;
    let org = app
        .licenses(
            "acme",
            json!({"org_standard": 1, "prices": {"org_standard": 7, "event_pro": 1_000_000_000}}),
        )
        .await;
    assert!(org.get("prices").is_none(), "{org}");
    app.licenses("acme", json!({"event_pro": 1, "prices": {"org_pro": 0}}))
        .await;

    assert_eq!(
        usage(&app, "acme").await["prices"],
        json!({"org_standard": 7, "org_pro": 0, "event_pro": 1_000_000_000})
    );
    assert_eq!(
        usage(&app, "acme").await["cost"],
        json!({"current": 1_000_000_007_u64, "needed": 0})
    );
}

#[actix_web::test]
async fn prices_that_are_not_whole_numbers_up_to_a_billion_are_refused_and_change_nothing() {
    let app = spawn_org(json!({})).await;
    app.licenses("acme", json!({"prices": {"org_pro": 5}}))
        .await;
    let before = usage(&app, "acme").await;
    for prices in [
        json!({"org_pro": -1}),
        json!({"org_pro": 2.5}),
        json!({"org_pro": 2.0}),
        json!({"org_pro": "3"}),
        json!({"org_pro": true}),
        json!({"event_pro": 1_000_000_001_u64}),
        json!("cheap"),
    ] {
        let answer = app
            .put(
                "/v1/orgs/acme/licenses",
                &json!({"org_standard": 3, "prices": prices}),
            )
            .await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "bad_request");
    }
    assert_eq!(usage(&app, "acme").await, before);
}

#[actix_web::test]
async fn the_usage_page_is_served_without_a_token_with_a_strict_policy() {
    let app = spawn_app().await;

    let response = app
        .client
        .get(format!("{}/ui", app.address))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    let policy = headers["content-security-policy"].to_str().unwrap();
    assert!(policy.starts_with("default-src 'none';"), "{policy}");
    assert!(policy.contains("connect-src 'self'"), "{policy}");
    let page = response.text().await.unwrap();
    assert!(page.contains("/usage"));
    assert!(!page.contains("http://") && !page.contains("https://"));
    let answer = app.no_token().post_empty("/ui").await;
    assert_error(
        &answer,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    );
}
