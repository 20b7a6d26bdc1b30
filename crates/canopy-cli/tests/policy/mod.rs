//! `canopy policy ...`, end to end (the engine itself is tested in canopy-policy).

use serde_json::{Value, json};

use super::Sandbox;

fn write(s: &Sandbox, name: &str, value: &Value) -> std::path::PathBuf {
    let path = s.dir.path().join(name);
    std::fs::write(&path, serde_json::to_string_pretty(value).unwrap()).unwrap();
    path
}

/// `canopy policy eval --cases FILE`.
fn eval(s: &Sandbox, file: &std::path::Path) -> std::process::Output {
    s.canopy()
        .args(["policy", "eval", "--cases"])
        .arg(file)
        .output()
        .unwrap()
}

fn cases() -> Value {
    let allow_s3 = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
         "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]});
    let deny_outside_org = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Boundary", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:ResourceOrgID": "${aws:PrincipalOrgID}"}}}]});
    let full = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
    json!([
        {"name": "read from the office",
         "request": {"principal": "arn:aws:iam::111122223333:role/app", "action": "s3:GetObject",
                     "resource": "arn:aws:s3:::b/k", "resource_account": "111122223333",
                     "context": {"aws:SourceIp": "203.0.113.10", "aws:ResourceOrgID": "o-a1b2c3d4e5",
                                 "aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
         "identity_policies": [allow_s3],
         "resource_policy": null,
         "scp_levels": [{"node": "r-ab12", "policies": [full, deny_outside_org]},
                        {"node": "111122223333", "policies": [full]}],
         "expected": "Allowed"},
        {"name": "read from home",
         "request": {"principal": "arn:aws:iam::111122223333:role/app", "action": "s3:GetObject",
                     "resource": "arn:aws:s3:::b/k",
                     "context": {"aws:ResourceOrgID": "o-a1b2c3d4e5", "aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
         "identity_policies": [allow_s3],
         "scp_levels": [],
         "expected": "ImplicitlyDenied"},
        {"name": "a bucket of another organization",
         "request": {"principal": "arn:aws:iam::111122223333:role/app", "action": "s3:GetObject",
                     "resource": "arn:aws:s3:::b/k",
                     "context": {"aws:SourceIp": "203.0.113.10", "aws:ResourceOrgID": "o-zzzzzzzzzz",
                                 "aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
         "identity_policies": [allow_s3],
         "scp_levels": [{"node": "r-ab12", "policies": [full, deny_outside_org]}],
         "expected": "Allowed"},
    ])
}

#[test]
fn eval_answers_every_case_in_order_and_flags_disagreements() {
    let s = Sandbox::new();
    let file = write(&s, "cases.json", &cases());
    let out = eval(&s, &file);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the third case is expected wrongly: {stderr}"
    );
    let results: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        results,
        json!([
            {"name": "read from the office", "decision": "Allowed",
             "decided_by": ["identity_policies[0].Statement[0] (Read)"], "missing_context_keys": []},
            {"name": "read from home", "decision": "ImplicitlyDenied",
             "decided_by": ["identity_policies and resource_policy: no statement allows"],
             "missing_context_keys": ["aws:SourceIp"]},
            {"name": "a bucket of another organization", "decision": "ExplicitlyDenied",
             "decided_by": ["scp_levels[0].policies[1].Statement[0] (Boundary)"], "missing_context_keys": []},
        ])
    );
    assert!(stderr.contains("1 of 3 case(s) disagree"), "{stderr}");
    assert!(
        stderr.contains(
            "\"a bucket of another organization\": expected Allowed, got ExplicitlyDenied"
        ),
        "{stderr}"
    );

    // the same cases as a table, read from standard input
    let out = s
        .canopy()
        .args(["policy", "eval", "--cases", "-", "--format", "table"])
        .write_stdin(std::fs::read(&file).unwrap())
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.starts_with("CASE"), "{table}");
    assert!(table.contains("read from home"), "{table}");
}

#[test]
fn eval_names_the_case_and_the_path_of_a_bad_policy() {
    let s = Sandbox::new();
    let mut bad = cases();
    bad[1]["identity_policies"][0]["Statement"][0]["Effect"] = json!("allow");
    let file = write(&s, "bad.json", &bad);
    let out = eval(&s, &file);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(r#"cases[1] "read from home": identity_policies[0].Statement[0].Effect: `allow` is not an effect"#),
        "{stderr}"
    );

    let mut unknown = cases();
    unknown[0]["request"]["contxt"] = json!({});
    let file = write(&s, "unknown.json", &unknown);
    let out = eval(&s, &file);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown field `contxt`"));
}

#[test]
fn lint_reports_paths_and_fixes() {
    let s = Sandbox::new();
    let scp = write(
        &s,
        "scp.json",
        &json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "RequireMfa", "Effect": "Deny", "NotAction": "iam:*", "Resource": "*",
             "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}]}),
    );
    let out = s
        .canopy()
        .args(["policy", "lint", "--as", "scp"])
        .arg(&scp)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "warnings only");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("warning at Statement[0].Condition.Bool.aws:MultiFactorAuthPresent"),
        "{text}"
    );
    assert!(text.contains("fix: use BoolIfExists"), "{text}");
    let out = s
        .canopy()
        .args(["policy", "lint", "--as", "scp", "--deny-warnings"])
        .arg(&scp)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));

    let with_principal = write(
        &s,
        "principal.json",
        &json!({"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}}),
    );
    let out = s
        .canopy()
        .args(["policy", "lint", "--as", "scp", "--format", "json"])
        .arg(&with_principal)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["files"][0]["findings"][0]["severity"], "error");
    assert_eq!(
        report["files"][0]["findings"][0]["path"],
        "Statement.Principal"
    );
}
