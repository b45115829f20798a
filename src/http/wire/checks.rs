//! Checks, single and batched, and what a user has.

use std::borrow::Cow;

use actix_web::HttpResponse;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use utoipa::openapi::schema::{
    AnyOfBuilder, ArrayBuilder, ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type,
};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use crate::domain::{Decision, Id, License, Reason, UserView};
use crate::http::MAX_BATCH;

use super::events::scoped;
use super::{enumeration, GrantView, OrgGrantView};

/// The query of a single check. The check reads it by hand
/// (`routes::checks::CheckQuery`, the busiest route has no serde there);
/// this type describes it, and a test holds the two to the same reading.
#[derive(Serialize, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CheckParams {
    /// User id.
    #[param(value_type = Id, example = "alice")]
    pub user: String,
    /// Permission name.
    #[param(value_type = crate::domain::Permission, example = "Event.View")]
    pub permission: String,
    /// Collaborator the permission is scoped to: required for a permission
    /// of that domain, refused (`unexpected_scope`) for the others.
    #[param(value_type = Option<Id>, example = "headliner")]
    pub collaborator: Option<String>,
    /// Area the permission is scoped to: required for a permission of that
    /// domain, refused (`unexpected_scope`) for the others.
    #[param(value_type = Option<Id>, example = "main-stage")]
    pub area: Option<String>,
}

/// The answer to a check or an access question.
#[derive(Serialize, ToSchema)]
#[schema(as = Decision)]
pub struct DecisionView {
    pub allowed: bool,
    pub reason: Reason,
    #[schema(required = true)]
    pub license: Option<License>,
}

impl From<Decision> for DecisionView {
    fn from(d: Decision) -> DecisionView {
        DecisionView {
            allowed: d.allowed,
            reason: d.reason,
            license: d.license,
        }
    }
}

/// `200` with a decision as JSON, written by hand: it is the answer of the
/// busiest route, and has only these three fields (a test compares it with
/// serde's rendering of [`DecisionView`] for every reason and license).
pub fn decision_answer(d: &Decision) -> HttpResponse {
    let mut body = String::with_capacity(80);
    body.push_str(if d.allowed {
        "{\"allowed\":true,\"reason\":\""
    } else {
        "{\"allowed\":false,\"reason\":\""
    });
    body.push_str(d.reason.as_str());
    body.push_str("\",\"license\":");
    match d.license {
        None => body.push_str("null"),
        Some(l) => {
            body.push('"');
            body.push_str(l.as_str());
            body.push('"');
        }
    }
    body.push('}');
    HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::json())
        .body(body)
}

/// `{"checks": [...]}`.
#[derive(Serialize, Deserialize)]
pub struct BatchBody<'a> {
    /// Kept raw so that one bad item fails alone.
    #[serde(borrow)]
    pub checks: Vec<&'a RawValue>,
}

impl PartialSchema for BatchBody<'_> {
    fn schema() -> RefOr<Schema> {
        // An item that is not a valid check does not fail the batch: it is
        // answered `{"error": code}` in its place. So any value is taken.
        let other = ObjectBuilder::new()
            .schema_type(SchemaType::AnyValue)
            .description(Some(
                "Anything else: answered `{\"error\": code}` in its place.",
            ));
        let item = AnyOfBuilder::new()
            .item(Ref::from_schema_name(BatchItem::name()))
            .item(other);
        let checks = ArrayBuilder::new().items(item).max_items(Some(MAX_BATCH));
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .property("checks", checks)
            .required("checks")
            .into()
    }
}

impl ToSchema for BatchBody<'_> {
    fn name() -> Cow<'static, str> {
        "CheckBatch".into()
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((BatchItem::name().into(), BatchItem::schema()));
        <BatchItem as ToSchema>::schemas(schemas);
    }
}

/// One check of a batch.
#[derive(Serialize, Deserialize)]
pub struct BatchItem<'a> {
    #[serde(borrow)]
    pub event: Cow<'a, str>,
    #[serde(borrow)]
    pub user: Cow<'a, str>,
    #[serde(borrow)]
    pub permission: Cow<'a, str>,
    #[serde(borrow)]
    pub collaborator: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub area: Option<Cow<'a, str>>,
}

impl PartialSchema for BatchItem<'_> {
    fn schema() -> RefOr<Schema> {
        scoped(|| {
            let id = || Ref::from_schema_name(Id::name());
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .property("event", id())
                .property("user", id())
                .required("event")
                .required("user")
        })
    }
}

impl ToSchema for BatchItem<'_> {
    fn name() -> Cow<'static, str> {
        "CheckItem".into()
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((Id::name().into(), Id::schema()));
    }
}

/// What one check of a batch can fail with.
pub const ITEM_ERRORS: &[&str] = &[
    "bad_request",
    "invalid_id",
    "unknown_permission",
    "missing_scope",
    "unexpected_scope",
    "event_not_found",
    "collaborator_not_found",
    "area_not_found",
];

/// One answer of a batch: a decision, or the code of the item's error.
#[derive(Serialize)]
#[serde(untagged)]
pub enum Outcome {
    Decision(DecisionView),
    Error { error: &'static str },
}

impl PartialSchema for Outcome {
    fn schema() -> RefOr<Schema> {
        let failed = ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(
                "A check that failed, answered in its place; the others are answered.",
            ))
            .property("error", enumeration(ITEM_ERRORS.iter().copied()))
            .required("error");
        OneOfBuilder::new()
            .item(Ref::from_schema_name(DecisionView::name()))
            .item(failed)
            .into()
    }
}

impl ToSchema for Outcome {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((DecisionView::name().into(), DecisionView::schema()));
        <DecisionView as ToSchema>::schemas(schemas);
    }
}

/// One result per check, in order.
#[derive(Serialize, ToSchema)]
pub struct CheckResults {
    #[schema(inline)]
    pub results: Vec<Outcome>,
}

/// What a user has on an event.
#[derive(Serialize, ToSchema)]
#[schema(as = EventUser)]
pub struct EventUserView {
    pub user: Id,
    #[schema(required = true)]
    pub license: Option<License>,
    pub collaborators: Vec<Id>,
    pub grants: Vec<GrantView>,
    /// Their org-wide grants, which count here too.
    pub org_grants: Vec<OrgGrantView>,
    /// When their slot here ends, if they hold one that does.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime, nullable = false)]
    pub slot_expires_at: Option<String>,
}

impl EventUserView {
    pub fn new(user: Id, view: UserView) -> EventUserView {
        EventUserView {
            user,
            license: view.license,
            collaborators: view.collaborators,
            grants: view.grants.iter().map(GrantView::from).collect(),
            org_grants: view.org_grants.iter().map(OrgGrantView::from).collect(),
            slot_expires_at: super::rfc3339(view.slot_expires_at),
        }
    }
}

/// An event where the user has a license, and that license.
#[derive(Serialize, ToSchema)]
pub struct UserEventView {
    pub event: Id,
    pub license: License,
}

#[derive(Serialize, ToSchema)]
pub struct UserEvents {
    pub events: Vec<UserEventView>,
}
