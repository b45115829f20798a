//! One log line and the metrics for every request, and the `x-request-id`
//! header (echoed if the client sent a sane one, made up otherwise).
//!
//! The log line is written at `info` for everything an operator must be
//! able to find later: writes, refusals (4xx), failures (5xx) and slow
//! requests. Successful fast reads and checks, nearly all of the traffic,
//! are written at `debug` (or one in `--log-sample` of them at `info`):
//! formatting a line costs about as much as answering the check.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web;

use crate::domain::IdHasher;
use crate::metrics::{HTTP_DURATION, HTTP_REQUESTS};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

fn request_id(req: &ServiceRequest) -> HeaderValue {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let given = req.headers().get(&REQUEST_ID).filter(|v| {
        let b = v.as_bytes();
        !b.is_empty() && b.len() <= 128 && b.iter().all(|c| c.is_ascii_graphic())
    });
    match given {
        Some(v) => v.clone(),
        None => {
            // `<pid>-<n>` in hex; the pid is read once, not by a system
            // call on every request, and no formatting machinery runs.
            static PID: OnceLock<u32> = OnceLock::new();
            let pid = *PID.get_or_init(std::process::id);
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let mut id = Vec::with_capacity(26);
            push_hex(&mut id, u64::from(pid));
            id.push(b'-');
            push_hex(&mut id, n);
            HeaderValue::from_bytes(&id).unwrap_or_else(|_| HeaderValue::from_static("unknown"))
        }
    }
}

/// `n` in lower-case hex, without leading zeros.
fn push_hex(out: &mut Vec<u8>, n: u64) {
    let nibbles = (64 - n.leading_zeros()).div_ceil(4).max(1);
    for i in (0..nibbles).rev() {
        let digit = char::from_digit(((n >> (i * 4)) & 0xf) as u32, 16).unwrap_or('0');
        out.push(digit as u8);
    }
}

/// The request counter and latency histogram of one (method, route,
/// status). Routes and methods are a fixed set, so each worker keeps the
/// handles it has used instead of building label sets on every request.
struct Handles {
    requests: metrics::Counter,
    duration: metrics::Histogram,
}

/// Handles by route, then (method, status).
type HandleCache = HashMap<String, Vec<(&'static str, u16, Handles)>, IdHasher>;

thread_local! {
    static HANDLES: RefCell<HandleCache> = RefCell::new(HashMap::default());
}

fn record(method: &'static str, route: &str, status: u16, seconds: f64) {
    HANDLES.with(|cell| {
        let mut by_route = cell.borrow_mut();
        if !by_route.contains_key(route) {
            by_route.insert(route.to_string(), Vec::new());
        }
        let Some(known) = by_route.get_mut(route) else {
            return;
        };
        let at = match known.iter().position(|(m, s, _)| *m == method && *s == status) {
            Some(at) => at,
            None => {
                let handles = Handles {
                    requests: metrics::counter!(HTTP_REQUESTS, "method" => method, "route" => route.to_string(), "status" => status.to_string()),
                    duration: metrics::histogram!(HTTP_DURATION, "method" => method, "route" => route.to_string()),
                };
                known.push((method, status, handles));
                known.len() - 1
            }
        };
        if let Some((_, _, h)) = known.get(at) {
            h.requests.increment(1);
            h.duration.record(seconds);
        }
    });
}

/// Which request lines are written at `info`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestLog {
    /// A request that takes longer is logged at `info` whatever it was.
    pub slow: Duration,
    /// One in this many successful fast reads is logged at `info`; 0: none.
    pub sample: u64,
}

impl Default for RequestLog {
    fn default() -> RequestLog {
        RequestLog {
            slow: Duration::from_millis(100),
            sample: 0,
        }
    }
}

impl RequestLog {
    /// Whether this request's line goes out at `info` (else at `debug`).
    pub fn at_info(&self, read: bool, status: u16, elapsed: Duration) -> bool {
        !read || status >= 400 || elapsed >= self.slow || self.sampled()
    }

    fn sampled(&self) -> bool {
        static SEEN: AtomicU64 = AtomicU64::new(0);
        self.sample > 0 && SEEN.fetch_add(1, Ordering::Relaxed) % self.sample == 0
    }
}

/// Reads change nothing: `GET`, `HEAD`, and the `POST`s that only ask
/// (a batch of checks, a what-if). Everything else is a write.
pub fn is_read(method: &Method, route: &str) -> bool {
    match *method {
        Method::GET | Method::HEAD => true,
        Method::POST => route.ends_with("/check") || route.ends_with("/what-if"),
        _ => false,
    }
}

/// The route a request matched, as its pattern. The check, answered before
/// the router, is recognized without matching the route table again.
fn route_of(req: &actix_web::HttpRequest) -> Cow<'static, str> {
    if super::fast::check_ids(req.path()).is_some() {
        return Cow::Borrowed(super::fast::CHECK);
    }
    req.match_pattern()
        .map_or(Cow::Borrowed("unmatched"), Cow::Owned)
}

/// One request line at the given level.
macro_rules! request_line {
    ($level:expr, $id:expr, $method:expr, $route:expr, $status:expr, $elapsed:expr) => {
        tracing::event!(
            target: "gatehouse::request",
            $level,
            request_id = $id.to_str().unwrap_or(""),
            method = %$method,
            route = %$route,
            status = $status,
            micros = $elapsed.as_micros() as u64,
        )
    };
}

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let id = request_id(&req);
    let method = req.method().clone();
    // Bounded label values: any other method a client invents is "other".
    let method_label: &'static str = match method.as_str() {
        "GET" => "GET",
        "PUT" => "PUT",
        "POST" => "POST",
        "DELETE" => "DELETE",
        "HEAD" => "HEAD",
        "PATCH" => "PATCH",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    };
    let policy = req
        .app_data::<web::Data<RequestLog>>()
        .map_or_else(RequestLog::default, |p| *p.get_ref());
    // Reads never answer a revision, so only the others track one.
    let (res, revision) = if matches!(method, Method::GET | Method::HEAD) {
        (next.call(req).await, 0)
    } else {
        super::revision::tracking(next.call(req)).await
    };
    let mut res = res?;
    let elapsed = started.elapsed();
    let route = route_of(res.request());
    let status = res.status().as_u16();
    if revision > 0 && res.status().is_success() && !is_read(&method, &route) {
        res.headers_mut()
            .insert(super::revision::HEADER, HeaderValue::from(revision));
    }
    record(method_label, &route, status, elapsed.as_secs_f64());
    if policy.at_info(is_read(&method, &route), status, elapsed) {
        request_line!(tracing::Level::INFO, id, method, route, status, elapsed);
    } else {
        request_line!(tracing::Level::DEBUG, id, method, route, status, elapsed);
    }
    res.headers_mut().insert(REQUEST_ID, id);
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAST: Duration = Duration::from_millis(1);

    #[test]
    fn writes_refusals_failures_and_slow_requests_are_logged_at_info() {
        let log = RequestLog::default();
        assert!(log.at_info(false, 201, FAST), "a write");
        assert!(log.at_info(true, 404, FAST), "a refused read");
        assert!(log.at_info(true, 503, FAST), "a failed read");
        assert!(
            log.at_info(true, 200, Duration::from_millis(100)),
            "a slow read"
        );
        assert!(!log.at_info(true, 200, FAST), "a fast successful read");
    }

    #[test]
    fn hex_is_written_as_format_writes_it() {
        for n in [
            0,
            1,
            9,
            10,
            15,
            16,
            255,
            4096,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            let mut out = Vec::new();
            push_hex(&mut out, n);
            assert_eq!(String::from_utf8(out).unwrap(), format!("{n:x}"));
        }
    }

    #[test]
    fn one_in_n_fast_reads_is_sampled() {
        let log = RequestLog {
            sample: 4,
            ..RequestLog::default()
        };
        // The counter is shared with other tests: count over a whole cycle.
        let hits = (0..400).filter(|_| log.at_info(true, 200, FAST)).count();
        assert!((100..=101).contains(&hits), "{hits} of 400");
    }

    #[test]
    fn reads_are_gets_and_the_posts_that_only_ask() {
        assert!(is_read(&Method::GET, "/v1/orgs/{org}"));
        assert!(is_read(&Method::POST, "/v1/orgs/{org}/check"));
        assert!(is_read(&Method::POST, "/v1/orgs/{org}/what-if"));
        assert!(!is_read(&Method::POST, "/v1/admin/snapshot"));
        assert!(!is_read(&Method::PUT, "/v1/orgs/{org}"));
        assert!(!is_read(&Method::DELETE, "/v1/orgs/{org}/members/{user}"));
    }
}
