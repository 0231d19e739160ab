//! When does each component become ready, and which chain of `after` edges
//! decides when the whole stack is?
//!
//! The model: every manifest is applied at once (`kubectl apply -f DIR`), so
//! every pod exists from time 0 and waits in its gates. A component starts when
//! the last of its dependencies is ready, and is ready `startup` seconds later
//! (a Job: has completed). External components are ready at 0. Gate polling
//! (2s) and scheduling are not modelled. This is the classic critical path
//! method: earliest ready times forward, latest ready times backward, and the
//! components without slack are critical.

use crate::graph::DependencyGraph;
use crate::model::Stack;

/// Direct dependencies of each component (by index), sorted, without duplicates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deps {
    pub of: Vec<Vec<usize>>,
}

impl Deps {
    pub fn from_graph(graph: &DependencyGraph, n: usize) -> Deps {
        let of = (0..n)
            .map(|i| {
                let mut d: Vec<usize> = graph.dependencies(i).collect();
                d.sort_unstable();
                d.dedup();
                d
            })
            .collect();
        Deps { of }
    }

    /// Does `from` come after `to`, directly or transitively?
    pub fn reaches(&self, from: usize, to: usize) -> bool {
        let mut seen = vec![false; self.of.len()];
        let mut stack = vec![from];
        while let Some(n) = stack.pop() {
            for &d in &self.of[n] {
                if d == to {
                    return true;
                }
                if !seen[d] {
                    seen[d] = true;
                    stack.push(d);
                }
            }
        }
        false
    }

    pub fn without(&self, from: usize, to: usize) -> Deps {
        let mut out = self.clone();
        out.of[from].retain(|&d| d != to);
        out
    }

    pub fn with(&mut self, from: usize, to: usize) {
        if let Err(at) = self.of[from].binary_search(&to) {
            self.of[from].insert(at, to);
        }
    }
}

/// Expected times, in seconds from the moment everything is applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timing {
    /// When each component's gates have all opened.
    pub start: Vec<u64>,
    /// When each component is ready (a Job: complete).
    pub ready: Vec<u64>,
    /// How much later each component could be ready without delaying the stack.
    pub slack: Vec<u64>,
    /// When the last component is ready.
    pub total: u64,
    /// One chain of critical components, first to last: the last component
    /// ready (the first by name on a tie), and back through the dependency that
    /// held it up (the first by name on a tie).
    pub path: Vec<usize>,
}

impl Timing {
    pub fn is_critical(&self, i: usize) -> bool {
        self.slack[i] == 0
    }

    /// Is the edge `from -> to` on some critical chain (both critical, and `to`
    /// is what `from` waited for last)?
    pub fn is_critical_edge(&self, from: usize, to: usize) -> bool {
        self.is_critical(from) && self.is_critical(to) && self.ready[to] == self.start[from]
    }
}

/// Computes the expected times. `order` must list every component after its
/// dependencies (the graph's deploy order does).
pub fn timing(stack: &Stack, deps: &Deps, order: &[usize]) -> Timing {
    let n = stack.components.len();
    let startup: Vec<u64> = stack
        .components
        .iter()
        .map(|c| u64::from(c.startup_seconds()))
        .collect();
    let total_of = |ready: &[u64]| ready.iter().copied().max().unwrap_or(0);
    let (start, ready) = forward(deps, order, &startup);
    let total = total_of(&ready);

    // Latest ready times, backwards: a component must be ready before each
    // dependent's latest start.
    let mut latest = vec![total; n];
    for &i in order.iter().rev() {
        for &d in &deps.of[i] {
            let limit = latest[i].saturating_sub(startup[i]);
            latest[d] = latest[d].min(limit);
        }
    }
    let slack: Vec<u64> = (0..n).map(|i| latest[i].saturating_sub(ready[i])).collect();

    let by_name = |a: &usize, b: &usize| stack.components[*a].name.cmp(&stack.components[*b].name);
    let mut path = Vec::new();
    let mut last: Vec<usize> = (0..n).filter(|&i| ready[i] == total).collect();
    last.sort_by(by_name);
    let mut current = last.first().copied();
    while let Some(i) = current {
        path.push(i);
        let mut held: Vec<usize> = deps.of[i].iter().copied().filter(|&d| ready[d] == start[i]).collect();
        held.sort_by(by_name);
        current = held.first().copied();
    }
    path.reverse();
    Timing {
        start,
        ready,
        slack,
        total,
        path,
    }
}

/// Only the total, for "what if" questions.
pub fn total(stack: &Stack, deps: &Deps, order: &[usize]) -> u64 {
    let startup: Vec<u64> = stack
        .components
        .iter()
        .map(|c| u64::from(c.startup_seconds()))
        .collect();
    let (_, ready) = forward(deps, order, &startup);
    ready.into_iter().max().unwrap_or(0)
}

fn forward(deps: &Deps, order: &[usize], startup: &[u64]) -> (Vec<u64>, Vec<u64>) {
    let n = startup.len();
    let mut start = vec![0u64; n];
    let mut ready = vec![0u64; n];
    for &i in order {
        start[i] = deps.of[i].iter().map(|&d| ready[d]).max().unwrap_or(0);
        ready[i] = start[i].saturating_add(startup[i]);
    }
    (start, ready)
}

/// `90` → `1m30s`, `3600` → `1h`, `0` → `0s`.
pub fn duration(seconds: u64) -> String {
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 || out.is_empty() {
        out.push_str(&format!("{s}s"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::MemoryLoader;
    use crate::{compile, Options};
    use std::path::Path;

    /// Compiles a stack of components `name: startup, after` written compactly.
    fn stack(components: &[(&str, &str, &[&str])]) -> (Stack, DependencyGraph) {
        let mut text = String::from("stack t { namespace = \"t\"; }\n");
        for (name, startup, after) in components {
            let startup = if startup.is_empty() {
                String::new()
            } else {
                format!("startup = {startup};")
            };
            text.push_str(&format!(
                "component {name} {{ image = \"x:1\"; ports = {{ p = 80; }}; cpu = 1; memory = 1Gi; {startup} after = [ {} ]; }}\n",
                after.join(", ")
            ));
        }
        let mut loader = MemoryLoader::new(None);
        loader.insert("s.koku", text);
        let c = compile(&loader, Path::new("s.koku"), &Options::default());
        assert!(!c.has_errors(), "{:?}", c.diagnostics);
        (c.stack.unwrap(), c.graph.unwrap())
    }

    fn names(s: &Stack, path: &[usize]) -> Vec<String> {
        path.iter().map(|&i| s.components[i].name.clone()).collect()
    }

    fn run(s: &Stack, g: &DependencyGraph) -> Timing {
        timing(s, &Deps::from_graph(g, s.components.len()), &g.order)
    }

    #[test]
    fn diamond_takes_the_longer_side() {
        // a(10) -> b(50), c(20) -> d(5): d starts at max(60, 30) = 60.
        let (s, g) = stack(&[
            ("a", "10s", &[]),
            ("b", "50s", &["a"]),
            ("c", "20s", &["a"]),
            ("d", "5s", &["b", "c"]),
        ]);
        let t = run(&s, &g);
        assert_eq!(t.total, 65);
        assert_eq!(names(&s, &t.path), ["a", "b", "d"]);
        let c = s.index_of("c").unwrap();
        assert_eq!(t.slack[c], 30);
        assert!(!t.is_critical(c));
        assert_eq!(t.start[s.index_of("d").unwrap()], 60);
    }

    #[test]
    fn ties_pick_the_first_name_and_keep_both_critical() {
        // Two equal chains into z: x1(30)->x2(30) and y1(40)->y2(20), z(10).
        let (s, g) = stack(&[
            ("x1", "30s", &[]),
            ("x2", "30s", &["x1"]),
            ("y1", "40s", &[]),
            ("y2", "20s", &["y1"]),
            ("z", "10s", &["y2", "x2"]),
        ]);
        let t = run(&s, &g);
        assert_eq!(t.total, 70);
        assert_eq!(names(&s, &t.path), ["x1", "x2", "z"]);
        for name in ["x1", "x2", "y1", "y2", "z"] {
            assert!(t.is_critical(s.index_of(name).unwrap()), "{name} should be critical");
        }
    }

    #[test]
    fn two_last_components_tie_and_defaults_apply() {
        // No startup declared: services take 30s each. p and q both end at 60s.
        let (s, g) = stack(&[("base", "", &[]), ("q", "", &["base"]), ("p", "", &["base"])]);
        let t = run(&s, &g);
        assert_eq!(t.total, 60);
        assert_eq!(names(&s, &t.path), ["base", "p"]);
        assert!(t.is_critical(s.index_of("q").unwrap()));
        assert_eq!(duration(t.total), "1m");
    }

    #[test]
    fn removing_an_edge_shortens_the_total() {
        let (s, g) = stack(&[("a", "100s", &[]), ("b", "10s", &["a"]), ("c", "10s", &["b"])]);
        let deps = Deps::from_graph(&g, s.components.len());
        let (a, b) = (s.index_of("a").unwrap(), s.index_of("b").unwrap());
        assert_eq!(total(&s, &deps, &g.order), 120);
        assert_eq!(total(&s, &deps.without(b, a), &g.order), 100);
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(0), "0s");
        assert_eq!(duration(90), "1m30s");
        assert_eq!(duration(3600), "1h");
        assert_eq!(duration(3725), "1h2m5s");
    }
}
