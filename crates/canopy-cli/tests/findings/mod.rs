//! `canopy findings enrich`, end to end: Security Hub findings read through the administrator,
//! enriched within AWS's limits, once.

use serde_json::{Value, json};

use super::Sandbox;
use canopy_testkit::scenario::{org, ou};

/// `canopy findings enrich --regions us-east-1 --yes ARGS... --format json`.
fn enrich(s: &Sandbox, args: &[&str]) -> Value {
    let mut all = vec!["findings", "enrich", "--regions", "us-east-1", "--yes"];
    all.extend(args);
    all.extend(["--format", "json"]);
    s.json(&all)
}

fn finding(id: &str) -> Value {
    json!({"id": id, "title": format!("finding {id}")})
}

#[test]
fn findings_enrich_adds_account_metadata_within_aws_limits_once() {
    let s = Sandbox::new();
    let many_tags: serde_json::Map<String, Value> = (0..47)
        .map(|i| (format!("k{i:02}"), json!(format!("v{i}"))))
        .collect();
    let mut spec = org(
        "123456789012",
        vec![],
        vec![ou(
            "Media",
            vec![
                json!({"name": "media-prod", "tags": many_tags}),
                json!({"name": "data", "tags": {"env": "prod"}}),
            ],
            vec![],
        )],
    );
    spec["security_contacts"] =
        json!({"media-prod": {"name": "Media Security", "email": "sec@example.com"}});
    spec["resources"] = json!([
        {"account": "media-prod", "findings": [
            finding("f-1"),
            {"id": "f-2", "user_defined_fields": {"ticket": "SEC-9"},
             "note": {"text": "triaged by Bob", "by": "bob"}},
            {"id": "f-3", "record_state": "ARCHIVED"},
        ]},
        {"account": "data", "findings": [finding("f-4")]},
    ]);
    s.moto.seed(&json!({ "organizations": [spec] }));
    s.json(&["org", "sync", "--format", "json"]);
    s.moto.reset_calls();

    // a dry run: the updates as JSON lines, nothing sent
    let out = s.ok(&["findings", "enrich", "--dry-run", "--regions", "us-east-1"]);
    let mut lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    lines.sort_by_key(|l| l["id"].as_str().unwrap().to_owned());
    let ids: Vec<&str> = lines.iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["f-1", "f-2", "f-4"]);
    assert_eq!(s.moto.count("BatchUpdateFindings"), 0);
    let f1 = &lines[0];
    let fields = f1["user_defined_fields"].as_object().unwrap();
    // 5 of canopy's fields, then 45 of the 47 tags: 50, AWS's limit
    assert_eq!(fields.len(), 50);
    assert_eq!(fields["canopy:account_name"], "media-prod");
    assert_eq!(fields["canopy:ou_path"], "Root/Media");
    assert_eq!(
        fields["canopy:security_contact"],
        "Media Security <sec@example.com>"
    );
    assert_eq!(f1["tags_left_out"], 2);
    assert!(
        f1["note"]
            .as_str()
            .unwrap()
            .starts_with("Account media-prod (")
    );
    // Bob's field is kept, his note is not replaced
    let f2 = &lines[1];
    assert_eq!(f2["user_defined_fields"]["ticket"], "SEC-9");
    assert_eq!(f2["note"], Value::Null);
    assert_eq!(lines[2]["user_defined_fields"]["tag:env"], "prod");

    // sent: findings with the same update together, each account's contact read once
    s.moto.reset_calls();
    let sent = enrich(&s, &[]);
    assert_eq!(
        (sent["findings"].as_u64(), sent["updated"].as_u64()),
        (Some(3), Some(3))
    );
    assert_eq!(s.moto.count("BatchUpdateFindings"), 3);
    assert_eq!(s.moto.count("GetAlternateContact"), 2);
    // again: every finding carries its account's metadata already
    s.moto.reset_calls();
    let again = enrich(&s, &[]);
    assert_eq!(
        (again["updated"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(3))
    );
    assert_eq!(s.moto.count("BatchUpdateFindings"), 0);
    // asked to, Bob's note is replaced
    let over = enrich(&s, &["--overwrite-notes"]);
    assert_eq!(over["updated"], 1);

    // a finding Security Hub leaves unprocessed: reported with its reason, exit 1
    s.moto.seed(&json!({"resources": [
        {"account": lines[2]["account_id"], "findings": [finding("f-5")]}]}));
    s.moto
        .faults(&json!({"unprocessed_findings": {"f-5": "FindingSizeExceeded"}}));
    let out = s
        .canopy()
        .args(["findings", "enrich", "--regions", "us-east-1", "--yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("not updated: f-5 (us-east-1): FindingSizeExceeded"),
        "{text}"
    );
}

#[test]
fn findings_enrich_goes_on_past_a_region_or_a_contact_it_cannot_read() {
    let s = Sandbox::new();
    let mut spec = org(
        "123456789012",
        vec![],
        vec![ou("Media", vec![json!({"name": "media-prod"})], vec![])],
    );
    spec["resources"] = json!([
        {"account": "media-prod", "region": "us-east-1", "findings": [finding("f-1")]},
        {"account": "media-prod", "region": "eu-west-1", "findings": [finding("f-2")]},
    ]);
    s.moto.seed(&json!({ "organizations": [spec] }));
    s.json(&["org", "sync", "--format", "json"]);
    s.moto.faults(&json!({"rules": [
        {"service": "securityhub", "action": "GetFindings", "region": "eu-west-1",
         "code": "InvalidAccessException", "message": "Account is not subscribed to AWS Security Hub"},
        {"service": "account", "action": "GetAlternateContact", "code": "AccessDeniedException"},
    ]}));
    let out = s
        .canopy()
        .args([
            "findings",
            "enrich",
            "--regions",
            "us-east-1,eu-west-1",
            "--yes",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("in eu-west-1: not read: InvalidAccessException"),
        "{stderr}"
    );
    assert!(
        stderr.contains("security contact not read (AccessDeniedException)"),
        "{stderr}"
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (report["findings"].as_u64(), report["updated"].as_u64()),
        (Some(1), Some(1))
    );
}

#[test]
fn ctrl_c_during_enrich_sends_no_update_after_it() {
    let s = Sandbox::new();
    let spec = org(
        "123456789012",
        vec![],
        vec![ou(
            "Media",
            vec![
                json!({"name": "media-prod"}),
                json!({"name": "data"}),
                json!({"name": "web"}),
            ],
            vec![],
        )],
    );
    let mut spec = spec;
    spec["resources"] = json!([
        {"account": "media-prod", "findings": [finding("f-1")]},
        {"account": "data", "findings": [finding("f-2")]},
        {"account": "web", "findings": [finding("f-3")]},
    ]);
    s.moto.seed(&json!({ "organizations": [spec] }));
    s.json(&["org", "sync", "--format", "json"]);
    // each account's findings are one update, sent one after the other, each answered late
    s.moto.faults(&json!({"rules": [
        {"service": "securityhub", "action": "BatchUpdateFindings", "delay_response_s": 1},
    ]}));
    s.moto.reset_calls();
    let out = super::interrupted_after(
        &s,
        &[
            "findings",
            "enrich",
            "--regions",
            "us-east-1",
            "--yes",
            "--format",
            "json",
        ],
        "BatchUpdateFindings",
        1,
    );
    super::ended_interrupted(&out);
    assert_eq!(s.moto.count("BatchUpdateFindings"), 1);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["updated"], 1, "{report}");
    let codes: Vec<&str> = report["not_updated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["Interrupted", "Interrupted"], "{report}");
}
