//! Source files, byte spans and line/column conversion.
//!
//! Every AST node, value and diagnostic label carries a [`Span`]: a file id and
//! a byte range. Line and column numbers are computed only here, on demand.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Index of a file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A byte range in one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: clamp_u32(start),
            end: clamp_u32(end),
        }
    }

    /// The smallest span covering both (they must be in the same file).
    pub fn to(self, other: Span) -> Span {
        if self.file != other.file {
            return self;
        }
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    pub fn contains(self, file: FileId, offset: usize) -> bool {
        self.file == file && (self.start as usize) <= offset && offset <= self.end as usize
    }
}

fn clamp_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A value together with the span it was written at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

/// One loaded file: its path as shown to the user, and its text.
#[derive(Debug)]
pub struct SourceFile {
    /// Path as given on the command line or resolved from an import (shown in diagnostics).
    pub name: String,
    /// Absolute or as-given path used to resolve relative imports.
    pub path: PathBuf,
    pub text: Arc<str>,
    line_starts: Vec<usize>,
}

/// The byte-order mark some editors write at the start of a file. It is kept in
/// the text (so byte offsets are file offsets) but is not a column: editors hide it.
const BOM: &str = "\u{FEFF}";

impl SourceFile {
    fn new(name: String, path: PathBuf, text: Arc<str>) -> SourceFile {
        // A line ends at `\n`, `\r\n` or a lone `\r`, as in editors and LSP.
        let mut line_starts = vec![0];
        let bytes = text.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
                line_starts.push(i + 1);
            }
        }
        SourceFile {
            name,
            path,
            text,
            line_starts,
        }
    }

    /// The line holding a byte offset, and where its text starts (after a BOM on line 0).
    fn line_and_start(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset).saturating_sub(1);
        (line, self.content_start(line))
    }

    /// Where the text of a line starts: its first byte, past the BOM on line 0.
    fn content_start(&self, line: usize) -> usize {
        let start = self.line_starts.get(line).copied().unwrap_or(self.text.len());
        if line == 0 && self.text.starts_with(BOM) {
            start + BOM.len()
        } else {
            start
        }
    }

    /// Where the text of a line ends: before its `\n`, `\r\n` or `\r`.
    fn content_end(&self, line: usize) -> usize {
        let end = self.line_starts.get(line + 1).copied().unwrap_or(self.text.len());
        let line_text = self.text.get(..end).unwrap_or("");
        let without = line_text
            .strip_suffix("\r\n")
            .or_else(|| line_text.strip_suffix('\n'))
            .or_else(|| line_text.strip_suffix('\r'))
            .unwrap_or(line_text);
        without.len().max(self.content_start(line).min(end))
    }

    /// The text between a line's start and an offset on it (empty inside a BOM or a line break).
    fn prefix(&self, offset: usize) -> (usize, &str) {
        let offset = offset.min(self.text.len());
        let (line, start) = self.line_and_start(offset);
        (line, self.text.get(start..offset).unwrap_or(""))
    }

    /// Zero-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let (line, prefix) = self.prefix(offset);
        (line, prefix.chars().count())
    }

    /// Zero-based line and column in UTF-16 code units (what LSP clients count).
    pub fn line_col_utf16(&self, offset: usize) -> (usize, usize) {
        let (line, prefix) = self.prefix(offset);
        (line, prefix.encode_utf16().count())
    }

    /// Byte offset of a zero-based line and UTF-16 column, clamped to the line's
    /// text (a column past its end is the end, before the line break; one inside
    /// a character that takes two UTF-16 units is the character's start).
    pub fn offset_of_utf16(&self, line: usize, col: usize) -> usize {
        if line >= self.line_starts.len() {
            return self.text.len();
        }
        let start = self.content_start(line);
        let end = self.content_end(line);
        let mut units = 0;
        for (i, c) in self.text.get(start..end).unwrap_or("").char_indices() {
            units += c.len_utf16();
            if units > col {
                return start + i;
            }
        }
        end
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

/// All files of one compilation, indexed by [`FileId`].
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    pub fn add(&mut self, name: impl Into<String>, path: impl AsRef<Path>, text: impl Into<Arc<str>>) -> FileId {
        let id = FileId(clamp_u32(self.files.len()));
        self.files
            .push(SourceFile::new(name.into(), path.as_ref().to_path_buf(), text.into()));
        id
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn try_get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    pub fn find_by_path(&self, path: &Path) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| f.path == path)
            .map(|i| FileId(clamp_u32(i)))
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate().map(|(i, f)| (FileId(clamp_u32(i)), f))
    }

    /// The text a span covers (empty if the span is out of range).
    pub fn snippet(&self, span: Span) -> &str {
        self.try_get(span.file)
            .and_then(|f| f.text.get(span.range()))
            .unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile::new("a.koku".into(), "a.koku".into(), Arc::from(text))
    }

    #[test]
    fn line_col_counts_characters_and_utf16() {
        let f = file("ab\n\u{e9}x\r\n\u{1F600}y");
        assert_eq!(f.line_col(0), (0, 0));
        assert_eq!(f.line_col(3), (1, 0));
        assert_eq!(f.line_col(5), (1, 1)); // after the two-byte é
        let emoji_end = "ab\n\u{e9}x\r\n\u{1F600}".len();
        assert_eq!(f.line_col(emoji_end), (2, 1));
        assert_eq!(f.line_col_utf16(emoji_end), (2, 2));
        assert_eq!(f.offset_of_utf16(2, 2), emoji_end);
    }

    #[test]
    fn utf16_positions_round_trip_on_every_character_boundary() {
        let text = "\u{FEFF}# caf\u{e9} \u{1F600}\r\nlet x = \"\t\u{1F600}\";\rlet y = 1;\n\u{10FFFF}";
        let f = file(text);
        for (offset, _) in text.char_indices().chain([(text.len(), ' ')]) {
            let (line, col) = f.line_col_utf16(offset);
            let back = f.offset_of_utf16(line, col);
            // Offsets inside a line break or the BOM have no position of their own.
            let expected = if offset == 0 { 3 } else { offset };
            if text[..offset].ends_with('\r') && text[offset..].starts_with('\n') {
                assert_eq!(back, offset - 1, "offset {offset}");
            } else {
                assert_eq!(back, expected, "offset {offset} -> {line}:{col}");
            }
        }
    }

    #[test]
    fn bom_crlf_and_lone_cr_positions() {
        let f = file("\u{FEFF}ab\r\ncd\ref\n");
        assert_eq!(f.line_count(), 4);
        assert_eq!(f.line_col(3), (0, 0), "the BOM is not a column");
        assert_eq!(f.line_col_utf16(4), (0, 1));
        assert_eq!(f.line_col(7), (1, 0));
        assert_eq!(f.line_col(10), (2, 0), "a lone CR ends a line");
        assert_eq!(f.offset_of_utf16(0, 0), 3);
        assert_eq!(f.offset_of_utf16(0, 99), 5, "clamped before the CRLF");
        assert_eq!(f.offset_of_utf16(1, 99), 9, "clamped before the lone CR");
        assert_eq!(f.offset_of_utf16(2, 99), 12);
        assert_eq!(f.offset_of_utf16(3, 0), 13);
        assert_eq!(f.offset_of_utf16(9, 0), 13);
    }

    #[test]
    fn utf16_column_inside_a_surrogate_pair_is_the_character_start() {
        let f = file("a\u{1F600}b");
        assert_eq!(f.offset_of_utf16(0, 1), 1);
        assert_eq!(f.offset_of_utf16(0, 2), 1);
        assert_eq!(f.offset_of_utf16(0, 3), 5);
    }
}
