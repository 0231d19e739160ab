//! Resource usage, counted the way the scheduler counts it.
//!
//! Per pod, the effective request is the larger of the biggest init container
//! (wait gates run one at a time before the app) and the sum of the app
//! containers; the same rule gives the effective limit. A component uses that
//! times its pods; storage is one claim per replica for a StatefulSet and one
//! claim for a Deployment.

use crate::model::{Component, Edge, Gate, Stack, WorkloadKind};
use crate::quantity::{Dim, Quantity, QuantityError};

/// cpu and memory of one container, request = limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GateResources {
    pub cpu: Quantity,
    pub memory: Quantity,
}

/// What a gate's init container reserves.
pub fn gate_resources(stack: &Stack, target: Option<&Component>, edge: &Edge) -> GateResources {
    let simple = GateResources {
        cpu: stack.gates.cpu,
        memory: stack.gates.memory,
    };
    let target_is_job = target.is_some_and(|t| t.kind.value == WorkloadKind::Job);
    match edge.gate.as_ref().map(|g| &g.value) {
        Some(Gate::Complete) | None if target_is_job => GateResources {
            cpu: milli(50),
            memory: mebi(64),
        },
        Some(Gate::Exec { .. }) => GateResources {
            cpu: milli(250),
            memory: mebi(512),
        },
        _ => simple,
    }
}

fn milli(m: i128) -> Quantity {
    Quantity {
        nanos: m * 1_000_000,
        dim: Dim::Scalar,
    }
}

fn mebi(m: i128) -> Quantity {
    Quantity {
        nanos: m * 1024 * 1024 * 1_000_000_000,
        dim: Dim::Bytes,
    }
}

/// Totals of a set of components (or the usage of one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Usage {
    pub pods: i64,
    pub cpu_requests: Quantity,
    pub cpu_limits: Quantity,
    pub memory_requests: Quantity,
    pub memory_limits: Quantity,
    pub storage: Quantity,
}

impl Default for Usage {
    fn default() -> Usage {
        Usage {
            pods: 0,
            cpu_requests: Quantity::zero(Dim::Scalar),
            cpu_limits: Quantity::zero(Dim::Scalar),
            memory_requests: Quantity::zero(Dim::Bytes),
            memory_limits: Quantity::zero(Dim::Bytes),
            storage: Quantity::zero(Dim::Bytes),
        }
    }
}

impl Usage {
    pub fn checked_add(&self, other: &Usage) -> Result<Usage, QuantityError> {
        Ok(Usage {
            pods: self.pods.checked_add(other.pods).ok_or(QuantityError::Overflow)?,
            cpu_requests: self.cpu_requests.checked_add(other.cpu_requests)?,
            cpu_limits: self.cpu_limits.checked_add(other.cpu_limits)?,
            memory_requests: self.memory_requests.checked_add(other.memory_requests)?,
            memory_limits: self.memory_limits.checked_add(other.memory_limits)?,
            storage: self.storage.checked_add(other.storage)?,
        })
    }
}

/// Effective per-pod resources of a component (pods = 1, storage per pod).
pub fn per_pod(stack: &Stack, c: &Component) -> Usage {
    let mut gate_cpu = Quantity::zero(Dim::Scalar);
    let mut gate_memory = Quantity::zero(Dim::Bytes);
    for edge in &c.after {
        let r = gate_resources(stack, stack.component(&edge.target), edge);
        gate_cpu = max(gate_cpu, r.cpu);
        gate_memory = max(gate_memory, r.memory);
    }
    let app_cpu_request = c.cpu.effective_request().unwrap_or(Quantity::zero(Dim::Scalar));
    let app_memory_request = c.memory.effective_request().unwrap_or(Quantity::zero(Dim::Bytes));
    // Without a limit the container may use the node: count the request as the floor.
    let app_cpu_limit = c.cpu.effective_limit().unwrap_or(app_cpu_request);
    let app_memory_limit = c.memory.effective_limit().unwrap_or(app_memory_request);
    Usage {
        pods: 1,
        cpu_requests: max(app_cpu_request, gate_cpu),
        cpu_limits: max(app_cpu_limit, gate_cpu),
        memory_requests: max(app_memory_request, gate_memory),
        memory_limits: max(app_memory_limit, gate_memory),
        storage: c.storage.as_ref().map_or(Quantity::zero(Dim::Bytes), |s| s.size.value),
    }
}

/// What a component uses in total.
pub fn component_usage(stack: &Stack, c: &Component) -> Result<Usage, QuantityError> {
    if c.kind.value == WorkloadKind::External {
        return Ok(Usage::default());
    }
    let pod = per_pod(stack, c);
    let pods = c.pods();
    let n = Quantity::scalar(pods);
    let storage = match c.kind.value {
        WorkloadKind::Stateful => pod.storage.checked_mul(n)?,
        _ => pod.storage,
    };
    Ok(Usage {
        pods,
        cpu_requests: pod.cpu_requests.checked_mul(n)?,
        cpu_limits: pod.cpu_limits.checked_mul(n)?,
        memory_requests: pod.memory_requests.checked_mul(n)?,
        memory_limits: pod.memory_limits.checked_mul(n)?,
        storage,
    })
}

/// Totals over the components `include` accepts.
pub fn totals(stack: &Stack, include: impl Fn(&Component) -> bool) -> Result<Usage, QuantityError> {
    let mut total = Usage::default();
    for c in stack.components.iter().filter(|c| include(c)) {
        total = total.checked_add(&component_usage(stack, c)?)?;
    }
    Ok(total)
}

fn max(a: Quantity, b: Quantity) -> Quantity {
    if b.nanos > a.nanos {
        b
    } else {
        a
    }
}

/// A subset of components: `trino-*` (a name pattern where `*` matches any
/// run of characters) or `key=value` (a label).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selector {
    Name(String),
    Label(String, String),
}

impl Selector {
    pub fn parse(text: &str) -> Selector {
        match text.split_once('=') {
            Some((k, v)) => Selector::Label(k.trim().to_string(), v.trim().to_string()),
            None => Selector::Name(text.trim().to_string()),
        }
    }

    pub fn matches(&self, c: &Component) -> bool {
        match self {
            Selector::Name(pattern) => glob(pattern, &c.name),
            Selector::Label(k, v) => c.labels.iter().any(|(lk, lv)| lk == k && lv == v),
        }
    }
}

/// `*` matches any run of characters; everything else matches itself.
fn glob(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || !name[first.len()..].ends_with(last) || name.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(i) => rest = &rest[i + middle.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs() {
        assert!(glob("trino-*", "trino-worker"));
        assert!(glob("*-worker", "trino-worker"));
        assert!(glob("*", "x"));
        assert!(glob("t*n*r", "trino-worker"));
        assert!(!glob("trino-*", "hive-metastore"));
        assert!(!glob("ab*ba", "aba"));
        assert!(glob("exact", "exact"));
    }
}
