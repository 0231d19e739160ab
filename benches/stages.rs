//! Criterion benchmarks of each stage of kokuc on the generated tree stack
//! (`benches/support/stack.rs`), at 100, 1,000 and 10,000 components, next to
//! the floor program (`benches/support/floor.rs`) writing the same objects.
//!
//! ```text
//! cargo bench --bench stages            # all of them
//! cargo bench --bench stages -- parse   # one group
//! ```
//!
//! Groups: `parse` (text → AST), `evaluate` (AST → resolved stack), `graph+checks`,
//! `emit` (stack → k8s-openapi objects with their stack hash, one thread),
//! `serialize` (objects → YAML, one thread), `build` (both, the way `kokuc
//! build` does: batches on every core, streamed), `floor` (a Deployment with a
//! wait gate and a Service per component, with k8s-openapi and serde_yaml alone), `compile` (parse to checks: what `kokuc check` and the
//! language server run) and `recheck` (compile a 1,000-component file after a
//! one-character edit). `scripts/bench.sh` times the whole processes.

#[path = "support/floor.rs"]
mod floor;
#[path = "support/stack.rs"]
mod stack;

use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use kokuc::diagnostics::Diagnostics;
use kokuc::emit::gate::{script, ResolvedGate};
use kokuc::emit::Annotate;
use kokuc::eval::MemoryLoader;
use kokuc::limits::Limits;
use kokuc::source::SourceMap;
use kokuc::{check, emit, eval, graph, syntax, Options};

const SIZES: [usize; 3] = [100, 1_000, 10_000];
const PATH: &str = "bench.koku";

fn group<'a>(c: &'a mut Criterion, name: &str) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    g
}

/// The stack text and its compiled stack and graph.
struct Prepared {
    text: String,
    stack: kokuc::model::Stack,
    graph: graph::DependencyGraph,
}

fn prepare(n: usize) -> Prepared {
    let text = stack::generate(stack::Shape::tree(n));
    let mut loader = MemoryLoader::new(None);
    loader.insert(PATH, text.clone());
    let compilation = kokuc::compile(&loader, Path::new(PATH), &Options::default());
    assert!(!compilation.has_errors(), "the generated stack compiles");
    let (Some(stack), Some(graph)) = (compilation.stack, compilation.graph) else {
        unreachable!("no errors, so a stack and a graph")
    };
    Prepared { text, stack, graph }
}

fn stages(c: &mut Criterion) {
    let limits = Limits::default();
    let script = script(&ResolvedGate::Tcp { port: 8080 });
    for n in SIZES {
        let p = prepare(n);
        let bytes = p.text.len() as u64;
        let mut sources = SourceMap::new();
        let root = sources.add(PATH, PATH, p.text.as_str());
        let ast = syntax::parse(root, &p.text, &limits).expect("parses");
        let one_thread = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("a thread pool");
        let manifests = emit::emit(&p.stack, &p.graph, Annotate::None).expect("emits");
        let yaml_bytes = manifests.to_yaml().expect("serializes").len() as u64;

        let mut g = group(c, "parse");
        g.throughput(Throughput::Bytes(bytes));
        g.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| syntax::parse(root, &p.text, &limits).expect("parses"))
        });
        g.finish();

        let mut g = group(c, "evaluate");
        g.bench_function(BenchmarkId::from_parameter(n), |b| {
            let loader = MemoryLoader::new(None);
            b.iter_batched(
                || {
                    let mut s = SourceMap::new();
                    let r = s.add(PATH, PATH, p.text.as_str());
                    (s, r)
                },
                |(mut s, r)| eval::evaluate(&mut s, &loader, r, &ast, None, &limits, None),
                BatchSize::LargeInput,
            )
        });
        g.finish();

        let mut g = group(c, "graph+checks");
        g.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| {
                let mut d = Diagnostics::new();
                let graph = graph::analyze(&p.stack, &mut d);
                check::check(&p.stack, &mut d);
                (graph, d)
            })
        });
        g.finish();

        let mut g = group(c, "emit");
        g.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| one_thread.install(|| emit::emit(&p.stack, &p.graph, Annotate::None).expect("emits")))
        });
        g.finish();

        let mut g = group(c, "serialize");
        g.throughput(Throughput::Bytes(yaml_bytes));
        g.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| one_thread.install(|| manifests.to_yaml().expect("serializes")))
        });
        g.finish();

        let mut g = group(c, "build");
        g.throughput(Throughput::Bytes(yaml_bytes));
        g.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| {
                let mut out = Vec::with_capacity(yaml_bytes as usize);
                let hash = emit::stream::stack_hash(&p.stack, &p.graph).expect("hashes");
                emit::stream::write_stream(&p.stack, &p.graph, Annotate::None, &hash, &mut out).expect("writes");
                out
            })
        });
        g.finish();

        let mut g = group(c, "floor");
        g.throughput(Throughput::Bytes(yaml_bytes));
        g.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| {
                let mut out = Vec::with_capacity(yaml_bytes as usize);
                floor::write(n, &script, &mut out).expect("writes");
                out
            })
        });
        g.finish();

        let mut g = group(c, "compile");
        g.throughput(Throughput::Bytes(bytes));
        g.bench_function(BenchmarkId::from_parameter(n), |b| {
            let mut loader = MemoryLoader::new(None);
            loader.insert(PATH, p.text.clone());
            b.iter(|| kokuc::compile(&loader, Path::new(PATH), &Options::default()))
        });
        g.finish();
    }
}

/// What a language server does on a keystroke: compile the file again after a
/// one-character edit (here `replicas = 2` becomes `3` in one component, and
/// back on the next iteration), with the parse cache the server keeps
/// (`1000`), and without it (`1000-uncached`: the whole file through pest).
fn recheck(c: &mut Criterion) {
    let text = stack::generate(stack::Shape::tree(1_000));
    let at = text.find("replicas = 2;").expect("a replicas field") + "replicas = ".len();
    let mut edited = text.clone();
    edited.replace_range(at..at + 1, "3");
    let loaders = [&text, &edited].map(|t| {
        let mut loader = MemoryLoader::new(None);
        loader.insert(PATH, t.clone());
        loader
    });
    let mut g = group(c, "recheck");
    let cached = Options {
        parse_cache: Some(std::sync::Arc::default()),
        ..Options::default()
    };
    for (id, options) in [("1000", cached), ("1000-uncached", Options::default())] {
        let mut keystroke = 0;
        g.bench_function(BenchmarkId::from_parameter(id), |b| {
            b.iter(|| {
                keystroke += 1;
                let compilation = kokuc::compile(&loaders[keystroke % 2], Path::new(PATH), &options);
                assert!(!compilation.has_errors());
                compilation
            })
        });
    }
    g.finish();
}

criterion_group!(benches, stages, recheck);
criterion_main!(benches);
