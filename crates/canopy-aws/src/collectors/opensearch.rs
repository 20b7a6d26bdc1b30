//! OpenSearch Service domains: ListDomainNames, DescribeDomains five at a time (AWS's
//! maximum), then per domain its tags. Access policies are kept (the access audit reads them).

use std::collections::HashMap;

use aws_sdk_opensearch::Client;
use canopy_model::inventory::{Batch, Cell};
use canopy_model::table::Column;
use serde_json::{Value, json};

use super::{Unit, json_cell, tags_of, tags_src, time_text};
use crate::error::AwsError;

/// What is read of one row of `aws_opensearch_domain`.
struct Domain {
    /// OpenSearch or Elasticsearch, as the listing says.
    engine: Option<String>,
    d: aws_sdk_opensearch::types::DomainStatus,
    arn: String,
    tags: Option<aws_sdk_opensearch::operation::list_tags::ListTagsOutput>,
    cluster: Option<Value>,
    logs: Option<Value>,
    security: Option<Value>,
    software: Option<Value>,
    change: Option<Value>,
    off_peak: Option<Value>,
    modifying: Option<Value>,
    vpc: Option<Value>,
    name: String,
}

table! {
    DOMAINS: Domain = Regional "aws_opensearch_domain"
        ["es:ListDomainNames", "es:DescribeDomains", "es:ListTags"],
        "OpenSearch Service domains: access policy, encryption, network, fine-grained access control";
    C::text("domain_name", "The domain's name", |x, _| Cell::Text(x.name.clone())).required(),
    C::text("engine_type", "OpenSearch or Elasticsearch", |x, _| Cell::text(x.engine.as_deref())),
    C::text("domain_id", "Its id (account/name)", |x, _| Cell::Text(x.d.domain_id().to_owned())),
    C::text("arn", "The domain's ARN", |x, _| Cell::Text(x.arn.clone())),
    C::text("access_policies", "Its access policy (JSON text)", |x, _| Cell::text(x.d.access_policies())),
    C::bool("created", "Whether it has been created", |x, _| Cell::bool(x.d.created())),
    C::bool("deleted", "Whether it is being deleted", |x, _| Cell::bool(x.d.deleted())),
    C::text("endpoint", "Its endpoint (public domains)", |x, _| Cell::text(x.d.endpoint())),
    C::text("endpoint_v2", "Its dual-stack endpoint", |x, _| Cell::text(x.d.endpoint_v2())),
    C::bool("auto_software_update_enabled", "Whether service software updates itself", |x, _| Cell::bool(x.d.software_update_options().and_then(|s| s.auto_software_update_enabled()))),
    C::text("ip_address_type", "ipv4 or dualstack", |x, _| Cell::variant(x.d.ip_address_type())),
    C::text("domain_processing_status", "Creating, Active, Modifying, ...", |x, _| Cell::variant(x.d.domain_processing_status())),
    C::text("engine_version", "OpenSearch_2.13, Elasticsearch_7.10, ...", |x, _| Cell::text(x.d.engine_version())),
    C::bool("processing", "Whether a configuration change is being applied", |x, _| Cell::bool(x.d.processing())),
    C::bool("upgrade_processing", "Whether a version upgrade is running", |x, _| Cell::bool(x.d.upgrade_processing())),
    C::bool("node_to_node_encryption_options_enabled", "Whether traffic between nodes is encrypted", |x, _| Cell::bool(x.d.node_to_node_encryption_options().and_then(|n| n.enabled()))),
    C::json("advanced_options", "Its advanced options", |x, _| json_cell(x.d.advanced_options().map(|a| json!(a)))),
    C::json("advanced_security_options", "Fine-grained access control: {\"Enabled\", \"InternalUserDatabaseEnabled\", \"AnonymousAuthEnabled\", ...}", |x, _| json_cell(x.security.clone())),
    C::json(
    "auto_tune_options",
    "{\"State\", \"ErrorMessage\", \"UseOffPeakWindow\"}",
    |x, _| {
        json_cell(x.d.auto_tune_options().map(|a| {
            json!({
                "ErrorMessage": a.error_message(),
                "State": a.state().map(|s| s.as_str()),
                "UseOffPeakWindow": a.use_off_peak_window(),
            })
        }))
    },
),
    C::json("cluster_config", "{\"InstanceType\", \"InstanceCount\", \"DedicatedMasterEnabled\", \"ZoneAwarenessEnabled\", ...}", |x, _| json_cell(x.cluster.clone())),
    C::json(
    "cognito_options",
    "{\"Enabled\", \"UserPoolId\", \"IdentityPoolId\", \"RoleArn\"}",
    |x, _| {
        json_cell(x.d.cognito_options().map(|c| {
            json!({
                "Enabled": c.enabled(),
                "IdentityPoolId": c.identity_pool_id(),
                "RoleArn": c.role_arn(),
                "UserPoolId": c.user_pool_id(),
            })
        }))
    },
),
    C::json(
    "domain_endpoint_options",
    "{\"EnforceHTTPS\", \"TLSSecurityPolicy\", \"CustomEndpointEnabled\", ...}",
    |x, _| {
        json_cell(x.d.domain_endpoint_options().map(|e| {
            json!({
                "CustomEndpoint": e.custom_endpoint(),
                "CustomEndpointCertificateArn": e.custom_endpoint_certificate_arn(),
                "CustomEndpointEnabled": e.custom_endpoint_enabled(),
                "EnforceHTTPS": e.enforce_https(),
                "TLSSecurityPolicy": e.tls_security_policy().map(|p| p.as_str()),
            })
        }))
    },
),
    C::json(
    "ebs_options",
    "{\"EBSEnabled\", \"VolumeType\", \"VolumeSize\", \"Iops\", \"Throughput\"}",
    |x, _| {
        json_cell(x.d.ebs_options().map(|e| {
            json!({
                "EBSEnabled": e.ebs_enabled(),
                "Iops": e.iops(),
                "Throughput": e.throughput(),
                "VolumeSize": e.volume_size(),
                "VolumeType": e.volume_type().map(|v| v.as_str()),
            })
        }))
    },
),
    C::json(
    "encryption_at_rest_options",
    "{\"Enabled\", \"KmsKeyId\"}",
    |x, _| {
        json_cell(x.d.encryption_at_rest_options().map(|e| {
            json!({
                "Enabled": e.enabled(),
                "KmsKeyId": e.kms_key_id(),
            })
        }))
    },
),
    C::json(
    "endpoints",
    "Its endpoints in a VPC: {\"vpc\": ...}",
    |x, _| json_cell(x.d.endpoints().map(|e| json!(e))),
),
    C::json("log_publishing_options", "Logs by type: {\"AUDIT_LOGS\": {\"CloudWatchLogsLogGroupArn\", \"Enabled\"}, ...}", |x, _| json_cell(x.logs.clone())),
    C::json("service_software_options", "Its service software and updates", |x, _| json_cell(x.software.clone())),
    C::json(
    "snapshot_options",
    "{\"AutomatedSnapshotStartHour\"}",
    |x, _| {
        json_cell(x.d.snapshot_options().map(|s| {
            json!({
                "AutomatedSnapshotStartHour": s.automated_snapshot_start_hour(),
            })
        }))
    },
),
    C::json("change_progress_details", "The configuration change in progress", |x, _| json_cell(x.change.clone())),
    C::json("off_peak_window_options", "{\"Enabled\", \"OffPeakWindow\"}", |x, _| json_cell(x.off_peak.clone())),
    C::json("modifying_properties", "Properties being changed", |x, _| json_cell(x.modifying.clone())),
    C::json("vpc_options", "{\"VPCId\", \"SubnetIds\", \"AvailabilityZones\", \"SecurityGroupIds\"}", |x, _| json_cell(x.vpc.clone())),
    C::common(Column::TAGS_SRC, |x, _| tags_src(x.tags.iter().flat_map(|t| t.tag_list()))),
    C::common(Column::TITLE, |x, _| Cell::Text(x.name.clone())),
    C::common(Column::TAGS, |x, _| tags_of(x.tags.iter().flat_map(|t| t.tag_list()))),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
}

/// Domains per DescribeDomains call (AWS's maximum).
const DOMAINS_PER_CALL: usize = 5;

pub(super) async fn domains(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.client(Client::new);
    let listed = unit
        .call("es:ListDomainNames", || client.list_domain_names().send())
        .await?;
    let engines: HashMap<String, Option<String>> = listed
        .domain_names()
        .iter()
        .filter_map(|d| {
            Some((
                d.domain_name()?.to_owned(),
                d.engine_type().map(|e| e.as_str().to_owned()),
            ))
        })
        .collect();
    let names: Vec<String> = engines.keys().cloned().collect();
    let mut described = Vec::new();
    for chunk in names.chunks(DOMAINS_PER_CALL) {
        let out = unit
            .call("es:DescribeDomains", || {
                client
                    .describe_domains()
                    .set_domain_names(Some(chunk.to_vec()))
                    .send()
            })
            .await?;
        described.extend(out.domain_status_list().iter().cloned());
    }
    let absent: &[&str] = &["ResourceNotFoundException"];
    let engines = &engines;
    DOMAINS.each_listed(unit, described, |d| {
        let client = &client;
        async move {
            let arn = d.arn().to_owned();
            let tags = unit
                .detail(unit.region, "es:ListTags", &arn, absent, || {
                    client.list_tags().arn(&arn).send()
                })
                .await
                .found();
            let cluster = d.cluster_config().map(|c| {
                json!({
                    "DedicatedMasterCount": c.dedicated_master_count(),
                    "DedicatedMasterEnabled": c.dedicated_master_enabled(),
                    "DedicatedMasterType": c.dedicated_master_type().map(|t| t.as_str()),
                    "InstanceCount": c.instance_count(),
                    "InstanceType": c.instance_type().map(|t| t.as_str()),
                    "MultiAZWithStandbyEnabled": c.multi_az_with_standby_enabled(),
                    "WarmCount": c.warm_count(),
                    "WarmEnabled": c.warm_enabled(),
                    "WarmType": c.warm_type().map(|t| t.as_str()),
                    "ZoneAwarenessConfig": c.zone_awareness_config().map(|z| json!({"AvailabilityZoneCount": z.availability_zone_count()})),
                    "ZoneAwarenessEnabled": c.zone_awareness_enabled(),
                })
            });
            let logs = d.log_publishing_options().filter(|l| !l.is_empty()).map(|l| {
                Value::Object(
                    l.iter()
                        .map(|(k, v)| {
                            (
                                k.as_str().to_owned(),
                                json!({"CloudWatchLogsLogGroupArn": v.cloud_watch_logs_log_group_arn(), "Enabled": v.enabled()}),
                            )
                        })
                        .collect(),
                )
            });
            let security = d.advanced_security_options().map(|a| {
                json!({
                    "AnonymousAuthDisableDate": time_text(a.anonymous_auth_disable_date()),
                    "AnonymousAuthEnabled": a.anonymous_auth_enabled(),
                    "Enabled": a.enabled(),
                    "InternalUserDatabaseEnabled": a.internal_user_database_enabled(),
                })
            });
            let software = d.service_software_options().map(|s| {
                json!({
                    "AutomatedUpdateDate": time_text(s.automated_update_date()),
                    "Cancellable": s.cancellable(),
                    "CurrentVersion": s.current_version(),
                    "Description": s.description(),
                    "NewVersion": s.new_version(),
                    "OptionalDeployment": s.optional_deployment(),
                    "UpdateAvailable": s.update_available(),
                    "UpdateStatus": s.update_status().map(|u| u.as_str()),
                })
            });
            let change = d.change_progress_details().map(|c| {
                json!({
                    "ChangeId": c.change_id(),
                    "ConfigChangeStatus": c.config_change_status().map(|s| s.as_str()),
                    "InitiatedBy": c.initiated_by().map(|i| i.as_str()),
                    "LastUpdatedTime": time_text(c.last_updated_time()),
                    "Message": c.message(),
                    "StartTime": time_text(c.start_time()),
                })
            });
            let off_peak = d.off_peak_window_options().map(|o| {
                json!({
                    "Enabled": o.enabled(),
                    "OffPeakWindow": o.off_peak_window().and_then(|w| w.window_start_time()).map(|t| json!({
                        "WindowStartTime": {"Hours": t.hours(), "Minutes": t.minutes()},
                    })),
                })
            });
            let modifying = (!d.modifying_properties().is_empty()).then(|| {
                Value::Array(
                    d.modifying_properties()
                        .iter()
                        .map(|m| json!({
                            "ActiveValue": m.active_value(),
                            "Name": m.name(),
                            "PendingValue": m.pending_value(),
                            "ValueType": m.value_type().map(|v| v.as_str()),
                        }))
                        .collect(),
                )
            });
            let vpc = d.vpc_options().map(|v| {
                json!({
                    "AvailabilityZones": v.availability_zones(),
                    "SecurityGroupIds": v.security_group_ids(),
                    "SubnetIds": v.subnet_ids(),
                    "VPCId": v.vpc_id(),
                })
            });
            let name = d.domain_name().to_owned();
            Domain {
                    engine: engines.get(&name).cloned().flatten(),
                    d,
                    arn,
                    tags,
                    cluster,
                    logs,
                    security,
                    software,
                    change,
                    off_peak,
                    modifying,
                    vpc,
                    name,
                }
        }
    })
    .await
}

collectors! {
    domains: DOMAINS;
}
