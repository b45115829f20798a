//! Running as a cluster (SPEC §5): the cluster file, which shard an org
//! belongs to, and the HAProxy configuration that routes to the shards.
//!
//! Orgs are split into `S` shards by `crc32(org id) mod S`, the value
//! HAProxy's `crc32,mod(S)` converters compute on the org path segment, so
//! the proxy sends every request for an org to the replicas of its shard.
//! See `docs/CLUSTER.md`.

// openraft's traits fix the error types (`StorageError`, `RPCError`), which
// are large; its own examples allow this too.
#![allow(clippy::result_large_err)]

pub mod file;
pub mod gate;
pub mod haproxy;
pub mod log_store;
pub mod machine;
pub mod network;
pub mod node;
pub mod proposer;
pub mod serve;
pub mod status;
pub mod types;

pub use file::{Cluster, ClusterError, Node};

/// `gatehouse cluster haproxy FILE`: prints the configuration, or says
/// what is wrong with the file and exits non-zero.
pub fn print_haproxy(file: &std::path::Path, bind: &str) -> std::process::ExitCode {
    match Cluster::load(file, None) {
        Ok(cluster) => {
            print!("{}", haproxy::render(&cluster, bind));
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gatehouse: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The shard of an org: `crc32(org id) mod shards`, the standard CRC-32
/// (IEEE, as zlib, PNG and HAProxy's `crc32` converter compute it) of the
/// id's bytes. `shards` is at least 1 in any validated cluster; 0 is taken
/// as 1.
pub fn shard_of(org: &str, shards: u32) -> u32 {
    crc32fast::hash(org.as_bytes()) % shards.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Known CRC-32 values (the check value of the IEEE polynomial and
    /// zlib's), so the hash is the standard one HAProxy computes.
    #[test]
    fn the_shard_is_the_standard_crc32_mod_the_shard_count() {
        assert_eq!(crc32fast::hash(b"123456789"), 0xCBF4_3926);
        assert_eq!(shard_of("123456789", 1 << 31), 0xCBF4_3926 % (1 << 31));
        assert_eq!(shard_of("123456789", 7), 0xCBF4_3926 % 7);
        assert_eq!(shard_of("", 3), 0);
        assert_eq!(shard_of("anything", 1), 0);
        assert_eq!(shard_of("anything", 0), 0);
    }
}
