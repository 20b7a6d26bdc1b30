//! One account's Organizations changes: move it to an OU, set tags on it. Each reads AWS first
//! (where the account is now, which tags it has) and plans only what would change; nothing is
//! sent when nothing would.

use std::collections::BTreeMap;

use canopy_aws::{AwsSession, Moved, OrgAdmin, RoleSpec};
use canopy_model::{AccountId, OrgSnapshot};

use crate::EngineError;

/// An account named by id or exact name, in its organization.
#[derive(Debug, Clone)]
pub struct Named<'a> {
    pub snapshot: &'a OrgSnapshot,
    pub id: AccountId,
    pub name: String,
}

/// Finds the account `text` names: a 12-digit id or an exact name (unique across the synced
/// organizations).
pub fn find_account<'a>(
    snapshots: &'a [OrgSnapshot],
    text: &str,
) -> Result<Named<'a>, EngineError> {
    let found: Vec<Named<'a>> = snapshots
        .iter()
        .flat_map(|s| {
            s.accounts
                .iter()
                .filter(|a| a.id.as_str() == text || a.name == text)
                .map(move |a| Named {
                    snapshot: s,
                    id: a.id.clone(),
                    name: a.name.clone(),
                })
        })
        .collect();
    match found.len() {
        1 => Ok(found
            .into_iter()
            .next()
            .ok_or_else(|| EngineError::Internal("lost".into()))?),
        0 => Err(EngineError::Selection(format!(
            "no synced account has the id or name `{text}`; see `canopy accounts list` (or sync again with --refresh)"
        ))),
        _ => Err(EngineError::Selection(format!(
            "`{text}` names {} accounts ({}); give the account id",
            found.len(),
            found
                .iter()
                .map(|n| n.id.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The root or OU `text` names in `snapshot`: an id or a name path; exactly one.
pub fn find_ou(snapshot: &OrgSnapshot, text: &str) -> Result<String, EngineError> {
    let found = snapshot.index().find_nodes(text);
    match found.as_slice() {
        [one] => Ok((*one).to_owned()),
        [] => Err(EngineError::Selection(format!(
            "no OU `{text}` in organization `{}`; see `canopy org tree`",
            snapshot.organization.id
        ))),
        many => Err(EngineError::Selection(format!(
            "`{text}` names {} OUs ({}); give the OU's id",
            many.len(),
            many.join(", ")
        ))),
    }
}

/// A planned move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovePlan {
    pub account: AccountId,
    pub name: String,
    pub from: String,
    pub from_path: String,
    pub to: String,
    pub to_path: String,
}

/// The management account's handle for `named`'s organization.
pub async fn admin_for(
    aws: &AwsSession,
    payer_role: &RoleSpec,
    named: &Named<'_>,
) -> Result<OrgAdmin, EngineError> {
    let management = &named.snapshot.organization.management_account_id;
    Ok(OrgAdmin::new(aws.account(management, payer_role).await?))
}

/// Where the account is now and where it would go; `None`: it is there already.
pub async fn plan_move(
    admin: &OrgAdmin,
    named: &Named<'_>,
    to_text: &str,
) -> Result<Option<MovePlan>, EngineError> {
    let to = find_ou(named.snapshot, to_text)?;
    let from = admin.parent_of(&named.id).await?;
    if from == to {
        return Ok(None);
    }
    let index = named.snapshot.index();
    Ok(Some(MovePlan {
        account: named.id.clone(),
        name: named.name.clone(),
        from_path: index.name_path(&from),
        to_path: index.name_path(&to),
        from,
        to,
    }))
}

/// Makes a planned move.
pub async fn apply_move(admin: &OrgAdmin, plan: &MovePlan) -> Result<Moved, EngineError> {
    Ok(admin
        .move_account(&plan.account, &plan.from, &plan.to)
        .await?)
}

/// The tags of `wanted` the account lacks or has with another value.
pub async fn plan_tags(
    admin: &OrgAdmin,
    account: &AccountId,
    wanted: &[(String, String)],
) -> Result<Vec<(String, String)>, EngineError> {
    let now: BTreeMap<String, String> = admin.tags_of(account).await?;
    Ok(wanted
        .iter()
        .filter(|(k, v)| now.get(k) != Some(v))
        .cloned()
        .collect())
}

/// Sets planned tags.
pub async fn apply_tags(
    admin: &OrgAdmin,
    account: &AccountId,
    tags: &[(String, String)],
) -> Result<(), EngineError> {
    Ok(admin.tag_account(account, tags).await?)
}
