//! EC2 instances with every column of Steampipe's `aws_ec2_instance`: what DescribeInstances
//! returns, each instance's status from one DescribeInstanceStatus listing per region, and per
//! instance the two attributes DescribeInstances leaves out (DescribeInstanceAttribute:
//! termination protection, shutdown behaviour) and its launch template data
//! (GetLaunchTemplateData). User data is not read: it often holds secrets, and the store is a
//! file on the auditor's disk (`user_data` stays null; `launch_template_data` drops `UserData`).

use std::collections::HashMap;

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::{Instance, InstanceAttributeName, InstanceStatusSummary};
use canopy_model::inventory::{Batch, Cell, Row};
use canopy_model::table::{Column, Scope, TableDef};
use serde_json::{Value, json};

use super::ec2::{client, ec2_tail, group_identifiers};
use super::{Unit, batch, json_cell, time, time_text};
use crate::error::AwsError;

pub(super) const INSTANCES: TableDef = TableDef {
    name: "aws_ec2_instance",
    scope: Scope::Regional,
    description: "EC2 instances, with their status, termination protection and launch template data (user data is not read)",
    columns: &[
        Column::text("instance_id", "Instance ID").required(),
        Column::text("arn", "The ARN"),
        Column::text("instance_type", "Instance type"),
        Column::text(
            "instance_state",
            "pending, running, stopping, stopped, shutting-down or terminated",
        ),
        Column::time("launch_time", "When the instance was launched"),
        Column::inet("private_ip_address", "Private IP address"),
        Column::inet("public_ip_address", "Public IP address"),
        Column::text("private_dns_name", "Private DNS name"),
        Column::text("public_dns_name", "Public DNS name"),
        Column::text("vpc_id", "The VPC"),
        Column::text("subnet_id", "The subnet"),
        Column::text("image_id", "Image ID"),
        Column::text("key_name", "Key name"),
        Column::text("architecture", "Architecture"),
        Column::text("platform", "Platform"),
        Column::text("platform_details", "Platform details"),
        Column::text("iam_instance_profile_arn", "IAM instance profile ARN"),
        Column::text("monitoring_state", "Monitoring state"),
        Column::text("placement_availability_zone", "Placement availability zone"),
        Column::text("placement_tenancy", "Placement tenancy"),
        Column::text("root_device_type", "Root device type"),
        Column::text("root_device_name", "Root device name"),
        Column::bool("ebs_optimized", "EBS optimized"),
        Column::json(
            "security_groups",
            "Security groups, as [{\"GroupId\", \"GroupName\"}]",
        ),
        Column::json(
            "network_interfaces",
            "Network interfaces, with their addresses and association",
        ),
        Column::bool(
            "disable_api_termination",
            "Whether termination protection is on (DescribeInstanceAttribute)",
        ),
        Column::int("ami_launch_index", "The AMI launch index"),
        Column::text("boot_mode", "The boot mode of the instance"),
        Column::text("current_instance_boot_mode", "The boot mode in use"),
        Column::text("ipv6_address", "The IPv6 address of the instance"),
        Column::text("capacity_reservation_id", "The capacity reservation"),
        Column::json(
            "capacity_reservation_specification",
            "Capacity reservation targeting",
        ),
        Column::text("client_token", "The idempotency token it was launched with"),
        Column::int("cpu_options_core_count", "CPU cores"),
        Column::int("cpu_options_threads_per_core", "Threads per core"),
        Column::bool("ena_support", "Whether enhanced networking with ENA is on"),
        Column::text("hypervisor", "ovm or xen"),
        Column::text("iam_instance_profile_id", "The instance profile's id"),
        Column::text(
            "instance_initiated_shutdown_behavior",
            "stop or terminate, on a shutdown from the instance (DescribeInstanceAttribute)",
        ),
        Column::text("instance_lifecycle", "spot, scheduled or capacity-block"),
        Column::text("kernel_id", "The kernel"),
        Column::text("outpost_arn", "The Outpost"),
        Column::text("placement_affinity", "Dedicated host affinity"),
        Column::text("placement_group_id", "The placement group's id"),
        Column::text("placement_group_name", "The placement group"),
        Column::text("placement_host_id", "The dedicated host"),
        Column::text(
            "placement_host_resource_group_arn",
            "The host resource group",
        ),
        Column::int(
            "placement_partition_number",
            "The partition in the placement group",
        ),
        Column::text("ram_disk_id", "The RAM disk"),
        Column::bool(
            "source_dest_check",
            "Whether source/destination checking is on",
        ),
        Column::text("spot_instance_request_id", "The Spot request"),
        Column::text(
            "sriov_net_support",
            "Enhanced networking with the Intel VF interface",
        ),
        Column::int(
            "state_code",
            "The state as a number (16 running, 80 stopped, ...)",
        ),
        Column::text("state_transition_reason", "Why the state last changed"),
        Column::time(
            "state_transition_time",
            "When the state last changed, from the transition reason",
        ),
        Column::text("tpm_support", "NitroTPM support"),
        Column::text("usage_operation", "The billing usage operation"),
        Column::text(
            "usage_operation_update_time",
            "When the usage operation changed",
        ),
        Column::text(
            "user_data",
            "Always null: canopy does not read user data (it often holds secrets)",
        ),
        Column::text("virtualization_type", "hvm or paravirtual"),
        Column::json(
            "block_device_mappings",
            "Block devices: [{\"DeviceName\", \"Ebs\": {\"VolumeId\", \"DeleteOnTermination\", \"Status\", \"AttachTime\"}}]",
        ),
        Column::json("elastic_gpu_associations", "Elastic GPU associations"),
        Column::json(
            "elastic_inference_accelerator_associations",
            "Elastic Inference accelerator associations",
        ),
        Column::json("enclave_options", "Nitro Enclaves: {\"Enabled\"}"),
        Column::json("hibernation_options", "Hibernation: {\"Configured\"}"),
        Column::json(
            "state_reason",
            "Why the state last changed: {\"Code\", \"Message\"}",
        ),
        Column::json(
            "launch_template_data",
            "The instance as launch template data (GetLaunchTemplateData), without UserData",
        ),
        Column::json(
            "licenses",
            "License configurations: [{\"LicenseConfigurationArn\"}]",
        ),
        Column::json("maintenance_options", "Maintenance: {\"AutoRecovery\"}"),
        Column::json(
            "metadata_options",
            "Instance metadata service: {\"HttpTokens\", \"HttpEndpoint\", \"HttpPutResponseHopLimit\", ...}",
        ),
        Column::json("private_dns_name_options", "Private DNS name options"),
        Column::json("product_codes", "Product codes"),
        Column::json(
            "instance_status",
            "Status checks (DescribeInstanceStatus): {\"InstanceStatus\", \"SystemStatus\", \"Events\", ...}",
        ),
        Column::AKAS,
        Column::TAGS_SRC,
        Column::TAGS,
        Column::TITLE,
        Column::PARTITION,
    ],
    actions: &[
        "ec2:DescribeInstances",
        "ec2:DescribeInstanceStatus",
        "ec2:DescribeInstanceAttribute",
        "ec2:GetLaunchTemplateData",
    ],
    filled_by: "collect",
};

pub(super) async fn instances(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = client(&unit);
    // each page becomes rows at once (the SDK's instances are several times their rows' size,
    // and a huge account lists thousands); the status and the detail calls fill theirs after
    let mut rows: Vec<Row> = Vec::new();
    unit.paginate(
        "ec2:DescribeInstances",
        |token| {
            client
                .describe_instances()
                .max_results(1000)
                .set_next_token(token)
                .send()
        },
        |out| out.next_token(),
        |out| {
            rows.extend(
                out.reservations()
                    .iter()
                    .flat_map(|r| r.instances())
                    .map(|i| listed_row(unit, i)),
            );
        },
    )
    .await?;
    if rows.is_empty() {
        return Ok(vec![batch(&INSTANCES, Vec::new())]);
    }
    let by_id: HashMap<String, usize> = rows
        .iter()
        .enumerate()
        .map(|(at, row)| (instance_id(row).to_owned(), at))
        .collect();
    unit.paginate(
        "ec2:DescribeInstanceStatus",
        |token| {
            client
                .describe_instance_status()
                .include_all_instances(true)
                .max_results(1000)
                .set_next_token(token)
                .send()
        },
        |out| out.next_token(),
        |out| {
            for s in out.instance_statuses() {
                let Some(at) = s.instance_id().and_then(|id| by_id.get(id)) else {
                    continue;
                };
                rows[*at].set(
                    "instance_status",
                    Cell::json(json!({
                        "AvailabilityZone": s.availability_zone(),
                        "Events": s.events().iter().map(|e| json!({
                            "Code": e.code().map(|c| c.as_str()),
                            "Description": e.description(),
                            "InstanceEventId": e.instance_event_id(),
                            "NotAfter": time_text(e.not_after()),
                            "NotBefore": time_text(e.not_before()),
                        })).collect::<Vec<_>>(),
                        "InstanceId": s.instance_id(),
                        "InstanceState": s.instance_state().map(|st| json!({
                            "Code": st.code(),
                            "Name": st.name().map(|n| n.as_str()),
                        })),
                        "InstanceStatus": s.instance_status().map(status_summary),
                        "OutpostArn": s.outpost_arn(),
                        "SystemStatus": s.system_status().map(status_summary),
                    })),
                );
            }
        },
    )
    .await?;
    drop(by_id);
    let rows: Vec<Row> = super::for_each_listed(rows, |row| with_details(unit, &client, row)).await;
    Ok(vec![batch(&INSTANCES, rows)])
}

/// The instance id of a row [`listed_row`] made.
fn instance_id(row: &Row) -> &str {
    match row.get("instance_id") {
        Some(Cell::Text(id)) => id,
        _ => "",
    }
}

fn status_summary(s: &InstanceStatusSummary) -> Value {
    json!({
        "Details": s.details().iter().map(|d| json!({
            "ImpairedSince": time_text(d.impaired_since()),
            "Name": d.name().map(|n| n.as_str()),
            "Status": d.status().map(|n| n.as_str()),
        })).collect::<Vec<_>>(),
        "Status": s.status().map(|n| n.as_str()),
    })
}

/// `User initiated (2026-01-15 10:00:00 GMT)` -> the time in it.
fn transition_time(reason: Option<&str>) -> Cell {
    let Some(reason) = reason else {
        return Cell::Null;
    };
    let Some(start) = reason.find('(') else {
        return Cell::Null;
    };
    let inner = reason[start + 1..].trim_end_matches(')');
    let stamp = inner.trim_end_matches(" GMT").replacen(' ', "T", 1);
    match time::OffsetDateTime::parse(
        &format!("{stamp}Z"),
        &time::format_description::well_known::Rfc3339,
    ) {
        Ok(at) => Cell::Text(canopy_model::format_time(at)),
        Err(_) => Cell::Null,
    }
}

/// Fills the columns of one instance that DescribeInstances leaves out: termination protection
/// and shutdown behaviour (DescribeInstanceAttribute), its launch template data.
async fn with_details(unit: Unit<'_>, client: &Client, mut row: Row) -> Row {
    let id = instance_id(&row).to_owned();
    let region = unit.region;
    let (termination, shutdown, template) = tokio::join!(
        unit.detail(region, "ec2:DescribeInstanceAttribute", &id, &[], || {
            client
                .describe_instance_attribute()
                .instance_id(&id)
                .attribute(InstanceAttributeName::DisableApiTermination)
                .send()
        }),
        unit.detail(region, "ec2:DescribeInstanceAttribute", &id, &[], || {
            client
                .describe_instance_attribute()
                .instance_id(&id)
                .attribute(InstanceAttributeName::InstanceInitiatedShutdownBehavior)
                .send()
        }),
        unit.detail(region, "ec2:GetLaunchTemplateData", &id, &[], || {
            client.get_launch_template_data().instance_id(&id).send()
        }),
    );
    let termination = termination
        .found()
        .and_then(|o| o.disable_api_termination().and_then(|v| v.value()));
    let shutdown = shutdown.found().and_then(|o| {
        o.instance_initiated_shutdown_behavior()
            .and_then(|v| v.value())
            .map(str::to_owned)
    });
    let template = template
        .found()
        .and_then(|o| o.launch_template_data().cloned())
        .map(|t| {
            json!({
                "BlockDeviceMappings": t.block_device_mappings().iter().map(|b| json!({
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
                })).collect::<Vec<_>>(),
                "CapacityReservationSpecification": t.capacity_reservation_specification().map(|c| json!({
                    "CapacityReservationPreference": c.capacity_reservation_preference().map(|p| p.as_str()),
                })),
                "DisableApiStop": t.disable_api_stop(),
                "DisableApiTermination": t.disable_api_termination(),
                "EbsOptimized": t.ebs_optimized(),
                "IamInstanceProfile": t.iam_instance_profile().map(|p| json!({"Arn": p.arn(), "Name": p.name()})),
                "ImageId": t.image_id(),
                "InstanceInitiatedShutdownBehavior": t.instance_initiated_shutdown_behavior().map(|s| s.as_str()),
                "InstanceType": t.instance_type().map(|s| s.as_str()),
                "KeyName": t.key_name(),
                "MetadataOptions": t.metadata_options().map(|m| json!({
                    "HttpEndpoint": m.http_endpoint().map(|v| v.as_str()),
                    "HttpPutResponseHopLimit": m.http_put_response_hop_limit(),
                    "HttpTokens": m.http_tokens().map(|v| v.as_str()),
                    "InstanceMetadataTags": m.instance_metadata_tags().map(|v| v.as_str()),
                })),
                "Monitoring": t.monitoring().map(|m| json!({"Enabled": m.enabled()})),
                "NetworkInterfaces": t.network_interfaces().iter().map(|n| json!({
                    "AssociatePublicIpAddress": n.associate_public_ip_address(),
                    "DeleteOnTermination": n.delete_on_termination(),
                    "DeviceIndex": n.device_index(),
                    "Groups": n.groups(),
                    "NetworkInterfaceId": n.network_interface_id(),
                    "PrivateIpAddress": n.private_ip_address(),
                    "SubnetId": n.subnet_id(),
                })).collect::<Vec<_>>(),
                "Placement": t.placement().map(|p| json!({
                    "AvailabilityZone": p.availability_zone(),
                    "GroupName": p.group_name(),
                    "Tenancy": p.tenancy().map(|v| v.as_str()),
                })),
                "SecurityGroupIds": t.security_group_ids(),
            })
        });
    row.set("disable_api_termination", Cell::bool(termination));
    row.set(
        "instance_initiated_shutdown_behavior",
        Cell::text(shutdown.as_deref()),
    );
    row.set("launch_template_data", json_cell(template));
    row
}

/// An instance's row from DescribeInstances, its other calls' columns null until filled.
fn listed_row(unit: Unit<'_>, i: &Instance) -> Row {
    let id = i.instance_id().unwrap_or_default().to_owned();
    let placement = i.placement();
    let cpu = i.cpu_options();
    let interfaces: Vec<Value> = i
        .network_interfaces()
        .iter()
        .map(|n| {
            json!({
                "NetworkInterfaceId": n.network_interface_id(),
                "PrivateIpAddress": n.private_ip_address(),
                "SubnetId": n.subnet_id(),
                "VpcId": n.vpc_id(),
                "Association": n.association().map(|a| json!({
                    "PublicIp": a.public_ip(),
                    "PublicDnsName": a.public_dns_name(),
                    "IpOwnerId": a.ip_owner_id(),
                })),
            })
        })
        .collect();
    let ipv6 = i
        .network_interfaces()
        .iter()
        .flat_map(|n| n.ipv6_addresses())
        .find_map(|a| a.ipv6_address());
    let arn = unit.arn("ec2", &format!("instance/{id}"));
    let row = Row::with_capacity(INSTANCES.columns.len())
        .with("instance_id", Cell::Text(id.clone()))
        .with("arn", Cell::Text(arn.clone()))
        .with(
            "instance_type",
            Cell::text(i.instance_type().map(|t| t.as_str())),
        )
        .with(
            "instance_state",
            Cell::text(i.state().and_then(|s| s.name()).map(|n| n.as_str())),
        )
        .with("launch_time", time(i.launch_time()))
        .with("private_ip_address", Cell::text(i.private_ip_address()))
        .with("public_ip_address", Cell::text(i.public_ip_address()))
        .with(
            "private_dns_name",
            Cell::text(i.private_dns_name().filter(|s| !s.is_empty())),
        )
        .with(
            "public_dns_name",
            Cell::text(i.public_dns_name().filter(|s| !s.is_empty())),
        )
        .with("vpc_id", Cell::text(i.vpc_id()))
        .with("subnet_id", Cell::text(i.subnet_id()))
        .with("image_id", Cell::text(i.image_id()))
        .with("key_name", Cell::text(i.key_name()))
        .with(
            "architecture",
            Cell::text(i.architecture().map(|a| a.as_str())),
        )
        .with("platform", Cell::text(i.platform().map(|p| p.as_str())))
        .with("platform_details", Cell::text(i.platform_details()))
        .with(
            "iam_instance_profile_arn",
            Cell::text(i.iam_instance_profile().and_then(|p| p.arn())),
        )
        .with(
            "monitoring_state",
            Cell::text(i.monitoring().and_then(|m| m.state()).map(|s| s.as_str())),
        )
        .with(
            "placement_availability_zone",
            Cell::text(placement.and_then(|p| p.availability_zone())),
        )
        .with(
            "placement_tenancy",
            Cell::text(placement.and_then(|p| p.tenancy()).map(|t| t.as_str())),
        )
        .with(
            "root_device_type",
            Cell::text(i.root_device_type().map(|t| t.as_str())),
        )
        .with("root_device_name", Cell::text(i.root_device_name()))
        .with("ebs_optimized", Cell::bool(i.ebs_optimized()))
        .with("security_groups", group_identifiers(i.security_groups()))
        .with("network_interfaces", Cell::json(Value::Array(interfaces)))
        .with("disable_api_termination", Cell::Null)
        .with("ami_launch_index", Cell::int(i.ami_launch_index()))
        .with("boot_mode", Cell::text(i.boot_mode().map(|b| b.as_str())))
        .with(
            "current_instance_boot_mode",
            Cell::text(i.current_instance_boot_mode().map(|b| b.as_str())),
        )
        .with("ipv6_address", Cell::text(ipv6))
        .with("capacity_reservation_id", Cell::text(i.capacity_reservation_id()))
        .with(
            "capacity_reservation_specification",
            json_cell(i.capacity_reservation_specification().map(|c| {
                json!({
                    "CapacityReservationPreference": c.capacity_reservation_preference().map(|p| p.as_str()),
                    "CapacityReservationTarget": c.capacity_reservation_target().map(|t| json!({
                        "CapacityReservationId": t.capacity_reservation_id(),
                        "CapacityReservationResourceGroupArn": t.capacity_reservation_resource_group_arn(),
                    })),
                })
            })),
        )
        .with("client_token", Cell::text(i.client_token().filter(|t| !t.is_empty())))
        .with("cpu_options_core_count", Cell::int(cpu.and_then(|c| c.core_count())))
        .with(
            "cpu_options_threads_per_core",
            Cell::int(cpu.and_then(|c| c.threads_per_core())),
        )
        .with("ena_support", Cell::bool(i.ena_support()))
        .with("hypervisor", Cell::text(i.hypervisor().map(|h| h.as_str())))
        .with(
            "iam_instance_profile_id",
            Cell::text(i.iam_instance_profile().and_then(|p| p.id())),
        )
        .with("instance_initiated_shutdown_behavior", Cell::Null)
        .with(
            "instance_lifecycle",
            Cell::text(i.instance_lifecycle().map(|l| l.as_str())),
        )
        .with("kernel_id", Cell::text(i.kernel_id()))
        .with("outpost_arn", Cell::text(i.outpost_arn()))
        .with("placement_affinity", Cell::text(placement.and_then(|p| p.affinity())))
        .with("placement_group_id", Cell::text(placement.and_then(|p| p.group_id())))
        .with(
            "placement_group_name",
            Cell::text(placement.and_then(|p| p.group_name()).filter(|g| !g.is_empty())),
        )
        .with("placement_host_id", Cell::text(placement.and_then(|p| p.host_id())))
        .with(
            "placement_host_resource_group_arn",
            Cell::text(placement.and_then(|p| p.host_resource_group_arn())),
        )
        .with(
            "placement_partition_number",
            Cell::int(placement.and_then(|p| p.partition_number())),
        )
        .with("ram_disk_id", Cell::text(i.ramdisk_id()))
        .with("source_dest_check", Cell::bool(i.source_dest_check()))
        .with("spot_instance_request_id", Cell::text(i.spot_instance_request_id()))
        .with("sriov_net_support", Cell::text(i.sriov_net_support()))
        .with("state_code", Cell::int(i.state().and_then(|s| s.code())))
        .with(
            "state_transition_reason",
            Cell::text(i.state_transition_reason().filter(|r| !r.is_empty())),
        )
        .with(
            "state_transition_time",
            transition_time(i.state_transition_reason()),
        )
        .with("tpm_support", Cell::text(i.tpm_support()))
        .with("usage_operation", Cell::text(i.usage_operation()))
        .with(
            "usage_operation_update_time",
            Cell::text(time_text(i.usage_operation_update_time()).as_deref()),
        )
        .with("user_data", Cell::Null)
        .with(
            "virtualization_type",
            Cell::text(i.virtualization_type().map(|v| v.as_str())),
        )
        .with(
            "block_device_mappings",
            Cell::json(Value::Array(
                i.block_device_mappings()
                    .iter()
                    .map(|b| {
                        json!({
                            "DeviceName": b.device_name(),
                            "Ebs": b.ebs().map(|e| json!({
                                "AttachTime": time_text(e.attach_time()),
                                "DeleteOnTermination": e.delete_on_termination(),
                                "Status": e.status().map(|s| s.as_str()),
                                "VolumeId": e.volume_id(),
                            })),
                        })
                    })
                    .collect(),
            )),
        )
        .with(
            "elastic_gpu_associations",
            Cell::json(Value::Array(
                i.elastic_gpu_associations()
                    .iter()
                    .map(|g| {
                        json!({
                            "ElasticGpuAssociationId": g.elastic_gpu_association_id(),
                            "ElasticGpuAssociationState": g.elastic_gpu_association_state(),
                            "ElasticGpuAssociationTime": g.elastic_gpu_association_time(),
                            "ElasticGpuId": g.elastic_gpu_id(),
                        })
                    })
                    .collect(),
            )),
        )
        .with(
            "elastic_inference_accelerator_associations",
            Cell::json(Value::Array(
                i.elastic_inference_accelerator_associations()
                    .iter()
                    .map(|a| {
                        json!({
                            "ElasticInferenceAcceleratorArn": a.elastic_inference_accelerator_arn(),
                            "ElasticInferenceAcceleratorAssociationId": a.elastic_inference_accelerator_association_id(),
                            "ElasticInferenceAcceleratorAssociationState": a.elastic_inference_accelerator_association_state(),
                            "ElasticInferenceAcceleratorAssociationTime": time_text(a.elastic_inference_accelerator_association_time()),
                        })
                    })
                    .collect(),
            )),
        )
        .with(
            "enclave_options",
            json_cell(i.enclave_options().map(|e| json!({"Enabled": e.enabled()}))),
        )
        .with(
            "hibernation_options",
            json_cell(
                i.hibernation_options()
                    .map(|h| json!({"Configured": h.configured()})),
            ),
        )
        .with(
            "state_reason",
            json_cell(
                i.state_reason()
                    .map(|r| json!({"Code": r.code(), "Message": r.message()})),
            ),
        )
        .with("launch_template_data", Cell::Null)
        .with(
            "licenses",
            Cell::json(Value::Array(
                i.licenses()
                    .iter()
                    .map(|l| json!({"LicenseConfigurationArn": l.license_configuration_arn()}))
                    .collect(),
            )),
        )
        .with(
            "maintenance_options",
            json_cell(
                i.maintenance_options()
                    .map(|m| json!({"AutoRecovery": m.auto_recovery().map(|a| a.as_str())})),
            ),
        )
        .with(
            "metadata_options",
            json_cell(i.metadata_options().map(|m| {
                json!({
                    "HttpEndpoint": m.http_endpoint().map(|v| v.as_str()),
                    "HttpProtocolIpv6": m.http_protocol_ipv6().map(|v| v.as_str()),
                    "HttpPutResponseHopLimit": m.http_put_response_hop_limit(),
                    "HttpTokens": m.http_tokens().map(|v| v.as_str()),
                    "InstanceMetadataTags": m.instance_metadata_tags().map(|v| v.as_str()),
                    "State": m.state().map(|v| v.as_str()),
                })
            })),
        )
        .with(
            "private_dns_name_options",
            json_cell(i.private_dns_name_options().map(|o| {
                json!({
                    "EnableResourceNameDnsAAAARecord": o.enable_resource_name_dns_aaaa_record(),
                    "EnableResourceNameDnsARecord": o.enable_resource_name_dns_a_record(),
                    "HostnameType": o.hostname_type().map(|h| h.as_str()),
                })
            })),
        )
        .with(
            "product_codes",
            Cell::json(Value::Array(
                i.product_codes()
                    .iter()
                    .map(|p| {
                        json!({
                            "ProductCodeId": p.product_code_id(),
                            "ProductCodeType": p.product_code_type().map(|t| t.as_str()),
                        })
                    })
                    .collect(),
            )),
        )
        .with("instance_status", Cell::Null)
        .with("akas", Cell::json(json!([arn])));
    ec2_tail(row, i.tags(), &id, &unit.partition())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_transition_time_is_read_from_the_reason() {
        assert_eq!(
            transition_time(Some("User initiated (2026-01-15 10:00:00 GMT)")),
            Cell::Text("2026-01-15T10:00:00Z".into())
        );
        assert_eq!(transition_time(Some("")), Cell::Null);
        assert_eq!(transition_time(None), Cell::Null);
    }
}
