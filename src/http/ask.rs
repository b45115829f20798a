//! Asking the actors: one send, the failure it may meet, and the wait
//! until what the answer reflects is on disk (SPEC: an answer never shows
//! a change the journal could still lose), written once for every route.

use futures_util::future::join_all;

use crate::actors::{
    Created, EventActor, EventCommand, EventInfo, Failure, MemberOutcome, OrgActor, OrgInfo, Seq,
    Write, Written,
};
use crate::domain::{Error, Id};

use super::{ApiError, AppState};

/// An actor's answer: the value a route shows, and the journal record it
/// reflects, which must be durable before it is shown.
pub trait Landed {
    type Value;
    fn landed(self) -> Result<(Self::Value, Seq), ApiError>;
}

impl<T> Landed for (T, Seq) {
    type Value = T;
    fn landed(self) -> Result<(T, Seq), ApiError> {
        Ok(self)
    }
}

impl<T: Landed> Landed for Result<T, Failure> {
    type Value = T::Value;
    fn landed(self) -> Result<(T::Value, Seq), ApiError> {
        self?.landed()
    }
}

impl<T: Landed> Landed for Result<T, Error> {
    type Value = T::Value;
    fn landed(self) -> Result<(T::Value, Seq), ApiError> {
        self?.landed()
    }
}

impl Landed for Seq {
    type Value = ();
    fn landed(self) -> Result<((), Seq), ApiError> {
        Ok(((), self))
    }
}

/// Declares answers that carry their own `seq`.
macro_rules! landed_with_seq {
    ($($t:ty),*) => {$(
        impl Landed for $t {
            type Value = $t;
            fn landed(self) -> Result<($t, Seq), ApiError> {
                let seq = self.seq;
                Ok((self, seq))
            }
        }
    )*};
}

landed_with_seq!(OrgInfo, MemberOutcome, EventInfo, Written);

impl Landed for Created {
    type Value = bool;
    fn landed(self) -> Result<(bool, Seq), ApiError> {
        Ok(match self {
            Created::New { seq } => (true, seq),
            Created::Exists => (false, 0),
        })
    }
}

impl AppState {
    /// Waits until the change with `seq` (and all before it) is on disk, and
    /// notes it as the revision the answer reflects.
    pub async fn durable(&self, seq: Seq) -> Result<(), ApiError> {
        self.registry.durable(seq).await?;
        super::revision::reflects(seq);
        Ok(())
    }
}

/// A send to an org actor that failed. Orgs are never deleted, so their
/// actor's thread has ended: the server is stopping.
fn org_gone(_: actix::MailboxError) -> ApiError {
    ApiError::unavailable("the server is shutting down; retry on its next start")
}

/// Sends `msg` to an org's actor (`404 org_not_found` if there is none),
/// and waits until what its answer reflects is durable.
pub async fn ask_org<M>(
    state: &AppState,
    org: &Id,
    msg: M,
) -> Result<<M::Result as Landed>::Value, ApiError>
where
    M: actix::Message + Send + 'static,
    M::Result: Landed + Send,
    OrgActor: actix::Handler<M>,
{
    let answer = state.registry.org(org)?.send(msg).await.map_err(org_gone)?;
    settle(state, answer).await
}

/// The value of an actor's answer, once what it reflects is durable.
async fn settle<R: Landed>(state: &AppState, answer: R) -> Result<R::Value, ApiError> {
    let (value, seq) = answer.landed()?;
    state.durable(seq).await?;
    Ok(value)
}

/// The events of an org and their actors (nothing to wait for: listing
/// them changes nothing).
pub async fn org_events(
    state: &AppState,
    org: &Id,
) -> Result<Vec<(Id, actix::Addr<EventActor>)>, ApiError> {
    let addr = state.registry.org(org)?;
    addr.send(crate::actors::ListEvents).await.map_err(org_gone)
}

/// Sends `msg` to an event's actor, and waits until what its answer
/// reflects is durable. A send that fails means the event was deleted
/// meanwhile (`404 event_not_found`) or, if the registry still lists it,
/// that the server is stopping (`503`).
pub async fn ask_event<M>(
    state: &AppState,
    org: &Id,
    event: &Id,
    msg: M,
) -> Result<<M::Result as Landed>::Value, ApiError>
where
    M: actix::Message + Send + 'static,
    M::Result: Landed + Send,
    EventActor: actix::Handler<M>,
{
    let answer = send_event(state, org, event, msg).await?;
    settle(state, answer).await
}

/// [`ask_event`] without the wait, for the batch check, which waits once
/// for all its events.
pub async fn send_event<M>(
    state: &AppState,
    org: &Id,
    event: &Id,
    msg: M,
) -> Result<M::Result, ApiError>
where
    M: actix::Message + Send + 'static,
    M::Result: Send,
    EventActor: actix::Handler<M>,
{
    state
        .registry
        .send_event(org, event, msg)?
        .await
        .map_err(|e| stopped(state, org, event, e).unwrap_or_else(|| Error::EventNotFound.into()))
}

/// Why a send to an event's actor failed: `None` if the event was deleted
/// meanwhile, `503` if the registry still lists it (its actor's thread has
/// ended: the server is stopping).
fn stopped(state: &AppState, org: &Id, event: &Id, e: actix::MailboxError) -> Option<ApiError> {
    state.registry.has_event(org, event).then(|| org_gone(e))
}

/// Asks every one of `events` the same question, in order, and waits until
/// all the answers are durable. An event deleted meanwhile is left out; one
/// whose actor's thread has stopped (the server is stopping) fails the whole
/// answer with `503`, rather than being silently missing from it.
pub async fn ask_events<M, T>(
    state: &AppState,
    org: &Id,
    events: &[(Id, actix::Addr<EventActor>)],
    question: impl Fn() -> M,
) -> Result<Vec<(Id, T)>, ApiError>
where
    M: actix::Message<Result = Result<(T, Seq), Failure>> + Send + 'static,
    T: Send + 'static,
    EventActor: actix::Handler<M>,
{
    let answers = join_all(events.iter().map(|(_, a)| a.send(question()))).await;
    let mut out = Vec::with_capacity(events.len());
    let mut newest = 0;
    for ((id, _), answer) in events.iter().zip(answers) {
        match answer {
            Ok(Ok((value, seq))) => {
                newest = newest.max(seq);
                out.push((id.clone(), value));
            }
            Ok(Err(_)) => {} // deleted meanwhile
            Err(e) => {
                if let Some(stopping) = stopped(state, org, id, e) {
                    return Err(stopping);
                }
            }
        }
    }
    state.durable(newest).await?;
    Ok(out)
}

/// Sends a change to an event and waits until it is durable.
pub async fn write_event(
    state: &AppState,
    org: &Id,
    event: &Id,
    command: EventCommand,
) -> Result<Written, ApiError> {
    ask_event(state, org, event, Write(command)).await
}
