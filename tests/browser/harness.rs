//! A headless Chromium driven through Debian's `chromedriver`, for tests
//! that look at a page as a person would.
//!
//! `Browser::start(width, height)` starts `chromedriver` on a free loopback
//! port and opens a headless Chromium session; `open` loads a URL, `wait_for`
//! polls for a CSS selector with a deadline, `run` evaluates a script,
//! `console_errors` reads the browser console, `screenshot` saves a PNG under
//! `target/`. The driver process is killed when the `Browser` is dropped.
//!
//! Needs the Debian packages `chromium` and `chromium-driver`
//! (`apt-get install -y chromium chromium-driver`); `GATEHOUSE_CHROMEDRIVER`
//! and `GATEHOUSE_CHROMIUM` override the binaries' paths.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

/// How long to wait for the driver to start or a page to show something.
const DEADLINE: Duration = Duration::from_secs(20);

pub struct Browser {
    pub client: Client,
    driver: Child,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn binary(var: &str, default: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| default.to_string())
}

impl Browser {
    /// A fresh headless Chromium with a `width` × `height` window.
    pub async fn start(width: u32, height: u32) -> Browser {
        let chromedriver = binary("GATEHOUSE_CHROMEDRIVER", "/usr/bin/chromedriver");
        let chromium = binary("GATEHOUSE_CHROMIUM", "/usr/bin/chromium");
        for path in [&chromedriver, &chromium] {
            assert!(
                std::path::Path::new(path).exists(),
                "{path} is missing: the browser tests need Debian's chromium and \
                 chromium-driver (apt-get install -y chromium chromium-driver)"
            );
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {chromedriver}: {e}"));
        let base = format!("http://127.0.0.1:{port}");
        let ready = async {
            let start = Instant::now();
            while start.elapsed() < DEADLINE {
                let status = reqwest::get(format!("{base}/status")).await;
                if let Ok(status) = status {
                    let body: Value = status.json().await.unwrap_or(Value::Null);
                    if body["value"]["ready"] == true {
                        return true;
                    }
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            false
        };
        if !ready.await {
            let _ = driver.kill();
            panic!("chromedriver did not become ready on port {port} within {DEADLINE:?}");
        }
        let mut caps = Capabilities::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-dev-shm-usage", "--hide-scrollbars",
                    "--no-first-run", "--disable-extensions",
                    format!("--window-size={width},{height}"),
                ],
            }),
        );
        caps.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = match ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&base)
            .await
        {
            Ok(client) => client,
            Err(e) => {
                let _ = driver.kill();
                panic!("cannot open a Chromium session: {e}");
            }
        };
        let browser = Browser { client, driver };
        browser.resize(width, height).await;
        browser
    }

    pub async fn open(&self, url: &str) {
        self.client.goto(url).await.expect("open the page");
    }

    /// Makes the page's viewport `width` × `height` CSS pixels.
    pub async fn resize(&self, width: u32, height: u32) {
        self.client
            .set_window_size(width, height)
            .await
            .expect("resize");
        // Headless, the window has no frame, but make sure of it.
        let inner = self
            .run("return [window.innerWidth, window.innerHeight]")
            .await;
        let grow = |want: u32, got: &Value| {
            let got = got.as_i64().unwrap_or(i64::from(want));
            u32::try_from(2 * i64::from(want) - got).unwrap_or(want)
        };
        let (w, h) = (grow(width, &inner[0]), grow(height, &inner[1]));
        if (w, h) != (width, height) {
            self.client.set_window_size(w, h).await.expect("resize");
        }
    }

    /// Evaluates `script` (a function body: `return …`) in the page.
    pub async fn run(&self, script: &str) -> Value {
        self.client
            .execute(script, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// The first element matching `css`, polling until it appears.
    pub async fn wait_for(&self, css: &str) -> Element {
        let start = Instant::now();
        loop {
            if let Ok(found) = self.client.find(Locator::Css(css)).await {
                return found;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "nothing matched {css:?} within {DEADLINE:?}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Types `text` into the input matching `css`, replacing its value.
    pub async fn fill(&self, css: &str, text: &str) {
        let input = self.wait_for(css).await;
        input.clear().await.expect("clear input");
        input.send_keys(text).await.expect("type into input");
    }

    pub async fn click(&self, css: &str) {
        self.wait_for(css).await.click().await.expect("click");
    }

    /// The browser console's entries since the last call, as
    /// `(level, message)`.
    pub async fn console(&self) -> Vec<(String, String)> {
        let entries = self
            .client
            .issue_cmd(ConsoleLog)
            .await
            .expect("read the browser console");
        entries
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|e| {
                        (
                            e["level"].as_str().unwrap_or("").to_string(),
                            e["message"].as_str().unwrap_or("").to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The console's errors (level `SEVERE`) since the last read.
    pub async fn console_errors(&self) -> Vec<String> {
        self.console()
            .await
            .into_iter()
            .filter(|(level, _)| level == "SEVERE")
            .map(|(_, message)| message)
            .collect()
    }

    /// Saves the whole page (the window grown to the page's height, then
    /// put back) as `target/tmp/screenshots/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let size = self
            .run("return [window.innerWidth, window.innerHeight, document.documentElement.scrollHeight]")
            .await;
        let (w, h, page) = (
            size[0].as_u64().unwrap_or(800) as u32,
            size[1].as_u64().unwrap_or(600) as u32,
            size[2].as_u64().unwrap_or(600) as u32,
        );
        if page > h {
            self.resize(w, page).await;
        }
        let png = self.client.screenshot().await.expect("screenshot");
        if page > h {
            self.resize(w, h).await;
        }
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot folder");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

/// chromedriver's console log (`POST /session/{id}/se/log`).
#[derive(Debug)]
struct ConsoleLog;

impl WebDriverCompatibleCommand for ConsoleLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/se/log", session_id.unwrap_or("")))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(r#"{"type":"browser"}"#.to_string()),
        )
    }
}
