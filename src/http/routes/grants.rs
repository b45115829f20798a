//! Event Pro slots, free collaborator attachments, grants, and org-wide
//! grants.

use actix_web::{web, HttpResponse};

use crate::actors::{EventCommand, GrantOrgWide, OrgGrants as GetOrgGrants, RevokeOrgWide};
use crate::domain::{Permission, Timestamp};
use crate::http::ask::{ask_org, write_event};
use crate::http::auth::Admin;
use crate::http::body::RawBody;
use crate::http::extract::body;
use crate::http::wire::{
    rfc3339, AttachBody, Attachment, AttachmentPath, EventUserPath, ExpiresAt, ExpiryBody,
    GrantPath, GrantView, OrgGrantPath, OrgGrantView, OrgGrants, OrgUserPath, ScopeQuery, Slot,
};
use crate::http::{no_content, put_answer, ApiError, AppState};

use super::{read, resource};

/// Under `/v1/orgs/{org}`: org-wide grants.
pub fn org_scope(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/users/{user}/grants", "GET").route(read(org_grants)))
        .service(
            resource("/users/{user}/grants/{permission}", "PUT, DELETE")
                .route(web::put().to(grant_org_wide))
                .route(web::delete().to(revoke_org_wide)),
        );
}

/// Under `/v1/orgs/{org}/events/{event}`; slots first, as the busiest.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/slots/{user}", "PUT, DELETE")
            .route(web::put().to(assign_slot))
            .route(web::delete().to(release_slot)),
    )
    .service(
        resource("/users/{user}/grants/{permission}", "PUT, DELETE")
            .route(web::put().to(grant))
            .route(web::delete().to(revoke)),
    )
    .service(
        resource("/collaborators/{c}/users/{user}", "PUT, DELETE")
            .route(web::put().to(attach))
            .route(web::delete().to(detach)),
    );
}

#[utoipa::path(
    put, path = "/v1/orgs/{org}/events/{event}/slots/{user}", tag = "grants",
    operation_id = "assignSlot", summary = "Give a user an Event Pro slot on an event",
    description = "Idempotent. At most `event_pro` users hold a slot on one event at any \
                   instant. With `expires_at` the slot ends on its own at that instant, and \
                   its place is free for the next claim at once; a `PUT` for a holder \
                   replaces the expiry (`null` or none: no end).",
    params(EventUserPath),
    request_body(content = ExpiryBody, description = "May be empty: read as `{}`."),
    responses(
        (status = 201, description = "Created: the new slot.", body = Slot),
        (status = 400, description = "`bad_request`"),
        (status = 409, description = "`no_slot_available`, `org_pro_holder`"),
    ),
)]
pub async fn assign_slot(
    Admin(state): Admin,
    EventUserPath { org, event, user }: EventUserPath,
    raw: RawBody,
) -> Result<HttpResponse, ApiError> {
    let until = expiry(&state, body::<ExpiryBody>(&raw.0)?.expires_at)?;
    let command = EventCommand::AssignSlot(user.clone(), until);
    let w = write_event(&state, &org, &event, command).await?;
    let expires_at = rfc3339(w.expires_at);
    Ok(put_answer(
        w.created,
        Slot {
            event,
            user,
            expires_at,
        },
    ))
}

/// The expiry a request gave, refused (`400 bad_request`) if it is not
/// later than now: judged with the request's own form, before any look-up.
/// The actor judges it again when it decides.
fn expiry(state: &AppState, given: Option<ExpiresAt>) -> Result<Option<Timestamp>, ApiError> {
    let given = given.map(|ExpiresAt(t)| t);
    Timestamp::expiry(given, state.registry.clock().now())?;
    Ok(given)
}

#[utoipa::path(
    delete, path = "/v1/orgs/{org}/events/{event}/slots/{user}", tag = "grants",
    operation_id = "releaseSlot", summary = "Release a user's slot",
    params(EventUserPath),
    responses(
        (status = 204, description = "Released."),
        (status = 404, description = "`slot_not_found`"),
    ),
)]
pub async fn release_slot(
    Admin(state): Admin,
    EventUserPath { org, event, user }: EventUserPath,
) -> Result<HttpResponse, ApiError> {
    write_event(&state, &org, &event, EventCommand::ReleaseSlot(user))
        .await
        .map(no_content)
}

#[utoipa::path(
    put, path = "/v1/orgs/{org}/events/{event}/collaborators/{c}/users/{user}", tag = "grants",
    operation_id = "attachUser",
    summary = "Attach a user to a collaborator (free collaborator access)",
    description = "Gives the listed Collaborator permissions on that collaborator, or the \
                   defaults. Attaching again changes nothing, even with another list. Free \
                   access covers one collaborator: attaching a user who holds neither a slot \
                   on the event nor Org Pro to a second one is `409 slot_required`. With \
                   `expires_at` the attachment ends on its own then (its grants stay, and \
                   count for nothing without a license); attaching again replaces the \
                   expiry (`null` or none: no end).",
    params(AttachmentPath),
    request_body(content = AttachBody, description = "May be empty: read as `{}`."),
    responses(
        (status = 201, description = "Created: the new attachment.", body = Attachment),
        (status = 400, description = "`unknown_permission`, `bad_request`"),
        (status = 404, description = "`collaborator_not_found`"),
        (status = 409, description = "`slot_required`"),
    ),
)]
pub async fn attach(
    Admin(state): Admin,
    path: AttachmentPath,
    raw: RawBody,
) -> Result<HttpResponse, ApiError> {
    let AttachBody {
        permissions,
        expires_at,
    } = body::<AttachBody>(&raw.0)?;
    let permissions = permissions
        .map(|names| {
            names
                .iter()
                .map(|n| Permission::parse(n))
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    // The whole request's form before any look-up.
    if let Some(ps) = &permissions {
        Permission::attachable(ps)?;
    }
    let until = expiry(&state, expires_at)?;
    let command = EventCommand::Attach {
        collaborator: path.c.clone(),
        user: path.user.clone(),
        permissions,
        expires_at: until,
    };
    let w = write_event(&state, &path.org, &path.event, command).await?;
    Ok(put_answer(
        w.created,
        Attachment::from((path, w.expires_at)),
    ))
}

#[utoipa::path(
    delete, path = "/v1/orgs/{org}/events/{event}/collaborators/{c}/users/{user}",
    tag = "grants", operation_id = "detachUser", summary = "Detach a user from a collaborator",
    params(AttachmentPath),
    responses(
        (status = 204, description = "Detached; their grants stay."),
        (status = 404, description = "`collaborator_not_found`, `attachment_not_found`"),
    ),
)]
pub async fn detach(
    Admin(state): Admin,
    AttachmentPath {
        org,
        event,
        c,
        user,
    }: AttachmentPath,
) -> Result<HttpResponse, ApiError> {
    let command = EventCommand::Detach {
        collaborator: c,
        user,
    };
    write_event(&state, &org, &event, command)
        .await
        .map(no_content)
}

#[utoipa::path(
    put, path = "/v1/orgs/{org}/events/{event}/users/{user}/grants/{permission}",
    tag = "grants", operation_id = "grant", summary = "Grant a permission",
    description = "Idempotent. The scope named by `collaborator` or `area` must exist. With \
                   `expires_at` the grant ends on its own then; a `PUT` of a grant held \
                   replaces its expiry (`null` or none: no end).",
    params(GrantPath, ScopeQuery),
    request_body(content = ExpiryBody, description = "May be empty: read as `{}`."),
    responses(
        (status = 201, description = "Created: the new grant.", body = GrantView),
        (status = 400, description = "`unknown_permission`, `missing_scope`, \
                                      `unexpected_scope`, `bad_request` (`expires_at`)"),
        (status = 404, description = "`collaborator_not_found`, `area_not_found`"),
    ),
)]
pub async fn grant(
    Admin(state): Admin,
    path: GrantPath,
    raw: RawBody,
) -> Result<HttpResponse, ApiError> {
    let until = expiry(&state, body::<ExpiryBody>(&raw.0)?.expires_at)?;
    let view = GrantView::from(&path.permission).until(until);
    let grant = EventCommand::Grant(path.user, path.permission, until);
    let w = write_event(&state, &path.org, &path.event, grant).await?;
    Ok(put_answer(w.created, view))
}

#[utoipa::path(
    delete, path = "/v1/orgs/{org}/events/{event}/users/{user}/grants/{permission}",
    tag = "grants", operation_id = "revoke", summary = "Revoke a permission",
    params(GrantPath, ScopeQuery),
    responses(
        (status = 204, description = "Revoked."),
        (status = 400, description = "`unknown_permission`, `missing_scope`, \
                                      `unexpected_scope`"),
        (status = 404, description = "`collaborator_not_found`, `area_not_found`, \
                                      `grant_not_found`"),
    ),
)]
pub async fn revoke(Admin(state): Admin, path: GrantPath) -> Result<HttpResponse, ApiError> {
    let revoke = EventCommand::Revoke(path.user, path.permission);
    write_event(&state, &path.org, &path.event, revoke)
        .await
        .map(no_content)
}

#[utoipa::path(
    put, path = "/v1/orgs/{org}/users/{user}/grants/{permission}", tag = "grants",
    operation_id = "grantOrgWide", summary = "Grant an Event permission on every event of the org",
    description = "Idempotent. It counts on every event of the org, present and future, \
                   exactly as if granted on each: only inside the user's license ceiling \
                   there. Only Event permissions can be org-wide: a Collaborator or Area one \
                   is `400 bad_request`. With `expires_at` it ends on its own then, on every \
                   event; a `PUT` of one held replaces its expiry (`null` or none: no end).",
    params(OrgGrantPath),
    request_body(content = ExpiryBody, description = "May be empty: read as `{}`."),
    responses(
        (status = 201, description = "Created: the new org-wide grant.", body = OrgGrantView),
        (status = 400, description = "`unknown_permission`, `bad_request`"),
    ),
)]
pub async fn grant_org_wide(
    Admin(state): Admin,
    OrgGrantPath {
        org,
        user,
        permission,
    }: OrgGrantPath,
    raw: RawBody,
) -> Result<HttpResponse, ApiError> {
    let until = expiry(&state, body::<ExpiryBody>(&raw.0)?.expires_at)?;
    let permission = permission.permission();
    let grant = GrantOrgWide {
        user,
        permission,
        expires_at: until,
    };
    let created = ask_org(&state, &org, grant).await?;
    let view = OrgGrantView {
        permission: permission.name(),
        expires_at: rfc3339(until),
    };
    Ok(put_answer(created, view))
}

#[utoipa::path(
    delete, path = "/v1/orgs/{org}/users/{user}/grants/{permission}", tag = "grants",
    operation_id = "revokeOrgWide", summary = "Revoke an org-wide grant",
    description = "Grants given on single events stay.",
    params(OrgGrantPath),
    responses(
        (status = 204, description = "Revoked on every event."),
        (status = 400, description = "`unknown_permission`, `bad_request`"),
        (status = 404, description = "`grant_not_found`"),
    ),
)]
pub async fn revoke_org_wide(
    Admin(state): Admin,
    OrgGrantPath {
        org,
        user,
        permission,
    }: OrgGrantPath,
) -> Result<HttpResponse, ApiError> {
    let permission = permission.permission();
    let revoke = RevokeOrgWide { user, permission };
    ask_org(&state, &org, revoke).await.map(no_content)
}

#[utoipa::path(
    get, path = "/v1/orgs/{org}/users/{user}/grants", tag = "grants",
    operation_id = "orgGrants", summary = "A user's org-wide grants",
    params(OrgUserPath),
    responses(
        (status = 200, description = "The grants, in the catalogue's order.", body = OrgGrants),
    ),
)]
pub async fn org_grants(
    state: web::Data<AppState>,
    OrgUserPath { org, user }: OrgUserPath,
) -> Result<HttpResponse, ApiError> {
    let grants = ask_org(&state, &org, GetOrgGrants(user)).await?;
    let grants = grants.iter().map(OrgGrantView::from).collect();
    Ok(HttpResponse::Ok().json(OrgGrants { grants }))
}
