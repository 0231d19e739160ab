//! Gates that will give up before their target is expected to be ready.
//!
//! A pod's gates run one after another from the moment it is created (time 0,
//! when everything is applied). Gate k starts when gates 1..k-1 have passed
//! and waits for its target until its timeout; if the target is expected ready
//! later than that, the gate fails, the pod restarts with a back-off, and (for
//! a Job) a retry is spent.

use super::critical_path::Timing;
use crate::model::Stack;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GateTimeout {
    pub component: usize,
    /// Index of the edge in the component's `after` list.
    pub edge: usize,
    pub target: usize,
    /// When the gate starts waiting.
    pub gate_start: u64,
    /// When the target is expected ready.
    pub target_ready: u64,
    pub timeout: u64,
}

pub fn gate_timeouts(stack: &Stack, timing: &Timing) -> Vec<GateTimeout> {
    let mut out = Vec::new();
    for (i, c) in stack.components.iter().enumerate() {
        let mut gate_start = 0u64;
        for (e, edge) in c.after.iter().enumerate() {
            let Some(t) = stack.index_of(&edge.target).filter(|&t| t != i) else {
                continue;
            };
            let timeout = u64::from(edge.timeout_seconds.unwrap_or(stack.gates.timeout_seconds));
            let target_ready = timing.ready[t];
            if target_ready.saturating_sub(gate_start) > timeout {
                out.push(GateTimeout {
                    component: i,
                    edge: e,
                    target: t,
                    gate_start,
                    target_ready,
                    timeout,
                });
            }
            gate_start = gate_start.max(target_ready);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::MemoryLoader;
    use crate::plan::critical_path::{timing, Deps};
    use crate::{compile, Options};
    use std::path::Path;

    #[test]
    fn a_gate_that_starts_late_has_its_whole_timeout() {
        // api's first gate waits for slow (700s) and times out at 600s; its
        // second gate starts at 700s and waits for late (ready 800s): 100s.
        let text = "stack t { namespace = \"t\"; gates = { timeout = 10min; }; }
            component slow { image = \"x:1\"; cpu = 1; memory = 1Gi; ports = { p = 1; }; startup = 700s; }
            component late { image = \"x:1\"; cpu = 1; memory = 1Gi; ports = { p = 1; }; startup = 800s; }
            component api { image = \"x:1\"; cpu = 1; memory = 1Gi; after = [ slow, late, { on = slow; timeout = 20min; } ]; }";
        let mut loader = MemoryLoader::new(None);
        loader.insert("s.koku", text);
        let c = compile(&loader, Path::new("s.koku"), &Options::default());
        let (s, g) = (c.stack.unwrap(), c.graph.unwrap());
        let t = timing(&s, &Deps::from_graph(&g, s.components.len()), &g.order);
        let found = gate_timeouts(&s, &t);
        assert_eq!(found.len(), 1);
        assert_eq!(s.components[found[0].target].name, "slow");
        assert_eq!(
            (found[0].gate_start, found[0].target_ready, found[0].timeout),
            (0, 700, 600)
        );
    }
}
