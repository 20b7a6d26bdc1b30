//! CloudTrail trails as each region sees them (a multi-region trail appears in every region, as
//! in DescribeTrails and Steampipe; `home_region` tells where it lives), each with its logging
//! status, event and insight selectors, and tags.

use aws_sdk_cloudtrail::Client;
use canopy_model::inventory::{Batch, Cell};
use canopy_model::table::Column;
use serde_json::{Value, json};

use super::{Unit, json_cell, tags_of, tags_src, time};
use crate::error::AwsError;

/// What is read of one row of `aws_cloudtrail_trail`.
struct Trail {
    t: aws_sdk_cloudtrail::types::Trail,
    arn: String,
    status: Option<aws_sdk_cloudtrail::operation::get_trail_status::GetTrailStatusOutput>,
    tags: Vec<aws_sdk_cloudtrail::types::Tag>,
    event_selectors: Option<Value>,
    advanced: Option<Value>,
    insights: Option<Value>,
    name: String,
}

impl Trail {
    fn s(&self) -> Option<&aws_sdk_cloudtrail::operation::get_trail_status::GetTrailStatusOutput> {
        self.status.as_ref()
    }
}

table! {
    TRAILS: Trail = Regional "aws_cloudtrail_trail"
        ["cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors", "cloudtrail:GetInsightSelectors", "cloudtrail:ListTags"],
        "CloudTrail trails, with whether they are logging, where they deliver and what they record";
    C::text("name", "The trail's name", |x, _| Cell::Text(x.name.clone())).required(),
    C::text("arn", "The trail's ARN", |x, _| Cell::Text(x.arn.clone())),
    C::text("home_region", "The region the trail was created in", |x, _| Cell::text(x.t.home_region())),
    C::bool("is_multi_region_trail", "Whether it records every region", |x, _| Cell::bool(x.t.is_multi_region_trail())),
    C::bool("log_file_validation_enabled", "Whether log file integrity validation is on", |x, _| Cell::bool(x.t.log_file_validation_enabled())),
    C::bool("is_logging", "Whether it is recording now (GetTrailStatus)", |x, _| Cell::bool(x.s().and_then(|s| s.is_logging()))),
    C::text("log_group_arn", "The CloudWatch Logs group it delivers to", |x, _| Cell::text(x.t.cloud_watch_logs_log_group_arn())),
    C::text("cloudwatch_logs_role_arn", "The role that writes to CloudWatch Logs", |x, _| Cell::text(x.t.cloud_watch_logs_role_arn())),
    C::bool("has_custom_event_selectors", "Whether it has custom event selectors", |x, _| Cell::bool(x.t.has_custom_event_selectors())),
    C::bool("has_insight_selectors", "Whether it has insight selectors", |x, _| Cell::bool(x.t.has_insight_selectors())),
    C::bool("include_global_service_events", "Whether it records global services (IAM)", |x, _| Cell::bool(x.t.include_global_service_events())),
    C::bool("is_organization_trail", "Whether it is an organization trail", |x, _| Cell::bool(x.t.is_organization_trail())),
    C::text("kms_key_id", "The KMS key that encrypts its logs", |x, _| Cell::text(x.t.kms_key_id())),
    C::text("s3_bucket_name", "The bucket it delivers to", |x, _| Cell::text(x.t.s3_bucket_name())),
    C::text("s3_key_prefix", "The key prefix in the bucket", |x, _| Cell::text(x.t.s3_key_prefix())),
    C::text("sns_topic_arn", "The topic notified of deliveries", |x, _| Cell::text(x.t.sns_topic_arn())),
    C::text("latest_cloudwatch_logs_delivery_error", "The last CloudWatch Logs delivery error", |x, _| Cell::text(x.s().and_then(|s| s.latest_cloud_watch_logs_delivery_error()))),
    C::time("latest_cloudwatch_logs_delivery_time", "The last delivery to CloudWatch Logs", |x, _| time(x.s().and_then(|s| s.latest_cloud_watch_logs_delivery_time()))),
    C::text("latest_delivery_error", "The last S3 delivery error", |x, _| Cell::text(x.s().and_then(|s| s.latest_delivery_error()))),
    C::time("latest_delivery_time", "The last delivery to S3", |x, _| time(x.s().and_then(|s| s.latest_delivery_time()))),
    C::text("latest_digest_delivery_error", "The last digest delivery error", |x, _| Cell::text(x.s().and_then(|s| s.latest_digest_delivery_error()))),
    C::time("latest_digest_delivery_time", "The last digest delivery", |x, _| time(x.s().and_then(|s| s.latest_digest_delivery_time()))),
    C::text("latest_notification_error", "The last SNS notification error", |x, _| Cell::text(x.s().and_then(|s| s.latest_notification_error()))),
    C::time("latest_notification_time", "The last SNS notification", |x, _| time(x.s().and_then(|s| s.latest_notification_time()))),
    C::time("start_logging_time", "When logging last started", |x, _| time(x.s().and_then(|s| s.start_logging_time()))),
    C::time("stop_logging_time", "When logging last stopped", |x, _| time(x.s().and_then(|s| s.stop_logging_time()))),
    C::json("advanced_event_selectors", "Advanced event selectors", |x, _| json_cell(x.advanced.clone())),
    C::json("event_selectors", "Event selectors: [{\"ReadWriteType\", \"IncludeManagementEvents\", \"DataResources\", ...}]", |x, _| json_cell(x.event_selectors.clone())),
    C::json("insight_selectors", "Insight selectors: [{\"InsightType\"}]", |x, _| json_cell(x.insights.clone())),
    C::common(Column::TAGS_SRC, |x, _| tags_src(x.tags.iter())),
    C::common(Column::TAGS, |x, _| tags_of(x.tags.iter())),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
    C::common(Column::TITLE, |x, _| Cell::Text(x.name.clone())),
}

pub(super) async fn trails(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.client(Client::new);
    let out = unit
        .call("cloudtrail:DescribeTrails", || {
            client.describe_trails().include_shadow_trails(true).send()
        })
        .await?;
    let listed = out.trail_list().to_vec();
    TRAILS.each_listed(unit, listed, |t| {
        let client = &client;
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
            Trail {
                    t,
                    arn,
                    status,
                    tags,
                    event_selectors,
                    advanced,
                    insights,
                    name,
                }
        }
    })
    .await
}

collectors! {
    trails: TRAILS;
}
