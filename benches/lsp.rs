//! Language server responsiveness: re-checking a 1,000-component stack after
//! an edit (the stack is generated here). Figures go in docs/performance.md.
//!
//!     cargo bench --bench lsp

use std::fmt::Write;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use kokuc::limits::Limits;
use kokuc::lsp::server::BufferLoader;
use kokuc::lsp::{analyze, Server, Settings};
use kokuc::source::FileId;
use lsp_types::Uri;

/// A stack of `n` components in layers of 10: each waits for two components
/// of the previous layer and wires their host and port into its env; two
/// profiles override and remove components.
fn stack(n: usize, replicas: usize) -> String {
    let mut s = String::from(
        "let size = { cpu = { request = 10m; limit = 20m; }; memory = { request = 16Mi; limit = 32Mi; }; };\n\
         stack big { namespace = \"big\"; budget = { cpu = 100; memory = 100Gi; pods = 5000; }; }\n",
    );
    for i in 0..n {
        let _ = write!(
            s,
            "component c{i} = size // {{\n  image = \"registry.example/c:{i}\";\n  replicas = {};\n  ports = {{ http = 8080; }};\n",
            if i == n / 2 { replicas } else { 1 }
        );
        if i >= 10 {
            let (a, b) = (i - 10, i - 9 + i % 7);
            let _ = write!(
                s,
                "  env = {{ UP_HOST = c{a}.host; UP_PORT = c{a}.port.http; }};\n  after = [ c{a}, c{b} ];\n"
            );
        }
        s.push_str("};\n");
    }
    s.push_str("profile small { remove c999; override c0 { replicas = 2; } }\nprofile large { override c1 { replicas = 3; } }\n");
    s
}

fn bench(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("kokuc-bench-{}", std::process::id()));
    let path: PathBuf = dir.join("big.koku");
    let uri: Uri = kokuc::lsp::convert::path_to_uri(&path).expect("uri");
    let texts = [stack(1000, 1), stack(1000, 2)];

    let mut group = c.benchmark_group("lsp");
    group.sample_size(20);

    // A keystroke: the server's whole didChange path (new buffer and outline,
    // re-check of the base stack, diagnostics converted and published). The
    // profiles are deferred to when the client is idle (measured below).
    let mut server = Server::new(Settings::default(), None);
    let mut version = 0;
    group.bench_function("didChange, 1000 components", |b| {
        b.iter(|| {
            version += 1;
            let text = texts[(version % 2) as usize].clone();
            let out = server.set_document(uri.clone(), version, text);
            assert!(!out.is_empty());
        })
    });

    // The deferred part after a keystroke: base and both profiles.
    group.bench_function("idle profile check, 1000 components, base + 2 profiles", |b| {
        b.iter(|| {
            version += 1;
            let text = texts[(version % 2) as usize].clone();
            server.set_document(uri.clone(), version, text);
            assert!(server.has_pending());
            server.idle()
        })
    });

    // Where the time goes: the compile of the base stack, and its parse alone.
    let base_only = Settings {
        all_profiles: false,
        ..Settings::default()
    };
    let mut docs = std::collections::BTreeMap::new();
    docs.insert(
        path.clone(),
        kokuc::lsp::server::Document::new(uri.clone(), 1, texts[1].clone(), None),
    );
    group.bench_function("compile, 1000 components, base only", |b| {
        b.iter(|| {
            let a = analyze(&BufferLoader { docs: &docs }, &path, &base_only);
            assert!(a.has_model());
        })
    });
    group.bench_function("parse only, 1000 components", |b| {
        b.iter(|| {
            let ast = kokuc::syntax::parse(FileId(0), &texts[1], &Limits::default()).expect("parses");
            assert!(ast.items.len() > 1000);
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
