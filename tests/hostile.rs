//! The hostile corpus: hand-written bad inputs, one per file, across every
//! construct, stage and limit. Each `tests/hostile/<area>/<case>.koku` must
//! produce diagnostics, never a panic, and its diagnostics must match
//! `<case>.snap`: the miette rendering, then every span as raw bytes and as
//! line:column, so that a span that moves by one byte shows up in review.
//!
//! A case's first lines may carry directives, written as comments:
//! `# kokuc: --max-nesting 8` (any of `kokuc check`'s limit flags) and
//! `# profile: NAME`. Files under `<area>/lib/` are libraries the cases import.
//! `KOKUC_BLESS=1` rewrites the snapshots; review the diff before committing.

use std::fmt::Write as _;
use std::path::Path;

use clap::Parser as _;
use kokuc::cli::args::{Cli, Command};
use kokuc::diagnostics::render::{render_all, RenderOptions};
use kokuc::eval::loader::DirLoader;
use kokuc::limits::Limits;
use kokuc::source::{SourceMap, Span};
use kokuc::Options;

#[path = "support/golden.rs"]
mod support;

fn hostile(input: &Path) -> datatest_stable::Result<()> {
    let dir = input.parent().ok_or("case without a directory")?;
    let file = input.file_name().ok_or("case without a name")?;
    let bytes = std::fs::read(input)?;
    let (limits, profile) = directives(&bytes)?;

    // The parser alone, on the raw bytes, on this thread's ordinary stack.
    kokuc::fuzz::check_parse(&bytes);

    let loader = DirLoader {
        root: dir.to_path_buf(),
    };
    let options = Options {
        profile,
        limits,
        ..Options::default()
    };
    let (compilation, _) = kokuc::build(&loader, Path::new(file), &options);
    kokuc::fuzz::check_compilation(&compilation);
    if compilation.diagnostics.is_empty() {
        return Err("a hostile input produced no diagnostic".into());
    }
    let sorted = compilation.diagnostics.clone().into_sorted();
    let mut snapshot = render_all(sorted.iter(), &compilation.sources, RenderOptions::default());
    snapshot.push_str("--- spans (bytes, then line:column in characters, 1-based)\n");
    for d in &sorted {
        let _ = writeln!(
            snapshot,
            "{} {} {}",
            d.code,
            d.severity.as_str(),
            position(&compilation.sources, d.primary.span)
        );
        for label in &d.labels {
            let _ = writeln!(
                snapshot,
                "  label {} {}",
                position(&compilation.sources, label.span),
                label.message
            );
        }
    }
    support::golden(&input.with_extension("snap"), &snapshot)
}

/// `file:start..end (line:col-line:col)`.
fn position(sources: &SourceMap, span: Span) -> String {
    let Some(f) = sources.try_get(span.file) else {
        return format!("{span:?}");
    };
    let (l1, c1) = f.line_col(span.start as usize);
    let (l2, c2) = f.line_col(span.end as usize);
    format!(
        "{}:{}..{} ({}:{}-{}:{})",
        f.name,
        span.start,
        span.end,
        l1 + 1,
        c1 + 1,
        l2 + 1,
        c2 + 1
    )
}

/// Limits and profile from the case's leading `# kokuc:` and `# profile:` comments.
fn directives(bytes: &[u8]) -> datatest_stable::Result<(Limits, Option<String>)> {
    let text = String::from_utf8_lossy(bytes);
    let mut flags: Vec<String> = vec!["kokuc".into(), "check".into(), "case.koku".into()];
    let mut profile = None;
    for line in text.lines().take_while(|l| l.starts_with('#')) {
        if let Some(rest) = line.strip_prefix("# kokuc:") {
            flags.extend(rest.split_whitespace().map(str::to_string));
        } else if let Some(rest) = line.strip_prefix("# profile:") {
            profile = Some(rest.trim().to_string());
        }
    }
    // The real command line parses the limits, so the flags are tested too.
    let cli = Cli::try_parse_from(&flags).map_err(|e| format!("bad directive: {e}"))?;
    match cli.command {
        Command::Check(args) => Ok((args.limits.to_limits(), profile)),
        _ => Err("directives must be `kokuc check` flags".into()),
    }
}

datatest_stable::harness! {
    { test = hostile, root = "tests/hostile", pattern = r"^[^/]+/[^/]+\.koku$" },
}
