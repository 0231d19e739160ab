//! Compare-or-bless for snapshot files (`KOKUC_BLESS=1` rewrites them).

use std::path::Path;

pub fn blessing() -> bool {
    std::env::var_os("KOKUC_BLESS").is_some_and(|v| v == "1")
}

/// Compares `actual` with the file at `path` (relative to the package root).
pub fn check(path: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    if blessing() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with KOKUC_BLESS=1 to create it)", path.display()));
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{} differs from line {} (KOKUC_BLESS=1 to update)\n- {}\n+ {}",
            path.display(),
            first + 1,
            expected.lines().nth(first).unwrap_or("<end>"),
            actual.lines().nth(first).unwrap_or("<end>")
        );
    }
}
