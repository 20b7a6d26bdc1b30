//! EFS file systems: DescribeFileSystems, then per file system its resource policy.

use aws_sdk_efs::Client;
use canopy_model::inventory::{Batch, Cell};
use canopy_model::table::{Column, ColumnType};
use serde_json::{Value, json};

use super::{Unit, json_cell, policy_cells, tags_of, tags_src, time, time_text};
use crate::error::AwsError;

/// What is read of one row of `aws_efs_file_system`.
struct FileSystem {
    f: aws_sdk_efs::types::FileSystemDescription,
    id: String,
    arn: String,
    policy: Cell,
    policy_std: Cell,
    backups: String,
    size: Option<Value>,
}

table! {
    FILE_SYSTEMS: FileSystem = Regional "aws_efs_file_system"
        ["elasticfilesystem:DescribeFileSystems", "elasticfilesystem:DescribeFileSystemPolicy"],
        "EFS file systems, with their resource policy, encryption and automatic backups";
    C::text("name", "Its Name tag", |x, _| Cell::text(x.f.name())),
    C::text("file_system_id", "The file system's id", |x, _| Cell::Text(x.id.clone())).required(),
    C::text("arn", "The file system's ARN", |x, _| Cell::Text(x.arn.clone())),
    C::text("owner_id", "The account that created it", |x, _| Cell::Text(x.f.owner_id().to_owned())),
    C::text("creation_token", "The idempotency token it was created with", |x, _| Cell::Text(x.f.creation_token().to_owned())),
    C::time("creation_time", "When it was created", |x, _| time(Some(x.f.creation_time()))),
    C::text("automatic_backups", "enabled or disabled (its aws:elasticfilesystem:default-backup tag)", |x, _| Cell::Text(x.backups.to_owned())),
    C::text("life_cycle_state", "Its lifecycle state (available, ...)", |x, _| Cell::Text(x.f.life_cycle_state().as_str().to_owned())),
    C::text("availability_zone_id", "Its zone id (One Zone file systems)", |x, _| Cell::text(x.f.availability_zone_id())),
    C::text("availability_zone_name", "Its zone (One Zone file systems)", |x, _| Cell::text(x.f.availability_zone_name())),
    C::text("replication_overwrite_protection", "ENABLED, DISABLED or REPLICATING", |x, _| Cell::variant(x.f.file_system_protection().and_then(|p| p.replication_overwrite_protection()))),
    C::int("number_of_mount_targets", "Its mount targets", |x, _| Cell::int(Some(x.f.number_of_mount_targets()))),
    C::text("performance_mode", "generalPurpose or maxIO", |x, _| Cell::Text(x.f.performance_mode().as_str().to_owned())),
    C::bool("encrypted", "Whether it is encrypted at rest", |x, _| Cell::bool(x.f.encrypted())),
    C::text("kms_key_id", "The KMS key that encrypts it", |x, _| Cell::text(x.f.kms_key_id())),
    C::text("throughput_mode", "bursting, provisioned or elastic", |x, _| Cell::variant(x.f.throughput_mode())),
    C::new("provisioned_throughput_in_mibps", ColumnType::Double, "Provisioned throughput, MiB/s", |x, _| x.f.provisioned_throughput_in_mibps().map_or(Cell::Null, Cell::Double)),
    C::json("size_in_bytes", "Its metered size: {\"Value\", \"Timestamp\", \"ValueInIA\", \"ValueInStandard\", \"ValueInArchive\"}", |x, _| json_cell(x.size.clone())),
    C::json("policy", "Its file system policy, as JSON", |x, _| x.policy.clone()),
    C::json("policy_std", "The file system policy in Steampipe's canonical form (lists sorted, actions and condition keys lower-cased)", |x, _| x.policy_std.clone()),
    C::common(Column::TAGS_SRC, |x, _| tags_src(x.f.tags().iter())),
    C::common(Column::TITLE, |x, _| Cell::Text(x.f.name().unwrap_or(&x.id).to_owned())),
    C::common(Column::TAGS, |x, _| tags_of(x.f.tags().iter())),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
}

pub(super) async fn file_systems(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.client(Client::new);
    let listed = unit
        .list(
            "elasticfilesystem:DescribeFileSystems",
            |marker| {
                client
                    .describe_file_systems()
                    .max_items(100)
                    .set_marker(marker)
                    .send()
            },
            |out| out.next_marker(),
            |out| out.file_systems.unwrap_or_default(),
        )
        .await?;
    let absent: &[&str] = &["PolicyNotFound", "FileSystemNotFound"];
    FILE_SYSTEMS
        .each_listed(unit, listed, |f| {
            let client = &client;
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
                let backups = f
                    .tags()
                    .iter()
                    .find(|t| t.key() == "aws:elasticfilesystem:default-backup")
                    .map_or("disabled", |t| t.value())
                    .to_owned();
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
                FileSystem {
                    f,
                    id,
                    arn,
                    policy,
                    policy_std,
                    backups,
                    size,
                }
            }
        })
        .await
}

collectors! {
    file_systems: FILE_SYSTEMS;
}
