//! API access for Job-completion gates: a ServiceAccount for the waiting
//! component, and a Role that can only `get` the Jobs it waits for, by name.

use k8s_openapi::api::core::v1::ServiceAccount;
use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};

use super::labels;
use super::Object;
use crate::model::{Component, Stack};

/// The objects, and the ServiceAccount name the pods run as.
pub fn job_reader(stack: &Stack, c: &Component, jobs: &[&str]) -> (Vec<Object>, String) {
    let name = format!("{}-gate", c.name);
    let account = ServiceAccount {
        metadata: labels::metadata(stack, c, &name, None),
        automount_service_account_token: Some(false),
        ..ServiceAccount::default()
    };
    let role = Role {
        metadata: labels::metadata(stack, c, &name, None),
        rules: Some(vec![PolicyRule {
            api_groups: Some(vec!["batch".to_string()]),
            resources: Some(vec!["jobs".to_string()]),
            resource_names: Some(jobs.iter().map(|j| j.to_string()).collect()),
            verbs: vec!["get".to_string()],
            ..PolicyRule::default()
        }]),
    };
    let binding = RoleBinding {
        metadata: labels::metadata(stack, c, &name, None),
        role_ref: RoleRef {
            api_group: Some("rbac.authorization.k8s.io".to_string()),
            kind: "Role".to_string(),
            name: name.clone(),
        },
        subjects: Some(vec![Subject {
            kind: "ServiceAccount".to_string(),
            name: name.clone(),
            namespace: Some(stack.namespace.value.clone()),
            ..Subject::default()
        }]),
    };
    (
        vec![
            Object::ServiceAccount(account),
            Object::Role(role),
            Object::RoleBinding(binding),
        ],
        name,
    )
}
