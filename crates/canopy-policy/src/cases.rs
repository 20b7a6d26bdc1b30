//! The case format `canopy policy eval --cases` reads (a contract other tools produce): a list of
//! `{name, request, identity_policies, resource_policy, scp_levels, expected}`.

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;
use serde_json::Value;

use crate::document::{ParseError, Policy};
use crate::eval::{Decision, PolicySet, ScpLevel};
use crate::request::{Context, Principal, Request};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseInput {
    name: String,
    request: RequestInput,
    #[serde(default)]
    identity_policies: Vec<Value>,
    #[serde(default)]
    resource_policy: Option<Value>,
    #[serde(default)]
    scp_levels: Vec<ScpLevelInput>,
    #[serde(default)]
    expected: Option<Decision>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestInput {
    principal: String,
    action: String,
    #[serde(default)]
    resource: Option<String>,
    #[serde(default)]
    resource_account: Option<String>,
    #[serde(default)]
    context: BTreeMap<String, ContextValue>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ContextValue {
    One(String),
    Many(Vec<String>),
}

/// One SCP level of a case: the node and its policies, root first.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScpLevelInput {
    pub node: String,
    pub policies: Vec<Value>,
}

/// A case, compiled.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub request: Request,
    pub policies: PolicySet,
    pub expected: Option<Decision>,
}

/// A case file that cannot be read: which case, and where in it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct CaseError {
    /// `cases[3] "name": identity_policies[0].Statement[1].Effect`, or `line 4, column 2`.
    pub location: String,
    pub message: String,
}

/// What one case came to (the `policy eval` output, in input order).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CaseResult {
    pub name: String,
    pub decision: Decision,
    pub decided_by: Vec<String>,
    pub missing_context_keys: Vec<String>,
    #[serde(skip)]
    pub expected: Option<Decision>,
}

fn policy_at(value: &Value, path: &str, case: &str) -> Result<Policy, CaseError> {
    Policy::parse(value, path).map_err(|ParseError { path, message }| CaseError {
        location: format!("{case}: {path}"),
        message,
    })
}

/// Reads and compiles every case of a case file (a JSON list).
pub fn load_cases(text: &str) -> Result<Vec<Case>, CaseError> {
    let raw: Vec<Value> = serde_json::from_str(text).map_err(|e| CaseError {
        location: format!("line {}, column {}", e.line(), e.column()),
        message: format!("not a JSON list of cases: {e}"),
    })?;
    let mut names = HashSet::new();
    let mut out = Vec::with_capacity(raw.len());
    for (i, value) in raw.into_iter().enumerate() {
        let label = match value.get("name").and_then(Value::as_str) {
            Some(name) => format!("cases[{i}] {name:?}"),
            None => format!("cases[{i}]"),
        };
        let input: CaseInput = serde_json::from_value(value).map_err(|e| CaseError {
            location: label.clone(),
            message: e.to_string(),
        })?;
        if !names.insert(input.name.clone()) {
            return Err(CaseError {
                location: label,
                message: "another case has this name; names must be unique".to_owned(),
            });
        }
        let mut context = Context::default();
        for (key, value) in input.request.context {
            match value {
                ContextValue::One(v) => context.insert(&key, vec![v], false),
                ContextValue::Many(vs) => context.insert(&key, vs, true),
            }
        }
        let request = Request::new(
            Principal::parse(&input.request.principal),
            &input.request.action,
            input.request.resource.as_deref(),
            input.request.resource_account.as_deref(),
            context,
        );
        let identity = input
            .identity_policies
            .iter()
            .enumerate()
            .map(|(p, v)| policy_at(v, &format!("identity_policies[{p}]"), &label))
            .collect::<Result<Vec<_>, _>>()?;
        let resource = match &input.resource_policy {
            None | Some(Value::Null) => None,
            Some(v) => Some(policy_at(v, "resource_policy", &label)?),
        };
        let scp_levels = input
            .scp_levels
            .iter()
            .enumerate()
            .map(|(l, level)| {
                Ok(ScpLevel {
                    node: level.node.clone(),
                    policies: level
                        .policies
                        .iter()
                        .enumerate()
                        .map(|(p, v)| {
                            policy_at(v, &format!("scp_levels[{l}].policies[{p}]"), &label)
                        })
                        .collect::<Result<_, _>>()?,
                })
            })
            .collect::<Result<Vec<_>, CaseError>>()?;
        out.push(Case {
            name: input.name,
            request,
            policies: PolicySet {
                identity,
                resource,
                scp_levels,
            },
            expected: input.expected,
        });
    }
    Ok(out)
}

/// Evaluates one case.
pub fn run_case(case: &Case) -> CaseResult {
    let evaluation = case.policies.evaluate(&case.request);
    CaseResult {
        name: case.name.clone(),
        decision: evaluation.decision,
        decided_by: evaluation
            .decided_by
            .iter()
            .map(ToString::to_string)
            .collect(),
        missing_context_keys: evaluation.missing_context_keys,
        expected: case.expected,
    }
}
