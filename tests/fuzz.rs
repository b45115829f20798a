#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Robustness of the HTTP front (SPEC §2) against hostile and malformed
//! input, spoken over raw HTTP/1.1 sockets so that every byte is ours: odd
//! methods, invalid percent-encoding, dot segments, huge queries, broken or
//! enormous bodies, wrong tokens.
//!
//! The fuzz test is seeded (`GATEHOUSE_FUZZ_SEED` overrides the fixed seed);
//! each request is generated from the seed and its index alone, so a failure
//! names both and the request can be rebuilt.

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use gatehouse::config::Config;
use gatehouse::startup::Application;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::Value;

const ADMIN: &str = "admin-secret";
const CHECK: &str = "check-secret";
const MIB: usize = 1 << 20;

/// The fixed seed; `GATEHOUSE_FUZZ_SEED` (decimal or 0x-hex) overrides it.
const SEED: u64 = 0x6a7e_4045_5eed_2026;
/// How many random requests the fuzz test sends.
const REQUESTS: u64 = 4000;
/// Client threads sending them (the server has its own worker threads).
const CLIENTS: u64 = 4;

// ---------------------------------------------------------------------------
// The server and a raw HTTP/1.1 client
// ---------------------------------------------------------------------------

async fn start() -> (u16, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().to_path_buf());
    config.addr = "127.0.0.1:0".to_string();
    config.admin_token = Some(ADMIN.into());
    config.check_token = Some(CHECK.into());
    config.snapshot_interval = 0;
    let app = Application::build(config).await.unwrap();
    let port = app.port();
    actix_web::rt::spawn(app.run_until_stopped());
    (port, dir)
}

/// Runs blocking socket code off the test's (single-threaded) runtime.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    match actix_web::rt::task::spawn_blocking(f).await {
        Ok(value) => value,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("blocking task failed: {e}"),
    }
}

/// One request as it goes on the wire (always `Connection: close`).
#[derive(Clone, Debug)]
struct Request {
    method: String,
    /// Path and query, exactly as sent.
    target: String,
    headers: Vec<(String, Vec<u8>)>,
    /// `None`: no body and no `Content-Length`.
    body: Option<Vec<u8>>,
    /// Send the body with `Transfer-Encoding: chunked`.
    chunked: bool,
}

impl Request {
    fn new(method: &str, target: impl Into<String>) -> Request {
        Request {
            method: method.to_string(),
            target: target.into(),
            headers: Vec::new(),
            body: None,
            chunked: false,
        }
    }

    fn header(mut self, name: &str, value: impl Into<Vec<u8>>) -> Request {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    fn bearer(self, token: &str) -> Request {
        self.header("Authorization", format!("Bearer {token}"))
    }

    fn admin(self) -> Request {
        self.bearer(ADMIN)
    }

    fn json(self, body: impl Into<Vec<u8>>) -> Request {
        let mut r = self.header("Content-Type", "application/json");
        r.body = Some(body.into());
        r
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = format!(
            "{} {} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n",
            self.method, self.target
        )
        .into_bytes();
        for (name, value) in &self.headers {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
        match (&self.body, self.chunked) {
            (None, _) => out.extend_from_slice(b"\r\n"),
            (Some(body), false) => {
                out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
                out.extend_from_slice(body);
            }
            (Some(body), true) => {
                out.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
                for chunk in body.chunks(7919) {
                    out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                    out.extend_from_slice(chunk);
                    out.extend_from_slice(b"\r\n");
                }
                out.extend_from_slice(b"0\r\n\r\n");
            }
        }
        out
    }

    /// A short human description for failure messages.
    fn describe(&self) -> String {
        let cut = |b: &[u8], n: usize| {
            let text = String::from_utf8_lossy(&b[..b.len().min(n)]).into_owned();
            if b.len() > n {
                format!("{text}… ({} bytes)", b.len())
            } else {
                text
            }
        };
        let headers: Vec<String> = self
            .headers
            .iter()
            .map(|(n, v)| format!("{n}: {}", cut(v, 80)))
            .collect();
        format!(
            "{} {} headers {:?} {}body {:?}",
            self.method,
            cut(self.target.as_bytes(), 300),
            headers,
            if self.chunked { "chunked " } else { "" },
            self.body.as_deref().map(|b| cut(b, 300)),
        )
    }
}

#[derive(Clone, Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body[..self.body.len().min(500)]).into_owned()
    }

    /// `Some(code)` when the body is `{"error": code, "message": sentence}`.
    fn error_code(&self) -> Option<String> {
        let body = self.json()?;
        body["message"].as_str()?;
        body["error"].as_str().map(str::to_string)
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn connect(port: u16) -> io::Result<TcpStream> {
    let stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    stream.set_write_timeout(Some(Duration::from_secs(30)))?;
    Ok(stream)
}

/// Sends raw bytes and reads one response. A write error is forgiven when
/// the server answered anyway (it may answer early, e.g. 413, and stop
/// reading).
fn send_raw(port: u16, bytes: &[u8], head_only: bool) -> io::Result<Response> {
    let mut stream = connect(port)?;
    let written = stream.write_all(bytes);
    match (read_response(&mut stream, head_only), written) {
        (Ok(response), _) => Ok(response),
        (Err(e), Ok(())) => Err(e),
        (Err(read), Err(write)) => Err(io::Error::new(
            write.kind(),
            format!("write failed ({write}), then read failed ({read})"),
        )),
    }
}

fn send(port: u16, request: &Request) -> io::Result<Response> {
    send_raw(port, &request.bytes(), request.method == "HEAD")
}

fn read_response(stream: &mut impl Read, head_only: bool) -> io::Result<Response> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(end) = find(&buf, b"\r\n\r\n") {
            break end;
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "connection closed after {} bytes, before a full response head: {:?}",
                    buf.len(),
                    String::from_utf8_lossy(&buf)
                ),
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default().to_string();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("bad status line {status_line:?}"),
            )
        })?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| {
            let (name, value) = line.split_once(':')?;
            Some((name.trim().to_ascii_lowercase(), value.trim().to_string()))
        })
        .collect();
    let mut response = Response {
        status,
        headers,
        body: buf[head_end + 4..].to_vec(),
    };
    if head_only || status == 204 || status == 304 || status < 200 {
        response.body.clear();
        return Ok(response);
    }
    if response
        .header("transfer-encoding")
        .is_some_and(|te| te.to_ascii_lowercase().contains("chunked"))
    {
        stream.read_to_end(&mut response.body)?;
        response.body = dechunk(&response.body)?;
    } else if let Some(length) = response
        .header("content-length")
        .and_then(|v| v.parse::<usize>().ok())
    {
        while response.body.len() < length {
            let n = stream.read(&mut chunk)?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("body cut short: {} of {length} bytes", response.body.len()),
                ));
            }
            response.body.extend_from_slice(&chunk[..n]);
        }
        response.body.truncate(length);
    } else {
        stream.read_to_end(&mut response.body)?;
    }
    Ok(response)
}

fn dechunk(mut raw: &[u8]) -> io::Result<Vec<u8>> {
    let bad = || io::Error::new(io::ErrorKind::InvalidData, "bad chunked body");
    let mut out = Vec::new();
    loop {
        let line_end = find(raw, b"\r\n").ok_or_else(bad)?;
        let size_text = String::from_utf8_lossy(&raw[..line_end]);
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| bad())?;
        raw = &raw[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        if raw.len() < size + 2 {
            return Err(bad());
        }
        out.extend_from_slice(&raw[..size]);
        raw = &raw[size + 2..];
    }
}

/// An admin request that must succeed (2xx), for building state.
fn must(port: u16, method: &str, path: &str, body: Option<&str>) -> Response {
    let mut request = Request::new(method, path).admin();
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = send(port, &request).unwrap();
    assert!(
        (200..300).contains(&response.status),
        "setup {method} {path} {body:?}: {} {}",
        response.status,
        response.text()
    );
    response
}

fn health(port: u16) -> Response {
    send(port, &Request::new("GET", "/health")).expect("GET /health")
}

// ---------------------------------------------------------------------------
// The reference org: built before fuzzing, never validly written to
// ---------------------------------------------------------------------------

const REF_ORG: &str = "ref-org";
const REF_EVENTS: [&str; 2] = ["ref-ev", "ref-ev2"];
const REF_USERS: [&str; 8] = [
    "alice", "bob", "carol", "dave", "erin", "frank", "gina", "nobody",
];

fn build_reference(port: u16) {
    let o = format!("/v1/orgs/{REF_ORG}");
    let e = format!("{o}/events/ref-ev");
    must(port, "PUT", &o, Some(r#"{"kind":"team"}"#));
    must(
        port,
        "PUT",
        &format!("{o}/licenses"),
        Some(r#"{"org_standard":3,"org_pro":2,"event_pro":3}"#),
    );
    for (user, license) in [
        ("alice", r#"{"license":"org_standard"}"#),
        ("bob", r#"{"license":"org_pro"}"#),
        ("carol", r#"{"license":null}"#),
    ] {
        must(port, "PUT", &format!("{o}/members/{user}"), Some(license));
    }
    must(port, "PUT", &e, Some(r#"{"name":"Reference night"}"#));
    must(port, "PUT", &format!("{o}/events/ref-ev2"), None);
    must(
        port,
        "PUT",
        &format!("{e}/collaborators/band"),
        Some(r#"{"name":"The Band"}"#),
    );
    must(port, "PUT", &format!("{e}/areas/main-stage"), None);
    for user in ["dave", "erin"] {
        must(port, "PUT", &format!("{e}/slots/{user}"), None);
    }
    must(
        port,
        "PUT",
        &format!("{o}/events/ref-ev2/slots/alice"),
        None,
    );
    must(
        port,
        "PUT",
        &format!("{e}/collaborators/band/users/frank"),
        None,
    );
    must(
        port,
        "PUT",
        &format!("{e}/collaborators/band/users/gina"),
        Some(r#"{"permissions":["Collaborator.View","Collaborator.FileUpload"]}"#),
    );
    for grant in [
        "dave/grants/Event.Admin",
        "erin/grants/Area.FileUpload?area=main-stage",
        "frank/grants/Collaborator.ScheduleEdit?collaborator=band",
        "alice/grants/Event.View",
        "carol/grants/Event.FileUpload",
    ] {
        must(port, "PUT", &format!("{e}/users/{grant}"), None);
    }
}

/// Every read of the reference org, in a fixed order: (what, status, body).
fn reference_views(port: u16) -> Vec<(String, u16, Vec<u8>)> {
    let o = format!("/v1/orgs/{REF_ORG}");
    let mut reads = vec![o.clone(), format!("{o}/members"), format!("{o}/events")];
    for event in REF_EVENTS {
        reads.push(format!("{o}/events/{event}"));
        for user in REF_USERS {
            reads.push(format!("{o}/events/{event}/users/{user}"));
            reads.push(format!(
                "{o}/events/{event}/check?user={user}&permission=Collaborator.AdvanceEdit&collaborator=band"
            ));
        }
    }
    for user in REF_USERS {
        reads.push(format!("{o}/members/{user}"));
        reads.push(format!("{o}/users/{user}/events"));
        reads.push(format!("{o}/access?user={user}"));
    }
    let mut views: Vec<(String, u16, Vec<u8>)> = reads
        .into_iter()
        .map(|path| {
            let r = send(port, &Request::new("GET", path.clone()).admin()).unwrap();
            (format!("GET {path}"), r.status, r.body)
        })
        .collect();
    let mut checks = Vec::new();
    for event in REF_EVENTS {
        for user in REF_USERS {
            for (permission, scope) in [
                ("Event.Update", ""),
                ("Area.ScheduleEdit", r#","area":"main-stage""#),
                ("Collaborator.FileView", r#","collaborator":"band""#),
            ] {
                checks.push(format!(
                    r#"{{"event":"{event}","user":"{user}","permission":"{permission}"{scope}}}"#
                ));
            }
        }
    }
    let batch = format!(r#"{{"checks":[{}]}}"#, checks.join(","));
    let r = send(
        port,
        &Request::new("POST", format!("{o}/check"))
            .bearer(CHECK)
            .json(batch),
    )
    .unwrap();
    views.push((format!("POST {o}/check"), r.status, r.body));
    views
}

// ---------------------------------------------------------------------------
// The request generator
// ---------------------------------------------------------------------------

const METHODS: [&str; 7] = ["GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Route {
    Health,
    Permissions,
    Snapshot,
    Org,
    Licenses,
    Members,
    Member,
    Access,
    Batch,
    UserEvents,
    Events,
    Event,
    Collaborator,
    Area,
    Slot,
    Attachment,
    Grant,
    EventUser,
    Check,
    Unknown,
}

struct RouteSpec {
    route: Route,
    template: &'static str,
    reads: &'static [&'static str],
    writes: &'static [&'static str],
    weight: u32,
}

const E: &str = "/v1/orgs/{org}/events/{event}";

/// Every route of SPEC §2 (and a few that do not exist). `{E}` stands for
/// the event prefix.
const ROUTES: &[RouteSpec] = &[
    RouteSpec {
        route: Route::Health,
        template: "/health",
        reads: &["GET"],
        writes: &[],
        weight: 2,
    },
    RouteSpec {
        route: Route::Permissions,
        template: "/v1/permissions",
        reads: &["GET"],
        writes: &[],
        weight: 2,
    },
    RouteSpec {
        route: Route::Snapshot,
        template: "/v1/admin/snapshot",
        reads: &[],
        writes: &["POST"],
        weight: 1,
    },
    RouteSpec {
        route: Route::Org,
        template: "/v1/orgs/{org}",
        reads: &["GET"],
        writes: &["PUT"],
        weight: 6,
    },
    RouteSpec {
        route: Route::Licenses,
        template: "/v1/orgs/{org}/licenses",
        reads: &[],
        writes: &["PUT"],
        weight: 7,
    },
    RouteSpec {
        route: Route::Members,
        template: "/v1/orgs/{org}/members",
        reads: &["GET"],
        writes: &[],
        weight: 3,
    },
    RouteSpec {
        route: Route::Member,
        template: "/v1/orgs/{org}/members/{user}",
        reads: &["GET"],
        writes: &["PUT", "DELETE"],
        weight: 7,
    },
    RouteSpec {
        route: Route::Access,
        template: "/v1/orgs/{org}/access",
        reads: &["GET"],
        writes: &[],
        weight: 4,
    },
    RouteSpec {
        route: Route::Batch,
        template: "/v1/orgs/{org}/check",
        reads: &["POST"],
        writes: &[],
        weight: 7,
    },
    RouteSpec {
        route: Route::UserEvents,
        template: "/v1/orgs/{org}/users/{user}/events",
        reads: &["GET"],
        writes: &[],
        weight: 3,
    },
    RouteSpec {
        route: Route::Events,
        template: "/v1/orgs/{org}/events",
        reads: &["GET"],
        writes: &[],
        weight: 3,
    },
    RouteSpec {
        route: Route::Event,
        template: "{E}",
        reads: &["GET"],
        writes: &["PUT", "DELETE"],
        weight: 6,
    },
    RouteSpec {
        route: Route::Collaborator,
        template: "{E}/collaborators/{c}",
        reads: &[],
        writes: &["PUT", "DELETE"],
        weight: 5,
    },
    RouteSpec {
        route: Route::Area,
        template: "{E}/areas/{a}",
        reads: &[],
        writes: &["PUT", "DELETE"],
        weight: 5,
    },
    RouteSpec {
        route: Route::Slot,
        template: "{E}/slots/{user}",
        reads: &[],
        writes: &["PUT", "DELETE"],
        weight: 7,
    },
    RouteSpec {
        route: Route::Attachment,
        template: "{E}/collaborators/{c}/users/{user}",
        reads: &[],
        writes: &["PUT", "DELETE"],
        weight: 6,
    },
    RouteSpec {
        route: Route::Grant,
        template: "{E}/users/{user}/grants/{perm}",
        reads: &[],
        writes: &["PUT", "DELETE"],
        weight: 7,
    },
    RouteSpec {
        route: Route::EventUser,
        template: "{E}/users/{user}",
        reads: &["GET"],
        writes: &[],
        weight: 4,
    },
    RouteSpec {
        route: Route::Check,
        template: "{E}/check",
        reads: &["GET"],
        writes: &[],
        weight: 7,
    },
    RouteSpec {
        route: Route::Unknown,
        template: "/",
        reads: &[],
        writes: &[],
        weight: 1,
    },
    RouteSpec {
        route: Route::Unknown,
        template: "/v1/orgs",
        reads: &[],
        writes: &[],
        weight: 1,
    },
    RouteSpec {
        route: Route::Unknown,
        template: "/v1/orgs/{org}/nothing",
        reads: &[],
        writes: &[],
        weight: 1,
    },
    RouteSpec {
        route: Route::Unknown,
        template: "{E}/slots",
        reads: &[],
        writes: &[],
        weight: 1,
    },
    RouteSpec {
        route: Route::Unknown,
        template: "{E}/users/{user}/grants",
        reads: &[],
        writes: &[],
        weight: 1,
    },
    RouteSpec {
        route: Route::Unknown,
        template: "/health/",
        reads: &[],
        writes: &[],
        weight: 1,
    },
    RouteSpec {
        route: Route::Unknown,
        template: "/v1/permissions/{perm}",
        reads: &[],
        writes: &[],
        weight: 1,
    },
    RouteSpec {
        route: Route::Unknown,
        template: "/V1/orgs/{org}",
        reads: &[],
        writes: &[],
        weight: 1,
    },
];

/// Paths served without a token.
const PUBLIC: [&str; 3] = ["/health", "/metrics", "/openapi.json"];

const PERMISSIONS: [&str; 19] = [
    "Event.Admin",
    "Event.View",
    "Event.Update",
    "Event.ScheduleView",
    "Event.ScheduleEdit",
    "Event.FileView",
    "Event.FileUpload",
    "Collaborator.View",
    "Collaborator.AdvanceView",
    "Collaborator.AdvanceEdit",
    "Collaborator.ScheduleView",
    "Collaborator.ScheduleEdit",
    "Collaborator.FileView",
    "Collaborator.FileUpload",
    "Area.View",
    "Area.ScheduleView",
    "Area.ScheduleEdit",
    "Area.FileView",
    "Area.FileUpload",
];

/// Path segments that are never a valid id (as sent, percent-encoded).
fn invalid_segment(rng: &mut StdRng) -> String {
    const FIXED: &[&str] = &[
        "",
        "%00",
        "a%00b",
        "..",
        ".",
        "...",
        "%2E%2E",
        "%2e",
        "%2F",
        "a%2Fb",
        "%FF%FE",
        "%C3%28",
        "%E2%82",
        "%F0%9F%8E%89",
        "caf%C3%A9",
        "%20",
        "a%20b",
        "%25",
        "%",
        "%zz",
        "a%",
        "a;b",
        "a,b",
        "~x",
        "a'b",
        "%3F",
        "%23",
        "*",
        "!",
        "a=b",
        "(x)",
        "a%09b",
        "%0D%0A",
        "a{b}",
        "a|b",
        "a%22b",
    ];
    match rng.gen_range(0..10) {
        0 => "a".repeat(rng.gen_range(129..400)),
        1 => "%F0%9F%8E%89".repeat(rng.gen_range(1..40)),
        _ => FIXED.choose(rng).unwrap().to_string(),
    }
}

/// Valid ids that are merely unusual.
const ODD_VALID: &[&str] = &["a.b", "x:y@z+-", "1", "-", "..a", "+", "@", "a..b", "_"];

fn valid_segment(rng: &mut StdRng, pool: &[&str]) -> String {
    match rng.gen_range(0..20) {
        0 => "A".repeat(128),
        1 => ODD_VALID.choose(rng).unwrap().to_string(),
        _ => pool.choose(rng).unwrap().to_string(),
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Token {
    None,
    Wrong,
    Check,
    Admin,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Expect {
    /// Exactly this status and error code.
    Error(u16, &'static str),
    /// Any refusal (4xx).
    Refused(&'static str),
    /// Anything but a 5xx.
    Any,
}

struct Case {
    request: Request,
    expect: Expect,
    /// The number of checks sent to the batch route (to compare with the
    /// results), when the body is a well-formed batch.
    batch_items: Option<usize>,
}

/// The parts of a request before it is put on the wire.
struct Draft {
    spec: &'static RouteSpec,
    method: String,
    org: String,
    /// Segments in template order after `{org}`: (placeholder, text, valid).
    segments: Vec<(&'static str, String, bool)>,
    org_valid: bool,
    query: Option<String>,
    query_invalid: bool,
    token: Token,
    wrong_header: String,
    body: Option<Vec<u8>>,
    body_invalid: bool,
    batch_items: Option<usize>,
    chunked: bool,
    content_type: Option<&'static str>,
    extra_headers: Vec<(String, Vec<u8>)>,
}

impl Draft {
    fn path(&self) -> String {
        let template = self.spec.template.replace("{E}", E);
        let mut out = String::new();
        let mut rest = template.as_str();
        let mut segments = self.segments.iter();
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let close = open + rest[open..].find('}').unwrap();
            let name = &rest[open..=close];
            if name == "{org}" {
                out.push_str(&self.org);
            } else {
                out.push_str(&segments.next().unwrap().1);
            }
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        out
    }

    /// Whether the route table can match this path: every placeholder is a
    /// non-empty segment.
    fn routable(&self) -> bool {
        let org_ok = !self.spec.template.contains("{org}") && !self.spec.template.contains("{E}")
            || !self.org.is_empty();
        org_ok && self.segments.iter().all(|(_, s, _)| !s.is_empty())
    }

    fn has_org(&self) -> bool {
        self.spec.template.contains("{org}") || self.spec.template.contains("{E}")
    }

    fn is_read(&self) -> bool {
        self.spec.reads.contains(&self.method.as_str())
    }

    fn is_write(&self) -> bool {
        self.spec.writes.contains(&self.method.as_str())
    }

    fn consumes_body(&self) -> bool {
        matches!(
            (self.spec.route, self.method.as_str()),
            (
                Route::Org
                    | Route::Licenses
                    | Route::Member
                    | Route::Event
                    | Route::Collaborator
                    | Route::Area
                    | Route::Attachment,
                "PUT"
            ) | (Route::Batch, "POST")
        )
    }

    fn expect(&self) -> Expect {
        let path = self.path();
        let public = PUBLIC.contains(&path.as_str());
        if !public && matches!(self.token, Token::None | Token::Wrong) {
            return Expect::Error(401, "unauthorized");
        }
        if self.spec.route == Route::Unknown || !self.routable() {
            return Expect::Error(404, "not_found");
        }
        if !self.is_read() && !self.is_write() {
            return Expect::Error(405, "method_not_allowed");
        }
        if self.is_write() && self.token == Token::Check {
            return Expect::Error(403, "forbidden");
        }
        if (self.has_org() && !self.org_valid) || self.segments.iter().any(|(_, _, ok)| !ok) {
            return Expect::Refused("an id in the path is invalid");
        }
        if self.consumes_body() && self.body_invalid {
            return Expect::Refused("the body is invalid");
        }
        if self.query_invalid {
            return Expect::Refused("the query is invalid");
        }
        Expect::Any
    }

    fn finish(self) -> Case {
        let expect = self.expect();
        let mut request = Request::new(&self.method, self.path());
        if let Some(query) = &self.query {
            request.target.push('?');
            request.target.push_str(query);
        }
        match self.token {
            Token::None => {}
            Token::Wrong => request = request.header("Authorization", self.wrong_header.clone()),
            Token::Check => request = request.bearer(CHECK),
            Token::Admin => request = request.admin(),
        }
        if let Some(ct) = self.content_type {
            request = request.header("Content-Type", ct);
        }
        for (n, v) in &self.extra_headers {
            request = request.header(n, v.clone());
        }
        request.body = self.body;
        request.chunked = self.chunked;
        let batch_items = match (&expect, self.spec.route, self.method.as_str()) {
            (Expect::Any, Route::Batch, "POST") => self.batch_items,
            _ => None,
        };
        Case {
            request,
            expect,
            batch_items,
        }
    }
}

fn generate(seed: u64, index: u64) -> Case {
    let mut rng = StdRng::seed_from_u64(seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let total: u32 = ROUTES.iter().map(|r| r.weight).sum();
    let mut pick = rng.gen_range(0..total);
    let spec = ROUTES
        .iter()
        .find(|r| {
            if pick < r.weight {
                true
            } else {
                pick -= r.weight;
                false
            }
        })
        .unwrap();
    let own: Vec<&str> = spec.reads.iter().chain(spec.writes).copied().collect();
    let method = if !own.is_empty() && rng.gen_bool(0.8) {
        own.choose(&mut rng).unwrap().to_string()
    } else {
        METHODS.choose(&mut rng).unwrap().to_string()
    };

    let targets_reference = rng.gen_bool(0.15);
    let (org, org_valid) = if targets_reference {
        (REF_ORG.to_string(), true)
    } else if rng.gen_bool(0.08) {
        (invalid_segment(&mut rng), false)
    } else {
        let pool = [
            "fz-team",
            "fz-team",
            "fz-team",
            "fz-pers",
            "fz-new",
            "ghost-org",
        ];
        (valid_segment(&mut rng, &pool), true)
    };

    let mut segments = Vec::new();
    let template = spec.template.replace("{E}", E);
    let mut rest = template.as_str();
    while let Some(open) = rest.find('{') {
        let close = open + rest[open..].find('}').unwrap();
        let name: &'static str = match &rest[open..=close] {
            "{org}" => "{org}",
            "{event}" => "{event}",
            "{c}" => "{c}",
            "{a}" => "{a}",
            "{user}" => "{user}",
            "{perm}" => "{perm}",
            other => panic!("unknown placeholder {other}"),
        };
        rest = &rest[close + 1..];
        if name == "{org}" {
            continue;
        }
        let (text, ok) = if rng.gen_bool(0.08) {
            (invalid_segment(&mut rng), false)
        } else {
            match name {
                "{event}" => (
                    valid_segment(
                        &mut rng,
                        &["fe1", "fe1", "fe2", "fe-new", "pe1", "ref-ev", "ghost"],
                    ),
                    true,
                ),
                "{c}" => (valid_segment(&mut rng, &["c1", "c1", "c2", "band"]), true),
                "{a}" => (
                    valid_segment(&mut rng, &["a1", "a1", "a2", "main-stage"]),
                    true,
                ),
                "{user}" => (
                    valid_segment(
                        &mut rng,
                        &["u1", "u2", "u3", "u4", "owner1", "alice", "dave", "frank"],
                    ),
                    true,
                ),
                _ => {
                    if rng.gen_bool(0.15) {
                        let bad = [
                            "Event.admin",
                            "Event",
                            "Nope.View",
                            "Event.Admin.",
                            "event.view",
                        ];
                        (bad.choose(&mut rng).unwrap().to_string(), false)
                    } else {
                        (PERMISSIONS.choose(&mut rng).unwrap().to_string(), true)
                    }
                }
            }
        };
        segments.push((name, text, ok));
    }

    let (query, query_invalid) = query_for(&mut rng, spec.route);
    let token = match rng.gen_range(0..20) {
        0..=13 => Token::Admin,
        14..=16 => Token::Check,
        17 => Token::None,
        _ => Token::Wrong,
    };
    let wrong_header = [
        "Bearer wrong-token",
        "Basic YWRtaW4tc2VjcmV0",
        "admin-secret",
        "Bearer  admin-secret",
        "Bearer admin-secre",
        "Bearer check-secretx",
        "Bearer ",
        "Bearer",
        "Token admin-secret",
        "Bearer ADMIN-SECRET",
    ]
    .choose(&mut rng)
    .unwrap()
    .to_string();

    let mut draft = Draft {
        spec,
        method,
        org,
        segments,
        org_valid,
        query,
        query_invalid,
        token,
        wrong_header,
        body: None,
        body_invalid: false,
        batch_items: None,
        chunked: false,
        content_type: None,
        extra_headers: Vec::new(),
    };
    let (body, body_invalid, batch_items) = body_for(&mut rng, &draft);
    draft.body = body;
    draft.body_invalid = body_invalid;
    draft.batch_items = batch_items;
    draft.chunked = draft.body.is_some() && rng.gen_bool(0.1);
    draft.content_type = *[
        None,
        Some("application/json"),
        Some("application/json"),
        Some("application/json"),
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("garbage"),
        Some("application/json; charset=utf-16"),
        Some("multipart/form-data; boundary=zz"),
        Some(""),
    ]
    .choose(&mut rng)
    .unwrap();
    if rng.gen_bool(0.1) {
        let id: Vec<u8> = match rng.gen_range(0..5) {
            0 => b"abc".to_vec(),
            1 => vec![b'x'; 300],
            2 => b"\xff\xfe".to_vec(),
            3 => b"a b".to_vec(),
            _ => Vec::new(),
        };
        draft.extra_headers.push(("X-Request-Id".into(), id));
    }
    if rng.gen_bool(0.03) {
        draft
            .extra_headers
            .push(("Accept".into(), b"text/html;q=garbage".to_vec()));
    }
    if draft.body.as_ref().is_some_and(|b| !b.is_empty()) && rng.gen_bool(0.03) {
        // Not gzip at all: the body cannot be decoded.
        draft
            .extra_headers
            .push(("Content-Encoding".into(), b"gzip".to_vec()));
        draft.body_invalid = true;
    }

    // The reference org only ever gets reads and requests that are sure to
    // be refused.
    if targets_reference && !draft.is_read() && draft.expect() == Expect::Any {
        let non_org = draft.segments.len();
        let choices: Vec<u8> = [0u8, 1, 2, 3]
            .into_iter()
            .filter(|c| match c {
                2 => non_org > 0,
                3 => draft.consumes_body(),
                _ => true,
            })
            .collect();
        match choices.choose(&mut rng).unwrap() {
            0 => {
                draft.token = *[Token::None, Token::Wrong, Token::Check]
                    .choose(&mut rng)
                    .unwrap();
            }
            1 => {
                let other: Vec<&str> = METHODS
                    .iter()
                    .copied()
                    .filter(|m| !own.contains(m))
                    .collect();
                draft.method = other.choose(&mut rng).unwrap().to_string();
            }
            2 => {
                let at = rng.gen_range(0..non_org);
                let mut bad = invalid_segment(&mut rng);
                if bad.is_empty() {
                    bad = "..".into();
                }
                draft.segments[at].1 = bad;
                draft.segments[at].2 = false;
            }
            _ => {
                draft.body = Some(invalid_body(&mut rng, draft.spec.route));
                draft.body_invalid = true;
            }
        }
        assert_ne!(
            draft.expect(),
            Expect::Any,
            "generator: a request to the reference org may be accepted"
        );
    }
    draft.finish()
}

fn huge(rng: &mut StdRng) -> String {
    "q".repeat(rng.gen_range(4_000..16_000))
}

fn query_for(rng: &mut StdRng, route: Route) -> (Option<String>, bool) {
    let users = ["u1", "u2", "owner1", "alice", "dave", "nobody"];
    match route {
        Route::Access => match rng.gen_range(0..10) {
            0 => (None, true),
            1 => (Some("user=u1&user=u2".into()), true),
            2 => (Some("user=".into()), true),
            3 => (Some(format!("user={}", huge(rng))), true),
            4 => (Some("user=%FF%FE".into()), true),
            5 => (Some("user=a%00".into()), true),
            6 => (Some("&&&=".into()), true),
            7 => (
                Some(format!("user={}&extra=%ZZ", users.choose(rng).unwrap())),
                false,
            ),
            _ => (Some(format!("user={}", users.choose(rng).unwrap())), false),
        },
        Route::Check => {
            let mut parts = Vec::new();
            let mut invalid = false;
            match rng.gen_range(0..10) {
                0 => invalid = true,
                1 => {
                    parts.push(format!("user={}", invalid_segment(rng)));
                    invalid = true;
                }
                2 => {
                    parts.push("user=u1&user=u2".to_string());
                    invalid = true;
                }
                _ => parts.push(format!("user={}", users.choose(rng).unwrap())),
            }
            match rng.gen_range(0..10) {
                0 => invalid = true,
                1 => {
                    parts.push("permission=Nope.View".into());
                    invalid = true;
                }
                2 => {
                    parts.push(format!("permission={}", huge(rng)));
                    invalid = true;
                }
                _ => parts.push(format!("permission={}", PERMISSIONS.choose(rng).unwrap())),
            }
            match rng.gen_range(0..8) {
                0 => parts.push("collaborator=c1".into()),
                1 => parts.push("area=a1".into()),
                2 => parts.push("collaborator=band&area=main-stage".into()),
                3 => parts.push(format!("collaborator={}", invalid_segment(rng))),
                4 => parts.push("area=a1&area=a2".into()),
                _ => {}
            }
            parts.shuffle(rng);
            (Some(parts.join("&")), invalid)
        }
        Route::Grant => match rng.gen_range(0..12) {
            0 => (Some("collaborator=c1".into()), false),
            1 => (Some("collaborator=band".into()), false),
            2 => (Some("area=a1".into()), false),
            3 => (Some("area=main-stage".into()), false),
            4 => (Some("collaborator=c1&area=a1".into()), false),
            5 => (Some("collaborator=c1&collaborator=c2".into()), true),
            6 => (Some(format!("collaborator={}", huge(rng))), true),
            7 => (Some(format!("area={}", invalid_segment(rng))), false),
            8 => (Some("=&=".into()), false),
            _ => (None, false),
        },
        _ => match rng.gen_range(0..12) {
            0 => (Some("x=1".into()), false),
            1 => (Some(String::new()), false),
            2 => (Some("a=%FF".into()), false),
            3 => (Some(huge(rng)), false),
            4 => (Some("user=u1&user=u2".into()), false),
            _ => (None, false),
        },
    }
}

/// JSON counts, valid and not (as raw text: some are not `serde_json`
/// numbers).
const COUNTS: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "4",
    "1000000",
    "1000001",
    "2.0",
    "\"2\"",
    "true",
    "-1",
    "1e30",
    "99999999999999999999",
    "null",
    "[]",
    "{}",
    "2e0",
    "0.5",
    "-0",
];
/// Counts that are never accepted.
const BAD_COUNTS: &[&str] = &[
    "1000001",
    "2.0",
    "\"2\"",
    "true",
    "-1",
    "1e30",
    "99999999999999999999",
    "[]",
    "{}",
    "2e0",
    "0.5",
    "[1]",
    "false",
    "\"\"",
];

/// A body that no body-reading route accepts.
fn malformed(rng: &mut StdRng) -> Vec<u8> {
    match rng.gen_range(0..16) {
        0 => b"{".to_vec(),
        1 => b"{\"kind\":".to_vec(),
        2 => b"nul".to_vec(),
        3 => b"[1,2".to_vec(),
        4 => b"{\"a\":1}}".to_vec(),
        5 => b"\xef\xbb\xbf{}".to_vec(),
        6 => b"{\xff\xfe:1}".to_vec(),
        7 => b"NaN".to_vec(),
        8 => b"{} x".to_vec(),
        9 => b"\x00".to_vec(),
        10 => "[".repeat(rng.gen_range(129..12_000)).into_bytes(),
        11 => format!("{{\"checks\":{}", "[".repeat(10_000)).into_bytes(),
        12 => "{\"a\":".repeat(rng.gen_range(200..5_000)).into_bytes(),
        13 => b"{\"a\":tru}".to_vec(),
        14 => b"'single'".to_vec(),
        _ => {
            let depth = rng.gen_range(129..3_000);
            format!("{}{}", "[".repeat(depth), "]".repeat(depth)).into_bytes()
        }
    }
}

/// A body the route surely refuses.
fn invalid_body(rng: &mut StdRng, route: Route) -> Vec<u8> {
    if rng.gen_bool(0.3) {
        return malformed(rng);
    }
    let count = BAD_COUNTS.choose(rng).unwrap();
    let long = "x".repeat(100 * 1024);
    let text = match route {
        Route::Org => match rng.gen_range(0..8) {
            0 => r#"{"kind":"team","owner":"u1"}"#.to_string(),
            1 => r#"{"kind":5}"#.to_string(),
            2 => r#"{"kind":"Team"}"#.to_string(),
            3 => r#"{"kind":"personal"}"#.to_string(),
            4 => r#"{"kind":"personal","owner":"a b"}"#.to_string(),
            5 => format!(r#"{{"kind":"{long}"}}"#),
            6 => r#"{"kind":"team","kind":"team"}"#.to_string(),
            _ => "{}".to_string(),
        },
        Route::Licenses => match rng.gen_range(0..5) {
            0 => format!(r#"{{"event_pro":{count}}}"#),
            1 => format!(r#"{{"org_standard":{count}}}"#),
            2 => format!(r#"{{"org_pro":{count},"event_pro":1}}"#),
            3 => r#"{"event_pro":1,"event_pro":2}"#.to_string(),
            _ => format!(r#"{{"org_standard":1,"org_pro":1,"event_pro":{count}}}"#),
        },
        Route::Member => match rng.gen_range(0..6) {
            0 => r#"{"license":"org_gold"}"#.to_string(),
            1 => r#"{"license":"ORG_PRO"}"#.to_string(),
            2 => r#"{"license":1}"#.to_string(),
            3 => r#"{"license":{"x":1}}"#.to_string(),
            4 => format!(r#"{{"license":"{long}"}}"#),
            _ => r#"{"license":"event_pro"}"#.to_string(),
        },
        Route::Event | Route::Collaborator | Route::Area => match rng.gen_range(0..8) {
            0 => r#"{"name":5}"#.to_string(),
            1 => r#"{"name":["x"]}"#.to_string(),
            2 => r#"{"name":{"a":1}}"#.to_string(),
            3 => r#"{"name":true}"#.to_string(),
            4 => format!(r#"{{"name":"{}"}}"#, "n".repeat(1025)),
            5 => r#"{"name":"\ud800"}"#.to_string(),
            6 => "{\"name\":\"a\u{1}b\"}".to_string(),
            _ => format!(r#"{{"name":"{long}"}}"#),
        },
        Route::Attachment => match rng.gen_range(0..4) {
            0 => r#"{"permissions":"Collaborator.View"}"#.to_string(),
            1 => r#"{"permissions":[1]}"#.to_string(),
            2 => r#"{"permissions":["Nope.View"]}"#.to_string(),
            _ => r#"{"permissions":{"a":1}}"#.to_string(),
        },
        Route::Batch => match rng.gen_range(0..5) {
            0 => r#"{"checks":"x"}"#.to_string(),
            1 => r#"{"checks":5}"#.to_string(),
            2 => r#"{"checks":null}"#.to_string(),
            3 => "{}".to_string(),
            _ => {
                let n = rng.gen_range(1001..1400);
                batch(rng, n)
            }
        },
        _ => return malformed(rng),
    };
    text.into_bytes()
}

fn check_item(rng: &mut StdRng) -> String {
    let event = ["fe1", "fe2", "pe1", "ghost", "ref-ev"]
        .choose(rng)
        .unwrap();
    let user = ["u1", "u2", "owner1", "x"].choose(rng).unwrap();
    let permission = PERMISSIONS.choose(rng).unwrap();
    match rng.gen_range(0..14) {
        0 => "5".into(),
        1 => "\"x\"".into(),
        2 => "null".into(),
        3 => "[]".into(),
        4 => format!(r#"{{"event":"{event}","user":"a b","permission":"{permission}"}}"#),
        5 => format!(r#"{{"event":"{event}","user":"{user}"}}"#),
        6 => format!(r#"{{"event":"{event}","user":"{user}","permission":"Nope.View"}}"#),
        7 => format!(r#"{{"event":1,"user":"{user}","permission":"{permission}"}}"#),
        8 => format!(
            r#"{{"event":"{event}","user":"{user}","permission":"{permission}","collaborator":"c1","area":"a1"}}"#
        ),
        9 => {
            format!(r#"{{"event":"..","user":"{user}","permission":"{permission}","extra":[1,2]}}"#)
        }
        10 | 11 => format!(
            r#"{{"event":"{event}","user":"{user}","permission":"{permission}","collaborator":"c1"}}"#
        ),
        _ => format!(r#"{{"event":"{event}","user":"{user}","permission":"{permission}"}}"#),
    }
}

fn batch(rng: &mut StdRng, n: usize) -> String {
    let items: Vec<String> = (0..n).map(|_| check_item(rng)).collect();
    format!(r#"{{"checks":[{}]}}"#, items.join(","))
}

/// A body of more than 1 MiB that is otherwise valid JSON.
fn oversized(rng: &mut StdRng) -> Vec<u8> {
    let pad = "x".repeat(MIB + rng.gen_range(1..2_000));
    format!(r#"{{"kind":"team","name":"n","license":null,"pad":"{pad}"}}"#).into_bytes()
}

/// (body, surely refused by the route, checks in a well-formed batch)
fn body_for(rng: &mut StdRng, draft: &Draft) -> (Option<Vec<u8>>, bool, Option<usize>) {
    let roll = rng.gen_range(0..100);
    if roll < 2 {
        return (Some(oversized(rng)), true, None);
    }
    if roll < 10 {
        return (Some(malformed(rng)), true, None);
    }
    if roll < 22 {
        return (Some(invalid_body(rng, draft.spec.route)), true, None);
    }
    if roll < 27 {
        return (Some(Vec::new()), draft.spec.route == Route::Batch, None);
    }
    let users = ["u1", "u2", "u3", "owner1"];
    let text = match draft.spec.route {
        Route::Org => match rng.gen_range(0..5) {
            0 => format!(
                r#"{{"kind":"personal","owner":"{}"}}"#,
                users.choose(rng).unwrap()
            ),
            1 => r#"{"kind":"team","extra":[1,{"a":null}]}"#.to_string(),
            2 => r#"{"kind":"team","owner":null}"#.to_string(),
            _ => r#"{"kind":"team"}"#.to_string(),
        },
        Route::Licenses => {
            let mut fields = Vec::new();
            for pool in ["org_standard", "org_pro", "event_pro"] {
                if rng.gen_bool(0.5) {
                    fields.push(format!(r#""{pool}":{}"#, COUNTS.choose(rng).unwrap()));
                }
            }
            format!("{{{}}}", fields.join(","))
        }
        Route::Member => match rng.gen_range(0..7) {
            0 => r#"{"license":"org_standard"}"#.to_string(),
            1 => r#"{"license":"org_pro"}"#.to_string(),
            2 => r#"{"license":null}"#.to_string(),
            3 => "{}".to_string(),
            4 => "[]".to_string(),
            5 => r#"["org_pro"]"#.to_string(),
            _ => r#"{"license":"org_standard","user":"someone-else"}"#.to_string(),
        },
        Route::Event | Route::Collaborator | Route::Area => match rng.gen_range(0..7) {
            0 => r#"{"name":"Main 🎉 Stage"}"#.to_string(),
            1 => r#"{"name":""}"#.to_string(),
            2 => format!(r#"{{"name":"{}"}}"#, "n".repeat(1024)),
            3 => r#"{"name":null}"#.to_string(),
            4 => r#"{"name":"a\u0000b\n\"q\""}"#.to_string(),
            5 => "{}".to_string(),
            _ => r#"{"name":"Night"}"#.to_string(),
        },
        Route::Attachment => {
            let mut list: Vec<String> = PERMISSIONS
                .iter()
                .filter(|_| rng.gen_bool(0.2))
                .map(|p| format!("\"{p}\""))
                .collect();
            list.shuffle(rng);
            match rng.gen_range(0..4) {
                0 => r#"{"permissions":null}"#.to_string(),
                1 => r#"{"permissions":[]}"#.to_string(),
                _ => format!(r#"{{"permissions":[{}]}}"#, list.join(",")),
            }
        }
        Route::Batch => {
            let n = match rng.gen_range(0..20) {
                0 => 0,
                1 => 1000,
                2 => rng.gen_range(1001..1300),
                _ => rng.gen_range(1..30),
            };
            let text = batch(rng, n);
            return (Some(text.into_bytes()), n > 1000, Some(n));
        }
        _ => {
            if rng.gen_bool(0.5) {
                return (None, false, None);
            }
            r#"{"kind":"team","license":"org_pro","name":"x"}"#.to_string()
        }
    };
    (Some(text.into_bytes()), false, None)
}

/// What is wrong with an answer, if anything.
fn judge(case: &Case, response: &Response) -> Result<(), String> {
    let status = response.status;
    let head = case.request.method == "HEAD";
    let shown = || format!("{status} {}", response.text());
    if status >= 500 {
        return Err(format!("server error: {}", shown()));
    }
    if status == 204 && !response.body.is_empty() {
        return Err(format!("204 with a body: {}", shown()));
    }
    if !(200..300).contains(&status) {
        if !head && response.error_code().is_none() {
            return Err(format!(
                "error without a JSON {{\"error\",\"message\"}} body: {}",
                shown()
            ));
        }
    } else if !head && status != 204 && response.json().is_none() {
        return Err(format!("success without a JSON body: {}", shown()));
    }
    match &case.expect {
        Expect::Error(want, code) => {
            if status != *want || (!head && response.error_code().as_deref() != Some(code)) {
                return Err(format!("expected {want} {code}, got {}", shown()));
            }
        }
        Expect::Refused(why) => {
            if (200..300).contains(&status) {
                return Err(format!("expected a refusal ({why}), got {}", shown()));
            }
        }
        Expect::Any => {}
    }
    if let (Some(n), 200, false) = (case.batch_items, status, head) {
        let results = response
            .json()
            .and_then(|b| b["results"].as_array().map(Vec::len));
        if results != Some(n) {
            return Err(format!("{n} checks sent, {results:?} results: {}", shown()));
        }
    }
    Ok(())
}

fn seed() -> u64 {
    match std::env::var("GATEHOUSE_FUZZ_SEED") {
        Ok(s) => {
            let s = s.trim();
            s.strip_prefix("0x")
                .map_or_else(|| s.parse().ok(), |hex| u64::from_str_radix(hex, 16).ok())
                .unwrap_or_else(|| panic!("GATEHOUSE_FUZZ_SEED={s:?} is not a number"))
        }
        Err(_) => SEED,
    }
}

fn build_fuzz_orgs(port: u16) {
    must(port, "PUT", "/v1/orgs/fz-team", Some(r#"{"kind":"team"}"#));
    must(
        port,
        "PUT",
        "/v1/orgs/fz-team/licenses",
        Some(r#"{"org_standard":2,"org_pro":1,"event_pro":2}"#),
    );
    must(
        port,
        "PUT",
        "/v1/orgs/fz-team/members/u1",
        Some(r#"{"license":"org_standard"}"#),
    );
    for event in ["fe1", "fe2"] {
        must(
            port,
            "PUT",
            &format!("/v1/orgs/fz-team/events/{event}"),
            None,
        );
    }
    must(
        port,
        "PUT",
        "/v1/orgs/fz-team/events/fe1/collaborators/c1",
        None,
    );
    must(port, "PUT", "/v1/orgs/fz-team/events/fe1/areas/a1", None);
    must(port, "PUT", "/v1/orgs/fz-team/events/fe1/slots/u2", None);
    must(
        port,
        "PUT",
        "/v1/orgs/fz-pers",
        Some(r#"{"kind":"personal","owner":"owner1"}"#),
    );
    must(
        port,
        "PUT",
        "/v1/orgs/fz-pers/licenses",
        Some(r#"{"event_pro":1}"#),
    );
    must(port, "PUT", "/v1/orgs/fz-pers/events/pe1", None);
}

#[actix_web::test]
async fn fuzzed_requests_never_break_the_contract_or_the_reference_org() {
    let (port, _dir) = start().await;
    let seed = seed();
    let started = Instant::now();
    let failures = blocking(move || {
        build_reference(port);
        build_fuzz_orgs(port);
        let before = reference_views(port);
        let mut failures: Vec<String> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..CLIENTS)
                .map(|client| {
                    scope.spawn(move || {
                        let mut failures = Vec::new();
                        let mut statuses = BTreeMap::new();
                        for index in (client..REQUESTS).step_by(CLIENTS as usize) {
                            let case = generate(seed, index);
                            let problem = match send(port, &case.request) {
                                Ok(response) => {
                                    *statuses.entry(response.status).or_insert(0u32) += 1;
                                    judge(&case, &response).err()
                                }
                                Err(e) => Some(format!("no answer (did the server crash?): {e}")),
                            };
                            if let Some(problem) = problem {
                                failures.push(format!(
                                    "seed {seed:#x} index {index}: {problem}\n    request: {}",
                                    case.request.describe()
                                ));
                            }
                        }
                        (failures, statuses)
                    })
                })
                .collect();
            let mut statuses = BTreeMap::new();
            let mut failures = Vec::new();
            for worker in workers {
                let (f, s) = worker.join().unwrap();
                failures.extend(f);
                for (status, n) in s {
                    *statuses.entry(status).or_insert(0) += n;
                }
            }
            eprintln!("fuzz: answers by status: {statuses:?}");
            failures
        });
        let up = health(port);
        if up.status != 200 {
            failures.push(format!("GET /health after fuzzing: {} {}", up.status, up.text()));
        }
        let after = reference_views(port);
        for ((what, s0, b0), (_, s1, b1)) in before.iter().zip(&after) {
            if (s0, b0) != (s1, b1) {
                failures.push(format!(
                    "seed {seed:#x}: the reference org changed: {what}\n    before: {s0} {}\n    after:  {s1} {}",
                    String::from_utf8_lossy(b0),
                    String::from_utf8_lossy(b1)
                ));
            }
        }
        failures
    })
    .await;
    eprintln!(
        "fuzz: {REQUESTS} requests, seed {seed:#x}, {:.1?}",
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "{} problem(s) (seed {seed:#x}; rerun with GATEHOUSE_FUZZ_SEED={seed:#x}):\n{}",
        failures.len(),
        failures
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

// ---------------------------------------------------------------------------
// Focused tests
// ---------------------------------------------------------------------------

/// Every route that reads a body, with a body that is valid but for its size.
fn body_routes() -> Vec<(&'static str, String)> {
    let e = "/v1/orgs/big/events/e1";
    vec![
        ("PUT", "/v1/orgs/new-org".to_string()),
        ("PUT", "/v1/orgs/big/licenses".to_string()),
        ("PUT", "/v1/orgs/big/members/u1".to_string()),
        ("PUT", "/v1/orgs/big/events/e2".to_string()),
        ("PUT", format!("{e}/collaborators/c2")),
        ("PUT", format!("{e}/areas/a2")),
        ("PUT", format!("{e}/collaborators/c1/users/u2")),
        ("POST", "/v1/orgs/big/check".to_string()),
    ]
}

fn big_state(port: u16) -> Vec<(u16, Vec<u8>)> {
    [
        "/v1/orgs/big",
        "/v1/orgs/new-org",
        "/v1/orgs/big/members",
        "/v1/orgs/big/events",
        "/v1/orgs/big/events/e1",
        "/v1/orgs/big/events/e1/users/u2",
    ]
    .iter()
    .map(|path| {
        let r = send(port, &Request::new("GET", *path).admin()).unwrap();
        (r.status, r.body)
    })
    .collect()
}

#[actix_web::test]
async fn bodies_over_one_mebibyte_are_413_payload_too_large_and_change_nothing() {
    let (port, _dir) = start().await;
    blocking(move || {
        must(port, "PUT", "/v1/orgs/big", Some(r#"{"kind":"team"}"#));
        must(port, "PUT", "/v1/orgs/big/licenses", Some(r#"{"event_pro":2}"#));
        must(port, "PUT", "/v1/orgs/big/events/e1", None);
        must(port, "PUT", "/v1/orgs/big/events/e1/collaborators/c1", None);
        let before = big_state(port);
        // Valid for every route above (unknown fields are ignored) but for
        // its size.
        let body = |size: usize| {
            let head = r#"{"kind":"team","license":"org_pro","event_pro":1,"name":"n","checks":[],"pad":""#;
            let mut body = head.as_bytes().to_vec();
            body.resize(size - 2, b'x');
            body.extend_from_slice(b"\"}");
            body
        };
        for (method, path) in body_routes() {
            for chunked in [false, true] {
                let mut request = Request::new(method, path.clone()).admin().json(body(MIB + 1));
                request.chunked = chunked;
                let r = send(port, &request).unwrap();
                assert_eq!(
                    (r.status, r.error_code().as_deref()),
                    (413, Some("payload_too_large")),
                    "{method} {path} (chunked: {chunked}) with MiB + 1 bytes: {} {}",
                    r.status,
                    r.text()
                );
                assert!(
                    r.header("content-type").is_some_and(|c| c.starts_with("application/json")),
                    "413 content type: {:?}",
                    r.header("content-type")
                );
            }
        }
        assert_eq!(big_state(port), before, "a 413 request changed something");

        // Exactly 1 MiB is not over the limit.
        let r = send(
            port,
            &Request::new("PUT", "/v1/orgs/big/events/e1/areas/edge").admin().json(body(MIB)),
        )
        .unwrap();
        assert_eq!(r.status, 201, "a body of exactly 1 MiB: {}", r.text());
        assert_eq!(health(port).status, 200);
    })
    .await;
}

/// A gzip member of `len` bytes of `a`, compressed with fixed-Huffman
/// back-references (about 160:1), for a decompression bomb.
fn gzip_of_as(len: usize) -> Vec<u8> {
    struct Bits {
        out: Vec<u8>,
        acc: u32,
        n: u32,
    }
    impl Bits {
        fn push(&mut self, bit: u32) {
            self.acc |= bit << self.n;
            self.n += 1;
            if self.n == 8 {
                self.out.push(self.acc as u8);
                self.acc = 0;
                self.n = 0;
            }
        }
        /// A Huffman code, most significant bit first.
        fn code(&mut self, code: u32, len: u32) {
            for i in (0..len).rev() {
                self.push((code >> i) & 1);
            }
        }
    }
    assert!(len >= 1 && (len - 1) % 258 == 0, "1 + 258·k bytes");
    let mut bits = Bits {
        out: vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff],
        acc: 0,
        n: 0,
    };
    bits.push(1); // BFINAL
    bits.push(1); // BTYPE = 01, fixed Huffman (LSB first)
    bits.push(0);
    bits.code(0x30 + u32::from(b'a'), 8); // literal 'a'
    for _ in 0..(len - 1) / 258 {
        bits.code(0xC5, 8); // length code 285: 258 bytes
        bits.code(0, 5); // distance code 0: 1 byte back
    }
    bits.code(0, 7); // end of block
    if bits.n > 0 {
        bits.out.push(bits.acc as u8);
    }
    let mut crc = crc32fast::Hasher::new();
    let block = vec![b'a'; 1 << 16];
    let mut left = len;
    while left > 0 {
        let n = left.min(block.len());
        crc.update(&block[..n]);
        left -= n;
    }
    let mut out = bits.out;
    out.extend_from_slice(&crc.finalize().to_le_bytes());
    out.extend_from_slice(&(len as u32).to_le_bytes());
    out
}

#[actix_web::test]
async fn a_gzip_body_that_inflates_past_one_mebibyte_is_refused() {
    let (port, _dir) = start().await;
    blocking(move || {
        must(port, "PUT", "/v1/orgs/big", Some(r#"{"kind":"team"}"#));
        // 1 + 258·65,000 bytes ≈ 16 MiB from about 100 KiB on the wire.
        let bomb = gzip_of_as(1 + 258 * 65_000);
        assert!(bomb.len() < 200 * 1024);
        for (method, path) in body_routes() {
            let request = Request::new(method, path.clone())
                .admin()
                .header("Content-Encoding", "gzip")
                .json(bomb.clone());
            let started = Instant::now();
            let r = send(port, &request).unwrap();
            assert!(
                r.status == 413 && r.error_code().as_deref() == Some("payload_too_large"),
                "{method} {path} with a gzip bomb: {} {}",
                r.status,
                r.text()
            );
            assert!(started.elapsed() < Duration::from_secs(10));
        }
        assert_eq!(health(port).status, 200);
    })
    .await;
}

#[actix_web::test]
async fn bodies_of_the_wrong_json_type_are_400_bad_request() {
    // serde reads a JSON array as a struct's fields in order; SPEC §2 makes
    // a body of the wrong type a 400 bad_request that changes nothing.
    let (port, _dir) = start().await;
    blocking(move || {
        must(port, "PUT", "/v1/orgs/acme", Some(r#"{"kind":"team"}"#));
        must(
            port,
            "PUT",
            "/v1/orgs/acme/licenses",
            Some(r#"{"event_pro":1}"#),
        );
        must(port, "PUT", "/v1/orgs/acme/events/e1", None);
        must(
            port,
            "PUT",
            "/v1/orgs/acme/events/e1/collaborators/c1",
            None,
        );
        let state = |port| {
            [
                "/v1/orgs/acme",
                "/v1/orgs/arr",
                "/v1/orgs/acme/members",
                "/v1/orgs/acme/events",
                "/v1/orgs/acme/events/e1",
                "/v1/orgs/acme/events/e1/users/u1",
            ]
            .map(|p| send(port, &Request::new("GET", p).admin()).unwrap().body)
        };
        let before = state(port);
        let mut wrong = Vec::new();
        for (method, path, body) in [
            ("PUT", "/v1/orgs/arr", r#"["team",null]"#),
            ("PUT", "/v1/orgs/arr", r#""team""#),
            ("PUT", "/v1/orgs/acme/licenses", "[null,null,5]"),
            ("PUT", "/v1/orgs/acme/licenses", "5"),
            ("PUT", "/v1/orgs/acme/members/u1", "[]"),
            ("PUT", "/v1/orgs/acme/members/u1", r#"["org_standard"]"#),
            ("PUT", "/v1/orgs/acme/members/u1", "true"),
            ("PUT", "/v1/orgs/acme/events/e1", r#"["renamed"]"#),
            ("PUT", "/v1/orgs/acme/events/e2", "[null]"),
            ("PUT", "/v1/orgs/acme/events/e1/areas/a1", r#"["x"]"#),
            ("PUT", "/v1/orgs/acme/events/e1/collaborators/c2", "[null]"),
            (
                "PUT",
                "/v1/orgs/acme/events/e1/collaborators/c1/users/u1",
                "[null]",
            ),
            ("POST", "/v1/orgs/acme/check", "[[]]"),
        ] {
            let r = send(port, &Request::new(method, path).admin().json(body)).unwrap();
            if (r.status, r.error_code().as_deref()) != (400, Some("bad_request")) {
                wrong.push(format!(
                    "{method} {path} {body} → {} {}",
                    r.status,
                    r.text()
                ));
            }
        }
        let after = state(port);
        assert!(
            wrong.is_empty() && before == after,
            "bodies of the wrong JSON type were accepted:\n{}\nstate changed: {}",
            wrong.join("\n"),
            before != after
        );
    })
    .await;
}

/// How a slow connection ended: (seconds until closed, what was received).
fn wait_closed(mut stream: TcpStream, limit: Duration) -> (Option<f64>, String) {
    let started = Instant::now();
    stream.set_read_timeout(Some(limit)).unwrap();
    let mut got = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return (None, String::from_utf8_lossy(&got).into_owned());
            }
            Err(_) => break, // reset: closed too
        }
        if started.elapsed() > limit {
            return (None, String::from_utf8_lossy(&got).into_owned());
        }
    }
    (
        Some(started.elapsed().as_secs_f64()),
        String::from_utf8_lossy(&got).into_owned(),
    )
}

/// The server's client request timeout is 10 s (startup.rs).
const CUT_OFF: Duration = Duration::from_secs(15);

#[actix_web::test]
async fn a_slow_client_with_a_partial_request_line_is_cut_off_and_blocks_no_one() {
    let (port, _dir) = start().await;
    blocking(move || {
        let open = |bytes: &[u8]| {
            let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
            s.write_all(bytes).unwrap();
            s
        };
        let partial_line = open(b"GET /heal");
        let partial_head = open(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: a");
        let silent = open(b"");
        // A crowd of slow clients does not stop others from being served.
        let crowd: Vec<TcpStream> = (0..40).map(|_| open(b"PUT /v1/orgs/sl")).collect();
        let started = Instant::now();
        let r = health(port);
        assert_eq!(r.status, 200);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "health took {:?}",
            started.elapsed()
        );
        let r = send(
            port,
            &Request::new("PUT", "/v1/orgs/quick")
                .admin()
                .json(r#"{"kind":"team"}"#),
        )
        .unwrap();
        assert_eq!(r.status, 201, "{}", r.text());

        let ends: Vec<(&str, (Option<f64>, String))> = std::thread::scope(|scope| {
            let waits: Vec<_> = [
                ("partial request line", partial_line),
                ("partial headers", partial_head),
                ("connected, silent", silent),
            ]
            .into_iter()
            .map(|(what, stream)| scope.spawn(move || (what, wait_closed(stream, CUT_OFF))))
            .collect();
            waits.into_iter().map(|w| w.join().unwrap()).collect()
        });
        drop(crowd);
        for (what, (closed_after, got)) in &ends {
            eprintln!("slow client, {what}: closed after {closed_after:?} s, received {got:?}");
            assert!(
                closed_after.is_some(),
                "{what}: still open after {CUT_OFF:?} (received {got:?})"
            );
            assert!(
                got.is_empty() || got.starts_with("HTTP/1.1 4"),
                "{what}: answered {got:?}"
            );
        }
        assert_eq!(health(port).status, 200);
    })
    .await;
}

#[actix_web::test]
async fn a_client_stalling_in_the_middle_of_a_body_is_cut_off() {
    // The client request timeout covers the head only; a body that never
    // finishes keeps its connection (and the request) open.
    let (port, _dir) = start().await;
    blocking(move || {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .write_all(
                b"PUT /v1/orgs/stall HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer admin-secret\r\n\
                  Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"kind\"",
            )
            .unwrap();
        let (closed_after, got) = wait_closed(stream, CUT_OFF);
        eprintln!("stalled body: closed after {closed_after:?} s, received {got:?}");
        assert_eq!(health(port).status, 200);
        assert!(
            closed_after.is_some(),
            "a request whose body stalls after 8 of 100 bytes is still open after {CUT_OFF:?} \
             (received {got:?})"
        );
    })
    .await;
}

#[actix_web::test]
async fn oversized_heads_and_malformed_request_lines_get_4xx_never_5xx() {
    let (port, _dir) = start().await;
    blocking(move || {
        let auth = "Authorization: Bearer admin-secret\r\n";
        let get = |extra: &str| {
            format!("GET /v1/orgs/x HTTP/1.1\r\nHost: x\r\n{auth}{extra}Connection: close\r\n\r\n")
                .into_bytes()
        };
        let many: String = (0..100).map(|i| format!("X-H{i}: v\r\n")).collect();
        let line = |l: &[u8]| {
            let mut v = l.to_vec();
            v.extend_from_slice(b"\r\nHost: x\r\nAuthorization: Bearer admin-secret\r\nConnection: close\r\n\r\n");
            v
        };
        // (what, request, limit on the status, whether actix routes it, so
        // the answer is ours and JSON)
        let cases: Vec<(&str, Vec<u8>, u16, bool)> = vec![
            ("one 64 KiB header", get(&format!("X-Big: {}\r\n", "a".repeat(64 * 1024))), 500, false),
            ("64 KiB of headers in 64 headers", get(&(0..64).map(|i| format!("X-B{i}: {}\r\n", "b".repeat(1020))).collect::<String>()), 500, false),
            ("a 130 KiB header", get(&format!("X-Big: {}\r\n", "a".repeat(130 * 1024))), 499, false),
            ("100 headers", get(&many), 499, false),
            ("a 64 KiB request target", line(format!("GET /v1/orgs/x?q={} HTTP/1.1", "a".repeat(64 * 1024)).as_bytes()), 499, false),
            ("garbage request line", line(b"HELLO WORLD"), 499, false),
            ("unknown HTTP version", line(b"GET /v1/orgs/x HTTP/9.9"), 499, false),
            ("raw bytes FF FE in the path", line(b"GET /v1/orgs/\xff\xfe HTTP/1.1"), 499, false),
            ("NUL in the path", line(b"GET /v1/orgs/a\0b HTTP/1.1"), 499, false),
            ("space in the path", line(b"GET /v1/orgs/a b HTTP/1.1"), 499, false),
            ("< in the path", line(b"GET /v1/orgs/a<b HTTP/1.1"), 499, false),
            ("no Host header", b"GET /v1/orgs/x HTTP/1.1\r\nAuthorization: Bearer admin-secret\r\nConnection: close\r\n\r\n".to_vec(), 499, false),
            ("header without a colon", get("NoColon\r\n"), 499, false),
            ("Content-Length and chunked", b"PUT /v1/orgs/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer admin-secret\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n".to_vec(), 499, false),
            ("Content-Length: abc", b"PUT /v1/orgs/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer admin-secret\r\nContent-Length: abc\r\nConnection: close\r\n\r\n".to_vec(), 499, false),
            ("two Content-Lengths", b"PUT /v1/orgs/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer admin-secret\r\nContent-Length: 2\r\nContent-Length: 3\r\nConnection: close\r\n\r\n{}".to_vec(), 499, false),
            ("method BREW", line(b"BREW /v1/orgs/x HTTP/1.1"), 499, true),
            ("lowercase method get", line(b"get /v1/orgs/x HTTP/1.1"), 499, true),
            ("method TRACE", line(b"TRACE /v1/orgs/x HTTP/1.1"), 499, true),
            ("100-letter method", line(format!("{} /v1/orgs/x HTTP/1.1", "A".repeat(100)).as_bytes()), 499, true),
            ("OPTIONS *", line(b"OPTIONS * HTTP/1.1"), 499, true),
            ("absolute-form target", line(b"GET http://elsewhere/v1/orgs/ghost HTTP/1.1"), 499, true),
            ("invalid bytes in the token", b"GET /v1/orgs/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \xff\r\nConnection: close\r\n\r\n".to_vec(), 499, true),
        ];
        let mut problems = Vec::new();
        for (what, bytes, limit, routed) in &cases {
            let (status, shown) = match send_raw(port, bytes, false) {
                Ok(r) => (Some(r.status), format!("{} {:?} body {:?}", r.status, r.header("content-type"), r.text())),
                Err(e) => (None, format!("no answer: {e}")),
            };
            eprintln!("{what}: {shown}");
            match status {
                Some(s) if s >= 500 || s > *limit => problems.push(format!("{what}: {shown}")),
                Some(s) if *routed && s >= 400 => {
                    let r = send_raw(port, bytes, false).unwrap();
                    if r.error_code().is_none() {
                        problems.push(format!("{what}: not a JSON error: {shown}"));
                    }
                }
                Some(_) => {}
                // A head over actix's 128 KiB buffer is answered 431 and the
                // connection closed with the rest unread, which the client
                // may see as a reset before it reads the answer.
                None if *what == "a 130 KiB header" => {}
                None => problems.push(format!("{what}: {shown}")),
            }
            if health(port).status != 200 {
                problems.push(format!("{what}: the server stopped answering"));
            }
        }
        let r = send(port, &Request::new("PUT", "/v1/orgs/after").admin().json(r#"{"kind":"team"}"#)).unwrap();
        assert_eq!(r.status, 201, "{}", r.text());
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    })
    .await;
}
