//! DynamoDB tables: ListTables, then per table its description, continuous backups, Kinesis
//! streaming destinations and tags.

use aws_sdk_dynamodb::Client;
use canopy_model::inventory::{Batch, Cell};
use canopy_model::table::Column;
use serde_json::{Value, json};

use super::{Unit, json_cell, tags_of, tags_src, time, time_text};
use crate::error::AwsError;

/// What is read of one row of `aws_dynamodb_table`.
struct Table {
    name: String,
    arn: String,
    described: Option<aws_sdk_dynamodb::operation::describe_table::DescribeTableOutput>,
    backups: Option<aws_sdk_dynamodb::types::ContinuousBackupsDescription>,
    recovery: Option<Value>,
    streaming: Option<Value>,
    tags: Option<aws_sdk_dynamodb::operation::list_tags_of_resource::ListTagsOfResourceOutput>,
    sse: Option<Value>,
    archival: Option<Value>,
    attributes: Option<Value>,
    keys: Option<Value>,
    replicas: Option<Value>,
    restore: Option<Value>,
    stream: Option<Value>,
}

impl Table {
    fn throughput(&self) -> Option<&aws_sdk_dynamodb::types::ProvisionedThroughputDescription> {
        self.t().and_then(|t| t.provisioned_throughput())
    }

    fn t(&self) -> Option<&aws_sdk_dynamodb::types::TableDescription> {
        self.described.as_ref().and_then(|d| d.table())
    }
}

table! {
    TABLES: Table = Regional "aws_dynamodb_table"
        ["dynamodb:ListTables", "dynamodb:DescribeTable", "dynamodb:DescribeContinuousBackups", "dynamodb:DescribeKinesisStreamingDestination", "dynamodb:ListTagsOfResource"],
        "DynamoDB tables: keys, capacity, encryption, backups, streams";
    C::text("name", "The table's name", |x, _| Cell::Text(x.name.clone())).required(),
    C::text("arn", "The table's ARN", |x, _| Cell::Text(x.arn.clone())),
    C::text("table_id", "Its unique id", |x, _| Cell::text(x.t().and_then(|t| t.table_id()))),
    C::time("creation_date_time", "When it was created", |x, _| time(x.t().and_then(|t| t.creation_date_time()))),
    C::text("table_class", "STANDARD or STANDARD_INFREQUENT_ACCESS", |x, _| Cell::variant(x.t().and_then(|t| t.table_class_summary()).and_then(|c| c.table_class()))),
    C::text("table_status", "Its status (ACTIVE, ...)", |x, _| Cell::variant(x.t().and_then(|t| t.table_status()))),
    C::text("billing_mode", "PROVISIONED or PAY_PER_REQUEST", |x, _| Cell::variant(x.t().and_then(|t| t.billing_mode_summary()).and_then(|b| b.billing_mode()))),
    C::int("item_count", "Items in it (approximate, updated about every six hours)", |x, _| Cell::int(x.t().and_then(|t| t.item_count()))),
    C::text("global_table_version", "Its global tables version, if a global table", |x, _| Cell::text(x.t().and_then(|t| t.global_table_version()))),
    C::int("read_capacity", "Provisioned read capacity units", |x, _| Cell::int(x.throughput().and_then(|p| p.read_capacity_units()))),
    C::int("write_capacity", "Provisioned write capacity units", |x, _| Cell::int(x.throughput().and_then(|p| p.write_capacity_units()))),
    C::text("latest_stream_arn", "Its latest stream's ARN", |x, _| Cell::text(x.t().and_then(|t| t.latest_stream_arn()))),
    C::text("latest_stream_label", "Its latest stream's label", |x, _| Cell::text(x.t().and_then(|t| t.latest_stream_label()))),
    C::int("table_size_bytes", "Its size in bytes (approximate)", |x, _| Cell::int(x.t().and_then(|t| t.table_size_bytes()))),
    C::json("archival_summary", "Archival: {\"ArchivalBackupArn\", \"ArchivalDateTime\", \"ArchivalReason\"}", |x, _| json_cell(x.archival.clone())),
    C::json("attribute_definitions", "Key attributes: [{\"AttributeName\", \"AttributeType\"}]", |x, _| json_cell(x.attributes.clone())),
    C::json("key_schema", "The primary key: [{\"AttributeName\", \"KeyType\": HASH | RANGE}]", |x, _| json_cell(x.keys.clone())),
    C::json("sse_description", "Server-side encryption: {\"Status\", \"SSEType\", \"KMSMasterKeyArn\", ...}; null: AWS owned key", |x, _| json_cell(x.sse.clone())),
    C::json("replicas", "Its replicas, if a global table", |x, _| json_cell(x.replicas.clone())),
    C::json("restore_summary", "Where it was restored from, if it was", |x, _| json_cell(x.restore.clone())),
    C::json("stream_specification", "Its stream: {\"StreamEnabled\", \"StreamViewType\"}", |x, _| json_cell(x.stream.clone())),
    C::bool("deletion_protection_enabled", "Whether deletion protection is on", |x, _| Cell::bool(x.t().and_then(|t| t.deletion_protection_enabled()))),
    C::text("continuous_backups_status", "ENABLED or DISABLED", |x, _| Cell::text(x.backups .as_ref().map(|b| b.continuous_backups_status().as_str()))),
    C::json("streaming_destination", "Kinesis streaming: {\"KinesisDataStreamDestinations\": [{\"StreamArn\", \"DestinationStatus\", ...}]}", |x, _| json_cell(x.streaming.clone())),
    C::json("point_in_time_recovery_description", "Point-in-time recovery: {\"PointInTimeRecoveryStatus\", \"EarliestRestorableDateTime\", ...}", |x, _| json_cell(x.recovery.clone())),
    C::common(Column::TAGS_SRC, |x, _| tags_src(x.tags.iter().flat_map(|o| o.tags()))),
    C::common(Column::TAGS, |x, _| tags_of(x.tags.iter().flat_map(|o| o.tags()))),
    C::common(Column::TITLE, |x, _| Cell::Text(x.name.clone())),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
}

pub(super) async fn tables(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.client(Client::new);
    let names = unit
        .list(
            "dynamodb:ListTables",
            |token| {
                client
                    .list_tables()
                    .limit(100)
                    .set_exclusive_start_table_name(token)
                    .send()
            },
            |out| out.last_evaluated_table_name(),
            |out| out.table_names.unwrap_or_default(),
        )
        .await?;
    let absent: &[&str] = &["ResourceNotFoundException", "TableNotFoundException"];
    TABLES.each_listed(unit, names, |name| {
        let client = &client;
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
            Table {
                    name,
                    arn,
                    described,
                    backups,
                    recovery,
                    streaming,
                    tags,
                    sse,
                    archival,
                    attributes,
                    keys,
                    replicas,
                    restore,
                    stream,
                }
        }
    })
    .await
}

collectors! {
    tables: TABLES;
}
