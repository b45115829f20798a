//! Events, their collaborators, areas, slots, attachments and grants.

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::openapi::schema::{
    ArrayBuilder, KnownFormat, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, Type,
};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use crate::actors::EventInfo;
use crate::domain::{
    CollaboratorView, Domain, Grant, Id, Modules, ModulesChange, OrgGrant, Permission, Scope,
    Timestamp,
};

use super::expiry::rfc3339;
use super::{enumeration, not, nullable};

/// A name to give; missing or `null`: none.
#[derive(Deserialize, Default, ToSchema)]
pub struct NameBody {
    #[schema(max_length = 1024)]
    pub name: Option<String>,
}

const _: () = assert!(
    crate::http::extract::MAX_NAME == 1024,
    "NameBody's schema says 1024"
);

/// A collaborator or an area.
#[derive(Serialize, ToSchema)]
pub struct Named {
    pub id: Id,
    #[schema(required = true)]
    pub name: Option<String>,
}

/// `PUT …/collaborators/{c}`: a missing key (or `null`) leaves that part
/// as it is; a new collaborator starts unnamed with every module on.
#[derive(Deserialize, Default, ToSchema)]
pub struct CollaboratorBody {
    #[schema(max_length = 1024)]
    pub name: Option<String>,
    pub modules: Option<ModulesBody>,
}

/// Modules to turn on (`true`) or off (`false`); a missing key (or
/// `null`) leaves that module as it is.
#[derive(Default, ToSchema)]
#[schema(as = ModulesChange)]
pub struct ModulesBody {
    pub advancing: Option<bool>,
    pub schedule: Option<bool>,
    pub files: Option<bool>,
}

/// Read from a JSON object only: serde would also read a struct from an
/// array of its fields in order (`[false, true, true]`).
impl<'de> Deserialize<'de> for ModulesBody {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<ModulesBody, D::Error> {
        #[derive(Deserialize)]
        struct Fields {
            advancing: Option<bool>,
            schedule: Option<bool>,
            files: Option<bool>,
        }
        struct Object;
        impl<'de> serde::de::Visitor<'de> for Object {
            type Value = Fields;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of booleans")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Fields, A::Error> {
                Fields::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }
        let f = d.deserialize_map(Object)?;
        Ok(ModulesBody {
            advancing: f.advancing,
            schedule: f.schedule,
            files: f.files,
        })
    }
}

impl From<ModulesBody> for ModulesChange {
    fn from(m: ModulesBody) -> ModulesChange {
        ModulesChange {
            advancing: m.advancing,
            schedule: m.schedule,
            files: m.files,
        }
    }
}

/// Which modules of a collaborator are on. One that is off takes its
/// Collaborator permissions there away from free collaborators
/// (`module_disabled`): `advancing` AdvanceView/AdvanceEdit, `schedule`
/// ScheduleView/ScheduleEdit, `files` FileView/FileUpload.
#[derive(Serialize, ToSchema)]
#[schema(as = Modules)]
pub struct ModulesView {
    pub advancing: bool,
    pub schedule: bool,
    pub files: bool,
}

impl From<Modules> for ModulesView {
    fn from(m: Modules) -> ModulesView {
        ModulesView {
            advancing: m.advancing,
            schedule: m.schedule,
            files: m.files,
        }
    }
}

/// A collaborator and its modules.
#[derive(Serialize, ToSchema)]
#[schema(as = Collaborator)]
pub struct CollaboratorAnswer {
    pub id: Id,
    #[schema(required = true)]
    pub name: Option<String>,
    pub modules: ModulesView,
}

/// A collaborator, its modules and the users attached to it (sorted).
#[derive(Serialize, ToSchema)]
pub struct CollaboratorDetails {
    pub id: Id,
    #[schema(required = true)]
    pub name: Option<String>,
    pub modules: ModulesView,
    pub users: Vec<AttachedUser>,
}

impl From<CollaboratorView> for CollaboratorDetails {
    fn from(c: CollaboratorView) -> CollaboratorDetails {
        CollaboratorDetails {
            id: c.id,
            name: c.name,
            modules: c.modules.into(),
            users: c
                .users
                .into_iter()
                .map(|(user, t)| AttachedUser {
                    user,
                    expires_at: rfc3339(t),
                })
                .collect(),
        }
    }
}

/// A user attached to a collaborator, and when the attachment ends if it
/// does.
#[derive(Serialize, ToSchema)]
pub struct AttachedUser {
    pub user: Id,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime, nullable = false)]
    pub expires_at: Option<String>,
}

/// One event of a list.
#[derive(Serialize, ToSchema)]
pub struct EventSummary {
    pub id: Id,
    #[schema(required = true)]
    pub name: Option<String>,
    pub slots_used: u32,
}

impl From<(Id, (Option<String>, u32))> for EventSummary {
    fn from((id, (name, slots_used)): (Id, (Option<String>, u32))) -> EventSummary {
        EventSummary {
            id,
            name,
            slots_used,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct EventList {
    pub events: Vec<EventSummary>,
}

#[derive(Serialize, ToSchema)]
pub struct Slots {
    pub total: u32,
    pub used: usize,
    pub holders: Vec<Id>,
}

/// An event, its slots, collaborators and areas (its lists sorted).
#[derive(Serialize, ToSchema)]
#[schema(as = Event)]
pub struct EventView {
    pub id: Id,
    #[schema(required = true)]
    pub name: Option<String>,
    #[schema(inline)]
    pub slots: Slots,
    pub collaborators: Vec<Id>,
    pub areas: Vec<Id>,
}

impl EventView {
    pub fn new(id: Id, info: EventInfo) -> EventView {
        EventView {
            id,
            name: info.name,
            slots: Slots {
                total: info.slot_total,
                used: info.holders.len(),
                holders: info.holders,
            },
            collaborators: info.collaborators,
            areas: info.areas,
        }
    }
}

/// An Event Pro slot, and when it ends if it does.
#[derive(Serialize, ToSchema)]
pub struct Slot {
    pub event: Id,
    pub user: Id,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime, nullable = false)]
    pub expires_at: Option<String>,
}

/// The Collaborator permissions to give (another domain is
/// `400 bad_request`); without a list: Collaborator.View,
/// Collaborator.AdvanceView, Collaborator.AdvanceEdit,
/// Collaborator.ScheduleView, Collaborator.FileView,
/// Collaborator.FileUpload.
#[derive(Deserialize, Default, ToSchema)]
pub struct AttachBody {
    #[schema(schema_with = collaborator_permissions)]
    pub permissions: Option<Vec<String>>,
    /// When the attachment ends (RFC 3339; `null` or missing: never).
    /// Attaching again replaces it; the grants stay as they are.
    #[schema(value_type = Option<String>, format = DateTime, example = "2027-06-01T18:00:00Z")]
    pub expires_at: Option<super::ExpiresAt>,
}

fn collaborator_permissions() -> RefOr<Schema> {
    let names = of_domain(Domain::Collaborator);
    nullable(ArrayBuilder::new().items(enumeration(names)).into())
}

fn of_domain(domain: Domain) -> impl Iterator<Item = &'static str> {
    Permission::ALL
        .iter()
        .filter(move |p| p.domain() == domain)
        .map(|p| p.name())
}

/// A user attached to a collaborator, and when it ends if it does.
#[derive(Serialize, ToSchema)]
pub struct Attachment {
    pub event: Id,
    pub collaborator: Id,
    pub user: Id,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime, nullable = false)]
    pub expires_at: Option<String>,
}

impl From<(super::AttachmentPath, Option<Timestamp>)> for Attachment {
    fn from((p, expires_at): (super::AttachmentPath, Option<Timestamp>)) -> Attachment {
        Attachment {
            event: p.event,
            collaborator: p.c,
            user: p.user,
            expires_at: rfc3339(expires_at),
        }
    }
}

/// A grant as the API shows it: `{"permission", "collaborator"?, "area"?,
/// "expires_at"?}`.
#[derive(Serialize)]
pub struct GrantView {
    pub permission: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collaborator: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub area: Option<Id>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

impl GrantView {
    /// The grant, ending at `expires_at`.
    pub fn until(self, expires_at: Option<Timestamp>) -> GrantView {
        GrantView {
            expires_at: rfc3339(expires_at),
            ..self
        }
    }
}

impl From<&(Grant, Option<Timestamp>)> for GrantView {
    fn from((grant, expires_at): &(Grant, Option<Timestamp>)) -> GrantView {
        GrantView::from(grant).until(*expires_at)
    }
}

impl From<&Grant> for GrantView {
    fn from(grant: &Grant) -> GrantView {
        let (collaborator, area) = match grant.scope() {
            Scope::Event => (None, None),
            Scope::Collaborator(c) => (Some(c.clone()), None),
            Scope::Area(a) => (None, Some(a.clone())),
        };
        GrantView {
            permission: grant.permission().name(),
            collaborator,
            area,
            expires_at: None,
        }
    }
}

/// An org-wide grant: an Event permission that counts on every event of
/// the org, present and future, inside the user's ceiling there.
#[derive(Serialize, ToSchema)]
#[schema(as = OrgGrant)]
pub struct OrgGrantView {
    #[schema(schema_with = event_permissions)]
    pub permission: &'static str,
    /// When it ends; absent: never.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime, nullable = false)]
    pub expires_at: Option<String>,
}

impl From<&OrgGrant> for OrgGrantView {
    fn from(grant: &OrgGrant) -> OrgGrantView {
        OrgGrantView {
            permission: grant.permission().name(),
            expires_at: rfc3339(grant.expires().time()),
        }
    }
}

/// The Event permissions, the only ones that can be org-wide.
pub(super) fn event_permissions() -> RefOr<Schema> {
    enumeration(of_domain(Domain::Event))
}

/// A user's org-wide grants, in the catalogue's order.
#[derive(Serialize, ToSchema)]
pub struct OrgGrants {
    pub grants: Vec<OrgGrantView>,
}

/// One variant per domain: its permissions, the scope it needs, and no
/// other.
pub fn scoped(base: impl Fn() -> ObjectBuilder) -> RefOr<Schema> {
    let id = || Ref::from_schema_name(Id::name());
    let event = base().property("permission", enumeration(of_domain(Domain::Event)));
    let collaborator = base()
        .property("permission", enumeration(of_domain(Domain::Collaborator)))
        .property("collaborator", id())
        .required("collaborator");
    let area = base()
        .property("permission", enumeration(of_domain(Domain::Area)))
        .property("area", id())
        .required("area");
    let neither = json!({"anyOf": [{"required": ["collaborator"]}, {"required": ["area"]}]});
    OneOfBuilder::new()
        .item(not(event.required("permission"), neither))
        .item(not(
            collaborator.required("permission"),
            json!({"required": ["area"]}),
        ))
        .item(not(
            area.required("permission"),
            json!({"required": ["collaborator"]}),
        ))
        .into()
}

impl PartialSchema for GrantView {
    fn schema() -> RefOr<Schema> {
        let mut schema = scoped(|| {
            let expires_at = ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
                .description(Some("When the grant ends; absent: never."));
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .property("expires_at", expires_at)
        });
        if let RefOr::T(Schema::OneOf(o)) = &mut schema {
            o.description =
                Some("A permission, scoped to a collaborator or an area for those domains.".into());
        }
        schema
    }
}

impl ToSchema for GrantView {
    fn name() -> std::borrow::Cow<'static, str> {
        "Grant".into()
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((Id::name().into(), Id::schema()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attach_body_names_the_defaults() {
        let doc = AttachBody::schema();
        let text = serde_json::to_string(&doc).unwrap();
        for p in Permission::COLLABORATOR_DEFAULTS {
            assert!(text.contains(p.name()), "{p} is not named");
        }
    }
}
