//! Golden files shared by the data-driven harnesses: compare, or write the
//! expected file when `KOKUC_BLESS=1` (review the diff before committing).

use std::path::Path;

pub fn blessing() -> bool {
    std::env::var_os("KOKUC_BLESS").is_some_and(|v| v == "1")
}

/// Compares `actual` with the file, or writes it when blessing.
pub fn golden(path: &Path, actual: &str) -> datatest_stable::Result<()> {
    if blessing() {
        std::fs::write(path, actual)?;
        return Ok(());
    }
    let expected = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: {e} (run with KOKUC_BLESS=1 to create it)", path.display()))?;
    if expected != actual {
        return Err(format!(
            "{} differs (KOKUC_BLESS=1 to update)\n{}",
            path.display(),
            diff(&expected, actual)
        )
        .into());
    }
    Ok(())
}

/// Like [`golden`], but an absent file means "nothing expected".
#[allow(dead_code)] // not every harness has optional files
pub fn golden_optional(path: &Path, actual: &str) -> datatest_stable::Result<()> {
    if actual.is_empty() && !path.exists() {
        return Ok(());
    }
    if actual.is_empty() && blessing() {
        std::fs::remove_file(path)?;
        return Ok(());
    }
    golden(path, actual)
}

/// A small line diff: the first lines that differ, with context.
pub fn diff(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let first = e
        .iter()
        .zip(a.iter())
        .position(|(x, y)| x != y)
        .unwrap_or(e.len().min(a.len()));
    let mut out = String::new();
    let from = first.saturating_sub(2);
    for i in from..(first + 6).min(e.len().max(a.len())) {
        match (e.get(i), a.get(i)) {
            (Some(x), Some(y)) if x == y => out.push_str(&format!("  {x}\n")),
            (x, y) => {
                if let Some(x) = x {
                    out.push_str(&format!("- {x}\n"));
                }
                if let Some(y) = y {
                    out.push_str(&format!("+ {y}\n"));
                }
            }
        }
    }
    out
}
