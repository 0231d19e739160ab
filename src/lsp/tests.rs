//! In-process tests of the server: every request on every prefix of the seed
//! stack answers without an error (the half-typed-file guarantee).

use std::path::Path;

use lsp_server::{Message, Notification, Request, RequestId};
use serde_json::{json, Value};

use super::{handle, Server, Settings};

fn request(server: &mut Server, id: i32, method: &str, params: Value) -> Value {
    let out = handle(
        server,
        Message::Request(Request::new(RequestId::from(id), method.to_string(), params)),
    );
    match out.as_slice() {
        [Message::Response(r)] => match &r.response_result {
            Ok(v) => v.clone(),
            Err(e) => panic!("{method} failed: {e:?}"),
        },
        other => panic!("one response expected, got {other:?}"),
    }
}

fn open(server: &mut Server, uri: &str, text: &str) -> Vec<Message> {
    handle(
        server,
        Message::Notification(Notification::new(
            "textDocument/didOpen".to_string(),
            json!({ "textDocument": { "uri": uri, "languageId": "koku", "version": 1, "text": text } }),
        )),
    )
}

fn uri_of(path: &Path) -> String {
    super::convert::path_to_uri(path)
        .map(|u| u.as_str().to_string())
        .unwrap_or_default()
}

#[test]
fn libraries_resolve_through_their_importers() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = temp.path().canonicalize().expect("canonical");
    std::fs::write(
        dir.join("main.koku"),
        "let lib = import \"lib.koku\";\nstack s { namespace = \"n\"; }\ncomponent db { image = \"pg:1.0\"; }\ncomponent app { image = \"a:1.0\"; env = lib.wiring; after = [ db ]; }\n",
    )
    .expect("write");
    let lib_text = "let wiring = { DB = db.host; };\n";
    std::fs::write(dir.join("lib.koku"), lib_text).expect("write");
    let mut server = Server::new(Settings::default(), Some(dir.clone()));
    let lib = uri_of(&dir.join("lib.koku"));
    open(&mut server, &lib, lib_text);
    assert_eq!(server.roots.get(&dir.join("lib.koku")), Some(&dir.join("main.koku")));
    let def = request(
        &mut server,
        1,
        "textDocument/definition",
        json!({ "textDocument": { "uri": lib }, "position": { "line": 0, "character": 21 } }),
    );
    assert_eq!(def["uri"], json!(uri_of(&dir.join("main.koku"))), "{def}");
}

/// Every request on every prefix of the seed stack answers (no error, no
/// panic). The prefixes are split over the machine's cores.
#[test]
fn every_prefix_of_the_seed_answers_every_request() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = repo.join("stacks/koku.koku");
    let text = std::fs::read_to_string(&path).expect("seed");
    let mut ends: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    ends.push(text.len());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 8);
    let chunk = ends.len().div_ceil(threads);
    std::thread::scope(|scope| {
        for part in ends.chunks(chunk) {
            let (text, path) = (&text, &path);
            scope.spawn(move || prefixes(repo, path, text, part));
        }
    });
}

fn prefixes(repo: &Path, path: &Path, text: &str, ends: &[usize]) {
    let uri = uri_of(path);
    let mut server = Server::new(Settings::default(), Some(repo.join("stacks")));
    open(&mut server, &uri, "");
    let mut id = 0;
    for (version, &end) in ends.iter().enumerate() {
        let prefix = &text[..end];
        let out = handle(
            &mut server,
            Message::Notification(Notification::new(
                "textDocument/didChange".to_string(),
                json!({ "textDocument": { "uri": uri, "version": version },
                        "contentChanges": [ { "text": prefix } ] }),
            )),
        );
        assert!(!out.is_empty(), "diagnostics are published for prefix {end}");
        // The deferred profile checks, as the server runs them when idle.
        server.idle();
        let line = prefix.matches('\n').count();
        let character = prefix[prefix.rfind('\n').map_or(0, |i| i + 1)..].encode_utf16().count();
        // At the cursor (the end) and in the middle of the text.
        for position in [
            json!({ "line": line, "character": character }),
            json!({ "line": line / 2, "character": 4 }),
        ] {
            let at = json!({ "textDocument": { "uri": uri }, "position": position });
            position_requests(&mut server, &mut id, &at);
        }
        id += 1;
        request(
            &mut server,
            id,
            "textDocument/formatting",
            json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } }),
        );
        id += 1;
        let symbols = request(
            &mut server,
            id,
            "textDocument/documentSymbol",
            json!({ "textDocument": { "uri": uri } }),
        );
        if end == text.len() {
            // The whole file: a full outline.
            assert!(symbols.as_array().is_some_and(|s| s.len() > 20), "{symbols}");
        }
    }
}

#[test]
fn profiles_are_checked_when_idle() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = temp.path().canonicalize().expect("canonical");
    let text = "stack s { namespace = \"n\"; }\n\
                component a { image = \"a:1.0\"; cpu = 1; memory = 1Gi; }\n\
                profile p { override a { replicas = \"two\"; } }\n";
    let mut server = Server::new(Settings::default(), Some(dir.clone()));
    let uri = uri_of(&dir.join("s.koku"));
    let codes = |out: &[Message]| -> Vec<String> {
        out.iter()
            .filter_map(|m| match m {
                Message::Notification(n) => Some(n.params["diagnostics"].clone()),
                _ => None,
            })
            .flat_map(|d| d.as_array().cloned().unwrap_or_default())
            .map(|d| {
                format!(
                    "{} {}",
                    d["code"].as_str().unwrap_or(""),
                    d["message"].as_str().unwrap_or("")
                )
            })
            .collect()
    };
    let first = open(&mut server, &uri, text);
    assert_eq!(codes(&first), Vec::<String>::new(), "the base stack is clean");
    assert!(server.has_pending());
    let later = server.idle();
    let found = codes(&later);
    assert!(found.iter().any(|c| c.starts_with("K0202 [profile p]")), "{found:?}");
    assert!(!server.has_pending());
}

/// An import of a file that never ends (a device) or of a huge file is refused
/// at the size limit, as by `kokuc check`: the buffers' loader reads files on
/// disk up to the limit, never whole.
#[cfg(target_os = "linux")]
#[test]
fn imports_from_disk_stop_at_the_size_limit() {
    let settings = Settings {
        limits: crate::limits::Limits {
            max_file_bytes: 1 << 16,
            ..crate::limits::Limits::default()
        },
        ..Settings::default()
    };
    let mut server = Server::new(settings, Some("/nonexistent-kokuc-test".into()));
    let out = open(
        &mut server,
        "file:///nonexistent-kokuc-test/s.koku",
        "let zero = import \"/dev/zero\";\nstack s { namespace = \"n\"; }\n",
    );
    let messages: Vec<String> = out
        .iter()
        .filter_map(|m| match m {
            Message::Notification(n) => n.params["diagnostics"].as_array().cloned(),
            _ => None,
        })
        .flatten()
        .map(|d| d["message"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("more than the limit of 65536 bytes")),
        "{messages:?}"
    );
}

/// Requests with the cursor just after a character of several bytes (the word
/// around the cursor starts after it, not one byte into it).
#[test]
fn requests_after_multi_byte_characters() {
    let mut server = Server::new(Settings::default(), Some("/nonexistent-kokuc-test".into()));
    let uri = "file:///nonexistent-kokuc-test/s.koku";
    open(
        &mut server,
        uri,
        "\u{feff}stack s { namespace = \"s\"; }\nlet s = \"café\";\nlet t = éx;\n",
    );
    let mut id = 0;
    // Past the BOM, after the `é` of the string, and on the `x` after an `é`.
    for (line, character) in [(0, 0), (0, 1), (1, 13), (2, 9), (2, 10)] {
        let at = json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } });
        position_requests(&mut server, &mut id, &at);
    }
}

/// Hover, definition, completion and references at one position, each asserted by `request`.
fn position_requests(server: &mut Server, id: &mut i32, at: &Value) {
    for method in [
        "textDocument/hover",
        "textDocument/definition",
        "textDocument/completion",
    ] {
        *id += 1;
        request(server, *id, method, at.clone());
    }
    *id += 1;
    let mut refs = at.clone();
    refs["context"] = json!({ "includeDeclaration": true });
    request(server, *id, "textDocument/references", refs);
}
