#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The OpenAPI document against the code: `docs/openapi.json` is up to
//! date, the document lists exactly the routes the server serves (the live
//! server for what it lists, the route table's source for what it might
//! miss), and `GET /openapi.json` serves it without a token.

use std::collections::BTreeSet;
use std::path::Path;

use gatehouse::config::Config;
use gatehouse::http::openapi;
use gatehouse::startup::Application;
use reqwest::header::AUTHORIZATION;
use reqwest::{Method, StatusCode};
use serde_json::Value;

const TOKEN: &str = "t";
const CHECK_TOKEN: &str = "c";
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

/// The routes registered in `src/http/routes/mod.rs` (statements behind a
/// `#[cfg(...)]`, such as the fault-injection routes, left out).
fn route_table() -> BTreeSet<(String, String)> {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http/routes/mod.rs");
    let mut source = std::fs::read_to_string(file).unwrap();
    while let Some(start) = source.find("#[cfg(") {
        let end = source[start..]
            .find(';')
            .map_or(source.len(), |e| start + e + 1);
        source.replace_range(start..end, "");
    }
    // Each `fn name(cfg …)` body, and the scope prefix it is mounted under
    // (`web::scope("/prefix").configure(name)`, nested scopes included).
    let mut mounts: Vec<(String, String)> = Vec::new(); // (fn name, scope)
    for chunk in source.split("web::scope(\"").skip(1) {
        let scope = chunk.split('"').next().unwrap().to_string();
        let name = chunk
            .split(".configure(")
            .nth(1)
            .map(|r| {
                r.chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect()
            })
            .unwrap_or_default();
        mounts.push((name, scope));
    }
    let prefix_of = |function: &str| {
        let mut prefix = String::new();
        let mut f = function.to_string();
        // Walk up: which function mounts `f`, under which scope.
        while let Some((_, scope)) = mounts.iter().find(|(n, _)| *n == f) {
            prefix = format!("{scope}{prefix}");
            let Some(at) = source.find(&format!("configure({f})")) else {
                break;
            };
            let before = &source[..at];
            let parent = before
                .rfind("\nfn ")
                .or_else(|| before.rfind("\npub fn "))
                .map(|i| {
                    let rest = before[i..].trim_start_matches('\n');
                    let rest = rest.trim_start_matches("pub ").trim_start_matches("fn ");
                    rest.chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect::<String>()
                })
                .unwrap_or_default();
            if parent == f {
                break;
            }
            f = parent;
        }
        prefix
    };
    // Each `resource("<path>")` and the `web::<method>()` that follow it.
    let mut routes = BTreeSet::new();
    let functions = source
        .split("\nfn ")
        .skip(1)
        .chain(source.split("\npub fn ").skip(1));
    for function in functions {
        let name: String = function
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let body = function.split("\n}\n").next().unwrap();
        let prefix = prefix_of(&name);
        for chunk in body.split("resource(\"").skip(1) {
            let path = format!("{prefix}{}", chunk.split('"').next().unwrap());
            let stop = chunk.find("resource(").unwrap_or(chunk.len());
            for method in METHODS {
                // `read(handler)` is a `GET` route (routes/mod.rs).
                let read = method == "get" && chunk[..stop].contains(".route(read(");
                if read || chunk[..stop].contains(&format!("web::{method}()")) {
                    routes.insert((path.clone(), method.to_string()));
                }
            }
        }
    }
    assert!(routes.len() > 20, "could not read the route table");
    routes
}

#[test]
fn document_lists_the_route_table() {
    let documented = operations(&document());
    let served = route_table();
    let missing: Vec<_> = served.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&served).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "served but not documented: {missing:?}; documented but not served: {extra:?}"
    );
}

struct Server {
    base: String,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
}

async fn start() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Config::new(dir.path().to_path_buf());
    c.addr = "127.0.0.1:0".into();
    c.admin_token = Some(TOKEN.into());
    c.check_token = Some(CHECK_TOKEN.into());
    c.snapshot_interval = 0;
    let app = Application::build(c).await.unwrap();
    let port = app.port();
    actix_web::rt::spawn(app.run_until_stopped());
    Server {
        base: format!("http://127.0.0.1:{port}"),
        client: reqwest::Client::new(),
        _dir: dir,
    }
}

impl Server {
    async fn call(&self, method: &str, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let bytes = response.bytes().await.unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
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
