//! CloudTrail trails as each region sees them (a multi-region trail appears in every region, as
//! in DescribeTrails and Steampipe; `home_region` tells where it lives), each with its logging
//! status, event and insight selectors, and tags.

use aws_sdk_cloudtrail::Client;
use canopy_model::inventory::{Batch, Cell, Row};
use canopy_model::table::{Column, Scope, TableDef};
use serde_json::{Value, json};

use super::{Unit, batch, json_cell, tags_of, tags_src, time};
use crate::error::AwsError;

pub(super) const TRAILS: TableDef = TableDef {
    name: "aws_cloudtrail_trail",
    scope: Scope::Regional,
    description: "CloudTrail trails, with whether they are logging, where they deliver and what they record",
    columns: &[
        Column::text("name", "The trail's name").required(),
        Column::text("arn", "The trail's ARN"),
        Column::text("home_region", "The region the trail was created in"),
        Column::bool("is_multi_region_trail", "Whether it records every region"),
        Column::bool(
            "log_file_validation_enabled",
            "Whether log file integrity validation is on",
        ),
        Column::bool("is_logging", "Whether it is recording now (GetTrailStatus)"),
        Column::text("log_group_arn", "The CloudWatch Logs group it delivers to"),
        Column::text(
            "cloudwatch_logs_role_arn",
            "The role that writes to CloudWatch Logs",
        ),
        Column::bool(
            "has_custom_event_selectors",
            "Whether it has custom event selectors",
        ),
        Column::bool("has_insight_selectors", "Whether it has insight selectors"),
        Column::bool(
            "include_global_service_events",
            "Whether it records global services (IAM)",
        ),
        Column::bool(
            "is_organization_trail",
            "Whether it is an organization trail",
        ),
        Column::text("kms_key_id", "The KMS key that encrypts its logs"),
        Column::text("s3_bucket_name", "The bucket it delivers to"),
        Column::text("s3_key_prefix", "The key prefix in the bucket"),
        Column::text("sns_topic_arn", "The topic notified of deliveries"),
        Column::text(
            "latest_cloudwatch_logs_delivery_error",
            "The last CloudWatch Logs delivery error",
        ),
        Column::time(
            "latest_cloudwatch_logs_delivery_time",
            "The last delivery to CloudWatch Logs",
        ),
        Column::text("latest_delivery_error", "The last S3 delivery error"),
        Column::time("latest_delivery_time", "The last delivery to S3"),
        Column::text(
            "latest_digest_delivery_error",
            "The last digest delivery error",
        ),
        Column::time("latest_digest_delivery_time", "The last digest delivery"),
        Column::text(
            "latest_notification_error",
            "The last SNS notification error",
        ),
        Column::time("latest_notification_time", "The last SNS notification"),
        Column::time("start_logging_time", "When logging last started"),
        Column::time("stop_logging_time", "When logging last stopped"),
        Column::json("advanced_event_selectors", "Advanced event selectors"),
        Column::json(
            "event_selectors",
            "Event selectors: [{\"ReadWriteType\", \"IncludeManagementEvents\", \"DataResources\", ...}]",
        ),
        Column::json(
            "insight_selectors",
            "Insight selectors: [{\"InsightType\"}]",
        ),
        Column::TAGS_SRC,
        Column::TAGS,
        Column::AKAS,
        Column::TITLE,
        Column::PARTITION,
    ],
    actions: &[
        "cloudtrail:DescribeTrails",
        "cloudtrail:GetTrailStatus",
        "cloudtrail:GetEventSelectors",
        "cloudtrail:GetInsightSelectors",
        "cloudtrail:ListTags",
    ],
    filled_by: "collect",
};

pub(super) async fn trails(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.session.client(unit.region, Client::new);
    let out = unit
        .call("cloudtrail:DescribeTrails", || {
            client.describe_trails().include_shadow_trails(true).send()
        })
        .await?;
    let listed = out.trail_list().to_vec();
    let partition = unit.partition();
    let rows = super::for_each_listed(listed, |t| {
        let client = &client;
        let partition = &partition;
        async move {
            let arn = t.trail_arn().unwrap_or_default().to_owned();
            let region = unit.region;
            let absent: &[&str] = &["TrailNotFoundException"];
            let (status, selectors, insights, tags) = tokio::join!(
                unit.detail(region, "cloudtrail:GetTrailStatus", &arn, absent, || {
                    client.get_trail_status().name(&arn).send()
                }),
                unit.detail(region, "cloudtrail:GetEventSelectors", &arn, absent, || {
                    client.get_event_selectors().trail_name(&arn).send()
                }),
                unit.detail(
                    region,
                    "cloudtrail:GetInsightSelectors",
                    &arn,
                    &["TrailNotFoundException", "InsightNotEnabledException"],
                    || client.get_insight_selectors().trail_name(&arn).send()
                ),
                unit.detail(region, "cloudtrail:ListTags", &arn, absent, || {
                    client.list_tags().resource_id_list(&arn).send()
                }),
            );
            let status = status.found();
            let s = status.as_ref();
            let selectors = selectors.found();
            let tags: Vec<_> = tags
                .found()
                .map(|o| {
                    o.resource_tag_list()
                        .iter()
                        .flat_map(|r| r.tags_list().to_vec())
                        .collect()
                })
                .unwrap_or_default();
            let pairs = || tags.iter().map(|t| (Some(t.key()), t.value()));
            let event_selectors = selectors.as_ref().map(|o| {
                Value::Array(
                    o.event_selectors()
                        .iter()
                        .map(|e| {
                            json!({
                                "DataResources": e.data_resources().iter().map(|d| json!({
                                    "Type": d.r#type(),
                                    "Values": d.values(),
                                })).collect::<Vec<_>>(),
                                "ExcludeManagementEventSources": e.exclude_management_event_sources(),
                                "IncludeManagementEvents": e.include_management_events(),
                                "ReadWriteType": e.read_write_type().map(|r| r.as_str()),
                            })
                        })
                        .collect(),
                )
            });
            let advanced = selectors.as_ref().map(|o| {
                Value::Array(
                    o.advanced_event_selectors()
                        .iter()
                        .map(|a| {
                            json!({
                                "Name": a.name(),
                                "FieldSelectors": a.field_selectors().iter().map(|f| json!({
                                    "Field": f.field(),
                                    "Equals": f.equals(),
                                    "NotEquals": f.not_equals(),
                                    "StartsWith": f.starts_with(),
                                    "NotStartsWith": f.not_starts_with(),
                                    "EndsWith": f.ends_with(),
                                    "NotEndsWith": f.not_ends_with(),
                                })).collect::<Vec<_>>(),
                            })
                        })
                        .collect(),
                )
            });
            let insights = insights.found().map(|o| {
                Value::Array(
                    o.insight_selectors()
                        .iter()
                        .map(|i| json!({"InsightType": i.insight_type().map(|t| t.as_str())}))
                        .collect(),
                )
            });
            let name = t.name().unwrap_or_default().to_owned();
            Row::default()
                .with("name", Cell::Text(name.clone()))
                .with("arn", Cell::Text(arn.clone()))
                .with("home_region", Cell::text(t.home_region()))
                .with("is_multi_region_trail", Cell::bool(t.is_multi_region_trail()))
                .with(
                    "log_file_validation_enabled",
                    Cell::bool(t.log_file_validation_enabled()),
                )
                .with("is_logging", Cell::bool(s.and_then(|s| s.is_logging())))
                .with("log_group_arn", Cell::text(t.cloud_watch_logs_log_group_arn()))
                .with("cloudwatch_logs_role_arn", Cell::text(t.cloud_watch_logs_role_arn()))
                .with(
                    "has_custom_event_selectors",
                    Cell::bool(t.has_custom_event_selectors()),
                )
                .with("has_insight_selectors", Cell::bool(t.has_insight_selectors()))
                .with(
                    "include_global_service_events",
                    Cell::bool(t.include_global_service_events()),
                )
                .with("is_organization_trail", Cell::bool(t.is_organization_trail()))
                .with("kms_key_id", Cell::text(t.kms_key_id()))
                .with("s3_bucket_name", Cell::text(t.s3_bucket_name()))
                .with("s3_key_prefix", Cell::text(t.s3_key_prefix()))
                .with("sns_topic_arn", Cell::text(t.sns_topic_arn()))
                .with(
                    "latest_cloudwatch_logs_delivery_error",
                    Cell::text(s.and_then(|s| s.latest_cloud_watch_logs_delivery_error())),
                )
                .with(
                    "latest_cloudwatch_logs_delivery_time",
                    time(s.and_then(|s| s.latest_cloud_watch_logs_delivery_time())),
                )
                .with(
                    "latest_delivery_error",
                    Cell::text(s.and_then(|s| s.latest_delivery_error())),
                )
                .with(
                    "latest_delivery_time",
                    time(s.and_then(|s| s.latest_delivery_time())),
                )
                .with(
                    "latest_digest_delivery_error",
                    Cell::text(s.and_then(|s| s.latest_digest_delivery_error())),
                )
                .with(
                    "latest_digest_delivery_time",
                    time(s.and_then(|s| s.latest_digest_delivery_time())),
                )
                .with(
                    "latest_notification_error",
                    Cell::text(s.and_then(|s| s.latest_notification_error())),
                )
                .with(
                    "latest_notification_time",
                    time(s.and_then(|s| s.latest_notification_time())),
                )
                .with(
                    "start_logging_time",
                    time(s.and_then(|s| s.start_logging_time())),
                )
                .with("stop_logging_time", time(s.and_then(|s| s.stop_logging_time())))
                .with("advanced_event_selectors", json_cell(advanced))
                .with("event_selectors", json_cell(event_selectors))
                .with("insight_selectors", json_cell(insights))
                .with("tags_src", tags_src(pairs()))
                .with("tags", tags_of(pairs()))
                .with("akas", Cell::json(json!([arn])))
                .with("title", Cell::Text(name))
                .with("partition", partition.clone())
        }
    })
    .await;
    Ok(vec![batch(&TRAILS, rows)])
}
