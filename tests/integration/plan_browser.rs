//! The HTML report opened in a real headless Chromium (Debian's `chromium`,
//! installed by .ci/run), driven over the DevTools protocol on a pipe
//! (`--remote-debugging-pipe`: NUL-separated JSON on file descriptors 3 and 4).
//!
//! Checks: the page loads with no console message of level error or warning,
//! no exception and no network request other than the file itself; the SVG
//! graph is there with one node per component; a screenshot is taken, saved
//! beside the test's output, and found non-blank (decoded by the browser
//! itself on a canvas); and it prints to a PDF.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};

use super::plan_cli::kokuc;

const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1400,1000",
];

struct Browser {
    child: Child,
    input: ChildStdin,
    messages: Receiver<Value>,
    /// Events seen while waiting for replies.
    events: VecDeque<Value>,
    next_id: u64,
}

impl Browser {
    fn launch(profile: &Path, log: &Path) -> Browser {
        // fd 3 is where Chromium reads commands, fd 4 where it writes replies:
        // the shell maps them onto our pipes.
        let mut child = Command::new("sh")
            .arg("-c")
            .arg("exec \"$0\" \"$@\" 3<&0 4>&1 0</dev/null 1>/dev/null")
            .arg("chromium")
            .args(FLAGS)
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("--remote-debugging-pipe")
            .arg("about:blank")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .expect("cannot start chromium; .ci/run installs it (Debian package `chromium`)");
        let input = child.stdin.take().unwrap();
        let output = child.stdout.take().unwrap();
        let (tx, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(output);
            loop {
                let mut buf = Vec::new();
                match reader.read_until(0, &mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        buf.pop();
                        if let Ok(v) = serde_json::from_slice::<Value>(&buf) {
                            if tx.send(v).is_err() {
                                break;
                            }
                        }
                    }
                }
            }
        });
        Browser {
            child,
            input,
            messages,
            events: VecDeque::new(),
            next_id: 1,
        }
    }

    fn send(&mut self, session: Option<&str>, method: &str, params: Value) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        let mut bytes = serde_json::to_vec(&msg).unwrap();
        bytes.push(0);
        self.input.write_all(&bytes).unwrap();
        self.input.flush().unwrap();
        id
    }

    fn next(&mut self, deadline: Instant) -> Value {
        let left = deadline.saturating_duration_since(Instant::now());
        self.messages
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("chromium did not answer in time"))
    }

    /// Sends a command and waits for its reply, keeping events for later.
    fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        let id = self.send(session, method, params);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let msg = self.next(deadline);
            if msg["id"] == json!(id) {
                assert!(msg.get("error").is_none(), "{method} failed: {msg}");
                return msg["result"].clone();
            }
            self.events.push_back(msg);
        }
    }

    /// Waits for an event with this method.
    fn wait_for(&mut self, method: &str) {
        if self.events.iter().any(|e| e["method"] == method) {
            return;
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let msg = self.next(deadline);
            let found = msg["method"] == method;
            self.events.push_back(msg);
            if found {
                return;
            }
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn report_renders_in_headless_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.html");
    let r = kokuc(&["report", "stacks/koku.koku", "-o", report.to_str().unwrap()]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(!html.contains("<script"), "the report must not need scripts");
    for external in ["src=\"http", "href=\"http", "url(http", "@import", "<link"] {
        assert!(
            !html.contains(external),
            "the report must be self-contained: found `{external}`"
        );
    }

    let log = dir.path().join("chromium.log");
    let mut b = Browser::launch(&dir.path().join("profile"), &log);
    let target = b.call(None, "Target.createTarget", json!({ "url": "about:blank" }));
    let target_id = target["targetId"].as_str().unwrap().to_string();
    let attached = b.call(
        None,
        "Target.attachToTarget",
        json!({ "targetId": target_id, "flatten": true }),
    );
    let session = attached["sessionId"].as_str().unwrap().to_string();
    let s = Some(session.as_str());
    for domain in ["Page.enable", "Runtime.enable", "Log.enable", "Network.enable"] {
        b.call(s, domain, json!({}));
    }
    b.call(
        s,
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": 1400, "height": 1000, "deviceScaleFactor": 1, "mobile": false }),
    );
    let url = format!("file://{}", report.display());
    b.events.clear();
    b.call(s, "Page.navigate", json!({ "url": url }));
    b.wait_for("Page.loadEventFired");
    // The load event could be about:blank's: wait until the report itself is complete.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = b.call(
            s,
            "Runtime.evaluate",
            json!({ "expression": "location.protocol === 'file:' && document.readyState === 'complete'", "returnByValue": true }),
        );
        if r["result"]["value"] == json!(true) {
            break;
        }
        assert!(Instant::now() < deadline, "the report did not finish loading");
        std::thread::sleep(Duration::from_millis(50));
    }

    let result = b.call(
        s,
        "Runtime.evaluate",
        json!({
            "expression": "JSON.stringify({ nodes: [...document.querySelectorAll('#graph svg g.node')].map(g => g.dataset.component), svgs: document.querySelectorAll('svg').length, bars: document.querySelectorAll('.bar').length, profiles: document.querySelectorAll('#profiles tbody tr').length, width: document.querySelector('#graph svg').getBoundingClientRect().width })",
            "returnByValue": true,
        }),
    );
    let page: Value = serde_json::from_str(result["result"]["value"].as_str().unwrap()).unwrap();
    let nodes: Vec<String> = serde_json::from_value(page["nodes"].clone()).unwrap();
    let mut expected: Vec<String> = [
        "celery-beat",
        "hive-metastore",
        "hive-schema",
        "koku-api-reads",
        "koku-api-writes",
        "koku-db",
        "koku-migrate",
        "metastore-db",
        "minio",
        "redis",
        "trino-coordinator",
        "trino-worker",
        "worker-cost-model",
        "worker-download",
        "worker-ocp",
        "worker-priority",
        "worker-refresh",
        "worker-summary",
    ]
    .map(String::from)
    .to_vec();
    expected.sort();
    let mut sorted = nodes.clone();
    sorted.sort();
    assert_eq!(sorted, expected, "one SVG node per component");
    assert_eq!(page["svgs"], 1);
    assert_eq!(page["bars"], 6);
    // Five declared profiles, compared (two tables: figures and differences).
    assert_eq!(page["profiles"], 5 + 4);
    assert!(
        page["width"].as_f64().unwrap() > 1000.0,
        "the graph is drawn at its size: {page}"
    );

    let shot = b.call(
        s,
        "Page.captureScreenshot",
        json!({ "format": "png", "captureBeyondViewport": false }),
    );
    let data = shot["data"].as_str().unwrap().to_string();
    let png = base64::engine::general_purpose::STANDARD.decode(&data).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((width, height), (1400, 1000));
    let saved = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-screenshot.png");
    std::fs::write(&saved, &png).unwrap();

    // Decode the screenshot on a canvas in the browser and count its colours.
    let script = format!(
        "new Promise(done => {{ const img = new Image(); img.onload = () => {{ const c = document.createElement('canvas'); c.width = img.width; c.height = img.height; const x = c.getContext('2d'); x.drawImage(img, 0, 0); const d = x.getImageData(0, 0, c.width, c.height).data; const counts = new Map(); for (let i = 0; i < d.length; i += 4) {{ const k = (d[i] << 16) | (d[i+1] << 8) | d[i+2]; counts.set(k, (counts.get(k) || 0) + 1); }} const top = Math.max(...counts.values()); done(JSON.stringify({{ colours: counts.size, other: 1 - top / (c.width * c.height) }})); }}; img.src = 'data:image/png;base64,{data}'; }})"
    );
    let result = b.call(
        s,
        "Runtime.evaluate",
        json!({ "expression": script, "awaitPromise": true, "returnByValue": true }),
    );
    let pixels: Value = serde_json::from_str(result["result"]["value"].as_str().unwrap()).unwrap();
    assert!(
        pixels["colours"].as_u64().unwrap() > 50,
        "screenshot looks blank: {pixels}"
    );
    assert!(
        pixels["other"].as_f64().unwrap() > 0.05,
        "screenshot looks blank: {pixels}"
    );

    // Printable: Chromium prints it to a PDF with the print style sheet.
    let pdf = b.call(
        s,
        "Page.printToPDF",
        json!({ "landscape": true, "printBackground": true }),
    );
    let pdf = base64::engine::general_purpose::STANDARD
        .decode(pdf["data"].as_str().unwrap())
        .unwrap();
    assert!(
        pdf.starts_with(b"%PDF-") && pdf.len() > 20_000,
        "printing gave {} bytes",
        pdf.len()
    );
    std::fs::write(Path::new(env!("CARGO_TARGET_TMPDIR")).join("report.pdf"), &pdf).unwrap();

    // Everything the page did, from the events gathered on the way.
    while let Ok(msg) = b.messages.try_recv() {
        b.events.push_back(msg);
    }
    let mut problems = Vec::new();
    for e in &b.events {
        let p = &e["params"];
        match e["method"].as_str().unwrap_or("") {
            "Runtime.consoleAPICalled" if matches!(p["type"].as_str(), Some("error" | "warning" | "assert")) => {
                problems.push(format!("console: {p}"))
            }
            "Runtime.exceptionThrown" => problems.push(format!("exception: {p}")),
            "Log.entryAdded" if matches!(p["entry"]["level"].as_str(), Some("error" | "warning")) => {
                problems.push(format!("log: {p}"))
            }
            "Network.requestWillBeSent" => {
                let u = p["request"]["url"].as_str().unwrap_or("");
                if !(u.starts_with("file://") || u.starts_with("data:")) {
                    problems.push(format!("network request: {u}"));
                }
            }
            _ => {}
        }
    }
    b.send(None, "Browser.close", json!({}));
    assert!(
        problems.is_empty(),
        "the page reported problems:\n{}",
        problems.join("\n")
    );
}
