//! The request generator: each request comes from the seed and its index
//! alone, over the routes of the OpenAPI document.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use crate::client::Request;
use crate::reference::REF_ORG;
use crate::routes::{permissions, routes, Route, RouteSpec, METHODS};
use crate::{CHECK, MIB};

/// Path segments that are never a valid id (as sent, percent-encoded).
pub fn invalid_segment(rng: &mut StdRng) -> String {
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
pub const ODD_VALID: &[&str] = &["a.b", "x:y@z+-", "1", "-", "..a", "+", "@", "a..b", "_"];

pub fn valid_segment(rng: &mut StdRng, pool: &[&str]) -> String {
    match rng.gen_range(0..20) {
        0 => "A".repeat(128),
        1 => ODD_VALID.choose(rng).unwrap().to_string(),
        _ => pool.choose(rng).unwrap().to_string(),
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Token {
    None,
    Wrong,
    Check,
    Admin,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Exactly this status and error code.
    Error(u16, &'static str),
    /// Any refusal (4xx).
    Refused(&'static str),
    /// Anything but a 5xx.
    Any,
}

pub struct Case {
    pub request: Request,
    pub expect: Expect,
    /// The number of checks sent to the batch route (to compare with the
    /// results), when the body is a well-formed batch.
    pub batch_items: Option<usize>,
    /// A success must have a JSON body (or none).
    pub answers_json: bool,
}

/// The parts of a request before it is put on the wire.
pub struct Draft {
    pub spec: &'static RouteSpec,
    pub method: String,
    pub org: String,
    /// Segments in template order after `{org}`: (placeholder, text, valid).
    pub segments: Vec<(String, String, bool)>,
    pub org_valid: bool,
    pub query: Option<String>,
    pub query_invalid: bool,
    pub token: Token,
    pub wrong_header: String,
    pub body: Option<Vec<u8>>,
    pub body_invalid: bool,
    pub batch_items: Option<usize>,
    pub chunked: bool,
    pub content_type: Option<&'static str>,
    pub extra_headers: Vec<(String, Vec<u8>)>,
}

impl Draft {
    pub fn path(&self) -> String {
        let template = &self.spec.template;
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
    pub fn routable(&self) -> bool {
        let org_ok = !self.has_org() || !self.org.is_empty();
        org_ok && self.segments.iter().all(|(_, s, _)| !s.is_empty())
    }

    pub fn has_org(&self) -> bool {
        self.spec.has_org()
    }

    pub fn is_read(&self) -> bool {
        self.spec.reads.contains(&self.method)
    }

    pub fn is_write(&self) -> bool {
        self.spec.writes.contains(&self.method)
    }

    pub fn consumes_body(&self) -> bool {
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

    pub fn expect(&self) -> Expect {
        if !self.spec.public && matches!(self.token, Token::None | Token::Wrong) {
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

    pub fn finish(self) -> Case {
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
            answers_json: self.spec.answers_json,
        }
    }
}

pub fn generate(seed: u64, index: u64) -> Case {
    let mut rng = StdRng::seed_from_u64(seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let total: u32 = routes().iter().map(|r| r.weight).sum();
    let mut pick = rng.gen_range(0..total);
    let spec = routes()
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
    let own: Vec<&str> = spec
        .reads
        .iter()
        .chain(&spec.writes)
        .map(String::as_str)
        .collect();
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
    for name in spec.placeholders().filter(|&p| p != "{org}") {
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
                "{permission}" => {
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
                        (permissions().choose(&mut rng).unwrap().to_string(), true)
                    }
                }
                // A parameter this generator knows nothing more of: an id.
                _ => (valid_segment(&mut rng, &["x1", "x2"]), true),
            }
        };
        segments.push((name.to_string(), text, ok));
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

pub fn huge(rng: &mut StdRng) -> String {
    "q".repeat(rng.gen_range(4_000..16_000))
}

pub fn query_for(rng: &mut StdRng, route: Route) -> (Option<String>, bool) {
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
                _ => parts.push(format!("permission={}", permissions().choose(rng).unwrap())),
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

/// JSON counts that a pool accepts (as raw text: `-0` is not a
/// `serde_json` number).
pub const GOOD_COUNTS: &[&str] = &["0", "1", "2", "3", "4", "1000000", "null", "-0"];
/// Counts that are never accepted.
pub const BAD_COUNTS: &[&str] = &[
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
pub fn malformed(rng: &mut StdRng) -> Vec<u8> {
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
pub fn invalid_body(rng: &mut StdRng, route: Route) -> Vec<u8> {
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

pub fn check_item(rng: &mut StdRng) -> String {
    let event = ["fe1", "fe2", "pe1", "ghost", "ref-ev"]
        .choose(rng)
        .unwrap();
    let user = ["u1", "u2", "owner1", "x"].choose(rng).unwrap();
    let permission = permissions().choose(rng).unwrap();
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

pub fn batch(rng: &mut StdRng, n: usize) -> String {
    let items: Vec<String> = (0..n).map(|_| check_item(rng)).collect();
    format!(r#"{{"checks":[{}]}}"#, items.join(","))
}

/// A body of more than 1 MiB that is otherwise valid JSON.
pub fn oversized(rng: &mut StdRng) -> Vec<u8> {
    let pad = "x".repeat(MIB + rng.gen_range(1..2_000));
    format!(r#"{{"kind":"team","name":"n","license":null,"pad":"{pad}"}}"#).into_bytes()
}

/// (body, surely refused by the route, checks in a well-formed batch)
pub fn body_for(rng: &mut StdRng, draft: &Draft) -> (Option<Vec<u8>>, bool, Option<usize>) {
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
                    let counts: Vec<&str> = GOOD_COUNTS.iter().chain(BAD_COUNTS).copied().collect();
                    fields.push(format!(r#""{pool}":{}"#, counts.choose(rng).unwrap()));
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
            let mut list: Vec<String> = permissions()
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
