//! Organizations, their license pools, and org access.

use actix_web::{web, HttpResponse};

use crate::actors::{Access, GetOrg, SetLicenses, SlotsUsed};
use crate::domain::{Id, OrgKind, PoolsChange};
use crate::http::ask::{ask_events, ask_org};
use crate::http::auth::Admin;
use crate::http::body::RawBody;
use crate::http::extract::{self, body, object};
use crate::http::wire::{
    decision_answer, DecisionView, LicensesBody, OrgBody, OrgPath, OrgView, UserQuery,
};
use crate::http::{put_answer, ApiError, AppState};

use super::{read, resource};

/// Under `/v1/orgs/{org}`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("", "PUT, GET")
            .route(web::put().to(put))
            .route(read(get)),
    )
    .service(resource("/licenses", "PUT").route(web::put().to(put_licenses)))
    .service(resource("/access", "GET").route(read(access)));
}

#[utoipa::path(
    put, path = "/v1/orgs/{org}", tag = "orgs", operation_id = "putOrg",
    summary = "Create an organization",
    description = "Idempotent. An org's kind and owner never change (`409 conflict`).",
    params(OrgPath),
    request_body = OrgBody,
    responses(
        (status = 201, description = "Created: the new organization.", body = OrgView),
        (status = 409, description = "`conflict`"),
    ),
)]
pub async fn put(
    Admin(state): Admin,
    OrgPath { org: id }: OrgPath,
    raw: RawBody,
) -> Result<HttpResponse, ApiError> {
    let kind = OrgKind::try_from(object::<OrgBody>(&raw.0)?)?;
    let (created, seq) = state.registry.put_org(id.clone(), kind)?;
    state.durable(seq).await?;
    Ok(put_answer(created, org_view(&state, id).await?))
}

#[utoipa::path(
    get, path = "/v1/orgs/{org}", tag = "orgs", operation_id = "getOrg",
    summary = "An organization and its license pools",
    params(OrgPath),
    responses((status = 200, description = "The organization.", body = OrgView)),
)]
pub async fn get(
    state: web::Data<AppState>,
    OrgPath { org: id }: OrgPath,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(org_view(&state, id).await?))
}

/// The org as `GET /v1/orgs/{org}` shows it.
async fn org_view(state: &AppState, id: Id) -> Result<OrgView, ApiError> {
    let info = ask_org(state, &id, GetOrg).await?;
    let used = ask_events(state, &id, &info.events, || SlotsUsed).await?;
    let max_used = used.into_iter().map(|(_, (_, n))| n).max().unwrap_or(0);
    Ok(OrgView::new(id, &info, max_used))
}

#[utoipa::path(
    put, path = "/v1/orgs/{org}/licenses", tag = "orgs", operation_id = "putLicenses",
    summary = "Set the sizes of the license pools",
    description = "A missing count or price is unchanged; prices are 0 to 10⁹ and are not \
                   shown here (see `/usage`). Lowering a pool below what is in use is \
                   refused whole (`409 licenses_in_use`, listing what blocks it). A personal \
                   org may only buy `event_pro` (`400 personal_org`).",
    params(OrgPath),
    request_body(content = LicensesBody, description = "May be empty: read as `{}`."),
    responses(
        (status = 200, description = "The organization after the change.", body = OrgView),
        (status = 400, description = "`personal_org`"),
        (status = 409, description = "`licenses_in_use`"),
    ),
)]
pub async fn put_licenses(
    Admin(state): Admin,
    OrgPath { org: id }: OrgPath,
    raw: RawBody,
) -> Result<HttpResponse, ApiError> {
    let licenses = body::<LicensesBody>(&raw.0)?;
    let prices = licenses.prices()?;
    let pools = PoolsChange::try_from(licenses)?;
    ask_org(&state, &id, SetLicenses { pools, prices }).await?;
    Ok(HttpResponse::Ok().json(org_view(&state, id).await?))
}

#[utoipa::path(
    get, path = "/v1/orgs/{org}/access", tag = "orgs", operation_id = "orgAccess",
    summary = "May a user access the organization?",
    description = "Allowed for `org_standard` and `org_pro` holders and for a personal org's \
                   owner (license `owner`); otherwise `no_license`.",
    params(OrgPath, UserQuery),
    responses((status = 200, description = "The decision.", body = DecisionView)),
)]
pub async fn access(
    state: web::Data<AppState>,
    OrgPath { org: id }: OrgPath,
    query: web::Query<UserQuery>,
) -> Result<HttpResponse, ApiError> {
    let user = extract::id(&query.user)?;
    let decision = ask_org(&state, &id, Access(user)).await?;
    Ok(decision_answer(&decision))
}
