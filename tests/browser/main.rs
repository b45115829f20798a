//! The usage page (`src/http/ui/usage.html`) in a real headless Chromium.
//!
//! Until `GET /ui` and `GET /v1/orgs/{org}/usage` are served by Gatehouse,
//! a stand-in server on loopback serves the page and a usage answer made by
//! `gatehouse::domain::usage` (the same content the route will send), and
//! the page is checked against that JSON.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod harness;
mod page;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use gatehouse::domain::usage::{EventUse, OrgUse, Prices};
use gatehouse::domain::{Id, OrgLicense, Pools};
use serde_json::{json, Value};

use harness::Browser;
use page::{check_usage_page, error_shown};

const PAGE: &str = include_str!("../../src/http/ui/usage.html");
const TOKEN: &str = "check-secret";

fn id(s: &str) -> Id {
    Id::parse(s).unwrap()
}

/// An org with something of every kind to show: unused Org Standard seats,
/// two producers worth moving to Org Pro, full events, a peak above use,
/// users needing a slot, idle grants and refusals.
fn demo_usage() -> Value {
    let busy: Vec<Id> = ["p1", "p2", "x1", "x2", "x3", "x4"].map(id).to_vec();
    let event = |name: &str, holders: Vec<Id>, peak: u32| EventUse {
        id: id(name),
        holders,
        peak,
        needs_slot: Vec::new(),
        idle_grants: Vec::new(),
        denied_by_license: Vec::new(),
    };
    let mut events = vec![
        event("main-festival", busy.clone(), 6),
        event("summer-tour", busy.clone(), 6),
        event("winter-gala", busy, 6),
        event("press-day", ["x1", "y1"].map(id).to_vec(), 5),
    ];
    events[3].needs_slot = vec![id("vendor-amy")];
    events[0].idle_grants = ["crew-1", "crew-2", "crew-3", "crew-4"].map(id).to_vec();
    events[1].denied_by_license = vec![(id("dj-sam"), 12), (id("lights-kim"), 3)];
    let org = OrgUse {
        pools: Pools {
            org_standard: 5,
            org_pro: 0,
            event_pro: 6,
        },
        prices: Prices {
            org_standard: 1_000,
            org_pro: 3_000,
            event_pro: 2_500,
        },
        members: [
            (id("p1"), Some(OrgLicense::OrgStandard)),
            (id("p2"), Some(OrgLicense::OrgStandard)),
            (id("boss"), Some(OrgLicense::OrgStandard)),
        ]
        .into_iter()
        .collect(),
        events,
    };
    serde_json::to_value(org.usage()).unwrap()
}

/// Serves `/ui` and `/v1/orgs/demo/usage` as Gatehouse will (401 without
/// the token, 404 `org_not_found` for any other org).
fn stand_in(usage: Value) -> (String, actix_web::dev::ServerHandle) {
    let server = HttpServer::new(move || {
        let usage = usage.clone();
        App::new()
            .route(
                "/ui",
                web::get().to(|| async {
                    HttpResponse::Ok()
                        .content_type("text/html; charset=utf-8")
                        .body(PAGE)
                }),
            )
            .route(
                "/v1/orgs/{org}/usage",
                web::get().to(move |req: HttpRequest, org: web::Path<String>| {
                    let usage = usage.clone();
                    async move {
                        let bearer = req
                            .headers()
                            .get("authorization")
                            .and_then(|v| v.to_str().ok());
                        if bearer != Some(&format!("Bearer {TOKEN}")) {
                            return HttpResponse::Unauthorized().json(
                                json!({"error": "unauthorized", "message": "missing or wrong token"}),
                            );
                        }
                        if org.as_str() != "demo" {
                            return HttpResponse::NotFound().json(
                                json!({"error": "org_not_found", "message": format!("no org {org}")}),
                            );
                        }
                        HttpResponse::Ok().json(usage)
                    }
                }),
            )
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let port = server.addrs()[0].port();
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (format!("http://127.0.0.1:{port}"), handle)
}

#[actix_web::test]
async fn the_usage_page_shows_what_usage_answers_at_desktop_and_phone_width() {
    let usage = demo_usage();
    // The demo has what the page must show: a full event and advice.
    assert!(usage["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["at_capacity"] == true));
    assert!(usage["advice"].as_array().unwrap().len() >= 5);
    let (base, server) = stand_in(usage.clone());
    let browser = Browser::start(page::DESKTOP.0, page::DESKTOP.1).await;

    let shots = check_usage_page(&browser, &base, TOKEN, "demo", &usage, "usage-page").await;
    for shot in &shots {
        assert!(std::fs::metadata(shot).unwrap().len() > 10_000, "{shot:?}");
    }

    // Opened again in the same tab, the page remembers the token and org
    // (session storage) and shows the usage without asking.
    browser.open(&format!("{base}/ui")).await;
    browser.wait_for("body[data-state=shown]").await;
    let rows = browser
        .run("return document.querySelectorAll('[data-event]').length")
        .await;
    assert_eq!(rows, json!(usage["events"].as_array().unwrap().len()));

    let (status, text) = error_shown(&browser, "wrong-token", "demo").await.unwrap();
    assert_eq!(status, "401");
    assert!(text.contains("token was refused"), "{text}");
    let (status, text) = error_shown(&browser, TOKEN, "nowhere").await.unwrap();
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

    server.stop(true).await;
    let (status, text) = error_shown(&browser, TOKEN, "demo").await.unwrap();
    assert_eq!(status, "network");
    assert!(text.contains("Could not reach the server"), "{text}");
    browser.close().await;
}
