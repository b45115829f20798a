//! Completing one operation of the derived document: the tokens it takes,
//! and the answers that follow from its path, parameters, body and method.

use std::collections::BTreeMap;

use actix_web::http::Method;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, Type};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{Ref, RefOr, Required, Response, ResponseBuilder};

use super::SHARED;
use crate::http::auth::PUBLIC;
use crate::http::observe::is_read;
use crate::http::wire::enumeration;
use crate::http::{BODY_TIMEOUT, MAX_BODY};

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
pub(super) fn complete(path: &str, method: &Method, op: &mut Operation) {
    if !PUBLIC.contains(&path) {
        let token = |name| SecurityRequirement::new(name, Vec::<String>::new());
        op.security = Some(if is_read(method, path) {
            vec![token("admin_token"), token("check_token")]
        } else {
            vec![token("admin_token")]
        });
    }
    if path.starts_with("/v1/orgs/") && !is_read(method, path) {
        crate::http::revision::document(op);
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
pub(super) fn error(status: u16, codes: &[impl AsRef<str>]) -> Response {
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
