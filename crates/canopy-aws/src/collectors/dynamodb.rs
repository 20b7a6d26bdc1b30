//! DynamoDB tables: ListTables, then per table its description, continuous backups, Kinesis
//! streaming destinations and tags.

use aws_sdk_dynamodb::Client;
use canopy_model::inventory::{Batch, Cell, Row};
use canopy_model::table::{Column, Scope, TableDef};
use serde_json::{Value, json};

use super::{Unit, batch, json_cell, tags_of, tags_src, time, time_text};
use crate::error::AwsError;

pub(super) const TABLES: TableDef = TableDef {
    name: "aws_dynamodb_table",
    scope: Scope::Regional,
    description: "DynamoDB tables: keys, capacity, encryption, backups, streams",
    columns: &[
        Column::text("name", "The table's name").required(),
        Column::text("arn", "The table's ARN"),
        Column::text("table_id", "Its unique id"),
        Column::time("creation_date_time", "When it was created"),
        Column::text("table_class", "STANDARD or STANDARD_INFREQUENT_ACCESS"),
        Column::text("table_status", "Its status (ACTIVE, ...)"),
        Column::text("billing_mode", "PROVISIONED or PAY_PER_REQUEST"),
        Column::int(
            "item_count",
            "Items in it (approximate, updated about every six hours)",
        ),
        Column::text(
            "global_table_version",
            "Its global tables version, if a global table",
        ),
        Column::int("read_capacity", "Provisioned read capacity units"),
        Column::int("write_capacity", "Provisioned write capacity units"),
        Column::text("latest_stream_arn", "Its latest stream's ARN"),
        Column::text("latest_stream_label", "Its latest stream's label"),
        Column::int("table_size_bytes", "Its size in bytes (approximate)"),
        Column::json(
            "archival_summary",
            "Archival: {\"ArchivalBackupArn\", \"ArchivalDateTime\", \"ArchivalReason\"}",
        ),
        Column::json(
            "attribute_definitions",
            "Key attributes: [{\"AttributeName\", \"AttributeType\"}]",
        ),
        Column::json(
            "key_schema",
            "The primary key: [{\"AttributeName\", \"KeyType\": HASH | RANGE}]",
        ),
        Column::json(
            "sse_description",
            "Server-side encryption: {\"Status\", \"SSEType\", \"KMSMasterKeyArn\", ...}; null: AWS owned key",
        ),
        Column::json("replicas", "Its replicas, if a global table"),
        Column::json("restore_summary", "Where it was restored from, if it was"),
        Column::json(
            "stream_specification",
            "Its stream: {\"StreamEnabled\", \"StreamViewType\"}",
        ),
        Column::bool(
            "deletion_protection_enabled",
            "Whether deletion protection is on",
        ),
        Column::text("continuous_backups_status", "ENABLED or DISABLED"),
        Column::json(
            "streaming_destination",
            "Kinesis streaming: {\"KinesisDataStreamDestinations\": [{\"StreamArn\", \"DestinationStatus\", ...}]}",
        ),
        Column::json(
            "point_in_time_recovery_description",
            "Point-in-time recovery: {\"PointInTimeRecoveryStatus\", \"EarliestRestorableDateTime\", ...}",
        ),
        Column::TAGS_SRC,
        Column::TAGS,
        Column::TITLE,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &[
        "dynamodb:ListTables",
        "dynamodb:DescribeTable",
        "dynamodb:DescribeContinuousBackups",
        "dynamodb:DescribeKinesisStreamingDestination",
        "dynamodb:ListTagsOfResource",
    ],
    filled_by: "collect",
};

pub(super) async fn tables(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.session.client(unit.region, Client::new);
    let mut names = Vec::new();
    unit.paginate(
        "dynamodb:ListTables",
        |token| {
            client
                .list_tables()
                .limit(100)
                .set_exclusive_start_table_name(token)
                .send()
        },
        |out| out.last_evaluated_table_name(),
        |out| names.extend(out.table_names().iter().cloned()),
    )
    .await?;
    let partition = unit.partition();
    let absent: &[&str] = &["ResourceNotFoundException", "TableNotFoundException"];
    let rows = super::for_each_listed(names, |name| {
        let client = &client;
        let partition = &partition;
        async move {
            let arn = unit.arn("dynamodb", &format!("table/{name}"));
            let (described, backups, streaming, tags) = tokio::join!(
                unit.detail(unit.region, "dynamodb:DescribeTable", &name, absent, || {
                    client.describe_table().table_name(&name).send()
                }),
                unit.detail(
                    unit.region,
                    "dynamodb:DescribeContinuousBackups",
                    &name,
                    absent,
                    || client.describe_continuous_backups().table_name(&name).send()
                ),
                unit.detail(
                    unit.region,
                    "dynamodb:DescribeKinesisStreamingDestination",
                    &name,
                    absent,
                    || {
                        client
                            .describe_kinesis_streaming_destination()
                            .table_name(&name)
                            .send()
                    }
                ),
                unit.detail(unit.region, "dynamodb:ListTagsOfResource", &name, absent, || {
                    client.list_tags_of_resource().resource_arn(&arn).send()
                }),
            );
            let described = described.found();
            let t = described.as_ref().and_then(|d| d.table());
            let throughput = t.and_then(|t| t.provisioned_throughput());
            let backups = backups
                .found()
                .and_then(|b| b.continuous_backups_description().cloned());
            let recovery = backups
                .as_ref()
                .and_then(|b| b.point_in_time_recovery_description())
                .map(|p| {
                    json!({
                        "EarliestRestorableDateTime": time_text(p.earliest_restorable_date_time()),
                        "LatestRestorableDateTime": time_text(p.latest_restorable_date_time()),
                        "PointInTimeRecoveryStatus": p.point_in_time_recovery_status().map(|s| s.as_str()),
                        "RecoveryPeriodInDays": p.recovery_period_in_days(),
                    })
                });
            let streaming = streaming.found().map(|s| {
                let destinations: Vec<Value> = s
                    .kinesis_data_stream_destinations()
                    .iter()
                    .map(|d| {
                        json!({
                            "ApproximateCreationDateTimePrecision": d.approximate_creation_date_time_precision().map(|p| p.as_str()),
                            "DestinationStatus": d.destination_status().map(|s| s.as_str()),
                            "DestinationStatusDescription": d.destination_status_description(),
                            "StreamArn": d.stream_arn(),
                        })
                    })
                    .collect();
                json!({"KinesisDataStreamDestinations": destinations, "TableName": s.table_name()})
            });
            let tags = tags.found();
            let pairs = || {
                tags.iter()
                    .flat_map(|o| o.tags())
                    .map(|t| (Some(t.key()), Some(t.value())))
            };
            let sse = t.and_then(|t| t.sse_description()).map(|s| {
                json!({
                    "InaccessibleEncryptionDateTime": time_text(s.inaccessible_encryption_date_time()),
                    "KMSMasterKeyArn": s.kms_master_key_arn(),
                    "SSEType": s.sse_type().map(|v| v.as_str()),
                    "Status": s.status().map(|v| v.as_str()),
                })
            });
            let archival = t.and_then(|t| t.archival_summary()).map(|a| {
                json!({
                    "ArchivalBackupArn": a.archival_backup_arn(),
                    "ArchivalDateTime": time_text(a.archival_date_time()),
                    "ArchivalReason": a.archival_reason(),
                })
            });
            let attributes = t.map(|t| {
                Value::Array(
                    t.attribute_definitions()
                        .iter()
                        .map(|a| json!({"AttributeName": a.attribute_name(), "AttributeType": a.attribute_type().as_str()}))
                        .collect(),
                )
            });
            let keys = t.map(|t| {
                Value::Array(
                    t.key_schema()
                        .iter()
                        .map(|k| json!({"AttributeName": k.attribute_name(), "KeyType": k.key_type().as_str()}))
                        .collect(),
                )
            });
            let replicas = t.filter(|t| !t.replicas().is_empty()).map(|t| {
                Value::Array(
                    t.replicas()
                        .iter()
                        .map(|r| {
                            json!({
                                "KMSMasterKeyId": r.kms_master_key_id(),
                                "RegionName": r.region_name(),
                                "ReplicaInaccessibleDateTime": time_text(r.replica_inaccessible_date_time()),
                                "ReplicaStatus": r.replica_status().map(|s| s.as_str()),
                                "ReplicaStatusDescription": r.replica_status_description(),
                                "ReplicaStatusPercentProgress": r.replica_status_percent_progress(),
                            })
                        })
                        .collect(),
                )
            });
            let restore = t.and_then(|t| t.restore_summary()).map(|r| {
                json!({
                    "RestoreDateTime": time_text(Some(r.restore_date_time())),
                    "RestoreInProgress": r.restore_in_progress(),
                    "SourceBackupArn": r.source_backup_arn(),
                    "SourceTableArn": r.source_table_arn(),
                })
            });
            let stream = t.and_then(|t| t.stream_specification()).map(|s| {
                json!({"StreamEnabled": s.stream_enabled(), "StreamViewType": s.stream_view_type().map(|v| v.as_str())})
            });
            let arn = t.and_then(|t| t.table_arn()).map_or(arn.clone(), str::to_owned);
            Row::default()
                .with("name", Cell::Text(name.clone()))
                .with("arn", Cell::Text(arn.clone()))
                .with("table_id", Cell::text(t.and_then(|t| t.table_id())))
                .with("creation_date_time", time(t.and_then(|t| t.creation_date_time())))
                .with(
                    "table_class",
                    Cell::text(
                        t.and_then(|t| t.table_class_summary())
                            .and_then(|c| c.table_class())
                            .map(|c| c.as_str()),
                    ),
                )
                .with("table_status", Cell::text(t.and_then(|t| t.table_status()).map(|s| s.as_str())))
                .with(
                    "billing_mode",
                    Cell::text(
                        t.and_then(|t| t.billing_mode_summary())
                            .and_then(|b| b.billing_mode())
                            .map(|b| b.as_str()),
                    ),
                )
                .with("item_count", Cell::int(t.and_then(|t| t.item_count())))
                .with("global_table_version", Cell::text(t.and_then(|t| t.global_table_version())))
                .with("read_capacity", Cell::int(throughput.and_then(|p| p.read_capacity_units())))
                .with("write_capacity", Cell::int(throughput.and_then(|p| p.write_capacity_units())))
                .with("latest_stream_arn", Cell::text(t.and_then(|t| t.latest_stream_arn())))
                .with("latest_stream_label", Cell::text(t.and_then(|t| t.latest_stream_label())))
                .with("table_size_bytes", Cell::int(t.and_then(|t| t.table_size_bytes())))
                .with("archival_summary", json_cell(archival))
                .with("attribute_definitions", json_cell(attributes))
                .with("key_schema", json_cell(keys))
                .with("sse_description", json_cell(sse))
                .with("replicas", json_cell(replicas))
                .with("restore_summary", json_cell(restore))
                .with("stream_specification", json_cell(stream))
                .with(
                    "deletion_protection_enabled",
                    Cell::bool(t.and_then(|t| t.deletion_protection_enabled())),
                )
                .with(
                    "continuous_backups_status",
                    Cell::text(backups.as_ref().map(|b| b.continuous_backups_status().as_str())),
                )
                .with("streaming_destination", json_cell(streaming))
                .with("point_in_time_recovery_description", json_cell(recovery))
                .with("tags_src", tags_src(pairs()))
                .with("tags", tags_of(pairs()))
                .with("title", Cell::Text(name))
                .with("akas", Cell::json(json!([arn])))
                .with("partition", partition.clone())
        }
    })
    .await;
    Ok(vec![batch(&TABLES, rows)])
}
