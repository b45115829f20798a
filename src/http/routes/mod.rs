//! The route table. Each route module holds the handlers of one part of the
//! API; this file says which path and method reach which handler.

mod body;
mod checks;
mod events;
mod grants;
mod members;
mod meta;
mod orgs;

use actix_web::{web, HttpRequest, Resource};

use super::{ApiError, AppState};
use futures_util::future::join_all;

use crate::actors::{EventActor, EventCommand, Failure, Write, Written};
use crate::domain::{Error, Id};
use crate::persist::Seq;

pub use body::{no_body_over_limit, RawBody};

/// A path whose unlisted methods answer `405 method_not_allowed`.
fn resource(path: &str) -> Resource {
    web::resource(path).default_service(web::to(|| async {
        Err::<String, _>(ApiError::method_not_allowed())
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

/// The routes, grouped by prefix so a request is matched against a few
/// patterns, not all of them: the hot ones (checks, slots) come first in
/// their scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PayloadConfig::new(super::MAX_BODY))
        .app_data(web::QueryConfig::default().error_handler(|e, _| {
            ApiError::bad_request(format!("the query string is not valid: {e}")).into()
        }))
        .app_data(web::PathConfig::default().error_handler(|e, _| {
            ApiError::new(
                actix_web::http::StatusCode::BAD_REQUEST,
                "invalid_id",
                format!("a path segment is not valid: {e}"),
            )
            .into()
        }))
        // The check is most of the traffic: one pattern to match, not three.
        .service(
            resource("/v1/orgs/{org}/events/{event}/check").route(web::get().to(checks::check)),
        )
        .service(web::scope("/v1/orgs/{org}").configure(org_routes))
        .service(resource("/health").route(web::get().to(meta::health)))
        .service(resource("/metrics").route(read(meta::metrics)))
        .service(resource("/openapi.json").route(read(meta::openapi)))
        .service(resource("/v1/permissions").route(read(meta::permissions)))
        .service(resource("/v1/admin/snapshot").route(web::post().to(meta::snapshot)));
    #[cfg(feature = "fault-injection")]
    cfg.service(resource("/v1/debug/panic/{org}/{event}").route(web::post().to(meta::panic)));
    cfg.default_service(web::to(not_found));
}

async fn not_found(_: HttpRequest) -> Result<String, ApiError> {
    Err(ApiError::not_found())
}

/// Under `/v1/orgs/{org}`.
fn org_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::scope("/events/{event}").configure(event_routes))
        .service(resource("/check").route(web::post().to(checks::batch)))
        .service(
            resource("")
                .route(web::put().to(orgs::put))
                .route(read(orgs::get)),
        )
        .service(resource("/licenses").route(web::put().to(orgs::put_licenses)))
        .service(resource("/access").route(read(orgs::access)))
        .service(resource("/members").route(read(members::list)))
        .service(
            resource("/members/{user}")
                .route(web::put().to(members::put))
                .route(read(members::get))
                .route(web::delete().to(members::delete)),
        )
        .service(resource("/users/{user}/events").route(read(checks::user_events)))
        .service(resource("/events").route(read(events::list)))
        .default_service(web::to(not_found));
}

/// Under `/v1/orgs/{org}/events/{event}`.
fn event_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/slots/{user}")
            .route(web::put().to(grants::assign_slot))
            .route(web::delete().to(grants::release_slot)),
    )
    .service(
        resource("")
            .route(web::put().to(events::put))
            .route(read(events::get))
            .route(web::delete().to(events::delete)),
    )
    .service(
        resource("/users/{user}/grants/{permission}")
            .route(web::put().to(grants::grant))
            .route(web::delete().to(grants::revoke)),
    )
    .service(resource("/users/{user}").route(read(checks::user)))
    .service(
        resource("/collaborators/{c}")
            .route(web::put().to(events::put_collaborator))
            .route(web::delete().to(events::delete_collaborator)),
    )
    .service(
        resource("/collaborators/{c}/users/{user}")
            .route(web::put().to(grants::attach))
            .route(web::delete().to(grants::detach)),
    )
    .service(
        resource("/areas/{a}")
            .route(web::put().to(events::put_area))
            .route(web::delete().to(events::delete_area)),
    )
    .default_service(web::to(not_found));
}

/// A segment of the matched path, percent-decoded as `web::Path` does, but
/// copied only when it holds an escape. Absent or not UTF-8 once decoded,
/// it reads as `""`, which `Id::parse` refuses.
fn path_part<'a>(req: &'a HttpRequest, name: &str) -> std::borrow::Cow<'a, str> {
    let raw = req.match_info().get(name).unwrap_or("");
    percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .unwrap_or_default()
}

/// A send to an org actor that failed. Orgs are never deleted, so their
/// actor's thread has ended: the server is stopping.
fn org_gone(_: actix::MailboxError) -> ApiError {
    ApiError::unavailable("the server is shutting down; retry on its next start")
}

/// Sends `msg` to an event's actor. A send that fails means the event was
/// deleted meanwhile (`404 event_not_found`) or, if the registry still lists
/// it, that the server is stopping (`503`).
async fn ask_event<M>(state: &AppState, org: &Id, event: &Id, msg: M) -> Result<M::Result, ApiError>
where
    M: actix::Message + Send + 'static,
    M::Result: Send,
    EventActor: actix::Handler<M>,
{
    state
        .registry
        .send_event(org, event, msg)?
        .await
        .map_err(|e| stopped(state, org, event, e).unwrap_or_else(|| Error::EventNotFound.into()))
}

/// Why a send to an event's actor failed: `None` if the event was deleted
/// meanwhile, `503` if the registry still lists it (its actor's thread has
/// ended: the server is stopping).
fn stopped(state: &AppState, org: &Id, event: &Id, e: actix::MailboxError) -> Option<ApiError> {
    state.registry.has_event(org, event).then(|| org_gone(e))
}

/// Asks every one of `events` the same question, in order, and waits until
/// all the answers are durable. An event deleted meanwhile is left out; one
/// whose actor's thread has stopped (the server is stopping) fails the whole
/// answer with `503`, rather than being silently missing from it.
async fn ask_events<M, T>(
    state: &AppState,
    org: &Id,
    events: &[(Id, actix::Addr<EventActor>)],
    question: impl Fn() -> M,
) -> Result<Vec<(Id, T)>, ApiError>
where
    M: actix::Message<Result = Result<(T, Seq), Failure>> + Send + 'static,
    T: Send + 'static,
    EventActor: actix::Handler<M>,
{
    let answers = join_all(events.iter().map(|(_, a)| a.send(question()))).await;
    let mut out = Vec::with_capacity(events.len());
    let mut newest = 0;
    for ((id, _), answer) in events.iter().zip(answers) {
        match answer {
            Ok(Ok((value, seq))) => {
                newest = newest.max(seq);
                out.push((id.clone(), value));
            }
            Ok(Err(_)) => {} // deleted meanwhile
            Err(e) => {
                if let Some(stopping) = stopped(state, org, id, e) {
                    return Err(stopping);
                }
            }
        }
    }
    state.durable(newest).await?;
    Ok(out)
}

/// Sends a change to an event and waits until it is durable.
async fn write_event(
    state: &AppState,
    org: &Id,
    event: &Id,
    command: EventCommand,
) -> Result<Written, ApiError> {
    let written = ask_event(state, org, event, Write(command)).await??;
    state.durable(written.seq).await?;
    Ok(written)
}
