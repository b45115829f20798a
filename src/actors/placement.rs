//! Where the actors live: on the HTTP workers' own threads.
//!
//! A message to an actor on the sender's thread is a queue push (about a
//! microsecond); to another thread it is a queue push plus waking that thread
//! (several microseconds, and a context switch when it was idle). Checks are
//! most of the traffic, so the org and event actors run on the HTTP worker
//! threads themselves: a check that arrives on its event's thread never
//! leaves it, and no extra threads compete with the workers for the cores.
//!
//! The workers exist only once the server runs, so the registry is built
//! late: each worker, while building its app, reports its thread's arbiter
//! here and waits; the last one to report starts every actor on the
//! collected arbiters (starting an actor only queues it on its arbiter, so
//! no worker has to run for that) and releases the others. The server
//! accepts connections only once every worker is built, so no request is
//! served before the registry holds every restored org and event.

use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, ThreadId};

use actix::prelude::*;
use tokio::sync::watch;

use super::Registry;
use crate::persist::{Log, State};

pub struct Placement {
    inner: Mutex<Inner>,
    /// The registry, for whoever waits for it asynchronously.
    published: watch::Sender<Option<Arc<Registry>>>,
}

struct Inner {
    /// The workers that reported so far, one entry per thread.
    threads: Vec<(ThreadId, ArbiterHandle)>,
    /// How many workers the server starts.
    expected: usize,
    /// What the registry is built from, taken by the last worker (so
    /// `None` once the registry is built).
    start: Option<(State, Log)>,
}

impl Placement {
    /// Places the actors of `state` once `workers` threads have reported.
    pub fn new(state: State, journal: impl Into<Log>, workers: usize) -> Arc<Placement> {
        Arc::new(Placement {
            inner: Mutex::new(Inner {
                threads: Vec::with_capacity(workers),
                expected: workers.max(1),
                start: Some((state, journal.into())),
            }),
            published: watch::channel(None).0,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Called on each worker thread while it builds its app (an app data
    /// factory, awaited before the worker reports ready; the server accepts
    /// connections only once every worker has): reports the thread, builds
    /// the registry if it is the last, and waits for it.
    pub async fn join(&self) -> Option<Arc<Registry>> {
        self.report(thread::current().id(), Arbiter::current());
        self.registry().await
    }

    fn report(&self, me: ThreadId, arbiter: ArbiterHandle) {
        let mut inner = self.lock();
        if inner.start.is_none() {
            return; // built already (a worker started again)
        }
        if !inner.threads.iter().any(|(t, _)| *t == me) {
            inner.threads.push((me, arbiter));
        }
        if inner.threads.len() < inner.expected {
            return;
        }
        if let Some((state, journal)) = inner.start.take() {
            let arbiters = inner.threads.iter().map(|(_, a)| a.clone()).collect();
            self.published
                .send_replace(Some(Registry::start(state, journal, arbiters)));
        }
    }

    /// Waits until the workers have built the registry.
    pub async fn registry(&self) -> Option<Arc<Registry>> {
        let mut rx = self.published.subscribe();
        let built = rx.wait_for(Option::is_some).await.ok()?;
        built.clone()
    }
}
