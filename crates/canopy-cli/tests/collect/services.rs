//! The other services (SNS, KMS, CloudTrail, Lambda, SQS, Logs, Secrets Manager, RDS, DynamoDB,
//! ECR, EKS, ECS, EFS, ACM, SSM, ELB, the security services, ElastiCache, Redshift, CodeBuild,
//! OpenSearch, CloudFront): each listing once per account and region, details once per resource,
//! and the rows that must never hold a secret.

use serde_json::json;

use super::Collected;

/// The checks of this family on the estate collect read.
pub(super) fn check(c: &Collected) {
    let s = &c.s;
    assert_eq!(s.moto.count("ListTopics"), 3 * 2);
    assert_eq!(s.moto.count("ListKeys"), 3 * 2);
    assert_eq!(s.moto.count("DescribeTrails"), 3 * 2);
    assert_eq!(s.moto.count("ListFunctions"), 3 * 2);
    assert_eq!(s.moto.count("ListQueues"), 3 * 2);
    assert_eq!(s.moto.count("DescribeLogGroups"), 3 * 2);
    assert_eq!(s.moto.count("ListSecrets"), 3 * 2);

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
}
