//! The first snapshot format's events, and their conversions.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Event;
use crate::domain::{Attachment, Attachments, Collaborator, GrantSet, Id, IdMap, IdSet, Modules};

/// An event's state as the first snapshot format held it, before modules
/// and peaks, field for field (a set of ids encodes as a sequence).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventV1 {
    pub name: Option<String>,
    pub collaborators: BTreeMap<Id, Option<String>>,
    pub areas: BTreeMap<Id, Option<String>>,
    pub slots: IdSet,
    pub attachments: IdMap<Vec<Id>>,
    pub grants: IdMap<GrantSet>,
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
        let attachments = v1
            .attachments
            .into_iter()
            .map(|(user, cs)| {
                let mut a = Attachments::default();
                for collaborator in cs {
                    a.insert(Attachment { collaborator });
                }
                (user, a)
            })
            .collect();
        let mut event = Event {
            name: v1.name,
            collaborators,
            areas: v1.areas,
            slots: v1.slots,
            attachments,
            grants: v1.grants,
            ..Event::default()
        };
        event.peak = event.slots_used();
        event
    }
}

impl From<&Event> for EventV1 {
    /// What the first format can hold of an event: modules and the peak are
    /// left out.
    fn from(e: &Event) -> EventV1 {
        EventV1 {
            name: e.name.clone(),
            collaborators: e
                .collaborators
                .iter()
                .map(|(id, c)| (id.clone(), c.name.clone()))
                .collect(),
            areas: e.areas.clone(),
            slots: e.slots.clone(),
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
            grants: e.grants.clone(),
        }
    }
}
