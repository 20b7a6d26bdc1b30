//! Policies in Steampipe's canonical form (the `*_std` columns: `policy_std`,
//! `assume_role_policy_std`, ...), so queries written against Steampipe's columns find the same
//! values: `Statement` always a list; `Action` and `NotAction` lower-cased; `Action`, `NotAction`,
//! `Resource`, `NotResource`, every principal list and every condition value a sorted list of
//! unique strings (numbers and booleans as strings); condition keys lower-cased; a `"*"`
//! principal as `{"AWS": ["*"]}`; empty members left out.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

/// The canonical form of a policy document, or `None` when it is not one (not an object, or a
/// statement that is not an object).
pub fn canonical(policy: &Value) -> Option<Value> {
    let policy = policy.as_object()?;
    let statements = match policy.get("Statement") {
        Some(Value::Array(list)) => list.iter().map(statement).collect::<Option<Vec<_>>>()?,
        Some(single @ Value::Object(_)) => vec![statement(single)?],
        None | Some(Value::Null) => Vec::new(),
        Some(_) => return None,
    };
    let mut out = Map::new();
    if let Some(id) = policy
        .get("Id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    {
        out.insert("Id".to_owned(), Value::from(id));
    }
    out.insert("Statement".to_owned(), Value::Array(statements));
    out.insert(
        "Version".to_owned(),
        Value::from(policy.get("Version").map(text).unwrap_or_default()),
    );
    Some(Value::Object(out))
}

/// A JSON scalar as Steampipe writes it (a string as is, others in their JSON text).
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A string or a list of them, as a sorted list of unique strings.
fn strings(value: &Value, lower: bool) -> Vec<Value> {
    let items: Vec<&Value> = match value {
        Value::Array(list) => list.iter().collect(),
        other => vec![other],
    };
    let unique: BTreeSet<String> = items
        .into_iter()
        .map(|v| {
            let t = text(v);
            if lower { t.to_lowercase() } else { t }
        })
        .collect();
    unique.into_iter().map(Value::from).collect()
}

fn principal(value: &Value) -> Option<Value> {
    let map = match value {
        Value::String(s) => {
            let mut map = Map::new();
            map.insert(
                "AWS".to_owned(),
                Value::Array(vec![Value::from(s.as_str())]),
            );
            map
        }
        Value::Object(kinds) => kinds
            .iter()
            .map(|(kind, ids)| (kind.clone(), Value::Array(strings(ids, false))))
            .collect(),
        _ => return None,
    };
    (!map.is_empty()).then_some(Value::Object(map))
}

fn condition(value: &Value) -> Option<Value> {
    let operators = value.as_object()?;
    let map: Map<String, Value> = operators
        .iter()
        .map(|(operator, keys)| {
            let keys: Map<String, Value> = keys
                .as_object()
                .map(|keys| {
                    keys.iter()
                        .map(|(key, values)| {
                            (key.to_lowercase(), Value::Array(strings(values, false)))
                        })
                        .collect()
                })
                .unwrap_or_default();
            (operator.clone(), Value::Object(keys))
        })
        .collect();
    (!map.is_empty()).then_some(Value::Object(map))
}

fn statement(value: &Value) -> Option<Value> {
    let s = value.as_object()?;
    let mut out = Map::new();
    let mut list = |name: &str, lower: bool| {
        if let Some(v) = s.get(name) {
            let values = strings(v, lower);
            if !values.is_empty() {
                out.insert(name.to_owned(), Value::Array(values));
            }
        }
    };
    list("Action", true);
    list("NotAction", true);
    list("Resource", false);
    list("NotResource", false);
    if let Some(c) = s.get("Condition").and_then(condition) {
        out.insert("Condition".to_owned(), c);
    }
    out.insert(
        "Effect".to_owned(),
        Value::from(s.get("Effect").map(text).unwrap_or_default()),
    );
    for name in ["Principal", "NotPrincipal"] {
        if let Some(p) = s.get(name).and_then(principal) {
            out.insert(name.to_owned(), p);
        }
    }
    if let Some(sid) = s
        .get("Sid")
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
    {
        out.insert("Sid".to_owned(), Value::from(sid));
    }
    Some(Value::Object(out))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn policies_take_steampipes_canonical_form() {
        let policy = json!({
            "Version": "2012-10-17",
            "Statement": {
                "Sid": "",
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["S3:GetObject", "s3:getobject", "S3:ListBucket"],
                "Resource": ["arn:aws:s3:::B/*", "arn:aws:s3:::B/*", "arn:aws:s3:::A"],
                "Condition": {
                    "Bool": {"aws:SecureTransport": true},
                    "StringEquals": {"AWS:PrincipalOrgID": ["o-b", "o-a"]},
                    "NumericLessThan": {"s3:max-keys": 10}
                }
            }
        });
        assert_eq!(
            canonical(&policy).unwrap(),
            json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Principal": {"AWS": ["*"]},
                    "Action": ["s3:getobject", "s3:listbucket"],
                    "Resource": ["arn:aws:s3:::A", "arn:aws:s3:::B/*"],
                    "Condition": {
                        "Bool": {"aws:securetransport": ["true"]},
                        "StringEquals": {"aws:principalorgid": ["o-a", "o-b"]},
                        "NumericLessThan": {"s3:max-keys": ["10"]}
                    }
                }]
            })
        );
    }

    #[test]
    fn principals_and_lists_keep_case_where_aws_does() {
        let trust = json!({
            "Version": "2012-10-17",
            "Id": "trust",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::444455556666:root",
                              "Service": ["ec2.amazonaws.com", "Lambda.amazonaws.com"]},
                "Action": "sts:AssumeRole"
            }, {
                "Sid": "Deny",
                "Effect": "Deny",
                "NotPrincipal": {"AWS": ["b", "a", "b"]},
                "NotAction": "IAM:*",
                "NotResource": "arn:aws:iam::*:role/Admin"
            }]
        });
        let std = canonical(&trust).unwrap();
        assert_eq!(std["Id"], "trust");
        assert_eq!(
            std["Statement"][0]["Principal"],
            json!({"AWS": ["arn:aws:iam::444455556666:root"],
                   "Service": ["Lambda.amazonaws.com", "ec2.amazonaws.com"]})
        );
        assert_eq!(std["Statement"][0]["Action"], json!(["sts:assumerole"]));
        assert!(std["Statement"][0].get("Sid").is_none());
        assert_eq!(
            std["Statement"][1]["NotPrincipal"],
            json!({"AWS": ["a", "b"]})
        );
        assert_eq!(std["Statement"][1]["NotAction"], json!(["iam:*"]));
        assert_eq!(
            std["Statement"][1]["NotResource"],
            json!(["arn:aws:iam::*:role/Admin"])
        );
        assert_eq!(canonical(&json!("not a policy")), None);
        assert_eq!(canonical(&json!({"Statement": ["x"]})), None);
    }
}
