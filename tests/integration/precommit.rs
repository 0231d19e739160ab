//! The hooks in `.pre-commit-hooks.yaml`, run by the real `pre-commit` (from
//! PyPI, in the repository's .venv) on a scratch git repository.

use std::path::Path;
use std::process::{Command, Output};

use super::check_output::venv_bin;

fn run(dir: &Path, program: &Path, args: &[&str], path_env: &str, home: &Path) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("PATH", path_env)
        .env("PRE_COMMIT_HOME", home.join("pre-commit-cache"))
        .env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .env("NO_COLOR", "1")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE")
        .output()
        .expect("runs")
}

fn git(dir: &Path, args: &[&str], path_env: &str, home: &Path) -> Output {
    run(dir, Path::new("git"), args, path_env, home)
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const GOOD: &str = "stack s { namespace = \"n\"; }\n\
component a { image = \"a:1.0\"; cpu = 1; memory = 1Gi; ports = { http = 80; }; }\n\
component b { image = \"b:1.0\"; cpu = 1; memory = 1Gi; after = [ a ]; }\n";

#[test]
fn hooks_refuse_a_broken_stack_and_pass_a_good_one() {
    let pre_commit = venv_bin("pre-commit");
    let temp = tempfile::tempdir().expect("tempdir");
    let home = temp.path();
    let kokuc_dir = Path::new(env!("CARGO_BIN_EXE_kokuc")).parent().expect("bin dir");
    let path_env = format!("{}:{}", kokuc_dir.display(), std::env::var("PATH").unwrap_or_default());

    // A hooks repository holding this repository's hook definitions.
    let hooks = home.join("hooks");
    std::fs::create_dir(&hooks).expect("mkdir");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"),
        hooks.join(".pre-commit-hooks.yaml"),
    )
    .expect("copy hooks");
    for args in [
        &["init", "-q", "-b", "main"][..],
        &["add", "."],
        &["commit", "-q", "-m", "hooks"],
    ] {
        let o = git(&hooks, args, &path_env, home);
        assert!(o.status.success(), "{}", text(&o));
    }
    let rev = String::from_utf8_lossy(&git(&hooks, &["rev-parse", "HEAD"], &path_env, home).stdout)
        .trim()
        .to_string();

    // The user's repository, with the config the README shows.
    let repo = home.join("repo");
    std::fs::create_dir(&repo).expect("mkdir");
    let o = git(&repo, &["init", "-q", "-b", "main"], &path_env, home);
    assert!(o.status.success(), "{}", text(&o));
    std::fs::write(
        repo.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: kokuc-check\n      - id: kokuc-fmt\n",
            hooks.display()
        ),
    )
    .expect("write config");
    let o = run(&repo, &pre_commit, &["install"], &path_env, home);
    assert!(o.status.success(), "{}", text(&o));

    // A stack with a cycle: the commit is refused and the diagnostic shown.
    let broken = GOOD.replace("ports = { http = 80; }; }", "ports = { http = 80; }; after = [ b ]; }");
    std::fs::write(repo.join("stack.koku"), &broken).expect("write");
    git(&repo, &["add", "."], &path_env, home);
    let o = git(&repo, &["commit", "-m", "broken"], &path_env, home);
    let shown = text(&o);
    assert!(!o.status.success(), "the broken commit is refused:\n{shown}");
    assert!(shown.contains("kokuc check") && shown.contains("Failed"), "{shown}");
    assert!(shown.contains("K0303") && shown.contains("dependency cycle"), "{shown}");

    // Fixed and formatted: the commit goes through.
    std::fs::write(
        repo.join("stack.koku"),
        kokuc::fmt::format(kokuc::source::FileId(0), GOOD).expect("formats"),
    )
    .expect("write");
    git(&repo, &["add", "."], &path_env, home);
    let o = git(&repo, &["commit", "-m", "good"], &path_env, home);
    assert!(o.status.success(), "the good commit passes:\n{}", text(&o));

    // An unformatted file: kokuc-fmt rewrites it and refuses this commit; the next passes.
    let messy =
        format!("{GOOD}component   c{{image=\"c:1.0\";cpu=1;memory=1Gi;}}\n").replace("stack s {", "stack   s{");
    std::fs::write(repo.join("stack.koku"), messy).expect("write");
    git(&repo, &["add", "."], &path_env, home);
    let o = git(&repo, &["commit", "-m", "messy"], &path_env, home);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("files were modified by this hook"), "{}", text(&o));
    let fixed = std::fs::read_to_string(repo.join("stack.koku")).expect("read");
    assert!(
        fixed.starts_with("stack s {") && fixed.contains("component c {\n  image = \"c:1.0\";"),
        "{fixed}"
    );
    git(&repo, &["add", "."], &path_env, home);
    let o = git(&repo, &["commit", "-m", "formatted"], &path_env, home);
    assert!(o.status.success(), "{}", text(&o));
}
