//! `canopy access sync`, `who`, `what`, `drift`, end to end: Identity Center read whole, the
//! matrix with groups expanded, the cheaper enumeration chosen, every call counted.
//!
//! Over 600 lines: end-to-end tests of one command family; each test stands alone.

use serde_json::{Value, json};

use super::Sandbox;
use canopy_testkit::scenario::{account, org, ou};

/// Identity Center's read calls, as the emulator counts them.
fn sso_calls(s: &Sandbox) -> std::collections::BTreeMap<String, u64> {
    let mut calls = std::collections::BTreeMap::new();
    for c in s.moto.calls() {
        if c.service == "sso" || c.service == "identitystore" {
            *calls.entry(c.action).or_insert(0) += c.count;
        }
    }
    calls
}

/// Three accounts; three permission sets (one with an AWS-managed policy and tags, one with an
/// inline and a customer-managed policy, changed after it was provisioned); three users, two
/// groups with members and an empty one; five assignments.
fn estate(s: &Sandbox) -> Value {
    let mut spec = org(
        "123456789012",
        vec![account("shared-services")],
        vec![ou(
            "Media",
            vec![account("media-prod"), account("media-dev")],
            vec![],
        )],
    );
    spec["identity_center"] = json!({
        "region": "us-east-1",
        "permission_sets": [
            "AWSAdministratorAccess",
            {"name": "ReadOnly", "managed": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
             "tags": {"team": "platform"}},
            {"name": "DataRead",
             "inline_policy": {"Version": "2012-10-17", "Statement": [
                 {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]},
             "customer_managed": [{"name": "data-boundary"}]},
        ],
        "users": [
            {"email": "jane.doe@example.com", "given": "Jane", "family": "Doe"},
            {"email": "sam.poe@example.com", "given": "Sam", "family": "Poe"},
            {"email": "ann.lee@example.com", "given": "Ann", "family": "Lee"},
        ],
        "groups": [
            {"name": "Platform", "members": ["jane.doe@example.com", "sam.poe@example.com"]},
            {"name": "Data", "members": ["ann.lee@example.com", "jane.doe@example.com"]},
            "Empty",
        ],
        "assignments": [
            {"account": "media-prod", "permission_set": "ReadOnly", "group": "Platform"},
            {"account": "media-dev", "permission_set": "ReadOnly", "group": "Platform"},
            {"account": "media-prod", "permission_set": "DataRead", "group": "Data"},
            {"account": "media-prod", "permission_set": "AWSAdministratorAccess",
             "user": "jane.doe@example.com"},
            {"account": "shared-services", "permission_set": "DataRead",
             "user": "sam.poe@example.com"},
        ],
        "outdated": ["DataRead"],
    });
    s.moto.seed(&json!({ "organizations": [spec] }))
}

fn synced(s: &Sandbox) -> Value {
    s.json(&["org", "sync", "--format", "json"]);
    s.moto.reset_calls();
    s.json(&["access", "sync", "--format", "json"])
}

fn row_of(v: &Value, keys: &[&str]) -> String {
    keys.iter()
        .map(|k| v[*k].as_str().unwrap_or("-").to_owned())
        .collect::<Vec<_>>()
        .join(" | ")
}

#[test]
fn access_sync_stores_the_whole_matrix_and_who_what_drift_read_it() {
    let s = Sandbox::new();
    estate(&s);
    let report = synced(&s);
    let org = &report["organizations"][0];
    assert_eq!(org["status"], "ok", "{report}");
    assert_eq!(
        org["rows"],
        json!({"users": 3, "groups": 3, "memberships": 4, "permission_sets": 3, "assignments": 5})
    );
    assert_eq!(org["outdated"], 2);
    // 5 provisioned pairs against 6 principals: by account and permission set
    assert_eq!(org["enumeration"], "by account and permission set");
    let calls = sso_calls(&s);
    let expected: std::collections::BTreeMap<String, u64> = [
        ("ListInstances", 1),
        ("ListPermissionSets", 1),
        ("DescribePermissionSet", 3),
        ("GetInlinePolicyForPermissionSet", 3),
        ("ListTagsForResource", 3),
        ("ListManagedPoliciesInPermissionSet", 3),
        ("ListCustomerManagedPolicyReferencesInPermissionSet", 3),
        // every provisioned account, then the outdated ones
        ("ListAccountsForProvisionedPermissionSet", 6),
        ("ListUsers", 1),
        ("ListGroups", 1),
        ("ListGroupMemberships", 3),
        ("ListAccountAssignments", 5),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(calls, expected);
    assert_eq!(org["requests"], calls.values().sum::<u64>());

    // the matrix, groups expanded into their users
    let matrix: Vec<String> = s
        .query("select user_name, account_name, permission_set_name, via from canopy_sso_access order by 2, 3, 1, 4")
        .iter()
        .map(|r| row_of(r, &["account_name", "permission_set_name", "user_name", "via"]))
        .collect();
    assert_eq!(
        matrix,
        [
            "media-dev | ReadOnly | jane.doe@example.com | Platform",
            "media-dev | ReadOnly | sam.poe@example.com | Platform",
            "media-prod | AWSAdministratorAccess | jane.doe@example.com | direct",
            "media-prod | DataRead | ann.lee@example.com | Data",
            "media-prod | DataRead | jane.doe@example.com | Data",
            "media-prod | ReadOnly | jane.doe@example.com | Platform",
            "media-prod | ReadOnly | sam.poe@example.com | Platform",
            "shared-services | DataRead | sam.poe@example.com | direct",
        ]
    );
    // Steampipe's tables, without its required filters
    let sets = s.query(
        "select name, session_duration, inline_policy ->> 'Version' as version, tags ->> 'team' as team from aws_ssoadmin_permission_set order by name",
    );
    assert_eq!(
        sets,
        [
            json!({"name": "AWSAdministratorAccess", "session_duration": "PT1H", "version": null, "team": null}),
            json!({"name": "DataRead", "session_duration": "PT1H", "version": "2012-10-17", "team": null}),
            json!({"name": "ReadOnly", "session_duration": "PT1H", "version": null, "team": "platform"}),
        ]
    );
    assert_eq!(
        s.query("select mpa.name from aws_ssoadmin_managed_policy_attachment as mpa join aws_ssoadmin_permission_set as ps on mpa.permission_set_arn = ps.arn"),
        [json!({"name": "ReadOnlyAccess"})]
    );
    assert_eq!(
        s.query("select name, path from aws_ssoadmin_customer_policy_attachment"),
        [json!({"name": "data-boundary", "path": "/"})]
    );
    assert_eq!(
        s.query("select m.group_id, u.name as user_name from aws_identitystore_group_membership as m, aws_identitystore_user as u where u.identity_store_id = m.identity_store_id and u.id = m.member_id").len(),
        4
    );

    let who = s.json(&[
        "access",
        "who",
        "--account",
        "media-prod",
        "--format",
        "json",
    ]);
    assert_eq!(who.as_array().unwrap().len(), 5, "{who}");
    let by_id = s.json(&[
        "access",
        "who",
        "--account",
        who[0]["account_id"].as_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(by_id, who);
    let jane: Vec<String> = s
        .json(&[
            "access",
            "what",
            "--user",
            "jane.doe@example.com",
            "--format",
            "json",
        ])
        .as_array()
        .unwrap()
        .iter()
        .map(|r| row_of(r, &["account_name", "permission_set_name", "via"]))
        .collect();
    assert_eq!(
        jane,
        [
            "media-dev | ReadOnly | Platform",
            "media-prod | AWSAdministratorAccess | direct",
            "media-prod | DataRead | Data",
            "media-prod | ReadOnly | Platform",
        ]
    );
    let platform = s.json(&["access", "what", "--group", "Platform", "--format", "json"]);
    assert_eq!(
        platform
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (
                r["account_name"].as_str().unwrap(),
                r["members"].as_u64().unwrap()
            ))
            .collect::<Vec<_>>(),
        [("media-dev", 2), ("media-prod", 2)]
    );
    let csv = s
        .canopy()
        .args([
            "access",
            "who",
            "--account",
            "shared-services",
            "--format",
            "csv",
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&csv.stdout).lines().nth(1).unwrap(),
        format!(
            "{},shared-services,DataRead,sam.poe@example.com,direct",
            s.query("select id from aws_organizations_account where name = 'shared-services'")[0]
                ["id"]
                .as_str()
                .unwrap()
        )
    );
    let drift: Vec<String> = s
        .json(&["access", "drift", "--format", "json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|r| row_of(r, &["permission_set_name", "account_name"]))
        .collect();
    assert_eq!(
        drift,
        ["DataRead | media-prod", "DataRead | shared-services"]
    );

    let unknown = s.refused(&["access", "what", "--user", "nobody@example.com"], 2);
    assert!(
        unknown.contains("no Identity Center user `nobody@example.com`"),
        "{unknown}"
    );
    let empty = s.json(&["access", "what", "--group", "Empty", "--format", "json"]);
    assert_eq!(empty, json!([]));
}

#[test]
fn access_sync_enumerates_by_principal_when_that_is_cheaper_and_replaces_what_it_stored() {
    let s = Sandbox::new();
    let accounts: Vec<Value> = (0..8).map(|i| account(&format!("app-{i}"))).collect();
    let mut spec = org("123456789012", accounts, vec![]);
    let assignments: Vec<Value> = (0..8)
        .flat_map(|i| {
            ["ReadOnly", "Deploy"].map(|set| {
                json!({"account": format!("app-{i}"), "permission_set": set, "group": "Builders"})
            })
        })
        .collect();
    spec["identity_center"] = json!({
        "region": "us-east-1",
        "permission_sets": ["ReadOnly", "Deploy"],
        "users": [{"email": "kim.roe@example.com", "given": "Kim", "family": "Roe"}],
        "groups": [{"name": "Builders", "members": ["kim.roe@example.com"]}],
        "assignments": assignments,
    });
    s.moto.seed(&json!({ "organizations": [spec] }));
    let report = synced(&s);
    let org = &report["organizations"][0];
    // 16 provisioned pairs against 2 principals
    assert_eq!(org["enumeration"], "by principal", "{report}");
    assert_eq!(
        (
            org["provisioned_pairs"].as_u64(),
            org["principals"].as_u64()
        ),
        (Some(16), Some(2))
    );
    let calls = sso_calls(&s);
    assert_eq!(calls.get("ListAccountAssignmentsForPrincipal"), Some(&2));
    assert_eq!(calls.get("ListAccountAssignments"), None);
    assert_eq!(org["requests"], calls.values().sum::<u64>());
    assert_eq!(
        s.query("select count(*) as n from canopy_sso_access where user_name = 'kim.roe@example.com' and via = 'Builders'"),
        [json!({"n": 16})]
    );

    // a second sync replaces the instance's rows: nothing is counted twice
    s.json(&["access", "sync", "--format", "json"]);
    assert_eq!(
        s.query("select count(*) as n from aws_ssoadmin_account_assignment"),
        [json!({"n": 16})]
    );
    assert_eq!(
        s.query("select count(*) as n from aws_identitystore_user"),
        [json!({"n": 1})]
    );
}

#[test]
fn access_reads_refuse_before_any_sync() {
    let s = Sandbox::new();
    estate(&s);
    s.json(&["org", "sync", "--format", "json"]);
    let err = s.refused(&["access", "who", "--account", "media-prod"], 2);
    assert!(err.contains("run `canopy access sync` first"), "{err}");
}

/// Roles, buckets, a key, a queue and a topic in `data`, open to outside accounts, to everyone,
/// to GitHub's OIDC provider and to services — some only in name (a condition keeps outsiders
/// out) — and to accounts of the organization.
fn outside_estate(s: &Sandbox) -> (String, String) {
    let seeded = s.moto.seed(&json!({ "organizations": [org(
        "123456789012",
        vec![account("data")],
        vec![],
    )] }));
    let org_id = seeded["organizations"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let data = seeded["organizations"][0]["accounts"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let trust = |principal: Value, condition: Value| {
        let mut statement =
            json!({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"});
        if condition != Value::Null {
            statement["Condition"] = condition;
        }
        json!({"Version": "2012-10-17", "Statement": [statement]})
    };
    let github = format!("arn:aws:iam::{data}:oidc-provider/token.actions.githubusercontent.com");
    let web = |condition: Value| {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Federated": github}, "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": condition}]})
    };
    let allow = |principal: Value, action: &str, resource: &str, condition: Value| {
        let mut statement = json!({"Effect": "Allow", "Principal": principal, "Action": action, "Resource": resource});
        if condition != Value::Null {
            statement["Condition"] = condition;
        }
        statement
    };
    let own_key = json!({"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{data}:root")},
        "Action": "kms:*", "Resource": "*"});
    s.moto.seed(&json!({"resources": [{
        "account": data,
        "region": "us-east-1",
        "oidc_providers": ["token.actions.githubusercontent.com"],
        "roles": [
            {"name": "vendor-no-external-id", "trusts": "444455556666"},
            {"name": "vendor", "trust": trust(json!({"AWS": "arn:aws:iam::444455556666:root"}),
                json!({"StringEquals": {"sts:ExternalId": "anycompany-7781"}}))},
            {"name": "from-management", "trusts": "123456789012"},
            {"name": "org-only", "trust": trust(json!({"AWS": "*"}),
                json!({"StringEquals": {"aws:PrincipalOrgID": org_id}}))},
            {"name": "any-org", "trust": trust(json!({"AWS": "*"}),
                json!({"StringLike": {"aws:PrincipalOrgID": "o-*"}}))},
            {"name": "gh-pinned", "trust": web(json!({"StringEquals": {
                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                "StringLike": {"token.actions.githubusercontent.com:sub": "repo:anycompany/*"}}))},
            {"name": "gh-any-owner", "trust": web(json!({"StringEquals": {
                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                "StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"}}))},
            {"name": "gh-no-subject", "trust": web(json!({"StringEquals": {
                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}))},
            {"name": "ec2-app", "trust": trust(json!({"Service": "ec2.amazonaws.com"}), Value::Null)},
        ],
        "buckets": [
            {"name": "public-site", "policy": {"Version": "2012-10-17", "Statement": [
                allow(json!("*"), "s3:GetObject", "arn:aws:s3:::public-site/*", Value::Null)]}},
            {"name": "blocked-site", "block_public": true, "policy": {"Version": "2012-10-17", "Statement": [
                allow(json!("*"), "s3:GetObject", "arn:aws:s3:::blocked-site/*", Value::Null)]}},
            {"name": "shared-out", "policy": {"Version": "2012-10-17", "Statement": [
                allow(json!({"AWS": "arn:aws:iam::444455556666:root"}), "s3:GetObject", "arn:aws:s3:::shared-out/*", Value::Null)]}},
            {"name": "org-only", "policy": {"Version": "2012-10-17", "Statement": [
                allow(json!("*"), "s3:GetObject", "arn:aws:s3:::org-only/*",
                      json!({"StringEquals": {"aws:PrincipalOrgID": org_id}}))]}},
            {"name": "from-management", "policy": {"Version": "2012-10-17", "Statement": [
                allow(json!({"AWS": "123456789012"}), "s3:*", "arn:aws:s3:::from-management/*", Value::Null)]}},
        ],
        "kms_keys": [{"alias": "alias/shared", "policy": {"Version": "2012-10-17", "Statement": [
            own_key,
            allow(json!({"AWS": "arn:aws:iam::444455556666:role/reader"}), "kms:Decrypt", "*", Value::Null)]}}],
        "queues": [{"name": "events", "policy": {"Version": "2012-10-17", "Statement": [
            allow(json!({"Service": "sns.amazonaws.com"}), "sqs:SendMessage", "*", Value::Null),
            allow(json!({"Service": "s3.amazonaws.com"}), "sqs:SendMessage", "*",
                  json!({"StringEquals": {"aws:SourceAccount": data}}))]}}],
        "topics": [{"name": "alerts"}],
    }]}));
    (org_id, data)
}

#[test]
fn access_external_finds_every_way_in_from_outside_and_no_way_from_inside() {
    let s = Sandbox::new();
    let (_, data) = outside_estate(&s);
    s.json(&["org", "sync", "--format", "json"]);
    s.json(&[
        "collect",
        "--regions",
        "us-east-1",
        "--tables",
        "aws_iam_role,aws_s3_bucket,aws_kms_key,aws_sqs_queue,aws_sns_topic",
        "--format",
        "json",
    ]);
    let found = s.json(&["access", "external", "--format", "json"]);
    let mut rows: Vec<String> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let name = f["resource_arn"]
                .as_str()
                .unwrap()
                .rsplit([':', '/'])
                .next()
                .unwrap()
                .to_owned();
            let flags: Vec<&str> = f["flags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_str().unwrap())
                .collect();
            format!(
                "{} {} {} {} public={} [{}]",
                f["resource_type"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("AWS::"),
                name,
                f["kind"].as_str().unwrap(),
                f["status"].as_str().unwrap(),
                f["is_public"],
                flags.join(",")
            )
        })
        .collect();
    rows.sort();
    let key = s.query("select id from aws_kms_key")[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut expected = vec![
        "IAM::Role vendor-no-external-id external_account confirmed public=false [no_external_id]"
            .to_owned(),
        "IAM::Role vendor external_account conditional public=false []".into(),
        "IAM::Role any-org public confirmed public=true []".into(),
        "IAM::Role gh-pinned federated conditional public=false []".into(),
        "IAM::Role gh-any-owner federated conditional public=false [github_subject_not_pinned]"
            .into(),
        "IAM::Role gh-no-subject federated conditional public=false [oidc_no_subject]".into(),
        "S3::Bucket public-site public confirmed public=true []".into(),
        "S3::Bucket blocked-site public confirmed public=false [restricted_by_public_access_block]"
            .into(),
        "S3::Bucket shared-out external_account confirmed public=false []".into(),
        format!("KMS::Key {key} external_account confirmed public=false []"),
        "SQS::Queue events service confirmed public=false [service_no_source_condition]".into(),
    ];
    expected.sort();
    assert_eq!(rows, expected);
    // the vendor's external id is what the probe cannot know
    let vendor = found
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["resource_arn"].as_str().unwrap().ends_with("role/vendor"))
        .unwrap();
    assert_eq!(vendor["unresolved_keys"], json!(["sts:ExternalId"]));
    assert_eq!(vendor["principal_account"], "444455556666");
    assert_eq!(vendor["owner_account"], data);
    // the same, as a table to query
    assert_eq!(
        s.query(
            "select kind, count(*) as n from canopy_external_access group by kind order by kind"
        ),
        [
            json!({"kind": "external_account", "n": 4}),
            json!({"kind": "federated", "n": 3}),
            json!({"kind": "public", "n": 3}),
            json!({"kind": "service", "n": 1}),
        ]
    );
    let public = s.json(&["access", "external", "--kind", "public", "--format", "json"]);
    assert_eq!(public.as_array().unwrap().len(), 3);
}

/// `data` (in Workloads, whose SCP denies deleting objects); Jane holds ReadOnly (AWS-managed
/// ReadOnlyAccess) through Platform and DataWrite (inline, and a customer-managed policy in
/// `data`) directly.
fn can_estate(s: &Sandbox) -> String {
    let mut spec = org(
        "123456789012",
        vec![],
        vec![ou("Workloads", vec![account("data")], vec![])],
    );
    spec["policies"] = json!([{
        "name": "NoDeletes",
        "content": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}]},
        "targets": ["Root/Workloads"],
    }]);
    spec["identity_center"] = json!({
        "region": "us-east-1",
        "permission_sets": [
            {"name": "ReadOnly", "managed": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]},
            {"name": "DataWrite",
             "inline_policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                 "Action": ["s3:PutObject", "s3:DeleteObject"], "Resource": "arn:aws:s3:::reports/*"}]},
             "customer_managed": [{"name": "data-queues"}]},
        ],
        "users": [{"email": "jane.doe@example.com", "given": "Jane", "family": "Doe"}],
        "groups": [{"name": "Platform", "members": ["jane.doe@example.com"]}],
        "assignments": [
            {"account": "data", "permission_set": "ReadOnly", "group": "Platform"},
            {"account": "data", "permission_set": "DataWrite", "user": "jane.doe@example.com"},
        ],
    });
    spec["resources"] = json!([{
        "account": "data",
        "iam_policies": [{"name": "data-queues", "document": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]}}],
    }]);
    let seeded = s.moto.seed(&json!({ "organizations": [spec] }));
    seeded["organizations"][0]["accounts"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// `access can ... --format json`: whether allowed, and each permission set's decision.
fn can(s: &Sandbox, args: &[&str]) -> (bool, Vec<(String, String)>) {
    let mut all = vec!["access", "can"];
    all.extend(args);
    all.extend(["--format", "json"]);
    let out = s.json(&all);
    let sets = out["permission_sets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["simulation"]["decision"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (out["allowed"].as_bool().unwrap(), sets)
}

#[test]
fn access_can_decides_each_permission_set_with_its_policies_and_the_scps() {
    let s = Sandbox::new();
    let data = can_estate(&s);
    s.json(&["org", "sync", "--format", "json"]);
    s.json(&["access", "sync", "--format", "json"]);
    s.moto.reset_calls();
    let jane = "user:jane.doe@example.com";
    let object = "arn:aws:s3:::reports/2026.csv";
    // the AWS-managed policy allows reading, the inline one does not
    assert_eq!(
        can(&s, &[jane, "s3:GetObject", object, "--account", "data"]),
        (
            true,
            vec![
                ("DataWrite".to_owned(), "ImplicitlyDenied".to_owned()),
                ("ReadOnly".to_owned(), "Allowed".to_owned()),
            ]
        )
    );
    // read from IAM once, then from the store
    assert_eq!(
        (s.moto.count("GetPolicy"), s.moto.count("GetPolicyVersion")),
        (1, 1)
    );
    assert_eq!(
        can(&s, &[jane, "s3:PutObject", object, "--account", &data]),
        (
            true,
            vec![
                ("DataWrite".to_owned(), "Allowed".to_owned()),
                ("ReadOnly".to_owned(), "ImplicitlyDenied".to_owned()),
            ]
        )
    );
    assert_eq!(
        (s.moto.count("GetPolicy"), s.moto.count("GetPolicyVersion")),
        (1, 1)
    );
    // the inline policy allows deleting; Workloads' SCP does not
    let denied = s.json(&[
        "access",
        "can",
        jane,
        "s3:DeleteObject",
        object,
        "--account",
        "data",
        "--format",
        "json",
    ]);
    assert_eq!(denied["allowed"], false);
    let write = &denied["permission_sets"][0];
    assert_eq!(write["name"], "DataWrite");
    assert_eq!(write["simulation"]["decision"], "ExplicitlyDenied");
    assert!(
        write["simulation"]["decided_by"]
            .to_string()
            .contains("NoDeletes"),
        "{denied}"
    );
    // the group holds ReadOnly only
    assert_eq!(
        can(
            &s,
            &[
                "group:Platform",
                "s3:PutObject",
                object,
                "--account",
                "data"
            ]
        ),
        (
            false,
            vec![("ReadOnly".to_owned(), "ImplicitlyDenied".to_owned())]
        )
    );
    // the customer-managed policy is read from the collected aws_iam_policy: before collecting,
    // the decision is made without it and says so
    let queue = format!("arn:aws:sqs:us-east-1:{data}:events");
    let out = s
        .canopy()
        .args([
            "access",
            "can",
            jane,
            "sqs:SendMessage",
            &queue,
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("decided without /data-queues"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let before: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(before["allowed"], false);
    s.json(&[
        "collect",
        "--tables",
        "aws_iam_policy",
        "--regions",
        "us-east-1",
        "--format",
        "json",
    ]);
    assert_eq!(
        can(&s, &[jane, "sqs:SendMessage", &queue]),
        (
            true,
            vec![
                ("DataWrite".to_owned(), "Allowed".to_owned()),
                ("ReadOnly".to_owned(), "ImplicitlyDenied".to_owned()),
            ]
        )
    );
    let text = s
        .canopy()
        .args([
            "access",
            "can",
            jane,
            "s3:GetObject",
            object,
            "--account",
            "data",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("== permission set ReadOnly (via Platform)"),
        "{text}"
    );
    assert!(
        text.trim_end().ends_with("answer: yes, with ReadOnly"),
        "{text}"
    );
    let unknown = s.refused(
        &["access", "can", "user:nobody@example.com", "s3:GetObject"],
        2,
    );
    assert!(unknown.contains("no Identity Center user"), "{unknown}");
}
