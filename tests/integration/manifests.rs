//! Properties of the emitted objects on every stack and profile: secure pods,
//! the budget as a quota, disruption budgets and singletons, the config hash
//! (which changes exactly when a component's configuration does), the stack
//! hash (deterministic, independent of declaration order) and the GitOps
//! annotations.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use k8s_openapi::api::core::v1::{Container, PodSpec, PodTemplateSpec};
use kokuc::emit::{Annotate, Manifests, Object};
use kokuc::eval::loader::MemoryLoader;
use kokuc::eval::FsLoader;
use kokuc::Options;

use crate::support::{repo, stack_files, variants};

fn build_text(path: &Path, text: Option<&str>, options: &Options) -> Manifests {
    let mut loader = MemoryLoader::new(Some(&FsLoader));
    if let Some(text) = text {
        loader.insert(path.to_path_buf(), text.to_string());
    }
    let (c, m) = kokuc::build(&loader, path, options);
    let errors: Vec<String> = c
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message.clone())
        .collect();
    m.unwrap_or_else(|| panic!("{} does not build: {errors:?}", path.display()))
}

fn seed() -> PathBuf {
    repo().join("stacks/koku.koku")
}

fn with_profile(profile: Option<&str>) -> Options {
    Options {
        profile: profile.map(str::to_string),
        ..Options::default()
    }
}

/// Each workload's pod template, by component name.
fn templates(m: &Manifests) -> BTreeMap<String, PodTemplateSpec> {
    let mut out = BTreeMap::new();
    for file in &m.files {
        for o in &file.objects {
            let (name, t) = match o {
                Object::Deployment(d) => (d.metadata.name.clone(), Some(d.spec.template.clone())),
                Object::StatefulSet(s) => (s.metadata.name.clone(), Some(s.spec.template.clone())),
                Object::Job(j) => (j.metadata.name.clone(), j.spec.as_ref().map(|s| s.template.clone())),
                _ => continue,
            };
            out.insert(name.expect("name"), t.expect("template"));
        }
    }
    out
}

fn config_hash(t: &PodTemplateSpec) -> String {
    t.metadata
        .as_ref()
        .and_then(|m| m.annotations.as_ref())
        .and_then(|a| a.get("kokuc.dev/config-hash"))
        .cloned()
        .expect("config hash")
}

fn check_container(c: &Container, relaxed: bool, what: &str) {
    let s = c
        .security_context
        .as_ref()
        .unwrap_or_else(|| panic!("{what}: no securityContext"));
    assert_eq!(s.allow_privilege_escalation, Some(false), "{what}");
    assert_eq!(s.privileged, Some(false), "{what}");
    assert_eq!(
        s.capabilities.as_ref().and_then(|c| c.drop.clone()),
        Some(vec!["ALL".to_string()]),
        "{what}"
    );
    assert_eq!(s.read_only_root_filesystem, Some(true), "{what}");
    assert_eq!(s.run_as_non_root, Some(true), "{what}");
    assert_eq!(
        s.seccomp_profile.as_ref().map(|p| p.type_.as_str()),
        Some("RuntimeDefault"),
        "{what}"
    );
    if !relaxed {
        assert!(s.run_as_user.is_some_and(|u| u >= 10000), "{what}: {:?}", s.run_as_user);
    }
    let r = c.resources.as_ref().unwrap_or_else(|| panic!("{what}: no resources"));
    for map in [&r.requests, &r.limits] {
        let map = map.as_ref().unwrap_or_else(|| panic!("{what}: requests and limits"));
        assert!(map.contains_key("cpu") && map.contains_key("memory"), "{what}: {map:?}");
    }
    let image = c.image.as_deref().expect("image");
    assert!(!image.ends_with(":latest") && image.contains(':'), "{what}: {image}");
    let policy = if image.contains('@') { "IfNotPresent" } else { "Always" };
    assert_eq!(c.image_pull_policy.as_deref(), Some(policy), "{what}");
    assert!(
        c.volume_mounts.iter().flatten().any(|m| m.mount_path == "/tmp"),
        "{what}: /tmp is writable"
    );
}

#[test]
fn every_pod_and_container_is_secure_by_default() {
    for stack in stack_files() {
        for profile in variants(&stack) {
            let m = build_text(&stack, None, &with_profile(profile.as_deref()));
            for (name, t) in templates(&m) {
                let what = format!("{} {profile:?} {name}", stack.display());
                let spec: &PodSpec = t.spec.as_ref().expect("spec");
                let pod = spec.security_context.as_ref().expect("pod securityContext");
                assert_eq!(pod.run_as_non_root, Some(true), "{what}");
                assert_eq!(
                    pod.seccomp_profile.as_ref().map(|p| p.type_.as_str()),
                    Some("RuntimeDefault"),
                    "{what}"
                );
                assert_eq!(spec.automount_service_account_token, Some(false), "{what}");
                let relaxed = pod.run_as_user.is_some_and(|u| u < 10000);
                for c in &spec.containers {
                    check_container(c, relaxed, &format!("{what} container {}", c.name));
                }
                for c in spec.init_containers.iter().flatten() {
                    // Gates are never relaxed, whatever the component declares.
                    check_container(c, false, &format!("{what} gate {}", c.name));
                    let token = c
                        .volume_mounts
                        .iter()
                        .flatten()
                        .any(|m| m.mount_path.contains("serviceaccount"));
                    let kubectl = c.image.as_deref().is_some_and(|i| i.contains("kubectl"));
                    assert_eq!(
                        token, kubectl,
                        "{what} gate {}: only Job-completion gates get the API token",
                        c.name
                    );
                }
            }
        }
    }
}

#[test]
fn the_budget_becomes_a_quota_and_singletons_never_run_twice() {
    let m = build_text(&seed(), None, &Options::default());
    let ns = &m.files[0];
    let quota = ns
        .objects
        .iter()
        .find_map(|o| match o {
            Object::ResourceQuota(q) => q.spec.as_ref().and_then(|s| s.hard.clone()),
            _ => None,
        })
        .expect("a ResourceQuota in the namespace file");
    let hard: BTreeMap<&str, &str> = quota.iter().map(|(k, v)| (k.as_str(), v.0.as_str())).collect();
    assert_eq!(
        hard,
        BTreeMap::from([
            ("pods", "30"),
            ("requests.cpu", "16"),
            ("requests.memory", "48Gi"),
            ("requests.storage", "300Gi")
        ])
    );
    let mut pdbs = BTreeMap::new();
    let mut strategies = BTreeMap::new();
    for file in &m.files {
        for o in &file.objects {
            match o {
                Object::PodDisruptionBudget(p) => {
                    let spec = p.spec.as_ref().expect("spec");
                    pdbs.insert(p.metadata.name.clone().expect("name"), spec.min_available.clone());
                }
                Object::Deployment(d) => {
                    let s = d.spec.strategy.as_ref().and_then(|s| s.type_.clone());
                    strategies.insert(d.metadata.name.clone().expect("name"), s);
                }
                _ => {}
            }
        }
    }
    use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int;
    // Every component with more than one replica, minAvailable = replicas - 1 by default.
    assert_eq!(
        pdbs,
        BTreeMap::from([
            ("koku-api-reads".to_string(), Some(Int(2))),
            ("koku-api-writes".to_string(), Some(Int(1))),
            ("trino-worker".to_string(), Some(Int(1))),
            ("worker-summary".to_string(), Some(Int(1))),
        ])
    );
    assert_eq!(strategies["celery-beat"].as_deref(), Some("Recreate"));

    // A declared relaxation is visible on the workload, with the reason from the source.
    let hive = m.files.iter().flat_map(|f| &f.objects).find_map(|o| match o {
        Object::Deployment(d) if d.metadata.name.as_deref() == Some("hive-metastore") => d.metadata.annotations.clone(),
        _ => None,
    });
    let hive = hive.expect("hive-metastore annotations");
    assert!(
        hive["kokuc.dev/relaxed"].starts_with("runs as user 1000 (below 10000) (reason: Hadoop"),
        "{hive:?}"
    );
    assert!(
        hive["checkov.io/skip1"].starts_with("CKV_K8S_40=relaxed in the kokuc source: Hadoop"),
        "{hive:?}"
    );
    assert!(
        !hive.keys().any(|k| k == "checkov.io/skip2"),
        "one check per relaxation: {hive:?}"
    );
    assert!(strategies
        .iter()
        .filter(|(n, _)| *n != "celery-beat")
        .all(|(_, s)| s.is_none()));
}

#[test]
fn the_config_hash_changes_exactly_with_the_configuration() {
    let path = seed();
    let text = std::fs::read_to_string(&path).expect("seed");
    let base = templates(&build_text(&path, None, &Options::default()));

    // A different JVM heap in the coordinator's files: only its config hash changes.
    let changed = text.replace(
        "component trino-coordinator = trino.node trino-deps // {",
        "component trino-coordinator = trino.node (trino-deps // { heap = \"5G\"; }) // {",
    );
    assert_ne!(changed, text);
    let after = templates(&build_text(&path, Some(&changed), &Options::default()));
    for (name, t) in &base {
        let same = config_hash(t) == config_hash(&after[name]);
        assert_eq!(same, name != "trino-coordinator", "{name}");
    }

    // Replicas and budgets are not configuration: no config hash and no pod template moves.
    let scaled = text
        .replace("replicas = 3; };", "replicas = 4; };")
        .replace("pods = 30;", "pods = 31;");
    assert_ne!(scaled, text);
    let after = templates(&build_text(&path, Some(&scaled), &Options::default()));
    assert_eq!(
        after, base,
        "pod templates are unchanged when only replicas and the budget change"
    );
}

#[test]
fn the_stack_hash_is_deterministic_and_independent_of_declaration_order() {
    let path = seed();
    let text = std::fs::read_to_string(&path).expect("seed");
    let a = build_text(&path, None, &Options::default());
    let b = build_text(&path, None, &Options::default());
    assert_eq!(a.stack_hash, b.stack_hash);
    assert_eq!(a.stack_hash.len(), 64);
    assert_eq!(a.to_yaml().expect("yaml"), b.to_yaml().expect("yaml"));

    // Move the first infrastructure component (minio) to the end of the file.
    let start = text.find("# Object storage for the Parquet").expect("minio comment");
    let end = text.find("# The Celery broker.").expect("redis comment");
    let moved = format!("{}{}\n{}", &text[..start], &text[end..], &text[start..end]);
    assert_ne!(moved, text);
    let c = build_text(&path, Some(&moved), &Options::default());
    assert_eq!(c.stack_hash, a.stack_hash);
    assert_eq!(c.to_yaml().expect("yaml"), a.to_yaml().expect("yaml"));

    // The base and `trino-minimal` (which changes nothing) are the same content.
    let minimal = build_text(&path, None, &with_profile(Some("trino-minimal")));
    assert_eq!(minimal.stack_hash, a.stack_hash);
    // Any change of content changes it; annotation modes do not.
    let production = build_text(&path, None, &with_profile(Some("production")));
    assert_ne!(production.stack_hash, a.stack_hash);
    let argo = build_text(
        &path,
        None,
        &Options {
            annotate: Annotate::ArgoCd,
            ..Options::default()
        },
    );
    assert_eq!(argo.stack_hash, a.stack_hash);

    // Every object carries it; no pod template does (it would roll every pod).
    for file in &a.files {
        for o in &file.objects {
            let annotations = o.metadata().annotations.clone().unwrap_or_default();
            assert_eq!(
                annotations.get("kokuc.dev/stack-hash"),
                Some(&a.stack_hash),
                "{}",
                file.name
            );
        }
    }
    for t in templates(&a).values() {
        let annotations = t
            .metadata
            .as_ref()
            .and_then(|m| m.annotations.clone())
            .unwrap_or_default();
        assert!(!annotations.contains_key("kokuc.dev/stack-hash"));
    }
}

#[test]
fn gitops_annotations_follow_the_waves_and_edges() {
    let path = seed();
    let argo = build_text(
        &path,
        None,
        &Options {
            annotate: Annotate::ArgoCd,
            ..Options::default()
        },
    );
    for file in &argo.files {
        for o in &file.objects {
            let a = o.metadata().annotations.clone().unwrap_or_default();
            assert_eq!(
                a.get("argocd.argoproj.io/sync-wave"),
                Some(&file.wave.to_string()),
                "{}",
                file.name
            );
        }
    }
    let kapp = build_text(
        &path,
        None,
        &Options {
            annotate: Annotate::Kapp,
            ..Options::default()
        },
    );
    let file = kapp
        .files
        .iter()
        .find(|f| f.component.as_deref() == Some("hive-metastore"))
        .expect("file");
    for o in &file.objects {
        let a = o.metadata().annotations.clone().unwrap_or_default();
        assert_eq!(
            a.get("kapp.k14s.io/change-group").map(String::as_str),
            Some("kokuc.dev/hive-metastore")
        );
        let rules: Vec<&str> = a
            .iter()
            .filter(|(k, _)| k.starts_with("kapp.k14s.io/change-rule"))
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(
            rules,
            [
                "delete before deleting kokuc.dev/hive-schema",
                "delete before deleting kokuc.dev/minio",
                "upsert after upserting kokuc.dev/hive-schema",
                "upsert after upserting kokuc.dev/minio",
            ]
        );
    }
    // Without --annotate, neither tool's annotations appear.
    let plain = build_text(&path, None, &Options::default()).to_yaml().expect("yaml");
    assert!(!plain.contains("argocd.argoproj.io") && !plain.contains("kapp.k14s.io"));
}
