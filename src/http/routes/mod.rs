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

use super::ApiError;

pub use body::RawBody;

/// A path whose unlisted methods answer `405 method_not_allowed`.
fn resource(path: &str) -> Resource {
    web::resource(path).default_service(web::to(|| async {
        Err::<String, _>(ApiError::method_not_allowed())
    }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    const ORG: &str = "/v1/orgs/{org}";
    const EVENT: &str = "/v1/orgs/{org}/events/{event}";
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
        .service(resource("/health").route(web::get().to(meta::health)))
        .service(resource("/metrics").route(web::get().to(meta::metrics)))
        .service(resource("/openapi.json").route(web::get().to(meta::openapi)))
        .service(resource("/v1/permissions").route(web::get().to(meta::permissions)))
        .service(resource("/v1/admin/snapshot").route(web::post().to(meta::snapshot)))
        .service(
            resource(ORG)
                .route(web::put().to(orgs::put))
                .route(web::get().to(orgs::get)),
        )
        .service(resource(&format!("{ORG}/licenses")).route(web::put().to(orgs::put_licenses)))
        .service(resource(&format!("{ORG}/access")).route(web::get().to(orgs::access)))
        .service(resource(&format!("{ORG}/members")).route(web::get().to(members::list)))
        .service(
            resource(&format!("{ORG}/members/{{user}}"))
                .route(web::put().to(members::put))
                .route(web::get().to(members::get))
                .route(web::delete().to(members::delete)),
        )
        .service(resource(&format!("{ORG}/check")).route(web::post().to(checks::batch)))
        .service(
            resource(&format!("{ORG}/users/{{user}}/events"))
                .route(web::get().to(checks::user_events)),
        )
        .service(resource(&format!("{ORG}/events")).route(web::get().to(events::list)))
        .service(
            resource(EVENT)
                .route(web::put().to(events::put))
                .route(web::get().to(events::get))
                .route(web::delete().to(events::delete)),
        )
        .service(
            resource(&format!("{EVENT}/collaborators/{{c}}"))
                .route(web::put().to(events::put_collaborator))
                .route(web::delete().to(events::delete_collaborator)),
        )
        .service(
            resource(&format!("{EVENT}/areas/{{a}}"))
                .route(web::put().to(events::put_area))
                .route(web::delete().to(events::delete_area)),
        )
        .service(
            resource(&format!("{EVENT}/slots/{{user}}"))
                .route(web::put().to(grants::assign_slot))
                .route(web::delete().to(grants::release_slot)),
        )
        .service(
            resource(&format!("{EVENT}/collaborators/{{c}}/users/{{user}}"))
                .route(web::put().to(grants::attach))
                .route(web::delete().to(grants::detach)),
        )
        .service(
            resource(&format!("{EVENT}/users/{{user}}/grants/{{permission}}"))
                .route(web::put().to(grants::grant))
                .route(web::delete().to(grants::revoke)),
        )
        .service(resource(&format!("{EVENT}/users/{{user}}")).route(web::get().to(checks::user)))
        .service(resource(&format!("{EVENT}/check")).route(web::get().to(checks::check)));
    #[cfg(feature = "fault-injection")]
    cfg.service(resource("/v1/debug/panic/{org}/{event}").route(web::post().to(meta::panic)));
    cfg.default_service(web::to(|_: HttpRequest| async {
        Err::<String, _>(ApiError::not_found())
    }));
}

/// A send to an org actor that is gone.
fn org_gone(_: actix::MailboxError) -> ApiError {
    crate::domain::Error::OrgNotFound.into()
}

/// A send to an event actor that is gone: the event was deleted.
fn event_gone(_: actix::MailboxError) -> ApiError {
    crate::domain::Error::EventNotFound.into()
}

/// Sends a change to an event and waits until it is durable.
async fn write_event(
    state: &crate::http::AppState,
    org: &crate::domain::Id,
    event: &crate::domain::Id,
    command: crate::actors::EventCommand,
) -> Result<crate::actors::Written, ApiError> {
    let written = state
        .registry
        .event(org, event)?
        .send(crate::actors::Write(command))
        .await
        .map_err(event_gone)??;
    state.durable(written.seq).await?;
    Ok(written)
}
