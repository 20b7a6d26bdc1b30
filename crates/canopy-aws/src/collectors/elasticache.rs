//! ElastiCache clusters: DescribeCacheClusters (with their nodes), then per cluster its tags.

use aws_sdk_elasticache::Client;
use aws_sdk_elasticache::types::Endpoint;
use canopy_model::inventory::{Batch, Cell};
use canopy_model::table::Column;
use serde_json::{Value, json};

use super::{Unit, json_cell, list_of, tags_of, tags_src, time, time_text};
use crate::error::AwsError;

/// What is read of one row of `aws_elasticache_cluster`.
struct CacheCluster {
    c: aws_sdk_elasticache::types::CacheCluster,
    id: String,
    arn: String,
    tags: Option<aws_sdk_elasticache::operation::list_tags_for_resource::ListTagsForResourceOutput>,
    group: Option<Value>,
    pending: Option<Value>,
    notification: Option<Value>,
}

table! {
    CLUSTERS: CacheCluster = Regional "aws_elasticache_cluster"
        ["elasticache:DescribeCacheClusters", "elasticache:ListTagsForResource"],
        "ElastiCache clusters (Redis, Valkey, Memcached): encryption, auth, network, snapshots";
    C::text("cache_cluster_id", "The cluster's id", |x, _| Cell::Text(x.id.clone())).required(),
    C::text("arn", "The cluster's ARN", |x, _| Cell::Text(x.arn.clone())),
    C::text("cache_node_type", "Its node type", |x, _| Cell::text(x.c.cache_node_type())),
    C::text("cache_cluster_status", "available, creating, modifying, ...", |x, _| Cell::text(x.c.cache_cluster_status())),
    C::bool("at_rest_encryption_enabled", "Whether data at rest is encrypted", |x, _| Cell::bool(x.c.at_rest_encryption_enabled())),
    C::bool("auth_token_enabled", "Whether commands need an auth token", |x, _| Cell::bool(x.c.auth_token_enabled())),
    C::bool("auto_minor_version_upgrade", "Whether minor versions are applied automatically", |x, _| Cell::bool(x.c.auto_minor_version_upgrade())),
    C::time("cache_cluster_create_time", "When it was created", |x, _| time(x.c.cache_cluster_create_time())),
    C::text("ip_discovery", "ipv4 or ipv6", |x, _| Cell::variant(x.c.ip_discovery())),
    C::text("network_type", "ipv4, ipv6 or dual_stack", |x, _| Cell::variant(x.c.network_type())),
    C::text("transit_encryption_mode", "preferred or required", |x, _| Cell::variant(x.c.transit_encryption_mode())),
    C::text("preferred_outpost_arn", "Its Outpost", |x, _| Cell::text(x.c.preferred_outpost_arn())),
    C::text("cache_subnet_group_name", "Its subnet group", |x, _| Cell::text(x.c.cache_subnet_group_name())),
    C::text("client_download_landing_page", "Where its client library is", |x, _| Cell::text(x.c.client_download_landing_page())),
    C::text("engine", "redis, valkey or memcached", |x, _| Cell::text(x.c.engine())),
    C::text("engine_version", "The engine version", |x, _| Cell::text(x.c.engine_version())),
    C::int("num_cache_nodes", "Its nodes", |x, _| Cell::int(x.c.num_cache_nodes())),
    C::text("preferred_availability_zone", "Its zone, or Multiple", |x, _| Cell::text(x.c.preferred_availability_zone())),
    C::text("preferred_maintenance_window", "The weekly maintenance window (UTC)", |x, _| Cell::text(x.c.preferred_maintenance_window())),
    C::text("replication_group_id", "Its replication group", |x, _| Cell::text(x.c.replication_group_id())),
    C::int("snapshot_retention_limit", "Days automatic snapshots are kept (0: none)", |x, _| Cell::int(x.c.snapshot_retention_limit())),
    C::text("snapshot_window", "The daily snapshot window (UTC)", |x, _| Cell::text(x.c.snapshot_window())),
    C::bool("transit_encryption_enabled", "Whether traffic is encrypted in transit", |x, _| Cell::bool(x.c.transit_encryption_enabled())),
    C::time("auth_token_last_modified_date", "When its auth token last changed", |x, _| time(x.c.auth_token_last_modified_date())),
    C::bool("replication_group_log_delivery_enabled", "Whether its replication group delivers logs", |x, _| Cell::bool(x.c.replication_group_log_delivery_enabled())),
    C::json("cache_parameter_group", "{\"CacheParameterGroupName\", \"ParameterApplyStatus\", \"CacheNodeIdsToReboot\"}", |x, _| json_cell(x.group.clone())),
    C::json(
    "cache_nodes",
    "Its nodes: [{\"CacheNodeId\", \"CacheNodeStatus\", \"Endpoint\", \"CustomerAvailabilityZone\", ...}]",
    |x, _| {
        list_of(x.c.cache_nodes(), |n| {
            json!({
                "CacheNodeCreateTime": time_text(n.cache_node_create_time()),
                "CacheNodeId": n.cache_node_id(),
                "CacheNodeStatus": n.cache_node_status(),
                "CustomerAvailabilityZone": n.customer_availability_zone(),
                "CustomerOutpostArn": n.customer_outpost_arn(),
                "Endpoint": endpoint(n.endpoint()),
                "ParameterGroupStatus": n.parameter_group_status(),
                "SourceCacheNodeId": n.source_cache_node_id(),
            })
        })
    },
),
    C::json("notification_configuration", "{\"TopicArn\", \"TopicStatus\"}", |x, _| json_cell(x.notification.clone())),
    C::json("pending_modified_values", "Changes waiting to be applied", |x, _| json_cell(x.pending.clone())),
    C::json(
    "security_groups",
    "[{\"SecurityGroupId\", \"Status\"}]",
    |x, _| {
        list_of(x.c.security_groups(), |g| {
            json!({
                "SecurityGroupId": g.security_group_id(),
                "Status": g.status(),
            })
        })
    },
),
    C::json("configuration_endpoint", "Memcached's configuration endpoint: {\"Address\", \"Port\"}", |x, _| json_cell(endpoint(x.c.configuration_endpoint()))),
    C::json(
    "cache_security_groups",
    "[{\"CacheSecurityGroupName\", \"Status\"}]",
    |x, _| {
        list_of(x.c.cache_security_groups(), |g| {
            json!({
                "CacheSecurityGroupName": g.cache_security_group_name(),
                "Status": g.status(),
            })
        })
    },
),
    C::json(
    "log_delivery_configurations",
    "[{\"LogType\", \"DestinationType\", \"DestinationDetails\", \"LogFormat\", \"Status\"}]",
    |x, _| {
        list_of(x.c.log_delivery_configurations(), |l| {
            json!({
                "DestinationDetails": l.destination_details().map(|d| json!({
                    "CloudWatchLogsDetails": d.cloud_watch_logs_details().map(|w| json!({"LogGroup": w.log_group()})),
                    "KinesisFirehoseDetails": d.kinesis_firehose_details().map(|k| json!({"DeliveryStream": k.delivery_stream()})),
                })),
                "DestinationType": l.destination_type().map(|t| t.as_str()),
                "LogFormat": l.log_format().map(|f| f.as_str()),
                "LogType": l.log_type().map(|t| t.as_str()),
                "Message": l.message(),
                "Status": l.status().map(|s| s.as_str()),
            })
        })
    },
),
    C::common(Column::TAGS_SRC, |x, _| tags_src(x.tags.iter().flat_map(|t| t.tag_list()))),
    C::common(Column::TITLE, |x, _| Cell::Text(x.id.clone())),
    C::common(Column::TAGS, |x, _| tags_of(x.tags.iter().flat_map(|t| t.tag_list()))),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
}

fn endpoint(e: Option<&Endpoint>) -> Option<Value> {
    e.map(|e| json!({"Address": e.address(), "Port": e.port()}))
}

pub(super) async fn clusters(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.client(Client::new);
    let listed = unit
        .list(
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
            |out| out.cache_clusters.unwrap_or_default(),
        )
        .await?;
    let absent: &[&str] = &["CacheClusterNotFound", "InvalidARN"];
    CLUSTERS
        .each_listed(unit, listed, |c| {
            let client = &client;
            async move {
                let id = c.cache_cluster_id().unwrap_or_default().to_owned();
                let arn = c.arn().map_or_else(
                    || unit.arn("elasticache", &format!("cluster:{id}")),
                    str::to_owned,
                );
                let tags = unit
                    .detail(
                        unit.region,
                        "elasticache:ListTagsForResource",
                        &arn,
                        absent,
                        || client.list_tags_for_resource().resource_name(&arn).send(),
                    )
                    .await
                    .found();
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
                CacheCluster {
                    c,
                    id,
                    arn,
                    tags,
                    group,
                    pending,
                    notification,
                }
            }
        })
        .await
}

collectors! {
    clusters: CLUSTERS;
}
