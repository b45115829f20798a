//! The cluster's status (SPEC §5). The leader route HAProxy checks is
//! answered before authentication, in `cluster::gate`.

use actix_web::{web, HttpResponse};

use crate::cluster::node::ClusterNode;
use crate::cluster::status::{self, ClusterView};
use crate::http::ApiError;

use super::{read, resource};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/v1/cluster", "GET").route(read(get)));
}

#[utoipa::path(
    get, path = "/v1/cluster", tag = "meta", operation_id = "getCluster",
    summary = "This node's view of the cluster",
    description = "Each shard this node replicates: its leader, term, commit index and \
                   replicas (with how far each is known to be replicated: the leader knows \
                   every replica's, a follower says null). `404` on a server that is not \
                   a cluster node.",
    responses(
        (status = 200, description = "The shards this node replicates.", body = ClusterView),
        (status = 404, description = "`not_a_cluster`: this server runs as one process."),
    ),
)]
pub async fn get(node: Option<web::Data<ClusterNode>>) -> Result<HttpResponse, ApiError> {
    let node = node.ok_or_else(|| {
        ApiError::new(
            actix_web::http::StatusCode::NOT_FOUND,
            "not_a_cluster",
            "this server runs as one process, not as a cluster node",
        )
    })?;
    Ok(HttpResponse::Ok().json(status::view(&node)))
}
