//! Needless serialisation: `after` edges on the critical path that nothing in
//! the stack needs, and how much sooner the stack would be ready without each.
//!
//! An edge `a after b` is backed when
//! 1. `a` uses `b`: an address of `b` in a's env, command, args or files, or
//!    b's name (or DNS name) written by hand in a's env, as `kokuc check`
//!    detects for K0307;
//! 2. the edge's gate checks a component `a` uses (koku-api waits for the
//!    Trino workers with a query sent to the coordinator it uses); or
//! 3. `b` is a Job that uses a component `a` uses too: the Job prepares
//!    something there (migrations in the database the API connects to).
//!
//! Without an edge, kokuc does not let any real use lose its ordering: a
//! component that used something only through the removed edge waits for it
//! directly in the estimate (and the finding names that edge to add).

use std::collections::BTreeSet;

use super::critical_path::{self, Deps, Timing};
use crate::graph::written_references;
use crate::model::{Edge, Stack, WorkloadKind};

/// What each component uses (by index), not counting addresses inside gates.
#[derive(Clone, Debug)]
pub struct Uses {
    pub of: Vec<BTreeSet<usize>>,
}

impl Uses {
    pub fn of_stack(stack: &Stack) -> Uses {
        let of = stack
            .components
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let written = written_references(stack, c);
                c.references
                    .iter()
                    .filter(|r| r.gate_target().is_none())
                    .chain(written.iter())
                    .filter_map(|r| stack.index_of(&r.target))
                    .filter(|&j| j != i)
                    .collect()
            })
            .collect();
        Uses { of }
    }
}

/// Why an edge is needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backing {
    /// The dependent uses the target.
    Uses,
    /// The edge's gate checks this component, which the dependent uses.
    GateChecks(usize),
    /// The target is a Job that uses this component, which the dependent uses too.
    JobPrepares(usize),
}

/// Why `stack.components[from]` needs its edge on `stack.components[to]`, if it does.
pub fn backing(stack: &Stack, uses: &Uses, from: usize, edge: &Edge, to: usize) -> Option<Backing> {
    let used = &uses.of[from];
    if used.contains(&to) {
        return Some(Backing::Uses);
    }
    let checked = stack.components[from]
        .references
        .iter()
        .filter(|r| r.gate_target() == Some(edge.target.as_str()))
        .filter_map(|r| stack.index_of(&r.target))
        .filter(|j| used.contains(j))
        .min();
    if let Some(j) = checked {
        return Some(Backing::GateChecks(j));
    }
    if stack.components[to].kind.value == WorkloadKind::Job {
        if let Some(&j) = uses.of[to].intersection(used).next() {
            return Some(Backing::JobPrepares(j));
        }
    }
    None
}

/// An unbacked edge on the critical path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NeedlessEdge {
    pub from: usize,
    pub to: usize,
    /// Index of the edge in `from`'s `after` list.
    pub edge: usize,
    /// When the stack would be ready without the edge.
    pub total_without: u64,
    /// `total - total_without`: 0 when another chain is as long.
    pub saved: u64,
    /// Uses that were ordered only through this edge: `(user, used)` pairs that
    /// need an edge of their own once it goes (kept in the estimate).
    pub rewired: Vec<(usize, usize)>,
}

impl NeedlessEdge {
    /// The edges to add with the removal, grouped by the component that needs them.
    pub fn additions(&self) -> Vec<(usize, Vec<usize>)> {
        let mut out: Vec<(usize, Vec<usize>)> = Vec::new();
        for &(x, y) in &self.rewired {
            match out.iter_mut().find(|(u, _)| *u == x) {
                Some((_, ys)) => ys.push(y),
                None => out.push((x, vec![y])),
            }
        }
        out
    }
}

/// Every unbacked `after` edge on a critical chain, biggest saving first.
pub fn needless_edges(stack: &Stack, deps: &Deps, order: &[usize], timing: &Timing, uses: &Uses) -> Vec<NeedlessEdge> {
    let mut out = Vec::new();
    for (from, c) in stack.components.iter().enumerate() {
        let mut seen = BTreeSet::new();
        for (e, edge) in c.after.iter().enumerate() {
            let Some(to) = stack.index_of(&edge.target) else {
                continue;
            };
            if to == from || !seen.insert(to) || !timing.is_critical_edge(from, to) {
                continue;
            }
            if backing(stack, uses, from, edge, to).is_some() {
                continue;
            }
            let mut without = deps.without(from, to);
            let rewired = lost_uses(deps, &without, uses);
            for &(x, y) in &rewired {
                without.with(x, y);
            }
            let total_without = critical_path::total(stack, &without, order);
            out.push(NeedlessEdge {
                from,
                to,
                edge: e,
                total_without,
                saved: timing.total.saturating_sub(total_without),
                rewired,
            });
        }
    }
    let name = |i: usize| stack.components[i].name.as_str();
    out.sort_by(|a, b| {
        b.saved
            .cmp(&a.saved)
            .then_with(|| name(a.from).cmp(name(b.from)))
            .then_with(|| name(a.to).cmp(name(b.to)))
    });
    out
}

/// `(x, y)` where x uses y, came after y in `before`, and no longer does in `after`.
fn lost_uses(before: &Deps, after: &Deps, uses: &Uses) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (x, used) in uses.of.iter().enumerate() {
        if used.is_empty() {
            continue;
        }
        let was = reach_set(before, x);
        let is = reach_set(after, x);
        out.extend(used.iter().filter(|&&y| was[y] && !is[y]).map(|&y| (x, y)));
    }
    out
}

fn reach_set(deps: &Deps, from: usize) -> Vec<bool> {
    let mut seen = vec![false; deps.of.len()];
    let mut stack = vec![from];
    while let Some(n) = stack.pop() {
        for &d in &deps.of[n] {
            if !seen[d] {
                seen[d] = true;
                stack.push(d);
            }
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::MemoryLoader;
    use crate::graph::DependencyGraph;
    use crate::{compile, Options};
    use std::path::Path;

    fn compile_text(text: &str) -> (Stack, DependencyGraph) {
        let mut loader = MemoryLoader::new(None);
        loader.insert("s.koku", text.to_string());
        let c = compile(&loader, Path::new("s.koku"), &Options::default());
        assert!(!c.has_errors(), "{:?}", c.diagnostics);
        (c.stack.unwrap(), c.graph.unwrap())
    }

    fn findings(text: &str) -> (Stack, Vec<NeedlessEdge>) {
        let (s, g) = compile_text(text);
        let deps = Deps::from_graph(&g, s.components.len());
        let t = critical_path::timing(&s, &deps, &g.order);
        let uses = Uses::of_stack(&s);
        let found = needless_edges(&s, &deps, &g.order, &t, &uses);
        (s, found)
    }

    const COMMON: &str = "image = \"x:1\"; cpu = 1; memory = 1Gi; ports = { p = 80; };";

    #[test]
    fn a_use_backs_an_edge_and_a_bare_edge_does_not() {
        let text = format!(
            "stack t {{ namespace = \"t\"; }}
             component db {{ {COMMON} startup = 60s; }}
             component slow {{ {COMMON} startup = 120s; }}
             component api {{ {COMMON} env = {{ DB = db.host; }}; after = [ db, slow ]; }}"
        );
        let (s, found) = findings(&text);
        assert_eq!(found.len(), 1);
        let f = &found[0];
        assert_eq!(s.components[f.from].name, "api");
        assert_eq!(s.components[f.to].name, "slow");
        // Without the edge api starts once db is ready: 60 + 30 instead of 150.
        assert_eq!((f.total_without, f.saved), (120, 30));
        assert!(f.rewired.is_empty());
    }

    #[test]
    fn hand_written_hosts_gates_and_jobs_back_edges() {
        let text = format!(
            "stack t {{ namespace = \"t\"; }}
             component db {{ {COMMON} startup = 60s; }}
             component migrate {{ kind = \"job\"; image = \"x:1\"; cpu = 1; memory = 1Gi; env = {{ H = db.host; }}; after = [ db ]; }}
             component coordinator {{ {COMMON} startup = 90s; }}
             component worker {{ {COMMON} startup = 90s; after = [ coordinator ]; env = {{ C = coordinator.host; }}; }}
             component api {{ {COMMON}
               env = {{ URL = \"postgres://db:5432/x\"; Q = coordinator.host; }};
               after = [ db, migrate, {{ on = worker; gate = {{ exec = [ \"q\", coordinator.host ]; }}; }} ];
             }}"
        );
        let (_, found) = findings(&text);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn a_removed_edge_keeps_the_uses_it_carried() {
        // The seed's straight line: db waits for trino for nothing; api uses
        // both, but reaches trino only through db.
        let text = format!(
            "stack t {{ namespace = \"t\"; }}
             component trino {{ {COMMON} startup = 90s; }}
             component db {{ {COMMON} startup = 60s; after = [ trino ]; }}
             component api {{ {COMMON} env = {{ D = db.host; T = trino.host; }}; after = [ db ]; }}"
        );
        let (s, found) = findings(&text);
        assert_eq!(found.len(), 1);
        let f = &found[0];
        assert_eq!(
            (s.components[f.from].name.as_str(), s.components[f.to].name.as_str()),
            ("db", "trino")
        );
        let pair = |(x, y): (usize, usize)| (s.components[x].name.clone(), s.components[y].name.clone());
        assert_eq!(
            f.rewired.iter().copied().map(pair).collect::<Vec<_>>(),
            [("api".to_string(), "trino".to_string())]
        );
        // 90 + 60 + 30 = 180 before; after: api starts at max(60, 90) = 90, ready 120.
        assert_eq!((f.total_without, f.saved), (120, 60));
    }
}
