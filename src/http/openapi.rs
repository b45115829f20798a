//! The OpenAPI 3 document of every route (SPEC §2), served at
//! `GET /openapi.json` and kept in `docs/openapi.json`.
//!
//! It is written here with utoipa's builders, next to nothing in the
//! handlers: one [`Op`] per route of the table in `routes/mod.rs`, and one
//! schema per JSON shape the handlers write. `tests/openapi.rs` checks that
//! the document and the served routes agree, and that `docs/openapi.json` is
//! up to date (`UPDATE_OPENAPI=1 cargo test --test openapi` rewrites it).

use std::collections::BTreeMap;

use serde_json::json;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, Parameter, ParameterBuilder, ParameterIn,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{
    AllOfBuilder, ArrayBuilder, ObjectBuilder, OneOfBuilder, Ref, Schema, Type,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{
    Components, ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathItem,
    Paths, PathsBuilder, RefOr, Required, Response, ResponseBuilder, Tag,
};

use crate::domain::{Permission, Reason, MAX_ID_LEN, MAX_POOL};
use crate::http::extract::MAX_NAME;
use crate::http::{MAX_BATCH, MAX_BODY};

/// The whole document.
pub fn document() -> OpenApi {
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Gatehouse")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(DESCRIPTION))
                .build(),
        )
        .paths(paths())
        .components(Some(components()))
        .tags(Some(tags()))
        .build()
}

/// The document as pretty JSON, as kept in `docs/openapi.json`.
pub fn json() -> String {
    document().to_pretty_json().unwrap_or_default()
}

const DESCRIPTION: &str = "License and permission server for an event-production platform.

JSON in and out. Every error is `{\"error\": \"<code>\", \"message\": \"<sentence>\", ...details}`; \
a refused request changes nothing. A request is checked in this order: token (`401 unauthorized`), \
route (`404 not_found` for a path that matches no route, `405 method_not_allowed` for a method a \
path does not list), token rights (`403 forbidden`), then body and rules.

Authentication: `Authorization: Bearer <token>`. The admin token may call every route; the check \
token only the read-only ones (those that list `check_token` in their security). `/health`, \
`/metrics` and `/openapi.json` need no token.

Ids (org, event, collaborator, area, user) are chosen by the client: `[A-Za-z0-9._:@+-]{1,128}`, \
not made of dots alone (else `400 invalid_id`). A `PUT` that creates a thing answers `201`; a `PUT` \
on a thing that exists answers `200` and applies what changed, so repeating one changes nothing.";

// ---------------------------------------------------------------------------
// Routes

/// Who may call a route.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    /// No token.
    Public,
    /// Read-only: the admin or the check token.
    Read,
    /// The admin token only.
    Write,
}

/// One operation being described, and the error codes it can answer.
struct Op {
    method: HttpMethod,
    path: String,
    builder: OperationBuilder,
    errors: BTreeMap<u16, Vec<&'static str>>,
}

/// An operation on `path` (`{name}` segments become path parameters), with
/// the security and the token and id errors that follow from `access`.
fn op(method: HttpMethod, path: &str, id: &str, summary: &str, tag: &str, access: Access) -> Op {
    let mut builder = OperationBuilder::new()
        .tag(tag)
        .summary(Some(summary))
        .operation_id(Some(id))
        .securities(Some(security(access)));
    let mut op = Op {
        method,
        path: path.to_string(),
        builder: OperationBuilder::new(),
        errors: BTreeMap::new(),
    };
    let mut has_params = false;
    for name in path
        .split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
    {
        builder = builder.parameter(path_param(name));
        has_params = true;
    }
    op.builder = builder;
    if has_params {
        op = op.errors(400, &["invalid_id"]);
    }
    match access {
        Access::Public => op,
        Access::Read => op.errors(401, &["unauthorized"]),
        Access::Write => op
            .errors(401, &["unauthorized"])
            .errors(403, &["forbidden"]),
    }
}

/// Any of the schemes listed lets the call in; none listed: no token.
fn security(access: Access) -> Vec<SecurityRequirement> {
    let admin = || SecurityRequirement::new("admin_token", Vec::<String>::new());
    let check = || SecurityRequirement::new("check_token", Vec::<String>::new());
    match access {
        Access::Public => Vec::new(),
        Access::Read => vec![admin(), check()],
        Access::Write => vec![admin()],
    }
}

impl Op {
    fn describe(mut self, description: &str) -> Op {
        self.builder = self.builder.description(Some(description));
        self
    }

    /// A query parameter; a missing required one is `400 bad_request`.
    fn query(mut self, name: &str, required: bool) -> Op {
        self.builder = self
            .builder
            .parameter(param(name, ParameterIn::Query, required));
        self.errors(400, &["bad_request"])
    }

    /// A JSON request body of the named schema.
    fn body(mut self, schema: &str, required: bool) -> Op {
        let description = if required {
            "JSON body."
        } else {
            "JSON body; may be empty (read as `{}`)."
        };
        let body = RequestBodyBuilder::new()
            .description(Some(description))
            .required(Some(if required {
                Required::True
            } else {
                Required::False
            }))
            .content("application/json", content(r(schema)))
            .build();
        self.builder = self.builder.request_body(Some(body));
        self.errors(400, &["bad_request"])
            .errors(413, &["payload_too_large"])
    }

    /// A success answer with a JSON body of the named schema.
    fn ok(mut self, status: &str, description: &str, schema: &str) -> Op {
        let response = ResponseBuilder::new()
            .description(description)
            .content("application/json", content(r(schema)))
            .build();
        self.builder = self.builder.response(status, response);
        self
    }

    /// The answer of an idempotent `PUT`: `201` new, `200` existing.
    fn put_answer(self, what: &str, schema: &str) -> Op {
        self.ok("201", &format!("Created: the new {what}."), schema)
            .ok(
                "200",
                &format!("The {what} existed; what the request changed was applied."),
                schema,
            )
    }

    /// A success answer built by hand (non-JSON or free-form bodies).
    fn response(mut self, status: &str, response: ResponseBuilder) -> Op {
        self.builder = self.builder.response(status, response);
        self
    }

    fn no_content(mut self, description: &str) -> Op {
        self.builder = self
            .builder
            .response("204", ResponseBuilder::new().description(description));
        self
    }

    /// Adds error codes answered with `status`.
    fn errors(mut self, status: u16, codes: &[&'static str]) -> Op {
        let listed = self.errors.entry(status).or_default();
        for code in codes {
            if !listed.contains(code) {
                listed.push(code);
            }
        }
        self
    }

    /// The answer waits for the journal: `503 unavailable` if it cannot
    /// reach the disk.
    fn durable(self) -> Op {
        self.errors(503, &["unavailable"])
    }

    fn add_to(self, paths: PathsBuilder) -> PathsBuilder {
        let mut builder = self.builder;
        for (status, codes) in &self.errors {
            builder = builder.response(status.to_string(), error(*status, codes));
        }
        paths.path(self.path, PathItem::new(self.method, builder))
    }
}

/// An error answer: the shared error schema, its `error` one of `codes`.
fn error(status: u16, codes: &[&str]) -> Response {
    let listed: Vec<String> = codes.iter().map(|c| format!("`{c}`")).collect();
    let narrowed = ObjectBuilder::new().property("error", enumeration(codes, ""));
    let schema = AllOfBuilder::new().item(r("Error")).item(narrowed);
    ResponseBuilder::new()
        .description(format!("{} {}.", status_text(status), listed.join(", ")))
        .content("application/json", content(schema.into()))
        .build()
}

fn status_text(status: u16) -> String {
    match status {
        400 => "Bad request:".into(),
        401 => "Missing or wrong token:".into(),
        403 => "The check token may not call this route:".into(),
        404 => "Not found:".into(),
        409 => "Refused by the rules:".into(),
        413 => format!("The body is over {MAX_BODY} bytes:"),
        503 => "The journal could not make the change durable:".into(),
        _ => "Error:".into(),
    }
}

fn content(schema: RefOr<Schema>) -> utoipa::openapi::Content {
    ContentBuilder::new().schema(Some(schema)).build()
}

fn path_param(name: &str) -> Parameter {
    param(name, ParameterIn::Path, true)
}

/// A path or query parameter: what it is, its schema and an example value.
fn param(name: &str, place: ParameterIn, required: bool) -> Parameter {
    let (description, schema, example) = match name {
        "org" => ("Organization id.", "Id", "acme"),
        "event" => ("Event id.", "Id", "summer-fest"),
        "user" => ("User id.", "Id", "alice"),
        "c" => ("Collaborator id.", "Id", "headliner"),
        "a" => ("Area id.", "Id", "main-stage"),
        "permission" => ("Permission name.", "Permission", "Event.View"),
        "collaborator" => (
            "Collaborator the permission is scoped to: required for a Collaborator permission, \
             refused (`unexpected_scope`) for the others.",
            "Id",
            "headliner",
        ),
        "area" => (
            "Area the permission is scoped to: required for an Area permission, refused \
             (`unexpected_scope`) for the others.",
            "Id",
            "main-stage",
        ),
        _ => ("Id.", "Id", "x"),
    };
    ParameterBuilder::new()
        .name(name)
        .parameter_in(place)
        .required(if required {
            Required::True
        } else {
            Required::False
        })
        .description(Some(description))
        .schema(Some(r(schema)))
        .example(Some(json!(example)))
        .build()
}

fn paths() -> Paths {
    [
        meta_ops(),
        org_ops(),
        event_ops(),
        license_ops(),
        check_ops(),
    ]
    .into_iter()
    .flatten()
    .fold(PathsBuilder::new(), |paths, op| op.add_to(paths))
    .build()
}

const ORG: &str = "/v1/orgs/{org}";
const EVENT: &str = "/v1/orgs/{org}/events/{event}";

fn meta_ops() -> Vec<Op> {
    use Access::*;
    use HttpMethod::*;
    let metrics = ResponseBuilder::new()
        .description("Prometheus text exposition format.")
        .content(
            "text/plain; version=0.0.4",
            content(ObjectBuilder::new().schema_type(Type::String).into()),
        );
    let openapi = ResponseBuilder::new()
        .description("This document.")
        .content(
            "application/json",
            content(ObjectBuilder::new().schema_type(Type::Object).into()),
        );
    vec![
        op(Get, "/health", "health", "Liveness", "meta", Public).ok("200", "Up.", "Health"),
        op(
            Get,
            "/metrics",
            "metrics",
            "Prometheus metrics",
            "meta",
            Public,
        )
        .describe(
            "Request counts and durations, checks by outcome, and gauges for orgs, \
                 events, slots in use, journal and snapshot timings.",
        )
        .response("200", metrics),
        op(
            Get,
            "/openapi.json",
            "openapi",
            "This OpenAPI document",
            "meta",
            Public,
        )
        .response("200", openapi),
        op(
            Get,
            "/v1/permissions",
            "listPermissions",
            "The permission catalogue",
            "meta",
            Read,
        )
        .ok(
            "200",
            "Every permission and its domain.",
            "PermissionCatalogue",
        ),
        op(
            Post,
            "/v1/admin/snapshot",
            "takeSnapshot",
            "Write a snapshot now",
            "meta",
            Write,
        )
        .ok("200", "The snapshot is safely on disk.", "Snapshot")
        .durable(),
    ]
}

fn org_ops() -> Vec<Op> {
    use Access::*;
    use HttpMethod::*;
    let members = format!("{ORG}/members");
    let member = format!("{ORG}/members/{{user}}");
    vec![
        op(Put, ORG, "putOrg", "Create an organization", "orgs", Write)
            .describe("Idempotent. An org's kind and owner never change (`409 conflict`).")
            .body("OrgBody", true)
            .put_answer("organization", "Org")
            .errors(409, &["conflict"])
            .durable(),
        op(
            Get,
            ORG,
            "getOrg",
            "An organization and its license pools",
            "orgs",
            Read,
        )
        .ok("200", "The organization.", "Org")
        .errors(404, &["org_not_found"]),
        op(
            Put,
            &format!("{ORG}/licenses"),
            "putLicenses",
            "Set license pool sizes",
            "orgs",
            Write,
        )
        .describe(
            "Missing counts are unchanged. Lowering a pool below what is in use is refused \
                 whole (`409 licenses_in_use`, listing what blocks it). A personal org may only \
                 buy `event_pro` (`400 personal_org`).",
        )
        .body("LicensesBody", false)
        .ok("200", "The organization after the change.", "Org")
        .errors(400, &["personal_org"])
        .errors(404, &["org_not_found"])
        .errors(409, &["licenses_in_use"])
        .durable(),
        op(
            Get,
            &format!("{ORG}/access"),
            "orgAccess",
            "May a user access the org?",
            "orgs",
            Read,
        )
        .describe(
            "Allowed for `org_standard` and `org_pro` holders and for a personal org's \
                 owner (license `owner`); otherwise `no_license`.",
        )
        .query("user", true)
        .ok("200", "The decision.", "Decision")
        .errors(404, &["org_not_found"]),
        op(
            Get,
            &members,
            "listMembers",
            "Members of an org",
            "members",
            Read,
        )
        .ok("200", "The members, sorted by user.", "Members")
        .errors(404, &["org_not_found"]),
        op(
            Put,
            &member,
            "putMember",
            "Add a member or set their org license",
            "members",
            Write,
        )
        .describe(
            "Switching license is atomic. Giving `org_pro` releases the member's Event Pro \
                 slots on the org's events (listed in `released_slots`). A personal org has no \
                 members but its owner (`400 personal_org`).",
        )
        .body("MemberBody", false)
        .put_answer("member", "MemberChange")
        .errors(400, &["personal_org"])
        .errors(404, &["org_not_found"])
        .errors(409, &["no_seat_available"])
        .durable(),
        op(Get, &member, "getMember", "One member", "members", Read)
            .ok("200", "The member.", "Member")
            .errors(404, &["org_not_found", "member_not_found"]),
        op(
            Delete,
            &member,
            "deleteMember",
            "Remove a member",
            "members",
            Write,
        )
        .describe(
            "Frees their org license; their slots and grants stay. Removing a personal \
                 org's owner is `400 personal_org`.",
        )
        .no_content("Removed.")
        .errors(400, &["personal_org"])
        .errors(404, &["org_not_found", "member_not_found"])
        .durable(),
    ]
}

fn event_ops() -> Vec<Op> {
    use Access::*;
    use HttpMethod::*;
    let collaborator = format!("{EVENT}/collaborators/{{c}}");
    let area = format!("{EVENT}/areas/{{a}}");
    let not_found = ["org_not_found", "event_not_found"];
    vec![
        op(
            Get,
            &format!("{ORG}/events"),
            "listEvents",
            "Events of an org",
            "events",
            Read,
        )
        .ok("200", "The events, sorted by id.", "EventList")
        .errors(404, &["org_not_found"]),
        op(
            Put,
            EVENT,
            "putEvent",
            "Create an event or rename it",
            "events",
            Write,
        )
        .describe("Idempotent. Creating an event needs `event_pro >= 1` on its org.")
        .body("NameBody", false)
        .put_answer("event", "Event")
        .errors(404, &["org_not_found"])
        .errors(409, &["event_pro_required"])
        .durable(),
        op(
            Get,
            EVENT,
            "getEvent",
            "An event, its slots, collaborators and areas",
            "events",
            Read,
        )
        .ok("200", "The event (lists sorted).", "Event")
        .errors(404, &not_found)
        .durable(),
        op(
            Delete,
            EVENT,
            "deleteEvent",
            "Delete an event",
            "events",
            Write,
        )
        .no_content("Deleted.")
        .errors(404, &not_found)
        .durable(),
        op(
            Put,
            &collaborator,
            "putCollaborator",
            "Create a collaborator or rename it",
            "events",
            Write,
        )
        .body("NameBody", false)
        .put_answer("collaborator", "Named")
        .errors(404, &not_found)
        .durable(),
        op(
            Delete,
            &collaborator,
            "deleteCollaborator",
            "Delete a collaborator",
            "events",
            Write,
        )
        .no_content("Deleted, with its scoped grants and its users' attachments.")
        .errors(404, &not_found)
        .errors(404, &["collaborator_not_found"])
        .durable(),
        op(
            Put,
            &area,
            "putArea",
            "Create an area or rename it",
            "events",
            Write,
        )
        .body("NameBody", false)
        .put_answer("area", "Named")
        .errors(404, &not_found)
        .durable(),
        op(
            Delete,
            &area,
            "deleteArea",
            "Delete an area",
            "events",
            Write,
        )
        .no_content("Deleted, with its scoped grants.")
        .errors(404, &not_found)
        .errors(404, &["area_not_found"])
        .durable(),
    ]
}

fn license_ops() -> Vec<Op> {
    use Access::*;
    use HttpMethod::*;
    let slot = format!("{EVENT}/slots/{{user}}");
    let attachment = format!("{EVENT}/collaborators/{{c}}/users/{{user}}");
    let grant = format!("{EVENT}/users/{{user}}/grants/{{permission}}");
    let not_found = ["org_not_found", "event_not_found"];
    let scope = ["unknown_permission", "missing_scope", "unexpected_scope"];
    let scopes = ["collaborator_not_found", "area_not_found"];
    vec![
        op(
            Put,
            &slot,
            "assignSlot",
            "Give a user an Event Pro slot",
            "slots",
            Write,
        )
        .describe("Idempotent. At most `event_pro` users hold a slot on one event.")
        .put_answer("slot", "Slot")
        .errors(404, &not_found)
        .errors(409, &["no_slot_available", "org_pro_holder"])
        .durable(),
        op(
            Delete,
            &slot,
            "releaseSlot",
            "Release a user's slot",
            "slots",
            Write,
        )
        .no_content("Released.")
        .errors(404, &not_found)
        .errors(404, &["slot_not_found"])
        .durable(),
        op(
            Put,
            &attachment,
            "attachUser",
            "Attach a user to a collaborator (free access)",
            "slots",
            Write,
        )
        .describe(
            "Idempotent: attaching again changes nothing, even with another list. Gives \
                 the listed Collaborator permissions on that collaborator, or the defaults.",
        )
        .body("AttachBody", false)
        .put_answer("attachment", "Attachment")
        .errors(400, &["unknown_permission"])
        .errors(404, &not_found)
        .errors(404, &["collaborator_not_found"])
        .durable(),
        op(
            Delete,
            &attachment,
            "detachUser",
            "Detach a user from a collaborator",
            "slots",
            Write,
        )
        .no_content("Detached; their grants stay.")
        .errors(404, &not_found)
        .errors(404, &["collaborator_not_found", "attachment_not_found"])
        .durable(),
        op(Put, &grant, "grant", "Grant a permission", "grants", Write)
            .describe("Idempotent. The scope named by `collaborator` or `area` must exist.")
            .query("collaborator", false)
            .query("area", false)
            .put_answer("grant", "Grant")
            .errors(400, &scope)
            .errors(404, &not_found)
            .errors(404, &scopes)
            .durable(),
        op(
            Delete,
            &grant,
            "revoke",
            "Revoke a permission",
            "grants",
            Write,
        )
        .query("collaborator", false)
        .query("area", false)
        .no_content("Revoked.")
        .errors(400, &scope)
        .errors(404, &not_found)
        .errors(404, &scopes)
        .errors(404, &["grant_not_found"])
        .durable(),
    ]
}

fn check_ops() -> Vec<Op> {
    use Access::*;
    use HttpMethod::*;
    let not_found = ["org_not_found", "event_not_found"];
    vec![
        op(
            Get,
            &format!("{EVENT}/users/{{user}}"),
            "eventUser",
            "A user on an event",
            "checks",
            Read,
        )
        .ok("200", "Their license, attachments and grants.", "EventUser")
        .errors(404, &not_found)
        .durable(),
        op(
            Get,
            &format!("{EVENT}/check"),
            "check",
            "May a user do this here?",
            "checks",
            Read,
        )
        .describe(
            "True exactly when the permission is inside the user's license ceiling on the \
                 event and some grant of theirs covers it.",
        )
        .query("user", true)
        .query("permission", true)
        .query("collaborator", false)
        .query("area", false)
        .ok("200", "The decision and its reason.", "Decision")
        .errors(
            400,
            &["unknown_permission", "missing_scope", "unexpected_scope"],
        )
        .errors(404, &not_found)
        .errors(404, &["collaborator_not_found", "area_not_found"])
        .durable(),
        op(
            Post,
            &format!("{ORG}/check"),
            "checkBatch",
            "Many checks at once",
            "checks",
            Read,
        )
        .describe(&format!(
            "At most {MAX_BATCH} checks, answered in order. An item that fails is \
                 `{{\"error\": code}}` without failing the batch."
        ))
        .body("CheckBatch", true)
        .ok("200", "One result per check, in order.", "CheckResults")
        .errors(404, &["org_not_found"])
        .durable(),
        op(
            Get,
            &format!("{ORG}/users/{{user}}/events"),
            "userEvents",
            "Events where a user has a license",
            "checks",
            Read,
        )
        .ok(
            "200",
            "The events, sorted, with the user's license on each.",
            "UserEvents",
        )
        .errors(404, &["org_not_found"]),
    ]
}

fn tags() -> Vec<Tag> {
    [
        (
            "meta",
            "Health, metrics, this document, the catalogue and snapshots.",
        ),
        ("orgs", "Organizations, their license pools and org access."),
        ("members", "Members of a team org and their org licenses."),
        ("events", "Events, their collaborators and areas."),
        ("slots", "Event Pro slots and free collaborator access."),
        ("grants", "Permissions given per event and user."),
        ("checks", "The read side: checks and what a user has."),
    ]
    .into_iter()
    .map(|(name, description)| {
        TagBuilder::new()
            .name(name)
            .description(Some(description))
            .build()
    })
    .collect()
}

// ---------------------------------------------------------------------------
// Schemas

fn components() -> Components {
    let bearer = |description: &str| {
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(description))
                .build(),
        )
    };
    ComponentsBuilder::new()
        .schemas_from_iter(schemas())
        .security_scheme("admin_token", bearer("The admin token: every route."))
        .security_scheme(
            "check_token",
            bearer("The check token: read-only routes only."),
        )
        .build()
}

fn schemas() -> Vec<(&'static str, RefOr<Schema>)> {
    let permissions: Vec<&str> = Permission::ALL.iter().map(|p| p.name()).collect();
    let defaults: Vec<&str> = Permission::COLLABORATOR_DEFAULTS
        .iter()
        .map(|p| p.name())
        .collect();
    let reasons: Vec<&str> = Reason::ALL.iter().map(|r| r.as_str()).collect();
    let id = ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!(
            "^(?!\\.+$)[A-Za-z0-9._:@+-]{{1,{MAX_ID_LEN}}}$"
        )))
        .description(Some("A client-chosen id, not made of dots alone."))
        .examples(["acme"]);
    let license = "`org_standard`, `org_pro` (org licenses), `owner` (a personal org's owner), \
                   `event_pro` (a slot on the event), `collaborator` (free collaborator access).";
    vec![
        (
            "Error",
            obj(
                "Every error. Details: `licenses_in_use` lists what blocks the change \
                 (`events` for `event_pro`, `used` for an org pool); `no_seat_available` \
                 gives `license` and `total`; `no_slot_available` gives `total`.",
                [
                    ("error", string("The error code.")),
                    ("message", string("A human sentence.")),
                    (
                        "events?",
                        list(obj("", [("event", r("Id")), ("used", count(""))])),
                    ),
                    ("used?", count("")),
                    ("license?", r("OrgLicense")),
                    ("total?", count("")),
                ],
            ),
        ),
        ("Id", id.into()),
        (
            "Permission",
            enumeration(&permissions, "A permission of the catalogue."),
        ),
        (
            "License",
            enumeration(
                &[
                    "org_standard",
                    "org_pro",
                    "owner",
                    "event_pro",
                    "collaborator",
                ],
                license,
            ),
        ),
        (
            "OrgLicense",
            enumeration(&["org_standard", "org_pro"], "An org license."),
        ),
        (
            "Reason",
            enumeration(&reasons, "Why a check answered as it did."),
        ),
        (
            "Decision",
            obj(
                "The answer to a check or an access question.",
                [
                    ("allowed", typed(Type::Boolean, "")),
                    ("reason", r("Reason")),
                    ("license", nullable(r("License"))),
                ],
            ),
        ),
        (
            "Grant",
            obj(
                "A permission, scoped to a collaborator or an area for those domains.",
                [
                    ("permission", r("Permission")),
                    ("collaborator?", r("Id")),
                    ("area?", r("Id")),
                ],
            ),
        ),
        ("Health", obj("", [("status", enumeration(&["ok"], ""))])),
        (
            "PermissionCatalogue",
            obj(
                "",
                [(
                    "permissions",
                    list(obj(
                        "",
                        [
                            ("name", r("Permission")),
                            (
                                "domain",
                                enumeration(&["event", "collaborator", "area"], ""),
                            ),
                        ],
                    )),
                )],
            ),
        ),
        (
            "Snapshot",
            obj(
                "",
                [
                    ("file", string("The snapshot file's path.")),
                    ("bytes", count("Its size.")),
                ],
            ),
        ),
        (
            "OrgBody",
            obj(
                "`{\"kind\": \"team\"}` or `{\"kind\": \"personal\", \"owner\": user}`; a team \
                 org given an owner is `400 bad_request`.",
                [
                    ("kind", enumeration(&["team", "personal"], "")),
                    ("owner?", r("Id")),
                ],
            ),
        ),
        (
            "Org",
            obj(
                "An organization; `members` and `events` are counts.",
                [
                    ("id", r("Id")),
                    ("kind", enumeration(&["team", "personal"], "")),
                    ("owner?", r("Id")),
                    (
                        "licenses",
                        obj(
                            "",
                            [
                                ("org_standard", pool("used")),
                                ("org_pro", pool("used")),
                                ("event_pro", pool("max_used")),
                            ],
                        ),
                    ),
                    ("members", count("")),
                    ("events", count("")),
                ],
            ),
        ),
        (
            "LicensesBody",
            obj(
                "Pool sizes to set; a missing one is unchanged.",
                [
                    ("org_standard?", pool_size()),
                    ("org_pro?", pool_size()),
                    ("event_pro?", pool_size()),
                ],
            ),
        ),
        (
            "MemberBody",
            obj("", [("license?", nullable(r("OrgLicense")))]),
        ),
        (
            "Member",
            obj("", [("user", r("Id")), ("license", nullable(r("License")))]),
        ),
        (
            "MemberChange",
            obj(
                "",
                [
                    ("user", r("Id")),
                    ("license", nullable(r("License"))),
                    ("released_slots", list(r("Id"))),
                ],
            ),
        ),
        ("Members", obj("", [("members", list(r("Member")))])),
        (
            "NameBody",
            obj("", [("name?", nullable(string_max(MAX_NAME)))]),
        ),
        (
            "Named",
            obj("", [("id", r("Id")), ("name", nullable(string("")))]),
        ),
        (
            "EventList",
            obj(
                "",
                [(
                    "events",
                    list(obj(
                        "",
                        [
                            ("id", r("Id")),
                            ("name", nullable(string(""))),
                            ("slots_used", count("")),
                        ],
                    )),
                )],
            ),
        ),
        (
            "Event",
            obj(
                "",
                [
                    ("id", r("Id")),
                    ("name", nullable(string(""))),
                    (
                        "slots",
                        obj(
                            "",
                            [
                                ("total", count("")),
                                ("used", count("")),
                                ("holders", list(r("Id"))),
                            ],
                        ),
                    ),
                    ("collaborators", list(r("Id"))),
                    ("areas", list(r("Id"))),
                ],
            ),
        ),
        ("Slot", obj("", [("event", r("Id")), ("user", r("Id"))])),
        (
            "AttachBody",
            obj(
                &format!(
                    "Collaborator permissions to give (another domain is `400 bad_request`); \
                     without a list: {}.",
                    defaults.join(", ")
                ),
                [("permissions?", nullable(list(r("Permission"))))],
            ),
        ),
        (
            "Attachment",
            obj(
                "",
                [
                    ("event", r("Id")),
                    ("collaborator", r("Id")),
                    ("user", r("Id")),
                ],
            ),
        ),
        (
            "EventUser",
            obj(
                "",
                [
                    ("user", r("Id")),
                    ("license", nullable(r("License"))),
                    ("collaborators", list(r("Id"))),
                    ("grants", list(r("Grant"))),
                ],
            ),
        ),
        (
            "CheckItem",
            obj(
                "",
                [
                    ("event", r("Id")),
                    ("user", r("Id")),
                    ("permission", r("Permission")),
                    ("collaborator?", r("Id")),
                    ("area?", r("Id")),
                ],
            ),
        ),
        (
            "CheckBatch",
            obj(
                "",
                [(
                    "checks",
                    ArrayBuilder::new()
                        .items(r("CheckItem"))
                        .max_items(Some(MAX_BATCH))
                        .into(),
                )],
            ),
        ),
        (
            "CheckResults",
            obj(
                "",
                [(
                    "results",
                    list(
                        OneOfBuilder::new()
                            .item(r("Decision"))
                            .item(obj(
                                "A check that failed.",
                                [("error", enumeration(ITEM_ERRORS, ""))],
                            ))
                            .into(),
                    ),
                )],
            ),
        ),
        (
            "UserEvents",
            obj(
                "",
                [(
                    "events",
                    list(obj("", [("event", r("Id")), ("license", r("License"))])),
                )],
            ),
        ),
    ]
}

/// What one item of a batch check can fail with.
const ITEM_ERRORS: &[&str] = &[
    "bad_request",
    "invalid_id",
    "unknown_permission",
    "missing_scope",
    "unexpected_scope",
    "event_not_found",
    "collaborator_not_found",
    "area_not_found",
];

/// A schema by name, from `#/components/schemas`.
fn r(name: &str) -> RefOr<Schema> {
    Ref::from_schema_name(name).into()
}

/// An object whose properties are required unless their name ends in `?`.
fn obj<const N: usize>(description: &str, properties: [(&str, RefOr<Schema>); N]) -> RefOr<Schema> {
    let mut builder = ObjectBuilder::new().schema_type(Type::Object);
    for (name, schema) in properties {
        builder = match name.strip_suffix('?') {
            Some(optional) => builder.property(optional, schema),
            None => builder.property(name, schema).required(name),
        };
    }
    described(builder, description)
}

/// The schema, with its description unless that is empty.
fn described(builder: ObjectBuilder, description: &str) -> RefOr<Schema> {
    let description = Some(description).filter(|d| !d.is_empty());
    builder.description(description).into()
}

fn typed(schema_type: Type, description: &str) -> RefOr<Schema> {
    described(ObjectBuilder::new().schema_type(schema_type), description)
}

fn string(description: &str) -> RefOr<Schema> {
    typed(Type::String, description)
}

fn string_max(max: usize) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(max))
        .into()
}

fn count(description: &str) -> RefOr<Schema> {
    let builder = ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0));
    described(builder, description)
}

fn pool_size() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(0))
        .maximum(Some(MAX_POOL))
        .into()
}

/// A license pool: its size and how much of it is used.
fn pool(used: &str) -> RefOr<Schema> {
    obj("", [("total", count("")), (used, count(""))])
}

fn list(items: RefOr<Schema>) -> RefOr<Schema> {
    ArrayBuilder::new().items(items).into()
}

fn nullable(schema: RefOr<Schema>) -> RefOr<Schema> {
    OneOfBuilder::new()
        .item(schema)
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .into()
}

fn enumeration(values: &[&str], description: &str) -> RefOr<Schema> {
    let builder = ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.iter().copied()));
    described(builder, description)
}
