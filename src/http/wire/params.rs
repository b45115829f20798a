//! The path and query parameters. Path segments are read as strings and
//! parsed by `extract::id`, so that a bad one is `400 invalid_id` with the
//! id rules' own message; their schema is the `Id` one.

use serde::{Deserialize, Serialize};
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::{Ref, Required};
use utoipa::{IntoParams, ToSchema};

use crate::domain::{Id, Permission};

/// Declares path-parameter types: each field a segment of the path,
/// described by [`path_param`].
macro_rules! path_params {
    ($($(#[$doc:meta])* $name:ident { $($field:ident),* })*) => {$(
        $(#[$doc])*
        #[derive(Serialize, Deserialize)]
        pub struct $name {
            $(pub $field: String,)*
        }

        impl IntoParams for $name {
            fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
                vec![$(path_param(stringify!($field)),)*]
            }
        }
    )*};
}

path_params! {
    /// `/v1/orgs/{org}`.
    OrgPath { org }
    /// `/v1/orgs/{org}/events/{event}`.
    EventPath { org, event }
    /// `/v1/orgs/{org}/…/{user}`.
    OrgUserPath { org, user }
    /// `/v1/orgs/{org}/events/{event}/…/{user}`.
    EventUserPath { org, event, user }
    /// `/v1/orgs/{org}/events/{event}/collaborators/{c}`.
    CollaboratorPath { org, event, c }
    /// `/v1/orgs/{org}/events/{event}/areas/{a}`.
    AreaPath { org, event, a }
    /// `/v1/orgs/{org}/events/{event}/collaborators/{c}/users/{user}`.
    AttachmentPath { org, event, c, user }
    /// `/v1/orgs/{org}/events/{event}/users/{user}/grants/{permission}`.
    GrantPath { org, event, user, permission }
}

/// `/v1/orgs/{org}/users/{user}/grants/{permission}`: an org-wide grant,
/// whose permission is an Event one.
#[derive(Serialize, Deserialize)]
pub struct OrgGrantPath {
    pub org: String,
    pub user: String,
    pub permission: String,
}

impl IntoParams for OrgGrantPath {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let mut permission = path_param("permission");
        permission.description = Some("Event permission name.".into());
        permission.schema = Some(super::events::event_permissions());
        vec![path_param("org"), path_param("user"), permission]
    }
}

/// A path segment: what it is, its schema and an example value.
fn path_param(name: &str) -> Parameter {
    let (description, example) = match name {
        "org" => ("Organization id.", "acme"),
        "event" => ("Event id.", "summer-fest"),
        "user" => ("User id.", "alice"),
        "c" => ("Collaborator id.", "headliner"),
        "a" => ("Area id.", "main-stage"),
        "permission" => ("Permission name.", "Event.View"),
        _ => ("Id.", "x"),
    };
    let schema = if name == "permission" {
        <Permission as ToSchema>::name()
    } else {
        <Id as ToSchema>::name()
    };
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some(description))
        .schema(Some(Ref::from_schema_name(schema)))
        .example(Some(example.into()))
        .build()
}

/// `?user=` (org access).
#[derive(Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// User id.
    #[param(value_type = crate::domain::Id, example = "alice")]
    pub user: String,
}

/// `?collaborator=&area=`: the scope of a grant. Exactly the one its
/// permission's domain requires: an Event permission takes neither.
#[derive(Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScopeQuery {
    /// Collaborator the permission is scoped to: required for a permission
    /// of that domain, refused (`unexpected_scope`) for the others.
    #[param(value_type = Option<crate::domain::Id>, example = "headliner")]
    pub collaborator: Option<String>,
    /// Area the permission is scoped to: required for a permission of that
    /// domain, refused (`unexpected_scope`) for the others.
    #[param(value_type = Option<crate::domain::Id>, example = "main-stage")]
    pub area: Option<String>,
}
