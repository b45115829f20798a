//! The OpenAPI 3 document of every route (SPEC §2), served at
//! `GET /openapi.json` and kept in `docs/openapi.json`.
//!
//! It is written here with utoipa's builders, not as annotations on the
//! handlers: one [`Op`] per route of the table in `routes/mod.rs`, and one
//! schema per JSON shape the handlers write. `tests/openapi.rs` checks that
//! the document and the served routes agree and that `docs/openapi.json` is
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
    Components, ComponentsBuilder, Content, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder,
    PathItem, Paths, PathsBuilder, RefOr, Required, Response, ResponseBuilder, Tag,
};

use crate::domain::{Permission, Reason, MAX_ID_LEN, MAX_POOL};
use crate::http::extract::MAX_NAME;
use crate::http::{BODY_TIMEOUT, MAX_BATCH, MAX_BODY};

/// The whole document.
pub fn document() -> OpenApi {
    let info = InfoBuilder::new()
        .title("Gatehouse")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(DESCRIPTION))
        .build();
    OpenApiBuilder::new()
        .info(info)
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
route (`404 not_found` for a path that matches no route, `405 method_not_allowed` for a method \
that a path does not list), token rights (`403 forbidden`), then body and rules.

Authentication: `Authorization: Bearer <token>`. The admin token may call every route; the check \
token only the read-only ones (those listing `check_token` in their security). `/health`, \
`/metrics` and `/openapi.json` need no token.

Ids (org, event, collaborator, area, user) are chosen by the client: `[A-Za-z0-9._:@+-]{1,128}`, \
not made of dots alone (else `400 invalid_id`). A `PUT` that creates a thing answers `201`; a \
`PUT` on a thing that exists answers `200` and applies what changed, so repeating one changes \
nothing.";

// ---------------------------------------------------------------------------
// Operations

/// Who may call a route.
#[derive(Clone, Copy)]
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

/// An operation on `path` (its `{name}` segments become path parameters),
/// with the security, and the token and id errors, that follow from `access`.
fn op(method: HttpMethod, path: &str, id: &str, access: Access) -> Op {
    let params: Vec<Parameter> = path
        .split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| param(name, ParameterIn::Path, true))
        .collect();
    let has_ids = !params.is_empty();
    let params = Some(params).filter(|_| has_ids);
    let mut op = Op {
        method,
        path: path.to_string(),
        builder: OperationBuilder::new()
            .operation_id(Some(id))
            .parameters(params)
            .securities(Some(security(access))),
        errors: BTreeMap::new(),
    };
    if has_ids {
        op = op.errors(400, &["invalid_id"]);
    }
    // Every route, also one that reads no body, refuses one declared over
    // the limit.
    op = op.errors(413, &["payload_too_large"]);
    match access {
        Access::Public => op,
        Access::Read => op.errors(401, &["unauthorized"]),
        Access::Write => op
            .errors(401, &["unauthorized"])
            .errors(403, &["forbidden"]),
    }
}

/// Any one of the listed schemes lets the call in; none listed: no token.
fn security(access: Access) -> Vec<SecurityRequirement> {
    let scheme = |name| SecurityRequirement::new(name, Vec::<String>::new());
    match access {
        Access::Public => Vec::new(),
        Access::Read => vec![scheme("admin_token"), scheme("check_token")],
        Access::Write => vec![scheme("admin_token")],
    }
}

impl Op {
    fn summary(mut self, summary: &str) -> Op {
        self.builder = self.builder.summary(Some(summary));
        self
    }

    fn describe(mut self, description: &str) -> Op {
        self.builder = self.builder.description(Some(description));
        self
    }

    /// A query parameter (a missing required one is `400 bad_request`).
    fn query(mut self, name: &str, required: bool) -> Op {
        let param = param(name, ParameterIn::Query, required);
        self.builder = self.builder.parameter(param);
        self.errors(400, &["bad_request"])
    }

    /// A JSON request body of the named schema; when not `required`, an
    /// empty body reads as `{}`.
    fn body(mut self, schema: &str, required: bool) -> Op {
        let body = RequestBodyBuilder::new()
            .required(Some(required_if(required)))
            .content("application/json", content(r(schema)));
        let body = if required {
            body
        } else {
            body.description(Some("May be empty: read as `{}`."))
        };
        self.builder = self.builder.request_body(Some(body.build()));
        self.errors(400, &["bad_request"])
            .errors(408, &["request_timeout"])
            .errors(413, &["payload_too_large"])
    }

    /// A success answer with a body of the named JSON schema.
    fn ok(self, status: &str, description: &str, schema: &str) -> Op {
        let response = ResponseBuilder::new()
            .description(description)
            .content("application/json", content(r(schema)));
        self.response(status, response)
    }

    /// The answer of an idempotent `PUT`: `201` when new, `200` when not.
    fn put_answer(self, what: &str, schema: &str) -> Op {
        let existed = format!("The {what} existed; what the request changed was applied.");
        self.ok("201", &format!("Created: the new {what}."), schema)
            .ok("200", &existed, schema)
    }

    fn no_content(self, description: &str) -> Op {
        self.response("204", ResponseBuilder::new().description(description))
    }

    fn response(mut self, status: &str, response: ResponseBuilder) -> Op {
        self.builder = self.builder.response(status, response);
        self
    }

    /// Error codes the operation can answer with `status`.
    fn errors(mut self, status: u16, codes: &[&'static str]) -> Op {
        let listed = self.errors.entry(status).or_default();
        for code in codes {
            if !listed.contains(code) {
                listed.push(code);
            }
        }
        self
    }

    /// The answer waits until the journal is flushed to disk (for a read:
    /// the writes it shows), or writes a snapshot.
    fn durable(self) -> Op {
        self.errors(503, &["unavailable"])
    }

    fn add_to(self, paths: PathsBuilder, tag: &str) -> PathsBuilder {
        let mut builder = self.builder.tag(tag);
        for (status, codes) in &self.errors {
            let shared = match codes.as_slice() {
                [code] if SHARED.contains(&(*status, *code)) => Some(*code),
                _ => None,
            };
            builder = match shared {
                Some(code) => builder.response(status.to_string(), Ref::from_response_name(code)),
                None => builder.response(status.to_string(), error(*status, codes)),
            };
        }
        paths.path(self.path, PathItem::new(self.method, builder))
    }
}

/// Error answers alone under their status on many routes: written once in
/// `#/components/responses`, named by their code.
const SHARED: [(u16, &str); 5] = [
    (401, "unauthorized"),
    (403, "forbidden"),
    (408, "request_timeout"),
    (413, "payload_too_large"),
    (503, "unavailable"),
];

/// An error answer: the shared `Error` schema, with `error` one of `codes`.
fn error(status: u16, codes: &[&str]) -> Response {
    let listed: Vec<String> = codes.iter().map(|c| format!("`{c}`")).collect();
    let narrowed = ObjectBuilder::new().property("error", enumeration(codes));
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
        408 => format!(
            "The body did not arrive within {} s of the head (the connection is closed):",
            BODY_TIMEOUT.as_secs()
        ),
        413 => format!("The body is over {MAX_BODY} bytes:"),
        503 => "Storage failed (journal or snapshot write) or the server is shutting down; retry later:".into(),
        _ => "Error:".into(),
    }
}

fn required_if(required: bool) -> Required {
    if required {
        Required::True
    } else {
        Required::False
    }
}

fn content(schema: RefOr<Schema>) -> Content {
    ContentBuilder::new().schema(Some(schema)).build()
}

/// A path or query parameter: what it is, its schema and an example value.
fn param(name: &str, place: ParameterIn, required: bool) -> Parameter {
    let scoped = "is scoped to: required for a permission of that domain, refused \
                  (`unexpected_scope`) for the others.";
    let (description, schema, example) = match name {
        "org" => ("Organization id.".to_string(), "Id", "acme"),
        "event" => ("Event id.".into(), "Id", "summer-fest"),
        "user" => ("User id.".into(), "Id", "alice"),
        "c" => ("Collaborator id.".into(), "Id", "headliner"),
        "a" => ("Area id.".into(), "Id", "main-stage"),
        "permission" => ("Permission name.".into(), "Permission", "Event.View"),
        "collaborator" => (
            format!("Collaborator the permission {scoped}"),
            "Id",
            "headliner",
        ),
        "area" => (format!("Area the permission {scoped}"), "Id", "main-stage"),
        _ => ("Id.".into(), "Id", "x"),
    };
    ParameterBuilder::new()
        .name(name)
        .parameter_in(place)
        .required(required_if(required))
        .description(Some(description))
        .schema(Some(r(schema)))
        .example(Some(json!(example)))
        .build()
}

// ---------------------------------------------------------------------------
// The route table, by tag

fn paths() -> Paths {
    let groups = [
        ("meta", meta_ops()),
        ("orgs", org_ops()),
        ("events", event_ops()),
        ("grants", grant_ops()),
        ("checks", check_ops()),
    ];
    let mut paths = PathsBuilder::new();
    for (tag, ops) in groups {
        for op in ops {
            paths = op.add_to(paths, tag);
        }
    }
    paths.build()
}

fn tags() -> Vec<Tag> {
    [
        (
            "meta",
            "Health, metrics, this document, the permission catalogue, snapshots.",
        ),
        (
            "orgs",
            "Organizations, their license pools, members and org access.",
        ),
        ("events", "Events, their collaborators and their areas."),
        (
            "grants",
            "Event Pro slots, free collaborator access and permission grants.",
        ),
        ("checks", "The read side: checks, and what a user has."),
    ]
    .into_iter()
    .map(|(name, about)| {
        TagBuilder::new()
            .name(name)
            .description(Some(about))
            .build()
    })
    .collect()
}

const ORG: &str = "/v1/orgs/{org}";
const EVENT: &str = "/v1/orgs/{org}/events/{event}";
const ORG_EVENT_NOT_FOUND: &[&str] = &["org_not_found", "event_not_found"];

fn meta_ops() -> Vec<Op> {
    use Access::*;
    use HttpMethod::*;
    let text = ObjectBuilder::new().schema_type(Type::String);
    let metrics = ResponseBuilder::new()
        .description("The Prometheus text exposition format.")
        .content("text/plain; version=0.0.4", content(text.into()));
    let any = ObjectBuilder::new().schema_type(Type::Object);
    let openapi = ResponseBuilder::new()
        .description("This document (OpenAPI 3).")
        .content("application/json", content(any.into()));
    vec![
        op(Get, "/health", "health", Public)
            .summary("Liveness")
            .ok("200", "Up.", "Health"),
        op(Get, "/metrics", "metrics", Public)
            .summary("Prometheus metrics")
            .describe(
                "Request counts and durations, checks by outcome, and gauges for orgs, \
                 events, slots in use, journal and snapshot timings.",
            )
            .response("200", metrics),
        op(Get, "/openapi.json", "openapi", Public)
            .summary("This OpenAPI document")
            .response("200", openapi),
        op(Get, "/v1/permissions", "listPermissions", Read)
            .summary("The permission catalogue")
            .ok(
                "200",
                "Every permission and its domain.",
                "PermissionCatalogue",
            ),
        op(Post, "/v1/admin/snapshot", "takeSnapshot", Write)
            .summary("Write a snapshot now")
            .ok("200", "The snapshot is safely on disk.", "Snapshot")
            .durable(),
    ]
}

fn org_ops() -> Vec<Op> {
    use Access::*;
    use HttpMethod::*;
    let member = format!("{ORG}/members/{{user}}");
    vec![
        op(Put, ORG, "putOrg", Write)
            .summary("Create an organization")
            .describe("Idempotent. An org's kind and owner never change (`409 conflict`).")
            .body("OrgBody", true)
            .put_answer("organization", "Org")
            .errors(409, &["conflict"])
            .durable(),
        op(Get, ORG, "getOrg", Read)
            .summary("An organization and its license pools")
            .ok("200", "The organization.", "Org")
            .errors(404, &["org_not_found"]),
        op(Put, &format!("{ORG}/licenses"), "putLicenses", Write)
            .summary("Set the sizes of the license pools")
            .describe(
                "A missing count is unchanged. Lowering a pool below what is in use is \
                 refused whole (`409 licenses_in_use`, listing what blocks it). A personal \
                 org may only buy `event_pro` (`400 personal_org`).",
            )
            .body("LicensesBody", false)
            .ok("200", "The organization after the change.", "Org")
            .errors(400, &["personal_org"])
            .errors(404, &["org_not_found"])
            .errors(409, &["licenses_in_use"])
            .durable(),
        op(Get, &format!("{ORG}/access"), "orgAccess", Read)
            .summary("May a user access the organization?")
            .describe(
                "Allowed for `org_standard` and `org_pro` holders and for a personal org's \
                 owner (license `owner`); otherwise `no_license`.",
            )
            .query("user", true)
            .ok("200", "The decision.", "Decision")
            .errors(404, &["org_not_found"]),
        op(Get, &format!("{ORG}/members"), "listMembers", Read)
            .summary("The members of an organization")
            .ok("200", "The members, sorted by user.", "Members")
            .errors(404, &["org_not_found"]),
        op(Put, &member, "putMember", Write)
            .summary("Add a member, or set their org license")
            .describe(
                "Switching license is atomic: on failure the old one is kept. Giving \
                 `org_pro` releases the member's Event Pro slots on the org's events \
                 (`released_slots`). A personal org has no member but its owner \
                 (`400 personal_org`).",
            )
            .body("MemberBody", false)
            .put_answer("member", "MemberChange")
            .errors(400, &["personal_org"])
            .errors(404, &["org_not_found"])
            .errors(409, &["no_seat_available"])
            .durable(),
        op(Get, &member, "getMember", Read)
            .summary("One member")
            .ok("200", "The member.", "Member")
            .errors(404, &["org_not_found", "member_not_found"]),
        op(Delete, &member, "deleteMember", Write)
            .summary("Remove a member")
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
    vec![
        op(Get, &format!("{ORG}/events"), "listEvents", Read)
            .summary("The events of an organization")
            .ok("200", "The events, sorted by id.", "EventList")
            .errors(404, &["org_not_found"]),
        op(Put, EVENT, "putEvent", Write)
            .summary("Create an event, or rename it")
            .describe("Idempotent. Creating an event needs `event_pro >= 1` on its org.")
            .body("NameBody", false)
            .put_answer("event", "Event")
            .errors(404, &["org_not_found"])
            .errors(409, &["event_pro_required"])
            .durable(),
        op(Get, EVENT, "getEvent", Read)
            .summary("An event, its slots, collaborators and areas")
            .ok("200", "The event (its lists sorted).", "Event")
            .errors(404, ORG_EVENT_NOT_FOUND)
            .durable(),
        op(Delete, EVENT, "deleteEvent", Write)
            .summary("Delete an event")
            .no_content("Deleted.")
            .errors(404, ORG_EVENT_NOT_FOUND)
            .durable(),
        op(Put, &collaborator, "putCollaborator", Write)
            .summary("Create a collaborator, or rename it")
            .body("NameBody", false)
            .put_answer("collaborator", "Named")
            .errors(404, ORG_EVENT_NOT_FOUND)
            .durable(),
        op(Delete, &collaborator, "deleteCollaborator", Write)
            .summary("Delete a collaborator")
            .no_content("Deleted, with the grants scoped to it and its users' attachments.")
            .errors(404, ORG_EVENT_NOT_FOUND)
            .errors(404, &["collaborator_not_found"])
            .durable(),
        op(Put, &area, "putArea", Write)
            .summary("Create an area, or rename it")
            .body("NameBody", false)
            .put_answer("area", "Named")
            .errors(404, ORG_EVENT_NOT_FOUND)
            .durable(),
        op(Delete, &area, "deleteArea", Write)
            .summary("Delete an area")
            .no_content("Deleted, with the grants scoped to it.")
            .errors(404, ORG_EVENT_NOT_FOUND)
            .errors(404, &["area_not_found"])
            .durable(),
    ]
}

fn grant_ops() -> Vec<Op> {
    use Access::*;
    use HttpMethod::*;
    let slot = format!("{EVENT}/slots/{{user}}");
    let attachment = format!("{EVENT}/collaborators/{{c}}/users/{{user}}");
    let grant = format!("{EVENT}/users/{{user}}/grants/{{permission}}");
    let scoped = |op: Op| {
        op.query("collaborator", false)
            .query("area", false)
            .errors(
                400,
                &["unknown_permission", "missing_scope", "unexpected_scope"],
            )
            .errors(404, ORG_EVENT_NOT_FOUND)
            .errors(404, &["collaborator_not_found", "area_not_found"])
            .durable()
    };
    vec![
        op(Put, &slot, "assignSlot", Write)
            .summary("Give a user an Event Pro slot on an event")
            .describe("Idempotent. At most `event_pro` users hold a slot on one event.")
            .put_answer("slot", "Slot")
            .errors(404, ORG_EVENT_NOT_FOUND)
            .errors(409, &["no_slot_available", "org_pro_holder"])
            .durable(),
        op(Delete, &slot, "releaseSlot", Write)
            .summary("Release a user's slot")
            .no_content("Released.")
            .errors(404, ORG_EVENT_NOT_FOUND)
            .errors(404, &["slot_not_found"])
            .durable(),
        op(Put, &attachment, "attachUser", Write)
            .summary("Attach a user to a collaborator (free collaborator access)")
            .describe(
                "Gives the listed Collaborator permissions on that collaborator, or the \
                 defaults. Attaching again changes nothing, even with another list.",
            )
            .body("AttachBody", false)
            .put_answer("attachment", "Attachment")
            .errors(400, &["unknown_permission"])
            .errors(404, ORG_EVENT_NOT_FOUND)
            .errors(404, &["collaborator_not_found"])
            .durable(),
        op(Delete, &attachment, "detachUser", Write)
            .summary("Detach a user from a collaborator")
            .no_content("Detached; their grants stay.")
            .errors(404, ORG_EVENT_NOT_FOUND)
            .errors(404, &["collaborator_not_found", "attachment_not_found"])
            .durable(),
        scoped(op(Put, &grant, "grant", Write))
            .summary("Grant a permission")
            .describe("Idempotent. The scope named by `collaborator` or `area` must exist.")
            .put_answer("grant", "Grant"),
        scoped(op(Delete, &grant, "revoke", Write))
            .summary("Revoke a permission")
            .no_content("Revoked.")
            .errors(404, &["grant_not_found"]),
    ]
}

fn check_ops() -> Vec<Op> {
    use Access::*;
    use HttpMethod::*;
    vec![
        op(Get, &format!("{EVENT}/users/{{user}}"), "eventUser", Read)
            .summary("What a user has on an event")
            .ok(
                "200",
                "Their license, collaborators and grants.",
                "EventUser",
            )
            .errors(404, ORG_EVENT_NOT_FOUND)
            .durable(),
        op(Get, &format!("{EVENT}/check"), "check", Read)
            .summary("May this user do this here?")
            .describe(
                "Allowed exactly when the permission is inside the user's license ceiling on \
                 the event and some grant of theirs covers it.",
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
            .errors(404, ORG_EVENT_NOT_FOUND)
            .errors(404, &["collaborator_not_found", "area_not_found"])
            .durable(),
        op(Post, &format!("{ORG}/check"), "checkBatch", Read)
            .summary("Many checks at once")
            .describe(&format!(
                "At most {MAX_BATCH} checks, answered in order. A check that fails is \
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
            Read,
        )
        .summary("The events where a user has a license")
        .ok(
            "200",
            "The events, sorted, with the user's license on each.",
            "UserEvents",
        )
        .errors(404, &["org_not_found"]),
    ]
}

// ---------------------------------------------------------------------------
// Schemas

fn components() -> Components {
    let bearer = |description: &str| {
        let http = HttpBuilder::new().scheme(HttpAuthScheme::Bearer);
        SecurityScheme::Http(http.description(Some(description)).build())
    };
    ComponentsBuilder::new()
        .schemas_from_iter(
            [
                common_schemas(),
                org_schemas(),
                event_schemas(),
                check_schemas(),
            ]
            .concat(),
        )
        .responses_from_iter(SHARED.map(|(status, code)| (code, error(status, &[code]))))
        .security_scheme("admin_token", bearer("The admin token: every route."))
        .security_scheme(
            "check_token",
            bearer("The check token: the read-only routes."),
        )
        .build()
}

type Named = (&'static str, RefOr<Schema>);

fn common_schemas() -> Vec<Named> {
    let id = ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!(
            "^(?!\\.+$)[A-Za-z0-9._:@+-]{{1,{MAX_ID_LEN}}}$"
        )))
        .examples(["acme"]);
    let permissions: Vec<&str> = Permission::ALL.iter().map(|p| p.name()).collect();
    let licenses = [
        "org_standard",
        "org_pro",
        "owner",
        "event_pro",
        "collaborator",
    ];
    let blocked = obj([("event", r("Id")), ("used", count())]);
    vec![
        (
            "Error",
            about(
                "Every error. Details: `licenses_in_use` lists what blocks the change \
                 (`events` for `event_pro`, `used` for an org pool); `no_seat_available` \
                 gives `license` and `total`; `no_slot_available` gives `total`.",
                obj([
                    ("error", about("The error code.", string())),
                    ("message", about("A human sentence.", string())),
                    ("events?", list(blocked)),
                    ("used?", count()),
                    ("license?", r("OrgLicense")),
                    ("total?", count()),
                ]),
            ),
        ),
        (
            "Id",
            about("A client-chosen id, not made of dots alone.", id.into()),
        ),
        ("Permission", enumeration(&permissions)),
        (
            "License",
            about(
                "`org_standard`, `org_pro` (org licenses), `owner` (a personal org's owner), \
                 `event_pro` (a slot on the event), `collaborator` (free collaborator access).",
                enumeration(&licenses),
            ),
        ),
        ("OrgLicense", enumeration(&["org_standard", "org_pro"])),
        ("Health", obj([("status", enumeration(&["ok"]))])),
        (
            "PermissionCatalogue",
            obj([(
                "permissions",
                list(obj([
                    ("name", r("Permission")),
                    ("domain", enumeration(&["event", "collaborator", "area"])),
                ])),
            )]),
        ),
        (
            "Snapshot",
            obj([
                ("file", about("The snapshot file's path.", string())),
                ("bytes", about("Its size in bytes.", count())),
            ]),
        ),
    ]
}

fn org_schemas() -> Vec<Named> {
    let kind = || enumeration(&["team", "personal"]);
    let pool = |used| obj([("total", count()), (used, count())]);
    let size = || {
        let size = ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(0));
        size.maximum(Some(MAX_POOL)).into()
    };
    vec![
        (
            "OrgBody",
            about(
                "`{\"kind\": \"team\"}` or `{\"kind\": \"personal\", \"owner\": user}`; a team \
                 org given an owner is `400 bad_request`.",
                obj([("kind", kind()), ("owner?", r("Id"))]),
            ),
        ),
        (
            "Org",
            about(
                "An organization; `members` and `events` are counts, `event_pro.max_used` \
                 the most slots in use on any one event now.",
                obj([
                    ("id", r("Id")),
                    ("kind", kind()),
                    ("owner?", r("Id")),
                    (
                        "licenses",
                        obj([
                            ("org_standard", pool("used")),
                            ("org_pro", pool("used")),
                            ("event_pro", pool("max_used")),
                        ]),
                    ),
                    ("members", count()),
                    ("events", count()),
                ]),
            ),
        ),
        (
            "LicensesBody",
            about(
                "The pool sizes to set; a missing one is unchanged.",
                obj([
                    ("org_standard?", size()),
                    ("org_pro?", size()),
                    ("event_pro?", size()),
                ]),
            ),
        ),
        (
            "MemberBody",
            about(
                "The org license to hold; `null` or missing: none.",
                obj([("license?", nullable(r("OrgLicense")))]),
            ),
        ),
        (
            "Member",
            obj([("user", r("Id")), ("license", nullable(r("License")))]),
        ),
        (
            "MemberChange",
            obj([
                ("user", r("Id")),
                ("license", nullable(r("License"))),
                (
                    "released_slots",
                    about("Events whose slot was released.", list(r("Id"))),
                ),
            ]),
        ),
        ("Members", obj([("members", list(r("Member")))])),
    ]
}

fn event_schemas() -> Vec<Named> {
    let name = ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(MAX_NAME));
    let defaults: Vec<&str> = Permission::COLLABORATOR_DEFAULTS
        .iter()
        .map(|p| p.name())
        .collect();
    let summary = obj([
        ("id", r("Id")),
        ("name", nullable(string())),
        ("slots_used", count()),
    ]);
    let slots = obj([
        ("total", count()),
        ("used", count()),
        ("holders", list(r("Id"))),
    ]);
    vec![
        ("NameBody", obj([("name?", nullable(name.into()))])),
        (
            "Named",
            obj([("id", r("Id")), ("name", nullable(string()))]),
        ),
        ("EventList", obj([("events", list(summary))])),
        (
            "Event",
            obj([
                ("id", r("Id")),
                ("name", nullable(string())),
                ("slots", slots),
                ("collaborators", list(r("Id"))),
                ("areas", list(r("Id"))),
            ]),
        ),
        ("Slot", obj([("event", r("Id")), ("user", r("Id"))])),
        (
            "AttachBody",
            about(
                &format!(
                    "The Collaborator permissions to give (another domain is \
                     `400 bad_request`); without a list: {}.",
                    defaults.join(", ")
                ),
                obj([("permissions?", nullable(list(r("Permission"))))]),
            ),
        ),
        (
            "Attachment",
            obj([
                ("event", r("Id")),
                ("collaborator", r("Id")),
                ("user", r("Id")),
            ]),
        ),
        (
            "Grant",
            about(
                "A permission, scoped to a collaborator or an area for those domains.",
                obj([
                    ("permission", r("Permission")),
                    ("collaborator?", r("Id")),
                    ("area?", r("Id")),
                ]),
            ),
        ),
    ]
}

/// What one check of a batch can fail with.
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

fn check_schemas() -> Vec<Named> {
    let reasons: Vec<&str> = Reason::ALL.iter().map(|r| r.as_str()).collect();
    let checks = ArrayBuilder::new()
        .items(r("CheckItem"))
        .max_items(Some(MAX_BATCH));
    let failed = about(
        "A check that failed.",
        obj([("error", enumeration(ITEM_ERRORS))]),
    );
    let result = OneOfBuilder::new().item(r("Decision")).item(failed);
    let license_on = obj([("event", r("Id")), ("license", r("License"))]);
    vec![
        (
            "Reason",
            about("Why a check answered as it did.", enumeration(&reasons)),
        ),
        (
            "Decision",
            about(
                "The answer to a check or an access question.",
                obj([
                    (
                        "allowed",
                        ObjectBuilder::new().schema_type(Type::Boolean).into(),
                    ),
                    ("reason", r("Reason")),
                    ("license", nullable(r("License"))),
                ]),
            ),
        ),
        (
            "EventUser",
            obj([
                ("user", r("Id")),
                ("license", nullable(r("License"))),
                ("collaborators", list(r("Id"))),
                ("grants", list(r("Grant"))),
            ]),
        ),
        (
            "CheckItem",
            obj([
                ("event", r("Id")),
                ("user", r("Id")),
                ("permission", r("Permission")),
                ("collaborator?", r("Id")),
                ("area?", r("Id")),
            ]),
        ),
        ("CheckBatch", obj([("checks", checks.into())])),
        ("CheckResults", obj([("results", list(result.into()))])),
        ("UserEvents", obj([("events", list(license_on))])),
    ]
}

/// A schema by name, from `#/components/schemas`.
fn r(name: &str) -> RefOr<Schema> {
    Ref::from_schema_name(name).into()
}

/// An object whose properties are required unless their name ends in `?`.
fn obj<const N: usize>(properties: [(&str, RefOr<Schema>); N]) -> RefOr<Schema> {
    let mut builder = ObjectBuilder::new().schema_type(Type::Object);
    for (name, schema) in properties {
        builder = match name.strip_suffix('?') {
            Some(optional) => builder.property(optional, schema),
            None => builder.property(name, schema).required(name),
        };
    }
    builder.into()
}

/// The schema with a description (on an inline object or a `oneOf`).
fn about(description: &str, mut schema: RefOr<Schema>) -> RefOr<Schema> {
    match &mut schema {
        RefOr::T(Schema::Object(o)) => o.description = Some(description.into()),
        RefOr::T(Schema::Array(a)) => a.description = Some(description.into()),
        RefOr::T(Schema::OneOf(o)) => o.description = Some(description.into()),
        _ => {}
    }
    schema
}

fn string() -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(Type::String).into()
}

fn count() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(0))
        .into()
}

fn list(items: RefOr<Schema>) -> RefOr<Schema> {
    ArrayBuilder::new().items(items).into()
}

/// The schema or `null`.
fn nullable(schema: RefOr<Schema>) -> RefOr<Schema> {
    let null = ObjectBuilder::new().schema_type(Type::Null);
    OneOfBuilder::new().item(schema).item(null).into()
}

fn enumeration(values: &[&str]) -> RefOr<Schema> {
    let values = values.iter().copied();
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values))
        .into()
}
