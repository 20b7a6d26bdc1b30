//! SQS queues: ListQueues, then per queue its attributes (policy, encryption, redrive) and tags.

use std::collections::HashMap;

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::QueueAttributeName;
use canopy_model::inventory::{Batch, Cell, Row};
use canopy_model::table::{Column, Scope, TableDef};
use serde_json::{Value, json};

use super::{Unit, batch, json_cell, policy_cells, tag_map};
use crate::error::AwsError;

pub(super) const QUEUES: TableDef = TableDef {
    name: "aws_sqs_queue",
    scope: Scope::Regional,
    description: "SQS queues, with their access policy, encryption and dead-letter settings",
    columns: &[
        Column::text("queue_url", "The queue's URL").required(),
        Column::text("queue_arn", "The queue's ARN"),
        Column::bool("fifo_queue", "Whether it is a FIFO queue"),
        Column::text("fifo_throughput_limit", "perQueue or perMessageGroupId"),
        Column::text("delay_seconds", "Delivery delay, in seconds"),
        Column::text("max_message_size", "Largest message, in bytes"),
        Column::text(
            "message_retention_seconds",
            "How long messages are kept, in seconds",
        ),
        Column::text("receive_wait_time_seconds", "Long-polling wait, in seconds"),
        Column::bool(
            "sqs_managed_sse_enabled",
            "Whether SQS-managed encryption is on",
        ),
        Column::text(
            "visibility_timeout_seconds",
            "Visibility timeout, in seconds",
        ),
        Column::json("policy", "The queue's access policy, as JSON"),
        Column::json(
            "policy_std",
            "The access policy in Steampipe's canonical form (lists sorted, actions and condition keys lower-cased)",
        ),
        Column::json(
            "redrive_policy",
            "Dead-letter settings: {\"deadLetterTargetArn\", \"maxReceiveCount\"}",
        ),
        Column::text(
            "content_based_deduplication",
            "Whether content-based deduplication is on (FIFO)",
        ),
        Column::text("deduplication_scope", "messageGroup or queue (FIFO)"),
        Column::text("kms_master_key_id", "The KMS key that encrypts messages"),
        Column::TAGS,
        Column::TITLE,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &[
        "sqs:ListQueues",
        "sqs:GetQueueAttributes",
        "sqs:ListQueueTags",
    ],
    filled_by: "collect",
};

pub(super) async fn queues(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.session.client(unit.region, Client::new);
    let mut urls: Vec<String> = Vec::new();
    unit.paginate(
        "sqs:ListQueues",
        |token| {
            client
                .list_queues()
                .max_results(1000)
                .set_next_token(token)
                .send()
        },
        |out| out.next_token(),
        |out| urls.extend(out.queue_urls().iter().cloned()),
    )
    .await?;
    let partition = unit.partition();
    let absent: &[&str] = &[
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist",
    ];
    let rows = super::for_each_listed(urls, |url| {
        let client = &client;
        let partition = &partition;
        async move {
            let (attributes, tags) = tokio::join!(
                unit.detail(unit.region, "sqs:GetQueueAttributes", &url, absent, || {
                    client
                        .get_queue_attributes()
                        .queue_url(&url)
                        .attribute_names(QueueAttributeName::All)
                        .send()
                }),
                unit.detail(unit.region, "sqs:ListQueueTags", &url, absent, || {
                    client.list_queue_tags().queue_url(&url).send()
                }),
            );
            let attributes: HashMap<String, String> = attributes
                .found()
                .and_then(|o| o.attributes().cloned())
                .map(|m| {
                    m.into_iter()
                        .map(|(k, v)| (k.as_str().to_owned(), v))
                        .collect()
                })
                .unwrap_or_default();
            let text = |key: &str| Cell::text(attributes.get(key).map(String::as_str));
            let flag =
                |key: &str| Cell::bool(attributes.get(key).map(|v| v.eq_ignore_ascii_case("true")));
            let document = |key: &str| {
                attributes
                    .get(key)
                    .and_then(|t| serde_json::from_str::<Value>(t).ok())
            };
            let (policy, policy_std) = policy_cells(attributes.get("Policy").map(String::as_str));
            let tags = tags.found();
            let arn = attributes.get("QueueArn").cloned();
            Row::default()
                .with("queue_url", Cell::Text(url.clone()))
                .with("queue_arn", Cell::text(arn.as_deref()))
                .with(
                    "fifo_queue",
                    Cell::Bool(attributes.get("FifoQueue").is_some_and(|v| v == "true")),
                )
                .with("fifo_throughput_limit", text("FifoThroughputLimit"))
                .with("delay_seconds", text("DelaySeconds"))
                .with("max_message_size", text("MaximumMessageSize"))
                .with("message_retention_seconds", text("MessageRetentionPeriod"))
                .with(
                    "receive_wait_time_seconds",
                    text("ReceiveMessageWaitTimeSeconds"),
                )
                .with("sqs_managed_sse_enabled", flag("SqsManagedSseEnabled"))
                .with("visibility_timeout_seconds", text("VisibilityTimeout"))
                .with("policy", policy)
                .with("policy_std", policy_std)
                .with("redrive_policy", json_cell(document("RedrivePolicy")))
                .with(
                    "content_based_deduplication",
                    text("ContentBasedDeduplication"),
                )
                .with("deduplication_scope", text("DeduplicationScope"))
                .with("kms_master_key_id", text("KmsMasterKeyId"))
                .with("tags", tag_map(tags.as_ref().and_then(|o| o.tags())))
                .with("title", Cell::Text(url.clone()))
                .with("akas", arn.map_or(Cell::Null, |a| Cell::json(json!([a]))))
                .with("partition", partition.clone())
        }
    })
    .await;
    Ok(vec![batch(&QUEUES, rows)])
}
