//! `kustomization.yaml`: the output directory's files in deploy order, so
//! `kubectl apply -k DIR` applies them in that order.

use serde::Serialize;

use super::Manifests;

pub const FILE: &str = "kustomization.yaml";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Kustomization<'a> {
    api_version: &'static str,
    kind: &'static str,
    resources: Vec<&'a str>,
    /// Keep the listed order instead of kustomize's by-kind sort (kustomize v5+).
    sort_options: SortOptions,
}

#[derive(Serialize)]
struct SortOptions {
    order: &'static str,
}

pub fn kustomization(manifests: &Manifests) -> Result<String, serde_yaml::Error> {
    serde_yaml::to_string(&Kustomization {
        api_version: "kustomize.config.k8s.io/v1beta1",
        kind: "Kustomization",
        resources: manifests.files.iter().map(|f| f.name.as_str()).collect(),
        sort_options: SortOptions { order: "fifo" },
    })
}
