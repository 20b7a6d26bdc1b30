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

use super::{client, name_or};
use crate::collectors::Collector;
use crate::collectors::columns::{self, Col};
use crate::collectors::{Unit, batch, time, time_text};
use crate::error::AwsError;

/// What is read of one row of `aws_ebs_volume`.
struct Volume {
    v: aws_sdk_ec2::types::Volume,
    id: String,
    auto_io: Option<bool>,
    codes: Cell,
    arn: String,
}

/// A column of `aws_ebs_volume`.
type VolumeC = Col<Volume>;

#[rustfmt::skip]
const VOLUMES_COLUMNS: &[Col<Volume>] = &[
    VolumeC::text("volume_id", "The volume", |x, _| Cell::Text(x.id.clone())).required(),
    VolumeC::text("arn", "The ARN", |x, _| Cell::Text(x.arn.clone())),
    VolumeC::text("volume_type", "gp3, gp2, io2, io1, st1, sc1 or standard", |x, _| Cell::text(x.v.volume_type().map(|t| t.as_str()))),
    VolumeC::text("state", "creating, available, in-use, deleting, deleted or error", |x, _| Cell::text(x.v.state().map(|s| s.as_str()))),
    VolumeC::time("create_time", "When it was created", |x, _| time(x.v.create_time())),
    VolumeC::bool("auto_enable_io", "Whether I/O resumes by itself after a consistency check (DescribeVolumeAttribute)", |x, _| Cell::bool(x.auto_io)),
    VolumeC::text("availability_zone", "The Availability Zone", |x, _| Cell::text(x.v.availability_zone())),
    VolumeC::bool("encrypted", "Whether it is encrypted", |x, _| Cell::bool(x.v.encrypted())),
    VolumeC::bool("fast_restored", "Whether it was created from a fast snapshot restore", |x, _| Cell::bool(x.v.fast_restored())),
    VolumeC::int("iops", "Provisioned IOPS", |x, _| Cell::int(x.v.iops())),
    VolumeC::int("throughput", "Throughput in MiB/s", |x, _| Cell::int(x.v.throughput())),
    VolumeC::text("kms_key_id", "The KMS key that encrypts it", |x, _| Cell::text(x.v.kms_key_id())),
    VolumeC::bool("multi_attach_enabled", "Whether Multi-Attach is on", |x, _| Cell::bool(x.v.multi_attach_enabled())),
    VolumeC::text("outpost_arn", "The Outpost", |x, _| Cell::text(x.v.outpost_arn())),
    VolumeC::int("size", "Size in GiB", |x, _| Cell::int(x.v.size())),
    VolumeC::text("snapshot_id", "The snapshot it was created from", |x, _| Cell::text(x.v.snapshot_id().filter(|s| !s.is_empty()))),
    VolumeC::json("attachments", "Attachments: [{\"InstanceId\", \"Device\", \"State\", \"AttachTime\", \"DeleteOnTermination\", \"VolumeId\"}]", |x, _| Cell::json(Value::Array(
                    x.v.attachments()
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
                ))),
    VolumeC::json("product_codes", "Product codes (DescribeVolumeAttribute)", |x, _| x.codes.clone()),
    VolumeC::common(Column::TAGS_SRC, |x, _| crate::collectors::tags_src(x.v.tags().iter())),
    VolumeC::common(Column::TAGS, |x, _| crate::collectors::tags_of(x.v.tags().iter())),
    VolumeC::common(Column::TITLE, |x, _| Cell::Text(name_or(x.v.tags(), &x.id).to_owned())),
    VolumeC::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
    VolumeC::partition(),
];

pub(super) const VOLUMES: TableDef = TableDef {
    name: "aws_ebs_volume",
    scope: Scope::Regional,
    description: "EBS volumes, with their attachments and encryption",
    columns: &columns::columns::<Volume, { VOLUMES_COLUMNS.len() }>(VOLUMES_COLUMNS),
    actions: &["ec2:DescribeVolumes", "ec2:DescribeVolumeAttribute"],
    filled_by: "collect",
};

/// What is read of one row of `aws_ebs_snapshot`.
struct Snapshot {
    s: aws_sdk_ec2::types::Snapshot,
    id: String,
    permissions: Cell,
    arn: String,
}

/// A column of `aws_ebs_snapshot`.
type SnapshotC = Col<Snapshot>;

#[rustfmt::skip]
const SNAPSHOTS_COLUMNS: &[Col<Snapshot>] = &[
    SnapshotC::text("snapshot_id", "The snapshot", |x, _| Cell::Text(x.id.clone())).required(),
    SnapshotC::text("arn", "The ARN", |x, _| Cell::Text(x.arn.clone())),
    SnapshotC::text("state", "pending, completed, error, recoverable or recovering", |x, _| Cell::text(x.s.state().map(|x| x.as_str()))),
    SnapshotC::int("volume_size", "The volume's size in GiB", |x, _| Cell::int(x.s.volume_size())),
    SnapshotC::text("volume_id", "The volume it was taken from", |x, _| Cell::text(x.s.volume_id())),
    SnapshotC::int("full_snapshot_size_in_bytes", "The full size in bytes", |x, _| Cell::int(x.s.full_snapshot_size_in_bytes())),
    SnapshotC::bool("encrypted", "Whether it is encrypted", |x, _| Cell::bool(x.s.encrypted())),
    SnapshotC::time("start_time", "When it was started", |x, _| time(x.s.start_time())),
    SnapshotC::time("restore_expiry_time", "When a restored archive expires", |x, _| time(x.s.restore_expiry_time())),
    SnapshotC::text("description", "The description", |x, _| Cell::text(x.s.description())),
    SnapshotC::text("outpost_arn", "The Outpost", |x, _| Cell::text(x.s.outpost_arn())),
    SnapshotC::text("storage_tier", "standard or archive", |x, _| Cell::text(x.s.storage_tier().map(|t| t.as_str()))),
    SnapshotC::text("kms_key_id", "The KMS key that encrypts it", |x, _| Cell::text(x.s.kms_key_id())),
    SnapshotC::text("data_encryption_key_id", "The data encryption key", |x, _| Cell::text(x.s.data_encryption_key_id())),
    SnapshotC::text("progress", "Progress, as a percentage", |x, _| Cell::text(x.s.progress())),
    SnapshotC::text("state_message", "Why it failed, when it did", |x, _| Cell::text(x.s.state_message())),
    SnapshotC::text("owner_alias", "The owner's alias (amazon, ...)", |x, _| Cell::text(x.s.owner_alias())),
    SnapshotC::text("owner_id", "The owning account", |x, _| Cell::text(x.s.owner_id())),
    SnapshotC::json("create_volume_permissions", "Who may create volumes from it: [{\"UserId\"}] or [{\"Group\": \"all\"}] when public (DescribeSnapshotAttribute)", |x, _| x.permissions.clone()),
    SnapshotC::common(Column::TAGS_SRC, |x, _| crate::collectors::tags_src(x.s.tags().iter())),
    SnapshotC::common(Column::TITLE, |x, _| Cell::Text(x.id.clone())),
    SnapshotC::common(Column::TAGS, |x, _| crate::collectors::tags_of(x.s.tags().iter())),
    SnapshotC::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
    SnapshotC::partition(),
];

pub(super) const SNAPSHOTS: TableDef = TableDef {
    name: "aws_ebs_snapshot",
    scope: Scope::Regional,
    description: "EBS snapshots the account owns, with who may create volumes from them",
    columns: &columns::columns::<Snapshot, { SNAPSHOTS_COLUMNS.len() }>(SNAPSHOTS_COLUMNS),
    actions: &["ec2:DescribeSnapshots", "ec2:DescribeSnapshotAttribute"],
    filled_by: "collect",
};

/// What is read of one row of `aws_ec2_ami`.
struct Image {
    i: aws_sdk_ec2::types::Image,
    id: String,
    launch: Cell,
    arn: String,
}

/// A column of `aws_ec2_ami`.
type ImageC = Col<Image>;

#[rustfmt::skip]
const IMAGES_COLUMNS: &[Col<Image>] = &[
    ImageC::text("name", "The image's name", |x, _| Cell::text(x.i.name())),
    ImageC::text("image_id", "The image", |x, _| Cell::Text(x.id.clone())).required(),
    ImageC::text("state", "pending, available, invalid, deregistered, transient, failed or error", |x, _| Cell::text(x.i.state().map(|s| s.as_str()))),
    ImageC::text("image_type", "machine, kernel or ramdisk", |x, _| Cell::text(x.i.image_type().map(|s| s.as_str()))),
    ImageC::text("image_location", "Where it was registered from", |x, _| Cell::text(x.i.image_location())),
    ImageC::text("boot_mode", "legacy-bios, uefi or uefi-preferred", |x, _| Cell::text(x.i.boot_mode().map(|s| s.as_str()))),
    ImageC::text("source_instance_id", "The instance it was made from", |x, _| Cell::text(x.i.source_instance_id())),
    ImageC::text("tpm_support", "NitroTPM support", |x, _| Cell::text(x.i.tpm_support().map(|s| s.as_str()))),
    ImageC::time("creation_date", "When it was created", |x, _| text_time(x.i.creation_date())),
    ImageC::time("deprecation_time", "When it is deprecated", |x, _| text_time(x.i.deprecation_time())),
    ImageC::text("architecture", "The architecture", |x, _| Cell::text(x.i.architecture().map(|s| s.as_str()))),
    ImageC::text("deregistration_protection", "Whether deregistration protection is on", |x, _| Cell::text(x.i.deregistration_protection())),
    ImageC::text("description", "The description", |x, _| Cell::text(x.i.description())),
    ImageC::bool("ena_support", "Whether enhanced networking with ENA is on", |x, _| Cell::bool(x.i.ena_support())),
    ImageC::bool("free_tier_eligible", "Whether it is Free Tier eligible", |x, _| Cell::bool(x.i.free_tier_eligible())),
    ImageC::text("hypervisor", "ovm or xen", |x, _| Cell::text(x.i.hypervisor().map(|s| s.as_str()))),
    ImageC::bool("image_allowed", "Whether Allowed AMIs permits it", |x, _| Cell::bool(x.i.image_allowed())),
    ImageC::text("image_owner_alias", "The owner's alias", |x, _| Cell::text(x.i.image_owner_alias())),
    ImageC::text("imds_support", "v2.0 when instances launched from it require IMDSv2", |x, _| Cell::text(x.i.imds_support().map(|s| s.as_str()))),
    ImageC::text("kernel_id", "The kernel", |x, _| Cell::text(x.i.kernel_id())),
    ImageC::time("last_launched_time", "When it was last used to launch an instance", |x, _| text_time(x.i.last_launched_time())),
    ImageC::text("owner_id", "The owning account", |x, _| Cell::text(x.i.owner_id())),
    ImageC::text("platform", "windows, or null for Linux", |x, _| Cell::text(x.i.platform().map(|s| s.as_str()))),
    ImageC::text("platform_details", "The platform details", |x, _| Cell::text(x.i.platform_details())),
    ImageC::bool("public", "Whether anyone may launch it", |x, _| Cell::bool(x.i.public())),
    ImageC::text("ramdisk_id", "The RAM disk", |x, _| Cell::text(x.i.ramdisk_id())),
    ImageC::text("root_device_name", "The root device", |x, _| Cell::text(x.i.root_device_name())),
    ImageC::text("root_device_type", "ebs or instance-store", |x, _| Cell::text(x.i.root_device_type().map(|s| s.as_str()))),
    ImageC::text("source_image_id", "The image it was copied from", |x, _| Cell::text(x.i.source_image_id())),
    ImageC::text("source_image_region", "The region of the image it was copied from", |x, _| Cell::text(x.i.source_image_region())),
    ImageC::text("sriov_net_support", "Enhanced networking with the Intel VF interface", |x, _| Cell::text(x.i.sriov_net_support())),
    ImageC::text("usage_operation", "The billing usage operation", |x, _| Cell::text(x.i.usage_operation())),
    ImageC::text("virtualization_type", "hvm or paravirtual", |x, _| Cell::text(x.i.virtualization_type().map(|s| s.as_str()))),
    ImageC::json("block_device_mappings", "Block device mappings", |x, _| block_devices(x.i.block_device_mappings())),
    ImageC::json("product_codes", "Product codes", |x, _| product_codes(x.i.product_codes())),
    ImageC::json("state_reason", "Why the state changed: {\"Code\", \"Message\"}", |x, _| x.i.state_reason().map_or(Cell::Null, |r| { Cell::json(json!({"Code": r.code(), "Message": r.message()})) })),
    ImageC::json("launch_permissions", "Who may launch it: [{\"UserId\"}], [{\"Group\": \"all\"}], organizations and OUs (DescribeImageAttribute)", |x, _| x.launch.clone()),
    ImageC::common(Column::TAGS_SRC, |x, _| crate::collectors::tags_src(x.i.tags().iter())),
    ImageC::common(Column::TITLE, |x, _| Cell::Text(x.i.name().unwrap_or(&x.id).to_owned())),
    ImageC::common(Column::TAGS, |x, _| crate::collectors::tags_of(x.i.tags().iter())),
    ImageC::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
    ImageC::partition(),
];

pub(super) const IMAGES: TableDef = TableDef {
    name: "aws_ec2_ami",
    scope: Scope::Regional,
    description: "AMIs the account owns, with who may launch them",
    columns: &columns::columns::<Image, { IMAGES_COLUMNS.len() }>(IMAGES_COLUMNS),
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
    let rows: Vec<Row> = crate::collectors::for_each_listed(listed, |v| {
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
            let auto_io = auto_io
                .found()
                .and_then(|o| o.auto_enable_io().and_then(|a| a.value()));
            let codes = codes
                .found()
                .map_or(Cell::Null, |o| product_codes(o.product_codes()));
            columns::row(
                VOLUMES_COLUMNS,
                &Volume {
                    v,
                    id,
                    auto_io,
                    codes,
                    arn,
                },
                &columns::RowCtx { partition },
            )
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
    let rows: Vec<Row> = crate::collectors::for_each_listed(listed, |s| {
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
            columns::row(
                SNAPSHOTS_COLUMNS,
                &Snapshot {
                    s,
                    id,
                    permissions,
                    arn,
                },
                &columns::RowCtx { partition },
            )
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
    let rows: Vec<Row> = crate::collectors::for_each_listed(listed, |i| {
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
            columns::row(
                IMAGES_COLUMNS,
                &Image { i, id, launch, arn },
                &columns::RowCtx { partition },
            )
        }
    })
    .await;
    Ok(vec![batch(&IMAGES, rows)])
}

/// The collectors of this module, in the order `canopy tables` lists their tables.
pub(in crate::collectors) const COLLECTORS: &[Collector] = &[
    Collector::new(&[&VOLUMES], |u| Box::pin(volumes(u))),
    Collector::new(&[&SNAPSHOTS], |u| Box::pin(snapshots(u))),
    Collector::new(&[&IMAGES], |u| Box::pin(images(u))),
];
