//! Bearer tokens. The middleware answers `401` before routing; the [`Admin`]
//! extractor answers `403` for the check token on a write, after routing
//! has matched (SPEC §2: token, route, token rights, then body and rules).

use std::future::{ready, Ready};

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, AUTHORIZATION};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpRequest, ResponseError};

use actix_web::web::Data;

use super::error::ApiError;
use super::AppState;

/// Routes anyone may call.
pub const PUBLIC: [&str; 4] = ["/health", "/metrics", "/openapi.json", "/ui"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Admin,
    Check,
}

/// The configured tokens.
#[derive(Clone)]
pub struct Tokens {
    pub admin: String,
    pub check: Option<String>,
}

impl Tokens {
    /// Which role a presented token has. Comparisons take the same time
    /// however much of a token matches.
    pub fn role(&self, presented: &[u8]) -> Option<Role> {
        let admin = constant_time_eq::constant_time_eq(presented, self.admin.as_bytes());
        let check = self
            .check
            .as_ref()
            .is_some_and(|c| constant_time_eq::constant_time_eq(presented, c.as_bytes()));
        if admin {
            Some(Role::Admin)
        } else if check {
            Some(Role::Check)
        } else {
            None
        }
    }
}

/// The role of the request's bearer token, if it has a valid one.
fn role_of(
    state: Option<&actix_web::web::Data<super::AppState>>,
    headers: &HeaderMap,
) -> Option<Role> {
    state.and_then(|state| bearer(headers).and_then(|t| state.tokens.role(t)))
}

fn bearer(headers: &HeaderMap) -> Option<&[u8]> {
    let value = headers.get(AUTHORIZATION)?.as_bytes();
    let (scheme, token) = value.split_at_checked(7)?;
    scheme.eq_ignore_ascii_case(b"bearer ").then_some(token)
}

pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if PUBLIC.contains(&req.path()) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    }
    if req.headers().get_all(AUTHORIZATION).nth(1).is_some() {
        // Which one counts would be a guess (a proxy may have appended
        // its own): refuse rather than pick an identity.
        let response =
            ApiError::bad_request("a request may carry one Authorization header").error_response();
        return Ok(req.into_response(response).map_into_right_body());
    }
    match role_of(req.app_data(), req.headers()) {
        // On to the routes: the single check first, without the router.
        Some(_) => super::fast::route(req, next).await,
        None => {
            let response = ApiError::unauthorized().error_response();
            Ok(req.into_response(response).map_into_right_body())
        }
    }
}

/// Present in a handler's arguments, it admits only the admin token, and
/// hands the handler the server's state, as every write needs it. The
/// token is compared again rather than passed on from the middleware in the
/// request's extensions: a comparison costs less than the extension map.
pub struct Admin(pub Data<AppState>);

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = Ready<Result<Admin, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<Data<AppState>>();
        ready(match (role_of(state, req.headers()), state) {
            // Every write takes this, so its body's declared length is
            // checked here, after the token's rights, also where the route
            // reads no body.
            (Some(Role::Admin), Some(state)) => {
                super::body::no_body_over_limit(req).map(|()| Admin(state.clone()))
            }
            _ => Err(ApiError::forbidden()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_map_to_roles() {
        let t = Tokens {
            admin: "a-secret".into(),
            check: Some("c-secret".into()),
        };
        assert_eq!(t.role(b"a-secret"), Some(Role::Admin));
        assert_eq!(t.role(b"c-secret"), Some(Role::Check));
        assert_eq!(t.role(b"a-secre"), None);
        assert_eq!(t.role(b""), None);
        let no_check = Tokens {
            admin: "a".into(),
            check: None,
        };
        assert_eq!(no_check.role(b""), None);
    }
}
