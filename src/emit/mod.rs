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
        let mut out = String::new();
        for (i, object) in self.objects.iter().enumerate() {
            if i > 0 {
                out.push_str("---\n");
            }
            out.push_str(&serde_yaml::to_string(object)?);
        }
        Ok(out)
    }
}

impl Manifests {
    /// Every file as one multi-document stream, in file order.
    pub fn to_yaml(&self) -> Result<String, serde_yaml::Error> {
        let mut out = String::new();
        for (i, file) in self.files.iter().enumerate() {
            if i > 0 {
                out.push_str("---\n");
            }
            out.push_str(&file.to_yaml()?);
        }
        Ok(out)
    }
}

/// Builds every object of the stack. The graph must be acyclic (waves computed).
pub fn emit(stack: &Stack, graph: &DependencyGraph, mode: Annotate) -> Result<Manifests, serde_json::Error> {
    let width = graph.wave_count().to_string().len().max(2);
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
    let mut files = vec![ManifestFile {
        name: format!("{:0width$}-namespace.yaml", 0),
        component: None,
        wave: 0,
        objects: namespace_objects,
    }];
    let traffic = network::traffic(stack);
    for &i in &graph.order {
        let c = &stack.components[i];
        if c.kind.value == WorkloadKind::External {
            continue;
        }
        let wave = graph.waves.get(i).copied().unwrap_or(1);
        let mut objects = vec![Object::NetworkPolicy(network::policy(stack, &traffic, i))];
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
        files.push(ManifestFile {
            name: format!("{wave:0width$}-{}.yaml", c.name),
            component: Some(c.name.clone()),
            wave,
            objects,
        });
    }
    let stack_hash = hash::stack_hash(&files)?;
    let mut manifests = Manifests { files, stack_hash };
    annotate::annotate(&mut manifests, stack, graph, mode);
    Ok(manifests)
}
