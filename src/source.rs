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

impl SourceFile {
    fn new(name: String, path: PathBuf, text: Arc<str>) -> SourceFile {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            name,
            path,
            text,
            line_starts,
        }
    }

    /// Zero-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        };
        let start = self.line_starts[line];
        let prefix = self.text.get(start..offset).unwrap_or("");
        (line, prefix.chars().count())
    }

    /// Zero-based line and column in UTF-16 code units (what LSP clients count).
    pub fn line_col_utf16(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let (line, _) = self.line_col(offset);
        let start = self.line_starts[line];
        let prefix = self.text.get(start..offset).unwrap_or("");
        (line, prefix.encode_utf16().count())
    }

    /// Byte offset of a zero-based line and UTF-16 column (clamped to the line).
    pub fn offset_of_utf16(&self, line: usize, col: usize) -> usize {
        let Some(&start) = self.line_starts.get(line) else {
            return self.text.len();
        };
        let end = self.line_starts.get(line + 1).copied().unwrap_or(self.text.len());
        let mut units = 0;
        for (i, c) in self.text[start..end].char_indices() {
            if units >= col || c == '\n' {
                return start + i;
            }
            units += c.len_utf16();
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

    #[test]
    fn line_col_counts_characters_and_utf16() {
        let mut map = SourceMap::new();
        let id = map.add("a.koku", "a.koku", "ab\n\u{e9}x\r\n\u{1F600}y");
        let f = map.get(id);
        assert_eq!(f.line_col(0), (0, 0));
        assert_eq!(f.line_col(3), (1, 0));
        assert_eq!(f.line_col(5), (1, 1)); // after the two-byte é
        let emoji_end = "ab\n\u{e9}x\r\n\u{1F600}".len();
        assert_eq!(f.line_col(emoji_end), (2, 1));
        assert_eq!(f.line_col_utf16(emoji_end), (2, 2));
        assert_eq!(f.offset_of_utf16(2, 2), emoji_end);
    }
}
