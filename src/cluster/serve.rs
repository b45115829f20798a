//! Starting a cluster node (`--cluster FILE --node ID`): what differs from
//! one process is here; `startup` calls it and otherwise builds the server
//! as always.

use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpServer};

use super::node::ClusterNode;
use super::Cluster;
use crate::config::ClusterConfig;

pub struct Started {
    pub node: Arc<ClusterNode>,
    /// The node's client address from the cluster file.
    pub addr: String,
    /// The node-to-node server.
    pub raft_server: ServerHandle,
}

/// Reads the cluster file, starts this node's shards under `dir` and the
/// node-to-node server on its `raft_addr`.
pub async fn start(config: &ClusterConfig, dir: &std::path::Path) -> Result<Started, String> {
    let cluster = Cluster::load(&config.file, config.secret.clone()).map_err(|e| e.to_string())?;
    let me = cluster
        .node_index(&config.file, &config.node)
        .map_err(|e| e.to_string())?;
    let Some(this) = cluster.nodes.get(me).cloned() else {
        return Err(format!("no node {:?}", config.node));
    };
    let listener = std::net::TcpListener::bind(&this.raft_addr)
        .map_err(|e| format!("cannot listen on {} (raft_addr): {e}", this.raft_addr))?;
    let node = Arc::new(ClusterNode::start(cluster, me, dir).await?);
    let peers = web::Data::new(node.peers());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(peers.clone())
            .configure(super::network::configure)
    })
    .workers(2)
    .keep_alive(Duration::from_secs(75))
    .client_request_timeout(Duration::from_secs(10))
    .disable_signals()
    .listen(listener)
    .map_err(|e| format!("cannot serve on {}: {e}", this.raft_addr))?
    .run();
    let raft_server = server.handle();
    actix_rt::spawn(server);
    tracing::info!(node = %this.id, raft_addr = %this.raft_addr, "cluster node started");
    Ok(Started {
        node,
        addr: this.addr,
        raft_server,
    })
}
