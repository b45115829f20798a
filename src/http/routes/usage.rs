//! What an org uses and needs, what proposed changes would do, and the
//! usage page. The actors only hand over copies, in one message each; the
//! computing happens here, outside them, so no actor stalls.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use crate::actors::{CopyEvent, CopyOrg, GetUse};
use crate::domain::usage::{self, EventCopy, EventUse, Proposal};
use crate::domain::{Id, Org};
use crate::http::ask::{ask_events, ask_org};
use crate::http::body::RawBody;
use crate::http::extract::object;
use crate::http::wire::{OrgPath, UsageView, WhatIfBody, WhatIfView};
use crate::http::{ApiError, AppState};

use super::{read, resource};

/// Under `/v1/orgs/{org}`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/usage", "GET").route(read(get)))
        .service(resource("/what-if", "POST").route(web::post().to(what_if)));
}

/// At the root: the page (no token: it asks for one).
pub fn root(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/ui", "GET").route(read(page)));
}

/// The org's copy and its events' usage parts, one message each.
async fn org_use(state: &AppState, id: &Id) -> Result<(Org, Vec<EventUse>), ApiError> {
    let (org, events) = ask_org(state, id, CopyOrg).await?;
    let uses = ask_events(state, id, &events, || GetUse).await?;
    Ok((org, uses.into_iter().map(|(_, u)| u).collect()))
}

#[utoipa::path(
    get, path = "/v1/orgs/{org}/usage", tag = "orgs", operation_id = "getUsage",
    summary = "What the org uses, what it costs, and advice",
    description = "Each pool's total and use (Event Pro: the most slots in use on one event \
                   now, and the most ever), each event's slots used, peak and whether it is \
                   at capacity, the cost of the pools bought and of the smallest pools \
                   covering use now, and advice (`lower_pool`, `org_pro_swap`, `needs_slot`, \
                   `idle_grants`, `denied_by_license`), each with a readable `message`.",
    params(OrgPath),
    responses((status = 200, description = "The usage.", body = UsageView)),
)]
pub async fn get(
    state: web::Data<AppState>,
    OrgPath { org: id }: OrgPath,
) -> Result<HttpResponse, ApiError> {
    let (org, uses) = org_use(&state, &id).await?;
    let usage = off_the_server_threads(move || usage::org_use(&org, uses).usage()).await?;
    Ok(HttpResponse::Ok().json(UsageView::from(usage)))
}

/// Advice for thousands of users is CPU work: done on the blocking pool, so
/// requests and actors on the server's threads go on meanwhile.
async fn off_the_server_threads<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    web::block(work)
        .await
        .map_err(|_| ApiError::unavailable("the server is shutting down; retry on its next start"))
}

#[utoipa::path(
    post, path = "/v1/orgs/{org}/what-if", tag = "orgs", operation_id = "whatIf",
    summary = "What proposed changes would do, changing nothing",
    description = "The changes are applied to a copy of the org and its events, as the real \
                   writes would be: `licenses` (as `PUT /licenses`), then `members` (as \
                   `PUT /members/{user}`, by user id), then `release_slots` (in order). A \
                   refused one changes nothing in the copy and is listed in `errors` as its \
                   write would answer. `lose_access` lists each user and event whose license \
                   would fall. At most 10000 member changes and slot releases.",
    params(OrgPath),
    request_body(content = WhatIfBody, description = "May be empty: read as `{}`."),
    responses(
        (status = 200, description = "What would happen.", body = WhatIfView),
        (status = 400, description = "`bad_request`, `invalid_id`"),
    ),
)]
pub async fn what_if(
    state: web::Data<AppState>,
    OrgPath { org: id }: OrgPath,
    raw: RawBody,
) -> Result<HttpResponse, ApiError> {
    state.registry.org(&id)?;
    let body: WhatIfBody = if raw.0.iter().all(u8::is_ascii_whitespace) {
        WhatIfBody::default()
    } else {
        object(&raw.0)?
    };
    let proposal = Proposal::try_from(body)?;
    let (org, events): (Org, _) = ask_org(&state, &id, CopyOrg).await?;
    let copies = ask_events(&state, &id, &events, || CopyEvent)
        .await?
        .into_iter()
        .map(|(id, (event, denied_by_license))| EventCopy {
            id,
            event,
            denied_by_license,
        })
        .collect();
    let now = state.registry.clock().now();
    let answer = off_the_server_threads(move || usage::what_if(org, copies, proposal, now)).await?;
    Ok(HttpResponse::Ok().json(WhatIfView::from(answer)))
}

/// The page's Content-Security-Policy, the one its own `<meta>` states:
/// its inline script and style, requests to this server only.
const PAGE_POLICY: &str = "default-src 'none'; script-src 'unsafe-inline'; \
                           style-src 'unsafe-inline'; connect-src 'self'; img-src data:; \
                           form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

/// The usage page (SPEC §2 "Usage page"), built into the binary.
pub async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, PAGE_POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(include_str!("../ui/usage.html"))
}
