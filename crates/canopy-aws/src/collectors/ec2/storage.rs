//! EBS volumes and snapshots, and AMIs: the account's own (snapshots and images owned by the
//! account, not the public catalogue), each with the one attribute its listing leaves out —
//! a volume's auto-enable-IO and product codes, who may create volumes from a snapshot, who may
//! launch an image (the public-sharing questions security teams ask).

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{
    BlockDeviceMapping, ImageAttributeName, ProductCode, SnapshotAttributeName, VolumeAttributeName,
};
use canopy_model::inventory::{Batch, Cell, Row};
use canopy_model::table::Column;
use serde_json::{Value, json};

use super::name_or;
use crate::collectors::{Unit, time, time_text};
use crate::error::AwsError;

/// What is read of one row of `aws_ebs_volume`.
struct Volume {
    v: aws_sdk_ec2::types::Volume,
    id: String,
    auto_io: Option<bool>,
    codes: Cell,
    arn: String,
}

table! {
    VOLUMES: Volume = Regional "aws_ebs_volume"
        ["ec2:DescribeVolumes", "ec2:DescribeVolumeAttribute"],
        "EBS volumes, with their attachments and encryption";
    C::text("volume_id", "The volume", |x, _| Cell::Text(x.id.clone())).required(),
    C::text("arn", "The ARN", |x, _| Cell::Text(x.arn.clone())),
    C::text("volume_type", "gp3, gp2, io2, io1, st1, sc1 or standard", |x, _| Cell::variant(x.v.volume_type())),
    C::text("state", "creating, available, in-use, deleting, deleted or error", |x, _| Cell::variant(x.v.state())),
    C::time("create_time", "When it was created", |x, _| time(x.v.create_time())),
    C::bool("auto_enable_io", "Whether I/O resumes by itself after a consistency check (DescribeVolumeAttribute)", |x, _| Cell::bool(x.auto_io)),
    C::text("availability_zone", "The Availability Zone", |x, _| Cell::text(x.v.availability_zone())),
    C::bool("encrypted", "Whether it is encrypted", |x, _| Cell::bool(x.v.encrypted())),
    C::bool("fast_restored", "Whether it was created from a fast snapshot restore", |x, _| Cell::bool(x.v.fast_restored())),
    C::int("iops", "Provisioned IOPS", |x, _| Cell::int(x.v.iops())),
    C::int("throughput", "Throughput in MiB/s", |x, _| Cell::int(x.v.throughput())),
    C::text("kms_key_id", "The KMS key that encrypts it", |x, _| Cell::text(x.v.kms_key_id())),
    C::bool("multi_attach_enabled", "Whether Multi-Attach is on", |x, _| Cell::bool(x.v.multi_attach_enabled())),
    C::text("outpost_arn", "The Outpost", |x, _| Cell::text(x.v.outpost_arn())),
    C::int("size", "Size in GiB", |x, _| Cell::int(x.v.size())),
    C::text("snapshot_id", "The snapshot it was created from", |x, _| Cell::text(x.v.snapshot_id().filter(|s| !s.is_empty()))),
    C::json("attachments", "Attachments: [{\"InstanceId\", \"Device\", \"State\", \"AttachTime\", \"DeleteOnTermination\", \"VolumeId\"}]", |x, _| Cell::json(Value::Array(
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
    C::json("product_codes", "Product codes (DescribeVolumeAttribute)", |x, _| x.codes.clone()),
    C::common(Column::TAGS_SRC, |x, _| crate::collectors::tags_src(x.v.tags().iter())),
    C::common(Column::TAGS, |x, _| crate::collectors::tags_of(x.v.tags().iter())),
    C::common(Column::TITLE, |x, _| Cell::Text(name_or(x.v.tags(), &x.id).to_owned())),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
}

/// What is read of one row of `aws_ebs_snapshot`.
struct Snapshot {
    s: aws_sdk_ec2::types::Snapshot,
    id: String,
    permissions: Cell,
    arn: String,
}

table! {
    SNAPSHOTS: Snapshot = Regional "aws_ebs_snapshot"
        ["ec2:DescribeSnapshots", "ec2:DescribeSnapshotAttribute"],
        "EBS snapshots the account owns, with who may create volumes from them";
    C::text("snapshot_id", "The snapshot", |x, _| Cell::Text(x.id.clone())).required(),
    C::text("arn", "The ARN", |x, _| Cell::Text(x.arn.clone())),
    C::text("state", "pending, completed, error, recoverable or recovering", |x, _| Cell::variant(x.s.state())),
    C::int("volume_size", "The volume's size in GiB", |x, _| Cell::int(x.s.volume_size())),
    C::text("volume_id", "The volume it was taken from", |x, _| Cell::text(x.s.volume_id())),
    C::int("full_snapshot_size_in_bytes", "The full size in bytes", |x, _| Cell::int(x.s.full_snapshot_size_in_bytes())),
    C::bool("encrypted", "Whether it is encrypted", |x, _| Cell::bool(x.s.encrypted())),
    C::time("start_time", "When it was started", |x, _| time(x.s.start_time())),
    C::time("restore_expiry_time", "When a restored archive expires", |x, _| time(x.s.restore_expiry_time())),
    C::text("description", "The description", |x, _| Cell::text(x.s.description())),
    C::text("outpost_arn", "The Outpost", |x, _| Cell::text(x.s.outpost_arn())),
    C::text("storage_tier", "standard or archive", |x, _| Cell::variant(x.s.storage_tier())),
    C::text("kms_key_id", "The KMS key that encrypts it", |x, _| Cell::text(x.s.kms_key_id())),
    C::text("data_encryption_key_id", "The data encryption key", |x, _| Cell::text(x.s.data_encryption_key_id())),
    C::text("progress", "Progress, as a percentage", |x, _| Cell::text(x.s.progress())),
    C::text("state_message", "Why it failed, when it did", |x, _| Cell::text(x.s.state_message())),
    C::text("owner_alias", "The owner's alias (amazon, ...)", |x, _| Cell::text(x.s.owner_alias())),
    C::text("owner_id", "The owning account", |x, _| Cell::text(x.s.owner_id())),
    C::json("create_volume_permissions", "Who may create volumes from it: [{\"UserId\"}] or [{\"Group\": \"all\"}] when public (DescribeSnapshotAttribute)", |x, _| x.permissions.clone()),
    C::common(Column::TAGS_SRC, |x, _| crate::collectors::tags_src(x.s.tags().iter())),
    C::common(Column::TITLE, |x, _| Cell::Text(x.id.clone())),
    C::common(Column::TAGS, |x, _| crate::collectors::tags_of(x.s.tags().iter())),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
}

/// What is read of one row of `aws_ec2_ami`.
struct Image {
    i: aws_sdk_ec2::types::Image,
    id: String,
    launch: Cell,
    arn: String,
}

table! {
    IMAGES: Image = Regional "aws_ec2_ami" ["ec2:DescribeImages", "ec2:DescribeImageAttribute"],
        "AMIs the account owns, with who may launch them";
    C::text("name", "The image's name", |x, _| Cell::text(x.i.name())),
    C::text("image_id", "The image", |x, _| Cell::Text(x.id.clone())).required(),
    C::text("state", "pending, available, invalid, deregistered, transient, failed or error", |x, _| Cell::variant(x.i.state())),
    C::text("image_type", "machine, kernel or ramdisk", |x, _| Cell::variant(x.i.image_type())),
    C::text("image_location", "Where it was registered from", |x, _| Cell::text(x.i.image_location())),
    C::text("boot_mode", "legacy-bios, uefi or uefi-preferred", |x, _| Cell::variant(x.i.boot_mode())),
    C::text("source_instance_id", "The instance it was made from", |x, _| Cell::text(x.i.source_instance_id())),
    C::text("tpm_support", "NitroTPM support", |x, _| Cell::variant(x.i.tpm_support())),
    C::time("creation_date", "When it was created", |x, _| text_time(x.i.creation_date())),
    C::time("deprecation_time", "When it is deprecated", |x, _| text_time(x.i.deprecation_time())),
    C::text("architecture", "The architecture", |x, _| Cell::variant(x.i.architecture())),
    C::text("deregistration_protection", "Whether deregistration protection is on", |x, _| Cell::text(x.i.deregistration_protection())),
    C::text("description", "The description", |x, _| Cell::text(x.i.description())),
    C::bool("ena_support", "Whether enhanced networking with ENA is on", |x, _| Cell::bool(x.i.ena_support())),
    C::bool("free_tier_eligible", "Whether it is Free Tier eligible", |x, _| Cell::bool(x.i.free_tier_eligible())),
    C::text("hypervisor", "ovm or xen", |x, _| Cell::variant(x.i.hypervisor())),
    C::bool("image_allowed", "Whether Allowed AMIs permits it", |x, _| Cell::bool(x.i.image_allowed())),
    C::text("image_owner_alias", "The owner's alias", |x, _| Cell::text(x.i.image_owner_alias())),
    C::text("imds_support", "v2.0 when instances launched from it require IMDSv2", |x, _| Cell::variant(x.i.imds_support())),
    C::text("kernel_id", "The kernel", |x, _| Cell::text(x.i.kernel_id())),
    C::time("last_launched_time", "When it was last used to launch an instance", |x, _| text_time(x.i.last_launched_time())),
    C::text("owner_id", "The owning account", |x, _| Cell::text(x.i.owner_id())),
    C::text("platform", "windows, or null for Linux", |x, _| Cell::variant(x.i.platform())),
    C::text("platform_details", "The platform details", |x, _| Cell::text(x.i.platform_details())),
    C::bool("public", "Whether anyone may launch it", |x, _| Cell::bool(x.i.public())),
    C::text("ramdisk_id", "The RAM disk", |x, _| Cell::text(x.i.ramdisk_id())),
    C::text("root_device_name", "The root device", |x, _| Cell::text(x.i.root_device_name())),
    C::text("root_device_type", "ebs or instance-store", |x, _| Cell::variant(x.i.root_device_type())),
    C::text("source_image_id", "The image it was copied from", |x, _| Cell::text(x.i.source_image_id())),
    C::text("source_image_region", "The region of the image it was copied from", |x, _| Cell::text(x.i.source_image_region())),
    C::text("sriov_net_support", "Enhanced networking with the Intel VF interface", |x, _| Cell::text(x.i.sriov_net_support())),
    C::text("usage_operation", "The billing usage operation", |x, _| Cell::text(x.i.usage_operation())),
    C::text("virtualization_type", "hvm or paravirtual", |x, _| Cell::variant(x.i.virtualization_type())),
    C::json("block_device_mappings", "Block device mappings", |x, _| block_devices(x.i.block_device_mappings())),
    C::json("product_codes", "Product codes", |x, _| product_codes(x.i.product_codes())),
    C::json("state_reason", "Why the state changed: {\"Code\", \"Message\"}", |x, _| x.i.state_reason().map_or(Cell::Null, |r| { Cell::json(json!({"Code": r.code(), "Message": r.message()})) })),
    C::json("launch_permissions", "Who may launch it: [{\"UserId\"}], [{\"Group\": \"all\"}], organizations and OUs (DescribeImageAttribute)", |x, _| x.launch.clone()),
    C::common(Column::TAGS_SRC, |x, _| crate::collectors::tags_src(x.i.tags().iter())),
    C::common(Column::TITLE, |x, _| Cell::Text(x.i.name().unwrap_or(&x.id).to_owned())),
    C::common(Column::TAGS, |x, _| crate::collectors::tags_of(x.i.tags().iter())),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
}

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
    let client = unit.client(Client::new);
    let listed = unit
        .list(
            "ec2:DescribeVolumes",
            |token| {
                client
                    .describe_volumes()
                    .max_results(500)
                    .set_next_token(token)
                    .send()
            },
            |out| out.next_token(),
            |out| out.volumes.unwrap_or_default(),
        )
        .await?;
    let rows: Vec<Row> = crate::collectors::for_each_listed(listed, |v| {
        let client = &client;
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
            VOLUMES.row(
                &Volume {
                    v,
                    id,
                    auto_io,
                    codes,
                    arn,
                },
                unit.cx(),
            )
        }
    })
    .await;
    Ok(vec![VOLUMES.batch(rows)])
}

pub(super) async fn snapshots(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.client(Client::new);
    let listed = unit
        .list(
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
            |out| out.snapshots.unwrap_or_default(),
        )
        .await?;
    let rows: Vec<Row> = crate::collectors::for_each_listed(listed, |s| {
        let client = &client;
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
            SNAPSHOTS.row(
                &Snapshot {
                    s,
                    id,
                    permissions,
                    arn,
                },
                unit.cx(),
            )
        }
    })
    .await;
    Ok(vec![SNAPSHOTS.batch(rows)])
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
    let client = unit.client(Client::new);
    let listed = unit
        .list(
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
            |out| out.images.unwrap_or_default(),
        )
        .await?;
    let rows: Vec<Row> = crate::collectors::for_each_listed(listed, |i| {
        let client = &client;
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
            IMAGES.row(&Image { i, id, launch, arn }, unit.cx())
        }
    })
    .await;
    Ok(vec![IMAGES.batch(rows)])
}

collectors! {
    volumes: VOLUMES;
    snapshots: SNAPSHOTS;
    images: IMAGES;
}
