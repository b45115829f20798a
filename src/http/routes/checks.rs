//! The read side: single and batch checks, a user on an event, and the
//! events where a user has a license.

use std::borrow::Cow;
use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::future::join_all;

use crate::actors::{Check, CheckMany, GetUser, LicenseOf};
use crate::domain::{Decision, Error, Id, Permission, Scope};
use crate::http::ask::{ask_event, ask_events, org_events, send_event};
use crate::http::body::{no_body_over_limit, RawBody};
use crate::http::error::code_of;
use crate::http::extract::{object, scoped};
use crate::http::wire::decoded;
use crate::http::wire::{
    decision_answer, BatchBody, BatchItem, CheckParams, CheckResults, DecisionView, EventPath,
    EventUserPath, EventUserView, OrgPath, OrgUserPath, Outcome, UserEventView, UserEvents,
};
use crate::http::{ApiError, AppState, MAX_BATCH};
use crate::metrics::CheckTally;

use super::{read, resource};

/// The single check, at the top of the table: one pattern to match.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource(super::fast::CHECK, "GET").route(web::get().to(check)));
}

/// Under `/v1/orgs/{org}`.
pub fn org_scope(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/check", "POST").route(web::post().to(batch)))
        .service(resource("/users/{user}/events", "GET").route(read(user_events)));
}

/// Under `/v1/orgs/{org}/events/{event}`.
pub fn event_scope(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/users/{user}", "GET").route(read(user)));
}

fn count_check(d: &Decision) {
    let mut tally = CheckTally::default();
    tally.decision(d);
    tally.record();
}

/// The query of a single check ([`CheckParams`]), read straight from the
/// query string: the busiest route of all, so without serde's machinery.
/// Values decode as `application/x-www-form-urlencoded` (`+` is a space, as
/// `web::Query` reads it); unknown keys are ignored, a repeated or missing
/// one is `400 bad_request`. A test holds it to serde's reading.
#[derive(Default)]
struct CheckQuery<'a> {
    user: Option<Cow<'a, str>>,
    permission: Option<Cow<'a, str>>,
    collaborator: Option<Cow<'a, str>>,
    area: Option<Cow<'a, str>>,
}

impl<'a> CheckQuery<'a> {
    fn parse(query: &'a str) -> Result<CheckQuery<'a>, ApiError> {
        let mut q = CheckQuery::default();
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            let slot = match key.as_ref() {
                "user" => &mut q.user,
                "permission" => &mut q.permission,
                "collaborator" => &mut q.collaborator,
                "area" => &mut q.area,
                _ => continue,
            };
            if slot.replace(value).is_some() {
                return Err(ApiError::bad_request(format!(
                    "the query string is not valid: `{key}` is given twice"
                )));
            }
        }
        Ok(q)
    }
}

/// The user, permission and scope of one check, as named in a query or a
/// batch item.
fn check_of(
    user: &str,
    permission: &str,
    collaborator: Option<&str>,
    area: Option<&str>,
) -> Result<(Id, Permission, Scope), Error> {
    let user = Id::parse(user)?;
    let (permission, scope) = scoped(permission, collaborator, area)?;
    Ok((user, permission, scope))
}

#[utoipa::path(
    get, path = "/v1/orgs/{org}/events/{event}/check", tag = "checks", operation_id = "check",
    summary = "May this user do this here?",
    description = "Allowed exactly when the permission is inside the user's license ceiling \
                   on the event and some grant of theirs covers it.",
    params(EventPath, CheckParams),
    responses(
        (status = 200, description = "The decision and its reason.", body = DecisionView),
        (status = 400, description = "`unknown_permission`, `missing_scope`, \
                                      `unexpected_scope`"),
        (status = 404, description = "`collaborator_not_found`, `area_not_found`"),
    ),
)]
pub async fn check(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let raw = |name| req.match_info().get(name).unwrap_or("");
    answer(&state, &req, raw("org"), raw("event")).await
}

/// The single check, given the raw (still percent-encoded) `{org}` and
/// `{event}` segments: from the route table or from [`super::fast`].
pub async fn answer(
    state: &AppState,
    req: &HttpRequest,
    org: &str,
    event: &str,
) -> Result<HttpResponse, ApiError> {
    no_body_over_limit(req)?;
    let org = Id::parse(&decoded(org)?)?;
    let event = Id::parse(&decoded(event)?)?;
    let q = CheckQuery::parse(req.query_string())?;
    let missing = |name: &str| {
        ApiError::bad_request(format!(
            "the query string is not valid: missing field `{name}`"
        ))
    };
    let user = q.user.as_deref().ok_or_else(|| missing("user"))?;
    let permission = q
        .permission
        .as_deref()
        .ok_or_else(|| missing("permission"))?;
    let (user, permission, scope) = check_of(
        user,
        permission,
        q.collaborator.as_deref(),
        q.area.as_deref(),
    )?;
    let check = Check {
        user,
        permission,
        scope,
    };
    let decision = ask_event(state, &org, &event, check).await?;
    count_check(&decision);
    Ok(decision_answer(&decision))
}

/// A parsed batch item; the event id stays borrowed from the body, since
/// items are grouped by event and only each group's id is needed as an `Id`.
type Item<'a> = (Cow<'a, str>, Id, Permission, Scope);
/// Checks bound for one event, each with its place in the answer.
type Group = (Vec<usize>, Vec<(Id, Permission, Scope)>);

fn batch_item(raw: &serde_json::value::RawValue) -> Result<Item<'_>, Error> {
    let text = raw.get();
    if !text.starts_with('{') {
        return Err(Error::BadRequest(
            "a check item must be a JSON object".into(),
        ));
    }
    let item: BatchItem = serde_json::from_str(text)
        .map_err(|e| Error::BadRequest(format!("check item is not valid: {e}")))?;
    Id::validate(&item.event)?;
    let (user, permission, scope) = check_of(
        &item.user,
        &item.permission,
        item.collaborator.as_deref(),
        item.area.as_deref(),
    )?;
    Ok((item.event, user, permission, scope))
}

#[utoipa::path(
    post, path = "/v1/orgs/{org}/check", tag = "checks", operation_id = "checkBatch",
    summary = "Many checks at once",
    description = "At most 1000 checks, answered in order. A check that fails is \
                   `{\"error\": code}` in its place, without failing the batch.",
    params(OrgPath),
    request_body = BatchBody,
    responses((status = 200, description = "One result per check, in order.", body = CheckResults)),
)]
pub async fn batch(
    state: web::Data<AppState>,
    OrgPath { org }: OrgPath,
    raw: RawBody,
) -> Result<HttpResponse, ApiError> {
    let body: BatchBody = object(&raw.0).map_err(|e| {
        ApiError::bad_request(format!(
            "the body must be {{\"checks\": [...]}}: {}",
            e.message
        ))
    })?;
    if body.checks.len() > MAX_BATCH {
        return Err(ApiError::bad_request(format!(
            "a batch holds at most {MAX_BATCH} checks, not {}",
            body.checks.len()
        )));
    }
    // The request's own form first (above), then what it names: an unknown
    // org fails whole, where an unknown event fails its items alone.
    state.registry.org(&org)?;
    let mut results: Vec<Result<Decision, Error>> = Vec::with_capacity(body.checks.len());
    let mut by_event: BTreeMap<Cow<str>, Group> = BTreeMap::new();
    for (i, raw) in body.checks.into_iter().enumerate() {
        match batch_item(raw) {
            Ok((event, user, permission, scope)) => {
                results.push(Err(Error::EventNotFound));
                let group = by_event.entry(event).or_default();
                group.0.push(i);
                group.1.push((user, permission, scope));
            }
            Err(e) => results.push(Err(e)),
        }
    }
    let sends = by_event.into_iter().map(|(event, (places, checks))| {
        let state = &state;
        let org = &org;
        async move {
            let answers = match Id::parse(&event) {
                Ok(event) => send_event(state, org, &event, CheckMany(checks)).await,
                Err(e) => Err(e.into()),
            };
            (places, answers)
        }
    });
    let mut newest = 0;
    for (places, answers) in join_all(sends).await {
        let (answers, seq) = match answers {
            Ok(answers) => answers,
            // The server is stopping: fail whole rather than leave items out.
            Err(e) if e.status == StatusCode::SERVICE_UNAVAILABLE => return Err(e),
            // No such event (or deleted meanwhile): its items answer
            // event_not_found, as they were set up to.
            Err(_) => continue,
        };
        newest = newest.max(seq);
        for (place, answer) in places.into_iter().zip(answers) {
            if let Some(slot) = results.get_mut(place) {
                *slot = answer;
            }
        }
    }
    state.durable(newest).await?;
    let mut tally = CheckTally::default();
    let results = results
        .into_iter()
        .map(|r| match r {
            Ok(decision) => {
                tally.decision(&decision);
                Outcome::Decision(decision.into())
            }
            Err(e) => {
                let code = code_of(&e).1;
                tally.error(code);
                Outcome::Error { error: code }
            }
        })
        .collect();
    tally.record();
    Ok(HttpResponse::Ok().json(CheckResults { results }))
}

#[utoipa::path(
    get, path = "/v1/orgs/{org}/events/{event}/users/{user}", tag = "checks",
    operation_id = "eventUser", summary = "What a user has on an event",
    params(EventUserPath),
    responses(
        (status = 200, description = "Their license, collaborators and grants.",
         body = EventUserView),
            ),
)]
pub async fn user(
    state: web::Data<AppState>,
    EventUserPath { org, event, user }: EventUserPath,
) -> Result<HttpResponse, ApiError> {
    let view = ask_event(&state, &org, &event, GetUser(user.clone())).await?;
    Ok(HttpResponse::Ok().json(EventUserView::new(user, view)))
}

#[utoipa::path(
    get, path = "/v1/orgs/{org}/users/{user}/events", tag = "checks",
    operation_id = "userEvents", summary = "The events where a user has a license",
    params(OrgUserPath),
    responses(
        (status = 200, description = "The events, sorted, with the user's license on each.",
         body = UserEvents),
    ),
)]
pub async fn user_events(
    state: web::Data<AppState>,
    OrgUserPath { org, user }: OrgUserPath,
) -> Result<HttpResponse, ApiError> {
    let events = org_events(&state, &org).await?;
    let events = ask_events(&state, &org, &events, || LicenseOf(user.clone()))
        .await?
        .into_iter()
        .filter_map(|(event, license)| {
            Some(UserEventView {
                event,
                license: license?,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(UserEvents { events }))
}

#[cfg(test)]
mod tests {
    use actix_web::body::MessageBody;

    use super::*;
    use crate::domain::{License, Reason};

    #[test]
    fn the_written_decision_is_serdes_rendering() {
        let licenses = [
            None,
            Some(License::OrgStandard),
            Some(License::OrgPro),
            Some(License::Owner),
            Some(License::EventPro),
            Some(License::Collaborator),
        ];
        for reason in Reason::ALL {
            for license in licenses {
                let d = Decision::new(reason, license);
                let body = decision_answer(&d).into_body().try_into_bytes().unwrap();
                let serde = serde_json::to_vec(&DecisionView::from(d)).unwrap();
                assert_eq!(body, serde, "{d:?}");
            }
        }
    }

    #[test]
    fn the_check_query_reads_as_a_form() {
        let q = CheckQuery::parse("user=a%2Bb&permission=Area.View&area=x+y&other=1").unwrap();
        assert_eq!(q.user.as_deref(), Some("a+b"));
        assert_eq!(q.permission.as_deref(), Some("Area.View"));
        assert_eq!(q.area.as_deref(), Some("x y"));
        assert_eq!(q.collaborator, None);
        assert!(CheckQuery::parse("user=a&user=b").is_err());
    }

    /// The hand-written reading of the check's query is serde's reading of
    /// [`CheckParams`], as `web::Query` would do it.
    #[test]
    fn the_check_query_is_serdes_reading() {
        let queries = [
            "user=a%2Bb&permission=Area.View&area=x+y&other=1",
            "user=u&permission=Collaborator.View&collaborator=c%20d",
            "permission=Event.View&user=%C3%A9",
            "user=&permission=",
        ];
        for query in queries {
            let q = CheckQuery::parse(query).unwrap();
            let p = web::Query::<CheckParams>::from_query(query)
                .unwrap()
                .into_inner();
            assert_eq!(q.user.as_deref(), Some(p.user.as_str()), "{query}");
            assert_eq!(
                q.permission.as_deref(),
                Some(p.permission.as_str()),
                "{query}"
            );
            assert_eq!(
                q.collaborator.as_deref(),
                p.collaborator.as_deref(),
                "{query}"
            );
            assert_eq!(q.area.as_deref(), p.area.as_deref(), "{query}");
        }
        for missing in ["permission=Event.View", "user=u"] {
            let q = CheckQuery::parse(missing).unwrap();
            assert!(q.user.is_none() || q.permission.is_none());
            assert!(web::Query::<CheckParams>::from_query(missing).is_err());
        }
    }
}
