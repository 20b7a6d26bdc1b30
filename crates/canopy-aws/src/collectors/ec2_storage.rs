//! EBS volumes and snapshots, and AMIs: the account's own (snapshots and images owned by the
//! account, not the public catalogue), each with the one attribute its listing leaves out —
//! a volume's auto-enable-IO and product codes, who may create volumes from a snapshot, who may
//! launch an image (the public-sharing questions security teams ask).

use aws_sdk_ec2::types::{
    BlockDeviceMapping, ImageAttributeName, ProductCode, SnapshotAttributeName, VolumeAttributeName,
};
use canopy_model::inventory::{Batch, Cell, Row};
use canopy_model::table::{Column, Scope, TableDef};
use serde_json::{Value, json};

use super::ec2::{client, name_or};
use super::{Unit, batch, time, time_text};
use crate::error::AwsError;

pub(super) const VOLUMES: TableDef = TableDef {
    name: "aws_ebs_volume",
    scope: Scope::Regional,
    description: "EBS volumes, with their attachments and encryption",
    columns: &[
        Column::text("volume_id", "The volume").required(),
        Column::text("arn", "The ARN"),
        Column::text("volume_type", "gp3, gp2, io2, io1, st1, sc1 or standard"),
        Column::text(
            "state",
            "creating, available, in-use, deleting, deleted or error",
        ),
        Column::time("create_time", "When it was created"),
        Column::bool(
            "auto_enable_io",
            "Whether I/O resumes by itself after a consistency check (DescribeVolumeAttribute)",
        ),
        Column::text("availability_zone", "The Availability Zone"),
        Column::bool("encrypted", "Whether it is encrypted"),
        Column::bool(
            "fast_restored",
            "Whether it was created from a fast snapshot restore",
        ),
        Column::int("iops", "Provisioned IOPS"),
        Column::int("throughput", "Throughput in MiB/s"),
        Column::text("kms_key_id", "The KMS key that encrypts it"),
        Column::bool("multi_attach_enabled", "Whether Multi-Attach is on"),
        Column::text("outpost_arn", "The Outpost"),
        Column::int("size", "Size in GiB"),
        Column::text("snapshot_id", "The snapshot it was created from"),
        Column::json(
            "attachments",
            "Attachments: [{\"InstanceId\", \"Device\", \"State\", \"AttachTime\", \"DeleteOnTermination\", \"VolumeId\"}]",
        ),
        Column::json("product_codes", "Product codes (DescribeVolumeAttribute)"),
        Column::TAGS_SRC,
        Column::TAGS,
        Column::TITLE,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &["ec2:DescribeVolumes", "ec2:DescribeVolumeAttribute"],
    filled_by: "collect",
};

pub(super) const SNAPSHOTS: TableDef = TableDef {
    name: "aws_ebs_snapshot",
    scope: Scope::Regional,
    description: "EBS snapshots the account owns, with who may create volumes from them",
    columns: &[
        Column::text("snapshot_id", "The snapshot").required(),
        Column::text("arn", "The ARN"),
        Column::text(
            "state",
            "pending, completed, error, recoverable or recovering",
        ),
        Column::int("volume_size", "The volume's size in GiB"),
        Column::text("volume_id", "The volume it was taken from"),
        Column::int("full_snapshot_size_in_bytes", "The full size in bytes"),
        Column::bool("encrypted", "Whether it is encrypted"),
        Column::time("start_time", "When it was started"),
        Column::time("restore_expiry_time", "When a restored archive expires"),
        Column::text("description", "The description"),
        Column::text("outpost_arn", "The Outpost"),
        Column::text("storage_tier", "standard or archive"),
        Column::text("kms_key_id", "The KMS key that encrypts it"),
        Column::text("data_encryption_key_id", "The data encryption key"),
        Column::text("progress", "Progress, as a percentage"),
        Column::text("state_message", "Why it failed, when it did"),
        Column::text("owner_alias", "The owner's alias (amazon, ...)"),
        Column::text("owner_id", "The owning account"),
        Column::json(
            "create_volume_permissions",
            "Who may create volumes from it: [{\"UserId\"}] or [{\"Group\": \"all\"}] when public (DescribeSnapshotAttribute)",
        ),
        Column::TAGS_SRC,
        Column::TITLE,
        Column::TAGS,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &["ec2:DescribeSnapshots", "ec2:DescribeSnapshotAttribute"],
    filled_by: "collect",
};

pub(super) const IMAGES: TableDef = TableDef {
    name: "aws_ec2_ami",
    scope: Scope::Regional,
    description: "AMIs the account owns, with who may launch them",
    columns: &[
        Column::text("name", "The image's name"),
        Column::text("image_id", "The image").required(),
        Column::text(
            "state",
            "pending, available, invalid, deregistered, transient, failed or error",
        ),
        Column::text("image_type", "machine, kernel or ramdisk"),
        Column::text("image_location", "Where it was registered from"),
        Column::text("boot_mode", "legacy-bios, uefi or uefi-preferred"),
        Column::text("source_instance_id", "The instance it was made from"),
        Column::text("tpm_support", "NitroTPM support"),
        Column::time("creation_date", "When it was created"),
        Column::time("deprecation_time", "When it is deprecated"),
        Column::text("architecture", "The architecture"),
        Column::text(
            "deregistration_protection",
            "Whether deregistration protection is on",
        ),
        Column::text("description", "The description"),
        Column::bool("ena_support", "Whether enhanced networking with ENA is on"),
        Column::bool("free_tier_eligible", "Whether it is Free Tier eligible"),
        Column::text("hypervisor", "ovm or xen"),
        Column::bool("image_allowed", "Whether Allowed AMIs permits it"),
        Column::text("image_owner_alias", "The owner's alias"),
        Column::text(
            "imds_support",
            "v2.0 when instances launched from it require IMDSv2",
        ),
        Column::text("kernel_id", "The kernel"),
        Column::time(
            "last_launched_time",
            "When it was last used to launch an instance",
        ),
        Column::text("owner_id", "The owning account"),
        Column::text("platform", "windows, or null for Linux"),
        Column::text("platform_details", "The platform details"),
        Column::bool("public", "Whether anyone may launch it"),
        Column::text("ramdisk_id", "The RAM disk"),
        Column::text("root_device_name", "The root device"),
        Column::text("root_device_type", "ebs or instance-store"),
        Column::text("source_image_id", "The image it was copied from"),
        Column::text(
            "source_image_region",
            "The region of the image it was copied from",
        ),
        Column::text(
            "sriov_net_support",
            "Enhanced networking with the Intel VF interface",
        ),
        Column::text("usage_operation", "The billing usage operation"),
        Column::text("virtualization_type", "hvm or paravirtual"),
        Column::json("block_device_mappings", "Block device mappings"),
        Column::json("product_codes", "Product codes"),
        Column::json(
            "state_reason",
            "Why the state changed: {\"Code\", \"Message\"}",
        ),
        Column::json(
            "launch_permissions",
            "Who may launch it: [{\"UserId\"}], [{\"Group\": \"all\"}], organizations and OUs (DescribeImageAttribute)",
        ),
        Column::TAGS_SRC,
        Column::TITLE,
        Column::TAGS,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &["ec2:DescribeImages", "ec2:DescribeImageAttribute"],
    filled_by: "collect",
};

fn product_codes(codes: &[ProductCode]) -> Cell {
    Cell::json(Value::Array(
        codes
            .iter()
            .map(|p| {
                json!({
                    "ProductCodeId": p.product_code_id(),
                    "ProductCodeType": p.product_code_type().map(|t| t.as_str()),
                })
            })
            .collect(),
    ))
}

/// An EC2 time AWS sends as text (`2026-01-15T10:00:00.000Z`), as RFC 3339 seconds.
fn text_time(text: Option<&str>) -> Cell {
    match text.and_then(canopy_model::parse_time) {
        Some(at) => Cell::Text(canopy_model::format_time(at)),
        None => Cell::text(text),
    }
}

pub(super) async fn volumes(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = client(&unit);
    let mut listed = Vec::new();
    unit.paginate(
        "ec2:DescribeVolumes",
        |token| {
            client
                .describe_volumes()
                .max_results(500)
                .set_next_token(token)
                .send()
        },
        |out| out.next_token(),
        |out| listed.extend(out.volumes().iter().cloned()),
    )
    .await?;
    let partition = unit.partition();
    let rows: Vec<Row> = super::for_each_listed(listed, |v| {
        let client = &client;
        let partition = &partition;
        async move {
            let id = v.volume_id().unwrap_or_default().to_owned();
            let (auto_io, codes) = tokio::join!(
                unit.detail(unit.region, "ec2:DescribeVolumeAttribute", &id, &[], || {
                    client
                        .describe_volume_attribute()
                        .volume_id(&id)
                        .attribute(VolumeAttributeName::AutoEnableIo)
                        .send()
                }),
                unit.detail(unit.region, "ec2:DescribeVolumeAttribute", &id, &[], || {
                    client
                        .describe_volume_attribute()
                        .volume_id(&id)
                        .attribute(VolumeAttributeName::ProductCodes)
                        .send()
                }),
            );
            let arn = unit.arn("ec2", &format!("volume/{id}"));
            let row = Row::with_capacity(VOLUMES.columns.len())
                .with("volume_id", Cell::Text(id.clone()))
                .with("arn", Cell::Text(arn.clone()))
                .with(
                    "volume_type",
                    Cell::text(v.volume_type().map(|t| t.as_str())),
                )
                .with("state", Cell::text(v.state().map(|s| s.as_str())))
                .with("create_time", time(v.create_time()))
                .with(
                    "auto_enable_io",
                    Cell::bool(
                        auto_io
                            .found()
                            .and_then(|o| o.auto_enable_io().and_then(|a| a.value())),
                    ),
                )
                .with("availability_zone", Cell::text(v.availability_zone()))
                .with("encrypted", Cell::bool(v.encrypted()))
                .with("fast_restored", Cell::bool(v.fast_restored()))
                .with("iops", Cell::int(v.iops()))
                .with("throughput", Cell::int(v.throughput()))
                .with("kms_key_id", Cell::text(v.kms_key_id()))
                .with("multi_attach_enabled", Cell::bool(v.multi_attach_enabled()))
                .with("outpost_arn", Cell::text(v.outpost_arn()))
                .with("size", Cell::int(v.size()))
                .with(
                    "snapshot_id",
                    Cell::text(v.snapshot_id().filter(|s| !s.is_empty())),
                )
                .with(
                    "attachments",
                    Cell::json(Value::Array(
                        v.attachments()
                            .iter()
                            .map(|a| {
                                json!({
                                    "AttachTime": time_text(a.attach_time()),
                                    "DeleteOnTermination": a.delete_on_termination(),
                                    "Device": a.device(),
                                    "InstanceId": a.instance_id(),
                                    "State": a.state().map(|s| s.as_str()),
                                    "VolumeId": a.volume_id(),
                                })
                            })
                            .collect(),
                    )),
                )
                .with(
                    "product_codes",
                    codes
                        .found()
                        .map_or(Cell::Null, |o| product_codes(o.product_codes())),
                );
            let pairs = || v.tags().iter().map(|t| (t.key(), t.value()));
            row.with("tags_src", super::tags_src(pairs()))
                .with("tags", super::tags_of(pairs()))
                .with("title", Cell::Text(name_or(v.tags(), &id).to_owned()))
                .with("akas", Cell::json(json!([arn])))
                .with("partition", partition.clone())
        }
    })
    .await;
    Ok(vec![batch(&VOLUMES, rows)])
}

pub(super) async fn snapshots(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = client(&unit);
    let mut listed = Vec::new();
    unit.paginate(
        "ec2:DescribeSnapshots",
        |token| {
            client
                .describe_snapshots()
                .owner_ids("self")
                .max_results(1000)
                .set_next_token(token)
                .send()
        },
        |out| out.next_token(),
        |out| listed.extend(out.snapshots().iter().cloned()),
    )
    .await?;
    let partition = unit.partition();
    let rows: Vec<Row> = super::for_each_listed(listed, |s| {
        let client = &client;
        let partition = &partition;
        async move {
            let id = s.snapshot_id().unwrap_or_default().to_owned();
            let permissions = unit
                .detail(
                    unit.region,
                    "ec2:DescribeSnapshotAttribute",
                    &id,
                    &[],
                    || {
                        client
                            .describe_snapshot_attribute()
                            .snapshot_id(&id)
                            .attribute(SnapshotAttributeName::CreateVolumePermission)
                            .send()
                    },
                )
                .await
                .found()
                .map_or(Cell::Null, |o| {
                    Cell::json(Value::Array(
                        o.create_volume_permissions()
                            .iter()
                            .map(|p| {
                                json!({
                                    "Group": p.group().map(|g| g.as_str()),
                                    "UserId": p.user_id(),
                                })
                            })
                            .collect(),
                    ))
                });
            let arn = unit.arn("ec2", &format!("snapshot/{id}"));
            let pairs = || s.tags().iter().map(|t| (t.key(), t.value()));
            Row::default()
                .with("snapshot_id", Cell::Text(id.clone()))
                .with("arn", Cell::Text(arn.clone()))
                .with("state", Cell::text(s.state().map(|x| x.as_str())))
                .with("volume_size", Cell::int(s.volume_size()))
                .with("volume_id", Cell::text(s.volume_id()))
                .with(
                    "full_snapshot_size_in_bytes",
                    Cell::int(s.full_snapshot_size_in_bytes()),
                )
                .with("encrypted", Cell::bool(s.encrypted()))
                .with("start_time", time(s.start_time()))
                .with("restore_expiry_time", time(s.restore_expiry_time()))
                .with("description", Cell::text(s.description()))
                .with("outpost_arn", Cell::text(s.outpost_arn()))
                .with(
                    "storage_tier",
                    Cell::text(s.storage_tier().map(|t| t.as_str())),
                )
                .with("kms_key_id", Cell::text(s.kms_key_id()))
                .with(
                    "data_encryption_key_id",
                    Cell::text(s.data_encryption_key_id()),
                )
                .with("progress", Cell::text(s.progress()))
                .with("state_message", Cell::text(s.state_message()))
                .with("owner_alias", Cell::text(s.owner_alias()))
                .with("owner_id", Cell::text(s.owner_id()))
                .with("create_volume_permissions", permissions)
                .with("tags_src", super::tags_src(pairs()))
                .with("title", Cell::Text(id.clone()))
                .with("tags", super::tags_of(pairs()))
                .with("akas", Cell::json(json!([arn])))
                .with("partition", partition.clone())
        }
    })
    .await;
    Ok(vec![batch(&SNAPSHOTS, rows)])
}

fn block_devices(mappings: &[BlockDeviceMapping]) -> Cell {
    Cell::json(Value::Array(
        mappings
            .iter()
            .map(|b| {
                json!({
                    "DeviceName": b.device_name(),
                    "Ebs": b.ebs().map(|e| json!({
                        "DeleteOnTermination": e.delete_on_termination(),
                        "Encrypted": e.encrypted(),
                        "Iops": e.iops(),
                        "KmsKeyId": e.kms_key_id(),
                        "SnapshotId": e.snapshot_id(),
                        "Throughput": e.throughput(),
                        "VolumeSize": e.volume_size(),
                        "VolumeType": e.volume_type().map(|v| v.as_str()),
                    })),
                    "NoDevice": b.no_device(),
                    "VirtualName": b.virtual_name(),
                })
            })
            .collect(),
    ))
}

pub(super) async fn images(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = client(&unit);
    let mut listed = Vec::new();
    unit.paginate(
        "ec2:DescribeImages",
        |token| {
            client
                .describe_images()
                .owners("self")
                .max_results(1000)
                .set_next_token(token)
                .send()
        },
        |out| out.next_token(),
        |out| listed.extend(out.images().iter().cloned()),
    )
    .await?;
    let partition = unit.partition();
    let rows: Vec<Row> = super::for_each_listed(listed, |i| {
        let client = &client;
        let partition = &partition;
        async move {
            let id = i.image_id().unwrap_or_default().to_owned();
            let launch = unit
                .detail(unit.region, "ec2:DescribeImageAttribute", &id, &[], || {
                    client
                        .describe_image_attribute()
                        .image_id(&id)
                        .attribute(ImageAttributeName::LaunchPermission)
                        .send()
                })
                .await
                .found()
                .map_or(Cell::Null, |o| {
                    Cell::json(Value::Array(
                        o.launch_permissions()
                            .iter()
                            .map(|p| {
                                json!({
                                    "Group": p.group().map(|g| g.as_str()),
                                    "OrganizationArn": p.organization_arn(),
                                    "OrganizationalUnitArn": p.organizational_unit_arn(),
                                    "UserId": p.user_id(),
                                })
                            })
                            .collect(),
                    ))
                });
            let arn = unit.arn("ec2", &format!("image/{id}"));
            let pairs = || i.tags().iter().map(|t| (t.key(), t.value()));
            Row::default()
                .with("name", Cell::text(i.name()))
                .with("image_id", Cell::Text(id.clone()))
                .with("state", Cell::text(i.state().map(|s| s.as_str())))
                .with("image_type", Cell::text(i.image_type().map(|s| s.as_str())))
                .with("image_location", Cell::text(i.image_location()))
                .with("boot_mode", Cell::text(i.boot_mode().map(|s| s.as_str())))
                .with("source_instance_id", Cell::text(i.source_instance_id()))
                .with(
                    "tpm_support",
                    Cell::text(i.tpm_support().map(|s| s.as_str())),
                )
                .with("creation_date", text_time(i.creation_date()))
                .with("deprecation_time", text_time(i.deprecation_time()))
                .with(
                    "architecture",
                    Cell::text(i.architecture().map(|s| s.as_str())),
                )
                .with(
                    "deregistration_protection",
                    Cell::text(i.deregistration_protection()),
                )
                .with("description", Cell::text(i.description()))
                .with("ena_support", Cell::bool(i.ena_support()))
                .with("free_tier_eligible", Cell::bool(i.free_tier_eligible()))
                .with("hypervisor", Cell::text(i.hypervisor().map(|s| s.as_str())))
                .with("image_allowed", Cell::bool(i.image_allowed()))
                .with("image_owner_alias", Cell::text(i.image_owner_alias()))
                .with(
                    "imds_support",
                    Cell::text(i.imds_support().map(|s| s.as_str())),
                )
                .with("kernel_id", Cell::text(i.kernel_id()))
                .with("last_launched_time", text_time(i.last_launched_time()))
                .with("owner_id", Cell::text(i.owner_id()))
                .with("platform", Cell::text(i.platform().map(|s| s.as_str())))
                .with("platform_details", Cell::text(i.platform_details()))
                .with("public", Cell::bool(i.public()))
                .with("ramdisk_id", Cell::text(i.ramdisk_id()))
                .with("root_device_name", Cell::text(i.root_device_name()))
                .with(
                    "root_device_type",
                    Cell::text(i.root_device_type().map(|s| s.as_str())),
                )
                .with("source_image_id", Cell::text(i.source_image_id()))
                .with("source_image_region", Cell::text(i.source_image_region()))
                .with("sriov_net_support", Cell::text(i.sriov_net_support()))
                .with("usage_operation", Cell::text(i.usage_operation()))
                .with(
                    "virtualization_type",
                    Cell::text(i.virtualization_type().map(|s| s.as_str())),
                )
                .with(
                    "block_device_mappings",
                    block_devices(i.block_device_mappings()),
                )
                .with("product_codes", product_codes(i.product_codes()))
                .with(
                    "state_reason",
                    i.state_reason().map_or(Cell::Null, |r| {
                        Cell::json(json!({"Code": r.code(), "Message": r.message()}))
                    }),
                )
                .with("launch_permissions", launch)
                .with("tags_src", super::tags_src(pairs()))
                .with("title", Cell::Text(i.name().unwrap_or(&id).to_owned()))
                .with("tags", super::tags_of(pairs()))
                .with("akas", Cell::json(json!([arn])))
                .with("partition", partition.clone())
        }
    })
    .await;
    Ok(vec![batch(&IMAGES, rows)])
}
