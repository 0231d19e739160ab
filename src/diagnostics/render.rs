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
    source: Shown,
    labels: Vec<LabeledSpan>,
    related: Vec<Report>,
}

impl Report {
    fn new(d: &Diagnostic, renderer: &Renderer<'_>) -> Report {
        // Labels grouped by file, the primary's file first.
        let mut groups: Vec<(FileId, Vec<(&super::Label, bool)>)> =
            vec![(d.primary.span.file, vec![(&d.primary, true)])];
        for label in &d.labels {
            match groups.iter_mut().find(|(f, _)| *f == label.span.file) {
                Some((_, group)) => group.push((label, false)),
                None => groups.push((label.span.file, vec![(label, false)])),
            }
        }
        let mut shown = groups.into_iter().map(|(file, labels)| {
            let source = renderer.source(file);
            let ranges: Vec<std::ops::Range<usize>> =
                labels.iter().map(|(l, _)| source.display_range(l.span)).collect();
            let shown = Shown::new(source, &ranges);
            let spans = labels
                .iter()
                .zip(&ranges)
                .map(|((label, primary), range)| {
                    let (start, end) = (shown.map(range.start), shown.map(range.end));
                    let span = SourceSpan::from(start..end.max(start));
                    let text = (!label.message.is_empty()).then(|| label.message.clone());
                    if *primary {
                        LabeledSpan::new_primary_with_span(text, span)
                    } else {
                        LabeledSpan::new_with_span(text, span)
                    }
                })
                .collect::<Vec<_>>();
            (shown, spans)
        });
        let (source, labels) = match shown.next() {
            Some(first) => first,
            None => (Shown::Whole(renderer.source(d.primary.span.file)), Vec::new()),
        };
        let related = shown
            .map(|(source, labels)| Report {
                code: String::new(),
                severity: Severity::Note,
                message: format!("see {}", source.name()),
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

    /// A span of the original text as a range of the display text: clamped into
    /// the file, on character boundaries, moved by what was replaced.
    fn display_range(&self, span: crate::source::Span) -> std::ops::Range<usize> {
        let text = &*self.original;
        let mut start = (span.start as usize).min(text.len());
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = (span.end as usize).clamp(start, text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        self.display_offset(start)..self.display_offset(end)
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

    /// Where a line's text ends, before its line break.
    fn line_end(&self, line: usize) -> usize {
        let next = self.line_starts.get(line + 1).copied().unwrap_or(self.text.len());
        let text = &self.text[self.line_starts[line]..next];
        let trimmed = text.strip_suffix('\n').unwrap_or(text);
        let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed);
        self.line_starts[line] + trimmed.len()
    }
}

impl SourceCode for DisplaySource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let column = |start: usize| {
            let line_start = self.line_starts[self.line_of(start)];
            self.text.get(line_start..start).map_or(0, |s| s.chars().count())
        };
        read_window(
            (&self.name, &self.text, &self.line_starts, 0),
            span,
            (context_lines_before, context_lines_after),
            column,
        )
    }
}

/// Hands miette only the lines it can show of `text` (its own search scans from
/// the start), with line numbers counted from `first_line` and the header's
/// column in characters (miette counts bytes; editors and rustc characters).
fn read_window<'a>(
    (name, text, line_starts, first_line): (&str, &'a str, &[usize], usize),
    span: &SourceSpan,
    (before, after): (usize, usize),
    column: impl Fn(usize) -> usize,
) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
    let line_of = |offset: usize| line_starts.partition_point(|&s| s <= offset).saturating_sub(1);
    let start = span.offset();
    let end = start.checked_add(span.len()).ok_or(MietteError::OutOfBounds)?;
    if end > text.len() {
        return Err(MietteError::OutOfBounds);
    }
    let top = line_of(start).saturating_sub(before);
    let bottom = line_of(end.saturating_sub(1).max(start))
        .saturating_add(after)
        .min(line_starts.len() - 1);
    let window_start = line_starts[top];
    let window_end = line_starts.get(bottom + 1).copied().unwrap_or(text.len());
    let window = &text.as_bytes()[window_start..window_end];
    let relative = SourceSpan::new((start - window_start).into(), span.len());
    let inner = window.read_span(&relative, before, after)?;
    let data: &'a [u8] = inner.data();
    let data_start = window_start + inner.span().offset();
    Ok(Box::new(MietteSpanContents::new_named(
        name.to_string(),
        data,
        SourceSpan::new(data_start.into(), data.len()),
        first_line + top + inner.line(),
        if before == 0 { column(start) } else { 0 },
        first_line + top + inner.line_count(),
    )))
}

/// Lines longer than this (in bytes) are shown around their labels only.
const LONG_LINE_BYTES: usize = 320;
/// Bytes kept on each side of a label's ends in a long line.
const KEPT_AROUND: usize = 60;

/// What miette sees of one file for one diagnostic: the whole display text, or,
/// when a label is on a very long line (a minified or generated file), an
/// excerpt of the lines around the labels with the far parts of long lines
/// elided (`…`), so that a diagnostic costs and prints the same on a line of a
/// megabyte as on a short one.
enum Shown {
    Whole(Arc<DisplaySource>),
    Excerpt(Excerpt),
}

struct Excerpt {
    source: Arc<DisplaySource>,
    /// Display line of the excerpt's first line.
    first_line: usize,
    text: String,
    line_starts: Vec<usize>,
    /// Kept pieces, in order: (display start, display end, excerpt start).
    pieces: Vec<(usize, usize, usize)>,
}

impl Shown {
    fn new(source: Arc<DisplaySource>, ranges: &[std::ops::Range<usize>]) -> Shown {
        let lines: Vec<usize> = ranges
            .iter()
            .flat_map(|r| [source.line_of(r.start), source.line_of(r.end)])
            .collect();
        let long = |line: usize| source.line_end(line) - source.line_starts[line] > LONG_LINE_BYTES;
        let (Some(&top), Some(&bottom)) = (lines.iter().min(), lines.iter().max()) else {
            return Shown::Whole(source);
        };
        let top = top.saturating_sub(1);
        let bottom = (bottom + 1).min(source.line_starts.len() - 1);
        if !(top..=bottom).any(long) {
            return Shown::Whole(source);
        }
        let points: Vec<usize> = ranges.iter().flat_map(|r| [r.start, r.end]).collect();
        let mut text = String::new();
        let mut pieces = Vec::new();
        for line in top..=bottom {
            let (start, end) = (source.line_starts[line], source.line_end(line));
            let mut keep: Vec<(usize, usize)> = if long(line) {
                let mut windows: Vec<(usize, usize)> = points
                    .iter()
                    .filter(|&&p| (start..=end).contains(&p))
                    .map(|&p| (p.saturating_sub(KEPT_AROUND).max(start), (p + KEPT_AROUND).min(end)))
                    .collect();
                if windows.is_empty() {
                    windows.push((start, (start + KEPT_AROUND).min(end)));
                }
                windows.sort_unstable();
                windows
            } else {
                vec![(start, end)]
            };
            // Cut on character boundaries and merge overlapping windows.
            for w in &mut keep {
                w.0 = floor_boundary(&source.text, w.0);
                w.1 = floor_boundary(&source.text, w.1);
            }
            let mut merged: Vec<(usize, usize)> = Vec::new();
            for (a, b) in keep {
                match merged.last_mut() {
                    Some(last) if a <= last.1 => last.1 = last.1.max(b),
                    _ => merged.push((a, b)),
                }
            }
            let mut at = start;
            for (a, b) in merged {
                if a > at {
                    text.push('…');
                }
                pieces.push((a, b, text.len()));
                text.push_str(&source.text[a..b]);
                at = b;
            }
            if at < end {
                text.push('…');
            }
            // The line break itself.
            let next = source.line_starts.get(line + 1).copied().unwrap_or(source.text.len());
            pieces.push((end, next, text.len()));
            text.push_str(&source.text[end..next]);
        }
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Shown::Excerpt(Excerpt {
            source,
            first_line: top,
            text,
            line_starts,
            pieces,
        })
    }

    fn name(&self) -> &str {
        match self {
            Shown::Whole(s) => &s.name,
            Shown::Excerpt(e) => &e.source.name,
        }
    }

    /// Where a display offset is in what miette sees.
    fn map(&self, offset: usize) -> usize {
        let Shown::Excerpt(e) = self else {
            return offset;
        };
        match e.pieces.partition_point(|&(start, _, _)| start <= offset) {
            0 => 0,
            n => {
                let (start, end, at) = e.pieces[n - 1];
                at + offset.min(end) - start
            }
        }
    }
}

impl Excerpt {
    /// The display offset of an excerpt offset (the end of the piece before an elision).
    fn unmap(&self, offset: usize) -> usize {
        match self.pieces.partition_point(|&(_, _, at)| at <= offset) {
            0 => 0,
            n => {
                let (start, end, at) = self.pieces[n - 1];
                (start + offset - at).min(end)
            }
        }
    }
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl SourceCode for Shown {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        match self {
            Shown::Whole(source) => source.read_span(span, context_lines_before, context_lines_after),
            Shown::Excerpt(e) => {
                let column = |start: usize| {
                    let display = e.unmap(start);
                    let line_start = e.source.line_starts[e.source.line_of(display)];
                    e.source.text.get(line_start..display).map_or(0, |s| s.chars().count())
                };
                read_window(
                    (&e.source.name, &e.text, &e.line_starts, e.first_line),
                    span,
                    (context_lines_before, context_lines_after),
                    column,
                )
            }
        }
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
