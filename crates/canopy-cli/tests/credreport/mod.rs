//! `canopy credreport collect`, end to end.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::{Sandbox, ids_named};
use canopy_testkit::scenario::{account, org, suspended};

fn estate(s: &Sandbox) -> Value {
    let mut spec = org(
        "123456789012",
        vec![account("prod"), account("dev"), suspended("old")],
        vec![],
    );
    spec["resources"] = json!([
        {"account": "prod", "users": [{"name": "alice", "access_keys": 2, "password": true},
                                      {"name": "deploy-bot", "access_keys": 1}]},
        {"account": "dev", "users": [{"name": "bob", "password": true}]},
    ]);
    s.moto.seed(&json!({ "organizations": [spec] }))
}

fn run(s: &Sandbox, out: &Path) -> (i32, Value, String) {
    let output = s
        .canopy()
        .args(["credreport", "collect", "--format", "json", "--out"])
        .arg(out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let summary = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("no JSON summary ({e}): {stderr}"));
    (output.status.code().unwrap(), summary, stderr)
}

fn csv_files(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn reports_land_in_a_new_folder_per_run_and_in_the_store() {
    let s = Sandbox::new();
    let seeded = estate(&s);
    let prod = ids_named(&seeded, "prod")[0].clone();
    let dev = ids_named(&seeded, "dev")[0].clone();
    let out = s.dir.path().join("reports");

    let (code, first, stderr) = run(&s, &out);
    assert_eq!(code, 0, "{stderr}");
    let folder = PathBuf::from(first["folder"].as_str().unwrap());
    assert!(folder.starts_with(&out));
    let mut wanted = vec![
        format!("credential-report-{prod}.csv"),
        format!("credential-report-{dev}.csv"),
        "credential-report-123456789012.csv".to_owned(),
        "manifest.json".to_owned(),
    ];
    wanted.sort();
    assert_eq!(
        csv_files(&folder),
        wanted,
        "suspended accounts are left out"
    );
    let csv =
        std::fs::read_to_string(folder.join(format!("credential-report-{prod}.csv"))).unwrap();
    assert!(csv.starts_with("user,arn,user_creation_time,"));
    assert!(csv.contains("deploy-bot"));
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["accounts"].as_array().unwrap().len(), 3);
    assert!(
        manifest["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["status"] == "ok" && a["generated_time"].is_string())
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(folder.join("manifest.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // typed rows, per account
    let rows = Value::Array(s.query("select account_id, user_name, password_enabled, access_key_1_active, access_key_2_active, mfa_active from aws_iam_credential_report order by account_id, user_name"));
    let alice = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["user_name"] == "alice")
        .unwrap();
    assert_eq!(alice["account_id"], prod.as_str());
    assert_eq!(alice["password_enabled"], true);
    assert_eq!(alice["access_key_2_active"], true);
    assert_eq!(alice["mfa_active"], false);
    let bob = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["user_name"] == "bob")
        .unwrap();
    assert_eq!(bob["access_key_1_active"], false);

    // the same day again: a new folder, the first one untouched
    let (code, second, _) = run(&s, &out);
    assert_eq!(code, 0);
    let second_folder = PathBuf::from(second["folder"].as_str().unwrap());
    assert_ne!(second_folder, folder);
    assert_eq!(csv_files(&folder), wanted);
    assert_eq!(csv_files(&second_folder), wanted);
    let users = Value::Array(s.query("select count(*) as n from aws_iam_credential_report"));
    assert_eq!(users[0]["n"], 3, "replaced, not doubled");

    // the emulator's reports carry an old generation time: the summary says they were reused
    let text = s.canopy().args(["credreport", "collect"]).output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("3 report(s) were generated before this run started"),
        "{text}"
    );
}

#[test]
fn a_refusing_account_is_reported_and_the_others_complete() {
    let s = Sandbox::new();
    let seeded = estate(&s);
    let dev = ids_named(&seeded, "dev")[0].clone();
    s.json(&["org", "sync", "--format", "json"]);
    s.moto.faults(&json!({"rules": [
        {"service": "iam", "action": "GenerateCredentialReport", "account": dev,
         "code": "AccessDenied", "message": "not authorized to perform iam:GenerateCredentialReport",
         "status": 403}
    ]}));
    let out = s.dir.path().join("reports");
    let (code, summary, stderr) = run(&s, &out);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains(&dev), "{stderr}");
    let accounts = summary["accounts"].as_array().unwrap();
    let failed: Vec<&Value> = accounts
        .iter()
        .filter(|a| a["status"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["account_id"], dev.as_str());
    assert_eq!(failed[0]["error"]["code"], "AccessDenied");
    assert_eq!(accounts.iter().filter(|a| a["status"] == "ok").count(), 2);
    let folder = PathBuf::from(summary["folder"].as_str().unwrap());
    assert_eq!(csv_files(&folder).len(), 3, "two reports and the manifest");
    let errors =
        Value::Array(s.query("select account_id, table_name, error_code from canopy_errors"));
    assert_eq!(
        errors,
        json!([{"account_id": dev, "table_name": "aws_iam_credential_report", "error_code": "AccessDenied"}])
    );
}

#[test]
fn the_credentials_report_names_account_ou_and_user() {
    let s = Sandbox::new();
    let seeded = estate(&s);
    let prod = ids_named(&seeded, "prod")[0].clone();
    let out = s.dir.path().join("reports");
    let (code, _, stderr) = run(&s, &out);
    assert_eq!(code, 0, "{stderr}");

    let findings = s.json(&["report", "credentials", "--format", "json"]);
    let mut seen: Vec<(String, String)> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["user_name"].as_str().unwrap().to_owned(),
                f["finding"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        vec![
            ("alice".to_owned(), "console user without MFA".to_owned()),
            ("alice".to_owned(), "two active access keys".to_owned()),
            ("bob".to_owned(), "console user without MFA".to_owned()),
        ],
        "fresh keys and passwords are not findings at the default 90 days"
    );
    let alice = findings
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["user_name"] == "alice")
        .unwrap();
    assert_eq!(alice["account_id"], prod.as_str());
    assert_eq!(alice["account_name"], "prod");
    assert_eq!(alice["ou_path"], "Root");

    // with no tolerance, every active key is too old and every unused credential a finding
    let strict = s.json(&[
        "report",
        "credentials",
        "--max-key-age",
        "0",
        "--max-unused",
        "0",
        "--format",
        "json",
    ]);
    let strict: Vec<&str> = strict
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["finding"].as_str().unwrap())
        .collect();
    assert_eq!(
        strict
            .iter()
            .filter(|f| f.starts_with("access key") && f.contains("older than 0 days"))
            .count(),
        3,
        "alice's two keys and deploy-bot's one: {strict:?}"
    );
    assert!(strict.iter().any(|f| f.starts_with("password unused")));
}

/// The estate plus a bucket, a KMS key and a topic in the management account.
fn estate_with_delivery(s: &Sandbox) -> Value {
    let mut spec = org(
        "123456789012",
        vec![account("prod"), account("dev")],
        vec![],
    );
    spec["resources"] = json!([
        {"account": "prod", "users": [{"name": "alice", "access_keys": 1}]},
    ]);
    s.moto.seed(&json!({
        "organizations": [spec],
        "resources": [{"account": "123456789012", "region": "eu-west-1",
                       "buckets": [{"name": "audit-reports"}],
                       "topics": [{"name": "audit"}],
                       "kms_keys": [{"alias": "alias/audit"}]}],
    }))
}

fn objects(s: &Sandbox) -> Vec<Value> {
    let read = s.moto.seed(&json!({"read_s3": [
        {"account": "123456789012", "bucket": "audit-reports", "region": "eu-west-1"}
    ]}));
    read["s3"]["audit-reports"].as_array().unwrap().clone()
}

#[test]
fn reports_go_to_s3_never_overwriting_and_failures_are_notified_once() {
    let s = Sandbox::new();
    let seeded = estate_with_delivery(&s);
    let prod = ids_named(&seeded, "prod")[0].clone();
    let dev = ids_named(&seeded, "dev")[0].clone();
    let topic = seeded["resources"][0]["topics"]["audit"]
        .as_str()
        .unwrap()
        .to_owned();
    let key_arn = seeded["resources"][0]["kms_keys"]["alias/audit"]
        .as_str()
        .unwrap()
        .to_owned();

    // the bucket is in eu-west-1, canopy's region us-east-1: the bucket's region is found
    let collect = |extra: &[&str]| {
        let output = s
            .canopy()
            .args(["credreport", "collect", "--format", "json"])
            .args(["--out", "s3://audit-reports/credential-reports/"])
            .args(extra)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let summary: Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("no JSON summary ({e}): {stderr}"));
        (output.status.code().unwrap(), summary, stderr)
    };
    let (code, first, stderr) = collect(&[]);
    assert_eq!(code, 0, "{stderr}");
    let folder = first["folder"].as_str().unwrap().to_owned();
    assert!(
        folder.starts_with("s3://audit-reports/credential-reports/") && folder.ends_with("Z/"),
        "{folder}"
    );
    let prefix = folder.trim_start_matches("s3://audit-reports/").to_owned();
    let listed = objects(&s);
    let mut keys: Vec<&str> = listed.iter().map(|o| o["key"].as_str().unwrap()).collect();
    keys.sort();
    let mut wanted = vec![
        format!("{prefix}credential-report-{prod}.csv"),
        format!("{prefix}credential-report-{dev}.csv"),
        format!("{prefix}credential-report-123456789012.csv"),
        format!("{prefix}manifest.json"),
    ];
    wanted.sort();
    assert_eq!(keys, wanted);
    let report = listed
        .iter()
        .find(|o| o["key"].as_str().unwrap().ends_with(&format!("{prod}.csv")))
        .unwrap();
    assert!(report["body"].as_str().unwrap().contains("alice"));
    assert_eq!(report["content_type"], "text/csv");
    assert_eq!(
        report["sse"],
        Value::Null,
        "the bucket's default encryption"
    );
    let manifest: Value = serde_json::from_str(
        listed
            .iter()
            .find(|o| o["key"].as_str().unwrap().ends_with("manifest.json"))
            .unwrap()["body"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(manifest["accounts"].as_array().unwrap().len(), 3);
    let management = manifest["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account_id"] == "123456789012")
        .unwrap();
    assert_eq!(management["file"], "credential-report-123456789012.csv");
    assert_eq!(s.moto.count("Publish"), 0);

    // a second run the same second or later: new objects, the first run's untouched; dev
    // refuses, so one message goes to the topic; this run's objects are under the KMS key
    s.moto.faults(&json!({"record": ["Publish"], "rules": [
        {"service": "iam", "action": "GenerateCredentialReport", "account": dev,
         "code": "AccessDenied", "message": "not authorized", "status": 403}
    ]}));
    let (code, second, stderr) = collect(&["--sse-kms-key", &key_arn, "--notify-sns", &topic]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("notified"), "{stderr}");
    let second_folder = second["folder"].as_str().unwrap();
    assert_ne!(second_folder, folder);
    let after = objects(&s);
    assert_eq!(after.len(), 4 + 3, "two reports and a manifest more");
    for old in &listed {
        let now = after.iter().find(|o| o["key"] == old["key"]).unwrap();
        assert_eq!(now["body"], old["body"], "{} unchanged", old["key"]);
    }
    let second_prefix = second_folder.trim_start_matches("s3://audit-reports/");
    for new in after
        .iter()
        .filter(|o| o["key"].as_str().unwrap().starts_with(second_prefix))
    {
        assert_eq!(new["sse"], "aws:kms", "{}", new["key"]);
        assert_eq!(new["kms_key_id"], key_arn.as_str(), "{}", new["key"]);
    }
    let published = s.moto.requests();
    assert_eq!(published.len(), 1, "one message for the run: {published:?}");
    assert_eq!(
        published[0]["region"], "eu-west-1",
        "the topic's own region"
    );
    let body = published[0]["body"].as_str().unwrap();
    let message = body
        .split('&')
        .find_map(|kv| kv.strip_prefix("Message="))
        .unwrap();
    let message: Value = serde_json::from_str(message).unwrap();
    assert_eq!(message["failed"], 1);
    assert_eq!(message["accounts"], 3);
    assert_eq!(message["failures"][0]["account_id"], dev.as_str());
    assert_eq!(message["failures"][0]["code"], "AccessDenied");
    assert_eq!(message["location"], second_folder);
}

#[test]
fn a_missing_bucket_stops_the_run_before_any_account_is_asked() {
    let s = Sandbox::new();
    estate(&s);
    s.json(&["org", "sync", "--format", "json"]);
    s.moto.reset_calls();
    let stderr = s.refused(
        &["credreport", "collect", "--out", "s3://no-such-bucket/x"],
        2,
    );
    assert!(stderr.contains("s3:HeadBucket"), "{stderr}");
    assert!(stderr.contains("the bucket does not exist"), "{stderr}");
    assert_eq!(s.moto.count("GenerateCredentialReport"), 0);
    assert_eq!(s.moto.count("AssumeRole"), 0);

    let stderr = s.refused(
        &[
            "credreport",
            "collect",
            "--out",
            "./r",
            "--sse-kms-key",
            "k",
        ],
        2,
    );
    assert!(
        stderr.contains("goes with an s3:// destination"),
        "{stderr}"
    );
    let stderr = s.refused(&["credreport", "collect", "--notify-sns", "audit-topic"], 2);
    assert!(stderr.contains("is not an SNS topic ARN"), "{stderr}");
}

#[test]
fn an_interrupted_run_stops_cleanly_and_says_so() {
    let s = Sandbox::new();
    estate(&s);
    s.json(&["org", "sync", "--format", "json"]);
    // every report stays in generation: the run would wait for its polls to run out
    s.moto.faults(&json!({"report_generation_s": 600}));
    s.moto.reset_calls();
    let out = s.dir.path().join("reports");
    let child = s
        .process()
        .args(["credreport", "collect", "--format", "json", "--out"])
        .arg(&out)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // once every active account has asked for its report, press Ctrl-C
    for _ in 0..600 {
        if s.moto.count("GenerateCredentialReport") >= 3 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(s.moto.count("GenerateCredentialReport"), 3);
    let signalled = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(signalled.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    let summary: Value = serde_json::from_slice(&output.stdout).unwrap();
    // the run is recorded as interrupted, and its folder has a manifest of what finished
    let runs = s.query("select command, status from canopy_runs order by run_id");
    assert_eq!(
        runs.last().unwrap(),
        &json!({"command": "credreport collect", "status": "interrupted"})
    );
    let folder = PathBuf::from(summary["folder"].as_str().unwrap());
    assert_eq!(csv_files(&folder), vec!["manifest.json".to_owned()]);
    assert_eq!(s.moto.count("GetCredentialReport"), 0);
}
