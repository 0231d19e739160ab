//! Stage 3: the dependency graph of a resolved stack.
//!
//! Invariant: petgraph is used only here. Nodes are component indices into
//! `Stack::components` (sorted by name), so every traversal is deterministic.
//! A cycle is a diagnostic, never a panic; waves exist only for acyclic graphs.

mod checks;
mod cycle;

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;

use crate::diagnostics::Diagnostics;
use crate::model::{Stack, WorkloadKind};

pub use checks::{check_edges, written_references};

/// The `after` graph. An edge `a -> b` means "a comes after b" (a waits for b).
pub struct DependencyGraph {
    pub graph: DiGraph<usize, usize>,
    /// Wave of each component (by index): 0 for external components, then 1, 2, ...
    pub waves: Vec<u32>,
    /// Components in deploy order: by wave, then by name.
    pub order: Vec<usize>,
}

impl DependencyGraph {
    /// Builds the graph; self-edges and edges to unknown components are left out
    /// (they are reported by [`check_edges`]).
    pub fn build(stack: &Stack) -> DependencyGraph {
        let mut graph = DiGraph::with_capacity(stack.components.len(), stack.components.len());
        for i in 0..stack.components.len() {
            graph.add_node(i);
        }
        for (i, c) in stack.components.iter().enumerate() {
            for (e, edge) in c.after.iter().enumerate() {
                if let Some(j) = stack.index_of(&edge.target) {
                    if j != i {
                        graph.add_edge(NodeIndex::new(i), NodeIndex::new(j), e);
                    }
                }
            }
        }
        DependencyGraph {
            graph,
            waves: Vec::new(),
            order: Vec::new(),
        }
    }

    /// The components `index` comes after, directly.
    pub fn dependencies(&self, index: usize) -> impl Iterator<Item = usize> + '_ {
        self.graph
            .neighbors_directed(NodeIndex::new(index), Direction::Outgoing)
            .map(|n| n.index())
    }

    /// The components that come directly after `index`.
    pub fn dependents(&self, index: usize) -> impl Iterator<Item = usize> + '_ {
        self.graph
            .neighbors_directed(NodeIndex::new(index), Direction::Incoming)
            .map(|n| n.index())
    }

    /// Does `from` come after `to`, directly or transitively?
    pub fn reaches(&self, from: usize, to: usize) -> bool {
        let mut seen = vec![false; self.graph.node_count()];
        let mut stack = vec![from];
        while let Some(n) = stack.pop() {
            if n == to && n != from {
                return true;
            }
            for d in self.dependencies(n) {
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

    /// Like [`DependencyGraph::reaches`] on an acyclic graph with waves, visiting
    /// only components in waves above `to`'s (a path down to `to` can go through no
    /// other), and spending one unit of `budget` per visit: `None` once it is spent.
    pub fn reaches_within(&self, from: usize, to: usize, budget: &mut u64) -> Option<bool> {
        let floor = self.waves.get(to).copied().unwrap_or(0);
        let mut seen = std::collections::HashSet::new();
        let mut stack = vec![from];
        while let Some(n) = stack.pop() {
            for d in self.dependencies(n) {
                if d == to {
                    return Some(true);
                }
                *budget = budget.checked_sub(1)?;
                if self.waves.get(d).copied().unwrap_or(0) > floor && seen.insert(d) {
                    stack.push(d);
                }
            }
        }
        Some(false)
    }

    /// Computes waves; returns false (and leaves them empty) if the graph has a cycle.
    pub fn compute_waves(&mut self, stack: &Stack) -> bool {
        let Ok(topo) = petgraph::algo::toposort(&self.graph, None) else {
            return false;
        };
        let n = stack.components.len();
        let mut waves = vec![0u32; n];
        // toposort lists a node before the nodes it points to (its dependencies); walk backwards.
        for node in topo.iter().rev() {
            let i = node.index();
            if stack.components[i].kind.value == WorkloadKind::External {
                waves[i] = 0;
                continue;
            }
            let deepest = self.dependencies(i).map(|d| waves[d]).max().unwrap_or(0);
            waves[i] = deepest + 1;
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| (waves[a], &stack.components[a].name).cmp(&(waves[b], &stack.components[b].name)));
        self.waves = waves;
        self.order = order;
        true
    }

    pub fn wave_count(&self) -> u32 {
        self.waves.iter().copied().max().unwrap_or(0)
    }
}

/// Builds the graph and runs every graph check.
pub fn analyze(stack: &Stack, diagnostics: &mut Diagnostics) -> DependencyGraph {
    let mut graph = DependencyGraph::build(stack);
    check_edges(stack, &graph, diagnostics);
    let acyclic = cycle::report_cycles(stack, &graph, diagnostics);
    if acyclic {
        graph.compute_waves(stack);
        checks::check_references(stack, &graph, diagnostics);
    }
    graph
}
