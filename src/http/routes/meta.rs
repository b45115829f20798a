//! Health, the permission catalogue, and on-demand snapshots.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::domain::Permission;
use crate::http::auth::Admin;
use crate::http::{ApiError, AppState};

use super::no_body_over_limit;

/// Makes an event actor panic (built only with the `fault-injection`
/// feature, for the tests of the panic policy).
#[cfg(feature = "fault-injection")]
pub async fn panic(
    _: Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let [org, event] = crate::http::extract::ids([&path.0, &path.1])?;
    let addr = state.registry.event(&org, &event)?;
    let _ = addr.send(crate::actors::Panic).await;
    Ok(HttpResponse::Accepted().finish())
}

pub async fn health(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    no_body_over_limit(&req)?;
    Ok(HttpResponse::Ok().json(json!({"status": "ok"})))
}

pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let r = &state.registry;
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(r.stats().render(r.org_count(), r.event_count()))
}

pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(crate::http::openapi::json())
}

pub async fn permissions() -> HttpResponse {
    let all: Vec<Value> = Permission::ALL
        .iter()
        .map(|p| json!({"name": p.name(), "domain": p.domain()}))
        .collect();
    HttpResponse::Ok().json(json!({ "permissions": all }))
}

pub async fn snapshot(_: Admin, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let taken = state
        .snapshots
        .take(&state.registry)
        .await
        .map_err(|e| ApiError::unavailable(format!("the snapshot failed: {e}")))?;
    Ok(HttpResponse::Ok().json(json!({"file": taken.file, "bytes": taken.bytes})))
}
