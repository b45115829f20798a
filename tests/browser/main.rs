//! The usage page (`GET /ui`) in a real headless Chromium, against the real
//! server: the page must show exactly what `GET /v1/orgs/{org}/usage`
//! answers.
//!
//! `UPDATE_SCREENSHOT=1 cargo test --test browser` also copies the desktop
//! screenshot to `docs/usage-page.png` (the README's picture).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod harness;
#[path = "../api/helpers.rs"]
#[allow(dead_code)]
mod helpers;
mod page;

use reqwest::StatusCode;
use serde_json::{json, Value};

use harness::Browser;
use helpers::{spawn_app, Scope, TestApp, CHECK_TOKEN};
use page::{check_usage_page, error_shown};

/// An org with something of every kind to show: unused seats, two
/// producers worth moving to Org Pro, three full events, a peak above use,
/// a user needing a slot, idle grants and refusals.
async fn demo(app: &TestApp) {
    app.team_org("demo").await;
    app.licenses(
        "demo",
        json!({
            "org_standard": 5, "org_pro": 2, "event_pro": 6,
            "prices": {"org_standard": 1000, "org_pro": 3000, "event_pro": 2500},
        }),
    )
    .await;
    for user in ["p1", "p2", "boss"] {
        app.member("demo", user, Some("org_standard")).await;
    }
    for event in ["main-festival", "summer-tour", "winter-gala"] {
        app.event("demo", event).await;
        for user in ["p1", "p2", "x1", "x2", "x3", "x4"] {
            app.slot("demo", event, user).await;
        }
    }
    app.event("demo", "press-day").await;
    for user in ["x1", "y1", "y2", "y3", "y4"] {
        app.slot("demo", "press-day", user).await;
    }
    for user in ["y2", "y3", "y4"] {
        let answer = app
            .delete(&format!("/v1/orgs/demo/events/press-day/slots/{user}"))
            .await;
        assert_eq!(answer.0, StatusCode::NO_CONTENT);
    }
    // On two vendors with a slot, then without: needs one.
    app.collaborator("demo", "press-day", "vendor-a").await;
    app.collaborator("demo", "press-day", "vendor-b").await;
    app.slot("demo", "press-day", "vendor-amy").await;
    app.attach("demo", "press-day", "vendor-a", "vendor-amy")
        .await;
    app.attach("demo", "press-day", "vendor-b", "vendor-amy")
        .await;
    let answer = app
        .delete("/v1/orgs/demo/events/press-day/slots/vendor-amy")
        .await;
    assert_eq!(answer.0, StatusCode::NO_CONTENT);
    for user in ["crew-1", "crew-2", "crew-3", "crew-4"] {
        app.grant("demo", "main-festival", user, "Event.View", Scope::Event)
            .await;
    }
    // Refusals: four for dj-sam, one for lights-kim.
    let refused = |user| (user, "Event.View", Scope::Event, "no_license");
    let mut rows = vec![refused("dj-sam"); 4];
    rows.push(refused("lights-kim"));
    app.assert_checks("demo", "summer-tour", &rows).await;
}

#[actix_web::test]
async fn the_usage_page_shows_what_usage_answers_at_desktop_and_phone_width() {
    let app = spawn_app().await;
    demo(&app).await;
    let answer = app.as_check_token().get("/v1/orgs/demo/usage").await;
    assert_eq!(answer.0, StatusCode::OK);
    let usage: Value = answer.1;
    // What the page must show is there: full events and every kind of
    // advice.
    let full = usage["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["at_capacity"] == true)
        .count();
    assert_eq!(full, 3, "{usage}");
    let kinds: Vec<&str> = usage["advice"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    for kind in [
        "lower_pool",
        "org_pro_swap",
        "needs_slot",
        "idle_grants",
        "denied_by_license",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing: {usage}");
    }
    let browser = Browser::start(page::DESKTOP.0, page::DESKTOP.1).await;

    let shots = check_usage_page(
        &browser,
        &app.address,
        CHECK_TOKEN,
        "demo",
        &usage,
        "usage-page",
    )
    .await;
    for shot in &shots {
        assert!(std::fs::metadata(shot).unwrap().len() > 10_000, "{shot:?}");
    }
    if std::env::var_os("UPDATE_SCREENSHOT").is_some() {
        let docs = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/usage-page.png");
        std::fs::copy(&shots[0], docs).unwrap();
    }

    // Opened again in the same tab, the page remembers the token and org
    // (session storage) and shows the usage without asking.
    browser.open(&format!("{}/ui", app.address)).await;
    browser.wait_for("body[data-state=shown]").await;
    let rows = browser
        .run("return document.querySelectorAll('[data-event]').length")
        .await;
    assert_eq!(rows, json!(usage["events"].as_array().unwrap().len()));

    let (status, text) = error_shown(&browser, "wrong-token", "demo").await.unwrap();
    assert_eq!(status, "401");
    assert!(text.contains("token was refused"), "{text}");
    let (status, text) = error_shown(&browser, CHECK_TOKEN, "nowhere").await.unwrap();
    assert_eq!(status, "404");
    assert!(text.contains("nowhere"), "{text}");
    // Those two were refused on purpose: their errors are the fetches'.
    let errors = browser.console_errors().await;
    assert!(
        errors
            .iter()
            .all(|e| e.contains("401") || e.contains("404")),
        "{errors:?}"
    );
    browser.close().await;
}
