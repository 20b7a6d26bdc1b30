//! RDS DB instances, with the region's pending maintenance and CA certificates.

use aws_sdk_rds::Client;
use std::collections::HashMap;

use canopy_model::inventory::{Batch, Cell};
use canopy_model::table::Column;
use serde_json::{Value, json};

use crate::collectors::{Unit, json_cell, list_of, strings, time};
use crate::collectors::{tags_of, tags_src};
use crate::error::AwsError;

use super::{
    DOMAIN_MEMBERSHIPS, LOG_EXPORTS, PENDING_MAINTENANCE, VPC_SECURITY_GROUPS, certificate,
    domains, log_exports, pending_maintenance, processors, vpc_groups,
};

/// What is read of one row of `aws_rds_db_instance`.
struct Instance {
    d: aws_sdk_rds::types::DbInstance,
    arn: Option<String>,
    subnets: Cell,
    pending_values: Option<Value>,
    name: String,
    certificate: Option<Value>,
    pending: Option<Value>,
}

impl Instance {
    fn subnet_group(&self) -> Option<&aws_sdk_rds::types::DbSubnetGroup> {
        self.d.db_subnet_group()
    }

    fn endpoint(&self) -> Option<&aws_sdk_rds::types::Endpoint> {
        self.d.endpoint()
    }
}

table! {
    INSTANCES: Instance = Regional "aws_rds_db_instance"
        ["rds:DescribeDBInstances", "rds:DescribePendingMaintenanceActions", "rds:DescribeCertificates"],
        "RDS DB instances: engine, network exposure, encryption, backups, certificate";
    C::text("db_instance_identifier", "The instance's identifier", |x, _| Cell::Text(x.name.clone())).required(),
    C::text("arn", "The instance's ARN", |x, _| Cell::text(x.arn.as_deref())),
    C::text("db_cluster_identifier", "The cluster it belongs to, if any", |x, _| Cell::text(x.d.db_cluster_identifier())),
    C::text("status", "Its status (available, stopped, ...)", |x, _| Cell::text(x.d.db_instance_status())),
    C::text("class", "Its instance class (db.t3.micro, ...)", |x, _| Cell::text(x.d.db_instance_class())),
    C::text("resource_id", "Its region-unique, immutable resource id", |x, _| Cell::text(x.d.dbi_resource_id())),
    C::int("allocated_storage", "Allocated storage, in GiB", |x, _| Cell::int(x.d.allocated_storage())),
    C::bool("auto_minor_version_upgrade", "Whether minor versions are applied automatically", |x, _| Cell::bool(x.d.auto_minor_version_upgrade())),
    C::text("availability_zone", "Its Availability Zone", |x, _| Cell::text(x.d.availability_zone())),
    C::int("backup_retention_period", "Days automated backups are kept (0: none)", |x, _| Cell::int(x.d.backup_retention_period())),
    C::text("ca_certificate_identifier", "The CA of its server certificate", |x, _| Cell::text(x.d.ca_certificate_identifier())),
    C::text("character_set_name", "Its character set (Oracle, SQL Server)", |x, _| Cell::text(x.d.character_set_name())),
    C::bool("copy_tags_to_snapshot", "Whether tags are copied to snapshots", |x, _| Cell::bool(x.d.copy_tags_to_snapshot())),
    C::bool("customer_owned_ip_enabled", "Whether a customer-owned IP is on (Outposts)", |x, _| Cell::bool(x.d.customer_owned_ip_enabled())),
    C::int("port", "The port it listens on", |x, _| Cell::int(x.d.db_instance_port())),
    C::text("db_name", "The initial database's name", |x, _| Cell::text(x.d.db_name())),
    C::text("db_subnet_group_arn", "Its subnet group's ARN", |x, _| Cell::text(x.subnet_group().and_then(|g| g.db_subnet_group_arn()))),
    C::text("db_subnet_group_description", "Its subnet group's description", |x, _| Cell::text(x.subnet_group().and_then(|g| g.db_subnet_group_description()))),
    C::text("db_subnet_group_name", "Its subnet group's name", |x, _| Cell::text(x.subnet_group().and_then(|g| g.db_subnet_group_name()))),
    C::text("db_subnet_group_status", "Its subnet group's status", |x, _| Cell::text(x.subnet_group().and_then(|g| g.subnet_group_status()))),
    C::bool("deletion_protection", "Whether deletion protection is on", |x, _| Cell::bool(x.d.deletion_protection())),
    C::text("endpoint_address", "Its DNS address", |x, _| Cell::text(x.endpoint().and_then(|e| e.address()))),
    C::text("endpoint_hosted_zone_id", "Its endpoint's Route 53 zone", |x, _| Cell::text(x.endpoint().and_then(|e| e.hosted_zone_id()))),
    C::int("endpoint_port", "Its endpoint's port", |x, _| Cell::int(x.endpoint().and_then(|e| e.port()))),
    C::text("engine", "The database engine", |x, _| Cell::text(x.d.engine())),
    C::text("engine_version", "The engine version", |x, _| Cell::text(x.d.engine_version())),
    C::text("enhanced_monitoring_resource_arn", "The log stream that receives Enhanced Monitoring metrics", |x, _| Cell::text(x.d.enhanced_monitoring_resource_arn())),
    C::bool("iam_database_authentication_enabled", "Whether IAM database authentication is on", |x, _| Cell::bool(x.d.iam_database_authentication_enabled())),
    C::time("create_time", "When it was created", |x, _| time(x.d.instance_create_time())),
    C::int("iops", "Provisioned IOPS", |x, _| Cell::int(x.d.iops())),
    C::text("kms_key_id", "The KMS key that encrypts it", |x, _| Cell::text(x.d.kms_key_id())),
    C::time("latest_restorable_time", "The latest point-in-time restore target", |x, _| time(x.d.latest_restorable_time())),
    C::text("license_model", "Its license model", |x, _| Cell::text(x.d.license_model())),
    C::text("master_user_name", "The master user's name", |x, _| Cell::text(x.d.master_username())),
    C::int("max_allocated_storage", "The storage autoscaling ceiling, in GiB", |x, _| Cell::int(x.d.max_allocated_storage())),
    C::int("monitoring_interval", "Enhanced Monitoring interval, in seconds (0: off)", |x, _| Cell::int(x.d.monitoring_interval())),
    C::text("monitoring_role_arn", "The role Enhanced Monitoring sends metrics with", |x, _| Cell::text(x.d.monitoring_role_arn())),
    C::bool("multi_az", "Whether it is a Multi-AZ deployment", |x, _| Cell::bool(x.d.multi_az())),
    C::text("nchar_character_set_name", "Its NCHAR character set (Oracle)", |x, _| Cell::text(x.d.nchar_character_set_name())),
    C::bool("performance_insights_enabled", "Whether Performance Insights is on", |x, _| Cell::bool(x.d.performance_insights_enabled())),
    C::text("performance_insights_kms_key_id", "The KMS key of its Performance Insights data", |x, _| Cell::text(x.d.performance_insights_kms_key_id())),
    C::int("performance_insights_retention_period", "Days Performance Insights data is kept", |x, _| Cell::int(x.d.performance_insights_retention_period())),
    C::text("preferred_backup_window", "The daily backup window (UTC)", |x, _| Cell::text(x.d.preferred_backup_window())),
    C::text("preferred_maintenance_window", "The weekly maintenance window (UTC)", |x, _| Cell::text(x.d.preferred_maintenance_window())),
    C::int("promotion_tier", "Its failover priority (Aurora)", |x, _| Cell::int(x.d.promotion_tier())),
    C::bool("publicly_accessible", "Whether its endpoint resolves to a public address", |x, _| Cell::bool(x.d.publicly_accessible())),
    C::text("read_replica_source_db_instance_identifier", "The instance it replicates, when a read replica", |x, _| Cell::text(x.d.read_replica_source_db_instance_identifier())),
    C::text("replica_mode", "An Oracle replica's mode", |x, _| Cell::variant(x.d.replica_mode())),
    C::text("secondary_availability_zone", "The standby's Availability Zone (Multi-AZ)", |x, _| Cell::text(x.d.secondary_availability_zone())),
    C::bool("storage_encrypted", "Whether its storage is encrypted", |x, _| Cell::bool(x.d.storage_encrypted())),
    C::int("storage_throughput", "Storage throughput (gp3), MiB/s", |x, _| Cell::int(x.d.storage_throughput())),
    C::text("storage_type", "Its storage type (gp3, io1, ...)", |x, _| Cell::text(x.d.storage_type())),
    C::text("tde_credential_arn", "Its TDE key store credential", |x, _| Cell::text(x.d.tde_credential_arn())),
    C::text("timezone", "Its time zone (SQL Server)", |x, _| Cell::text(x.d.timezone())),
    C::text("vpc_id", "The VPC of its subnet group", |x, _| Cell::text(x.subnet_group().and_then(|g| g.vpc_id()))),
    C::json("associated_roles", "IAM roles: [{\"RoleArn\", \"FeatureName\", \"Status\"}]", |x, _| list_of(x.d.associated_roles(), |r| { json!({"FeatureName": r.feature_name(), "RoleArn": r.role_arn(), "Status": r.status()}) })),
    C::json("certificate", "Its CA certificate: {\"CertificateArn\", \"CertificateIdentifier\", \"CertificateType\", \"Thumbprint\", \"ValidFrom\", \"ValidTill\", ...}", |x, _| json_cell(x.certificate.clone())),
    C::json("db_parameter_groups", "Parameter groups: [{\"DBParameterGroupName\", \"ParameterApplyStatus\"}]", |x, _| list_of(x.d.db_parameter_groups(), |g| { json!({"DBParameterGroupName": g.db_parameter_group_name(), "ParameterApplyStatus": g.parameter_apply_status()}) })),
    C::json("db_security_groups", "EC2-Classic DB security groups: [{\"DBSecurityGroupName\", \"Status\"}]", |x, _| list_of(x.d.db_security_groups(), |g| { json!({"DBSecurityGroupName": g.db_security_group_name(), "Status": g.status()}) })),
    C::common(DOMAIN_MEMBERSHIPS, |x, _| domains(x.d.domain_memberships())),
    C::common(LOG_EXPORTS, |x, _| strings(x.d.enabled_cloudwatch_logs_exports())),
    C::json("option_group_memberships", "Option groups: [{\"OptionGroupName\", \"Status\"}]", |x, _| list_of(x.d.option_group_memberships(), |g| { json!({"OptionGroupName": g.option_group_name(), "Status": g.status()}) })),
    C::common(PENDING_MAINTENANCE, |x, _| json_cell(x.pending.clone())),
    C::json("processor_features", "CPU cores and threads per core: [{\"Name\", \"Value\"}]", |x, _| processors(x.d.processor_features())),
    C::json("read_replica_db_cluster_identifiers", "Aurora clusters it replicates to", |x, _| strings(x.d.read_replica_db_cluster_identifiers())),
    C::json("read_replica_db_instance_identifiers", "Its read replicas", |x, _| strings(x.d.read_replica_db_instance_identifiers())),
    C::json("pending_modified_values", "Changes waiting for the next maintenance window (passwords never stored)", |x, _| json_cell(x.pending_values.clone())),
    C::json("status_infos", "A read replica's status: [{\"StatusType\", \"Normal\", \"Status\", \"Message\"}]", |x, _| list_of(x.d.status_infos(), |s| { json!({"Message": s.message(), "Normal": s.normal(), "Status": s.status(), "StatusType": s.status_type()}) })),
    C::json("subnets", "Its subnet group's subnets: [{\"SubnetIdentifier\", \"SubnetAvailabilityZone\": {\"Name\"}, \"SubnetOutpost\", \"SubnetStatus\"}]", |x, _| x.subnets.clone()),
    C::common(VPC_SECURITY_GROUPS, |x, _| vpc_groups(x.d.vpc_security_groups())),
    C::common(Column::TAGS_SRC, |x, _| tags_src(x.d.tag_list())),
    C::common(Column::TAGS, |x, _| tags_of(x.d.tag_list())),
    C::common(Column::TITLE, |x, _| Cell::Text(x.name.clone())),
    C::common(Column::AKAS, |x, _| x.arn.clone().map_or(Cell::Null, |a| Cell::json(json!([a])))),
}

pub(super) async fn instances(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.client(Client::new);
    let listed = unit
        .list(
            "rds:DescribeDBInstances",
            |marker| {
                client
                    .describe_db_instances()
                    .max_records(100)
                    .set_marker(marker)
                    .send()
            },
            |out| out.marker(),
            |out| out.db_instances.unwrap_or_default(),
        )
        .await?;
    if listed.is_empty() {
        return Ok(vec![INSTANCES.batch(Vec::new())]);
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
    let rows = listed
        .into_iter()
        .map(|d| {
            let arn = d.db_instance_arn().map(str::to_owned);
            let subnet_group = d.db_subnet_group();
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
            INSTANCES.row(&Instance {
                    pending: arn.as_ref().and_then(|a| pending.get(a).cloned()),
                    certificate: d.ca_certificate_identifier().and_then(|id| certificates.get(id).cloned()),
                    d,
                    arn,
                    subnets,
                    pending_values,
                    name,
                },
                unit.cx()
            )
        })
        .collect();
    Ok(vec![INSTANCES.batch(rows)])
}

collectors! {
    instances: INSTANCES;
}
