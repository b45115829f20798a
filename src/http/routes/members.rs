//! Members of a team org and their org licenses.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use crate::actors::{GetMember, ListMembers, RemoveMember, SetMember};
use crate::domain::OrgLicense;
use crate::http::auth::Admin;
use crate::http::extract::{body, ids};
use crate::http::{put_answer, ApiError, AppState};

use super::{org_gone, RawBody};

#[derive(Deserialize, Default)]
struct MemberBody {
    #[serde(default)]
    license: Option<OrgLicense>,
}

pub async fn put(
    _: Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    raw: RawBody,
) -> Result<HttpResponse, ApiError> {
    let [org, user] = ids([&path.0, &path.1])?;
    let addr = state.registry.org(&org)?;
    let b: MemberBody = body(&raw.0)?;
    let outcome = addr
        .send(SetMember {
            user: user.clone(),
            license: b.license,
        })
        .await
        .map_err(org_gone)??;
    state.durable(outcome.seq).await?;
    Ok(put_answer(
        outcome.created,
        json!({"user": user, "license": outcome.license, "released_slots": outcome.released_slots}),
    ))
}

pub async fn list(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let [org] = ids([&path])?;
    let (members, seq) = state
        .registry
        .org(&org)?
        .send(ListMembers)
        .await
        .map_err(org_gone)?;
    state.durable(seq).await?;
    let members: Vec<_> = members
        .into_iter()
        .map(|(user, license)| json!({"user": user, "license": license}))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "members": members })))
}

pub async fn get(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let [org, user] = ids([&path.0, &path.1])?;
    let (license, seq) = state
        .registry
        .org(&org)?
        .send(GetMember(user.clone()))
        .await
        .map_err(org_gone)??;
    state.durable(seq).await?;
    Ok(HttpResponse::Ok().json(json!({"user": user, "license": license})))
}

pub async fn delete(
    _: Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let [org, user] = ids([&path.0, &path.1])?;
    let seq = state
        .registry
        .org(&org)?
        .send(RemoveMember(user))
        .await
        .map_err(org_gone)??;
    state.durable(seq).await?;
    Ok(HttpResponse::NoContent().finish())
}
