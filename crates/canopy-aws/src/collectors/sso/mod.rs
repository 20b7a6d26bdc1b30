//! IAM Identity Center as tables, read whole through one instance (`canopy access sync`): the
//! instance, its permission sets with their policies, every account assignment, and the
//! identity store's users, groups and memberships — under Steampipe's names and columns, but
//! without Steampipe's required filters, so the whole matrix is stored once. Also which
//! permission set is provisioned to which account, and whether that copy is out of date.
//!
//! Every call waits on the instance's one bucket (20 requests a second, shared by every
//! Identity Center API). Assignments are enumerated the cheaper of two ways, decided from the
//! counts read first: per provisioned (account, permission set) pair with ListAccountAssignments,
//! or per user and group with ListAccountAssignmentsForPrincipal.

mod tables;

use std::collections::BTreeSet;

use aws_sdk_identitystore::types::MemberId;
use aws_sdk_ssoadmin::types::{PrincipalType, ProvisioningStatus};
use canopy_model::inventory::{Batch, Row};
use canopy_model::table::TableDef;
use futures::{StreamExt, TryStreamExt};

use crate::collectors::columns::{self};
use crate::collectors::policy_cells;
use crate::error::AwsError;
use crate::identity::{IdentityCenter, PrincipalKind};

pub(crate) use tables::TABLES;
use tables::{
    ASSIGNMENT, CUSTOMER_POLICY, GROUP, INSTANCE, MANAGED_POLICY, MEMBERSHIP, PERMISSION_SET,
    PROVISIONED, USER,
};
use tables::{Grant, SetParts, read};

/// Calls in flight at once through one instance (they still wait for its bucket: this only
/// overlaps the waits for answers).
const AT_ONCE: usize = 10;

/// How the assignments were enumerated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enumeration {
    /// ListAccountAssignments per provisioned (account, permission set) pair.
    ByAccount,
    /// ListAccountAssignmentsForPrincipal per user and group.
    ByPrincipal,
}

impl Enumeration {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ByAccount => "by account and permission set",
            Self::ByPrincipal => "by principal",
        }
    }
}

/// What one instance holds, as rows.
#[derive(Debug)]
pub struct IdentityInventory {
    /// One batch per table of [`identity_tables`], in that order.
    pub batches: Vec<Batch>,
    pub enumeration: Enumeration,
    /// What each way would have cost, in calls (at least one a pair or principal).
    pub pairs: usize,
    pub principals: usize,
    /// Provisioned copies older than their permission set.
    pub outdated: usize,
}

/// The tables [`inventory`] fills.
pub fn identity_tables() -> &'static [&'static TableDef] {
    TABLES
}

/// One permission set, read.
struct SetRead {
    arn: String,
    row: Row,
    managed: Vec<Row>,
    customer: Vec<Row>,
    provisioned: Vec<String>,
    outdated: BTreeSet<String>,
}

async fn read_set(ic: &IdentityCenter, arn: String, partition: &str) -> Result<SetRead, AwsError> {
    let instance = ic.instance_arn.as_str();
    let cx = columns::RowCtx { partition };
    let described = ic
        .ask("sso:DescribePermissionSet", || {
            ic.sso
                .describe_permission_set()
                .instance_arn(instance)
                .permission_set_arn(&arn)
                .send()
        })
        .await?;
    let inline = ic
        .ask("sso:GetInlinePolicyForPermissionSet", || {
            ic.sso
                .get_inline_policy_for_permission_set()
                .instance_arn(instance)
                .permission_set_arn(&arn)
                .send()
        })
        .await?;
    let mut tags = Vec::new();
    ic.pages(
        "sso:ListTagsForResource",
        |token| {
            ic.sso
                .list_tags_for_resource()
                .instance_arn(instance)
                .resource_arn(&arn)
                .set_next_token(token)
                .send()
        },
        |page| page.next_token(),
        |page| tags.extend(page.tags().iter().cloned()),
    )
    .await?;
    let mut managed = Vec::new();
    ic.pages(
        "sso:ListManagedPoliciesInPermissionSet",
        |token| {
            ic.sso
                .list_managed_policies_in_permission_set()
                .instance_arn(instance)
                .permission_set_arn(&arn)
                .max_results(100)
                .set_next_token(token)
                .send()
        },
        |page| page.next_token(),
        |page| {
            for policy in page.attached_managed_policies() {
                let it = read(ic, (arn.clone(), policy.clone()));
                managed.push(MANAGED_POLICY.row(&it, cx));
            }
        },
    )
    .await?;
    let mut customer = Vec::new();
    ic.pages(
        "sso:ListCustomerManagedPolicyReferencesInPermissionSet",
        |token| {
            ic.sso
                .list_customer_managed_policy_references_in_permission_set()
                .instance_arn(instance)
                .permission_set_arn(&arn)
                .max_results(100)
                .set_next_token(token)
                .send()
        },
        |page| page.next_token(),
        |page| {
            for policy in page.customer_managed_policy_references() {
                let it = read(ic, (arn.clone(), policy.clone()));
                customer.push(CUSTOMER_POLICY.row(&it, cx));
            }
        },
    )
    .await?;
    let mut accounts = Vec::new();
    let mut outdated = BTreeSet::new();
    for status in [
        None,
        Some(ProvisioningStatus::LatestPermissionSetNotProvisioned),
    ] {
        ic.pages(
            "sso:ListAccountsForProvisionedPermissionSet",
            |token| {
                ic.sso
                    .list_accounts_for_provisioned_permission_set()
                    .instance_arn(instance)
                    .permission_set_arn(&arn)
                    .set_provisioning_status(status.clone())
                    .max_results(100)
                    .set_next_token(token)
                    .send()
            },
            |page| page.next_token(),
            |page| {
                let ids = page.account_ids().iter().cloned();
                if status.is_some() {
                    outdated.extend(ids);
                } else {
                    accounts.extend(ids);
                }
            },
        )
        .await?;
    }
    let (policy, policy_std) = policy_cells(inline.inline_policy().filter(|p| !p.is_empty()));
    let set = described.permission_set().cloned();
    let parts = SetParts {
        arn: arn.clone(),
        set,
        policy,
        policy_std,
        tags,
    };
    let row = PERMISSION_SET.row(&read(ic, parts), cx);
    Ok(SetRead {
        arn,
        row,
        managed,
        customer,
        provisioned: accounts,
        outdated,
    })
}

fn principal_type(kind: Option<&PrincipalType>) -> &'static str {
    match kind {
        Some(PrincipalType::Group) => PrincipalKind::Group.as_str(),
        _ => PrincipalKind::User.as_str(),
    }
}

/// Reads the whole instance. Fails as a whole on the first refused call: a matrix with holes
/// would answer "who can reach this account" wrongly.
pub async fn inventory(ic: &IdentityCenter) -> Result<IdentityInventory, AwsError> {
    let partition = ic.session.partition.to_string();
    let partition = partition.as_str();
    let instance = ic.instance_arn.as_str();
    let store_id = ic.identity_store_id.as_str();
    let cx = columns::RowCtx { partition };
    let instance_row = INSTANCE.row(&read(ic, ic.instance.clone()), cx);

    let mut set_arns: Vec<String> = Vec::new();
    ic.pages(
        "sso:ListPermissionSets",
        |token| {
            ic.sso
                .list_permission_sets()
                .instance_arn(instance)
                .max_results(100)
                .set_next_token(token)
                .send()
        },
        |page| page.next_token(),
        |page| set_arns.extend(page.permission_sets().iter().cloned()),
    )
    .await?;
    let sets: Vec<SetRead> = futures::stream::iter(set_arns)
        .map(|arn| read_set(ic, arn, partition))
        .buffered(AT_ONCE)
        .try_collect()
        .await?;

    let mut users = Vec::new();
    let mut user_ids = Vec::new();
    ic.pages(
        "identitystore:ListUsers",
        |token| {
            ic.store
                .list_users()
                .identity_store_id(store_id)
                .max_results(100)
                .set_next_token(token)
                .send()
        },
        |page| page.next_token(),
        |page| {
            for u in page.users() {
                user_ids.push(u.user_id().to_owned());
                users.push(USER.row(&read(ic, u.clone()), cx));
            }
        },
    )
    .await?;
    let mut groups = Vec::new();
    let mut group_ids = Vec::new();
    ic.pages(
        "identitystore:ListGroups",
        |token| {
            ic.store
                .list_groups()
                .identity_store_id(store_id)
                .max_results(100)
                .set_next_token(token)
                .send()
        },
        |page| page.next_token(),
        |page| {
            for g in page.groups() {
                group_ids.push(g.group_id().to_owned());
                groups.push(GROUP.row(&read(ic, g.clone()), cx));
            }
        },
    )
    .await?;
    let memberships: Vec<Row> = at_once(group_ids.iter(), |group| async move {
        let mut rows = Vec::new();
        ic.pages(
            "identitystore:ListGroupMemberships",
            |token| {
                ic.store
                    .list_group_memberships()
                    .identity_store_id(store_id)
                    .group_id(group)
                    .max_results(100)
                    .set_next_token(token)
                    .send()
            },
            |page| page.next_token(),
            |page| {
                for m in page.group_memberships() {
                    let Some(MemberId::UserId(user)) = m.member_id() else {
                        continue;
                    };
                    let it = read(ic, (group.clone(), user.clone(), m.clone()));
                    rows.push(MEMBERSHIP.row(&it, cx));
                }
            },
        )
        .await?;
        Ok(rows)
    })
    .await?;

    // the cheaper way to the assignments: one call per provisioned pair, or one per principal
    // (each at least; more pages only past 100 answers)
    let pairs: Vec<(String, String)> = sets
        .iter()
        .flat_map(|s| s.provisioned.iter().map(|a| (a.clone(), s.arn.clone())))
        .collect();
    let principals = user_ids.len() + group_ids.len();
    let enumeration = if principals < pairs.len() {
        Enumeration::ByPrincipal
    } else {
        Enumeration::ByAccount
    };
    let seen: BTreeSet<Grant> = match enumeration {
        Enumeration::ByAccount => by_account(ic, &pairs).await?,
        Enumeration::ByPrincipal => by_principal(ic, &user_ids, &group_ids).await?,
    };
    let assignments: Vec<Row> = seen
        .into_iter()
        .map(|grant| ASSIGNMENT.row(&read(ic, grant), cx))
        .collect();

    let mut set_rows = Vec::new();
    let mut managed = Vec::new();
    let mut customer = Vec::new();
    let mut provisioned = Vec::new();
    let mut outdated = 0;
    for set in sets {
        outdated += set.outdated.len();
        for account in &set.provisioned {
            let it = (
                set.arn.clone(),
                account.clone(),
                set.outdated.contains(account),
            );
            provisioned.push(PROVISIONED.row(&read(ic, it), cx));
        }
        set_rows.push(set.row);
        managed.extend(set.managed);
        customer.extend(set.customer);
    }
    Ok(IdentityInventory {
        batches: vec![
            INSTANCE.batch(vec![instance_row]),
            PERMISSION_SET.batch(set_rows),
            MANAGED_POLICY.batch(managed),
            CUSTOMER_POLICY.batch(customer),
            ASSIGNMENT.batch(assignments),
            PROVISIONED.batch(provisioned),
            USER.batch(users),
            GROUP.batch(groups),
            MEMBERSHIP.batch(memberships),
        ],
        enumeration,
        pairs: pairs.len(),
        principals,
        outdated,
    })
}

/// `each` for every item, [`AT_ONCE`] at a time, their lists joined in the items' order; the
/// first error ends it.
async fn at_once<T, R, Fut>(
    items: impl IntoIterator<Item = T>,
    each: impl FnMut(T) -> Fut,
) -> Result<Vec<R>, AwsError>
where
    Fut: std::future::Future<Output = Result<Vec<R>, AwsError>>,
{
    let lists: Vec<Vec<R>> = futures::stream::iter(items)
        .map(each)
        .buffered(AT_ONCE)
        .try_collect()
        .await?;
    Ok(lists.into_iter().flatten().collect())
}

/// Every assignment, one ListAccountAssignments per provisioned (account, permission set).
async fn by_account(
    ic: &IdentityCenter,
    pairs: &[(String, String)],
) -> Result<BTreeSet<Grant>, AwsError> {
    let found = at_once(pairs, |(account, set)| async move {
        let mut out = Vec::new();
        ic.pages(
            "sso:ListAccountAssignments",
            |token| {
                ic.sso
                    .list_account_assignments()
                    .instance_arn(&ic.instance_arn)
                    .account_id(account)
                    .permission_set_arn(set)
                    .max_results(100)
                    .set_next_token(token)
                    .send()
            },
            |page| page.next_token(),
            |page| {
                out.extend(page.account_assignments().iter().filter_map(|a| {
                    let id = a.principal_id()?;
                    Some((
                        account.clone(),
                        set.clone(),
                        principal_type(a.principal_type()),
                        id.to_owned(),
                    ))
                }));
            },
        )
        .await?;
        Ok(out)
    })
    .await?;
    Ok(found.into_iter().collect())
}

/// Every assignment, one ListAccountAssignmentsForPrincipal per user and group.
async fn by_principal(
    ic: &IdentityCenter,
    users: &[String],
    groups: &[String],
) -> Result<BTreeSet<Grant>, AwsError> {
    let who = users
        .iter()
        .map(|u| (PrincipalType::User, u))
        .chain(groups.iter().map(|g| (PrincipalType::Group, g)));
    let found = at_once(who, |(kind, id)| async move {
        let mut out = Vec::new();
        ic.pages(
            "sso:ListAccountAssignmentsForPrincipal",
            |token| {
                ic.sso
                    .list_account_assignments_for_principal()
                    .instance_arn(&ic.instance_arn)
                    .principal_type(kind.clone())
                    .principal_id(id)
                    .max_results(100)
                    .set_next_token(token)
                    .send()
            },
            |page| page.next_token(),
            |page| {
                out.extend(page.account_assignments().iter().filter_map(|a| {
                    Some((
                        a.account_id()?.to_owned(),
                        a.permission_set_arn()?.to_owned(),
                        principal_type(a.principal_type()),
                        a.principal_id()?.to_owned(),
                    ))
                }));
            },
        )
        .await?;
        Ok(out)
    })
    .await?;
    Ok(found.into_iter().collect())
}
