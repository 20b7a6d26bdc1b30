//! CloudWatch Logs log groups: DescribeLogGroups, then per group its data protection policy and
//! tags.

use aws_sdk_cloudwatchlogs::Client;
use canopy_model::inventory::{Batch, Cell};
use canopy_model::table::Column;
use serde_json::{Value, json};

use super::{Unit, tags_of};
use crate::error::AwsError;

/// What is read of one row of `aws_cloudwatch_log_group`.
struct LogGroup {
    g: aws_sdk_cloudwatchlogs::types::LogGroup,
    name: String,
    arn: String,
    bare: String,
    protection: Option<aws_sdk_cloudwatchlogs::operation::get_data_protection_policy::GetDataProtectionPolicyOutput>,
    document: Option<Value>,
    tags: Vec<(String, String)>,
    created: Cell,
    stored: Option<i64>,
}

table! {
    LOG_GROUPS: LogGroup = Regional "aws_cloudwatch_log_group"
        ["logs:DescribeLogGroups", "logs:GetDataProtectionPolicy", "logs:ListTagsForResource"],
        "CloudWatch Logs log groups, with their retention, encryption and data protection";
    C::text("name", "The log group's name", |x, _| Cell::Text(x.name.clone())).required(),
    C::text("arn", "The ARN (ending in :*)", |x, _| Cell::Text(x.arn.clone())),
    C::text("log_group_arn", "The ARN without the trailing :*", |x, _| Cell::Text(x.bare.clone())),
    C::text("log_group_class", "STANDARD, INFREQUENT_ACCESS or DELIVERY", |x, _| Cell::variant(x.g.log_group_class())),
    C::time("creation_time", "When it was created", |x, _| x.created.clone()),
    C::text("kms_key_id", "The KMS key that encrypts it", |x, _| Cell::text(x.g.kms_key_id())),
    C::int("metric_filter_count", "How many metric filters it has", |x, _| Cell::int(x.g.metric_filter_count())),
    C::int("retention_in_days", "How long events are kept; null when they never expire", |x, _| Cell::int(x.g.retention_in_days())),
    C::int("stored_bytes", "Bytes stored", |x, _| Cell::int(x.stored)),
    C::text("data_protection_status", "ACTIVATED, DELETED, ARCHIVED or DISABLED", |x, _| Cell::variant(x.g.data_protection_status())),
    C::json(
    "inherited_properties",
    "Properties inherited from account policies",
    |x, _| {
        Cell::json(json!(
            x.g.inherited_properties()
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
        ))
    },
),
    C::json(
    "data_protection",
    "The data protection policy with its metadata: {\"LogGroupIdentifier\", \"LastUpdatedTime\", \"PolicyDocument\"}",
    |x, _| {
        x.protection.as_ref().map_or(Cell::Null, |p| {
            Cell::json(json!({
                "LastUpdatedTime": p.last_updated_time(),
                "LogGroupIdentifier": p.log_group_identifier(),
                "PolicyDocument": p.policy_document(),
            }))
        })
    },
),
    C::json("data_protection_policy", "The data protection policy, as JSON", |x, _| x.document.clone().map_or(Cell::Null, Cell::json)),
    C::common(Column::TITLE, |x, _| Cell::Text(x.name.clone())),
    C::common(Column::TAGS, |x, _| tags_of(x.tags .iter().map(|(k, v)| (Some(k.as_str()), Some(v.as_str()))))),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
}

pub(super) async fn log_groups(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.client(Client::new);
    let listed = unit
        .list(
            "logs:DescribeLogGroups",
            |token| {
                client
                    .describe_log_groups()
                    .limit(50)
                    .set_next_token(token)
                    .send()
            },
            |out| out.next_token(),
            |out| out.log_groups.unwrap_or_default(),
        )
        .await?;
    let absent: &[&str] = &["ResourceNotFoundException"];
    LOG_GROUPS
        .each_listed(unit, listed, |g| {
            let client = &client;
            async move {
                let name = g.log_group_name().unwrap_or_default().to_owned();
                let arn = g.arn().unwrap_or_default().to_owned();
                let bare = g
                    .log_group_arn()
                    .map(str::to_owned)
                    .unwrap_or_else(|| arn.trim_end_matches(":*").to_owned());
                let (protection, tags) = tokio::join!(
                    unit.detail(
                        unit.region,
                        "logs:GetDataProtectionPolicy",
                        &bare,
                        absent,
                        || {
                            client
                                .get_data_protection_policy()
                                .log_group_identifier(&name)
                                .send()
                        }
                    ),
                    unit.detail(
                        unit.region,
                        "logs:ListTagsForResource",
                        &bare,
                        absent,
                        || { client.list_tags_for_resource().resource_arn(&bare).send() }
                    ),
                );
                let protection = protection.found().filter(|p| p.policy_document().is_some());
                let document = protection
                    .as_ref()
                    .and_then(|p| p.policy_document())
                    .and_then(|d| serde_json::from_str::<Value>(d).ok());
                let tags: Vec<(String, String)> = tags
                    .found()
                    .and_then(|o| o.tags().cloned())
                    .map(|t| t.into_iter().collect())
                    .unwrap_or_default();
                let created = g
                    .creation_time()
                    .and_then(|ms| time::OffsetDateTime::from_unix_timestamp(ms / 1000).ok())
                    .map_or(Cell::Null, |t| Cell::Text(canopy_model::format_time(t)));
                #[allow(deprecated)]
                let stored = g.stored_bytes();
                LogGroup {
                    g,
                    name,
                    arn,
                    bare,
                    protection,
                    document,
                    tags,
                    created,
                    stored,
                }
            }
        })
        .await
}

collectors! {
    log_groups: LOG_GROUPS;
}
