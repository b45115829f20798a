//! A cluster node: one openraft `Raft` per shard it replicates (0.9 runs
//! one group per `Raft`), all on a tokio runtime of their own, so a
//! storage `fsync` or a long apply never stalls the HTTP workers, and the
//! task per shard that starts and retires the shard's actors as this node
//! takes and loses the lead.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use openraft::{BasicNode, Config, ServerState, SnapshotPolicy};

use super::gate::ReadGate;
use super::log_store::LogStore;
use super::machine::Machine;
use super::network::{Network, Peers};
use super::proposer::{Shards, Slot};
use super::types::{NodeId, Raft};
use super::{shard_of, Cluster};
use crate::actors::Registry;
use crate::persist::State;

/// Heartbeats, and the time an AppendEntries call may take.
pub const HEARTBEAT_MS: u64 = 150;
pub const ELECTION_MIN_MS: u64 = 750;
pub const ELECTION_MAX_MS: u64 = 1500;
/// The time one snapshot chunk may take.
pub const SNAPSHOT_CHUNK_MS: u64 = 3000;

/// A node's Raft id: its place in the cluster file's `[[nodes]]`, from 1.
pub fn raft_id(index: usize) -> NodeId {
    index as NodeId + 1
}

pub struct ClusterNode {
    pub cluster: Cluster,
    /// This node's place in `cluster.nodes`.
    pub me: usize,
    pub shards: Arc<Shards>,
    /// By shard; `None` where this node holds no replica.
    pub rafts: Vec<Option<Raft>>,
    machines: Vec<Option<Machine>>,
    pub gates: Vec<Option<Arc<ReadGate>>>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for ClusterNode {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

fn raft_config() -> Result<Arc<Config>, String> {
    let config = Config {
        cluster_name: "gatehouse".into(),
        heartbeat_interval: HEARTBEAT_MS,
        election_timeout_min: ELECTION_MIN_MS,
        election_timeout_max: ELECTION_MAX_MS,
        install_snapshot_timeout: SNAPSHOT_CHUNK_MS,
        snapshot_max_chunk_size: 1 << 20,
        snapshot_policy: SnapshotPolicy::LogsSinceLast(5000),
        ..Default::default()
    };
    config.validate().map(Arc::new).map_err(|e| e.to_string())
}

impl ClusterNode {
    /// Opens each replicated shard's log and state machine under `dir`
    /// (`shard-<n>/`), starts its Raft and, on a node never started before,
    /// initializes it with the shard's replicas from the cluster file (the
    /// same membership on every node, which openraft allows).
    pub async fn start(cluster: Cluster, me: usize, dir: &Path) -> Result<ClusterNode, String> {
        let secret: Arc<str> = cluster
            .secret
            .clone()
            .ok_or("the cluster has no secret: set `secret` in the cluster file or GATEHOUSE_CLUSTER_SECRET")?
            .into();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("raft")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the Raft runtime: {e}"))?;
        let config = raft_config()?;
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(16)
            .build()
            .map_err(|e| e.to_string())?;
        let mut rafts = Vec::new();
        let mut machines = Vec::new();
        let mut slots = Vec::new();
        let mut gates = Vec::new();
        for shard in 0..cluster.shards {
            if !cluster.shards_of(me).contains(&shard) {
                rafts.push(None);
                machines.push(None);
                slots.push(None);
                gates.push(None);
                continue;
            }
            let folder = dir.join(format!("shard-{shard}"));
            let log = LogStore::open(&folder).map_err(|e| e.to_string())?;
            let machine = Machine::open(&folder)?;
            let network = Network {
                shard,
                secret: secret.clone(),
                client: client.clone(),
            };
            let members: BTreeMap<NodeId, BasicNode> = cluster
                .replicas
                .get(shard as usize)
                .into_iter()
                .flatten()
                .filter_map(|&i| {
                    let n = cluster.nodes.get(i)?;
                    Some((raft_id(i), BasicNode::new(&n.raft_addr)))
                })
                .collect();
            let (config, sm) = (config.clone(), machine.clone());
            let id = raft_id(me);
            let raft = runtime
                .spawn(async move {
                    let raft = Raft::new(id, config, network, log, sm).await?;
                    // Only a node with no log and no vote initializes;
                    // every node does so with the same membership.
                    if !raft.is_initialized().await? {
                        if let Err(e) = raft.initialize(members).await {
                            tracing::debug!(shard, error = %e, "not initializing the shard");
                        }
                    }
                    Ok::<_, openraft::error::Fatal<NodeId>>(raft)
                })
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| format!("shard {shard}: {e}"))?;
            gates.push(Some(Arc::new(ReadGate::new(
                raft.clone(),
                runtime.handle().clone(),
            ))));
            rafts.push(Some(raft));
            machines.push(Some(machine));
            slots.push(Some(Slot::default()));
        }
        Ok(ClusterNode {
            shards: Arc::new(Shards {
                count: cluster.shards,
                slots,
            }),
            cluster,
            me,
            rafts,
            machines,
            gates,
            runtime: Some(runtime),
        })
    }

    /// What the node-to-node server serves.
    pub fn peers(&self) -> Peers {
        Peers {
            secret: self.cluster.secret.clone().unwrap_or_default().into(),
            rafts: self.rafts.clone(),
        }
    }

    /// Starts, per shard, the task that gives the registry the shard's
    /// actors while this node leads it and takes them away when it stops.
    pub fn lead(&self, registry: Arc<Registry>) {
        let Some(rt) = &self.runtime else { return };
        for shard in 0..self.cluster.shards {
            let (Some(Some(raft)), Some(Some(machine))) = (
                self.rafts.get(shard as usize),
                self.machines.get(shard as usize),
            ) else {
                continue;
            };
            rt.spawn(control(
                shard,
                raft_id(self.me),
                raft.clone(),
                machine.clone(),
                self.shards.clone(),
                registry.clone(),
            ));
        }
    }

    /// The client address of the node that leads `shard`, if known.
    pub fn leader_addr(&self, shard: u32) -> Option<String> {
        let raft = self.rafts.get(shard as usize)?.as_ref()?;
        let leader = raft.metrics().borrow().current_leader?;
        let index = usize::try_from(leader.checked_sub(1)?).ok()?;
        self.cluster.nodes.get(index).map(|n| n.addr.clone())
    }

    /// Whether this node has its actors up for `shard` (it leads it).
    pub fn leads(&self, shard: u32) -> bool {
        self.shards.slot(shard).is_some_and(Slot::serving)
    }

    pub fn shutdown(&self) {
        for raft in self.rafts.iter().flatten() {
            let raft = raft.clone();
            if let Some(rt) = &self.runtime {
                rt.spawn(async move { raft.shutdown().await });
            }
        }
    }
}

/// Every org and event of `state` as reflecting sequence 0: all of it is
/// committed, so a read of it waits for nothing.
fn committed(mut state: State) -> State {
    for o in state.orgs.values_mut() {
        o.applied_seq = 0;
    }
    for e in state.events.values_mut().flat_map(|m| m.values_mut()) {
        e.applied_seq = 0;
    }
    state
}

/// Follows `raft`'s metrics: when this node becomes the shard's leader (and
/// has applied everything committed before its term, which
/// `ensure_linearizable` waits for), starts a generation and the shard's
/// actors from the committed state; when it stops leading (another term, a
/// failed proposal), ends the generation and retires the actors, whose
/// state may hold effects that never committed.
async fn control(
    shard: u32,
    me: NodeId,
    raft: Raft,
    machine: Machine,
    shards: Arc<Shards>,
    registry: Arc<Registry>,
) {
    let count = shards.count;
    let in_shard = move |org: &crate::domain::Id| shard_of(org.as_str(), count) == shard;
    let Some(slot) = shards.slot(shard) else {
        return;
    };
    let mut metrics = raft.metrics();
    loop {
        let (leading, term) = {
            let m = metrics.borrow_and_update();
            (
                m.state == ServerState::Leader && m.current_leader == Some(me),
                m.current_term,
            )
        };
        if let Some(p) = slot.current() {
            if !leading || p.term != term || p.is_failed() {
                tracing::info!(
                    shard,
                    term,
                    "no longer leading the shard: retiring its actors"
                );
                slot.end("this node no longer leads the shard");
                registry.retire(in_shard);
            }
        }
        if leading && slot.current().is_none() {
            match raft.ensure_linearizable().await {
                Ok(_) if raft.metrics().borrow().current_term == term => {
                    let (state, applied) = machine.state();
                    registry.retire(in_shard);
                    slot.begin(raft.clone(), shard, term);
                    registry.adopt(committed(state));
                    slot.open();
                    tracing::info!(shard, term, ?applied, "leading the shard");
                    continue;
                }
                Ok(_) => continue,
                Err(e) => tracing::info!(shard, error = %e, "not confirmed as leader"),
            }
        }
        tokio::select! {
            changed = metrics.changed() => if changed.is_err() { return },
            () = tokio::time::sleep(Duration::from_millis(200)) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Id, OrgKind};
    use crate::persist::{Record, Replicated};

    /// One node, one shard: records appended while a proposal is in flight
    /// are proposed together, so 500 concurrent writes take a few entries,
    /// not 500; each is committed and in the state machine; once the
    /// generation ends, nothing more is taken.
    #[test]
    fn concurrent_records_are_proposed_as_a_few_entries_and_committed() {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let dir = tempfile::tempdir().unwrap();
        rt.block_on(async {
            let text = "shards = 1\nsecret = \"0123456789abcdef0\"\n[[nodes]]\nid = \"a\"\n\
                        addr = \"127.0.0.1:1\"\nraft_addr = \"127.0.0.1:2\"\n";
            let cluster = Cluster::parse(text, None).unwrap();
            let node = ClusterNode::start(cluster, 0, dir.path()).await.unwrap();
            let raft = node.rafts[0].clone().unwrap();
            raft.wait(Some(Duration::from_secs(10)))
                .state(ServerState::Leader, "leader")
                .await
                .unwrap();
            let term = raft.metrics().borrow().current_term;
            let slot = node.shards.slot(0).unwrap();
            let p = slot.begin(raft.clone(), 0, term);
            let before = raft.metrics().borrow().last_log_index.unwrap_or(0);
            let org = |i: usize| Record::OrgCreated {
                org: Id::parse(&format!("org{i}")).unwrap(),
                kind: OrgKind::Team,
            };
            let seqs: Vec<_> = (0..500).map(|i| p.append(&org(i)).unwrap()).collect();
            for s in &seqs {
                node.shards.wait_durable(*s).await.unwrap();
            }
            let after = raft.metrics().borrow().last_log_index.unwrap_or(0);
            assert!(
                (1..=2).contains(&(after - before)),
                "500 records took {} entries",
                after - before
            );
            let machine = node.machines[0].clone().unwrap();
            assert_eq!(machine.state().0.orgs.len(), 500);
            slot.end("the test ends it");
            assert!(p.append(&org(501)).is_err());
            assert!(
                node.shards.append(&org(502)).is_err(),
                "no current leadership"
            );
        });
    }
}
