//! Cycles: every strongly connected component with more than one node is a
//! cycle, reported once with its full path and a label on each `after` in it.

use petgraph::graph::NodeIndex;

use super::DependencyGraph;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::Stack;

/// Reports every cycle; returns true when there is none.
pub(super) fn report_cycles(stack: &Stack, graph: &DependencyGraph, diagnostics: &mut Diagnostics) -> bool {
    let mut sccs: Vec<Vec<usize>> = petgraph::algo::tarjan_scc(&graph.graph)
        .into_iter()
        .filter(|scc| scc.len() > 1)
        .map(|scc| {
            let mut members: Vec<usize> = scc.into_iter().map(NodeIndex::index).collect();
            members.sort_unstable();
            members
        })
        .collect();
    sccs.sort();
    for members in &sccs {
        let path = cycle_path(graph, members);
        diagnostics.push(cycle_diagnostic(stack, &path));
    }
    sccs.is_empty()
}

/// A simple cycle through the smallest member, staying inside the component.
/// Breadth-first from the start so the reported cycle is a shortest one.
fn cycle_path(graph: &DependencyGraph, members: &[usize]) -> Vec<usize> {
    let start = members[0];
    let inside = |n: usize| members.binary_search(&n).is_ok();
    let mut parent: Vec<Option<usize>> = vec![None; graph.graph.node_count()];
    let mut queue = std::collections::VecDeque::from([start]);
    let mut seen = vec![false; graph.graph.node_count()];
    seen[start] = true;
    while let Some(n) = queue.pop_front() {
        let mut next: Vec<usize> = graph.dependencies(n).filter(|d| inside(*d)).collect();
        next.sort_unstable();
        for d in next {
            if d == start {
                let mut path = vec![n];
                let mut cur = n;
                while let Some(p) = parent[cur] {
                    path.push(p);
                    cur = p;
                }
                path.reverse();
                return path;
            }
            if !seen[d] {
                seen[d] = true;
                parent[d] = Some(n);
                queue.push_back(d);
            }
        }
    }
    members.to_vec()
}

fn cycle_diagnostic(stack: &Stack, path: &[usize]) -> Diagnostic {
    let names: Vec<&str> = path.iter().map(|&i| stack.components[i].name.as_str()).collect();
    let mut shown = names.clone();
    shown.push(names[0]);
    let text = shown.join(" -> ");
    let edge_span = |from: usize, to: usize| {
        let target = &stack.components[to].name;
        stack.components[from]
            .after
            .iter()
            .find(|e| &e.target == target)
            .map(|e| e.span)
            .unwrap_or(stack.components[from].name_span)
    };
    let first = path[0];
    let second = path[1 % path.len()];
    let mut d = Diagnostic::error(
        Code::K0303,
        format!("dependency cycle: {text}"),
        edge_span(first, second),
        format!("`{}` comes after `{}`", names[0], names[1 % names.len()]),
    );
    for k in 1..path.len() {
        let from = path[k];
        let to = path[(k + 1) % path.len()];
        d = d.with_label(
            edge_span(from, to),
            format!(
                "`{}` comes after `{}`",
                stack.components[from].name, stack.components[to].name
            ),
        );
    }
    d.with_help(format!(
        "nothing in this cycle can ever start: each waits for the next. Remove one of these `after` edges ({} edges), usually the one that no reference in env or args needs",
        path.len()
    ))
}
