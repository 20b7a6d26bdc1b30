//! RDS: DB instances and clusters (DescribeDBInstances, DescribeDBClusters, with the region's
//! pending maintenance and CA certificates read once per region, only where there are rows) and
//! their snapshots (DescribeDBSnapshots, DescribeDBClusterSnapshots, then per manual snapshot its
//! sharing attributes: who may restore it).

pub(super) mod cluster;
pub(super) mod instance;
pub(super) mod snapshot;

use std::collections::HashMap;

use aws_sdk_rds::Client;
use aws_sdk_rds::types::{
    Certificate, CertificateDetails, DomainMembership, PendingCloudwatchLogsExports,
    ProcessorFeature, VpcSecurityGroupMembership,
};
use canopy_model::inventory::Cell;
use canopy_model::table::Column;
use serde_json::{Value, json};

use super::{Unit, list_of, time_text};
use crate::error::AwsError;

const PENDING_MAINTENANCE: Column = Column::json(
    "pending_maintenance_actions",
    "Pending maintenance: [{\"Action\", \"AutoAppliedAfterDate\", \"CurrentApplyDate\", \"Description\", \"ForcedApplyDate\", \"OptInStatus\"}]",
);
const VPC_SECURITY_GROUPS: Column = Column::json(
    "vpc_security_groups",
    "Security groups: [{\"VpcSecurityGroupId\", \"Status\"}]",
);
const DOMAIN_MEMBERSHIPS: Column = Column::json(
    "domain_memberships",
    "Active Directory domains it is joined to",
);
const LOG_EXPORTS: Column = Column::json(
    "enabled_cloudwatch_logs_exports",
    "Log types exported to CloudWatch Logs",
);

fn vpc_groups(groups: &[VpcSecurityGroupMembership]) -> Cell {
    list_of(
        groups,
        |g| json!({"VpcSecurityGroupId": g.vpc_security_group_id(), "Status": g.status()}),
    )
}

fn domains(memberships: &[DomainMembership]) -> Cell {
    list_of(memberships, |d| {
        json!({
            "AuthSecretArn": d.auth_secret_arn(),
            "DnsIps": d.dns_ips(),
            "Domain": d.domain(),
            "FQDN": d.fqdn(),
            "IAMRoleName": d.iam_role_name(),
            "OU": d.ou(),
            "Status": d.status(),
        })
    })
}

fn processors(features: &[ProcessorFeature]) -> Cell {
    list_of(features, |p| json!({"Name": p.name(), "Value": p.value()}))
}

fn log_exports(pending: Option<&PendingCloudwatchLogsExports>) -> Value {
    pending.map_or(Value::Null, |p| {
        json!({
            "LogTypesToDisable": p.log_types_to_disable(),
            "LogTypesToEnable": p.log_types_to_enable(),
        })
    })
}

fn certificate_details(details: Option<&CertificateDetails>) -> Option<Value> {
    details
        .map(|c| json!({"CAIdentifier": c.ca_identifier(), "ValidTill": time_text(c.valid_till())}))
}

fn certificate(c: &Certificate) -> Value {
    json!({
        "CertificateArn": c.certificate_arn(),
        "CertificateIdentifier": c.certificate_identifier(),
        "CertificateType": c.certificate_type(),
        "CustomerOverride": c.customer_override(),
        "CustomerOverrideValidTill": time_text(c.customer_override_valid_till()),
        "Thumbprint": c.thumbprint(),
        "ValidFrom": time_text(c.valid_from()),
        "ValidTill": time_text(c.valid_till()),
    })
}

/// Every resource's pending maintenance in the region, by resource ARN: one paged call.
async fn pending_maintenance(
    unit: &Unit<'_>,
    client: &Client,
) -> Result<HashMap<String, Value>, AwsError> {
    let mut pending = HashMap::new();
    unit.paginate(
        "rds:DescribePendingMaintenanceActions",
        |marker| {
            client
                .describe_pending_maintenance_actions()
                .max_records(100)
                .set_marker(marker)
                .send()
        },
        |out| out.marker(),
        |out| {
            for resource in out.pending_maintenance_actions() {
                let actions: Vec<Value> = resource
                    .pending_maintenance_action_details()
                    .iter()
                    .map(|a| {
                        json!({
                            "Action": a.action(),
                            "AutoAppliedAfterDate": time_text(a.auto_applied_after_date()),
                            "CurrentApplyDate": time_text(a.current_apply_date()),
                            "Description": a.description(),
                            "ForcedApplyDate": time_text(a.forced_apply_date()),
                            "OptInStatus": a.opt_in_status(),
                        })
                    })
                    .collect();
                if let Some(arn) = resource.resource_identifier() {
                    pending.insert(arn.to_owned(), Value::Array(actions));
                }
            }
        },
    )
    .await?;
    Ok(pending)
}
