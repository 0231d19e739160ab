//! `kokuc diff`: what changed between two versions of a stack, per profile.
//!
//! Components and edges are matched by name (an edge by its two ends), so the
//! result does not depend on declaration order; every list is sorted.

use super::compare::{Delta, Figures};
use super::{gate_label, Plan};
use crate::check::usage::{component_usage, per_pod, Usage};
use crate::model::{Component, Stack, WorkloadKind};

/// A component that was added or removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComponentSummary {
    pub name: String,
    pub kind: WorkloadKind,
    pub total: Usage,
}

/// A component present on both sides whose settings changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComponentChange {
    pub name: String,
    /// `(what, old, new)`, e.g. `("replicas", "2", "4")`.
    pub changes: Vec<(String, String, String)>,
}

/// `from after to`, with its gate.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct EdgeSummary {
    pub from: String,
    pub to: String,
    pub gate: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdgeChange {
    pub from: String,
    pub to: String,
    pub old_gate: String,
    pub new_gate: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct StackChanges {
    pub components_added: Vec<ComponentSummary>,
    pub components_removed: Vec<ComponentSummary>,
    pub components_changed: Vec<ComponentChange>,
    pub edges_added: Vec<EdgeSummary>,
    pub edges_removed: Vec<EdgeSummary>,
    pub edges_changed: Vec<EdgeChange>,
}

impl StackChanges {
    pub fn is_empty(&self) -> bool {
        self.components_added.is_empty()
            && self.components_removed.is_empty()
            && self.components_changed.is_empty()
            && self.edges_added.is_empty()
            && self.edges_removed.is_empty()
            && self.edges_changed.is_empty()
    }
}

/// The comparison of one profile (or the base stack, `profile: None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileDiff {
    pub profile: Option<String>,
    /// Figures of each side; `None` where the profile does not exist.
    pub old: Option<Figures>,
    pub new: Option<Figures>,
    pub changes: StackChanges,
}

impl ProfileDiff {
    pub fn delta(&self) -> Option<Delta> {
        match (&self.old, &self.new) {
            (Some(a), Some(b)) => Some(Delta::between(a, b)),
            _ => None,
        }
    }

    pub fn is_unchanged(&self) -> bool {
        self.changes.is_empty() && self.delta().is_some_and(|d| d.is_zero())
    }
}

/// A profile present on both sides.
pub fn diff_profile(profile: Option<String>, old: (&Stack, &Plan), new: (&Stack, &Plan)) -> ProfileDiff {
    ProfileDiff {
        profile,
        old: Some(Figures::of(old.1)),
        new: Some(Figures::of(new.1)),
        changes: changes(old.0, new.0),
    }
}

/// A profile present on one side only.
pub fn one_sided(profile: Option<String>, old: Option<&Plan>, new: Option<&Plan>) -> ProfileDiff {
    ProfileDiff {
        profile,
        old: old.map(Figures::of),
        new: new.map(Figures::of),
        changes: StackChanges::default(),
    }
}

/// Components and edges added, removed and changed from `old` to `new`.
pub fn changes(old: &Stack, new: &Stack) -> StackChanges {
    let mut out = StackChanges::default();
    // Components are sorted by name on both sides: merge.
    for c in &new.components {
        match old.component(&c.name) {
            None => out.components_added.push(summary(new, c)),
            Some(o) => {
                let changes = component_changes(old, o, new, c);
                if !changes.is_empty() {
                    out.components_changed.push(ComponentChange {
                        name: c.name.clone(),
                        changes,
                    });
                }
            }
        }
    }
    for c in &old.components {
        if new.component(&c.name).is_none() {
            out.components_removed.push(summary(old, c));
        }
    }
    let old_edges = edges(old);
    let new_edges = edges(new);
    for e in &new_edges {
        match old_edges.iter().find(|o| o.from == e.from && o.to == e.to) {
            None => out.edges_added.push(e.clone()),
            Some(o) if o.gate != e.gate => out.edges_changed.push(EdgeChange {
                from: e.from.clone(),
                to: e.to.clone(),
                old_gate: o.gate.clone(),
                new_gate: e.gate.clone(),
            }),
            Some(_) => {}
        }
    }
    for e in &old_edges {
        if !new_edges.iter().any(|n| n.from == e.from && n.to == e.to) {
            out.edges_removed.push(e.clone());
        }
    }
    out
}

fn summary(stack: &Stack, c: &Component) -> ComponentSummary {
    ComponentSummary {
        name: c.name.clone(),
        kind: c.kind.value,
        total: component_usage(stack, c).unwrap_or_default(),
    }
}

/// Every edge once per pair of ends (the first, as the gates run), sorted.
fn edges(stack: &Stack) -> Vec<EdgeSummary> {
    let mut out: Vec<EdgeSummary> = Vec::new();
    for c in &stack.components {
        for e in &c.after {
            if out.iter().any(|x| x.from == c.name && x.to == e.target) {
                continue;
            }
            out.push(EdgeSummary {
                from: c.name.clone(),
                to: e.target.clone(),
                gate: gate_label(e, stack.component(&e.target)),
            });
        }
    }
    out.sort();
    out
}

fn component_changes(
    old_stack: &Stack,
    old: &Component,
    new_stack: &Stack,
    new: &Component,
) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut field = |what: &str, a: String, b: String| {
        if a != b {
            out.push((what.to_string(), a, b));
        }
    };
    field(
        "kind",
        old.kind.value.keyword().to_string(),
        new.kind.value.keyword().to_string(),
    );
    let image = |c: &Component| c.image.as_ref().map_or_else(|| "-".to_string(), |i| i.value.clone());
    field("image", image(old), image(new));
    field("pods", old.pods().to_string(), new.pods().to_string());
    let pod = |s: &Stack, c: &Component| {
        if c.kind.value == WorkloadKind::External {
            Usage::default()
        } else {
            per_pod(s, c)
        }
    };
    let (a, b) = (pod(old_stack, old), pod(new_stack, new));
    field(
        "cpu per pod",
        pair(a.cpu_requests.human(), a.cpu_limits.human()),
        pair(b.cpu_requests.human(), b.cpu_limits.human()),
    );
    field(
        "memory per pod",
        pair(a.memory_requests.human(), a.memory_limits.human()),
        pair(b.memory_requests.human(), b.memory_limits.human()),
    );
    field("storage per pod", a.storage.human(), b.storage.human());
    field(
        "startup",
        super::critical_path::duration(u64::from(old.startup_seconds())),
        super::critical_path::duration(u64::from(new.startup_seconds())),
    );
    out
}

fn pair(request: String, limit: String) -> String {
    format!("{request}/{limit}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::MemoryLoader;
    use crate::{compile, Options};
    use std::path::Path;

    fn stack(text: &str) -> Stack {
        let mut loader = MemoryLoader::new(None);
        loader.insert("s.koku", text.to_string());
        let c = compile(&loader, Path::new("s.koku"), &Options::default());
        assert!(!c.has_errors(), "{:?}", c.diagnostics);
        c.stack.unwrap()
    }

    const OLD: &str = r#"
        stack s { namespace = "s"; }
        component db { image = "pg:16"; ports = { pg = 5432; }; cpu = 1; memory = 2Gi; storage = { size = 10Gi; path = "/d"; }; }
        component cache { image = "redis:1"; ports = { r = 6379; }; cpu = 100m; memory = 256Mi; }
        component api { image = "api:1"; replicas = 2; ports = { http = 80; }; cpu = 500m; memory = 1Gi; after = [ db, cache ]; }
        component beat { image = "api:1"; cpu = 100m; memory = 128Mi; after = [ api ]; }
    "#;

    const NEW: &str = r#"
        stack s { namespace = "s"; }
        component db { image = "pg:16"; ports = { pg = 5432; }; cpu = 1; memory = 2Gi; storage = { size = 20Gi; path = "/d"; }; }
        component api { image = "api:2"; replicas = 3; ports = { http = 80; }; cpu = 500m; memory = 1Gi; after = [ { on = db; gate = { tcp = "pg"; }; } ]; }
        component beat { image = "api:1"; cpu = 100m; memory = 128Mi; after = [ db ]; }
        component worker { image = "api:2"; cpu = 200m; memory = 512Mi; after = [ db ]; }
    "#;

    #[test]
    fn known_differences_are_found_and_sorted() {
        let c = changes(&stack(OLD), &stack(NEW));
        let names = |v: &[ComponentSummary]| v.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&c.components_added), ["worker"]);
        assert_eq!(names(&c.components_removed), ["cache"]);
        let edge = |v: &[EdgeSummary]| {
            v.iter()
                .map(|e| format!("{} {} {}", e.from, e.to, e.gate))
                .collect::<Vec<_>>()
        };
        assert_eq!(edge(&c.edges_added), ["beat db tcp", "worker db tcp"]);
        assert_eq!(edge(&c.edges_removed), ["api cache tcp", "beat api tcp"]);
        assert_eq!(
            c.edges_changed,
            [EdgeChange {
                from: "api".into(),
                to: "db".into(),
                old_gate: "tcp".into(),
                new_gate: "tcp pg".into()
            }]
        );
        let changed: Vec<String> = c
            .components_changed
            .iter()
            .flat_map(|c| {
                c.changes
                    .iter()
                    .map(move |(w, a, b)| format!("{} {w}: {a} -> {b}", c.name))
            })
            .collect();
        assert_eq!(
            changed,
            [
                "api image: api:1 -> api:2",
                "api pods: 2 -> 3",
                "db storage per pod: 10Gi -> 20Gi",
            ]
        );
    }

    #[test]
    fn a_stack_against_itself_has_no_changes() {
        assert!(changes(&stack(OLD), &stack(OLD)).is_empty());
    }
}
