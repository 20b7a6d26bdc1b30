//! Condition operators: every family AWS documents (String, Numeric, Date, Bool, Binary,
//! IpAddress, Arn, Null), negated forms, `...IfExists`, and the set qualifiers `ForAnyValue:` /
//! `ForAllValues:` with AWS's absent- and empty-key semantics. Values are compiled once.
//!
//! Over 600 lines: one operator table with AWS's semantics for each family, and a third of it the
//! tests of AWS's documented cases.

use std::net::IpAddr;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::pattern::{Pattern, Syntax, Tok};
use crate::request::Context;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    fn holds<T: PartialOrd>(self, a: T, b: T) -> bool {
        match self {
            Self::Eq => a == b,
            Self::Lt => a < b,
            Self::Le => a <= b,
            Self::Gt => a > b,
            Self::Ge => a >= b,
        }
    }
}

/// What an operator compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    String { ignore_case: bool, like: bool },
    Numeric(Cmp),
    Date(Cmp),
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOp {
    ForAnyValue,
    ForAllValues,
}

/// A parsed operator such as `ForAllValues:StringNotLikeIfExists`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    pub family: Family,
    pub negated: bool,
    pub if_exists: bool,
    pub set: Option<SetOp>,
    /// As written in the policy.
    pub name: String,
}

/// The base operators, by name (case-insensitive lookup).
const BASE: &[(&str, Family, bool)] = &[
    (
        "StringEquals",
        Family::String {
            ignore_case: false,
            like: false,
        },
        false,
    ),
    (
        "StringNotEquals",
        Family::String {
            ignore_case: false,
            like: false,
        },
        true,
    ),
    (
        "StringEqualsIgnoreCase",
        Family::String {
            ignore_case: true,
            like: false,
        },
        false,
    ),
    (
        "StringNotEqualsIgnoreCase",
        Family::String {
            ignore_case: true,
            like: false,
        },
        true,
    ),
    (
        "StringLike",
        Family::String {
            ignore_case: false,
            like: true,
        },
        false,
    ),
    (
        "StringNotLike",
        Family::String {
            ignore_case: false,
            like: true,
        },
        true,
    ),
    ("NumericEquals", Family::Numeric(Cmp::Eq), false),
    ("NumericNotEquals", Family::Numeric(Cmp::Eq), true),
    ("NumericLessThan", Family::Numeric(Cmp::Lt), false),
    ("NumericLessThanEquals", Family::Numeric(Cmp::Le), false),
    ("NumericGreaterThan", Family::Numeric(Cmp::Gt), false),
    ("NumericGreaterThanEquals", Family::Numeric(Cmp::Ge), false),
    ("DateEquals", Family::Date(Cmp::Eq), false),
    ("DateNotEquals", Family::Date(Cmp::Eq), true),
    ("DateLessThan", Family::Date(Cmp::Lt), false),
    ("DateLessThanEquals", Family::Date(Cmp::Le), false),
    ("DateGreaterThan", Family::Date(Cmp::Gt), false),
    ("DateGreaterThanEquals", Family::Date(Cmp::Ge), false),
    ("Bool", Family::Bool, false),
    ("BinaryEquals", Family::Binary, false),
    ("IpAddress", Family::Ip, false),
    ("NotIpAddress", Family::Ip, true),
    ("ArnEquals", Family::Arn, false),
    ("ArnLike", Family::Arn, false),
    ("ArnNotEquals", Family::Arn, true),
    ("ArnNotLike", Family::Arn, true),
    ("Null", Family::Null, false),
];

/// Every base operator's name (for messages and the linter).
pub fn operator_names() -> impl Iterator<Item = &'static str> {
    BASE.iter().map(|(name, _, _)| *name)
}

impl Operator {
    /// Reads an operator name; `None` when it is not one AWS knows.
    pub fn parse(name: &str) -> Option<Self> {
        let (set, rest) = match name.split_once(':') {
            Some((q, rest)) if q.eq_ignore_ascii_case("ForAnyValue") => {
                (Some(SetOp::ForAnyValue), rest)
            }
            Some((q, rest)) if q.eq_ignore_ascii_case("ForAllValues") => {
                (Some(SetOp::ForAllValues), rest)
            }
            Some(_) => return None,
            None => (None, name),
        };
        let lower = rest.to_ascii_lowercase();
        let (base, if_exists) = match lower.strip_suffix("ifexists") {
            Some(base) => (base, true),
            None => (lower.as_str(), false),
        };
        let &(_, family, negated) = BASE.iter().find(|(n, _, _)| n.eq_ignore_ascii_case(base))?;
        if family == Family::Null && (if_exists || set.is_some()) {
            return None;
        }
        Some(Self {
            family,
            negated,
            if_exists,
            set,
            name: name.to_owned(),
        })
    }
}

/// One compiled condition value.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Str(Pattern),
    Num(f64),
    Date(i128),
    Bool(bool),
    Binary(String),
    Net(IpAddr, u8),
    Arn(ArnPattern),
    Null(bool),
}

/// One operator applied to one key with its values (a policy's `"Op": {"key": [values]}`).
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub operator: Operator,
    /// As written (for messages and missing keys).
    pub key: String,
    pub(crate) key_id: crate::intern::KeyId,
    pub raw_values: Vec<String>,
    values: Vec<Value>,
}

pub(crate) fn parse_number(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|n| n.is_finite())
}

/// ISO 8601 (`2026-01-01T00:00:00Z`, with an offset, or a bare date) or epoch seconds, as Unix
/// nanoseconds.
pub(crate) fn parse_date(text: &str) -> Option<i128> {
    let text = text.trim();
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(t.unix_timestamp_nanos());
    }
    if let Ok(seconds) = text.parse::<i64>() {
        return OffsetDateTime::from_unix_timestamp(seconds)
            .ok()
            .map(OffsetDateTime::unix_timestamp_nanos);
    }
    let date_only = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(d) = time::Date::parse(text, &date_only) {
        return Some(d.midnight().assume_utc().unix_timestamp_nanos());
    }
    // RFC 3339 without seconds or zone (`2026-01-01T00:00`), read as UTC
    let minutes = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let seconds =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let trimmed = text.trim_end_matches('Z');
    for format in [seconds, minutes] {
        if let Ok(t) = time::PrimitiveDateTime::parse(trimmed, &format) {
            return Some(t.assume_utc().unix_timestamp_nanos());
        }
    }
    None
}

/// `10.0.0.0/8`, `2001:db8::/32` or a bare address (a /32 or /128).
pub(crate) fn parse_net(text: &str) -> Option<(IpAddr, u8)> {
    let text = text.trim();
    let (addr, prefix) = match text.split_once('/') {
        Some((a, p)) => (a.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
        None => (text.parse::<IpAddr>().ok()?, None),
    };
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = prefix.unwrap_or(max);
    (prefix <= max).then_some((addr, prefix))
}

fn in_net(addr: IpAddr, net: IpAddr, prefix: u8) -> bool {
    match (addr, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(prefix))
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(prefix))
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        // an IPv4-mapped IPv6 address compares as IPv4
        (IpAddr::V6(a), IpAddr::V4(_)) => a
            .to_ipv4_mapped()
            .is_some_and(|a4| in_net(IpAddr::V4(a4), net, prefix)),
        _ => false,
    }
}

/// An ARN pattern, matched field by field (a wildcard never crosses into the next field; the
/// sixth field, the resource, takes the rest of the text, colons included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArnPattern {
    /// `*`: anything.
    All,
    /// The first five fields are literal text: one match of the whole pattern is the same as
    /// field by field, and much cheaper.
    Whole(Pattern),
    /// Wildcards or variables before the resource field (or fewer than six fields).
    Fields(Vec<Pattern>),
}

impl ArnPattern {
    /// Splits the pattern's tokens at the colons of its literal text (a variable such as
    /// `${aws:PrincipalAccount}` stays whole).
    pub(crate) fn compile(pattern: Pattern) -> Self {
        if pattern.is_match_all() {
            return Self::All;
        }
        let mut fields: Vec<Vec<Tok>> = vec![Vec::new()];
        for tok in pattern.toks() {
            match tok {
                Tok::Lit(text) => {
                    let mut rest = text.as_str();
                    while fields.len() < 6 {
                        match rest.split_once(':') {
                            Some((head, tail)) => {
                                if !head.is_empty()
                                    && let Some(f) = fields.last_mut()
                                {
                                    f.push(Tok::Lit(head.to_owned()));
                                }
                                fields.push(Vec::new());
                                rest = tail;
                            }
                            None => break,
                        }
                    }
                    if !rest.is_empty()
                        && let Some(f) = fields.last_mut()
                    {
                        f.push(Tok::Lit(rest.to_owned()));
                    }
                }
                other => {
                    if let Some(f) = fields.last_mut() {
                        f.push(other.clone());
                    }
                }
            }
        }
        let literal_head = fields.len() == 6
            && fields[..5]
                .iter()
                .all(|f| f.iter().all(|t| matches!(t, Tok::Lit(_))));
        if literal_head {
            Self::Whole(pattern)
        } else {
            Self::Fields(fields.into_iter().map(Pattern::from_toks).collect())
        }
    }

    /// Whether the pattern has all six fields (condition operators need them).
    pub(crate) fn is_complete(&self) -> bool {
        match self {
            Self::All | Self::Whole(_) => true,
            Self::Fields(f) => f.len() == 6,
        }
    }

    pub(crate) fn matches(&self, text: &str, ctx: &Context, missing: &mut dyn FnMut(&str)) -> bool {
        let fields = match self {
            Self::All => return true,
            Self::Whole(p) => return p.matches(text, ctx, missing),
            Self::Fields(fields) => fields,
        };
        let n = fields.len();
        if n == 0 {
            return false;
        }
        let mut rest = text;
        for (i, field) in fields.iter().enumerate() {
            let part = if i + 1 == n {
                rest
            } else {
                match rest.split_once(':') {
                    Some((head, tail)) => {
                        rest = tail;
                        head
                    }
                    None => return false,
                }
            };
            if !field.matches(part, ctx, missing) {
                return false;
            }
        }
        true
    }
}

/// A condition value that cannot be read for its operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ValueError(pub String);

impl Condition {
    pub(crate) fn compile(
        operator: Operator,
        key: &str,
        raw_values: Vec<String>,
        variables: bool,
    ) -> Result<Self, ValueError> {
        let mut values = Vec::with_capacity(raw_values.len());
        for raw in &raw_values {
            let bad = |what: &str| {
                ValueError(format!(
                    "`{raw}` is not {what} (operator `{}`)",
                    operator.name
                ))
            };
            let value = match operator.family {
                Family::String { like, .. } => Value::Str(
                    Pattern::compile(
                        raw,
                        Syntax {
                            wildcards: like,
                            variables,
                            lowercase: false,
                        },
                    )
                    .map_err(|e| ValueError(e.0))?,
                ),
                Family::Arn => Value::Arn(ArnPattern::compile(
                    Pattern::compile(
                        raw,
                        Syntax {
                            wildcards: true,
                            variables,
                            lowercase: false,
                        },
                    )
                    .map_err(|e| ValueError(e.0))?,
                )),
                Family::Numeric(_) => Value::Num(parse_number(raw).ok_or_else(|| bad("a number"))?),
                Family::Date(_) => Value::Date(
                    parse_date(raw).ok_or_else(|| bad("a date (ISO 8601 or epoch seconds)"))?,
                ),
                Family::Bool => Value::Bool(match raw.to_ascii_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(bad("`true` or `false`")),
                }),
                Family::Null => Value::Null(match raw.to_ascii_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(bad("`true` or `false`")),
                }),
                Family::Binary => Value::Binary(raw.clone()),
                Family::Ip => {
                    let (addr, prefix) =
                        parse_net(raw).ok_or_else(|| bad("an IP address or CIDR block"))?;
                    Value::Net(addr, prefix)
                }
            };
            values.push(value);
        }
        Ok(Self {
            key_id: crate::intern::intern(key),
            key: key.to_owned(),
            operator,
            raw_values,
            values,
        })
    }

    /// Whether any policy value matches one request value (before negation).
    fn any_value_matches(&self, v: &str, ctx: &Context, missing: &mut dyn FnMut(&str)) -> bool {
        self.values.iter().any(|value| match value {
            Value::Str(p) => match self.operator.family {
                Family::String {
                    ignore_case: true, ..
                } => p.matches_ignore_case(v, ctx, missing),
                _ => p.matches(v, ctx, missing),
            },
            // a condition's ARN needs all six fields
            Value::Arn(arn) => arn.is_complete() && arn.matches(v, ctx, missing),
            Value::Num(n) => match (self.operator.family, parse_number(v)) {
                (Family::Numeric(cmp), Some(x)) => cmp.holds(x, *n),
                _ => false,
            },
            Value::Date(d) => match (self.operator.family, parse_date(v)) {
                (Family::Date(cmp), Some(x)) => cmp.holds(x, *d),
                _ => false,
            },
            Value::Bool(b) => v.eq_ignore_ascii_case(if *b { "true" } else { "false" }),
            Value::Binary(b) => v == b,
            Value::Net(net, prefix) => v
                .trim()
                .parse::<IpAddr>()
                .is_ok_and(|a| in_net(a, *net, *prefix)),
            Value::Null(_) => false,
        })
    }

    /// One request value against the operator (negation applied).
    fn value_satisfies(&self, v: &str, ctx: &Context, missing: &mut dyn FnMut(&str)) -> bool {
        self.any_value_matches(v, ctx, missing) != self.operator.negated
    }

    /// Whether the condition holds for the request context.
    pub(crate) fn holds(&self, ctx: &Context, missing: &mut dyn FnMut(&str)) -> bool {
        let entry = ctx.get(self.key_id);
        if self.operator.family == Family::Null {
            let present = entry.is_some();
            return self
                .values
                .iter()
                .any(|v| matches!(v, Value::Null(want_absent) if *want_absent != present));
        }
        match self.operator.set {
            None => match entry {
                None => self.operator.if_exists || self.operator.negated,
                // a list needs a set operator: a single-valued operator never matches it
                Some(e) if e.list || e.values.len() != 1 => false,
                Some(e) => self.value_satisfies(&e.values[0], ctx, missing),
            },
            Some(SetOp::ForAnyValue) => match entry {
                None => self.operator.if_exists,
                Some(e) => e
                    .values
                    .iter()
                    .any(|v| self.value_satisfies(v, ctx, missing)),
            },
            Some(SetOp::ForAllValues) => match entry {
                None => true,
                Some(e) => e
                    .values
                    .iter()
                    .all(|v| self.value_satisfies(v, ctx, missing)),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(op: &str, key: &str, values: &[&str]) -> Condition {
        Condition::compile(
            Operator::parse(op).unwrap(),
            key,
            values.iter().map(|v| (*v).to_owned()).collect(),
            true,
        )
        .unwrap()
    }

    fn ctx(pairs: &[(&str, &[&str], bool)]) -> Context {
        let mut c = Context::default();
        for (k, v, list) in pairs {
            c.insert(k, v.iter().map(|s| (*s).to_owned()).collect(), *list);
        }
        c
    }

    fn holds(c: &Condition, ctx: &Context) -> bool {
        c.holds(ctx, &mut |_| {})
    }

    #[test]
    fn operators_are_read_with_qualifiers() {
        let op = Operator::parse("ForAllValues:StringNotLikeIfExists").unwrap();
        assert_eq!(op.set, Some(SetOp::ForAllValues));
        assert!(op.negated && op.if_exists);
        assert!(Operator::parse("StringEqualz").is_none());
        assert!(Operator::parse("NullIfExists").is_none());
        assert!(Operator::parse("ForSomeValues:StringEquals").is_none());
        assert!(
            Operator::parse("stringequals").is_some(),
            "names compare case-insensitively"
        );
    }

    #[test]
    fn absent_keys() {
        let empty = Context::default();
        assert!(!holds(&cond("StringEquals", "k", &["a"]), &empty));
        assert!(holds(&cond("StringNotEquals", "k", &["a"]), &empty));
        assert!(holds(&cond("StringEqualsIfExists", "k", &["a"]), &empty));
        assert!(!holds(
            &cond("ForAnyValue:StringEquals", "k", &["a"]),
            &empty
        ));
        assert!(holds(
            &cond("ForAllValues:StringEquals", "k", &["a"]),
            &empty
        ));
        assert!(holds(&cond("Null", "k", &["true"]), &empty));
        assert!(!holds(&cond("Null", "k", &["false"]), &empty));
    }

    #[test]
    fn ip_addresses() {
        let c = cond(
            "IpAddress",
            "aws:SourceIp",
            &["203.0.113.0/24", "2001:db8::/32"],
        );
        assert!(holds(
            &c,
            &ctx(&[("aws:sourceip", &["203.0.113.10"], false)])
        ));
        assert!(holds(
            &c,
            &ctx(&[("aws:SourceIp", &["2001:db8::1"], false)])
        ));
        assert!(!holds(
            &c,
            &ctx(&[("aws:SourceIp", &["198.51.100.1"], false)])
        ));
        assert!(!holds(&c, &ctx(&[("aws:SourceIp", &["not-an-ip"], false)])));
        let bare = cond("IpAddress", "aws:SourceIp", &["203.0.113.7"]);
        assert!(holds(
            &bare,
            &ctx(&[("aws:SourceIp", &["203.0.113.7"], false)])
        ));
        assert!(!holds(
            &bare,
            &ctx(&[("aws:SourceIp", &["203.0.113.8"], false)])
        ));
    }

    #[test]
    fn arns_match_per_field() {
        let c = cond("ArnLike", "aws:SourceArn", &["arn:aws:s3:::logs-*"]);
        assert!(holds(
            &c,
            &ctx(&[("aws:SourceArn", &["arn:aws:s3:::logs-prod"], false)])
        ));
        let c = cond(
            "ArnLike",
            "aws:PrincipalArn",
            &["arn:aws:iam::*:role/admin*"],
        );
        assert!(holds(
            &c,
            &ctx(&[(
                "aws:PrincipalArn",
                &["arn:aws:iam::111122223333:role/admin-x"],
                false
            )])
        ));
        // a `*` in the account field cannot swallow the next field
        let c = cond("ArnLike", "aws:PrincipalArn", &["arn:aws:iam::*"]);
        assert!(!holds(
            &c,
            &ctx(&[(
                "aws:PrincipalArn",
                &["arn:aws:iam::111122223333:role/x"],
                false
            )])
        ));
        let c = cond(
            "ArnEquals",
            "aws:PrincipalArn",
            &["arn:aws:iam::${aws:PrincipalAccount}:role/x"],
        );
        assert!(holds(
            &c,
            &ctx(&[
                (
                    "aws:PrincipalArn",
                    &["arn:aws:iam::111122223333:role/x"],
                    false
                ),
                ("aws:PrincipalAccount", &["111122223333"], false)
            ])
        ));
    }

    #[test]
    fn dates_and_numbers() {
        let c = cond("DateLessThan", "aws:CurrentTime", &["2026-12-01T00:00:00Z"]);
        assert!(holds(
            &c,
            &ctx(&[("aws:CurrentTime", &["2026-11-21T10:00:00Z"], false)])
        ));
        assert!(!holds(
            &c,
            &ctx(&[("aws:CurrentTime", &["2027-01-01"], false)])
        ));
        assert!(holds(
            &c,
            &ctx(&[("aws:CurrentTime", &["1700000000"], false)])
        ));
        let n = cond("NumericLessThanEquals", "aws:MultiFactorAuthAge", &["3600"]);
        assert!(holds(
            &n,
            &ctx(&[("aws:MultiFactorAuthAge", &["3600"], false)])
        ));
        assert!(!holds(
            &n,
            &ctx(&[("aws:MultiFactorAuthAge", &["3601"], false)])
        ));
        assert!(!holds(
            &n,
            &ctx(&[("aws:MultiFactorAuthAge", &["soon"], false)])
        ));
    }

    #[test]
    fn bad_values_are_named() {
        let err = Condition::compile(
            Operator::parse("NumericLessThan").unwrap(),
            "k",
            vec!["ten".into()],
            true,
        )
        .unwrap_err();
        assert!(err.0.contains("`ten` is not a number"));
        assert!(
            Condition::compile(
                Operator::parse("IpAddress").unwrap(),
                "k",
                vec!["10.0.0.0/33".into()],
                true
            )
            .is_err()
        );
    }
}
