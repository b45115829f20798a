//! The cluster's place in the HTTP front:
//!
//! - `GET /v1/cluster/shards/{s}/leader` (no token) answers `200` on the
//!   node leading shard `s` and `503` elsewhere: HAProxy's health check.
//! - A request for an org whose shard this node does not lead is `503
//!   not_leader` `{"leader": client address or null}`, decided after the
//!   token check (this runs inside authentication) and before the body is
//!   read; HAProxy retries it on another node.
//! - A read on the leader first waits for a confirmation, started after the
//!   read arrived, that this node still leads its shard (openraft's
//!   `ensure_linearizable`: a quorum answered a heartbeat of its term). One
//!   confirmation in flight per shard serves every read that arrived before
//!   it started; reads arriving meanwhile are served by the next one. So a
//!   leader that was paused and replaced answers no read from its old
//!   state: its confirmation fails.

use std::sync::{Arc, Mutex};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse, ResponseError};
use serde_json::{json, Value};
use tokio::sync::oneshot;

use super::node::ClusterNode;
use super::shard_of;
use super::types::Raft;
use crate::http::ApiError;

type Waiter = oneshot::Sender<Result<(), String>>;

/// Batched leadership confirmations for one shard.
pub struct ReadGate {
    raft: Raft,
    runtime: tokio::runtime::Handle,
    /// Reads waiting for the next confirmation, and whether one is running.
    waiting: Mutex<(Vec<Waiter>, bool)>,
}

impl ReadGate {
    pub fn new(raft: Raft, runtime: tokio::runtime::Handle) -> ReadGate {
        ReadGate {
            raft,
            runtime,
            waiting: Mutex::new((Vec::new(), false)),
        }
    }

    /// Resolves once a confirmation that started after this call succeeded.
    pub async fn confirm(self: &Arc<Self>) -> Result<(), String> {
        let (tx, rx) = oneshot::channel();
        let start = {
            let mut w = self.waiting.lock().unwrap_or_else(|p| p.into_inner());
            w.0.push(tx);
            !std::mem::replace(&mut w.1, true)
        };
        if start {
            self.runtime.spawn(self.clone().rounds());
        }
        rx.await
            .unwrap_or_else(|_| Err("the shard's Raft stopped".into()))
    }

    /// Confirms for everyone waiting, again while anyone waits.
    async fn rounds(self: Arc<Self>) {
        loop {
            let batch = {
                let mut w = self.waiting.lock().unwrap_or_else(|p| p.into_inner());
                if w.0.is_empty() {
                    w.1 = false;
                    return;
                }
                std::mem::take(&mut w.0)
            };
            let result = self
                .raft
                .ensure_linearizable()
                .await
                .map(|_| ())
                .map_err(|e| e.to_string());
            for waiter in batch {
                let _ = waiter.send(result.clone());
            }
        }
    }
}

/// The org path segment of `/v1/orgs/{org}/…`, percent-decoded as the
/// router decodes it.
fn org_segment(path: &str) -> Option<String> {
    let rest = path.strip_prefix("/v1/orgs/")?;
    let raw = rest.split('/').next()?;
    Some(
        percent_encoding::percent_decode_str(raw)
            .decode_utf8_lossy()
            .into_owned(),
    )
}

fn not_leader(node: &ClusterNode, shard: u32, why: String) -> HttpResponse {
    let mut e = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "not_leader", why);
    e.details.insert(
        "leader".into(),
        node.leader_addr(shard).map_or(Value::Null, Value::String),
    );
    e.error_response()
}

/// Inside authentication: org requests only on the shard's leader, reads
/// only once its leadership is confirmed.
pub async fn gate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let node = req.app_data::<web::Data<ClusterNode>>().cloned();
    let org = org_segment(req.path());
    if let (Some(node), Some(org)) = (node, org) {
        let shard = shard_of(&org, node.cluster.shards);
        if !node.leads(shard) {
            let why = format!("this node does not lead shard {shard}, which holds org {org:?}");
            let response = not_leader(&node, shard, why);
            return Ok(req.into_response(response).map_into_right_body());
        }
        let read = !matches!(*req.method(), Method::PUT | Method::DELETE);
        if read {
            let gate = node.gates.get(shard as usize).and_then(Option::clone);
            if let Some(gate) = gate {
                if let Err(e) = gate.confirm().await {
                    let why = format!("this node could not confirm it leads shard {shard}: {e}");
                    let response = not_leader(&node, shard, why);
                    return Ok(req.into_response(response).map_into_right_body());
                }
            }
        }
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

/// Outside authentication: the leader route, for HAProxy's health checks.
pub async fn leader_route(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let node = req.app_data::<web::Data<ClusterNode>>().cloned();
    let shard = req
        .path()
        .strip_prefix("/v1/cluster/shards/")
        .and_then(|r| r.strip_suffix("/leader"))
        .map(str::parse::<u32>);
    let (Some(node), Some(shard), &Method::GET) = (node, shard, req.method()) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    };
    let response = match shard {
        Ok(s) if s < node.cluster.shards && node.leads(s) => HttpResponse::Ok().json(json!({
            "shard": s,
            "leader": node.cluster.nodes.get(node.me).map(|n| n.id.clone()),
        })),
        Ok(s) if s < node.cluster.shards => {
            not_leader(&node, s, format!("this node does not lead shard {s}"))
        }
        _ => ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("the cluster has shards 0 to {}", node.cluster.shards - 1),
        )
        .error_response(),
    };
    Ok(req.into_response(response).map_into_right_body())
}
