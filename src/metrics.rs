//! Prometheus metrics through the `metrics` crate. Counters and histograms
//! are recorded where things happen; gauges of the whole state (orgs,
//! events, slots, license pools) come from [`Stats`], kept up to date by the
//! actors with deltas, and are set when `/metrics` is scraped.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::domain::{Decision, Reason};

pub const HTTP_REQUESTS: &str = "gatehouse_http_requests_total";
pub const HTTP_DURATION: &str = "gatehouse_http_request_duration_seconds";
pub const CHECKS: &str = "gatehouse_checks_total";
pub const JOURNAL_FLUSH: &str = "gatehouse_journal_flush_seconds";
pub const JOURNAL_BYTES: &str = "gatehouse_journal_written_bytes_total";
pub const SNAPSHOT_DURATION: &str = "gatehouse_snapshot_duration_seconds";
pub const SNAPSHOTS: &str = "gatehouse_snapshots_total";
pub const SNAPSHOT_BYTES: &str = "gatehouse_snapshot_last_bytes";

/// Histogram buckets in seconds, from 50 µs to 5 s.
const BUCKETS: [f64; 16] = [
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
    1.0, 2.5, 5.0,
];

/// The process-wide recorder, installed once (tests start many apps).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(&BUCKETS)
            .map(PrometheusBuilder::build_recorder);
        match recorder {
            Ok(recorder) => {
                let handle = recorder.handle();
                if metrics::set_global_recorder(recorder).is_err() {
                    tracing::warn!("a metrics recorder was already installed");
                }
                start_upkeep(handle.clone());
                handle
            }
            Err(e) => {
                tracing::warn!(error = %e, "metrics buckets rejected; using summaries");
                PrometheusBuilder::new().build_recorder().handle()
            }
        }
    })
}

/// How often histogram samples are folded into their buckets.
const UPKEEP: std::time::Duration = std::time::Duration::from_secs(5);

/// A histogram keeps each sample it records until the recorder folds them
/// into its buckets, which a scrape of `/metrics` does; a server nobody
/// scrapes would grow by 8 bytes a request for ever. A thread of its own
/// folds them every [`UPKEEP`], as the crate's own HTTP exporter does.
fn start_upkeep(handle: PrometheusHandle) {
    let started = std::thread::Builder::new()
        .name("metrics-upkeep".into())
        .spawn(move || loop {
            std::thread::sleep(UPKEEP);
            handle.run_upkeep();
        });
    if let Err(e) = started {
        tracing::warn!(error = %e, "cannot start the metrics upkeep thread; histograms are folded only when /metrics is scraped");
    }
}

/// Totals over all orgs and events, moved by deltas as state changes.
#[derive(Debug, Default)]
pub struct Stats {
    pub slots_in_use: AtomicI64,
    pub pool_totals: [AtomicI64; 3],
    pub pool_used: [AtomicI64; 2],
}

/// The pools in [`Stats::pool_totals`] order.
pub const POOLS: [&str; 3] = ["org_standard", "org_pro", "event_pro"];

impl Stats {
    pub fn add(cell: &AtomicI64, delta: i64) {
        if delta != 0 {
            cell.fetch_add(delta, Ordering::Relaxed);
        }
    }

    /// Sets the state gauges and renders every metric as Prometheus text.
    pub fn render(&self, orgs: usize, events: usize) -> String {
        metrics::gauge!("gatehouse_orgs").set(orgs as f64);
        metrics::gauge!("gatehouse_events").set(events as f64);
        metrics::gauge!("gatehouse_slots_in_use")
            .set(self.slots_in_use.load(Ordering::Relaxed) as f64);
        for (pool, total) in POOLS.iter().zip(&self.pool_totals) {
            metrics::gauge!("gatehouse_license_pool_total", "pool" => *pool)
                .set(total.load(Ordering::Relaxed) as f64);
        }
        for (pool, used) in POOLS.iter().zip(&self.pool_used) {
            metrics::gauge!("gatehouse_license_pool_used", "pool" => *pool)
                .set(used.load(Ordering::Relaxed) as f64);
        }
        handle().render()
    }
}

/// Checks counted locally and added to `gatehouse_checks_total` at once, so
/// a batch of a thousand checks touches the recorder a handful of times.
#[derive(Debug, Default)]
pub struct CheckTally {
    /// Decisions by [`Reason::ALL`] index.
    decisions: [u64; Reason::ALL.len()],
    /// Items that failed, by error code.
    errors: Vec<(&'static str, u64)>,
}

impl CheckTally {
    pub fn decision(&mut self, d: &Decision) {
        let i = Reason::ALL.iter().position(|r| *r == d.reason);
        if let Some(n) = i.and_then(|i| self.decisions.get_mut(i)) {
            *n += 1;
        }
    }

    pub fn error(&mut self, code: &'static str) {
        match self.errors.iter_mut().find(|(c, _)| *c == code) {
            Some((_, n)) => *n += 1,
            None => self.errors.push((code, 1)),
        }
    }

    pub fn record(self) {
        let counters = decision_counters();
        for (counter, n) in counters.iter().zip(self.decisions) {
            if n > 0 {
                counter.increment(n);
            }
        }
        for (code, n) in self.errors {
            metrics::counter!(CHECKS, "outcome" => "error", "reason" => code).increment(n);
        }
    }
}

/// One counter per reason, registered once instead of on every check.
fn decision_counters() -> &'static [metrics::Counter; Reason::ALL.len()] {
    static COUNTERS: OnceLock<[metrics::Counter; Reason::ALL.len()]> = OnceLock::new();
    COUNTERS.get_or_init(|| {
        handle();
        Reason::ALL.map(|r| {
            let outcome = if r == Reason::Granted {
                "allowed"
            } else {
                "denied"
            };
            metrics::counter!(CHECKS, "outcome" => outcome, "reason" => r.as_str())
        })
    })
}
