//! RDS: DB instances and clusters (DescribeDBInstances, DescribeDBClusters, with the region's
//! pending maintenance and CA certificates read once per region, only where there are rows) and
//! their snapshots (DescribeDBSnapshots, DescribeDBClusterSnapshots, then per manual snapshot its
//! sharing attributes: who may restore it).

use std::collections::HashMap;

use aws_sdk_rds::Client;
use aws_sdk_rds::types::{
    Certificate, CertificateDetails, DbClusterSnapshotAttribute, DbSnapshotAttribute,
    DomainMembership, PendingCloudwatchLogsExports, ProcessorFeature, Tag,
    VpcSecurityGroupMembership,
};
use canopy_model::inventory::{Batch, Cell, Row};
use canopy_model::table::{Column, Scope, TableDef};
use serde_json::{Value, json};

use super::{Unit, batch, json_cell, list_of, strings, tags_of, tags_src, time, time_text};
use crate::error::AwsError;

const PENDING_MAINTENANCE: Column = Column::json(
    "pending_maintenance_actions",
    "Pending maintenance: [{\"Action\", \"AutoAppliedAfterDate\", \"CurrentApplyDate\", \"Description\", \"ForcedApplyDate\", \"OptInStatus\"}]",
);
const VPC_SECURITY_GROUPS: Column = Column::json(
    "vpc_security_groups",
    "Security groups: [{\"VpcSecurityGroupId\", \"Status\"}]",
);
const DOMAIN_MEMBERSHIPS: Column = Column::json(
    "domain_memberships",
    "Active Directory domains it is joined to",
);
const LOG_EXPORTS: Column = Column::json(
    "enabled_cloudwatch_logs_exports",
    "Log types exported to CloudWatch Logs",
);

pub(super) const INSTANCES: TableDef = TableDef {
    name: "aws_rds_db_instance",
    scope: Scope::Regional,
    description: "RDS DB instances: engine, network exposure, encryption, backups, certificate",
    columns: &[
        Column::text("db_instance_identifier", "The instance's identifier").required(),
        Column::text("arn", "The instance's ARN"),
        Column::text("db_cluster_identifier", "The cluster it belongs to, if any"),
        Column::text("status", "Its status (available, stopped, ...)"),
        Column::text("class", "Its instance class (db.t3.micro, ...)"),
        Column::text("resource_id", "Its region-unique, immutable resource id"),
        Column::int("allocated_storage", "Allocated storage, in GiB"),
        Column::bool(
            "auto_minor_version_upgrade",
            "Whether minor versions are applied automatically",
        ),
        Column::text("availability_zone", "Its Availability Zone"),
        Column::int(
            "backup_retention_period",
            "Days automated backups are kept (0: none)",
        ),
        Column::text(
            "ca_certificate_identifier",
            "The CA of its server certificate",
        ),
        Column::text(
            "character_set_name",
            "Its character set (Oracle, SQL Server)",
        ),
        Column::bool(
            "copy_tags_to_snapshot",
            "Whether tags are copied to snapshots",
        ),
        Column::bool(
            "customer_owned_ip_enabled",
            "Whether a customer-owned IP is on (Outposts)",
        ),
        Column::int("port", "The port it listens on"),
        Column::text("db_name", "The initial database's name"),
        Column::text("db_subnet_group_arn", "Its subnet group's ARN"),
        Column::text(
            "db_subnet_group_description",
            "Its subnet group's description",
        ),
        Column::text("db_subnet_group_name", "Its subnet group's name"),
        Column::text("db_subnet_group_status", "Its subnet group's status"),
        Column::bool("deletion_protection", "Whether deletion protection is on"),
        Column::text("endpoint_address", "Its DNS address"),
        Column::text("endpoint_hosted_zone_id", "Its endpoint's Route 53 zone"),
        Column::int("endpoint_port", "Its endpoint's port"),
        Column::text("engine", "The database engine"),
        Column::text("engine_version", "The engine version"),
        Column::text(
            "enhanced_monitoring_resource_arn",
            "The log stream that receives Enhanced Monitoring metrics",
        ),
        Column::bool(
            "iam_database_authentication_enabled",
            "Whether IAM database authentication is on",
        ),
        Column::time("create_time", "When it was created"),
        Column::int("iops", "Provisioned IOPS"),
        Column::text("kms_key_id", "The KMS key that encrypts it"),
        Column::time(
            "latest_restorable_time",
            "The latest point-in-time restore target",
        ),
        Column::text("license_model", "Its license model"),
        Column::text("master_user_name", "The master user's name"),
        Column::int(
            "max_allocated_storage",
            "The storage autoscaling ceiling, in GiB",
        ),
        Column::int(
            "monitoring_interval",
            "Enhanced Monitoring interval, in seconds (0: off)",
        ),
        Column::text(
            "monitoring_role_arn",
            "The role Enhanced Monitoring sends metrics with",
        ),
        Column::bool("multi_az", "Whether it is a Multi-AZ deployment"),
        Column::text(
            "nchar_character_set_name",
            "Its NCHAR character set (Oracle)",
        ),
        Column::bool(
            "performance_insights_enabled",
            "Whether Performance Insights is on",
        ),
        Column::text(
            "performance_insights_kms_key_id",
            "The KMS key of its Performance Insights data",
        ),
        Column::int(
            "performance_insights_retention_period",
            "Days Performance Insights data is kept",
        ),
        Column::text("preferred_backup_window", "The daily backup window (UTC)"),
        Column::text(
            "preferred_maintenance_window",
            "The weekly maintenance window (UTC)",
        ),
        Column::int("promotion_tier", "Its failover priority (Aurora)"),
        Column::bool(
            "publicly_accessible",
            "Whether its endpoint resolves to a public address",
        ),
        Column::text(
            "read_replica_source_db_instance_identifier",
            "The instance it replicates, when a read replica",
        ),
        Column::text("replica_mode", "An Oracle replica's mode"),
        Column::text(
            "secondary_availability_zone",
            "The standby's Availability Zone (Multi-AZ)",
        ),
        Column::bool("storage_encrypted", "Whether its storage is encrypted"),
        Column::int("storage_throughput", "Storage throughput (gp3), MiB/s"),
        Column::text("storage_type", "Its storage type (gp3, io1, ...)"),
        Column::text("tde_credential_arn", "Its TDE key store credential"),
        Column::text("timezone", "Its time zone (SQL Server)"),
        Column::text("vpc_id", "The VPC of its subnet group"),
        Column::json(
            "associated_roles",
            "IAM roles: [{\"RoleArn\", \"FeatureName\", \"Status\"}]",
        ),
        Column::json(
            "certificate",
            "Its CA certificate: {\"CertificateArn\", \"CertificateIdentifier\", \"CertificateType\", \"Thumbprint\", \"ValidFrom\", \"ValidTill\", ...}",
        ),
        Column::json(
            "db_parameter_groups",
            "Parameter groups: [{\"DBParameterGroupName\", \"ParameterApplyStatus\"}]",
        ),
        Column::json(
            "db_security_groups",
            "EC2-Classic DB security groups: [{\"DBSecurityGroupName\", \"Status\"}]",
        ),
        DOMAIN_MEMBERSHIPS,
        LOG_EXPORTS,
        Column::json(
            "option_group_memberships",
            "Option groups: [{\"OptionGroupName\", \"Status\"}]",
        ),
        PENDING_MAINTENANCE,
        Column::json(
            "processor_features",
            "CPU cores and threads per core: [{\"Name\", \"Value\"}]",
        ),
        Column::json(
            "read_replica_db_cluster_identifiers",
            "Aurora clusters it replicates to",
        ),
        Column::json("read_replica_db_instance_identifiers", "Its read replicas"),
        Column::json(
            "pending_modified_values",
            "Changes waiting for the next maintenance window (passwords never stored)",
        ),
        Column::json(
            "status_infos",
            "A read replica's status: [{\"StatusType\", \"Normal\", \"Status\", \"Message\"}]",
        ),
        Column::json(
            "subnets",
            "Its subnet group's subnets: [{\"SubnetIdentifier\", \"SubnetAvailabilityZone\": {\"Name\"}, \"SubnetOutpost\", \"SubnetStatus\"}]",
        ),
        VPC_SECURITY_GROUPS,
        Column::TAGS_SRC,
        Column::TAGS,
        Column::TITLE,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &[
        "rds:DescribeDBInstances",
        "rds:DescribePendingMaintenanceActions",
        "rds:DescribeCertificates",
    ],
    filled_by: "collect",
};

pub(super) const CLUSTERS: TableDef = TableDef {
    name: "aws_rds_db_cluster",
    scope: Scope::Regional,
    description: "RDS and Aurora DB clusters: engine, members, encryption, backups, endpoints",
    columns: &[
        Column::text("db_cluster_identifier", "The cluster's identifier").required(),
        Column::text("arn", "The cluster's ARN"),
        Column::text("status", "Its status"),
        Column::text("resource_id", "Its region-unique, immutable resource id"),
        Column::time("create_time", "When it was created"),
        Column::text(
            "activity_stream_kinesis_stream_name",
            "The Kinesis stream of its activity stream",
        ),
        Column::text(
            "activity_stream_kms_key_id",
            "The KMS key of its activity stream",
        ),
        Column::text("activity_stream_mode", "Its activity stream's mode"),
        Column::text("activity_stream_status", "Its activity stream's status"),
        Column::int("allocated_storage", "Allocated storage, in GiB"),
        Column::bool(
            "auto_minor_version_upgrade",
            "Whether minor versions are applied automatically (Multi-AZ clusters)",
        ),
        Column::int(
            "backtrack_consumed_change_records",
            "Change records stored for Backtrack",
        ),
        Column::int("backtrack_window", "The Backtrack window, in seconds"),
        Column::int("backup_retention_period", "Days automated backups are kept"),
        Column::int("capacity", "Current capacity (Aurora Serverless v1)"),
        Column::text("character_set_name", "Its character set"),
        Column::text("clone_group_id", "Its clone group"),
        Column::bool(
            "copy_tags_to_snapshot",
            "Whether tags are copied to snapshots",
        ),
        Column::bool(
            "cross_account_clone",
            "Whether it is a clone of another account's cluster",
        ),
        Column::text("database_name", "The initial database's name"),
        Column::text("db_cluster_parameter_group", "Its cluster parameter group"),
        Column::text("db_subnet_group", "Its subnet group"),
        Column::bool("deletion_protection", "Whether deletion protection is on"),
        Column::time(
            "earliest_backtrack_time",
            "The earliest time it can be backtracked to",
        ),
        Column::time(
            "earliest_restorable_time",
            "The earliest point-in-time restore target",
        ),
        Column::text("endpoint", "The writer endpoint"),
        Column::text("engine", "The database engine"),
        Column::text("engine_mode", "provisioned, serverless, ..."),
        Column::text("engine_version", "The engine version"),
        Column::bool(
            "global_write_forwarding_requested",
            "Whether write forwarding was requested (global database)",
        ),
        Column::text(
            "global_write_forwarding_status",
            "Write forwarding's status (global database)",
        ),
        Column::text("hosted_zone_id", "Its endpoints' Route 53 zone"),
        Column::bool("http_endpoint_enabled", "Whether the Data API is on"),
        Column::bool(
            "iam_database_authentication_enabled",
            "Whether IAM database authentication is on",
        ),
        Column::text("kms_key_id", "The KMS key that encrypts it"),
        Column::time(
            "latest_restorable_time",
            "The latest point-in-time restore target",
        ),
        Column::text("master_user_name", "The master user's name"),
        Column::bool("multi_az", "Whether it has instances in several zones"),
        Column::text("percent_progress", "Progress of the running operation, %"),
        Column::int("port", "The port it listens on"),
        Column::text("preferred_backup_window", "The daily backup window (UTC)"),
        Column::text(
            "preferred_maintenance_window",
            "The weekly maintenance window (UTC)",
        ),
        Column::text("reader_endpoint", "The reader endpoint"),
        Column::bool("storage_encrypted", "Whether its storage is encrypted"),
        Column::bool(
            "performance_insights_enabled",
            "Whether Performance Insights is on",
        ),
        Column::bool(
            "publicly_accessible",
            "Whether it is publicly accessible (Multi-AZ clusters)",
        ),
        Column::time(
            "automatic_restart_time",
            "When a stopped cluster restarts by itself",
        ),
        Column::text(
            "aws_backup_recovery_point_arn",
            "Its AWS Backup recovery point",
        ),
        Column::text(
            "performance_insights_kms_key_id",
            "The KMS key of its Performance Insights data",
        ),
        Column::int(
            "monitoring_interval",
            "Enhanced Monitoring interval, in seconds (0: off)",
        ),
        Column::int("storage_throughput", "Storage throughput, MiB/s"),
        Column::int(
            "performance_insights_retention_period",
            "Days Performance Insights data is kept",
        ),
        Column::text(
            "monitoring_role_arn",
            "The role Enhanced Monitoring sends metrics with",
        ),
        Column::text("network_type", "IPV4 or DUAL"),
        Column::text("storage_type", "Its storage type"),
        Column::text(
            "db_cluster_instance_class",
            "Its instances' class (Multi-AZ clusters)",
        ),
        Column::text(
            "local_write_forwarding_status",
            "In-cluster write forwarding's status",
        ),
        Column::time(
            "io_optimized_next_allowed_modification_time",
            "When it may next switch to or from I/O-Optimized storage",
        ),
        Column::json(
            "pending_modified_values",
            "Changes waiting for the next maintenance window (passwords never stored)",
        ),
        Column::json(
            "serverless_v2_scaling_configuration",
            "Serverless v2 scaling: {\"MinCapacity\", \"MaxCapacity\", \"SecondsUntilAutoPause\"}",
        ),
        Column::json(
            "scaling_configuration_info",
            "Serverless v1 scaling: {\"MinCapacity\", \"MaxCapacity\", \"AutoPause\", ...}",
        ),
        Column::json(
            "master_user_secret",
            "The Secrets Manager secret RDS keeps the master password in (its ARN, never its value)",
        ),
        Column::json(
            "limitless_database",
            "Aurora Limitless Database: {\"Status\", \"MinRequiredACU\"}",
        ),
        Column::json(
            "certificate_details",
            "Its server certificate: {\"CAIdentifier\", \"ValidTill\"}",
        ),
        Column::json(
            "associated_roles",
            "IAM roles: [{\"RoleArn\", \"Status\", \"FeatureName\"}]",
        ),
        Column::json("availability_zones", "Zones its instances can be in"),
        Column::json("custom_endpoints", "Its custom endpoints"),
        Column::json(
            "members",
            "Its instances: [{\"DBInstanceIdentifier\", \"IsClusterWriter\", \"DBClusterParameterGroupStatus\", \"PromotionTier\"}]",
        ),
        Column::json(
            "option_group_memberships",
            "Option groups: [{\"DBClusterOptionGroupName\", \"Status\"}]",
        ),
        DOMAIN_MEMBERSHIPS,
        LOG_EXPORTS,
        PENDING_MAINTENANCE,
        Column::json("read_replica_identifiers", "Its read replicas"),
        VPC_SECURITY_GROUPS,
        Column::TAGS_SRC,
        Column::TAGS,
        Column::TITLE,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &[
        "rds:DescribeDBClusters",
        "rds:DescribePendingMaintenanceActions",
    ],
    filled_by: "collect",
};

const SNAPSHOT_ATTRIBUTES: &str = "Sharing: [{\"AttributeName\": \"restore\", \"AttributeValues\": [account ids, or \"all\" when public]}]";

pub(super) const SNAPSHOTS: TableDef = TableDef {
    name: "aws_rds_db_snapshot",
    scope: Scope::Regional,
    description: "RDS DB instance snapshots the account owns, with who may restore them",
    columns: &[
        Column::text("db_snapshot_identifier", "The snapshot's identifier").required(),
        Column::text("arn", "The snapshot's ARN"),
        Column::text("type", "manual, automated, ..."),
        Column::text("status", "Its status"),
        Column::time("create_time", "When it was taken"),
        Column::int("allocated_storage", "Allocated storage, in GiB"),
        Column::text("availability_zone", "The source instance's zone"),
        Column::text("db_instance_identifier", "The instance it was taken from"),
        Column::text("dbi_resource_id", "The source instance's resource id"),
        Column::bool("encrypted", "Whether it is encrypted"),
        Column::text("engine", "The database engine"),
        Column::text("engine_version", "The engine version"),
        Column::bool(
            "iam_database_authentication_enabled",
            "Whether IAM database authentication was on",
        ),
        Column::time(
            "instance_create_time",
            "When the source instance was created",
        ),
        Column::int("iops", "Provisioned IOPS at the time"),
        Column::text("kms_key_id", "The KMS key that encrypts it"),
        Column::text("license_model", "The license model"),
        Column::text("master_user_name", "The master user's name"),
        Column::text("option_group_name", "The option group"),
        Column::int("percent_progress", "How much has been copied, %"),
        Column::int("port", "The port the instance listened on"),
        Column::text(
            "source_db_snapshot_identifier",
            "The snapshot it was copied from",
        ),
        Column::text("db_system_id", "The Oracle SID"),
        Column::bool(
            "dedicated_log_volume",
            "Whether the instance had a dedicated log volume",
        ),
        Column::bool(
            "multi_tenant",
            "Whether the instance was multi-tenant (Oracle)",
        ),
        Column::time("snapshot_database_time", "The latest transaction it holds"),
        Column::text("snapshot_target", "region or outposts"),
        Column::text("source_region", "The region it was taken in or copied from"),
        Column::text("storage_type", "The storage type"),
        Column::text("tde_credential_arn", "The TDE key store credential"),
        Column::text("timezone", "The time zone"),
        Column::text("vpc_id", "The instance's VPC"),
        Column::json("db_snapshot_attributes", SNAPSHOT_ATTRIBUTES),
        Column::json(
            "processor_features",
            "CPU cores and threads per core: [{\"Name\", \"Value\"}]",
        ),
        Column::TAGS_SRC,
        Column::TAGS,
        Column::TITLE,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &[
        "rds:DescribeDBSnapshots",
        "rds:DescribeDBSnapshotAttributes",
    ],
    filled_by: "collect",
};

pub(super) const CLUSTER_SNAPSHOTS: TableDef = TableDef {
    name: "aws_rds_db_cluster_snapshot",
    scope: Scope::Regional,
    description: "RDS and Aurora DB cluster snapshots the account owns, with who may restore them",
    columns: &[
        Column::text(
            "db_cluster_snapshot_identifier",
            "The snapshot's identifier",
        )
        .required(),
        Column::text("arn", "The snapshot's ARN"),
        Column::text("type", "manual, automated, ..."),
        Column::text("db_cluster_resource_id", "The source cluster's resource id"),
        Column::text("engine_mode", "The source cluster's engine mode"),
        Column::text("snapshot_type", "manual, automated, ..."),
        Column::text("status", "Its status"),
        Column::text("db_cluster_identifier", "The cluster it was taken from"),
        Column::time("create_time", "When it was taken"),
        Column::int("allocated_storage", "Allocated storage, in GiB"),
        Column::time("cluster_create_time", "When the source cluster was created"),
        Column::text("engine", "The database engine"),
        Column::text("engine_version", "The engine version"),
        Column::bool(
            "iam_database_authentication_enabled",
            "Whether IAM database authentication was on",
        ),
        Column::text("kms_key_id", "The KMS key that encrypts it"),
        Column::text("license_model", "The license model"),
        Column::text("master_user_name", "The master user's name"),
        Column::int("percent_progress", "How much has been copied, %"),
        Column::int("port", "The port the cluster listened on"),
        Column::text(
            "source_db_cluster_snapshot_arn",
            "The snapshot it was copied from",
        ),
        Column::bool("storage_encrypted", "Whether it is encrypted"),
        Column::text("vpc_id", "The cluster's VPC"),
        Column::json("availability_zones", "Zones it can be restored into"),
        Column::json("db_cluster_snapshot_attributes", SNAPSHOT_ATTRIBUTES),
        Column::TAGS_SRC,
        Column::TAGS,
        Column::TITLE,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &[
        "rds:DescribeDBClusterSnapshots",
        "rds:DescribeDBClusterSnapshotAttributes",
    ],
    filled_by: "collect",
};

fn client(unit: &Unit<'_>) -> Client {
    unit.session.client(unit.region, Client::new)
}

fn tag_cells(tags: &[Tag]) -> (Cell, Cell) {
    let pairs = || tags.iter().map(|t| (t.key(), t.value()));
    (tags_of(pairs()), tags_src(pairs()))
}

fn vpc_groups(groups: &[VpcSecurityGroupMembership]) -> Cell {
    list_of(
        groups,
        |g| json!({"VpcSecurityGroupId": g.vpc_security_group_id(), "Status": g.status()}),
    )
}

fn domains(memberships: &[DomainMembership]) -> Cell {
    list_of(memberships, |d| {
        json!({
            "AuthSecretArn": d.auth_secret_arn(),
            "DnsIps": d.dns_ips(),
            "Domain": d.domain(),
            "FQDN": d.fqdn(),
            "IAMRoleName": d.iam_role_name(),
            "OU": d.ou(),
            "Status": d.status(),
        })
    })
}

fn processors(features: &[ProcessorFeature]) -> Cell {
    list_of(features, |p| json!({"Name": p.name(), "Value": p.value()}))
}

fn log_exports(pending: Option<&PendingCloudwatchLogsExports>) -> Value {
    pending.map_or(Value::Null, |p| {
        json!({
            "LogTypesToDisable": p.log_types_to_disable(),
            "LogTypesToEnable": p.log_types_to_enable(),
        })
    })
}

fn certificate_details(details: Option<&CertificateDetails>) -> Option<Value> {
    details
        .map(|c| json!({"CAIdentifier": c.ca_identifier(), "ValidTill": time_text(c.valid_till())}))
}

fn certificate(c: &Certificate) -> Value {
    json!({
        "CertificateArn": c.certificate_arn(),
        "CertificateIdentifier": c.certificate_identifier(),
        "CertificateType": c.certificate_type(),
        "CustomerOverride": c.customer_override(),
        "CustomerOverrideValidTill": time_text(c.customer_override_valid_till()),
        "Thumbprint": c.thumbprint(),
        "ValidFrom": time_text(c.valid_from()),
        "ValidTill": time_text(c.valid_till()),
    })
}

/// Every resource's pending maintenance in the region, by resource ARN: one paged call.
async fn pending_maintenance(
    unit: &Unit<'_>,
    client: &Client,
) -> Result<HashMap<String, Value>, AwsError> {
    let mut pending = HashMap::new();
    unit.paginate(
        "rds:DescribePendingMaintenanceActions",
        |marker| {
            client
                .describe_pending_maintenance_actions()
                .max_records(100)
                .set_marker(marker)
                .send()
        },
        |out| out.marker(),
        |out| {
            for resource in out.pending_maintenance_actions() {
                let actions: Vec<Value> = resource
                    .pending_maintenance_action_details()
                    .iter()
                    .map(|a| {
                        json!({
                            "Action": a.action(),
                            "AutoAppliedAfterDate": time_text(a.auto_applied_after_date()),
                            "CurrentApplyDate": time_text(a.current_apply_date()),
                            "Description": a.description(),
                            "ForcedApplyDate": time_text(a.forced_apply_date()),
                            "OptInStatus": a.opt_in_status(),
                        })
                    })
                    .collect();
                if let Some(arn) = resource.resource_identifier() {
                    pending.insert(arn.to_owned(), Value::Array(actions));
                }
            }
        },
    )
    .await?;
    Ok(pending)
}

pub(super) async fn instances(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = client(&unit);
    let mut listed = Vec::new();
    unit.paginate(
        "rds:DescribeDBInstances",
        |marker| {
            client
                .describe_db_instances()
                .max_records(100)
                .set_marker(marker)
                .send()
        },
        |out| out.marker(),
        |out| listed.extend(out.db_instances().iter().cloned()),
    )
    .await?;
    if listed.is_empty() {
        return Ok(vec![batch(&INSTANCES, Vec::new())]);
    }
    let pending = pending_maintenance(&unit, &client).await?;
    let mut certificates: HashMap<String, Value> = HashMap::new();
    unit.paginate(
        "rds:DescribeCertificates",
        |marker| {
            client
                .describe_certificates()
                .max_records(100)
                .set_marker(marker)
                .send()
        },
        |out| out.marker(),
        |out| {
            for c in out.certificates() {
                if let Some(id) = c.certificate_identifier() {
                    certificates.insert(id.to_owned(), certificate(c));
                }
            }
        },
    )
    .await?;
    let partition = unit.partition();
    let rows = listed
        .iter()
        .map(|d| {
            let arn = d.db_instance_arn().map(str::to_owned);
            let (tags, tags_src) = tag_cells(d.tag_list());
            let subnet_group = d.db_subnet_group();
            let endpoint = d.endpoint();
            let subnets = subnet_group.map_or(Cell::Null, |g| {
                list_of(g.subnets(), |s| {
                    json!({
                        "SubnetAvailabilityZone": s.subnet_availability_zone().map(|z| json!({"Name": z.name()})),
                        "SubnetIdentifier": s.subnet_identifier(),
                        "SubnetOutpost": s.subnet_outpost().map(|o| json!({"Arn": o.arn()})),
                        "SubnetStatus": s.subnet_status(),
                    })
                })
            });
            let pending_values = d.pending_modified_values().map(|p| {
                json!({
                    "AllocatedStorage": p.allocated_storage(),
                    "BackupRetentionPeriod": p.backup_retention_period(),
                    "CACertificateIdentifier": p.ca_certificate_identifier(),
                    "DBInstanceClass": p.db_instance_class(),
                    "DBInstanceIdentifier": p.db_instance_identifier(),
                    "DBSubnetGroupName": p.db_subnet_group_name(),
                    "DedicatedLogVolume": p.dedicated_log_volume(),
                    "Engine": p.engine(),
                    "EngineVersion": p.engine_version(),
                    "IAMDatabaseAuthenticationEnabled": p.iam_database_authentication_enabled(),
                    "Iops": p.iops(),
                    "LicenseModel": p.license_model(),
                    "MultiAZ": p.multi_az(),
                    "MultiTenant": p.multi_tenant(),
                    "PendingCloudwatchLogsExports": log_exports(p.pending_cloudwatch_logs_exports()),
                    "Port": p.port(),
                    "ProcessorFeatures": p.processor_features().iter().map(|f| json!({"Name": f.name(), "Value": f.value()})).collect::<Vec<_>>(),
                    "StorageThroughput": p.storage_throughput(),
                    "StorageType": p.storage_type(),
                })
            });
            let name = d.db_instance_identifier().unwrap_or_default().to_owned();
            Row::default()
                .with("db_instance_identifier", Cell::Text(name.clone()))
                .with("arn", Cell::text(arn.as_deref()))
                .with("db_cluster_identifier", Cell::text(d.db_cluster_identifier()))
                .with("status", Cell::text(d.db_instance_status()))
                .with("class", Cell::text(d.db_instance_class()))
                .with("resource_id", Cell::text(d.dbi_resource_id()))
                .with("allocated_storage", Cell::int(d.allocated_storage()))
                .with("auto_minor_version_upgrade", Cell::bool(d.auto_minor_version_upgrade()))
                .with("availability_zone", Cell::text(d.availability_zone()))
                .with("backup_retention_period", Cell::int(d.backup_retention_period()))
                .with("ca_certificate_identifier", Cell::text(d.ca_certificate_identifier()))
                .with("character_set_name", Cell::text(d.character_set_name()))
                .with("copy_tags_to_snapshot", Cell::bool(d.copy_tags_to_snapshot()))
                .with("customer_owned_ip_enabled", Cell::bool(d.customer_owned_ip_enabled()))
                .with("port", Cell::int(d.db_instance_port()))
                .with("db_name", Cell::text(d.db_name()))
                .with("db_subnet_group_arn", Cell::text(subnet_group.and_then(|g| g.db_subnet_group_arn())))
                .with("db_subnet_group_description", Cell::text(subnet_group.and_then(|g| g.db_subnet_group_description())))
                .with("db_subnet_group_name", Cell::text(subnet_group.and_then(|g| g.db_subnet_group_name())))
                .with("db_subnet_group_status", Cell::text(subnet_group.and_then(|g| g.subnet_group_status())))
                .with("deletion_protection", Cell::bool(d.deletion_protection()))
                .with("endpoint_address", Cell::text(endpoint.and_then(|e| e.address())))
                .with("endpoint_hosted_zone_id", Cell::text(endpoint.and_then(|e| e.hosted_zone_id())))
                .with("endpoint_port", Cell::int(endpoint.and_then(|e| e.port())))
                .with("engine", Cell::text(d.engine()))
                .with("engine_version", Cell::text(d.engine_version()))
                .with("enhanced_monitoring_resource_arn", Cell::text(d.enhanced_monitoring_resource_arn()))
                .with("iam_database_authentication_enabled", Cell::bool(d.iam_database_authentication_enabled()))
                .with("create_time", time(d.instance_create_time()))
                .with("iops", Cell::int(d.iops()))
                .with("kms_key_id", Cell::text(d.kms_key_id()))
                .with("latest_restorable_time", time(d.latest_restorable_time()))
                .with("license_model", Cell::text(d.license_model()))
                .with("master_user_name", Cell::text(d.master_username()))
                .with("max_allocated_storage", Cell::int(d.max_allocated_storage()))
                .with("monitoring_interval", Cell::int(d.monitoring_interval()))
                .with("monitoring_role_arn", Cell::text(d.monitoring_role_arn()))
                .with("multi_az", Cell::bool(d.multi_az()))
                .with("nchar_character_set_name", Cell::text(d.nchar_character_set_name()))
                .with("performance_insights_enabled", Cell::bool(d.performance_insights_enabled()))
                .with("performance_insights_kms_key_id", Cell::text(d.performance_insights_kms_key_id()))
                .with("performance_insights_retention_period", Cell::int(d.performance_insights_retention_period()))
                .with("preferred_backup_window", Cell::text(d.preferred_backup_window()))
                .with("preferred_maintenance_window", Cell::text(d.preferred_maintenance_window()))
                .with("promotion_tier", Cell::int(d.promotion_tier()))
                .with("publicly_accessible", Cell::bool(d.publicly_accessible()))
                .with("read_replica_source_db_instance_identifier", Cell::text(d.read_replica_source_db_instance_identifier()))
                .with("replica_mode", Cell::text(d.replica_mode().map(|m| m.as_str())))
                .with("secondary_availability_zone", Cell::text(d.secondary_availability_zone()))
                .with("storage_encrypted", Cell::bool(d.storage_encrypted()))
                .with("storage_throughput", Cell::int(d.storage_throughput()))
                .with("storage_type", Cell::text(d.storage_type()))
                .with("tde_credential_arn", Cell::text(d.tde_credential_arn()))
                .with("timezone", Cell::text(d.timezone()))
                .with("vpc_id", Cell::text(subnet_group.and_then(|g| g.vpc_id())))
                .with("associated_roles", list_of(d.associated_roles(), |r| {
                    json!({"FeatureName": r.feature_name(), "RoleArn": r.role_arn(), "Status": r.status()})
                }))
                .with("certificate", json_cell(d.ca_certificate_identifier().and_then(|id| certificates.get(id).cloned())))
                .with("db_parameter_groups", list_of(d.db_parameter_groups(), |g| {
                    json!({"DBParameterGroupName": g.db_parameter_group_name(), "ParameterApplyStatus": g.parameter_apply_status()})
                }))
                .with("db_security_groups", list_of(d.db_security_groups(), |g| {
                    json!({"DBSecurityGroupName": g.db_security_group_name(), "Status": g.status()})
                }))
                .with("domain_memberships", domains(d.domain_memberships()))
                .with("enabled_cloudwatch_logs_exports", strings(d.enabled_cloudwatch_logs_exports()))
                .with("option_group_memberships", list_of(d.option_group_memberships(), |g| {
                    json!({"OptionGroupName": g.option_group_name(), "Status": g.status()})
                }))
                .with("pending_maintenance_actions", json_cell(arn.as_ref().and_then(|a| pending.get(a).cloned())))
                .with("processor_features", processors(d.processor_features()))
                .with("read_replica_db_cluster_identifiers", strings(d.read_replica_db_cluster_identifiers()))
                .with("read_replica_db_instance_identifiers", strings(d.read_replica_db_instance_identifiers()))
                .with("pending_modified_values", json_cell(pending_values))
                .with("status_infos", list_of(d.status_infos(), |s| {
                    json!({"Message": s.message(), "Normal": s.normal(), "Status": s.status(), "StatusType": s.status_type()})
                }))
                .with("subnets", subnets)
                .with("vpc_security_groups", vpc_groups(d.vpc_security_groups()))
                .with("tags_src", tags_src)
                .with("tags", tags)
                .with("title", Cell::Text(name))
                .with("akas", arn.map_or(Cell::Null, |a| Cell::json(json!([a]))))
                .with("partition", partition.clone())
        })
        .collect();
    Ok(vec![batch(&INSTANCES, rows)])
}

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
        .iter()
        .map(|c| {
            let arn = c.db_cluster_arn().map(str::to_owned);
            let (tags, tags_src) = tag_cells(c.tag_list());
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
            Row::default()
                .with("db_cluster_identifier", Cell::Text(name.clone()))
                .with("arn", Cell::text(arn.as_deref()))
                .with("status", Cell::text(c.status()))
                .with("resource_id", Cell::text(c.db_cluster_resource_id()))
                .with("create_time", time(c.cluster_create_time()))
                .with("activity_stream_kinesis_stream_name", Cell::text(c.activity_stream_kinesis_stream_name()))
                .with("activity_stream_kms_key_id", Cell::text(c.activity_stream_kms_key_id()))
                .with("activity_stream_mode", Cell::text(c.activity_stream_mode().map(|m| m.as_str())))
                .with("activity_stream_status", Cell::text(c.activity_stream_status().map(|m| m.as_str())))
                .with("allocated_storage", Cell::int(c.allocated_storage()))
                .with("auto_minor_version_upgrade", Cell::bool(c.auto_minor_version_upgrade()))
                .with("backtrack_consumed_change_records", Cell::int(c.backtrack_consumed_change_records()))
                .with("backtrack_window", Cell::int(c.backtrack_window()))
                .with("backup_retention_period", Cell::int(c.backup_retention_period()))
                .with("capacity", Cell::int(c.capacity()))
                .with("character_set_name", Cell::text(c.character_set_name()))
                .with("clone_group_id", Cell::text(c.clone_group_id()))
                .with("copy_tags_to_snapshot", Cell::bool(c.copy_tags_to_snapshot()))
                .with("cross_account_clone", Cell::bool(c.cross_account_clone()))
                .with("database_name", Cell::text(c.database_name()))
                .with("db_cluster_parameter_group", Cell::text(c.db_cluster_parameter_group()))
                .with("db_subnet_group", Cell::text(c.db_subnet_group()))
                .with("deletion_protection", Cell::bool(c.deletion_protection()))
                .with("earliest_backtrack_time", time(c.earliest_backtrack_time()))
                .with("earliest_restorable_time", time(c.earliest_restorable_time()))
                .with("endpoint", Cell::text(c.endpoint()))
                .with("engine", Cell::text(c.engine()))
                .with("engine_mode", Cell::text(c.engine_mode()))
                .with("engine_version", Cell::text(c.engine_version()))
                .with("global_write_forwarding_requested", Cell::bool(c.global_write_forwarding_requested()))
                .with("global_write_forwarding_status", Cell::text(c.global_write_forwarding_status().map(|s| s.as_str())))
                .with("hosted_zone_id", Cell::text(c.hosted_zone_id()))
                .with("http_endpoint_enabled", Cell::bool(c.http_endpoint_enabled()))
                .with("iam_database_authentication_enabled", Cell::bool(c.iam_database_authentication_enabled()))
                .with("kms_key_id", Cell::text(c.kms_key_id()))
                .with("latest_restorable_time", time(c.latest_restorable_time()))
                .with("master_user_name", Cell::text(c.master_username()))
                .with("multi_az", Cell::bool(c.multi_az()))
                .with("percent_progress", Cell::text(c.percent_progress()))
                .with("port", Cell::int(c.port()))
                .with("preferred_backup_window", Cell::text(c.preferred_backup_window()))
                .with("preferred_maintenance_window", Cell::text(c.preferred_maintenance_window()))
                .with("reader_endpoint", Cell::text(c.reader_endpoint()))
                .with("storage_encrypted", Cell::bool(c.storage_encrypted()))
                .with("performance_insights_enabled", Cell::bool(c.performance_insights_enabled()))
                .with("publicly_accessible", Cell::bool(c.publicly_accessible()))
                .with("automatic_restart_time", time(c.automatic_restart_time()))
                .with("aws_backup_recovery_point_arn", Cell::text(c.aws_backup_recovery_point_arn()))
                .with("performance_insights_kms_key_id", Cell::text(c.performance_insights_kms_key_id()))
                .with("monitoring_interval", Cell::int(c.monitoring_interval()))
                .with("storage_throughput", Cell::int(c.storage_throughput()))
                .with("performance_insights_retention_period", Cell::int(c.performance_insights_retention_period()))
                .with("monitoring_role_arn", Cell::text(c.monitoring_role_arn()))
                .with("network_type", Cell::text(c.network_type()))
                .with("storage_type", Cell::text(c.storage_type()))
                .with("db_cluster_instance_class", Cell::text(c.db_cluster_instance_class()))
                .with("local_write_forwarding_status", Cell::text(c.local_write_forwarding_status().map(|s| s.as_str())))
                .with("io_optimized_next_allowed_modification_time", time(c.io_optimized_next_allowed_modification_time()))
                .with("pending_modified_values", json_cell(pending_values))
                .with("serverless_v2_scaling_configuration", json_cell(v2))
                .with("scaling_configuration_info", json_cell(v1))
                .with("master_user_secret", json_cell(secret))
                .with("limitless_database", json_cell(limitless))
                .with("certificate_details", json_cell(certificate_details(c.certificate_details())))
                .with("associated_roles", list_of(c.associated_roles(), |r| {
                    json!({"FeatureName": r.feature_name(), "RoleArn": r.role_arn(), "Status": r.status()})
                }))
                .with("availability_zones", strings(c.availability_zones()))
                .with("custom_endpoints", strings(c.custom_endpoints()))
                .with("members", list_of(c.db_cluster_members(), |m| {
                    json!({
                        "DBClusterParameterGroupStatus": m.db_cluster_parameter_group_status(),
                        "DBInstanceIdentifier": m.db_instance_identifier(),
                        "IsClusterWriter": m.is_cluster_writer(),
                        "PromotionTier": m.promotion_tier(),
                    })
                }))
                .with("option_group_memberships", list_of(c.db_cluster_option_group_memberships(), |g| {
                    json!({"DBClusterOptionGroupName": g.db_cluster_option_group_name(), "Status": g.status()})
                }))
                .with("domain_memberships", domains(c.domain_memberships()))
                .with("enabled_cloudwatch_logs_exports", strings(c.enabled_cloudwatch_logs_exports()))
                .with("pending_maintenance_actions", json_cell(arn.as_ref().and_then(|a| pending.get(a).cloned())))
                .with("read_replica_identifiers", strings(c.read_replica_identifiers()))
                .with("vpc_security_groups", vpc_groups(c.vpc_security_groups()))
                .with("tags_src", tags_src)
                .with("tags", tags)
                .with("title", Cell::Text(name))
                .with("akas", arn.map_or(Cell::Null, |a| Cell::json(json!([a]))))
                .with("partition", partition.clone())
        })
        .collect();
    Ok(vec![batch(&CLUSTERS, rows)])
}

fn attributes<'a>(names_values: impl Iterator<Item = (Option<&'a str>, &'a [String])>) -> Value {
    Value::Array(
        names_values
            .map(|(name, values)| json!({"AttributeName": name, "AttributeValues": values}))
            .collect(),
    )
}

fn db_attributes(list: &[DbSnapshotAttribute]) -> Value {
    attributes(
        list.iter()
            .map(|a| (a.attribute_name(), a.attribute_values())),
    )
}

fn cluster_attributes(list: &[DbClusterSnapshotAttribute]) -> Value {
    attributes(
        list.iter()
            .map(|a| (a.attribute_name(), a.attribute_values())),
    )
}

/// Only manual snapshots can be shared; an automated one's attributes are always empty.
fn shareable(snapshot_type: Option<&str>) -> bool {
    snapshot_type == Some("manual")
}

pub(super) async fn snapshots(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = client(&unit);
    let mut listed = Vec::new();
    unit.paginate(
        "rds:DescribeDBSnapshots",
        |marker| {
            client
                .describe_db_snapshots()
                .max_records(100)
                .set_marker(marker)
                .send()
        },
        |out| out.marker(),
        |out| listed.extend(out.db_snapshots().iter().cloned()),
    )
    .await?;
    let partition = unit.partition();
    let absent: &[&str] = &["DBSnapshotNotFound"];
    let rows = super::for_each_listed(listed, |s| {
        let client = &client;
        let partition = &partition;
        async move {
            let name = s.db_snapshot_identifier().unwrap_or_default().to_owned();
            let shared = if shareable(s.snapshot_type()) {
                unit.detail(
                    unit.region,
                    "rds:DescribeDBSnapshotAttributes",
                    &name,
                    absent,
                    || {
                        client
                            .describe_db_snapshot_attributes()
                            .db_snapshot_identifier(&name)
                            .send()
                    },
                )
                .await
                .found()
                .and_then(|o| o.db_snapshot_attributes_result().cloned())
                .map(|r| db_attributes(r.db_snapshot_attributes()))
            } else {
                None
            };
            let arn = s.db_snapshot_arn().map(str::to_owned);
            let (tags, tags_src) = tag_cells(s.tag_list());
            Row::default()
                .with("db_snapshot_identifier", Cell::Text(name.clone()))
                .with("arn", Cell::text(arn.as_deref()))
                .with("type", Cell::text(s.snapshot_type()))
                .with("status", Cell::text(s.status()))
                .with("create_time", time(s.snapshot_create_time()))
                .with("allocated_storage", Cell::int(s.allocated_storage()))
                .with("availability_zone", Cell::text(s.availability_zone()))
                .with(
                    "db_instance_identifier",
                    Cell::text(s.db_instance_identifier()),
                )
                .with("dbi_resource_id", Cell::text(s.dbi_resource_id()))
                .with("encrypted", Cell::bool(s.encrypted()))
                .with("engine", Cell::text(s.engine()))
                .with("engine_version", Cell::text(s.engine_version()))
                .with(
                    "iam_database_authentication_enabled",
                    Cell::bool(s.iam_database_authentication_enabled()),
                )
                .with("instance_create_time", time(s.instance_create_time()))
                .with("iops", Cell::int(s.iops()))
                .with("kms_key_id", Cell::text(s.kms_key_id()))
                .with("license_model", Cell::text(s.license_model()))
                .with("master_user_name", Cell::text(s.master_username()))
                .with("option_group_name", Cell::text(s.option_group_name()))
                .with("percent_progress", Cell::int(s.percent_progress()))
                .with("port", Cell::int(s.port()))
                .with(
                    "source_db_snapshot_identifier",
                    Cell::text(s.source_db_snapshot_identifier()),
                )
                .with("db_system_id", Cell::text(s.db_system_id()))
                .with("dedicated_log_volume", Cell::bool(s.dedicated_log_volume()))
                .with("multi_tenant", Cell::bool(s.multi_tenant()))
                .with("snapshot_database_time", time(s.snapshot_database_time()))
                .with("snapshot_target", Cell::text(s.snapshot_target()))
                .with("source_region", Cell::text(s.source_region()))
                .with("storage_type", Cell::text(s.storage_type()))
                .with("tde_credential_arn", Cell::text(s.tde_credential_arn()))
                .with("timezone", Cell::text(s.timezone()))
                .with("vpc_id", Cell::text(s.vpc_id()))
                .with("db_snapshot_attributes", json_cell(shared))
                .with("processor_features", processors(s.processor_features()))
                .with("tags_src", tags_src)
                .with("tags", tags)
                .with("title", Cell::Text(name))
                .with("akas", arn.map_or(Cell::Null, |a| Cell::json(json!([a]))))
                .with("partition", partition.clone())
        }
    })
    .await;
    Ok(vec![batch(&SNAPSHOTS, rows)])
}

pub(super) async fn cluster_snapshots(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = client(&unit);
    let mut listed = Vec::new();
    unit.paginate(
        "rds:DescribeDBClusterSnapshots",
        |marker| {
            client
                .describe_db_cluster_snapshots()
                .max_records(100)
                .set_marker(marker)
                .send()
        },
        |out| out.marker(),
        |out| listed.extend(out.db_cluster_snapshots().iter().cloned()),
    )
    .await?;
    let partition = unit.partition();
    let absent: &[&str] = &["DBClusterSnapshotNotFoundFault"];
    let rows = super::for_each_listed(listed, |s| {
        let client = &client;
        let partition = &partition;
        async move {
            let name = s
                .db_cluster_snapshot_identifier()
                .unwrap_or_default()
                .to_owned();
            let shared = if shareable(s.snapshot_type()) {
                unit.detail(
                    unit.region,
                    "rds:DescribeDBClusterSnapshotAttributes",
                    &name,
                    absent,
                    || {
                        client
                            .describe_db_cluster_snapshot_attributes()
                            .db_cluster_snapshot_identifier(&name)
                            .send()
                    },
                )
                .await
                .found()
                .and_then(|o| o.db_cluster_snapshot_attributes_result().cloned())
                .map(|r| cluster_attributes(r.db_cluster_snapshot_attributes()))
            } else {
                None
            };
            let arn = s.db_cluster_snapshot_arn().map(str::to_owned);
            let (tags, tags_src) = tag_cells(s.tag_list());
            Row::default()
                .with("db_cluster_snapshot_identifier", Cell::Text(name.clone()))
                .with("arn", Cell::text(arn.as_deref()))
                .with("type", Cell::text(s.snapshot_type()))
                .with(
                    "db_cluster_resource_id",
                    Cell::text(s.db_cluster_resource_id()),
                )
                .with("engine_mode", Cell::text(s.engine_mode()))
                .with("snapshot_type", Cell::text(s.snapshot_type()))
                .with("status", Cell::text(s.status()))
                .with(
                    "db_cluster_identifier",
                    Cell::text(s.db_cluster_identifier()),
                )
                .with("create_time", time(s.snapshot_create_time()))
                .with("allocated_storage", Cell::int(s.allocated_storage()))
                .with("cluster_create_time", time(s.cluster_create_time()))
                .with("engine", Cell::text(s.engine()))
                .with("engine_version", Cell::text(s.engine_version()))
                .with(
                    "iam_database_authentication_enabled",
                    Cell::bool(s.iam_database_authentication_enabled()),
                )
                .with("kms_key_id", Cell::text(s.kms_key_id()))
                .with("license_model", Cell::text(s.license_model()))
                .with("master_user_name", Cell::text(s.master_username()))
                .with("percent_progress", Cell::int(s.percent_progress()))
                .with("port", Cell::int(s.port()))
                .with(
                    "source_db_cluster_snapshot_arn",
                    Cell::text(s.source_db_cluster_snapshot_arn()),
                )
                .with("storage_encrypted", Cell::bool(s.storage_encrypted()))
                .with("vpc_id", Cell::text(s.vpc_id()))
                .with("availability_zones", strings(s.availability_zones()))
                .with("db_cluster_snapshot_attributes", json_cell(shared))
                .with("tags_src", tags_src)
                .with("tags", tags)
                .with("title", Cell::Text(name))
                .with("akas", arn.map_or(Cell::Null, |a| Cell::json(json!([a]))))
                .with("partition", partition.clone())
        }
    })
    .await;
    Ok(vec![batch(&CLUSTER_SNAPSHOTS, rows)])
}
