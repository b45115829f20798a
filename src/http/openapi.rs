//! The OpenAPI 3 document of every route (SPEC §2), served at
//! `GET /openapi.json` and kept in `docs/openapi.json`.
//!
//! Derived from each handler's `#[utoipa::path]` and the `ToSchema` types of
//! `http::wire`; here is only what cannot be: the info, security schemes,
//! tags, and the error answers ([`complete`]). `tests/openapi.rs` checks the
//! document against the served routes and `docs/openapi.json`
//! (`UPDATE_OPENAPI=1 cargo test --test openapi` rewrites it).

mod operation;

use actix_web::http::Method;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ComponentsBuilder, InfoBuilder};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

use super::routes::{checks, cluster, events, grants, members, meta, orgs, usage};
use super::wire::ErrorView;
use operation::{complete, error};

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
