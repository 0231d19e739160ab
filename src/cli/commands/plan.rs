//! `kokuc plan`: the plan of one profile, or several side by side.

use std::io::Write;

use crate::cli::args::{PlanArgs, ReportFormat};
use crate::cli::planned::{planned, planned_profiles};
use crate::cli::{Ui, EXIT_OK, EXIT_USAGE};
use crate::eval::FsLoader;
use crate::render::{json, text};

pub fn plan(ui: &Ui, args: &PlanArgs) -> u8 {
    let limits = args.limits.to_limits();
    let source = args.stack.display().to_string();
    let output = match &args.compare {
        Some(names) => {
            let plans = match planned_profiles(ui, &FsLoader, &args.stack, names, &limits) {
                Ok(p) => p,
                Err(code) => return code,
            };
            match args.format {
                ReportFormat::Text => {
                    let stack_name = plans.first().map_or(String::new(), |(_, p)| p.plan.stack.clone());
                    let pairs: Vec<(String, crate::plan::Plan)> =
                        plans.iter().map(|(n, p)| (n.clone(), p.plan.clone())).collect();
                    text::compare(&stack_name, &pairs)
                }
                ReportFormat::Json => {
                    let entries: Vec<_> = plans.iter().map(|(n, p)| (n.clone(), &p.stack, &p.plan)).collect();
                    json_text(&json::compare_value(&entries))
                }
            }
        }
        None => {
            let p = match planned(ui, &FsLoader, &args.stack, args.profile.as_deref(), &limits) {
                Ok(p) => p,
                Err(code) => return code,
            };
            p.report_findings(ui);
            match args.format {
                ReportFormat::Text => text::plan(&p.stack, &p.plan, &source),
                ReportFormat::Json => json_text(&json::plan_value(&p.stack, &p.plan)),
            }
        }
    };
    print(&output)
}

pub(super) fn json_text(value: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// Writes the output to stdout; a closed pipe is an I/O problem (exit 2).
pub(super) fn print(output: &str) -> u8 {
    let mut out = std::io::stdout().lock();
    if out.write_all(output.as_bytes()).and_then(|()| out.flush()).is_err() {
        return EXIT_USAGE;
    }
    EXIT_OK
}
