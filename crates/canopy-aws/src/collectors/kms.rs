//! KMS keys: ListKeys and ListAliases once per region (aliases joined to their keys), then per
//! key what no listing carries: DescribeKey, its key policy, its rotation status (symmetric
//! keys only; others have none), and its tags (customer managed keys only; AWS managed keys
//! cannot be tagged).

use std::collections::HashMap;

use aws_sdk_kms::Client;
use aws_sdk_kms::types::KeyManagerType;
use canopy_model::inventory::{Batch, Cell, Row};
use canopy_model::table::{Column, Scope, TableDef};
use serde_json::{Value, json};

use super::{Detail, Unit, batch, policy_cells, tags_of, tags_src, time, time_text};
use crate::error::AwsError;

pub(super) const KEYS: TableDef = TableDef {
    name: "aws_kms_key",
    scope: Scope::Regional,
    description: "KMS keys, with their key policy, rotation, aliases and state",
    columns: &[
        Column::text("id", "The key's id").required(),
        Column::text("arn", "The key's ARN"),
        Column::text("key_manager", "CUSTOMER or AWS"),
        Column::time("creation_date", "When it was created"),
        Column::text("aws_account_id", "The account that owns it"),
        Column::bool("enabled", "Whether it is enabled"),
        Column::text(
            "customer_master_key_spec",
            "The key spec (SYMMETRIC_DEFAULT, RSA_2048, ...)",
        ),
        Column::text("description", "The description"),
        Column::time("deletion_date", "When it will be deleted, if scheduled"),
        Column::text(
            "key_state",
            "Enabled, Disabled, PendingDeletion, PendingImport, ...",
        ),
        Column::text(
            "key_usage",
            "ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC, ...",
        ),
        Column::text(
            "origin",
            "AWS_KMS, EXTERNAL, AWS_CLOUDHSM or EXTERNAL_KEY_STORE",
        ),
        Column::time("valid_to", "When imported key material expires"),
        Column::json(
            "aliases",
            "Aliases: [{\"AliasName\", \"AliasArn\", \"TargetKeyId\", \"CreationDate\", \"LastUpdatedDate\"}]",
        ),
        Column::bool(
            "key_rotation_enabled",
            "Whether automatic rotation is on (null where rotation does not apply)",
        ),
        Column::json("policy", "The key policy, as JSON"),
        Column::json(
            "policy_std",
            "The key policy in Steampipe's canonical form (lists sorted, actions and condition keys lower-cased)",
        ),
        Column::TAGS_SRC,
        Column::bool("multi_region", "Whether it is a multi-Region key"),
        Column::json(
            "multi_region_configuration",
            "Its multi-Region primary and replicas",
        ),
        Column::TITLE,
        Column::TAGS,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &[
        "kms:ListKeys",
        "kms:ListAliases",
        "kms:DescribeKey",
        "kms:GetKeyPolicy",
        "kms:GetKeyRotationStatus",
        "kms:ListResourceTags",
    ],
    filled_by: "collect",
};

pub(super) async fn keys(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.session.client(unit.region, Client::new);
    let mut listed: Vec<(String, String)> = Vec::new();
    unit.paginate(
        "kms:ListKeys",
        |marker| client.list_keys().limit(1000).set_marker(marker).send(),
        |out| out.next_marker().filter(|_| out.truncated()),
        |out| {
            listed.extend(out.keys().iter().filter_map(|k| {
                Some((
                    k.key_id()?.to_owned(),
                    k.key_arn().unwrap_or_default().to_owned(),
                ))
            }));
        },
    )
    .await?;
    if listed.is_empty() {
        return Ok(vec![batch(&KEYS, Vec::new())]);
    }
    let mut aliases: HashMap<String, Vec<Value>> = HashMap::new();
    unit.paginate(
        "kms:ListAliases",
        |marker| client.list_aliases().limit(100).set_marker(marker).send(),
        |out| out.next_marker().filter(|_| out.truncated()),
        |out| {
            for a in out.aliases() {
                let Some(target) = a.target_key_id() else {
                    continue;
                };
                aliases.entry(target.to_owned()).or_default().push(json!({
                    "AliasArn": a.alias_arn(),
                    "AliasName": a.alias_name(),
                    "CreationDate": time_text(a.creation_date()),
                    "LastUpdatedDate": time_text(a.last_updated_date()),
                    "TargetKeyId": target,
                }));
            }
        },
    )
    .await?;
    let partition = unit.partition();
    let rows = super::for_each_listed(listed, |(id, arn)| {
        let client = &client;
        let partition = &partition;
        let key_aliases = aliases.get(&id).cloned().unwrap_or_default();
        async move {
            let region = unit.region;
            let (described, policy) = tokio::join!(
                unit.detail(
                    region,
                    "kms:DescribeKey",
                    &arn,
                    &["NotFoundException"],
                    || { client.describe_key().key_id(&id).send() }
                ),
                unit.detail(
                    region,
                    "kms:GetKeyPolicy",
                    &arn,
                    &["NotFoundException"],
                    || {
                        client
                            .get_key_policy()
                            .key_id(&id)
                            .policy_name("default")
                            .send()
                    }
                ),
            );
            let meta = described.found().and_then(|o| o.key_metadata().cloned());
            let aws_managed = meta
                .as_ref()
                .and_then(|m| m.key_manager())
                .is_some_and(|m| *m == KeyManagerType::Aws);
            // rotation applies to symmetric encryption keys: others answer UnsupportedOperation
            let rotation = unit
                .detail(
                    region,
                    "kms:GetKeyRotationStatus",
                    &arn,
                    &[
                        "UnsupportedOperationException",
                        "KMSInvalidStateException",
                        "NotFoundException",
                    ],
                    || client.get_key_rotation_status().key_id(&id).send(),
                )
                .await;
            let tags = if aws_managed {
                Detail::Absent
            } else {
                unit.detail(
                    region,
                    "kms:ListResourceTags",
                    &arn,
                    &["NotFoundException"],
                    || client.list_resource_tags().key_id(&id).limit(50).send(),
                )
                .await
            };
            let tags = tags.found().map(|o| o.tags().to_vec()).unwrap_or_default();
            let pairs = || {
                tags.iter()
                    .map(|t| (Some(t.tag_key()), Some(t.tag_value())))
            };
            let (policy, policy_std) =
                policy_cells(policy.found().as_ref().and_then(|o| o.policy()));
            let m = meta.as_ref();
            let title = key_aliases
                .first()
                .and_then(|a| a["AliasName"].as_str())
                .map_or_else(|| id.clone(), str::to_owned);
            Row::default()
                .with("id", Cell::Text(id.clone()))
                .with("arn", Cell::Text(arn.clone()))
                .with(
                    "key_manager",
                    Cell::text(m.and_then(|m| m.key_manager()).map(|k| k.as_str())),
                )
                .with("creation_date", time(m.and_then(|m| m.creation_date())))
                .with("aws_account_id", Cell::text(m.and_then(|m| m.aws_account_id())))
                .with("enabled", Cell::bool(m.map(|m| m.enabled())))
                .with(
                    "customer_master_key_spec",
                    Cell::text(m.and_then(|m| m.key_spec()).map(|k| k.as_str())),
                )
                .with("description", Cell::text(m.and_then(|m| m.description())))
                .with("deletion_date", time(m.and_then(|m| m.deletion_date())))
                .with(
                    "key_state",
                    Cell::text(m.and_then(|m| m.key_state()).map(|k| k.as_str())),
                )
                .with(
                    "key_usage",
                    Cell::text(m.and_then(|m| m.key_usage()).map(|k| k.as_str())),
                )
                .with("origin", Cell::text(m.and_then(|m| m.origin()).map(|k| k.as_str())))
                .with("valid_to", time(m.and_then(|m| m.valid_to())))
                .with("aliases", Cell::json(Value::Array(key_aliases)))
                .with(
                    "key_rotation_enabled",
                    Cell::bool(rotation.found().map(|o| o.key_rotation_enabled())),
                )
                .with("policy", policy)
                .with("policy_std", policy_std)
                .with("tags_src", tags_src(pairs()))
                .with("multi_region", Cell::bool(m.and_then(|m| m.multi_region())))
                .with(
                    "multi_region_configuration",
                    m.and_then(|m| m.multi_region_configuration())
                        .map_or(Cell::Null, |c| {
                            let key = |k: &aws_sdk_kms::types::MultiRegionKey| {
                                json!({"Arn": k.arn(), "Region": k.region()})
                            };
                            Cell::json(json!({
                                "MultiRegionKeyType": c.multi_region_key_type().map(|t| t.as_str()),
                                "PrimaryKey": c.primary_key().map(key),
                                "ReplicaKeys": c.replica_keys().iter().map(key).collect::<Vec<_>>(),
                            }))
                        }),
                )
                .with("title", Cell::Text(title))
                .with("tags", tags_of(pairs()))
                .with("akas", Cell::json(json!([arn])))
                .with("partition", partition.clone())
        }
    })
    .await;
    Ok(vec![batch(&KEYS, rows)])
}
