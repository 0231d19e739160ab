//! `kokuc build` streams the manifests (built and serialized in parallel
//! batches, see `emit::stream`): the bytes must be those of
//! `Manifests::to_yaml`, whatever the number of threads, and so must the
//! stack hash.

use std::path::Path;

use kokuc::emit::stream::{stack_hash, write_stream};
use kokuc::emit::{emit, Annotate};
use kokuc::eval::{FsLoader, MemoryLoader};
use kokuc::Options;

#[path = "../../benches/support/stack.rs"]
#[allow(dead_code)]
mod stack;

fn on_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool")
        .install(f)
}

fn check_same_bytes(compilation: &kokuc::Compilation, what: &str) {
    assert!(!compilation.has_errors(), "{what} compiles");
    let (Some(stack), Some(graph)) = (&compilation.stack, &compilation.graph) else {
        panic!("{what}: no stack")
    };
    for mode in [Annotate::None, Annotate::ArgoCd, Annotate::Kapp] {
        let manifests = on_threads(1, || emit(stack, graph, mode)).expect("emits");
        let expected = manifests.to_yaml().expect("serializes");
        for threads in [1, 2, 4] {
            let (hash, streamed, collected) = on_threads(threads, || {
                let hash = stack_hash(stack, graph).expect("hashes");
                let mut out = Vec::new();
                write_stream(stack, graph, mode, &hash, &mut out).expect("writes");
                let collected = emit(stack, graph, mode).expect("emits").to_yaml().expect("serializes");
                (hash, out, collected)
            });
            assert_eq!(hash, manifests.stack_hash, "{what}: stack hash on {threads} threads");
            assert!(
                streamed == expected.as_bytes(),
                "{what} ({mode:?}): the stream on {threads} threads differs"
            );
            assert!(
                collected == expected,
                "{what} ({mode:?}): to_yaml on {threads} threads differs"
            );
        }
    }
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
        ..stack::Shape::tree(1_500)
    });
    let mut loader = MemoryLoader::new(None);
    loader.insert("dense.koku", text);
    let compilation = kokuc::compile(&loader, Path::new("dense.koku"), &Options::default());
    check_same_bytes(&compilation, "the dense stack");
}
