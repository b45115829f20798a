//! `GET /v1/cluster`: this node's view of its shards.

use serde::Serialize;
use utoipa::ToSchema;

use super::node::ClusterNode;

/// The answer of `GET /v1/cluster`.
#[derive(Serialize, ToSchema)]
pub struct ClusterView {
    /// This node's id.
    pub node: String,
    /// The shards this node replicates.
    pub shards: Vec<ShardView>,
}

#[derive(Serialize, ToSchema)]
pub struct ShardView {
    pub shard: u32,
    /// The id of the node that leads it, as far as this node knows.
    pub leader: Option<String>,
    pub term: u64,
    /// The highest log index applied here (every applied entry is
    /// committed).
    pub commit_index: u64,
    pub replicas: Vec<ReplicaView>,
}

#[derive(Serialize, ToSchema)]
pub struct ReplicaView {
    pub node: String,
    /// Its client address.
    pub addr: String,
    /// The highest log index known to be on it: the leader knows every
    /// replica's; a follower says null.
    pub matched_index: Option<u64>,
}

/// What `node` knows of its shards now.
pub fn view(node: &ClusterNode) -> ClusterView {
    let name = |raft_id: u64| {
        usize::try_from(raft_id.checked_sub(1)?)
            .ok()
            .and_then(|i| node.cluster.nodes.get(i))
    };
    let shards = (0..node.cluster.shards)
        .filter_map(|shard| {
            let raft = node.rafts.get(shard as usize)?.as_ref()?;
            let m = raft.metrics().borrow().clone();
            let replicas = m
                .membership_config
                .nodes()
                .filter_map(|(id, _)| {
                    let n = name(*id)?;
                    Some(ReplicaView {
                        node: n.id.clone(),
                        addr: n.addr.clone(),
                        matched_index: m
                            .replication
                            .as_ref()
                            .and_then(|r| r.get(id).copied().flatten())
                            .map(|l| l.index),
                    })
                })
                .collect();
            Some(ShardView {
                shard,
                leader: m.current_leader.and_then(name).map(|n| n.id.clone()),
                term: m.current_term,
                commit_index: m.last_applied.map_or(0, |l| l.index),
                replicas,
            })
        })
        .collect();
    ClusterView {
        node: node
            .cluster
            .nodes
            .get(node.me)
            .map(|n| n.id.clone())
            .unwrap_or_default(),
        shards,
    }
}
