//! OpenSearch Service domains: ListDomainNames, DescribeDomains five at a time (AWS's
//! maximum), then per domain its tags. Access policies are kept (the access audit reads them).

use std::collections::HashMap;

use aws_sdk_opensearch::Client;
use canopy_model::inventory::{Batch, Cell, Row};
use canopy_model::table::{Column, Scope, TableDef};
use serde_json::{Value, json};

use super::{Unit, batch, json_cell, tags_of, tags_src, time_text};
use crate::error::AwsError;

pub(super) const DOMAINS: TableDef = TableDef {
    name: "aws_opensearch_domain",
    scope: Scope::Regional,
    description: "OpenSearch Service domains: access policy, encryption, network, fine-grained access control",
    columns: &[
        Column::text("domain_name", "The domain's name").required(),
        Column::text("engine_type", "OpenSearch or Elasticsearch"),
        Column::text("domain_id", "Its id (account/name)"),
        Column::text("arn", "The domain's ARN"),
        Column::text("access_policies", "Its access policy (JSON text)"),
        Column::bool("created", "Whether it has been created"),
        Column::bool("deleted", "Whether it is being deleted"),
        Column::text("endpoint", "Its endpoint (public domains)"),
        Column::text("endpoint_v2", "Its dual-stack endpoint"),
        Column::bool(
            "auto_software_update_enabled",
            "Whether service software updates itself",
        ),
        Column::text("ip_address_type", "ipv4 or dualstack"),
        Column::text(
            "domain_processing_status",
            "Creating, Active, Modifying, ...",
        ),
        Column::text("engine_version", "OpenSearch_2.13, Elasticsearch_7.10, ..."),
        Column::bool(
            "processing",
            "Whether a configuration change is being applied",
        ),
        Column::bool("upgrade_processing", "Whether a version upgrade is running"),
        Column::bool(
            "node_to_node_encryption_options_enabled",
            "Whether traffic between nodes is encrypted",
        ),
        Column::json("advanced_options", "Its advanced options"),
        Column::json(
            "advanced_security_options",
            "Fine-grained access control: {\"Enabled\", \"InternalUserDatabaseEnabled\", \"AnonymousAuthEnabled\", ...}",
        ),
        Column::json(
            "auto_tune_options",
            "{\"State\", \"ErrorMessage\", \"UseOffPeakWindow\"}",
        ),
        Column::json(
            "cluster_config",
            "{\"InstanceType\", \"InstanceCount\", \"DedicatedMasterEnabled\", \"ZoneAwarenessEnabled\", ...}",
        ),
        Column::json(
            "cognito_options",
            "{\"Enabled\", \"UserPoolId\", \"IdentityPoolId\", \"RoleArn\"}",
        ),
        Column::json(
            "domain_endpoint_options",
            "{\"EnforceHTTPS\", \"TLSSecurityPolicy\", \"CustomEndpointEnabled\", ...}",
        ),
        Column::json(
            "ebs_options",
            "{\"EBSEnabled\", \"VolumeType\", \"VolumeSize\", \"Iops\", \"Throughput\"}",
        ),
        Column::json("encryption_at_rest_options", "{\"Enabled\", \"KmsKeyId\"}"),
        Column::json("endpoints", "Its endpoints in a VPC: {\"vpc\": ...}"),
        Column::json(
            "log_publishing_options",
            "Logs by type: {\"AUDIT_LOGS\": {\"CloudWatchLogsLogGroupArn\", \"Enabled\"}, ...}",
        ),
        Column::json(
            "service_software_options",
            "Its service software and updates",
        ),
        Column::json("snapshot_options", "{\"AutomatedSnapshotStartHour\"}"),
        Column::json(
            "change_progress_details",
            "The configuration change in progress",
        ),
        Column::json(
            "off_peak_window_options",
            "{\"Enabled\", \"OffPeakWindow\"}",
        ),
        Column::json("modifying_properties", "Properties being changed"),
        Column::json(
            "vpc_options",
            "{\"VPCId\", \"SubnetIds\", \"AvailabilityZones\", \"SecurityGroupIds\"}",
        ),
        Column::TAGS_SRC,
        Column::TITLE,
        Column::TAGS,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &["es:ListDomainNames", "es:DescribeDomains", "es:ListTags"],
    filled_by: "collect",
};

/// Domains per DescribeDomains call (AWS's maximum).
const DOMAINS_PER_CALL: usize = 5;

pub(super) async fn domains(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.session.client(unit.region, Client::new);
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
    let partition = unit.partition();
    let absent: &[&str] = &["ResourceNotFoundException"];
    let engines = &engines;
    let rows = super::for_each_listed(described, |d| {
        let client = &client;
        let partition = &partition;
        async move {
            let arn = d.arn().to_owned();
            let tags = unit
                .detail(unit.region, "es:ListTags", &arn, absent, || {
                    client.list_tags().arn(&arn).send()
                })
                .await
                .found();
            let pairs = || {
                tags.iter()
                    .flat_map(|t| t.tag_list())
                    .map(|t| (Some(t.key()), Some(t.value())))
            };
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
            Row::default()
                .with("domain_name", Cell::Text(name.clone()))
                .with(
                    "engine_type",
                    Cell::text(engines.get(&name).cloned().flatten()),
                )
                .with("domain_id", Cell::Text(d.domain_id().to_owned()))
                .with("arn", Cell::Text(arn.clone()))
                .with("access_policies", Cell::text(d.access_policies()))
                .with("created", Cell::bool(d.created()))
                .with("deleted", Cell::bool(d.deleted()))
                .with("endpoint", Cell::text(d.endpoint()))
                .with("endpoint_v2", Cell::text(d.endpoint_v2()))
                .with(
                    "auto_software_update_enabled",
                    Cell::bool(d.software_update_options().and_then(|s| s.auto_software_update_enabled())),
                )
                .with("ip_address_type", Cell::text(d.ip_address_type().map(|t| t.as_str())))
                .with(
                    "domain_processing_status",
                    Cell::text(d.domain_processing_status().map(|s| s.as_str())),
                )
                .with("engine_version", Cell::text(d.engine_version()))
                .with("processing", Cell::bool(d.processing()))
                .with("upgrade_processing", Cell::bool(d.upgrade_processing()))
                .with(
                    "node_to_node_encryption_options_enabled",
                    Cell::bool(d.node_to_node_encryption_options().and_then(|n| n.enabled())),
                )
                .with("advanced_options", json_cell(d.advanced_options().map(|a| json!(a))))
                .with("advanced_security_options", json_cell(security))
                .with(
                    "auto_tune_options",
                    json_cell(d.auto_tune_options().map(|a| json!({
                        "ErrorMessage": a.error_message(),
                        "State": a.state().map(|s| s.as_str()),
                        "UseOffPeakWindow": a.use_off_peak_window(),
                    }))),
                )
                .with("cluster_config", json_cell(cluster))
                .with(
                    "cognito_options",
                    json_cell(d.cognito_options().map(|c| json!({
                        "Enabled": c.enabled(),
                        "IdentityPoolId": c.identity_pool_id(),
                        "RoleArn": c.role_arn(),
                        "UserPoolId": c.user_pool_id(),
                    }))),
                )
                .with(
                    "domain_endpoint_options",
                    json_cell(d.domain_endpoint_options().map(|e| json!({
                        "CustomEndpoint": e.custom_endpoint(),
                        "CustomEndpointCertificateArn": e.custom_endpoint_certificate_arn(),
                        "CustomEndpointEnabled": e.custom_endpoint_enabled(),
                        "EnforceHTTPS": e.enforce_https(),
                        "TLSSecurityPolicy": e.tls_security_policy().map(|p| p.as_str()),
                    }))),
                )
                .with(
                    "ebs_options",
                    json_cell(d.ebs_options().map(|e| json!({
                        "EBSEnabled": e.ebs_enabled(),
                        "Iops": e.iops(),
                        "Throughput": e.throughput(),
                        "VolumeSize": e.volume_size(),
                        "VolumeType": e.volume_type().map(|v| v.as_str()),
                    }))),
                )
                .with(
                    "encryption_at_rest_options",
                    json_cell(d.encryption_at_rest_options().map(|e| json!({
                        "Enabled": e.enabled(),
                        "KmsKeyId": e.kms_key_id(),
                    }))),
                )
                .with("endpoints", json_cell(d.endpoints().map(|e| json!(e))))
                .with("log_publishing_options", json_cell(logs))
                .with("service_software_options", json_cell(software))
                .with(
                    "snapshot_options",
                    json_cell(d.snapshot_options().map(|s| json!({
                        "AutomatedSnapshotStartHour": s.automated_snapshot_start_hour(),
                    }))),
                )
                .with("change_progress_details", json_cell(change))
                .with("off_peak_window_options", json_cell(off_peak))
                .with("modifying_properties", json_cell(modifying))
                .with("vpc_options", json_cell(vpc))
                .with("tags_src", tags_src(pairs()))
                .with("title", Cell::Text(name))
                .with("tags", tags_of(pairs()))
                .with("akas", Cell::json(json!([arn])))
                .with("partition", partition.clone())
        }
    })
    .await;
    Ok(vec![batch(&DOMAINS, rows)])
}
