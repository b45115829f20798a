//! Events, their collaborators and their areas.

use actix_web::{web, HttpResponse};

use crate::actors::{CreateEvent, DeleteEvent, EventCommand, GetCollaborator, GetInfo, SlotsUsed};
use crate::domain::Id;
use crate::http::ask::{ask_event, ask_events, ask_org, org_events, write_event};
use crate::http::auth::Admin;
use crate::http::body::RawBody;
use crate::http::extract::{body, name};
use crate::http::wire::{
    AreaPath, CollaboratorAnswer, CollaboratorBody, CollaboratorDetails, CollaboratorPath,
    EventList, EventPath, EventSummary, EventView, NameBody, Named, OrgPath,
};
use crate::http::{no_content, put_answer, ApiError, AppState};

use super::{read, resource};

/// Under `/v1/orgs/{org}`.
pub fn org_scope(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/events", "GET").route(read(list)));
}

/// Under `/v1/orgs/{org}/events/{event}`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("", "PUT, GET, DELETE")
            .route(web::put().to(put))
            .route(read(get))
            .route(web::delete().to(delete)),
    )
    .service(
        resource("/collaborators/{c}", "PUT, GET, DELETE")
            .route(web::put().to(put_collaborator))
            .route(read(get_collaborator))
            .route(web::delete().to(delete_collaborator)),
    )
    .service(
        resource("/areas/{a}", "PUT, DELETE")
            .route(web::put().to(put_area))
            .route(web::delete().to(delete_area)),
    );
}

fn named(raw: &RawBody) -> Result<Option<String>, ApiError> {
    name(body::<NameBody>(&raw.0)?.name)
}

#[utoipa::path(
    get, path = "/v1/orgs/{org}/events", tag = "events", operation_id = "listEvents",
    summary = "The events of an organization",
    params(OrgPath),
    responses((status = 200, description = "The events, sorted by id.", body = EventList)),
)]
pub async fn list(
    state: web::Data<AppState>,
    OrgPath { org }: OrgPath,
) -> Result<HttpResponse, ApiError> {
    let events = org_events(&state, &org).await?;
    let events = ask_events(&state, &org, &events, || SlotsUsed)
        .await?
        .into_iter()
        .map(EventSummary::from)
        .collect();
    Ok(HttpResponse::Ok().json(EventList { events }))
}

#[utoipa::path(
    put, path = "/v1/orgs/{org}/events/{event}", tag = "events", operation_id = "putEvent",
    summary = "Create an event, or rename it",
    description = "Idempotent. Creating an event needs `event_pro >= 1` on its org.",
    params(EventPath),
    request_body(content = NameBody, description = "May be empty: read as `{}`."),
    responses(
        (status = 201, description = "Created: the new event.", body = EventView),
        (status = 409, description = "`event_pro_required`"),
    ),
)]
pub async fn put(
    Admin(state): Admin,
    EventPath { org, event }: EventPath,
    raw: RawBody,
) -> Result<HttpResponse, ApiError> {
    let name = named(&raw)?;
    let create = CreateEvent {
        event: event.clone(),
        name: name.clone(),
    };
    let created = ask_org(&state, &org, create).await?;
    if !created {
        write_event(&state, &org, &event, EventCommand::Rename(name)).await?;
    }
    Ok(put_answer(created, event_view(&state, &org, event).await?))
}

#[utoipa::path(
    get, path = "/v1/orgs/{org}/events/{event}", tag = "events", operation_id = "getEvent",
    summary = "An event, its slots, collaborators and areas",
    params(EventPath),
    responses((status = 200, description = "The event (its lists sorted).", body = EventView)),
)]
pub async fn get(
    state: web::Data<AppState>,
    EventPath { org, event }: EventPath,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(event_view(&state, &org, event).await?))
}

async fn event_view(state: &AppState, org: &Id, event: Id) -> Result<EventView, ApiError> {
    let info = ask_event(state, org, &event, GetInfo).await?;
    Ok(EventView::new(event, info))
}

#[utoipa::path(
    delete, path = "/v1/orgs/{org}/events/{event}", tag = "events",
    operation_id = "deleteEvent", summary = "Delete an event",
    params(EventPath),
    responses((status = 204, description = "Deleted.")),
)]
pub async fn delete(
    Admin(state): Admin,
    EventPath { org, event }: EventPath,
) -> Result<HttpResponse, ApiError> {
    ask_org(&state, &org, DeleteEvent(event))
        .await
        .map(no_content)
}

#[utoipa::path(
    put, path = "/v1/orgs/{org}/events/{event}/collaborators/{c}", tag = "events",
    operation_id = "putCollaborator",
    summary = "Create a collaborator, or rename it and turn its modules on or off",
    description = "Idempotent. A missing `name` or module is left as it is; a new \
                   collaborator has every module on. A module that is off denies its \
                   Collaborator permissions there to free collaborators \
                   (`module_disabled`); slot and Org Pro holders are not limited.",
    params(CollaboratorPath),
    request_body(content = CollaboratorBody, description = "May be empty: read as `{}`."),
    responses(
        (status = 201, description = "Created: the new collaborator.", body = CollaboratorAnswer),
    ),
)]
pub async fn put_collaborator(
    Admin(state): Admin,
    CollaboratorPath { org, event, c }: CollaboratorPath,
    raw: RawBody,
) -> Result<HttpResponse, ApiError> {
    let set = body::<CollaboratorBody>(&raw.0)?;
    let command = EventCommand::SetCollaborator {
        id: c.clone(),
        name: name(set.name)?,
        modules: set.modules.unwrap_or_default().into(),
    };
    let w = write_event(&state, &org, &event, command).await?;
    let answer = CollaboratorAnswer {
        id: c,
        name: w.name,
        modules: w.modules.unwrap_or_default().into(),
    };
    Ok(put_answer(w.created, answer))
}

#[utoipa::path(
    get, path = "/v1/orgs/{org}/events/{event}/collaborators/{c}", tag = "events",
    operation_id = "getCollaborator",
    summary = "A collaborator, its modules and its attached users",
    params(CollaboratorPath),
    responses(
        (status = 200, description = "The collaborator (its users sorted).",
         body = CollaboratorDetails),
        (status = 404, description = "`collaborator_not_found`"),
    ),
)]
pub async fn get_collaborator(
    state: web::Data<AppState>,
    CollaboratorPath { org, event, c }: CollaboratorPath,
) -> Result<HttpResponse, ApiError> {
    let view = ask_event(&state, &org, &event, GetCollaborator(c)).await?;
    Ok(HttpResponse::Ok().json(CollaboratorDetails::from(view)))
}

#[utoipa::path(
    delete, path = "/v1/orgs/{org}/events/{event}/collaborators/{c}", tag = "events",
    operation_id = "deleteCollaborator", summary = "Delete a collaborator",
    params(CollaboratorPath),
    responses(
        (status = 204, description = "Deleted, with the grants scoped to it and its users' \
                                      attachments."),
        (status = 404, description = "`collaborator_not_found`"),
    ),
)]
pub async fn delete_collaborator(
    Admin(state): Admin,
    CollaboratorPath { org, event, c }: CollaboratorPath,
) -> Result<HttpResponse, ApiError> {
    write_event(&state, &org, &event, EventCommand::DeleteCollaborator(c))
        .await
        .map(no_content)
}

#[utoipa::path(
    put, path = "/v1/orgs/{org}/events/{event}/areas/{a}", tag = "events",
    operation_id = "putArea", summary = "Create an area, or rename it",
    params(AreaPath),
    request_body(content = NameBody, description = "May be empty: read as `{}`."),
    responses((status = 201, description = "Created: the new area.", body = Named)),
)]
pub async fn put_area(
    Admin(state): Admin,
    AreaPath { org, event, a }: AreaPath,
    raw: RawBody,
) -> Result<HttpResponse, ApiError> {
    let command = EventCommand::PutArea(a.clone(), named(&raw)?);
    let w = write_event(&state, &org, &event, command).await?;
    Ok(put_answer(
        w.created,
        Named {
            id: a,
            name: w.name,
        },
    ))
}

#[utoipa::path(
    delete, path = "/v1/orgs/{org}/events/{event}/areas/{a}", tag = "events",
    operation_id = "deleteArea", summary = "Delete an area",
    params(AreaPath),
    responses(
        (status = 204, description = "Deleted, with the grants scoped to it."),
        (status = 404, description = "`area_not_found`"),
    ),
)]
pub async fn delete_area(
    Admin(state): Admin,
    AreaPath { org, event, a }: AreaPath,
) -> Result<HttpResponse, ApiError> {
    write_event(&state, &org, &event, EventCommand::DeleteArea(a))
        .await
        .map(no_content)
}
