//! One way to start the server for a test, and small helpers so that each
//! test reads as the requests it sends and the answers it expects.

use std::path::PathBuf;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[path = "../common/mod.rs"]
pub mod common;

pub use common::{ADMIN_TOKEN, CHECK_TOKEN};

/// A status and the JSON body of an answer (`Value::Null` when the body is
/// empty, `Value::String` holding the raw text when it is not JSON).
pub type Answer = (StatusCode, Value);

/// A running server on a random port, with its own snapshot folder. It
/// derefs to a [`Caller`] with the admin token, so `app.get(…)` is an
/// admin's request.
pub struct TestApp {
    pub address: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub snapshot_dir: PathBuf,
    admin: Caller,
    /// Kept so the server's snapshot folder lives as long as the test.
    _server: common::Server,
}

pub async fn spawn_app() -> TestApp {
    let server = common::start(common::Options::default()).await;
    let no_token = Caller {
        address: server.address.clone(),
        client: server.client.clone(),
        authorization: None,
    };
    TestApp {
        address: server.address.clone(),
        port: server.port,
        client: server.client.clone(),
        snapshot_dir: server.snapshot_dir.clone(),
        admin: no_token.with_authorization(&format!("Bearer {ADMIN_TOKEN}")),
        _server: server,
    }
}

impl std::ops::Deref for TestApp {
    type Target = Caller;

    fn deref(&self) -> &Caller {
        &self.admin
    }
}

/// A fresh server with team org `acme` and the license pools `pools`.
pub async fn spawn_org(pools: Value) -> TestApp {
    let app = spawn_app().await;
    app.team_org("acme").await;
    app.licenses("acme", pools).await;
    app
}

/// A fresh server with team org `acme` holding `event_pro` Event Pro
/// licenses and event `e1` with the given collaborators and areas.
pub async fn spawn_event(event_pro: u32, collaborators: &[&str], areas: &[&str]) -> TestApp {
    let app = spawn_app().await;
    app.org_with_events("acme", event_pro, &["e1"]).await;
    for collaborator in collaborators {
        app.collaborator("acme", "e1", collaborator).await;
    }
    for area in areas {
        app.area("acme", "e1", area).await;
    }
    app
}

/// Who sends a request: the admin token, the check token, another token or
/// none at all.
#[derive(Clone)]
pub struct Caller {
    address: String,
    client: reqwest::Client,
    /// The whole `Authorization` header, if any.
    authorization: Option<String>,
}

impl Caller {
    pub fn admin(&self) -> Caller {
        self.with_token(ADMIN_TOKEN)
    }

    pub fn as_check_token(&self) -> Caller {
        self.with_token(CHECK_TOKEN)
    }

    pub fn no_token(&self) -> Caller {
        Caller {
            authorization: None,
            ..self.clone()
        }
    }

    pub fn with_token(&self, token: &str) -> Caller {
        self.with_authorization(&format!("Bearer {token}"))
    }

    /// Sends `Authorization: <header>` verbatim.
    pub fn with_authorization(&self, header: &str) -> Caller {
        Caller {
            authorization: Some(header.to_string()),
            ..self.clone()
        }
    }

    /// Sends a request; `body` is sent as `application/json` when given.
    pub async fn send(&self, method: Method, path: &str, body: Option<Vec<u8>>) -> Answer {
        let mut request = self
            .client
            .request(method, format!("{}{}", self.address, path));
        if let Some(authorization) = &self.authorization {
            request = request.header(AUTHORIZATION, authorization);
        }
        if let Some(body) = body {
            request = request.header(CONTENT_TYPE, "application/json").body(body);
        }
        let response = request.send().await.expect("request failed");
        let status = response.status();
        let bytes = response.bytes().await.expect("read body");
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        (status, value)
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(Method::GET, path, None).await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.send(Method::DELETE, path, None).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Answer {
        self.request(&format!("PUT {path}"), body).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        self.request(&format!("POST {path}"), body).await
    }

    /// A `PUT` with no body at all.
    pub async fn put_empty(&self, path: &str) -> Answer {
        self.send(Method::PUT, path, None).await
    }

    /// A `POST` with no body at all.
    pub async fn post_empty(&self, path: &str) -> Answer {
        self.send(Method::POST, path, None).await
    }

    /// A `PUT` whose body is sent exactly as given (for malformed JSON).
    pub async fn put_raw(&self, path: &str, raw: &str) -> Answer {
        let body = raw.as_bytes().to_vec();
        self.send(Method::PUT, path, Some(body)).await
    }

    /// Sends `request`, written `"METHOD /path"`, with `body` as JSON
    /// unless it is [`NO_BODY`].
    pub async fn request(&self, request: &str, body: &Value) -> Answer {
        let (method, path) = request
            .split_once(' ')
            .unwrap_or_else(|| panic!("not \"METHOD /path\": {request}"));
        let method = Method::from_bytes(method.as_bytes()).expect("an HTTP method");
        let body = (!body.is_null()).then(|| body.to_string().into_bytes());
        self.send(method, path, body).await
    }

    /// Sends every request of `exchanges` in turn and asserts each whole
    /// answer; a failure names the request.
    pub async fn assert_answers<R: AsRef<str>>(&self, exchanges: &[Exchange<R>]) {
        for (request, body, status, expected) in exchanges {
            let request = request.as_ref();
            let (actual, answer) = self.request(request, body).await;
            assert_eq!(
                (actual.as_u16(), &answer),
                (*status, expected),
                "{request} {body}"
            );
        }
    }

    /// Sends every request of `refusals` and asserts the error each is
    /// refused with; a failure names the request.
    pub async fn assert_refusals<R: AsRef<str>>(&self, refusals: &[Refusal<'_, R>]) {
        for (request, body, status, code) in refusals {
            let request = request.as_ref();
            let answer = self.request(request, body).await;
            let status = StatusCode::from_u16(*status).expect("a status code");
            assert_refused(&format!("{request} {body}"), &answer, status, code);
        }
    }
}

/// A request and the whole answer it must get: `"METHOD /path"`, its JSON
/// body (or [`NO_BODY`]), the status and the answer's body.
pub type Exchange<R> = (R, Value, u16, Value);

/// A request the server must refuse: `"METHOD /path"`, its JSON body (or
/// [`NO_BODY`]), and the status and error code of the refusal.
pub type Refusal<'a, R = &'a str> = (R, Value, u16, &'a str);

/// The body of a request sent without one.
pub const NO_BODY: Value = Value::Null;

impl TestApp {
    /// [`Caller::assert_refusals`], then asserts that `org` reads as before.
    pub async fn assert_refusals_change_nothing<R: AsRef<str>>(
        &self,
        org: &str,
        refusals: &[Refusal<'_, R>],
    ) {
        let before = self.org_state(org).await;
        self.assert_refusals(refusals).await;
        assert_eq!(self.org_state(org).await, before, "a refusal changed {org}");
    }

    /// Asserts that `org` does not exist: whatever refused made none.
    pub async fn assert_no_org(&self, org: &str) {
        let request = format!("GET /v1/orgs/{org}");
        let answer = self.request(&request, &NO_BODY).await;
        assert_refused(&request, &answer, StatusCode::NOT_FOUND, "org_not_found");
    }

    // --- building state (each asserts that the server accepted it) ---

    /// `PUT`s `path` with `body` (or [`NO_BODY`]) and asserts that it made
    /// what it names: `201`.
    async fn create(&self, path: &str, body: &Value) {
        let answer = self.request(&format!("PUT {path}"), body).await;
        assert_eq!(answer.0, StatusCode::CREATED, "{path} {body}: {answer:?}");
    }

    pub async fn team_org(&self, org: &str) {
        let team = json!({"kind": "team"});
        self.create(&format!("/v1/orgs/{org}"), &team).await;
    }

    pub async fn personal_org(&self, org: &str, owner: &str) {
        let personal = json!({"kind": "personal", "owner": owner});
        self.create(&format!("/v1/orgs/{org}"), &personal).await;
    }

    /// Sets license pools; returns the org.
    pub async fn licenses(&self, org: &str, pools: Value) -> Value {
        let answer = self.put(&format!("/v1/orgs/{org}/licenses"), &pools).await;
        assert_eq!(answer.0, StatusCode::OK, "set licenses {pools}: {answer:?}");
        answer.1
    }

    pub async fn event(&self, org: &str, event: &str) {
        self.create(&event_path(org, event), &NO_BODY).await;
    }

    /// A team org with `event_pro` slots and the given events.
    pub async fn org_with_events(&self, org: &str, event_pro: u32, events: &[&str]) {
        self.team_org(org).await;
        self.event_pro_events(org, event_pro, events).await;
    }

    /// A personal org owned by `owner` with one Event Pro license and the
    /// given events.
    pub async fn personal_org_with_events(&self, org: &str, owner: &str, events: &[&str]) {
        self.personal_org(org, owner).await;
        self.event_pro_events(org, 1, events).await;
    }

    async fn event_pro_events(&self, org: &str, event_pro: u32, events: &[&str]) {
        self.licenses(org, json!({"event_pro": event_pro})).await;
        for event in events {
            self.event(org, event).await;
        }
    }

    /// Puts a member with a license (or none); returns the answer body.
    pub async fn member(&self, org: &str, user: &str, license: Option<&str>) -> Value {
        let answer = self
            .put(
                &format!("/v1/orgs/{org}/members/{user}"),
                &json!({"license": license}),
            )
            .await;
        assert!(
            answer.0 == StatusCode::CREATED || answer.0 == StatusCode::OK,
            "put member {user} {license:?}: {answer:?}"
        );
        answer.1
    }

    /// Sets the `license` pool of `org` to one seat and gives it to `user`.
    pub async fn seat_holder(&self, org: &str, license: &str, user: &str) {
        self.licenses(org, json!({ license: 1 })).await;
        self.member(org, user, Some(license)).await;
    }

    pub async fn slot(&self, org: &str, event: &str, user: &str) {
        let path = format!("{}/slots/{user}", event_path(org, event));
        self.create(&path, &NO_BODY).await;
    }

    pub async fn collaborator(&self, org: &str, event: &str, collaborator: &str) {
        let path = format!("{}/collaborators/{collaborator}", event_path(org, event));
        self.create(&path, &NO_BODY).await;
    }

    pub async fn area(&self, org: &str, event: &str, area: &str) {
        let path = format!("{}/areas/{area}", event_path(org, event));
        self.create(&path, &NO_BODY).await;
    }

    /// Attaches a user to a collaborator with the default grants.
    pub async fn attach(&self, org: &str, event: &str, collaborator: &str, user: &str) {
        let path = attachment_path(org, event, collaborator, user);
        self.create(&path, &NO_BODY).await;
    }

    /// Attaches a user to a collaborator with the given grants.
    pub async fn attach_with(
        &self,
        org: &str,
        event: &str,
        collaborator: &str,
        user: &str,
        permissions: &[&str],
    ) {
        let path = attachment_path(org, event, collaborator, user);
        self.create(&path, &json!({ "permissions": permissions }))
            .await;
    }

    pub async fn grant(
        &self,
        org: &str,
        event: &str,
        user: &str,
        permission: &str,
        scope: Scope<'_>,
    ) {
        let path = grant_path(org, event, user, permission, scope);
        self.create(&path, &NO_BODY).await;
    }

    /// Asks the check route once a row and asserts each answer: a row is
    /// `(user, permission, scope, expected)` with `expected` written
    /// `"reason license"` (`"no_license"` alone when there is none); only
    /// `granted` is allowed. A failure names the row.
    pub async fn assert_checks(&self, org: &str, event: &str, rows: &[CheckRow<'_>]) {
        self.assert_checks_after("", org, event, rows).await;
    }

    /// [`TestApp::assert_checks`] whose failures also name `after`, what the
    /// checks follow.
    pub async fn assert_checks_after(
        &self,
        after: &str,
        org: &str,
        event: &str,
        rows: &[CheckRow<'_>],
    ) {
        for (user, permission, scope, expected) in rows {
            let query = format!("user={}&permission={}", encode(user), encode(permission));
            let path = format!("{}/check?{query}", event_path(org, event));
            let path = scope.appended_to(path, '&');
            let (status, answer) = self.as_check_token().get(&path).await;
            let case = format!("{after} GET {path}");
            assert_eq!(status, StatusCode::OK, "{case}: {answer}");
            assert_decision(&case, &answer, expected);
        }
    }

    /// `GET …/events/{event}/users/{user}`.
    pub async fn event_user(&self, org: &str, event: &str, user: &str) -> Value {
        let answer = self
            .get(&format!("{}/users/{user}", event_path(org, event)))
            .await;
        assert_eq!(answer.0, StatusCode::OK, "read event user: {answer:?}");
        answer.1
    }

    /// `GET …/events/{event}`.
    pub async fn event_details(&self, org: &str, event: &str) -> Value {
        let answer = self.get(&event_path(org, event)).await;
        assert_eq!(answer.0, StatusCode::OK, "read event: {answer:?}");
        answer.1
    }

    /// `GET /v1/orgs/{org}`.
    pub async fn org(&self, org: &str) -> Value {
        let answer = self.get(&format!("/v1/orgs/{org}")).await;
        assert_eq!(answer.0, StatusCode::OK, "read org: {answer:?}");
        answer.1
    }

    /// Everything readable about an org: itself, its members, its events and
    /// each event in detail. Compared before and after a refused request.
    pub async fn org_state(&self, org: &str) -> Value {
        let (status, details) = self.get(&format!("/v1/orgs/{org}")).await;
        if status == StatusCode::NOT_FOUND {
            return Value::Null;
        }
        let (_, members) = self.get(&format!("/v1/orgs/{org}/members")).await;
        let (_, events) = self.get(&format!("/v1/orgs/{org}/events")).await;
        let mut event_details = Vec::new();
        for event in events["events"].as_array().into_iter().flatten() {
            let id = event["id"].as_str().expect("event id");
            event_details.push(self.get(&event_path(org, id)).await.1);
        }
        json!({
            "org": details,
            "members": members,
            "events": events,
            "event_details": event_details,
        })
    }
}

/// One expected check, for [`TestApp::assert_checks`].
pub type CheckRow<'a> = (&'a str, &'a str, Scope<'a>, &'a str);

/// The scope of a permission in a grant or a check.
#[derive(Clone, Copy, Debug)]
pub enum Scope<'a> {
    Event,
    Collaborator(&'a str),
    Area(&'a str),
}

impl Scope<'_> {
    /// The query parameter naming this scope, if any (`collaborator=c`).
    fn parameter(&self) -> Option<String> {
        match self {
            Scope::Event => None,
            Scope::Collaborator(id) => Some(format!("collaborator={}", encode(id))),
            Scope::Area(id) => Some(format!("area={}", encode(id))),
        }
    }

    /// `base` with this scope's query parameter after `separator`, if any.
    fn appended_to(&self, base: String, separator: char) -> String {
        match self.parameter() {
            Some(parameter) => format!("{base}{separator}{parameter}"),
            None => base,
        }
    }
}

pub fn event_path(org: &str, event: &str) -> String {
    format!("/v1/orgs/{org}/events/{event}")
}

pub fn attachment_path(org: &str, event: &str, collaborator: &str, user: &str) -> String {
    format!(
        "{}/collaborators/{collaborator}/users/{user}",
        event_path(org, event)
    )
}

pub fn grant_path(
    org: &str,
    event: &str,
    user: &str,
    permission: &str,
    scope: Scope<'_>,
) -> String {
    let base = format!(
        "{}/users/{user}/grants/{permission}",
        event_path(org, event)
    );
    scope.appended_to(base, '?')
}

/// Percent-encodes everything but ASCII letters, digits and `-._`, for query
/// values (where `+` would otherwise read as a space).
pub fn encode(value: &str) -> String {
    encode_but(value, b"-._")
}

/// Percent-encodes everything but ASCII letters, digits and `keep`.
pub fn encode_but(value: &str, keep: &[u8]) -> String {
    value
        .bytes()
        .map(|byte| {
            if byte.is_ascii_alphanumeric() || keep.contains(&byte) {
                (byte as char).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

/// Asserts an error answer: its status, its code and a non-empty message.
#[track_caller]
pub fn assert_error(answer: &Answer, status: StatusCode, code: &str) {
    assert_refused("", answer, status, code);
}

/// [`assert_error`] for the request named `case`.
#[track_caller]
pub fn assert_refused(case: &str, answer: &Answer, status: StatusCode, code: &str) {
    let (actual, body) = answer;
    assert_eq!(
        (*actual, body["error"].as_str()),
        (status, Some(code)),
        "{case}: expected {status} {code}, got {actual} {body}"
    );
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        !message.trim().is_empty(),
        "{case}: error without a message: {body}"
    );
}

/// Asserts a decision `{"allowed","reason","license"}` of the request named
/// `case`, written `"reason license"` (`"no_license"` alone when there is
/// none); only `granted` is allowed.
#[track_caller]
pub fn assert_decision(case: &str, answer: &Value, expected: &str) {
    let (reason, license) = match expected.split_once(' ') {
        Some((reason, license)) => (reason, Some(license)),
        None => (expected, None),
    };
    assert_eq!(
        (&answer["allowed"], &answer["reason"], &answer["license"]),
        (&json!(reason == "granted"), &json!(reason), &json!(license)),
        "{case}: {answer}"
    );
}

/// Sorts a JSON array of strings or objects by their text, for comparing
/// lists whose order SPEC leaves open.
pub fn sorted(value: &Value) -> Vec<String> {
    let mut items: Vec<String> = value
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {value}"))
        .iter()
        .map(Value::to_string)
        .collect();
    items.sort();
    items
}
