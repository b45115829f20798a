//! The OpenAPI 3 document of every route (SPEC §2), served at
//! `GET /openapi.json` and kept in `docs/openapi.json`.
//!
//! Derived from each handler's `#[utoipa::path]` and the `ToSchema` types of
//! `http::wire`; here is only what cannot be: the info, security schemes,
//! tags, and the error answers ([`complete`]). `tests/openapi.rs` checks the
//! document against the served routes and `docs/openapi.json`
//! (`UPDATE_OPENAPI=1 cargo test --test openapi` rewrites it).

use std::collections::BTreeMap;

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, InfoBuilder, Ref, RefOr, Required, Response, ResponseBuilder,
};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

use actix_web::http::Method;

use super::auth::PUBLIC;
use super::observe::is_read;
use super::routes::{checks, cluster, events, grants, members, meta, orgs, usage};
use super::wire::{enumeration, ErrorView};
use super::{BODY_TIMEOUT, MAX_BODY};

#[derive(OpenApi)]
#[openapi(
    paths(
        meta::health, meta::metrics, meta::openapi, meta::permissions, meta::snapshot,
        cluster::get,
        orgs::put, orgs::get, orgs::put_licenses, orgs::access,
        usage::get, usage::what_if,
        members::list, members::put, members::get, members::delete,
        events::list, events::put, events::get, events::delete,
        events::put_collaborator, events::get_collaborator, events::delete_collaborator,
        events::put_area, events::delete_area,
        grants::assign_slot, grants::release_slot, grants::attach, grants::detach,
        grants::grant, grants::revoke,
        grants::grant_org_wide, grants::revoke_org_wide, grants::org_grants,
        checks::user, checks::check, checks::batch, checks::user_events,
    ),
    tags(
        (name = "meta", description = "Health, metrics, this document, the permission \
                                       catalogue, snapshots."),
        (name = "orgs", description = "Organizations, their license pools, members and org \
                                       access."),
        (name = "events", description = "Events, their collaborators and their areas."),
        (name = "grants", description = "Event Pro slots, free collaborator access, \
                                         permission grants and org-wide grants."),
        (name = "checks", description = "The read side: checks, and what a user has."),
    ),
    modifiers(&Errors),
)]
struct Api;

/// The whole document.
pub fn document() -> utoipa::openapi::OpenApi {
    Api::openapi()
}

/// The document as pretty JSON, as kept in `docs/openapi.json`.
pub fn json() -> String {
    document().to_pretty_json().unwrap_or_default()
}

/// The document's description: how every route behaves.
const DESCRIPTION: &str = include_str!("../../docs/api-intro.md").trim_ascii_end();

/// Error answers alone under their status on many routes: written once in
/// `#/components/responses`, named by their code.
const SHARED: [(u16, &str); 5] = [
    (401, "unauthorized"),
    (403, "forbidden"),
    (408, "request_timeout"),
    (413, "payload_too_large"),
    (503, "unavailable"),
];

/// Completes the derived document: info, security schemes, the `Error`
/// schema, and every operation's error answers.
struct Errors;

impl Modify for Errors {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        doc.info = InfoBuilder::new()
            .title("Gatehouse")
            .version(env!("CARGO_PKG_VERSION"))
            .description(Some(DESCRIPTION))
            .build();
        for (path, item) in doc.paths.paths.iter_mut() {
            let ops = [
                (Method::GET, &mut item.get),
                (Method::PUT, &mut item.put),
                (Method::POST, &mut item.post),
                (Method::DELETE, &mut item.delete),
            ];
            for (method, op) in ops {
                if let Some(op) = op {
                    complete(path, &method, op);
                }
            }
        }
        let bearer = |description: &str| {
            let http = HttpBuilder::new().scheme(HttpAuthScheme::Bearer);
            SecurityScheme::Http(http.description(Some(description)).build())
        };
        let mut components = ComponentsBuilder::new()
            .schema("Error", ErrorView::schema())
            .responses_from_iter(SHARED.map(|(status, code)| (code, error(status, &[code]))))
            .security_scheme("admin_token", bearer("The admin token: every route."))
            .security_scheme(
                "check_token",
                bearer("The check token: the read-only routes."),
            )
            .build();
        let mut used = Vec::new();
        <ErrorView as ToSchema>::schemas(&mut used);
        components.schemas.extend(used); // what `Error` refers to
        if let Some(derived) = doc.components.take() {
            components.schemas.extend(derived.schemas);
        }
        doc.components = Some(components);
    }
}

/// Completes an operation on `path` from what its handler says:
/// - security: no token on the public routes (`auth::PUBLIC`), either token
///   on the reads (`observe::is_read`, the rule the log follows too), the
///   admin token on the writes;
/// - `404 org_not_found` on every route under an org but the `PUT` that
///   creates it;
/// - a `201` (a `PUT` that created) implies the `200` of one that existed;
/// - the errors that follow from its parameters, body and security (and,
///   under an event, its org or event missing; under an org, the server
///   stopping or its journal failing) join those it lists, and all are
///   written out.
fn complete(path: &str, method: &Method, op: &mut Operation) {
    if !PUBLIC.contains(&path) {
        let token = |name| SecurityRequirement::new(name, Vec::<String>::new());
        op.security = Some(if is_read(method, path) {
            vec![token("admin_token"), token("check_token")]
        } else {
            vec![token("admin_token")]
        });
    }
    let created = op.responses.responses.get("201").cloned();
    if let Some(RefOr::T(mut existed)) = created {
        let what = existed.description.trim_start_matches("Created: the new ");
        existed.description = format!(
            "The {} existed; what the request changed was applied.",
            what.trim_end_matches('.')
        );
        op.responses
            .responses
            .insert("200".into(), RefOr::T(existed));
    }
    let mut errors: BTreeMap<u16, Vec<String>> = BTreeMap::new();
    let mut add = |status: u16, code: &str| {
        let listed = errors.entry(status).or_default();
        if !listed.iter().any(|c| c == code) {
            listed.push(code.to_string());
        }
    };
    let params = op.parameters.iter().flatten();
    if params.clone().any(|p| p.parameter_in == ParameterIn::Path) {
        add(400, "invalid_id");
    }
    if path.starts_with("/v1/orgs/{org}") && !(path == "/v1/orgs/{org}" && method == Method::PUT) {
        add(404, "org_not_found");
    }
    if path.contains("{event}") {
        add(404, "event_not_found");
    }
    // Under an org, every answer comes from its actors, whose threads end
    // when the server stops, and waits until what it shows is on disk.
    if path.starts_with("/v1/orgs/") {
        add(503, "unavailable");
    }
    // Every route, also one that reads no body, refuses one declared over
    // the limit.
    add(413, "payload_too_large");
    // A requirement's schemes are private; its JSON names them.
    let schemes = serde_json::to_string(&op.security).unwrap_or_default();
    if schemes.contains("_token") {
        add(401, "unauthorized");
        if !schemes.contains("check_token") {
            add(403, "forbidden");
        }
    }
    if params.clone().any(|p| p.parameter_in == ParameterIn::Query) {
        add(400, "bad_request");
    }
    if let Some(body) = &mut op.request_body {
        // An optional body says so ("May be empty: read as `{}`.").
        let optional = body
            .description
            .as_deref()
            .is_some_and(|d| d.starts_with("May be"));
        body.required = Some(if optional {
            Required::False
        } else {
            Required::True
        });
        add(400, "bad_request");
        add(408, "request_timeout");
        add(413, "payload_too_large");
    }
    op.responses.responses.retain(|status, response| {
        let (Ok(code @ 400..), RefOr::T(response)) = (status.parse::<u16>(), &*response) else {
            return true;
        };
        for listed in response.description.split('`').skip(1).step_by(2) {
            add(code, listed);
        }
        false
    });
    for (status, codes) in errors {
        let shared = match codes.as_slice() {
            [code] => SHARED.iter().find(|s| s.0 == status && s.1 == code),
            _ => None,
        };
        let response = match shared {
            Some((_, code)) => Ref::from_response_name(*code).into(),
            None => error(status, &codes).into(),
        };
        op.responses.responses.insert(status.to_string(), response);
    }
    if op.security.is_none() {
        op.security = Some(Vec::new());
    }
}

/// An error answer: the shared `Error` schema, with `error` one of `codes`.
fn error(status: u16, codes: &[impl AsRef<str>]) -> Response {
    let codes: Vec<&str> = codes.iter().map(AsRef::as_ref).collect();
    let listed: Vec<String> = codes.iter().map(|c| format!("`{c}`")).collect();
    let narrowed = ObjectBuilder::new()
        .schema_type(Type::Object)
        .property("error", enumeration(codes.iter().copied()));
    let schema = AllOfBuilder::new()
        .item(Ref::from_schema_name("Error"))
        .item(narrowed);
    ResponseBuilder::new()
        .description(format!("{} {}.", status_text(status), listed.join(", ")))
        .content(
            "application/json",
            utoipa::openapi::ContentBuilder::new()
                .schema(Some(schema))
                .build(),
        )
        .build()
}

fn status_text(status: u16) -> String {
    match status {
        400 => "Bad request:".into(),
        401 => "Missing or wrong token:".into(),
        403 => "The check token may not call this route:".into(),
        404 => "Not found:".into(),
        408 => format!("The body did not arrive within {} s of the head (the connection is closed):", BODY_TIMEOUT.as_secs()),
        409 => "Refused by the rules:".into(),
        413 => format!("The body is over {MAX_BODY} bytes:"),
        503 => "Storage failed (journal or snapshot write) or the server is shutting down; retry later:".into(),
        _ => "Error:".into(),
    }
}
