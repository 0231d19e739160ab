//! The Service of a component with ports: ClusterIP for a Deployment, headless
//! (the governing Service) for a StatefulSet. Either way, DNS and connections
//! reach only ready pods, which is what TCP gates rely on.

use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::labels;
use crate::model::{Component, Stack, WorkloadKind};

pub fn service(stack: &Stack, c: &Component) -> Option<Service> {
    if c.ports.is_empty() || matches!(c.kind.value, WorkloadKind::External | WorkloadKind::Job) {
        return None;
    }
    let ports = c
        .ports
        .iter()
        .map(|p| ServicePort {
            name: Some(p.name.clone()),
            port: i32::from(p.number),
            target_port: Some(IntOrString::String(p.name.clone())),
            protocol: Some("TCP".to_string()),
            ..ServicePort::default()
        })
        .collect();
    Some(Service {
        metadata: labels::metadata(stack, c, &c.name, None),
        spec: Some(ServiceSpec {
            cluster_ip: (c.kind.value == WorkloadKind::Stateful).then(|| "None".to_string()),
            selector: Some(labels::selector_labels(stack, c)),
            ports: Some(ports),
            ..ServiceSpec::default()
        }),
        ..Service::default()
    })
}
