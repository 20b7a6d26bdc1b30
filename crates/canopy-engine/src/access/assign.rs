//! `canopy access assign` / `access revoke`: one Identity Center principal and one permission
//! set over many accounts. Planned from the assignments that exist (per account), applied
//! through the same journal, checks and pacing as the batch's assignments: never a duplicate,
//! never a removal of what is not there, resumable.

use canopy_aws::{AwsSession, IdentityCenter, PrincipalKind, RoleSpec};
use canopy_model::AccountId;

use crate::access::Principal;
use crate::access::assignments::Writer;
use crate::error::{EngineError, Hint};
use crate::fanout::Target;

/// Which way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Assign,
    Revoke,
}

/// One account of the plan.
#[derive(Debug, Clone)]
pub struct AccessRow {
    pub account: AccountId,
    pub name: String,
    /// Whether the principal holds the permission set there now.
    pub held: bool,
}

/// The accounts of one organization, with its Identity Center.
pub struct OrgAccess {
    pub org_id: String,
    pub identity: IdentityCenter,
    pub principal_id: String,
    pub set_arn: String,
    pub rows: Vec<AccessRow>,
}

impl std::fmt::Debug for OrgAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrgAccess")
            .field("org_id", &self.org_id)
            .field("rows", &self.rows)
            .finish()
    }
}

/// The plan.
#[derive(Debug)]
pub struct AccessPlan {
    pub principal: Principal,
    pub permission_set: String,
    pub change: Change,
    pub orgs: Vec<OrgAccess>,
}

impl AccessPlan {
    /// Whether the row needs a change.
    pub fn changes(&self, row: &AccessRow) -> bool {
        row.held != (self.change == Change::Assign)
    }

    /// How many accounts need a change.
    pub fn writes(&self) -> usize {
        self.orgs
            .iter()
            .flat_map(|o| &o.rows)
            .filter(|r| self.changes(r))
            .count()
    }
}

/// How one account ended.
#[derive(Debug, Clone)]
pub struct AccessResult {
    pub account: AccountId,
    pub name: String,
    /// A change was made (false: there was nothing to do).
    pub changed: bool,
    pub error: Option<String>,
}

/// Resolves the principal and permission set in each targeted organization's Identity Center
/// and reads who holds what on each account.
pub async fn plan(
    aws: &AwsSession,
    payer_role: &RoleSpec,
    targets: &[Target],
    principal: Principal,
    permission_set: &str,
    change: Change,
    sso_region: &str,
) -> Result<AccessPlan, EngineError> {
    let mut orgs: Vec<OrgAccess> = Vec::new();
    for target in targets {
        let membership = target.membership.as_ref().ok_or_else(|| {
            EngineError::Internal(format!("account {} has no organization", target.account))
        })?;
        let org = match orgs
            .iter()
            .position(|o| o.org_id == membership.organization_id)
        {
            Some(i) => i,
            None => {
                let management: AccountId = membership
                    .management_account_id
                    .parse()
                    .map_err(|e| EngineError::Internal(format!("{e}")))?;
                let session = aws.account(&management, payer_role).await?;
                let identity = IdentityCenter::open(session, sso_region)
                    .await?
                    .ok_or_else(|| EngineError::Refused {
                        message: format!(
                            "Identity Center is not enabled for organization `{}` in {sso_region}",
                            membership.organization_id
                        ),
                        hint: Hint::SsoRegion,
                    })?;
                let set_arn = identity
                    .permission_sets()
                    .await?
                    .remove(permission_set)
                    .ok_or_else(|| EngineError::NoPermissionSet {
                        name: permission_set.to_owned(),
                        org: membership.organization_id.to_string(),
                    })?;
                let found = match principal.kind {
                    PrincipalKind::User => identity.user_id(&principal.name).await?,
                    PrincipalKind::Group => identity.group_id(&principal.name).await?,
                };
                let principal_id = found.ok_or_else(|| EngineError::NoPrincipal {
                    principal: principal.to_string(),
                    org: membership.organization_id.to_string(),
                })?;
                orgs.push(OrgAccess {
                    org_id: membership.organization_id.clone(),
                    identity,
                    principal_id,
                    set_arn,
                    rows: Vec::new(),
                });
                orgs.len() - 1
            }
        };
        let o = &mut orgs[org];
        let now = o
            .identity
            .assignments(target.account.as_str(), &o.set_arn)
            .await?;
        o.rows.push(AccessRow {
            account: target.account.clone(),
            name: target.name.clone(),
            held: now
                .iter()
                .any(|(k, id)| *k == principal.kind && *id == o.principal_id),
        });
    }
    Ok(AccessPlan {
        principal,
        permission_set: permission_set.to_owned(),
        change,
        orgs,
    })
}

/// Makes the planned changes (at most 10 outstanding); one account failing does not stop the
/// others.
pub async fn apply(plan: &AccessPlan, writer: &Writer<'_>) -> Vec<AccessResult> {
    let tasks = plan.orgs.iter().flat_map(|o| {
        o.rows
            .iter()
            .filter(|r| plan.changes(r))
            .map(move |r| async move {
                let done = writer
                    .change(
                        &o.identity,
                        &r.account,
                        &o.set_arn,
                        plan.principal.kind,
                        &o.principal_id,
                        plan.change == Change::Assign,
                    )
                    .await;
                let (changed, error) = match done {
                    Ok(changed) => (changed, None),
                    Err(e) => (false, Some(e)),
                };
                AccessResult {
                    account: r.account.clone(),
                    name: r.name.clone(),
                    changed,
                    error,
                }
            })
    });
    crate::fanout::each(tasks, crate::fanout::ALL, |task| task).await
}
