#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The OpenAPI document against the code: `docs/openapi.json` is up to
//! date, the document lists exactly the routes the live server serves (each
//! documented method answers, each other one is `405` with an `Allow` header
//! naming the documented ones, and no path beside a documented one is
//! routed), and `GET /openapi.json` serves it without a token.

use std::collections::BTreeSet;
use std::path::Path;

use reqwest::header::ALLOW;

use gatehouse::http::openapi;
use reqwest::header::AUTHORIZATION;
use reqwest::{Method, StatusCode};
use serde_json::Value;

mod common;

use common::{ADMIN_TOKEN as TOKEN, CHECK_TOKEN};

/// The methods a route of the document may list.
const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];
/// What every path must refuse when it does not list it: the above and
/// these (HEAD answers without a body, so only its status is checked).
const OTHER_METHODS: [&str; 3] = ["options", "trace", "head"];

fn document() -> Value {
    serde_json::to_value(openapi::document()).unwrap()
}

/// Every `(path, method)` of the document, method in lower case.
fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            assert!(
                METHODS.contains(&method.as_str()),
                "{path}: unexpected key {method}"
            );
            out.insert((path.clone(), method.clone()));
        }
    }
    out
}

#[test]
fn docs_openapi_json_is_up_to_date() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/openapi.json");
    let expected = openapi::json() + "\n";
    let current = std::fs::read_to_string(&file).unwrap_or_default();
    if current == expected {
        return;
    }
    if std::env::var("UPDATE_OPENAPI").as_deref() == Ok("1") {
        std::fs::write(&file, expected).unwrap();
        return;
    }
    panic!(
        "{} is not the document the server serves; \
         run `UPDATE_OPENAPI=1 cargo test --test openapi` and commit the result",
        file.display()
    );
}

#[test]
fn document_is_consistent() {
    let doc = document();
    assert_eq!(doc["info"]["title"], "Gatehouse");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(doc["openapi"].as_str().unwrap().starts_with('3'));

    // Every reference resolves, and every schema is used.
    let text = serde_json::to_string(&doc).unwrap();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let mut used = BTreeSet::new();
    for piece in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = piece.split('"').next().unwrap();
        assert!(schemas.contains_key(name), "dangling $ref to {name}");
        used.insert(name.to_string());
    }
    for name in schemas.keys() {
        assert!(used.contains(name), "schema {name} is never used");
    }

    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    let mut ids = BTreeSet::new();
    for (path, method) in operations(&doc) {
        let op = &doc["paths"][&path][&method];
        let at = format!("{} {path}", method.to_uppercase());
        assert!(
            ids.insert(op["operationId"].to_string()),
            "{at}: operationId twice"
        );
        assert!(op["summary"].is_string(), "{at}: no summary");
        for requirement in op["security"].as_array().unwrap() {
            for scheme in requirement.as_object().unwrap().keys() {
                assert!(
                    schemes.contains_key(scheme),
                    "{at}: unknown scheme {scheme}"
                );
            }
        }
        // A path parameter for each `{name}` of the path, and no other.
        let in_path: BTreeSet<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        let declared: BTreeSet<&str> = op["parameters"]
            .as_array()
            .map(|ps| ps.iter().filter(|p| p["in"] == "path"))
            .into_iter()
            .flatten()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(in_path, declared, "{at}: path parameters");
        // A success status, and errors with their codes listed.
        let responses = op["responses"].as_object().unwrap();
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{at}: no success response"
        );
        let public = ["/health", "/metrics", "/openapi.json"].contains(&path.as_str());
        assert_eq!(responses.contains_key("401"), !public, "{at}: 401");
        for (status, mut response) in responses {
            if let Some(name) = response["$ref"].as_str() {
                let name = name.strip_prefix("#/components/responses/").unwrap();
                response = &doc["components"]["responses"][name];
                assert!(
                    response.is_object(),
                    "{at}: dangling $ref to response {name}"
                );
            }
            if status.starts_with('4') || status.starts_with('5') {
                let description = response["description"].as_str().unwrap();
                assert!(description.contains('`'), "{at}: {status} lists no code");
            }
        }
    }
}

/// The server, with no periodic snapshots.
struct Server(common::Server);

async fn start() -> Server {
    Server(common::start(common::Options::no_snapshots()).await)
}

impl Server {
    async fn call(&self, method: &str, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        let (status, body, _) = self.call_with_allow(method, path, token).await;
        (status, body)
    }

    /// The answer and its `Allow` header, if any.
    async fn call_with_allow(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
    ) -> (StatusCode, Value, Option<String>) {
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let mut request = self
            .0
            .client
            .request(method, format!("{}{path}", self.0.address));
        if let Some(token) = token {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let allow = response
            .headers()
            .get(ALLOW)
            .map(|v| v.to_str().unwrap().to_string());
        let bytes = response.bytes().await.unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            allow,
        )
    }
}

/// The path with its parameters filled from their examples, and the
/// required query parameters likewise.
fn example_url(path: &str, op: &Value) -> String {
    let mut url = path.to_string();
    let mut query = Vec::new();
    for p in op["parameters"].as_array().into_iter().flatten() {
        let name = p["name"].as_str().unwrap();
        let example = p["example"].as_str().expect("a parameter without example");
        match p["in"].as_str().unwrap() {
            "path" => url = url.replace(&format!("{{{name}}}"), example),
            _ if p["required"] == true => query.push(format!("{name}={example}")),
            _ => {}
        }
    }
    if !query.is_empty() {
        url = format!("{url}?{}", query.join("&"));
    }
    url
}

/// `path` with each `{name}` segment given a valid id.
fn filled(path: &str) -> String {
    [
        ("{org}", "acme"),
        ("{event}", "summer-fest"),
        ("{user}", "alice"),
        ("{c}", "headliner"),
        ("{a}", "main-stage"),
        ("{permission}", "Event.View"),
    ]
    .iter()
    .fold(path.to_string(), |url, (name, id)| url.replace(name, id))
}

#[actix_web::test]
async fn the_server_serves_exactly_the_documented_routes() {
    let server = start().await;
    let doc = document();
    let mut wrong = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS.into_iter().chain(OTHER_METHODS) {
            let op = &item[method];
            let documented = op.is_object();
            let url = example_url(path, if documented { op } else { &Value::Null });
            let (status, body) = server.call(method, &url, Some(TOKEN)).await;
            let at = format!("{} {url}", method.to_uppercase());
            let unrouted = status == StatusCode::NOT_FOUND && body["error"] == "not_found";
            if documented && (unrouted || status == StatusCode::METHOD_NOT_ALLOWED) {
                wrong.push(format!("{at}: documented, but answered {status} {body}"));
            }
            let refused = status == StatusCode::METHOD_NOT_ALLOWED
                && (method == "head" || body["error"] == "method_not_allowed");
            if !documented && !refused {
                wrong.push(format!(
                    "{at}: not documented, but answered {status} {body}"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A `405` names in `Allow` exactly the methods the document lists for
/// that path (RFC 9110 §15.5.6).
#[actix_web::test]
async fn a_405_names_the_documented_methods_in_allow() {
    let server = start().await;
    let doc = document();
    let mut wrong = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let documented: BTreeSet<String> = item
            .as_object()
            .unwrap()
            .keys()
            .map(|m| m.to_uppercase())
            .collect();
        let url = filled(path);
        for method in METHODS.into_iter().chain(OTHER_METHODS) {
            if documented.contains(&method.to_uppercase()) {
                continue;
            }
            let (status, _, allow) = server.call_with_allow(method, &url, Some(TOKEN)).await;
            let allowed: BTreeSet<String> = allow
                .iter()
                .flat_map(|a| a.split(','))
                .map(|m| m.trim().to_string())
                .collect();
            if status != StatusCode::METHOD_NOT_ALLOWED || allowed != documented {
                wrong.push(format!(
                    "{} {url}: {status}, Allow {allow:?}, documented {documented:?}",
                    method.to_uppercase()
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// No path beside a documented one is routed: each path a documented one
/// extends, and each one segment longer, answers `404 not_found` to every
/// method unless the document lists it.
#[actix_web::test]
async fn no_route_is_served_beside_the_documented_ones() {
    let server = start().await;
    let doc = document();
    let documented: BTreeSet<&String> = doc["paths"].as_object().unwrap().keys().collect();
    let mut near = BTreeSet::new();
    for path in &documented {
        let segments: Vec<&str> = path.split('/').collect();
        for end in 1..segments.len() {
            near.insert(segments[..end].join("/"));
        }
        near.insert(format!("{path}/x"));
        near.insert(format!("{path}/{{user}}"));
    }
    let mut wrong = Vec::new();
    // A documented pattern matches the path: same segments, a `{name}` one
    // matching any.
    let matches = |pattern: &str, path: &str| {
        let (a, b): (Vec<&str>, Vec<&str>) =
            (pattern.split('/').collect(), path.split('/').collect());
        a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| x == y || x.starts_with('{'))
    };
    let served = |path: &str| documented.iter().any(|d| matches(d, path));
    for path in near.iter().filter(|p| !served(&filled(p))) {
        let url = filled(path);
        let url = if url.is_empty() { "/".to_string() } else { url };
        for method in METHODS {
            let (status, body) = server.call(method, &url, Some(TOKEN)).await;
            if status != StatusCode::NOT_FOUND || body["error"] != "not_found" {
                wrong.push(format!("{} {url}: {status} {body}", method.to_uppercase()));
            }
        }
    }
    assert!(near.len() > 40, "too few paths probed: {near:?}");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[actix_web::test]
async fn the_documented_security_is_what_the_server_asks() {
    let server = start().await;
    let doc = document();
    let mut wrong = Vec::new();
    for (path, method) in operations(&doc) {
        let op = &doc["paths"][&path][&method];
        let schemes: Vec<&str> = op["security"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r.as_object().unwrap().keys().map(String::as_str))
            .collect();
        let url = example_url(&path, op);
        let at = format!("{} {url}", method.to_uppercase());
        let (without, _) = server.call(&method, &url, None).await;
        if (without == StatusCode::UNAUTHORIZED) == schemes.is_empty() {
            wrong.push(format!(
                "{at}: schemes {schemes:?}, without a token {without}"
            ));
        }
        if !schemes.is_empty() {
            let (check, _) = server.call(&method, &url, Some(CHECK_TOKEN)).await;
            if (check == StatusCode::FORBIDDEN) == schemes.contains(&"check_token") {
                wrong.push(format!("{at}: schemes {schemes:?}, check token {check}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[actix_web::test]
async fn get_openapi_json_serves_the_document_without_a_token() {
    let server = start().await;
    let (status, body) = server.call("get", "/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, document());
}
