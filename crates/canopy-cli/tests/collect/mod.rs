//! `canopy collect`, `query`, `tables`, `schema` and the reports, end to end.
//!
//! Over 600 lines: end-to-end tests of one command family; each test stands alone.

use serde_json::{Value, json};

use super::{Sandbox, ids_named};
use canopy_testkit::scenario::{account, org, ou, suspended};

const REGIONS: &str = "eu-west-1,us-east-1";
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
    let prod = &ids_named(&seeded, "prod")[0];
    let dev = &ids_named(&seeded, "dev")[0];
    let old = &ids_named(&seeded, "old")[0];
    s.json(&["org", "sync", "--format", "json"]);
    s.moto.reset_calls();

    let (code, summary, stderr) = collect(&s, &[]);
    assert_eq!(code, 0, "{stderr}\n{summary}");
    assert!(
        stderr.contains(old),
        "the suspended account is named: {stderr}"
    );
    assert_eq!(summary["status"], "ok");
    assert_eq!(summary["accounts"], 3, "management, prod, dev");
    // per account: the account-wide collectors once + 2 regions x the regional ones
    let units = units(&s);
    assert!(units.ec2_regional > 0 && units.once > 0);
    assert_eq!(summary["units"], 3 * (units.once + 2 * units.regional));
    assert_eq!(summary["failed_units"], 0);

    // calls: one assume-role per member account, the management account uses the caller's
    // credentials; global services once per account; nothing at all for the suspended one
    assert_eq!(s.moto.count("AssumeRole"), 2);
    assert_eq!(s.moto.count("DescribeRegions"), 3);
    assert_eq!(s.moto.count("ListRoles"), 3);
    assert_eq!(s.moto.count("ListAccountAliases"), 3);
    // IAM: one details call per account for users, groups and policies, and one for roles
    // where there are roles (the management account has none here)
    assert_eq!(s.moto.count("GetAccountAuthorizationDetails"), 3 + 2);
    // users listed once for the users' table and once for their access keys' (a unit of its
    // own, so `--tables aws_iam_access_key` needs no authorization details)
    assert_eq!(s.moto.count("ListUsers"), 3 + 3);
    assert_eq!(s.moto.count("ListPolicies"), 3);
    assert_eq!(
        s.moto.count("DescribeOrganization"),
        0,
        "aws_account reads the sync"
    );
    assert_eq!(s.moto.count("ListBuckets"), 3);
    // one call per bucket and configuration, nothing more: two buckets in prod
    for detail in [
        "GetBucketPolicy",
        "GetBucketPolicyStatus",
        "GetBucketVersioning",
        "GetPublicAccessBlock",
        "GetBucketEncryption",
        "GetBucketAcl",
        "GetBucketLifecycleConfiguration",
        "GetBucketLogging",
        "GetObjectLockConfiguration",
        "GetBucketOwnershipControls",
        "GetBucketReplication",
        "GetBucketWebsite",
        "GetBucketTagging",
        "GetBucketNotificationConfiguration",
    ] {
        assert_eq!(s.moto.count(detail), 2, "{detail}");
    }
    assert_eq!(s.moto.count("DescribeSecurityGroupRules"), 3 * 2);
    assert_eq!(s.moto.count("DescribeVolumes"), 3 * 2);
    assert_eq!(s.moto.count("DescribeSnapshots"), 3 * 2);
    assert_eq!(s.moto.count("DescribeImages"), 3 * 2);
    assert_eq!(s.moto.count("ListTopics"), 3 * 2);
    assert_eq!(s.moto.count("ListKeys"), 3 * 2);
    assert_eq!(s.moto.count("DescribeTrails"), 3 * 2);
    assert_eq!(s.moto.count("ListFunctions"), 3 * 2);
    assert_eq!(s.moto.count("ListQueues"), 3 * 2);
    assert_eq!(s.moto.count("DescribeLogGroups"), 3 * 2);
    assert_eq!(s.moto.count("ListSecrets"), 3 * 2);
    assert_eq!(s.moto.count("GetAccountPasswordPolicy"), 3);
    assert_eq!(s.moto.count("GetAccountSummary"), 3);
    // RDS: each listing once per account and region; the region's pending maintenance once
    // per table with rows there, its CAs once where there are instances; sharing attributes
    // only for the manual snapshot (moto's automated ones cannot be shared)
    for listing in [
        "DescribeDBInstances",
        "DescribeDBClusters",
        "DescribeDBSnapshots",
        "DescribeDBClusterSnapshots",
    ] {
        assert_eq!(s.moto.count(listing), 3 * 2, "{listing}");
    }
    assert_eq!(s.moto.count("DescribePendingMaintenanceActions"), 2);
    assert_eq!(s.moto.count("DescribeCertificates"), 1);
    assert_eq!(s.moto.count("DescribeDBSnapshotAttributes"), 1);
    assert_eq!(s.moto.count("DescribeDBClusterSnapshotAttributes"), 0);
    // DynamoDB, ECR, EKS, ECS, EFS: each listing once per account and region (ECS's clusters
    // twice: for clusters and for their services), details once per resource, batched where
    // AWS allows (DescribeClusters, DescribeServices, scanning configurations)
    let calls = s.moto.calls();
    let count = |service: &str, action: &str| -> u64 {
        calls
            .iter()
            .filter(|c| c.service == service && c.action == action)
            .map(|c| c.count)
            .sum()
    };
    for (service, action, n) in [
        ("dynamodb", "ListTables", 3 * 2),
        ("dynamodb", "DescribeTable", 1),
        ("dynamodb", "DescribeContinuousBackups", 1),
        ("dynamodb", "DescribeKinesisStreamingDestination", 1),
        ("dynamodb", "ListTagsOfResource", 1),
        ("ecr", "DescribeRepositories", 3 * 2),
        ("ecr", "BatchGetRepositoryScanningConfiguration", 1),
        ("ecr", "GetRepositoryPolicy", 1),
        ("ecr", "GetLifecyclePolicy", 1),
        ("ecr", "ListTagsForResource", 1),
        ("eks", "ListClusters", 3 * 2),
        ("eks", "DescribeCluster", 1),
        // one listing for both tables (clusters, services)
        ("ecs", "ListClusters", 3 * 2),
        ("ecs", "DescribeClusters", 1),
        ("ecs", "ListServices", 1),
        ("ecs", "DescribeServices", 1),
        ("ecs", "ListTaskDefinitions", 3 * 2),
        ("ecs", "DescribeTaskDefinition", 1),
        ("elasticfilesystem", "DescribeFileSystems", 3 * 2),
        ("elasticfilesystem", "DescribeFileSystemPolicy", 1),
        ("acm", "ListCertificates", 3 * 2),
        ("acm", "DescribeCertificate", 1),
        ("acm", "ListTagsForCertificate", 1),
        // requested, not yet issued: no body to fetch
        ("acm", "GetCertificate", 0),
        ("ssm", "DescribeParameters", 3 * 2),
        ("ssm", "ListTagsForResource", 1),
        ("ssm", "GetParameter", 0),
        ("ssm", "GetParameters", 0),
        // ELBv2's listing and classic ELB's, per account and region; attributes per load
        // balancer (two v2, one classic); tags 20 load balancers a call, per API; the classic
        // one's policies, and the region's predefined ones once
        ("elasticloadbalancing", "DescribeLoadBalancers", 2 * 3 * 2),
        ("elasticloadbalancing", "DescribeLoadBalancerAttributes", 3),
        ("elasticloadbalancing", "DescribeTags", 2),
        ("elasticloadbalancing", "DescribeLoadBalancerPolicies", 2),
        // the security services: each asked once per account and region; details only
        // where they are on
        ("guardduty", "ListDetectors", 3 * 2),
        ("guardduty", "GetDetector", 1),
        ("guardduty", "GetAdministratorAccount", 1),
        ("securityhub", "DescribeHub", 3 * 2),
        ("securityhub", "GetAdministratorAccount", 1),
        ("securityhub", "ListTagsForResource", 1),
        ("access-analyzer", "ListAnalyzers", 3 * 2),
        ("config", "DescribeConfigurationRecorders", 3 * 2),
        ("config", "DescribeConfigurationRecorderStatus", 1),
        ("elasticache", "DescribeCacheClusters", 3 * 2),
        ("elasticache", "ListTagsForResource", 1),
        // the region's scheduled actions once, where there are clusters
        ("redshift", "DescribeClusters", 3 * 2),
        ("redshift", "DescribeScheduledActions", 1),
        ("redshift", "DescribeLoggingStatus", 1),
        // projects and domains described in batches (100 and 5 a call)
        ("codebuild", "ListProjects", 3 * 2),
        ("codebuild", "BatchGetProjects", 1),
        ("es", "ListDomainNames", 3 * 2),
        ("es", "DescribeDomains", 1),
        ("es", "ListTags", 1),
        // CloudFront is global: its listing once per account
        ("cloudfront", "ListDistributions", 3),
        ("cloudfront", "GetDistribution", 1),
        ("cloudfront", "ListTagsForResource", 1),
        ("cloudfront", "GetMonitoringSubscription", 1),
    ] {
        assert_eq!(count(service, action), n, "{service}:{action}");
    }
    let balancers = s.query("select name, type, scheme from aws_ec2_application_load_balancer union all select name, type, scheme from aws_ec2_network_load_balancer union all select name, 'classic', scheme from aws_ec2_classic_load_balancer order by name");
    assert_eq!(balancers.len(), 3, "{balancers:?}");
    // where the security services are off: no rows, and no failed unit
    let on = s.query("select (select count(*) from aws_guardduty_detector) as guardduty, (select count(*) from aws_securityhub_hub) as hubs, (select count(*) from aws_accessanalyzer_analyzer) as analyzers, (select count(*) from aws_config_configuration_recorder) as recorders");
    assert_eq!(
        on,
        vec![json!({"guardduty": 1, "hubs": 1, "analyzers": 1, "recorders": 1})]
    );
    let parameters = s.query("select name, type, value from aws_ssm_parameter");
    assert_eq!(
        parameters,
        vec![json!({"name": "/app/db-password", "type": "SecureString", "value": null})]
    );
    let tokens = s.query(
        "select environment -> 'EnvironmentVariables' as variables from aws_codebuild_project",
    );
    assert_eq!(
        tokens,
        vec![json!({"variables": [{"Name": "DEPLOY_TOKEN", "Type": "PLAINTEXT", "Value": null}]})],
        "plain-text build variables keep their names only"
    );
    let environment = s.query(
        "select container_definitions -> 0 -> 'Environment' as env from aws_ecs_task_definition",
    );
    assert_eq!(
        environment,
        vec![json!({"env": [{"Name": "DB_PASSWORD", "Value": null}]})],
        "environment values are never stored"
    );
    let shared = s.query(
        "select db_snapshot_identifier, db_snapshot_attributes from aws_rds_db_snapshot where type = 'manual'",
    );
    assert_eq!(
        shared,
        vec![json!({"db_snapshot_identifier": "orders-manual",
            "db_snapshot_attributes": [{"AttributeName": "restore", "AttributeValues": ["all"]}]})]
    );
    let public = s.query("select db_instance_identifier, publicly_accessible, storage_encrypted from aws_rds_db_instance");
    assert_eq!(
        public,
        vec![
            json!({"db_instance_identifier": "orders", "publicly_accessible": true, "storage_encrypted": true})
        ]
    );
    // per instance: two attributes and its launch template data; per volume, two attributes
    let instances = 4;
    assert_eq!(s.moto.count("DescribeInstanceAttribute"), 2 * instances);
    assert_eq!(s.moto.count("GetLaunchTemplateData"), instances);
    assert_eq!(
        s.moto.count("DescribeVolumeAttribute"),
        2 * s.query("select count(*) as n from aws_ebs_volume")[0]["n"]
            .as_u64()
            .unwrap()
    );
    assert_eq!(s.moto.count("DescribeInstances"), 3 * 2);
    assert_eq!(s.moto.count("DescribeRouteTables"), 3 * 2);
    assert_eq!(s.moto.count("DescribeVpcs"), 3 * 2);
    assert_eq!(s.moto.count("DescribeSubnets"), 3 * 2);
    assert_eq!(s.moto.count("DescribeSecurityGroups"), 3 * 2);
    assert_eq!(s.moto.count("DescribeFlowLogs"), 3 * 2);
    assert_eq!(s.moto.count("DescribeVpcEndpoints"), 3 * 2);
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

    // the seed's queries, verbatim
    let instances = s.query(
        "select instance_id, region, account_id, tags ->> 'Name' as name from aws_ec2_instance",
    );
    let mut names: Vec<(String, String, String)> = instances
        .iter()
        .map(|i| {
            (
                i["name"].as_str().unwrap().to_owned(),
                i["region"].as_str().unwrap().to_owned(),
                i["account_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            ("api-1".into(), "us-east-1".into(), prod.clone()),
            ("batch-1".into(), "eu-west-1".into(), dev.clone()),
            ("web-1".into(), "eu-west-1".into(), prod.clone()),
            ("worker-1".into(), "eu-west-1".into(), prod.clone()),
        ]
    );
    let joined = s.query("select ec2.instance_id, ec2.region, ec2.account_id, org.name as account_name, ec2.tags ->> 'Name' as instance_name from aws_ec2_instance as ec2, aws_organizations_account as org where org.id = ec2.account_id",
    );
    assert_eq!(joined.len(), 4);
    let web = joined
        .iter()
        .find(|r| r["instance_name"] == "web-1")
        .unwrap();
    assert_eq!(web["account_name"], "prod");

    // JSON columns come out as JSON, booleans as booleans
    let eni = s.query("select groups, source_dest_check, association_public_ip, attached_instance_id from aws_ec2_network_interface where association_allocation_id is not null",
    );
    assert_eq!(eni.len(), 1, "one Elastic IP");
    assert!(eni[0]["groups"].is_array());
    assert_eq!(eni[0]["source_dest_check"], true);
    let seeded_ip = &seeded["organizations"][0]["resources"][0]["public_ips"][0];
    assert_eq!(&eni[0]["association_public_ip"], seeded_ip);

    let role = s.query("select assume_role_policy -> 'Statement' -> 0 -> 'Principal' ->> 'AWS' as trusted from aws_iam_role where name = 'deployer'",
    );
    assert_eq!(role[0]["trusted"], "arn:aws:iam::444455556666:root");
    let std = s.query("select assume_role_policy_std -> 'Statement' -> 0 -> 'Principal' -> 'AWS' ->> 0 as trusted, assume_role_policy_std -> 'Statement' -> 0 -> 'Action' ->> 0 as action from aws_iam_role where name = 'deployer'");
    assert_eq!(
        std,
        vec![json!({"trusted": "arn:aws:iam::444455556666:root", "action": "sts:assumerole"})],
        "Steampipe's canonical form"
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
    // VPCs and subnets: the seeded ones (titled by their Name tag), and every account and
    // region's default VPC
    let vpc_id = seeded["organizations"][0]["resources"][0]["vpc_id"]
        .as_str()
        .unwrap();
    let vpcs = s.query(&format!(
        "select vpc_id, account_id, region, cidr_block, is_default, title, tags ->> 'Name' as name, akas from aws_vpc where vpc_id = '{vpc_id}'"
    ));
    assert_eq!(vpcs.len(), 1);
    assert_eq!(vpcs[0]["account_id"], prod.as_str());
    assert_eq!(vpcs[0]["region"], "eu-west-1");
    assert_eq!(vpcs[0]["cidr_block"], "10.1.0.0/16");
    assert_eq!(vpcs[0]["is_default"], false);
    assert_eq!(vpcs[0]["title"], "workloads");
    assert_eq!(
        vpcs[0]["akas"],
        json!([format!("arn:aws:ec2:eu-west-1:{prod}:vpc/{vpc_id}")])
    );
    let defaults = s.query("select count(*) as n from aws_vpc where is_default");
    assert_eq!(
        defaults[0]["n"],
        3 * 2,
        "a default VPC per account and region"
    );
    let subnets = s.query(&format!(
        "select cidr_block, vpc_id, title, map_public_ip_on_launch, available_ip_address_count from aws_vpc_subnet where vpc_id = '{vpc_id}' order by cidr_block"
    ));
    // the seeded subnet, and the second zone's the load balancers need
    assert_eq!(subnets.len(), 2);
    assert_eq!(subnets[0]["cidr_block"], "10.1.1.0/24");
    assert_eq!(subnets[0]["title"], "workloads-a");
    assert!(subnets[0]["map_public_ip_on_launch"].is_boolean());
    assert!(subnets[0]["available_ip_address_count"].as_i64().unwrap() > 0);

    // security groups open to the world, found with SQLite's JSON functions over AWS's shape
    // (`->>` gives text, as in PostgreSQL: a number is cast)
    let open = s.query(&format!(
        "select g.group_name, g.vpc_id, cast(p.value ->> 'FromPort' as integer) as port from aws_vpc_security_group g, json_each(g.ip_permissions) p, json_each(p.value -> 'IpRanges') r where r.value ->> 'CidrIp' = '0.0.0.0/0' and g.account_id = '{prod}' order by port"
    ));
    assert_eq!(
        open,
        vec![
            json!({"group_name": "web", "vpc_id": vpc_id, "port": 22}),
            json!({"group_name": "web", "vpc_id": vpc_id, "port": 443}),
        ]
    );
    // VPCs without flow logs: every one but the seeded VPC, whose log goes to its bucket
    let logged = s.query(
        "select resource_id, traffic_type, log_destination_type, bucket_name from aws_vpc_flow_log",
    );
    assert_eq!(
        logged,
        vec![
            json!({"resource_id": vpc_id, "traffic_type": "REJECT", "log_destination_type": "s3", "bucket_name": "prod-flow-logs"})
        ]
    );
    // gateway endpoints with their policy, as written and in Steampipe's canonical form
    let endpoints = s.query("select vpc_id, service_name, policy -> 'Statement' -> 0 ->> 'Principal' as principal, policy_std -> 'Statement' -> 0 -> 'Principal' -> 'AWS' ->> 0 as principal_std, policy_std -> 'Statement' -> 0 -> 'Action' as actions from aws_vpc_endpoint");
    assert_eq!(
        endpoints,
        vec![
            json!({"vpc_id": vpc_id, "service_name": "com.amazonaws.eu-west-1.s3", "principal": "*",
                    "principal_std": "*", "actions": ["s3:getobject", "s3:listbucket"]})
        ]
    );
    let unlogged = s.query("select count(*) as n from aws_vpc v where not exists (select 1 from aws_vpc_flow_log f where f.resource_id = v.vpc_id)");
    assert_eq!(unlogged[0]["n"], 3 * 2, "the default VPCs have no flow log");
    let defaults =
        s.query("select count(*) as n from aws_vpc_security_group where group_name = 'default'");
    assert!(
        defaults[0]["n"].as_i64().unwrap() >= 3 * 2,
        "every VPC has a default group"
    );

    // the rules one by one: who can reach port 22 from anywhere
    let ssh = s.query(&format!("select group_id, type, ip_protocol, from_port, to_port, title from aws_vpc_security_group_rule where cidr_ipv4 = '0.0.0.0/0' and not is_egress and account_id = '{prod}' order by from_port"));
    assert_eq!(ssh.len(), 2, "{ssh:?}");
    assert_eq!(ssh[0]["from_port"], 22);
    assert_eq!(ssh[0]["type"], "ingress");
    assert!(
        ssh[0]["title"]
            .as_str()
            .unwrap()
            .ends_with("_ingress_tcp_22_22_0.0.0.0/0"),
        "{ssh:?}"
    );

    // every account knows its organization, from the sync
    let org_id = seeded["organizations"][0]["id"].as_str().unwrap();
    let accounts = s.query("select account_id, organization_id, organization_master_account_id, title, arn, region from aws_account order by account_id");
    assert_eq!(accounts.len(), 3);
    for a in &accounts {
        assert_eq!(a["organization_id"], org_id);
        assert_eq!(a["organization_master_account_id"], "123456789012");
        assert_eq!(a["region"], "global");
        assert_eq!(
            a["arn"],
            format!("arn:aws:::{}", a["account_id"].as_str().unwrap())
        );
    }

    // buckets: each in its own region, with its configuration; a public policy shows
    let buckets = s.query("select name, region, account_id, bucket_policy_is_public, versioning_enabled, block_public_acls, restrict_public_buckets, server_side_encryption_configuration -> 'Rules' -> 0 -> 'ApplyServerSideEncryptionByDefault' ->> 'SSEAlgorithm' as sse, tags ->> 'team' as team, policy is null as no_policy, policy_std -> 'Statement' -> 0 -> 'Principal' -> 'AWS' ->> 0 as principal from aws_s3_bucket order by name");
    assert_eq!(
        buckets,
        vec![
            json!({"name": "prod-flow-logs", "region": "eu-west-1", "account_id": prod,
                   "bucket_policy_is_public": false, "versioning_enabled": true,
                   "block_public_acls": true, "restrict_public_buckets": true, "sse": "AES256",
                   "team": "network", "no_policy": true, "principal": null}),
            json!({"name": "prod-public-site", "region": "eu-west-1", "account_id": prod,
                   "bucket_policy_is_public": true, "versioning_enabled": false,
                   "block_public_acls": false, "restrict_public_buckets": false, "sse": null,
                   "team": null, "no_policy": false, "principal": "*"}),
        ]
    );

    let iam_regions = s.query("select distinct region from aws_iam_role");
    assert_eq!(iam_regions, vec![json!({"region": "global"})]);

    // the reports
    let ips = s.json(&["report", "public-ips", "--format", "json"]);
    let ips = ips.as_array().unwrap();
    assert_eq!(
        ips.len(),
        3,
        "the Elastic IP, and the addresses default subnets give api-1 and batch-1"
    );
    let eip = ips.iter().find(|ip| &ip["public_ip"] == seeded_ip).unwrap();
    assert_eq!(eip["account_name"], "prod");
    assert_eq!(eip["ou_path"], "Root/Workloads");
    assert_eq!(eip["region"], "eu-west-1");
    assert_eq!(
        eip["attachment"].as_str().unwrap(),
        seeded["organizations"][0]["resources"][0]["instances"][0]
            .as_str()
            .unwrap()
    );
    let routes = s.json(&["report", "internet-routes", "--format", "json"]);
    let igw = seeded["organizations"][0]["resources"][0]["internet_gateway_id"]
        .as_str()
        .unwrap();
    let ours: Vec<&Value> = routes
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["gateway_id"] == igw)
        .collect();
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0]["destination"], "0.0.0.0/0");
    assert_eq!(ours[0]["account_name"], "prod");
    assert!(
        ours[0]["associations"]
            .as_str()
            .unwrap()
            .starts_with("subnet-")
    );

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
