//! Totals against the figures the seed document computed by hand.
//!
//! Seed, "Total Minimum Resources": per pod 1 / 2 cores, 6 / 8 GB, 50 GB; for
//! 3 pods (minimum): 3 / 6 cores, 18 / 24 GB, 150 GB; for 5 pods (recommended):
//! 5 / 10 cores, 30 / 40 GB, 250 GB. ("GB" in the seed are the Gi of the
//! manifests: its sizes are written `6Gi`.)

use kokuc::check::usage::{totals, Selector, Usage};
use kokuc::eval::MemoryLoader;
use kokuc::quantity::Quantity;
use kokuc::Options;

use crate::support::{compile, render};

fn q(s: &str) -> Quantity {
    Quantity::parse(s).expect("quantity")
}

fn expect(u: &Usage, pods: i64, cpu: (&str, &str), memory: (&str, &str), storage: &str) {
    assert_eq!(u.pods, pods, "pods");
    assert_eq!((u.cpu_requests, u.cpu_limits), (q(cpu.0), q(cpu.1)), "cpu");
    assert_eq!(
        (u.memory_requests, u.memory_limits),
        (q(memory.0), q(memory.1)),
        "memory"
    );
    assert_eq!(u.storage, q(storage), "storage");
}

fn trino_totals(profile: Option<&str>) -> Usage {
    let c = compile("stacks/koku.koku", profile);
    assert!(!c.has_errors(), "{}", render(&c));
    let stack = c.stack.expect("stack");
    let trino = Selector::parse("trino-*");
    totals(&stack, |c| trino.matches(c)).expect("totals")
}

/// One coordinator and two workers at the seed's per-pod sizes, written standalone.
#[test]
fn three_trino_pods_match_the_seed_table() {
    let text = r#"
        stack trino { namespace = "trino"; }
        let node = { replicas ? 1 }: {
          image = "docker.io/trinodb/trino:435";
          replicas = replicas;
          ports = { http = 8080; };
          cpu = { request = 1; limit = 2; };
          memory = { request = 6Gi; limit = 8Gi; };
          storage = { size = 50Gi; path = "/data"; };
        };
        component coordinator = node { };
        component worker = node { replicas = 2; } // { after = [ coordinator ]; };
    "#;
    let mut loader = MemoryLoader::new(None);
    loader.insert("trino.koku", text);
    let c = kokuc::compile(&loader, std::path::Path::new("trino.koku"), &Options::default());
    assert!(!c.has_errors(), "{}", render(&c));
    let stack = c.stack.expect("stack");
    let all = totals(&stack, |_| true).expect("totals");
    expect(&all, 3, ("3", "6"), ("18Gi", "24Gi"), "150Gi");
}

#[test]
fn trino_minimal_matches_the_seed_minimum_column() {
    expect(
        &trino_totals(Some("trino-minimal")),
        3,
        ("3", "6"),
        ("18Gi", "24Gi"),
        "150Gi",
    );
    // The base stack is the minimal variant.
    assert_eq!(trino_totals(None), trino_totals(Some("trino-minimal")));
}

#[test]
fn trino_recommended_matches_the_seed_recommended_column() {
    expect(
        &trino_totals(Some("trino-recommended")),
        5,
        ("5", "10"),
        ("30Gi", "40Gi"),
        "250Gi",
    );
}

/// The seed's production figures ("Workers: 5-10 pods, 4 cores / 16GB each ...
/// Total: 20-40 cores, 80-160GB"; "1 coordinator (16GB) + 8-10 workers
/// (12-16GB each), Total: 9-11 pods, 96-160GB") add up the workers only and
/// leave the coordinator out. kokuc counts every pod, the coordinator included.
#[test]
fn production_trino_totals_count_the_coordinator_too() {
    let workers = 10;
    let worker_cpu = 4;
    let (worker_mem_request, worker_mem_limit) = (12, 16);
    let (coordinator_cpu, coordinator_mem) = (4, 16);
    let storage_per_pod = 50;
    let cpu = coordinator_cpu + workers * worker_cpu; // 44 cores requested and limited
    let mem_request = coordinator_mem + workers * worker_mem_request; // 136Gi
    let mem_limit = coordinator_mem + workers * worker_mem_limit; // 176Gi
    let storage = (1 + workers) * storage_per_pod; // 550Gi
    expect(
        &trino_totals(Some("production")),
        1 + workers,
        (&cpu.to_string(), &cpu.to_string()),
        (&format!("{mem_request}Gi"), &format!("{mem_limit}Gi")),
        &format!("{storage}Gi"),
    );
    // The seed's worker-only upper bound (10 x 16GB = 160GB) is what remains
    // without the coordinator.
    assert_eq!(mem_limit - coordinator_mem, 160);
}

#[test]
fn variants_without_trino_have_no_trino_pods() {
    for profile in ["postgres-only", "athena"] {
        let u = trino_totals(Some(profile));
        assert_eq!(u.pods, 0, "{profile}");
    }
}
