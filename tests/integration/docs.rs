//! The documentation's examples are real: every `koku` block in docs/language.md
//! and README.md parses, and those that start with `# stack` compile cleanly.

use std::path::Path;

use kokuc::eval::MemoryLoader;
use kokuc::limits::Limits;
use kokuc::source::SourceMap;
use kokuc::Options;

use crate::support::{render, repo};

fn koku_blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("```koku\n") {
        let body = &rest[start + "```koku\n".len()..];
        let Some(end) = body.find("```") else { break };
        blocks.push(body[..end].to_string());
        rest = &body[end + 3..];
    }
    blocks
}

fn check_doc(name: &str) -> usize {
    let text = std::fs::read_to_string(repo().join(name)).expect("doc");
    let blocks = koku_blocks(&text);
    for (i, block) in blocks.iter().enumerate() {
        let mut sources = SourceMap::new();
        let id = sources.add("block.koku", "block.koku", block.as_str());
        if let Err(e) = kokuc::syntax::parse(id, block, &Limits::default()) {
            let rendered = kokuc::diagnostics::render::render_all(e.iter(), &sources, Default::default());
            panic!("{name}, koku block {i} does not parse:\n{block}\n{rendered}");
        }
        if block.starts_with("# stack") {
            let mut loader = MemoryLoader::new(None);
            loader.insert("block.koku", block.as_str());
            let c = kokuc::compile(&loader, Path::new("block.koku"), &Options::default());
            assert!(
                !c.has_errors(),
                "{name}, koku block {i} does not compile:\n{block}\n{}",
                render(&c)
            );
        }
    }
    blocks.len()
}

#[test]
fn language_reference_examples_are_valid() {
    let n = check_doc("docs/language.md");
    assert!(
        n >= 15,
        "docs/language.md should show an example per construct, found {n}"
    );
}

#[test]
fn readme_examples_are_valid() {
    check_doc("README.md");
}
