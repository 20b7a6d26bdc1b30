//! CloudWatch Logs log groups: DescribeLogGroups, then per group its data protection policy and
//! tags.

use aws_sdk_cloudwatchlogs::Client;
use canopy_model::inventory::{Batch, Cell, Row};
use canopy_model::table::{Column, Scope, TableDef};
use serde_json::{Value, json};

use super::{Unit, batch, tags_of};
use crate::error::AwsError;

pub(super) const LOG_GROUPS: TableDef = TableDef {
    name: "aws_cloudwatch_log_group",
    scope: Scope::Regional,
    description: "CloudWatch Logs log groups, with their retention, encryption and data protection",
    columns: &[
        Column::text("name", "The log group's name").required(),
        Column::text("arn", "The ARN (ending in :*)"),
        Column::text("log_group_arn", "The ARN without the trailing :*"),
        Column::text("log_group_class", "STANDARD, INFREQUENT_ACCESS or DELIVERY"),
        Column::time("creation_time", "When it was created"),
        Column::text("kms_key_id", "The KMS key that encrypts it"),
        Column::int("metric_filter_count", "How many metric filters it has"),
        Column::int(
            "retention_in_days",
            "How long events are kept; null when they never expire",
        ),
        Column::int("stored_bytes", "Bytes stored"),
        Column::text(
            "data_protection_status",
            "ACTIVATED, DELETED, ARCHIVED or DISABLED",
        ),
        Column::json(
            "inherited_properties",
            "Properties inherited from account policies",
        ),
        Column::json(
            "data_protection",
            "The data protection policy with its metadata: {\"LogGroupIdentifier\", \"LastUpdatedTime\", \"PolicyDocument\"}",
        ),
        Column::json(
            "data_protection_policy",
            "The data protection policy, as JSON",
        ),
        Column::TITLE,
        Column::TAGS,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &[
        "logs:DescribeLogGroups",
        "logs:GetDataProtectionPolicy",
        "logs:ListTagsForResource",
    ],
    filled_by: "collect",
};

pub(super) async fn log_groups(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.session.client(unit.region, Client::new);
    let mut listed = Vec::new();
    unit.paginate(
        "logs:DescribeLogGroups",
        |token| {
            client
                .describe_log_groups()
                .limit(50)
                .set_next_token(token)
                .send()
        },
        |out| out.next_token(),
        |out| listed.extend(out.log_groups().iter().cloned()),
    )
    .await?;
    let partition = unit.partition();
    let absent: &[&str] = &["ResourceNotFoundException"];
    let rows = super::for_each_listed(listed, |g| {
        let client = &client;
        let partition = &partition;
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
            Row::default()
                .with("name", Cell::Text(name.clone()))
                .with("arn", Cell::Text(arn.clone()))
                .with("log_group_arn", Cell::Text(bare.clone()))
                .with(
                    "log_group_class",
                    Cell::text(g.log_group_class().map(|c| c.as_str())),
                )
                .with("creation_time", created)
                .with("kms_key_id", Cell::text(g.kms_key_id()))
                .with("metric_filter_count", Cell::int(g.metric_filter_count()))
                .with("retention_in_days", Cell::int(g.retention_in_days()))
                .with("stored_bytes", Cell::int(stored))
                .with(
                    "data_protection_status",
                    Cell::text(g.data_protection_status().map(|s| s.as_str())),
                )
                .with(
                    "inherited_properties",
                    Cell::json(json!(
                        g.inherited_properties()
                            .iter()
                            .map(|p| p.as_str())
                            .collect::<Vec<_>>()
                    )),
                )
                .with(
                    "data_protection",
                    protection.as_ref().map_or(Cell::Null, |p| {
                        Cell::json(json!({
                            "LastUpdatedTime": p.last_updated_time(),
                            "LogGroupIdentifier": p.log_group_identifier(),
                            "PolicyDocument": p.policy_document(),
                        }))
                    }),
                )
                .with(
                    "data_protection_policy",
                    document.map_or(Cell::Null, Cell::json),
                )
                .with("title", Cell::Text(name.clone()))
                .with(
                    "tags",
                    tags_of(
                        tags.iter()
                            .map(|(k, v)| (Some(k.as_str()), Some(v.as_str()))),
                    ),
                )
                .with("akas", Cell::json(json!([arn])))
                .with("partition", partition.clone())
        }
    })
    .await;
    Ok(vec![batch(&LOG_GROUPS, rows)])
}
