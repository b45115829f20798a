//! The types one shard's Raft group is made of.

// `declare_raft_types!` names `Cursor` unqualified (the snapshot data).
use std::io::Cursor;

use serde::{Deserialize, Serialize};

use crate::persist::Record;

/// A node's Raft identity within the cluster.
pub type NodeId = u64;

/// What one log entry carries: the journal records of every change the
/// shard's leader accepted while the previous entry was being replicated,
/// in the order its actors applied them (so one entry, one replicated
/// `fsync`, serves many concurrent writes). Everything a follower needs to
/// apply them is in the records: no clock, no random id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Batch {
    pub records: Vec<Record>,
}

openraft::declare_raft_types!(
    /// One shard's Raft group.
    pub TypeConfig:
        D = Batch,
        R = (),
        NodeId = NodeId,
        Node = openraft::BasicNode,
);

pub type Entry = openraft::Entry<TypeConfig>;
pub type LogId = openraft::LogId<NodeId>;
pub type Vote = openraft::Vote<NodeId>;
pub type StorageError = openraft::StorageError<NodeId>;
pub type Raft = openraft::Raft<TypeConfig>;
pub type SnapshotMeta = openraft::SnapshotMeta<NodeId, openraft::BasicNode>;
pub type StoredMembership = openraft::StoredMembership<NodeId, openraft::BasicNode>;
