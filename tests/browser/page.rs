//! What a person sees on the usage page, checked against the JSON of
//! `GET /v1/orgs/{org}/usage` it was drawn from.

use std::path::PathBuf;

use serde_json::{json, Value};

use crate::harness::Browser;

/// A phone's viewport (CSS pixels).
pub const PHONE: (u32, u32) = (390, 844);
pub const DESKTOP: (u32, u32) = (1280, 900);

/// Opens `{base}/ui`, enters `token` and `org` as a person would, and
/// checks that the page shows exactly `expected` (the usage JSON): every
/// pool's used/total/peak, every event's slots used/peak/total with the
/// full ones marked, both costs, one sentence per advice item; that the
/// console has no error, the token is only in session storage, and the page
/// fits a phone's width. Saves `<name>-desktop.png` and `<name>-phone.png`
/// (under `target/tmp/screenshots/`) and returns their paths.
pub async fn check_usage_page(
    browser: &Browser,
    base: &str,
    token: &str,
    org: &str,
    expected: &Value,
    name: &str,
) -> Vec<PathBuf> {
    browser.resize(DESKTOP.0, DESKTOP.1).await;
    browser.open(&format!("{base}/ui")).await;
    submit(browser, token, org).await;

    let shown = browser.run(READ_PAGE).await;
    assert_eq!(shown["error"], Value::Null, "the page shows an error");
    assert_eq!(shown["pools"], expected_pools(expected), "pools");
    assert_eq!(shown["events"], expected_events(expected), "events");
    assert_eq!(shown["cost"], expected["cost"], "costs");
    let kinds: Vec<&Value> = expected["advice"]
        .as_array()
        .expect("advice is a list")
        .iter()
        .map(|a| &a["kind"])
        .collect();
    let shown_kinds: Vec<&Value> = shown["advice"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["kind"])
        .collect();
    assert_eq!(shown_kinds, kinds, "one sentence per advice item, in order");
    for (a, text) in expected["advice"]
        .as_array()
        .unwrap()
        .iter()
        .zip(shown["advice"].as_array().unwrap())
    {
        let text = text["text"].as_str().unwrap();
        for needle in advice_facts(a) {
            assert!(text.contains(&needle), "{text:?} should mention {needle:?}");
        }
    }
    let full = shown["full_marked"].as_array().unwrap();
    let at_capacity: Vec<&Value> = expected["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["at_capacity"] == true)
        .map(|e| &e["event"])
        .collect();
    assert_eq!(
        full.iter().collect::<Vec<_>>(),
        at_capacity,
        "full events are marked FULL"
    );

    let storage = browser
        .run("return [sessionStorage.getItem('gatehouse.token'), localStorage.length, document.cookie, location.href]")
        .await;
    assert_eq!(storage[0], token, "the token is kept in session storage");
    assert_eq!(
        (&storage[1], &storage[2]),
        (&json!(0), &json!("")),
        "and nowhere else"
    );
    assert!(
        !storage[3].as_str().unwrap().contains(token),
        "nor in the URL"
    );

    let errors = browser.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:?}");

    let mut shots = vec![browser.screenshot(&format!("{name}-desktop")).await];
    browser.resize(PHONE.0, PHONE.1).await;
    let widths = browser
        .run("return [document.documentElement.scrollWidth, window.innerWidth]")
        .await;
    assert!(
        widths[0].as_u64() <= widths[1].as_u64(),
        "the page is wider than a phone: {widths}"
    );
    shots.push(browser.screenshot(&format!("{name}-phone")).await);
    browser.resize(DESKTOP.0, DESKTOP.1).await;
    shots
}

/// Submits `token` and `org` and answers the error box's status and text
/// (`None` when the page shows no error).
pub async fn error_shown(browser: &Browser, token: &str, org: &str) -> Option<(String, String)> {
    submit(browser, token, org).await;
    let shown = browser
        .run("const e = document.getElementById('error'); return e.hidden ? null : [e.dataset.status, e.textContent]")
        .await;
    shown.as_array().map(|s| {
        (
            s[0].as_str().unwrap().to_string(),
            s[1].as_str().unwrap().to_string(),
        )
    })
}

/// Enters `token` and `org` as a person would and waits for the answer.
async fn submit(browser: &Browser, token: &str, org: &str) {
    browser.fill("#token", token).await;
    browser.fill("#org", org).await;
    browser.click("#show").await;
    browser
        .wait_for("body[data-state=shown], body[data-state=error]")
        .await;
}

/// Reads the numbers the page shows from its data attributes.
const READ_PAGE: &str = r#"
const num = (el, key) => el.dataset[key] === undefined ? null : Number(el.dataset[key]);
const error = document.getElementById('error');
const pools = {};
for (const row of document.querySelectorAll('[data-pool]')) {
  pools[row.dataset.pool] = { used: num(row, 'used'), total: num(row, 'total'), peak: num(row, 'peak') };
}
const events = [...document.querySelectorAll('[data-event]')].map((row) => ({
  event: row.dataset.event, slots_used: num(row, 'used'), total: num(row, 'total'), peak: num(row, 'peak'),
  at_capacity: row.dataset.atCapacity === 'true',
}));
const full_marked = [...document.querySelectorAll('[data-event]')]
  .filter((row) => row.classList.contains('full') && row.querySelector('[data-full]')
    && getComputedStyle(row.querySelector('[data-full]')).display !== 'none')
  .map((row) => row.dataset.event);
const advice = [...document.querySelectorAll('#advice [data-advice]')]
  .map((li) => ({ kind: li.dataset.advice, text: li.textContent }));
return {
  error: error.hidden ? null : error.textContent,
  pools, events, full_marked, advice,
  cost: { current: Number(document.getElementById('cost-current').dataset.value),
          needed: Number(document.getElementById('cost-needed').dataset.value) },
};
"#;

fn expected_pools(usage: &Value) -> Value {
    let p = &usage["pools"];
    json!({
        "org_standard": {"used": p["org_standard"]["used"], "total": p["org_standard"]["total"], "peak": null},
        "org_pro": {"used": p["org_pro"]["used"], "total": p["org_pro"]["total"], "peak": null},
        "event_pro": {"used": p["event_pro"]["max_used"], "total": p["event_pro"]["total"], "peak": p["event_pro"]["peak"]},
    })
}

fn expected_events(usage: &Value) -> Value {
    let total = &usage["pools"]["event_pro"]["total"];
    usage["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            json!({"event": e["event"], "slots_used": e["slots_used"], "total": total,
                   "peak": e["peak"], "at_capacity": e["at_capacity"]})
        })
        .collect()
}

/// What the sentence for one advice item must say: its numbers and names.
fn advice_facts(a: &Value) -> Vec<String> {
    let text = |v: &Value| match v {
        Value::Number(n) => group(n.as_u64().unwrap()),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut facts = Vec::new();
    for key in [
        "from",
        "to",
        "saving",
        "event_pro_from",
        "event_pro_to",
        "event",
    ] {
        if let Some(v) = a.get(key) {
            facts.push(text(v));
        }
    }
    let users = a["users"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    // Sentences name up to three people ("a, b and 3 others" past that).
    let named = if users.len() > 3 { 2 } else { users.len() };
    for u in users.iter().take(named) {
        facts.push(text(u.get("user").unwrap_or(u)));
    }
    facts
}

/// `1234567` as the page writes it: `1,234,567`.
fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
