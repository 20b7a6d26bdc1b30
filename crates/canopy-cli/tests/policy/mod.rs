//! `canopy policy ...`, end to end (the engine itself is tested in canopy-policy).

use serde_json::{Value, json};

use super::{Sandbox, ids_named};
use canopy_testkit::scenario::{account, org, ou};

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

/// Sports (with Baseball below) denies S3 by SCP; Media and Governance do not; the root also
/// denies leaving the organization. Returns the seeded ids by account name.
fn org_with_scps(s: &Sandbox) -> Value {
    let mut spec = org(
        "123456789012",
        vec![],
        vec![
            ou(
                "Sports",
                vec![account("sports")],
                vec![ou("Baseball", vec![account("baseball")], vec![])],
            ),
            ou("Media", vec![account("media")], vec![]),
            ou("Governance", vec![account("audit")], vec![]),
        ],
    );
    spec["policies"] = json!([
        {"name": "DenyS3", "type": "SERVICE_CONTROL_POLICY",
         "content": {"Version": "2012-10-17", "Statement": [{"Sid": "NoS3", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}]},
         "targets": ["Root/Sports"]},
        {"name": "StayInOrg", "type": "SERVICE_CONTROL_POLICY",
         "content": {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]},
         "targets": ["Root"]},
    ]);
    s.moto.seed(&json!({"organizations": [spec]}))
}

/// An identity policy allowing everything, as a file.
fn admin_policy(s: &Sandbox) -> std::path::PathBuf {
    write(
        s,
        "admin.json",
        &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
    )
}

#[test]
fn effective_lists_the_policies_of_each_level() {
    let s = Sandbox::new();
    let seeded = org_with_scps(&s);
    let baseball = ids_named(&seeded, "baseball")[0].clone();
    let eff = s.json(&["policy", "effective", &baseball, "--format", "json"]);
    assert_eq!(eff["path"], "Root/Sports/Baseball");
    assert_eq!(eff["management_account"], false);
    let levels = eff["levels"].as_array().unwrap();
    let kinds: Vec<&str> = levels.iter().map(|l| l["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["root", "ou", "ou", "account"]);
    let names = |i: usize| -> Vec<String> {
        levels[i]["policies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(0), ["FullAWSAccess", "StayInOrg"]);
    assert_eq!(names(1), ["DenyS3", "FullAWSAccess"]);
    assert_eq!(names(2), ["FullAWSAccess"]);
    assert!(eff["org_path"].as_str().unwrap().ends_with('/'));

    let mgmt = s.json(&["policy", "effective", "123456789012", "--format", "json"]);
    assert_eq!(mgmt["management_account"], true);
    assert_eq!(mgmt["scps_apply"], false);

    let stderr = s.refused(&["policy", "effective", "999988887777"], 2);
    assert!(
        stderr.contains("not in any synced organization"),
        "{stderr}"
    );
}

#[test]
fn simulate_walks_the_scp_path_with_derived_keys() {
    let s = Sandbox::new();
    let seeded = org_with_scps(&s);
    let baseball = ids_named(&seeded, "baseball")[0].clone();
    let media = ids_named(&seeded, "media")[0].clone();
    let allow_all = admin_policy(&s);
    let sim = |account: &str, extra: &[&str]| {
        let mut args = vec![
            "policy",
            "simulate",
            "--account",
            account,
            "--action",
            "s3:GetObject",
            "--resource",
            "arn:aws:s3:::logs/x",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        s.json(&args)
    };
    let denied = sim(&baseball, &[]);
    assert_eq!(denied["decision"], "ExplicitlyDenied");
    assert_eq!(denied["path"], "Root/Sports/Baseball");
    let levels = denied["scp_levels"].as_array().unwrap();
    assert_eq!(levels.len(), 4);
    assert_eq!(levels[1]["name"], "Sports");
    assert_eq!(
        levels[1]["denied_by"],
        json!(["DenyS3 Statement[0] (NoS3)"])
    );
    assert!(
        denied["decided_by"]
            .as_array()
            .unwrap()
            .contains(&json!("DenyS3 Statement[0] (NoS3)"))
    );
    let keys: Vec<&str> = denied["context"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    for k in [
        "aws:PrincipalAccount",
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:PrincipalArn",
    ] {
        assert!(keys.contains(&k), "{k} derived: {keys:?}");
    }
    // Media has no S3 deny, but the root's StayInOrg denies everything
    let media_sim = sim(&media, &["--identity-policy", allow_all.to_str().unwrap()]);
    assert_eq!(media_sim["decision"], "ExplicitlyDenied");
    assert_eq!(
        media_sim["scp_levels"][0]["denied_by"],
        json!(["StayInOrg Statement[0]"])
    );
    assert_eq!(media_sim["identity"]["assumed_allow"], false);

    // the management account: no SCPs apply
    let mgmt = sim("123456789012", &[]);
    assert_eq!(mgmt["decision"], "Allowed");
    assert_eq!(mgmt["management_account"], true);
    assert_eq!(mgmt["scp_levels"], json!([]));

    // --context wins over a derived key, and a condition asking for a key nobody gave is named
    let conditional = write(
        &s,
        "conditional.json",
        &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-other", "aws:PrincipalTag/team": "blue"}}}]}),
    );
    let overridden = sim(
        "123456789012",
        &[
            "--identity-policy",
            conditional.to_str().unwrap(),
            "--context",
            "aws:PrincipalOrgID=o-other",
        ],
    );
    assert_eq!(overridden["decision"], "ImplicitlyDenied");
    assert_eq!(
        overridden["missing_context_keys"],
        json!(["aws:PrincipalTag/team"])
    );
    let given = overridden["context"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "aws:PrincipalOrgID")
        .unwrap()
        .clone();
    assert_eq!(given["derived"], false);
    assert_eq!(given["value"], "o-other");
}

#[test]
fn boundaries_lint_clean_and_allow_inside_deny_outside() {
    let s = Sandbox::new();
    let seeded = org_with_scps(&s);
    let baseball = ids_named(&seeded, "baseball")[0].clone();
    let media = ids_named(&seeded, "media")[0].clone();
    let audit = ids_named(&seeded, "audit")[0].clone();
    let allow_all = admin_policy(&s);
    let boundary = |name: &str, args: &[&str]| {
        let mut full = vec!["policy", "boundary"];
        full.extend_from_slice(args);
        let policy = s.json(&full);
        let file = write(&s, name, &policy);
        let lint = s
            .canopy()
            .args(["policy", "lint", "--deny-warnings", "--as"])
            .arg(if args.contains(&"scp") {
                "scp"
            } else {
                "identity"
            })
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(
            lint.status.code(),
            Some(0),
            "{name} lints clean: {}",
            String::from_utf8_lossy(&lint.stdout)
        );
        file
    };
    // from the management account (no SCPs), reading an object in `resource_account` whose
    // bucket policy lets the management account in (cross-account needs both sides)
    let bucket = write(
        &s,
        "bucket.json",
        &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "123456789012"},
            "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*"}]}),
    );
    let decide = |file: &std::path::Path, resource_account: &str| -> String {
        let decision = s.json(&[
            "policy",
            "simulate",
            "--account",
            "123456789012",
            "--action",
            "s3:GetObject",
            "--resource",
            "arn:aws:s3:::data/object",
            "--resource-account",
            resource_account,
            "--format",
            "json",
            "--identity-policy",
            allow_all.to_str().unwrap(),
            "--identity-policy",
            file.to_str().unwrap(),
            "--resource-policy",
            bucket.to_str().unwrap(),
        ]);
        decision["decision"].as_str().unwrap().to_owned()
    };

    let ous = boundary("ous.json", &["--scope", "ou:Sports", "--scope", "ou:Media"]);
    assert_eq!(
        decide(&ous, &baseball),
        "Allowed",
        "Baseball is below Sports"
    );
    assert_eq!(decide(&ous, &media), "Allowed");
    assert_eq!(
        decide(&ous, &audit),
        "ExplicitlyDenied",
        "Governance is outside"
    );
    assert_eq!(
        decide(&ous, "999988887777"),
        "ExplicitlyDenied",
        "outside the organization"
    );

    let accounts = boundary("accounts.json", &["--scope", &format!("account:{media}")]);
    assert_eq!(decide(&accounts, &media), "Allowed");
    assert_eq!(decide(&accounts, &baseball), "ExplicitlyDenied");

    let organization = boundary("org.json", &["--scope", "organization", "--as", "scp"]);
    assert_eq!(decide(&organization, &audit), "Allowed");
    assert_eq!(decide(&organization, "999988887777"), "ExplicitlyDenied");

    let stderr = s.refused(&["policy", "boundary", "--scope", "ou:Nowhere"], 2);
    assert!(stderr.contains("no OU `Nowhere`"), "{stderr}");
    s.refused(
        &[
            "policy",
            "boundary",
            "--scope",
            "organization",
            "--scope",
            "ou:Media",
        ],
        2,
    );
}
