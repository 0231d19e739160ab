//! Wait gates: one init container per `after` edge, in the order of the edges.
//!
//! Each gate retries a check until it passes or its timeout runs out, then exits
//! non-zero with a message naming the dependency, the address and the time
//! waited. The message is the container's last log line and, through
//! `terminationMessagePolicy: FallbackToLogsOnError`, what `kubectl describe pod`
//! shows. The scripts are constant; everything specific to the edge is in env.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Container, EnvVar, EnvVarSource, ResourceRequirements, SecretKeySelector, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;

use super::security;
use crate::check::usage::gate_resources;
use crate::model::{Component, Edge, Gate, HostValue, Stack, WorkloadKind};

/// Shared retry loop. `probe` is defined by the gate kind and gets the script's
/// arguments (the command of an exec gate); `$KOKUC_WHAT` describes it.
const LOOP: &str = r#"start=$(date +%s)
while :; do
  if probe "$@"; then
    echo "kokuc: $KOKUC_TARGET is ready ($KOKUC_WHAT) after $(( $(date +%s) - start ))s"
    exit 0
  fi
  waited=$(( $(date +%s) - start ))
  if [ "$waited" -ge "$KOKUC_TIMEOUT" ]; then
    echo "kokuc: gave up waiting for $KOKUC_TARGET after ${waited}s: $KOKUC_WHAT did not succeed within the ${KOKUC_TIMEOUT}s timeout" >&2
    exit 1
  fi
  sleep "${KOKUC_INTERVAL:-2}"
done
"#;

/// `nc -z` exists only in busybox builds with the netcat-1.10 options; the
/// plain busybox `nc` connects and runs `true` instead (`-e` must come last).
const TCP_PROBE: &str = r#"probe() {
  nc -z -w 2 "$KOKUC_HOST" "$KOKUC_PORT" </dev/null >/dev/null 2>&1 ||
    nc -w 2 "$KOKUC_HOST" "$KOKUC_PORT" -e true </dev/null >/dev/null 2>&1
}
"#;

/// `timeout` rather than `wget -T`: not every busybox build has the option.
const HTTP_PROBE: &str = r#"probe() { timeout 5 wget -q -O /dev/null "$KOKUC_URL" >/dev/null 2>&1; }
"#;

const EXEC_PROBE: &str = r#"probe() { "$@"; }
"#;

const JOB_PROBE: &str = r#"probe() {
  succeeded=$(kubectl get job "$KOKUC_JOB" --namespace "$KOKUC_NAMESPACE" --output 'jsonpath={.status.succeeded}' 2>/dev/null)
  [ "${succeeded:-0}" -ge 1 ] 2>/dev/null
}
"#;

/// The shell script a gate of this kind runs (`sh -c SCRIPT`).
pub fn script(gate: &ResolvedGate) -> String {
    let probe = match gate {
        ResolvedGate::Tcp { .. } => TCP_PROBE,
        ResolvedGate::Http { .. } => HTTP_PROBE,
        ResolvedGate::Exec { .. } => EXEC_PROBE,
        ResolvedGate::Complete => JOB_PROBE,
    };
    format!("set -u\n{probe}{LOOP}")
}

/// A gate with its defaults filled in against its target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResolvedGate {
    Tcp { port: u16 },
    Http { port: u16, path: String },
    Exec { command: Vec<String>, image: String },
    Complete,
}

pub fn resolve(edge: &Edge, target: &Component) -> Option<ResolvedGate> {
    let port_number = |name: &Option<String>| match name {
        Some(n) => target.port(n).map(|p| p.number),
        None => target.first_port().map(|p| p.number),
    };
    Some(match edge.gate.as_ref().map(|g| &g.value) {
        None if target.kind.value == WorkloadKind::Job => ResolvedGate::Complete,
        None => ResolvedGate::Tcp {
            port: port_number(&None)?,
        },
        Some(Gate::Tcp { port }) => ResolvedGate::Tcp {
            port: port_number(port)?,
        },
        Some(Gate::Http { path, port }) => ResolvedGate::Http {
            port: port_number(port)?,
            path: path.clone(),
        },
        Some(Gate::Exec { command, image }) => ResolvedGate::Exec {
            command: command.clone(),
            image: image
                .clone()
                .or_else(|| target.image.as_ref().map(|i| i.value.clone()))?,
        },
        Some(Gate::Complete) => ResolvedGate::Complete,
    })
}

/// The init container name for a gate on `target`.
pub fn container_name(target: &str) -> String {
    format!("wait-for-{target}")
}

/// Volume every gate mounts at /tmp (the root file system is read-only).
pub const TMP_VOLUME: &str = "kokuc-gate-tmp";

pub fn init_container(stack: &Stack, edge: &Edge, target: &Component) -> Option<Container> {
    let gate = resolve(edge, target)?;
    let timeout = edge.timeout_seconds.unwrap_or(stack.gates.timeout_seconds);
    let mut env = vec![
        plain("KOKUC_TARGET", &target.name),
        plain("KOKUC_TIMEOUT", &timeout.to_string()),
    ];
    let host = host_env(stack, target);
    let (image, args) = match &gate {
        ResolvedGate::Tcp { port } => {
            env.push(host);
            env.push(plain("KOKUC_PORT", &port.to_string()));
            env.push(plain("KOKUC_WHAT", "a TCP connect to $(KOKUC_HOST):$(KOKUC_PORT)"));
            (stack.gates.image.clone(), Vec::new())
        }
        ResolvedGate::Http { port, path } => {
            let scheme = if *port == 443 { "https" } else { "http" };
            env.push(host);
            env.push(plain("KOKUC_PORT", &port.to_string()));
            env.push(plain(
                "KOKUC_URL",
                &format!("{scheme}://$(KOKUC_HOST):$(KOKUC_PORT){path}"),
            ));
            env.push(plain("KOKUC_WHAT", "an HTTP GET of $(KOKUC_URL) answering 2xx"));
            (stack.gates.image.clone(), Vec::new())
        }
        ResolvedGate::Exec { command, image } => {
            env.push(plain("KOKUC_WHAT", &format!("the command `{}`", command.join(" "))));
            env.push(plain("HOME", "/tmp"));
            let mut args = vec!["kokuc-gate".to_string()];
            args.extend(command.iter().cloned());
            (image.clone(), args)
        }
        ResolvedGate::Complete => {
            env.push(plain("KOKUC_JOB", &target.name));
            env.push(plain("KOKUC_NAMESPACE", &stack.namespace.value));
            env.push(plain("KOKUC_WHAT", &format!("completion of Job {}", target.name)));
            env.push(plain("HOME", "/tmp"));
            (stack.gates.kubectl_image.clone(), Vec::new())
        }
    };
    let resources = gate_resources(stack, Some(target), edge);
    let quantities = |cpu: &crate::quantity::Quantity, memory: &crate::quantity::Quantity| {
        BTreeMap::from([
            ("cpu".to_string(), K8sQuantity(cpu.to_k8s_string())),
            ("memory".to_string(), K8sQuantity(memory.to_k8s_string())),
        ])
    };
    let mut command = vec!["sh".to_string(), "-c".to_string(), script(&gate)];
    command.extend(args);
    let mut mounts = vec![VolumeMount {
        name: TMP_VOLUME.to_string(),
        mount_path: "/tmp".to_string(),
        ..VolumeMount::default()
    }];
    if gate == ResolvedGate::Complete {
        mounts.push(security::token_mount());
    }
    Some(Container {
        name: container_name(&target.name),
        image_pull_policy: Some(security::pull_policy(&image)),
        image: Some(image),
        command: Some(command),
        env: Some(env),
        resources: Some(ResourceRequirements {
            requests: Some(quantities(&resources.cpu, &resources.memory)),
            limits: Some(quantities(&resources.cpu, &resources.memory)),
            ..ResourceRequirements::default()
        }),
        security_context: Some(security::restricted()),
        termination_message_policy: Some("FallbackToLogsOnError".to_string()),
        volume_mounts: Some(mounts),
        ..Container::default()
    })
}

/// The host a gate connects to: the target's Service, or an external host (maybe from a Secret).
fn host_env(stack: &Stack, target: &Component) -> EnvVar {
    match &target.external_host {
        Some(h) => match &h.value {
            HostValue::Name(name) => plain("KOKUC_HOST", name),
            HostValue::Secret(s) => secret_env("KOKUC_HOST", s),
        },
        None => plain(
            "KOKUC_HOST",
            &format!("{}.{}.svc.{}", target.name, stack.namespace.value, stack.cluster_domain),
        ),
    }
}

/// An env variable read from a key of a Secret.
pub fn secret_env(name: &str, secret: &crate::model::SecretRef) -> EnvVar {
    EnvVar {
        name: name.to_string(),
        value_from: Some(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                name: secret.name.clone(),
                key: secret.key.clone(),
                optional: None,
            }),
            ..EnvVarSource::default()
        }),
        ..EnvVar::default()
    }
}

fn plain(name: &str, value: &str) -> EnvVar {
    EnvVar {
        name: name.to_string(),
        value: Some(value.to_string()),
        ..EnvVar::default()
    }
}

/// Does this component need API access for a Job-completion gate?
pub fn waits_for_jobs<'a>(stack: &'a Stack, c: &'a Component) -> Vec<&'a str> {
    let mut jobs: Vec<&str> = c
        .after
        .iter()
        .filter_map(|e| {
            let target = stack.component(&e.target)?;
            (resolve(e, target)? == ResolvedGate::Complete).then_some(target.name.as_str())
        })
        .collect();
    jobs.sort_unstable();
    jobs.dedup();
    jobs
}
