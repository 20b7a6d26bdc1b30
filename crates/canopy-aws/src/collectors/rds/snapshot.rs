//! RDS DB and cluster snapshots, each manual one with who may restore it.

use aws_sdk_rds::types::{DbClusterSnapshotAttribute, DbSnapshotAttribute};
use canopy_model::inventory::{Batch, Cell};
use canopy_model::table::{Column, Scope, TableDef};
use serde_json::{Value, json};

use crate::collectors::Collector;
use crate::collectors::columns::{self, Col};
use crate::collectors::{Unit, batch, json_cell, strings, time};
use crate::collectors::{tags_of, tags_src};
use crate::error::AwsError;

use super::{client, processors};

const SNAPSHOT_ATTRIBUTES: &str = "Sharing: [{\"AttributeName\": \"restore\", \"AttributeValues\": [account ids, or \"all\" when public]}]";

/// What is read of one row of `aws_rds_db_snapshot`.
struct Snapshot {
    s: aws_sdk_rds::types::DbSnapshot,
    name: String,
    shared: Option<Value>,
    arn: Option<String>,
}

/// A column of `aws_rds_db_snapshot`.
type SnapshotC = Col<Snapshot>;

#[rustfmt::skip]
const SNAPSHOTS_COLUMNS: &[Col<Snapshot>] = &[
    SnapshotC::text("db_snapshot_identifier", "The snapshot's identifier", |x, _| Cell::Text(x.name.clone())).required(),
    SnapshotC::text("arn", "The snapshot's ARN", |x, _| Cell::text(x.arn.as_deref())),
    SnapshotC::text("type", "manual, automated, ...", |x, _| Cell::text(x.s.snapshot_type())),
    SnapshotC::text("status", "Its status", |x, _| Cell::text(x.s.status())),
    SnapshotC::time("create_time", "When it was taken", |x, _| time(x.s.snapshot_create_time())),
    SnapshotC::int("allocated_storage", "Allocated storage, in GiB", |x, _| Cell::int(x.s.allocated_storage())),
    SnapshotC::text("availability_zone", "The source instance's zone", |x, _| Cell::text(x.s.availability_zone())),
    SnapshotC::text("db_instance_identifier", "The instance it was taken from", |x, _| Cell::text(x.s.db_instance_identifier())),
    SnapshotC::text("dbi_resource_id", "The source instance's resource id", |x, _| Cell::text(x.s.dbi_resource_id())),
    SnapshotC::bool("encrypted", "Whether it is encrypted", |x, _| Cell::bool(x.s.encrypted())),
    SnapshotC::text("engine", "The database engine", |x, _| Cell::text(x.s.engine())),
    SnapshotC::text("engine_version", "The engine version", |x, _| Cell::text(x.s.engine_version())),
    SnapshotC::bool("iam_database_authentication_enabled", "Whether IAM database authentication was on", |x, _| Cell::bool(x.s.iam_database_authentication_enabled())),
    SnapshotC::time("instance_create_time", "When the source instance was created", |x, _| time(x.s.instance_create_time())),
    SnapshotC::int("iops", "Provisioned IOPS at the time", |x, _| Cell::int(x.s.iops())),
    SnapshotC::text("kms_key_id", "The KMS key that encrypts it", |x, _| Cell::text(x.s.kms_key_id())),
    SnapshotC::text("license_model", "The license model", |x, _| Cell::text(x.s.license_model())),
    SnapshotC::text("master_user_name", "The master user's name", |x, _| Cell::text(x.s.master_username())),
    SnapshotC::text("option_group_name", "The option group", |x, _| Cell::text(x.s.option_group_name())),
    SnapshotC::int("percent_progress", "How much has been copied, %", |x, _| Cell::int(x.s.percent_progress())),
    SnapshotC::int("port", "The port the instance listened on", |x, _| Cell::int(x.s.port())),
    SnapshotC::text("source_db_snapshot_identifier", "The snapshot it was copied from", |x, _| Cell::text(x.s.source_db_snapshot_identifier())),
    SnapshotC::text("db_system_id", "The Oracle SID", |x, _| Cell::text(x.s.db_system_id())),
    SnapshotC::bool("dedicated_log_volume", "Whether the instance had a dedicated log volume", |x, _| Cell::bool(x.s.dedicated_log_volume())),
    SnapshotC::bool("multi_tenant", "Whether the instance was multi-tenant (Oracle)", |x, _| Cell::bool(x.s.multi_tenant())),
    SnapshotC::time("snapshot_database_time", "The latest transaction it holds", |x, _| time(x.s.snapshot_database_time())),
    SnapshotC::text("snapshot_target", "region or outposts", |x, _| Cell::text(x.s.snapshot_target())),
    SnapshotC::text("source_region", "The region it was taken in or copied from", |x, _| Cell::text(x.s.source_region())),
    SnapshotC::text("storage_type", "The storage type", |x, _| Cell::text(x.s.storage_type())),
    SnapshotC::text("tde_credential_arn", "The TDE key store credential", |x, _| Cell::text(x.s.tde_credential_arn())),
    SnapshotC::text("timezone", "The time zone", |x, _| Cell::text(x.s.timezone())),
    SnapshotC::text("vpc_id", "The instance's VPC", |x, _| Cell::text(x.s.vpc_id())),
    SnapshotC::json("db_snapshot_attributes", SNAPSHOT_ATTRIBUTES, |x, _| json_cell(x.shared.clone())),
    SnapshotC::json("processor_features", "CPU cores and threads per core: [{\"Name\", \"Value\"}]", |x, _| processors(x.s.processor_features())),
    SnapshotC::common(Column::TAGS_SRC, |x, _| tags_src(x.s.tag_list())),
    SnapshotC::common(Column::TAGS, |x, _| tags_of(x.s.tag_list())),
    SnapshotC::common(Column::TITLE, |x, _| Cell::Text(x.name.clone())),
    SnapshotC::common(Column::AKAS, |x, _| x.arn.clone().map_or(Cell::Null, |a| Cell::json(json!([a])))),
    SnapshotC::partition(),
];

pub(super) const SNAPSHOTS: TableDef = TableDef {
    name: "aws_rds_db_snapshot",
    scope: Scope::Regional,
    description: "RDS DB instance snapshots the account owns, with who may restore them",
    columns: &columns::columns::<Snapshot, { SNAPSHOTS_COLUMNS.len() }>(SNAPSHOTS_COLUMNS),
    actions: &[
        "rds:DescribeDBSnapshots",
        "rds:DescribeDBSnapshotAttributes",
    ],
    filled_by: "collect",
};

/// What is read of one row of `aws_rds_db_cluster_snapshot`.
struct ClusterSnapshot {
    s: aws_sdk_rds::types::DbClusterSnapshot,
    name: String,
    shared: Option<Value>,
    arn: Option<String>,
}

/// A column of `aws_rds_db_cluster_snapshot`.
type ClusterSnapshotC = Col<ClusterSnapshot>;

#[rustfmt::skip]
const CLUSTER_SNAPSHOTS_COLUMNS: &[Col<ClusterSnapshot>] = &[
    ClusterSnapshotC::text("db_cluster_snapshot_identifier", "The snapshot's identifier", |x, _| Cell::Text(x.name.clone())).required(),
    ClusterSnapshotC::text("arn", "The snapshot's ARN", |x, _| Cell::text(x.arn.as_deref())),
    ClusterSnapshotC::text("type", "manual, automated, ...", |x, _| Cell::text(x.s.snapshot_type())),
    ClusterSnapshotC::text("db_cluster_resource_id", "The source cluster's resource id", |x, _| Cell::text(x.s.db_cluster_resource_id())),
    ClusterSnapshotC::text("engine_mode", "The source cluster's engine mode", |x, _| Cell::text(x.s.engine_mode())),
    ClusterSnapshotC::text("snapshot_type", "manual, automated, ...", |x, _| Cell::text(x.s.snapshot_type())),
    ClusterSnapshotC::text("status", "Its status", |x, _| Cell::text(x.s.status())),
    ClusterSnapshotC::text("db_cluster_identifier", "The cluster it was taken from", |x, _| Cell::text(x.s.db_cluster_identifier())),
    ClusterSnapshotC::time("create_time", "When it was taken", |x, _| time(x.s.snapshot_create_time())),
    ClusterSnapshotC::int("allocated_storage", "Allocated storage, in GiB", |x, _| Cell::int(x.s.allocated_storage())),
    ClusterSnapshotC::time("cluster_create_time", "When the source cluster was created", |x, _| time(x.s.cluster_create_time())),
    ClusterSnapshotC::text("engine", "The database engine", |x, _| Cell::text(x.s.engine())),
    ClusterSnapshotC::text("engine_version", "The engine version", |x, _| Cell::text(x.s.engine_version())),
    ClusterSnapshotC::bool("iam_database_authentication_enabled", "Whether IAM database authentication was on", |x, _| Cell::bool(x.s.iam_database_authentication_enabled())),
    ClusterSnapshotC::text("kms_key_id", "The KMS key that encrypts it", |x, _| Cell::text(x.s.kms_key_id())),
    ClusterSnapshotC::text("license_model", "The license model", |x, _| Cell::text(x.s.license_model())),
    ClusterSnapshotC::text("master_user_name", "The master user's name", |x, _| Cell::text(x.s.master_username())),
    ClusterSnapshotC::int("percent_progress", "How much has been copied, %", |x, _| Cell::int(x.s.percent_progress())),
    ClusterSnapshotC::int("port", "The port the cluster listened on", |x, _| Cell::int(x.s.port())),
    ClusterSnapshotC::text("source_db_cluster_snapshot_arn", "The snapshot it was copied from", |x, _| Cell::text(x.s.source_db_cluster_snapshot_arn())),
    ClusterSnapshotC::bool("storage_encrypted", "Whether it is encrypted", |x, _| Cell::bool(x.s.storage_encrypted())),
    ClusterSnapshotC::text("vpc_id", "The cluster's VPC", |x, _| Cell::text(x.s.vpc_id())),
    ClusterSnapshotC::json("availability_zones", "Zones it can be restored into", |x, _| strings(x.s.availability_zones())),
    ClusterSnapshotC::json("db_cluster_snapshot_attributes", SNAPSHOT_ATTRIBUTES, |x, _| json_cell(x.shared.clone())),
    ClusterSnapshotC::common(Column::TAGS_SRC, |x, _| tags_src(x.s.tag_list())),
    ClusterSnapshotC::common(Column::TAGS, |x, _| tags_of(x.s.tag_list())),
    ClusterSnapshotC::common(Column::TITLE, |x, _| Cell::Text(x.name.clone())),
    ClusterSnapshotC::common(Column::AKAS, |x, _| x.arn.clone().map_or(Cell::Null, |a| Cell::json(json!([a])))),
    ClusterSnapshotC::partition(),
];

pub(super) const CLUSTER_SNAPSHOTS: TableDef = TableDef {
    name: "aws_rds_db_cluster_snapshot",
    scope: Scope::Regional,
    description: "RDS and Aurora DB cluster snapshots the account owns, with who may restore them",
    columns: &columns::columns::<ClusterSnapshot, { CLUSTER_SNAPSHOTS_COLUMNS.len() }>(
        CLUSTER_SNAPSHOTS_COLUMNS,
    ),
    actions: &[
        "rds:DescribeDBClusterSnapshots",
        "rds:DescribeDBClusterSnapshotAttributes",
    ],
    filled_by: "collect",
};

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
    let rows = crate::collectors::for_each_listed(listed, |s| {
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
            columns::row(
                SNAPSHOTS_COLUMNS,
                &Snapshot {
                    s,
                    name,
                    shared,
                    arn,
                },
                &columns::RowCtx { partition },
            )
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
    let rows = crate::collectors::for_each_listed(listed, |s| {
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
            columns::row(
                CLUSTER_SNAPSHOTS_COLUMNS,
                &ClusterSnapshot {
                    s,
                    name,
                    shared,
                    arn,
                },
                &columns::RowCtx { partition },
            )
        }
    })
    .await;
    Ok(vec![batch(&CLUSTER_SNAPSHOTS, rows)])
}

/// The collectors of this module, in the order `canopy tables` lists their tables.
pub(in crate::collectors) const COLLECTORS: &[Collector] = &[
    Collector::new(&[&SNAPSHOTS], |u| Box::pin(snapshots(u))),
    Collector::new(&[&CLUSTER_SNAPSHOTS], |u| Box::pin(cluster_snapshots(u))),
];
