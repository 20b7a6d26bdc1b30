//! The differential test of `canopy query`'s PostgreSQL: the same rows in canopy's store and in
//! a real PostgreSQL, the same queries through both, the results compared (row order ignored,
//! JSON compared as JSON, timestamps as instants, numbers as numbers). The corpus: canopy's own
//! cases, one or more per translated construct (`cases.sql`, every one must match and return
//! rows), and the Steampipe AWS plugin docs' example queries for every table canopy fills (read
//! from `../shared/steampipe/doc_examples`, or `CANOPY_STEAMPIPE_DIR`, when present), whose
//! share that runs and matches is reported per table (`CANOPY_SQL_COMPAT_REPORT=PATH` writes
//! the report as Markdown) and held above a floor.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use canopy_testkit::Postgres;
use canopy_testkit::scenario::{account, org, ou};
use serde_json::{Value, json};

use super::Sandbox;

/// The docs' examples that must keep matching PostgreSQL (the share measured when this floor
/// was set, less a little for data that differs run to run).
const EXAMPLE_MATCH_FLOOR: f64 = 0.95;

/// An estate with something for most example queries to find.
fn estate(s: &Sandbox) -> Value {
    let spec = org(
        "123456789012",
        vec![account("dev")],
        vec![ou("Workloads", vec![account("prod")], vec![])],
    );
    let mut spec = spec;
    spec["resources"] = json!([
        {"account": "prod", "region": "eu-west-1",
         "vpc": {"cidr": "10.1.0.0/16", "internet": true, "name": "workloads"},
         "security_groups": [{"name": "web", "open": [22, 443]}, {"name": "db", "open": [5432]}],
         "buckets": [
            {"name": "prod-flow-logs", "versioning": true, "encryption": "AES256",
             "block_public": true, "tags": {"team": "network", "env": "prod"}},
            {"name": "prod-public-site", "policy": {"Version": "2012-10-17", "Statement": [
                {"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                 "Resource": "arn:aws:s3:::prod-public-site/*"}]}},
            {"name": "prod-audit", "versioning": true, "tags": {"team": "security"},
             "policy": {"Version": "2012-10-17", "Statement": [
                {"Sid": "SslOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                 "Resource": ["arn:aws:s3:::prod-audit", "arn:aws:s3:::prod-audit/*"],
                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
                {"Sid": "Partner", "Effect": "Allow",
                 "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                 "Action": ["s3:GetObject", "s3:ListBucket"],
                 "Resource": ["arn:aws:s3:::prod-audit", "arn:aws:s3:::prod-audit/*"]}]}}],
         "endpoints": [{"service": "s3", "policy": {"Statement": [{"Effect": "Allow",
             "Principal": "*", "Action": ["s3:GetObject"], "Resource": "*"}]}}],
         "flow_logs": [{"bucket": "prod-flow-logs", "traffic": "REJECT"}],
         "instances": [{"name": "web-1", "elastic_ip": true}, {"name": "worker-1"}],
         "roles": [{"name": "deployer", "trusts": "444455556666"}],
         "users": [{"name": "alice", "access_keys": 1, "password": true}, {"name": "ci-bot", "access_keys": 2}],
         "topics": [{"name": "alerts"}, {"name": "deploys"}],
         "kms_keys": [{"alias": "alias/reports", "rotation": true}, {"alias": "alias/scratch"}],
         "queues": [{"name": "uploads", "policy": {"Version": "2012-10-17", "Statement": [
             {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage",
              "Resource": "*"}]}}, {"name": "internal"}],
         "functions": [{"name": "thumbnailer", "env": {"DB_PASSWORD": "hunter2"}, "public": true},
                       {"name": "reporter"}],
         "log_groups": [{"name": "/aws/lambda/thumbnailer", "retention": 30}, {"name": "/app/audit"}],
         "secrets": [{"name": "db", "policy": {"Version": "2012-10-17", "Statement": [
             {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
              "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}}, {"name": "api-key"}],
         "trails": [{"name": "audit", "bucket": "prod-audit", "multi_region": true, "validation": true},
                    {"name": "legacy", "bucket": "prod-flow-logs", "logging": false}]},
        {"account": "dev", "region": "eu-west-1", "security": {"analyzer": "ACCOUNT"}},
        {"account": "dev", "region": "us-east-1", "instances": [{"name": "batch-1"}],
         "buckets": [{"name": "dev-scratch"}], "roles": [{"name": "ci", "trusts": "123456789012"}]},
    ]);
    // the later services' resources in the same account and region (one json! would be too deep)
    let more = json!({"account": "prod", "region": "eu-west-1",
         "databases": [{"name": "orders", "public": true, "encrypted": false,
                        "snapshot": {"name": "orders-before-migration", "shared_with": ["all"]}},
                       {"name": "billing", "backups": 0}],
         "db_clusters": [{"name": "ledger", "deletion_protection": true,
                          "snapshot": {"name": "ledger-monthly", "shared_with": ["444455556666"]}}],
         "dynamodb_tables": [{"name": "orders", "pitr": true}, {"name": "sessions"}],
         "repositories": [{"name": "web", "scan_on_push": true,
                           "policy": {"Version": "2012-10-17", "Statement": [
                               {"Sid": "Everyone", "Effect": "Allow",
                                "Principal": {"AWS": ["arn:aws:iam::444455556666:root"]},
                                "Action": ["ecr:*"]}]},
                           "lifecycle": {"rules": [{"rulePriority": 1, "description": "old builds",
                               "selection": {"tagStatus": "any", "countType": "imageCountMoreThan",
                                             "countNumber": 50},
                               "action": {"type": "expire"}}]}},
                          {"name": "base-images"}],
         "eks_clusters": [{"name": "platform"}],
         "ecs": {"cluster": "apps", "services": [{"name": "web", "privileged": true},
                                                 {"name": "worker"}]},
         "file_systems": [{"name": "shared", "encrypted": false,
                           "policy": {"Version": "2012-10-17", "Statement": [
                               {"Effect": "Allow", "Principal": {"AWS": "*"},
                                "Action": "elasticfilesystem:ClientRootAccess"}]}},
                          {"name": "home"}],
         "certificates": [{"domain": "www.example.com", "alternative_names": ["www.example.com", "example.com"]},
                          {"domain": "api.example.com"}],
         "parameters": [{"name": "/app/db-password", "secure": true, "tags": {"team": "app"}},
                        {"name": "/app/feature-flag"}],
         "load_balancers": [{"name": "web"}, {"name": "ingest", "type": "network", "scheme": "internal"},
                            {"name": "legacy", "type": "classic"}],
         "security": {"guardduty": true, "securityhub": true, "analyzer": "ORGANIZATION", "config": true},
         "cache_clusters": [{"name": "sessions"}, {"name": "queue-cache", "engine": "memcached"}],
         "warehouses": [{"name": "warehouse", "public": true}, {"name": "archive", "encrypted": true}],
         "build_projects": [{"name": "deploy", "env": {"DEPLOY_TOKEN": "hunter2"}}, {"name": "test"}],
         "search_domains": [{"name": "logs", "policy": {"Version": "2012-10-17", "Statement": [
             {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "es:*",
              "Resource": "arn:aws:es:eu-west-1:*:domain/logs/*"}]}}, {"name": "audit"}],
         "distributions": [{"name": "site", "origin": "site.example.com"},
                           {"name": "legacy", "viewer_protocol": "allow-all", "origin_protocol": "http-only"}]});
    spec["resources"].as_array_mut().unwrap().push(more);
    s.moto.seed(&json!({ "organizations": [spec] }))
}

fn steampipe_dir() -> Option<PathBuf> {
    canopy_testkit::steampipe_dir().filter(|dir| dir.join("doc_examples").is_dir())
}

/// Every table of the store (inventory and organization views), copied into PostgreSQL.
/// Each column gets the PostgreSQL type canopy's definitions (and its views' catalog) declare,
/// as `canopy schema` reports it: Steampipe's, so its users' queries mean the same in both.
fn load(s: &Sandbox, pg: &Postgres) -> Vec<String> {
    pg.psql("create extension if not exists ltree;")
        .unwrap_or_else(|e| panic!("PostgreSQL's ltree extension (Steampipe's OU paths): {e}"));
    // Steampipe's own SQL function: a glob pattern as a LIKE pattern
    pg.psql(
        "create function glob(text) returns text language sql immutable as $$ select replace(replace($1, '*', '%'), '?', '_') $$;",
    )
    .unwrap();
    let tables = s.json(&["tables", "--format", "json"]);
    let mut names = Vec::new();
    for table in tables.as_array().unwrap() {
        let name = table["name"].as_str().unwrap();
        if name.starts_with("canopy_") {
            continue;
        }
        let schema = s.json(&["schema", name, "--format", "json"]);
        let rows = s.query(&format!("select * from {name}"));
        let columns: Vec<String> = schema
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                format!(
                    "\"{}\" {}",
                    c["name"].as_str().unwrap(),
                    c["postgres_type"].as_str().unwrap()
                )
            })
            .collect();
        let ddl = format!("create table {name} ({});", columns.join(", "));
        pg.psql(&ddl).unwrap_or_else(|e| panic!("{ddl}: {e}"));
        let data = Value::Array(rows).to_string();
        pg.psql(&format!(
            "insert into {name} select * from json_populate_recordset(null::{name}, $canopy${data}$canopy$);"
        ))
        .unwrap_or_else(|e| panic!("loading {name}: {e}"));
        names.push(name.to_owned());
    }
    names
}

/// A value as compared: numbers as numbers, timestamps as UTC instants, JSON text as JSON.
fn normal(v: &Value) -> Value {
    match v {
        Value::Number(n) => n
            .as_f64()
            .map_or(v.clone(), |f| json!((f * 1e6).round() / 1e6)),
        Value::String(s) => {
            let t = s.trim_start();
            if (t.starts_with('{') || t.starts_with('['))
                && let Ok(doc) = serde_json::from_str::<Value>(s)
            {
                return normal(&doc);
            }
            if let Ok(at) = time::OffsetDateTime::parse(
                &s.replacen(' ', "T", 1)
                    .replace("+00", "+00:00")
                    .replace("+00:00:00", "+00:00"),
                &time::format_description::well_known::Rfc3339,
            ) {
                return json!(at.unix_timestamp());
            }
            v.clone()
        }
        Value::Array(items) => Value::Array(items.iter().map(normal).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), normal(v))).collect())
        }
        other => other.clone(),
    }
}

/// Rows as a sorted list of their sorted values (column names differ between the engines for
/// unnamed expressions; order is only compared where both engines must keep it).
fn canonical(rows: &[Value]) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut values: Vec<String> = r
                .as_object()
                .map(|o| o.values().map(|v| normal(v).to_string()).collect())
                .unwrap_or_default();
            values.sort();
            values
        })
        .collect();
    out.sort();
    out
}

#[derive(Debug)]
enum Outcome {
    Match { rows: usize },
    Differ { canopy: Value, postgres: Value },
    CanopyError(String),
    PostgresError(String),
}

fn compare(s: &Sandbox, pg: &Postgres, sql: &str) -> Outcome {
    let body = sql.trim().trim_end_matches(';');
    let expected = match pg.psql(&format!(
        "select coalesce(json_agg(q), '[]'::json) from (\n{body}\n) q;"
    )) {
        Ok(out) => serde_json::from_str::<Value>(out.trim()).unwrap_or(Value::Null),
        Err(e) => return Outcome::PostgresError(e),
    };
    let out = s
        .canopy()
        .args(["query", body, "--format", "json"])
        .output()
        .unwrap();
    if !out.status.success() {
        return Outcome::CanopyError(String::from_utf8_lossy(&out.stderr).trim().to_owned());
    }
    let got: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    let (Some(a), Some(b)) = (got.as_array(), expected.as_array()) else {
        return Outcome::Differ {
            canopy: got,
            postgres: expected,
        };
    };
    if canonical(a) == canonical(b) {
        Outcome::Match { rows: b.len() }
    } else {
        Outcome::Differ {
            canopy: got,
            postgres: expected,
        }
    }
}

fn own_cases() -> Vec<(String, String)> {
    let path = canopy_testkit::workspace_root().join("crates/canopy-cli/tests/sqlcompat/cases.sql");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut cases = Vec::new();
    for chunk in text.split("-- case:").skip(1) {
        let (name, sql) = chunk.split_once('\n').unwrap();
        cases.push((name.trim().to_owned(), sql.trim().to_owned()));
    }
    cases
}

fn short(text: &str) -> String {
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    let line = line.trim_start_matches("Error: ").trim();
    line.chars().take(160).collect()
}

#[test]
fn steampipe_queries_return_what_postgresql_returns() {
    let Some(pg) = Postgres::start() else {
        panic!(
            "PostgreSQL is not installed: the differential test needs Debian's postgresql package (apt-get install postgresql), or CANOPY_PG_BIN pointing at its bin folder"
        );
    };
    let s = Sandbox::new();
    estate(&s);
    s.json(&["org", "sync", "--format", "json"]);
    s.ok(&[
        "collect",
        "--regions",
        "eu-west-1,us-east-1",
        "--format",
        "json",
    ]);
    let dir = steampipe_dir();
    let tables = load(&s, &pg);

    // canopy's own cases: every one returns PostgreSQL's rows, and some rows
    let mut failures = Vec::new();
    for (name, sql) in own_cases() {
        match compare(&s, &pg, &sql) {
            Outcome::Match { rows } if rows > 0 => {}
            other => failures.push(format!("{name}: {other:?}\n  {sql}")),
        }
    }
    assert!(
        failures.is_empty(),
        "cases that differ from PostgreSQL:\n{}",
        failures.join("\n")
    );

    // the plugin docs' examples for the tables canopy fills
    let Some(dir) = dir else {
        eprintln!(
            "skipped: the Steampipe doc examples (../shared/steampipe or CANOPY_STEAMPIPE_DIR) are not here; only canopy's own cases were compared"
        );
        return;
    };
    let mut per_table: BTreeMap<String, (usize, usize, usize, usize)> = BTreeMap::new();
    let mut misses: Vec<(String, String)> = Vec::new();
    let files = canopy_testkit::doc_examples(&dir);
    let implemented: BTreeSet<&str> = tables.iter().map(String::as_str).collect();
    for file in files {
        let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
        let Some(table) = stem
            .strip_prefix("plugin_aws__")
            .and_then(|rest| rest.rsplit_once("__"))
            .map(|(t, _)| t.to_owned())
        else {
            continue;
        };
        if !implemented.contains(table.as_str()) {
            continue;
        }
        let sql = std::fs::read_to_string(&file).unwrap();
        let entry = per_table.entry(table.clone()).or_default();
        entry.0 += 1;
        match compare(&s, &pg, &sql) {
            Outcome::Match { rows } => {
                entry.1 += 1;
                entry.2 += 1;
                if rows > 0 {
                    entry.3 += 1;
                }
            }
            Outcome::Differ { canopy, postgres } => {
                entry.1 += 1;
                misses.push((
                    stem,
                    format!(
                        "rows differ: canopy {} / PostgreSQL {}",
                        short(&canopy.to_string()),
                        short(&postgres.to_string())
                    ),
                ));
            }
            Outcome::CanopyError(e) => misses.push((stem, format!("canopy: {}", short(&e)))),
            Outcome::PostgresError(e) => {
                misses.push((stem, format!("PostgreSQL (same data): {}", short(&e))))
            }
        }
    }
    let (mut all, mut ran, mut matched, mut non_empty) = (0, 0, 0, 0);
    let mut report = String::from(
        "| table | examples | run | match PostgreSQL | of which non-empty |\n| --- | ---: | ---: | ---: | ---: |\n",
    );
    for (table, (n, r, m, ne)) in &per_table {
        report.push_str(&format!("| `{table}` | {n} | {r} | {m} | {ne} |\n"));
        all += n;
        ran += r;
        matched += m;
        non_empty += ne;
    }
    report.push_str(&format!(
        "| **all** | **{all}** | **{ran}** | **{matched}** | **{non_empty}** |\n\nMisses:\n\n"
    ));
    for (name, why) in &misses {
        report.push_str(&format!("- `{name}`: {why}\n"));
    }
    println!("{report}");
    if let Some(path) = std::env::var_os("CANOPY_SQL_COMPAT_REPORT") {
        std::fs::write(path, &report).unwrap();
    }
    let share = matched as f64 / all.max(1) as f64;
    assert!(
        share >= EXAMPLE_MATCH_FLOOR,
        "{matched} of {all} doc examples match PostgreSQL ({:.0}%), under the floor of {:.0}%:\n{report}",
        share * 100.0,
        EXAMPLE_MATCH_FLOOR * 100.0
    );
}
