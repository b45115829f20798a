//! The whole server's state as plain data: what a snapshot holds, what the
//! journal replays into, and what the actors are started from.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::domain::{Event, EventEffect, Id, Org, OrgEffect, OrgLicense, OrgView};

use super::{Record, Seq};

/// One org and the journal position its state reflects.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgState {
    pub org: Org,
    /// The last of this org's own records applied to `org`.
    pub applied_seq: Seq,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventState {
    pub event: Event,
    /// The last of this event's own records applied to `event`.
    pub applied_seq: Seq,
}

/// An [`EventState`] by reference: encodes to the same bytes, without
/// copying the event.
#[derive(Serialize)]
pub struct EventStateRef<'a> {
    pub event: &'a Event,
    pub applied_seq: Seq,
}

/// A state's orgs and events without journal positions.
#[derive(Debug, PartialEq, Eq)]
pub struct Content<'a> {
    pub orgs: Vec<(&'a Id, &'a Org)>,
    pub events: Vec<((&'a Id, &'a Id), &'a Event)>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    pub orgs: BTreeMap<Id, OrgState>,
    /// Events by org, then by event id.
    pub events: BTreeMap<Id, BTreeMap<Id, EventState>>,
}

impl State {
    /// Applies one journal record. A record is applied to an entity only if
    /// it is newer than what that entity's state already reflects, so the
    /// journal can be replayed over a snapshot whose entities were captured
    /// at different moments (see `docs/DESIGN.md`).
    pub fn replay(&mut self, seq: Seq, record: &Record) {
        match record {
            Record::OrgCreated { org, kind } => {
                self.orgs.entry(org.clone()).or_insert_with(|| OrgState {
                    org: Org::new(kind.clone()),
                    applied_seq: seq,
                });
            }
            Record::Org { org, effect } => {
                if let Some(state) = self.orgs.get_mut(org) {
                    if seq > state.applied_seq {
                        state.org.apply(effect);
                        state.applied_seq = seq;
                    }
                }
                if let OrgEffect::MemberSet {
                    user,
                    license: Some(OrgLicense::OrgPro),
                } = effect
                {
                    let given = EventEffect::OrgProGiven { user: user.clone() };
                    for e in self
                        .events
                        .get_mut(org)
                        .into_iter()
                        .flat_map(|m| m.values_mut())
                    {
                        if seq > e.applied_seq {
                            e.event.apply(&given);
                        }
                    }
                }
            }
            Record::EventCreated { org, event, name } => {
                let events = self.events.entry(org.clone()).or_default();
                if events.get(event).is_none_or(|e| e.applied_seq < seq) {
                    events.insert(
                        event.clone(),
                        EventState {
                            event: Event::new(name.clone(), Arc::default()),
                            applied_seq: seq,
                        },
                    );
                }
            }
            Record::EventDeleted { org, event } => {
                if let Some(events) = self.events.get_mut(org) {
                    if events.get(event).is_some_and(|e| e.applied_seq < seq) {
                        events.remove(event);
                    }
                }
            }
            Record::Event { org, event, effect } => {
                let state = self.events.get_mut(org).and_then(|m| m.get_mut(event));
                if let Some(state) = state {
                    if seq > state.applied_seq {
                        state.event.apply(effect);
                        state.applied_seq = seq;
                    }
                }
            }
        }
    }

    /// Gives every event the view of its org's licenses (not persisted).
    pub fn rebuild_views(&mut self) {
        for (org_id, events) in &mut self.events {
            let view = Arc::new(
                self.orgs
                    .get(org_id)
                    .map_or_else(OrgView::default, |o| o.org.view()),
            );
            for e in events.values_mut() {
                e.event.set_org_view(view.clone());
            }
        }
    }

    /// The highest journal position any entity reflects.
    pub fn newest_seq(&self) -> Seq {
        self.orgs
            .values()
            .map(|o| o.applied_seq)
            .chain(
                self.events
                    .values()
                    .flat_map(|m| m.values().map(|e| e.applied_seq)),
            )
            .max()
            .unwrap_or(0)
    }

    pub fn event_count(&self) -> usize {
        self.events.values().map(BTreeMap::len).sum()
    }

    /// Entity states without their journal positions, for comparing two
    /// states that reached the same content by different paths.
    pub fn content(&self) -> Content<'_> {
        Content {
            orgs: self.orgs.iter().map(|(id, o)| (id, &o.org)).collect(),
            events: self
                .events
                .iter()
                .flat_map(|(o, m)| m.iter().map(move |(e, s)| ((o, e), &s.event)))
                .collect(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::BTreeSet;

    use crate::domain::{Expiry, Grant, GrantSet, Id, Permission, Scope, Timestamp};
    use crate::persist::codec::{decode, encode};

    /// Grants out of order, with a duplicate.
    fn sample() -> Vec<Grant> {
        let c = |s: &str| Scope::Collaborator(Id::parse(s).unwrap());
        let area = Scope::Area(Id::parse("a0").unwrap());
        [
            (Permission::EventView, Scope::Event),
            (Permission::CollaboratorAdvanceEdit, c("c2")),
            (Permission::CollaboratorAdvanceEdit, c("c1")),
            (Permission::AreaFileUpload, area),
            (Permission::EventView, Scope::Event),
        ]
        .into_iter()
        .map(|(p, s)| Grant::new(p, s).unwrap())
        .collect()
    }

    /// A user's grants on an event, as the snapshot formats before
    /// expiries encoded them (the `BTreeSet` they once were, in any order
    /// and with duplicates), read as the set they name with no expiry; the
    /// current format reads back what it writes.
    #[test]
    fn grants_of_the_earlier_formats_decode_in_any_order_and_the_current_round_trips() {
        let model: BTreeSet<Grant> = sample().into_iter().collect();
        let set: GrantSet = sample().into_iter().collect();
        let theirs = encode(&model).unwrap();
        let old: Vec<Grant> = decode(&theirs).unwrap();
        assert_eq!(old.into_iter().collect::<GrantSet>(), set);
        let raw = encode(&sample()).unwrap();
        let old: Vec<Grant> = decode(&raw).unwrap();
        assert_eq!(old.into_iter().collect::<GrantSet>(), set);
        assert!(set.iter().all(|h| h.expires == Expiry::NEVER));
        let mut expiring = set.clone();
        let first = sample().remove(0);
        expiring.insert(first, Expiry::at(Timestamp::from_secs(1_900_000_000)));
        assert_eq!(
            decode::<GrantSet>(&encode(&expiring).unwrap()).unwrap(),
            expiring
        );
    }
}
