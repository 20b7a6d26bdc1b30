//! IAM users' access keys: ListUsers, then per user ListAccessKeys, then per key
//! GetAccessKeyLastUsed (when and where it was last used: CIS's unused-credentials checks).
//! Each column is declared once, with the way it is read from an [`AccessKey`].

use aws_sdk_iam::Client;
use aws_sdk_iam::types::{AccessKeyLastUsed, AccessKeyMetadata, User};
use canopy_model::inventory::{Batch, Cell, Row, home_region};
use canopy_model::table::Column;
use serde_json::json;

use super::{Unit, time};
use crate::error::AwsError;

/// What is read of one access key.
struct AccessKey {
    key: AccessKeyMetadata,
    /// GetAccessKeyLastUsed's answer; `None` when it was refused.
    last_used: Option<AccessKeyLastUsed>,
    arn: String,
}

table! {
    ACCESS_KEYS: AccessKey = Global "aws_iam_access_key"
        ["iam:ListUsers", "iam:ListAccessKeys", "iam:GetAccessKeyLastUsed"],
        "IAM users' access keys, with when, where and with which service each was last used";
    C::text("access_key_id", "The access key's id", |k, _| Cell::text(k.key.access_key_id())).required(),
    C::text("user_name", "The IAM user the key belongs to", |k, _| Cell::text(k.key.user_name())),
    C::text("status", "Active or Inactive", |k, _| Cell::variant(k.key.status())),
    C::time("create_date", "When the key was created", |k, _| time(k.key.create_date())),
    C::time("access_key_last_used_date", "When the key was last used; null when never", |k, _| time(k.last_used.as_ref().and_then(|u| u.last_used_date()))),
    C::text("access_key_last_used_service", "The service the key was last used with (`N/A` when never)", |k, _| Cell::text(k.last_used.as_ref().map(|u| u.service_name()))),
    C::text("access_key_last_used_region", "The region the key was last used in (`N/A` when never)", |k, _| Cell::text(k.last_used.as_ref().map(|u| u.region()))),
    C::common(Column::TITLE, |k, _| Cell::text(k.key.access_key_id())),
    C::common(Column::AKAS, |k, _| Cell::json(json!([k.arn]))),
}

/// The account's IAM users, as ListUsers pages them.
pub(super) async fn users(unit: &Unit<'_>, client: &Client) -> Result<Vec<User>, AwsError> {
    let users = unit
        .list(
            "iam:ListUsers",
            |marker| {
                client
                    .list_users()
                    .max_items(1000)
                    .set_marker(marker)
                    .send()
            },
            |out| out.marker().filter(|_| out.is_truncated()),
            |out| out.users,
        )
        .await?;
    Ok(users)
}

pub(super) async fn access_keys(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let session = unit.session;
    let home = home_region(&session.partition);
    let client = session.client(home, Client::new);
    let mut keys: Vec<AccessKeyMetadata> = Vec::new();
    for user in users(&unit, &client).await? {
        let user = user.user_name();
        unit.paginate(
            "iam:ListAccessKeys",
            |marker| {
                client
                    .list_access_keys()
                    .user_name(user)
                    .max_items(1000)
                    .set_marker(marker)
                    .send()
            },
            |out| out.marker().filter(|_| out.is_truncated()),
            |out| keys.extend(out.access_key_metadata().iter().cloned()),
        )
        .await?;
    }
    let account = session.account.to_string();
    let aws = session.partition.to_string();
    let rows: Vec<Row> = super::for_each_listed(keys, |key| {
        let client = &client;
        let (account, aws) = (&account, &aws);
        async move {
            let id = key.access_key_id().unwrap_or_default().to_owned();
            let last_used = unit
                .detail(home, "iam:GetAccessKeyLastUsed", &id, &[], || {
                    client.get_access_key_last_used().access_key_id(&id).send()
                })
                .await
                .found()
                .and_then(|out| out.access_key_last_used().cloned());
            let arn = format!(
                "arn:{aws}:iam::{account}:user/{}/accesskey/{id}",
                key.user_name().unwrap_or_default()
            );
            let item = AccessKey {
                key,
                last_used,
                arn,
            };
            ACCESS_KEYS.row(&item, unit.cx())
        }
    })
    .await;
    Ok(vec![ACCESS_KEYS.batch(rows)])
}

collectors! {
    access_keys: ACCESS_KEYS;
}
