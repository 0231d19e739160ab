//! Removing Trino from the full seed stack: without optional edges, every
//! component that still needs it is named; with them, the stack builds and no
//! gate or env variable points at Trino any more.

use std::path::Path;

use kokuc::diagnostics::Code;
use kokuc::eval::{FsLoader, MemoryLoader};
use kokuc::Options;

use crate::support::{render, repo};

const KOKU_PROCESSES: [&str; 8] = [
    "koku-api-reads",
    "koku-api-writes",
    "worker-cost-model",
    "worker-download",
    "worker-ocp",
    "worker-priority",
    "worker-refresh",
    "worker-summary",
];

fn with_profile(profile_text: &str, profile: &str) -> (kokuc::Compilation, Option<kokuc::emit::Manifests>) {
    let path = repo().join("stacks/koku.koku");
    let mut text = std::fs::read_to_string(&path).expect("stack");
    text.push_str(profile_text);
    let mut loader = MemoryLoader::new(Some(&FsLoader));
    loader.insert(path.clone(), text);
    let options = Options {
        profile: Some(profile.to_string()),
        ..Options::default()
    };
    kokuc::build(&loader, Path::new(&path), &options)
}

#[test]
fn removing_trino_names_every_component_that_still_comes_after_it() {
    let (c, _) = with_profile(
        "\nprofile drop-trino { remove trino-coordinator; remove trino-worker; }\n",
        "drop-trino",
    );
    let removed: Vec<_> = c.diagnostics.iter().filter(|d| d.code == Code::K0306).collect();
    assert!(!removed.is_empty(), "{}", render(&c));
    let text: String = removed.iter().map(|d| d.message.clone() + "\n").collect();
    for name in KOKU_PROCESSES {
        assert!(text.contains(&format!("`{name}`")), "{name} is not named:\n{text}");
    }
    assert!(text.contains("trino-worker"), "{text}");
}

#[test]
fn with_optional_edges_trino_disappears_cleanly() {
    let profile = r#"
profile drop-trino {
  let query-engine = {
    host = trino-coordinator.host;
    port = trino-coordinator.port.http;
    after = [
      { on = trino-coordinator; optional = true; },
      { on = trino-worker; gate = trino.query-gate trino-coordinator; optional = true; },
    ];
  };
  remove trino-coordinator;
  remove trino-worker;
}
"#;
    let (c, manifests) = with_profile(profile, "drop-trino");
    assert!(!c.has_errors(), "{}", render(&c));
    let stack = c.stack.expect("stack");
    for name in KOKU_PROCESSES {
        let component = stack.component(name).expect("component");
        assert!(
            component.after.iter().all(|e| !e.target.starts_with("trino")),
            "{name} still waits for Trino"
        );
        assert!(
            component
                .env
                .iter()
                .all(|v| !v.name.starts_with("TRINO_HOST") && !v.name.starts_with("TRINO_PORT")),
            "{name} still has env wired to Trino"
        );
    }
    let yaml = manifests.expect("manifests").to_yaml().expect("yaml");
    assert!(!yaml.contains("wait-for-trino"), "a gate still points at Trino");
    assert!(
        !yaml.contains("trino-coordinator.koku.svc"),
        "an address still points at Trino"
    );
}
