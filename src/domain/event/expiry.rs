//! Removing what has expired (SPEC §1 "Time-bound access"). A check already
//! passes over an expired entry; removing it is a change like any other,
//! planned here at an instant the caller gives, journaled and applied, so
//! that replay removes exactly what the running server removed and never
//! decides an expiry again.

use super::{Event, EventEffect};
use crate::domain::{earliest, Timestamp};

/// What [`Event::plan_expiry`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expiring {
    /// The removal of everything expired at `now`, if anything is.
    pub effect: Option<EventEffect>,
    /// The earliest expiry among the entries that remain.
    pub next: Option<Timestamp>,
}

impl Event {
    /// Everything whose expiry has come at `now`, in one effect, and when
    /// the next one comes. One pass over the event.
    pub fn plan_expiry(&self, now: Timestamp) -> Expiring {
        let mut next = None;
        let mut slots = Vec::new();
        for (user, expires) in &self.slots {
            match expires.time() {
                Some(_) if !expires.live_at(now) => slots.push(user.clone()),
                t => next = earliest(next, t),
            }
        }
        let mut attachments = Vec::new();
        for (user, cs) in &self.attachments {
            for a in cs.iter() {
                match a.expires.time() {
                    Some(_) if !a.expires.live_at(now) => {
                        attachments.push((user.clone(), a.collaborator.clone()));
                    }
                    t => next = earliest(next, t),
                }
            }
        }
        let mut grants = Vec::new();
        for (user, gs) in &self.grants {
            for h in gs.iter() {
                match h.expires.time() {
                    Some(_) if !h.expires.live_at(now) => {
                        grants.push((user.clone(), h.grant.clone()))
                    }
                    t => next = earliest(next, t),
                }
            }
        }
        // In a stable order, so the record reads the same on every run.
        slots.sort_unstable();
        attachments.sort_unstable();
        grants.sort_unstable();
        let any = !(slots.is_empty() && attachments.is_empty() && grants.is_empty());
        Expiring {
            effect: any.then_some(EventEffect::Expired {
                at: now,
                slots,
                attachments,
                grants,
            }),
            next,
        }
    }
}

impl EventEffect {
    /// The expiry this effect sets, if it sets one: whoever keeps track of
    /// the next expiry learns of it here without a pass over the event.
    pub fn sets_expiry(&self) -> Option<Timestamp> {
        match self {
            EventEffect::SlotAssignedUntil { expires_at, .. }
            | EventEffect::AttachedUntil { expires_at, .. }
            | EventEffect::GrantedUntil { expires_at, .. } => Some(*expires_at),
            EventEffect::AttachmentExpirySet { expires_at, .. } => *expires_at,
            _ => None,
        }
    }
}
