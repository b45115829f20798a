//! `GET /metrics`: Prometheus text whose counters and histograms move with
//! the requests served. The recorder is process-wide (every test's server
//! shares it), so each test compares a reading before its requests with one
//! after them.

use serde_json::Value;

use crate::helpers::spawn_app;

const CHECK_ROUTE: &str = "/v1/orgs/{org}/events/{event}/check";

/// The value of the sample `series` (name and labels exactly as rendered),
/// 0 when it is not there yet.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .filter_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|v| v.trim().parse::<f64>().unwrap())
        .next()
        .unwrap_or(0.0)
}

async fn scrape(app: &crate::helpers::TestApp) -> String {
    let (status, body) = app.no_token().get("/metrics").await;
    assert_eq!(status, 200);
    match body {
        Value::String(text) => text,
        other => panic!("/metrics is not text: {other}"),
    }
}

#[actix_web::test]
async fn checks_move_the_request_counter_the_duration_histogram_and_the_check_counter() {
    let app = spawn_app().await;
    app.org_with_events("metered", 2, &["e1"]).await;
    let requests = format!(
        "gatehouse_http_requests_total{{method=\"GET\",route=\"{CHECK_ROUTE}\",status=\"200\"}}"
    );
    let durations = format!(
        "gatehouse_http_request_duration_seconds_count{{method=\"GET\",route=\"{CHECK_ROUTE}\"}}"
    );
    let slowest = format!(
        "gatehouse_http_request_duration_seconds_bucket{{method=\"GET\",route=\"{CHECK_ROUTE}\",le=\"+Inf\"}}"
    );
    let denied = "gatehouse_checks_total{outcome=\"denied\",reason=\"no_license\"}";
    let before = scrape(&app).await;

    let n = 50;
    for i in 0..n {
        let path = format!("/v1/orgs/metered/events/e1/check?user=nobody{i}&permission=Event.View");
        let (status, body) = app.as_check_token().get(&path).await;
        assert_eq!(status, 200, "{body}");
    }
    let after = scrape(&app).await;

    for series in [
        requests.as_str(),
        durations.as_str(),
        slowest.as_str(),
        denied,
    ] {
        let moved = sample(&after, series) - sample(&before, series);
        assert!(
            moved >= f64::from(n),
            "{series} moved by {moved}, not {n}:\n{after}"
        );
    }
    assert!(sample(&after, "gatehouse_orgs") >= 1.0, "{after}");
    assert!(sample(&after, "gatehouse_events") >= 1.0, "{after}");
}
