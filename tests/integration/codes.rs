//! The code registry: every code is documented, explained by `kokuc explain`,
//! and produced by at least one fixture (so none is dead or undocumented).

use std::collections::BTreeSet;
use std::process::Command;

use kokuc::diagnostics::Code;

use crate::support::{repo, run};

fn fixture_outputs() -> String {
    let mut all = String::new();
    let mut stack = vec![repo().join("tests")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .file_name()
                .is_some_and(|n| n == "expected.stderr" || n.to_string_lossy().ends_with(".stderr"))
            {
                all.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
            }
        }
    }
    all
}

#[test]
fn every_code_is_documented_and_exercised() {
    let outputs = fixture_outputs();
    let mut seen = BTreeSet::new();
    for code in Code::ALL {
        assert!(seen.insert(code.as_str()), "{code} is listed twice");
        let doc = code.explanation();
        assert!(
            doc.starts_with(&format!("# {code}")),
            "docs/codes/{code}.md must start with `# {code}`"
        );
        assert!(
            doc.lines().count() >= 8,
            "docs/codes/{code}.md is too thin to explain anything"
        );
        assert!(doc.contains("```"), "docs/codes/{code}.md needs an example");
        // Source diagnostics render as `KNNNN` on a line; errors about the
        // output directory (no span) as `error[KNNNN]: ...`.
        assert!(
            outputs.contains(&format!("{code}\n")) || outputs.contains(&format!("error[{code}]:")),
            "no fixture's expected output shows {code}; add an err/ fixture for it"
        );
    }
}

#[test]
fn every_doc_file_belongs_to_a_code() {
    for entry in std::fs::read_dir(repo().join("docs/codes"))
        .expect("docs/codes")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        let stem = name.trim_end_matches(".md");
        assert!(stem.parse::<Code>().is_ok(), "docs/codes/{name} documents no code");
    }
}

#[test]
fn kokuc_explain_prints_the_explanation() {
    let (ok, out) = run(Command::new(env!("CARGO_BIN_EXE_kokuc")).args(["explain", "k0303"]));
    assert!(ok, "{out}");
    assert!(out.starts_with("# K0303"), "{out}");
    let (ok, out) = run(Command::new(env!("CARGO_BIN_EXE_kokuc")).args(["explain", "K9999"]));
    assert!(!ok, "unknown codes are usage errors: {out}");
}

/// The parts of a code's doc: example files and the rendered report.
struct DocExample {
    files: Vec<(String, String)>,
    report: String,
    report_range: std::ops::Range<usize>,
}

fn doc_example(doc: &str) -> Option<DocExample> {
    let mut files = Vec::new();
    let mut report = None;
    let mut rest = 0;
    while let Some(open) = doc[rest..].find("```") {
        let open = rest + open;
        let header_end = open + doc[open..].find('\n')?;
        let header = doc[open + 3..header_end].trim();
        let close = header_end + 1 + doc[header_end + 1..].find("```")?;
        let body = &doc[header_end + 1..close];
        if let Some(name) = header.strip_prefix("koku") {
            let name = name.trim();
            let name = if name.is_empty() { "example.koku" } else { name };
            files.push((name.to_string(), body.to_string()));
        } else if header == "text" && !files.is_empty() && report.is_none() {
            report = Some((body.to_string(), header_end + 1..close));
        }
        rest = close + 3;
    }
    let (report, report_range) = report?;
    Some(DocExample {
        files,
        report,
        report_range,
    })
}

/// Each code's documented example produces exactly the documented report
/// (`KOKUC_BLESS=1` rewrites the reports).
#[test]
fn documented_examples_render_as_documented() {
    use kokuc::diagnostics::render::{render_all, RenderOptions};
    let bless = std::env::var_os("KOKUC_BLESS").is_some_and(|v| v == "1");
    for code in Code::ALL {
        let path = repo().join(format!("docs/codes/{code}.md"));
        let doc = std::fs::read_to_string(&path).expect("doc");
        let Some(example) = doc_example(&doc) else {
            assert!(
                doc.contains("Not shown here:"),
                "docs/codes/{code}.md has no example; say why with `Not shown here:`"
            );
            continue;
        };
        let mut loader = kokuc::eval::MemoryLoader::new(None);
        for (name, text) in &example.files {
            loader.insert(name.as_str(), text.as_str());
        }
        // A first line `# kokuc check --profile NAME` selects a profile.
        let profile = example.files[0]
            .1
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# kokuc check --profile "))
            .map(|p| p.trim().to_string());
        let options = kokuc::Options {
            profile,
            ..kokuc::Options::default()
        };
        let (c, _) = kokuc::build(&loader, std::path::Path::new("example.koku"), &options);
        let mut diagnostics = c.diagnostics.clone();
        // A first line `# kokuc plan` adds the plan's findings (K06xx).
        if example.files[0].1.starts_with("# kokuc plan") {
            if let (Some(stack), Some(graph)) = (&c.stack, &c.graph) {
                match kokuc::plan::plan(stack, graph) {
                    Ok(plan) => plan.diagnostics(stack).into_iter().for_each(|d| diagnostics.push(d)),
                    Err(d) => diagnostics.push(d),
                }
            }
        }
        let sorted = diagnostics.into_sorted();
        assert!(
            sorted.iter().any(|d| d.code == *code),
            "the example in docs/codes/{code}.md does not produce {code}"
        );
        let rendered = render_all(sorted.iter(), &c.sources, RenderOptions::default());
        let rendered = rendered.trim_end().to_string() + "\n";
        if bless {
            let mut updated = doc.clone();
            updated.replace_range(example.report_range.clone(), &rendered);
            std::fs::write(&path, updated).expect("bless doc");
        } else {
            assert_eq!(
                example.report, rendered,
                "docs/codes/{code}.md is out of date (KOKUC_BLESS=1)"
            );
        }
    }
}
