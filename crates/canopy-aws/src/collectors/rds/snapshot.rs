//! RDS DB and cluster snapshots, each manual one with who may restore it.

use aws_sdk_rds::Client;
use aws_sdk_rds::types::{DbClusterSnapshotAttribute, DbSnapshotAttribute};
use canopy_model::inventory::{Batch, Cell};
use canopy_model::table::Column;
use serde_json::{Value, json};

use crate::collectors::{Unit, json_cell, strings, time};
use crate::collectors::{tags_of, tags_src};
use crate::error::AwsError;

use super::processors;

const SNAPSHOT_ATTRIBUTES: &str = "Sharing: [{\"AttributeName\": \"restore\", \"AttributeValues\": [account ids, or \"all\" when public]}]";

/// What is read of one row of `aws_rds_db_snapshot`.
struct Snapshot {
    s: aws_sdk_rds::types::DbSnapshot,
    name: String,
    shared: Option<Value>,
    arn: Option<String>,
}

table! {
    SNAPSHOTS: Snapshot = Regional "aws_rds_db_snapshot"
        ["rds:DescribeDBSnapshots", "rds:DescribeDBSnapshotAttributes"],
        "RDS DB instance snapshots the account owns, with who may restore them";
    C::text("db_snapshot_identifier", "The snapshot's identifier", |x, _| Cell::Text(x.name.clone())).required(),
    C::text("arn", "The snapshot's ARN", |x, _| Cell::text(x.arn.as_deref())),
    C::text("type", "manual, automated, ...", |x, _| Cell::text(x.s.snapshot_type())),
    C::text("status", "Its status", |x, _| Cell::text(x.s.status())),
    C::time("create_time", "When it was taken", |x, _| time(x.s.snapshot_create_time())),
    C::int("allocated_storage", "Allocated storage, in GiB", |x, _| Cell::int(x.s.allocated_storage())),
    C::text("availability_zone", "The source instance's zone", |x, _| Cell::text(x.s.availability_zone())),
    C::text("db_instance_identifier", "The instance it was taken from", |x, _| Cell::text(x.s.db_instance_identifier())),
    C::text("dbi_resource_id", "The source instance's resource id", |x, _| Cell::text(x.s.dbi_resource_id())),
    C::bool("encrypted", "Whether it is encrypted", |x, _| Cell::bool(x.s.encrypted())),
    C::text("engine", "The database engine", |x, _| Cell::text(x.s.engine())),
    C::text("engine_version", "The engine version", |x, _| Cell::text(x.s.engine_version())),
    C::bool("iam_database_authentication_enabled", "Whether IAM database authentication was on", |x, _| Cell::bool(x.s.iam_database_authentication_enabled())),
    C::time("instance_create_time", "When the source instance was created", |x, _| time(x.s.instance_create_time())),
    C::int("iops", "Provisioned IOPS at the time", |x, _| Cell::int(x.s.iops())),
    C::text("kms_key_id", "The KMS key that encrypts it", |x, _| Cell::text(x.s.kms_key_id())),
    C::text("license_model", "The license model", |x, _| Cell::text(x.s.license_model())),
    C::text("master_user_name", "The master user's name", |x, _| Cell::text(x.s.master_username())),
    C::text("option_group_name", "The option group", |x, _| Cell::text(x.s.option_group_name())),
    C::int("percent_progress", "How much has been copied, %", |x, _| Cell::int(x.s.percent_progress())),
    C::int("port", "The port the instance listened on", |x, _| Cell::int(x.s.port())),
    C::text("source_db_snapshot_identifier", "The snapshot it was copied from", |x, _| Cell::text(x.s.source_db_snapshot_identifier())),
    C::text("db_system_id", "The Oracle SID", |x, _| Cell::text(x.s.db_system_id())),
    C::bool("dedicated_log_volume", "Whether the instance had a dedicated log volume", |x, _| Cell::bool(x.s.dedicated_log_volume())),
    C::bool("multi_tenant", "Whether the instance was multi-tenant (Oracle)", |x, _| Cell::bool(x.s.multi_tenant())),
    C::time("snapshot_database_time", "The latest transaction it holds", |x, _| time(x.s.snapshot_database_time())),
    C::text("snapshot_target", "region or outposts", |x, _| Cell::text(x.s.snapshot_target())),
    C::text("source_region", "The region it was taken in or copied from", |x, _| Cell::text(x.s.source_region())),
    C::text("storage_type", "The storage type", |x, _| Cell::text(x.s.storage_type())),
    C::text("tde_credential_arn", "The TDE key store credential", |x, _| Cell::text(x.s.tde_credential_arn())),
    C::text("timezone", "The time zone", |x, _| Cell::text(x.s.timezone())),
    C::text("vpc_id", "The instance's VPC", |x, _| Cell::text(x.s.vpc_id())),
    C::json("db_snapshot_attributes", SNAPSHOT_ATTRIBUTES, |x, _| json_cell(x.shared.clone())),
    C::json("processor_features", "CPU cores and threads per core: [{\"Name\", \"Value\"}]", |x, _| processors(x.s.processor_features())),
    C::common(Column::TAGS_SRC, |x, _| tags_src(x.s.tag_list())),
    C::common(Column::TAGS, |x, _| tags_of(x.s.tag_list())),
    C::common(Column::TITLE, |x, _| Cell::Text(x.name.clone())),
    C::common(Column::AKAS, |x, _| x.arn.clone().map_or(Cell::Null, |a| Cell::json(json!([a])))),
}

/// What is read of one row of `aws_rds_db_cluster_snapshot`.
struct ClusterSnapshot {
    s: aws_sdk_rds::types::DbClusterSnapshot,
    name: String,
    shared: Option<Value>,
    arn: Option<String>,
}

table! {
    CLUSTER_SNAPSHOTS: ClusterSnapshot = Regional "aws_rds_db_cluster_snapshot"
        ["rds:DescribeDBClusterSnapshots", "rds:DescribeDBClusterSnapshotAttributes"],
        "RDS and Aurora DB cluster snapshots the account owns, with who may restore them";
    C::text("db_cluster_snapshot_identifier", "The snapshot's identifier", |x, _| Cell::Text(x.name.clone())).required(),
    C::text("arn", "The snapshot's ARN", |x, _| Cell::text(x.arn.as_deref())),
    C::text("type", "manual, automated, ...", |x, _| Cell::text(x.s.snapshot_type())),
    C::text("db_cluster_resource_id", "The source cluster's resource id", |x, _| Cell::text(x.s.db_cluster_resource_id())),
    C::text("engine_mode", "The source cluster's engine mode", |x, _| Cell::text(x.s.engine_mode())),
    C::text("snapshot_type", "manual, automated, ...", |x, _| Cell::text(x.s.snapshot_type())),
    C::text("status", "Its status", |x, _| Cell::text(x.s.status())),
    C::text("db_cluster_identifier", "The cluster it was taken from", |x, _| Cell::text(x.s.db_cluster_identifier())),
    C::time("create_time", "When it was taken", |x, _| time(x.s.snapshot_create_time())),
    C::int("allocated_storage", "Allocated storage, in GiB", |x, _| Cell::int(x.s.allocated_storage())),
    C::time("cluster_create_time", "When the source cluster was created", |x, _| time(x.s.cluster_create_time())),
    C::text("engine", "The database engine", |x, _| Cell::text(x.s.engine())),
    C::text("engine_version", "The engine version", |x, _| Cell::text(x.s.engine_version())),
    C::bool("iam_database_authentication_enabled", "Whether IAM database authentication was on", |x, _| Cell::bool(x.s.iam_database_authentication_enabled())),
    C::text("kms_key_id", "The KMS key that encrypts it", |x, _| Cell::text(x.s.kms_key_id())),
    C::text("license_model", "The license model", |x, _| Cell::text(x.s.license_model())),
    C::text("master_user_name", "The master user's name", |x, _| Cell::text(x.s.master_username())),
    C::int("percent_progress", "How much has been copied, %", |x, _| Cell::int(x.s.percent_progress())),
    C::int("port", "The port the cluster listened on", |x, _| Cell::int(x.s.port())),
    C::text("source_db_cluster_snapshot_arn", "The snapshot it was copied from", |x, _| Cell::text(x.s.source_db_cluster_snapshot_arn())),
    C::bool("storage_encrypted", "Whether it is encrypted", |x, _| Cell::bool(x.s.storage_encrypted())),
    C::text("vpc_id", "The cluster's VPC", |x, _| Cell::text(x.s.vpc_id())),
    C::json("availability_zones", "Zones it can be restored into", |x, _| strings(x.s.availability_zones())),
    C::json("db_cluster_snapshot_attributes", SNAPSHOT_ATTRIBUTES, |x, _| json_cell(x.shared.clone())),
    C::common(Column::TAGS_SRC, |x, _| tags_src(x.s.tag_list())),
    C::common(Column::TAGS, |x, _| tags_of(x.s.tag_list())),
    C::common(Column::TITLE, |x, _| Cell::Text(x.name.clone())),
    C::common(Column::AKAS, |x, _| x.arn.clone().map_or(Cell::Null, |a| Cell::json(json!([a])))),
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
    let client = unit.client(Client::new);
    let listed = unit
        .list(
            "rds:DescribeDBSnapshots",
            |marker| {
                client
                    .describe_db_snapshots()
                    .max_records(100)
                    .set_marker(marker)
                    .send()
            },
            |out| out.marker(),
            |out| out.db_snapshots.unwrap_or_default(),
        )
        .await?;
    let absent: &[&str] = &["DBSnapshotNotFound"];
    let rows = crate::collectors::for_each_listed(listed, |s| {
        let client = &client;
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
            SNAPSHOTS.row(
                &Snapshot {
                    s,
                    name,
                    shared,
                    arn,
                },
                unit.cx(),
            )
        }
    })
    .await;
    Ok(vec![SNAPSHOTS.batch(rows)])
}

pub(super) async fn cluster_snapshots(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.client(Client::new);
    let listed = unit
        .list(
            "rds:DescribeDBClusterSnapshots",
            |marker| {
                client
                    .describe_db_cluster_snapshots()
                    .max_records(100)
                    .set_marker(marker)
                    .send()
            },
            |out| out.marker(),
            |out| out.db_cluster_snapshots.unwrap_or_default(),
        )
        .await?;
    let absent: &[&str] = &["DBClusterSnapshotNotFoundFault"];
    let rows = crate::collectors::for_each_listed(listed, |s| {
        let client = &client;
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
            CLUSTER_SNAPSHOTS.row(
                &ClusterSnapshot {
                    s,
                    name,
                    shared,
                    arn,
                },
                unit.cx(),
            )
        }
    })
    .await;
    Ok(vec![CLUSTER_SNAPSHOTS.batch(rows)])
}

collectors! {
    snapshots: SNAPSHOTS;
    cluster_snapshots: CLUSTER_SNAPSHOTS;
}
