//! Turning request parts into domain values, with the error each deserves.

use actix_web::web::Bytes;
use serde::de::DeserializeOwned;

use crate::domain::{Id, Permission, Scope};

use super::error::ApiError;

/// The most a name may hold, in bytes.
pub const MAX_NAME: usize = 1024;

pub fn id(raw: &str) -> Result<Id, ApiError> {
    Ok(Id::parse(raw)?)
}

pub fn ids<const N: usize>(raw: [&str; N]) -> Result<[Id; N], ApiError> {
    let mut out = Vec::with_capacity(N);
    for r in raw {
        out.push(id(r)?);
    }
    out.try_into()
        .map_err(|_| ApiError::bad_request("wrong number of path parameters"))
}

/// Parses a JSON body; an empty body reads as `{}`.
pub fn body<T: DeserializeOwned + Default>(bytes: &Bytes) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
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
) -> Result<(Permission, Scope), ApiError> {
    let permission = Permission::parse(permission)?;
    let collaborator = collaborator.map(id).transpose()?;
    let area = area.map(id).transpose()?;
    Ok((
        permission,
        Scope::for_permission(permission, collaborator, area)?,
    ))
}
