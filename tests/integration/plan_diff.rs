//! `kokuc diff` on pairs of stacks whose differences are known, between two
//! files and against a git revision.

use std::path::Path;
use std::process::Command;

use super::plan_cli::kokuc_in;

const LIB: &str = r#"
let image = "example/api:1";
"#;

const OLD: &str = r#"
let lib = import "lib.koku";
stack shop {
  namespace = "shop";
  prices = { cpu = 50; memory = 10; storage = 0.10; };
}
component db { image = "pg:16"; ports = { pg = 5432; }; cpu = 1; memory = 2Gi; storage = { size = 10Gi; path = "/d"; }; }
component cache { image = "redis:7"; ports = { r = 6379; }; cpu = 100m; memory = 256Mi; }
component api { image = lib.image; replicas = 2; ports = { http = 80; }; cpu = 500m; memory = 1Gi; after = [ db, cache ]; }
profile big { override api { replicas = 4; } }
profile legacy { }
"#;

const NEW: &str = r#"
let lib = import "lib.koku";
stack shop {
  namespace = "shop";
  prices = { cpu = 50; memory = 10; storage = 0.10; };
}
component db { image = "pg:16"; ports = { pg = 5432; }; cpu = 1; memory = 2Gi; storage = { size = 10Gi; path = "/d"; }; }
component api { image = lib.image; replicas = 3; ports = { http = 80; }; cpu = 500m; memory = 1Gi; after = [ db ]; }
component worker { image = lib.image; cpu = 200m; memory = 512Mi; env = { DB = db.host; }; after = [ db ]; }
profile big { override api { replicas = 4; } }
profile canary { override api { replicas = 1; } }
"#;

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

#[test]
fn two_files_with_known_differences() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "lib.koku", LIB);
    write(dir.path(), "old.koku", OLD);
    write(dir.path(), "new.koku", NEW);
    let r = kokuc_in(Some(dir.path()), &["diff", "old.koku", "new.koku"]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let expected = "Changes from old.koku to new.koku

base stack
  + component worker (service, 1 pod, cpu 0.2/0.2, memory 512Mi/512Mi)
  - component cache (service, 1 pod, cpu 0.1/0.1, memory 256Mi/256Mi)
  ~ component api: pods 2 -> 3
  + edge worker after db (tcp)
  - edge api after cache (tcp)
  totals: pods 4 -> 5 (+1), cpu requests 2.1 -> 2.7 (+0.6), cpu limits 2.1 -> 2.7 (+0.6), memory requests 4.25Gi -> 5.5Gi (+1.25Gi), memory limits 4.25Gi -> 5.5Gi (+1.25Gi)
  cost: $148.50 -> $191.00 a month (+$42.50); over 36 months $5,346.00 -> $6,876.00 (+$1,530.00)

profile big
  + component worker (service, 1 pod, cpu 0.2/0.2, memory 512Mi/512Mi)
  - component cache (service, 1 pod, cpu 0.1/0.1, memory 256Mi/256Mi)
  + edge worker after db (tcp)
  - edge api after cache (tcp)
  totals: cpu requests 3.1 -> 3.2 (+0.1), cpu limits 3.1 -> 3.2 (+0.1), memory requests 6.25Gi -> 6.5Gi (+256Mi), memory limits 6.25Gi -> 6.5Gi (+256Mi)
  cost: $218.50 -> $226.00 a month (+$7.50); over 36 months $7,866.00 -> $8,136.00 (+$270.00)

profile canary: added
  3 components, 3 pods, cpu 1.7/1.7, memory 3.5Gi/3.5Gi, storage 10Gi, ready in 1m30s, $121.00 a month

profile legacy: removed
  3 components, 4 pods, cpu 2.1/2.1, memory 4.25Gi/4.25Gi, storage 10Gi, ready in 1m30s, $148.50 a month
";
    // Worked by hand: base before 2.1 cores ($105) + 4.25Gi ($42.50) + 10Gi
    // ($1); after 2.7 cores ($135) + 5.5Gi ($55) + 10Gi ($1).
    assert_eq!(r.stdout, expected);
    // Deterministic, so CI can post it.
    assert_eq!(
        kokuc_in(Some(dir.path()), &["diff", "old.koku", "new.koku"]).stdout,
        expected
    );

    let r = kokuc_in(Some(dir.path()), &["diff", "old.koku", "new.koku", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let base = &v["profiles"][0];
    assert_eq!(base["status"], "changed");
    assert_eq!(base["difference"]["monthly"], "42.5");
    assert_eq!(base["edges_added"][0]["component"], "worker");
    assert_eq!(v["profiles"][2]["status"], "added");
    assert_eq!(v["profiles"][3]["status"], "removed");

    let same = kokuc_in(Some(dir.path()), &["diff", "new.koku", "new.koku"]);
    assert!(same.stdout.contains("base stack: no changes"), "{}", same.stdout);
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=kokuc test",
            "-c",
            "user.email=test@example.invalid",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&status.stderr)
    );
}

#[test]
fn a_stack_against_its_version_at_a_revision() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    std::fs::create_dir(repo.join("stacks")).unwrap();
    git(repo, &["init", "--quiet"]);
    write(&repo.join("stacks"), "lib.koku", LIB);
    write(&repo.join("stacks"), "shop.koku", OLD);
    git(repo, &["add", "."]);
    git(repo, &["commit", "--quiet", "-m", "old"]);
    // The working tree moves on, and so does the imported library.
    write(&repo.join("stacks"), "shop.koku", NEW);
    write(&repo.join("stacks"), "lib.koku", "let image = \"example/api:2\";\n");

    let r = kokuc_in(Some(repo), &["diff", "stacks/shop.koku", "--rev", "HEAD"]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .starts_with("Changes from stacks/shop.koku@HEAD to stacks/shop.koku\n"),
        "{}",
        r.stdout
    );
    // The image comes from the imported file: read at HEAD on the old side.
    assert!(
        r.stdout
            .contains("~ component api: image example/api:1 -> example/api:2; pods 2 -> 3"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("- edge api after cache (tcp)"), "{}", r.stdout);

    // From a subdirectory, with a relative path.
    let r = kokuc_in(Some(&repo.join("stacks")), &["diff", "shop.koku", "--rev", "HEAD"]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert!(r.stdout.contains("+ component worker"), "{}", r.stdout);

    let r = kokuc_in(Some(repo), &["diff", "stacks/shop.koku", "--rev", "no-such-branch"]);
    assert_eq!(r.status, 2);
    assert!(
        r.stderr.contains("unknown git revision `no-such-branch`"),
        "{}",
        r.stderr
    );
    let r = kokuc_in(Some(repo), &["diff", "stacks/shop.koku", "--rev", "--output=x"]);
    assert_eq!(r.status, 2, "{}", r.stderr);
}

#[test]
fn a_file_that_did_not_exist_at_the_revision() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "--quiet"]);
    write(repo, "lib.koku", LIB);
    git(repo, &["add", "."]);
    git(repo, &["commit", "--quiet", "-m", "lib only"]);
    write(repo, "shop.koku", NEW);
    let r = kokuc_in(Some(repo), &["diff", "shop.koku", "--rev", "HEAD"]);
    assert_eq!(r.status, 2, "{}", r.stderr);
    assert!(r.stderr.contains("K0210"), "{}", r.stderr);
}
