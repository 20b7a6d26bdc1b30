//! End-to-end tests: the real `canopy` binary against a private AWS emulator per test.
//! One test binary for the crate keeps link time down.
//!
//! Over 600 lines: the harness every end-to-end test shares (the emulator, the binary, the store),
//! with the tests that cover no single family.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use canopy_testkit::Moto;
use canopy_testkit::scenario::{account, org, ou, suspended, tagged};
use serde_json::{Value, json};

mod access;
mod accounts;
mod collect;
mod credreport;
mod exec;
mod findings;
mod lake;
mod policy;
mod sqlcompat;

/// A sandbox: a temporary HOME (so no user file is touched), a store, and the emulator's env.
struct Sandbox {
    dir: tempfile::TempDir,
    moto: Moto,
}

impl Sandbox {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
            moto: Moto::start(),
        }
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn aws_config(&self) -> PathBuf {
        self.home().join(".aws/config")
    }

    fn spc(&self) -> PathBuf {
        self.home().join(".steampipe/config/aws.spc")
    }

    fn canopy(&self) -> Command {
        Command::from_std(self.process())
    }

    /// The canopy process of [`Sandbox::canopy`], to spawn and signal.
    fn process(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("canopy"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("CANOPY_DB", self.dir.path().join("canopy.db"));
        for (k, v) in self.moto.env() {
            cmd.env(k, v);
        }
        cmd
    }

    /// `canopy config generate ARGS...`, run to completion.
    fn generate(&self, args: &[&str]) -> std::process::Output {
        self.canopy()
            .args(["config", "generate"])
            .args(args)
            .output()
            .unwrap()
    }

    /// `canopy query SQL --format json`, as rows.
    fn query(&self, sql: &str) -> Vec<Value> {
        self.json(&["query", sql, "--format", "json"])
            .as_array()
            .unwrap()
            .clone()
    }

    /// `canopy ARGS...` expected to end with exit code `code`; its stderr.
    fn refused(&self, args: &[&str], code: i32) -> String {
        let out = self.canopy().args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(code), "canopy {args:?}: {stderr}");
        stderr
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }

    /// `canopy ARGS...` run to success; its stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = succeeded(self.canopy().args(args));
        String::from_utf8(out.stdout).unwrap()
    }
}

/// Runs `cmd` and asserts it succeeded (its arguments and stderr in the message otherwise).
fn succeeded(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `canopy ARGS...` with Ctrl-C pressed once the emulator has seen `action` called `calls`
/// times; how it ended.
fn interrupted_after(s: &Sandbox, args: &[&str], action: &str, calls: u64) -> std::process::Output {
    let child = s
        .process()
        .env("CANOPY_POLL_MS", "50")
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while s.moto.count(action) < calls {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(120),
            "{action} was not called {calls} time(s)"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let pressed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(pressed.success());
    child.wait_with_output().unwrap()
}

/// The stderr of an interrupted run, asserted to have ended with exit 1 and said so.
fn ended_interrupted(out: &std::process::Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    stderr
}

fn ids_named(seeded: &Value, name: &str) -> Vec<String> {
    seeded["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|o| o["accounts"].as_array().unwrap().iter())
        .filter(|a| a["name"] == name)
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn sync_walks_pages_deep_ous_suspended_accounts_and_tags_with_minimal_calls() {
    let s = Sandbox::new();
    let root_accounts: Vec<Value> = (0..24).map(|i| account(&format!("acct-{i:02}"))).collect();
    let deep = ou(
        "L1",
        vec![],
        vec![ou(
            "L2",
            vec![],
            vec![ou(
                "L3",
                vec![],
                vec![ou(
                    "L4",
                    vec![tagged("deep", &[("env", "prod")]), suspended("gone")],
                    vec![],
                )],
            )],
        )],
    );
    let seeded = s
        .moto
        .seed(&json!({ "organizations": [org("123456789012", root_accounts, vec![deep, ou("Empty", vec![], vec![])])] }));
    s.moto.reset_calls();

    let summary = s.json(&["org", "sync", "--format", "json"]);
    assert_eq!(summary["payers"][0]["status"], "ok");
    assert_eq!(
        summary["payers"][0]["accounts"], 27,
        "24 + deep + gone + management"
    );
    assert_eq!(summary["payers"][0]["active_accounts"], 26);
    assert_eq!(summary["payers"][0]["ous"], 5);

    // the minimum: one call per node and page for the tree, one per account for tags
    let nodes = 1 + 5;
    assert_eq!(s.moto.count("ListOrganizationalUnitsForParent"), nodes);
    assert_eq!(
        s.moto.count("ListAccountsForParent"),
        nodes + 1,
        "the root's 25 accounts take two pages of 20"
    );
    assert_eq!(
        s.moto.count("ListParents"),
        0,
        "the tree is walked, never ListParents"
    );
    assert_eq!(s.moto.count("ListTagsForResource"), 27);
    assert_eq!(s.moto.count("DescribeOrganization"), 1);
    assert_eq!(s.moto.count("ListRoots"), 1);

    let accounts = s.json(&["accounts", "list", "--format", "json"]);
    let accounts = accounts.as_array().unwrap();
    assert_eq!(accounts.len(), 27);
    let org_id = seeded["organizations"][0]["id"].as_str().unwrap();
    let ous = &seeded["organizations"][0]["ous"];
    let deep = accounts.iter().find(|a| a["name"] == "deep").unwrap();
    assert_eq!(
        deep["ou_path"],
        format!(
            "{org_id}/{}/{}/{}/{}/{}/",
            ous["Root"].as_str().unwrap(),
            ous["Root/L1"].as_str().unwrap(),
            ous["Root/L1/L2"].as_str().unwrap(),
            ous["Root/L1/L2/L3"].as_str().unwrap(),
            ous["Root/L1/L2/L3/L4"].as_str().unwrap()
        )
    );
    assert_eq!(deep["ou_names"], "Root/L1/L2/L3/L4");
    assert_eq!(deep["tags"], json!({ "env": "prod" }));
    for key in [
        "id",
        "name",
        "email",
        "state",
        "org_id",
        "management_account_id",
        "parent_id",
        "ou_path",
        "tags",
    ] {
        assert!(
            deep.get(key).is_some(),
            "`{key}` is part of the JSON contract"
        );
    }
    let gone = accounts.iter().find(|a| a["name"] == "gone").unwrap();
    assert_eq!(gone["state"], "SUSPENDED");
    assert!(accounts.iter().any(|a| a["is_management_account"] == true));

    // filters
    let suspended = s.json(&[
        "accounts",
        "list",
        "--format",
        "json",
        "--state",
        "suspended",
    ]);
    assert_eq!(suspended.as_array().unwrap().len(), 1);
    let below_l2 = s.json(&["accounts", "list", "--format", "json", "--ou", "L1/L2"]);
    assert_eq!(
        below_l2.as_array().unwrap().len(),
        2,
        "--ou includes everything below"
    );
    let tagged = s.json(&["accounts", "list", "--format", "json", "--tag", "env=prod"]);
    assert_eq!(tagged.as_array().unwrap().len(), 1);

    // the stored snapshot is used while fresh: no further calls
    s.moto.reset_calls();
    s.json(&["org", "tree", "--format", "json"]);
    assert_eq!(
        s.moto.calls().len(),
        0,
        "a fresh snapshot is read from the store"
    );
    s.canopy()
        .args(["org", "tree", "--refresh"])
        .assert()
        .success();
    assert_eq!(s.moto.count("ListRoots"), 1, "--refresh syncs again");
}

#[test]
fn two_organizations_sync_together_and_a_failing_payer_does_not_stop_the_others() {
    let s = Sandbox::new();
    let seeded = s.moto.seed(&json!({ "organizations": [
        org("123456789012", vec![account("prod"), account("member-payer")], vec![]),
        org("210987654321", vec![account("prod")], vec![ou("Acquired", vec![account("dev")], vec![])]),
    ]}));
    let member = ids_named(&seeded, "member-payer")[0].clone();
    // a payer whose role cannot be assumed, and a member account that is not a management account
    s.moto.faults(&json!({ "rules": [
        { "service": "sts", "action": "AssumeRole", "contains": ":444455556666:", "code": "AccessDenied",
          "message": "User is not authorized to perform: sts:AssumeRole", "status": 403 },
        { "service": "organizations", "action": "ListRoots", "account": member, "code": "AccessDeniedException",
          "message": "You don't have permissions to access this resource." },
    ]}));
    let out = s
        .canopy()
        .args([
            "org",
            "sync",
            "--format",
            "json",
            "--payer",
            "123456789012",
            "--payer",
            "210987654321",
        ])
        .args([
            "--payer",
            "444455556666",
            "--payer",
            &member,
            "--payer-role",
            "OrganizationAccountAccessRole",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "partial failure exits 1");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("444455556666") && stderr.contains("sts:AssumeRole"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&member) && stderr.contains("organizations:ListRoots"),
        "{stderr}"
    );
    assert!(
        stderr.contains("delegated administrator"),
        "a hint names the fix: {stderr}"
    );
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    let statuses: Vec<(&str, &str)> = summary["payers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["payer"].as_str().unwrap(), p["status"].as_str().unwrap()))
        .collect();
    assert!(statuses.contains(&("123456789012", "ok")));
    assert!(statuses.contains(&("210987654321", "ok")));
    assert!(statuses.contains(&("444455556666", "error")));

    s.moto.faults(&json!({}));
    let accounts = s.json(&["accounts", "list", "--format", "json"]);
    let orgs: std::collections::BTreeSet<_> = accounts
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["org_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(orgs.len(), 2, "both organizations are stored");
    let acquired = s.json(&[
        "accounts",
        "list",
        "--format",
        "json",
        "--org",
        seeded["organizations"][1]["id"].as_str().unwrap(),
    ]);
    assert_eq!(acquired.as_array().unwrap().len(), 3);
    let tree = s.canopy().args(["org", "tree"]).output().unwrap();
    let text = String::from_utf8_lossy(&tree.stdout);
    assert!(
        text.contains("Acquired") && text.contains("[management]"),
        "{text}"
    );
    for format in ["mermaid", "dot", "json"] {
        s.canopy()
            .args(["org", "tree", "--format", format])
            .assert()
            .success();
    }
}

#[test]
fn throttled_calls_are_retried_and_a_persistent_failure_exits_non_zero() {
    let s = Sandbox::new();
    s.moto.seed(&json!({ "organizations": [org("123456789012", vec![account("a"), account("b")], vec![])] }));
    s.moto.faults(&json!({ "rules": [
        { "service": "organizations", "action": "ListAccountsForParent", "code": "TooManyRequestsException", "times": 2 },
        { "service": "organizations", "action": "ListTagsForResource", "code": "TooManyRequestsException", "times": 2 },
    ]}));
    s.moto.reset_calls();
    let summary = s.json(&["org", "sync", "--format", "json"]);
    assert_eq!(summary["payers"][0]["accounts"], 3);
    assert_eq!(
        s.moto.count("ListAccountsForParent"),
        1 + 2,
        "two throttled attempts, then success"
    );

    // with retries exhausted: exit 1, the error names the operation, the old snapshot stays
    s.moto.faults(&json!({ "rules": [
        { "service": "organizations", "action": "ListRoots", "code": "TooManyRequestsException" },
    ]}));
    let out = s.canopy().args(["org", "sync"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("organizations:ListRoots"));
    assert_eq!(
        s.moto.count("ListRoots"),
        1 + 4,
        "max attempts honoured (4 in tests)"
    );
    s.moto.faults(&json!({}));
    let accounts = s.json(&["accounts", "list", "--format", "json"]);
    assert_eq!(
        accounts.as_array().unwrap().len(),
        3,
        "a failed sync loses nothing"
    );
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn config_generate_names_awkward_accounts_keeps_user_content_and_is_idempotent() {
    let s = Sandbox::new();
    let seeded = s.moto.seed(&json!({ "organizations": [
        org("123456789012", vec![account("Dev"), account("dev"), account("Prod (EU) v2.0"), account("Équipe Données"),
            account(&"x".repeat(50)), suspended("old")], vec![]),
        org("210987654321", vec![account("dev")], vec![]),
    ]}));
    let user =
        "# my settings\n[default]\nregion = eu-west-1\n\n[profile security]\nregion = us-east-1\n";
    std::fs::create_dir_all(s.aws_config().parent().unwrap()).unwrap();
    std::fs::write(s.aws_config(), user).unwrap();

    s.canopy()
        .args([
            "org",
            "sync",
            "--payer",
            "123456789012",
            "--payer",
            "210987654321",
        ])
        .assert()
        .success();
    assert!(
        s.generate(&["--role", "security-audit", "--source-profile", "security"])
            .status
            .success()
    );
    let config = read(&s.aws_config());
    assert!(config.starts_with(user), "user content kept byte for byte");
    let profiles: Vec<&str> = config
        .lines()
        .filter_map(|l| {
            l.strip_prefix("[profile ")
                .and_then(|l| l.strip_suffix(']'))
        })
        .collect();
    let mut unique = profiles.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        profiles.len(),
        "no duplicate sections: {profiles:?}"
    );
    for id in ids_named(&seeded, "dev")
        .iter()
        .chain(&ids_named(&seeded, "Dev"))
    {
        assert!(
            config.contains(&format!("[profile dev_{id}]")),
            "clashes take ids: {config}"
        );
    }
    assert!(config.contains("[profile prod_eu_v2_0]"));
    assert!(config.contains("[profile equipe_donnees]"));
    assert!(
        !config.contains("[profile old]"),
        "suspended accounts are left out"
    );
    assert!(config.contains("role_arn = arn:aws:iam::"));
    assert!(config.contains("source_profile = security\nrole_session_name = canopy\n"));
    let spc = read(&s.spc());
    assert!(spc.contains("type        = \"aggregator\""));
    assert!(spc.contains("connection \"aws_prod_eu_v2_0\" {\n  plugin  = \"aws\"\n  profile = \"prod_eu_v2_0\"\n  regions = [\"*\"]\n}"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(s.spc()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "new files are owner-only");
    }

    // a rerun leaves both files byte-identical
    assert!(
        s.generate(&["--role", "security-audit", "--source-profile", "security"])
            .status
            .success()
    );
    assert_eq!(read(&s.aws_config()), config);
    assert_eq!(read(&s.spc()), spc);

    // user edits after the block are kept; --dry-run shows a diff and writes nothing
    let edited = format!("{config}\n[profile later]\nregion = ap-south-1\n");
    std::fs::write(s.aws_config(), &edited).unwrap();
    let out = s.generate(&[
        "--role",
        "other-role",
        "--credential-source",
        "Ec2InstanceMetadata",
        "--dry-run",
    ]);
    assert!(out.status.success());
    let diff = String::from_utf8_lossy(&out.stdout);
    assert!(
        diff.contains("+credential_source = Ec2InstanceMetadata"),
        "{diff}"
    );
    assert_eq!(read(&s.aws_config()), edited, "a dry run writes nothing");
    assert!(
        s.generate(&["--role", "security-audit", "--source-profile", "security"])
            .status
            .success()
    );
    assert!(read(&s.aws_config()).ends_with("\n[profile later]\nregion = ap-south-1\n"));
}

#[test]
fn config_generate_refuses_clashes_and_unparseable_files_and_writes_nothing() {
    let s = Sandbox::new();
    s.moto
        .seed(&json!({ "organizations": [org("123456789012", vec![account("prod")], vec![])] }));
    s.canopy().args(["org", "sync"]).assert().success();
    std::fs::create_dir_all(s.aws_config().parent().unwrap()).unwrap();
    std::fs::create_dir_all(s.spc().parent().unwrap()).unwrap();

    let clashing = "[profile prod]\nregion = us-east-1\n";
    std::fs::write(s.aws_config(), clashing).unwrap();
    let out = s.generate(&["--role", "audit", "--source-profile", "prod"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`prod` (line 1)") && err.contains("--name-template"),
        "{err}"
    );
    assert_eq!(read(&s.aws_config()), clashing);
    assert!(
        !s.spc().exists(),
        "nothing written when either file is refused"
    );

    let broken = "region = us-east-1\n[default]\n";
    std::fs::write(s.aws_config(), broken).unwrap();
    let out = s.generate(&["--role", "audit", "--credential-source", "Environment"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(":1`"));
    assert_eq!(read(&s.aws_config()), broken);

    std::fs::write(s.aws_config(), "[default]\n").unwrap();
    let bad_hcl = "connection \"mine\" {\n  plugin = \n";
    std::fs::write(s.spc(), bad_hcl).unwrap();
    let out = s.generate(&["--role", "audit", "--credential-source", "Environment"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("aws.spc"));
    assert_eq!(read(&s.spc()), bad_hcl);
    assert_eq!(
        read(&s.aws_config()),
        "[default]\n",
        "the AWS file is untouched too"
    );

    std::fs::write(s.spc(), "connection \"aws\" {\n  plugin = \"aws\"\n}\n").unwrap();
    let out = s.generate(&["--role", "audit", "--credential-source", "Environment"]);
    assert_eq!(out.status.code(), Some(2), "the aggregator name is taken");
}

#[test]
fn suspended_accounts_leave_the_block_after_a_refresh() {
    let s = Sandbox::new();
    let seeded = s.moto.seed(&json!({ "organizations": [org("123456789012", vec![account("alpha"), account("beta")], vec![])] }));
    assert!(
        s.generate(&[
            "--role",
            "audit",
            "--credential-source",
            "Environment",
            "--no-steampipe",
        ])
        .status
        .success()
    );
    assert!(read(&s.aws_config()).contains("[profile beta]"));
    assert!(!s.spc().exists(), "--no-steampipe leaves Steampipe alone");

    // close beta in the emulator, as the management account
    let beta = ids_named(&seeded, "beta")[0].clone();
    let status = std::process::Command::new(canopy_testkit::venv_python())
        .args(["-c", &format!(
            "import boto3; boto3.client('organizations', endpoint_url='{}', region_name='us-east-1', aws_access_key_id='t', aws_secret_access_key='t').close_account(AccountId='{beta}')",
            s.moto.endpoint()
        )])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(
        s.generate(&[
            "--role",
            "audit",
            "--credential-source",
            "Environment",
            "--no-steampipe",
            "--refresh",
        ])
        .status
        .success()
    );
    let config = read(&s.aws_config());
    assert!(
        config.contains("[profile alpha]") && !config.contains("[profile beta]"),
        "{config}"
    );
}

#[test]
fn settings_file_supplies_defaults_and_unknown_keys_are_named() {
    let s = Sandbox::new();
    s.moto.seed(&json!({ "organizations": [
        org("123456789012", vec![account("a")], vec![]),
        org("210987654321", vec![account("b")], vec![]),
    ]}));
    let settings = s.dir.path().join("canopy.toml");
    std::fs::write(&settings, "payers = [\"123456789012\", \"210987654321\"]\nrole = \"audit\"\ncredential_source = \"Environment\"\n").unwrap();
    let summary = s.json(&[
        "--config",
        settings.to_str().unwrap(),
        "org",
        "sync",
        "--format",
        "json",
    ]);
    assert_eq!(
        summary["payers"].as_array().unwrap().len(),
        2,
        "payers come from the file"
    );
    s.canopy()
        .args([
            "--config",
            settings.to_str().unwrap(),
            "config",
            "generate",
            "--no-steampipe",
        ])
        .assert()
        .success();
    assert!(read(&s.aws_config()).contains("credential_source = Environment"));

    // a flag beats the file
    let summary = s.json(&[
        "--config",
        settings.to_str().unwrap(),
        "org",
        "sync",
        "--format",
        "json",
        "--payer",
        "210987654321",
    ]);
    assert_eq!(summary["payers"].as_array().unwrap().len(), 1);

    std::fs::write(&settings, "payer = [\"123456789012\"]\n").unwrap();
    let out = s
        .canopy()
        .args(["--config", settings.to_str().unwrap(), "org", "sync"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("payer") && err.contains("canopy.toml"),
        "{err}"
    );
}

#[test]
fn usage_errors_and_completions() {
    let s = Sandbox::new();
    let out = s
        .canopy()
        .args(["accounts", "list"])
        .env("CANOPY_PAYERS", "12345")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`12345` is not an AWS account id"));
    let out = s.canopy().args(["completions", "bash"]).output().unwrap();
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("canopy"));
    let out = s.generate(&["--role", "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--source-profile"));
}

/// The Rust files below `dir`, test modules' files left out.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("tests.rs") {
            out.push(path);
        }
    }
}

/// Only the fan-out starts work per account in the engine: every command's accounts, regions,
/// plans and children go through `fanout::run`, `each`, `as_they_end` or `spawned`, so the
/// window and the request slots are one mechanism (ARCHITECTURE.md, invariants). The credential
/// server's connections are the one other place the engine spawns: they are not per account.
#[test]
fn only_the_fan_out_starts_per_account_work() {
    let src = canopy_testkit::workspace_root().join("crates/canopy-engine/src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut found = Vec::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy();
        if name == "fanout.rs" || name == "credserver.rs" {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (n, line) in code.lines().enumerate() {
            let starts = [
                "tokio::spawn",
                "spawn_blocking",
                "JoinSet",
                "join_all",
                "FuturesUnordered",
                "buffer_unordered(",
                ".buffered(",
            ];
            if !line.trim_start().starts_with("//") && starts.iter().any(|s| line.contains(s)) {
                found.push(format!("{name}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    assert!(files.len() > 20, "the engine's sources: {}", files.len());
    assert!(
        found.is_empty(),
        "per-account work started outside the fan-out:\n{}",
        found.join("\n")
    );
}

/// The library crates' code (tests left out) never names one of the front end's flags: a fix
/// that takes a flag is a typed hint the CLI words (ARCHITECTURE.md, invariants).
#[test]
fn no_library_crate_names_a_flag() {
    let root = canopy_testkit::workspace_root();
    let mut files = Vec::new();
    for krate in [
        "model", "policy", "aws", "store", "lake", "render", "engine",
    ] {
        rust_files(&root.join(format!("crates/canopy-{krate}/src")), &mut files);
    }
    assert!(
        files.len() > 50,
        "the library crates' sources: {}",
        files.len()
    );
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (n, line) in code.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            let bytes = line.as_bytes();
            let named = (0..bytes.len().saturating_sub(2)).any(|i| {
                bytes[i] == b'-'
                    && bytes[i + 1] == b'-'
                    && bytes[i + 2].is_ascii_lowercase()
                    && line[..i].matches('"').count() % 2 == 1
            });
            if named {
                found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "flags named in library code:\n{}",
        found.join("\n")
    );
}
