//! Stage 5: resolved stack → Kubernetes objects → YAML.
//!
//! Invariant: the only module that builds Kubernetes objects, always as
//! k8s-openapi types serialized by serde_yaml, never as text templates. Output
//! is byte-for-byte deterministic: components go in (wave, name) order and
//! every map is a `BTreeMap`.

mod annotate;
mod disruption;
mod files;
pub mod gate;
pub mod hash;
pub mod kustomize;
pub mod labels;
pub mod network;
pub mod quota;
mod rbac;
pub mod security;
mod service;
pub mod stream;
mod workload;

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{
    ConfigMap, LimitRange, Namespace, PersistentVolumeClaim, ResourceQuota, Service, ServiceAccount,
};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::Metadata;
use rayon::prelude::*;
use serde::Serialize;

use crate::graph::DependencyGraph;
use crate::model::{Stack, WorkloadKind};

pub use annotate::{kapp_group, Annotate, ARGOCD_SYNC_WAVE, KAPP_CHANGE_GROUP, KAPP_CHANGE_RULE};

/// One Kubernetes object, serialized with its own apiVersion and kind.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
#[allow(clippy::large_enum_variant)] // built once per object and serialized; boxing buys nothing
pub enum Object {
    Namespace(Namespace),
    NetworkPolicy(NetworkPolicy),
    ResourceQuota(ResourceQuota),
    LimitRange(LimitRange),
    ServiceAccount(ServiceAccount),
    Role(Role),
    RoleBinding(RoleBinding),
    ConfigMap(ConfigMap),
    PersistentVolumeClaim(PersistentVolumeClaim),
    Service(Service),
    Deployment(Deployment),
    StatefulSet(StatefulSet),
    Job(Job),
    PodDisruptionBudget(PodDisruptionBudget),
}

impl Object {
    pub fn metadata(&self) -> &ObjectMeta {
        match self {
            Object::Namespace(o) => o.metadata(),
            Object::NetworkPolicy(o) => o.metadata(),
            Object::ResourceQuota(o) => o.metadata(),
            Object::LimitRange(o) => o.metadata(),
            Object::ServiceAccount(o) => o.metadata(),
            Object::Role(o) => o.metadata(),
            Object::RoleBinding(o) => o.metadata(),
            Object::ConfigMap(o) => o.metadata(),
            Object::PersistentVolumeClaim(o) => o.metadata(),
            Object::Service(o) => o.metadata(),
            Object::Deployment(o) => o.metadata(),
            Object::StatefulSet(o) => o.metadata(),
            Object::Job(o) => o.metadata(),
            Object::PodDisruptionBudget(o) => o.metadata(),
        }
    }

    pub fn metadata_mut(&mut self) -> &mut ObjectMeta {
        match self {
            Object::Namespace(o) => o.metadata_mut(),
            Object::NetworkPolicy(o) => o.metadata_mut(),
            Object::ResourceQuota(o) => o.metadata_mut(),
            Object::LimitRange(o) => o.metadata_mut(),
            Object::ServiceAccount(o) => o.metadata_mut(),
            Object::Role(o) => o.metadata_mut(),
            Object::RoleBinding(o) => o.metadata_mut(),
            Object::ConfigMap(o) => o.metadata_mut(),
            Object::PersistentVolumeClaim(o) => o.metadata_mut(),
            Object::Service(o) => o.metadata_mut(),
            Object::Deployment(o) => o.metadata_mut(),
            Object::StatefulSet(o) => o.metadata_mut(),
            Object::Job(o) => o.metadata_mut(),
            Object::PodDisruptionBudget(o) => o.metadata_mut(),
        }
    }
}

/// One output file: a name whose `ls` order is the deploy order, and its objects.
#[derive(Clone, Debug)]
pub struct ManifestFile {
    pub name: String,
    /// The component it holds, if any (the namespace file holds none).
    pub component: Option<String>,
    pub wave: u32,
    pub objects: Vec<Object>,
}

#[derive(Clone, Debug, Default)]
pub struct Manifests {
    pub files: Vec<ManifestFile>,
    /// Content hash of the resolved stack (see [`hash::stack_hash`]).
    pub stack_hash: String,
}

impl ManifestFile {
    /// The file's YAML: one document per object.
    pub fn to_yaml(&self) -> Result<String, serde_yaml::Error> {
        let mut out = Vec::with_capacity(4096);
        for (i, object) in self.objects.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(b"---\n");
            }
            serde_yaml::to_writer(&mut out, object)?;
        }
        // serde_yaml writes UTF-8 (it serializes from Rust strings).
        String::from_utf8(out).map_err(<serde_yaml::Error as serde::ser::Error>::custom)
    }
}

/// Files serialized per parallel batch by [`Manifests::write_yaml`]: enough to
/// keep every core busy, few enough that a batch of YAML stays small.
const BATCH: usize = 512;

impl Manifests {
    /// Every file as one multi-document stream, in file order.
    pub fn to_yaml(&self) -> Result<String, serde_yaml::Error> {
        let mut out = Vec::new();
        self.write_yaml(&mut out).map_err(|e| match e {
            WriteError::Yaml(e) => e,
            WriteError::Io(e) => <serde_yaml::Error as serde::ser::Error>::custom(e),
        })?;
        String::from_utf8(out).map_err(<serde_yaml::Error as serde::ser::Error>::custom)
    }

    /// Writes the stream of [`Manifests::to_yaml`] into `out`, without holding
    /// it in memory: files are serialized a batch at a time on every core
    /// (rayon), each file by one thread, and written in order, so the bytes do
    /// not depend on the number of threads.
    pub fn write_yaml(&self, out: &mut impl std::io::Write) -> Result<(), WriteError> {
        for (b, batch) in self.files.chunks(BATCH).enumerate() {
            let yaml: Vec<String> = batch.par_iter().map(ManifestFile::to_yaml).collect::<Result<_, _>>()?;
            for (i, file) in yaml.iter().enumerate() {
                if b > 0 || i > 0 {
                    out.write_all(b"---\n")?;
                }
                out.write_all(file.as_bytes())?;
            }
        }
        Ok(())
    }
}

/// Why [`Manifests::write_yaml`] failed.
#[derive(Debug)]
pub enum WriteError {
    Yaml(serde_yaml::Error),
    Io(std::io::Error),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::Yaml(e) => e.fmt(f),
            WriteError::Io(e) => e.fmt(f),
        }
    }
}

impl From<serde_yaml::Error> for WriteError {
    fn from(e: serde_yaml::Error) -> WriteError {
        WriteError::Yaml(e)
    }
}

impl From<std::io::Error> for WriteError {
    fn from(e: std::io::Error) -> WriteError {
        WriteError::Io(e)
    }
}

/// Builds every object of the stack. The graph must be acyclic (waves computed).
pub fn emit(stack: &Stack, graph: &DependencyGraph, mode: Annotate) -> Result<Manifests, serde_json::Error> {
    let width = name_width(graph);
    let traffic = network::traffic(stack);
    let clients = network::clients(stack, &traffic);
    let mut files = vec![namespace_file(stack, width)];
    // One component per task, on every core; `collect` keeps the deploy order.
    let component_files: Vec<ManifestFile> = graph
        .order
        .par_iter()
        .filter_map(|&i| component_file(stack, graph, (&traffic, &clients), i, width))
        .collect();
    files.extend(component_files);
    let stack_hash = hash::stack_hash(&files)?;
    let mut manifests = Manifests { files, stack_hash };
    annotate::annotate(&mut manifests, stack, graph, mode);
    Ok(manifests)
}

/// Digits of the wave prefix of file names.
fn name_width(graph: &DependencyGraph) -> usize {
    graph.wave_count().to_string().len().max(2)
}

/// `00-namespace.yaml`: the namespace and what applies to all of it.
fn namespace_file(stack: &Stack, width: usize) -> ManifestFile {
    let mut namespace_objects = vec![
        Object::Namespace(Namespace {
            metadata: ObjectMeta {
                name: Some(stack.namespace.value.clone()),
                labels: Some(labels::stack_labels(stack)),
                ..ObjectMeta::default()
            },
            ..Namespace::default()
        }),
        Object::NetworkPolicy(network::default_deny(stack)),
    ];
    namespace_objects.extend(quota::resource_quota(stack).map(Object::ResourceQuota));
    namespace_objects.extend(quota::limit_range(stack).map(Object::LimitRange));
    ManifestFile {
        name: format!("{:0width$}-namespace.yaml", 0),
        component: None,
        wave: 0,
        objects: namespace_objects,
    }
}

/// The file of component `i` (before annotation); external components have none.
fn component_file(
    stack: &Stack,
    graph: &DependencyGraph,
    (traffic, clients): (&network::Traffic, &[Vec<usize>]),
    i: usize,
    width: usize,
) -> Option<ManifestFile> {
    let c = &stack.components[i];
    if c.kind.value == WorkloadKind::External {
        return None;
    }
    let wave = graph.waves.get(i).copied().unwrap_or(1);
    let mut objects = vec![Object::NetworkPolicy(network::policy(stack, traffic, clients, i))];
    let jobs = gate::waits_for_jobs(stack, c);
    let service_account = if jobs.is_empty() {
        None
    } else {
        let (objs, name) = rbac::job_reader(stack, c, &jobs);
        objects.extend(objs);
        Some(name)
    };
    if let Some(config_map) = files::config_map(stack, c) {
        objects.push(Object::ConfigMap(config_map));
    }
    if let Some(service) = service::service(stack, c) {
        objects.push(Object::Service(service));
    }
    objects.extend(workload::workload(stack, c, wave, service_account.as_deref()));
    objects.extend(disruption::pod_disruption_budget(stack, c).map(Object::PodDisruptionBudget));
    Some(ManifestFile {
        name: format!("{wave:0width$}-{}.yaml", c.name),
        component: Some(c.name.clone()),
        wave,
        objects,
    })
}
