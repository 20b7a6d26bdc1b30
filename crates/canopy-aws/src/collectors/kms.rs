//! KMS keys: ListKeys and ListAliases once per region (aliases joined to their keys), then per
//! key what no listing carries: DescribeKey, its key policy, its rotation status (symmetric
//! keys only; others have none), and its tags (customer managed keys only; AWS managed keys
//! cannot be tagged).

use std::collections::HashMap;

use aws_sdk_kms::Client;
use aws_sdk_kms::types::KeyManagerType;
use canopy_model::inventory::{Batch, Cell};
use canopy_model::table::Column;
use serde_json::{Value, json};

use super::{Detail, Unit, policy_cells, tags_of, tags_src, time, time_text};
use crate::error::AwsError;

/// What is read of one row of `aws_kms_key`.
struct Key {
    id: String,
    arn: String,
    key_aliases: Vec<Value>,
    meta: Option<aws_sdk_kms::types::KeyMetadata>,
    rotation: Option<aws_sdk_kms::operation::get_key_rotation_status::GetKeyRotationStatusOutput>,
    tags: Vec<aws_sdk_kms::types::Tag>,
    policy: Cell,
    policy_std: Cell,
    title: String,
}

impl Key {
    fn m(&self) -> Option<&aws_sdk_kms::types::KeyMetadata> {
        self.meta.as_ref()
    }
}

table! {
    KEYS: Key = Regional "aws_kms_key"
        ["kms:ListKeys", "kms:ListAliases", "kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"],
        "KMS keys, with their key policy, rotation, aliases and state";
    C::text("id", "The key's id", |x, _| Cell::Text(x.id.clone())).required(),
    C::text("arn", "The key's ARN", |x, _| Cell::Text(x.arn.clone())),
    C::text("key_manager", "CUSTOMER or AWS", |x, _| Cell::variant(x.m().and_then(|m| m.key_manager()))),
    C::time("creation_date", "When it was created", |x, _| time(x.m().and_then(|m| m.creation_date()))),
    C::text("aws_account_id", "The account that owns it", |x, _| Cell::text(x.m().and_then(|m| m.aws_account_id()))),
    C::bool("enabled", "Whether it is enabled", |x, _| Cell::bool(x.m().map(|m| m.enabled()))),
    C::text("customer_master_key_spec", "The key spec (SYMMETRIC_DEFAULT, RSA_2048, ...)", |x, _| Cell::variant(x.m().and_then(|m| m.key_spec()))),
    C::text("description", "The description", |x, _| Cell::text(x.m().and_then(|m| m.description()))),
    C::time("deletion_date", "When it will be deleted, if scheduled", |x, _| time(x.m().and_then(|m| m.deletion_date()))),
    C::text("key_state", "Enabled, Disabled, PendingDeletion, PendingImport, ...", |x, _| Cell::variant(x.m().and_then(|m| m.key_state()))),
    C::text("key_usage", "ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC, ...", |x, _| Cell::variant(x.m().and_then(|m| m.key_usage()))),
    C::text("origin", "AWS_KMS, EXTERNAL, AWS_CLOUDHSM or EXTERNAL_KEY_STORE", |x, _| Cell::variant(x.m().and_then(|m| m.origin()))),
    C::time("valid_to", "When imported key material expires", |x, _| time(x.m().and_then(|m| m.valid_to()))),
    C::json("aliases", "Aliases: [{\"AliasName\", \"AliasArn\", \"TargetKeyId\", \"CreationDate\", \"LastUpdatedDate\"}]", |x, _| Cell::json(Value::Array(x.key_aliases.clone()))),
    C::bool("key_rotation_enabled", "Whether automatic rotation is on (null where rotation does not apply)", |x, _| Cell::bool(x.rotation.as_ref().map(|o| o.key_rotation_enabled()))),
    C::json("policy", "The key policy, as JSON", |x, _| x.policy.clone()),
    C::json("policy_std", "The key policy in Steampipe's canonical form (lists sorted, actions and condition keys lower-cased)", |x, _| x.policy_std.clone()),
    C::common(Column::TAGS_SRC, |x, _| tags_src(x.tags.iter())),
    C::bool("multi_region", "Whether it is a multi-Region key", |x, _| Cell::bool(x.m().and_then(|m| m.multi_region()))),
    C::json(
    "multi_region_configuration",
    "Its multi-Region primary and replicas",
    |x, _| {
        x.m().and_then(|m| m.multi_region_configuration())
                    .map_or(Cell::Null, |c| {
                        let key = |k: &aws_sdk_kms::types::MultiRegionKey| {
                            json!({"Arn": k.arn(), "Region": k.region()})
                        };
                        Cell::json(json!({
                            "MultiRegionKeyType": c.multi_region_key_type().map(|t| t.as_str()),
                            "PrimaryKey": c.primary_key().map(key),
                            "ReplicaKeys": c.replica_keys().iter().map(key).collect::<Vec<_>>(),
                        }))
                    })
    },
),
    C::common(Column::TITLE, |x, _| Cell::Text(x.title.clone())),
    C::common(Column::TAGS, |x, _| tags_of(x.tags.iter())),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
}

pub(super) async fn keys(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.client(Client::new);
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
        return Ok(vec![KEYS.batch(Vec::new())]);
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
    KEYS.each_listed(unit, listed, |(id, arn)| {
        let client = &client;
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
            let (policy, policy_std) =
                policy_cells(policy.found().as_ref().and_then(|o| o.policy()));

            let title = key_aliases
                .first()
                .and_then(|a| a["AliasName"].as_str())
                .map_or_else(|| id.clone(), str::to_owned);
            Key {
                id,
                arn,
                key_aliases,
                meta,
                rotation: rotation.found(),
                tags,
                policy,
                policy_std,
                title,
            }
        }
    })
    .await
}

collectors! {
    keys: KEYS;
}
