//! Health, metrics, this document, the permission catalogue, and on-demand
//! snapshots.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::http::auth::Admin;
use crate::http::body::no_body_over_limit;
use crate::http::wire::{Health, PermissionCatalogue, SnapshotView, Status};
use crate::http::{ApiError, AppState};

use super::{read, resource};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/health", "GET").route(web::get().to(health)))
        .service(resource("/metrics", "GET").route(read(metrics)))
        .service(resource("/openapi.json", "GET").route(read(openapi)))
        .service(resource("/v1/permissions", "GET").route(read(permissions)))
        .service(resource("/v1/admin/snapshot", "POST").route(web::post().to(snapshot)));
    #[cfg(feature = "fault-injection")]
    cfg.service(resource("/v1/debug/panic/{org}/{event}", "POST").route(web::post().to(panic)));
}

/// Makes an event actor panic (built only with the `fault-injection`
/// feature, for the tests of the panic policy; not in the document).
#[cfg(feature = "fault-injection")]
async fn panic(
    Admin(state): Admin,
    crate::http::wire::EventPath { org, event }: crate::http::wire::EventPath,
) -> Result<HttpResponse, ApiError> {
    let addr = state.registry.event(&org, &event)?;
    let _ = addr.send(crate::actors::Panic).await;
    Ok(HttpResponse::Accepted().finish())
}

#[utoipa::path(
    get, path = "/health", tag = "meta", operation_id = "health", summary = "Liveness",
    responses((status = 200, description = "Up.", body = Health)),
)]
pub async fn health(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    no_body_over_limit(&req)?;
    Ok(HttpResponse::Ok().json(Health { status: Status::Ok }))
}

#[utoipa::path(
    get, path = "/metrics", tag = "meta", operation_id = "metrics",
    summary = "Prometheus metrics",
    description = "Request counts and durations, checks by outcome, and gauges for orgs, \
                   events, slots in use, journal and snapshot timings.",
    responses((
        status = 200, description = "The Prometheus text exposition format.",
        body = String, content_type = "text/plain; version=0.0.4",
    )),
)]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let r = &state.registry;
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(r.stats().render(r.org_count(), r.event_count()))
}

#[utoipa::path(
    get, path = "/openapi.json", tag = "meta", operation_id = "openapi",
    summary = "This OpenAPI document",
    responses((status = 200, description = "This document (OpenAPI 3).", body = Object)),
)]
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(crate::http::openapi::json())
}

#[utoipa::path(
    get, path = "/v1/permissions", tag = "meta", operation_id = "listPermissions",
    summary = "The permission catalogue",
    responses((
        status = 200, description = "Every permission and its domain.",
        body = PermissionCatalogue,
    )),
)]
pub async fn permissions() -> HttpResponse {
    HttpResponse::Ok().json(PermissionCatalogue::all())
}

#[utoipa::path(
    post, path = "/v1/admin/snapshot", tag = "meta", operation_id = "takeSnapshot",
    summary = "Write a snapshot now",
    responses(
        (status = 200, description = "The snapshot is safely on disk.", body = SnapshotView),
        (status = 503, description = "`unavailable`"),
    ),
)]
pub async fn snapshot(Admin(state): Admin) -> Result<HttpResponse, ApiError> {
    let taken = state
        .snapshots
        .take(&state.registry)
        .await
        .map_err(|e| ApiError::unavailable(format!("the snapshot failed: {e}")))?;
    Ok(HttpResponse::Ok().json(SnapshotView::from(taken)))
}
