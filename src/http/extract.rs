//! Turning request parts into domain values, with the error each deserves.

use actix_web::web::Bytes;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::domain::{Error, Id, Permission, Scope};

use super::error::ApiError;

/// The most a name may hold, in bytes.
pub const MAX_NAME: usize = 1024;

pub fn id(raw: &str) -> Result<Id, ApiError> {
    Ok(Id::parse(raw)?)
}

/// Parses a JSON object body; an empty body reads as `{}`.
pub fn body<T: DeserializeOwned + Default>(bytes: &Bytes) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    object(bytes)
}

/// Parses a body that must be a JSON object. serde would also read a struct
/// from an array of its fields in order (`["team"]`); the contract speaks of
/// objects only, so anything else is `400 bad_request`.
pub fn object<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, ApiError> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        return Err(ApiError::bad_request("the body must be a JSON object"));
    }
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("the body is not valid: {e}")))
}

pub fn name(name: Option<String>) -> Result<Option<String>, ApiError> {
    match name {
        Some(n) if n.len() > MAX_NAME => Err(ApiError::bad_request(format!(
            "names are at most {MAX_NAME} bytes"
        ))),
        other => Ok(other),
    }
}

/// A permission and the scope named beside it in the query.
pub fn scoped(
    permission: &str,
    collaborator: Option<&str>,
    area: Option<&str>,
) -> Result<(Permission, Scope), Error> {
    let permission = Permission::parse(permission)?;
    let collaborator = collaborator.map(Id::parse).transpose()?;
    let area = area.map(Id::parse).transpose()?;
    Ok((
        permission,
        Scope::for_permission(permission, collaborator, area)?,
    ))
}
