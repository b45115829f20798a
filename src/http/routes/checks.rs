//! The read side: single and batch checks, a user on an event, and the
//! events where a user has a license.

use std::borrow::Cow;
use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::future::join_all;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{json, Value};

use crate::actors::{Check, CheckMany, GetUser, LicenseOf, ListEvents};
use crate::domain::{Decision, Error, Id, License, Permission, Scope};
use crate::http::error::code_of;
use crate::http::extract::{ids, object, scoped};
use crate::http::{ApiError, AppState, MAX_BATCH};
use crate::metrics::CheckTally;

use super::grants::grant_json;
use super::{ask_event, ask_events, no_body_over_limit, org_gone, path_part, RawBody};

fn count_check(d: &Decision) {
    let mut tally = CheckTally::default();
    tally.decision(d);
    tally.record();
}

/// The query of a single check, read straight from the query string: the
/// busiest route of all, so without serde's machinery. Values decode as
/// `application/x-www-form-urlencoded` (`+` is a space, as `web::Query`
/// reads it); unknown keys are ignored, a repeated or missing one is
/// `400 bad_request`.
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

pub async fn check(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    no_body_over_limit(&req)?;
    let [org, event] = ids([&path_part(&req, "org"), &path_part(&req, "event")])?;
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
    let (decision, seq) = ask_event(&state, &org, &event, check).await??;
    state.durable(seq).await?;
    count_check(&decision);
    Ok(decision_answer(&decision))
}

/// `200` with a decision as JSON, written by hand: it is the answer of the
/// busiest route, and has only these three fields (a test compares it with
/// serde's rendering for every reason and license).
pub fn decision_answer(d: &Decision) -> HttpResponse {
    let license = match d.license {
        None => "null",
        Some(License::OrgStandard) => "\"org_standard\"",
        Some(License::OrgPro) => "\"org_pro\"",
        Some(License::Owner) => "\"owner\"",
        Some(License::EventPro) => "\"event_pro\"",
        Some(License::Collaborator) => "\"collaborator\"",
    };
    let body = format!(
        "{{\"allowed\":{},\"reason\":\"{}\",\"license\":{license}}}",
        d.allowed,
        d.reason.as_str()
    );
    HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::json())
        .body(body)
}

#[derive(Deserialize)]
struct BatchBody<'a> {
    /// Kept raw so that one bad item fails alone.
    #[serde(borrow)]
    checks: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
struct BatchItem<'a> {
    #[serde(borrow)]
    event: Cow<'a, str>,
    #[serde(borrow)]
    user: Cow<'a, str>,
    #[serde(borrow)]
    permission: Cow<'a, str>,
    #[serde(borrow)]
    collaborator: Option<Cow<'a, str>>,
    #[serde(borrow)]
    area: Option<Cow<'a, str>>,
}

/// A parsed batch item; the event id stays borrowed from the body, since
/// items are grouped by event and only each group's id is needed as an `Id`.
type Item<'a> = (Cow<'a, str>, Id, Permission, Scope);
/// Checks bound for one event, each with its place in the answer.
type Group = (Vec<usize>, Vec<(Id, Permission, Scope)>);

fn batch_item(raw: &RawValue) -> Result<Item<'_>, Error> {
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

/// One answer of a batch: a decision, or the code of the item's error.
#[derive(Serialize)]
#[serde(untagged)]
enum Outcome {
    Decision(Decision),
    Error { error: &'static str },
}

#[derive(Serialize)]
struct BatchAnswer {
    results: Vec<Outcome>,
}

pub async fn batch(
    state: web::Data<AppState>,
    path: web::Path<String>,
    raw: RawBody,
) -> Result<HttpResponse, ApiError> {
    let [org] = ids([&path])?;
    state.registry.org(&org)?;
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
                Ok(event) => ask_event(state, org, &event, CheckMany(checks)).await,
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
                Outcome::Decision(decision)
            }
            Err(e) => {
                let code = code_of(&e).1;
                tally.error(code);
                Outcome::Error { error: code }
            }
        })
        .collect();
    tally.record();
    Ok(HttpResponse::Ok().json(BatchAnswer { results }))
}

pub async fn user(
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let [org, event, user] = ids([&path.0, &path.1, &path.2])?;
    let (view, seq) = ask_event(&state, &org, &event, GetUser(user.clone())).await??;
    state.durable(seq).await?;
    let grants: Vec<Value> = view.grants.iter().map(grant_json).collect();
    Ok(HttpResponse::Ok().json(json!({
        "user": user,
        "license": view.license,
        "collaborators": view.collaborators,
        "grants": grants,
    })))
}

pub async fn user_events(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let [org, user] = ids([&path.0, &path.1])?;
    let events = state
        .registry
        .org(&org)?
        .send(ListEvents)
        .await
        .map_err(org_gone)?;
    let listed: Vec<Value> = ask_events(&state, &org, &events, || LicenseOf(user.clone()))
        .await?
        .into_iter()
        .filter_map(|(id, license)| Some(json!({"event": id, "license": license?})))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "events": listed })))
}

#[cfg(test)]
mod tests {
    use actix_web::body::MessageBody;

    use super::*;
    use crate::domain::Reason;

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
                assert_eq!(body, serde_json::to_vec(&d).unwrap(), "{d:?}");
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
}
