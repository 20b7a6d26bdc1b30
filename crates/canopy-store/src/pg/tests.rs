//! Each construct, translated and run on SQLite against a few rows. (The same constructs are
//! compared with a real PostgreSQL by the differential test.)

use rusqlite::Connection;
use rusqlite::types::ValueRef;
use serde_json::{Value, json};

use super::{Untranslatable, translate};

fn store() -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    super::install(&conn).unwrap();
    conn.execute_batch(
        r#"
        CREATE TABLE aws_s3_bucket (name TEXT, region TEXT, account_id TEXT, policy_std JSON,
            versioning_enabled BOOLEAN, tags JSON, creation_date TIMESTAMP, type TEXT);
        INSERT INTO aws_s3_bucket VALUES
          ('logs', 'eu-west-1', '111122223333',
           '{"Statement":[{"Effect":"Deny","Principal":{"AWS":["*"]},"Action":["s3:*"],"Condition":{"Bool":{"aws:securetransport":["false"]}}}]}',
           1, '{"team":"net","kubernetes.io/cluster":"owned"}', '2020-01-01T00:00:00Z', 'a'),
          ('site', 'us-east-1', '111122223333',
           '{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::444455556666:root","*"]},"Action":["s3:getobject"]}]}',
           0, NULL, '2099-01-01T00:00:00Z', 'b');
        CREATE TABLE aws_vpc_security_group_rule (group_id TEXT, cidr_ipv4 TEXT, from_port INTEGER);
        INSERT INTO aws_vpc_security_group_rule VALUES ('sg-1', '0.0.0.0/0', 22),
          ('sg-2', '10.1.0.0/16', 443), ('sg-3', NULL, 80);
        "#,
    )
    .unwrap();
    conn
}

fn run(conn: &Connection, sql: &str) -> Vec<Vec<Value>> {
    let columns = |table: &str| super::super::query::table_columns(conn, table);
    let translated = translate(sql, &columns).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let mut stmt = conn
        .prepare(&translated.sql)
        .unwrap_or_else(|e| panic!("{}: {e}", translated.sql));
    let width = stmt.column_count();
    let mut rows = stmt.query([]).unwrap();
    let mut out = Vec::new();
    while let Some(row) = rows.next().unwrap() {
        out.push(
            (0..width)
                .map(|i| match row.get_ref(i).unwrap() {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(n) => json!(n),
                    ValueRef::Real(r) => json!(r),
                    ValueRef::Text(t) => json!(String::from_utf8_lossy(t)),
                    ValueRef::Blob(_) => Value::Null,
                })
                .collect(),
        );
    }
    out
}

#[test]
fn set_returning_functions_become_json_each_and_real_columns_are_qualified() {
    let conn = store();
    // `type` is a column of the table and of json_each: it must stay the table's
    let rows = run(
        &conn,
        "select name, type, p as principal, a as action from aws_s3_bucket, \
         jsonb_array_elements(policy_std -> 'Statement') as s, \
         jsonb_array_elements_text(s -> 'Principal' -> 'AWS') as p, \
         jsonb_array_elements_text(s -> 'Action') as a \
         where s ->> 'Effect' = 'Allow' order by name, principal",
    );
    assert_eq!(
        rows,
        vec![
            vec![json!("site"), json!("b"), json!("*"), json!("s3:getobject")],
            vec![
                json!("site"),
                json!("b"),
                json!("arn:aws:iam::444455556666:root"),
                json!("s3:getobject")
            ],
        ]
    );
    // in the select list: one row per element, named after the function
    let rows = run(
        &conn,
        "select name, jsonb_array_elements_text(s -> 'Action') from aws_s3_bucket, jsonb_array_elements(policy_std -> 'Statement') s order by name",
    );
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0][1], json!("s3:*"));
}

#[test]
fn casts_and_keys_with_dots_and_colons() {
    let conn = store();
    let rows = run(
        &conn,
        "select name from aws_s3_bucket, jsonb_array_elements(policy_std -> 'Statement') as s, \
         jsonb_array_elements_text(s -> 'Condition' -> 'Bool' -> 'aws:securetransport') as ssl \
         where ssl :: bool = false",
    );
    assert_eq!(rows, vec![vec![json!("logs")]]);
    let rows = run(
        &conn,
        "select tags ->> 'kubernetes.io/cluster', '42'::int + 1, 1::text || 'x' from aws_s3_bucket where name = 'logs'",
    );
    assert_eq!(rows, vec![vec![json!("owned"), json!(43), json!("1x")]]);
    let rows = run(
        &conn,
        "select policy_std #>> '{Statement,0,Effect}' from aws_s3_bucket order by name",
    );
    assert_eq!(rows, vec![vec![json!("Deny")], vec![json!("Allow")]]);
}

#[test]
fn jsonb_operators() {
    let conn = store();
    let rows = run(
        &conn,
        "select name, tags ? 'team', tags @> '{\"team\": \"net\"}', policy_std -> 'Statement' -> 0 -> 'Action' ?| array['s3:*', 'x'] from aws_s3_bucket order by name",
    );
    assert_eq!(
        rows,
        vec![
            vec![json!("logs"), json!(1), json!(1), json!(1)],
            vec![json!("site"), Value::Null, Value::Null, json!(0)],
        ]
    );
}

#[test]
fn any_ilike_regex_and_text_functions() {
    let conn = store();
    let rows = run(
        &conn,
        "select name from aws_s3_bucket where region = any(array['eu-west-1', 'ap-south-1']) and name ilike 'LO%' and name ~ '^l.g' and name !~* 'SITE'",
    );
    assert_eq!(rows, vec![vec![json!("logs")]]);
    let rows = run(
        &conn,
        "select split_part('a:b:c', ':', 2), initcap('hello world'), concat_ws('-', 'a', 'b'), (string_to_array('arn:aws:iam::1:root', ':'))[5]",
    );
    assert_eq!(
        rows,
        vec![vec![
            json!("b"),
            json!("Hello World"),
            json!("a-b"),
            json!("1")
        ]]
    );
    let rows = run(
        &conn,
        "select name from aws_s3_bucket where name like any (array['%og%', 'x%']) and name ilike any (array['LOGS'])",
    );
    assert_eq!(rows, vec![vec![json!("logs")]]);
    // an alias SQLite reserves, folded to lower case as PostgreSQL does
    let rows = run(
        &conn,
        "select name as Group from aws_s3_bucket, jsonb_array_elements(policy_std -> 'Statement') s where name = 'logs'",
    );
    assert_eq!(rows, vec![vec![json!("logs")]]);
    // PostgreSQL's LIKE is case-sensitive
    let rows = run(
        &conn,
        "select count(*) from aws_s3_bucket where name like 'LOGS'",
    );
    assert_eq!(rows, vec![vec![json!(0)]]);
}

#[test]
fn time_arithmetic() {
    let conn = store();
    let rows = run(
        &conn,
        "select name from aws_s3_bucket where creation_date < now() - interval '90 days'",
    );
    assert_eq!(rows, vec![vec![json!("logs")]]);
    let rows = run(
        &conn,
        "select date_part('year', creation_date), extract(month from creation_date), date_part('day', timestamp '2020-01-11' - creation_date) from aws_s3_bucket where name = 'logs'",
    );
    assert_eq!(rows, vec![vec![json!(2020), json!(1), json!(10)]]);
    let rows = run(
        &conn,
        "select to_char(creation_date, 'YYYY-MM'), date_trunc('year', creation_date) from aws_s3_bucket where name = 'logs'",
    );
    assert_eq!(
        rows,
        vec![vec![json!("2020-01"), json!("2020-01-01T00:00:00Z")]]
    );
}

#[test]
fn inet_containment() {
    let conn = store();
    let rows = run(
        &conn,
        "select group_id from aws_vpc_security_group_rule where cidr_ipv4::cidr << '10.0.0.0/8' or cidr_ipv4 = '0.0.0.0/0' order by group_id",
    );
    assert_eq!(rows, vec![vec![json!("sg-1")], vec![json!("sg-2")]]);
}

#[test]
fn aggregates_distinct_on_and_filter() {
    let conn = store();
    let rows = run(
        &conn,
        "select array_agg(name order by name), string_agg(name, ',' order by name), count(*) filter (where versioning_enabled) from aws_s3_bucket",
    );
    assert_eq!(
        rows,
        vec![vec![
            json!("[\"logs\",\"site\"]"),
            json!("logs,site"),
            json!(1)
        ]]
    );
    let rows = run(
        &conn,
        "select distinct on (account_id) account_id, name from aws_s3_bucket order by account_id, name desc",
    );
    assert_eq!(rows, vec![vec![json!("111122223333"), json!("site")]]);
}

#[test]
fn untranslatable_constructs_are_named_with_what_to_write() {
    let columns = |_: &str| None;
    match translate("select md5(name) from t", &columns) {
        Err(Untranslatable::Unsupported { construct, .. }) => assert_eq!(construct, "md5()"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        translate("select from where", &columns),
        Err(Untranslatable::Parse(_))
    ));
}

#[test]
fn boolean_outputs_are_known() {
    let columns = |_: &str| None;
    let t = translate(
        "select name, tags ? 'x', a = b, c::bool, d is null from t",
        &columns,
    )
    .unwrap();
    use super::Output::{Boolean, Json, Value as Plain};
    assert_eq!(t.outputs, vec![Plain, Boolean, Boolean, Boolean, Boolean]);
    let t = translate("select a -> 'b', a ->> 'b', to_jsonb(c) from t", &columns).unwrap();
    assert_eq!(t.outputs, vec![Json, Plain, Json]);
}

#[test]
fn statements_sqlite_would_misread_are_read_as_postgresql() {
    // SQLite runs these as written, with another meaning: `->>` gives 1/0 and numbers, and a
    // boolean column never equals the text 'false'
    for sql in [
        "select name from aws_s3_bucket where versioning_enabled = 'false'",
        "select name from aws_s3_bucket where 'TRUE' <> versioning_enabled",
        "select tags ->> 'team' from aws_s3_bucket",
        "select policy_std #>> '{Statement,0,Effect}' from aws_s3_bucket",
    ] {
        assert!(super::postgres_typed(sql), "{sql}");
    }
    for sql in [
        "select name from aws_s3_bucket where versioning_enabled",
        "select tags -> 'team' from aws_s3_bucket where name = 'logs'",
        "not sql at all",
    ] {
        assert!(!super::postgres_typed(sql), "{sql}");
    }
    let conn = store();
    assert_eq!(
        run(
            &conn,
            "select name from aws_s3_bucket where versioning_enabled = 'false'"
        ),
        vec![vec![json!("site")]]
    );
    assert_eq!(
        run(
            &conn,
            "select name from aws_s3_bucket where policy_std -> 'Statement' -> 0 -> 'Condition' -> 'Bool' -> 'aws:securetransport' ->> 0 = 'false'"
        ),
        vec![vec![json!("logs")]]
    );
}
