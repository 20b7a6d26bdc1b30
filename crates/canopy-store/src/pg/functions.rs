//! The SQLite functions translated PostgreSQL calls: casts with PostgreSQL's rules, JSON
//! containment and key tests, arrays as JSON arrays, time as RFC 3339 text (intervals as
//! seconds), regular expressions, inet containment. Registered on every
//! read-only query connection; deterministic ones are marked so.
//!
//! Over 600 lines: one function per PostgreSQL built-in a translated statement calls, registered
//! together on every connection.

use std::cell::RefCell;
use std::collections::HashMap;
use std::net::IpAddr;

use regex::Regex;
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::{Value as Sql, ValueRef};
use rusqlite::{Connection, Error};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

type Result<T> = std::result::Result<T, Error>;

fn user_error(message: String) -> Error {
    Error::UserFunctionError(message.into())
}

/// Registers every `pg_*` function on `conn`.
pub(crate) fn register(conn: &Connection) -> rusqlite::Result<()> {
    let pure = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    let volatile = FunctionFlags::SQLITE_UTF8;
    rusqlite::vtab::series::load_module(conn)?;
    math(conn, pure)?;
    inet(conn, pure)?;
    conn.create_scalar_function("pg_bool", 1, pure, |c| pg_bool(c.get_raw(0)))?;
    conn.create_scalar_function("pg_int", 1, pure, |c| pg_int(c.get_raw(0)))?;
    conn.create_scalar_function("pg_text", 1, pure, |c| Ok(as_text(c.get_raw(0))))?;
    conn.create_scalar_function("pg_bool_text", 1, pure, |c| {
        Ok(pg_bool(c.get_raw(0))?.map(|b| if b { "true" } else { "false" }))
    })?;
    conn.create_scalar_function("pg_json", 1, pure, |c| pg_json(c.get_raw(0)))?;
    // `->>`'s result as PostgreSQL gives it: text (SQLite's `->>` gives numbers as numbers and
    // booleans as 1/0); its argument is the JSON text `->` returned
    conn.create_scalar_function("pg_json_text", 1, pure, |c| {
        Ok(match c.get_raw(0) {
            ValueRef::Text(t) => match serde_json::from_slice::<Value>(t) {
                Ok(Value::Null) => None,
                Ok(Value::String(s)) => Some(s),
                Ok(other) => Some(other.to_string()),
                Err(_) => Some(String::from_utf8_lossy(t).into_owned()),
            },
            other => as_text(other),
        })
    })?;
    // one side of a comparison with 'true'/'false': a boolean (SQLite's 1/0) as PostgreSQL
    // prints it, text as it is
    conn.create_scalar_function("pg_bool_text", 1, pure, |c| {
        Ok(match c.get_raw(0) {
            ValueRef::Integer(i) => Some(if i != 0 { "true" } else { "false" }.to_owned()),
            other => as_text(other),
        })
    })?;
    conn.create_scalar_function("pg_to_json", 1, pure, |c| {
        Ok(json_of(c.get_raw(0)).map(|v| v.to_string()))
    })?;
    conn.create_scalar_function("pg_json_typeof", 1, pure, |c| {
        Ok(json_of(c.get_raw(0)).map(|v| {
            match v {
                Value::Object(_) => "object",
                Value::Array(_) => "array",
                Value::String(_) => "string",
                Value::Number(_) => "number",
                Value::Bool(_) => "boolean",
                Value::Null => "null",
            }
            .to_owned()
        }))
    })?;
    conn.create_scalar_function("pg_contains", 2, pure, |c| {
        // two label paths (Steampipe's ltree OU paths, `r_ab12.ou_ab12_x`): ancestor-or-self
        if let (Some(a), Some(b)) = (ltree(c.get_raw(0)), ltree(c.get_raw(1))) {
            return Ok(Some(b == a || b.starts_with(&format!("{a}."))));
        }
        Ok(match (json_doc(c.get_raw(0)), json_doc(c.get_raw(1))) {
            (Some(a), Some(b)) => Some(contains(&a, &b, true)),
            _ => None,
        })
    })?;
    conn.create_scalar_function("pg_nlevel", 1, pure, |c| {
        Ok(as_text(c.get_raw(0)).map(|p| p.split('.').filter(|l| !l.is_empty()).count() as i64))
    })?;
    conn.create_scalar_function("pg_has_key", 2, pure, |c| {
        let key = as_text(c.get_raw(1));
        Ok(json_doc(c.get_raw(0))
            .zip(key)
            .map(|(doc, k)| has_key(&doc, &k)))
    })?;
    conn.create_scalar_function("pg_has_any_key", 2, pure, |c| {
        Ok(json_doc(c.get_raw(0))
            .zip(key_list(c.get_raw(1)))
            .map(|(doc, keys)| keys.iter().any(|k| has_key(&doc, k))))
    })?;
    conn.create_scalar_function("pg_has_all_keys", 2, pure, |c| {
        Ok(json_doc(c.get_raw(0))
            .zip(key_list(c.get_raw(1)))
            .map(|(doc, keys)| keys.iter().all(|k| has_key(&doc, k))))
    })?;
    conn.create_scalar_function("pg_string_to_array", 2, pure, |c| {
        let (Some(s), Some(d)) = (as_text(c.get_raw(0)), as_text(c.get_raw(1))) else {
            return Ok(None);
        };
        let parts: Vec<Value> = if d.is_empty() {
            vec![Value::String(s)]
        } else {
            s.split(d.as_str())
                .map(|p| Value::String(p.to_owned()))
                .collect()
        };
        Ok(Some(Value::Array(parts).to_string()))
    })?;
    conn.create_scalar_function("pg_array_to_string", 2, pure, |c| {
        let sep = as_text(c.get_raw(1)).unwrap_or_default();
        Ok(json_doc(c.get_raw(0)).map(|doc| match doc {
            Value::Array(items) => items
                .iter()
                .filter(|v| !v.is_null())
                .map(scalar_text)
                .collect::<Vec<_>>()
                .join(&sep),
            other => scalar_text(&other),
        }))
    })?;
    conn.create_scalar_function("pg_array_get", 2, pure, |c| {
        let index = c.get::<Option<i64>>(1)?;
        let Some(Value::Array(items)) = json_doc(c.get_raw(0)) else {
            return Ok(Sql::Null);
        };
        let Some(i) = index.filter(|i| *i >= 1) else {
            return Ok(Sql::Null);
        };
        Ok(items.get((i - 1) as usize).map_or(Sql::Null, sql_of_json))
    })?;
    conn.create_scalar_function("pg_split_part", 3, pure, |c| {
        let (Some(s), Some(d)) = (as_text(c.get_raw(0)), as_text(c.get_raw(1))) else {
            return Ok(None);
        };
        let n: i64 = c.get(2)?;
        let parts: Vec<&str> = if d.is_empty() {
            vec![s.as_str()]
        } else {
            s.split(d.as_str()).collect()
        };
        let index = match n {
            0 => {
                return Err(user_error(
                    "split_part: field position must not be zero".into(),
                ));
            }
            n if n > 0 => (n - 1) as usize,
            n => match parts.len().checked_sub(n.unsigned_abs() as usize) {
                Some(i) => i,
                None => return Ok(Some(String::new())),
            },
        };
        Ok(Some(parts.get(index).copied().unwrap_or("").to_owned()))
    })?;
    // Steampipe's glob(): a glob pattern as a LIKE pattern
    conn.create_scalar_function("pg_glob", 1, pure, |c| {
        Ok(as_text(c.get_raw(0)).map(|g| g.replace('*', "%").replace('?', "_")))
    })?;
    // money in the C locale: $1,234.56
    conn.create_scalar_function("pg_money", 1, pure, |c| {
        Ok(c.get::<Option<f64>>(0)?.map(money))
    })?;
    conn.create_scalar_function("pg_initcap", 1, pure, |c| {
        Ok(as_text(c.get_raw(0)).map(|s| initcap(&s)))
    })?;
    conn.create_scalar_function("pg_regex", 3, pure, |c| {
        let flags = as_text(c.get_raw(2)).unwrap_or_default();
        match (as_text(c.get_raw(0)), as_text(c.get_raw(1))) {
            (Some(s), Some(p)) => with_regex(&p, &flags, |re| Ok(Some(re.is_match(&s)))),
            _ => Ok(None),
        }
    })?;
    conn.create_scalar_function("pg_regexp_replace", -1, pure, |c| {
        let (Some(s), Some(p), Some(r)) = (
            as_text(c.get_raw(0)),
            as_text(c.get_raw(1)),
            as_text(c.get_raw(2)),
        ) else {
            return Ok(None);
        };
        let flags = if c.len() > 3 {
            as_text(c.get_raw(3)).unwrap_or_default()
        } else {
            String::new()
        };
        let replacement = backrefs(&r);
        with_regex(&p, &flags.replace('g', ""), |re| {
            Ok(Some(if flags.contains('g') {
                re.replace_all(&s, replacement.as_str()).into_owned()
            } else {
                re.replace(&s, replacement.as_str()).into_owned()
            }))
        })
    })?;
    conn.create_scalar_function("pg_regexp_match", -1, pure, |c| {
        let (Some(s), Some(p)) = (as_text(c.get_raw(0)), as_text(c.get_raw(1))) else {
            return Ok(None);
        };
        let flags = if c.len() > 2 {
            as_text(c.get_raw(2)).unwrap_or_default()
        } else {
            String::new()
        };
        with_regex(&p, &flags, |re| {
            Ok(re.captures(&s).map(|caps| {
                let groups: Vec<Value> = if caps.len() == 1 {
                    vec![Value::String(caps[0].to_owned())]
                } else {
                    caps.iter()
                        .skip(1)
                        .map(|m| m.map_or(Value::Null, |m| Value::String(m.as_str().to_owned())))
                        .collect()
                };
                Value::Array(groups).to_string()
            }))
        })
    })?;
    conn.create_scalar_function("pg_now", 0, volatile, |_| {
        Ok(format_ts(OffsetDateTime::now_utc()))
    })?;
    conn.create_scalar_function("pg_current_date", 0, volatile, |_| {
        Ok(format_date(OffsetDateTime::now_utc().date()))
    })?;
    conn.create_scalar_function("pg_timestamp", 1, pure, |c| {
        timestamp_arg(c, 0).map(|t| t.map(format_ts))
    })?;
    conn.create_scalar_function("pg_to_timestamp", 1, pure, |c| {
        let secs: Option<f64> = c.get(0)?;
        Ok(secs
            .and_then(|s| OffsetDateTime::from_unix_timestamp(s.floor() as i64).ok())
            .map(format_ts))
    })?;
    conn.create_scalar_function("pg_date", 1, pure, |c| {
        timestamp_arg(c, 0).map(|t| t.map(|t| format_date(t.date())))
    })?;
    conn.create_scalar_function("pg_interval", 1, pure, |c| match as_text(c.get_raw(0)) {
        Some(t) => interval_seconds(&t).map(Some),
        None => Ok(None),
    })?;
    conn.create_scalar_function("pg_ts_add", 3, pure, |c| {
        let Some(at) = timestamp_arg(c, 0)? else {
            return Ok(None);
        };
        let sign: i64 = c.get(2)?;
        let moved = match c.get_raw(1) {
            ValueRef::Text(t) => add_interval(at, &String::from_utf8_lossy(t), sign)?,
            ValueRef::Integer(secs) => at + Duration::seconds(secs * sign),
            ValueRef::Real(secs) => at + Duration::seconds_f64(secs * sign as f64),
            _ => return Ok(None),
        };
        Ok(Some(format_ts(moved)))
    })?;
    conn.create_scalar_function("pg_ts_diff", 2, pure, |c| {
        match (timestamp_arg(c, 0)?, timestamp_arg(c, 1)?) {
            (Some(a), Some(b)) => Ok(Some((a - b).as_seconds_f64())),
            _ => Ok(None),
        }
    })?;
    conn.create_scalar_function("pg_date_part", 2, pure, |c| {
        let field = as_text(c.get_raw(0))
            .unwrap_or_default()
            .to_ascii_lowercase();
        match c.get_raw(1) {
            ValueRef::Integer(secs) => interval_part(&field, secs as f64),
            ValueRef::Real(secs) => interval_part(&field, secs),
            ValueRef::Null => Ok(None),
            _ => match timestamp_arg(c, 1)? {
                Some(t) => timestamp_part(&field, t),
                None => Ok(None),
            },
        }
    })?;
    conn.create_scalar_function("pg_date_trunc", 2, pure, |c| {
        let field = as_text(c.get_raw(0))
            .unwrap_or_default()
            .to_ascii_lowercase();
        match timestamp_arg(c, 1)? {
            Some(t) => truncate(&field, t).map(|t| Some(format_ts(t))),
            None => Ok(None),
        }
    })?;
    conn.create_scalar_function("pg_to_char", 2, pure, |c| {
        let format = as_text(c.get_raw(1)).unwrap_or_default();
        Ok(timestamp_arg(c, 0)?.map(|t| to_char(t, &format)))
    })?;
    conn.create_scalar_function("pg_inet_within", 3, pure, |c| {
        let strict: i64 = c.get(2)?;
        match (as_text(c.get_raw(0)), as_text(c.get_raw(1))) {
            (Some(a), Some(b)) => inet_within(&a, &b, strict != 0).map(Some),
            _ => Ok(None),
        }
    })?;
    conn.create_scalar_function("pg_host", 1, pure, |c| {
        Ok(as_text(c.get_raw(0)).map(|s| s.split('/').next().unwrap_or_default().to_owned()))
    })?;
    conn.create_scalar_function("pg_masklen", 1, pure, |c| {
        let Some(s) = as_text(c.get_raw(0)) else {
            return Ok(None);
        };
        let (addr, bits) = parse_cidr(&s)?;
        let _ = addr;
        Ok(Some(bits as i64))
    })?;
    Ok(())
}

/// PostgreSQL's numeric functions (SQLite's math functions are not in every build).
fn math(conn: &Connection, pure: FunctionFlags) -> rusqlite::Result<()> {
    fn one(
        conn: &Connection,
        name: &str,
        pure: FunctionFlags,
        f: fn(f64) -> f64,
    ) -> rusqlite::Result<()> {
        conn.create_scalar_function(name, 1, pure, move |c| {
            Ok(c.get::<Option<f64>>(0)?.map(|x| whole(f(x))))
        })
    }
    one(conn, "floor", pure, f64::floor)?;
    one(conn, "ceil", pure, f64::ceil)?;
    one(conn, "ceiling", pure, f64::ceil)?;
    one(conn, "trunc", pure, f64::trunc)?;
    one(conn, "sqrt", pure, f64::sqrt)?;
    one(conn, "exp", pure, f64::exp)?;
    one(conn, "ln", pure, f64::ln)?;
    one(
        conn,
        "sign",
        pure,
        |x| if x == 0.0 { 0.0 } else { x.signum() },
    )?;
    conn.create_scalar_function("log", -1, pure, |c| {
        Ok(match c.len() {
            1 => c.get::<Option<f64>>(0)?.map(|x| whole(x.log10())),
            _ => c
                .get::<Option<f64>>(0)?
                .zip(c.get::<Option<f64>>(1)?)
                .map(|(base, x)| whole(x.log(base))),
        })
    })?;
    for name in ["power", "pow"] {
        conn.create_scalar_function(name, 2, pure, |c| {
            Ok(c.get::<Option<f64>>(0)?
                .zip(c.get::<Option<f64>>(1)?)
                .map(|(x, y)| whole(x.powf(y))))
        })?;
    }
    conn.create_scalar_function("mod", 2, pure, |c| {
        Ok(c.get::<Option<f64>>(0)?
            .zip(c.get::<Option<f64>>(1)?)
            .filter(|(_, y)| *y != 0.0)
            .map(|(x, y)| whole(x % y)))
    })?;
    conn.create_scalar_function("pi", 0, pure, |_| Ok(std::f64::consts::PI))
}

/// inet functions: `host`, `masklen`, `broadcast`, `netmask`, `network` (as `pg_*`).
fn inet(conn: &Connection, pure: FunctionFlags) -> rusqlite::Result<()> {
    conn.create_scalar_function("pg_broadcast", 1, pure, |c| {
        let Some(s) = as_text(c.get_raw(0)) else {
            return Ok(None);
        };
        let (addr, bits) = parse_cidr(&s)?;
        Ok(Some(format!("{}/{bits}", with_host_bits(addr, bits, true))))
    })?;
    conn.create_scalar_function("pg_network", 1, pure, |c| {
        let Some(s) = as_text(c.get_raw(0)) else {
            return Ok(None);
        };
        let (addr, bits) = parse_cidr(&s)?;
        Ok(Some(format!(
            "{}/{bits}",
            with_host_bits(addr, bits, false)
        )))
    })?;
    conn.create_scalar_function("pg_netmask", 1, pure, |c| {
        let Some(s) = as_text(c.get_raw(0)) else {
            return Ok(None);
        };
        let (addr, bits) = parse_cidr(&s)?;
        let mask = match addr {
            IpAddr::V4(_) => IpAddr::V4(std::net::Ipv4Addr::from(
                u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0),
            )),
            IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::from(
                u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0),
            )),
        };
        Ok(Some(mask.to_string()))
    })
}

/// `addr` with its host bits (those past `bits`) all set, or all cleared.
fn with_host_bits(addr: IpAddr, bits: u8, set: bool) -> IpAddr {
    match addr {
        IpAddr::V4(a) => {
            let host = u32::MAX.checked_shr(u32::from(bits)).unwrap_or(0);
            let v = u32::from(a);
            IpAddr::V4(std::net::Ipv4Addr::from(if set {
                v | host
            } else {
                v & !host
            }))
        }
        IpAddr::V6(a) => {
            let host = u128::MAX.checked_shr(u32::from(bits)).unwrap_or(0);
            let v = u128::from(a);
            IpAddr::V6(std::net::Ipv6Addr::from(if set {
                v | host
            } else {
                v & !host
            }))
        }
    }
}

/// A value as text, as PostgreSQL's `::text` prints it.
fn as_text(v: ValueRef<'_>) -> Option<String> {
    match v {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(i.to_string()),
        ValueRef::Real(r) => Some(r.to_string()),
        ValueRef::Text(t) | ValueRef::Blob(t) => Some(String::from_utf8_lossy(t).into_owned()),
    }
}

fn pg_bool(v: ValueRef<'_>) -> Result<Option<bool>> {
    match v {
        ValueRef::Null => Ok(None),
        ValueRef::Integer(i) => Ok(Some(i != 0)),
        ValueRef::Real(r) => Ok(Some(r != 0.0)),
        _ => {
            let t = as_text(v).unwrap_or_default();
            match t.trim().to_ascii_lowercase().as_str() {
                "t" | "true" | "y" | "yes" | "on" | "1" => Ok(Some(true)),
                "f" | "false" | "n" | "no" | "off" | "0" => Ok(Some(false)),
                _ => Err(user_error(format!(
                    "invalid input syntax for type boolean: \"{t}\""
                ))),
            }
        }
    }
}

fn pg_int(v: ValueRef<'_>) -> Result<Option<i64>> {
    match v {
        ValueRef::Null => Ok(None),
        ValueRef::Integer(i) => Ok(Some(i)),
        ValueRef::Real(r) => Ok(Some(r.round() as i64)),
        _ => {
            let t = as_text(v).unwrap_or_default();
            t.trim()
                .parse::<i64>()
                .map(Some)
                .map_err(|_| user_error(format!("invalid input syntax for type integer: \"{t}\"")))
        }
    }
}

fn pg_json(v: ValueRef<'_>) -> Result<Option<String>> {
    match v {
        ValueRef::Null => Ok(None),
        ValueRef::Integer(i) => Ok(Some(i.to_string())),
        ValueRef::Real(r) => Ok(Some(r.to_string())),
        _ => {
            let t = as_text(v).unwrap_or_default();
            serde_json::from_str::<Value>(&t)
                .map(|doc| Some(doc.to_string()))
                .map_err(|_| user_error(format!("invalid input syntax for type json: {t}")))
        }
    }
}

/// A value as JSON: JSON text as its document, other text as a string, numbers as numbers.
fn json_of(v: ValueRef<'_>) -> Option<Value> {
    match v {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(Value::from(i)),
        ValueRef::Real(r) => Some(Value::from(r)),
        _ => {
            let t = as_text(v)?;
            let trimmed = t.trim_start();
            if (trimmed.starts_with('{') || trimmed.starts_with('['))
                && let Ok(doc) = serde_json::from_str(&t)
            {
                return Some(doc);
            }
            Some(Value::String(t))
        }
    }
}

/// Text that is an ltree label path (labels of letters, digits and `_`, joined by dots) and
/// not JSON.
fn ltree(v: ValueRef<'_>) -> Option<String> {
    let ValueRef::Text(t) = v else { return None };
    let text = std::str::from_utf8(t).ok()?;
    let labels = !text.is_empty()
        && text
            .split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    (labels && serde_json::from_str::<Value>(text).is_err()).then(|| text.to_owned())
}

/// A value taken as a JSON document (what jsonb operators take): JSON text parsed, anything
/// else as a scalar.
fn json_doc(v: ValueRef<'_>) -> Option<Value> {
    match v {
        ValueRef::Text(_) => {
            let t = as_text(v)?;
            Some(serde_json::from_str(&t).unwrap_or(Value::String(t)))
        }
        other => json_of(other),
    }
}

fn key_list(v: ValueRef<'_>) -> Option<Vec<String>> {
    match json_doc(v)? {
        Value::Array(items) => Some(items.iter().map(scalar_text).collect()),
        other => Some(vec![scalar_text(&other)]),
    }
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn sql_of_json(v: &Value) -> Sql {
    match v {
        Value::Null => Sql::Null,
        Value::Bool(b) => Sql::Integer(i64::from(*b)),
        Value::Number(n) => n
            .as_i64()
            .map(Sql::Integer)
            .or_else(|| n.as_f64().map(Sql::Real))
            .unwrap_or(Sql::Null),
        Value::String(s) => Sql::Text(s.clone()),
        other => Sql::Text(other.to_string()),
    }
}

/// jsonb `@>`: PostgreSQL's containment (an array at the top may contain a bare scalar).
fn contains(a: &Value, b: &Value, top: bool) -> bool {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => b
            .iter()
            .all(|(k, bv)| a.get(k).is_some_and(|av| contains(av, bv, false))),
        (Value::Array(a), Value::Array(b)) => b
            .iter()
            .all(|bv| a.iter().any(|av| contains(av, bv, false))),
        (Value::Array(a), scalar) if top && !scalar.is_object() => a.iter().any(|av| av == scalar),
        (a, b) => a == b,
    }
}

fn has_key(doc: &Value, key: &str) -> bool {
    match doc {
        Value::Object(map) => map.contains_key(key),
        Value::Array(items) => items.iter().any(|v| v.as_str() == Some(key)),
        Value::String(s) => s == key,
        _ => false,
    }
}

fn money(v: f64) -> String {
    let cents = (v.abs() * 100.0).round() as u64;
    let units = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if v < 0.0 { "-" } else { "" };
    format!("{sign}${grouped}.{:02}", cents % 100)
}

fn initcap(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if c.is_alphanumeric() {
            if start {
                out.extend(c.to_uppercase());
            } else {
                out.extend(c.to_lowercase());
            }
            start = false;
        } else {
            out.push(c);
            start = true;
        }
    }
    out
}

thread_local! {
    static REGEXES: RefCell<HashMap<String, Regex>> = RefCell::new(HashMap::new());
}

fn with_regex<T>(pattern: &str, flags: &str, f: impl FnOnce(&Regex) -> Result<T>) -> Result<T> {
    let key = format!("{flags}/{pattern}");
    let cached = REGEXES.with(|cache| cache.borrow().get(&key).cloned());
    let re = match cached {
        Some(re) => re,
        None => {
            let source = if flags.contains('i') {
                format!("(?i){pattern}")
            } else {
                pattern.to_owned()
            };
            let re = Regex::new(&source)
                .map_err(|e| user_error(format!("invalid regular expression: {e}")))?;
            REGEXES.with(|cache| {
                let mut cache = cache.borrow_mut();
                if cache.len() > 256 {
                    cache.clear();
                }
                cache.insert(key, re.clone());
            });
            re
        }
    };
    f(&re)
}

/// `\1` (PostgreSQL's back-reference) as the regex crate writes it.
fn backrefs(replacement: &str) -> String {
    let mut out = String::new();
    let mut chars = replacement.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('\\', Some(d)) if d.is_ascii_digit() => {
                out.push_str(&format!("${{{d}}}"));
                chars.next();
            }
            ('$', _) => out.push_str("$$"),
            _ => out.push(c),
        }
    }
    out
}

fn format_ts(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// RFC 3339, `YYYY-MM-DD HH:MM:SS[+zz]`, or a bare date.
fn parse_ts(text: &str) -> Option<OffsetDateTime> {
    let t = text.trim();
    if let Ok(at) = OffsetDateTime::parse(t, &Rfc3339) {
        return Some(at);
    }
    let with_t = t.replacen(' ', "T", 1);
    if let Ok(at) = OffsetDateTime::parse(&with_t, &Rfc3339) {
        return Some(at);
    }
    for candidate in [
        format!("{with_t}Z"),
        format!("{with_t}:00Z"),
        format!("{with_t}:00"),
    ] {
        if let Ok(at) = OffsetDateTime::parse(&candidate, &Rfc3339) {
            return Some(at);
        }
    }
    let date = Date::parse(
        t.get(..10)?,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()?;
    (t.len() == 10).then(|| PrimitiveDateTime::new(date, Time::MIDNIGHT).assume_utc())
}

fn timestamp_arg(c: &Context<'_>, i: usize) -> Result<Option<OffsetDateTime>> {
    match c.get_raw(i) {
        ValueRef::Null => Ok(None),
        ValueRef::Integer(secs) => Ok(OffsetDateTime::from_unix_timestamp(secs).ok()),
        v => {
            let t = as_text(v).unwrap_or_default();
            parse_ts(&t).map(Some).ok_or_else(|| {
                user_error(format!("invalid input syntax for type timestamp: \"{t}\""))
            })
        }
    }
}

/// An interval's parts: (months, seconds).
fn interval_parts(text: &str) -> Result<(i64, f64)> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut months = 0i64;
    let mut seconds = 0f64;
    let mut i = 0;
    while i < words.len() {
        let word = words[i];
        if word.contains(':') {
            let mut parts = word.split(':').map(|p| p.parse::<f64>().unwrap_or(0.0));
            let (h, m, s) = (
                parts.next().unwrap_or(0.0),
                parts.next().unwrap_or(0.0),
                parts.next().unwrap_or(0.0),
            );
            seconds += h * 3600.0 + m * 60.0 + s;
            i += 1;
            continue;
        }
        let value: f64 = word.parse().map_err(|_| {
            user_error(format!(
                "invalid input syntax for type interval: \"{text}\""
            ))
        })?;
        let unit = words
            .get(i + 1)
            .copied()
            .unwrap_or("second")
            .to_ascii_lowercase();
        let unit = unit.trim_end_matches('s');
        match unit {
            "year" | "yr" | "y" => months += (value * 12.0) as i64,
            "month" | "mon" => months += value as i64,
            "week" | "w" => seconds += value * 7.0 * 86_400.0,
            "day" | "d" => seconds += value * 86_400.0,
            "hour" | "hr" | "h" => seconds += value * 3600.0,
            "minute" | "min" | "m" => seconds += value * 60.0,
            "second" | "sec" | "" => seconds += value,
            other => {
                return Err(user_error(format!(
                    "invalid interval unit \"{other}\" in \"{text}\""
                )));
            }
        }
        i += 2;
    }
    Ok((months, seconds))
}

/// An interval as seconds (a month is 30 days, a year 365.25, as PostgreSQL's epoch counts).
fn interval_seconds(text: &str) -> Result<f64> {
    let (months, seconds) = interval_parts(text)?;
    let years = months / 12;
    let rest = months % 12;
    Ok(years as f64 * 365.25 * 86_400.0 + rest as f64 * 30.0 * 86_400.0 + seconds)
}

/// `at` moved by an interval, months by the calendar (the day clamped to the month's end).
fn add_interval(at: OffsetDateTime, text: &str, sign: i64) -> Result<OffsetDateTime> {
    let (months, seconds) = interval_parts(text)?;
    let total = i64::from(at.year()) * 12 + i64::from(u8::from(at.month())) - 1 + months * sign;
    let (year, month0) = (total.div_euclid(12), total.rem_euclid(12));
    let month = Month::try_from((month0 + 1) as u8).unwrap_or(Month::January);
    let last = time::util::days_in_month(month, year as i32);
    let date = Date::from_calendar_date(year as i32, month, at.day().min(last))
        .map_err(|e| user_error(e.to_string()))?;
    let moved = at.replace_date(date);
    Ok(moved + Duration::seconds_f64(seconds * sign as f64))
}

fn whole(v: f64) -> Sql {
    if v.fract() == 0.0 && v.abs() < 9e15 {
        Sql::Integer(v as i64)
    } else {
        Sql::Real(v)
    }
}

fn interval_part(field: &str, secs: f64) -> Result<Option<Sql>> {
    let v = match field.trim_end_matches('s') {
        "epoch" => secs,
        "day" => (secs / 86_400.0).trunc(),
        "hour" => ((secs % 86_400.0) / 3600.0).trunc(),
        "minute" => ((secs % 3600.0) / 60.0).trunc(),
        "second" => secs % 60.0,
        other => {
            return Err(user_error(format!(
                "interval field \"{other}\" is not supported"
            )));
        }
    };
    Ok(Some(whole(v)))
}

fn timestamp_part(field: &str, t: OffsetDateTime) -> Result<Option<Sql>> {
    let t = t.to_offset(UtcOffset::UTC);
    let v = match field.trim_end_matches('s') {
        "year" => f64::from(t.year()),
        "month" => f64::from(u8::from(t.month())),
        "day" => f64::from(t.day()),
        "hour" => f64::from(t.hour()),
        "minute" => f64::from(t.minute()),
        "second" => f64::from(t.second()),
        "dow" => f64::from(t.weekday().number_days_from_sunday()),
        "isodow" => f64::from(t.weekday().number_from_monday()),
        "doy" => f64::from(t.ordinal()),
        "week" => f64::from(t.iso_week()),
        "quarter" => f64::from((u8::from(t.month()) - 1) / 3 + 1),
        "epoch" => t.unix_timestamp() as f64,
        other => {
            return Err(user_error(format!(
                "timestamp field \"{other}\" is not supported"
            )));
        }
    };
    Ok(Some(whole(v)))
}

fn truncate(field: &str, t: OffsetDateTime) -> Result<OffsetDateTime> {
    let t = t.to_offset(UtcOffset::UTC);
    let date = t.date();
    let (date, time) = match field.trim_end_matches('s') {
        "year" => (
            date.replace_month(Month::January)
                .and_then(|d| d.replace_day(1)),
            Time::MIDNIGHT,
        ),
        "quarter" => {
            let month = (u8::from(t.month()) - 1) / 3 * 3 + 1;
            (
                Month::try_from(month)
                    .map_err(|e| user_error(e.to_string()))
                    .map(|m| date.replace_month(m).and_then(|d| d.replace_day(1)))?,
                Time::MIDNIGHT,
            )
        }
        "month" => (date.replace_day(1), Time::MIDNIGHT),
        "week" => (
            Ok(date - Duration::days(i64::from(t.weekday().number_days_from_monday()))),
            Time::MIDNIGHT,
        ),
        "day" => (Ok(date), Time::MIDNIGHT),
        "hour" => (
            Ok(date),
            Time::from_hms(t.hour(), 0, 0).unwrap_or(Time::MIDNIGHT),
        ),
        "minute" => (
            Ok(date),
            Time::from_hms(t.hour(), t.minute(), 0).unwrap_or(Time::MIDNIGHT),
        ),
        "second" => (
            Ok(date),
            Time::from_hms(t.hour(), t.minute(), t.second()).unwrap_or(Time::MIDNIGHT),
        ),
        other => {
            return Err(user_error(format!(
                "date_trunc unit \"{other}\" is not supported"
            )));
        }
    };
    let date = date.map_err(|e| user_error(e.to_string()))?;
    Ok(PrimitiveDateTime::new(date, time).assume_utc())
}

/// The common `to_char` patterns: YYYY, MM, DD, HH24, HH12, MI, SS, Mon, Month, Dy, Day.
fn to_char(t: OffsetDateTime, format: &str) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    const DAYS: [&str; 7] = [
        "Sunday",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
    ];
    let month = MONTHS[usize::from(u8::from(t.month())) - 1];
    let day = DAYS[usize::from(t.weekday().number_days_from_sunday())];
    let hour12 = match t.hour() % 12 {
        0 => 12,
        h => h,
    };
    let tokens: [(&str, String); 12] = [
        ("YYYY", format!("{:04}", t.year())),
        ("HH24", format!("{:02}", t.hour())),
        ("HH12", format!("{hour12:02}")),
        ("Month", format!("{month:<9}")),
        ("Mon", month[..3].to_owned()),
        ("Day", format!("{day:<9}")),
        ("Dy", day[..3].to_owned()),
        ("MM", format!("{:02}", u8::from(t.month()))),
        ("DD", format!("{:02}", t.day())),
        ("MI", format!("{:02}", t.minute())),
        ("SS", format!("{:02}", t.second())),
        ("HH", format!("{hour12:02}")),
    ];
    let mut out = String::new();
    let mut rest = format;
    'outer: while !rest.is_empty() {
        for (token, value) in &tokens {
            if let Some(after) = rest.strip_prefix(token) {
                out.push_str(value);
                rest = after;
                continue 'outer;
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out
}

fn parse_cidr(text: &str) -> Result<(IpAddr, u8)> {
    let bad = || user_error(format!("invalid input syntax for type inet: \"{text}\""));
    let (addr, bits) = match text.trim().split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (text.trim(), None),
    };
    let addr: IpAddr = addr.parse().map_err(|_| bad())?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let bits = match bits {
        Some(b) => b.parse::<u8>().map_err(|_| bad())?,
        None => max,
    };
    if bits > max {
        return Err(bad());
    }
    Ok((addr, bits))
}

fn prefix(addr: IpAddr, bits: u8) -> u128 {
    let (value, width) = match addr {
        IpAddr::V4(a) => (u128::from(u32::from(a)), 32u32),
        IpAddr::V6(a) => (u128::from(a), 128u32),
    };
    let shift = width - u32::from(bits);
    if shift >= 128 { 0 } else { value >> shift }
}

/// `a << b` (strict) or `a <<= b`: is network or address `a` inside network `b`?
fn inet_within(a: &str, b: &str, strict: bool) -> Result<bool> {
    let (a_addr, a_bits) = parse_cidr(a)?;
    let (b_addr, b_bits) = parse_cidr(b)?;
    if a_addr.is_ipv4() != b_addr.is_ipv4() {
        return Ok(false);
    }
    if a_bits < b_bits || (strict && a_bits == b_bits) {
        return Ok(false);
    }
    Ok(prefix(a_addr, b_bits) == prefix(b_addr, b_bits))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn containment_follows_postgresql() {
        assert!(contains(
            &json!({"a": 1, "b": [1, 2]}),
            &json!({"b": [2]}),
            true
        ));
        assert!(!contains(&json!({"a": 1}), &json!({"a": 2}), true));
        assert!(contains(&json!(["a", "b"]), &json!("a"), true));
        assert!(contains(
            &json!([{"k": "v", "x": 1}]),
            &json!([{"k": "v"}]),
            true
        ));
        assert!(!contains(&json!([["a"]]), &json!("a"), true));
    }

    #[test]
    fn inet_containment() {
        assert!(inet_within("10.1.2.0/24", "10.0.0.0/8", true).unwrap());
        assert!(!inet_within("10.0.0.0/8", "10.0.0.0/8", true).unwrap());
        assert!(inet_within("10.0.0.0/8", "10.0.0.0/8", false).unwrap());
        assert!(inet_within("0.0.0.0/0", "0.0.0.0/0", false).unwrap());
        assert!(!inet_within("11.0.0.1", "10.0.0.0/8", true).unwrap());
        assert!(inet_within("2001:db8::1", "2001:db8::/32", true).unwrap());
        assert!(!inet_within("10.0.0.1", "2001:db8::/32", true).unwrap());
    }

    #[test]
    fn intervals_and_timestamps() {
        assert_eq!(interval_seconds("90 days").unwrap(), 90.0 * 86_400.0);
        assert_eq!(interval_seconds("1 day 02:00:00").unwrap(), 93_600.0);
        let at = parse_ts("2026-03-31T10:00:00Z").unwrap();
        assert_eq!(
            format_ts(add_interval(at, "1 month", -1).unwrap()),
            "2026-02-28T10:00:00Z"
        );
        assert_eq!(
            format_ts(add_interval(at, "2 hours", 1).unwrap()),
            "2026-03-31T12:00:00Z"
        );
        assert_eq!(
            format_ts(parse_ts("2026-01-02 03:04:05+00").unwrap()),
            "2026-01-02T03:04:05Z"
        );
        assert_eq!(to_char(at, "YYYY-MM-DD HH24:MI"), "2026-03-31 10:00");
        assert_eq!(
            format_ts(truncate("month", at).unwrap()),
            "2026-03-01T00:00:00Z"
        );
    }

    #[test]
    fn money_in_the_c_locale() {
        assert_eq!(money(1234.5), "$1,234.50");
        assert_eq!(money(-0.004), "-$0.00");
        assert_eq!(money(1_000_000.0), "$1,000,000.00");
    }

    #[test]
    fn text_helpers() {
        assert_eq!(initcap("hello wORLD-x"), "Hello World-X");
        assert_eq!(backrefs("\\1-$"), "${1}-$$");
    }
}
