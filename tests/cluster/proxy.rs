//! The real HAProxy (Debian's `haproxy` package), started in the
//! foreground on a configuration the test wrote, and killed when dropped.

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind an ephemeral port")
        .local_addr()
        .expect("local addr")
        .port()
}

/// Where the binary is: on `PATH`, or Debian's place for it.
fn binary() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|dir| dir.join("haproxy"))
        .find(|p| p.is_file());
    on_path.unwrap_or_else(|| PathBuf::from("/usr/sbin/haproxy"))
}

pub struct Proxy {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub address: String,
    pub log: PathBuf,
}

impl Proxy {
    /// Writes `cluster_file` into `dir`, has `gatehouse cluster haproxy`
    /// print its HAProxy configuration, checks that with `haproxy -c`, and
    /// starts HAProxy on it.
    pub fn start(cluster_file: &str, dir: &Path) -> Proxy {
        let port = free_port();
        let file = dir.join("cluster.toml");
        fs::write(&file, cluster_file).unwrap();
        let printed = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
            .args(["cluster", "haproxy"])
            .arg(&file)
            .args(["--bind", &format!("127.0.0.1:{port}")])
            .output()
            .unwrap();
        assert!(
            printed.status.success(),
            "gatehouse cluster haproxy failed: {}",
            String::from_utf8_lossy(&printed.stderr)
        );
        let cfg = dir.join("haproxy.cfg");
        fs::write(&cfg, &printed.stdout).unwrap();
        let check = Command::new(binary())
            .args(["-c", "-f"])
            .arg(&cfg)
            .output()
            .expect("run haproxy -c (is the haproxy package installed?)");
        assert!(
            check.status.success(),
            "haproxy refused the generated configuration:\n{}{}",
            String::from_utf8_lossy(&check.stdout),
            String::from_utf8_lossy(&check.stderr)
        );
        let log = dir.join("haproxy.log");
        let child = Command::new(binary())
            .arg("-db")
            .arg("-f")
            .arg(&cfg)
            .stdin(Stdio::null())
            .stdout(fs::File::create(&log).unwrap())
            .stderr(fs::File::create(dir.join("haproxy.err")).unwrap())
            .spawn()
            .expect("start haproxy");
        Proxy {
            child,
            address: format!("http://127.0.0.1:{port}"),
            log,
        }
    }
}

impl Proxy {
    /// Panics with what HAProxy said if it has exited.
    pub fn assert_running(&mut self) {
        if let Some(status) = self.child.try_wait().unwrap() {
            panic!("haproxy exited ({status}):\n{}", self.output());
        }
    }

    /// What HAProxy printed so far (its warnings, health-check changes).
    pub fn output(&self) -> String {
        let err = self.log.with_file_name("haproxy.err");
        format!(
            "{}{}",
            fs::read_to_string(&self.log).unwrap_or_default(),
            fs::read_to_string(err).unwrap_or_default()
        )
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A cluster file with a mistake prints no configuration: the command
/// names the file and the mistake and exits non-zero.
#[test]
fn a_bad_cluster_file_prints_no_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cluster.toml");
    fs::write(&file, "shards = 0\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args(["cluster", "haproxy"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cluster.toml") && err.contains("`shards` is 0"),
        "{err}"
    );
}
