//! Every collector against a fixture response per API (`crates/canopy-aws/fixtures/<service>/
//! <Action>.xml`, or `.json` for JSON protocols), served by an in-process HTTP client instead of AWS or the emulator: each must
//! fill every table it declares, with rows that carry exactly their definition's columns, and call
//! only the actions its definitions list.
//!
//! Over 600 lines: the fixture test of every collector, one function per family, sharing one in-
//! process fixture server.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex};

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_http_client::test_util::infallible_client_fn;
use aws_smithy_types::body::SdkBody;
use canopy_model::inventory::{Cell, RegionInfo, Row};
use canopy_model::table::Scope;
use canopy_model::{AccountId, Partition};
use serde_json::json;

use super::{Unit, collectors, tables};
use crate::pace::ApiBuckets;
use crate::retry::{CallStats, RetryPolicy};
use crate::session::AccountSession;

/// The action a request asks for: query protocols name it (`Action=` in the form body); S3's
/// REST calls by their subresource (`?policy`), virtual-hosted (`<bucket>.s3.<region>...`).
fn action_of(request: &http::Request<SdkBody>) -> (String, String) {
    let host = request.uri().host().unwrap_or_default().to_owned();
    let labels: Vec<&str> = host.split('.').collect();
    if labels.contains(&"s3") {
        let query = request.uri().query().unwrap_or_default();
        let bucket_call = labels.first() != Some(&"s3");
        let action = s3_action(bucket_call, query);
        return ("s3".to_owned(), action.to_owned());
    }
    // DynamoDB calls about an ARN go to the account's endpoint (`<account>.ddb.<region>...`),
    // ECR's to `api.ecr.<region>...`
    let service = match (labels.first().copied(), labels.get(1).copied()) {
        (_, Some("ddb")) => "dynamodb",
        (Some("api"), Some(service)) => service,
        (first, _) => first.unwrap_or_default(),
    }
    .to_owned();
    // Lambda's REST calls by path
    if service == "lambda" {
        let path = request.uri().path().trim_end_matches('/');
        let action = if path.ends_with("/functions") {
            "ListFunctions"
        } else if path.ends_with("/policy") {
            "GetPolicy"
        } else if path.ends_with("/url") {
            "GetFunctionUrlConfig"
        } else {
            "GetFunction"
        };
        return (service, action.to_owned());
    }
    // EKS's and EFS's REST calls by path
    let path = request.uri().path().trim_end_matches('/');
    let rest = match service.as_str() {
        "eks" if path.ends_with("/clusters") => Some("ListClusters"),
        "eks" => Some("DescribeCluster"),
        "elasticfilesystem" if path.ends_with("/policy") => Some("DescribeFileSystemPolicy"),
        "elasticfilesystem" => Some("DescribeFileSystems"),
        "guardduty" if path.ends_with("/detector") => Some("ListDetectors"),
        "guardduty" if path.ends_with("/administrator") => Some("GetAdministratorAccount"),
        "guardduty" => Some("GetDetector"),
        "securityhub" if path.ends_with("/accounts") => Some("DescribeHub"),
        "securityhub" if path.ends_with("/administrator") => Some("GetAdministratorAccount"),
        "securityhub" => Some("ListTagsForResource"),
        "access-analyzer" => Some("ListAnalyzers"),
        "es" if path.ends_with("/domain") => Some("ListDomainNames"),
        "es" if path.ends_with("/domain-info") => Some("DescribeDomains"),
        "es" => Some("ListTags"),
        "cloudfront" if path.ends_with("/distribution") => Some("ListDistributions"),
        "cloudfront" if path.ends_with("/tagging") => Some("ListTagsForResource"),
        "cloudfront" if path.ends_with("/monitoring-subscription") => {
            Some("GetMonitoringSubscription")
        }
        "cloudfront" => Some("GetDistribution"),
        _ => None,
    };
    if let Some(action) = rest {
        return (service, action.to_owned());
    }
    // JSON protocols name the operation in a header: `TrentService.ListKeys`
    if let Some(target) = request
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
    {
        let action = target.rsplit('.').next().unwrap_or_default().to_owned();
        return (service, action);
    }
    let body = std::str::from_utf8(request.body().bytes().unwrap_or_default()).unwrap_or_default();
    let field = |name: &str| {
        body.split('&')
            .find_map(|pair| pair.strip_prefix(name))
            .unwrap_or_default()
            .to_owned()
    };
    let action = field("Action=");
    // ELB's two APIs share a host and action names: the version tells them apart
    if service == "elasticloadbalancing" && field("Version=") == "2015-12-01" {
        return ("elasticloadbalancingv2".to_owned(), action);
    }
    (service, action)
}

fn s3_action(bucket_call: bool, query: &str) -> &'static str {
    let has = |key: &str| query.split('&').any(|p| p.split('=').next() == Some(key));
    const SUBRESOURCES: &[(&str, &str)] = &[
        ("policyStatus", "GetBucketPolicyStatus"),
        ("policy", "GetBucketPolicy"),
        ("versioning", "GetBucketVersioning"),
        ("publicAccessBlock", "GetPublicAccessBlock"),
        ("encryption", "GetBucketEncryption"),
        ("acl", "GetBucketAcl"),
        ("lifecycle", "GetBucketLifecycleConfiguration"),
        ("logging", "GetBucketLogging"),
        ("object-lock", "GetObjectLockConfiguration"),
        ("ownershipControls", "GetBucketOwnershipControls"),
        ("replication", "GetBucketReplication"),
        ("website", "GetBucketWebsite"),
        ("tagging", "GetBucketTagging"),
        ("notification", "GetBucketNotificationConfiguration"),
        ("location", "GetBucketLocation"),
    ];
    if !bucket_call {
        return "ListBuckets";
    }
    SUBRESOURCES
        .iter()
        .find(|(key, _)| has(key))
        .map_or("UnknownS3Call", |(_, action)| action)
}

/// A session whose every request is answered from the fixtures; the actions asked are recorded.
fn fixture_session(asked: Arc<Mutex<Vec<String>>>) -> AccountSession {
    // the running test's checkout (a build reused from another checkout keeps that one's path)
    let fixtures = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).to_owned())
        .join("fixtures");
    let client = infallible_client_fn(move |request| {
        let (service, action) = action_of(&request);
        // the IAM action prefix: ELBv2's fixtures have a folder of their own
        let prefix = service.strip_suffix("v2").unwrap_or(&service);
        asked.lock().unwrap().push(format!("{prefix}:{action}"));
        let json = fixtures.join(&service).join(format!("{action}.json"));
        let (path, content_type) = if json.is_file() {
            (json, "application/x-amz-json-1.1")
        } else {
            (
                fixtures.join(&service).join(format!("{action}.xml")),
                "text/xml",
            )
        };
        match std::fs::read_to_string(&path) {
            Ok(body) => http::Response::builder()
                .status(200)
                .header("content-type", content_type)
                .body(SdkBody::from(body))
                .unwrap(),
            Err(_) => panic!("no fixture {} for {service}:{action}", path.display()),
        }
    });
    let config = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(client)
        .region(Region::new("eu-west-1"))
        .retry_config(RetryConfig::disabled())
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "AKIDEXAMPLE",
            "fixture-secret",
            None,
            None,
            "fixtures",
        )))
        .build();
    AccountSession {
        account: "111122223333".parse::<AccountId>().unwrap(),
        partition: Partition::aws(),
        config,
        retry: RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        },
        stats: Arc::new(CallStats::default()),
        slots: None,
        clients: Arc::default(),
    }
}

#[tokio::test]
async fn every_collector_fills_its_tables_with_exactly_their_columns() {
    let regions = vec![
        RegionInfo {
            name: "eu-west-1".into(),
            opt_in_status: "opt-in-not-required".into(),
        },
        RegionInfo {
            name: "af-south-1".into(),
            opt_in_status: "not-opted-in".into(),
        },
    ];
    let buckets = ApiBuckets::new(false);
    let membership = membership();
    for collector in collectors() {
        let refusals = super::Refusals::default();
        let asked = Arc::new(Mutex::new(Vec::new()));
        let session = fixture_session(asked.clone());
        let unit = Unit {
            session: &session,
            region: if collector.scope() == Scope::Regional {
                "eu-west-1"
            } else {
                "global"
            },
            buckets: &buckets,
            regions: Ok(&regions),
            membership: Some(&membership),
            refusals: &refusals,
        };
        let batches = collector
            .collect(unit)
            .await
            .unwrap_or_else(|e| panic!("{collector:?}: {e}"));
        let refused = refusals.take();
        assert!(
            refused.is_empty(),
            "{collector:?}: detail calls refused: {refused:?}"
        );
        for table in collector.tables {
            assert_eq!(
                table.scope,
                collector.scope(),
                "{collector:?}: one scope per collector"
            );
            let batch = batches
                .iter()
                .find(|b| b.table.name == table.name)
                .unwrap_or_else(|| panic!("{collector:?} left `{table}` without a batch"));
            assert!(
                !batch.rows.is_empty(),
                "the fixture yields no `{table}` row"
            );
            for row in &batch.rows {
                table.check(row).unwrap_or_else(|e| panic!("{e}"));
            }
        }
        for batch in &batches {
            assert!(
                collector.tables.iter().any(|t| t.name == batch.table.name),
                "{collector:?} filled `{}`, which it does not declare",
                batch.table
            );
        }
        let declared: BTreeSet<&str> = collector
            .tables
            .iter()
            .flat_map(|t| t.actions.iter().copied())
            .collect();
        for action in asked.lock().unwrap().iter() {
            assert!(
                declared.contains(action.as_str()),
                "{collector:?} called `{action}`, which its definitions do not list"
            );
        }
    }
}

#[test]
fn every_table_is_declared_once_and_registered() {
    let mut names = BTreeSet::new();
    for table in tables() {
        assert!(names.insert(table.name), "`{table}` declared twice");
        assert!(
            table.name.starts_with("aws_") || table.name.starts_with("canopy_"),
            "`{table}`: Steampipe's names, or canopy_ for a table of canopy's own"
        );
        let mut columns = BTreeSet::new();
        for column in table.stored_columns() {
            assert!(
                columns.insert(column.name),
                "`{table}.{}` twice",
                column.name
            );
            assert!(
                !column.doc.is_empty(),
                "`{table}.{}` has no words",
                column.name
            );
        }
        assert!(!table.actions.is_empty(), "`{table}` lists no actions");
    }
    for collector in collectors() {
        for table in collector.tables {
            assert_eq!(
                super::Collector::for_table(table.name),
                Some(collector),
                "`{table}` is filled by one collector"
            );
        }
    }
}

fn membership() -> canopy_model::Membership {
    canopy_model::Membership {
        organization_id: "o-a1b2c3d4e5".into(),
        organization_arn: "arn:aws:organizations::123456789012:organization/o-a1b2c3d4e5".into(),
        feature_set: "ALL".into(),
        management_account_id: "123456789012".into(),
        management_account_arn:
            "arn:aws:organizations::123456789012:account/o-a1b2c3d4e5/123456789012".into(),
        management_account_email: Some("management@example.com".into()),
        enabled_policy_types: vec!["SERVICE_CONTROL_POLICY".into()],
    }
}

/// Runs the collector of `table` against the fixtures, in `global` or its region; the rows of
/// `table`.
async fn rows_of(table: &str, membership: Option<&canopy_model::Membership>) -> Vec<Row> {
    let session = fixture_session(Arc::new(Mutex::new(Vec::new())));
    let buckets = ApiBuckets::new(false);
    let refusals = super::Refusals::default();
    let collector = super::Collector::for_table(table).unwrap();
    let unit = Unit {
        session: &session,
        region: if collector.scope() == Scope::Regional {
            "eu-west-1"
        } else {
            "global"
        },
        buckets: &buckets,
        regions: Ok(&[]),
        membership,
        refusals: &refusals,
    };
    let batches = collector.collect(unit).await.unwrap();
    batches
        .into_iter()
        .filter(|b| b.table.name == table)
        .flat_map(|b| b.rows)
        .collect()
}

fn cell<'a>(row: &'a Row, column: &str) -> &'a Cell {
    row.get(column)
        .unwrap_or_else(|| panic!("no column {column}"))
}

#[tokio::test]
async fn buckets_carry_their_own_region_and_their_configuration() {
    let rows = rows_of("aws_s3_bucket", None).await;
    assert_eq!(rows.len(), 2);
    // listed with its region; the other found by GetBucketLocation (`EU` is eu-west-1)
    for row in &rows {
        assert_eq!(cell(row, "region"), &Cell::Text("eu-west-1".into()));
    }
    let logs = &rows[0];
    assert_eq!(
        cell(logs, "arn"),
        &Cell::Text("arn:aws:s3:::anycompany-logs".into())
    );
    assert_eq!(cell(logs, "bucket_policy_is_public"), &Cell::Bool(false));
    assert_eq!(cell(logs, "versioning_enabled"), &Cell::Bool(true));
    assert_eq!(cell(logs, "restrict_public_buckets"), &Cell::Bool(false));
    assert_eq!(cell(logs, "block_public_acls"), &Cell::Bool(true));
    let Cell::Json(std) = cell(logs, "policy_std") else {
        panic!("no policy_std")
    };
    let std = std.value();
    assert_eq!(
        std["Statement"][0]["Condition"]["Bool"]["aws:securetransport"],
        json!(["false"])
    );
    let Cell::Json(sse) = cell(logs, "server_side_encryption_configuration") else {
        panic!("no encryption")
    };
    let sse = sse.value();
    assert_eq!(
        sse["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"],
        json!("aws:kms")
    );
    assert_eq!(cell(logs, "tags"), &Cell::json(json!({"team": "payments"})));
    let Cell::Json(website) = cell(logs, "website_configuration") else {
        panic!("no website")
    };
    let website = website.value();
    assert_eq!(website["IndexDocument"]["Suffix"], json!("index.html"));
}

#[tokio::test]
async fn the_account_row_reports_its_organization_as_synced() {
    let membership = canopy_model::Membership {
        management_account_email: None,
        ..membership()
    };
    let rows = rows_of("aws_account", Some(&membership)).await;
    let row = &rows[0];
    assert_eq!(
        cell(row, "arn"),
        &Cell::Text("arn:aws:::111122223333".into())
    );
    assert_eq!(
        cell(row, "title"),
        &Cell::Text("anycompany-payments-prod".into())
    );
    assert_eq!(
        cell(row, "organization_id"),
        &Cell::Text("o-a1b2c3d4e5".into())
    );
    assert_eq!(cell(row, "organization_master_account_email"), &Cell::Null);
    assert_eq!(
        cell(row, "organization_available_policy_types"),
        &Cell::json(json!([{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}]))
    );
    // an account outside any synced organization: aliases only
    let rows = rows_of("aws_account", None).await;
    assert_eq!(cell(&rows[0], "organization_id"), &Cell::Null);
}

#[tokio::test]
async fn security_group_rules_are_named_as_steampipe_names_them() {
    let rows = rows_of("aws_vpc_security_group_rule", None).await;
    assert_eq!(
        cell(&rows[0], "title"),
        &Cell::Text("sgr-0b5fb1d2a3c4e5f60_ingress_tcp_22_22_0.0.0.0/0".into())
    );
    assert_eq!(
        cell(&rows[0], "akas"),
        &Cell::json(json!([
            "arn:aws:ec2:eu-west-1:111122223333:security-group-rule/sgr-0b5fb1d2a3c4e5f60:ingress_tcp_22_22_0.0.0.0/0"
        ]))
    );
    // a rule that allows its own group names the group
    assert_eq!(
        cell(&rows[1], "title"),
        &Cell::Text("sgr-0c6fb1d2a3c4e5f61_egress_-1_-1_-1_sg-0a1b2c3d4e5f60718".into())
    );
    assert_eq!(cell(&rows[1], "type"), &Cell::Text("egress".into()));
}

#[tokio::test]
async fn instances_carry_their_attributes_status_and_template_but_never_user_data() {
    let rows = rows_of("aws_ec2_instance", None).await;
    let row = &rows[0];
    assert_eq!(cell(row, "disable_api_termination"), &Cell::Bool(true));
    assert_eq!(
        cell(row, "instance_initiated_shutdown_behavior"),
        &Cell::Text("stop".into())
    );
    assert_eq!(
        cell(row, "state_transition_time"),
        &Cell::Text("2026-11-02T08:00:00Z".into())
    );
    let Cell::Json(status) = cell(row, "instance_status") else {
        panic!("no status")
    };
    let status = status.value();
    assert_eq!(status["InstanceStatus"]["Status"], json!("ok"));
    let Cell::Json(template) = cell(row, "launch_template_data") else {
        panic!("no template")
    };
    let template = template.value();
    assert_eq!(template["ImageId"], json!("ami-0abcdef1234567890"));
    assert!(
        !template.to_string().contains("c2VjcmV0"),
        "user data is never stored"
    );
    assert_eq!(cell(row, "user_data"), &Cell::Null);
    let Cell::Json(devices) = cell(row, "block_device_mappings") else {
        panic!("no devices")
    };
    let devices = devices.value();
    assert_eq!(
        devices[0]["Ebs"]["VolumeId"],
        json!("vol-0123456789abcdef0")
    );
}

#[tokio::test]
async fn roles_carry_their_policies_and_profiles_from_one_details_call() {
    let rows = rows_of("aws_iam_role", None).await;
    let row = &rows[0];
    assert_eq!(
        cell(row, "attached_policy_arns"),
        &Cell::json(json!(["arn:aws:iam::aws:policy/ReadOnlyAccess"]))
    );
    assert_eq!(
        cell(row, "instance_profile_arns"),
        &Cell::json(json!([
            "arn:aws:iam::111122223333:instance-profile/deployer"
        ]))
    );
    let Cell::Json(inline) = cell(row, "inline_policies") else {
        panic!("no inline policies")
    };
    let inline = inline.value();
    assert_eq!(inline[0]["PolicyName"], json!("deploy"));
    assert_eq!(
        inline[0]["PolicyDocument"]["Statement"][0]["Action"],
        json!("S3:PutObject")
    );
    let Cell::Json(std) = cell(row, "inline_policies_std") else {
        panic!("no canonical inline policies")
    };
    let std = std.value();
    assert_eq!(
        std[0]["PolicyDocument"]["Statement"][0]["Action"],
        json!(["s3:putobject"])
    );
    assert!(
        matches!(cell(row, "assume_role_policy_document"), Cell::Text(t) if t.contains("2012-10-17"))
    );
}

#[tokio::test]
async fn users_groups_and_policies_come_from_one_details_call() {
    let user = &rows_of("aws_iam_user", None).await[0];
    assert_eq!(cell(user, "mfa_enabled"), &Cell::Bool(true));
    assert_eq!(
        cell(user, "password_last_used"),
        &Cell::Text("2026-11-20T08:00:00Z".into())
    );
    let Cell::Json(groups) = cell(user, "groups") else {
        panic!("no groups")
    };
    let groups = groups.value();
    assert_eq!(groups[0]["GroupId"], json!("AGPAEXAMPLEADMINS001"));
    let group = &rows_of("aws_iam_group", None).await[0];
    let Cell::Json(members) = cell(group, "users") else {
        panic!("no members")
    };
    let members = members.value();
    assert_eq!(members[0]["UserName"], json!("alice"));
    let policies = rows_of("aws_iam_policy", None).await;
    assert_eq!(policies.len(), 2);
    assert_eq!(cell(&policies[0], "is_aws_managed"), &Cell::Bool(false));
    assert_eq!(
        cell(&policies[0], "tags"),
        &Cell::json(json!({"owner": "platform"}))
    );
    let Cell::Json(std) = cell(&policies[0], "policy_std") else {
        panic!("no document")
    };
    let std = std.value();
    assert_eq!(std["Statement"][0]["Action"], json!(["ec2:describe*"]));
    // an AWS managed policy attached to nothing here: no document fetched, no tags asked
    assert_eq!(cell(&policies[1], "is_aws_managed"), &Cell::Bool(true));
    assert_eq!(cell(&policies[1], "policy"), &Cell::Null);
}

#[tokio::test]
async fn functions_keep_no_secret_environment_values_nor_code_urls() {
    let rows = rows_of("aws_lambda_function", None).await;
    let row = &rows[0];
    assert_eq!(
        cell(row, "environment_variables"),
        &Cell::json(json!({"DB_PASSWORD": null, "STAGE": null}))
    );
    let all = format!("{row:?}");
    assert!(!all.contains("hunter2"), "an environment value was stored");
    assert!(
        !all.contains("X-Amz-Security-Token"),
        "the presigned code URL was stored"
    );
    assert_eq!(cell(row, "reserved_concurrent_executions"), &Cell::Int(5));
    let Cell::Json(url) = cell(row, "url_config") else {
        panic!("no url config")
    };
    let url = url.value();
    assert_eq!(url["AuthType"], json!("NONE"));
    let Cell::Json(std) = cell(row, "policy_std") else {
        panic!("no policy")
    };
    let std = std.value();
    assert_eq!(std["Statement"][0]["Principal"]["AWS"], json!(["*"]));
}

#[tokio::test]
async fn rds_rows_carry_certificate_maintenance_and_sharing() {
    let instance = &rows_of("aws_rds_db_instance", None).await[0];
    let Cell::Json(certificate) = cell(instance, "certificate") else {
        panic!("no certificate")
    };
    let certificate = certificate.value();
    assert_eq!(certificate["ValidTill"], json!("2061-05-25T23:34:57Z"));
    let Cell::Json(pending) = cell(instance, "pending_maintenance_actions") else {
        panic!("no pending maintenance")
    };
    let pending = pending.value();
    assert_eq!(pending[0]["Action"], json!("system-update"));
    let Cell::Json(subnets) = cell(instance, "subnets") else {
        panic!("no subnets")
    };
    let subnets = subnets.value();
    assert_eq!(
        subnets[0]["SubnetAvailabilityZone"]["Name"],
        json!("eu-west-1a")
    );
    assert_eq!(cell(instance, "vpc_id"), &Cell::Text("vpc-0a1b2c3d".into()));
    assert_eq!(cell(instance, "publicly_accessible"), &Cell::Bool(true));
    let cluster = &rows_of("aws_rds_db_cluster", None).await[0];
    // the master password's secret is named, never read
    let Cell::Json(secret) = cell(cluster, "master_user_secret") else {
        panic!("no secret")
    };
    let secret = secret.value();
    assert!(
        secret["SecretArn"]
            .as_str()
            .unwrap()
            .contains("secret:rds!")
    );
    assert_eq!(cell(cluster, "pending_maintenance_actions"), &Cell::Null);
    for (table, column) in [
        ("aws_rds_db_snapshot", "db_snapshot_attributes"),
        (
            "aws_rds_db_cluster_snapshot",
            "db_cluster_snapshot_attributes",
        ),
    ] {
        let rows = rows_of(table, None).await;
        let Cell::Json(shared) = cell(&rows[0], column) else {
            panic!("{table}: no sharing attributes")
        };
        let shared = shared.value();
        assert_eq!(
            shared,
            json!([{"AttributeName": "restore", "AttributeValues": ["all"]}])
        );
    }
}

#[tokio::test]
async fn container_and_cluster_rows_keep_no_secrets() {
    let task = &rows_of("aws_ecs_task_definition", None).await[0];
    let Cell::Json(containers) = cell(task, "container_definitions") else {
        panic!("no containers")
    };
    let containers = containers.value();
    assert_eq!(
        containers[0]["Environment"],
        json!([{"Name": "DB_PASSWORD", "Value": null}])
    );
    assert!(!containers.to_string().contains("hunter2"));
    assert_eq!(cell(task, "cpu"), &Cell::Int(256));
    assert_eq!(cell(task, "title"), &Cell::Text("web:3".into()));
    let cluster = &rows_of("aws_eks_cluster", None).await[0];
    let Cell::Json(connector) = cell(cluster, "connector_config") else {
        panic!("no connector config")
    };
    let connector = connector.value();
    assert!(!connector.to_string().contains("SECRET-ACTIVATION-CODE"));
    let file_system = &rows_of("aws_efs_file_system", None).await[0];
    assert_eq!(
        cell(file_system, "automatic_backups"),
        &Cell::Text("enabled".into())
    );
    assert_eq!(
        cell(file_system, "provisioned_throughput_in_mibps"),
        &Cell::Double(12.5)
    );
    let repository = &rows_of("aws_ecr_repository", None).await[0];
    let Cell::Json(lifecycle) = cell(repository, "lifecycle_policy") else {
        panic!("no lifecycle policy")
    };
    let lifecycle = lifecycle.value();
    assert_eq!(
        lifecycle["rules"][0]["selection"]["tagStatus"],
        json!("untagged")
    );
    let table = &rows_of("aws_dynamodb_table", None).await[0];
    assert_eq!(
        cell(table, "continuous_backups_status"),
        &Cell::Text("ENABLED".into())
    );
    assert_eq!(
        cell(table, "billing_mode"),
        &Cell::Text("PROVISIONED".into())
    );
}

#[tokio::test]
async fn build_projects_keep_no_plain_text_values_nor_webhook_secrets() {
    let project = &rows_of("aws_codebuild_project", None).await[0];
    let Cell::Json(environment) = cell(project, "environment") else {
        panic!("no environment")
    };
    let environment = environment.value();
    assert_eq!(
        environment["EnvironmentVariables"],
        json!([
            {"Name": "DEPLOY_TOKEN", "Type": "PLAINTEXT", "Value": null},
            {"Name": "DB_PASSWORD", "Type": "PARAMETER_STORE", "Value": "/app/db-password"}
        ])
    );
    let Cell::Json(webhook) = cell(project, "webhook") else {
        panic!("no webhook")
    };
    let webhook = webhook.value();
    assert!(!webhook.to_string().contains("not-a-real-webhook-secret"));
    let cluster = &rows_of("aws_redshift_cluster", None).await[0];
    let Cell::Json(actions) = cell(cluster, "scheduled_actions") else {
        panic!("no scheduled actions")
    };
    let actions = actions.value();
    assert_eq!(actions[0]["ScheduledActionName"], json!("night-pause"));
    let distribution = &rows_of("aws_cloudfront_distribution", None).await[0];
    let Cell::Json(origins) = cell(distribution, "origins") else {
        panic!("no origins")
    };
    let origins = origins.value();
    assert!(!origins.to_string().contains("not-a-real-shared-secret"));
    assert_eq!(
        origins[0]["CustomHeaders"]["Items"][0]["HeaderName"],
        json!("X-Origin-Verify")
    );
    assert_eq!(
        cell(distribution, "default_root_object"),
        &Cell::Text("index.html".into())
    );
    let parameter = &rows_of("aws_ssm_parameter", None).await[0];
    assert_eq!(cell(parameter, "value"), &Cell::Null);
}
