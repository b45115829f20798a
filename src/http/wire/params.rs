//! The path and query parameters. Path segments are read as strings and
//! parsed by `extract::id`, so that a bad one is `400 invalid_id` with the
//! id rules' own message; their schema is the `Id` one.

use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

/// Declares a path-parameter type: each field a segment of the path.
macro_rules! path_params {
    ($(#[$doc:meta])* $name:ident { $($(#[$field_doc:meta])* $field:ident: $type:ty = $example:literal,)* }) => {
        $(#[$doc])*
        #[derive(Serialize, Deserialize, IntoParams)]
        #[into_params(parameter_in = Path)]
        pub struct $name {
            $(
                $(#[$field_doc])*
                #[param(value_type = $type, example = $example)]
                pub $field: String,
            )*
        }
    };
}

path_params!(
    /// `/v1/orgs/{org}`.
    OrgPath {
        /// Organization id.
        org: crate::domain::Id = "acme",
    }
);

path_params!(
    /// `/v1/orgs/{org}/events/{event}`.
    EventPath {
        /// Organization id.
        org: crate::domain::Id = "acme",
        /// Event id.
        event: crate::domain::Id = "summer-fest",
    }
);

path_params!(
    /// `/v1/orgs/{org}/…/{user}`.
    OrgUserPath {
        /// Organization id.
        org: crate::domain::Id = "acme",
        /// User id.
        user: crate::domain::Id = "alice",
    }
);

path_params!(
    /// `/v1/orgs/{org}/events/{event}/…/{user}`.
    EventUserPath {
        /// Organization id.
        org: crate::domain::Id = "acme",
        /// Event id.
        event: crate::domain::Id = "summer-fest",
        /// User id.
        user: crate::domain::Id = "alice",
    }
);

path_params!(
    /// `/v1/orgs/{org}/events/{event}/collaborators/{c}`.
    CollaboratorPath {
        /// Organization id.
        org: crate::domain::Id = "acme",
        /// Event id.
        event: crate::domain::Id = "summer-fest",
        /// Collaborator id.
        c: crate::domain::Id = "headliner",
    }
);

path_params!(
    /// `/v1/orgs/{org}/events/{event}/areas/{a}`.
    AreaPath {
        /// Organization id.
        org: crate::domain::Id = "acme",
        /// Event id.
        event: crate::domain::Id = "summer-fest",
        /// Area id.
        a: crate::domain::Id = "main-stage",
    }
);

path_params!(
    /// `/v1/orgs/{org}/events/{event}/collaborators/{c}/users/{user}`.
    AttachmentPath {
        /// Organization id.
        org: crate::domain::Id = "acme",
        /// Event id.
        event: crate::domain::Id = "summer-fest",
        /// Collaborator id.
        c: crate::domain::Id = "headliner",
        /// User id.
        user: crate::domain::Id = "alice",
    }
);

path_params!(
    /// `/v1/orgs/{org}/events/{event}/users/{user}/grants/{permission}`.
    GrantPath {
        /// Organization id.
        org: crate::domain::Id = "acme",
        /// Event id.
        event: crate::domain::Id = "summer-fest",
        /// User id.
        user: crate::domain::Id = "alice",
        /// Permission name.
        permission: crate::domain::Permission = "Event.View",
    }
);

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
