//! Same input, same bytes: building twice, and building with the declarations
//! of the stack file in another order, gives identical manifests.

use std::path::Path;

use kokuc::eval::{FsLoader, MemoryLoader};
use kokuc::limits::Limits;
use kokuc::source::SourceMap;
use kokuc::Options;

use crate::support::{build_yaml, render, stack_files, variants};

#[test]
fn building_twice_gives_identical_bytes() {
    for path in stack_files() {
        for profile in variants(&path) {
            let first = build_yaml(&path, profile.as_deref());
            let second = build_yaml(&path, profile.as_deref());
            assert!(first == second, "{} {profile:?} differs between runs", path.display());
        }
    }
}

/// The items of a file, rearranged: reversed, then rotated by `k`.
fn reorder(text: &str, k: usize) -> String {
    let mut sources = SourceMap::new();
    let id = sources.add("s.koku", "s.koku", text);
    let file = kokuc::syntax::parse(id, text, &Limits::default()).expect("stack parses");
    let mut items: Vec<&str> = file.items.iter().map(|i| &text[i.span().range()]).collect();
    items.reverse();
    let len = items.len();
    items.rotate_left(k % len.max(1));
    items.join("\n\n")
}

#[test]
fn declaration_order_does_not_change_the_output() {
    for path in stack_files() {
        let original = std::fs::read_to_string(&path).expect("read stack");
        for profile in variants(&path) {
            let expected = build_yaml(&path, profile.as_deref());
            for k in [0, 3, 7] {
                let mut loader = MemoryLoader::new(Some(&FsLoader));
                loader.insert(path.clone(), reorder(&original, k));
                let options = Options {
                    profile: profile.clone(),
                    ..Options::default()
                };
                let (c, manifests) = kokuc::build(&loader, Path::new(&path), &options);
                assert!(!c.has_errors(), "{}", render(&c));
                let yaml = manifests.expect("manifests").to_yaml().expect("yaml");
                assert!(
                    yaml == expected,
                    "{} {profile:?}: reordering the declarations (k = {k}) changed the output",
                    path.display()
                );
            }
        }
    }
}
