//! The error table: every code, its status, and the JSON body
//! `{"error": code, "message": sentence, ...details}`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::{json, Map, Value};

use crate::actors::Failure;
use crate::domain::{Error, InUse};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Map<String, Value>,
    /// The methods a `405` names in its `Allow` header.
    pub allow: Option<&'static str>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            details: Map::new(),
            allow: None,
        }
    }

    /// `{"error": code, "message": sentence, ...details}`.
    pub fn body(&self) -> Map<String, Value> {
        let mut body = Map::with_capacity(2 + self.details.len());
        body.insert("error".into(), Value::from(self.code));
        body.insert("message".into(), Value::from(self.message.clone()));
        body.extend(self.details.clone());
        body
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid bearer token is required: Authorization: Bearer <token>",
        )
    }

    pub fn forbidden() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "the check token may only call read-only routes",
        )
    }

    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
    }

    /// `405` for a path that lists only the methods `allow` names (as the
    /// `Allow` header writes them: `GET, PUT`).
    pub fn method_not_allowed(allow: &'static str) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "this route does not take that method",
        );
        e.allow = Some(allow);
        e
    }

    pub fn payload_too_large(limit: usize) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("request bodies are limited to {limit} bytes"),
        )
    }

    pub fn request_timeout(limit: std::time::Duration) -> ApiError {
        ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            format!(
                "the request body did not arrive within {} seconds",
                limit.as_secs()
            ),
        )
    }

    pub fn unavailable(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }

    fn with(mut self, key: &str, value: Value) -> ApiError {
        self.details.insert(key.to_string(), value);
        self
    }
}

/// A rule's refusal: its status and code (one table for the whole API).
pub fn code_of(e: &Error) -> (StatusCode, &'static str) {
    use StatusCode as S;
    match e {
        Error::BadRequest(_) => (S::BAD_REQUEST, "bad_request"),
        Error::InvalidId(_) => (S::BAD_REQUEST, "invalid_id"),
        Error::UnknownPermission(_) => (S::BAD_REQUEST, "unknown_permission"),
        Error::MissingScope(_) => (S::BAD_REQUEST, "missing_scope"),
        Error::UnexpectedScope(_) => (S::BAD_REQUEST, "unexpected_scope"),
        Error::PersonalOrg(_) => (S::BAD_REQUEST, "personal_org"),
        Error::Conflict(_) => (S::CONFLICT, "conflict"),
        Error::NoSeatAvailable { .. } => (S::CONFLICT, "no_seat_available"),
        Error::NoSlotAvailable { .. } => (S::CONFLICT, "no_slot_available"),
        Error::EventProRequired => (S::CONFLICT, "event_pro_required"),
        Error::LicensesInUse(_) => (S::CONFLICT, "licenses_in_use"),
        Error::OrgProHolder(_) => (S::CONFLICT, "org_pro_holder"),
        Error::OrgNotFound => (S::NOT_FOUND, "org_not_found"),
        Error::EventNotFound => (S::NOT_FOUND, "event_not_found"),
        Error::MemberNotFound(_) => (S::NOT_FOUND, "member_not_found"),
        Error::CollaboratorNotFound(_) => (S::NOT_FOUND, "collaborator_not_found"),
        Error::AreaNotFound(_) => (S::NOT_FOUND, "area_not_found"),
        Error::SlotNotFound(_) => (S::NOT_FOUND, "slot_not_found"),
        Error::GrantNotFound(_) => (S::NOT_FOUND, "grant_not_found"),
        Error::AttachmentNotFound { .. } => (S::NOT_FOUND, "attachment_not_found"),
        Error::OrgGrantNotFound(_) => (S::NOT_FOUND, "grant_not_found"),
        Error::SlotRequired { .. } => (S::CONFLICT, "slot_required"),
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        let (status, code) = code_of(&e);
        let base = ApiError::new(status, code, e.to_string());
        match e {
            Error::LicensesInUse(InUse::Events(events)) => base.with(
                "events",
                events
                    .iter()
                    .map(|(event, used)| json!({"event": event, "used": used}))
                    .collect(),
            ),
            Error::LicensesInUse(InUse::Members(used)) => base.with("used", json!(used)),
            Error::NoSeatAvailable { license, total } => base
                .with("license", json!(license))
                .with("total", json!(total)),
            Error::NoSlotAvailable { total } => base.with("total", json!(total)),
            _ => base,
        }
    }
}

impl From<Failure> for ApiError {
    fn from(f: Failure) -> ApiError {
        match f {
            Failure::Rule(e) => e.into(),
            Failure::Unavailable(m) => ApiError::unavailable(m),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let body = self.body();
        let mut response = HttpResponse::build(self.status);
        if self.status == StatusCode::REQUEST_TIMEOUT {
            // The rest of the body may still come; do not read it.
            response.force_close();
        }
        if let Some(allow) = self.allow {
            response.insert_header((actix_web::http::header::ALLOW, allow));
        }
        response.json(Value::Object(body))
    }
}
