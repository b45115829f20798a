//! The one way a test starts the server in its own process: [`start`] with
//! [`Options`] saying what differs (tokens, the snapshot interval, any other
//! setting). The binary, as a separate process, is started by
//! `tests/durability/process.rs` alone.
#![allow(dead_code)]

use std::path::PathBuf;

use gatehouse::config::Config;
use gatehouse::startup::Application;

pub const ADMIN_TOKEN: &str = "admin-secret";
pub const CHECK_TOKEN: &str = "check-secret";

/// How to start the server. The default has both tokens above, the
/// configuration's own snapshot interval and a fresh snapshot folder.
pub struct Options {
    pub admin_token: Option<String>,
    pub check_token: Option<String>,
    /// `None`: the configuration's default.
    pub snapshot_interval: Option<u64>,
    /// Any other setting, applied last.
    pub tweak: fn(&mut Config),
}

impl Default for Options {
    fn default() -> Options {
        Options {
            admin_token: Some(ADMIN_TOKEN.into()),
            check_token: Some(CHECK_TOKEN.into()),
            snapshot_interval: None,
            tweak: |_| {},
        }
    }
}

impl Options {
    /// No periodic snapshots: only what a test asks for is written.
    pub fn no_snapshots() -> Options {
        Options {
            snapshot_interval: Some(0),
            ..Options::default()
        }
    }
}

/// A server running on a free loopback port, with its own snapshot folder
/// (removed when this is dropped).
pub struct Server {
    pub port: u16,
    /// `http://127.0.0.1:PORT`
    pub address: String,
    pub snapshot_dir: PathBuf,
    pub client: reqwest::Client,
    _dir: tempfile::TempDir,
}

pub async fn start(options: Options) -> Server {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = Config::new(dir.path().to_path_buf());
    config.addr = "127.0.0.1:0".to_string();
    config.admin_token = options.admin_token;
    config.check_token = options.check_token;
    if let Some(interval) = options.snapshot_interval {
        config.snapshot_interval = interval;
    }
    (options.tweak)(&mut config);
    let app = Application::build(config).await.expect("build");
    let port = app.port();
    actix_web::rt::spawn(app.run_until_stopped());
    Server {
        port,
        address: format!("http://127.0.0.1:{port}"),
        snapshot_dir: dir.path().to_path_buf(),
        client: reqwest::Client::new(),
        _dir: dir,
    }
}

/// The seed named by the environment variable `var` (decimal or `0x`-hex),
/// else `default`, so that a failing random run can be repeated.
pub fn seed(var: &str, default: u64) -> u64 {
    match std::env::var(var) {
        Ok(s) => {
            let s = s.trim();
            s.strip_prefix("0x")
                .map_or_else(|| s.parse().ok(), |hex| u64::from_str_radix(hex, 16).ok())
                .unwrap_or_else(|| panic!("{var}={s:?} is not a number"))
        }
        Err(_) => default,
    }
}
