//! EFS file systems: DescribeFileSystems, then per file system its resource policy.

use aws_sdk_efs::Client;
use canopy_model::inventory::{Batch, Cell, Row};
use canopy_model::table::{Column, ColumnType, Scope, TableDef};
use serde_json::json;

use super::{Unit, batch, json_cell, policy_cells, tags_of, tags_src, time, time_text};
use crate::error::AwsError;

pub(super) const FILE_SYSTEMS: TableDef = TableDef {
    name: "aws_efs_file_system",
    scope: Scope::Regional,
    description: "EFS file systems, with their resource policy, encryption and automatic backups",
    columns: &[
        Column::text("name", "Its Name tag"),
        Column::text("file_system_id", "The file system's id").required(),
        Column::text("arn", "The file system's ARN"),
        Column::text("owner_id", "The account that created it"),
        Column::text(
            "creation_token",
            "The idempotency token it was created with",
        ),
        Column::time("creation_time", "When it was created"),
        Column::text(
            "automatic_backups",
            "enabled or disabled (its aws:elasticfilesystem:default-backup tag)",
        ),
        Column::text("life_cycle_state", "Its lifecycle state (available, ...)"),
        Column::text(
            "availability_zone_id",
            "Its zone id (One Zone file systems)",
        ),
        Column::text("availability_zone_name", "Its zone (One Zone file systems)"),
        Column::text(
            "replication_overwrite_protection",
            "ENABLED, DISABLED or REPLICATING",
        ),
        Column::int("number_of_mount_targets", "Its mount targets"),
        Column::text("performance_mode", "generalPurpose or maxIO"),
        Column::bool("encrypted", "Whether it is encrypted at rest"),
        Column::text("kms_key_id", "The KMS key that encrypts it"),
        Column::text("throughput_mode", "bursting, provisioned or elastic"),
        Column::new(
            "provisioned_throughput_in_mibps",
            ColumnType::Double,
            "Provisioned throughput, MiB/s",
        ),
        Column::json(
            "size_in_bytes",
            "Its metered size: {\"Value\", \"Timestamp\", \"ValueInIA\", \"ValueInStandard\", \"ValueInArchive\"}",
        ),
        Column::json("policy", "Its file system policy, as JSON"),
        Column::json(
            "policy_std",
            "The file system policy in Steampipe's canonical form (lists sorted, actions and condition keys lower-cased)",
        ),
        Column::TAGS_SRC,
        Column::TITLE,
        Column::TAGS,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &[
        "elasticfilesystem:DescribeFileSystems",
        "elasticfilesystem:DescribeFileSystemPolicy",
    ],
    filled_by: "collect",
};

pub(super) async fn file_systems(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.session.client(unit.region, Client::new);
    let mut listed = Vec::new();
    unit.paginate(
        "elasticfilesystem:DescribeFileSystems",
        |marker| {
            client
                .describe_file_systems()
                .max_items(100)
                .set_marker(marker)
                .send()
        },
        |out| out.next_marker(),
        |out| listed.extend(out.file_systems().iter().cloned()),
    )
    .await?;
    let partition = unit.partition();
    let absent: &[&str] = &["PolicyNotFound", "FileSystemNotFound"];
    let rows = super::for_each_listed(listed, |f| {
        let client = &client;
        let partition = &partition;
        async move {
            let id = f.file_system_id().to_owned();
            let policy = unit
                .detail(
                    unit.region,
                    "elasticfilesystem:DescribeFileSystemPolicy",
                    &id,
                    absent,
                    || {
                        client
                            .describe_file_system_policy()
                            .file_system_id(&id)
                            .send()
                    },
                )
                .await
                .found();
            let (policy, policy_std) = policy_cells(policy.as_ref().and_then(|p| p.policy()));
            let pairs = || f.tags().iter().map(|t| (Some(t.key()), Some(t.value())));
            let backups = f
                .tags()
                .iter()
                .find(|t| t.key() == "aws:elasticfilesystem:default-backup")
                .map_or("disabled", |t| t.value());
            let size = f.size_in_bytes().map(|s| {
                json!({
                    "Timestamp": time_text(s.timestamp()),
                    "Value": s.value(),
                    "ValueInArchive": s.value_in_archive(),
                    "ValueInIA": s.value_in_ia(),
                    "ValueInStandard": s.value_in_standard(),
                })
            });
            let arn = f.file_system_arn().map_or_else(
                || unit.arn("elasticfilesystem", &format!("file-system/{id}")),
                str::to_owned,
            );
            Row::default()
                .with("name", Cell::text(f.name()))
                .with("file_system_id", Cell::Text(id.clone()))
                .with("arn", Cell::Text(arn.clone()))
                .with("owner_id", Cell::Text(f.owner_id().to_owned()))
                .with("creation_token", Cell::Text(f.creation_token().to_owned()))
                .with("creation_time", time(Some(f.creation_time())))
                .with("automatic_backups", Cell::Text(backups.to_owned()))
                .with(
                    "life_cycle_state",
                    Cell::Text(f.life_cycle_state().as_str().to_owned()),
                )
                .with("availability_zone_id", Cell::text(f.availability_zone_id()))
                .with(
                    "availability_zone_name",
                    Cell::text(f.availability_zone_name()),
                )
                .with(
                    "replication_overwrite_protection",
                    Cell::text(
                        f.file_system_protection()
                            .and_then(|p| p.replication_overwrite_protection())
                            .map(|p| p.as_str()),
                    ),
                )
                .with(
                    "number_of_mount_targets",
                    Cell::int(Some(f.number_of_mount_targets())),
                )
                .with(
                    "performance_mode",
                    Cell::Text(f.performance_mode().as_str().to_owned()),
                )
                .with("encrypted", Cell::bool(f.encrypted()))
                .with("kms_key_id", Cell::text(f.kms_key_id()))
                .with(
                    "throughput_mode",
                    Cell::text(f.throughput_mode().map(|m| m.as_str())),
                )
                .with(
                    "provisioned_throughput_in_mibps",
                    f.provisioned_throughput_in_mibps()
                        .map_or(Cell::Null, Cell::Double),
                )
                .with("size_in_bytes", json_cell(size))
                .with("policy", policy)
                .with("policy_std", policy_std)
                .with("tags_src", tags_src(pairs()))
                .with("title", Cell::Text(f.name().unwrap_or(&id).to_owned()))
                .with("tags", tags_of(pairs()))
                .with("akas", Cell::json(json!([arn])))
                .with("partition", partition.clone())
        }
    })
    .await;
    Ok(vec![batch(&FILE_SYSTEMS, rows)])
}
