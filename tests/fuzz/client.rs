//! A raw HTTP/1.1 client: every byte on the wire is the test's own.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::Value;

use crate::ADMIN;

/// Runs blocking socket code off the test's (single-threaded) runtime.
pub async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    match actix_web::rt::task::spawn_blocking(f).await {
        Ok(value) => value,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("blocking task failed: {e}"),
    }
}

/// One request as it goes on the wire (always `Connection: close`).
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    /// Path and query, exactly as sent.
    pub target: String,
    pub headers: Vec<(String, Vec<u8>)>,
    /// `None`: no body and no `Content-Length`.
    pub body: Option<Vec<u8>>,
    /// Send the body with `Transfer-Encoding: chunked`.
    pub chunked: bool,
}

impl Request {
    pub fn new(method: &str, target: impl Into<String>) -> Request {
        Request {
            method: method.to_string(),
            target: target.into(),
            headers: Vec::new(),
            body: None,
            chunked: false,
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<Vec<u8>>) -> Request {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub fn bearer(self, token: &str) -> Request {
        self.header("Authorization", format!("Bearer {token}"))
    }

    pub fn admin(self) -> Request {
        self.bearer(ADMIN)
    }

    pub fn json(self, body: impl Into<Vec<u8>>) -> Request {
        let mut r = self.header("Content-Type", "application/json");
        r.body = Some(body.into());
        r
    }

    pub fn bytes(&self) -> Vec<u8> {
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
    pub fn describe(&self) -> String {
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
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body[..self.body.len().min(500)]).into_owned()
    }

    /// `Some(code)` when the body is `{"error": code, "message": sentence}`.
    pub fn error_code(&self) -> Option<String> {
        let body = self.json()?;
        body["message"].as_str()?;
        body["error"].as_str().map(str::to_string)
    }
}

pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

pub fn connect(port: u16) -> io::Result<TcpStream> {
    let stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    stream.set_write_timeout(Some(Duration::from_secs(30)))?;
    Ok(stream)
}

/// Sends raw bytes and reads one response. A write error is forgiven when
/// the server answered anyway (it may answer early, e.g. 413, and stop
/// reading).
pub fn send_raw(port: u16, bytes: &[u8], head_only: bool) -> io::Result<Response> {
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

pub fn send(port: u16, request: &Request) -> io::Result<Response> {
    send_raw(port, &request.bytes(), request.method == "HEAD")
}

pub fn read_response(stream: &mut impl Read, head_only: bool) -> io::Result<Response> {
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

pub fn dechunk(mut raw: &[u8]) -> io::Result<Vec<u8>> {
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
pub fn must(port: u16, method: &str, path: &str, body: Option<&str>) -> Response {
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

/// Admin `PUT`s that must each succeed, in order: (path, body).
pub fn put_all(port: u16, writes: &[(&str, Option<&str>)]) {
    for (path, body) in writes {
        must(port, "PUT", path, *body);
    }
}

pub fn health(port: u16) -> Response {
    send(port, &Request::new("GET", "/health")).expect("GET /health")
}
