//! SNS topics: ListTopics, then per topic its attributes (policy, encryption, delivery
//! feedback roles, subscription counts) and tags — two calls per topic, as the listing carries
//! only ARNs. Each column is declared once, with the way it is read from a [`Topic`].

use std::collections::HashMap;

use canopy_model::inventory::{Batch, Cell, Row};
use canopy_model::table::Column;
use serde_json::{Value, json};

use super::{Unit, json_cell, policy_cells, tags_of, tags_src};
use crate::error::AwsError;

/// What is read of one topic.
struct Topic {
    arn: String,
    attributes: HashMap<String, String>,
    tags: Vec<(String, String)>,
    /// The access policy and its canonical form.
    policy: (Cell, Cell),
}

impl Topic {
    fn tag_pairs(&self) -> impl Iterator<Item = (Option<&str>, Option<&str>)> {
        self.tags
            .iter()
            .map(|(k, v)| (Some(k.as_str()), Some(v.as_str())))
    }
}

/// A plain attribute, as text.
macro_rules! attr {
    ($key:literal) => {
        |t: &Topic, _| Cell::text(t.attributes.get($key).map(String::as_str))
    };
}

/// A count attribute, as a number.
macro_rules! count {
    ($key:literal) => {
        |t: &Topic, _| Cell::int(t.attributes.get($key).and_then(|v| v.parse::<i64>().ok()))
    };
}

table! {
    TOPICS: Topic = Regional "aws_sns_topic"
        ["sns:ListTopics", "sns:GetTopicAttributes", "sns:ListTagsForResource"],
        "SNS topics, with their access policy, encryption key and subscription counts";
    C::text("topic_arn", "The topic's ARN", |t, _| Cell::Text(t.arn.clone())).required(),
    C::text("display_name", "The display name", attr!("DisplayName")),
    C::text("application_failure_feedback_role_arn", "Role for failed deliveries to applications", attr!("ApplicationFailureFeedbackRoleArn")),
    C::text("application_success_feedback_role_arn", "Role for delivered messages to applications", attr!("ApplicationSuccessFeedbackRoleArn")),
    C::text("application_success_feedback_sample_rate", "Sample rate (%) of successful application deliveries logged", attr!("ApplicationSuccessFeedbackSampleRate")),
    C::text("firehose_failure_feedback_role_arn", "Role for failed deliveries to Firehose", attr!("FirehoseFailureFeedbackRoleArn")),
    C::text("firehose_success_feedback_role_arn", "Role for delivered messages to Firehose", attr!("FirehoseSuccessFeedbackRoleArn")),
    C::text("firehose_success_feedback_sample_rate", "Sample rate (%) of successful Firehose deliveries logged", attr!("FirehoseSuccessFeedbackSampleRate")),
    C::text("http_failure_feedback_role_arn", "Role for failed deliveries to HTTP endpoints", attr!("HTTPFailureFeedbackRoleArn")),
    C::text("http_success_feedback_role_arn", "Role for delivered messages to HTTP endpoints", attr!("HTTPSuccessFeedbackRoleArn")),
    C::text("http_success_feedback_sample_rate", "Sample rate (%) of successful HTTP deliveries logged", attr!("HTTPSuccessFeedbackSampleRate")),
    C::text("lambda_failure_feedback_role_arn", "Role for failed deliveries to Lambda", attr!("LambdaFailureFeedbackRoleArn")),
    C::text("lambda_success_feedback_role_arn", "Role for delivered messages to Lambda", attr!("LambdaSuccessFeedbackRoleArn")),
    C::text("lambda_success_feedback_sample_rate", "Sample rate (%) of successful Lambda deliveries logged", attr!("LambdaSuccessFeedbackSampleRate")),
    C::text("owner", "The account that owns the topic", attr!("Owner")),
    C::text("sqs_failure_feedback_role_arn", "Role for failed deliveries to SQS", attr!("SQSFailureFeedbackRoleArn")),
    C::text("sqs_success_feedback_role_arn", "Role for delivered messages to SQS", attr!("SQSSuccessFeedbackRoleArn")),
    C::text("sqs_success_feedback_sample_rate", "Sample rate (%) of successful SQS deliveries logged", attr!("SQSSuccessFeedbackSampleRate")),
    C::int("subscriptions_confirmed", "Confirmed subscriptions", count!("SubscriptionsConfirmed")),
    C::int("subscriptions_deleted", "Deleted subscriptions", count!("SubscriptionsDeleted")),
    C::int("subscriptions_pending", "Subscriptions pending confirmation", count!("SubscriptionsPending")),
    C::text("kms_master_key_id", "The KMS key that encrypts messages; null when unencrypted", attr!("KmsMasterKeyId")),
    C::common(Column::TAGS_SRC, |t, _| tags_src(t.tag_pairs())),
    C::json("policy", "The topic's access policy, as JSON", |t, _| t.policy.0.clone()),
    C::json("policy_std", "The access policy in Steampipe's canonical form (lists sorted, actions and condition keys lower-cased)", |t, _| t.policy.1.clone()),
    C::json("delivery_policy", "The delivery policy, as JSON", |t, _| json_cell(json_attribute(&t.attributes, "DeliveryPolicy"))),
    C::json("effective_delivery_policy", "The effective delivery policy, as JSON", |t, _| json_cell(json_attribute(&t.attributes, "EffectiveDeliveryPolicy"))),
    C::common(Column::TITLE, |t, _| Cell::Text(t.arn.clone())),
    C::common(Column::TAGS, |t, _| tags_of(t.tag_pairs())),
    C::common(Column::AKAS, |t, _| Cell::json(json!([t.arn]))),
}

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
    let rows: Vec<Row> = super::for_each_listed(arns, |arn| {
        let client = &client;
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
            let tags = tags
                .found()
                .map(|o| {
                    o.tags()
                        .iter()
                        .map(|t| (t.key().to_owned(), t.value().to_owned()))
                        .collect()
                })
                .unwrap_or_default();
            let policy = policy_cells(attributes.get("Policy").map(String::as_str));
            let topic = Topic {
                arn,
                attributes,
                tags,
                policy,
            };
            TOPICS.row(&topic, unit.cx())
        }
    })
    .await;
    Ok(vec![TOPICS.batch(rows)])
}

collectors! {
    topics: TOPICS;
}
