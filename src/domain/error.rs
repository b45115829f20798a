//! Every way a rule can refuse a request. The HTTP layer maps each variant to
//! its status and code in one table (`http::error`).

use super::{Id, OrgLicense, Permission};

/// What keeps a license pool from being lowered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InUse {
    /// Event Pro: the events using more slots than the new count.
    Events(Vec<(Id, u32)>),
    /// An org pool: how many members hold it.
    Members(u32),
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    BadRequest(String),
    #[error(
        "invalid id {0:?}: ids match [A-Za-z0-9._:@+-]{{1,128}} and are not made of dots alone"
    )]
    InvalidId(String),
    #[error("unknown permission {0:?}; GET /v1/permissions lists them")]
    UnknownPermission(String),
    #[error("{0} needs a scope: name the {scope}", scope = scope_name(*.0))]
    MissingScope(Permission),
    #[error("{0} does not take this scope{hint}", hint = scope_hint(*.0))]
    UnexpectedScope(Permission),
    #[error("{0}")]
    PersonalOrg(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("all {total} {license} licenses are assigned")]
    NoSeatAvailable { license: OrgLicense, total: u32 },
    #[error("all {total} Event Pro slots of this event are taken")]
    NoSlotAvailable { total: u32 },
    #[error("the organization needs at least one Event Pro license to create events")]
    EventProRequired,
    #[error("{}", in_use_message(.0))]
    LicensesInUse(InUse),
    #[error("{0} holds Org Pro, which already covers every event of the organization")]
    OrgProHolder(Id),
    #[error("organization not found")]
    OrgNotFound,
    #[error("event not found")]
    EventNotFound,
    #[error("{0} is not a member of this organization")]
    MemberNotFound(Id),
    #[error("collaborator {0} not found on this event")]
    CollaboratorNotFound(Id),
    #[error("area {0} not found on this event")]
    AreaNotFound(Id),
    #[error("{0} holds no slot on this event")]
    SlotNotFound(Id),
    #[error("{0} has no such grant on this event")]
    GrantNotFound(Id),
    #[error("{0} has no such org-wide grant in this organization")]
    OrgGrantNotFound(Id),
    #[error("{user} is not attached to collaborator {collaborator}")]
    AttachmentNotFound { user: Id, collaborator: Id },
    #[error(
        "{user} is already attached to collaborator {attached} of this event; free access covers one collaborator, so a second needs an Event Pro slot or Org Pro"
    )]
    SlotRequired { user: Id, attached: Id },
}

fn scope_name(p: Permission) -> &'static str {
    match p.domain() {
        super::Domain::Collaborator => "collaborator",
        _ => "area",
    }
}

fn scope_hint(p: Permission) -> &'static str {
    match p.domain() {
        super::Domain::Event => ": event-wide permissions take no collaborator or area",
        super::Domain::Collaborator => ": name a collaborator only",
        super::Domain::Area => ": name an area only",
    }
}

fn in_use_message(in_use: &InUse) -> String {
    match in_use {
        InUse::Events(events) => format!(
            "{} event(s) use more Event Pro slots than the new count; release slots first",
            events.len()
        ),
        InUse::Members(used) => {
            format!("{used} member(s) hold this license; unassign some first")
        }
    }
}
