//! Events as the earlier snapshot formats held them, and their
//! conversions: nothing then expired.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Event;
use crate::domain::{
    Attachment, Attachments, Collaborator, Expiry, Grant, GrantSet, Id, IdMap, IdSet, Modules,
};

/// An event's state as the first snapshot format held it, before modules
/// and peaks, field for field (a set of ids encodes as a sequence, and so
/// does a user's grants).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventV1 {
    pub name: Option<String>,
    pub collaborators: BTreeMap<Id, Option<String>>,
    pub areas: BTreeMap<Id, Option<String>>,
    pub slots: IdSet,
    pub attachments: IdMap<Vec<Id>>,
    pub grants: IdMap<Vec<Grant>>,
}

/// An event's state as the second snapshot format held it, before
/// expiries, field for field (an attachment was a struct of one id, which
/// encodes as the id).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventV2 {
    pub name: Option<String>,
    pub collaborators: BTreeMap<Id, Collaborator>,
    pub areas: BTreeMap<Id, Option<String>>,
    pub slots: IdSet,
    pub attachments: IdMap<Vec<Id>>,
    pub grants: IdMap<Vec<Grant>>,
    pub peak: u32,
}

impl From<EventV1> for Event {
    /// Every module on; the peak is the slots in use (none was recorded).
    fn from(v1: EventV1) -> Event {
        let collaborators = v1
            .collaborators
            .into_iter()
            .map(|(id, name)| {
                let modules = Modules::ALL_ON;
                (id, Collaborator { name, modules })
            })
            .collect();
        let peak = u32::try_from(v1.slots.len()).unwrap_or(u32::MAX);
        Event::from(EventV2 {
            name: v1.name,
            collaborators,
            areas: v1.areas,
            slots: v1.slots,
            attachments: v1.attachments,
            grants: v1.grants,
            peak,
        })
    }
}

impl From<EventV2> for Event {
    /// Nothing expires.
    fn from(v2: EventV2) -> Event {
        let attachments = v2
            .attachments
            .into_iter()
            .map(|(user, cs)| {
                let mut a = Attachments::default();
                for collaborator in cs {
                    let expires = Expiry::NEVER;
                    a.insert(Attachment {
                        collaborator,
                        expires,
                    });
                }
                (user, a)
            })
            .collect();
        Event {
            name: v2.name,
            collaborators: v2.collaborators,
            areas: v2.areas,
            slots: v2.slots.into_iter().map(|u| (u, Expiry::NEVER)).collect(),
            attachments,
            grants: v2
                .grants
                .into_iter()
                .map(|(u, gs)| (u, gs.into_iter().collect::<GrantSet>()))
                .collect(),
            peak: v2.peak,
            ..Event::default()
        }
    }
}

impl From<&Event> for EventV2 {
    /// What the second format can hold of an event: expiries are left out
    /// (to write one in tests).
    fn from(e: &Event) -> EventV2 {
        EventV2 {
            name: e.name.clone(),
            collaborators: e.collaborators.clone(),
            areas: e.areas.clone(),
            slots: e.slots.keys().cloned().collect(),
            attachments: e
                .attachments
                .iter()
                .map(|(u, a)| {
                    (
                        u.clone(),
                        a.iter().map(|a| a.collaborator.clone()).collect(),
                    )
                })
                .collect(),
            grants: e
                .grants
                .iter()
                .map(|(u, gs)| (u.clone(), gs.iter().map(|h| h.grant.clone()).collect()))
                .collect(),
            peak: e.peak,
        }
    }
}

impl From<&Event> for EventV1 {
    /// What the first format can hold of an event: modules, the peak and
    /// expiries are left out.
    fn from(e: &Event) -> EventV1 {
        let v2 = EventV2::from(e);
        EventV1 {
            name: v2.name,
            collaborators: v2
                .collaborators
                .into_iter()
                .map(|(id, c)| (id, c.name))
                .collect(),
            areas: v2.areas,
            slots: v2.slots,
            attachments: v2.attachments,
            grants: v2.grants,
        }
    }
}
