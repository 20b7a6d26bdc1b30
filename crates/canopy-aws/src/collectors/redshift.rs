//! Redshift clusters: DescribeClusters, the region's scheduled actions once (where there are
//! clusters), then per cluster its logging status. The master password is never kept (AWS
//! masks it; its Secrets Manager secret is named, never read).

use std::collections::HashMap;

use aws_sdk_redshift::Client;
use aws_sdk_redshift::types::ScheduledAction;
use canopy_model::inventory::{Batch, Cell};
use canopy_model::table::Column;
use serde_json::{Value, json};

use super::{Unit, json_cell, list_of, strings, tags_of, tags_src, time, time_text};
use crate::error::AwsError;

/// What is read of one row of `aws_redshift_cluster`.
struct Cluster {
    /// Its scheduled actions.
    scheduled: Option<Vec<Value>>,
    c: aws_sdk_redshift::types::Cluster,
    id: String,
    logging: Option<Value>,
    pending: Option<Value>,
    exchange: Option<Value>,
    progress: Option<Value>,
    restore: Option<Value>,
    arn: String,
}

table! {
    CLUSTERS: Cluster = Regional "aws_redshift_cluster"
        ["redshift:DescribeClusters", "redshift:DescribeScheduledActions", "redshift:DescribeLoggingStatus"],
        "Redshift clusters: exposure, encryption, logging, snapshots, roles";
    C::text("cluster_identifier", "The cluster's identifier", |x, _| Cell::Text(x.id.clone())).required(),
    C::text("arn", "The cluster's ARN", |x, _| Cell::Text(x.arn.clone())),
    C::text("cluster_namespace_arn", "Its namespace's ARN", |x, _| Cell::text(x.c.cluster_namespace_arn())),
    C::bool("allow_version_upgrade", "Whether major versions are applied in the maintenance window", |x, _| Cell::bool(x.c.allow_version_upgrade())),
    C::int("automated_snapshot_retention_period", "Days automated snapshots are kept", |x, _| Cell::int(x.c.automated_snapshot_retention_period())),
    C::text("availability_zone", "Its Availability Zone", |x, _| Cell::text(x.c.availability_zone())),
    C::text("availability_zone_relocation_status", "Its zone relocation status", |x, _| Cell::text(x.c.availability_zone_relocation_status())),
    C::text("cluster_availability_status", "Available, Unavailable, Maintenance, ...", |x, _| Cell::text(x.c.cluster_availability_status())),
    C::time("cluster_create_time", "When it was created", |x, _| time(x.c.cluster_create_time())),
    C::json(
    "cluster_nodes",
    "[{\"NodeRole\", \"PrivateIPAddress\", \"PublicIPAddress\"}]",
    |x, _| {
        list_of(x.c.cluster_nodes(), |n| {
            json!({
                "NodeRole": n.node_role(),
                "PrivateIPAddress": n.private_ip_address(),
                "PublicIPAddress": n.public_ip_address(),
            })
        })
    },
),
    C::json(
    "cluster_parameter_groups",
    "[{\"ParameterGroupName\", \"ParameterApplyStatus\"}]",
    |x, _| {
        list_of(x.c.cluster_parameter_groups(), |g| {
            json!({
                "ParameterApplyStatus": g.parameter_apply_status(),
                "ParameterGroupName": g.parameter_group_name(),
            })
        })
    },
),
    C::text("cluster_public_key", "Its public key", |x, _| Cell::text(x.c.cluster_public_key())),
    C::text("cluster_revision_number", "Its database revision", |x, _| Cell::text(x.c.cluster_revision_number())),
    C::json(
    "cluster_security_groups",
    "[{\"ClusterSecurityGroupName\", \"Status\"}]",
    |x, _| {
        list_of(x.c.cluster_security_groups(), |g| {
            json!({
                "ClusterSecurityGroupName": g.cluster_security_group_name(),
                "Status": g.status(),
            })
        })
    },
),
    C::json(
    "cluster_snapshot_copy_status",
    "Cross-region snapshot copy: {\"DestinationRegion\", \"RetentionPeriod\", ...}",
    |x, _| {
        json_cell(x.c.cluster_snapshot_copy_status().map(|s| {
            json!({
                "DestinationRegion": s.destination_region(),
                "ManualSnapshotRetentionPeriod": s.manual_snapshot_retention_period(),
                "RetentionPeriod": s.retention_period(),
                "SnapshotCopyGrantName": s.snapshot_copy_grant_name(),
            })
        }))
    },
),
    C::text("cluster_status", "available, paused, resizing, ...", |x, _| Cell::text(x.c.cluster_status())),
    C::text("cluster_subnet_group_name", "Its subnet group", |x, _| Cell::text(x.c.cluster_subnet_group_name())),
    C::text("cluster_version", "Its engine version", |x, _| Cell::text(x.c.cluster_version())),
    C::text("custom_domain_certificate_arn", "Its custom domain's certificate", |x, _| Cell::text(x.c.custom_domain_certificate_arn())),
    C::int("total_storage_capacity_in_mega_bytes", "Its storage capacity, MB", |x, _| Cell::int(x.c.total_storage_capacity_in_mega_bytes())),
    C::text("custom_domain_name", "Its custom domain", |x, _| Cell::text(x.c.custom_domain_name())),
    C::text("default_iam_role_arn", "Its default IAM role", |x, _| Cell::text(x.c.default_iam_role_arn())),
    C::text("master_password_secret_arn", "The secret holding the admin credentials (named, never read)", |x, _| Cell::text(x.c.master_password_secret_arn())),
    C::text("master_password_secret_kms_key_id", "That secret's KMS key", |x, _| Cell::text(x.c.master_password_secret_kms_key_id())),
    C::time("custom_domain_certificate_expiry_date", "When its custom domain's certificate expires", |x, _| time(x.c.custom_domain_certificate_expiry_date())),
    C::json(
    "aqua_configuration",
    "AQUA (retired): {\"AquaStatus\", \"AquaConfigurationStatus\"}",
    |x, _| {
        json_cell(x.c.aqua_configuration().map(|a| {
            json!({
                "AquaConfigurationStatus": a.aqua_configuration_status().map(|s| s.as_str()),
                "AquaStatus": a.aqua_status().map(|s| s.as_str()),
            })
        }))
    },
),
    C::json("reserved_node_exchange_status", "A reserved-node exchange in progress", |x, _| json_cell(x.exchange.clone())),
    C::json("data_transfer_progress", "An incremental resize's progress", |x, _| json_cell(x.progress.clone())),
    C::text("db_name", "Its initial database", |x, _| Cell::text(x.c.db_name())),
    C::json(
    "deferred_maintenance_windows",
    "[{\"DeferMaintenanceIdentifier\", \"DeferMaintenanceStartTime\", \"DeferMaintenanceEndTime\"}]",
    |x, _| {
        list_of(x.c.deferred_maintenance_windows(), |w| {
            json!({
                "DeferMaintenanceEndTime": time_text(w.defer_maintenance_end_time()),
                "DeferMaintenanceIdentifier": w.defer_maintenance_identifier(),
                "DeferMaintenanceStartTime": time_text(w.defer_maintenance_start_time()),
            })
        })
    },
),
    C::json(
    "elastic_ip_status",
    "{\"ElasticIp\", \"Status\"}",
    |x, _| {
        json_cell(
            x.c.elastic_ip_status()
                .map(|e| json!({"ElasticIp": e.elastic_ip(), "Status": e.status()})),
        )
    },
),
    C::text("elastic_resize_number_of_node_options", "Node counts an elastic resize can reach", |x, _| Cell::text(x.c.elastic_resize_number_of_node_options())),
    C::bool("encrypted", "Whether it is encrypted at rest", |x, _| Cell::bool(x.c.encrypted())),
    C::json("endpoint", "{\"Address\", \"Port\"}", |x, _| {
    json_cell(
        x.c.endpoint()
            .map(|e| json!({"Address": e.address(), "Port": e.port()})),
    )
}),
    C::bool("enhanced_vpc_routing", "Whether COPY and UNLOAD traffic stays in the VPC", |x, _| Cell::bool(x.c.enhanced_vpc_routing())),
    C::time("expected_next_snapshot_schedule_time", "When its next scheduled snapshot is expected", |x, _| time(x.c.expected_next_snapshot_schedule_time())),
    C::text("expected_next_snapshot_schedule_time_status", "OnTrack or Pending", |x, _| Cell::text(x.c.expected_next_snapshot_schedule_time_status())),
    C::json(
    "hsm_status",
    "HSM settings: {\"HsmClientCertificateIdentifier\", \"HsmConfigurationIdentifier\", \"Status\"}",
    |x, _| {
        json_cell(x.c.hsm_status().map(|h| {
            json!({
                "HsmClientCertificateIdentifier": h.hsm_client_certificate_identifier(),
                "HsmConfigurationIdentifier": h.hsm_configuration_identifier(),
                "Status": h.status(),
            })
        }))
    },
),
    C::json(
    "iam_roles",
    "[{\"IamRoleArn\", \"ApplyStatus\"}]",
    |x, _| {
        list_of(x.c.iam_roles(), |r| {
            json!({
                "ApplyStatus": r.apply_status(),
                "IamRoleArn": r.iam_role_arn(),
            })
        })
    },
),
    C::text("kms_key_id", "The KMS key that encrypts it", |x, _| Cell::text(x.c.kms_key_id())),
    C::text("maintenance_track_name", "current or trailing", |x, _| Cell::text(x.c.maintenance_track_name())),
    C::int("manual_snapshot_retention_period", "Days manual snapshots are kept (-1: forever)", |x, _| Cell::int(x.c.manual_snapshot_retention_period())),
    C::text("master_username", "The admin user's name", |x, _| Cell::text(x.c.master_username())),
    C::text("modify_status", "A modification in progress", |x, _| Cell::text(x.c.modify_status())),
    C::bool("multi_az", "Whether it spans two Availability Zones", |x, _| Cell::bool(x.c.multi_az().map(|m| m.eq_ignore_ascii_case("enabled")))),
    C::time("next_maintenance_window_start_time", "When its next maintenance may start", |x, _| time(x.c.next_maintenance_window_start_time())),
    C::text("node_type", "Its node type", |x, _| Cell::text(x.c.node_type())),
    C::int("number_of_nodes", "Its compute nodes", |x, _| Cell::int(x.c.number_of_nodes())),
    C::json("pending_actions", "Operations waiting to start", |x, _| strings(x.c.pending_actions())),
    C::json("pending_modified_values", "Changes waiting to be applied (a pending password never kept)", |x, _| json_cell(x.pending.clone())),
    C::text("preferred_maintenance_window", "The weekly maintenance window (UTC)", |x, _| Cell::text(x.c.preferred_maintenance_window())),
    C::bool("publicly_accessible", "Whether it is reachable from outside its VPC", |x, _| Cell::bool(x.c.publicly_accessible())),
    C::json(
    "resize_info",
    "{\"ResizeType\", \"AllowCancelResize\"}",
    |x, _| {
        json_cell(x.c.resize_info().map(|r| {
            json!({
                "AllowCancelResize": r.allow_cancel_resize(),
                "ResizeType": r.resize_type(),
            })
        }))
    },
),
    C::json("restore_status", "A restore's progress, when restored from a snapshot", |x, _| json_cell(x.restore.clone())),
    C::text("snapshot_schedule_identifier", "Its snapshot schedule", |x, _| Cell::text(x.c.snapshot_schedule_identifier())),
    C::text("snapshot_schedule_state", "MODIFYING, ACTIVE or FAILED", |x, _| Cell::variant(x.c.snapshot_schedule_state())),
    C::text("vpc_id", "Its VPC", |x, _| Cell::text(x.c.vpc_id())),
    C::json(
    "vpc_security_groups",
    "[{\"VpcSecurityGroupId\", \"Status\"}]",
    |x, _| {
        list_of(x.c.vpc_security_groups(), |g| {
            json!({
                "Status": g.status(),
                "VpcSecurityGroupId": g.vpc_security_group_id(),
            })
        })
    },
),
    C::json("logging_status", "Audit logging: {\"LoggingEnabled\", \"BucketName\", \"S3KeyPrefix\", \"LogDestinationType\", \"LogExports\", ...}", |x, _| json_cell(x.logging.clone())),
    C::json("scheduled_actions", "Its scheduled pauses, resumes and resizes", |x, _| x.scheduled .clone().map_or(Cell::Null, |a| Cell::json(Value::Array(a)))),
    C::common(Column::TAGS_SRC, |x, _| tags_src(x.c.tags().iter())),
    C::common(Column::TITLE, |x, _| Cell::Text(x.id.clone())),
    C::common(Column::TAGS, |x, _| tags_of(x.c.tags().iter())),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
}

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
    let client = unit.client(Client::new);
    let listed = unit
        .list(
            "redshift:DescribeClusters",
            |marker| {
                client
                    .describe_clusters()
                    .max_records(100)
                    .set_marker(marker)
                    .send()
            },
            |out| out.marker(),
            |out| out.clusters.unwrap_or_default(),
        )
        .await?;
    if listed.is_empty() {
        return Ok(vec![CLUSTERS.batch(Vec::new())]);
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
    let absent: &[&str] = &["ClusterNotFound"];
    let scheduled = &scheduled;
    CLUSTERS.each_listed(unit, listed, |c| {
        let client = &client;
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
            Cluster {
                    scheduled: scheduled.get(&id).cloned(),
                    c,
                    id,
                    logging,
                    pending,
                    exchange,
                    progress,
                    restore,
                    arn,
                }
        }
    })
    .await
}

collectors! {
    clusters: CLUSTERS;
}
