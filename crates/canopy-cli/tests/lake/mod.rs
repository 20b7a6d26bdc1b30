//! Sharded collection and the exported estate, end to end: one `org export` hands the
//! organizations to three workers (no worker calls Organizations), each collects its own third
//! of the accounts and exports Parquet; DuckDB reads the files through `schema --ddl duckdb`,
//! and `canopy import` merges the shards into a store equal, row for row, to one unsharded run.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::{Sandbox, succeeded};
use canopy_testkit::scenario::{account, org, suspended};

const TABLES: &str = "aws_vpc,aws_iam_role";

/// Seven members (one suspended), each with a role and a VPC; a bucket for the hand-off.
fn estate(s: &Sandbox) -> Value {
    let names = ["a", "b", "c", "d", "e", "f"];
    let mut members: Vec<Value> = names.iter().map(|n| account(n)).collect();
    members.push(suspended("old"));
    let mut spec = org("123456789012", members, vec![]);
    spec["resources"] = Value::Array(
        names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                json!({"account": n, "region": "eu-west-1",
                       "vpc": {"cidr": format!("10.{i}.0.0/16"), "name": format!("vpc-{n}")},
                       "roles": [{"name": format!("app-{n}"), "trusts": "444455556666"}]})
            })
            .collect(),
    );
    s.moto.seed(&json!({
        "organizations": [spec],
        "resources": [{"account": "123456789012", "region": "eu-west-1",
                       "buckets": [{"name": "canopy-lake"}]}],
    }))
}

fn db(s: &Sandbox, name: &str) -> PathBuf {
    s.dir.path().join(format!("{name}.db"))
}

/// `canopy ARGS...` on the store `name`, expected to succeed; its stdout.
fn run_on(s: &Sandbox, name: &str, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut cmd = s.canopy();
    cmd.env("CANOPY_DB", db(s, name)).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    String::from_utf8(succeeded(&mut cmd).stdout).unwrap()
}

fn rows(s: &Sandbox, name: &str, sql: &str) -> Vec<Value> {
    let out = run_on(s, name, &["query", sql, "--format", "json"], &[]);
    serde_json::from_str::<Value>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// Every row of `table` but the time canopy read it, in a stable order.
fn content(s: &Sandbox, name: &str, table: &str, columns: &str) -> Vec<Value> {
    rows(
        s,
        name,
        &format!("select {columns} from {table} order by account_id, region, {columns}"),
    )
}

fn duckdb(lake: &Path, ddl: &str, sql: &str) -> Value {
    let script = "import duckdb, json, sys\n\
        con = duckdb.connect()\n\
        con.execute(sys.argv[1])\n\
        cur = con.execute(sys.argv[2])\n\
        names = [d[0] for d in cur.description]\n\
        print(json.dumps([dict(zip(names, [str(v) if not isinstance(v, (int, float, bool, type(None))) else v for v in r])) for r in cur.fetchall()]))";
    let out = std::process::Command::new(canopy_testkit::venv_python())
        .current_dir(lake)
        .args(["-c", script, ddl, sql])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "duckdb: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn three_shards_exported_then_imported_equal_one_unsharded_run() {
    let s = Sandbox::new();
    estate(&s);
    run_on(&s, "main", &["org", "sync"], &[]);
    let handed = run_on(
        &s,
        "main",
        &[
            "org",
            "export",
            "s3://canopy-lake/handoff/org.json",
            "--format",
            "json",
        ],
        &[],
    );
    let handed: Value = serde_json::from_str(&handed).unwrap();
    assert_eq!(handed["accounts"], 8, "{handed}");
    let run = handed["run"].as_str().unwrap().to_owned();
    let lake = s.dir.path().join("lake");
    let lake_arg = lake.to_str().unwrap();

    // three workers, each with its own empty store; the second finds its index as a
    // Kubernetes Indexed Job gives it
    s.moto.reset_calls();
    let mut shards: Vec<Vec<String>> = Vec::new();
    for i in 1..=3 {
        let shard = format!("{i}/3");
        let index = (i - 1).to_string();
        let (args, env): (Vec<&str>, Vec<(&str, &str)>) = if i == 2 {
            (
                vec!["--shard-from-env", "3"],
                vec![("JOB_COMPLETION_INDEX", index.as_str())],
            )
        } else {
            (vec!["--shard", shard.as_str()], vec![])
        };
        let mut cmd = vec![
            "collect",
            "--snapshot",
            "s3://canopy-lake/handoff/org.json",
            "--tables",
            TABLES,
            "--regions",
            "eu-west-1",
            "--export",
            lake_arg,
            "--format",
            "json",
        ];
        cmd.extend(args);
        run_on(&s, &format!("shard{i}"), &cmd, &env);
        shards.push(
            rows(
                &s,
                &format!("shard{i}"),
                "select distinct account_id from aws_vpc",
            )
            .iter()
            .map(|r| r["account_id"].as_str().unwrap().to_owned())
            .collect(),
        );
    }
    let organizations: u64 = s
        .moto
        .calls()
        .iter()
        .filter(|c| c.service == "organizations")
        .map(|c| c.count)
        .sum();
    assert_eq!(organizations, 0, "workers never call Organizations");
    let mut all: Vec<String> = shards.concat();
    all.sort();
    let before = all.len();
    all.dedup();
    assert_eq!(before, all.len(), "no account collected twice: {shards:?}");
    assert_eq!(
        all.len(),
        7,
        "the management account and six active members"
    );
    assert!(
        shards.iter().all(|s| (2..=3).contains(&s.len())),
        "{shards:?}"
    );

    // the same job, unsharded
    run_on(
        &s,
        "main",
        &["collect", "--tables", TABLES, "--regions", "eu-west-1"],
        &[],
    );

    // the manifests say the run is complete; a shard is never exported twice
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(lake.join(format!(
            "_canopy/dt={}-{}-{}/run={run}/shard-3-of-3.json",
            &run[0..4],
            &run[4..6],
            &run[6..8]
        )))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(manifest["shard"], json!({"index": 3, "count": 3}));
    assert!(manifest["tables"]["aws_vpc"]["rows"].as_u64().unwrap() > 0);
    assert!(
        manifest["tables"]
            .get("aws_organizations_account")
            .is_none(),
        "shard 1 exports the organization"
    );
    let mut again = s.canopy();
    let out = again
        .env("CANOPY_DB", db(&s, "shard3"))
        .args([
            "export", "--out", lake_arg, "--shard", "3/3", "--run-id", &run,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is exported already"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // merged: the union equals the unsharded run, row for row
    let imported = run_on(&s, "merged", &["import", lake_arg, "--format", "json"], &[]);
    let imported: Value = serde_json::from_str(&imported).unwrap();
    assert_eq!(imported["shards"], 3);
    assert_eq!(imported["run"], run.as_str());
    for (table, columns) in [
        (
            "aws_vpc",
            "vpc_id, cidr_block, is_default, tags, title, partition",
        ),
        (
            "aws_iam_role",
            "name, arn, assume_role_policy, create_date, tags",
        ),
        (
            "aws_organizations_account",
            "id, name, state, ou_path, tags",
        ),
    ] {
        let one = content(&s, "main", table, columns);
        assert!(!one.is_empty(), "{table}");
        assert_eq!(content(&s, "merged", table, columns), one, "{table}");
    }
    assert_eq!(
        rows(&s, "merged", "select count(*) as n from canopy_runs")[0]["n"],
        3,
        "each shard's run, under a new id"
    );

    // DuckDB reads the files through the generated views: types kept, every row once
    let ddl = run_on(
        &s,
        "main",
        &["schema", "--ddl", "duckdb", "--location", lake_arg],
        &[],
    );
    assert!(ddl.contains("CREATE OR REPLACE VIEW aws_vpc AS"), "{ddl}");
    assert!(
        !ddl.contains("VIEW aws_ec2_instance AS"),
        "only exported tables: {ddl}"
    );
    let seen = duckdb(
        &lake,
        &ddl,
        &format!(
            "select count(*) as n, count(distinct account_id) as accounts, \
             any_value(typeof(is_default)) as b, any_value(typeof(collected_at)) as t \
             from aws_vpc where run = '{run}'"
        ),
    );
    let vpcs = rows(&s, "main", "select count(*) as n from aws_vpc");
    assert_eq!(seen[0]["n"], vpcs[0]["n"], "{seen}");
    assert_eq!(seen[0]["b"], "BOOLEAN");
    assert_eq!(seen[0]["t"], "TIMESTAMP WITH TIME ZONE");
    let tags = duckdb(
        &lake,
        &ddl,
        "select json_extract_string(tags, '$.Name') as name from aws_vpc where account_id <> '123456789012' order by 1 limit 1",
    );
    assert_eq!(tags[0]["name"], "vpc-a", "JSON columns stay JSON text");

    // the merged store round-trips through S3, and a run missing a shard is refused
    run_on(
        &s,
        "merged",
        &[
            "export",
            "--out",
            "s3://canopy-lake/merged",
            "--run-id",
            "merged",
        ],
        &[],
    );
    run_on(&s, "again", &["import", "s3://canopy-lake/merged"], &[]);
    assert_eq!(
        content(&s, "again", "aws_iam_role", "name, arn"),
        content(&s, "main", "aws_iam_role", "name, arn")
    );
    run_on(
        &s,
        "shard1",
        &[
            "export", "--out", lake_arg, "--shard", "1/2", "--run-id", "partial",
        ],
        &[],
    );
    let mut cmd = s.canopy();
    let out = cmd
        .env("CANOPY_DB", db(&s, "partial"))
        .args(["import", lake_arg, "--run", "partial"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("run `partial` is not complete: shard(s) 2/2 have no manifest"),
        "{stderr}"
    );
}
