//! The wire: every request body, query, path and answer of the API as a
//! Rust type, converted from the domain's types with `From`, and described
//! by `utoipa::ToSchema` so that `openapi.rs` derives the document from
//! them. The domain's own small types (ids, permissions, licenses,
//! reasons) keep their serde forms; their schemas are written here, since
//! the domain knows nothing of HTTP.

mod checks;
mod events;
mod expiry;
mod meta;
mod orgs;
mod params;
mod usage;

use std::borrow::Cow;

use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use crate::domain::{Domain, Id, License, OrgLicense, Permission, Reason, MAX_ID_LEN};

pub use checks::{
    decision_answer, BatchBody, BatchItem, CheckParams, CheckResults, DecisionView, EventUserView,
    Outcome, UserEventView, UserEvents, ITEM_ERRORS,
};
pub use events::{
    AttachBody, AttachedUser, Attachment, CollaboratorAnswer, CollaboratorBody,
    CollaboratorDetails, EventList, EventSummary, EventView, GrantView, ModulesBody, ModulesView,
    NameBody, Named, OrgGrantView, OrgGrants, Slot,
};
pub use expiry::{rfc3339, ExpiresAt, ExpiryBody};
pub use meta::{Health, PermissionCatalogue, PermissionView, SnapshotView, Status};
pub use orgs::{
    LicensesBody, MemberBody, MemberChange, MemberView, Members, OrgBody, OrgView, PricesBody,
};
pub use params::{
    decoded, AreaPath, AttachmentPath, CollaboratorPath, EventPath, EventUserPath, GrantPath,
    OrgGrantPath, OrgPath, OrgUserPath, ScopeQuery, Segment, UserQuery,
};
pub use usage::{UsageView, WhatIfBody, WhatIfView};

/// Every error. Details: `licenses_in_use` lists what blocks the change
/// (`events` for `event_pro`, `used` for an org pool); `no_seat_available`
/// gives `license` and `total`; `no_slot_available` gives `total`.
//
// `http::error` writes it: the details are JSON values there, built per
// error (the one place the edge writes `json!`), and this type is their
// shape for the document.
#[derive(serde::Serialize, ToSchema)]
#[schema(as = Error)]
pub struct ErrorView {
    /// The error code.
    pub error: String,
    /// A human sentence.
    pub message: String,
    #[schema(nullable = false)]
    pub events: Option<Vec<Blocked>>,
    #[schema(nullable = false)]
    pub used: Option<u32>,
    #[schema(nullable = false)]
    pub license: Option<OrgLicense>,
    #[schema(nullable = false)]
    pub total: Option<u32>,
}

/// An event whose slots in use block lowering `event_pro`.
#[derive(serde::Serialize, ToSchema)]
pub struct Blocked {
    pub event: Id,
    pub used: u32,
}

/// A string schema whose value is one of `values`.
pub fn enumeration<'a>(values: impl IntoIterator<Item = &'a str>) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values))
        .into()
}

/// The schema or `null`.
pub fn nullable(schema: RefOr<Schema>) -> RefOr<Schema> {
    let null = ObjectBuilder::new().schema_type(Type::Null);
    OneOfBuilder::new().item(schema).item(null).into()
}

/// A schema named in `#/components/schemas`, referenced by its name.
macro_rules! named_schema {
    ($type:ty, $name:literal, $schema:expr) => {
        impl PartialSchema for $type {
            fn schema() -> RefOr<Schema> {
                $schema
            }
        }
        impl ToSchema for $type {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }
        }
    };
}

named_schema!(Id, "Id", {
    let id = ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("A client-chosen id, not made of dots alone."))
        .pattern(Some(format!(
            "^(?!\\.+$)[A-Za-z0-9._:@+-]{{1,{MAX_ID_LEN}}}$"
        )))
        .examples(["acme"]);
    id.into()
});

named_schema!(
    Permission,
    "Permission",
    enumeration(Permission::ALL.iter().map(|p| p.name()))
);

named_schema!(License, "License", {
    let licenses = [
        "org_standard",
        "org_pro",
        "owner",
        "event_pro",
        "collaborator",
    ];
    let mut schema = enumeration(licenses);
    if let RefOr::T(Schema::Object(o)) = &mut schema {
        o.description = Some(
            "`org_standard`, `org_pro` (org licenses), `owner` (a personal org's owner), \
             `event_pro` (a slot on the event), `collaborator` (free collaborator access)."
                .into(),
        );
    }
    schema
});

named_schema!(
    OrgLicense,
    "OrgLicense",
    enumeration(["org_standard", "org_pro"])
);

named_schema!(Reason, "Reason", {
    let mut schema = enumeration(Reason::ALL.iter().map(|r| r.as_str()));
    if let RefOr::T(Schema::Object(o)) = &mut schema {
        o.description = Some("Why a check answered as it did.".into());
    }
    schema
});

named_schema!(
    Domain,
    "Domain",
    enumeration(["event", "collaborator", "area"])
);

/// A count: a whole number, at least 0. Written without a fraction
/// (`2`, not `2.0`), as serde reads integers.
pub fn count() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(0))
        .into()
}

/// `schema` with `"not": excluded`: valid only where `excluded` is not.
/// utoipa's `Object` has no `not`; its extensions are written flat beside
/// the other keywords, so they carry it.
pub fn not(schema: ObjectBuilder, excluded: serde_json::Value) -> ObjectBuilder {
    let not: utoipa::openapi::extensions::Extensions = [("not", excluded)].into_iter().collect();
    schema.extensions(Some(not))
}
