//! Diagnostics as JSON (`kokuc check --format json`) and as GitHub Actions
//! workflow commands (`--format github`). The JSON shape is described by
//! `docs/diagnostics.schema.json`; lines and columns are 1-based, columns
//! count characters, offsets are bytes.

use serde::Serialize;

use super::{Diagnostic, Label, Severity};
use crate::source::{SourceMap, Span};

/// The version of the JSON shape; bumped on any incompatible change.
pub const VERSION: u32 = 1;

/// One `kokuc check` run: every stack and profile checked, and what each found.
#[derive(Debug, Serialize)]
pub struct Report {
    pub version: u32,
    pub runs: Vec<Run>,
    pub diagnostics: Vec<JsonDiagnostic>,
    pub summary: Summary,
}

#[derive(Debug, Serialize)]
pub struct Run {
    pub stack: String,
    pub profile: Option<String>,
    pub ok: bool,
    pub errors: usize,
    pub warnings: usize,
}

#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
}

#[derive(Debug, Serialize)]
pub struct JsonDiagnostic {
    pub code: String,
    pub severity: Severity,
    pub message: String,
    /// The stack file being checked and its profile, when it has one.
    pub stack: String,
    pub profile: Option<String>,
    pub primary: Location,
    pub labels: Vec<Location>,
    pub help: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Location {
    pub file: String,
    pub message: String,
    pub offset: Offsets,
    pub start: LineColumn,
    pub end: LineColumn,
}

#[derive(Debug, Serialize)]
pub struct Offsets {
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Serialize)]
pub struct LineColumn {
    pub line: usize,
    pub column: usize,
}

impl Report {
    pub fn new() -> Report {
        Report {
            version: VERSION,
            runs: Vec::new(),
            diagnostics: Vec::new(),
            summary: Summary::default(),
        }
    }

    /// Adds one run's diagnostics (in source order).
    pub fn add_run(&mut self, stack: &str, profile: Option<&str>, diagnostics: &[Diagnostic], sources: &SourceMap) {
        let count = |s: Severity| diagnostics.iter().filter(|d| d.severity == s).count();
        let (errors, warnings) = (count(Severity::Error), count(Severity::Warning));
        self.summary.errors += errors;
        self.summary.warnings += warnings;
        self.summary.notes += count(Severity::Note);
        self.runs.push(Run {
            stack: stack.to_string(),
            profile: profile.map(str::to_string),
            ok: errors == 0,
            errors,
            warnings,
        });
        for d in diagnostics {
            self.diagnostics.push(JsonDiagnostic {
                code: d.code.to_string(),
                severity: d.severity,
                message: d.message.clone(),
                stack: stack.to_string(),
                profile: profile.map(str::to_string),
                primary: location(&d.primary, sources),
                labels: d.labels.iter().map(|l| location(l, sources)).collect(),
                help: d.help.clone(),
            });
        }
    }

    pub fn to_json(&self) -> String {
        // Plain data of strings and numbers: serialization cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

impl Default for Report {
    fn default() -> Self {
        Report::new()
    }
}

fn line_column(sources: &SourceMap, span: Span, offset: usize) -> LineColumn {
    let (line, column) = sources.try_get(span.file).map_or((0, 0), |f| f.line_col(offset));
    LineColumn {
        line: line + 1,
        column: column + 1,
    }
}

fn location(label: &Label, sources: &SourceMap) -> Location {
    let file = sources
        .try_get(label.span.file)
        .map(|f| f.name.clone())
        .unwrap_or_default();
    Location {
        file,
        message: label.message.clone(),
        offset: Offsets {
            start: label.span.start as usize,
            end: label.span.end as usize,
        },
        start: line_column(sources, label.span, label.span.start as usize),
        end: line_column(sources, label.span, label.span.end as usize),
    }
}

/// One GitHub Actions workflow command (`::error file=...,line=...::message`).
pub fn github(d: &Diagnostic, sources: &SourceMap, profile: Option<&str>) -> String {
    let command = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    };
    let loc = location(&d.primary, sources);
    let title = match profile {
        Some(p) => format!("{} (profile {p})", d.code),
        None => d.code.to_string(),
    };
    let mut message = d.message.clone();
    if !d.primary.message.is_empty() {
        message.push_str(&format!(": {}", d.primary.message));
    }
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    format!(
        "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
        property(&loc.file),
        loc.start.line,
        loc.start.column,
        loc.end.line,
        loc.end.column,
        property(&title),
        data(&message)
    )
}

/// Escapes a workflow command's message.
fn data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Code;

    #[test]
    fn github_commands_escape_their_parts() {
        let mut sources = SourceMap::new();
        let id = sources.add("a,b.koku", "a,b.koku", "let x = 1;\nlet y = z;\n");
        let d = Diagnostic::error(Code::K0201, "unknown name `z`", Span::new(id, 19, 20), "100%")
            .with_help("define it\nwith let");
        assert_eq!(
            github(&d, &sources, Some("p")),
            "::error file=a%2Cb.koku,line=2,col=9,endLine=2,endColumn=10,title=K0201 (profile p)::unknown name `z`: 100%25%0Ahelp: define it%0Awith let"
        );
    }
}
