//! SNS topics: ListTopics, then per topic its attributes (policy, encryption, delivery
//! feedback roles, subscription counts) and tags — two calls per topic, as the listing carries
//! only ARNs.

use std::collections::HashMap;

use canopy_model::inventory::{Batch, Cell, Row};
use canopy_model::table::{Column, Scope, TableDef};
use serde_json::{Value, json};

use super::{Unit, batch, json_cell, policy_cells, tags_of, tags_src};
use crate::error::AwsError;

/// Steampipe's column, AWS's attribute name, and whether it is a count, for the topic's
/// plain attributes (the policy and delivery policies are JSON, handled apart).
const ATTRIBUTES: &[(&str, &str)] = &[
    ("display_name", "DisplayName"),
    (
        "application_failure_feedback_role_arn",
        "ApplicationFailureFeedbackRoleArn",
    ),
    (
        "application_success_feedback_role_arn",
        "ApplicationSuccessFeedbackRoleArn",
    ),
    (
        "application_success_feedback_sample_rate",
        "ApplicationSuccessFeedbackSampleRate",
    ),
    (
        "firehose_failure_feedback_role_arn",
        "FirehoseFailureFeedbackRoleArn",
    ),
    (
        "firehose_success_feedback_role_arn",
        "FirehoseSuccessFeedbackRoleArn",
    ),
    (
        "firehose_success_feedback_sample_rate",
        "FirehoseSuccessFeedbackSampleRate",
    ),
    (
        "http_failure_feedback_role_arn",
        "HTTPFailureFeedbackRoleArn",
    ),
    (
        "http_success_feedback_role_arn",
        "HTTPSuccessFeedbackRoleArn",
    ),
    (
        "http_success_feedback_sample_rate",
        "HTTPSuccessFeedbackSampleRate",
    ),
    (
        "lambda_failure_feedback_role_arn",
        "LambdaFailureFeedbackRoleArn",
    ),
    (
        "lambda_success_feedback_role_arn",
        "LambdaSuccessFeedbackRoleArn",
    ),
    (
        "lambda_success_feedback_sample_rate",
        "LambdaSuccessFeedbackSampleRate",
    ),
    ("owner", "Owner"),
    ("sqs_failure_feedback_role_arn", "SQSFailureFeedbackRoleArn"),
    ("sqs_success_feedback_role_arn", "SQSSuccessFeedbackRoleArn"),
    (
        "sqs_success_feedback_sample_rate",
        "SQSSuccessFeedbackSampleRate",
    ),
];

const COUNTS: &[(&str, &str)] = &[
    ("subscriptions_confirmed", "SubscriptionsConfirmed"),
    ("subscriptions_deleted", "SubscriptionsDeleted"),
    ("subscriptions_pending", "SubscriptionsPending"),
];

pub(super) const TOPICS: TableDef = TableDef {
    name: "aws_sns_topic",
    scope: Scope::Regional,
    description: "SNS topics, with their access policy, encryption key and subscription counts",
    columns: &[
        Column::text("topic_arn", "The topic's ARN").required(),
        Column::text("display_name", "The display name"),
        Column::text(
            "application_failure_feedback_role_arn",
            "Role for failed deliveries to applications",
        ),
        Column::text(
            "application_success_feedback_role_arn",
            "Role for delivered messages to applications",
        ),
        Column::text(
            "application_success_feedback_sample_rate",
            "Sample rate (%) of successful application deliveries logged",
        ),
        Column::text(
            "firehose_failure_feedback_role_arn",
            "Role for failed deliveries to Firehose",
        ),
        Column::text(
            "firehose_success_feedback_role_arn",
            "Role for delivered messages to Firehose",
        ),
        Column::text(
            "firehose_success_feedback_sample_rate",
            "Sample rate (%) of successful Firehose deliveries logged",
        ),
        Column::text(
            "http_failure_feedback_role_arn",
            "Role for failed deliveries to HTTP endpoints",
        ),
        Column::text(
            "http_success_feedback_role_arn",
            "Role for delivered messages to HTTP endpoints",
        ),
        Column::text(
            "http_success_feedback_sample_rate",
            "Sample rate (%) of successful HTTP deliveries logged",
        ),
        Column::text(
            "lambda_failure_feedback_role_arn",
            "Role for failed deliveries to Lambda",
        ),
        Column::text(
            "lambda_success_feedback_role_arn",
            "Role for delivered messages to Lambda",
        ),
        Column::text(
            "lambda_success_feedback_sample_rate",
            "Sample rate (%) of successful Lambda deliveries logged",
        ),
        Column::text("owner", "The account that owns the topic"),
        Column::text(
            "sqs_failure_feedback_role_arn",
            "Role for failed deliveries to SQS",
        ),
        Column::text(
            "sqs_success_feedback_role_arn",
            "Role for delivered messages to SQS",
        ),
        Column::text(
            "sqs_success_feedback_sample_rate",
            "Sample rate (%) of successful SQS deliveries logged",
        ),
        Column::int("subscriptions_confirmed", "Confirmed subscriptions"),
        Column::int("subscriptions_deleted", "Deleted subscriptions"),
        Column::int(
            "subscriptions_pending",
            "Subscriptions pending confirmation",
        ),
        Column::text(
            "kms_master_key_id",
            "The KMS key that encrypts messages; null when unencrypted",
        ),
        Column::TAGS_SRC,
        Column::json("policy", "The topic's access policy, as JSON"),
        Column::json(
            "policy_std",
            "The access policy in Steampipe's canonical form (lists sorted, actions and condition keys lower-cased)",
        ),
        Column::json("delivery_policy", "The delivery policy, as JSON"),
        Column::json(
            "effective_delivery_policy",
            "The effective delivery policy, as JSON",
        ),
        Column::TITLE,
        Column::TAGS,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &[
        "sns:ListTopics",
        "sns:GetTopicAttributes",
        "sns:ListTagsForResource",
    ],
    filled_by: "collect",
};

fn json_attribute(attributes: &HashMap<String, String>, key: &str) -> Option<Value> {
    attributes
        .get(key)
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
}

pub(super) async fn topics(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.session.client(unit.region, aws_sdk_sns::Client::new);
    let mut arns: Vec<String> = Vec::new();
    unit.paginate(
        "sns:ListTopics",
        |token| client.list_topics().set_next_token(token).send(),
        |out| out.next_token(),
        |out| {
            arns.extend(
                out.topics()
                    .iter()
                    .filter_map(|t| t.topic_arn().map(str::to_owned)),
            );
        },
    )
    .await?;
    let partition = unit.partition();
    let rows: Vec<Row> = super::for_each_listed(arns, |arn| {
        let client = &client;
        let partition = &partition;
        async move {
            let (attributes, tags) = tokio::join!(
                unit.detail(
                    unit.region,
                    "sns:GetTopicAttributes",
                    &arn,
                    &["NotFound"],
                    || { client.get_topic_attributes().topic_arn(&arn).send() }
                ),
                unit.detail(
                    unit.region,
                    "sns:ListTagsForResource",
                    &arn,
                    &["ResourceNotFound"],
                    || client.list_tags_for_resource().resource_arn(&arn).send()
                ),
            );
            let attributes: HashMap<String, String> = attributes
                .found()
                .and_then(|o| o.attributes().cloned())
                .unwrap_or_default();
            let tags = tags.found().map(|o| o.tags().to_vec()).unwrap_or_default();
            let pairs = || tags.iter().map(|t| (Some(t.key()), Some(t.value())));
            let mut row = Row::default().with("topic_arn", Cell::Text(arn.clone()));
            for (column, key) in ATTRIBUTES {
                row = row.with(column, Cell::text(attributes.get(*key).map(String::as_str)));
            }
            for (column, key) in COUNTS {
                row = row.with(
                    column,
                    Cell::int(attributes.get(*key).and_then(|v| v.parse::<i64>().ok())),
                );
            }
            let (policy, policy_std) = policy_cells(attributes.get("Policy").map(String::as_str));
            row.with(
                "kms_master_key_id",
                Cell::text(attributes.get("KmsMasterKeyId").map(String::as_str)),
            )
            .with("tags_src", tags_src(pairs()))
            .with("policy", policy)
            .with("policy_std", policy_std)
            .with(
                "delivery_policy",
                json_cell(json_attribute(&attributes, "DeliveryPolicy")),
            )
            .with(
                "effective_delivery_policy",
                json_cell(json_attribute(&attributes, "EffectiveDeliveryPolicy")),
            )
            .with("title", Cell::Text(arn.clone()))
            .with("tags", tags_of(pairs()))
            .with("akas", Cell::json(json!([arn])))
            .with("partition", partition.clone())
        }
    })
    .await;
    Ok(vec![batch(&TOPICS, rows)])
}
