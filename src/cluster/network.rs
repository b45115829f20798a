//! Node-to-node traffic: HTTP on each node's `raft_addr`, bodies in
//! bincode (through `persist::codec`; never JSON arrays of numbers), every
//! request carrying the cluster secret, compared in constant time, so
//! nothing else can vote or append to a log.
//!
//! `POST /raft/{shard}/append|vote|snapshot` carries one openraft request
//! and answers `200` with the bincode of its `Result`; a missing or wrong
//! secret is `401`, a shard the node does not replicate `404`. openraft
//! puts its own timeout around each call (AppendEntries within
//! `heartbeat_interval`, a snapshot chunk within `install_snapshot_timeout`);
//! the HTTP request gets the same one.

use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};
use openraft::error::{
    InstallSnapshotError, NetworkError, RPCError, RaftError, RemoteError, Unreachable,
};
use openraft::network::{RPCOption, RaftNetwork, RaftNetworkFactory};
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest, InstallSnapshotResponse,
    VoteRequest, VoteResponse,
};
use openraft::BasicNode;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::types::{NodeId, Raft, TypeConfig};
use crate::persist::codec;

pub const SECRET_HEADER: &str = "x-gatehouse-cluster-secret";
/// The largest node-to-node body (a snapshot chunk is 3 MiB by default).
pub const MAX_BODY: usize = 64 << 20;

type RpcError<E = openraft::error::Infallible> = RPCError<NodeId, BasicNode, RaftError<NodeId, E>>;

/// Makes the clients one shard's Raft uses to reach the other replicas.
#[derive(Clone)]
pub struct Network {
    pub shard: u32,
    pub secret: Arc<str>,
    pub client: reqwest::Client,
}

/// One peer, as seen by one shard's Raft. Cheap: no connection is made
/// until a request is sent (reqwest pools them).
pub struct Peer {
    target: NodeId,
    url: String,
    secret: Arc<str>,
    client: reqwest::Client,
}

impl RaftNetworkFactory<TypeConfig> for Network {
    type Network = Peer;

    async fn new_client(&mut self, target: NodeId, node: &BasicNode) -> Peer {
        Peer {
            target,
            url: format!("http://{}/raft/{}", node.addr, self.shard),
            secret: self.secret.clone(),
            client: self.client.clone(),
        }
    }
}

impl Peer {
    async fn call<Req, Resp, E>(
        &self,
        kind: &str,
        req: &Req,
        option: &RPCOption,
    ) -> Result<Resp, RPCError<NodeId, BasicNode, RaftError<NodeId, E>>>
    where
        Req: Serialize,
        Resp: DeserializeOwned,
        E: std::error::Error + DeserializeOwned,
    {
        let body = codec::encode(req).map_err(|e| RPCError::Network(NetworkError::new(&e)))?;
        let sent = self
            .client
            .post(format!("{}/{kind}", self.url))
            .header(SECRET_HEADER, &*self.secret)
            .timeout(option.hard_ttl())
            .body(body)
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) if e.is_connect() => return Err(RPCError::Unreachable(Unreachable::new(&e))),
            Err(e) => return Err(RPCError::Network(NetworkError::new(&e))),
        };
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| RPCError::Network(NetworkError::new(&e)))?;
        if !status.is_success() {
            let why = std::io::Error::other(format!(
                "node {} answered {status}: {}",
                self.target,
                String::from_utf8_lossy(&bytes)
            ));
            return Err(RPCError::Unreachable(Unreachable::new(&why)));
        }
        let answer: Result<Resp, RaftError<NodeId, E>> =
            codec::decode(&bytes).map_err(|e| RPCError::Network(NetworkError::new(&e)))?;
        answer.map_err(|e| RPCError::RemoteError(RemoteError::new(self.target, e)))
    }
}

impl RaftNetwork<TypeConfig> for Peer {
    async fn append_entries(
        &mut self,
        rpc: AppendEntriesRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<AppendEntriesResponse<NodeId>, RpcError> {
        self.call("append", &rpc, &option).await
    }

    async fn install_snapshot(
        &mut self,
        rpc: InstallSnapshotRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<InstallSnapshotResponse<NodeId>, RpcError<InstallSnapshotError>> {
        self.call("snapshot", &rpc, &option).await
    }

    async fn vote(
        &mut self,
        rpc: VoteRequest<NodeId>,
        option: RPCOption,
    ) -> Result<VoteResponse<NodeId>, RpcError> {
        self.call("vote", &rpc, &option).await
    }
}

/// What the node-to-node server needs: the secret and each shard's Raft.
pub struct Peers {
    pub secret: Arc<str>,
    /// By shard; `None` where this node holds no replica.
    pub rafts: Vec<Option<Raft>>,
}

fn answer<T: Serialize>(value: &T) -> HttpResponse {
    match codec::encode(value) {
        Ok(bytes) => HttpResponse::Ok()
            .content_type("application/octet-stream")
            .body(bytes),
        Err(e) => HttpResponse::InternalServerError().body(e.to_string()),
    }
}

fn decoded<T: DeserializeOwned>(body: &[u8]) -> Result<T, HttpResponse> {
    codec::decode(body).map_err(|e| HttpResponse::BadRequest().body(format!("bad body: {e}")))
}

/// `POST /raft/{shard}/{kind}`.
pub async fn rpc(
    req: HttpRequest,
    path: web::Path<(u32, String)>,
    body: web::Bytes,
    peers: web::Data<Peers>,
) -> HttpResponse {
    let presented = req
        .headers()
        .get(SECRET_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if !constant_time_eq::constant_time_eq(presented, peers.secret.as_bytes()) {
        return HttpResponse::Unauthorized().body("the cluster secret is missing or wrong");
    }
    let (shard, kind) = path.into_inner();
    let Some(raft) = peers.rafts.get(shard as usize).and_then(Option::as_ref) else {
        return HttpResponse::NotFound()
            .body(format!("this node holds no replica of shard {shard}"));
    };
    let result = match kind.as_str() {
        "append" => match decoded(&body) {
            Ok(r) => Ok(answer(&raft.append_entries(r).await)),
            Err(e) => Err(e),
        },
        "vote" => match decoded(&body) {
            Ok(r) => Ok(answer(&raft.vote(r).await)),
            Err(e) => Err(e),
        },
        "snapshot" => match decoded(&body) {
            Ok(r) => Ok(answer(&raft.install_snapshot(r).await)),
            Err(e) => Err(e),
        },
        _ => Err(HttpResponse::NotFound().body("no such Raft call")),
    };
    result.unwrap_or_else(|e| e)
}

/// The node-to-node routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PayloadConfig::new(MAX_BODY))
        .route("/raft/{shard}/{kind}", web::post().to(rpc));
}
