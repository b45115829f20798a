//! Event Pro slots, free collaborator attachments and grants.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::actors::EventCommand;
use crate::domain::{Grant, Permission, Scope};
use crate::http::auth::Admin;
use crate::http::extract::{body, ids, scoped};
use crate::http::{put_answer, ApiError, AppState};

use super::{write_event, RawBody};

pub async fn assign_slot(
    _: Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let [org, event, user] = ids([&path.0, &path.1, &path.2])?;
    let w = write_event(&state, &org, &event, EventCommand::AssignSlot(user.clone())).await?;
    Ok(put_answer(w.created, json!({"event": event, "user": user})))
}

pub async fn release_slot(
    _: Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let [org, event, user] = ids([&path.0, &path.1, &path.2])?;
    write_event(&state, &org, &event, EventCommand::ReleaseSlot(user)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, Default)]
struct AttachBody {
    permissions: Option<Vec<String>>,
}

pub async fn attach(
    _: Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String, String)>,
    raw: RawBody,
) -> Result<HttpResponse, ApiError> {
    let [org, event, c, user] = ids([&path.0, &path.1, &path.2, &path.3])?;
    let permissions = body::<AttachBody>(&raw.0)?
        .permissions
        .map(|names| {
            names
                .iter()
                .map(|n| Permission::parse(n))
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    let command = EventCommand::Attach {
        collaborator: c.clone(),
        user: user.clone(),
        permissions,
    };
    let w = write_event(&state, &org, &event, command).await?;
    Ok(put_answer(
        w.created,
        json!({"event": event, "collaborator": c, "user": user}),
    ))
}

pub async fn detach(
    _: Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let [org, event, collaborator, user] = ids([&path.0, &path.1, &path.2, &path.3])?;
    write_event(
        &state,
        &org,
        &event,
        EventCommand::Detach { collaborator, user },
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
pub struct ScopeQuery {
    collaborator: Option<String>,
    area: Option<String>,
}

/// A grant as the API shows it: `{"permission", "collaborator"?, "area"?}`.
pub fn grant_json(grant: &Grant) -> Value {
    let mut v = json!({ "permission": grant.permission().name() });
    if let Some(obj) = v.as_object_mut() {
        match grant.scope() {
            Scope::Event => {}
            Scope::Collaborator(c) => {
                obj.insert("collaborator".into(), json!(c));
            }
            Scope::Area(a) => {
                obj.insert("area".into(), json!(a));
            }
        }
    }
    v
}

fn parse_grant(permission: &str, q: &ScopeQuery) -> Result<Grant, ApiError> {
    let (permission, scope) = scoped(permission, q.collaborator.as_deref(), q.area.as_deref())?;
    Ok(Grant::new(permission, scope)?)
}

pub async fn grant(
    _: Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String, String)>,
    query: web::Query<ScopeQuery>,
) -> Result<HttpResponse, ApiError> {
    let [org, event, user] = ids([&path.0, &path.1, &path.2])?;
    let grant = parse_grant(&path.3, &query)?;
    let body = grant_json(&grant);
    let w = write_event(&state, &org, &event, EventCommand::Grant(user, grant)).await?;
    Ok(put_answer(w.created, body))
}

pub async fn revoke(
    _: Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String, String)>,
    query: web::Query<ScopeQuery>,
) -> Result<HttpResponse, ApiError> {
    let [org, event, user] = ids([&path.0, &path.1, &path.2])?;
    let grant = parse_grant(&path.3, &query)?;
    write_event(&state, &org, &event, EventCommand::Revoke(user, grant)).await?;
    Ok(HttpResponse::NoContent().finish())
}
