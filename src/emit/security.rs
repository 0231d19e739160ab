//! Secure defaults for every pod and container kokuc writes.
//!
//! Pods run as a non-root user (uid [`DEFAULT_UID`] unless the component
//! declares another), with the RuntimeDefault seccomp profile. Every container
//! drops all capabilities, cannot escalate privileges and has a read-only root
//! file system; `/tmp` and the component's `writable` directories are emptyDirs.
//! Each default is relaxed only by the component's `security` block, and gates
//! (kokuc's own init containers) are never relaxed.

use k8s_openapi::api::core::v1::{
    Capabilities, ConfigMapProjection, DownwardAPIProjection, DownwardAPIVolumeFile, EmptyDirVolumeSource, KeyToPath,
    ObjectFieldSelector, PodSecurityContext, ProjectedVolumeSource, SeccompProfile, SecurityContext,
    ServiceAccountTokenProjection, Volume, VolumeMount, VolumeProjection,
};

use crate::check::image;
use crate::model::{Component, Security, DEFAULT_UID};

/// The emptyDir every main container has at /tmp.
pub const TMP_VOLUME: &str = "kokuc-tmp";
/// The projected service account token, mounted only into Job-completion gates.
pub const TOKEN_VOLUME: &str = "kokuc-api-token";
/// Where Kubernetes clients look for in-cluster credentials.
pub const TOKEN_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount";
/// Lifetime of the projected token; the kubelet renews it well before.
const TOKEN_SECONDS: i64 = 3600;

fn seccomp(unconfined: bool) -> SeccompProfile {
    SeccompProfile {
        type_: if unconfined { "Unconfined" } else { "RuntimeDefault" }.to_string(),
        ..SeccompProfile::default()
    }
}

/// The pod's security context: the user, group and seccomp profile every container inherits.
pub fn pod(c: &Component) -> PodSecurityContext {
    let s = &c.policy.security;
    let root = s.root.is_some();
    PodSecurityContext {
        run_as_non_root: Some(!root),
        run_as_user: user(s),
        run_as_group: group(s),
        fs_group: group(s),
        fs_group_change_policy: Some("OnRootMismatch".to_string()),
        seccomp_profile: Some(seccomp(s.seccomp_unconfined.is_some())),
        ..PodSecurityContext::default()
    }
}

/// runAsUser: the declared user, the default, or (root allowed, no user) the image's.
fn user(s: &Security) -> Option<i64> {
    match (&s.user, s.root) {
        (Some(u), _) => Some(u.value),
        (None, Some(_)) => None,
        (None, None) => Some(DEFAULT_UID),
    }
}

fn group(s: &Security) -> Option<i64> {
    match (&s.group, user(s)) {
        (Some(g), _) => Some(g.value),
        (None, Some(uid)) => Some(uid),
        (None, None) => None,
    }
}

/// The main container's security context, with the component's relaxations.
pub fn container(c: &Component) -> SecurityContext {
    let s = &c.policy.security;
    let add: Vec<String> = s.capabilities.iter().map(|c| c.value.clone()).collect();
    SecurityContext {
        allow_privilege_escalation: Some(s.privilege_escalation.is_some()),
        capabilities: Some(Capabilities {
            drop: Some(vec!["ALL".to_string()]),
            add: (!add.is_empty()).then_some(add),
        }),
        privileged: Some(false),
        read_only_root_filesystem: Some(s.writable_root.is_none()),
        run_as_non_root: Some(s.root.is_none()),
        run_as_user: user(s),
        run_as_group: group(s),
        seccomp_profile: Some(seccomp(s.seccomp_unconfined.is_some())),
        ..SecurityContext::default()
    }
}

/// The restricted context of kokuc's own containers (gates), whatever the component relaxes.
pub fn restricted() -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: Some(false),
        capabilities: Some(Capabilities {
            drop: Some(vec!["ALL".to_string()]),
            ..Capabilities::default()
        }),
        privileged: Some(false),
        read_only_root_filesystem: Some(true),
        run_as_non_root: Some(true),
        run_as_user: Some(DEFAULT_UID),
        run_as_group: Some(DEFAULT_UID),
        seccomp_profile: Some(seccomp(false)),
        ..SecurityContext::default()
    }
}

/// `Always` for a tag (it may have moved; the pull also re-checks credentials),
/// `IfNotPresent` for a digest (the bytes cannot change).
pub fn pull_policy(image_ref: &str) -> String {
    match image::parse(image_ref) {
        Ok(r) if r.is_digest() => "IfNotPresent",
        _ => "Always",
    }
    .to_string()
}

fn writable_volume_name(index: usize) -> String {
    format!("kokuc-writable-{index}")
}

fn empty_dir(name: String) -> Volume {
    Volume {
        name,
        empty_dir: Some(EmptyDirVolumeSource::default()),
        ..Volume::default()
    }
}

/// The emptyDirs of the main container: /tmp and each `writable` directory.
pub fn writable_volumes(c: &Component) -> Vec<Volume> {
    let mut volumes = vec![empty_dir(TMP_VOLUME.to_string())];
    volumes.extend((0..c.policy.security.writable.len()).map(|i| empty_dir(writable_volume_name(i))));
    volumes
}

pub fn writable_mounts(c: &Component) -> Vec<VolumeMount> {
    let mut mounts = vec![VolumeMount {
        name: TMP_VOLUME.to_string(),
        mount_path: "/tmp".to_string(),
        ..VolumeMount::default()
    }];
    mounts.extend(c.policy.security.writable.iter().enumerate().map(|(i, w)| VolumeMount {
        name: writable_volume_name(i),
        mount_path: w.value.clone(),
        ..VolumeMount::default()
    }));
    mounts
}

/// The service account token as a projected volume, so that only the
/// containers that mount it (Job-completion gates) can reach the API.
pub fn token_volume() -> Volume {
    Volume {
        name: TOKEN_VOLUME.to_string(),
        projected: Some(ProjectedVolumeSource {
            default_mode: Some(0o444),
            sources: Some(vec![
                VolumeProjection {
                    service_account_token: Some(ServiceAccountTokenProjection {
                        path: "token".to_string(),
                        expiration_seconds: Some(TOKEN_SECONDS),
                        ..ServiceAccountTokenProjection::default()
                    }),
                    ..VolumeProjection::default()
                },
                VolumeProjection {
                    config_map: Some(ConfigMapProjection {
                        name: "kube-root-ca.crt".to_string(),
                        items: Some(vec![KeyToPath {
                            key: "ca.crt".to_string(),
                            path: "ca.crt".to_string(),
                            ..KeyToPath::default()
                        }]),
                        ..ConfigMapProjection::default()
                    }),
                    ..VolumeProjection::default()
                },
                VolumeProjection {
                    downward_api: Some(DownwardAPIProjection {
                        items: Some(vec![DownwardAPIVolumeFile {
                            path: "namespace".to_string(),
                            field_ref: Some(ObjectFieldSelector {
                                field_path: "metadata.namespace".to_string(),
                                ..ObjectFieldSelector::default()
                            }),
                            ..DownwardAPIVolumeFile::default()
                        }]),
                    }),
                    ..VolumeProjection::default()
                },
            ]),
            ..ProjectedVolumeSource::default()
        }),
        ..Volume::default()
    }
}

pub fn token_mount() -> VolumeMount {
    VolumeMount {
        name: TOKEN_VOLUME.to_string(),
        mount_path: TOKEN_PATH.to_string(),
        read_only: Some(true),
        ..VolumeMount::default()
    }
}
