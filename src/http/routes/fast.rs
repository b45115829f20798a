//! The single check, answered before the router. It is most of the traffic,
//! and actix's router matches a pattern with `{…}` segments by running a
//! regex and building a capture table (about 2,700 instructions of a
//! check's ~43,000; `benches/instructions.sh`). Here the check's pattern,
//! [`CHECK`], the same constant the route table mounts, is matched segment
//! by segment, once the token is accepted. Whatever does not match (another method, another path) goes
//! on to the router unchanged, which stays the one table of routes: a test
//! holds this matcher to the router's on many paths.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};

use crate::http::AppState;

/// The check's route, mounted in the route table and matched here.
pub const CHECK: &str = "/v1/orgs/{org}/events/{event}/check";

/// The raw `{org}` and `{event}` segments of a path [`CHECK`] matches, or
/// `None`. As the router reads a pattern: literal segments equal, and each
/// `{name}` is one non-empty segment (`[^/]+`).
pub fn check_ids(path: &str) -> Option<[&str; 2]> {
    captures(CHECK, path)
}

fn captures<'p, const N: usize>(pattern: &str, path: &'p str) -> Option<[&'p str; N]> {
    let mut found = [""; N];
    let mut n = 0;
    let mut wanted = pattern.split('/');
    let mut given = path.split('/');
    loop {
        match (wanted.next(), given.next()) {
            (None, None) => return (n == N).then_some(found),
            (Some(w), Some(g)) if w.starts_with('{') => {
                if g.is_empty() {
                    return None;
                }
                *found.get_mut(n)? = g;
                n += 1;
            }
            (Some(w), Some(g)) if w == g => {}
            _ => return None,
        }
    }
}

/// Called once the token is accepted (from `auth::authenticate`, the
/// innermost middleware, rather than as a layer of its own, which would
/// cost every request about 1,200 instructions): a `GET` of [`CHECK`] is
/// answered here; anything else goes on to the router.
pub async fn route<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    if req.method() == Method::GET {
        if let (Some([org, event]), Some(state)) =
            (check_ids(req.path()), req.app_data::<web::Data<AppState>>())
        {
            let state = state.clone();
            let (org, event) = (org.to_owned(), event.to_owned());
            let (req, _) = req.into_parts();
            let answer = super::checks::answer(&state, &req, &org, &event).await;
            let response = answer.unwrap_or_else(HttpResponse::from_error);
            return Ok(ServiceResponse::new(req, response).map_into_right_body());
        }
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use actix_web::dev::ResourceDef;

    use super::*;

    fn decode(segment: &str) -> String {
        percent_encoding::percent_decode_str(segment)
            .decode_utf8_lossy()
            .into_owned()
    }

    /// The router's reading of [`CHECK`]: on the path as the router sees
    /// it (re-quoted), then decoded as `web::Path` decodes.
    fn router(path: &str) -> Option<[String; 2]> {
        let uri: actix_web::http::Uri = path.parse().ok()?;
        let mut path = actix_web::dev::Path::new(actix_web::dev::Url::new(uri));
        ResourceDef::new(CHECK)
            .capture_match_info(&mut path)
            .then(|| [decode(&path["org"]), decode(&path["event"])])
    }

    #[test]
    fn matches_exactly_what_the_router_matches() {
        let ids = [
            "a", "acme", "x-1", "%41cme", "a%2Fb", "a%252F", "%2e%2e", "%C3%BC", "a.b", "a+b", "~",
            "..", "a%20b",
        ];
        let mut paths = vec![
            "/".to_string(),
            "".into(),
            "/v1/orgs//events/e/check".into(),
            "/v1/orgs/o/events//check".into(),
            "/v1/orgs/o/events/e/check/".into(),
            "/v1/orgs/o/events/e/checks".into(),
            "/v1/orgs/o/events/e/check/x".into(),
            "v1/orgs/o/events/e/check".into(),
            "//v1/orgs/o/events/e/check".into(),
            "/v1/orgs/o/events/e".into(),
            "/v1/orgs/o/event/e/check".into(),
            "/V1/orgs/o/events/e/check".into(),
            "/v1/orgs/o/x/events/e/check".into(),
            "/v1/orgs/o/events/e/f/check".into(),
        ];
        for org in ids {
            for event in ids {
                paths.push(format!("/v1/orgs/{org}/events/{event}/check"));
            }
        }
        for path in &paths {
            if path.parse::<actix_web::http::Uri>().is_err() {
                continue;
            }
            let fast = check_ids(path).map(|[o, e]| [decode(o), decode(e)]);
            assert_eq!(fast, router(path), "{path:?}");
        }
        assert!(paths.iter().filter(|p| check_ids(p).is_some()).count() >= 100);
    }
}
