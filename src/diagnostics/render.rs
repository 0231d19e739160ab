//! Terminal rendering of [`Diagnostic`]s through miette.
//!
//! Labels in the primary file are drawn on that file's snippet; labels in other
//! files (a value written in an imported library, say) become related reports
//! with their own snippet, so a two-file diagnostic shows both places.
//!
//! miette sees each file through a [`DisplaySource`], built once per file and
//! rendering: a leading byte-order mark is dropped, control characters and
//! bidirectional overrides become visible symbols (a hostile file cannot move
//! the terminal's cursor or reorder what it shows), a lone carriage return is a
//! line break as in editors, and the `file:line:column` header counts
//! characters, not bytes. Only the window of lines around a label is handed to
//! miette, so rendering costs the same in a 60-megabyte file as in a small one.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan,
    SpanContents,
};

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

/// Renders diagnostics of one [`SourceMap`], preparing each file once.
pub struct Renderer<'a> {
    sources: &'a SourceMap,
    options: RenderOptions,
    prepared: std::cell::RefCell<BTreeMap<FileId, Arc<DisplaySource>>>,
}

impl<'a> Renderer<'a> {
    pub fn new(sources: &'a SourceMap, options: RenderOptions) -> Renderer<'a> {
        Renderer {
            sources,
            options,
            prepared: std::cell::RefCell::new(BTreeMap::new()),
        }
    }

    /// Renders one diagnostic to a string (no trailing blank line).
    pub fn render(&self, diagnostic: &Diagnostic) -> String {
        let report = Report::new(diagnostic, self);
        let theme = if self.options.color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme)
            .with_width(self.options.width)
            .with_links(false)
            .tab_width(4);
        let mut out = String::new();
        if handler.render_report(&mut out, &report).is_err() {
            // miette fails only when a span is outside its source, which `labeled`
            // rules out; fall back to a plain line rather than lose the diagnostic.
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

    fn source(&self, file: FileId) -> Arc<DisplaySource> {
        self.prepared
            .borrow_mut()
            .entry(file)
            .or_insert_with(|| {
                let (name, text) = match self.sources.try_get(file) {
                    Some(f) => (f.name.clone(), &*f.text),
                    None => ("<unknown>".to_string(), ""),
                };
                Arc::new(DisplaySource::new(name, text))
            })
            .clone()
    }
}

/// Renders one diagnostic to a string (no trailing blank line).
pub fn render(diagnostic: &Diagnostic, sources: &SourceMap, options: RenderOptions) -> String {
    Renderer::new(sources, options).render(diagnostic)
}

/// Renders many diagnostics separated by blank lines, ending with a newline.
pub fn render_all<'a>(
    diagnostics: impl IntoIterator<Item = &'a Diagnostic>,
    sources: &SourceMap,
    options: RenderOptions,
) -> String {
    let renderer = Renderer::new(sources, options);
    let mut out = String::new();
    for d in diagnostics {
        out.push_str(&renderer.render(d));
        out.push_str("\n\n");
    }
    out
}

struct Report {
    code: String,
    severity: Severity,
    message: String,
    help: Option<String>,
    source: Arc<DisplaySource>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report>,
}

impl Report {
    fn new(d: &Diagnostic, renderer: &Renderer<'_>) -> Report {
        let primary_file = d.primary.span.file;
        let source = renderer.source(primary_file);
        let mut labels = vec![labeled(&d.primary, true, &source)];
        let mut others: Vec<(FileId, Arc<DisplaySource>, Vec<LabeledSpan>)> = Vec::new();
        for label in &d.labels {
            if label.span.file == primary_file {
                labels.push(labeled(label, false, &source));
            } else if let Some((_, other, group)) = others.iter_mut().find(|(f, _, _)| *f == label.span.file) {
                group.push(labeled(label, false, other));
            } else {
                let other = renderer.source(label.span.file);
                let span = labeled(label, false, &other);
                others.push((label.span.file, other, vec![span]));
            }
        }
        let related = others
            .into_iter()
            .map(|(_, source, labels)| Report {
                code: String::new(),
                severity: Severity::Note,
                message: format!("see {}", source.name),
                help: None,
                source,
                labels,
                related: Vec::new(),
            })
            .collect();
        Report {
            code: d.code.to_string(),
            severity: d.severity,
            message: d.message.clone(),
            help: d.help.clone(),
            source,
            labels,
            related,
        }
    }
}

/// A label on the display text: clamped into the file, on character
/// boundaries, and moved by what [`DisplaySource`] replaced.
fn labeled(label: &super::Label, primary: bool, source: &DisplaySource) -> LabeledSpan {
    let text = &*source.original;
    let mut start = (label.span.start as usize).min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (label.span.end as usize).clamp(start, text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    let (start, end) = (source.display_offset(start), source.display_offset(end));
    let span = SourceSpan::from(start..end.max(start));
    let text = (!label.message.is_empty()).then(|| label.message.clone());
    if primary {
        LabeledSpan::new_primary_with_span(text, span)
    } else {
        LabeledSpan::new_with_span(text, span)
    }
}

/// A file as shown in a terminal (see the module documentation).
struct DisplaySource {
    name: String,
    original: Arc<str>,
    text: String,
    /// Byte offsets where display lines start.
    line_starts: Vec<usize>,
    /// (end of a replaced character in the original, total shift from there on).
    shifts: Vec<(usize, isize)>,
}

impl DisplaySource {
    fn new(name: String, original: &str) -> DisplaySource {
        let mut text = String::with_capacity(original.len());
        let mut shifts: Vec<(usize, isize)> = Vec::new();
        let mut shift: isize = 0;
        let mut chars = original.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let shown: Option<char> = match c {
                '\u{FEFF}' if i == 0 => None,
                '\r' if chars.peek().is_some_and(|&(_, next)| next == '\n') => Some('\r'),
                '\r' => Some('\n'),
                '\t' | '\n' => Some(c),
                // C0 controls and DEL as their Unicode control pictures.
                '\u{0}'..='\u{1F}' => char::from_u32(0x2400 + u32::from(c)),
                '\u{7F}' => Some('\u{2421}'),
                // C1 controls, zero-width and bidirectional format characters, and a BOM
                // inside the file: shown, so that what is underlined can be seen.
                '\u{80}'..='\u{9F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}'
                | '\u{FEFF}' => Some('\u{FFFD}'),
                _ => Some(c),
            };
            let shown_len = shown.map_or(0, char::len_utf8);
            if let Some(s) = shown {
                text.push(s);
            }
            if shown_len != c.len_utf8() {
                shift += isize::try_from(shown_len).unwrap_or(0) - isize::try_from(c.len_utf8()).unwrap_or(0);
                shifts.push((i + c.len_utf8(), shift));
            }
        }
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        DisplaySource {
            name,
            original: Arc::from(original),
            text,
            line_starts,
            shifts,
        }
    }

    /// Where an offset of the original text is in the display text.
    fn display_offset(&self, offset: usize) -> usize {
        let shift = match self.shifts.partition_point(|&(at, _)| at <= offset) {
            0 => 0,
            n => self.shifts[n - 1].1,
        };
        offset.saturating_add_signed(shift).min(self.text.len())
    }

    fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&s| s <= offset).saturating_sub(1)
    }
}

impl SourceCode for DisplaySource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let start = span.offset();
        let end = start.checked_add(span.len()).ok_or(MietteError::OutOfBounds)?;
        if end > self.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        // Only the lines miette can show go to it: its own search scans from the window's start.
        let first_line = self.line_of(start).saturating_sub(context_lines_before);
        let last_line = self
            .line_of(end.saturating_sub(1).max(start))
            .saturating_add(context_lines_after)
            .min(self.line_starts.len() - 1);
        let window_start = self.line_starts[first_line];
        let window_end = self.line_starts.get(last_line + 1).copied().unwrap_or(self.text.len());
        let window = &self.text.as_bytes()[window_start..window_end];
        let relative = SourceSpan::new((start - window_start).into(), span.len());
        let inner = window.read_span(&relative, context_lines_before, context_lines_after)?;
        let data: &'a [u8] = inner.data();
        let data_start = window_start + inner.span().offset();
        // miette counts the column in bytes; editors and rustc count characters.
        let column = if context_lines_before == 0 {
            let line_start = self.line_starts[self.line_of(start)];
            self.text.get(line_start..start).map_or(0, |s| s.chars().count())
        } else {
            0
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            data,
            SourceSpan::new(data_start.into(), data.len()),
            first_line + inner.line(),
            column,
            first_line + inner.line_count(),
        )))
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
