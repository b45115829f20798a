//! Slow and malformed connections: cut off, never blocking anyone, never
//! a 5xx.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::client::{health, send, send_raw, Request};
use crate::with_server;

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
    with_server(|port| {
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
    with_server(|port| {
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
    with_server(|port| {
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
