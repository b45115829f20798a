//! The path and query parameters. A path's ids are read and validated by
//! its extractor, before the query and the body (SPEC §2: ids first), so a
//! bad one is `400 invalid_id` with the id rules' own message; their schema
//! is the `Id` one.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use serde::{Deserialize, Serialize};
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::{Ref, Required};
use utoipa::{IntoParams, ToSchema};

use crate::domain::{Error, Grant, Id, OrgGrant, Permission};
use crate::http::extract::scoped;
use crate::http::ApiError;

/// A path segment, percent-decoded as the router's `web::Path` decodes, and
/// copied only when it holds an escape.
pub fn decoded(raw: &str) -> Result<std::borrow::Cow<'_, str>, ApiError> {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| Error::InvalidId("a path segment is not valid UTF-8".into()).into())
}

/// What a path segment is read as, given its request (a grant's scope is
/// in the query).
pub trait Segment: Sized {
    fn read(req: &HttpRequest, decoded: &str) -> Result<Self, ApiError>;
}

impl Segment for Id {
    fn read(_: &HttpRequest, decoded: &str) -> Result<Id, ApiError> {
        Ok(Id::parse(decoded)?)
    }
}

/// A permission's name, with its scope from the query: the request's form
/// read in SPEC's order (the path's ids before it, the query's scope here).
impl Segment for Grant {
    fn read(req: &HttpRequest, decoded: &str) -> Result<Grant, ApiError> {
        let q = web::Query::<ScopeQuery>::from_query(req.query_string())
            .map_err(|e| ApiError::bad_request(format!("the query string is not valid: {e}")))?;
        let (permission, scope) = scoped(decoded, q.collaborator.as_deref(), q.area.as_deref())?;
        Ok(Grant::new(permission, scope)?)
    }
}

/// The permission of an org-wide grant: an Event one (another domain is
/// `400 bad_request`, refused before anything is looked up).
impl Segment for OrgGrant {
    fn read(_: &HttpRequest, decoded: &str) -> Result<OrgGrant, ApiError> {
        Ok(OrgGrant::new(Permission::parse(decoded)?)?)
    }
}

fn segment<T: Segment>(req: &HttpRequest, name: &str) -> Result<T, ApiError> {
    T::read(req, &decoded(req.match_info().get(name).unwrap_or(""))?)
}

/// Declares a path type: each field a segment of the path, read as its
/// type ([`Segment`]), in order.
macro_rules! path_type {
    ($(#[$doc:meta])* $name:ident { $($field:ident: $ty:ty),* }) => {
        $(#[$doc])*
        pub struct $name {
            $(pub $field: $ty,)*
        }

        impl FromRequest for $name {
            type Error = ApiError;
            type Future = Ready<Result<$name, ApiError>>;

            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                ready((|| Ok($name { $($field: segment(req, stringify!($field))?,)* }))())
            }
        }
    };
}

/// Declares path types whose segments [`path_param`] describes.
macro_rules! path_params {
    ($($(#[$doc:meta])* $name:ident { $($field:ident: $ty:ty),* })*) => {$(
        path_type!($(#[$doc])* $name { $($field: $ty),* });

        impl IntoParams for $name {
            fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
                vec![$(path_param(stringify!($field)),)*]
            }
        }
    )*};
}

path_params! {
    /// `/v1/orgs/{org}`.
    OrgPath { org: Id }
    /// `/v1/orgs/{org}/events/{event}`.
    EventPath { org: Id, event: Id }
    /// `/v1/orgs/{org}/…/{user}`.
    OrgUserPath { org: Id, user: Id }
    /// `/v1/orgs/{org}/events/{event}/…/{user}`.
    EventUserPath { org: Id, event: Id, user: Id }
    /// `/v1/orgs/{org}/events/{event}/collaborators/{c}`.
    CollaboratorPath { org: Id, event: Id, c: Id }
    /// `/v1/orgs/{org}/events/{event}/areas/{a}`.
    AreaPath { org: Id, event: Id, a: Id }
    /// `/v1/orgs/{org}/events/{event}/collaborators/{c}/users/{user}`.
    AttachmentPath { org: Id, event: Id, c: Id, user: Id }
    /// `/v1/orgs/{org}/events/{event}/users/{user}/grants/{permission}`,
    /// with the grant's scope in the query ([`ScopeQuery`]).
    GrantPath { org: Id, event: Id, user: Id, permission: Grant }
}

path_type! {
    /// `/v1/orgs/{org}/users/{user}/grants/{permission}`: an org-wide grant,
    /// whose permission is an Event one.
    OrgGrantPath { org: Id, user: Id, permission: OrgGrant }
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
