//! `kokuc fmt [--check] FILES...`: rewrite files in the canonical layout.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::cli::args::FmtArgs;
use crate::cli::{Ui, EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
use crate::diagnostics::Diagnostics;
use crate::eval::loader::decode;
use crate::source::SourceMap;

/// Most files one directory argument may expand to.
const MAX_FILES: usize = 10_000;

pub fn fmt(ui: &Ui, args: &FmtArgs) -> u8 {
    let mut worst = EXIT_OK;
    for arg in &args.files {
        let code = if arg.as_os_str() == "-" {
            stdin(ui, args.check)
        } else if arg.is_dir() {
            let files = crate::workspace::koku_files(arg, MAX_FILES);
            files.iter().map(|f| one(ui, f, args.check)).max().unwrap_or(EXIT_OK)
        } else {
            one(ui, arg, args.check)
        };
        worst = worst.max(code);
    }
    worst
}

/// Formats `text`; reports a syntax error and returns `None` when it does not parse.
fn formatted(ui: &Ui, name: &str, text: &str) -> Option<String> {
    let mut sources = SourceMap::new();
    let id = sources.add(name, name, text);
    match crate::fmt::format(id, text) {
        Ok(out) => Some(out),
        Err(d) => {
            ui.report(&Diagnostics::from(d), &sources);
            None
        }
    }
}

fn one(ui: &Ui, path: &Path, check: bool) -> u8 {
    let name = path.display().to_string();
    let text = match std::fs::read(path)
        .map_err(|e| e.to_string())
        .and_then(|b| decode(b).map_err(|_| "the file is not valid UTF-8".to_string()))
    {
        Ok(text) => text,
        Err(e) => {
            ui.error(&format!("cannot read `{name}`: {e}"));
            return EXIT_USAGE;
        }
    };
    let Some(out) = formatted(ui, &name, &text) else {
        return EXIT_ERRORS;
    };
    if out == text {
        return EXIT_OK;
    }
    if check {
        let _ = writeln!(std::io::stdout(), "{name}");
        return EXIT_ERRORS;
    }
    match replace(path, &out) {
        Ok(()) => EXIT_OK,
        Err(e) => {
            ui.error(&format!("cannot write `{name}`: {e}"));
            EXIT_USAGE
        }
    }
}

fn stdin(ui: &Ui, check: bool) -> u8 {
    let mut bytes = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
        ui.error(&format!("cannot read stdin: {e}"));
        return EXIT_USAGE;
    }
    let Ok(text) = decode(bytes) else {
        ui.error("stdin is not valid UTF-8");
        return EXIT_USAGE;
    };
    let Some(out) = formatted(ui, "<stdin>", &text) else {
        return EXIT_ERRORS;
    };
    if check {
        if out != text {
            let _ = writeln!(std::io::stdout(), "<stdin>");
            return EXIT_ERRORS;
        }
        return EXIT_OK;
    }
    let mut stdout = std::io::stdout().lock();
    if stdout.write_all(out.as_bytes()).and_then(|()| stdout.flush()).is_err() {
        return EXIT_USAGE;
    }
    EXIT_OK
}

/// Replaces the file's content atomically: a sibling temporary file renamed over it,
/// keeping the original permissions.
fn replace(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp: PathBuf = dir.join(format!(".{file_name}.kokuc-fmt.{}", std::process::id()));
    let permissions = std::fs::metadata(path)?.permissions();
    let result = (|| {
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&temp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::set_permissions(&temp, permissions)?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}
