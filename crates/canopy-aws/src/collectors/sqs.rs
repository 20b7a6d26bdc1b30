//! SQS queues: ListQueues, then per queue its attributes (policy, encryption, redrive) and tags.

use std::collections::HashMap;

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::QueueAttributeName;
use canopy_model::inventory::{Batch, Cell};
use canopy_model::table::Column;
use serde_json::{Value, json};

use super::{Unit, json_cell, policy_cells, tag_map};
use crate::error::AwsError;

/// What is read of one row of `aws_sqs_queue`.
struct Queue {
    url: String,
    attributes: HashMap<String, String>,
    policy: Cell,
    policy_std: Cell,
    tags: Option<aws_sdk_sqs::operation::list_queue_tags::ListQueueTagsOutput>,
    arn: Option<String>,
}

impl Queue {
    fn text(&self, key: &str) -> Cell {
        Cell::text(self.attributes.get(key).map(String::as_str))
    }

    fn flag(&self, key: &str) -> Cell {
        Cell::bool(
            self.attributes
                .get(key)
                .map(|v| v.eq_ignore_ascii_case("true")),
        )
    }

    fn document(&self, key: &str) -> Option<Value> {
        self.attributes
            .get(key)
            .and_then(|t| serde_json::from_str::<Value>(t).ok())
    }
}

table! {
    QUEUES: Queue = Regional "aws_sqs_queue"
        ["sqs:ListQueues", "sqs:GetQueueAttributes", "sqs:ListQueueTags"],
        "SQS queues, with their access policy, encryption and dead-letter settings";
    C::text("queue_url", "The queue's URL", |x, _| Cell::Text(x.url.clone())).required(),
    C::text("queue_arn", "The queue's ARN", |x, _| Cell::text(x.arn.as_deref())),
    C::bool("fifo_queue", "Whether it is a FIFO queue", |x, _| Cell::Bool(x.attributes.get("FifoQueue").is_some_and(|v| v == "true"))),
    C::text("fifo_throughput_limit", "perQueue or perMessageGroupId", |x, _| x.text("FifoThroughputLimit")),
    C::text("delay_seconds", "Delivery delay, in seconds", |x, _| x.text("DelaySeconds")),
    C::text("max_message_size", "Largest message, in bytes", |x, _| x.text("MaximumMessageSize")),
    C::text("message_retention_seconds", "How long messages are kept, in seconds", |x, _| x.text("MessageRetentionPeriod")),
    C::text("receive_wait_time_seconds", "Long-polling wait, in seconds", |x, _| x.text("ReceiveMessageWaitTimeSeconds")),
    C::bool("sqs_managed_sse_enabled", "Whether SQS-managed encryption is on", |x, _| x.flag("SqsManagedSseEnabled")),
    C::text("visibility_timeout_seconds", "Visibility timeout, in seconds", |x, _| x.text("VisibilityTimeout")),
    C::json("policy", "The queue's access policy, as JSON", |x, _| x.policy.clone()),
    C::json("policy_std", "The access policy in Steampipe's canonical form (lists sorted, actions and condition keys lower-cased)", |x, _| x.policy_std.clone()),
    C::json("redrive_policy", "Dead-letter settings: {\"deadLetterTargetArn\", \"maxReceiveCount\"}", |x, _| json_cell(x.document("RedrivePolicy"))),
    C::text("content_based_deduplication", "Whether content-based deduplication is on (FIFO)", |x, _| x.text("ContentBasedDeduplication")),
    C::text("deduplication_scope", "messageGroup or queue (FIFO)", |x, _| x.text("DeduplicationScope")),
    C::text("kms_master_key_id", "The KMS key that encrypts messages", |x, _| x.text("KmsMasterKeyId")),
    C::common(Column::TAGS, |x, _| tag_map(x.tags.as_ref().and_then(|o| o.tags()))),
    C::common(Column::TITLE, |x, _| Cell::Text(x.url.clone())),
    C::common(Column::AKAS, |x, _| x.arn.clone().map_or(Cell::Null, |a| Cell::json(json!([a])))),
}

pub(super) async fn queues(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.client(Client::new);
    let urls = unit
        .list(
            "sqs:ListQueues",
            |token| {
                client
                    .list_queues()
                    .max_results(1000)
                    .set_next_token(token)
                    .send()
            },
            |out| out.next_token(),
            |out| out.queue_urls.unwrap_or_default(),
        )
        .await?;
    let absent: &[&str] = &[
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist",
    ];
    QUEUES
        .each_listed(unit, urls, |url| {
            let client = &client;
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
                let (policy, policy_std) =
                    policy_cells(attributes.get("Policy").map(String::as_str));
                let tags = tags.found();
                let arn = attributes.get("QueueArn").cloned();
                Queue {
                    url,
                    attributes,
                    policy,
                    policy_std,
                    tags,
                    arn,
                }
            }
        })
        .await
}

collectors! {
    queues: QUEUES;
}
