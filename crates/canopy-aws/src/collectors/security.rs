//! The account's security services, per region: GuardDuty detectors (ListDetectors, then per
//! detector its settings and administrator), Security Hub (DescribeHub, its administrator and
//! tags: no row where it is off), IAM Access Analyzer analyzers (ListAnalyzers) and AWS Config
//! recorders (DescribeConfigurationRecorders with their status). Each answers "is it on, and
//! who administers it" — the first question of an organization-wide security review.

use std::collections::HashMap;

use aws_sdk_accessanalyzer::Client as AnalyzerClient;
use aws_sdk_config::Client as ConfigClient;
use aws_sdk_guardduty::Client as GuardDutyClient;
use aws_sdk_securityhub::Client as SecurityHubClient;
use canopy_model::inventory::{Batch, Cell};
use canopy_model::table::Column;
use serde_json::{Value, json};

use super::{Unit, json_cell, tag_map, time, time_text};
use crate::error::AwsError;

/// What is read of one row of `aws_guardduty_detector`.
struct Detector {
    id: String,
    d: Option<aws_sdk_guardduty::operation::get_detector::GetDetectorOutput>,
    sources: Option<Value>,
    features: Option<Value>,
    administrator: Option<Value>,
    arn: String,
}

table! {
    DETECTORS: Detector = Regional "aws_guardduty_detector"
        ["guardduty:ListDetectors", "guardduty:GetDetector", "guardduty:GetAdministratorAccount"],
        "GuardDuty detectors: status, data sources and features, administrator account";
    C::text("detector_id", "The detector's id", |x, _| Cell::Text(x.id.clone())).required(),
    C::text("arn", "The detector's ARN", |x, _| Cell::Text(x.arn.clone())),
    C::text("status", "ENABLED or DISABLED", |x, _| Cell::variant(x.d.as_ref().and_then(|d| d.status()))),
    C::time("created_at", "When it was created", |x, _| Cell::text(x.d.as_ref().and_then(|d| d.created_at()))),
    C::text("finding_publishing_frequency", "How often findings are exported: FIFTEEN_MINUTES, ONE_HOUR, SIX_HOURS", |x, _| Cell::variant(x.d.as_ref().and_then(|d| d.finding_publishing_frequency()))),
    C::text("service_role", "GuardDuty's service-linked role", |x, _| Cell::text(x.d.as_ref().and_then(|d| d.service_role()))),
    C::time("updated_at", "When it was last changed", |x, _| Cell::text(x.d.as_ref().and_then(|d| d.updated_at()))),
    C::json("data_sources", "Data sources: {\"CloudTrail\": {\"Status\"}, \"DNSLogs\", \"FlowLogs\", \"S3Logs\", \"Kubernetes\", \"MalwareProtection\"}", |x, _| json_cell(x.sources.clone())),
    C::json("features", "Protection plans: [{\"Name\", \"Status\", \"UpdatedAt\", \"AdditionalConfiguration\"}]", |x, _| json_cell(x.features.clone())),
    C::json("master_account", "Its administrator: {\"AccountId\", \"InvitationId\", \"RelationshipStatus\", \"InvitedAt\"}", |x, _| json_cell(x.administrator.clone())),
    C::common(Column::TITLE, |x, _| Cell::Text(x.id.clone())),
    C::common(Column::TAGS, |x, _| tag_map(x.d.as_ref().and_then(|d| d.tags()))),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
}

/// What is read of one row of `aws_securityhub_hub`.
struct Hub {
    hub: aws_sdk_securityhub::operation::describe_hub::DescribeHubOutput,
    arn: String,
    administrator: Option<Value>,
    tags: Option<aws_sdk_securityhub::operation::list_tags_for_resource::ListTagsForResourceOutput>,
}

table! {
    HUBS: Hub = Regional "aws_securityhub_hub"
        ["securityhub:DescribeHub", "securityhub:GetAdministratorAccount", "securityhub:ListTagsForResource"],
        "Security Hub, where it is on: when it was enabled, its administrator account";
    C::text("hub_arn", "The hub's ARN", |x, _| Cell::Text(x.arn.clone())).required(),
    C::json("administrator_account", "Its administrator: {\"AccountId\", \"InvitationId\", \"InvitedAt\", \"MemberStatus\"}", |x, _| json_cell(x.administrator.clone())),
    C::bool("auto_enable_controls", "Whether new controls of enabled standards are enabled automatically", |x, _| Cell::bool(x.hub.auto_enable_controls())),
    C::time("subscribed_at", "When Security Hub was enabled", |x, _| Cell::text(x.hub.subscribed_at())),
    C::common(Column::TAGS, |x, _| tag_map(x.tags.as_ref().and_then(|t| t.tags()))),
    C::common(Column::TITLE, |x, _| Cell::Text(x.arn.rsplit('/').next().unwrap_or("default").to_owned())),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
}

/// What is read of one row of `aws_accessanalyzer_analyzer`.
struct Analyzer {
    a: aws_sdk_accessanalyzer::types::AnalyzerSummary,
}

table! {
    ANALYZERS: Analyzer = Regional "aws_accessanalyzer_analyzer" ["access-analyzer:ListAnalyzers"],
        "IAM Access Analyzer analyzers: their zone of trust (account or organization) and status";
    C::text("name", "The analyzer's name", |x, _| Cell::Text(x.a.name().to_owned())).required(),
    C::text("arn", "The analyzer's ARN", |x, _| Cell::Text(x.a.arn().to_owned())),
    C::text("status", "ACTIVE, CREATING, DISABLED or FAILED", |x, _| Cell::Text(x.a.status().as_str().to_owned())),
    C::text("type", "Its zone of trust: ACCOUNT, ORGANIZATION, or an unused-access type", |x, _| Cell::Text(x.a.r#type().as_str().to_owned())),
    C::time("created_at", "When it was created", |x, _| time(Some(x.a.created_at()))),
    C::text("last_resource_analyzed", "The resource it analyzed last", |x, _| Cell::text(x.a.last_resource_analyzed())),
    C::time("last_resource_analyzed_at", "When it analyzed it", |x, _| time(x.a.last_resource_analyzed_at())),
    C::text("status_reason", "Why it is in its status", |x, _| Cell::text(x.a.status_reason().map(|r| r.code().as_str()))),
    C::common(Column::TITLE, |x, _| Cell::Text(x.a.name().to_owned())),
    C::common(Column::TAGS, |x, _| tag_map(x.a.tags())),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.a.arn()]))),
}

/// What is read of one row of `aws_config_configuration_recorder`.
struct Recorder {
    r: aws_sdk_config::types::ConfigurationRecorder,
    name: String,
    group: Option<Value>,
    recording: Option<bool>,
    status: Option<Value>,
    arn: String,
}

table! {
    RECORDERS: Recorder = Regional "aws_config_configuration_recorder"
        ["config:DescribeConfigurationRecorders", "config:DescribeConfigurationRecorderStatus"],
        "AWS Config recorders: what they record, and whether they are recording";
    C::text("name", "The recorder's name", |x, _| Cell::Text(x.name.clone())).required(),
    C::text("arn", "The recorder's ARN", |x, _| Cell::Text(x.arn.clone())),
    C::text("recording_mode", "CONTINUOUS or DAILY (the default frequency)", |x, _| Cell::text(x.r.recording_mode().map(|m| m.recording_frequency().as_str()))),
    C::json("recording_group", "What it records: {\"AllSupported\", \"IncludeGlobalResourceTypes\", \"ResourceTypes\", \"ExclusionByResourceTypes\", \"RecordingStrategy\"}", |x, _| json_cell(x.group.clone())),
    C::text("role_arn", "The role it reads resources with", |x, _| Cell::text(x.r.role_arn())),
    C::bool("status_recording", "Whether it is recording now", |x, _| Cell::bool(x.recording)),
    C::json("status", "Its status: {\"Recording\", \"LastStatus\", \"LastStartTime\", \"LastStopTime\", \"LastErrorCode\", ...}", |x, _| json_cell(x.status.clone())),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
    C::common(Column::TITLE, |x, _| Cell::Text(x.name.clone())),
}

fn status<T: AsRef<str>>(value: Option<T>) -> Value {
    json!({"Status": value.as_ref().map(AsRef::as_ref)})
}

/// The detector's data sources: deprecated by GuardDuty for `features`, still reported by it
/// and still a Steampipe column.
#[allow(deprecated)]
fn data_sources(
    d: &aws_sdk_guardduty::operation::get_detector::GetDetectorOutput,
) -> Option<Value> {
    d.data_sources().map(|s| {
        json!({
            "CloudTrail": status(s.cloud_trail().and_then(|c| c.status()).map(|v| v.as_str())),
            "DNSLogs": status(s.dns_logs().and_then(|c| c.status()).map(|v| v.as_str())),
            "FlowLogs": status(s.flow_logs().and_then(|c| c.status()).map(|v| v.as_str())),
            "Kubernetes": s.kubernetes().map(|k| json!({
                "AuditLogs": status(k.audit_logs().and_then(|a| a.status()).map(|v| v.as_str())),
            })),
            "MalwareProtection": s.malware_protection().map(|m| json!({
                "ScanEc2InstanceWithFindings": m.scan_ec2_instance_with_findings().map(|e| json!({
                    "EbsVolumes": e.ebs_volumes().map(|v| json!({
                        "Reason": v.reason(),
                        "Status": v.status().map(|s| s.as_str()),
                    })),
                })),
                "ServiceRole": m.service_role(),
            })),
            "S3Logs": status(s.s3_logs().and_then(|c| c.status()).map(|v| v.as_str())),
        })
    })
}

pub(super) async fn detectors(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.session.client(unit.region, GuardDutyClient::new);
    let ids = unit
        .list(
            "guardduty:ListDetectors",
            |token| {
                client
                    .list_detectors()
                    .max_results(50)
                    .set_next_token(token)
                    .send()
            },
            |out| out.next_token(),
            |out| out.detector_ids.unwrap_or_default(),
        )
        .await?;
    let absent: &[&str] = &["BadRequestException"];
    DETECTORS.each_listed(unit, ids, |id| {
        let client = &client;
        async move {
            let (detector, administrator) = tokio::join!(
                unit.detail(unit.region, "guardduty:GetDetector", &id, absent, || {
                    client.get_detector().detector_id(&id).send()
                }),
                unit.detail(unit.region, "guardduty:GetAdministratorAccount", &id, absent, || {
                    client.get_administrator_account().detector_id(&id).send()
                }),
            );
            let d = detector.found();
            let sources = d.as_ref().and_then(data_sources);
            let features = d.as_ref().filter(|d| !d.features().is_empty()).map(|d| {
                Value::Array(
                    d.features()
                        .iter()
                        .map(|f| {
                            json!({
                                "AdditionalConfiguration": f.additional_configuration().iter().map(|a| json!({
                                    "Name": a.name().map(|n| n.as_str()),
                                    "Status": a.status().map(|s| s.as_str()),
                                    "UpdatedAt": time_text(a.updated_at()),
                                })).collect::<Vec<_>>(),
                                "Name": f.name().map(|n| n.as_str()),
                                "Status": f.status().map(|s| s.as_str()),
                                "UpdatedAt": time_text(f.updated_at()),
                            })
                        })
                        .collect(),
                )
            });
            let administrator = administrator.found().and_then(|a| a.administrator().cloned()).map(|a| {
                json!({
                    "AccountId": a.account_id(),
                    "InvitationId": a.invitation_id(),
                    "InvitedAt": a.invited_at(),
                    "RelationshipStatus": a.relationship_status(),
                })
            });
            let arn = unit.arn("guardduty", &format!("detector/{id}"));
            Detector {
                    id,
                    d,
                    sources,
                    features,
                    administrator,
                    arn,
                }
        }
    })
    .await
}

pub(super) async fn hubs(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.session.client(unit.region, SecurityHubClient::new);
    // Security Hub not enabled here: no hub, no row
    let absent: &[&str] = &["InvalidAccessException", "ResourceNotFoundException"];
    let hub = unit
        .detail(
            unit.region,
            "securityhub:DescribeHub",
            "hub",
            absent,
            || client.describe_hub().send(),
        )
        .await
        .found();
    let Some(hub) = hub else {
        return Ok(vec![HUBS.batch(Vec::new())]);
    };
    let arn = hub
        .hub_arn()
        .map_or_else(|| unit.arn("securityhub", "hub/default"), str::to_owned);
    let (administrator, tags) = tokio::join!(
        unit.detail(
            unit.region,
            "securityhub:GetAdministratorAccount",
            &arn,
            absent,
            || { client.get_administrator_account().send() }
        ),
        unit.detail(
            unit.region,
            "securityhub:ListTagsForResource",
            &arn,
            absent,
            || { client.list_tags_for_resource().resource_arn(&arn).send() }
        ),
    );
    let administrator = administrator
        .found()
        .and_then(|a| a.administrator().cloned())
        .map(|a| {
            json!({
                "AccountId": a.account_id(),
                "InvitationId": a.invitation_id(),
                "InvitedAt": time_text(a.invited_at()),
                "MemberStatus": a.member_status(),
            })
        });
    let tags = tags.found();
    let row = HUBS.row(
        &Hub {
            hub,
            arn,
            administrator,
            tags,
        },
        unit.cx(),
    );
    Ok(vec![HUBS.batch(vec![row])])
}

pub(super) async fn analyzers(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.session.client(unit.region, AnalyzerClient::new);
    let mut rows = Vec::new();
    unit.paginate(
        "access-analyzer:ListAnalyzers",
        |token| {
            client
                .list_analyzers()
                .max_results(100)
                .set_next_token(token)
                .send()
        },
        |out| out.next_token(),
        |out| {
            for a in out.analyzers() {
                rows.push(ANALYZERS.row(&Analyzer { a: a.clone() }, unit.cx()));
            }
        },
    )
    .await?;
    Ok(vec![ANALYZERS.batch(rows)])
}

pub(super) async fn recorders(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.session.client(unit.region, ConfigClient::new);
    let recorders = unit
        .call("config:DescribeConfigurationRecorders", || {
            client.describe_configuration_recorders().send()
        })
        .await?;
    if recorders.configuration_recorders().is_empty() {
        return Ok(vec![RECORDERS.batch(Vec::new())]);
    }
    let statuses = unit
        .call("config:DescribeConfigurationRecorderStatus", || {
            client.describe_configuration_recorder_status().send()
        })
        .await?;
    let statuses: HashMap<&str, _> = statuses
        .configuration_recorders_status()
        .iter()
        .filter_map(|s| Some((s.name()?, s)))
        .collect();
    let rows = recorders
        .configuration_recorders()
        .iter()
        .map(|r| {
            let name = r.name().unwrap_or_default().to_owned();
            let group = r.recording_group().map(|g| {
                json!({
                    "AllSupported": g.all_supported(),
                    "ExclusionByResourceTypes": g.exclusion_by_resource_types().map(|e| json!({
                        "ResourceTypes": e.resource_types().iter().map(|t| t.as_str()).collect::<Vec<_>>(),
                    })),
                    "IncludeGlobalResourceTypes": g.include_global_resource_types(),
                    "RecordingStrategy": g.recording_strategy().map(|s| json!({"UseOnly": s.use_only().map(|u| u.as_str())})),
                    "ResourceTypes": g.resource_types().iter().map(|t| t.as_str()).collect::<Vec<_>>(),
                })
            });
            let state = statuses.get(name.as_str()).copied();
            let status = state.map(|s| {
                json!({
                    "LastErrorCode": s.last_error_code(),
                    "LastErrorMessage": s.last_error_message(),
                    "LastStartTime": time_text(s.last_start_time()),
                    "LastStatus": s.last_status().map(|v| v.as_str()),
                    "LastStatusChangeTime": time_text(s.last_status_change_time()),
                    "LastStopTime": time_text(s.last_stop_time()),
                    "Name": s.name(),
                    "Recording": s.recording(),
                })
            });
            let arn = r
                .arn()
                .map_or_else(|| unit.arn("config", &format!("configuration-recorder/{name}")), str::to_owned);
            let recording = state.map(|s| s.recording());
            RECORDERS.row(&Recorder {
                    r: r.clone(),
                    name,
                    group,
                    recording,
                    status,
                    arn,
                },
                unit.cx()
            )
        })
        .collect();
    Ok(vec![RECORDERS.batch(rows)])
}

collectors! {
    detectors: DETECTORS;
    hubs: HUBS;
    analyzers: ANALYZERS;
    recorders: RECORDERS;
}
