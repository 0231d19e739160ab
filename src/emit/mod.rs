//! Stage 5: resolved stack → Kubernetes objects → YAML.
//!
//! Invariant: the only module that builds Kubernetes objects, always as
//! k8s-openapi types serialized by serde_yaml, never as text templates. Output
//! is byte-for-byte deterministic: components go in (wave, name) order and
//! every map is a `BTreeMap`.

mod files;
pub mod gate;
pub mod labels;
mod rbac;
mod service;
mod workload;

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, PersistentVolumeClaim, Service, ServiceAccount};
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

use crate::graph::DependencyGraph;
use crate::model::{Stack, WorkloadKind};

/// One Kubernetes object, serialized with its own apiVersion and kind.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
#[allow(clippy::large_enum_variant)] // built once per object and serialized; boxing buys nothing
pub enum Object {
    Namespace(Namespace),
    ServiceAccount(ServiceAccount),
    Role(Role),
    RoleBinding(RoleBinding),
    ConfigMap(ConfigMap),
    PersistentVolumeClaim(PersistentVolumeClaim),
    Service(Service),
    Deployment(Deployment),
    StatefulSet(StatefulSet),
    Job(Job),
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
pub fn emit(stack: &Stack, graph: &DependencyGraph) -> Manifests {
    let width = graph.wave_count().to_string().len().max(2);
    let mut files = vec![ManifestFile {
        name: format!("{:0width$}-namespace.yaml", 0),
        component: None,
        wave: 0,
        objects: vec![Object::Namespace(Namespace {
            metadata: ObjectMeta {
                name: Some(stack.namespace.value.clone()),
                labels: Some(labels::stack_labels(stack)),
                ..ObjectMeta::default()
            },
            ..Namespace::default()
        })],
    }];
    for &i in &graph.order {
        let c = &stack.components[i];
        if c.kind.value == WorkloadKind::External {
            continue;
        }
        let wave = graph.waves.get(i).copied().unwrap_or(1);
        let mut objects = Vec::new();
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
        files.push(ManifestFile {
            name: format!("{wave:0width$}-{}.yaml", c.name),
            component: Some(c.name.clone()),
            wave,
            objects,
        });
    }
    Manifests { files }
}
