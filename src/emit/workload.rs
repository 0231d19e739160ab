//! Workloads: the pod template, and the Deployment, StatefulSet or Job around it.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, DeploymentStrategy, StatefulSet, StatefulSetSpec};
use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1::{
    Container, ContainerPort, EmptyDirVolumeSource, EnvVar, ExecAction, HTTPGetAction, PersistentVolumeClaim,
    PersistentVolumeClaimSpec, PersistentVolumeClaimVolumeSource, PodSpec, PodTemplateSpec, Probe,
    ResourceRequirements, TCPSocketAction, Volume, VolumeMount, VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::files;
use super::gate;
use super::hash;
use super::labels;
use super::security;
use super::Object;
use crate::model::{Component, EnvValue, ProbeAction, Resource, Stack, WorkloadKind};

const DATA_VOLUME: &str = "data";

/// The workload object (and a PVC for a Deployment with storage).
pub fn workload(stack: &Stack, c: &Component, wave: u32, service_account: Option<&str>) -> Vec<Object> {
    let annotations = workload_annotations(c, wave);
    let meta = labels::metadata(stack, c, &c.name, Some(annotations));
    let template = pod_template(stack, c, service_account);
    match c.kind.value {
        WorkloadKind::Service => {
            let mut objects = Vec::new();
            if let Some(storage) = &c.storage {
                objects.push(Object::PersistentVolumeClaim(PersistentVolumeClaim {
                    metadata: labels::metadata(stack, c, &claim_name(c), None),
                    spec: Some(claim_spec(&storage.size.value.to_k8s_string(), storage.class.clone())),
                    ..PersistentVolumeClaim::default()
                }));
            }
            objects.push(Object::Deployment(Deployment {
                metadata: meta,
                spec: DeploymentSpec {
                    replicas: Some(replicas(c)),
                    selector: labels::selector(stack, c),
                    // A singleton's old pod is gone before the new one starts.
                    strategy: c.policy.singleton.map(|_| DeploymentStrategy {
                        type_: Some("Recreate".to_string()),
                        ..DeploymentStrategy::default()
                    }),
                    template,
                    ..DeploymentSpec::default()
                },
                ..Deployment::default()
            }));
            objects
        }
        WorkloadKind::Stateful => {
            let claims = c.storage.as_ref().map(|storage| {
                vec![PersistentVolumeClaim {
                    metadata: ObjectMeta {
                        name: Some(DATA_VOLUME.to_string()),
                        labels: Some(labels::selector_labels(stack, c)),
                        ..ObjectMeta::default()
                    },
                    spec: Some(claim_spec(&storage.size.value.to_k8s_string(), storage.class.clone())),
                    ..PersistentVolumeClaim::default()
                }]
            });
            vec![Object::StatefulSet(StatefulSet {
                metadata: meta,
                spec: StatefulSetSpec {
                    replicas: Some(replicas(c)),
                    selector: labels::selector(stack, c),
                    service_name: Some(c.name.clone()),
                    template,
                    volume_claim_templates: claims,
                    ..StatefulSetSpec::default()
                },
                ..StatefulSet::default()
            })]
        }
        WorkloadKind::Job => vec![Object::Job(Job {
            metadata: meta,
            spec: Some(JobSpec {
                backoff_limit: Some(c.job.backoff_limit),
                parallelism: Some(i32::try_from(c.job.parallelism).unwrap_or(1)),
                completions: Some(i32::try_from(c.job.parallelism).unwrap_or(1)),
                ttl_seconds_after_finished: c
                    .job
                    .ttl_seconds
                    .as_ref()
                    .map(|t| i32::try_from(t.value).unwrap_or(i32::MAX)),
                template,
                ..JobSpec::default()
            }),
            ..Job::default()
        })],
        WorkloadKind::External => Vec::new(),
    }
}

fn replicas(c: &Component) -> i32 {
    i32::try_from(c.replicas.value).unwrap_or(i32::MAX)
}

fn claim_name(c: &Component) -> String {
    format!("{}-{DATA_VOLUME}", c.name)
}

fn claim_spec(size: &str, class: Option<String>) -> PersistentVolumeClaimSpec {
    PersistentVolumeClaimSpec {
        access_modes: Some(vec!["ReadWriteOnce".to_string()]),
        resources: Some(VolumeResourceRequirements {
            requests: Some(BTreeMap::from([("storage".to_string(), K8sQuantity(size.to_string()))])),
            ..VolumeResourceRequirements::default()
        }),
        storage_class_name: class,
        ..PersistentVolumeClaimSpec::default()
    }
}

fn workload_annotations(c: &Component, wave: u32) -> BTreeMap<String, String> {
    let mut a = BTreeMap::from([(labels::WAVE.to_string(), wave.to_string())]);
    if !c.after.is_empty() {
        let after: Vec<&str> = c.after.iter().map(|e| e.target.as_str()).collect();
        a.insert(labels::AFTER.to_string(), after.join(","));
    }
    a.extend(relaxation_annotations(c));
    a
}

/// The component's relaxed security defaults, for people (`kokuc.dev/relaxed`)
/// and for scanners: a checkov suppression per check the relaxation trips,
/// carrying the reason written in the source.
fn relaxation_annotations(c: &Component) -> BTreeMap<String, String> {
    let relaxed = c.policy.security.relaxations();
    let Some(reason) = &c.policy.security.reason else {
        return BTreeMap::new();
    };
    if relaxed.is_empty() {
        return BTreeMap::new();
    }
    let what: Vec<&str> = relaxed.iter().map(|r| r.what.as_str()).collect();
    let mut a = BTreeMap::from([(
        labels::RELAXED.to_string(),
        format!("{} (reason: {})", what.join("; "), reason.value),
    )]);
    // checkov splits `ID=comment` at every `=`.
    let comment = format!("relaxed in the kokuc source: {}", reason.value.replace('=', ":"));
    let mut checks: Vec<&str> = relaxed.iter().flat_map(|r| r.checks.iter().copied()).collect();
    checks.sort_unstable_by_key(|id| (id.len(), *id));
    checks.dedup();
    for (i, check) in checks.iter().enumerate() {
        a.insert(format!("checkov.io/skip{}", i + 1), format!("{check}={comment}"));
    }
    a
}

fn pod_template(stack: &Stack, c: &Component, service_account: Option<&str>) -> PodTemplateSpec {
    let init_containers: Vec<Container> = c
        .after
        .iter()
        .filter_map(|edge| gate::init_container(stack, edge, stack.component(&edge.target)?))
        .collect();
    let mut volumes = Vec::new();
    let mut mounts = Vec::new();
    if let Some(storage) = &c.storage {
        mounts.push(VolumeMount {
            name: DATA_VOLUME.to_string(),
            mount_path: storage.path.clone(),
            ..VolumeMount::default()
        });
        if c.kind.value == WorkloadKind::Service {
            volumes.push(Volume {
                name: DATA_VOLUME.to_string(),
                persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                    claim_name: claim_name(c),
                    ..PersistentVolumeClaimVolumeSource::default()
                }),
                ..Volume::default()
            });
        }
    }
    mounts.extend(files::mounts(c));
    volumes.extend(files::volume(c));
    mounts.extend(security::writable_mounts(c));
    volumes.extend(security::writable_volumes(c));
    if !init_containers.is_empty() {
        volumes.push(Volume {
            name: gate::TMP_VOLUME.to_string(),
            empty_dir: Some(EmptyDirVolumeSource::default()),
            ..Volume::default()
        });
    }
    if service_account.is_some() {
        volumes.push(security::token_volume());
    }
    let image = c.image.as_ref().map(|i| i.value.clone());
    let main = Container {
        name: c.name.clone(),
        image_pull_policy: image.as_deref().map(security::pull_policy),
        image,
        command: non_empty(c.command.clone()),
        args: non_empty(c.args.clone()),
        ports: non_empty(
            c.ports
                .iter()
                .map(|p| ContainerPort {
                    name: Some(p.name.clone()),
                    container_port: i32::from(p.number),
                    protocol: Some("TCP".to_string()),
                    ..ContainerPort::default()
                })
                .collect(),
        ),
        env: non_empty(c.env.iter().map(env_var).collect()),
        resources: Some(resources(&c.cpu, &c.memory)),
        readiness_probe: c.ready.as_ref().map(|p| probe(&p.action)),
        security_context: Some(security::container(c)),
        volume_mounts: non_empty(mounts),
        ..Container::default()
    };
    PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(labels::component_labels(stack, c)),
            annotations: Some(BTreeMap::from([(hash::CONFIG_HASH.to_string(), hash::config_hash(c))])),
            ..ObjectMeta::default()
        }),
        spec: Some(PodSpec {
            init_containers: non_empty(init_containers),
            containers: vec![main],
            restart_policy: (c.kind.value == WorkloadKind::Job).then(|| "OnFailure".to_string()),
            service_account_name: service_account.map(str::to_string),
            // The token is projected into the gates that need it, never into the app,
            // unless the component asks for it.
            automount_service_account_token: Some(c.policy.security.service_account_token.is_some()),
            security_context: Some(security::pod(c)),
            volumes: non_empty(volumes),
            ..PodSpec::default()
        }),
    }
}

fn non_empty<T>(v: Vec<T>) -> Option<Vec<T>> {
    (!v.is_empty()).then_some(v)
}

fn env_var(e: &crate::model::EnvVar) -> EnvVar {
    match &e.value {
        EnvValue::Plain(v) => EnvVar {
            name: e.name.clone(),
            value: Some(v.clone()),
            ..EnvVar::default()
        },
        EnvValue::Secret(s) => gate::secret_env(&e.name, s),
    }
}

/// Requests and limits. A limit without a request gets the same request (what
/// Kubernetes would do, written out); a resource without a limit is one the
/// component declared `unlimited` (anything else is an error before emission).
pub fn resources(cpu: &Resource, memory: &Resource) -> ResourceRequirements {
    let mut requests = BTreeMap::new();
    let mut limits = BTreeMap::new();
    for (name, r) in [("cpu", cpu), ("memory", memory)] {
        if let Some(q) = r.effective_request() {
            requests.insert(name.to_string(), K8sQuantity(q.to_k8s_string()));
        }
        if let Some(q) = &r.limit {
            limits.insert(name.to_string(), K8sQuantity(q.value.to_k8s_string()));
        }
    }
    ResourceRequirements {
        requests: (!requests.is_empty()).then_some(requests),
        limits: (!limits.is_empty()).then_some(limits),
        ..ResourceRequirements::default()
    }
}

fn probe(action: &ProbeAction) -> Probe {
    let mut p = Probe {
        period_seconds: Some(10),
        failure_threshold: Some(3),
        ..Probe::default()
    };
    match action {
        ProbeAction::Tcp { port } => {
            p.tcp_socket = Some(TCPSocketAction {
                port: IntOrString::String(port.clone()),
                ..TCPSocketAction::default()
            });
        }
        ProbeAction::Http { path, port } => {
            p.http_get = Some(HTTPGetAction {
                path: Some(path.clone()),
                port: IntOrString::String(port.clone()),
                ..HTTPGetAction::default()
            });
        }
        ProbeAction::Exec { command } => {
            p.exec = Some(ExecAction {
                command: Some(command.clone()),
            });
        }
    }
    p
}
