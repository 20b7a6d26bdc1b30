//! Policy documents: JSON in, a compiled [`Policy`] out, or an error naming the JSON path of
//! what is wrong (`Statement[1].Condition.StringEquals.aws:username`).

use canopy_model::Arn;
use serde_json::{Map, Value};

use crate::condition::{ArnPattern, Condition, Operator};
use crate::pattern::{Pattern, Syntax};

/// A policy document that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ParseError {
    /// Where in the document (`Statement[0].Effect`); empty for the document itself.
    pub path: String,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// `Action`/`NotAction`, `Resource`/`NotResource` and `Principal`/`NotPrincipal` have a negated form.
#[derive(Debug, Clone, PartialEq)]
pub struct Negatable<T> {
    pub negated: bool,
    pub items: Vec<T>,
}

/// One entry of a `Principal` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalEntry {
    /// `"*"` or `{"AWS": "*"}`: everyone, anonymous included.
    Everyone,
    /// Every principal of an account (`"111122223333"` or `arn:aws:iam::111122223333:root`).
    Account(String),
    /// A user, role, assumed-role session or other IAM/STS ARN.
    Arn(String),
    Service(String),
    Federated(String),
    CanonicalUser(String),
}

/// A statement's actions as matched: `*`, exact actions by interned number, other patterns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ActionSet {
    pub any: bool,
    pub exact: Vec<crate::intern::ActionId>,
    pub patterns: Vec<Pattern>,
}

impl ActionSet {
    fn compile(actions: &[Pattern]) -> Self {
        let mut set = Self {
            any: false,
            exact: Vec::new(),
            patterns: Vec::new(),
        };
        for p in actions {
            if p.is_match_all() {
                set.any = true;
            } else if let Some(text) = p.as_exact() {
                set.exact.push(crate::intern::intern_action(text));
            } else {
                set.patterns.push(p.clone());
            }
        }
        set
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    /// Patterns lowercased: actions compare case-insensitively.
    pub actions: Negatable<Pattern>,
    /// The same, compiled for matching: exact actions by number, the rest as patterns.
    pub(crate) action_set: ActionSet,
    pub raw_actions: Vec<String>,
    /// `None`: no Resource element (trust policies); matches any resource.
    pub resources: Option<Negatable<ArnPattern>>,
    pub raw_resources: Vec<String>,
    pub principals: Option<Negatable<PrincipalEntry>>,
    pub conditions: Vec<Condition>,
}

/// The document's Version: variables are substituted only under 2012-10-17.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V2012_10_17,
    V2008_10_17,
    /// No Version element (read as 2008-10-17).
    Absent,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub version: Version,
    pub id: Option<String>,
    pub statements: Vec<Statement>,
}

fn err(path: &str, message: impl Into<String>) -> ParseError {
    ParseError {
        path: path.to_owned(),
        message: message.into(),
    }
}

fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_owned()
    } else {
        format!("{path}.{field}")
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A string or a list of strings.
fn strings(v: &Value, path: &str) -> Result<Vec<String>, ParseError> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) => Ok(s.clone()),
                other => Err(err(
                    &format!("{path}[{i}]"),
                    format!("expected a string, found {}", kind(other)),
                )),
            })
            .collect(),
        other => Err(err(
            path,
            format!(
                "expected a string or a list of strings, found {}",
                kind(other)
            ),
        )),
    }
}

/// Condition values may be strings, numbers or booleans (AWS reads them as text).
fn condition_values(v: &Value, path: &str) -> Result<Vec<String>, ParseError> {
    let one = |item: &Value, path: &str| match item {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(err(
            path,
            format!(
                "expected a string, number or boolean, found {}",
                kind(other)
            ),
        )),
    };
    match v {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| one(item, &format!("{path}[{i}]")))
            .collect(),
        other => Ok(vec![one(other, path)?]),
    }
}

impl Policy {
    /// Parses a policy document from JSON text.
    pub fn parse_str(text: &str) -> Result<Self, ParseError> {
        let value: Value = serde_json::from_str(text).map_err(|e| {
            err(
                "",
                format!("not JSON (line {}, column {}): {e}", e.line(), e.column()),
            )
        })?;
        Self::parse(&value, "")
    }

    /// Parses a policy document; `path` prefixes every error's path.
    pub fn parse(value: &Value, path: &str) -> Result<Self, ParseError> {
        let Value::Object(doc) = value else {
            return Err(err(
                path,
                format!("a policy document is an object, found {}", kind(value)),
            ));
        };
        for key in doc.keys() {
            if !matches!(key.as_str(), "Version" | "Id" | "Statement") {
                return Err(err(
                    &join(path, key),
                    "unknown element (a policy has Version, Id and Statement)",
                ));
            }
        }
        let version = match doc.get("Version") {
            None => Version::Absent,
            Some(Value::String(v)) if v == "2012-10-17" => Version::V2012_10_17,
            Some(Value::String(v)) if v == "2008-10-17" => Version::V2008_10_17,
            Some(other) => {
                return Err(err(
                    &join(path, "Version"),
                    format!(
                        "`{}` is not a policy version; use \"2012-10-17\"",
                        other
                            .as_str()
                            .map_or_else(|| other.to_string(), str::to_owned)
                    ),
                ));
            }
        };
        let id = match doc.get("Id") {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                return Err(err(
                    &join(path, "Id"),
                    format!("expected a string, found {}", kind(other)),
                ));
            }
        };
        let statements = match doc.get("Statement") {
            None => return Err(err(path, "no Statement element")),
            Some(Value::Object(one)) => {
                vec![parse_statement(one, &join(path, "Statement"), version)?]
            }
            Some(Value::Array(list)) => list
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let p = format!("{}[{i}]", join(path, "Statement"));
                    match s {
                        Value::Object(o) => parse_statement(o, &p, version),
                        other => Err(err(
                            &p,
                            format!("a statement is an object, found {}", kind(other)),
                        )),
                    }
                })
                .collect::<Result<_, _>>()?,
            Some(other) => {
                return Err(err(
                    &join(path, "Statement"),
                    format!("expected an object or a list, found {}", kind(other)),
                ));
            }
        };
        Ok(Self {
            version,
            id,
            statements,
        })
    }
}

fn one_of<'a>(
    s: &'a Map<String, Value>,
    a: &'a str,
    b: &'a str,
    path: &str,
) -> Result<Option<(&'a str, &'a Value, bool)>, ParseError> {
    match (s.get(a), s.get(b)) {
        (Some(_), Some(_)) => Err(err(path, format!("a statement has {a} or {b}, not both"))),
        (Some(v), None) => Ok(Some((a, v, false))),
        (None, Some(v)) => Ok(Some((b, v, true))),
        (None, None) => Ok(None),
    }
}

fn parse_statement(
    s: &Map<String, Value>,
    path: &str,
    version: Version,
) -> Result<Statement, ParseError> {
    for key in s.keys() {
        if !matches!(
            key.as_str(),
            "Sid"
                | "Effect"
                | "Action"
                | "NotAction"
                | "Resource"
                | "NotResource"
                | "Principal"
                | "NotPrincipal"
                | "Condition"
        ) {
            return Err(err(&join(path, key), "unknown element in a statement"));
        }
    }
    let variables = version == Version::V2012_10_17;
    let sid = match s.get("Sid") {
        None => None,
        Some(Value::String(sid)) => Some(sid.clone()),
        Some(other) => {
            return Err(err(
                &join(path, "Sid"),
                format!("expected a string, found {}", kind(other)),
            ));
        }
    };
    let effect = match s.get("Effect") {
        Some(Value::String(e)) if e == "Allow" => Effect::Allow,
        Some(Value::String(e)) if e == "Deny" => Effect::Deny,
        Some(Value::String(e)) => {
            return Err(err(
                &join(path, "Effect"),
                format!("`{e}` is not an effect: use \"Allow\" or \"Deny\" (case matters)"),
            ));
        }
        Some(other) => {
            return Err(err(
                &join(path, "Effect"),
                format!("expected \"Allow\" or \"Deny\", found {}", kind(other)),
            ));
        }
        None => return Err(err(path, "no Effect element")),
    };
    let Some((name, value, negated)) = one_of(s, "Action", "NotAction", path)? else {
        return Err(err(path, "no Action or NotAction element"));
    };
    let action_path = join(path, name);
    let raw_actions = strings(value, &action_path)?;
    let mut actions = Vec::with_capacity(raw_actions.len());
    for (i, a) in raw_actions.iter().enumerate() {
        if a != "*" && !a.contains(':') {
            let p = if value.is_array() {
                format!("{action_path}[{i}]")
            } else {
                action_path.clone()
            };
            return Err(err(
                &p,
                format!("`{a}` is not an action: write service:Action (`s3:GetObject`) or `*`"),
            ));
        }
        actions.push(
            Pattern::compile(
                a,
                Syntax {
                    wildcards: true,
                    variables: false,
                    lowercase: true,
                },
            )
            .map_err(|e| err(&action_path, e.0))?,
        );
    }
    let (resources, raw_resources) = match one_of(s, "Resource", "NotResource", path)? {
        None => (None, Vec::new()),
        Some((name, value, negated)) => {
            let p = join(path, name);
            let raw = strings(value, &p)?;
            let mut items = Vec::with_capacity(raw.len());
            for r in &raw {
                let pattern = Pattern::compile(
                    r,
                    Syntax {
                        wildcards: true,
                        variables,
                        lowercase: false,
                    },
                )
                .map_err(|e| err(&p, e.0))?;
                items.push(ArnPattern::compile(pattern));
            }
            (Some(Negatable { negated, items }), raw)
        }
    };
    let principals = match one_of(s, "Principal", "NotPrincipal", path)? {
        None => None,
        Some((name, value, negated)) => Some(Negatable {
            negated,
            items: parse_principal(value, &join(path, name))?,
        }),
    };
    let conditions = match s.get("Condition") {
        None => Vec::new(),
        Some(v) => parse_conditions(v, &join(path, "Condition"), variables)?,
    };
    let action_set = ActionSet::compile(&actions);
    Ok(Statement {
        action_set,
        sid,
        effect,
        actions: Negatable {
            negated,
            items: actions,
        },
        raw_actions,
        resources,
        raw_resources,
        principals,
        conditions,
    })
}

fn parse_principal(v: &Value, path: &str) -> Result<Vec<PrincipalEntry>, ParseError> {
    match v {
        Value::String(s) if s == "*" => Ok(vec![PrincipalEntry::Everyone]),
        Value::String(s) => Err(err(
            path,
            format!(
                "`{s}`: a Principal is \"*\" or an object such as {{\"AWS\": \"arn:aws:iam::111122223333:root\"}}"
            ),
        )),
        Value::Object(map) => {
            let mut out = Vec::new();
            for (kind_name, value) in map {
                let p = join(path, kind_name);
                for id in strings(value, &p)? {
                    out.push(match kind_name.as_str() {
                        "AWS" if id == "*" => PrincipalEntry::Everyone,
                        "AWS" if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) => {
                            PrincipalEntry::Account(id)
                        }
                        "AWS" => match Arn::parse(&id) {
                            None => {
                                return Err(err(
                                    &p,
                                    format!("`{id}` is neither an account id nor an ARN"),
                                ));
                            }
                            Some(arn) if arn.service == "iam" && arn.resource == "root" => {
                                PrincipalEntry::Account(arn.account.to_owned())
                            }
                            Some(_) => PrincipalEntry::Arn(id),
                        },
                        "Service" => PrincipalEntry::Service(id),
                        "Federated" => PrincipalEntry::Federated(id),
                        "CanonicalUser" => PrincipalEntry::CanonicalUser(id),
                        _ => {
                            return Err(err(
                                &p,
                                "unknown principal type (AWS, Service, Federated or CanonicalUser)",
                            ));
                        }
                    });
                }
            }
            Ok(out)
        }
        other => Err(err(
            path,
            format!("expected \"*\" or an object, found {}", kind(other)),
        )),
    }
}

fn parse_conditions(v: &Value, path: &str, variables: bool) -> Result<Vec<Condition>, ParseError> {
    let Value::Object(ops) = v else {
        return Err(err(
            path,
            format!("expected an object of operators, found {}", kind(v)),
        ));
    };
    let mut out = Vec::new();
    for (op_name, keys) in ops {
        let op_path = join(path, op_name);
        let Some(operator) = Operator::parse(op_name) else {
            return Err(err(
                &op_path,
                format!(
                    "`{op_name}` is not a condition operator (for example StringEquals, ArnLike, ForAnyValue:StringLike, BoolIfExists)"
                ),
            ));
        };
        let Value::Object(keys) = keys else {
            return Err(err(
                &op_path,
                format!("expected an object of condition keys, found {}", kind(keys)),
            ));
        };
        for (key, values) in keys {
            let key_path = join(&op_path, key);
            let raw = condition_values(values, &key_path)?;
            out.push(
                Condition::compile(operator.clone(), key, raw, variables)
                    .map_err(|e| err(&key_path, e.0))?,
            );
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_err(text: &str) -> ParseError {
        Policy::parse_str(text).unwrap_err()
    }

    #[test]
    fn statement_object_or_list() {
        let one = Policy::parse_str(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#,
        )
        .unwrap();
        assert_eq!(one.statements.len(), 1);
        let many = Policy::parse_str(
            r#"{"Version":"2012-10-17","Id":"x","Statement":[{"Sid":"A","Effect":"Deny","NotAction":["iam:*"],"NotResource":"arn:aws:s3:::b/*"}]}"#,
        )
        .unwrap();
        assert_eq!(many.id.as_deref(), Some("x"));
        assert!(many.statements[0].actions.negated);
        assert!(many.statements[0].resources.as_ref().unwrap().negated);
    }

    #[test]
    fn errors_name_the_json_path() {
        let e = parse_err(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"},{"Effect":"allow","Action":"s3:Get*","Resource":"*"}]}"#,
        );
        assert_eq!(e.path, "Statement[1].Effect");
        assert!(e.message.contains("case matters"));
        let e = parse_err(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*", 3],"Resource":"*"}]}"#,
        );
        assert_eq!(e.path, "Statement[0].Action[1]");
        let e = parse_err(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:Get*","Resource":"*","Condition":{"StringEqualz":{"aws:username":"x"}}}}"#,
        );
        assert_eq!(e.path, "Statement.Condition.StringEqualz");
        let e = parse_err(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:Get*","Resource":"*","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":"soon"}}}}"#,
        );
        assert_eq!(
            e.path,
            "Statement.Condition.NumericLessThan.aws:MultiFactorAuthAge"
        );
        let e = parse_err(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"GetObject","Resource":"*"}}"#,
        );
        assert_eq!(e.path, "Statement.Action");
        let e = parse_err(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Principal":{"Aws":"*"}}}"#,
        );
        assert_eq!(e.path, "Statement.Principal.Aws");
        let e = parse_err(r#"{"Version":"2012-10-17","Statment":[]}"#);
        assert_eq!(e.path, "Statment");
        let e = parse_err(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","NotAction":"s3:Get*"}]}"#,
        );
        assert_eq!(e.path, "Statement[0]");
        assert!(parse_err("{").message.contains("not JSON"));
    }

    #[test]
    fn principals() {
        let p = Policy::parse_str(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Principal":{"AWS":["111122223333","arn:aws:iam::444455556666:root","arn:aws:iam::444455556666:role/app"],"Service":"logs.amazonaws.com"}}}"#,
        )
        .unwrap();
        let items = &p.statements[0].principals.as_ref().unwrap().items;
        assert_eq!(
            items,
            &vec![
                PrincipalEntry::Account("111122223333".into()),
                PrincipalEntry::Account("444455556666".into()),
                PrincipalEntry::Arn("arn:aws:iam::444455556666:role/app".into()),
                PrincipalEntry::Service("logs.amazonaws.com".into()),
            ]
        );
    }
}
