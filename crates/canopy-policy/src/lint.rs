//! The linter: grammar errors (from the parser), SCP limits, and the mistakes AWS accepts but
//! rarely means, each with a JSON path and a suggested fix.

use serde_json::Value;

use crate::condition::{Family, Operator, SetOp};
use crate::document::Policy;

/// How the document will be used: some checks apply to SCPs only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    Identity,
    Resource,
    Scp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// JSON path (`Statement[2].Condition.Bool.aws:MultiFactorAuthPresent`); empty for the
    /// whole document.
    pub path: String,
    pub message: String,
    pub fix: Option<String>,
}

/// An SCP document's size limit, in characters.
pub const SCP_MAX_CHARS: usize = 5120;
/// SCPs attached to one root, OU or account at most.
pub const SCP_MAX_PER_TARGET: usize = 5;

/// Context keys AWS documents as multivalued (they need ForAnyValue/ForAllValues).
const MULTIVALUED: &[&str] = &[
    "aws:tagkeys",
    "aws:principalorgpaths",
    "aws:resourceorgpaths",
    "aws:principalservicenameslist",
    "aws:calledvia",
    "aws:sourceorgpaths",
];

/// Well-known single-valued global keys (and tag keys): set operators on them mislead.
fn single_valued(key: &str) -> bool {
    const KEYS: &[&str] = &[
        "aws:principalorgid",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:resourceaccount",
        "aws:resourceorgid",
        "aws:sourceip",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceorgid",
        "aws:username",
        "aws:userid",
        "aws:requestedregion",
        "aws:securetransport",
        "aws:multifactorauthpresent",
        "aws:multifactorauthage",
        "aws:currenttime",
        "aws:epochtime",
        "aws:principaltype",
        "aws:viaawsservice",
        "aws:principalisawsservice",
        "aws:referer",
        "aws:useragent",
        "aws:tokenissuetime",
    ];
    KEYS.contains(&key)
        || key.starts_with("aws:principaltag/")
        || key.starts_with("aws:resourcetag/")
        || key.starts_with("aws:requesttag/")
}

fn finding(severity: Severity, path: String, message: String, fix: Option<&str>) -> Finding {
    Finding {
        severity,
        path,
        message,
        fix: fix.map(str::to_owned),
    }
}

fn statements(doc: &Value) -> Vec<(String, &serde_json::Map<String, Value>)> {
    match doc.get("Statement") {
        Some(Value::Object(s)) => vec![("Statement".to_owned(), s)],
        Some(Value::Array(list)) => list
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_object().map(|o| (format!("Statement[{i}]"), o)))
            .collect(),
        _ => Vec::new(),
    }
}

fn has_wildcard(values: &Value) -> bool {
    let text = |v: &Value| {
        v.as_str()
            .map(|s| {
                // `${*}` and `${?}` are literal characters, not wildcards
                let stripped = s.replace("${*}", "").replace("${?}", "");
                stripped.contains('*') || stripped.contains('?')
            })
            .unwrap_or(false)
    };
    match values {
        Value::Array(items) => items.iter().any(text),
        other => text(other),
    }
}

/// Lints one policy document's text.
pub fn lint(text: &str, kind: PolicyKind) -> Vec<Finding> {
    let doc: Value = match serde_json::from_str(text) {
        Ok(doc) => doc,
        Err(e) => {
            return vec![finding(
                Severity::Error,
                String::new(),
                format!("not JSON (line {}, column {}): {e}", e.line(), e.column()),
                None,
            )];
        }
    };
    if let Err(e) = Policy::parse(&doc, "") {
        return vec![finding(Severity::Error, e.path, e.message, None)];
    }
    let mut out = Vec::new();
    if doc.get("Version").is_none() {
        out.push(finding(
            Severity::Warning,
            String::new(),
            "no Version: policy variables are read as literal text".to_owned(),
            Some("add \"Version\": \"2012-10-17\""),
        ));
    }
    if kind == PolicyKind::Scp {
        let minified = doc.to_string().chars().count();
        if minified > SCP_MAX_CHARS {
            out.push(finding(
                Severity::Error,
                String::new(),
                format!("{minified} characters (without whitespace): an SCP holds at most {SCP_MAX_CHARS}"),
                Some("split it into several SCPs, or shorten actions with wildcards"),
            ));
        } else if text.chars().count() > SCP_MAX_CHARS {
            out.push(finding(
                Severity::Warning,
                String::new(),
                format!(
                    "{} characters as written ({minified} without whitespace): over the {SCP_MAX_CHARS}-character SCP limit unless sent minified",
                    text.chars().count()
                ),
                Some("send the document without whitespace"),
            ));
        }
    }
    for (path, s) in statements(&doc) {
        let deny = s.get("Effect").and_then(Value::as_str) == Some("Deny");
        if kind == PolicyKind::Scp {
            for element in ["Principal", "NotPrincipal"] {
                if s.contains_key(element) {
                    out.push(finding(
                        Severity::Error,
                        format!("{path}.{element}"),
                        format!("an SCP has no {element}: it applies to every principal of the accounts it is attached to"),
                        Some("remove it; to exempt roles, use a Condition on aws:PrincipalArn (ArnNotLike)"),
                    ));
                }
            }
        }
        if kind == PolicyKind::Identity
            && (s.contains_key("Principal") || s.contains_key("NotPrincipal"))
        {
            out.push(finding(
                Severity::Error,
                format!("{path}.Principal"),
                "an identity-based policy has no Principal: it applies to whoever it is attached to".to_owned(),
                Some("remove it, or use the document as a resource-based policy"),
            ));
        }
        if kind == PolicyKind::Resource
            && !s.contains_key("Principal")
            && !s.contains_key("NotPrincipal")
        {
            out.push(finding(
                Severity::Error,
                path.clone(),
                "a resource-based policy statement needs a Principal".to_owned(),
                Some("add \"Principal\": {\"AWS\": \"arn:aws:iam::ACCOUNT:root\"} (or the principals it is for)"),
            ));
        }
        if kind != PolicyKind::Resource
            && !s.contains_key("Resource")
            && !s.contains_key("NotResource")
        {
            out.push(finding(
                Severity::Error,
                path.clone(),
                "no Resource or NotResource".to_owned(),
                Some("add \"Resource\": \"*\" or the ARNs the statement is about"),
            ));
        }
        let Some(Value::Object(ops)) = s.get("Condition") else {
            continue;
        };
        for (op_name, keys) in ops {
            let Some(op) = Operator::parse(op_name) else {
                continue;
            };
            let Some(keys) = keys.as_object() else {
                continue;
            };
            for (key, values) in keys {
                let at = format!("{path}.Condition.{op_name}.{key}");
                let lower = key.to_lowercase();
                if op.set == Some(SetOp::ForAllValues) && !deny {
                    out.push(finding(
                        Severity::Warning,
                        at.clone(),
                        "ForAllValues in an Allow also matches when the key is absent or empty, so it can allow more than meant".to_owned(),
                        Some(&format!("add \"Null\": {{\"{key}\": \"false\"}} to the same statement, or use ForAnyValue")),
                    ));
                }
                if op.set.is_some() && single_valued(&lower) {
                    out.push(finding(
                        Severity::Warning,
                        at.clone(),
                        format!("`{key}` is single-valued: a set operator ({}) on it can be overly permissive", op_name.split(':').next().unwrap_or_default()),
                        Some(&format!("drop the qualifier: `{}`", op_name.split_once(':').map_or(op_name.as_str(), |(_, b)| b))),
                    ));
                }
                if op.set.is_none()
                    && op.family != Family::Null
                    && MULTIVALUED.contains(&lower.as_str())
                {
                    out.push(finding(
                        Severity::Warning,
                        at.clone(),
                        format!("`{key}` is multivalued: without ForAnyValue/ForAllValues the condition never matches a request carrying it"),
                        Some(&format!("use `ForAnyValue:{op_name}` (any value matches) or `ForAllValues:{op_name}` (every value matches)")),
                    ));
                }
                if deny
                    && op.family == Family::Bool
                    && !op.if_exists
                    && lower == "aws:multifactorauthpresent"
                {
                    out.push(finding(
                        Severity::Warning,
                        at.clone(),
                        "aws:MultiFactorAuthPresent is absent for long-term access keys, so `Bool` never matches them and this Deny lets them through".to_owned(),
                        Some("use BoolIfExists"),
                    ));
                }
                if matches!(op.family, Family::String { like: true, .. }) && !has_wildcard(values) {
                    out.push(finding(
                        Severity::Warning,
                        at.clone(),
                        format!("{op_name} without a wildcard compares exactly"),
                        Some(&format!("use `{}`", op_name.replace("Like", "Equals"))),
                    ));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(text: &str, kind: PolicyKind) -> Vec<(Severity, String)> {
        lint(text, kind)
            .into_iter()
            .map(|f| (f.severity, f.path))
            .collect()
    }

    #[test]
    fn clean_policies_have_no_findings() {
        let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}"#;
        assert_eq!(lint(text, PolicyKind::Scp), vec![]);
    }

    #[test]
    fn each_warning_names_its_path() {
        let text = r#"{"Version":"2012-10-17","Statement":[
          {"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]}}},
          {"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}},
          {"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:PrincipalOrgID":"o-1"},"StringLike":{"aws:PrincipalTag/team":"blue"},"StringEquals":{"aws:PrincipalOrgPaths":"o-1/r-1/"}}}
        ]}"#;
        let found = paths(text, PolicyKind::Identity);
        for want in [
            "Statement[0].Condition.ForAllValues:StringEquals.aws:TagKeys",
            "Statement[1].Condition.Bool.aws:MultiFactorAuthPresent",
            "Statement[2].Condition.ForAnyValue:StringEquals.aws:PrincipalOrgID",
            "Statement[2].Condition.StringLike.aws:PrincipalTag/team",
            "Statement[2].Condition.StringEquals.aws:PrincipalOrgPaths",
        ] {
            assert!(
                found.contains(&(Severity::Warning, want.to_owned())),
                "{want} missing from {found:?}"
            );
        }
        assert_eq!(found.len(), 5, "{found:?}");
    }

    #[test]
    fn scp_checks() {
        let principal = r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}}"#;
        assert_eq!(
            paths(principal, PolicyKind::Scp),
            vec![(Severity::Error, "Statement.Principal".to_owned())]
        );
        let actions: Vec<String> = (0..400).map(|i| format!("\"ec2:Action{i:04}\"")).collect();
        let big = format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Deny","Action":[{}],"Resource":"*"}}}}"#,
            actions.join(",")
        );
        let found = lint(&big, PolicyKind::Scp);
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("at most 5120"), "{found:?}");
        assert!(lint(&big, PolicyKind::Identity).is_empty());
    }

    #[test]
    fn grammar_errors_and_unknown_operators_are_errors() {
        let text = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEqualsIgnoreCaseIfExist":{"k":"v"}}}}"#;
        let found = lint(text, PolicyKind::Identity);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Error);
        assert_eq!(
            found[0].path,
            "Statement.Condition.StringEqualsIgnoreCaseIfExist"
        );
    }
}
