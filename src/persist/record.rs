//! What the journal holds: every accepted change, tagged with the entity that
//! made it.

use serde::{Deserialize, Serialize};

use crate::domain::{EventEffect, Id, OrgEffect, OrgKind};

/// Journal sequence numbers: 1, 2, 3… across all segments. 0 means "nothing".
pub type Seq = u64;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Record {
    OrgCreated {
        org: Id,
        kind: OrgKind,
    },
    Org {
        org: Id,
        effect: OrgEffect,
    },
    EventCreated {
        org: Id,
        event: Id,
        name: Option<String>,
    },
    EventDeleted {
        org: Id,
        event: Id,
    },
    Event {
        org: Id,
        event: Id,
        effect: EventEffect,
    },
}
