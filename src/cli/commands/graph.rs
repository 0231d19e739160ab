//! `kokuc graph`: the dependency graph as DOT, Mermaid or SVG.

use super::plan::print;
use crate::cli::args::{GraphArgs, GraphFormat};
use crate::cli::planned::planned;
use crate::cli::write_file::write_file;
use crate::cli::{Ui, EXIT_OK, EXIT_USAGE};
use crate::eval::FsLoader;
use crate::render::{dot, mermaid, svg};

pub fn graph(ui: &Ui, args: &GraphArgs) -> u8 {
    let p = match planned(
        ui,
        &FsLoader,
        &args.stack,
        args.profile.as_deref(),
        &args.limits.to_limits(),
    ) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let output = match args.format {
        GraphFormat::Dot => dot::dot(&p.stack, &p.graph, &p.plan),
        GraphFormat::Mermaid => mermaid::mermaid(&p.stack, &p.graph, &p.plan),
        GraphFormat::Svg => svg::svg(&p.stack, &p.graph, &p.plan),
    };
    write_or_print(ui, args.output.as_deref(), &output)
}

pub(super) fn write_or_print(ui: &Ui, path: Option<&std::path::Path>, output: &str) -> u8 {
    match path {
        None => print(output),
        Some(path) => match write_file(path, output) {
            Ok(()) => {
                let _ = std::io::Write::write_fmt(&mut std::io::stderr(), format_args!("wrote {}\n", path.display()));
                EXIT_OK
            }
            Err(message) => {
                ui.error(&message);
                EXIT_USAGE
            }
        },
    }
}
