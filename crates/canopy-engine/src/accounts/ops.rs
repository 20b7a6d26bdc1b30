//! One account's Organizations changes: move it to an OU, set tags on it, close it; and
//! invitations to the organization. Each reads AWS first (where the account is now, which tags
//! it has, its state, the open invitations) and plans only what would change; nothing is sent
//! when nothing would.

use std::collections::BTreeMap;

use canopy_aws::{AwsSession, Closed, Invitation, Invited, Moved, OrgAdmin, RoleSpec};
use canopy_model::{AccountId, OrgSnapshot};

use crate::error::{EngineError, Hint};
use canopy_model::Stop;

/// An account named by id or exact name, in its organization.
#[derive(Debug, Clone)]
pub struct Named<'a> {
    pub snapshot: &'a OrgSnapshot,
    pub id: AccountId,
    pub name: String,
}

impl Named<'_> {
    /// "name (id)", as errors name it.
    fn label(&self) -> String {
        format!("{} ({})", self.name, self.id)
    }
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
        0 => Err(EngineError::Refused {
            message: format!(
                "no synced account has the id or name `{text}`; see `canopy accounts list`"
            ),
            hint: Hint::Refresh,
        }),
        _ => Err(EngineError::AmbiguousAccount {
            name: text.to_owned(),
            ids: found.iter().map(|n| n.id.to_string()).collect(),
        }),
    }
}

/// The root or OU `text` names in `snapshot`: an id or a name path; exactly one.
pub fn find_ou(snapshot: &OrgSnapshot, text: &str) -> Result<String, EngineError> {
    let found = snapshot.index().find_nodes(text);
    match found.as_slice() {
        [one] => Ok((*one).to_owned()),
        [] => Err(EngineError::NoSuchOu {
            ou: text.to_owned(),
            within: crate::error::OuWithin::Organization(snapshot.organization.id.to_string()),
        }),
        many => Err(EngineError::AmbiguousOu {
            ou: text.to_owned(),
            ids: many.iter().map(|id| (*id).to_owned()).collect(),
        }),
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
    admin_of(aws, payer_role, named.snapshot).await
}

/// The management account's handle for an organization.
pub async fn admin_of(
    aws: &AwsSession,
    payer_role: &RoleSpec,
    snapshot: &OrgSnapshot,
) -> Result<OrgAdmin, EngineError> {
    let management = &snapshot.organization.management_account_id;
    Ok(OrgAdmin::new(aws.account(management, payer_role).await?))
}

/// The organization `wanted` names (its id or management account id), or the only one synced.
pub fn one_org<'a>(
    snapshots: &'a [OrgSnapshot],
    wanted: Option<&str>,
) -> Result<&'a OrgSnapshot, EngineError> {
    match wanted {
        Some(w) => snapshots
            .iter()
            .find(|s| {
                s.organization.id.as_str() == w
                    || s.organization.management_account_id.as_str() == w
            })
            .ok_or_else(|| EngineError::NoSuchOrganization(w.to_owned())),
        None => match snapshots {
            [one] => Ok(one),
            _ => Err(EngineError::Refused {
                message: format!("{} organizations are synced", snapshots.len()),
                hint: Hint::NameOrganization,
            }),
        },
    }
}

/// What inviting one target would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvitePlan {
    Invite,
    /// The account is in this organization already.
    Member(AccountId),
    /// An open invitation to it exists.
    Open(Invitation),
}

/// Plans invitations: targets already in the organization, or with an open invitation, are
/// left alone.
pub async fn plan_invites(
    admin: &OrgAdmin,
    targets: &[String],
) -> Result<Vec<(String, InvitePlan)>, EngineError> {
    let accounts = admin.accounts().await?;
    let open: Vec<Invitation> = admin
        .invitations()
        .await?
        .into_iter()
        .filter(|i| i.state == "OPEN")
        .collect();
    Ok(targets
        .iter()
        .map(|t| {
            let member = accounts
                .iter()
                .find(|a| a.id.as_str() == t || a.email.eq_ignore_ascii_case(t));
            let plan = if let Some(a) = member {
                InvitePlan::Member(a.id.clone())
            } else if let Some(i) = open.iter().find(|i| i.target.eq_ignore_ascii_case(t)) {
                InvitePlan::Open(i.clone())
            } else {
                InvitePlan::Invite
            };
            (t.clone(), plan)
        })
        .collect())
}

/// Sends the planned invitations, one at a time, each target's outcome in the plan's order;
/// once `stop` is asked for, no new one is sent (those left carry the interruption).
pub async fn invite(
    admin: &OrgAdmin,
    plans: &[(String, InvitePlan)],
    notes: Option<&str>,
    stop: &Stop,
) -> Vec<(String, Result<Invited, EngineError>)> {
    let mut sent = Vec::new();
    for (target, plan) in plans {
        if *plan != InvitePlan::Invite {
            continue;
        }
        let outcome = match stop.gate() {
            Ok(()) => admin.invite(target, notes).await.map_err(EngineError::from),
            Err(e) => Err(e.into()),
        };
        sent.push((target.clone(), outcome));
    }
    sent
}

/// Whether closing an account would change anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClosePlan {
    Close,
    /// It is closing or closed already (its state now).
    Already(String),
}

/// Whether `named` can be closed: never the management account; an ACTIVE account (its state
/// read now) is closed, any other is left alone.
pub async fn plan_close(admin: &OrgAdmin, named: &Named<'_>) -> Result<ClosePlan, EngineError> {
    if named.snapshot.organization.management_account_id == named.id {
        return Err(EngineError::CloseManagement {
            account: named.label(),
            org: named.snapshot.organization.id.to_string(),
        });
    }
    let now = admin
        .accounts()
        .await?
        .into_iter()
        .find(|a| a.id == named.id)
        .ok_or_else(|| EngineError::LeftOrganization {
            account: named.label(),
            org: named.snapshot.organization.id.to_string(),
        })?;
    Ok(if now.state.is_active() {
        ClosePlan::Close
    } else {
        ClosePlan::Already(now.state.to_string())
    })
}

/// Closes the account, unless the run was stopped first.
pub async fn close(
    admin: &OrgAdmin,
    account: &AccountId,
    stop: &Stop,
) -> Result<Closed, EngineError> {
    stop.gate()?;
    Ok(admin.close_account(account).await?)
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

/// Makes a planned move, unless the run was stopped first.
pub async fn apply_move(
    admin: &OrgAdmin,
    plan: &MovePlan,
    stop: &Stop,
) -> Result<Moved, EngineError> {
    stop.gate()?;
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

/// Sets planned tags, unless the run was stopped first.
pub async fn apply_tags(
    admin: &OrgAdmin,
    account: &AccountId,
    tags: &[(String, String)],
    stop: &Stop,
) -> Result<(), EngineError> {
    stop.gate()?;
    Ok(admin.tag_account(account, tags).await?)
}
