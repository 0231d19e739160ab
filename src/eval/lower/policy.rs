//! Lowering of the secure-by-default settings: a component's `security`,
//! `singleton`, `disruption`, `ingress` and (external) `cidrs`, and the stack's
//! `network` and `budget.defaults`.
//!
//! Only shapes and values are checked here; how the settings fit together
//! (a singleton with replicas, a relaxation without a reason) is checked in
//! `check::policy`, where the whole component is known.

use std::collections::BTreeMap;
use std::net::IpAddr;

use super::Lowerer;
use crate::diagnostics::suggest;
use crate::diagnostics::{Code, Diagnostic};
use crate::eval::value::{Field, Value, ValueKind};
use crate::model::{
    Amount, ComponentPolicy, ContainerDefaults, Disruption, DisruptionLimit, IngressRule, NetworkSettings, Security,
    WorkloadKind,
};
use crate::quantity::{Dim, Quantity};
use crate::source::{Span, Spanned};

const SECURITY_FIELDS: &[&str] = &[
    "user",
    "group",
    "root",
    "writable_root",
    "privilege_escalation",
    "capabilities",
    "seccomp",
    "service_account_token",
    "unlimited",
    "mutable_tag",
    "writable",
    "reason",
];

impl Lowerer<'_> {
    /// The policy fields of a component (`fields` are its set fields).
    pub(super) fn policy(&mut self, fields: &BTreeMap<&str, &Field>, kind: WorkloadKind) -> ComponentPolicy {
        let mut policy = ComponentPolicy::default();
        if let Some(f) = fields.get("security") {
            policy.security = self.security(&f.value).unwrap_or_default();
        }
        if let Some(f) = fields.get("singleton") {
            if self.boolean("singleton", &f.value) == Some(true) {
                if kind == WorkloadKind::Job {
                    let d = self.at_component(
                        Diagnostic::error(Code::K0206, "a job cannot be a `singleton`", f.key_span, "not for jobs")
                            .with_help("a Job runs `job.parallelism` pods (1 by default); remove `singleton`"),
                    );
                    self.error(d);
                } else {
                    policy.singleton = Some(f.value.origin);
                }
            }
        }
        if let Some(f) = fields.get("disruption") {
            if kind == WorkloadKind::Job {
                let d = self.at_component(
                    Diagnostic::error(
                        Code::K0206,
                        "a job has no disruption budget",
                        f.key_span,
                        "not for jobs",
                    )
                    .with_help("disruption budgets protect long-running replicas; remove `disruption`"),
                );
                self.error(d);
            } else {
                policy.disruption = self.disruption(&f.value);
            }
        }
        if let Some(f) = fields.get("ingress") {
            if kind == WorkloadKind::Job {
                let d = self.at_component(
                    Diagnostic::error(Code::K0206, "a job accepts no ingress", f.key_span, "not for jobs")
                        .with_help("Jobs have no Service; remove `ingress`"),
                );
                self.error(d);
            } else {
                policy.ingress = self.ingress(&f.value);
            }
        }
        if let Some(f) = fields.get("cidrs") {
            policy.cidrs = self.cidr_list("cidrs", &f.value);
        }
        policy
    }

    fn security(&mut self, v: &Value) -> Option<Security> {
        let a = self.attrs("security", v)?;
        let f = self.fields(a, SECURITY_FIELDS, "`security`");
        let mut s = Security {
            span: Some(v.origin),
            ..Security::default()
        };
        let flag = |this: &mut Self, name: &str| -> Option<Span> {
            let field = f.get(name)?;
            (this.boolean(&format!("security.{name}"), &field.value) == Some(true)).then_some(field.value.origin)
        };
        s.root = flag(self, "root");
        s.writable_root = flag(self, "writable_root");
        s.privilege_escalation = flag(self, "privilege_escalation");
        s.service_account_token = flag(self, "service_account_token");
        s.mutable_tag = flag(self, "mutable_tag");
        if let Some(u) = f.get("user") {
            s.user = self.integer("security.user", &u.value, 0, i64::from(i32::MAX));
        }
        if let Some(g) = f.get("group") {
            s.group = self.integer("security.group", &g.value, 0, i64::from(i32::MAX));
        }
        if let Some(c) = f.get("capabilities") {
            s.capabilities = self.capabilities(&c.value);
        }
        if let Some(sc) = f.get("seccomp") {
            let value = self.plain_string("security.seccomp", &sc.value)?;
            match value.as_str() {
                "runtime-default" => {}
                "unconfined" => s.seccomp_unconfined = Some(sc.value.origin),
                other => {
                    let help = suggest::did_you_mean(other, "profile", ["runtime-default", "unconfined"])
                        .unwrap_or_else(|| "write \"runtime-default\" (the default) or \"unconfined\"".to_string());
                    let d = self.at_component(
                        Diagnostic::error(
                            Code::K0212,
                            format!("unknown seccomp profile \"{other}\""),
                            sc.value.origin,
                            "not a seccomp profile",
                        )
                        .with_help(help),
                    );
                    self.error(d);
                }
            }
        }
        if let Some(u) = f.get("unlimited") {
            for item in self.spanned_strings("security.unlimited", &u.value) {
                if item.value == "cpu" || item.value == "memory" {
                    if !s.unlimited.iter().any(|x| x.value == item.value) {
                        s.unlimited.push(item);
                    }
                } else {
                    let d = self.at_component(
                        Diagnostic::error(
                            Code::K0212,
                            format!("`{}` is not a resource with a limit", item.value),
                            item.span,
                            "not cpu or memory",
                        )
                        .with_help("`unlimited` lists \"cpu\", \"memory\" or both"),
                    );
                    self.error(d);
                }
            }
        }
        if let Some(w) = f.get("writable") {
            for item in self.spanned_strings("security.writable", &w.value) {
                if let Some(problem) = directory_problem(&item.value) {
                    let d = self.at_component(
                        Diagnostic::error(
                            Code::K0212,
                            format!("writable path `{}` {problem}", item.value),
                            item.span,
                            "invalid path",
                        )
                        .with_help("write an absolute directory in the container, e.g. \"/var/run/postgresql\""),
                    );
                    self.error(d);
                } else if !s.writable.iter().any(|x| x.value == item.value) {
                    s.writable.push(item);
                }
            }
        }
        if let Some(r) = f.get("reason") {
            let text = self.plain_string("security.reason", &r.value)?;
            if text.trim().is_empty() {
                let d = self.at_component(
                    Diagnostic::error(Code::K0212, "`security.reason` is empty", r.value.origin, "empty")
                        .with_help("say in one line why the image needs the relaxation"),
                );
                self.error(d);
            } else {
                s.reason = Some(Spanned::new(text.trim().to_string(), r.value.origin));
            }
        }
        Some(s)
    }

    fn capabilities(&mut self, v: &Value) -> Vec<Spanned<String>> {
        let mut out: Vec<Spanned<String>> = Vec::new();
        for item in self.spanned_strings("security.capabilities", v) {
            let name = item.value.as_str();
            let problem = if let Some(bare) = name.strip_prefix("CAP_") {
                Some(format!("write `{bare}`: Kubernetes names capabilities without `CAP_`"))
            } else if name == "ALL" {
                Some("adding ALL capabilities back undoes the default; list the ones the image needs".to_string())
            } else if name.is_empty() || !name.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
                Some("capabilities are upper-case names such as `NET_BIND_SERVICE`".to_string())
            } else {
                None
            };
            match problem {
                Some(help) => {
                    let d = self.at_component(
                        Diagnostic::error(
                            Code::K0212,
                            format!("`{name}` is not a capability kokuc can add"),
                            item.span,
                            "invalid capability",
                        )
                        .with_help(help),
                    );
                    self.error(d);
                }
                None if out.iter().any(|c| c.value == item.value) => {}
                None => out.push(item),
            }
        }
        out
    }

    fn disruption(&mut self, v: &Value) -> Option<Disruption> {
        let a = self.attrs("disruption", v)?;
        let f = self.fields(a, &["min_available", "max_unavailable"], "`disruption`");
        let limit = match (f.get("min_available"), f.get("max_unavailable")) {
            (Some(m), None) => DisruptionLimit::MinAvailable(self.amount("disruption.min_available", &m.value)?),
            (None, Some(m)) => DisruptionLimit::MaxUnavailable(self.amount("disruption.max_unavailable", &m.value)?),
            _ => {
                let d = self.at_component(
                    Diagnostic::error(
                        Code::K0212,
                        "`disruption` needs exactly one of `min_available` or `max_unavailable`",
                        v.origin,
                        "ambiguous or empty",
                    )
                    .with_help("e.g. `disruption = { min_available = 2; };` or `{ max_unavailable = \"25%\"; }`"),
                );
                self.error(d);
                return None;
            }
        };
        Some(Disruption { limit, span: v.origin })
    }

    /// A number of pods (`2`) or a percentage (`"50%"`).
    fn amount(&mut self, field: &str, v: &Value) -> Option<Amount> {
        match &v.kind {
            ValueKind::Number(_) => self
                .integer(field, v, 0, i64::from(i32::MAX))
                .map(|n| Amount::Pods(n.value)),
            ValueKind::Str(s) => {
                let percent = s
                    .strip_suffix('%')
                    .and_then(|n| n.parse::<u8>().ok())
                    .filter(|n| *n <= 100);
                match percent {
                    Some(p) => Some(Amount::Percent(p)),
                    None => {
                        let d = self.at_component(
                            Diagnostic::error(
                                Code::K0212,
                                format!("`{field}` must be a number of pods or a percentage, not \"{s}\""),
                                v.origin,
                                "invalid amount",
                            )
                            .with_help("write a whole number (`2`) or a percentage from \"0%\" to \"100%\""),
                        );
                        self.error(d);
                        None
                    }
                }
            }
            _ => {
                self.type_error(field, "a number of pods or a percentage such as \"50%\"", v);
                None
            }
        }
    }

    fn ingress(&mut self, v: &Value) -> Vec<IngressRule> {
        let ValueKind::List(items) = &v.kind else {
            self.type_error("ingress", "a list of `{ namespace = ...; ports = [ ... ]; }`", v);
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items.iter() {
            let Some(a) = self.attrs("ingress", item) else {
                continue;
            };
            let f = self.fields(
                a,
                &["from", "namespace", "pods", "cidrs", "ports"],
                "an `ingress` entry",
            );
            let from = match f.get("from") {
                Some(v) => match self.components("ingress.from", &v.value) {
                    Some(names) => names,
                    None => continue,
                },
                None => Vec::new(),
            };
            let namespace = match f.get("namespace") {
                Some(n) => match self.plain_string("ingress.namespace", &n.value) {
                    Some(s) => Some(s),
                    None => continue,
                },
                None => None,
            };
            let pods = match f.get("pods") {
                Some(p) => match self.label_set("ingress.pods", &p.value) {
                    Some(l) => l,
                    None => continue,
                },
                None => Vec::new(),
            };
            let cidrs: Vec<String> = match f.get("cidrs") {
                Some(c) => self
                    .cidr_list("ingress.cidrs", &c.value)
                    .into_iter()
                    .map(|c| c.value)
                    .collect(),
                None => Vec::new(),
            };
            let ports: Vec<String> = match f.get("ports") {
                Some(p) => self
                    .spanned_strings("ingress.ports", &p.value)
                    .into_iter()
                    .map(|s| s.value)
                    .collect(),
                None => Vec::new(),
            };
            let kinds = [
                f.contains_key("from"),
                namespace.is_some() || !pods.is_empty(),
                f.contains_key("cidrs"),
            ];
            if kinds.iter().filter(|k| **k).count() != 1 {
                let d = self.at_component(
                    Diagnostic::error(
                        Code::K0212,
                        "an `ingress` entry admits one kind of peer: components (`from`), pods (`namespace` and/or `pods`) or addresses (`cidrs`)",
                        item.origin,
                        if kinds.iter().any(|k| *k) { "several kinds of peer" } else { "admits nothing" },
                    )
                    .with_help("e.g. `{ from = [ trino-coordinator ]; }`, `{ namespace = \"ingress-nginx\"; ports = [ \"http\" ]; }` or `{ cidrs = [ \"10.0.0.0/8\" ]; }`; write one entry per kind"),
                );
                self.error(d);
                continue;
            }
            out.push(IngressRule {
                from,
                namespace,
                pods,
                cidrs,
                ports,
                span: item.origin,
            });
        }
        out
    }

    /// A component or a list of components; components removed by the profile
    /// are left out (they send no traffic).
    fn components(&mut self, field: &str, v: &Value) -> Option<Vec<String>> {
        let items: Vec<&Value> = match &v.kind {
            ValueKind::List(items) => items.iter().collect(),
            _ => vec![v],
        };
        let mut out = Vec::new();
        let mut ok = true;
        for item in items {
            match &item.kind {
                ValueKind::Component(name) => {
                    if !self.removed.iter().any(|r| *r.name == **name) && !out.iter().any(|n: &String| **n == **name) {
                        out.push(name.to_string());
                    }
                }
                _ => {
                    self.type_error(field, "a component or a list of components", item);
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    /// `{ key = "value"; ... }` with plain string values, in key order.
    fn label_set(&mut self, field: &str, v: &Value) -> Option<Vec<(String, String)>> {
        let a = self.attrs(field, v)?;
        let mut out = Vec::new();
        for f in &a.fields {
            if f.value.is_null() {
                continue;
            }
            out.push((
                f.name.to_string(),
                self.plain_string(&format!("{field}.{}", f.name), &f.value)?,
            ));
        }
        Some(out)
    }

    fn cidr_list(&mut self, field: &str, v: &Value) -> Vec<Spanned<String>> {
        let mut out = Vec::new();
        for item in self.spanned_strings(field, v) {
            match cidr_problem(&item.value) {
                None => out.push(item),
                Some(help) => {
                    let d = self.at_component(
                        Diagnostic::error(
                            Code::K0212,
                            format!("`{}` is not a CIDR block", item.value),
                            item.span,
                            "invalid CIDR",
                        )
                        .with_help(help),
                    );
                    self.error(d);
                }
            }
        }
        out
    }

    /// A list of plain strings, each with its span; reports (and skips) the rest.
    fn spanned_strings(&mut self, field: &str, v: &Value) -> Vec<Spanned<String>> {
        let ValueKind::List(items) = &v.kind else {
            self.type_error(field, "a list of strings", v);
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|item| self.plain_string(field, item).map(|s| Spanned::new(s, item.origin)))
            .collect()
    }

    pub(super) fn container_defaults(&mut self, v: &Value) -> Option<ContainerDefaults> {
        let a = self.attrs("budget.defaults", v)?;
        let f = self.fields(a, &["cpu", "memory"], "budget.defaults");
        let mut d = ContainerDefaults {
            span: Some(v.origin),
            ..ContainerDefaults::default()
        };
        if let Some(c) = f.get("cpu") {
            let r = self.resource("budget.defaults.cpu", &c.value, Dim::Scalar)?;
            let request = r.effective_request().unwrap_or(d.cpu_request);
            d.cpu_limit = r.effective_limit().unwrap_or(larger(request, d.cpu_limit));
            d.cpu_request = request;
        }
        if let Some(m) = f.get("memory") {
            let r = self.resource("budget.defaults.memory", &m.value, Dim::Bytes)?;
            let request = r.effective_request().unwrap_or(d.memory_request);
            d.memory_limit = r.effective_limit().unwrap_or(larger(request, d.memory_limit));
            d.memory_request = request;
        }
        for (what, request, limit) in [
            ("cpu", d.cpu_request, d.cpu_limit),
            ("memory", d.memory_request, d.memory_limit),
        ] {
            if request.nanos > limit.nanos {
                let diag = Diagnostic::error(
                    Code::K0402,
                    format!("the default {what} request ({request}) is greater than the default limit ({limit})"),
                    v.origin,
                    "budget.defaults",
                )
                .with_help("Kubernetes rejects a LimitRange whose default request is above its default limit");
                self.error(diag);
                return None;
            }
        }
        Some(d)
    }

    pub(super) fn network(&mut self, v: &Value) -> Option<NetworkSettings> {
        let a = self.attrs("network", v)?;
        let f = self.fields(a, &["dns", "api_server"], "`network`");
        let mut n = NetworkSettings::default();
        if let Some(dns) = f.get("dns") {
            let da = self.attrs("network.dns", &dns.value)?;
            let df = self.fields(da, &["namespace", "pods", "port"], "`network.dns`");
            if let Some(ns) = df.get("namespace") {
                n.dns_namespace = self.plain_string("network.dns.namespace", &ns.value)?;
            }
            if let Some(p) = df.get("pods") {
                n.dns_pods = self.label_set("network.dns.pods", &p.value)?;
            }
            if let Some(p) = df.get("port") {
                let port = self.integer("network.dns.port", &p.value, 1, 65535)?;
                n.dns_port = u16::try_from(port.value).unwrap_or(53);
            }
        }
        if let Some(api) = f.get("api_server") {
            n.api_server = self
                .cidr_list("network.api_server", &api.value)
                .into_iter()
                .map(|c| c.value)
                .collect();
        }
        Some(n)
    }
}

fn larger(a: Quantity, b: Quantity) -> Quantity {
    if a.nanos >= b.nanos {
        a
    } else {
        b
    }
}

/// Why `path` is not a directory kokuc can mount an emptyDir at.
fn directory_problem(path: &str) -> Option<&'static str> {
    if !path.starts_with('/') {
        Some("is not absolute")
    } else if path == "/" {
        Some("is the root directory")
    } else if path.split('/').any(|part| part == ".." || part == ".") {
        Some("contains `.` or `..`")
    } else if path.contains("//") || (path.len() > 1 && path.ends_with('/')) {
        Some("has an empty path segment")
    } else {
        None
    }
}

/// Why `text` is not a canonical CIDR block (`10.0.0.0/8`, `fd00::/8`), as help text.
pub fn cidr_problem(text: &str) -> Option<String> {
    let Some((address, prefix)) = text.split_once('/') else {
        return Some("write an address and a prefix length, e.g. `10.0.0.0/8` or `203.0.113.7/32`".to_string());
    };
    let Ok(ip) = address.parse::<IpAddr>() else {
        return Some(format!("`{address}` is not an IPv4 or IPv6 address"));
    };
    let bits: u32 = if ip.is_ipv4() { 32 } else { 128 };
    let Some(prefix) = prefix.parse::<u32>().ok().filter(|p| *p <= bits) else {
        return Some(format!("the prefix length must be a number from 0 to {bits}"));
    };
    let network = match ip {
        IpAddr::V4(v4) => {
            let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
            IpAddr::from((u32::from(v4) & mask).to_be_bytes())
        }
        IpAddr::V6(v6) => {
            let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - prefix) };
            IpAddr::from((u128::from(v6) & mask).to_be_bytes())
        }
    };
    (network != ip).then(|| format!("the address has bits set past the prefix; the block is `{network}/{prefix}`"))
}

#[cfg(test)]
mod tests {
    use super::{cidr_problem, directory_problem};

    #[test]
    fn cidrs() {
        assert_eq!(cidr_problem("10.0.0.0/8"), None);
        assert_eq!(cidr_problem("0.0.0.0/0"), None);
        assert_eq!(cidr_problem("fd00::/8"), None);
        assert_eq!(cidr_problem("203.0.113.7/32"), None);
        assert!(cidr_problem("10.1.0.0/8").is_some_and(|h| h.contains("`10.0.0.0/8`")));
        assert!(cidr_problem("10.0.0.0").is_some());
        assert!(cidr_problem("10.0.0.0/33").is_some());
        assert!(cidr_problem("ten/8").is_some());
        assert!(cidr_problem("fd00::1/8").is_some_and(|h| h.contains("`fd00::/8`")));
    }

    #[test]
    fn directories() {
        assert_eq!(directory_problem("/var/run/postgresql"), None);
        assert!(directory_problem("var/run").is_some());
        assert!(directory_problem("/").is_some());
        assert!(directory_problem("/a/../b").is_some());
        assert!(directory_problem("/a/").is_some());
    }
}
