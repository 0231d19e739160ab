//! `kokuc build` streams the manifests (serialized in parallel batches): the
//! bytes must be those of `Manifests::to_yaml`, whatever the number of threads.

use std::path::Path;

use kokuc::emit::stream::{write_files, write_stream};
use kokuc::eval::{FsLoader, MemoryLoader};
use kokuc::Options;

#[path = "../../benches/support/stack.rs"]
#[allow(dead_code)]
mod stack;

/// The stream written on a pool of `threads` threads.
fn streamed(stack: &kokuc::model::Stack, graph: &kokuc::graph::DependencyGraph, threads: usize) -> Vec<u8> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool");
    pool.install(|| {
        let mut out = Vec::new();
        write_stream(stack, graph, &mut out).expect("writes");
        out
    })
}

fn check_same_bytes(compilation: &kokuc::Compilation, what: &str) {
    assert!(!compilation.has_errors(), "{what} compiles");
    let (Some(stack), Some(graph)) = (&compilation.stack, &compilation.graph) else {
        panic!("{what}: no stack")
    };
    let manifests = kokuc::emit::emit(stack, graph);
    let expected = manifests.to_yaml().expect("serializes");
    for threads in [1, 2, 4] {
        assert!(
            streamed(stack, graph, threads) == expected.as_bytes(),
            "{what}: the stream on {threads} threads differs from Manifests::to_yaml"
        );
    }
    let mut files = Vec::new();
    write_files(stack, graph, |name, yaml| {
        files.push((name.to_string(), String::from_utf8(yaml.to_vec()).expect("UTF-8")));
        Ok(())
    })
    .expect("writes");
    let reference: Vec<(String, String)> = manifests
        .files
        .iter()
        .map(|f| (f.name.clone(), f.to_yaml().expect("serializes")))
        .collect();
    assert!(files == reference, "{what}: the files differ from Manifests::files");
}

#[test]
fn the_seed_stack_streams_the_same_bytes_in_every_profile() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("stacks/koku.koku");
    let base = kokuc::compile(&FsLoader, &path, &Options::default());
    let profiles: Vec<String> = base.facts.profiles.iter().map(|(n, _)| n.clone()).collect();
    assert!(!profiles.is_empty());
    check_same_bytes(&base, "the seed stack");
    for profile in profiles {
        let options = Options {
            profile: Some(profile.clone()),
            ..Options::default()
        };
        check_same_bytes(&kokuc::compile(&FsLoader, &path, &options), &profile);
    }
}

#[test]
fn a_big_dense_stack_streams_the_same_bytes_on_any_number_of_threads() {
    let text = stack::generate(stack::Shape {
        dense: true,
        ..stack::Shape::tree(3_000)
    });
    let mut loader = MemoryLoader::new(None);
    loader.insert("dense.koku", text);
    let compilation = kokuc::compile(&loader, Path::new("dense.koku"), &Options::default());
    check_same_bytes(&compilation, "the dense stack");
}
