//! Per-component resource and workload checks: images, requests within limits,
//! storage on several replicas, duplicate ports.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::{Component, Resource, Stack, WorkloadKind};

pub fn check_resources(stack: &Stack, diagnostics: &mut Diagnostics) {
    for c in &stack.components {
        if c.kind.value == WorkloadKind::External {
            continue;
        }
        if c.image.as_ref().is_none_or(|i| i.value.trim().is_empty()) {
            let span = c.image.as_ref().map_or(c.name_span, |i| i.span);
            diagnostics.push(
                Diagnostic::error(
                    Code::K0404,
                    format!("component `{}` has no image", c.name),
                    span,
                    "missing `image`",
                )
                .with_help("every workload runs a container image: `image = \"docker.io/library/postgres:16.4\";`"),
            );
        }
        request_within_limit(c, "cpu", &c.cpu, diagnostics);
        request_within_limit(c, "memory", &c.memory, diagnostics);
        if let Some(storage) = &c.storage {
            if c.kind.value == WorkloadKind::Job {
                diagnostics.push(
                    Diagnostic::error(
                        Code::K0405,
                        format!("job `{}` declares persistent storage", c.name),
                        storage.span,
                        "a Job's pods come and go",
                    )
                    .with_help(
                        "jobs keep no persistent volume; write results to a service (a database, object storage)",
                    ),
                );
            } else if c.kind.value == WorkloadKind::Service && c.replicas.value > 1 {
                diagnostics.push(
                    Diagnostic::warning(
                        Code::K0405,
                        format!(
                            "`{}` is a Deployment with {} replicas sharing one ReadWriteOnce volume",
                            c.name, c.replicas.value
                        ),
                        storage.span,
                        "one claim for all replicas",
                    )
                    .with_label(c.kind.span, "kind set here")
                    .with_help("replicas on different nodes cannot mount it; drop `kind = \"service\"` to get a StatefulSet with one volume per replica"),
                );
            }
        }
        check_ports(c, diagnostics);
    }
}

fn request_within_limit(c: &Component, what: &str, r: &Resource, diagnostics: &mut Diagnostics) {
    let (Some(request), Some(limit)) = (&r.request, &r.limit) else {
        return;
    };
    if request.value.nanos > limit.value.nanos {
        diagnostics.push(
            Diagnostic::error(
                Code::K0402,
                format!(
                    "`{}` requests more {what} ({}) than its limit ({})",
                    c.name, request.value, limit.value
                ),
                request.span,
                "request",
            )
            .with_label(limit.span, "limit")
            .with_help("Kubernetes rejects a request above the limit; raise the limit or lower the request"),
        );
    }
}

fn check_ports(c: &Component, diagnostics: &mut Diagnostics) {
    for (i, p) in c.ports.iter().enumerate() {
        if let Some(first) = c.ports[..i].iter().find(|q| q.number == p.number) {
            diagnostics.push(
                Diagnostic::error(
                    Code::K0406,
                    format!(
                        "`{}` declares port {} twice (`{}` and `{}`)",
                        c.name, p.number, first.name, p.name
                    ),
                    p.span,
                    "same number again",
                )
                .with_label(first.span, "first use")
                .with_help("a Service cannot expose one port number under two names; remove one"),
            );
        }
    }
}
