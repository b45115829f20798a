//! Building the application, one way for `main` and for the tests.
//!
//! Nothing that can change the folder is done before the folder is locked
//! and the port is bound: a second server started by mistake on the same
//! folder or port stops there, having touched nothing.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::dev::{Server, ServerHandle};
use actix_web::{middleware, App, HttpServer};
use rand::RngCore;

use crate::actors::placement::Placement;
use crate::actors::snapshotter::{SnapshotFailure, Snapshots};
use crate::actors::Registry;
use crate::config::Config;
use crate::http::auth::{self, Tokens};
use crate::http::AppState;
use crate::persist::journal::sync_dir;
use crate::persist::lock::{FolderLock, LockError};
use crate::persist::restore::{restore, RestoreError};
use crate::persist::{Journal, JournalError, State};

/// The admin token's file inside the snapshot folder.
const TOKEN_FILE: &str = "admin.token";

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(
        "cannot read the admin token file {}: {source}. The server never replaces an \
         existing token file: make it readable for this user, or remove it to have a new \
         token generated",
        .path.display()
    )]
    TokenUnreadable { path: PathBuf, source: io::Error },
    #[error(
        "the admin token file {} holds no token (it is empty or not UTF-8 text). The server \
         never replaces an existing token file: write the token into it, or remove it to \
         have a new token generated",
        .path.display()
    )]
    TokenEmpty { path: PathBuf },
    #[error("cannot write the admin token file {}: {source}", .path.display())]
    TokenWrite { path: PathBuf, source: io::Error },
    #[error(transparent)]
    Restore(#[from] RestoreError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: io::Error },
    #[error("the HTTP workers did not start: {0}")]
    Workers(String),
    #[error("cannot start the cluster node: {0}")]
    Cluster(String),
}

pub struct Application {
    /// The server, spawned so that its workers start (and build the
    /// registry) while `build` waits.
    running: actix_rt::task::JoinHandle<io::Result<()>>,
    handle: ServerHandle,
    port: u16,
    registry: Arc<Registry>,
    snapshots: Arc<Snapshots>,
    snapshot_interval: u64,
    /// Held until the process ends: no other server opens the folder.
    lock: FolderLock,
    /// The token read from or written to the folder's file (not one given
    /// on the command line), to write back if the folder has to be made
    /// again at shutdown.
    token_in_folder: Option<String>,
    /// In a cluster: the node, whose shards Raft snapshots itself.
    cluster: Option<crate::cluster::serve::Started>,
}

impl Application {
    /// Locks the folder, binds the listener (port 0 picks a free one),
    /// restores the state, opens the journal and starts the actors.
    pub async fn build(config: Config) -> Result<Application, StartupError> {
        crate::metrics::handle();
        let dir = config.snapshot_dir.clone();
        let lock = FolderLock::acquire(&dir)?;
        let cluster = match &config.cluster {
            Some(c) => Some(
                crate::cluster::serve::start(c, &dir)
                    .await
                    .map_err(StartupError::Cluster)?,
            ),
            None => None,
        };
        let mut config = config;
        if let Some(c) = &cluster {
            config.addr = c.addr.clone();
            config.snapshot_interval = 0;
        }
        let listener = bind(&config.addr)?;
        let token_in_folder = match config.admin_token {
            Some(_) => None,
            None => Some(admin_token_file(&dir)?),
        };
        let admin = config.admin_token.clone().or(token_in_folder.clone());
        let workers = config
            .workers
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from))
            .max(1);
        let placement = match &cluster {
            None => {
                let (state, journal) = open_folder(&dir, &config)?;
                Placement::new(state, journal, workers)
            }
            Some(c) => Placement::new(
                State::default(),
                crate::persist::Log::Replicated(c.node.shards.clone()),
                workers,
            ),
        };
        let snapshots = Arc::new(Snapshots::new(dir));
        let tokens = Tokens {
            admin: admin.unwrap_or_default(),
            check: config.check_token.clone(),
        };
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
        let node = cluster.as_ref().map(|c| c.node.clone());
        let server = serve(
            listener, &placement, &snapshots, tokens, workers, &config, node,
        )?;
        let (running, handle, registry) = start_workers(server, &placement).await?;
        if let Some(c) = &cluster {
            c.node.lead(registry.clone());
        }
        tracing::info!(addr = %config.addr, port, workers, "listening");
        Ok(Application {
            running,
            handle,
            port,
            registry,
            snapshots,
            snapshot_interval: config.snapshot_interval,
            lock,
            token_in_folder,
            cluster,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The actors' registry, for tests that compare live and restored state.
    pub fn registry(&self) -> Arc<Registry> {
        self.registry.clone()
    }

    /// Serves until SIGINT/SIGTERM, then writes a final snapshot and closes
    /// the journal. Fails if writes were acknowledged that no file holds.
    pub async fn run_until_stopped(self) -> io::Result<()> {
        let periodic = (self.snapshot_interval > 0).then(|| {
            let registry = self.registry.clone();
            let snapshots = self.snapshots.clone();
            let every = Duration::from_secs(self.snapshot_interval);
            actix_rt::spawn(async move {
                let mut ticks = actix_rt::time::interval(every);
                ticks.tick().await;
                loop {
                    ticks.tick().await;
                    match snapshots.take(&registry).await {
                        Ok(t) => tracing::info!(file = %t.file.display(), bytes = t.bytes, "snapshot written"),
                        Err(e) => tracing::error!(error = %e, "periodic snapshot failed"),
                    }
                }
            })
        });
        let Application {
            mut running,
            handle,
            registry,
            snapshots,
            mut lock,
            token_in_folder,
            cluster,
            ..
        } = self;
        let mut lost = Ok(());
        let served = tokio::select! {
            signal = shutdown_signal() => {
                tracing::info!(signal, "shutting down: no new connections; writing the final snapshot");
                if let Some(task) = &periodic {
                    task.abort();
                }
                handle.pause().await;
                if cluster.is_none() {
                    lost = final_snapshot(&snapshots, &registry, &mut lock, token_in_folder.as_deref()).await;
                }
                tracing::info!("finishing in-flight requests");
                handle.stop(true).await;
                running.await
            }
            ended = &mut running => ended,
        };
        if let Some(task) = periodic {
            task.abort();
        }
        let served = served.unwrap_or_else(|e| Err(io::Error::other(e)));
        // Whatever was written after the snapshot is in the journal.
        registry.journal().close();
        if let Some(c) = cluster {
            c.raft_server.stop(true).await;
            c.node.shutdown();
        }
        drop(lock);
        tracing::info!("shut down");
        lost.and(served)
    }
}

/// Binds the listener; nothing else is open yet.
fn bind(addr: &str) -> Result<TcpListener, StartupError> {
    TcpListener::bind(addr).map_err(|source| StartupError::Bind {
        addr: addr.to_string(),
        source,
    })
}

/// Restores the folder's state (or `--restore`'s file), writes the
/// start-up snapshot if one is needed, and opens the journal after it.
fn open_folder(dir: &Path, config: &Config) -> Result<(State, Journal), StartupError> {
    let mut restored = restore(dir, config.restore.as_deref())?;
    tracing::info!(
        snapshot = ?restored.snapshot,
        replayed = restored.replayed,
        orgs = restored.state.orgs.len(),
        events = restored.state.event_count(),
        "state restored"
    );
    restored.settle(dir, now_ms())?;
    let journal = Journal::open(
        dir,
        restored.next_segment,
        restored.next_seq,
        Box::new(|seconds, bytes| {
            metrics::histogram!(crate::metrics::JOURNAL_FLUSH).record(seconds);
            metrics::counter!(crate::metrics::JOURNAL_BYTES).increment(bytes as u64);
        }),
    )?;
    Ok((restored.state, journal))
}

/// The HTTP server on `listener`; each worker joins `placement` while it
/// builds its app.
fn serve(
    listener: TcpListener,
    placement: &Arc<Placement>,
    snapshots: &Arc<Snapshots>,
    tokens: Tokens,
    workers: usize,
    config: &Config,
    cluster: Option<Arc<crate::cluster::node::ClusterNode>>,
) -> Result<Server, StartupError> {
    use crate::cluster::gate;
    let placement = placement.clone();
    let in_cluster = cluster.is_some();
    let cluster = cluster.map(actix_web::web::Data::from);
    let snapshots = snapshots.clone();
    let request_log = actix_web::web::Data::new(config.request_log);
    let server = HttpServer::new(move || {
        let placement = placement.clone();
        let snapshots = snapshots.clone();
        let tokens = tokens.clone();
        let app = App::new();
        let app = match &cluster {
            Some(node) => app.app_data(node.clone()),
            None => app,
        };
        app.app_data(request_log.clone())
            // Runs on each worker thread, which the actors then share.
            .data_factory(move || {
                let placement = placement.clone();
                let snapshots = snapshots.clone();
                let tokens = tokens.clone();
                async move {
                    let registry = placement.join().await.ok_or("no registry")?;
                    Ok::<_, &str>(AppState {
                        registry,
                        snapshots,
                        tokens,
                    })
                }
            })
            // In a cluster: org requests only on their shard's leader
            // (after the token check), and the leader route (before it).
            .wrap(middleware::Condition::new(
                in_cluster,
                middleware::from_fn(gate::gate),
            ))
            .wrap(middleware::from_fn(auth::authenticate))
            .wrap(middleware::Condition::new(
                in_cluster,
                middleware::from_fn(gate::leader_route),
            ))
            .wrap(middleware::from_fn(crate::http::observe::observe))
            .configure(crate::http::configure)
    })
    .workers(workers)
    .client_request_timeout(Duration::from_secs(10))
    .client_disconnect_timeout(Duration::from_secs(2))
    .keep_alive(Duration::from_secs(75))
    .shutdown_timeout(30)
    // Signals are handled in `run_until_stopped`: the final snapshot is
    // taken before the workers (and the actors on their threads) stop.
    .disable_signals()
    .listen(listener)
    .map_err(|source| StartupError::Bind {
        addr: config.addr.clone(),
        source,
    })?;
    Ok(server.run())
}

/// Spawns the server and waits until its workers have built the registry.
async fn start_workers(
    server: Server,
    placement: &Placement,
) -> Result<
    (
        actix_rt::task::JoinHandle<io::Result<()>>,
        ServerHandle,
        Arc<Registry>,
    ),
    StartupError,
> {
    let handle = server.handle();
    let mut running = actix_rt::spawn(server);
    let registry = tokio::select! {
        registry = placement.registry() => registry,
        ended = &mut running => {
            let why = match ended {
                Ok(Ok(())) => "the server stopped while starting".to_string(),
                Ok(Err(e)) => e.to_string(),
                Err(e) => e.to_string(),
            };
            return Err(StartupError::Workers(why));
        }
    }
    .ok_or_else(|| StartupError::Workers("the workers never built the registry".into()))?;
    Ok((running, handle, registry))
}

/// The snapshot at shutdown. Fails only when acknowledged writes are then
/// in no file: the journal's folder was gone and the snapshot that should
/// have replaced it could not be written.
async fn final_snapshot(
    snapshots: &Snapshots,
    registry: &Registry,
    lock: &mut FolderLock,
    token_in_folder: Option<&str>,
) -> io::Result<()> {
    if registry.journal().gone().is_none() {
        match snapshots.take(registry).await {
            Ok(t) => {
                tracing::info!(file = %t.file.display(), bytes = t.bytes, "final snapshot written");
                return Ok(());
            }
            Err(e) if registry.journal().gone().is_none() => {
                tracing::error!(
                    error = %e,
                    "final snapshot failed; the journal still holds every acknowledged write"
                );
                return Ok(());
            }
            Err(e) => tracing::warn!(error = %e, "the final snapshot found the folder gone"),
        }
    }
    tracing::warn!(
        folder = %snapshots.dir().display(),
        "the journal's folder is gone: making it again and writing everything in memory into it"
    );
    match rebuild_folder(snapshots, registry, lock, token_in_folder).await {
        Ok(file) => {
            tracing::info!(file = %file.display(), "final snapshot written into the new folder");
            Ok(())
        }
        Err(e) => {
            tracing::error!(
                error = %e,
                "final snapshot failed and the journal's folder is gone: writes acknowledged \
                 since the last snapshot are in no file and are lost"
            );
            Err(io::Error::other(format!(
                "the snapshot folder {} was gone and the final snapshot failed ({e}): writes \
                 acknowledged since the last snapshot are lost",
                snapshots.dir().display()
            )))
        }
    }
}

/// Makes the snapshot folder again as a start makes it (locked, with the
/// admin token file if the token came from there) and writes the final
/// snapshot of everything in memory into it.
async fn rebuild_folder(
    snapshots: &Snapshots,
    registry: &Registry,
    lock: &mut FolderLock,
    token_in_folder: Option<&str>,
) -> Result<PathBuf, RebuildError> {
    lock.renew(snapshots.dir())?;
    if let Some(token) = token_in_folder {
        let path = snapshots.dir().join(TOKEN_FILE);
        if !path.exists() {
            write_token_file(&path, token)?;
        }
    }
    Ok(snapshots.take_rebuilt(registry).await?.file)
}

#[derive(Debug, thiserror::Error)]
enum RebuildError {
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Token(#[from] StartupError),
    #[error(transparent)]
    Snapshot(#[from] SnapshotFailure),
}

/// Resolves on SIGINT or SIGTERM with the signal's name.
async fn shutdown_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) {
            (Ok(mut int), Ok(mut term)) => tokio::select! {
                _ = int.recv() => "SIGINT",
                _ = term.recv() => "SIGTERM",
            },
            _ => {
                tracing::warn!(
                    "cannot listen for signals; stop with SIGKILL (the journal keeps every write)"
                );
                std::future::pending().await
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The admin token from `<dir>/admin.token`, made (random, mode 0600) and
/// logged once if the file does not exist. A file that exists but cannot
/// be read, or holds no token, stops the start: it is never replaced.
fn admin_token_file(dir: &Path) -> Result<String, StartupError> {
    let path = dir.join(TOKEN_FILE);
    match fs::read(&path) {
        Ok(bytes) => {
            let token = String::from_utf8(bytes)
                .ok()
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .ok_or_else(|| StartupError::TokenEmpty { path: path.clone() })?;
            tracing::info!(file = %path.display(), "using the admin token from its file");
            Ok(token)
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let mut bytes = [0u8; 32];
            rand::thread_rng().fill_bytes(&mut bytes);
            let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            write_token_file(&path, &token)?;
            tracing::info!(token = %token, file = %path.display(), "generated an admin token (shown once)");
            Ok(token)
        }
        Err(source) => Err(StartupError::TokenUnreadable { path, source }),
    }
}

/// Writes the token file whole or not at all (a temporary file, mode 0600,
/// synced, then renamed into place), so a crash never leaves an empty one.
fn write_token_file(path: &Path, token: &str) -> Result<(), StartupError> {
    let fail = |source| StartupError::TokenWrite {
        path: path.to_path_buf(),
        source,
    };
    let tmp = path.with_extension("token.tmp");
    // A leftover from a crash may have another mode, or be a link to
    // somewhere else: start from no file at all, and make a new one.
    match fs::remove_file(&tmp) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(fail(e)),
        _ => {}
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&tmp).map_err(fail)?;
    file.write_all(token.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(fail)?;
    drop(file);
    fs::rename(&tmp, path).map_err(fail)?;
    match path.parent() {
        Some(dir) => sync_dir(dir).map_err(fail),
        None => Ok(()),
    }
}
