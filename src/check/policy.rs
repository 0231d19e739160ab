//! How a component's security and availability settings fit together:
//! relaxations (a note each, and a reason required), limits on every
//! resource, singletons, disruption budgets and extra ingress.

use super::names::{dns_label_problem, label_problem};
use crate::diagnostics::suggest;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::{Amount, Component, DisruptionLimit, Resource, Stack, WorkloadKind};
use crate::quantity::Quantity;
use crate::source::{Span, Spanned};

pub fn check_policies(stack: &Stack, diagnostics: &mut Diagnostics) {
    for c in &stack.components {
        if c.kind.value == WorkloadKind::External {
            continue;
        }
        relaxations(c, diagnostics);
        conflicts(c, diagnostics);
        limit(c, "cpu", &c.cpu, &stack.budget.cpu_limits, diagnostics);
        limit(c, "memory", &c.memory, &stack.budget.memory_limits, diagnostics);
        singleton(c, diagnostics);
        disruption(c, diagnostics);
        ingress(stack, c, diagnostics);
    }
}

/// One note per component listing its relaxed defaults; an error without a reason.
fn relaxations(c: &Component, diagnostics: &mut Diagnostics) {
    let s = &c.policy.security;
    let relaxed = s.relaxations();
    let Some(first) = relaxed.first() else {
        if let Some(reason) = &s.reason {
            diagnostics.push(
                Diagnostic::warning(
                    Code::K0414,
                    format!("`{}` gives a security reason but relaxes nothing", c.name),
                    reason.span,
                    "nothing to explain",
                )
                .with_help("remove `reason`, or it will explain a relaxation added later by mistake"),
            );
        }
        return;
    };
    let list: Vec<&str> = relaxed.iter().map(|r| r.what.as_str()).collect();
    let Some(reason) = &s.reason else {
        let mut d = Diagnostic::error(
            Code::K0414,
            format!("`{}` relaxes a security default without saying why", c.name),
            first.span,
            format!("{} here", first.what),
        );
        for r in &relaxed[1..] {
            d = d.with_label(r.span, format!("{} here", r.what));
        }
        diagnostics.push(d.with_help(format!(
            "add `reason = \"...\";` to the `security` block of `{}`: one line on why the image needs it ({})",
            c.name,
            list.join(", ")
        )));
        return;
    };
    let mut d = Diagnostic::note(
        Code::K0413,
        format!("`{}` {}", c.name, join_and(&list)),
        first.span,
        format!("{} here", first.what),
    );
    for r in &relaxed[1..] {
        d = d.with_label(r.span, format!("{} here", r.what));
    }
    diagnostics.push(d.with_label(reason.span, "the reason").with_help(format!(
        "a relaxed security default, declared on purpose: {}",
        reason.value
    )));
}

fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn conflicts(c: &Component, diagnostics: &mut Diagnostics) {
    let s = &c.policy.security;
    if let Some(user) = s.user.as_ref().filter(|u| u.value == 0) {
        if s.root.is_none() {
            diagnostics.push(
                Diagnostic::error(
                    Code::K0415,
                    format!("`{}` runs as user 0, which is root", c.name),
                    user.span,
                    "root",
                )
                .with_help("pods run as non-root; to run as root, say so: `root = true;` (with a `reason`)"),
            );
        }
    }
    for u in &s.unlimited {
        let declared = if u.value == "cpu" { &c.cpu } else { &c.memory };
        if let Some(limit) = &declared.limit {
            diagnostics.push(
                Diagnostic::error(
                    Code::K0415,
                    format!(
                        "`{}` declares a {} limit and also lists {} as unlimited",
                        c.name, u.value, u.value
                    ),
                    u.span,
                    "unlimited",
                )
                .with_label(limit.span, "limit")
                .with_help("remove the limit or remove the entry from `unlimited`"),
            );
        }
    }
    let mut taken: Vec<(&str, Span, &str)> = vec![("/tmp", s.span.unwrap_or(c.name_span), "kokuc's /tmp")];
    if let Some(storage) = &c.storage {
        taken.push((&storage.path, storage.span, "the storage volume"));
    }
    for f in &c.files {
        taken.push((&f.path, f.span, "a configuration file"));
    }
    for w in &s.writable {
        if let Some((path, span, what)) = taken.iter().find(|(p, _, _)| overlaps(p, &w.value)) {
            let d = Diagnostic::error(
                Code::K0415,
                format!(
                    "writable directory `{}` of `{}` overlaps {what} at `{path}`",
                    w.value, c.name
                ),
                w.span,
                "overlapping mount",
            );
            let d = if *path == "/tmp" {
                d.with_help("/tmp is always writable; remove it from `writable`")
            } else {
                d.with_label(*span, format!("{what} is mounted here"))
                    .with_help("two volumes cannot be mounted at nested paths; pick another directory")
            };
            diagnostics.push(d);
        }
    }
}

/// Is one path the other, or inside it?
fn overlaps(a: &str, b: &str) -> bool {
    let inside = |x: &str, y: &str| x == y || x.strip_prefix(y).is_some_and(|rest| rest.starts_with('/'));
    inside(a, b) || inside(b, a)
}

/// Every container has a limit, unless the component says it needs none.
fn limit(
    c: &Component,
    what: &str,
    r: &Resource,
    budget_cap: &Option<Spanned<Quantity>>,
    diagnostics: &mut Diagnostics,
) {
    let unlimited = c.policy.security.unlimited.iter().find(|u| u.value == what);
    match (r.limit.is_some(), unlimited, budget_cap) {
        (false, None, _) => diagnostics.push(
            Diagnostic::error(
                Code::K0412,
                format!("`{}` declares no {what} limit", c.name),
                r.span,
                "request only",
            )
            .with_help(format!(
                "a container without a limit can take the whole node; add `limit = ...;`, or declare `security = {{ unlimited = [ \"{what}\" ]; reason = \"...\"; }};`"
            )),
        ),
        (false, Some(u), Some(cap)) => diagnostics.push(
            Diagnostic::error(
                Code::K0415,
                format!("`{}` has no {what} limit, but the budget caps {what} limits", c.name),
                u.span,
                "unlimited",
            )
            .with_label(cap.span, format!("budget.limits.{what}"))
            .with_help(format!(
                "the namespace's ResourceQuota then requires a {what} limit on every container; give `{}` a limit or drop budget.limits.{what}",
                c.name
            )),
        ),
        _ => {}
    }
}

fn singleton(c: &Component, diagnostics: &mut Diagnostics) {
    let Some(span) = c.policy.singleton else {
        return;
    };
    if c.replicas.value > 1 {
        diagnostics.push(
            Diagnostic::error(
                Code::K0416,
                format!("singleton `{}` has {} replicas", c.name, c.replicas.value),
                c.replicas.span,
                "more than one",
            )
            .with_label(span, "declared a singleton here")
            .with_help("a singleton never runs twice; set `replicas = 1;` or remove `singleton`"),
        );
    }
}

fn disruption(c: &Component, diagnostics: &mut Diagnostics) {
    let Some(d) = &c.policy.disruption else {
        return;
    };
    let replicas = c.replicas.value;
    if replicas <= 1 {
        diagnostics.push(
            Diagnostic::warning(
                Code::K0418,
                format!(
                    "`{}` has {replicas} replica{}, so it gets no PodDisruptionBudget",
                    c.name,
                    if replicas == 1 { "" } else { "s" }
                ),
                d.span,
                "ignored",
            )
            .with_label(c.replicas.span, "replicas")
            .with_help("a budget for one pod would block every node drain; remove `disruption` or add replicas"),
        );
        return;
    }
    // Pods a voluntary eviction may take down at once, as the eviction API computes it.
    let percent_of = |p: u8, round_up: bool| {
        let scaled = replicas * i64::from(p);
        if round_up {
            (scaled + 99) / 100
        } else {
            scaled / 100
        }
    };
    let evictable = match d.limit {
        DisruptionLimit::MinAvailable(Amount::Pods(n)) => replicas - n,
        DisruptionLimit::MinAvailable(Amount::Percent(p)) => replicas - percent_of(p, true),
        DisruptionLimit::MaxUnavailable(Amount::Pods(n)) => n,
        DisruptionLimit::MaxUnavailable(Amount::Percent(p)) => percent_of(p, true),
    };
    if evictable <= 0 {
        diagnostics.push(
            Diagnostic::warning(
                Code::K0417,
                format!("the disruption budget of `{}` allows no pod to be evicted", c.name),
                d.span,
                format!("with {replicas} replicas, no eviction is ever allowed"),
            )
            .with_label(c.replicas.span, "replicas")
            .with_help("node drains and cluster upgrades would hang; allow at least one pod to go (e.g. `min_available` below the replicas)"),
        );
    }
}

fn ingress(stack: &Stack, c: &Component, diagnostics: &mut Diagnostics) {
    let names: Vec<&str> = c.ports.iter().map(|p| p.name.as_str()).collect();
    for rule in &c.policy.ingress {
        for from in &rule.from {
            if stack
                .component(from)
                .is_some_and(|f| f.kind.value == WorkloadKind::External)
            {
                diagnostics.push(
                    Diagnostic::error(
                        Code::K0419,
                        format!("ingress of `{}` is from external component `{from}`", c.name),
                        rule.span,
                        "not a pod in the cluster",
                    )
                    .with_help(
                        "external services are outside the cluster; admit their addresses with `{ cidrs = [ ... ]; }`",
                    ),
                );
            }
        }
        if c.ports.is_empty() {
            diagnostics.push(
                Diagnostic::error(
                    Code::K0419,
                    format!("`{}` admits ingress but declares no ports", c.name),
                    rule.span,
                    "nothing to connect to",
                )
                .with_help("declare the ports it serves: `ports = { http = 8080; };`"),
            );
            continue;
        }
        for port in &rule.ports {
            if !names.contains(&port.as_str()) {
                let help = suggest::did_you_mean(port, "port", names.iter().copied())
                    .unwrap_or_else(|| format!("the ports of `{}` are: {}", c.name, names.join(", ")));
                diagnostics.push(
                    Diagnostic::error(
                        Code::K0419,
                        format!("ingress of `{}` names port `{port}`, which it does not declare", c.name),
                        rule.span,
                        "unknown port",
                    )
                    .with_help(help),
                );
            }
        }
        if let Some(ns) = &rule.namespace {
            if let Some(problem) = dns_label_problem(ns, 63) {
                diagnostics.push(
                    Diagnostic::error(
                        Code::K0419,
                        format!(
                            "ingress of `{}` names namespace `{ns}`, which is not a valid namespace: {problem}",
                            c.name
                        ),
                        rule.span,
                        "invalid namespace",
                    )
                    .with_help("namespaces are lower-case letters, digits and `-`"),
                );
            }
        }
        for (key, value) in &rule.pods {
            if let Some(problem) = label_problem(key, value) {
                diagnostics.push(
                    Diagnostic::error(
                        Code::K0419,
                        format!("ingress of `{}` selects pods by `{key}: {value}`, which is not a valid label: {problem}", c.name),
                        rule.span,
                        "invalid label",
                    )
                    .with_help("label keys and values are at most 63 letters, digits, `-`, `_` and `.` (keys may have a `prefix/`)"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{join_and, overlaps};

    #[test]
    fn paths_overlap_only_at_segment_boundaries() {
        assert!(overlaps("/data", "/data"));
        assert!(overlaps("/data", "/data/x"));
        assert!(overlaps("/data/x", "/data"));
        assert!(!overlaps("/data", "/database"));
        assert!(!overlaps("/tmp", "/var/tmp"));
    }

    #[test]
    fn lists_read_as_prose() {
        assert_eq!(join_and(&["a"]), "a");
        assert_eq!(join_and(&["a", "b"]), "a and b");
        assert_eq!(join_and(&["a", "b", "c"]), "a, b and c");
    }
}
