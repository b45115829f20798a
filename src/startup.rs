//! Building the application, one way for `main` and for the tests.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::dev::ServerHandle;
use actix_web::{middleware, App, HttpServer};
use rand::RngCore;

use crate::actors::placement::Placement;
use crate::actors::snapshotter::Snapshots;
use crate::actors::Registry;
use crate::config::Config;
use crate::http::auth::{self, Tokens};
use crate::http::AppState;
use crate::persist::restore::restore;
use crate::persist::Journal;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot use the snapshot folder {path}: {source}")]
    Folder { path: String, source: io::Error },
    #[error("{0}")]
    Restore(String),
    #[error(transparent)]
    Journal(#[from] crate::persist::JournalError),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: io::Error },
    #[error("the HTTP workers did not start: {0}")]
    Workers(String),
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
}

impl Application {
    /// Restores the state, opens the journal, starts the actors and binds
    /// the listener (port 0 picks a free one).
    pub async fn build(config: Config) -> Result<Application, StartupError> {
        crate::metrics::handle();
        let dir = config.snapshot_dir.clone();
        fs::create_dir_all(&dir).map_err(|source| StartupError::Folder {
            path: dir.display().to_string(),
            source,
        })?;
        let admin = match config.admin_token.clone() {
            Some(t) => t,
            None => admin_token_file(&dir)?,
        };
        let mut restored =
            restore(&dir, config.restore.as_deref()).map_err(StartupError::Restore)?;
        tracing::info!(
            snapshot = ?restored.snapshot,
            replayed = restored.replayed,
            orgs = restored.state.orgs.len(),
            events = restored.state.event_count(),
            "state restored"
        );
        restored
            .settle(&dir, now_ms())
            .map_err(StartupError::Restore)?;
        let journal = Journal::open(
            &dir,
            restored.next_segment,
            restored.next_seq,
            Box::new(|seconds, bytes| {
                metrics::histogram!(crate::metrics::JOURNAL_FLUSH).record(seconds);
                metrics::counter!(crate::metrics::JOURNAL_BYTES).increment(bytes as u64);
            }),
        )?;
        let workers = config
            .workers
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from))
            .max(1);
        let placement = Placement::new(restored.state, journal, workers);
        let snapshots = Arc::new(Snapshots::new(dir));
        let tokens = Tokens {
            admin,
            check: config.check_token.clone(),
        };
        let listener = TcpListener::bind(&config.addr).map_err(|source| StartupError::Bind {
            addr: config.addr.clone(),
            source,
        })?;
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
        let request_log = actix_web::web::Data::new(config.request_log);
        let app_snapshots = snapshots.clone();
        let app_placement = placement.clone();
        let server = HttpServer::new(move || {
            let placement = app_placement.clone();
            let snapshots = app_snapshots.clone();
            let tokens = tokens.clone();
            App::new()
                .app_data(request_log.clone())
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
                .wrap(middleware::from_fn(auth::authenticate))
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
        })?
        .run();
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
        tracing::info!(addr = %config.addr, port, workers, "listening");
        Ok(Application {
            running,
            handle,
            port,
            registry,
            snapshots,
            snapshot_interval: config.snapshot_interval,
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
    /// the journal.
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
            ..
        } = self;
        let served = tokio::select! {
            signal = shutdown_signal() => {
                tracing::info!(signal, "shutting down: no new connections; writing the final snapshot");
                if let Some(task) = &periodic {
                    task.abort();
                }
                handle.pause().await;
                final_snapshot(&snapshots, &registry).await;
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
        tracing::info!("shut down");
        served
    }
}

async fn final_snapshot(snapshots: &Snapshots, registry: &Registry) {
    match snapshots.take(registry).await {
        Ok(t) => {
            tracing::info!(file = %t.file.display(), bytes = t.bytes, "final snapshot written")
        }
        Err(e) => {
            tracing::error!(error = %e, "final snapshot failed; the journal still holds every write")
        }
    }
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
/// logged once if the file does not exist yet.
fn admin_token_file(dir: &Path) -> Result<String, StartupError> {
    let path = dir.join("admin.token");
    let folder_err = |source| StartupError::Folder {
        path: path.display().to_string(),
        source,
    };
    if let Ok(existing) = fs::read_to_string(&path) {
        let token = existing.trim().to_string();
        if !token.is_empty() {
            tracing::info!(file = %path.display(), "using the admin token from its file");
            return Ok(token);
        }
    }
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path).map_err(folder_err)?;
    file.write_all(token.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(folder_err)?;
    tracing::info!(token = %token, file = %path.display(), "generated an admin token (shown once)");
    Ok(token)
}
