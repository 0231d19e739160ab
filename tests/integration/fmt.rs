//! Formatter properties (`kokuc::fuzz::fmt_properties`): idempotent,
//! meaning-preserving (same span-free AST) and comment-preserving, over every
//! .koku file in the repository and over generated stacks with random layout
//! and comments (proptest); and the `kokuc fmt` command line.

use std::path::{Path, PathBuf};
use std::process::Command;

use kokuc::limits::Limits;
use kokuc::source::FileId;
use kokuc::syntax::parser::parse_pairs;
use proptest::prelude::*;

/// Checks the formatter's properties (`kokuc::fuzz::fmt_properties`, which the
/// `fmt` fuzz target checks too); returns the formatted text.
fn check_properties(text: &str) -> Result<String, String> {
    let once = kokuc::fmt::format(FileId(0), text).map_err(|d| format!("format failed: {}", d.message))?;
    kokuc::fuzz::fmt_properties(text, &once)?;
    Ok(once)
}

fn repo_koku_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        if path.is_dir() {
            if !name.starts_with('.') && name != "target" {
                repo_koku_files(&path, out);
            }
        } else if name.ends_with(".koku") {
            out.push(path);
        }
    }
}

#[test]
fn every_koku_file_in_the_repository() {
    let mut files = Vec::new();
    repo_koku_files(Path::new(env!("CARGO_MANIFEST_DIR")), &mut files);
    assert!(files.len() >= 3, "found the stacks: {files:?}");
    let mut checked = 0;
    for file in files {
        let Ok(text) = String::from_utf8(std::fs::read(&file).expect("readable")) else {
            continue; // the fixture of a file that is not UTF-8 (K0106)
        };
        if parse_pairs(&text).is_err() {
            // Fixtures of syntax errors: the formatter refuses them too.
            assert!(kokuc::fmt::format(FileId(0), &text).is_err(), "{}", file.display());
            continue;
        }
        if kokuc::syntax::parse(FileId(0), &text, &Limits::default()).is_err()
            && kokuc::fmt::format(FileId(0), &text).is_err()
        {
            continue; // e.g. brackets nested past the limit: refused by both
        }
        if let Err(e) = check_properties(&text) {
            panic!("{}: {e}", file.display());
        }
        checked += 1;
    }
    assert!(checked >= 3);
}

// ------------------------------------------------------------- generated stacks

/// Separator marker between tokens; replaced by random whitespace and comments.
const S: &str = "\u{1}";

fn name() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["a", "b", "web", "db-main", "x_1", "f"]).prop_map(str::to_string)
}

fn leaf() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec!["1", "0", "500m", "1.5Gi", "30s", "2e3", "6Gi"]).prop_map(str::to_string),
        prop::sample::select(vec![
            "\"s\"",
            "\"a ${x} b\"",
            "\"\"",
            "\"q\\\"\"",
            "\"# not a comment\""
        ])
        .prop_map(str::to_string),
        prop::sample::select(vec!["true", "false", "null"]).prop_map(str::to_string),
        name(),
    ]
}

fn join(parts: &[String], sep: &str) -> String {
    parts.join(&format!("{S}{sep}{S}"))
}

/// Expressions at the operand level (what `+`, `//` and calls combine).
fn operand() -> impl Strategy<Value = String> {
    leaf().prop_recursive(4, 40, 4, |inner| {
        prop_oneof![
            (prop::collection::vec(inner.clone(), 0..4), any::<bool>()).prop_map(|(items, trailing)| {
                let mut body = join(&items, ",");
                if trailing && !items.is_empty() {
                    body.push_str(&format!("{S},"));
                }
                format!("[{S}{body}{S}]")
            }),
            prop::collection::vec((name(), inner.clone()), 0..4).prop_map(|bindings| {
                let body: Vec<String> = bindings.iter().map(|(k, v)| format!("{k}{S}={S}{v}{S};")).collect();
                format!("{{{S}{}{S}}}", body.join(S))
            }),
            (
                inner.clone(),
                prop::sample::select(vec!["+", "-", "*", "//", "==", "&&", "<="]),
                inner.clone()
            )
                .prop_map(|(a, op, b)| format!("({S}{a}{S}{op}{S}{b}{S})")),
            (name(), prop::collection::vec(name(), 1..3)).prop_map(|(f, keys)| format!("{f}.{}", keys.join("."))),
            (name(), prop::collection::vec(inner.clone(), 1..3)).prop_map(|(f, args)| {
                let args: Vec<String> = args.iter().map(|a| format!("({S}{a}{S})")).collect();
                format!("({S}{f}{S}{}{S})", args.join(S))
            }),
        ]
    })
}

fn expr() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => operand(),
        2 => (operand(), prop::sample::select(vec!["+", "//", "||", "!="]), operand(), operand())
            .prop_map(|(a, op, b, c)| format!("{a}{S}{op}{S}{b}{S}{op}{S}{c}")),
        1 => (operand(), operand(), operand())
            .prop_map(|(c, t, e)| format!("if{S}{c}{S}then{S}{t}{S}else{S}{e}")),
        1 => (name(), operand(), operand()).prop_map(|(n, v, b)| format!("let{S}{n}{S}={S}{v}{S};{S}in{S}{b}")),
        1 => (prop::collection::vec((name(), prop::option::of(operand())), 0..3), operand()).prop_map(|(params, body)| {
            let params: Vec<String> = params
                .iter()
                .map(|(n, d)| match d {
                    Some(d) => format!("{n}{S}?{S}{d}"),
                    None => n.clone(),
                })
                .collect();
            format!("{{{S}{}{S}}}{S}:{S}{body}", join(&params, ","))
        }),
        1 => (name(), operand()).prop_map(|(n, b)| format!("{n}{S}:{S}{b}")),
        1 => operand().prop_map(|o| format!("-{S}{o}")),
    ]
}

fn attrset() -> impl Strategy<Value = String> {
    prop::collection::vec((name(), expr()), 0..4).prop_map(|bindings| {
        let body: Vec<String> = bindings.iter().map(|(k, v)| format!("{k}{S}={S}{v}{S};")).collect();
        format!("{{{S}{}{S}}}", body.join(S))
    })
}

fn item() -> impl Strategy<Value = String> {
    prop_oneof![
        (name(), expr()).prop_map(|(n, e)| format!("let{S}{n}{S}={S}{e}{S};")),
        (name(), attrset()).prop_map(|(n, a)| format!("component{S}{n}{S}{a}")),
        (name(), expr()).prop_map(|(n, e)| format!("component{S}{n}{S}={S}{e}{S};")),
        (name(), attrset()).prop_map(|(n, a)| format!("stack{S}{n}{S}{a}")),
        (
            name(),
            prop::option::of(name()),
            prop::collection::vec(
                prop_oneof![
                    (name(), attrset()).prop_map(|(n, a)| format!("override{S}{n}{S}{a}")),
                    name().prop_map(|n| format!("remove{S}{n}{S};")),
                    attrset().prop_map(|a| format!("stack{S}{a}")),
                    (name(), expr()).prop_map(|(n, e)| format!("let{S}{n}{S}={S}{e}{S};")),
                ],
                0..3
            )
        )
            .prop_map(|(n, extends, stmts)| {
                let extends = extends.map(|e| format!("extends{S}{e}{S}")).unwrap_or_default();
                format!("profile{S}{n}{S}{extends}{{{S}{}{S}}}", stmts.join(S))
            }),
    ]
}

/// A file: items with every token gap filled from a random list of layouts.
fn file() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(item(), 0..6),
        prop::collection::vec(
            prop::sample::select(vec![
                " ",
                "\n",
                "\n\n\n",
                "   ",
                "\t",
                " # c\n",
                "\n# note\n\n",
                "\n  # deep\n",
            ]),
            1..40,
        ),
    )
        .prop_map(|(items, layouts)| {
            let text = format!("{S}{}{S}", items.join(S));
            let mut out = String::new();
            for (i, part) in text.split(S).enumerate() {
                if i > 0 {
                    out.push_str(layouts[i % layouts.len()]);
                }
                out.push_str(part);
            }
            out
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn generated_stacks(text in file()) {
        prop_assert!(parse_pairs(&text).is_ok(), "the generator writes valid syntax:\n{text}");
        if let Err(e) = check_properties(&text) {
            prop_assert!(false, "{e}\n--- input\n{text}");
        }
    }
}

// ------------------------------------------------------------------ the CLI

fn kokuc(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kokuc"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("kokuc runs")
}

#[test]
fn fmt_check_names_files_and_fmt_rewrites_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let messy = "let   x = { a=1; };  # keep me\n";
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    std::fs::write(dir.path().join("sub/messy.koku"), messy).expect("write");
    std::fs::write(dir.path().join("clean.koku"), "let y = 2;\n").expect("write");

    let out = kokuc(dir.path(), &["fmt", "--check", "clean.koku", "sub"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "sub/messy.koku\n");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("sub/messy.koku")).expect("read"),
        messy
    );

    let out = kokuc(dir.path(), &["fmt", "clean.koku", "sub/messy.koku"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("sub/messy.koku")).expect("read"),
        "let x = { a = 1; }; # keep me\n"
    );
    let out = kokuc(dir.path(), &["fmt", "--check", "."]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());

    std::fs::write(dir.path().join("bad.koku"), "let x = ;\n").expect("write");
    let out = kokuc(dir.path(), &["fmt", "bad.koku"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("K0101"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("bad.koku")).expect("read"),
        "let x = ;\n"
    );
}

/// The example stacks are kept in the canonical layout (what the pre-commit
/// hook `kokuc-fmt` would enforce on them).
#[test]
fn stacks_are_formatted() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kokuc"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["fmt", "--check", "stacks"])
        .output()
        .expect("run kokuc fmt");
    assert!(
        out.status.success(),
        "run `kokuc fmt stacks`: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
