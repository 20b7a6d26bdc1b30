//! Redshift clusters: DescribeClusters, the region's scheduled actions once (where there are
//! clusters), then per cluster its logging status. The master password is never kept (AWS
//! masks it; its Secrets Manager secret is named, never read).

use std::collections::HashMap;

use aws_sdk_redshift::Client;
use aws_sdk_redshift::types::ScheduledAction;
use canopy_model::inventory::{Batch, Cell, Row};
use canopy_model::table::{Column, Scope, TableDef};
use serde_json::{Value, json};

use super::{Unit, batch, json_cell, list_of, strings, tags_of, tags_src, time, time_text};
use crate::error::AwsError;

pub(super) const CLUSTERS: TableDef = TableDef {
    name: "aws_redshift_cluster",
    scope: Scope::Regional,
    description: "Redshift clusters: exposure, encryption, logging, snapshots, roles",
    columns: &[
        Column::text("cluster_identifier", "The cluster's identifier").required(),
        Column::text("arn", "The cluster's ARN"),
        Column::text("cluster_namespace_arn", "Its namespace's ARN"),
        Column::bool(
            "allow_version_upgrade",
            "Whether major versions are applied in the maintenance window",
        ),
        Column::int(
            "automated_snapshot_retention_period",
            "Days automated snapshots are kept",
        ),
        Column::text("availability_zone", "Its Availability Zone"),
        Column::text(
            "availability_zone_relocation_status",
            "Its zone relocation status",
        ),
        Column::text(
            "cluster_availability_status",
            "Available, Unavailable, Maintenance, ...",
        ),
        Column::time("cluster_create_time", "When it was created"),
        Column::json(
            "cluster_nodes",
            "[{\"NodeRole\", \"PrivateIPAddress\", \"PublicIPAddress\"}]",
        ),
        Column::json(
            "cluster_parameter_groups",
            "[{\"ParameterGroupName\", \"ParameterApplyStatus\"}]",
        ),
        Column::text("cluster_public_key", "Its public key"),
        Column::text("cluster_revision_number", "Its database revision"),
        Column::json(
            "cluster_security_groups",
            "[{\"ClusterSecurityGroupName\", \"Status\"}]",
        ),
        Column::json(
            "cluster_snapshot_copy_status",
            "Cross-region snapshot copy: {\"DestinationRegion\", \"RetentionPeriod\", ...}",
        ),
        Column::text("cluster_status", "available, paused, resizing, ..."),
        Column::text("cluster_subnet_group_name", "Its subnet group"),
        Column::text("cluster_version", "Its engine version"),
        Column::text(
            "custom_domain_certificate_arn",
            "Its custom domain's certificate",
        ),
        Column::int(
            "total_storage_capacity_in_mega_bytes",
            "Its storage capacity, MB",
        ),
        Column::text("custom_domain_name", "Its custom domain"),
        Column::text("default_iam_role_arn", "Its default IAM role"),
        Column::text(
            "master_password_secret_arn",
            "The secret holding the admin credentials (named, never read)",
        ),
        Column::text("master_password_secret_kms_key_id", "That secret's KMS key"),
        Column::time(
            "custom_domain_certificate_expiry_date",
            "When its custom domain's certificate expires",
        ),
        Column::json(
            "aqua_configuration",
            "AQUA (retired): {\"AquaStatus\", \"AquaConfigurationStatus\"}",
        ),
        Column::json(
            "reserved_node_exchange_status",
            "A reserved-node exchange in progress",
        ),
        Column::json("data_transfer_progress", "An incremental resize's progress"),
        Column::text("db_name", "Its initial database"),
        Column::json(
            "deferred_maintenance_windows",
            "[{\"DeferMaintenanceIdentifier\", \"DeferMaintenanceStartTime\", \"DeferMaintenanceEndTime\"}]",
        ),
        Column::json("elastic_ip_status", "{\"ElasticIp\", \"Status\"}"),
        Column::text(
            "elastic_resize_number_of_node_options",
            "Node counts an elastic resize can reach",
        ),
        Column::bool("encrypted", "Whether it is encrypted at rest"),
        Column::json("endpoint", "{\"Address\", \"Port\"}"),
        Column::bool(
            "enhanced_vpc_routing",
            "Whether COPY and UNLOAD traffic stays in the VPC",
        ),
        Column::time(
            "expected_next_snapshot_schedule_time",
            "When its next scheduled snapshot is expected",
        ),
        Column::text(
            "expected_next_snapshot_schedule_time_status",
            "OnTrack or Pending",
        ),
        Column::json(
            "hsm_status",
            "HSM settings: {\"HsmClientCertificateIdentifier\", \"HsmConfigurationIdentifier\", \"Status\"}",
        ),
        Column::json("iam_roles", "[{\"IamRoleArn\", \"ApplyStatus\"}]"),
        Column::text("kms_key_id", "The KMS key that encrypts it"),
        Column::text("maintenance_track_name", "current or trailing"),
        Column::int(
            "manual_snapshot_retention_period",
            "Days manual snapshots are kept (-1: forever)",
        ),
        Column::text("master_username", "The admin user's name"),
        Column::text("modify_status", "A modification in progress"),
        Column::bool("multi_az", "Whether it spans two Availability Zones"),
        Column::time(
            "next_maintenance_window_start_time",
            "When its next maintenance may start",
        ),
        Column::text("node_type", "Its node type"),
        Column::int("number_of_nodes", "Its compute nodes"),
        Column::json("pending_actions", "Operations waiting to start"),
        Column::json(
            "pending_modified_values",
            "Changes waiting to be applied (a pending password never kept)",
        ),
        Column::text(
            "preferred_maintenance_window",
            "The weekly maintenance window (UTC)",
        ),
        Column::bool(
            "publicly_accessible",
            "Whether it is reachable from outside its VPC",
        ),
        Column::json("resize_info", "{\"ResizeType\", \"AllowCancelResize\"}"),
        Column::json(
            "restore_status",
            "A restore's progress, when restored from a snapshot",
        ),
        Column::text("snapshot_schedule_identifier", "Its snapshot schedule"),
        Column::text("snapshot_schedule_state", "MODIFYING, ACTIVE or FAILED"),
        Column::text("vpc_id", "Its VPC"),
        Column::json(
            "vpc_security_groups",
            "[{\"VpcSecurityGroupId\", \"Status\"}]",
        ),
        Column::json(
            "logging_status",
            "Audit logging: {\"LoggingEnabled\", \"BucketName\", \"S3KeyPrefix\", \"LogDestinationType\", \"LogExports\", ...}",
        ),
        Column::json(
            "scheduled_actions",
            "Its scheduled pauses, resumes and resizes",
        ),
        Column::TAGS_SRC,
        Column::TITLE,
        Column::TAGS,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &[
        "redshift:DescribeClusters",
        "redshift:DescribeScheduledActions",
        "redshift:DescribeLoggingStatus",
    ],
    filled_by: "collect",
};

/// The cluster a scheduled action acts on.
fn target_cluster(action: &ScheduledAction) -> Option<&str> {
    let target = action.target_action()?;
    target
        .resize_cluster()
        .and_then(|r| r.cluster_identifier())
        .or_else(|| target.pause_cluster().and_then(|p| p.cluster_identifier()))
        .or_else(|| target.resume_cluster().and_then(|r| r.cluster_identifier()))
}

pub(super) async fn clusters(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.session.client(unit.region, Client::new);
    let mut listed = Vec::new();
    unit.paginate(
        "redshift:DescribeClusters",
        |marker| {
            client
                .describe_clusters()
                .max_records(100)
                .set_marker(marker)
                .send()
        },
        |out| out.marker(),
        |out| listed.extend(out.clusters().iter().cloned()),
    )
    .await?;
    if listed.is_empty() {
        return Ok(vec![batch(&CLUSTERS, Vec::new())]);
    }
    let mut scheduled: HashMap<String, Vec<Value>> = HashMap::new();
    unit.paginate(
        "redshift:DescribeScheduledActions",
        |marker| {
            client
                .describe_scheduled_actions()
                .max_records(100)
                .set_marker(marker)
                .send()
        },
        |out| out.marker(),
        |out| {
            for a in out.scheduled_actions() {
                let Some(cluster) = target_cluster(a) else {
                    continue;
                };
                scheduled.entry(cluster.to_owned()).or_default().push(json!({
                    "EndTime": time_text(a.end_time()),
                    "IamRole": a.iam_role(),
                    "NextInvocations": a.next_invocations().iter().map(|t| time_text(Some(t))).collect::<Vec<_>>(),
                    "Schedule": a.schedule(),
                    "ScheduledActionDescription": a.scheduled_action_description(),
                    "ScheduledActionName": a.scheduled_action_name(),
                    "StartTime": time_text(a.start_time()),
                    "State": a.state().map(|s| s.as_str()),
                }));
            }
        },
    )
    .await?;
    let partition = unit.partition();
    let absent: &[&str] = &["ClusterNotFound"];
    let scheduled = &scheduled;
    let rows = super::for_each_listed(listed, |c| {
        let client = &client;
        let partition = &partition;
        async move {
            let id = c.cluster_identifier().unwrap_or_default().to_owned();
            let logging = unit
                .detail(unit.region, "redshift:DescribeLoggingStatus", &id, absent, || {
                    client.describe_logging_status().cluster_identifier(&id).send()
                })
                .await
                .found()
                .map(|l| {
                    json!({
                        "BucketName": l.bucket_name(),
                        "LastFailureMessage": l.last_failure_message(),
                        "LastFailureTime": time_text(l.last_failure_time()),
                        "LastSuccessfulDeliveryTime": time_text(l.last_successful_delivery_time()),
                        "LogDestinationType": l.log_destination_type().map(|t| t.as_str()),
                        "LogExports": l.log_exports(),
                        "LoggingEnabled": l.logging_enabled(),
                        "S3KeyPrefix": l.s3_key_prefix(),
                    })
                });
            let pairs = || c.tags().iter().map(|t| (t.key(), t.value()));
            let pending = c.pending_modified_values().map(|p| {
                json!({
                    "AutomatedSnapshotRetentionPeriod": p.automated_snapshot_retention_period(),
                    "ClusterIdentifier": p.cluster_identifier(),
                    "ClusterType": p.cluster_type(),
                    "ClusterVersion": p.cluster_version(),
                    "EncryptionType": p.encryption_type(),
                    "EnhancedVpcRouting": p.enhanced_vpc_routing(),
                    "MaintenanceTrackName": p.maintenance_track_name(),
                    "NodeType": p.node_type(),
                    "NumberOfNodes": p.number_of_nodes(),
                    "PubliclyAccessible": p.publicly_accessible(),
                })
            });
            let exchange = c.reserved_node_exchange_status().map(|r| {
                json!({
                    "RequestTime": time_text(r.request_time()),
                    "ReservedNodeExchangeRequestId": r.reserved_node_exchange_request_id(),
                    "SourceReservedNodeCount": r.source_reserved_node_count(),
                    "SourceReservedNodeId": r.source_reserved_node_id(),
                    "SourceReservedNodeType": r.source_reserved_node_type(),
                    "Status": r.status().map(|s| s.as_str()),
                    "TargetReservedNodeCount": r.target_reserved_node_count(),
                    "TargetReservedNodeOfferingId": r.target_reserved_node_offering_id(),
                    "TargetReservedNodeType": r.target_reserved_node_type(),
                })
            });
            let progress = c.data_transfer_progress().map(|d| {
                json!({
                    "CurrentRateInMegaBytesPerSecond": d.current_rate_in_mega_bytes_per_second(),
                    "DataTransferredInMegaBytes": d.data_transferred_in_mega_bytes(),
                    "ElapsedTimeInSeconds": d.elapsed_time_in_seconds(),
                    "EstimatedTimeToCompletionInSeconds": d.estimated_time_to_completion_in_seconds(),
                    "Status": d.status(),
                    "TotalDataInMegaBytes": d.total_data_in_mega_bytes(),
                })
            });
            let restore = c.restore_status().map(|r| {
                json!({
                    "CurrentRestoreRateInMegaBytesPerSecond": r.current_restore_rate_in_mega_bytes_per_second(),
                    "ElapsedTimeInSeconds": r.elapsed_time_in_seconds(),
                    "EstimatedTimeToCompletionInSeconds": r.estimated_time_to_completion_in_seconds(),
                    "ProgressInMegaBytes": r.progress_in_mega_bytes(),
                    "SnapshotSizeInMegaBytes": r.snapshot_size_in_mega_bytes(),
                    "Status": r.status(),
                })
            });
            let arn = unit.arn("redshift", &format!("cluster:{id}"));
            Row::default()
                .with("cluster_identifier", Cell::Text(id.clone()))
                .with("arn", Cell::Text(arn.clone()))
                .with("cluster_namespace_arn", Cell::text(c.cluster_namespace_arn()))
                .with("allow_version_upgrade", Cell::bool(c.allow_version_upgrade()))
                .with(
                    "automated_snapshot_retention_period",
                    Cell::int(c.automated_snapshot_retention_period()),
                )
                .with("availability_zone", Cell::text(c.availability_zone()))
                .with(
                    "availability_zone_relocation_status",
                    Cell::text(c.availability_zone_relocation_status()),
                )
                .with("cluster_availability_status", Cell::text(c.cluster_availability_status()))
                .with("cluster_create_time", time(c.cluster_create_time()))
                .with(
                    "cluster_nodes",
                    list_of(c.cluster_nodes(), |n| json!({
                        "NodeRole": n.node_role(),
                        "PrivateIPAddress": n.private_ip_address(),
                        "PublicIPAddress": n.public_ip_address(),
                    })),
                )
                .with(
                    "cluster_parameter_groups",
                    list_of(c.cluster_parameter_groups(), |g| json!({
                        "ParameterApplyStatus": g.parameter_apply_status(),
                        "ParameterGroupName": g.parameter_group_name(),
                    })),
                )
                .with("cluster_public_key", Cell::text(c.cluster_public_key()))
                .with("cluster_revision_number", Cell::text(c.cluster_revision_number()))
                .with(
                    "cluster_security_groups",
                    list_of(c.cluster_security_groups(), |g| json!({
                        "ClusterSecurityGroupName": g.cluster_security_group_name(),
                        "Status": g.status(),
                    })),
                )
                .with(
                    "cluster_snapshot_copy_status",
                    json_cell(c.cluster_snapshot_copy_status().map(|s| json!({
                        "DestinationRegion": s.destination_region(),
                        "ManualSnapshotRetentionPeriod": s.manual_snapshot_retention_period(),
                        "RetentionPeriod": s.retention_period(),
                        "SnapshotCopyGrantName": s.snapshot_copy_grant_name(),
                    }))),
                )
                .with("cluster_status", Cell::text(c.cluster_status()))
                .with("cluster_subnet_group_name", Cell::text(c.cluster_subnet_group_name()))
                .with("cluster_version", Cell::text(c.cluster_version()))
                .with("custom_domain_certificate_arn", Cell::text(c.custom_domain_certificate_arn()))
                .with(
                    "total_storage_capacity_in_mega_bytes",
                    Cell::int(c.total_storage_capacity_in_mega_bytes()),
                )
                .with("custom_domain_name", Cell::text(c.custom_domain_name()))
                .with("default_iam_role_arn", Cell::text(c.default_iam_role_arn()))
                .with("master_password_secret_arn", Cell::text(c.master_password_secret_arn()))
                .with(
                    "master_password_secret_kms_key_id",
                    Cell::text(c.master_password_secret_kms_key_id()),
                )
                .with(
                    "custom_domain_certificate_expiry_date",
                    time(c.custom_domain_certificate_expiry_date()),
                )
                .with(
                    "aqua_configuration",
                    json_cell(c.aqua_configuration().map(|a| json!({
                        "AquaConfigurationStatus": a.aqua_configuration_status().map(|s| s.as_str()),
                        "AquaStatus": a.aqua_status().map(|s| s.as_str()),
                    }))),
                )
                .with("reserved_node_exchange_status", json_cell(exchange))
                .with("data_transfer_progress", json_cell(progress))
                .with("db_name", Cell::text(c.db_name()))
                .with(
                    "deferred_maintenance_windows",
                    list_of(c.deferred_maintenance_windows(), |w| json!({
                        "DeferMaintenanceEndTime": time_text(w.defer_maintenance_end_time()),
                        "DeferMaintenanceIdentifier": w.defer_maintenance_identifier(),
                        "DeferMaintenanceStartTime": time_text(w.defer_maintenance_start_time()),
                    })),
                )
                .with(
                    "elastic_ip_status",
                    json_cell(c.elastic_ip_status().map(|e| json!({"ElasticIp": e.elastic_ip(), "Status": e.status()}))),
                )
                .with(
                    "elastic_resize_number_of_node_options",
                    Cell::text(c.elastic_resize_number_of_node_options()),
                )
                .with("encrypted", Cell::bool(c.encrypted()))
                .with(
                    "endpoint",
                    json_cell(c.endpoint().map(|e| json!({"Address": e.address(), "Port": e.port()}))),
                )
                .with("enhanced_vpc_routing", Cell::bool(c.enhanced_vpc_routing()))
                .with(
                    "expected_next_snapshot_schedule_time",
                    time(c.expected_next_snapshot_schedule_time()),
                )
                .with(
                    "expected_next_snapshot_schedule_time_status",
                    Cell::text(c.expected_next_snapshot_schedule_time_status()),
                )
                .with(
                    "hsm_status",
                    json_cell(c.hsm_status().map(|h| json!({
                        "HsmClientCertificateIdentifier": h.hsm_client_certificate_identifier(),
                        "HsmConfigurationIdentifier": h.hsm_configuration_identifier(),
                        "Status": h.status(),
                    }))),
                )
                .with(
                    "iam_roles",
                    list_of(c.iam_roles(), |r| json!({
                        "ApplyStatus": r.apply_status(),
                        "IamRoleArn": r.iam_role_arn(),
                    })),
                )
                .with("kms_key_id", Cell::text(c.kms_key_id()))
                .with("maintenance_track_name", Cell::text(c.maintenance_track_name()))
                .with(
                    "manual_snapshot_retention_period",
                    Cell::int(c.manual_snapshot_retention_period()),
                )
                .with("master_username", Cell::text(c.master_username()))
                .with("modify_status", Cell::text(c.modify_status()))
                .with(
                    "multi_az",
                    Cell::bool(c.multi_az().map(|m| m.eq_ignore_ascii_case("enabled"))),
                )
                .with(
                    "next_maintenance_window_start_time",
                    time(c.next_maintenance_window_start_time()),
                )
                .with("node_type", Cell::text(c.node_type()))
                .with("number_of_nodes", Cell::int(c.number_of_nodes()))
                .with(
                    "pending_actions",
                    strings(c.pending_actions()),
                )
                .with("pending_modified_values", json_cell(pending))
                .with("preferred_maintenance_window", Cell::text(c.preferred_maintenance_window()))
                .with("publicly_accessible", Cell::bool(c.publicly_accessible()))
                .with(
                    "resize_info",
                    json_cell(c.resize_info().map(|r| json!({
                        "AllowCancelResize": r.allow_cancel_resize(),
                        "ResizeType": r.resize_type(),
                    }))),
                )
                .with("restore_status", json_cell(restore))
                .with("snapshot_schedule_identifier", Cell::text(c.snapshot_schedule_identifier()))
                .with(
                    "snapshot_schedule_state",
                    Cell::text(c.snapshot_schedule_state().map(|s| s.as_str())),
                )
                .with("vpc_id", Cell::text(c.vpc_id()))
                .with(
                    "vpc_security_groups",
                    list_of(c.vpc_security_groups(), |g| json!({
                        "Status": g.status(),
                        "VpcSecurityGroupId": g.vpc_security_group_id(),
                    })),
                )
                .with("logging_status", json_cell(logging))
                .with(
                    "scheduled_actions",
                    scheduled.get(&id).map_or(Cell::Null, |a| Cell::json(Value::Array(a.clone()))),
                )
                .with("tags_src", tags_src(pairs()))
                .with("title", Cell::Text(id))
                .with("tags", tags_of(pairs()))
                .with("akas", Cell::json(json!([arn])))
                .with("partition", partition.clone())
        }
    })
    .await;
    Ok(vec![batch(&CLUSTERS, rows)])
}
