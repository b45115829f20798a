//! Organizations, their license pools, and org access.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::actors::{Access, GetOrg, OrgInfo, SetPools, SlotsUsed};
use crate::domain::{Id, OrgKind, PoolsChange, MAX_POOL};
use crate::http::auth::Admin;
use crate::http::extract::{self, body};
use crate::http::{put_answer, ApiError, AppState};

use super::{ask_events, org_gone, RawBody};

#[derive(Deserialize, Default)]
struct OrgBody {
    kind: Option<String>,
    owner: Option<String>,
}

impl OrgBody {
    fn kind(self) -> Result<OrgKind, ApiError> {
        match (self.kind.as_deref(), self.owner) {
            (Some("team"), None) => Ok(OrgKind::Team),
            (Some("team"), Some(_)) => Err(ApiError::bad_request(
                "a team organization has no owner; leave \"owner\" out",
            )),
            (Some("personal"), Some(owner)) => Ok(OrgKind::Personal {
                owner: extract::id(&owner)?,
            }),
            (Some("personal"), None) => Err(ApiError::bad_request(
                "a personal organization needs an \"owner\"",
            )),
            _ => Err(ApiError::bad_request(
                "\"kind\" must be \"team\" or \"personal\"",
            )),
        }
    }
}

pub async fn put(
    _: Admin,
    state: web::Data<AppState>,
    path: web::Path<String>,
    raw: RawBody,
) -> Result<HttpResponse, ApiError> {
    let id = extract::id(&path)?;
    let kind = body::<OrgBody>(&raw.0)?.kind()?;
    let (created, seq) = state.registry.put_org(id.clone(), kind)?;
    state.durable(seq).await?;
    Ok(put_answer(created, org_json(&state, &id).await?))
}

pub async fn get(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = extract::id(&path)?;
    Ok(HttpResponse::Ok().json(org_json(&state, &id).await?))
}

/// The org as `GET /v1/orgs/{org}` shows it.
pub async fn org_json(state: &AppState, id: &Id) -> Result<Value, ApiError> {
    let addr = state.registry.org(id)?;
    let info: OrgInfo = addr.send(GetOrg).await.map_err(org_gone)?;
    state.durable(info.seq).await?;
    let used = ask_events(state, id, &info.events, || SlotsUsed).await?;
    let max_used = used.into_iter().map(|(_, (_, n))| n).max().unwrap_or(0);
    let mut org = json!({
        "id": id,
        "kind": match info.kind { OrgKind::Team => "team", OrgKind::Personal { .. } => "personal" },
        "licenses": {
            "org_standard": {"total": info.pools.org_standard, "used": info.org_standard_used},
            "org_pro": {"total": info.pools.org_pro, "used": info.org_pro_used},
            "event_pro": {"total": info.pools.event_pro, "max_used": max_used},
        },
        "members": info.members,
        "events": info.events.len(),
    });
    if let (OrgKind::Personal { owner }, Some(obj)) = (&info.kind, org.as_object_mut()) {
        obj.insert("owner".into(), json!(owner));
    }
    Ok(org)
}

#[derive(Deserialize, Default)]
struct LicensesBody {
    org_standard: Option<u64>,
    org_pro: Option<u64>,
    event_pro: Option<u64>,
}

fn count(n: Option<u64>) -> Result<Option<u32>, ApiError> {
    n.map(|n| {
        u32::try_from(n)
            .ok()
            .filter(|&n| n <= MAX_POOL)
            .ok_or_else(|| {
                ApiError::bad_request(format!("license counts are between 0 and {MAX_POOL}"))
            })
    })
    .transpose()
}

pub async fn put_licenses(
    _: Admin,
    state: web::Data<AppState>,
    path: web::Path<String>,
    raw: RawBody,
) -> Result<HttpResponse, ApiError> {
    let id = extract::id(&path)?;
    let addr = state.registry.org(&id)?;
    let b: LicensesBody = body(&raw.0)?;
    let change = PoolsChange {
        org_standard: count(b.org_standard)?,
        org_pro: count(b.org_pro)?,
        event_pro: count(b.event_pro)?,
    };
    let seq = addr.send(SetPools(change)).await.map_err(org_gone)??;
    state.durable(seq).await?;
    Ok(HttpResponse::Ok().json(org_json(&state, &id).await?))
}

#[derive(Deserialize)]
pub struct UserQuery {
    user: String,
}

pub async fn access(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<UserQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = extract::id(&path)?;
    let user = extract::id(&query.user)?;
    let addr = state.registry.org(&id)?;
    let (decision, seq) = addr.send(Access(user)).await.map_err(org_gone)?;
    state.durable(seq).await?;
    Ok(super::checks::decision_answer(&decision))
}
