//! Secrets Manager secrets — their metadata, never their values: ListSecrets, then per secret
//! its replication status (DescribeSecret) and resource policy (GetResourcePolicy).

use aws_sdk_secretsmanager::Client;
use canopy_model::inventory::{Batch, Cell};
use canopy_model::table::Column;
use serde_json::{Value, json};

use super::{Unit, json_cell, policy_cells, tags_of, tags_src, time, time_text};
use crate::error::AwsError;

/// What is read of one row of `aws_secretsmanager_secret`.
struct Secret {
    s: aws_sdk_secretsmanager::types::SecretListEntry,
    arn: String,
    replication: Option<Value>,
    policy: Cell,
    policy_std: Cell,
    rules: Option<Value>,
    name: String,
}

table! {
    SECRETS: Secret = Regional "aws_secretsmanager_secret"
        ["secretsmanager:ListSecrets", "secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"],
        "Secrets Manager secrets (metadata only, never values), with their resource policy and rotation";
    C::text("name", "The secret's name", |x, _| Cell::Text(x.name.clone())).required(),
    C::text("arn", "The secret's ARN", |x, _| Cell::Text(x.arn.clone())),
    C::time("created_date", "When it was created", |x, _| time(x.s.created_date())),
    C::text("description", "The description", |x, _| Cell::text(x.s.description())),
    C::text("kms_key_id", "The KMS key that encrypts it (null: aws/secretsmanager)", |x, _| Cell::text(x.s.kms_key_id())),
    C::time("deleted_date", "When it is scheduled for deletion", |x, _| time(x.s.deleted_date())),
    C::time("last_accessed_date", "The day it was last read", |x, _| time(x.s.last_accessed_date())),
    C::time("last_changed_date", "When it was last changed", |x, _| time(x.s.last_changed_date())),
    C::time("last_rotated_date", "When it was last rotated", |x, _| time(x.s.last_rotated_date())),
    C::text("owning_service", "The service that manages it, if any", |x, _| Cell::text(x.s.owning_service())),
    C::text("primary_region", "Its primary region, when replicated", |x, _| Cell::text(x.s.primary_region())),
    C::json("policy", "Its resource policy, as JSON", |x, _| x.policy.clone()),
    C::json("policy_std", "The resource policy in Steampipe's canonical form (lists sorted, actions and condition keys lower-cased)", |x, _| x.policy_std.clone()),
    C::json("replication_status", "Replicas: [{\"Region\", \"KmsKeyId\", \"Status\", \"StatusMessage\", \"LastAccessedDate\"}]", |x, _| json_cell(x.replication.clone())),
    C::bool("rotation_enabled", "Whether automatic rotation is on", |x, _| Cell::bool(x.s.rotation_enabled())),
    C::text("rotation_lambda_arn", "The function that rotates it", |x, _| Cell::text(x.s.rotation_lambda_arn())),
    C::json("rotation_rules", "Rotation schedule: {\"AutomaticallyAfterDays\", \"Duration\", \"ScheduleExpression\"}", |x, _| json_cell(x.rules.clone())),
    C::json(
    "secret_versions_to_stages",
    "Version ids and their staging labels (AWSCURRENT, ...)",
    |x, _| json_cell(x.s.secret_versions_to_stages().map(|m| json!(m))),
),
    C::common(Column::TAGS_SRC, |x, _| tags_src(x.s.tags().iter())),
    C::common(Column::TITLE, |x, _| Cell::Text(x.name.clone())),
    C::common(Column::TAGS, |x, _| tags_of(x.s.tags().iter())),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
}

pub(super) async fn secrets(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.client(Client::new);
    let listed = unit
        .list(
            "secretsmanager:ListSecrets",
            |token| {
                client
                    .list_secrets()
                    .max_results(100)
                    .set_next_token(token)
                    .send()
            },
            |out| out.next_token(),
            |out| out.secret_list.unwrap_or_default(),
        )
        .await?;
    let absent: &[&str] = &["ResourceNotFoundException"];
    SECRETS
        .each_listed(unit, listed, |s| {
            let client = &client;
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
                let rules = s.rotation_rules().map(|r| {
                    json!({
                        "AutomaticallyAfterDays": r.automatically_after_days(),
                        "Duration": r.duration(),
                        "ScheduleExpression": r.schedule_expression(),
                    })
                });
                let name = s.name().unwrap_or_default().to_owned();
                Secret {
                    s,
                    arn,
                    replication,
                    policy,
                    policy_std,
                    rules,
                    name,
                }
            }
        })
        .await
}

collectors! {
    secrets: SECRETS;
}
