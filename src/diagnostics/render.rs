//! Terminal rendering of [`Diagnostic`]s through miette.
//!
//! Labels in the primary file are drawn on that file's snippet; labels in other
//! files (a value written in an imported library, say) become related reports
//! with their own snippet, so a two-file diagnostic shows both places.

use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};

use super::{Diagnostic, Severity};
use crate::source::{FileId, SourceMap};

/// How to draw reports.
#[derive(Clone, Copy, Debug)]
pub struct RenderOptions {
    pub color: bool,
    pub width: usize,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            color: false,
            width: 100,
        }
    }
}

/// Renders one diagnostic to a string (no trailing blank line).
pub fn render(diagnostic: &Diagnostic, sources: &SourceMap, options: RenderOptions) -> String {
    let report = Report::new(diagnostic, sources);
    let theme = if options.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(options.width)
        .with_links(false)
        .tab_width(4);
    let mut out = String::new();
    if handler.render_report(&mut out, &report).is_err() {
        // miette only fails on fmt errors from a String writer, which cannot happen;
        // fall back to a plain line rather than lose the diagnostic.
        out = format!(
            "{}[{}]: {}\n",
            diagnostic.severity.as_str(),
            diagnostic.code,
            diagnostic.message
        );
    }
    while out.ends_with('\n') {
        out.pop();
    }
    out
}

/// Renders many diagnostics separated by blank lines, ending with a newline.
pub fn render_all<'a>(
    diagnostics: impl IntoIterator<Item = &'a Diagnostic>,
    sources: &SourceMap,
    options: RenderOptions,
) -> String {
    let mut out = String::new();
    for d in diagnostics {
        out.push_str(&render(d, sources, options));
        out.push_str("\n\n");
    }
    out
}

struct Report {
    code: String,
    severity: Severity,
    message: String,
    help: Option<String>,
    source: NamedSource<String>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report>,
}

impl Report {
    fn new(d: &Diagnostic, sources: &SourceMap) -> Report {
        let primary_file = d.primary.span.file;
        let mut labels = vec![labeled(&d.primary, true, sources)];
        let mut others: Vec<(FileId, Vec<LabeledSpan>)> = Vec::new();
        for label in &d.labels {
            let span = labeled(label, false, sources);
            if label.span.file == primary_file {
                labels.push(span);
            } else if let Some((_, group)) = others.iter_mut().find(|(f, _)| *f == label.span.file) {
                group.push(span);
            } else {
                others.push((label.span.file, vec![span]));
            }
        }
        let related = others
            .into_iter()
            .map(|(file, labels)| Report {
                code: String::new(),
                severity: Severity::Note,
                message: format!("see {}", file_name(sources, file)),
                help: None,
                source: named_source(sources, file),
                labels,
                related: Vec::new(),
            })
            .collect();
        Report {
            code: d.code.to_string(),
            severity: d.severity,
            message: d.message.clone(),
            help: d.help.clone(),
            source: named_source(sources, primary_file),
            labels,
            related,
        }
    }
}

fn file_name(sources: &SourceMap, file: FileId) -> String {
    sources
        .try_get(file)
        .map(|f| f.name.clone())
        .unwrap_or_else(|| "<unknown>".to_string())
}

fn named_source(sources: &SourceMap, file: FileId) -> NamedSource<String> {
    let text = sources.try_get(file).map(|f| f.text.to_string()).unwrap_or_default();
    NamedSource::new(file_name(sources, file), text)
}

fn labeled(label: &super::Label, primary: bool, sources: &SourceMap) -> LabeledSpan {
    let text = sources.try_get(label.span.file).map_or("", |f| &*f.text);
    let mut start = (label.span.start as usize).min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (label.span.end as usize).clamp(start, text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    let span = SourceSpan::from(start..end);
    let text = (!label.message.is_empty()).then(|| label.message.clone());
    if primary {
        LabeledSpan::new_primary_with_span(text, span)
    } else {
        LabeledSpan::new_with_span(text, span)
    }
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        (!self.code.is_empty()).then(|| Box::new(&self.code) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|r| r as &dyn miette::Diagnostic)))
    }
}
