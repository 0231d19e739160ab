//! Content hashes: of a component's configuration (on its pod template, so a
//! change in configuration rolls its pods and nothing else does) and of the
//! whole stack (on every object, so two builds, or a build and a cluster, can
//! be compared at a glance).
//!
//! Both are SHA-256 over a length-prefixed encoding, so no two different
//! inputs encode to the same bytes. Neither depends on source spans, file
//! names or the order declarations were written in: components are already
//! sorted by name in the model, and the stack hash covers the objects kokuc
//! emits (before the hash itself and the GitOps annotations are added).

use sha2::{Digest, Sha256};

use super::ManifestFile;
use crate::model::{Component, EnvValue};

/// Pod template annotation: hash of the component's configuration.
pub const CONFIG_HASH: &str = "kokuc.dev/config-hash";
/// Object annotation: hash of the whole resolved stack.
pub const STACK_HASH: &str = "kokuc.dev/stack-hash";

/// A SHA-256 fed with length-prefixed fields.
struct Hasher(Sha256);

impl Hasher {
    fn new(domain: &str) -> Hasher {
        let mut h = Hasher(Sha256::new());
        h.field(domain.as_bytes());
        h
    }

    fn field(&mut self, bytes: &[u8]) {
        self.0.update((bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
    }

    fn finish(self) -> String {
        self.0.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The hash of what configures a component's containers from outside the pod
/// template: its files (a ConfigMap) and its environment (with Secret
/// references by name; kokuc never sees secret values).
pub fn config_hash(c: &Component) -> String {
    let mut h = Hasher::new("kokuc config v1");
    let mut files: Vec<_> = c.files.iter().collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    for f in files {
        h.field(b"file");
        h.field(f.path.as_bytes());
        h.field(f.content.as_bytes());
    }
    // Env order matters (`$(VAR)` sees only earlier variables), so it is kept.
    for e in &c.env {
        h.field(b"env");
        h.field(e.name.as_bytes());
        match &e.value {
            EnvValue::Plain(v) => {
                h.field(b"plain");
                h.field(v.as_bytes());
            }
            EnvValue::Secret(s) => {
                h.field(b"secret");
                h.field(s.name.as_bytes());
                h.field(s.key.as_bytes());
            }
        }
    }
    h.finish()
}

/// The hash of every object of the stack, file by file.
pub fn stack_hash(files: &[ManifestFile]) -> Result<String, serde_json::Error> {
    use rayon::prelude::*;
    let mut h = StackHasher::new();
    // Serialize on every core, a batch at a time; hash in order.
    for batch in files.chunks(512) {
        let json: Vec<Vec<Vec<u8>>> = batch.par_iter().map(file_json).collect::<Result<_, _>>()?;
        for (file, objects) in batch.iter().zip(json) {
            h.add(&file.name, &objects);
        }
    }
    Ok(h.finish())
}

/// The JSON of each object of a file: what [`StackHasher::add`] hashes.
pub(super) fn file_json(file: &ManifestFile) -> Result<Vec<Vec<u8>>, serde_json::Error> {
    file.objects.iter().map(serde_json::to_vec).collect()
}

/// [`stack_hash`] fed one file at a time, in file order (for streaming output).
pub(super) struct StackHasher(Hasher);

impl StackHasher {
    pub(super) fn new() -> StackHasher {
        StackHasher(Hasher::new("kokuc stack v1"))
    }

    pub(super) fn add(&mut self, name: &str, objects_json: &[Vec<u8>]) {
        self.0.field(b"file");
        self.0.field(name.as_bytes());
        for object in objects_json {
            self.0.field(object);
        }
    }

    pub(super) fn finish(self) -> String {
        self.0.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::Hasher;

    #[test]
    fn fields_are_length_prefixed() {
        let hash = |parts: &[&str]| {
            let mut h = Hasher::new("test");
            for p in parts {
                h.field(p.as_bytes());
            }
            h.finish()
        };
        assert_ne!(hash(&["ab", "c"]), hash(&["a", "bc"]));
        assert_ne!(hash(&["abc"]), hash(&["ab", "c"]));
        assert_eq!(hash(&["a", "b"]), hash(&["a", "b"]));
        assert_eq!(hash(&[]).len(), 64);
    }
}
