//! Spans stay exactly right whatever the text looks like: a byte-order mark,
//! CRLF or lone-CR line ends, tabs, and non-ASCII in comments and strings. For
//! each case the expected position is computed here from the text itself and
//! checked three ways: the raw byte span, miette's rendering (the
//! `file:line:column` header and the column of the underline), and the
//! language server's UTF-16 positions (`SourceFile::line_col_utf16` and back).

use std::path::Path;

use kokuc::diagnostics::render::{render, RenderOptions};
use kokuc::diagnostics::{Code, Diagnostic};
use kokuc::eval::MemoryLoader;
use kokuc::Options;

const BOM: &str = "\u{FEFF}";

/// Compiles `text` and returns the first diagnostic with `code`, and the compilation.
fn diagnose(text: &str, code: Code) -> (Diagnostic, kokuc::Compilation) {
    let mut loader = MemoryLoader::new(None);
    loader.insert("input.koku", text);
    let c = kokuc::compile(&loader, Path::new("input.koku"), &Options::default());
    let d = c
        .diagnostics
        .iter()
        .find(|d| d.code == code)
        .cloned()
        .unwrap_or_else(|| panic!("no {code} for {text:?}: {:?}", c.diagnostics));
    (d, c)
}

/// Line (1-based) and column (1-based, in characters, the BOM not counted) of a
/// byte offset, computed independently of kokuc: lines end at \n, \r\n or \r.
fn expected_position(text: &str, offset: usize) -> (usize, usize, usize) {
    let before = &text[..offset];
    let mut line = 1;
    let mut line_start = 0;
    let bytes = before.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let lone_cr = b == b'\r' && text.as_bytes().get(i + 1) != Some(&b'\n');
        if b == b'\n' || lone_cr {
            line += 1;
            line_start = i + 1;
        }
    }
    let prefix = before[line_start..].trim_start_matches(BOM);
    (line, prefix.chars().count() + 1, prefix.encode_utf16().count())
}

/// A line as miette draws it, tabs expanded to stops every 4 columns, and its
/// width in terminal columns (the wide characters used here take two).
fn expand(s: &str) -> (String, usize) {
    let (mut out, mut column) = (String::new(), 0);
    for c in s.chars() {
        match c {
            '\t' => {
                let next = (column / 4 + 1) * 4;
                out.push_str(&" ".repeat(next - column));
                column = next;
            }
            '\u{1F600}' | '\u{8CBB}' | '\u{7528}' => {
                out.push(c);
                column += 2;
            }
            _ => {
                out.push(c);
                column += 1;
            }
        }
    }
    (out, column)
}

/// Checks the diagnostic's primary span against `token`, the only occurrence of
/// it in `text` after `after` (zero-width when `empty`).
fn check(text: &str, code: Code, after: &str, token: &str, empty: bool) {
    let (d, c) = diagnose(text, code);
    let from = text.find(after).expect("anchor in text") + after.len();
    let start = from + text[from..].find(token).expect("token after anchor");
    let end = if empty { start } else { start + token.len() };
    assert_eq!(d.primary.span.range(), start..end, "raw span of {code} in {text:?}");

    let (line, column, utf16) = expected_position(text, start);
    let rendered = render(&d, &c.sources, RenderOptions::default());
    assert!(
        rendered.contains(&format!("[input.koku:{line}:{column}]")),
        "header should be {line}:{column}:\n{rendered}"
    );
    // The underline starts under the token: find the rendered source line and the
    // first underline character below it.
    let gutter = format!("{line} │ ");
    let source_line = rendered
        .lines()
        .find(|l| l.trim_start().starts_with(&gutter))
        .unwrap_or_else(|| panic!("line {line} not shown:\n{rendered}"));
    let shown = &source_line[source_line.find(&gutter).expect("gutter") + gutter.len()..];
    let original_line = {
        let line_text = &text[text[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1)..];
        line_text.trim_start_matches(BOM)
    };
    let prefix_len = original_line.find(token).expect("token on its line");
    let (expanded, token_column) = expand(&original_line[..prefix_len]);
    assert!(shown.starts_with(&expanded), "{rendered}");
    let underline = rendered
        .lines()
        .skip_while(|l| *l != source_line)
        .nth(1)
        .expect("a line under the source");
    let marks = underline.split_once('·').expect("underline gutter").1;
    let first_mark = marks
        .chars()
        .position(|ch| matches!(ch, '─' | '┬' | '▲' | '╰'))
        .expect("an underline");
    assert_eq!(first_mark, token_column + 1, "underline column in:\n{rendered}");

    let file = c.sources.get(d.primary.span.file);
    assert_eq!(file.line_col_utf16(start), (line - 1, utf16), "UTF-16 position");
    assert_eq!(
        file.offset_of_utf16(line - 1, utf16),
        start,
        "UTF-16 position back to bytes"
    );
    assert_eq!(file.line_col(start), (line - 1, column - 1), "character position");
}

const STACK: &str = "stack s { namespace = \"s\"; }\n";

#[test]
fn byte_order_mark_on_the_error_line_and_above() {
    check(&format!("{BOM}let x = 1 +;\n{STACK}"), Code::K0101, "1 +", ";", false);
    check(&format!("{BOM}{STACK}let y = 2 +;\n"), Code::K0101, "2 +", ";", false);
}

#[test]
fn crlf_and_lone_cr_line_ends() {
    let crlf = format!("{STACK}component app {{\r\n  image = \"x:1\"\r\n  cpu = 1;\r\n}}\r\n");
    check(&crlf, Code::K0101, "\"x:1\"", "\r\n", true);
    let lone_cr = format!("{}let a = 1;\rlet b = a +;\r", STACK.replace('\n', "\r"));
    check(&lone_cr, Code::K0101, "a +", ";", false);
}

#[test]
fn tabs_before_the_error() {
    let text =
        format!("{STACK}component app {{\n\timage = \"x:1\";\n\tcpu =\t1;\n\tmemory = 1Gi;\n\treplicas =\tzz;\n}}\n");
    check(&text, Code::K0201, "replicas =", "zz", false);
}

#[test]
fn non_ascii_in_comments_and_strings() {
    let text = format!(
        "# Kosten für Trino: 費用 😀\n{STACK}component app {{ image = \"é😀費用\"; cpu = 1; memory = 1Gi; replicas = zz; }}\n"
    );
    check(&text, Code::K0201, "replicas = ", "zz", false);
    let text = format!("{STACK}# é\nlet s = \"😀\" + \"é\";\nlet bad = s + 費用;\n");
    let (d, _) = diagnose(&text, Code::K0101);
    // `費` is not a name character: the error is at it, whatever came before on the line.
    let start = text.find('費').expect("marker");
    assert_eq!(d.primary.span.start as usize, start);
}

#[test]
fn invalid_utf8_points_at_the_byte() {
    let mut bytes = format!("{BOM}{STACK}# caf").into_bytes();
    let offset = bytes.len();
    bytes.extend_from_slice(b"\xe9 au lait\n");
    let mut sources = kokuc::source::SourceMap::new();
    let Err(kokuc::eval::LoadError::NotUtf8 { valid_up_to, lossy }) = kokuc::eval::loader::decode(bytes) else {
        panic!("not UTF-8 expected");
    };
    assert_eq!(valid_up_to, offset);
    let id = sources.add("input.koku", "input.koku", lossy);
    let d = kokuc::not_utf8_diagnostic(id, valid_up_to);
    assert!(d.message.contains(&format!("offset {offset}")), "{}", d.message);
    let rendered = render(&d, &sources, RenderOptions::default());
    // Line 2, after `# caf`: column 6.
    assert!(rendered.contains("[input.koku:2:6]"), "{rendered}");
    assert!(rendered.contains("# caf\u{FFFD} au lait"), "{rendered}");
}
