//! The cluster file (SPEC §5): TOML naming the nodes, how many shards there
//! are, which nodes replicate each, and the node-to-node secret. Everything
//! is checked when it is read, and each mistake is reported with the file's
//! path and what to change.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::domain::Id;

/// The most shards a cluster may have (each is a Raft group on every node
/// that replicates it).
pub const MAX_SHARDS: u32 = 1024;
/// How many nodes replicate a shard that names no replicas.
pub const DEFAULT_REPLICAS: usize = 3;
/// The shortest secret accepted, in bytes.
pub const MIN_SECRET: usize = 16;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    shards: u32,
    #[serde(default)]
    secret: Option<String>,
    #[serde(default)]
    nodes: Vec<Node>,
    #[serde(default)]
    shard: Vec<RawShard>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawShard {
    id: u32,
    replicas: Vec<String>,
}

/// One node of the cluster file.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    /// Its name: an id (`[A-Za-z0-9._:@+-]{1,128}`).
    pub id: String,
    /// `host:port` where clients and HAProxy reach it.
    pub addr: String,
    /// `host:port` where the other nodes reach it.
    pub raft_addr: String,
}

/// A checked cluster file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cluster {
    pub shards: u32,
    pub nodes: Vec<Node>,
    /// For each shard, in shard order, the positions in `nodes` of its
    /// replicas.
    pub replicas: Vec<Vec<usize>>,
    /// The node-to-node secret, when the file or the command line gave one.
    pub secret: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("cannot read the cluster file {}: {source}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the cluster file {} is not valid: {message}", .path.display())]
    Invalid { path: PathBuf, message: String },
    #[error("the cluster file {} names no node {node:?} (its nodes: {known})", .path.display())]
    UnknownNode {
        path: PathBuf,
        node: String,
        known: String,
    },
}

impl Cluster {
    /// Reads and checks `path`. `secret`, when given (the flag or
    /// `GATEHOUSE_CLUSTER_SECRET`), is used instead of the file's.
    pub fn load(path: &Path, secret: Option<String>) -> Result<Cluster, ClusterError> {
        let text = std::fs::read_to_string(path).map_err(|source| ClusterError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Cluster::parse(&text, secret).map_err(|message| ClusterError::Invalid {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Checks the text of a cluster file; the error says what is wrong.
    pub fn parse(text: &str, secret: Option<String>) -> Result<Cluster, String> {
        let raw: RawFile = toml::from_str(text).map_err(|e| e.to_string())?;
        if raw.shards == 0 || raw.shards > MAX_SHARDS {
            return Err(format!(
                "`shards` is {}: it must be between 1 and {MAX_SHARDS}",
                raw.shards
            ));
        }
        check_nodes(&raw.nodes)?;
        let replicas = replicas(&raw, &raw.nodes)?;
        let secret = secret.filter(|s| !s.is_empty()).or(raw.secret);
        if let Some(s) = &secret {
            if s.len() < MIN_SECRET {
                return Err(format!(
                    "the secret has {} bytes: use at least {MIN_SECRET} random bytes",
                    s.len()
                ));
            }
        }
        Ok(Cluster {
            shards: raw.shards,
            nodes: raw.nodes,
            replicas,
            secret,
        })
    }

    /// The position in `nodes` of the node named `id`.
    pub fn node_index(&self, path: &Path, id: &str) -> Result<usize, ClusterError> {
        self.nodes
            .iter()
            .position(|n| n.id == id)
            .ok_or_else(|| ClusterError::UnknownNode {
                path: path.to_path_buf(),
                node: id.to_string(),
                known: self
                    .nodes
                    .iter()
                    .map(|n| n.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// The nodes replicating `shard`, in the file's order.
    pub fn shard_nodes(&self, shard: u32) -> impl Iterator<Item = &Node> {
        self.replicas
            .get(shard as usize)
            .into_iter()
            .flatten()
            .filter_map(|&i| self.nodes.get(i))
    }

    /// The shards `node` (a position in `nodes`) replicates.
    pub fn shards_of(&self, node: usize) -> Vec<u32> {
        (0..self.shards)
            .filter(|&s| {
                self.replicas
                    .get(s as usize)
                    .is_some_and(|r| r.contains(&node))
            })
            .collect()
    }
}

fn check_nodes(nodes: &[Node]) -> Result<(), String> {
    if nodes.is_empty() {
        return Err("it names no node: add one `[[nodes]]` table per node".into());
    }
    let mut ids = BTreeSet::new();
    let mut addrs = BTreeSet::new();
    for n in nodes {
        if !Id::is_valid(&n.id) {
            return Err(format!(
                "node id {:?} is not valid: use 1 to 128 of A-Z a-z 0-9 . _ : @ + -",
                n.id
            ));
        }
        if !ids.insert(n.id.as_str()) {
            return Err(format!("node id {:?} appears twice", n.id));
        }
        for (key, addr) in [("addr", &n.addr), ("raft_addr", &n.raft_addr)] {
            check_addr(addr).map_err(|why| format!("node {:?}: `{key}` {why}", n.id))?;
            if !addrs.insert(addr.as_str()) {
                return Err(format!(
                    "node {:?}: `{key}` {addr:?} is used twice (every addr and raft_addr \
                     must be its own)",
                    n.id
                ));
            }
        }
    }
    Ok(())
}

/// `host:port` with a non-zero port and a host with no space or slash.
fn check_addr(addr: &str) -> Result<(), String> {
    let bad = || format!("{addr:?} is not host:port (for example 10.0.0.1:8080)");
    let (host, port) = addr.rsplit_once(':').ok_or_else(bad)?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if host.is_empty() || host.contains(|c: char| c.is_whitespace() || c == '/') {
        return Err(bad());
    }
    match port.parse::<u16>() {
        Ok(p) if p > 0 => Ok(()),
        _ => Err(bad()),
    }
}

/// Each shard's replicas: its `[[shard]]` table's list, or the first
/// [`DEFAULT_REPLICAS`] nodes.
fn replicas(raw: &RawFile, nodes: &[Node]) -> Result<Vec<Vec<usize>>, String> {
    let default: Vec<usize> = (0..nodes.len().min(DEFAULT_REPLICAS)).collect();
    let mut out = vec![default; raw.shards as usize];
    let mut seen = BTreeSet::new();
    for s in &raw.shard {
        if s.id >= raw.shards {
            return Err(format!(
                "`[[shard]]` id {} is out of range: shards are 0 to {}",
                s.id,
                raw.shards - 1
            ));
        }
        if !seen.insert(s.id) {
            return Err(format!("`[[shard]]` id {} appears twice", s.id));
        }
        if s.replicas.is_empty() {
            return Err(format!("shard {} lists no replica", s.id));
        }
        let mut list = Vec::with_capacity(s.replicas.len());
        for name in &s.replicas {
            let i = nodes
                .iter()
                .position(|n| &n.id == name)
                .ok_or_else(|| format!("shard {} names an unknown node {name:?}", s.id))?;
            if list.contains(&i) {
                return Err(format!("shard {} lists node {name:?} twice", s.id));
            }
            list.push(i);
        }
        if let Some(slot) = out.get_mut(s.id as usize) {
            *slot = list;
        }
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    const THREE: &str = r#"
        shards = 2
        secret = "0123456789abcdef0123"
        [[nodes]]
        id = "n1"
        addr = "127.0.0.1:8081"
        raft_addr = "127.0.0.1:9081"
        [[nodes]]
        id = "n2"
        addr = "127.0.0.1:8082"
        raft_addr = "127.0.0.1:9082"
        [[nodes]]
        id = "n3"
        addr = "127.0.0.1:8083"
        raft_addr = "127.0.0.1:9083"
        [[nodes]]
        id = "n4"
        addr = "host-4.example:8084"
        raft_addr = "[::1]:9084"
    "#;

    #[test]
    fn a_shard_without_a_table_is_on_the_first_three_nodes() {
        let c = Cluster::parse(THREE, None).unwrap();
        assert_eq!(c.shards, 2);
        assert_eq!(c.replicas, vec![vec![0, 1, 2], vec![0, 1, 2]]);
        assert_eq!(c.secret.as_deref(), Some("0123456789abcdef0123"));
        assert_eq!(c.shards_of(3), Vec::<u32>::new());
        assert_eq!(c.shards_of(1), vec![0, 1]);
        let names: Vec<_> = c.shard_nodes(1).map(|n| n.id.as_str()).collect();
        assert_eq!(names, ["n1", "n2", "n3"]);
    }

    #[test]
    fn shard_tables_name_their_replicas_and_the_flag_secret_wins() {
        let text = format!("{THREE}\n[[shard]]\nid = 1\nreplicas = [\"n4\", \"n2\"]\n");
        let c = Cluster::parse(&text, Some("from-the-flag-0123456".into())).unwrap();
        assert_eq!(c.replicas, vec![vec![0, 1, 2], vec![3, 1]]);
        assert_eq!(c.shards_of(3), vec![1]);
        assert_eq!(c.secret.as_deref(), Some("from-the-flag-0123456"));
    }

    #[test]
    fn fewer_than_three_nodes_replicate_every_shard_on_all() {
        let text = r#"
            shards = 3
            [[nodes]]
            id = "a"
            addr = "127.0.0.1:1"
            raft_addr = "127.0.0.1:2"
        "#;
        let c = Cluster::parse(text, None).unwrap();
        assert_eq!(c.replicas, vec![vec![0]; 3]);
        assert_eq!(c.secret, None);
    }

    #[test]
    fn each_mistake_is_refused_with_what_to_change() {
        let node = |id: &str, a: &str, r: &str| {
            format!("[[nodes]]\nid = \"{id}\"\naddr = \"{a}\"\nraft_addr = \"{r}\"\n")
        };
        let ok = node("n1", "127.0.0.1:1", "127.0.0.1:2");
        let cases = [
            (format!("shards = 0\n{ok}"), "between 1 and"),
            (format!("shards = 5000\n{ok}"), "between 1 and"),
            ("shards = 1\n".to_string(), "names no node"),
            (ok.clone(), "missing field `shards`"),
            (
                format!("shards = 1\nshard_count = 2\n{ok}"),
                "unknown field",
            ),
            (
                format!(
                    "shards = 1\n{}",
                    node("bad id", "127.0.0.1:1", "127.0.0.1:2")
                ),
                "is not valid",
            ),
            (
                format!(
                    "shards = 1\n{ok}{}",
                    node("n1", "127.0.0.1:3", "127.0.0.1:4")
                ),
                "appears twice",
            ),
            (
                format!(
                    "shards = 1\n{ok}{}",
                    node("n2", "127.0.0.1:2", "127.0.0.1:4")
                ),
                "used twice",
            ),
            (
                format!("shards = 1\n{}", node("n1", "127.0.0.1", "127.0.0.1:2")),
                "not host:port",
            ),
            (
                format!("shards = 1\n{}", node("n1", "127.0.0.1:0", "127.0.0.1:2")),
                "not host:port",
            ),
            (
                format!("shards = 1\n{}", node("n1", "127.0.0.1:1", "a b:2")),
                "`raft_addr`",
            ),
            (
                format!("shards = 1\n{ok}[[shard]]\nid = 1\nreplicas = [\"n1\"]\n"),
                "out of range",
            ),
            (
                format!("shards = 1\n{ok}[[shard]]\nid = 0\nreplicas = []\n"),
                "no replica",
            ),
            (
                format!("shards = 1\n{ok}[[shard]]\nid = 0\nreplicas = [\"zz\"]\n"),
                "unknown node \"zz\"",
            ),
            (
                format!("shards = 1\n{ok}[[shard]]\nid = 0\nreplicas = [\"n1\", \"n1\"]\n"),
                "twice",
            ),
            (
                format!(
                    "shards = 1\n{ok}[[shard]]\nid = 0\nreplicas = [\"n1\"]\n\
                     [[shard]]\nid = 0\nreplicas = [\"n1\"]\n"
                ),
                "appears twice",
            ),
            (
                format!("shards = 1\nsecret = \"short\"\n{ok}"),
                "at least 16",
            ),
        ];
        for (text, expected) in cases {
            let err = Cluster::parse(&text, None).unwrap_err();
            assert!(
                err.contains(expected),
                "{text}\n=> {err}\n(wanted {expected:?})"
            );
        }
    }

    #[test]
    fn load_names_the_file_and_an_unknown_node_lists_the_known_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cluster.toml");
        let err = Cluster::load(&path, None).unwrap_err().to_string();
        assert!(err.contains("cannot read the cluster file") && err.contains("cluster.toml"));
        std::fs::write(&path, "shards = 0\n").unwrap();
        let err = Cluster::load(&path, None).unwrap_err().to_string();
        assert!(
            err.contains("cluster.toml") && err.contains("is not valid"),
            "{err}"
        );
        std::fs::write(&path, THREE).unwrap();
        let c = Cluster::load(&path, None).unwrap();
        assert_eq!(c.node_index(&path, "n3").unwrap(), 2);
        let err = c.node_index(&path, "n9").unwrap_err().to_string();
        assert!(
            err.contains("\"n9\"") && err.contains("n1, n2, n3, n4"),
            "{err}"
        );
    }
}
