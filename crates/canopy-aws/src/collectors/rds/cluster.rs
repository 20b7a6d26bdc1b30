//! RDS DB clusters, with the region's pending maintenance.

use canopy_model::inventory::{Batch, Cell};
use canopy_model::table::{Column, Scope, TableDef};
use serde_json::{Value, json};

use crate::collectors::Collector;
use crate::collectors::columns::{self, Col};
use crate::collectors::{Unit, batch, json_cell, list_of, strings, time};
use crate::collectors::{tags_of, tags_src};
use crate::error::AwsError;

use super::{
    DOMAIN_MEMBERSHIPS, LOG_EXPORTS, PENDING_MAINTENANCE, VPC_SECURITY_GROUPS, certificate_details,
    client, domains, log_exports, pending_maintenance, vpc_groups,
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

/// A column of `aws_rds_db_cluster`.
type ClusterC = Col<Cluster>;

#[rustfmt::skip]
const CLUSTERS_COLUMNS: &[Col<Cluster>] = &[
    ClusterC::text("db_cluster_identifier", "The cluster's identifier", |x, _| Cell::Text(x.name.clone())).required(),
    ClusterC::text("arn", "The cluster's ARN", |x, _| Cell::text(x.arn.as_deref())),
    ClusterC::text("status", "Its status", |x, _| Cell::text(x.c.status())),
    ClusterC::text("resource_id", "Its region-unique, immutable resource id", |x, _| Cell::text(x.c.db_cluster_resource_id())),
    ClusterC::time("create_time", "When it was created", |x, _| time(x.c.cluster_create_time())),
    ClusterC::text("activity_stream_kinesis_stream_name", "The Kinesis stream of its activity stream", |x, _| Cell::text(x.c.activity_stream_kinesis_stream_name())),
    ClusterC::text("activity_stream_kms_key_id", "The KMS key of its activity stream", |x, _| Cell::text(x.c.activity_stream_kms_key_id())),
    ClusterC::text("activity_stream_mode", "Its activity stream's mode", |x, _| Cell::text(x.c.activity_stream_mode().map(|m| m.as_str()))),
    ClusterC::text("activity_stream_status", "Its activity stream's status", |x, _| Cell::text(x.c.activity_stream_status().map(|m| m.as_str()))),
    ClusterC::int("allocated_storage", "Allocated storage, in GiB", |x, _| Cell::int(x.c.allocated_storage())),
    ClusterC::bool("auto_minor_version_upgrade", "Whether minor versions are applied automatically (Multi-AZ clusters)", |x, _| Cell::bool(x.c.auto_minor_version_upgrade())),
    ClusterC::int("backtrack_consumed_change_records", "Change records stored for Backtrack", |x, _| Cell::int(x.c.backtrack_consumed_change_records())),
    ClusterC::int("backtrack_window", "The Backtrack window, in seconds", |x, _| Cell::int(x.c.backtrack_window())),
    ClusterC::int("backup_retention_period", "Days automated backups are kept", |x, _| Cell::int(x.c.backup_retention_period())),
    ClusterC::int("capacity", "Current capacity (Aurora Serverless v1)", |x, _| Cell::int(x.c.capacity())),
    ClusterC::text("character_set_name", "Its character set", |x, _| Cell::text(x.c.character_set_name())),
    ClusterC::text("clone_group_id", "Its clone group", |x, _| Cell::text(x.c.clone_group_id())),
    ClusterC::bool("copy_tags_to_snapshot", "Whether tags are copied to snapshots", |x, _| Cell::bool(x.c.copy_tags_to_snapshot())),
    ClusterC::bool("cross_account_clone", "Whether it is a clone of another account's cluster", |x, _| Cell::bool(x.c.cross_account_clone())),
    ClusterC::text("database_name", "The initial database's name", |x, _| Cell::text(x.c.database_name())),
    ClusterC::text("db_cluster_parameter_group", "Its cluster parameter group", |x, _| Cell::text(x.c.db_cluster_parameter_group())),
    ClusterC::text("db_subnet_group", "Its subnet group", |x, _| Cell::text(x.c.db_subnet_group())),
    ClusterC::bool("deletion_protection", "Whether deletion protection is on", |x, _| Cell::bool(x.c.deletion_protection())),
    ClusterC::time("earliest_backtrack_time", "The earliest time it can be backtracked to", |x, _| time(x.c.earliest_backtrack_time())),
    ClusterC::time("earliest_restorable_time", "The earliest point-in-time restore target", |x, _| time(x.c.earliest_restorable_time())),
    ClusterC::text("endpoint", "The writer endpoint", |x, _| Cell::text(x.c.endpoint())),
    ClusterC::text("engine", "The database engine", |x, _| Cell::text(x.c.engine())),
    ClusterC::text("engine_mode", "provisioned, serverless, ...", |x, _| Cell::text(x.c.engine_mode())),
    ClusterC::text("engine_version", "The engine version", |x, _| Cell::text(x.c.engine_version())),
    ClusterC::bool("global_write_forwarding_requested", "Whether write forwarding was requested (global database)", |x, _| Cell::bool(x.c.global_write_forwarding_requested())),
    ClusterC::text("global_write_forwarding_status", "Write forwarding's status (global database)", |x, _| Cell::text(x.c.global_write_forwarding_status().map(|s| s.as_str()))),
    ClusterC::text("hosted_zone_id", "Its endpoints' Route 53 zone", |x, _| Cell::text(x.c.hosted_zone_id())),
    ClusterC::bool("http_endpoint_enabled", "Whether the Data API is on", |x, _| Cell::bool(x.c.http_endpoint_enabled())),
    ClusterC::bool("iam_database_authentication_enabled", "Whether IAM database authentication is on", |x, _| Cell::bool(x.c.iam_database_authentication_enabled())),
    ClusterC::text("kms_key_id", "The KMS key that encrypts it", |x, _| Cell::text(x.c.kms_key_id())),
    ClusterC::time("latest_restorable_time", "The latest point-in-time restore target", |x, _| time(x.c.latest_restorable_time())),
    ClusterC::text("master_user_name", "The master user's name", |x, _| Cell::text(x.c.master_username())),
    ClusterC::bool("multi_az", "Whether it has instances in several zones", |x, _| Cell::bool(x.c.multi_az())),
    ClusterC::text("percent_progress", "Progress of the running operation, %", |x, _| Cell::text(x.c.percent_progress())),
    ClusterC::int("port", "The port it listens on", |x, _| Cell::int(x.c.port())),
    ClusterC::text("preferred_backup_window", "The daily backup window (UTC)", |x, _| Cell::text(x.c.preferred_backup_window())),
    ClusterC::text("preferred_maintenance_window", "The weekly maintenance window (UTC)", |x, _| Cell::text(x.c.preferred_maintenance_window())),
    ClusterC::text("reader_endpoint", "The reader endpoint", |x, _| Cell::text(x.c.reader_endpoint())),
    ClusterC::bool("storage_encrypted", "Whether its storage is encrypted", |x, _| Cell::bool(x.c.storage_encrypted())),
    ClusterC::bool("performance_insights_enabled", "Whether Performance Insights is on", |x, _| Cell::bool(x.c.performance_insights_enabled())),
    ClusterC::bool("publicly_accessible", "Whether it is publicly accessible (Multi-AZ clusters)", |x, _| Cell::bool(x.c.publicly_accessible())),
    ClusterC::time("automatic_restart_time", "When a stopped cluster restarts by itself", |x, _| time(x.c.automatic_restart_time())),
    ClusterC::text("aws_backup_recovery_point_arn", "Its AWS Backup recovery point", |x, _| Cell::text(x.c.aws_backup_recovery_point_arn())),
    ClusterC::text("performance_insights_kms_key_id", "The KMS key of its Performance Insights data", |x, _| Cell::text(x.c.performance_insights_kms_key_id())),
    ClusterC::int("monitoring_interval", "Enhanced Monitoring interval, in seconds (0: off)", |x, _| Cell::int(x.c.monitoring_interval())),
    ClusterC::int("storage_throughput", "Storage throughput, MiB/s", |x, _| Cell::int(x.c.storage_throughput())),
    ClusterC::int("performance_insights_retention_period", "Days Performance Insights data is kept", |x, _| Cell::int(x.c.performance_insights_retention_period())),
    ClusterC::text("monitoring_role_arn", "The role Enhanced Monitoring sends metrics with", |x, _| Cell::text(x.c.monitoring_role_arn())),
    ClusterC::text("network_type", "IPV4 or DUAL", |x, _| Cell::text(x.c.network_type())),
    ClusterC::text("storage_type", "Its storage type", |x, _| Cell::text(x.c.storage_type())),
    ClusterC::text("db_cluster_instance_class", "Its instances' class (Multi-AZ clusters)", |x, _| Cell::text(x.c.db_cluster_instance_class())),
    ClusterC::text("local_write_forwarding_status", "In-cluster write forwarding's status", |x, _| Cell::text(x.c.local_write_forwarding_status().map(|s| s.as_str()))),
    ClusterC::time("io_optimized_next_allowed_modification_time", "When it may next switch to or from I/O-Optimized storage", |x, _| time(x.c.io_optimized_next_allowed_modification_time())),
    ClusterC::json("pending_modified_values", "Changes waiting for the next maintenance window (passwords never stored)", |x, _| json_cell(x.pending_values.clone())),
    ClusterC::json("serverless_v2_scaling_configuration", "Serverless v2 scaling: {\"MinCapacity\", \"MaxCapacity\", \"SecondsUntilAutoPause\"}", |x, _| json_cell(x.v2.clone())),
    ClusterC::json("scaling_configuration_info", "Serverless v1 scaling: {\"MinCapacity\", \"MaxCapacity\", \"AutoPause\", ...}", |x, _| json_cell(x.v1.clone())),
    ClusterC::json("master_user_secret", "The Secrets Manager secret RDS keeps the master password in (its ARN, never its value)", |x, _| json_cell(x.secret.clone())),
    ClusterC::json("limitless_database", "Aurora Limitless Database: {\"Status\", \"MinRequiredACU\"}", |x, _| json_cell(x.limitless.clone())),
    ClusterC::json("certificate_details", "Its server certificate: {\"CAIdentifier\", \"ValidTill\"}", |x, _| json_cell(certificate_details(x.c.certificate_details()))),
    ClusterC::json("associated_roles", "IAM roles: [{\"RoleArn\", \"Status\", \"FeatureName\"}]", |x, _| list_of(x.c.associated_roles(), |r| { json!({"FeatureName": r.feature_name(), "RoleArn": r.role_arn(), "Status": r.status()}) })),
    ClusterC::json("availability_zones", "Zones its instances can be in", |x, _| strings(x.c.availability_zones())),
    ClusterC::json("custom_endpoints", "Its custom endpoints", |x, _| strings(x.c.custom_endpoints())),
    ClusterC::json("members", "Its instances: [{\"DBInstanceIdentifier\", \"IsClusterWriter\", \"DBClusterParameterGroupStatus\", \"PromotionTier\"}]", |x, _| list_of(x.c.db_cluster_members(), |m| {
            json!({
                "DBClusterParameterGroupStatus": m.db_cluster_parameter_group_status(),
                "DBInstanceIdentifier": m.db_instance_identifier(),
                "IsClusterWriter": m.is_cluster_writer(),
                "PromotionTier": m.promotion_tier(),
            })
        })),
    ClusterC::json("option_group_memberships", "Option groups: [{\"DBClusterOptionGroupName\", \"Status\"}]", |x, _| list_of(x.c.db_cluster_option_group_memberships(), |g| { json!({"DBClusterOptionGroupName": g.db_cluster_option_group_name(), "Status": g.status()}) })),
    ClusterC::common(DOMAIN_MEMBERSHIPS, |x, _| domains(x.c.domain_memberships())),
    ClusterC::common(LOG_EXPORTS, |x, _| strings(x.c.enabled_cloudwatch_logs_exports())),
    ClusterC::common(PENDING_MAINTENANCE, |x, _| json_cell(x.pending.clone())),
    ClusterC::json("read_replica_identifiers", "Its read replicas", |x, _| strings(x.c.read_replica_identifiers())),
    ClusterC::common(VPC_SECURITY_GROUPS, |x, _| vpc_groups(x.c.vpc_security_groups())),
    ClusterC::common(Column::TAGS_SRC, |x, _| tags_src(x.c.tag_list())),
    ClusterC::common(Column::TAGS, |x, _| tags_of(x.c.tag_list())),
    ClusterC::common(Column::TITLE, |x, _| Cell::Text(x.name.clone())),
    ClusterC::common(Column::AKAS, |x, _| x.arn.clone().map_or(Cell::Null, |a| Cell::json(json!([a])))),
    ClusterC::partition(),
];

pub(super) const CLUSTERS: TableDef = TableDef {
    name: "aws_rds_db_cluster",
    scope: Scope::Regional,
    description: "RDS and Aurora DB clusters: engine, members, encryption, backups, endpoints",
    columns: &columns::columns::<Cluster, { CLUSTERS_COLUMNS.len() }>(CLUSTERS_COLUMNS),
    actions: &[
        "rds:DescribeDBClusters",
        "rds:DescribePendingMaintenanceActions",
    ],
    filled_by: "collect",
};

pub(super) async fn clusters(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = client(&unit);
    let mut listed = Vec::new();
    unit.paginate(
        "rds:DescribeDBClusters",
        |marker| {
            client
                .describe_db_clusters()
                .max_records(100)
                .set_marker(marker)
                .send()
        },
        |out| out.marker(),
        |out| listed.extend(out.db_clusters().iter().cloned()),
    )
    .await?;
    if listed.is_empty() {
        return Ok(vec![batch(&CLUSTERS, Vec::new())]);
    }
    let pending = pending_maintenance(&unit, &client).await?;
    let partition = unit.partition();
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
            columns::row(
                CLUSTERS_COLUMNS,
                &Cluster {
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
                &columns::RowCtx { partition: &partition },
            )
        })
        .collect();
    Ok(vec![batch(&CLUSTERS, rows)])
}

/// The collectors of this module, in the order `canopy tables` lists their tables.
pub(in crate::collectors) const COLLECTORS: &[Collector] =
    &[Collector::new(&[&CLUSTERS], |u| Box::pin(clusters(u)))];
