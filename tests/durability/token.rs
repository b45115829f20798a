//! The admin token file.

use std::fs;

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::process::*;

// ---------------------------------------------------------------------------
// 9. A generated admin token
// ---------------------------------------------------------------------------

#[tokio::test]
async fn generated_admin_token_is_written_0600_and_works() {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().unwrap();
    let opts = Opts::default();
    let mut s = start(dir.path(), &opts).await;
    let path = dir.path().join("admin.token");
    let mode = fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(
        mode & 0o777,
        0o600,
        "admin.token mode is {:o}",
        mode & 0o777
    );
    let token = fs::read_to_string(&path).unwrap().trim().to_string();
    assert!(token.len() >= 16, "a token of some strength: {token:?}");
    assert_eq!(s.token, token);

    // It works as a bearer token; another one does not.
    s.put("/v1/orgs/acme", json!({"kind": "team"})).await;
    let (status, _) = send(
        &s.client,
        &s.base,
        "not-the-token",
        Method::GET,
        "/v1/orgs/acme",
        None,
    )
    .await
    .unwrap();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    s.kill9();

    // The next start keeps it.
    let s = start(dir.path(), &opts).await;
    assert_eq!(
        fs::read_to_string(&path).unwrap().trim(),
        token,
        "the token file is reused"
    );
    let org = s.get("/v1/orgs/acme").await;
    assert_eq!(org["kind"], "team");
}

#[tokio::test]
async fn a_leftover_temporary_token_file_neither_widens_the_mode_nor_writes_through_a_link() {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let target = elsewhere.path().join("not-a-token");
    fs::write(&target, "untouched").unwrap();
    // What a crash, or someone else, could leave under the temporary name.
    let tmp = dir.path().join("admin.token.tmp");
    std::os::unix::fs::symlink(&target, &tmp).unwrap();

    let s = start(dir.path(), &Opts::default()).await;
    let path = dir.path().join("admin.token");
    let meta = fs::symlink_metadata(&path).unwrap();
    assert!(meta.file_type().is_file(), "admin.token is a plain file");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(fs::read_to_string(&target).unwrap(), "untouched");
    assert_eq!(fs::read_to_string(&path).unwrap().trim(), s.token);
    drop(s);

    // A leftover plain file readable by all does not pass its mode on.
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("admin.token.tmp");
    fs::write(&tmp, "stale").unwrap();
    fs::set_permissions(&tmp, fs::Permissions::from_mode(0o644)).unwrap();
    let _s = start(dir.path(), &Opts::default()).await;
    let mode = fs::metadata(dir.path().join("admin.token"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(
        mode & 0o777,
        0o600,
        "admin.token mode is {:o}",
        mode & 0o777
    );
}
