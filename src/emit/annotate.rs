//! Annotations added to every object after emission: the stack hash always,
//! and the ordering of a GitOps tool on request (`--annotate argocd|kapp`).
//!
//! None of them goes on a pod template, so none of them rolls pods.

use std::collections::BTreeMap;

use super::{hash, ManifestFile, Manifests};
use crate::graph::DependencyGraph;
use crate::model::{Stack, WorkloadKind};

/// Ordering annotations for a GitOps tool.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Annotate {
    /// kokuc's own annotations only.
    #[default]
    None,
    /// `argocd.argoproj.io/sync-wave` from the wave.
    ArgoCd,
    /// kapp change groups and change rules from the `after` edges.
    Kapp,
}

pub const ARGOCD_SYNC_WAVE: &str = "argocd.argoproj.io/sync-wave";
pub const KAPP_CHANGE_GROUP: &str = "kapp.k14s.io/change-group";
pub const KAPP_CHANGE_RULE: &str = "kapp.k14s.io/change-rule";

/// The kapp change group of a component's objects.
pub fn kapp_group(component: &str) -> String {
    format!("kokuc.dev/{component}")
}

/// Adds `annotations` to every object of `manifests`, file by file.
pub fn annotate(manifests: &mut Manifests, stack: &Stack, graph: &DependencyGraph, mode: Annotate) {
    let stack_hash = manifests.stack_hash.clone();
    for file in &mut manifests.files {
        annotate_file(file, &stack_hash, stack, graph, mode);
    }
}

/// Adds the stack hash and the GitOps annotations of `mode` to every object of one file.
pub(super) fn annotate_file(
    file: &mut ManifestFile,
    stack_hash: &str,
    stack: &Stack,
    graph: &DependencyGraph,
    mode: Annotate,
) {
    {
        let mut extra = BTreeMap::from([(hash::STACK_HASH.to_string(), stack_hash.to_string())]);
        match mode {
            Annotate::None => {}
            Annotate::ArgoCd => {
                extra.insert(ARGOCD_SYNC_WAVE.to_string(), file.wave.to_string());
            }
            Annotate::Kapp => {
                if let Some(c) = file.component.as_deref().and_then(|name| stack.component(name)) {
                    extra.insert(KAPP_CHANGE_GROUP.to_string(), kapp_group(&c.name));
                    let index = stack.index_of(&c.name).unwrap_or_default();
                    let mut dependencies: Vec<&str> = graph
                        .dependencies(index)
                        .map(|d| &stack.components[d])
                        .filter(|d| d.kind.value != WorkloadKind::External)
                        .map(|d| d.name.as_str())
                        .collect();
                    dependencies.sort_unstable();
                    dependencies.dedup();
                    for (i, d) in dependencies.iter().enumerate() {
                        let group = kapp_group(d);
                        extra.insert(
                            format!("{KAPP_CHANGE_RULE}.upsert-{i}"),
                            format!("upsert after upserting {group}"),
                        );
                        extra.insert(
                            format!("{KAPP_CHANGE_RULE}.delete-{i}"),
                            format!("delete before deleting {group}"),
                        );
                    }
                }
            }
        }
        for object in &mut file.objects {
            object
                .metadata_mut()
                .annotations
                .get_or_insert_with(BTreeMap::new)
                .extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
    }
}
