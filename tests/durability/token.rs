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
