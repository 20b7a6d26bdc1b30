//! `canopy collect`, `query`, `tables`, `schema` and the reports, end to end.
//!
//! The one collect of the seeded estate is checked family by family (`iam.rs`, `s3.rs`, `ec2.rs`,
//! `services.rs`); the other tests stand alone.

use serde_json::{Value, json};

mod ec2;
mod iam;
mod s3;
mod services;

use super::{Sandbox, ids_named};
use canopy_testkit::scenario::{account, org, ou, suspended};

const REGIONS: &str = "eu-west-1,us-east-1";

/// The estate one collect read, for each family's checks: the emulator (its calls as the
/// collect left them: the checks only query the store), the seed, and the accounts by name.
struct Collected {
    s: Sandbox,
    seeded: Value,
    prod: String,
    dev: String,
    old: String,
}
/// The units of collection one account runs, as `canopy tables` reports the registry: each unit
/// once, regional units once per region, the rest once per account.
struct Units {
    /// Regional units (per account and region).
    regional: u64,
    /// The regional units that only call EC2.
    ec2_regional: u64,
    /// The units run once per account (global and account-wide tables).
    once: u64,
}

fn units(s: &Sandbox) -> Units {
    let mut seen = std::collections::BTreeMap::new();
    for t in s.json(&["tables", "--format", "json"]).as_array().unwrap() {
        let Some(unit) = t["unit"].as_str() else {
            continue;
        };
        let ec2_only = t["actions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a.as_str().unwrap().starts_with("ec2:"));
        let entry = seen
            .entry(unit.to_owned())
            .or_insert((t["scope"] == "regional", true));
        entry.1 &= ec2_only;
    }
    let count = |f: &dyn Fn(&(bool, bool)) -> bool| seen.values().filter(|v| f(v)).count() as u64;
    Units {
        regional: count(&|v| v.0),
        ec2_regional: count(&|v| v.0 && v.1),
        once: count(&|v| !v.0),
    }
}

/// An organization with workloads in two regions, a public web server behind an internet
/// gateway, a suspended account, and a role trusting another account.
fn estate(s: &Sandbox) -> Value {
    let mut spec = org(
        "123456789012",
        vec![account("dev")],
        vec![ou(
            "Workloads",
            vec![account("prod"), suspended("old")],
            vec![],
        )],
    );
    spec["resources"] = json!([
        {"account": "prod", "region": "eu-west-1",
         "vpc": {"cidr": "10.1.0.0/16", "internet": true, "name": "workloads"},
         "security_groups": [{"name": "web", "open": [22, 443]}],
         "buckets": [{"name": "prod-flow-logs", "versioning": true, "encryption": "AES256",
                      "block_public": true, "tags": {"team": "network"}},
                     {"name": "prod-public-site", "policy": {"Version": "2012-10-17",
                      "Statement": [{"Effect": "Allow", "Principal": "*",
                      "Action": "s3:GetObject", "Resource": "arn:aws:s3:::prod-public-site/*"}]}}],
         "endpoints": [{"service": "s3", "policy": {"Statement": [{"Effect": "Allow",
             "Principal": "*", "Action": ["S3:GetObject", "s3:ListBucket"], "Resource": "*"}]}}],
         "flow_logs": [{"bucket": "prod-flow-logs", "traffic": "REJECT"}],
         "instances": [{"name": "web-1", "elastic_ip": true}, {"name": "worker-1"}],
         "roles": [{"name": "deployer", "trusts": "444455556666"}],
         "databases": [{"name": "orders", "public": true,
                        "snapshot": {"name": "orders-manual", "shared_with": ["all"]}}],
         "db_clusters": [{"name": "ledger"}],
         "dynamodb_tables": [{"name": "orders", "pitr": true}],
         "repositories": [{"name": "web", "policy": {"Version": "2012-10-17", "Statement": [
             {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
              "Action": "ecr:BatchGetImage"}]}}],
         "eks_clusters": [{"name": "platform"}],
         "ecs": {"cluster": "apps", "services": [{"name": "web", "env": {"DB_PASSWORD": "hunter2"}}]},
         "file_systems": [{"name": "shared"}],
         "certificates": [{"domain": "www.example.com"}],
         "parameters": [{"name": "/app/db-password", "secure": true}],
         "load_balancers": [{"name": "web"}, {"name": "ingest", "type": "network", "scheme": "internal"},
                            {"name": "legacy", "type": "classic"}],
         "security": {"guardduty": true, "securityhub": true, "analyzer": "ACCOUNT", "config": true},
         "cache_clusters": [{"name": "sessions"}],
         "warehouses": [{"name": "warehouse", "public": true}],
         "build_projects": [{"name": "deploy", "env": {"DEPLOY_TOKEN": "hunter2"}}],
         "search_domains": [{"name": "logs"}],
         "distributions": [{"name": "site"}]},
        {"account": "prod", "region": "us-east-1", "instances": [{"name": "api-1"}]},
        {"account": "dev", "region": "eu-west-1", "instances": [{"name": "batch-1"}]},
    ]);
    s.moto.seed(&json!({ "organizations": [spec] }))
}

fn collect(s: &Sandbox, extra: &[&str]) -> (i32, Value, String) {
    let out = s
        .canopy()
        .args(["collect", "--regions", REGIONS, "--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let summary = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no JSON summary ({e}): {stderr}"));
    (out.status.code().unwrap(), summary, stderr)
}

#[test]
fn collect_fans_out_skips_suspended_accounts_and_answers_the_seed_queries() {
    let s = Sandbox::new();
    let seeded = estate(&s);
    let prod = ids_named(&seeded, "prod")[0].clone();
    let dev = ids_named(&seeded, "dev")[0].clone();
    let old = ids_named(&seeded, "old")[0].clone();
    s.json(&["org", "sync", "--format", "json"]);
    s.moto.reset_calls();

    let (code, summary, stderr) = collect(&s, &[]);
    assert_eq!(code, 0, "{stderr}\n{summary}");
    assert!(
        stderr.contains(&old),
        "the suspended account is named: {stderr}"
    );
    assert_eq!(summary["status"], "ok");
    assert_eq!(summary["accounts"], 3, "management, prod, dev");
    // per account: the account-wide collectors once + 2 regions x the regional ones
    let units = units(&s);
    assert!(units.ec2_regional > 0 && units.once > 0);
    assert_eq!(summary["units"], 3 * (units.once + 2 * units.regional));
    assert_eq!(summary["failed_units"], 0);

    // each family's calls and rows, in its own file
    let run = Collected {
        s,
        seeded,
        prod,
        dev,
        old,
    };
    let s = &run.s;
    let old = &run.old;
    iam::check(&run);
    s3::check(&run);
    ec2::check(&run);
    services::check(&run);

    let calls = s.moto.calls();
    assert!(
        !calls.iter().any(|c| &c.account == old),
        "the suspended account was called: {calls:?}"
    );
    assert!(
        calls
            .iter()
            .filter(|c| c.service == "ec2" && c.action != "DescribeRegions")
            .all(|c| c.region == "eu-west-1" || c.region == "us-east-1")
    );

    // every row carries account_id, region and collected_at
    for table in [
        "aws_region",
        "aws_ec2_instance",
        "aws_ec2_network_interface",
        "aws_vpc_route_table",
        "aws_vpc_route",
        "aws_vpc_internet_gateway",
        "aws_vpc",
        "aws_vpc_subnet",
        "aws_vpc_security_group",
        "aws_vpc_security_group_rule",
        "aws_iam_role",
        "aws_account",
        "aws_s3_bucket",
        "aws_organizations_account",
    ] {
        let missing = s.query(&format!(
                "select count(*) as n from {table} where account_id is null or region is null or collected_at is null"
            ),
        );
        assert_eq!(missing[0]["n"], 0, "{table}");
        let present = s.query(&format!("select count(*) as n from {table}"));
        assert!(present[0]["n"].as_i64().unwrap() > 0, "{table} is empty");
    }
    // tables and schema describe what is there
    let tables = s.json(&["tables", "--format", "json"]);
    let instance_table = tables
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "aws_ec2_instance")
        .unwrap();
    assert_eq!(instance_table["rows"], 4);
    let schema = s.json(&["schema", "aws_vpc_route", "--format", "json"]);
    let columns: Vec<&str> = schema
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    for wanted in [
        "route_table_id",
        "vpc_id",
        "destination_cidr_block",
        "destination_ipv6_cidr_block",
        "gateway_id",
        "nat_gateway_id",
        "state",
    ] {
        assert!(columns.contains(&wanted), "{wanted} in {columns:?}");
    }
    let out = s.canopy().args(["schema", "aws_nothing"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_refusing_region_is_recorded_keeps_its_rows_and_the_rest_completes() {
    let s = Sandbox::new();
    let seeded = estate(&s);
    let prod = ids_named(&seeded, "prod")[0].clone();
    let (code, _, stderr) = collect(&s, &[]);
    assert_eq!(code, 0, "{stderr}");
    let before = s.query("select instance_id, collected_at from aws_ec2_instance where region = 'eu-west-1' order by instance_id",
    );
    assert_eq!(before.len(), 3);

    // eu-west-1 now refuses every EC2 call, in EC2's own error shape
    s.moto.faults(&json!({"rules": [
        {"service": "ec2", "region": "eu-west-1", "code": "UnauthorizedOperation",
         "message": "You are not authorized to perform this operation.", "status": 403}
    ]}));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (code, summary, stderr) = collect(&s, &[]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(summary["status"], "partial");
    let ec2_regional = units(&s).ec2_regional;
    assert_eq!(
        summary["failed_units"],
        3 * ec2_regional,
        "3 accounts x the EC2 tables in eu-west-1"
    );
    assert_eq!(summary["failures"][0]["code"], "UnauthorizedOperation");
    assert_eq!(
        summary["failures"][0]["accounts"].as_array().unwrap().len(),
        3
    );

    // recorded, by run, account, region and table
    let errors = s.query(&format!(
        "select account_id, region, table_name, error_code from canopy_errors where run_id = {}",
        summary["run_id"]
    ));
    assert_eq!(errors.len() as u64, 3 * ec2_regional);
    assert!(
        errors
            .iter()
            .all(|e| e["region"] == "eu-west-1" && e["error_code"] == "UnauthorizedOperation")
    );
    assert!(
        errors
            .iter()
            .any(|e| e["account_id"] == prod.as_str() && e["table_name"] == "aws_ec2_instance")
    );

    // the failing region's earlier rows are still there, untouched; the other region refreshed
    let after = s.query("select instance_id, collected_at from aws_ec2_instance where region = 'eu-west-1' order by instance_id",
    );
    assert_eq!(after, before);
    let refreshed = s.query(&format!(
            "select count(*) as n from aws_ec2_instance where region = 'us-east-1' and collected_at > '{}'",
            before[0]["collected_at"].as_str().unwrap()
        ),
    );
    assert_eq!(refreshed[0]["n"], 1);
    let runs = s.query("select status, failed_units from canopy_runs order by run_id");
    assert_eq!(
        runs,
        vec![
            json!({"status": "ok", "failed_units": 0}),
            json!({"status": "partial", "failed_units": 3 * ec2_regional})
        ]
    );
}

#[test]
fn throttling_is_absorbed_by_retries() {
    let s = Sandbox::new();
    estate(&s);
    s.json(&["org", "sync", "--format", "json"]);
    s.moto.faults(&json!({"rules": [
        {"service": "ec2", "action": "DescribeInstances", "code": "RequestLimitExceeded",
         "message": "Request limit exceeded.", "status": 503, "times": 3}
    ]}));
    s.moto.reset_calls();
    let (code, summary, stderr) = collect(&s, &["--tables", "aws_ec2_instance"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(summary["failed_units"], 0);
    assert_eq!(summary["retries"], 3);
    assert_eq!(s.moto.count("DescribeInstances"), 3 * 2 + 3);
    assert_eq!(summary["rows"]["aws_ec2_instance"], 4);
    // only what was asked: no other table was collected
    assert_eq!(s.moto.count("DescribeRouteTables"), 0);
    assert_eq!(s.moto.count("ListRoles"), 0);
}

#[test]
fn selection_flags_pick_accounts_and_regions() {
    let s = Sandbox::new();
    let seeded = estate(&s);
    let prod = ids_named(&seeded, "prod")[0].clone();
    let (code, summary, stderr) = collect(
        &s,
        &[
            "--ou",
            "Workloads",
            "--tables",
            "aws_ec2_instance,aws_vpc_route",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        summary["accounts"], 1,
        "only prod is active under Workloads"
    );
    assert_eq!(summary["units"], 2 * 2);
    let accounts = s.query("select distinct account_id from aws_ec2_instance");
    assert_eq!(accounts, vec![json!({"account_id": prod})]);

    let (code, summary, _) = collect(
        &s,
        &["--exclude-accounts", &prod, "--tables", "aws_iam_role"],
    );
    assert_eq!(code, 0);
    assert_eq!(summary["accounts"], 2);

    for (args, wanted) in [
        (
            vec!["--tables", "aws_nothing"],
            "unknown table `aws_nothing`",
        ),
        (vec!["--regions", "Europe"], "not a region name"),
        (
            vec!["--accounts", "999999999999"],
            "not in any synced organization",
        ),
        (vec!["--ou", "Nowhere"], "no OU matches"),
    ] {
        let out = s.canopy().arg("collect").args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(wanted), "{args:?}: {stderr}");
    }
}

#[test]
fn query_is_read_only_and_bad_sql_gets_sqlite_message() {
    let s = Sandbox::new();
    estate(&s);
    s.json(&["org", "sync", "--format", "json"]);
    for sql in [
        "delete from aws_ec2_instance",
        "drop table org_accounts",
        "insert into canopy_runs (command, started_at, status) values ('x', 'y', 'z')",
        "attach database 'elsewhere.db' as other",
    ] {
        let out = s.canopy().args(["query", sql]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{sql}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("read-only"), "{sql}: {stderr}");
    }
    let n = s.json(&[
        "query",
        "select count(*) as n from org_accounts",
        "--format",
        "json",
    ]);
    assert_eq!(n[0]["n"], 4, "nothing was deleted");

    let out = s
        .canopy()
        .args(["query", "selec * from x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("syntax error"));
    let out = s
        .canopy()
        .args(["query", "select * from no_such_table"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such table: no_such_table"));

    // PostgreSQL as Steampipe users write it: translated, run, booleans as booleans
    let pg = s.query("-- from a Steampipe mod\nselect name, (state = 'ACTIVE')::text as active, split_part(arn, '/', 2) ~ '^o-' as in_org from aws_organizations_account where name ilike 'PROD' and now() - interval '1 day' < now()");
    assert_eq!(
        pg,
        vec![json!({"name": "prod", "active": "true", "in_org": true})]
    );
    // a construct without a translation is named, with what to write instead
    let out = s
        .canopy()
        .args(["query", "select md5(name) from aws_organizations_account"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("`md5()` has no SQLite translation"),
        "{stderr}"
    );
    // a write in PostgreSQL's dialect is refused too
    let out = s
        .canopy()
        .args(["query", "delete from org_accounts where id::int > 0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // from a file
    let file = s.dir.path().join("q.sql");
    std::fs::write(
        &file,
        "-- count\nselect count(*) as n from aws_organizations_account;\n",
    )
    .unwrap();
    let n = s.json(&[
        "query",
        "--file",
        file.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(n, json!([{"n": 4}]));

    let csv = s
        .canopy()
        .args([
            "query",
            "select name, state from aws_organizations_account order by name",
            "--format",
            "csv",
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&csv.stdout),
        "name,state\ndev,ACTIVE\nmaster,ACTIVE\nold,SUSPENDED\nprod,ACTIVE\n"
    );
}

#[test]
fn more_accounts_in_flight_than_the_sdk_identity_cache_holds_still_assume_once_each() {
    // the SDK's shared identity cache keeps 64 providers and evicts at random; with more
    // accounts in flight, each account's provider must answer from its own copy (a window of
    // concurrency / 4 = 128 accounts holds all 80 at once)
    let s = Sandbox::new();
    let members: Vec<Value> = (0..79).map(|i| account(&format!("m-{i:02}"))).collect();
    s.moto
        .seed(&json!({ "organizations": [org("123456789012", members, vec![])] }));
    s.json(&["org", "sync", "--format", "json"]);
    s.moto.reset_calls();
    let (code, summary, stderr) = collect(
        &s,
        &[
            "--tables",
            "aws_region,aws_iam_role",
            "--concurrency",
            "512",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(summary["accounts"], 80);
    assert_eq!(s.moto.count("AssumeRole"), 79, "one per member account");
    assert_eq!(s.moto.count("DescribeRegions"), 80);
    assert_eq!(s.moto.count("ListRoles"), 80);
}

#[test]
fn one_connection_pool_serves_every_account_region_and_service() {
    // every SDK client shares the process's one HTTP client: connections are reused across
    // accounts, regions and services (the emulator keeps them alive, as AWS does), so a run opens
    // about as many as requests are in flight at once, not one per call
    let s = Sandbox::new();
    let members: Vec<Value> = (0..7).map(|i| account(&format!("m-{i}"))).collect();
    s.moto
        .seed(&json!({ "organizations": [org("123456789012", members, vec![])] }));
    s.json(&["org", "sync", "--format", "json"]);
    s.moto.reset_calls();
    let concurrency = 4;
    let (code, summary, stderr) = collect(&s, &["--concurrency", &concurrency.to_string()]);
    assert_eq!(code, 0, "{stderr}");
    let calls = summary["calls"].as_u64().unwrap();
    assert!(
        calls >= 8 * 10,
        "8 accounts x 2 regions x every table: {calls}"
    );
    let connections = s.moto.connections();
    // the request slots bound what is on the wire at once; one endpoint; a little slack for a
    // connection handed back to the pool just after the next request started
    assert!(
        connections <= concurrency + 2,
        "{connections} connections for {calls} calls"
    );
}

#[test]
fn a_refused_detail_call_is_recorded_and_the_row_kept() {
    let s = Sandbox::new();
    let seeded = estate(&s);
    let prod = ids_named(&seeded, "prod")[0].clone();
    s.json(&["org", "sync", "--format", "json"]);
    // the public site's policy is hidden from the auditor (a bucket policy that denies it)
    s.moto.faults(&json!({"rules": [
        {"service": "s3", "action": "GetBucketPolicy", "account": prod,
         "code": "AccessDenied", "message": "Access Denied", "status": 403}
    ]}));
    let (code, summary, stderr) = collect(&s, &["--tables", "aws_s3_bucket"]);
    assert_eq!(code, 1, "incomplete rows are a partial run: {stderr}");
    assert_eq!(summary["status"], "partial");
    assert_eq!(summary["failed_units"], 0, "no unit failed");
    assert_eq!(
        summary["refused_details"],
        json!([{"action": "s3:GetBucketPolicy", "code": "AccessDenied", "calls": 2, "accounts": [prod]}])
    );
    let errors = s.query(&format!(
        "select account_id, region, table_name, action, resource, error_code from canopy_errors where run_id = {} order by resource",
        summary["run_id"]
    ));
    assert_eq!(
        errors,
        vec![
            json!({"account_id": prod, "region": "eu-west-1", "table_name": "aws_s3_bucket",
                   "action": "s3:GetBucketPolicy", "resource": "prod-flow-logs", "error_code": "AccessDenied"}),
            json!({"account_id": prod, "region": "eu-west-1", "table_name": "aws_s3_bucket",
                   "action": "s3:GetBucketPolicy", "resource": "prod-public-site", "error_code": "AccessDenied"}),
        ]
    );
    // the rows are there, with everything but the policy
    let rows = s.query("select name, policy, versioning_enabled, bucket_policy_is_public from aws_s3_bucket order by name");
    assert_eq!(
        rows,
        vec![
            json!({"name": "prod-flow-logs", "policy": null, "versioning_enabled": true, "bucket_policy_is_public": false}),
            json!({"name": "prod-public-site", "policy": null, "versioning_enabled": false, "bucket_policy_is_public": true}),
        ]
    );
}
