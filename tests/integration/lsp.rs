//! End to end: `kokuc lsp` as a child process, spoken to over stdio with
//! JSON-RPC exactly as an editor does.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

use serde_json::{json, Value};

/// Generous: only a hung server ever waits this long.
const PATIENCE: Duration = Duration::from_secs(30);

struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    next_id: i64,
    /// Notifications read while waiting for responses.
    notifications: Vec<Value>,
    /// The version of the last buffer sent.
    version: i64,
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kokuc"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("kokuc lsp starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, incoming) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse::<usize>().ok();
                    }
                }
                let Some(length) = length else { return };
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let value: Value = serde_json::from_slice(&body).expect("the server sends JSON");
                if tx.send(value).is_err() {
                    return;
                }
            }
        });
        Client {
            child,
            stdin,
            incoming,
            next_id: 0,
            notifications: Vec::new(),
            version: 1,
        }
    }

    fn send(&mut self, message: &Value) {
        let body = serde_json::to_string(message).expect("json");
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        self.stdin.flush().expect("flush");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        loop {
            let message = self.incoming.recv_timeout(PATIENCE).expect("the server answers");
            if message.get("id") == Some(&json!(id)) {
                assert!(message.get("error").is_none(), "{method} failed: {message}");
                return message["result"].clone();
            }
            self.notifications.push(message);
        }
    }

    /// The next diagnostics published for `uri` at `version` (others are skipped).
    fn diagnostics_at(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let is_for = |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == json!(uri)
                && m["params"]["version"] == json!(version)
        };
        if let Some(pos) = self.notifications.iter().position(is_for) {
            let m = self.notifications.remove(pos);
            return m["params"]["diagnostics"].as_array().cloned().unwrap_or_default();
        }
        loop {
            let m = self.incoming.recv_timeout(PATIENCE).expect("diagnostics are published");
            if is_for(&m) {
                return m["params"]["diagnostics"].as_array().cloned().unwrap_or_default();
            }
            self.notifications.push(m);
        }
    }

    /// Diagnostics for the latest version sent.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let version = self.version;
        self.diagnostics_at(uri, version)
    }

    fn change(&mut self, uri: &str, version: i32, text: &str) {
        self.version = i64::from(version);
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [ { "text": text } ] }),
        );
    }
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// Line and UTF-16 column of the first occurrence of `needle` (plus `delta` characters).
fn position_of(text: &str, needle: &str, delta: usize) -> Value {
    let offset = text.find(needle).unwrap_or_else(|| panic!("`{needle}` is in the text")) + delta;
    let line = text[..offset].matches('\n').count();
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let character = text[line_start..offset].encode_utf16().count();
    json!({ "line": line, "character": character })
}

fn at(uri: &str, text: &str, needle: &str, delta: usize) -> Value {
    json!({ "textDocument": { "uri": uri }, "position": position_of(text, needle, delta) })
}

/// A copy of the seed stack and its libraries in a scratch directory.
fn seed_copy(dir: &Path) -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(dir.join("lib")).expect("mkdir");
    for f in ["koku.koku", "lib/koku.koku", "lib/trino.koku"] {
        std::fs::copy(repo.join("stacks").join(f), dir.join(f)).expect("copy");
    }
    dir.join("koku.koku")
}

#[test]
fn an_editor_session_over_stdio() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = temp.path().canonicalize().expect("canonical");
    let stack = seed_copy(&dir);
    let text = std::fs::read_to_string(&stack).expect("read");
    let doc = uri(&stack);
    let mut client = Client::start();

    let init = client.request(
        "initialize",
        json!({ "processId": null, "capabilities": {}, "workspaceFolders": [ { "uri": uri(&dir), "name": "w" } ] }),
    );
    let caps = &init["capabilities"];
    for cap in [
        "hoverProvider",
        "definitionProvider",
        "referencesProvider",
        "completionProvider",
        "documentFormattingProvider",
        "documentSymbolProvider",
    ] {
        assert!(!caps[cap].is_null(), "{cap} announced: {init}");
    }
    client.notify("initialized", json!({}));

    // Open: the seed is clean.
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": doc, "languageId": "koku", "version": 1, "text": text } }),
    );
    // No errors or warnings (notes, such as declared security relaxations, may be there).
    let problems = |d: &[Value]| d.iter().filter(|d| d["severity"] == 1 || d["severity"] == 2).count();
    assert_eq!(problems(&client.diagnostics(&doc)), 0);

    // Hover on a Trino worker: kind, wave, neighbours, resources, budget share.
    let hover = client.request("textDocument/hover", at(&doc, &text, "component trino-worker", 12));
    let shown = hover["contents"]["value"].as_str().expect("markdown");
    for part in [
        "component `trino-worker`",
        "stateful (StatefulSet)",
        "wave 6",
        "comes after: `trino-coordinator` (http gate)",
        "`koku-api-reads`",
        "× 2 pods",
        "| memory request | 6Gi | 12Gi | 25% of 48Gi |",
        "| storage | 50Gi | 100Gi | 33.3% of 300Gi |",
        "| pods | 1 | 2 | 6.7% of 30 |",
    ] {
        assert!(shown.contains(part), "hover shows {part:?}:\n{shown}");
    }

    // Hover on a quantity: its exact value.
    let hover = client.request("textDocument/hover", at(&doc, &text, "memory = 48Gi", 10));
    let shown = hover["contents"]["value"].as_str().expect("markdown");
    assert!(shown.contains("51539607552 bytes"), "{shown}");

    // Definition of a name in `after` and in env wiring.
    let declaration = position_of(&text, "component koku-db", 10)["line"].clone();
    let def = client.request("textDocument/definition", at(&doc, &text, "after = [ koku-db ]", 11));
    assert_eq!(def["range"]["start"]["line"], declaration, "{def}");
    let def = client.request(
        "textDocument/definition",
        at(&doc, &text, "DATABASE_HOST = koku-db.host", 18),
    );
    assert_eq!(def["range"]["start"]["line"], declaration, "{def}");
    assert_eq!(def["uri"], json!(doc));

    // References: the `after` entries, the wiring, and interpolations.
    let refs = client.request(
        "textDocument/references",
        json!({ "textDocument": { "uri": doc }, "position": position_of(&text, "component koku-db", 10),
                "context": { "includeDeclaration": true } }),
    );
    let lines: Vec<u64> = refs
        .as_array()
        .expect("locations")
        .iter()
        .map(|l| l["range"]["start"]["line"].as_u64().expect("line"))
        .collect();
    let line_of = |needle: &str| position_of(&text, needle, 0)["line"].as_u64().expect("line");
    for needle in [
        "component koku-db",
        "DATABASE_HOST = koku-db.host",
        "PGHOST = koku-db.host",
        "jdbc:postgresql",
    ] {
        assert!(
            lines.contains(&line_of(needle)),
            "reference on the line of {needle:?}: {lines:?}"
        );
    }

    // Profile names: definition from `extends`.
    let def = client.request(
        "textDocument/definition",
        at(&doc, &text, "extends trino-recommended", 9),
    );
    assert_eq!(
        def["range"]["start"]["line"].as_u64(),
        Some(line_of("profile trino-recommended"))
    );

    // Symbols: the outline lists the components.
    let symbols = client.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": doc } }));
    let names: Vec<&str> = symbols
        .as_array()
        .expect("symbols")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert!(
        names.contains(&"trino-worker") && names.contains(&"production"),
        "{names:?}"
    );

    // An edit that closes a cycle: koku-db now waits for its own migration.
    let cyclic = text.replacen(
        "  ports = { postgres = 5432; };",
        "  ports = { postgres = 5432; };\n  after = [ koku-migrate ];",
        1,
    );
    client.change(&doc, 2, &cyclic);
    let diagnostics = client.diagnostics(&doc);
    let cycle: Vec<&Value> = diagnostics.iter().filter(|d| d["code"] == "K0303").collect();
    let lines: Vec<u64> = cycle
        .iter()
        .map(|d| d["range"]["start"]["line"].as_u64().expect("line"))
        .collect();
    let line_in = |needle: &str| position_of(&cyclic, needle, 0)["line"].as_u64().expect("line");
    assert!(lines.contains(&line_in("after = [ koku-migrate ]")), "{diagnostics:?}");
    assert!(
        lines.contains(&line_in("after = [ koku-db ]")),
        "both ends are marked: {diagnostics:?}"
    );
    assert!(cycle
        .iter()
        .any(|d| d["severity"] == 1 && d["message"].as_str().is_some_and(|m| m.contains("dependency cycle"))));
    assert!(cycle.iter().any(|d| !d["relatedInformation"].is_null()));

    // Completion in `after = [ ... ]` offers component names.
    let typing = cyclic.replacen("after = [ koku-migrate ]", "after = [ koku-migrate, ", 1);
    client.change(&doc, 3, &typing);
    // The buffer does not parse now: a syntax error.
    let diagnostics = client.diagnostics(&doc);
    assert!(diagnostics.iter().any(|d| d["code"] == "K0101"), "{diagnostics:?}");
    let items = client.request(
        "textDocument/completion",
        at(
            &doc,
            &typing,
            "after = [ koku-migrate, ",
            "after = [ koku-migrate, ".len(),
        ),
    );
    let labels: Vec<&str> = items
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["label"].as_str())
        .collect();
    assert!(
        labels.contains(&"redis") && labels.contains(&"trino-worker"),
        "{labels:?}"
    );

    // Hover still answers from the last model (the cyclic one: it has no waves).
    let hover = client.request("textDocument/hover", at(&doc, &typing, "component trino-worker", 12));
    let shown = hover["contents"]["value"].as_str().unwrap_or("");
    assert!(
        shown.contains("× 2 pods") && shown.contains("the graph has a cycle"),
        "{hover}"
    );
    // Completion of field names inside a component.
    let fields = client.request(
        "textDocument/completion",
        at(&doc, &typing, "  image = \"docker.io/library/redis", 2),
    );
    let labels: Vec<&str> = fields
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["label"].as_str())
        .collect();
    assert!(labels.contains(&"replicas") && labels.contains(&"after"), "{labels:?}");

    // Fixing the cycle clears the diagnostics.
    client.change(&doc, 4, &text);
    assert_eq!(problems(&client.diagnostics(&doc)), 0);

    // Formatting: one edit with exactly what `kokuc fmt` writes.
    let messy = text.replacen("component redis {", "component   redis{", 1);
    client.change(&doc, 5, &messy);
    let _ = client.diagnostics(&doc);
    let edits = client.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": doc }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    let expected = kokuc::fmt::format(kokuc::source::FileId(0), &messy).expect("formats");
    assert_eq!(edits[0]["newText"].as_str(), Some(expected.as_str()));
    assert!(expected.contains("component redis {"));

    let shutdown = client.request("shutdown", Value::Null);
    assert!(shutdown.is_null());
    client.notify("exit", Value::Null);
    let status = client.child.wait().expect("exits");
    assert!(status.success(), "{status}");
}

#[test]
fn libraries_are_analysed_through_the_stacks_that_import_them() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = temp.path().canonicalize().expect("canonical");
    let main = dir.join("main.koku");
    let lib = dir.join("lib.koku");
    let main_text = "let lib = import \"lib.koku\";\nstack s { namespace = \"n\"; }\n\
                     component db { image = \"pg:1.0\"; ports = { pg = 5432; }; }\n\
                     component app { image = \"a:1.0\"; env = lib.wiring; after = [ db ]; }\n";
    let lib_text = "# Wiring shared by apps.\nlet wiring = { DB = db.host; };\n";
    std::fs::write(&main, main_text).expect("write");
    std::fs::write(&lib, lib_text).expect("write");
    let mut client = Client::start();
    client.request(
        "initialize",
        json!({ "processId": null, "capabilities": {}, "workspaceFolders": [ { "uri": uri(&dir), "name": "w" } ] }),
    );
    client.notify("initialized", json!({}));
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri(&lib), "languageId": "koku", "version": 1, "text": lib_text } }),
    );
    // No "declares no stack" error: the library is checked through main.koku.
    assert_eq!(client.diagnostics(&uri(&lib)), Vec::<Value>::new());

    // From the library, `db` goes to its declaration in the stack file.
    let def = client.request("textDocument/definition", at(&uri(&lib), lib_text, "DB = db.host", 5));
    assert_eq!(def["uri"], json!(uri(&main)), "{def}");
    assert_eq!(def["range"]["start"]["line"], json!(2));

    // References from the library include the stack file's `after` and the library's wiring.
    let refs = client.request(
        "textDocument/references",
        json!({ "textDocument": { "uri": uri(&lib) }, "position": position_of(lib_text, "db.host", 0),
                "context": { "includeDeclaration": false } }),
    );
    let found: Vec<(String, u64)> = refs
        .as_array()
        .expect("locations")
        .iter()
        .map(|l| {
            (
                l["uri"].as_str().unwrap_or("").to_string(),
                l["range"]["start"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert!(found.contains(&(uri(&lib), 1)), "{found:?}");
    assert!(found.contains(&(uri(&main), 3)), "{found:?}");

    // A wrong field in the library is reported in the library's buffer.
    let broken = lib_text.replace("db.host", "db.hots");
    client.change(&uri(&lib), 2, &broken);
    let diagnostics = client.diagnostics(&uri(&lib));
    assert!(!diagnostics.is_empty(), "the library's error is shown in the library");

    client.request("shutdown", Value::Null);
    client.notify("exit", Value::Null);
    assert!(client.child.wait().expect("exits").success());
}
