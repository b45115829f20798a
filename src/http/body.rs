use std::future::Future;
use std::pin::Pin;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header::CONTENT_LENGTH;
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest, ResponseError};

use crate::http::{ApiError, BODY_TIMEOUT, MAX_BODY};

/// A request body of at most [`MAX_BODY`] bytes (the `PayloadConfig`
/// registered in `configure`); larger ones are `413 payload_too_large`,
/// unreadable ones `400 bad_request`, and one that takes longer than
/// [`BODY_TIMEOUT`] to arrive `408 request_timeout` (the connection is then
/// closed), so a stalled client cannot hold a request open.
pub struct RawBody(pub Bytes);

impl FromRequest for RawBody {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<RawBody, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let bytes = Bytes::from_request(req, payload);
        Box::pin(async move {
            let Ok(read) = actix_web::rt::time::timeout(BODY_TIMEOUT, bytes).await else {
                return Err(ApiError::request_timeout(BODY_TIMEOUT));
            };
            read.map(RawBody)
                .map_err(|e| match e.as_error::<PayloadError>() {
                    Some(PayloadError::Overflow) => ApiError::payload_too_large(MAX_BODY),
                    _ => ApiError::bad_request(format!("the body could not be read: {e}")),
                })
        })
    }
}

/// `413` for a request that declares (by its `Content-Length`) a body over
/// [`MAX_BODY`], on a route that reads none: such routes answer it as
/// routes that read one would (after the token's rights, before the
/// rules). A body sent without a length is not read there, and so not
/// measured.
pub fn no_body_over_limit(req: &HttpRequest) -> Result<(), ApiError> {
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        Err(ApiError::payload_too_large(MAX_BODY))
    } else {
        Ok(())
    }
}

/// [`no_body_over_limit`] for a read route, as a route middleware: it runs
/// once the route and method matched.
pub async fn bounded(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if let Err(e) = no_body_over_limit(req.request()) {
        return Ok(req.into_response(e.error_response()).map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}
