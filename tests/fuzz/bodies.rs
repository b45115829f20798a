//! Bodies: over one mebibyte, inflating past it, of the wrong JSON type.

use std::time::{Duration, Instant};

use crate::client::{health, must, put_all, send, Request};
use crate::{with_server, MIB};

/// A team org with `licenses`, an event `e1` and its collaborator `c1`.
fn team_with_event(port: u16, org: &str, licenses: &str) {
    let o = format!("/v1/orgs/{org}");
    let (licenses_path, e1) = (format!("{o}/licenses"), format!("{o}/events/e1"));
    let c1 = format!("{e1}/collaborators/c1");
    put_all(
        port,
        &[
            (&o, Some(r#"{"kind":"team"}"#)),
            (&licenses_path, Some(licenses)),
            (&e1, None),
            (&c1, None),
        ],
    );
}

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
    with_server(|port| {
        team_with_event(port, "big", r#"{"event_pro":2}"#);
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
    with_server(|port| {
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
    with_server(|port| {
        team_with_event(port, "acme", r#"{"event_pro":1}"#);
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
