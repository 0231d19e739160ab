//! Kubernetes names: components, the namespace and the stack are RFC 1123 DNS
//! labels; port names are IANA service names; label keys and values follow the
//! label syntax.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::Stack;
use crate::source::Span;

/// Why `name` is not an RFC 1123 DNS label, if it is not one.
pub fn dns_label_problem(name: &str, max: usize) -> Option<String> {
    if name.is_empty() {
        return Some("it is empty".to_string());
    }
    if name.len() > max {
        return Some(format!("it is {} characters long; the limit is {max}", name.len()));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Some(if c.is_ascii_uppercase() {
            "it contains upper-case letters".to_string()
        } else {
            format!("it contains `{c}`; only lower-case letters, digits and `-` are allowed")
        });
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Some("it starts or ends with `-`".to_string());
    }
    None
}

/// A name that is a valid DNS label, derived from `name`.
fn suggested_label(name: &str, max: usize) -> String {
    let mut s: String = name
        .chars()
        .map(|c| match c {
            'A'..='Z' => c.to_ascii_lowercase(),
            'a'..='z' | '0'..='9' | '-' => c,
            _ => '-',
        })
        .collect();
    s.truncate(max);
    s.trim_matches('-').to_string()
}

fn name_error(what: &str, name: &str, problem: &str, span: Span, max: usize) -> Diagnostic {
    let suggestion = suggested_label(name, max);
    let help = if suggestion.is_empty() || suggestion == name {
        format!("use lower-case letters, digits and `-`, at most {max} characters, starting and ending with a letter or digit")
    } else {
        format!("Kubernetes names are lower-case letters, digits and `-`; try `{suggestion}`")
    };
    Diagnostic::error(
        Code::K0401,
        format!("{what} `{name}` is not a valid Kubernetes name: {problem}"),
        span,
        "invalid name",
    )
    .with_help(help)
}

/// IANA service name: at most 15 characters, lower-case alphanumerics and `-`, with a letter.
pub fn port_name_problem(name: &str) -> Option<String> {
    if let Some(p) = dns_label_problem(name, 15) {
        return Some(p);
    }
    if name.contains("--") {
        return Some("it contains `--`".to_string());
    }
    if !name.chars().any(|c| c.is_ascii_lowercase()) {
        return Some("it has no letter".to_string());
    }
    None
}

/// Why `key: value` is not a valid Kubernetes label, if it is not one.
pub fn label_problem(key: &str, value: &str) -> Option<String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(prefix) = prefix {
        let ok = !prefix.is_empty()
            && prefix.len() <= 253
            && prefix.split('.').all(|part| dns_label_problem(part, 63).is_none());
        if !ok {
            return Some(format!("the key prefix `{prefix}` is not a DNS subdomain"));
        }
    }
    let segment_ok = |s: &str, may_be_empty: bool| {
        (may_be_empty && s.is_empty())
            || (!s.is_empty()
                && s.len() <= 63
                && s.starts_with(|c: char| c.is_ascii_alphanumeric())
                && s.ends_with(|c: char| c.is_ascii_alphanumeric())
                && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)))
    };
    if !segment_ok(name, false) {
        return Some(format!("the key `{key}` is not a label name"));
    }
    if !segment_ok(value, true) {
        return Some(format!("the value `{value}` is not a label value"));
    }
    None
}

pub fn check_names(stack: &Stack, diagnostics: &mut Diagnostics) {
    if let Some(p) = dns_label_problem(&stack.namespace.value, 63) {
        diagnostics.push(name_error(
            "namespace",
            &stack.namespace.value,
            &p,
            stack.namespace.span,
            63,
        ));
    }
    let dns = &stack.network;
    let dns_problem = dns_label_problem(&dns.dns_namespace, 63)
        .map(|p| format!("namespace `{}`: {p}", dns.dns_namespace))
        .or_else(|| {
            dns.dns_pods
                .iter()
                .find_map(|(k, v)| label_problem(k, v).map(|p| format!("label `{k}: {v}`: {p}")))
        });
    if let Some(problem) = dns_problem {
        diagnostics.push(
            Diagnostic::error(
                Code::K0401,
                format!("`network.dns` names an invalid {problem}"),
                stack.span,
                "in this stack's `network`",
            )
            .with_help("the DNS pods are selected by namespace name and pod labels, e.g. `dns = { namespace = \"kube-system\"; pods = { k8s-app = \"kube-dns\"; }; };`"),
        );
    }
    if let Some(p) = dns_label_problem(&stack.name.value, 63) {
        diagnostics.push(name_error("stack name", &stack.name.value, &p, stack.name.span, 63));
    }
    for c in &stack.components {
        // Longest derived object name is `<name>-gate` for RBAC; keep well under 63.
        if let Some(p) = dns_label_problem(&c.name, 52) {
            diagnostics.push(name_error("component name", &c.name, &p, c.name_span, 52));
        }
        for port in &c.ports {
            if let Some(p) = port_name_problem(&port.name) {
                diagnostics.push(
                    Diagnostic::error(
                        Code::K0401,
                        format!("port name `{}` is not a valid Kubernetes port name: {p}", port.name),
                        port.span,
                        "invalid port name",
                    )
                    .with_help("port names are at most 15 lower-case letters, digits and `-`, with at least one letter (e.g. `http`, `postgres`)"),
                );
            }
        }
        for (key, value) in &c.labels {
            if label_problem(key, value).is_some() {
                diagnostics.push(
                    Diagnostic::error(
                        Code::K0401,
                        format!("label `{key}: {value}` is not a valid Kubernetes label"),
                        c.name_span,
                        "invalid label",
                    )
                    .with_help("label keys and values are at most 63 letters, digits, `-`, `_` and `.` (keys may have a `prefix/`)"),
                );
            }
        }
    }
}
