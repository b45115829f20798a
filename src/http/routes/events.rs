//! Events, their collaborators and their areas.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::actors::{
    CreateEvent, Created, DeleteEvent, EventCommand, GetInfo, ListEvents, SlotsUsed,
};
use crate::domain::Id;
use crate::http::auth::Admin;
use crate::http::extract::{body, ids, name};
use crate::http::{put_answer, ApiError, AppState};

use super::{ask_event, ask_events, org_gone, write_event, RawBody};

#[derive(Deserialize, Default)]
struct NameBody {
    name: Option<String>,
}

fn named(raw: &RawBody) -> Result<Option<String>, ApiError> {
    name(body::<NameBody>(&raw.0)?.name)
}

pub async fn list(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let [org] = ids([&path])?;
    let events = state
        .registry
        .org(&org)?
        .send(ListEvents)
        .await
        .map_err(org_gone)?;
    let listed: Vec<Value> = ask_events(&state, &org, &events, || SlotsUsed)
        .await?
        .into_iter()
        .map(|(id, (name, used))| json!({"id": id, "name": name, "slots_used": used}))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "events": listed })))
}

pub async fn put(
    _: Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    raw: RawBody,
) -> Result<HttpResponse, ApiError> {
    let [org, event] = ids([&path.0, &path.1])?;
    let addr = state.registry.org(&org)?;
    let name = named(&raw)?;
    let created = addr
        .send(CreateEvent {
            event: event.clone(),
            name: name.clone(),
        })
        .await
        .map_err(org_gone)??;
    let created = match created {
        Created::New { seq } => {
            state.durable(seq).await?;
            true
        }
        Created::Exists => {
            write_event(&state, &org, &event, EventCommand::Rename(name)).await?;
            false
        }
    };
    Ok(put_answer(created, event_json(&state, &org, &event).await?))
}

pub async fn get(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let [org, event] = ids([&path.0, &path.1])?;
    Ok(HttpResponse::Ok().json(event_json(&state, &org, &event).await?))
}

async fn event_json(state: &AppState, org: &Id, event: &Id) -> Result<Value, ApiError> {
    let info = ask_event(state, org, event, GetInfo).await??;
    state.durable(info.seq).await?;
    Ok(json!({
        "id": event,
        "name": info.name,
        "slots": {"total": info.slot_total, "used": info.holders.len(), "holders": info.holders},
        "collaborators": info.collaborators,
        "areas": info.areas,
    }))
}

pub async fn delete(
    _: Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let [org, event] = ids([&path.0, &path.1])?;
    let seq = state
        .registry
        .org(&org)?
        .send(DeleteEvent(event))
        .await
        .map_err(org_gone)??;
    state.durable(seq).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn put_collaborator(
    _: Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
    raw: RawBody,
) -> Result<HttpResponse, ApiError> {
    let [org, event, c] = ids([&path.0, &path.1, &path.2])?;
    let command = EventCommand::PutCollaborator(c.clone(), named(&raw)?);
    let w = write_event(&state, &org, &event, command).await?;
    Ok(put_answer(w.created, json!({"id": c, "name": w.name})))
}

pub async fn delete_collaborator(
    _: Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let [org, event, c] = ids([&path.0, &path.1, &path.2])?;
    write_event(&state, &org, &event, EventCommand::DeleteCollaborator(c)).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub async fn put_area(
    _: Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
    raw: RawBody,
) -> Result<HttpResponse, ApiError> {
    let [org, event, a] = ids([&path.0, &path.1, &path.2])?;
    let command = EventCommand::PutArea(a.clone(), named(&raw)?);
    let w = write_event(&state, &org, &event, command).await?;
    Ok(put_answer(w.created, json!({"id": a, "name": w.name})))
}

pub async fn delete_area(
    _: Admin,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let [org, event, a] = ids([&path.0, &path.1, &path.2])?;
    write_event(&state, &org, &event, EventCommand::DeleteArea(a)).await?;
    Ok(HttpResponse::NoContent().finish())
}
