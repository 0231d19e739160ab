//! `kokuc diff`: two versions of a stack, compared per profile.

use std::path::Path;

use super::plan::{json_text, print};
use crate::cli::args::{DiffArgs, ReportFormat};
use crate::cli::git::GitLoader;
use crate::cli::planned::{planned, Planned};
use crate::cli::{Ui, EXIT_USAGE};
use crate::eval::{FsLoader, Loader};
use crate::limits::Limits;
use crate::plan::diff::{diff_profile, one_sided, ProfileDiff};
use crate::render::{json, text};

pub fn diff(ui: &Ui, args: &DiffArgs) -> u8 {
    let limits = args.limits.to_limits();
    let (old_name, new_name, old_path, new_path, git) = match (&args.new, &args.rev) {
        (Some(new), None) => (
            args.old.display().to_string(),
            new.display().to_string(),
            args.old.clone(),
            new.clone(),
            None,
        ),
        (None, Some(rev)) => match GitLoader::new(&args.old, rev) {
            Ok(loader) => (
                format!("{}@{rev}", args.old.display()),
                args.old.display().to_string(),
                args.old.clone(),
                args.old.clone(),
                Some(loader),
            ),
            Err(message) => {
                ui.error(&message);
                return EXIT_USAGE;
            }
        },
        _ => {
            ui.error("give two stack files, or one stack and --rev REV");
            return EXIT_USAGE;
        }
    };
    let old_loader: &dyn Loader = match &git {
        Some(g) => g,
        None => &FsLoader,
    };
    let diffs = match diffs(ui, (old_loader, &old_path), (&FsLoader, &new_path), &limits) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let output = match args.format {
        ReportFormat::Text => text::diff(&old_name, &new_name, &diffs),
        ReportFormat::Json => json_text(&json::diff_value(&old_name, &new_name, &diffs)),
    };
    print(&output)
}

type Side<'a> = (&'a dyn Loader, &'a Path);

/// The base stack, then every profile of the new side (in its order), then
/// profiles only the old side declares.
fn diffs(ui: &Ui, old: Side<'_>, new: Side<'_>, limits: &Limits) -> Result<Vec<ProfileDiff>, u8> {
    let old_base = planned(ui, old.0, old.1, None, limits)?;
    let new_base = planned(ui, new.0, new.1, None, limits)?;
    let old_profiles = old_base.declared_profiles();
    let new_profiles = new_base.declared_profiles();
    let mut out = vec![pair(None, &old_base, &new_base)];
    let mut names: Vec<String> = new_profiles.clone();
    names.extend(old_profiles.iter().filter(|p| !new_profiles.contains(p)).cloned());
    let mut worst = None;
    for name in names {
        let on = |side: Side<'_>, declared: &[String]| -> Result<Option<Planned>, u8> {
            if declared.contains(&name) {
                planned(ui, side.0, side.1, Some(&name), limits).map(Some)
            } else {
                Ok(None)
            }
        };
        match (on(old, &old_profiles), on(new, &new_profiles)) {
            (Ok(Some(a)), Ok(Some(b))) => out.push(pair(Some(name), &a, &b)),
            (Ok(a), Ok(b)) => out.push(one_sided(
                Some(name),
                a.as_ref().map(|x| &x.plan),
                b.as_ref().map(|x| &x.plan),
            )),
            (Err(code), _) | (_, Err(code)) => worst = worst.max(Some(code)),
        }
    }
    match worst {
        Some(code) => Err(code),
        None => Ok(out),
    }
}

fn pair(profile: Option<String>, old: &Planned, new: &Planned) -> ProfileDiff {
    diff_profile(profile, (&old.stack, &old.plan), (&new.stack, &new.plan))
}
