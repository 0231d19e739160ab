//! kokuc values → LSP values: paths ↔ URIs, spans → ranges, and the one
//! [`Diagnostic`] type → LSP diagnostics (the same diagnostics the CLI prints).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::{DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Position, Range, Uri};

use crate::diagnostics::{Diagnostic, Severity};
use crate::source::{SourceFile, SourceMap, Span};

/// The file path of a `file://` URI (percent-decoded); `None` for other schemes.
pub fn uri_to_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file://host/path` is not a local file; `file:///path` has an empty host.
    let path = rest.strip_prefix("localhost").unwrap_or(rest);
    if !path.starts_with('/') {
        return None;
    }
    let bytes = percent_decode(path.split(['?', '#']).next().unwrap_or(path))?;
    let text = String::from_utf8(bytes).ok()?;
    Some(PathBuf::from(text))
}

fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

/// The `file://` URI of an absolute path (relative paths are made absolute first).
pub fn path_to_uri(path: &Path) -> Option<Uri> {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(path)
    };
    let mut s = String::from("file://");
    for b in absolute.to_str()?.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            s.push(char::from(b));
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    Uri::from_str(&s).ok()
}

/// LSP position of a byte offset (UTF-16 columns).
pub fn position(file: &SourceFile, offset: usize) -> Position {
    let (line, col) = file.line_col_utf16(offset);
    Position::new(to_u32(line), to_u32(col))
}

/// Byte offset of an LSP position (clamped to the text).
pub fn offset(file: &SourceFile, position: Position) -> usize {
    file.offset_of_utf16(position.line as usize, position.character as usize)
}

pub fn range(file: &SourceFile, span: Span) -> Range {
    Range::new(position(file, span.start as usize), position(file, span.end as usize))
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The location of a span, if its file has a path that makes a URI.
pub fn location(sources: &SourceMap, span: Span) -> Option<Location> {
    let file = sources.try_get(span.file)?;
    Some(Location::new(path_to_uri(&file.path)?, range(file, span)))
}

/// A diagnostic in LSP form, grouped by the file it belongs in.
pub struct Published {
    pub path: PathBuf,
    pub diagnostic: lsp_types::Diagnostic,
}

fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Note => DiagnosticSeverity::INFORMATION,
    }
}

/// Converts one diagnostic: the primary span carries the message (with the
/// help appended) and every label as related information. Each short label
/// elsewhere (one line, not merely enclosing the primary span: the other end
/// of a cycle, the definition a profile overrode) is also published as an
/// information diagnostic of its own, so the editor underlines both ends.
pub fn diagnostic(d: &Diagnostic, sources: &SourceMap, prefix: &str) -> Vec<Published> {
    let Some(primary_file) = sources.try_get(d.primary.span.file) else {
        return Vec::new();
    };
    let primary_location = location(sources, d.primary.span);
    let mut message = format!("{prefix}{}", d.message);
    if !d.primary.message.is_empty() && !d.message.contains(&d.primary.message) {
        message.push_str(&format!("\n{}", d.primary.message));
    }
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .filter_map(|l| {
            Some(DiagnosticRelatedInformation {
                location: location(sources, l.span)?,
                message: if l.message.is_empty() {
                    "related".to_string()
                } else {
                    l.message.clone()
                },
            })
        })
        .collect();
    let mut out = vec![Published {
        path: primary_file.path.clone(),
        diagnostic: lsp_types::Diagnostic {
            range: range(primary_file, d.primary.span),
            severity: Some(severity(d.severity)),
            code: Some(NumberOrString::String(d.code.to_string())),
            code_description: None,
            source: Some("kokuc".to_string()),
            message,
            related_information: (!related.is_empty()).then_some(related),
            tags: None,
            data: None,
        },
    }];
    // Notes are context already; only problems get their other ends marked.
    let labels = if d.severity == Severity::Note {
        &[][..]
    } else {
        &d.labels[..]
    };
    for label in labels {
        let Some(file) = sources.try_get(label.span.file) else {
            continue;
        };
        let encloses_primary = label.span.file == d.primary.span.file
            && label.span.start <= d.primary.span.start
            && label.span.end >= d.primary.span.end;
        let text = file.text.get(label.span.range()).unwrap_or("");
        if encloses_primary || text.contains('\n') || label.message.is_empty() {
            continue;
        }
        out.push(Published {
            path: file.path.clone(),
            diagnostic: lsp_types::Diagnostic {
                range: range(file, label.span),
                severity: Some(DiagnosticSeverity::INFORMATION),
                code: Some(NumberOrString::String(d.code.to_string())),
                code_description: None,
                source: Some("kokuc".to_string()),
                message: format!("{prefix}{} ({})", label.message, d.message),
                related_information: primary_location.clone().map(|location| {
                    vec![DiagnosticRelatedInformation {
                        location,
                        message: d.message.clone(),
                    }]
                }),
                tags: None,
                data: None,
            },
        });
    }
    out
}

/// Groups converted diagnostics by file, in source order, without duplicates.
pub fn by_file(items: Vec<Published>) -> BTreeMap<PathBuf, Vec<lsp_types::Diagnostic>> {
    let mut out: BTreeMap<PathBuf, Vec<lsp_types::Diagnostic>> = BTreeMap::new();
    for p in items {
        let list = out.entry(p.path).or_default();
        if !list.contains(&p.diagnostic) {
            list.push(p.diagnostic);
        }
    }
    for list in out.values_mut() {
        list.sort_by(|a, b| (a.range.start, a.range.end, &a.message).cmp(&(b.range.start, b.range.end, &b.message)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_round_trip_with_escapes() {
        let path = Path::new("/tmp/a dir/ü.koku");
        let uri = path_to_uri(path).expect("uri");
        assert_eq!(uri.as_str(), "file:///tmp/a%20dir/%C3%BC.koku");
        assert_eq!(uri_to_path(&uri).as_deref(), Some(path));
        let other = Uri::from_str("untitled:Untitled-1").expect("uri");
        assert_eq!(uri_to_path(&other), None);
    }
}
