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
use canopy_model::table::Column;
use serde_json::{Value, json};

use super::group_identifiers;
use crate::collectors::{Unit, json_cell, tags_of, tags_src, time, time_text};
use crate::error::AwsError;

/// What is read of one row of `aws_ec2_instance`.
struct Listed {
    i: aws_sdk_ec2::types::Instance,
    id: String,
    interfaces: Vec<Value>,
    ipv6: Option<String>,
    arn: String,
}

impl Listed {
    fn cpu(&self) -> Option<&aws_sdk_ec2::types::CpuOptions> {
        self.i.cpu_options()
    }

    fn placement(&self) -> Option<&aws_sdk_ec2::types::Placement> {
        self.i.placement()
    }
}

table! {
    INSTANCES: Listed = Regional "aws_ec2_instance"
        ["ec2:DescribeInstances", "ec2:DescribeInstanceStatus", "ec2:DescribeInstanceAttribute", "ec2:GetLaunchTemplateData"],
        "EC2 instances, with their status, termination protection and launch template data (user data is not read)";
    C::text("instance_id", "Instance ID", |x, _| Cell::Text(x.id.clone())).required(),
    C::text("arn", "The ARN", |x, _| Cell::Text(x.arn.clone())),
    C::text("instance_type", "Instance type", |x, _| Cell::variant(x.i.instance_type())),
    C::text("instance_state", "pending, running, stopping, stopped, shutting-down or terminated", |x, _| Cell::variant(x.i.state().and_then(|s| s.name()))),
    C::time("launch_time", "When the instance was launched", |x, _| time(x.i.launch_time())),
    C::inet("private_ip_address", "Private IP address", |x, _| Cell::text(x.i.private_ip_address())),
    C::inet("public_ip_address", "Public IP address", |x, _| Cell::text(x.i.public_ip_address())),
    C::text("private_dns_name", "Private DNS name", |x, _| Cell::text(x.i.private_dns_name().filter(|s| !s.is_empty()))),
    C::text("public_dns_name", "Public DNS name", |x, _| Cell::text(x.i.public_dns_name().filter(|s| !s.is_empty()))),
    C::text("vpc_id", "The VPC", |x, _| Cell::text(x.i.vpc_id())),
    C::text("subnet_id", "The subnet", |x, _| Cell::text(x.i.subnet_id())),
    C::text("image_id", "Image ID", |x, _| Cell::text(x.i.image_id())),
    C::text("key_name", "Key name", |x, _| Cell::text(x.i.key_name())),
    C::text("architecture", "Architecture", |x, _| Cell::variant(x.i.architecture())),
    C::text("platform", "Platform", |x, _| Cell::variant(x.i.platform())),
    C::text("platform_details", "Platform details", |x, _| Cell::text(x.i.platform_details())),
    C::text("iam_instance_profile_arn", "IAM instance profile ARN", |x, _| Cell::text(x.i.iam_instance_profile().and_then(|p| p.arn()))),
    C::text("monitoring_state", "Monitoring state", |x, _| Cell::variant(x.i.monitoring().and_then(|m| m.state()))),
    C::text("placement_availability_zone", "Placement availability zone", |x, _| Cell::text(x.placement().and_then(|p| p.availability_zone()))),
    C::text("placement_tenancy", "Placement tenancy", |x, _| Cell::variant(x.placement().and_then(|p| p.tenancy()))),
    C::text("root_device_type", "Root device type", |x, _| Cell::variant(x.i.root_device_type())),
    C::text("root_device_name", "Root device name", |x, _| Cell::text(x.i.root_device_name())),
    C::bool("ebs_optimized", "EBS optimized", |x, _| Cell::bool(x.i.ebs_optimized())),
    C::json("security_groups", "Security groups, as [{\"GroupId\", \"GroupName\"}]", |x, _| group_identifiers(x.i.security_groups())),
    C::json("network_interfaces", "Network interfaces, with their addresses and association", |x, _| Cell::json(Value::Array(x.interfaces.clone()))),
    C::bool("disable_api_termination", "Whether termination protection is on (DescribeInstanceAttribute)", |_, _| Cell::Null),
    C::int("ami_launch_index", "The AMI launch index", |x, _| Cell::int(x.i.ami_launch_index())),
    C::text("boot_mode", "The boot mode of the instance", |x, _| Cell::variant(x.i.boot_mode())),
    C::text("current_instance_boot_mode", "The boot mode in use", |x, _| Cell::variant(x.i.current_instance_boot_mode())),
    C::text("ipv6_address", "The IPv6 address of the instance", |x, _| Cell::text(x.ipv6.as_deref())),
    C::text("capacity_reservation_id", "The capacity reservation", |x, _| Cell::text(x.i.capacity_reservation_id())),
    C::json("capacity_reservation_specification", "Capacity reservation targeting", |x, _| json_cell(x.i.capacity_reservation_specification().map(|c| {
            json!({
                "CapacityReservationPreference": c.capacity_reservation_preference().map(|p| p.as_str()),
                "CapacityReservationTarget": c.capacity_reservation_target().map(|t| json!({
                    "CapacityReservationId": t.capacity_reservation_id(),
                    "CapacityReservationResourceGroupArn": t.capacity_reservation_resource_group_arn(),
                })),
            })
        }))),
    C::text("client_token", "The idempotency token it was launched with", |x, _| Cell::text(x.i.client_token().filter(|t| !t.is_empty()))),
    C::int("cpu_options_core_count", "CPU cores", |x, _| Cell::int(x.cpu().and_then(|c| c.core_count()))),
    C::int("cpu_options_threads_per_core", "Threads per core", |x, _| Cell::int(x.cpu().and_then(|c| c.threads_per_core()))),
    C::bool("ena_support", "Whether enhanced networking with ENA is on", |x, _| Cell::bool(x.i.ena_support())),
    C::text("hypervisor", "ovm or xen", |x, _| Cell::variant(x.i.hypervisor())),
    C::text("iam_instance_profile_id", "The instance profile's id", |x, _| Cell::text(x.i.iam_instance_profile().and_then(|p| p.id()))),
    C::text("instance_initiated_shutdown_behavior", "stop or terminate, on a shutdown from the instance (DescribeInstanceAttribute)", |_, _| Cell::Null),
    C::text("instance_lifecycle", "spot, scheduled or capacity-block", |x, _| Cell::variant(x.i.instance_lifecycle())),
    C::text("kernel_id", "The kernel", |x, _| Cell::text(x.i.kernel_id())),
    C::text("outpost_arn", "The Outpost", |x, _| Cell::text(x.i.outpost_arn())),
    C::text("placement_affinity", "Dedicated host affinity", |x, _| Cell::text(x.placement().and_then(|p| p.affinity()))),
    C::text("placement_group_id", "The placement group's id", |x, _| Cell::text(x.placement().and_then(|p| p.group_id()))),
    C::text("placement_group_name", "The placement group", |x, _| Cell::text(x.placement().and_then(|p| p.group_name()).filter(|g| !g.is_empty()))),
    C::text("placement_host_id", "The dedicated host", |x, _| Cell::text(x.placement().and_then(|p| p.host_id()))),
    C::text("placement_host_resource_group_arn", "The host resource group", |x, _| Cell::text(x.placement().and_then(|p| p.host_resource_group_arn()))),
    C::int("placement_partition_number", "The partition in the placement group", |x, _| Cell::int(x.placement().and_then(|p| p.partition_number()))),
    C::text("ram_disk_id", "The RAM disk", |x, _| Cell::text(x.i.ramdisk_id())),
    C::bool("source_dest_check", "Whether source/destination checking is on", |x, _| Cell::bool(x.i.source_dest_check())),
    C::text("spot_instance_request_id", "The Spot request", |x, _| Cell::text(x.i.spot_instance_request_id())),
    C::text("sriov_net_support", "Enhanced networking with the Intel VF interface", |x, _| Cell::text(x.i.sriov_net_support())),
    C::int("state_code", "The state as a number (16 running, 80 stopped, ...)", |x, _| Cell::int(x.i.state().and_then(|s| s.code()))),
    C::text("state_transition_reason", "Why the state last changed", |x, _| Cell::text(x.i.state_transition_reason().filter(|r| !r.is_empty()))),
    C::time("state_transition_time", "When the state last changed, from the transition reason", |x, _| transition_time(x.i.state_transition_reason())),
    C::text("tpm_support", "NitroTPM support", |x, _| Cell::text(x.i.tpm_support())),
    C::text("usage_operation", "The billing usage operation", |x, _| Cell::text(x.i.usage_operation())),
    C::text("usage_operation_update_time", "When the usage operation changed", |x, _| Cell::text(time_text(x.i.usage_operation_update_time()).as_deref())),
    C::text("user_data", "Always null: canopy does not read user data (it often holds secrets)", |_, _| Cell::Null),
    C::text("virtualization_type", "hvm or paravirtual", |x, _| Cell::variant(x.i.virtualization_type())),
    C::json("block_device_mappings", "Block devices: [{\"DeviceName\", \"Ebs\": {\"VolumeId\", \"DeleteOnTermination\", \"Status\", \"AttachTime\"}}]", |x, _| Cell::json(Value::Array(
            x.i.block_device_mappings()
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
        ))),
    C::json("elastic_gpu_associations", "Elastic GPU associations", |x, _| Cell::json(Value::Array(
            x.i.elastic_gpu_associations()
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
        ))),
    C::json("elastic_inference_accelerator_associations", "Elastic Inference accelerator associations", |x, _| Cell::json(Value::Array(
            x.i.elastic_inference_accelerator_associations()
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
        ))),
    C::json("enclave_options", "Nitro Enclaves: {\"Enabled\"}", |x, _| json_cell(x.i.enclave_options().map(|e| json!({"Enabled": e.enabled()})))),
    C::json("hibernation_options", "Hibernation: {\"Configured\"}", |x, _| json_cell(
            x.i.hibernation_options()
                .map(|h| json!({"Configured": h.configured()})),
        )),
    C::json("state_reason", "Why the state last changed: {\"Code\", \"Message\"}", |x, _| json_cell(
            x.i.state_reason()
                .map(|r| json!({"Code": r.code(), "Message": r.message()})),
        )),
    C::json("launch_template_data", "The instance as launch template data (GetLaunchTemplateData), without UserData", |_, _| Cell::Null),
    C::json("licenses", "License configurations: [{\"LicenseConfigurationArn\"}]", |x, _| Cell::json(Value::Array(
            x.i.licenses()
                .iter()
                .map(|l| json!({"LicenseConfigurationArn": l.license_configuration_arn()}))
                .collect(),
        ))),
    C::json("maintenance_options", "Maintenance: {\"AutoRecovery\"}", |x, _| json_cell(
            x.i.maintenance_options()
                .map(|m| json!({"AutoRecovery": m.auto_recovery().map(|a| a.as_str())})),
        )),
    C::json("metadata_options", "Instance metadata service: {\"HttpTokens\", \"HttpEndpoint\", \"HttpPutResponseHopLimit\", ...}", |x, _| json_cell(x.i.metadata_options().map(|m| {
            json!({
                "HttpEndpoint": m.http_endpoint().map(|v| v.as_str()),
                "HttpProtocolIpv6": m.http_protocol_ipv6().map(|v| v.as_str()),
                "HttpPutResponseHopLimit": m.http_put_response_hop_limit(),
                "HttpTokens": m.http_tokens().map(|v| v.as_str()),
                "InstanceMetadataTags": m.instance_metadata_tags().map(|v| v.as_str()),
                "State": m.state().map(|v| v.as_str()),
            })
        }))),
    C::json("private_dns_name_options", "Private DNS name options", |x, _| json_cell(x.i.private_dns_name_options().map(|o| {
            json!({
                "EnableResourceNameDnsAAAARecord": o.enable_resource_name_dns_aaaa_record(),
                "EnableResourceNameDnsARecord": o.enable_resource_name_dns_a_record(),
                "HostnameType": o.hostname_type().map(|h| h.as_str()),
            })
        }))),
    C::json("product_codes", "Product codes", |x, _| Cell::json(Value::Array(
            x.i.product_codes()
                .iter()
                .map(|p| {
                    json!({
                        "ProductCodeId": p.product_code_id(),
                        "ProductCodeType": p.product_code_type().map(|t| t.as_str()),
                    })
                })
                .collect(),
        ))),
    C::json("instance_status", "Status checks (DescribeInstanceStatus): {\"InstanceStatus\", \"SystemStatus\", \"Events\", ...}", |_, _| Cell::Null),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
    C::common(Column::TAGS_SRC, |x, _| tags_src(x.i.tags())),
    C::common(Column::TAGS, |x, _| tags_of(x.i.tags())),
    C::common(Column::TITLE, |x, _| Cell::Text(x.id.clone())),
}

pub(super) async fn instances(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.client(Client::new);
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
        return Ok(vec![INSTANCES.batch(Vec::new())]);
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
    let rows: Vec<Row> =
        crate::collectors::for_each_listed(rows, |row| with_details(unit, &client, row)).await;
    Ok(vec![INSTANCES.batch(rows)])
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
    INSTANCES.row(
        &Listed {
            i: i.clone(),
            id,
            interfaces,
            ipv6: ipv6.map(str::to_owned),
            arn,
        },
        unit.cx(),
    )
}

collectors! {
    instances: INSTANCES;
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
