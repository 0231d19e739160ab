use super::*;
use crate::limits::Limits;
use crate::syntax::canon::canonical;

fn fmt(src: &str) -> String {
    format(FileId(0), src).unwrap_or_else(|d| panic!("{}: {src}", d.message))
}

/// Formats, then checks idempotence and meaning preservation.
fn check(src: &str, expected: &str) {
    let once = fmt(src);
    assert_eq!(once, expected, "\n--- got ---\n{once}--- expected ---\n{expected}");
    assert_eq!(fmt(&once), once, "not idempotent");
    let before = crate::syntax::parse(FileId(0), src, &Limits::default()).expect("input parses");
    let after = crate::syntax::parse(FileId(0), &once, &Limits::default()).expect("output parses");
    assert_eq!(canonical(&before), canonical(&after));
}

#[test]
fn spacing_is_canonical() {
    check(
        "let   x=1+2 ;\nlet y = {a=1;b=[1,2,];};",
        "let x = 1 + 2;\nlet y = { a = 1; b = [ 1, 2 ]; };\n",
    );
}

#[test]
fn bodies_break_and_other_brackets_fit() {
    check(
        "component a { image = \"i\"; replicas = 2; }",
        "component a {\n  image = \"i\";\n  replicas = 2;\n}\n",
    );
    check("component e { }", "component e { }\n");
    check("let l = [\n1, 2];", "let l = [ 1, 2 ];\n");
    check("let s = {\n  a = 1;\n};", "let s = { a = 1; };\n");
}

#[test]
fn long_lines_break() {
    let long = format!(
        "let x = [ {} ];",
        (0..30).map(|i| format!("\"item{i}\"")).collect::<Vec<_>>().join(", ")
    );
    let out = fmt(&long);
    assert!(out.lines().all(|l| l.len() <= WIDTH), "{out}");
    assert!(out.starts_with("let x = [\n  \"item0\",\n"), "{out}");
    check(
        "let s = \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" + \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\";",
        "let s =\n  \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n  + \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\";\n",
    );
}

#[test]
fn comments_stay_in_place() {
    check(
        "# head\n\n\n# second\nlet x = 1; # trailing\n# before y\nlet y = {\n  a = 1; # after a\n  # dangling\n};\n# end\n",
        "# head\n\n# second\nlet x = 1; # trailing\n# before y\nlet y = {\n  a = 1; # after a\n  # dangling\n};\n# end\n",
    );
    check("let x = # why\n  1;", "let x = # why\n  1;\n");
    check("let l = [ a, # first\n b ];", "let l = [\n  a, # first\n  b,\n];\n");
    check("let e = { # nothing yet\n};", "let e = { # nothing yet\n};\n");
}

#[test]
fn blank_lines_are_kept_once_but_not_after_brackets() {
    check(
        "let a = 1;\n\n\n\ncomponent b {\n\n  x = 1;\n\n\n  y = 2;\n\n}",
        "let a = 1;\n\ncomponent b {\n  x = 1;\n\n  y = 2;\n}\n",
    );
}

#[test]
fn functions_if_and_let_in() {
    check(
        "let f = {a,b?1}: if a then b else a;",
        "let f = { a, b ? 1 }: if a then b else a;\n",
    );
    check("let g = x: let y = x; in y;", "let g = x: let y = x; in y;\n");
    check("let h = {\n a,\n b ? 2,\n}: a;", "let h = { a, b ? 2 }: a;\n");
}

#[test]
fn calls_with_a_set_hug_the_equals_sign() {
    check(
        "component w = lib.worker { deps = deps; queue = \"download\"; memory = { request = 1Gi; limit = 2Gi; }; cpu = 1; };",
        "component w = lib.worker {\n  deps = deps;\n  queue = \"download\";\n  memory = { request = 1Gi; limit = 2Gi; };\n  cpu = 1;\n};\n",
    );
}

#[test]
fn profiles_and_statements() {
    check(
        "profile p extends q{override a{replicas=2;} remove b; stack{namespace=\"n\";}}",
        "profile p extends q {\n  override a { replicas = 2; }\n  remove b;\n  stack { namespace = \"n\"; }\n}\n",
    );
    check("profile empty { }", "profile empty { }\n");
}

#[test]
fn strings_numbers_and_bom_are_exact() {
    check(
        "\u{FEFF}let s = \"a ${ b  } \\n\";\nlet q = 1.5Gi;",
        "let s = \"a ${ b  } \\n\";\nlet q = 1.5Gi;\n",
    );
    assert_eq!(fmt(""), "");
    assert_eq!(fmt("# only\n"), "# only\n");
}

#[test]
fn syntax_errors_are_reported() {
    let err = format(FileId(0), "let x = ;").expect_err("fails");
    assert_eq!(err.code, Code::K0101);
}

#[test]
fn deep_nesting_is_refused_not_a_crash() {
    let deep = format!("let x = {}1{};", "[".repeat(3000), "]".repeat(3000));
    let err = format(FileId(0), &deep).expect_err("too deep");
    assert_eq!(err.code, Code::K0105);
    let fine = format!("let x = {}1{};", "[".repeat(60), "]".repeat(60));
    assert!(format(FileId(0), &fine).is_ok());
}
