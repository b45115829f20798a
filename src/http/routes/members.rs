//! Members of a team org and their org licenses.

use actix_web::{web, HttpResponse};

use crate::actors::{GetMember, ListMembers, RemoveMember, SetMember};
use crate::http::ask::ask_org;
use crate::http::auth::Admin;
use crate::http::body::RawBody;
use crate::http::extract::body;
use crate::http::wire::{MemberBody, MemberChange, MemberView, Members, OrgPath, OrgUserPath};
use crate::http::{no_content, put_answer, ApiError, AppState};

use super::{read, resource};

/// Under `/v1/orgs/{org}`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/members", "GET").route(read(list)))
        .service(
            resource("/members/{user}", "PUT, GET, DELETE")
                .route(web::put().to(put))
                .route(read(get))
                .route(web::delete().to(delete)),
        );
}

#[utoipa::path(
    put, path = "/v1/orgs/{org}/members/{user}", tag = "orgs", operation_id = "putMember",
    summary = "Add a member, or set their org license",
    description = "Switching license is atomic: on failure the old one is kept. Giving \
                   `org_pro` releases the member's Event Pro slots on the org's events \
                   (`released_slots`). A personal org has no member but its owner \
                   (`400 personal_org`).",
    params(OrgUserPath),
    request_body(content = MemberBody, description = "May be empty: read as `{}`."),
    responses(
        (status = 201, description = "Created: the new member.", body = MemberChange),
        (status = 400, description = "`personal_org`"),
        (status = 409, description = "`no_seat_available`"),
    ),
)]
pub async fn put(
    Admin(state): Admin,
    OrgUserPath { org, user }: OrgUserPath,
    raw: RawBody,
) -> Result<HttpResponse, ApiError> {
    let license = body::<MemberBody>(&raw.0)?.license;
    let set = SetMember {
        user: user.clone(),
        license,
    };
    let outcome = ask_org(&state, &org, set).await?;
    Ok(put_answer(
        outcome.created,
        MemberChange::new(user, outcome),
    ))
}

#[utoipa::path(
    get, path = "/v1/orgs/{org}/members", tag = "orgs", operation_id = "listMembers",
    summary = "The members of an organization",
    params(OrgPath),
    responses((status = 200, description = "The members, sorted by user.", body = Members)),
)]
pub async fn list(
    state: web::Data<AppState>,
    OrgPath { org }: OrgPath,
) -> Result<HttpResponse, ApiError> {
    let members = ask_org(&state, &org, ListMembers).await?;
    let members = members.into_iter().map(MemberView::from).collect();
    Ok(HttpResponse::Ok().json(Members { members }))
}

#[utoipa::path(
    get, path = "/v1/orgs/{org}/members/{user}", tag = "orgs", operation_id = "getMember",
    summary = "One member",
    params(OrgUserPath),
    responses(
        (status = 200, description = "The member.", body = MemberView),
        (status = 404, description = "`member_not_found`"),
    ),
)]
pub async fn get(
    state: web::Data<AppState>,
    OrgUserPath { org, user }: OrgUserPath,
) -> Result<HttpResponse, ApiError> {
    let license = ask_org(&state, &org, GetMember(user.clone())).await?;
    Ok(HttpResponse::Ok().json(MemberView { user, license }))
}

#[utoipa::path(
    delete, path = "/v1/orgs/{org}/members/{user}", tag = "orgs",
    operation_id = "deleteMember", summary = "Remove a member",
    description = "Frees their org license; their slots and grants stay. Removing a personal \
                   org's owner is `400 personal_org`.",
    params(OrgUserPath),
    responses(
        (status = 204, description = "Removed."),
        (status = 400, description = "`personal_org`"),
        (status = 404, description = "`member_not_found`"),
    ),
)]
pub async fn delete(
    Admin(state): Admin,
    OrgUserPath { org, user }: OrgUserPath,
) -> Result<HttpResponse, ApiError> {
    ask_org(&state, &org, RemoveMember(user))
        .await
        .map(no_content)
}
