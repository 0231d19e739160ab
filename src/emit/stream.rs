//! Streaming output for `kokuc build`: the bytes of [`Manifests::to_yaml`],
//! written without holding every object of the stack in memory.
//!
//! Every object carries the stack hash, a hash over all the objects, so the
//! output is made in two passes over the components, a batch at a time, each
//! batch on every core (rayon): the first builds the files and hashes their
//! JSON in order, the second builds them again, annotates them and writes their
//! YAML in order. Building objects is cheap next to serializing them, and
//! memory stays bounded by one batch instead of growing with the stack. Each
//! file is built and serialized by one thread, and files are handed over in
//! deploy order, so the bytes do not depend on the number of threads.
//!
//! [`Manifests::to_yaml`]: super::Manifests::to_yaml

use std::io::Write;

use rayon::prelude::*;

use super::annotate::{annotate_file, Annotate};
use super::hash::{file_json, StackHasher};
use super::{component_file, name_width, namespace_file, network, ManifestFile, WriteError};
use crate::graph::DependencyGraph;
use crate::model::Stack;

/// Components per batch: enough to keep every core busy, few enough that a
/// batch of objects and YAML stays small.
const BATCH: usize = 512;

/// The stack hash of what [`write_stream`] writes, computed without keeping the objects.
pub fn stack_hash(stack: &Stack, graph: &DependencyGraph) -> Result<String, serde_json::Error> {
    let width = name_width(graph);
    let traffic = network::traffic(stack);
    let clients = network::clients(stack, &traffic);
    let mut hasher = StackHasher::new();
    let namespace = namespace_file(stack, width);
    hasher.add(&namespace.name, &file_json(&namespace)?);
    for batch in graph.order.chunks(BATCH) {
        let json: Vec<Option<(String, Vec<Vec<u8>>)>> = batch
            .par_iter()
            .map(|&i| {
                component_file(stack, graph, (&traffic, &clients), i, width)
                    .map(|file| file_json(&file).map(|json| (file.name, json)))
                    .transpose()
            })
            .collect::<Result<_, _>>()?;
        for (name, objects) in json.into_iter().flatten() {
            hasher.add(&name, &objects);
        }
    }
    Ok(hasher.finish())
}

/// Writes every manifest as one multi-document YAML stream (the bytes of
/// `emit(stack, graph, mode)?.to_yaml()`), given the stack hash from
/// [`stack_hash`].
pub fn write_stream(
    stack: &Stack,
    graph: &DependencyGraph,
    mode: Annotate,
    stack_hash: &str,
    out: &mut impl Write,
) -> Result<(), WriteError> {
    let width = name_width(graph);
    let traffic = network::traffic(stack);
    let clients = network::clients(stack, &traffic);
    let yaml = |mut file: ManifestFile| {
        annotate_file(&mut file, stack_hash, stack, graph, mode);
        file.to_yaml()
    };
    out.write_all(yaml(namespace_file(stack, width))?.as_bytes())?;
    for batch in graph.order.chunks(BATCH) {
        let files: Vec<Option<String>> = batch
            .par_iter()
            .map(|&i| {
                component_file(stack, graph, (&traffic, &clients), i, width)
                    .map(yaml)
                    .transpose()
            })
            .collect::<Result<_, _>>()?;
        for file in files.into_iter().flatten() {
            out.write_all(b"---\n")?;
            out.write_all(file.as_bytes())?;
        }
    }
    Ok(())
}
