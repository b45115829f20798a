use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest};

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
