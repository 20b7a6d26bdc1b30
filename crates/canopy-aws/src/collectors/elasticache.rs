//! ElastiCache clusters: DescribeCacheClusters (with their nodes), then per cluster its tags.

use aws_sdk_elasticache::Client;
use aws_sdk_elasticache::types::Endpoint;
use canopy_model::inventory::{Batch, Cell, Row};
use canopy_model::table::{Column, Scope, TableDef};
use serde_json::{Value, json};

use super::{Unit, batch, json_cell, list_of, tags_of, tags_src, time, time_text};
use crate::error::AwsError;

pub(super) const CLUSTERS: TableDef = TableDef {
    name: "aws_elasticache_cluster",
    scope: Scope::Regional,
    description: "ElastiCache clusters (Redis, Valkey, Memcached): encryption, auth, network, snapshots",
    columns: &[
        Column::text("cache_cluster_id", "The cluster's id").required(),
        Column::text("arn", "The cluster's ARN"),
        Column::text("cache_node_type", "Its node type"),
        Column::text(
            "cache_cluster_status",
            "available, creating, modifying, ...",
        ),
        Column::bool(
            "at_rest_encryption_enabled",
            "Whether data at rest is encrypted",
        ),
        Column::bool("auth_token_enabled", "Whether commands need an auth token"),
        Column::bool(
            "auto_minor_version_upgrade",
            "Whether minor versions are applied automatically",
        ),
        Column::time("cache_cluster_create_time", "When it was created"),
        Column::text("ip_discovery", "ipv4 or ipv6"),
        Column::text("network_type", "ipv4, ipv6 or dual_stack"),
        Column::text("transit_encryption_mode", "preferred or required"),
        Column::text("preferred_outpost_arn", "Its Outpost"),
        Column::text("cache_subnet_group_name", "Its subnet group"),
        Column::text(
            "client_download_landing_page",
            "Where its client library is",
        ),
        Column::text("engine", "redis, valkey or memcached"),
        Column::text("engine_version", "The engine version"),
        Column::int("num_cache_nodes", "Its nodes"),
        Column::text("preferred_availability_zone", "Its zone, or Multiple"),
        Column::text(
            "preferred_maintenance_window",
            "The weekly maintenance window (UTC)",
        ),
        Column::text("replication_group_id", "Its replication group"),
        Column::int(
            "snapshot_retention_limit",
            "Days automatic snapshots are kept (0: none)",
        ),
        Column::text("snapshot_window", "The daily snapshot window (UTC)"),
        Column::bool(
            "transit_encryption_enabled",
            "Whether traffic is encrypted in transit",
        ),
        Column::time(
            "auth_token_last_modified_date",
            "When its auth token last changed",
        ),
        Column::bool(
            "replication_group_log_delivery_enabled",
            "Whether its replication group delivers logs",
        ),
        Column::json(
            "cache_parameter_group",
            "{\"CacheParameterGroupName\", \"ParameterApplyStatus\", \"CacheNodeIdsToReboot\"}",
        ),
        Column::json(
            "cache_nodes",
            "Its nodes: [{\"CacheNodeId\", \"CacheNodeStatus\", \"Endpoint\", \"CustomerAvailabilityZone\", ...}]",
        ),
        Column::json(
            "notification_configuration",
            "{\"TopicArn\", \"TopicStatus\"}",
        ),
        Column::json("pending_modified_values", "Changes waiting to be applied"),
        Column::json("security_groups", "[{\"SecurityGroupId\", \"Status\"}]"),
        Column::json(
            "configuration_endpoint",
            "Memcached's configuration endpoint: {\"Address\", \"Port\"}",
        ),
        Column::json(
            "cache_security_groups",
            "[{\"CacheSecurityGroupName\", \"Status\"}]",
        ),
        Column::json(
            "log_delivery_configurations",
            "[{\"LogType\", \"DestinationType\", \"DestinationDetails\", \"LogFormat\", \"Status\"}]",
        ),
        Column::TAGS_SRC,
        Column::TITLE,
        Column::TAGS,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &[
        "elasticache:DescribeCacheClusters",
        "elasticache:ListTagsForResource",
    ],
    filled_by: "collect",
};

fn endpoint(e: Option<&Endpoint>) -> Option<Value> {
    e.map(|e| json!({"Address": e.address(), "Port": e.port()}))
}

pub(super) async fn clusters(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.session.client(unit.region, Client::new);
    let mut listed = Vec::new();
    unit.paginate(
        "elasticache:DescribeCacheClusters",
        |marker| {
            client
                .describe_cache_clusters()
                .show_cache_node_info(true)
                .max_records(100)
                .set_marker(marker)
                .send()
        },
        |out| out.marker(),
        |out| listed.extend(out.cache_clusters().iter().cloned()),
    )
    .await?;
    let partition = unit.partition();
    let absent: &[&str] = &["CacheClusterNotFound", "InvalidARN"];
    let rows = super::for_each_listed(listed, |c| {
        let client = &client;
        let partition = &partition;
        async move {
            let id = c.cache_cluster_id().unwrap_or_default().to_owned();
            let arn = c
                .arn()
                .map_or_else(|| unit.arn("elasticache", &format!("cluster:{id}")), str::to_owned);
            let tags = unit
                .detail(unit.region, "elasticache:ListTagsForResource", &arn, absent, || {
                    client.list_tags_for_resource().resource_name(&arn).send()
                })
                .await
                .found();
            let pairs = || tags.iter().flat_map(|t| t.tag_list()).map(|t| (t.key(), t.value()));
            let group = c.cache_parameter_group().map(|g| {
                json!({
                    "CacheNodeIdsToReboot": g.cache_node_ids_to_reboot(),
                    "CacheParameterGroupName": g.cache_parameter_group_name(),
                    "ParameterApplyStatus": g.parameter_apply_status(),
                })
            });
            let pending = c.pending_modified_values().map(|p| {
                json!({
                    "AuthTokenStatus": p.auth_token_status().map(|s| s.as_str()),
                    "CacheNodeIdsToRemove": p.cache_node_ids_to_remove(),
                    "CacheNodeType": p.cache_node_type(),
                    "EngineVersion": p.engine_version(),
                    "NumCacheNodes": p.num_cache_nodes(),
                    "TransitEncryptionEnabled": p.transit_encryption_enabled(),
                    "TransitEncryptionMode": p.transit_encryption_mode().map(|m| m.as_str()),
                })
            });
            let notification = c
                .notification_configuration()
                .map(|n| json!({"TopicArn": n.topic_arn(), "TopicStatus": n.topic_status()}));
            Row::default()
                .with("cache_cluster_id", Cell::Text(id.clone()))
                .with("arn", Cell::Text(arn.clone()))
                .with("cache_node_type", Cell::text(c.cache_node_type()))
                .with("cache_cluster_status", Cell::text(c.cache_cluster_status()))
                .with("at_rest_encryption_enabled", Cell::bool(c.at_rest_encryption_enabled()))
                .with("auth_token_enabled", Cell::bool(c.auth_token_enabled()))
                .with("auto_minor_version_upgrade", Cell::bool(c.auto_minor_version_upgrade()))
                .with("cache_cluster_create_time", time(c.cache_cluster_create_time()))
                .with("ip_discovery", Cell::text(c.ip_discovery().map(|i| i.as_str())))
                .with("network_type", Cell::text(c.network_type().map(|n| n.as_str())))
                .with(
                    "transit_encryption_mode",
                    Cell::text(c.transit_encryption_mode().map(|m| m.as_str())),
                )
                .with("preferred_outpost_arn", Cell::text(c.preferred_outpost_arn()))
                .with("cache_subnet_group_name", Cell::text(c.cache_subnet_group_name()))
                .with("client_download_landing_page", Cell::text(c.client_download_landing_page()))
                .with("engine", Cell::text(c.engine()))
                .with("engine_version", Cell::text(c.engine_version()))
                .with("num_cache_nodes", Cell::int(c.num_cache_nodes()))
                .with("preferred_availability_zone", Cell::text(c.preferred_availability_zone()))
                .with("preferred_maintenance_window", Cell::text(c.preferred_maintenance_window()))
                .with("replication_group_id", Cell::text(c.replication_group_id()))
                .with("snapshot_retention_limit", Cell::int(c.snapshot_retention_limit()))
                .with("snapshot_window", Cell::text(c.snapshot_window()))
                .with("transit_encryption_enabled", Cell::bool(c.transit_encryption_enabled()))
                .with("auth_token_last_modified_date", time(c.auth_token_last_modified_date()))
                .with(
                    "replication_group_log_delivery_enabled",
                    Cell::bool(c.replication_group_log_delivery_enabled()),
                )
                .with("cache_parameter_group", json_cell(group))
                .with(
                    "cache_nodes",
                    list_of(c.cache_nodes(), |n| json!({
                        "CacheNodeCreateTime": time_text(n.cache_node_create_time()),
                        "CacheNodeId": n.cache_node_id(),
                        "CacheNodeStatus": n.cache_node_status(),
                        "CustomerAvailabilityZone": n.customer_availability_zone(),
                        "CustomerOutpostArn": n.customer_outpost_arn(),
                        "Endpoint": endpoint(n.endpoint()),
                        "ParameterGroupStatus": n.parameter_group_status(),
                        "SourceCacheNodeId": n.source_cache_node_id(),
                    })),
                )
                .with("notification_configuration", json_cell(notification))
                .with("pending_modified_values", json_cell(pending))
                .with(
                    "security_groups",
                    list_of(c.security_groups(), |g| json!({
                        "SecurityGroupId": g.security_group_id(),
                        "Status": g.status(),
                    })),
                )
                .with("configuration_endpoint", json_cell(endpoint(c.configuration_endpoint())))
                .with(
                    "cache_security_groups",
                    list_of(c.cache_security_groups(), |g| json!({
                        "CacheSecurityGroupName": g.cache_security_group_name(),
                        "Status": g.status(),
                    })),
                )
                .with(
                    "log_delivery_configurations",
                    list_of(c.log_delivery_configurations(), |l| json!({
                        "DestinationDetails": l.destination_details().map(|d| json!({
                            "CloudWatchLogsDetails": d.cloud_watch_logs_details().map(|w| json!({"LogGroup": w.log_group()})),
                            "KinesisFirehoseDetails": d.kinesis_firehose_details().map(|k| json!({"DeliveryStream": k.delivery_stream()})),
                        })),
                        "DestinationType": l.destination_type().map(|t| t.as_str()),
                        "LogFormat": l.log_format().map(|f| f.as_str()),
                        "LogType": l.log_type().map(|t| t.as_str()),
                        "Message": l.message(),
                        "Status": l.status().map(|s| s.as_str()),
                    })),
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
