//! One log line and the metrics for every request, and the `x-request-id`
//! header (echoed if the client sent a sane one, made up otherwise).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;

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
            // call on every request.
            static PREFIX: OnceLock<String> = OnceLock::new();
            let prefix = PREFIX.get_or_init(|| format!("{:x}-", std::process::id()));
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let id = format!("{prefix}{n:x}");
            HeaderValue::from_str(&id).unwrap_or_else(|_| HeaderValue::from_static("unknown"))
        }
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
    let mut res = next.call(req).await?;
    let elapsed = started.elapsed();
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_string());
    let status = res.status().as_u16();
    record(method_label, &route, status, elapsed.as_secs_f64());
    tracing::info!(
        target: "gatehouse::request",
        request_id = id.to_str().unwrap_or(""),
        method = %method,
        route = %route,
        status,
        micros = elapsed.as_micros() as u64,
    );
    res.headers_mut().insert(REQUEST_ID, id);
    Ok(res)
}
