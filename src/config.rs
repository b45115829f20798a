//! Settings: each a flag and a `GATEHOUSE_*` variable (the flag wins).

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::http::observe::RequestLog;

#[derive(Debug, Parser)]
#[command(
    name = "gatehouse",
    version,
    about = "License and permission server for an event-production platform"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Work with snapshot files.
    Snapshot {
        #[command(subcommand)]
        command: SnapshotCommand,
    },
    /// Work with a cluster file (SPEC §5).
    Cluster {
        #[command(subcommand)]
        command: ClusterCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum ClusterCommand {
    /// Print the HAProxy configuration that routes to the cluster's shards.
    Haproxy {
        /// The cluster file (TOML).
        file: PathBuf,
        /// Where HAProxy listens for clients.
        #[arg(long, default_value = "0.0.0.0:8080")]
        bind: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// Print a JSON summary of a snapshot file; exit non-zero if it is damaged.
    Inspect { file: PathBuf },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "GATEHOUSE_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Token that may call every route (generated and written to
    /// <snapshot-dir>/admin.token when not set).
    #[arg(long, env = "GATEHOUSE_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Token that may call only the read-only routes.
    #[arg(long, env = "GATEHOUSE_CHECK_TOKEN", hide_env_values = true)]
    pub check_token: Option<String>,
    /// Folder of snapshots, the journal, admin.token and the lock that keeps
    /// a second server out of it.
    #[arg(long, env = "GATEHOUSE_SNAPSHOT_DIR", default_value = "snapshots")]
    pub snapshot_dir: PathBuf,
    /// Seconds between periodic snapshots (0 turns them off).
    #[arg(long, env = "GATEHOUSE_SNAPSHOT_INTERVAL", default_value_t = 60)]
    pub snapshot_interval: u64,
    /// Start from this snapshot file instead of the folder's newest.
    #[arg(long, env = "GATEHOUSE_RESTORE")]
    pub restore: Option<PathBuf>,
    /// Log lines as text or JSON (level from RUST_LOG).
    #[arg(long, env = "GATEHOUSE_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "GATEHOUSE_WORKERS")]
    pub workers: Option<usize>,
    /// Log one in N successful fast reads and checks at info (0: none;
    /// writes, refusals, failures and slow requests are always logged).
    #[arg(long, env = "GATEHOUSE_LOG_SAMPLE", default_value_t = 0)]
    pub log_sample: u64,
    /// A request slower than this many milliseconds is logged at info.
    #[arg(long, env = "GATEHOUSE_LOG_SLOW_MS", default_value_t = 100)]
    pub log_slow_ms: u64,
    /// Run as a node of the cluster this TOML file describes (SPEC §5);
    /// `--addr` is then the node's `addr` from the file.
    #[arg(long, env = "GATEHOUSE_CLUSTER", requires = "node")]
    pub cluster: Option<PathBuf>,
    /// This node's id in the cluster file.
    #[arg(long, env = "GATEHOUSE_NODE", requires = "cluster")]
    pub node: Option<String>,
    /// The node-to-node secret, instead of the cluster file's.
    #[arg(long, env = "GATEHOUSE_CLUSTER_SECRET", hide_env_values = true)]
    pub cluster_secret: Option<String>,
}

/// Running as a cluster node.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    pub file: PathBuf,
    pub node: String,
    pub secret: Option<String>,
}

/// Everything the server needs to start; built from [`ServeArgs`] by `main`
/// and directly by tests.
#[derive(Debug, Clone)]
pub struct Config {
    pub addr: String,
    pub admin_token: Option<String>,
    pub check_token: Option<String>,
    pub snapshot_dir: PathBuf,
    /// Seconds; 0 turns periodic snapshots off.
    pub snapshot_interval: u64,
    pub restore: Option<PathBuf>,
    pub workers: Option<usize>,
    /// Which request lines are logged at `info`.
    pub request_log: RequestLog,
    /// `None`: one process, as without a cluster.
    pub cluster: Option<ClusterConfig>,
}

impl Config {
    /// The defaults of SPEC §3 with the given snapshot folder.
    pub fn new(snapshot_dir: PathBuf) -> Config {
        Config {
            addr: "127.0.0.1:8080".into(),
            admin_token: None,
            check_token: None,
            snapshot_dir,
            snapshot_interval: 60,
            restore: None,
            workers: None,
            request_log: RequestLog::default(),
            cluster: None,
        }
    }
}

impl From<ServeArgs> for Config {
    fn from(a: ServeArgs) -> Config {
        Config {
            addr: a.addr,
            admin_token: a.admin_token.filter(|t| !t.is_empty()),
            check_token: a.check_token.filter(|t| !t.is_empty()),
            snapshot_dir: a.snapshot_dir,
            snapshot_interval: a.snapshot_interval,
            restore: a.restore,
            workers: a.workers,
            request_log: RequestLog {
                slow: Duration::from_millis(a.log_slow_ms),
                sample: a.log_sample,
            },
            cluster: a.cluster.zip(a.node).map(|(file, node)| ClusterConfig {
                file,
                node,
                secret: a.cluster_secret.filter(|s| !s.is_empty()),
            }),
        }
    }
}
