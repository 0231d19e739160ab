//! One component: its kind, image, ports, env, resources, storage, readiness,
//! job settings, files and labels.

use super::address::Resolved;
use super::scalars::{dim_expectation, expr_list};
use super::*;
use crate::diagnostics::suggest;
use crate::diagnostics::{Code, Diagnostic};
use crate::eval::value::{Field, Value, ValueKind};
use crate::model::*;
use crate::quantity::Dim;
use crate::source::Spanned;

impl Lowerer<'_> {
    pub(super) fn component(&mut self, cv: &ComponentValue) -> Option<Component> {
        self.component = cv.name.clone();
        self.component_span = cv.name_span;
        self.component_decl = cv.span;
        self.optional_targets.clear();
        self.references.clear();
        let attrs = cv.value.as_attrs()?;
        let errors_before = self.diagnostics.error_count();

        let kind_field = attrs.get("kind").filter(|f| !f.value.is_null());
        let kind_value = kind_field.and_then(|f| self.plain_string("kind", &f.value).map(|s| (s, f.value.origin)));
        let has_storage = attrs.get("storage").is_some_and(|f| !f.value.is_null());
        let kind = match kind_value {
            None => Spanned::new(
                if has_storage {
                    WorkloadKind::Stateful
                } else {
                    WorkloadKind::Service
                },
                cv.name_span,
            ),
            Some((s, span)) => match s.as_str() {
                "service" => Spanned::new(WorkloadKind::Service, span),
                "stateful" => Spanned::new(WorkloadKind::Stateful, span),
                "job" => Spanned::new(WorkloadKind::Job, span),
                "external" => Spanned::new(WorkloadKind::External, span),
                other => {
                    let help = suggest::did_you_mean(other, "kind", ["service", "stateful", "job", "external"])
                        .unwrap_or_else(|| {
                            "the kinds are \"service\", \"stateful\", \"job\" and \"external\"".to_string()
                        });
                    let d = self.at_component(
                        Diagnostic::error(
                            Code::K0212,
                            format!("unknown kind \"{other}\""),
                            span,
                            "not a component kind",
                        )
                        .with_help(help),
                    );
                    self.error(d);
                    return None;
                }
            },
        };
        let external = kind.value == WorkloadKind::External;
        let known = if external { EXTERNAL_FIELDS } else { COMPONENT_FIELDS };
        let what = if external {
            "an external component"
        } else {
            "a component"
        };
        let fields = self.fields(attrs, known, what);

        // Edges first: optional targets decide whether env wired to removed components disappears.
        let after = match fields.get("after") {
            Some(f) => self.edges(&f.value).unwrap_or_default(),
            None => Vec::new(),
        };

        let image = match fields.get("image") {
            Some(f) => self
                .plain_string("image", &f.value)
                .map(|s| Spanned::new(s, f.value.origin)),
            None => None,
        };
        let replicas = match (fields.get("replicas"), kind.value) {
            (Some(f), WorkloadKind::Job) => {
                let d = self.at_component(
                    Diagnostic::error(
                        Code::K0206,
                        "a job has no `replicas`",
                        f.key_span,
                        "not a field of a job",
                    )
                    .with_help("run several pods of a job with `job = { parallelism = N; };`"),
                );
                self.error(d);
                Spanned::new(1, cv.name_span)
            }
            (Some(f), _) => self
                .integer("replicas", &f.value, 0, 10_000)
                .unwrap_or(Spanned::new(1, f.value.origin)),
            (None, _) => Spanned::new(1, cv.name_span),
        };
        let command = fields
            .get("command")
            .and_then(|f| self.string_list("command", &f.value))
            .unwrap_or_default();
        let args = fields
            .get("args")
            .and_then(|f| self.string_list("args", &f.value))
            .unwrap_or_default();
        let ports = fields.get("ports").map(|f| self.ports(&f.value)).unwrap_or_default();
        let env = fields.get("env").map(|f| self.env(&f.value)).unwrap_or_default();
        let cpu = fields
            .get("cpu")
            .and_then(|f| self.resource("cpu", &f.value, Dim::Scalar))
            .unwrap_or_default();
        let memory = fields
            .get("memory")
            .and_then(|f| self.resource("memory", &f.value, Dim::Bytes))
            .unwrap_or_default();
        let storage = fields.get("storage").and_then(|f| self.storage(&f.value));
        let ready = fields.get("ready").and_then(|f| self.probe(&f.value, &ports));
        let job = match fields.get("job") {
            Some(f) => self.job(&f.value, kind.value).unwrap_or_default(),
            None => JobSettings::default(),
        };
        let external_host = match fields.get("host") {
            Some(f) if external => match &f.value.kind {
                ValueKind::Secret(s) => Some(Spanned::new(
                    HostValue::Secret(SecretRef {
                        name: s.name.to_string(),
                        key: s.key.to_string(),
                    }),
                    f.value.origin,
                )),
                _ => self
                    .plain_string("host", &f.value)
                    .map(|h| Spanned::new(HostValue::Name(h), f.value.origin)),
            },
            Some(f) => {
                let d = self.at_component(
                    Diagnostic::error(Code::K0206, "only external components have a `host`", f.key_span, "not a field here")
                        .with_help("in-cluster components are reached at their Service's DNS name; to point at an outside service, set `kind = \"external\";`"),
                );
                self.error(d);
                None
            }
            None => None,
        };
        let labels = match fields.get("labels") {
            Some(f) => self.labels(&f.value),
            None => Vec::new(),
        };
        let startup = fields.get("startup").and_then(|f| self.seconds("startup", &f.value));
        let files = match fields.get("files") {
            Some(f) => self.files(&f.value),
            None => Vec::new(),
        };

        if external && external_host.is_none() && !fields.contains_key("host") {
            let d = Diagnostic::error(
                Code::K0205,
                format!("external component `{}` has no `host`", cv.name),
                cv.name_span,
                "missing `host`",
            )
            .with_help("say where it lives: `host = \"athena.us-east-1.amazonaws.com\";` (or a secret: `host = secret \"athena\" \"endpoint\";`)");
            self.error(d);
        }
        if !external {
            for (field, present) in [
                ("cpu", fields.contains_key("cpu")),
                ("memory", fields.contains_key("memory")),
            ] {
                if !present {
                    let example = if field == "cpu" {
                        "cpu = { request = 500m; limit = 1; };"
                    } else {
                        "memory = { request = 1Gi; limit = 2Gi; };"
                    };
                    let d = Diagnostic::error(
                        Code::K0205,
                        format!("component `{}` does not declare `{field}`", cv.name),
                        cv.name_span,
                        format!("missing `{field}`"),
                    )
                    .with_help(format!(
                        "every workload declares its resources so the budget can be checked: `{example}`"
                    ));
                    self.error(d);
                }
            }
        }

        let policy = self.policy(&fields, kind.value);

        if self.diagnostics.error_count() > errors_before {
            return None;
        }
        let mut references = std::mem::take(&mut self.references);
        references.sort_by(|a, b| (a.span, &a.target).cmp(&(b.span, &b.target)));
        Some(Component {
            name: cv.name.to_string(),
            name_span: cv.name_span,
            span: cv.span,
            kind,
            image,
            replicas,
            command,
            args,
            ports,
            env,
            cpu,
            memory,
            storage,
            ready,
            after,
            references,
            job,
            external_host,
            labels,
            overrides: cv.overridden.clone(),
            files,
            policy,
            startup,
        })
    }

    pub(super) fn ports(&mut self, v: &Value) -> Vec<Port> {
        let Some(attrs) = self.attrs("ports", v) else {
            return Vec::new();
        };
        let mut ports = Vec::new();
        for f in &attrs.fields {
            if f.value.is_null() {
                continue;
            }
            if let Some(n) = self.integer(&format!("ports.{}", f.name), &f.value, 1, 65535) {
                ports.push(Port {
                    name: f.name.to_string(),
                    number: u16::try_from(n.value).unwrap_or(0),
                    span: f.key_span,
                });
            }
        }
        ports.sort_by_key(|p| (p.span.file, p.span.start));
        ports
    }

    pub(super) fn env(&mut self, v: &Value) -> Vec<EnvVar> {
        let Some(attrs) = self.attrs("env", v) else {
            return Vec::new();
        };
        let mut env = Vec::new();
        for f in &attrs.fields {
            if f.value.is_null() {
                continue;
            }
            let context = format!("env {}", f.name);
            let value = match self.text(&format!("env.{}", f.name), &f.value, &context) {
                Some(Resolved::Plain(s)) => EnvValue::Plain(s),
                Some(Resolved::Secret(s)) => EnvValue::Secret(s),
                Some(Resolved::Dropped) | None => continue,
            };
            env.push(EnvVar {
                name: f.name.to_string(),
                value,
                span: f.key_span,
            });
        }
        // Source order: `$(VAR)` expansion in Kubernetes only sees variables defined earlier.
        env.sort_by_key(|e| (e.span.file, e.span.start));
        env
    }

    pub(super) fn resource(&mut self, field: &str, v: &Value, dim: Dim) -> Option<Resource> {
        match &v.kind {
            ValueKind::Number(_) => {
                let q = self.quantity(field, v, dim)?;
                Some(Resource {
                    request: Some(q.clone()),
                    limit: Some(q),
                    span: v.origin,
                })
            }
            ValueKind::Attrs(a) => {
                let f = self.fields(a, RESOURCE_FIELDS, &format!("`{field}`"));
                let request = f
                    .get("request")
                    .and_then(|r| self.quantity(&format!("{field}.request"), &r.value, dim));
                let limit = f
                    .get("limit")
                    .and_then(|l| self.quantity(&format!("{field}.limit"), &l.value, dim));
                if request.is_none() && limit.is_none() {
                    if f.is_empty() {
                        let d = self.at_component(
                            Diagnostic::error(
                                Code::K0205,
                                format!("`{field}` sets neither request nor limit"),
                                v.origin,
                                "empty",
                            )
                            .with_help(format!("write `{field} = {{ request = ...; limit = ...; }};`")),
                        );
                        self.error(d);
                    }
                    return None;
                }
                Some(Resource {
                    request,
                    limit,
                    span: v.origin,
                })
            }
            _ => {
                self.type_error(
                    field,
                    &format!("{} or `{{ request = ...; limit = ...; }}`", dim_expectation(dim)),
                    v,
                );
                None
            }
        }
    }

    pub(super) fn storage(&mut self, v: &Value) -> Option<Storage> {
        let a = self.attrs("storage", v)?;
        let f = self.fields(a, STORAGE_FIELDS, "`storage`");
        let size = match f.get("size") {
            Some(s) => self.quantity("storage.size", &s.value, Dim::Bytes)?,
            None => {
                let d = self.at_component(
                    Diagnostic::error(Code::K0205, "`storage` has no `size`", v.origin, "missing `size`")
                        .with_help("write `storage = { size = 50Gi; path = \"/data\"; };`"),
                );
                self.error(d);
                return None;
            }
        };
        let path = match f.get("path") {
            Some(p) => self.plain_string("storage.path", &p.value)?,
            None => {
                let d = self.at_component(
                    Diagnostic::error(Code::K0205, "`storage` has no mount `path`", v.origin, "missing `path`")
                        .with_help("say where the volume is mounted: `path = \"/data\";`"),
                );
                self.error(d);
                return None;
            }
        };
        if !path.starts_with('/') {
            let span = f.get("path").map_or(v.origin, |p| p.value.origin);
            let d = self.at_component(
                Diagnostic::error(
                    Code::K0212,
                    format!("mount path `{path}` is not absolute"),
                    span,
                    "relative path",
                )
                .with_help("mount paths start with `/`"),
            );
            self.error(d);
            return None;
        }
        let class = match f.get("class") {
            Some(c) => Some(self.plain_string("storage.class", &c.value)?),
            None => None,
        };
        Some(Storage {
            size,
            path,
            class,
            span: v.origin,
        })
    }

    pub(super) fn probe(&mut self, v: &Value, ports: &[Port]) -> Option<Probe> {
        let a = self.attrs("ready", v)?;
        let f = self.fields(a, READY_FIELDS, "`ready`");
        let port_name = |this: &mut Self, value: Option<&&Field>| -> Option<String> {
            match value {
                Some(p) => this.plain_string("ready.port", &p.value),
                None => match ports.first() {
                    Some(p) => Some(p.name.clone()),
                    None => {
                        let d = this.at_component(
                            Diagnostic::error(
                                Code::K0212,
                                "the readiness check needs a port, and the component has none",
                                v.origin,
                                "no port",
                            )
                            .with_help("declare `ports = { http = 8080; };` or use an `exec` check"),
                        );
                        this.error(d);
                        None
                    }
                },
            }
        };
        let action = match (f.get("tcp"), f.get("http"), f.get("exec")) {
            (Some(t), None, None) => {
                let port = match &t.value.kind {
                    ValueKind::Bool(true) => port_name(self, None)?,
                    _ => self.plain_string("ready.tcp", &t.value)?,
                };
                ProbeAction::Tcp { port }
            }
            (None, Some(h), None) => {
                let path = self.plain_string("ready.http", &h.value)?;
                let port = port_name(self, f.get("port"))?;
                ProbeAction::Http { path, port }
            }
            (None, None, Some(e)) => ProbeAction::Exec {
                command: self.string_list("ready.exec", &e.value)?,
            },
            _ => {
                let d = self.at_component(
                    Diagnostic::error(Code::K0212, "`ready` needs exactly one of `tcp`, `http` or `exec`", v.origin, "ambiguous or empty check")
                        .with_help("e.g. `ready = { http = \"/healthz\"; port = \"http\"; };` or `ready = { tcp = \"postgres\"; };`"),
                );
                self.error(d);
                return None;
            }
        };
        let port = match &action {
            ProbeAction::Tcp { port } | ProbeAction::Http { port, .. } => Some(port.clone()),
            ProbeAction::Exec { .. } => None,
        };
        if let Some(port) = port {
            if !ports.iter().any(|p| p.name == port) {
                let names: Vec<&str> = ports.iter().map(|p| p.name.as_str()).collect();
                let help = suggest::did_you_mean(&port, "port", names.iter().copied())
                    .unwrap_or_else(|| format!("the component's ports are: {}", expr_list(&names)));
                let d = self.at_component(
                    Diagnostic::error(
                        Code::K0212,
                        format!("the readiness check uses port `{port}`, which is not declared"),
                        v.origin,
                        "unknown port",
                    )
                    .with_help(help),
                );
                self.error(d);
                return None;
            }
        }
        Some(Probe { action, span: v.origin })
    }

    pub(super) fn job(&mut self, v: &Value, kind: WorkloadKind) -> Option<JobSettings> {
        let a = self.attrs("job", v)?;
        if kind != WorkloadKind::Job {
            let d = self.at_component(
                Diagnostic::error(
                    Code::K0206,
                    "`job` settings only apply to `kind = \"job\"`",
                    v.origin,
                    "not a job",
                )
                .with_help("remove `job`, or set `kind = \"job\";`"),
            );
            self.error(d);
            return None;
        }
        let f = self.fields(a, JOB_FIELDS, "`job`");
        let mut job = JobSettings::default();
        if let Some(t) = f.get("ttl") {
            job.ttl_seconds = Some(self.seconds("job.ttl", &t.value)?);
        }
        if let Some(b) = f.get("backoff") {
            job.backoff_limit = i32::try_from(self.integer("job.backoff", &b.value, 0, 1000)?.value).unwrap_or(6);
        }
        if let Some(p) = f.get("parallelism") {
            job.parallelism = self.integer("job.parallelism", &p.value, 1, 1000)?.value;
        }
        Some(job)
    }

    pub(super) fn files(&mut self, v: &Value) -> Vec<ConfigFile> {
        let Some(a) = self.attrs("files", v) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for f in &a.fields {
            if f.value.is_null() {
                continue;
            }
            if !f.name.starts_with('/') || f.name.ends_with('/') || f.name.contains("/../") {
                let d = self.at_component(
                    Diagnostic::error(
                        Code::K0212,
                        format!("file path `{}` is not an absolute file path", f.name),
                        f.key_span,
                        "invalid path",
                    )
                    .with_help("write the full path in the container: `\"/etc/trino/config.properties\" = \"...\";`"),
                );
                self.error(d);
                continue;
            }
            let context = format!("file {}", f.name);
            match self.text(&format!("files.\"{}\"", f.name), &f.value, &context) {
                Some(Resolved::Plain(content)) => out.push(ConfigFile {
                    path: f.name.to_string(),
                    content,
                    span: f.key_span,
                }),
                Some(Resolved::Secret(_)) => {
                    let d = self.at_component(
                        Diagnostic::error(
                            Code::K0202,
                            "a file's content cannot be a secret",
                            f.value.origin,
                            "secret",
                        )
                        .with_help(
                            "pass secrets through env; Trino and many tools read `${ENV:NAME}` in their config files",
                        ),
                    );
                    self.error(d);
                }
                Some(Resolved::Dropped) | None => {}
            }
        }
        out
    }

    pub(super) fn labels(&mut self, v: &Value) -> Vec<(String, String)> {
        let Some(a) = self.attrs("labels", v) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for f in &a.fields {
            if f.value.is_null() {
                continue;
            }
            if let Some(s) = self.plain_string(&format!("labels.{}", f.name), &f.value) {
                out.push((f.name.to_string(), s));
            }
        }
        out
    }
}
