//! The route table: each resource module mounts its own routes with its
//! `configure`; this file only says where each is mounted, and in what
//! order. Routes are grouped by prefix so a request is matched against a few
//! patterns, not all of them, and the hot ones (the check, slots) come first
//! in their scope.

pub(crate) mod checks;
pub(crate) mod cluster;
pub(crate) mod events;
pub(crate) mod fast;
pub(crate) mod grants;
pub(crate) mod members;
pub(crate) mod meta;
pub(crate) mod orgs;
pub(crate) mod usage;

use actix_web::{web, HttpRequest, Resource};

use super::{body, ApiError};

/// Every route, and the JSON errors for what matches none.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PayloadConfig::new(super::MAX_BODY))
        .app_data(web::QueryConfig::default().error_handler(|e, _| {
            ApiError::bad_request(format!("the query string is not valid: {e}")).into()
        }))
        // The check is most of the traffic: one pattern to match, not three.
        .configure(checks::configure)
        .service(web::scope("/v1/orgs/{org}").configure(org_scope))
        .configure(meta::configure)
        .configure(cluster::configure)
        .configure(usage::root)
        .default_service(web::to(not_found));
}

/// Under `/v1/orgs/{org}`.
fn org_scope(cfg: &mut web::ServiceConfig) {
    cfg.service(web::scope("/events/{event}").configure(event_scope))
        .configure(checks::org_scope)
        .configure(grants::org_scope)
        .configure(orgs::configure)
        .configure(usage::configure)
        .configure(members::configure)
        .configure(events::org_scope)
        .default_service(web::to(not_found));
}

/// Under `/v1/orgs/{org}/events/{event}`.
fn event_scope(cfg: &mut web::ServiceConfig) {
    cfg.configure(grants::configure)
        .configure(events::configure)
        .configure(checks::event_scope)
        .default_service(web::to(not_found));
}

async fn not_found(_: HttpRequest) -> Result<String, ApiError> {
    Err(ApiError::not_found())
}

/// A path whose unlisted methods answer `405 method_not_allowed`, with the
/// `Allow` header naming the ones it lists (RFC 9110 §15.5.6).
fn resource(path: &str, allow: &'static str) -> Resource {
    web::resource(path).default_service(web::to(move || async move {
        Err::<String, _>(ApiError::method_not_allowed(allow))
    }))
}

/// A `GET` route: it reads no body, and answers `413` to one declared over
/// the limit, as the routes that read one do. (The check and `/health`,
/// the busiest, look at the length themselves instead of through a
/// middleware.)
fn read<F, Args>(handler: F) -> actix_web::Route
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    web::get()
        .to(handler)
        .wrap(actix_web::middleware::from_fn(body::bounded))
}
