//! The floor: the cost of the output alone.
//!
//! For the generated tree stack (`examples/gen_stack.rs`), this builds the
//! objects the issue that asked for it describes (the namespace, then per
//! component a Service and a Deployment with one wait-gate init container)
//! with k8s-openapi, and serializes them with serde_yaml as one
//! multi-document stream, straight into a buffered writer. No parsing,
//! evaluation, graph or checks. Its output is byte-identical to what
//! `kokuc build` wrote for that stack until the secure-manifest objects were
//! added (NetworkPolicies, PodDisruptionBudgets, security contexts, hashes),
//! so kokuc now writes more per component; `scripts/bench.sh` reports both
//! sizes and compares time per byte written.

use std::collections::BTreeMap;
use std::io::{self, Write};

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{
    Capabilities, Container, ContainerPort, EmptyDirVolumeSource, EnvVar, Namespace, PodSpec, PodTemplateSpec,
    ResourceRequirements, SeccompProfile, SecurityContext, Service, ServicePort, ServiceSpec, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

const NAMESPACE: &str = "bench";
const STACK: &str = "bench";
const IMAGE: &str = "registry.example.com/bench/app:1.0.0";
const GATE_IMAGE: &str = "docker.io/library/busybox:1.37.0";
const PORT: i32 = 8080;

/// The component name `gen_stack` writes for index `i`.
pub fn name(i: usize) -> String {
    format!("svc-{i:06}")
}

fn string_map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn selector_labels(name: &str) -> BTreeMap<String, String> {
    string_map(&[("app.kubernetes.io/name", name), ("app.kubernetes.io/part-of", STACK)])
}

fn labels(name: &str) -> BTreeMap<String, String> {
    string_map(&[
        ("app.kubernetes.io/component", "service"),
        ("app.kubernetes.io/managed-by", "kokuc"),
        ("app.kubernetes.io/name", name),
        ("app.kubernetes.io/part-of", STACK),
    ])
}

fn metadata(name: &str, annotations: Option<BTreeMap<String, String>>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        namespace: Some(NAMESPACE.to_string()),
        labels: Some(labels(name)),
        annotations,
        ..ObjectMeta::default()
    }
}

fn quantities(cpu: &str, memory: &str) -> BTreeMap<String, Quantity> {
    BTreeMap::from([
        ("cpu".to_string(), Quantity(cpu.to_string())),
        ("memory".to_string(), Quantity(memory.to_string())),
    ])
}

pub fn namespace() -> Namespace {
    Namespace {
        metadata: ObjectMeta {
            name: Some(NAMESPACE.to_string()),
            labels: Some(string_map(&[
                ("app.kubernetes.io/managed-by", "kokuc"),
                ("app.kubernetes.io/part-of", STACK),
            ])),
            ..ObjectMeta::default()
        },
        ..Namespace::default()
    }
}

pub fn service(name: &str) -> Service {
    Service {
        metadata: metadata(name, None),
        spec: Some(ServiceSpec {
            selector: Some(selector_labels(name)),
            ports: Some(vec![ServicePort {
                name: Some("http".to_string()),
                port: PORT,
                target_port: Some(IntOrString::String("http".to_string())),
                protocol: Some("TCP".to_string()),
                ..ServicePort::default()
            }]),
            ..ServiceSpec::default()
        }),
        ..Service::default()
    }
}

/// The init container that waits for `target` (a TCP connect to its Service).
fn wait_gate(target: &str, script: &str) -> Container {
    let env = |name: &str, value: String| EnvVar {
        name: name.to_string(),
        value: Some(value),
        ..EnvVar::default()
    };
    Container {
        name: format!("wait-for-{target}"),
        image: Some(GATE_IMAGE.to_string()),
        image_pull_policy: Some("IfNotPresent".to_string()),
        command: Some(vec!["sh".to_string(), "-c".to_string(), script.to_string()]),
        env: Some(vec![
            env("KOKUC_TARGET", target.to_string()),
            env("KOKUC_TIMEOUT", "600".to_string()),
            env("KOKUC_HOST", format!("{target}.{NAMESPACE}.svc.cluster.local")),
            env("KOKUC_PORT", PORT.to_string()),
            env("KOKUC_WHAT", "a TCP connect to $(KOKUC_HOST):$(KOKUC_PORT)".to_string()),
        ]),
        resources: Some(ResourceRequirements {
            requests: Some(quantities("10m", "16Mi")),
            limits: Some(quantities("10m", "16Mi")),
            ..ResourceRequirements::default()
        }),
        security_context: Some(SecurityContext {
            allow_privilege_escalation: Some(false),
            capabilities: Some(Capabilities {
                drop: Some(vec!["ALL".to_string()]),
                ..Capabilities::default()
            }),
            read_only_root_filesystem: Some(true),
            run_as_non_root: Some(true),
            run_as_user: Some(65532),
            run_as_group: Some(65532),
            seccomp_profile: Some(SeccompProfile {
                type_: "RuntimeDefault".to_string(),
                ..SeccompProfile::default()
            }),
            ..SecurityContext::default()
        }),
        termination_message_policy: Some("FallbackToLogsOnError".to_string()),
        volume_mounts: Some(vec![VolumeMount {
            name: "kokuc-gate-tmp".to_string(),
            mount_path: "/tmp".to_string(),
            ..VolumeMount::default()
        }]),
        ..Container::default()
    }
}

/// The Deployment of component `i` of the tree (it waits for `(i - 1) / 2`).
pub fn deployment(i: usize, script: &str) -> Deployment {
    let name = name(i);
    let wave = usize::BITS - (i + 1).leading_zeros();
    let mut annotations = string_map(&[("kokuc.dev/wave", &wave.to_string())]);
    let parent = (i > 0).then(|| self::name((i - 1) / 2));
    if let Some(p) = &parent {
        annotations.insert("kokuc.dev/after".to_string(), p.clone());
    }
    let main = Container {
        name: name.clone(),
        image: Some(IMAGE.to_string()),
        ports: Some(vec![ContainerPort {
            name: Some("http".to_string()),
            container_port: PORT,
            protocol: Some("TCP".to_string()),
            ..ContainerPort::default()
        }]),
        resources: Some(ResourceRequirements {
            requests: Some(quantities("500m", "1Gi")),
            limits: Some(quantities("1", "2Gi")),
            ..ResourceRequirements::default()
        }),
        ..Container::default()
    };
    let init: Vec<Container> = parent.iter().map(|p| wait_gate(p, script)).collect();
    let volumes = (!init.is_empty()).then(|| {
        vec![Volume {
            name: "kokuc-gate-tmp".to_string(),
            empty_dir: Some(EmptyDirVolumeSource::default()),
            ..Volume::default()
        }]
    });
    Deployment {
        metadata: metadata(&name, Some(annotations)),
        spec: DeploymentSpec {
            replicas: Some(2),
            selector: LabelSelector {
                match_labels: Some(selector_labels(&name)),
                ..LabelSelector::default()
            },
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels(&name)),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    init_containers: (!init.is_empty()).then_some(init),
                    containers: vec![main],
                    automount_service_account_token: Some(false),
                    volumes,
                    ..PodSpec::default()
                }),
            },
            ..DeploymentSpec::default()
        },
        ..Deployment::default()
    }
}

/// Builds and writes the objects of an `n`-component tree stack, in deploy
/// order (the tree's waves are its levels, and names sort like indices).
/// `script` is the wait-gate shell script (a constant).
pub fn write(n: usize, script: &str, out: &mut impl Write) -> io::Result<()> {
    let yaml = |e: serde_yaml::Error| io::Error::other(e.to_string());
    serde_yaml::to_writer(&mut *out, &namespace()).map_err(yaml)?;
    for i in 0..n {
        out.write_all(b"---\n")?;
        serde_yaml::to_writer(&mut *out, &service(&name(i))).map_err(yaml)?;
        out.write_all(b"---\n")?;
        serde_yaml::to_writer(&mut *out, &deployment(i, script)).map_err(yaml)?;
    }
    out.flush()
}
