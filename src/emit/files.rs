//! Configuration files: one ConfigMap per component, each file mounted at its
//! path with `subPath` so the rest of the directory (the image's defaults) stays.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ConfigMap, ConfigMapVolumeSource, Volume, VolumeMount};

use super::labels;
use crate::model::{Component, Stack};

pub const VOLUME: &str = "kokuc-files";

pub fn config_map_name(c: &Component) -> String {
    format!("{}-files", c.name)
}

/// The ConfigMap key of each file: its base name, prefixed by its index when
/// two files share a base name. Keys are `[-._a-zA-Z0-9]+`.
pub fn keys(c: &Component) -> Vec<String> {
    let base = |path: &str| -> String {
        let name = path.rsplit('/').next().unwrap_or(path);
        let cleaned: String = name
            .chars()
            .map(|ch| {
                if ch.is_ascii_alphanumeric() || "-._".contains(ch) {
                    ch
                } else {
                    '_'
                }
            })
            .collect();
        if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
            "file".to_string()
        } else {
            cleaned
        }
    };
    let bases: Vec<String> = c.files.iter().map(|f| base(&f.path)).collect();
    bases
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if bases.iter().filter(|o| *o == b).count() > 1 {
                format!("{i}-{b}")
            } else {
                b.clone()
            }
        })
        .collect()
}

pub fn config_map(stack: &Stack, c: &Component) -> Option<ConfigMap> {
    if c.files.is_empty() {
        return None;
    }
    let data: BTreeMap<String, String> = keys(c)
        .into_iter()
        .zip(c.files.iter())
        .map(|(k, f)| (k, f.content.clone()))
        .collect();
    Some(ConfigMap {
        metadata: labels::metadata(stack, c, &config_map_name(c), None),
        data: Some(data),
        ..ConfigMap::default()
    })
}

pub fn volume(c: &Component) -> Option<Volume> {
    (!c.files.is_empty()).then(|| Volume {
        name: VOLUME.to_string(),
        config_map: Some(ConfigMapVolumeSource {
            name: config_map_name(c),
            ..ConfigMapVolumeSource::default()
        }),
        ..Volume::default()
    })
}

pub fn mounts(c: &Component) -> Vec<VolumeMount> {
    keys(c)
        .into_iter()
        .zip(c.files.iter())
        .map(|(key, f)| VolumeMount {
            name: VOLUME.to_string(),
            mount_path: f.path.clone(),
            sub_path: Some(key),
            read_only: Some(true),
            ..VolumeMount::default()
        })
        .collect()
}
