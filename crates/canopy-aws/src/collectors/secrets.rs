//! Secrets Manager secrets — their metadata, never their values: ListSecrets, then per secret
//! its replication status (DescribeSecret) and resource policy (GetResourcePolicy).

use aws_sdk_secretsmanager::Client;
use canopy_model::inventory::{Batch, Cell, Row};
use canopy_model::table::{Column, Scope, TableDef};
use serde_json::{Value, json};

use super::{Unit, batch, json_cell, policy_cells, tags_of, tags_src, time, time_text};
use crate::error::AwsError;

pub(super) const SECRETS: TableDef = TableDef {
    name: "aws_secretsmanager_secret",
    scope: Scope::Regional,
    description: "Secrets Manager secrets (metadata only, never values), with their resource policy and rotation",
    columns: &[
        Column::text("name", "The secret's name").required(),
        Column::text("arn", "The secret's ARN"),
        Column::time("created_date", "When it was created"),
        Column::text("description", "The description"),
        Column::text(
            "kms_key_id",
            "The KMS key that encrypts it (null: aws/secretsmanager)",
        ),
        Column::time("deleted_date", "When it is scheduled for deletion"),
        Column::time("last_accessed_date", "The day it was last read"),
        Column::time("last_changed_date", "When it was last changed"),
        Column::time("last_rotated_date", "When it was last rotated"),
        Column::text("owning_service", "The service that manages it, if any"),
        Column::text("primary_region", "Its primary region, when replicated"),
        Column::json("policy", "Its resource policy, as JSON"),
        Column::json(
            "policy_std",
            "The resource policy in Steampipe's canonical form (lists sorted, actions and condition keys lower-cased)",
        ),
        Column::json(
            "replication_status",
            "Replicas: [{\"Region\", \"KmsKeyId\", \"Status\", \"StatusMessage\", \"LastAccessedDate\"}]",
        ),
        Column::bool("rotation_enabled", "Whether automatic rotation is on"),
        Column::text("rotation_lambda_arn", "The function that rotates it"),
        Column::json(
            "rotation_rules",
            "Rotation schedule: {\"AutomaticallyAfterDays\", \"Duration\", \"ScheduleExpression\"}",
        ),
        Column::json(
            "secret_versions_to_stages",
            "Version ids and their staging labels (AWSCURRENT, ...)",
        ),
        Column::TAGS_SRC,
        Column::TITLE,
        Column::TAGS,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &[
        "secretsmanager:ListSecrets",
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetResourcePolicy",
    ],
    filled_by: "collect",
};

pub(super) async fn secrets(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.session.client(unit.region, Client::new);
    let mut listed = Vec::new();
    unit.paginate(
        "secretsmanager:ListSecrets",
        |token| {
            client
                .list_secrets()
                .max_results(100)
                .set_next_token(token)
                .send()
        },
        |out| out.next_token(),
        |out| listed.extend(out.secret_list().iter().cloned()),
    )
    .await?;
    let partition = unit.partition();
    let absent: &[&str] = &["ResourceNotFoundException"];
    let rows = super::for_each_listed(listed, |s| {
        let client = &client;
        let partition = &partition;
        async move {
            let arn = s.arn().unwrap_or_default().to_owned();
            let (described, policy) = tokio::join!(
                unit.detail(
                    unit.region,
                    "secretsmanager:DescribeSecret",
                    &arn,
                    absent,
                    || { client.describe_secret().secret_id(&arn).send() }
                ),
                unit.detail(
                    unit.region,
                    "secretsmanager:GetResourcePolicy",
                    &arn,
                    absent,
                    || { client.get_resource_policy().secret_id(&arn).send() }
                ),
            );
            let replication = described.found().map(|d| {
                Value::Array(
                    d.replication_status()
                        .iter()
                        .map(|r| {
                            json!({
                                "KmsKeyId": r.kms_key_id(),
                                "LastAccessedDate": time_text(r.last_accessed_date()),
                                "Region": r.region(),
                                "Status": r.status().map(|s| s.as_str()),
                                "StatusMessage": r.status_message(),
                            })
                        })
                        .collect(),
                )
            });
            let (policy, policy_std) =
                policy_cells(policy.found().as_ref().and_then(|o| o.resource_policy()));
            let pairs = || s.tags().iter().map(|t| (t.key(), t.value()));
            let rules = s.rotation_rules().map(|r| {
                json!({
                    "AutomaticallyAfterDays": r.automatically_after_days(),
                    "Duration": r.duration(),
                    "ScheduleExpression": r.schedule_expression(),
                })
            });
            let name = s.name().unwrap_or_default().to_owned();
            Row::default()
                .with("name", Cell::Text(name.clone()))
                .with("arn", Cell::Text(arn.clone()))
                .with("created_date", time(s.created_date()))
                .with("description", Cell::text(s.description()))
                .with("kms_key_id", Cell::text(s.kms_key_id()))
                .with("deleted_date", time(s.deleted_date()))
                .with("last_accessed_date", time(s.last_accessed_date()))
                .with("last_changed_date", time(s.last_changed_date()))
                .with("last_rotated_date", time(s.last_rotated_date()))
                .with("owning_service", Cell::text(s.owning_service()))
                .with("primary_region", Cell::text(s.primary_region()))
                .with("policy", policy)
                .with("policy_std", policy_std)
                .with("replication_status", json_cell(replication))
                .with("rotation_enabled", Cell::bool(s.rotation_enabled()))
                .with("rotation_lambda_arn", Cell::text(s.rotation_lambda_arn()))
                .with("rotation_rules", json_cell(rules))
                .with(
                    "secret_versions_to_stages",
                    json_cell(s.secret_versions_to_stages().map(|m| json!(m))),
                )
                .with("tags_src", tags_src(pairs()))
                .with("title", Cell::Text(name))
                .with("tags", tags_of(pairs()))
                .with("akas", Cell::json(json!([arn])))
                .with("partition", partition.clone())
        }
    })
    .await;
    Ok(vec![batch(&SECRETS, rows)])
}
