//! Health, the permission catalogue and snapshots.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::actors::snapshotter::Taken;
use crate::domain::{Domain, Permission};

/// The answer of `/health`.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct Health {
    #[schema(inline)]
    pub status: Status,
}

/// `ok`: the server is up.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
}

/// One permission of the catalogue.
#[derive(Serialize, ToSchema)]
pub struct PermissionView {
    #[schema(value_type = Permission)]
    pub name: &'static str,
    pub domain: Domain,
}

impl From<Permission> for PermissionView {
    fn from(p: Permission) -> PermissionView {
        PermissionView {
            name: p.name(),
            domain: p.domain(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PermissionCatalogue {
    pub permissions: Vec<PermissionView>,
}

impl PermissionCatalogue {
    pub fn all() -> PermissionCatalogue {
        let permissions = Permission::ALL.iter().map(|&p| p.into()).collect();
        PermissionCatalogue { permissions }
    }
}

/// A snapshot written on demand.
#[derive(Serialize, Deserialize, ToSchema)]
#[schema(as = Snapshot)]
pub struct SnapshotView {
    /// The snapshot file's path.
    #[schema(value_type = String)]
    pub file: std::path::PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
}

impl From<Taken> for SnapshotView {
    fn from(t: Taken) -> SnapshotView {
        SnapshotView {
            file: t.file,
            bytes: t.bytes,
        }
    }
}
