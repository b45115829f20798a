//! The HTTP API of SPEC §2: routes thin over the actors, bearer-token
//! authentication, and one table of error codes.

mod ask;
pub mod auth;
mod body;
pub mod error;
pub mod extract;
pub mod observe;
pub mod openapi;
pub mod revision;
mod routes;
pub mod wire;

use std::sync::Arc;

use actix_web::{web, HttpResponse};

use crate::actors::snapshotter::Snapshots;
use crate::actors::Registry;

pub use error::ApiError;
pub(crate) use routes::fast;

/// Request bodies above this are refused with `413 payload_too_large`.
pub const MAX_BODY: usize = 1 << 20;
/// A request body must arrive within this long.
pub const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// The most checks in one batch.
pub const MAX_BATCH: usize = 1000;

/// What every handler can reach.
pub struct AppState {
    pub registry: Arc<Registry>,
    pub snapshots: Arc<Snapshots>,
    pub tokens: auth::Tokens,
}

/// Mounts every route and the JSON errors for what matches none.
pub fn configure(cfg: &mut web::ServiceConfig) {
    routes::configure(cfg);
}

/// `204 No Content`, for a change that answers nothing else.
pub fn no_content<T>(_: T) -> HttpResponse {
    HttpResponse::NoContent().finish()
}

/// `201 Created` for a new thing, `200 OK` for one that existed.
pub fn put_answer(created: bool, body: impl serde::Serialize) -> HttpResponse {
    if created {
        HttpResponse::Created().json(body)
    } else {
        HttpResponse::Ok().json(body)
    }
}
