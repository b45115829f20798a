//! The HTTP API of SPEC §2: routes thin over the actors, bearer-token
//! authentication, and one table of error codes.

pub mod auth;
pub mod error;
pub mod extract;
pub mod observe;
pub mod openapi;
mod routes;

use std::sync::Arc;

use actix_web::{web, HttpResponse};

use crate::actors::snapshotter::Snapshots;
use crate::actors::Registry;
use crate::persist::Seq;

pub use error::ApiError;

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

impl AppState {
    /// Waits until the change with `seq` (and all before it) is on disk.
    pub async fn durable(&self, seq: Seq) -> Result<(), ApiError> {
        Ok(self.registry.journal().wait_durable(seq).await?)
    }
}

/// Mounts every route and the JSON errors for what matches none.
pub fn configure(cfg: &mut web::ServiceConfig) {
    routes::configure(cfg);
}

/// `201 Created` for a new thing, `200 OK` for one that existed.
pub fn put_answer(created: bool, body: serde_json::Value) -> HttpResponse {
    if created {
        HttpResponse::Created().json(body)
    } else {
        HttpResponse::Ok().json(body)
    }
}
