//! Property tests on random stacks and random graphs, each checked against a
//! reference computed here from the generated description, not from kokuc's
//! own model: cycle detection against a brute-force transitive closure, waves
//! against longest paths, totals against a sum written out by hand, and the
//! build against the same stack declared in another order.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use kokuc::check::usage::totals;
use kokuc::diagnostics::Code;
use kokuc::eval::MemoryLoader;
use kokuc::{Compilation, Options};
use proptest::prelude::*;
use proptest::sample::{subsequence, Index};
use proptest::test_runner::Config;

// ------------------------------------------------------------ the generator

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Service,
    Stateful,
    Job,
}

#[derive(Clone, Copy, Debug)]
enum GateKind {
    /// No gate written: completion for a Job, a TCP connect otherwise.
    Default,
    Http,
    Exec,
}

#[derive(Clone, Debug)]
struct Spec {
    name: String,
    kind: Kind,
    /// Replicas, or parallelism for a job.
    pods: i64,
    cpu_request_m: Option<i128>,
    cpu_limit_m: Option<i128>,
    memory_request_mi: Option<i128>,
    memory_limit_mi: Option<i128>,
    storage_gi: i128,
    /// (index of the target, gate).
    after: Vec<(usize, GateKind)>,
}

/// A request/limit pair with request ≤ limit; the limit is always set (K0412).
fn resource(unit_min: i128, unit_max: i128) -> impl Strategy<Value = (Option<i128>, Option<i128>)> {
    (unit_min..=unit_max, 0..=unit_max, any::<bool>()).prop_map(|(request, extra, with_request)| {
        if with_request {
            (Some(request), Some(request + extra))
        } else {
            (None, Some(request))
        }
    })
}

fn component(name: String) -> impl Strategy<Value = Spec> {
    (
        prop_oneof![Just(Kind::Service), Just(Kind::Stateful), Just(Kind::Job)],
        1i64..=4,
        resource(10, 4000),
        resource(16, 8192),
        1i128..=100,
    )
        .prop_map(move |(kind, pods, cpu, memory, storage_gi)| Spec {
            name: name.clone(),
            kind,
            pods,
            cpu_request_m: cpu.0,
            cpu_limit_m: cpu.1,
            memory_request_mi: memory.0,
            memory_limit_mi: memory.1,
            storage_gi,
            after: Vec::new(),
        })
}

/// Distinct component names in a random (not alphabetical) order.
fn names(n: usize) -> impl Strategy<Value = Vec<String>> {
    prop::collection::btree_set("[a-z][a-z0-9]{0,5}", n)
        .prop_map(|set| set.into_iter().map(|s| format!("c-{s}")).collect::<Vec<_>>())
        .prop_shuffle()
}

/// A stack of 1..=max components; edges go from later to earlier components
/// in the generated order unless `cyclic`, so acyclic stacks are the default.
fn stack(max: usize, cyclic: bool) -> impl Strategy<Value = Vec<Spec>> {
    (1..=max)
        .prop_flat_map(names)
        .prop_flat_map(|names| names.into_iter().map(component).collect::<Vec<_>>())
        .prop_flat_map(move |specs| {
            let n = specs.len();
            let pairs: Vec<(usize, usize)> = (0..n)
                .flat_map(|i| (0..n).map(move |j| (i, j)))
                .filter(|&(i, j)| if cyclic { i != j } else { j < i })
                .collect();
            let count = pairs.len();
            (
                Just(specs),
                subsequence(pairs, 0..=count.min(3 * n)),
                prop::collection::vec(any::<Index>(), count.min(3 * n)),
            )
        })
        .prop_map(|(mut specs, edges, gates)| {
            for ((from, to), pick) in edges.into_iter().zip(gates) {
                let gate = match (specs[to].kind, pick.index(3)) {
                    (_, 0) => GateKind::Default,
                    (Kind::Job, _) => GateKind::Exec,
                    (_, 1) => GateKind::Http,
                    _ => GateKind::Exec,
                };
                specs[from].after.push((to, gate));
            }
            specs
        })
}

/// The `.koku` text of a stack: one item per entry, so the order can be shuffled.
fn items(specs: &[Spec]) -> Vec<String> {
    let mut items = vec!["stack props { namespace = \"props\"; }".to_string()];
    for s in specs {
        let mut body = String::from("image = \"registry.example/app:1\"; ports = { p = 8080; };");
        match s.kind {
            Kind::Service => body.push_str(&format!(" replicas = {};", s.pods)),
            Kind::Stateful => body.push_str(&format!(
                " kind = \"stateful\"; replicas = {}; storage = {{ size = {}Gi; path = \"/data\"; }};",
                s.pods, s.storage_gi
            )),
            Kind::Job => body.push_str(&format!(" kind = \"job\"; job = {{ parallelism = {}; }};", s.pods)),
        }
        let pair = |r: Option<i128>, l: Option<i128>, unit: &str| {
            let mut out = String::from("{");
            if let Some(r) = r {
                out.push_str(&format!(" request = {r}{unit};"));
            }
            if let Some(l) = l {
                out.push_str(&format!(" limit = {l}{unit};"));
            }
            out.push_str(" }");
            out
        };
        body.push_str(&format!(" cpu = {};", pair(s.cpu_request_m, s.cpu_limit_m, "m")));
        body.push_str(&format!(
            " memory = {};",
            pair(s.memory_request_mi, s.memory_limit_mi, "Mi")
        ));
        let edges: Vec<String> = s
            .after
            .iter()
            .map(|&(to, gate)| {
                let target = &specs[to].name;
                match gate {
                    GateKind::Default => target.clone(),
                    GateKind::Http => format!("{{ on = {target}; gate = {{ http = \"/ready\"; }}; }}"),
                    GateKind::Exec => format!("{{ on = {target}; gate = {{ exec = [ \"true\" ]; }}; }}"),
                }
            })
            .collect();
        if !edges.is_empty() {
            body.push_str(&format!(" after = [ {} ];", edges.join(", ")));
        }
        items.push(format!("component {} {{ {body} }}", s.name));
    }
    items
}

fn compile_text(text: &str) -> Compilation {
    let mut loader = MemoryLoader::new(None);
    loader.insert("stack.koku", text);
    kokuc::compile(&loader, Path::new("stack.koku"), &Options::default())
}

fn build_text(text: &str) -> (Compilation, Option<String>) {
    let mut loader = MemoryLoader::new(None);
    loader.insert("stack.koku", text);
    let (c, manifests) = kokuc::build(&loader, Path::new("stack.koku"), &Options::default());
    let yaml = manifests.map(|m| m.to_yaml().expect("manifests serialize"));
    (c, yaml)
}

fn errors(c: &Compilation) -> Vec<String> {
    c.diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect()
}

// ---------------------------------------------------------- the references

/// `reach[i][j]`: i comes after j through one or more edges (Floyd–Warshall).
fn closure(specs: &[Spec]) -> Vec<Vec<bool>> {
    let n = specs.len();
    let mut reach = vec![vec![false; n]; n];
    for (i, s) in specs.iter().enumerate() {
        for &(j, _) in &s.after {
            reach[i][j] = true;
        }
    }
    for k in 0..n {
        for i in 0..n {
            for j in 0..n {
                if reach[i][k] && reach[k][j] {
                    reach[i][j] = true;
                }
            }
        }
    }
    reach
}

/// Longest chain of `after` edges below each component, plus one: its wave.
fn reference_waves(specs: &[Spec]) -> Vec<u32> {
    fn wave(i: usize, specs: &[Spec], memo: &mut Vec<Option<u32>>) -> u32 {
        if let Some(w) = memo[i] {
            return w;
        }
        let deepest = specs[i]
            .after
            .iter()
            .map(|&(j, _)| wave(j, specs, memo))
            .max()
            .unwrap_or(0);
        memo[i] = Some(deepest + 1);
        deepest + 1
    }
    let mut memo = vec![None; specs.len()];
    (0..specs.len()).map(|i| wave(i, specs, &mut memo)).collect()
}

/// Totals written out from the scheduler's rule: per pod, the larger of the
/// biggest wait gate and the app container; times the pods.
#[derive(Debug, PartialEq, Eq, Default)]
struct Totals {
    pods: i64,
    cpu_requests_m: i128,
    cpu_limits_m: i128,
    memory_requests_mi: i128,
    memory_limits_mi: i128,
    storage_gi: i128,
}

fn reference_totals(specs: &[Spec]) -> Totals {
    let mut t = Totals::default();
    for s in specs {
        // Gate containers: (millicores, MiB), request = limit.
        let gates: Vec<(i128, i128)> = s
            .after
            .iter()
            .map(|&(to, gate)| match (gate, specs[to].kind) {
                (GateKind::Exec, _) => (250, 512),
                (GateKind::Default, Kind::Job) => (50, 64),
                _ => (10, 16),
            })
            .collect();
        let gate_cpu = gates.iter().map(|g| g.0).max().unwrap_or(0);
        let gate_memory = gates.iter().map(|g| g.1).max().unwrap_or(0);
        let cpu_request = s.cpu_request_m.or(s.cpu_limit_m).unwrap_or(0);
        let cpu_limit = s.cpu_limit_m.unwrap_or(cpu_request);
        let memory_request = s.memory_request_mi.or(s.memory_limit_mi).unwrap_or(0);
        let memory_limit = s.memory_limit_mi.unwrap_or(memory_request);
        let pods = i128::from(s.pods);
        t.pods += s.pods;
        t.cpu_requests_m += cpu_request.max(gate_cpu) * pods;
        t.cpu_limits_m += cpu_limit.max(gate_cpu) * pods;
        t.memory_requests_mi += memory_request.max(gate_memory) * pods;
        t.memory_limits_mi += memory_limit.max(gate_memory) * pods;
        if s.kind == Kind::Stateful {
            t.storage_gi += s.storage_gi * pods;
        }
    }
    t
}

// ---------------------------------------------------------------- the tests

fn config() -> Config {
    Config {
        cases: 96,
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config())]

    /// A stack has a K0303 exactly when the brute-force closure has a cycle,
    /// one per strongly connected group, and each reported path is a real cycle.
    #[test]
    fn cycle_detection_agrees_with_brute_force(specs in stack(7, true)) {
        let c = compile_text(&items(&specs).join("\n"));
        let reach = closure(&specs);
        let n = specs.len();
        // Strongly connected groups with a cycle: classes of mutual reachability.
        let mut groups: BTreeSet<Vec<usize>> = BTreeSet::new();
        for i in (0..n).filter(|&i| reach[i][i]) {
            let group: Vec<usize> = (0..n).filter(|&j| reach[i][j] && reach[j][i]).collect();
            groups.insert(group);
        }
        let cycles: Vec<&str> = c
            .diagnostics
            .iter()
            .filter(|d| d.code == Code::K0303)
            .map(|d| d.message.as_str())
            .collect();
        prop_assert_eq!(cycles.len(), groups.len(), "cycles reported: {:?}", cycles);
        let index: BTreeMap<&str, usize> = specs.iter().enumerate().map(|(i, s)| (s.name.as_str(), i)).collect();
        for message in &cycles {
            let path = message.strip_prefix("dependency cycle: ").expect("K0303 message names the path");
            let nodes: Vec<usize> = path.split(" -> ").map(|name| index[name]).collect();
            prop_assert_eq!(nodes.first(), nodes.last(), "{} is not closed", path);
            for step in nodes.windows(2) {
                let edge = specs[step[0]].after.iter().any(|&(to, _)| to == step[1]);
                prop_assert!(edge, "{} uses an edge that does not exist", path);
            }
        }
        if groups.is_empty() {
            prop_assert_eq!(errors(&c), Vec::<String>::new());
        }
    }

    /// Every wave is one more than the longest chain below the component, and
    /// the emitted files put every dependency before the components after it.
    #[test]
    fn waves_and_file_order_respect_every_edge(specs in stack(9, false)) {
        let (c, yaml) = build_text(&items(&specs).join("\n"));
        prop_assert_eq!(errors(&c), Vec::<String>::new());
        prop_assert!(yaml.is_some());
        let stack = c.stack.as_ref().expect("stack");
        let graph = c.graph.as_ref().expect("graph");
        let expected = reference_waves(&specs);
        for (i, s) in specs.iter().enumerate() {
            let model = stack.index_of(&s.name).expect("component in the model");
            prop_assert_eq!(graph.waves[model], expected[i], "wave of {}", s.name);
        }
        let manifests = kokuc::emit::emit(stack, graph, kokuc::emit::Annotate::None).expect("manifests");
        let files: Vec<&str> = manifests.files.iter().map(|f| f.name.as_str()).collect();
        let mut sorted = files.clone();
        sorted.sort_unstable();
        prop_assert_eq!(&files, &sorted, "file names do not sort in deploy order");
        let position = |name: &str| manifests.files.iter().position(|f| f.component.as_deref() == Some(name));
        for s in &specs {
            for &(to, _) in &s.after {
                let (after, before) = (position(&s.name), position(&specs[to].name));
                prop_assert!(before < after, "{} is emitted before {}", s.name, specs[to].name);
            }
        }
    }

    /// The stack's totals equal the per-component sum computed from the spec.
    #[test]
    fn totals_equal_the_sum_over_components(specs in stack(8, false)) {
        let c = compile_text(&items(&specs).join("\n"));
        prop_assert_eq!(errors(&c), Vec::<String>::new());
        let stack = c.stack.as_ref().expect("stack");
        let usage = totals(stack, |_| true).expect("totals fit");
        let expected = reference_totals(&specs);
        const MILLI: i128 = 1_000_000;
        const MI: i128 = 1024 * 1024 * 1_000_000_000;
        const GI: i128 = 1024 * MI;
        prop_assert_eq!(usage.pods, expected.pods);
        prop_assert_eq!(usage.cpu_requests.nanos, expected.cpu_requests_m * MILLI);
        prop_assert_eq!(usage.cpu_limits.nanos, expected.cpu_limits_m * MILLI);
        prop_assert_eq!(usage.memory_requests.nanos, expected.memory_requests_mi * MI);
        prop_assert_eq!(usage.memory_limits.nanos, expected.memory_limits_mi * MI);
        prop_assert_eq!(usage.storage.nanos, expected.storage_gi * GI);
    }

    /// Declaring the same items in another order builds byte-identical
    /// manifests and the same diagnostics.
    #[test]
    fn building_is_independent_of_declaration_order(
        specs in stack(8, false),
        order in any::<u64>(),
    ) {
        let items = items(&specs);
        let mut shuffled = items.clone();
        // A deterministic permutation from the generated seed.
        let mut seed = order;
        for i in (1..shuffled.len()).rev() {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let j = usize::try_from(seed >> 33).unwrap_or(0) % (i + 1);
            shuffled.swap(i, j);
        }
        let (first, first_yaml) = build_text(&items.join("\n"));
        let (second, second_yaml) = build_text(&shuffled.join("\n"));
        prop_assert!(first_yaml.is_some());
        prop_assert_eq!(first_yaml, second_yaml);
        let messages = |c: &Compilation| {
            let mut m: Vec<String> = c.diagnostics.iter().map(|d| format!("{}: {}", d.code, d.message)).collect();
            m.sort();
            m
        };
        prop_assert_eq!(messages(&first), messages(&second));
    }
}
