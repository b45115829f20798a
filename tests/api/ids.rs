//! Client-chosen ids: `[A-Za-z0-9._:@+-]{1,128}`, not made of dots alone.

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{assert_error, encode, encode_but, spawn_app, spawn_event, spawn_org};

const ID_PATTERN: &str = "[A-Za-z0-9._:@+-]{1,128}";

/// Percent-encodes a path segment, leaving the id alphabet as it is (so a
/// `+` reaches the server as a `+`).
fn path_segment(id: &str) -> String {
    encode_but(id, b"._:@+-")
}

/// `count` values drawn from `strategy`, the same ones on every run.
fn samples<S: Strategy>(strategy: S, count: usize) -> Vec<S::Value> {
    let mut runner = TestRunner::deterministic();
    (0..count)
        .map(|_| {
            strategy
                .new_tree(&mut runner)
                .expect("generate a value")
                .current()
        })
        .collect()
}

fn valid_ids() -> impl Strategy<Value = String> {
    proptest::string::string_regex(ID_PATTERN)
        .expect("id pattern")
        .prop_filter("not dots alone", |id| !id.chars().all(|c| c == '.'))
}

fn invalid_ids() -> impl Strategy<Value = String> {
    let outside = proptest::sample::select(vec![
        ' ', '!', '"', '#', '$', '%', '&', '\'', '(', ')', '*', ',', '/', ';', '<', '=', '>', '?',
        '[', '\\', ']', '^', '`', '{', '|', '}', '~', 'é', '\u{7f}', '\t',
    ]);
    let part = || proptest::string::string_regex("[A-Za-z0-9._:@+-]{0,10}").expect("part");
    (part(), outside, part()).prop_map(|(head, bad, tail)| format!("{head}{bad}{tail}"))
}

#[actix_web::test]
async fn any_id_of_the_allowed_alphabet_names_an_org_and_a_user() {
    let app = spawn_app().await;

    let mut ids = samples(valid_ids(), 60);
    ids.sort();
    ids.dedup();
    for id in ids {
        let (status, org) = app
            .put(
                &format!("/v1/orgs/{}", path_segment(&id)),
                &json!({"kind": "team"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "org id {id:?}: {org}");
        assert_eq!(org["id"], id.as_str());
        let (status, access) = app
            .get(&format!(
                "/v1/orgs/{}/access?user={}",
                path_segment(&id),
                encode(&id)
            ))
            .await;
        assert_eq!(status, StatusCode::OK, "user id {id:?}: {access}");
        assert_eq!(access["reason"], "no_license");
    }
}

#[actix_web::test]
async fn any_id_with_a_character_outside_the_alphabet_returns_400_invalid_id() {
    let app = spawn_org(json!({})).await;

    for id in samples(invalid_ids(), 60) {
        let org = app
            .put(
                &format!("/v1/orgs/{}", path_segment(&id)),
                &json!({"kind": "team"}),
            )
            .await;
        assert_error(&org, StatusCode::BAD_REQUEST, "invalid_id");
        let user = app
            .get(&format!("/v1/orgs/acme/access?user={}", encode(&id)))
            .await;
        assert_error(&user, StatusCode::BAD_REQUEST, "invalid_id");
    }
    assert_eq!(app.org("acme").await["members"], 0);
}

#[actix_web::test]
async fn an_id_of_128_characters_is_accepted_and_129_is_400_invalid_id() {
    let app = spawn_app().await;
    let longest = "a".repeat(128);
    let too_long = "a".repeat(129);

    let (status, org) = app
        .put(&format!("/v1/orgs/{longest}"), &json!({"kind": "team"}))
        .await;
    let answer = app
        .put(&format!("/v1/orgs/{too_long}"), &json!({"kind": "team"}))
        .await;

    assert_eq!(status, StatusCode::CREATED, "{org}");
    assert_error(&answer, StatusCode::BAD_REQUEST, "invalid_id");
}

#[actix_web::test]
async fn ids_with_dots_are_valid_unless_made_of_dots_alone() {
    let app = spawn_event(1, &[], &[]).await;

    for id in [".a", "a.", "a..b", "v1.2"] {
        app.member("acme", id, None).await;
    }
    for id in ["...", "...."] {
        let answer = app.put_empty(&format!("/v1/orgs/acme/members/{id}")).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "invalid_id");
    }
    let answer = app.get("/v1/orgs/acme/access?user=..").await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "invalid_id");
    assert_eq!(app.org("acme").await["members"], 4);
}

#[actix_web::test]
async fn every_kind_of_id_in_a_path_is_checked() {
    let app = spawn_event(1, &["artist"], &[]).await;
    let before = app.org_state("acme").await;
    let too_long = "u".repeat(129);

    for bad in ["a%20b", "...", too_long.as_str(), "%C3%A9"] {
        for path in [
            format!("/v1/orgs/{bad}"),
            format!("/v1/orgs/acme/members/{bad}"),
            format!("/v1/orgs/acme/events/{bad}"),
            format!("/v1/orgs/acme/events/e1/collaborators/{bad}"),
            format!("/v1/orgs/acme/events/e1/areas/{bad}"),
            format!("/v1/orgs/acme/events/e1/slots/{bad}"),
            format!("/v1/orgs/acme/events/e1/collaborators/artist/users/{bad}"),
            format!("/v1/orgs/acme/events/e1/users/{bad}/grants/Event.View"),
        ] {
            let answer = app.put(&path, &json!({"kind": "team"})).await;
            assert_error(&answer, StatusCode::BAD_REQUEST, "invalid_id");
        }
    }
    assert_eq!(app.org_state("acme").await, before);
}

#[actix_web::test]
async fn a_plus_in_a_query_id_is_sent_as_2b_since_a_bare_plus_is_a_space() {
    let app = spawn_event(1, &[], &[]).await;
    app.licenses("acme", json!({"org_pro": 1})).await;
    app.member("acme", "a+b", Some("org_pro")).await;
    app.grant(
        "acme",
        "e1",
        "a+b",
        "Event.View",
        crate::helpers::Scope::Event,
    )
    .await;
    let check =
        |user: &str| format!("/v1/orgs/acme/events/e1/check?user={user}&permission=Event.View");

    let encoded = app.get(&check("a%2Bb")).await;
    assert_eq!(encoded.0, StatusCode::OK, "{encoded:?}");
    assert_eq!(encoded.1["allowed"], json!(true), "{encoded:?}");
    let bare = app.get(&check("a+b")).await;
    assert_error(&bare, StatusCode::BAD_REQUEST, "invalid_id");
}
