//! `kokuc report`: one self-contained HTML page.

use super::graph::write_or_print;
use crate::cli::args::ReportArgs;
use crate::cli::planned::{planned, planned_profiles};
use crate::cli::Ui;
use crate::eval::FsLoader;
use crate::plan::Plan;
use crate::render::html::{report as html, Report};

pub fn report(ui: &Ui, args: &ReportArgs) -> u8 {
    let limits = args.limits.to_limits();
    let p = match planned(ui, &FsLoader, &args.stack, args.profile.as_deref(), &limits) {
        Ok(p) => p,
        Err(code) => return code,
    };
    p.report_findings(ui);
    // Profiles side by side: those named, or every declared one (none: no comparison).
    let names = match &args.compare {
        Some(names) => names.clone(),
        None => p.declared_profiles(),
    };
    let comparison: Vec<(String, Plan)> = if names.len() > 1 {
        match planned_profiles(ui, &FsLoader, &args.stack, &names, &limits) {
            Ok(plans) => plans.into_iter().map(|(n, x)| (n, x.plan)).collect(),
            Err(code) => return code,
        }
    } else {
        Vec::new()
    };
    let source = args.stack.display().to_string();
    let page = html(&Report {
        stack: &p.stack,
        graph: &p.graph,
        plan: &p.plan,
        source: &source,
        comparison: &comparison,
    });
    write_or_print(ui, args.output.as_deref(), &page)
}
