//! Parsed items remembered between parses of the same file, so that after an
//! edit only the items whose text changed go through pest again.
//!
//! The language server parses the whole buffer on every keystroke, and every
//! profile it checks parses the same files again; pest is most of that time
//! (docs/performance.md). A file is split into its top-level items the way
//! [`super::chunks`] splits big files, and each item's text is looked up here:
//! the same text parses to the same items wherever it stands, so a hit is the
//! remembered items moved to their new offset ([`super::shift`]), and only a
//! miss is parsed. Like the pieces of `chunks`, this is never a change of
//! meaning: when a piece does not parse on its own, or has an error, the caller
//! parses the whole file as if there were no cache, and the cache keeps what it
//! had.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use super::ast::{File, Item};
use super::shift::Mover;
use super::{chunks, parser};
use crate::limits::Limits;
use crate::source::{FileId, Span};

/// Items of the last good parse of each file, by the text of each item.
/// Shared by compilations (`Options::parse_cache`), across threads.
#[derive(Default)]
pub struct ParseCache {
    files: Mutex<HashMap<String, Pieces>>,
}

/// The pieces of one file's last good parse.
struct Pieces {
    /// The nesting limit they were built under (a piece deeper than a new,
    /// lower limit must be refused again).
    max_nesting: usize,
    by_text: HashMap<Box<str>, Piece>,
}

struct Piece {
    file: FileId,
    start: usize,
    items: Vec<Item>,
}

impl std::fmt::Debug for ParseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let files = self.files.lock().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("ParseCache").field("files", &files.len()).finish()
    }
}

impl ParseCache {
    pub fn new() -> ParseCache {
        ParseCache::default()
    }

    /// The AST of `text` (the file known as `key`, numbered `file` in this
    /// compilation) from remembered and newly parsed pieces, or `None` when a
    /// piece does not parse on its own or has an error.
    pub(crate) fn parse(&self, key: &str, file: FileId, text: &str, limits: &Limits) -> Option<File> {
        let ranges = chunks::split(text, 1);
        let mut fresh = HashMap::with_capacity(ranges.len());
        let mut items = Vec::with_capacity(ranges.len());
        {
            let files = self.files.lock().unwrap_or_else(PoisonError::into_inner);
            let known = files.get(key).filter(|p| p.max_nesting == limits.max_nesting);
            for range in ranges {
                let piece_text = text.get(range.clone())?;
                let piece_items = match known.and_then(|k| k.by_text.get(piece_text)) {
                    Some(old) if old.file == file && old.start == range.start => old.items.clone(),
                    Some(old) => {
                        let delta = i64::try_from(range.start).ok()? - i64::try_from(old.start).ok()?;
                        let mover = Mover { file, delta };
                        old.items.iter().map(|i| mover.item(i)).collect()
                    }
                    None => parser::build_piece(file, text, range.clone(), limits)?,
                };
                items.extend(piece_items.iter().cloned());
                fresh.insert(
                    Box::from(piece_text),
                    Piece {
                        file,
                        start: range.start,
                        items: piece_items,
                    },
                );
            }
        }
        let pieces = Pieces {
            max_nesting: limits.max_nesting,
            by_text: fresh,
        };
        self.files
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key.to_string(), pieces);
        Some(File {
            items,
            span: Span::new(file, 0, text.len()),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::syntax::ast::Item;
    use crate::syntax::parse;

    const SEED: &str = include_str!("../../stacks/koku.koku");
    const LIBRARY: &str = include_str!("../../stacks/lib/koku.koku");

    fn cached(cache: &ParseCache, file: FileId, text: &str) -> String {
        format!(
            "{:?}",
            super::super::parse_cached(file, "stack.koku", text, &Limits::default(), cache)
        )
    }

    fn fresh(file: FileId, text: &str) -> String {
        format!("{:?}", parse(file, text, &Limits::default()))
    }

    /// A small deterministic generator, so that a failure replays.
    struct Lcg(u64);

    impl Lcg {
        fn below(&mut self, bound: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 33) as usize) % bound.max(1)
        }
    }

    /// One random keystroke: a character deleted, inserted or replaced.
    fn edit(text: &str, rng: &mut Lcg) -> String {
        const TYPED: [&str; 10] = [";", "}", "{", "a", " ", "\"", "\n", "1", "#", "é"];
        let mut at = rng.below(text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let mut out = text.to_string();
        let next = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
        match rng.below(3) {
            0 => out.replace_range(at..next, ""),
            1 => out.insert_str(at, TYPED[rng.below(TYPED.len())]),
            _ => out.replace_range(at..next, TYPED[rng.below(TYPED.len())]),
        }
        out
    }

    #[test]
    fn every_edit_parses_as_a_fresh_parse_does_spans_included() {
        for (start, seed) in [(SEED, 1), (LIBRARY, 2)] {
            let cache = ParseCache::new();
            let mut rng = Lcg(seed);
            let mut text = start.to_string();
            for step in 0..150 {
                // A few keystrokes away from a good file, then back to it, like typing.
                text = if step % 4 == 3 {
                    start.to_string()
                } else {
                    edit(&text, &mut rng)
                };
                assert_eq!(
                    cached(&cache, FileId(0), &text),
                    fresh(FileId(0), &text),
                    "after {text:?}"
                );
            }
        }
    }

    #[test]
    fn items_move_to_the_new_file_id_and_offset() {
        let cache = ParseCache::new();
        assert_eq!(cached(&cache, FileId(0), SEED), fresh(FileId(0), SEED));
        let shifted = format!("# one more line\n{SEED}");
        assert_eq!(cached(&cache, FileId(3), &shifted), fresh(FileId(3), &shifted));
    }

    #[test]
    fn unchanged_items_are_reused_not_parsed_again() {
        let cache = ParseCache::new();
        let limits = Limits::default();
        let first = cache
            .parse("s", FileId(0), SEED, &limits)
            .expect("the seed stack parses in pieces");
        let at = SEED.rfind("replicas = ").expect("a replicas field") + "replicas = ".len();
        let mut edited = SEED.to_string();
        edited.insert(at, '1');
        let second = cache
            .parse("s", FileId(0), &edited, &limits)
            .expect("the edit parses in pieces");
        let value = |item: &Item| match item {
            Item::Let(l) => Some(Arc::clone(&l.value)),
            Item::Component(c) => Some(Arc::clone(&c.value)),
            _ => None,
        };
        let (before, after) = (&first.items[0], &second.items[0]);
        match (value(before), value(after)) {
            (Some(a), Some(b)) => assert!(Arc::ptr_eq(&a, &b), "the first item was parsed again"),
            _ => panic!("the seed stack starts with a let or a component"),
        }
    }
}
