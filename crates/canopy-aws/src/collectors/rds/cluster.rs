//! RDS DB clusters, with the region's pending maintenance.

use aws_sdk_rds::Client;
use canopy_model::inventory::{Batch, Cell};
use canopy_model::table::Column;
use serde_json::{Value, json};

use crate::collectors::{Unit, json_cell, list_of, strings, time};
use crate::collectors::{tags_of, tags_src};
use crate::error::AwsError;

use super::{
    DOMAIN_MEMBERSHIPS, LOG_EXPORTS, PENDING_MAINTENANCE, VPC_SECURITY_GROUPS, certificate_details,
    domains, log_exports, pending_maintenance, vpc_groups,
};

/// What is read of one row of `aws_rds_db_cluster`.
struct Cluster {
    c: aws_sdk_rds::types::DbCluster,
    arn: Option<String>,
    pending_values: Option<Value>,
    v2: Option<Value>,
    v1: Option<Value>,
    secret: Option<Value>,
    limitless: Option<Value>,
    name: String,
    pending: Option<Value>,
}

table! {
    CLUSTERS: Cluster = Regional "aws_rds_db_cluster"
        ["rds:DescribeDBClusters", "rds:DescribePendingMaintenanceActions"],
        "RDS and Aurora DB clusters: engine, members, encryption, backups, endpoints";
    C::text("db_cluster_identifier", "The cluster's identifier", |x, _| Cell::Text(x.name.clone())).required(),
    C::text("arn", "The cluster's ARN", |x, _| Cell::text(x.arn.as_deref())),
    C::text("status", "Its status", |x, _| Cell::text(x.c.status())),
    C::text("resource_id", "Its region-unique, immutable resource id", |x, _| Cell::text(x.c.db_cluster_resource_id())),
    C::time("create_time", "When it was created", |x, _| time(x.c.cluster_create_time())),
    C::text("activity_stream_kinesis_stream_name", "The Kinesis stream of its activity stream", |x, _| Cell::text(x.c.activity_stream_kinesis_stream_name())),
    C::text("activity_stream_kms_key_id", "The KMS key of its activity stream", |x, _| Cell::text(x.c.activity_stream_kms_key_id())),
    C::text("activity_stream_mode", "Its activity stream's mode", |x, _| Cell::variant(x.c.activity_stream_mode())),
    C::text("activity_stream_status", "Its activity stream's status", |x, _| Cell::variant(x.c.activity_stream_status())),
    C::int("allocated_storage", "Allocated storage, in GiB", |x, _| Cell::int(x.c.allocated_storage())),
    C::bool("auto_minor_version_upgrade", "Whether minor versions are applied automatically (Multi-AZ clusters)", |x, _| Cell::bool(x.c.auto_minor_version_upgrade())),
    C::int("backtrack_consumed_change_records", "Change records stored for Backtrack", |x, _| Cell::int(x.c.backtrack_consumed_change_records())),
    C::int("backtrack_window", "The Backtrack window, in seconds", |x, _| Cell::int(x.c.backtrack_window())),
    C::int("backup_retention_period", "Days automated backups are kept", |x, _| Cell::int(x.c.backup_retention_period())),
    C::int("capacity", "Current capacity (Aurora Serverless v1)", |x, _| Cell::int(x.c.capacity())),
    C::text("character_set_name", "Its character set", |x, _| Cell::text(x.c.character_set_name())),
    C::text("clone_group_id", "Its clone group", |x, _| Cell::text(x.c.clone_group_id())),
    C::bool("copy_tags_to_snapshot", "Whether tags are copied to snapshots", |x, _| Cell::bool(x.c.copy_tags_to_snapshot())),
    C::bool("cross_account_clone", "Whether it is a clone of another account's cluster", |x, _| Cell::bool(x.c.cross_account_clone())),
    C::text("database_name", "The initial database's name", |x, _| Cell::text(x.c.database_name())),
    C::text("db_cluster_parameter_group", "Its cluster parameter group", |x, _| Cell::text(x.c.db_cluster_parameter_group())),
    C::text("db_subnet_group", "Its subnet group", |x, _| Cell::text(x.c.db_subnet_group())),
    C::bool("deletion_protection", "Whether deletion protection is on", |x, _| Cell::bool(x.c.deletion_protection())),
    C::time("earliest_backtrack_time", "The earliest time it can be backtracked to", |x, _| time(x.c.earliest_backtrack_time())),
    C::time("earliest_restorable_time", "The earliest point-in-time restore target", |x, _| time(x.c.earliest_restorable_time())),
    C::text("endpoint", "The writer endpoint", |x, _| Cell::text(x.c.endpoint())),
    C::text("engine", "The database engine", |x, _| Cell::text(x.c.engine())),
    C::text("engine_mode", "provisioned, serverless, ...", |x, _| Cell::text(x.c.engine_mode())),
    C::text("engine_version", "The engine version", |x, _| Cell::text(x.c.engine_version())),
    C::bool("global_write_forwarding_requested", "Whether write forwarding was requested (global database)", |x, _| Cell::bool(x.c.global_write_forwarding_requested())),
    C::text("global_write_forwarding_status", "Write forwarding's status (global database)", |x, _| Cell::variant(x.c.global_write_forwarding_status())),
    C::text("hosted_zone_id", "Its endpoints' Route 53 zone", |x, _| Cell::text(x.c.hosted_zone_id())),
    C::bool("http_endpoint_enabled", "Whether the Data API is on", |x, _| Cell::bool(x.c.http_endpoint_enabled())),
    C::bool("iam_database_authentication_enabled", "Whether IAM database authentication is on", |x, _| Cell::bool(x.c.iam_database_authentication_enabled())),
    C::text("kms_key_id", "The KMS key that encrypts it", |x, _| Cell::text(x.c.kms_key_id())),
    C::time("latest_restorable_time", "The latest point-in-time restore target", |x, _| time(x.c.latest_restorable_time())),
    C::text("master_user_name", "The master user's name", |x, _| Cell::text(x.c.master_username())),
    C::bool("multi_az", "Whether it has instances in several zones", |x, _| Cell::bool(x.c.multi_az())),
    C::text("percent_progress", "Progress of the running operation, %", |x, _| Cell::text(x.c.percent_progress())),
    C::int("port", "The port it listens on", |x, _| Cell::int(x.c.port())),
    C::text("preferred_backup_window", "The daily backup window (UTC)", |x, _| Cell::text(x.c.preferred_backup_window())),
    C::text("preferred_maintenance_window", "The weekly maintenance window (UTC)", |x, _| Cell::text(x.c.preferred_maintenance_window())),
    C::text("reader_endpoint", "The reader endpoint", |x, _| Cell::text(x.c.reader_endpoint())),
    C::bool("storage_encrypted", "Whether its storage is encrypted", |x, _| Cell::bool(x.c.storage_encrypted())),
    C::bool("performance_insights_enabled", "Whether Performance Insights is on", |x, _| Cell::bool(x.c.performance_insights_enabled())),
    C::bool("publicly_accessible", "Whether it is publicly accessible (Multi-AZ clusters)", |x, _| Cell::bool(x.c.publicly_accessible())),
    C::time("automatic_restart_time", "When a stopped cluster restarts by itself", |x, _| time(x.c.automatic_restart_time())),
    C::text("aws_backup_recovery_point_arn", "Its AWS Backup recovery point", |x, _| Cell::text(x.c.aws_backup_recovery_point_arn())),
    C::text("performance_insights_kms_key_id", "The KMS key of its Performance Insights data", |x, _| Cell::text(x.c.performance_insights_kms_key_id())),
    C::int("monitoring_interval", "Enhanced Monitoring interval, in seconds (0: off)", |x, _| Cell::int(x.c.monitoring_interval())),
    C::int("storage_throughput", "Storage throughput, MiB/s", |x, _| Cell::int(x.c.storage_throughput())),
    C::int("performance_insights_retention_period", "Days Performance Insights data is kept", |x, _| Cell::int(x.c.performance_insights_retention_period())),
    C::text("monitoring_role_arn", "The role Enhanced Monitoring sends metrics with", |x, _| Cell::text(x.c.monitoring_role_arn())),
    C::text("network_type", "IPV4 or DUAL", |x, _| Cell::text(x.c.network_type())),
    C::text("storage_type", "Its storage type", |x, _| Cell::text(x.c.storage_type())),
    C::text("db_cluster_instance_class", "Its instances' class (Multi-AZ clusters)", |x, _| Cell::text(x.c.db_cluster_instance_class())),
    C::text("local_write_forwarding_status", "In-cluster write forwarding's status", |x, _| Cell::variant(x.c.local_write_forwarding_status())),
    C::time("io_optimized_next_allowed_modification_time", "When it may next switch to or from I/O-Optimized storage", |x, _| time(x.c.io_optimized_next_allowed_modification_time())),
    C::json("pending_modified_values", "Changes waiting for the next maintenance window (passwords never stored)", |x, _| json_cell(x.pending_values.clone())),
    C::json("serverless_v2_scaling_configuration", "Serverless v2 scaling: {\"MinCapacity\", \"MaxCapacity\", \"SecondsUntilAutoPause\"}", |x, _| json_cell(x.v2.clone())),
    C::json("scaling_configuration_info", "Serverless v1 scaling: {\"MinCapacity\", \"MaxCapacity\", \"AutoPause\", ...}", |x, _| json_cell(x.v1.clone())),
    C::json("master_user_secret", "The Secrets Manager secret RDS keeps the master password in (its ARN, never its value)", |x, _| json_cell(x.secret.clone())),
    C::json("limitless_database", "Aurora Limitless Database: {\"Status\", \"MinRequiredACU\"}", |x, _| json_cell(x.limitless.clone())),
    C::json("certificate_details", "Its server certificate: {\"CAIdentifier\", \"ValidTill\"}", |x, _| json_cell(certificate_details(x.c.certificate_details()))),
    C::json("associated_roles", "IAM roles: [{\"RoleArn\", \"Status\", \"FeatureName\"}]", |x, _| list_of(x.c.associated_roles(), |r| { json!({"FeatureName": r.feature_name(), "RoleArn": r.role_arn(), "Status": r.status()}) })),
    C::json("availability_zones", "Zones its instances can be in", |x, _| strings(x.c.availability_zones())),
    C::json("custom_endpoints", "Its custom endpoints", |x, _| strings(x.c.custom_endpoints())),
    C::json("members", "Its instances: [{\"DBInstanceIdentifier\", \"IsClusterWriter\", \"DBClusterParameterGroupStatus\", \"PromotionTier\"}]", |x, _| list_of(x.c.db_cluster_members(), |m| {
            json!({
                "DBClusterParameterGroupStatus": m.db_cluster_parameter_group_status(),
                "DBInstanceIdentifier": m.db_instance_identifier(),
                "IsClusterWriter": m.is_cluster_writer(),
                "PromotionTier": m.promotion_tier(),
            })
        })),
    C::json("option_group_memberships", "Option groups: [{\"DBClusterOptionGroupName\", \"Status\"}]", |x, _| list_of(x.c.db_cluster_option_group_memberships(), |g| { json!({"DBClusterOptionGroupName": g.db_cluster_option_group_name(), "Status": g.status()}) })),
    C::common(DOMAIN_MEMBERSHIPS, |x, _| domains(x.c.domain_memberships())),
    C::common(LOG_EXPORTS, |x, _| strings(x.c.enabled_cloudwatch_logs_exports())),
    C::common(PENDING_MAINTENANCE, |x, _| json_cell(x.pending.clone())),
    C::json("read_replica_identifiers", "Its read replicas", |x, _| strings(x.c.read_replica_identifiers())),
    C::common(VPC_SECURITY_GROUPS, |x, _| vpc_groups(x.c.vpc_security_groups())),
    C::common(Column::TAGS_SRC, |x, _| tags_src(x.c.tag_list())),
    C::common(Column::TAGS, |x, _| tags_of(x.c.tag_list())),
    C::common(Column::TITLE, |x, _| Cell::Text(x.name.clone())),
    C::common(Column::AKAS, |x, _| x.arn.clone().map_or(Cell::Null, |a| Cell::json(json!([a])))),
}

pub(super) async fn clusters(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.client(Client::new);
    let listed = unit
        .list(
            "rds:DescribeDBClusters",
            |marker| {
                client
                    .describe_db_clusters()
                    .max_records(100)
                    .set_marker(marker)
                    .send()
            },
            |out| out.marker(),
            |out| out.db_clusters.unwrap_or_default(),
        )
        .await?;
    if listed.is_empty() {
        return Ok(vec![CLUSTERS.batch(Vec::new())]);
    }
    let pending = pending_maintenance(&unit, &client).await?;
    let rows = listed
        .into_iter()
        .map(|c| {
            let arn = c.db_cluster_arn().map(str::to_owned);
            let pending_values = c.pending_modified_values().map(|p| {
                json!({
                    "AllocatedStorage": p.allocated_storage(),
                    "BackupRetentionPeriod": p.backup_retention_period(),
                    "CertificateDetails": certificate_details(p.certificate_details()),
                    "DBClusterIdentifier": p.db_cluster_identifier(),
                    "EngineVersion": p.engine_version(),
                    "IAMDatabaseAuthenticationEnabled": p.iam_database_authentication_enabled(),
                    "Iops": p.iops(),
                    "PendingCloudwatchLogsExports": log_exports(p.pending_cloudwatch_logs_exports()),
                    "StorageType": p.storage_type(),
                })
            });
            let v2 = c.serverless_v2_scaling_configuration().map(|s| {
                json!({"MaxCapacity": s.max_capacity(), "MinCapacity": s.min_capacity(), "SecondsUntilAutoPause": s.seconds_until_auto_pause()})
            });
            let v1 = c.scaling_configuration_info().map(|s| {
                json!({
                    "AutoPause": s.auto_pause(),
                    "MaxCapacity": s.max_capacity(),
                    "MinCapacity": s.min_capacity(),
                    "SecondsBeforeTimeout": s.seconds_before_timeout(),
                    "SecondsUntilAutoPause": s.seconds_until_auto_pause(),
                    "TimeoutAction": s.timeout_action(),
                })
            });
            let secret = c.master_user_secret().map(|s| {
                json!({"KmsKeyId": s.kms_key_id(), "SecretArn": s.secret_arn(), "SecretStatus": s.secret_status()})
            });
            let limitless = c.limitless_database().map(|l| {
                json!({"MinRequiredACU": l.min_required_acu(), "Status": l.status().map(|s| s.as_str())})
            });
            let name = c.db_cluster_identifier().unwrap_or_default().to_owned();
            CLUSTERS.row(&Cluster {
                    pending: arn.as_ref().and_then(|a| pending.get(a).cloned()),
                    c,
                    arn,
                    pending_values,
                    v2,
                    v1,
                    secret,
                    limitless,
                    name,
                },
                unit.cx()
            )
        })
        .collect();
    Ok(vec![CLUSTERS.batch(rows)])
}

collectors! {
    clusters: CLUSTERS;
}
