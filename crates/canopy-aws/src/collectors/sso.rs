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

use std::collections::BTreeSet;

use aws_sdk_identitystore::types::{Address, Email, ExternalId, MemberId, PhoneNumber};
use aws_sdk_ssoadmin::types::{PrincipalType, ProvisioningStatus};
use canopy_model::inventory::{Batch, Cell, Row};
use canopy_model::table::{Column, Scope, TableDef};
use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};

use super::{batch, policy_cells, tags_of, tags_src, time};
use crate::error::AwsError;
use crate::identity::{IdentityCenter, PrincipalKind};

const FILLED_BY: &str = "access sync";

/// Calls in flight at once through one instance (they still wait for its bucket: this only
/// overlaps the waits for answers).
const AT_ONCE: usize = 10;

pub(crate) const INSTANCE: TableDef = TableDef {
    name: "aws_ssoadmin_instance",
    scope: Scope::Regional,
    description: "The IAM Identity Center instance of each synced organization",
    columns: &[
        Column::text("arn", "The instance's ARN").required(),
        Column::text(
            "identity_store_id",
            "The identity store connected to the instance",
        ),
        Column::text("name", "The instance's name"),
        Column::time("created_date", "When the instance was created"),
        Column::text("owner_account_id", "The account that owns the instance"),
        Column::text("status", "The instance's status"),
        Column::TITLE,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &["sso:ListInstances"],
    filled_by: FILLED_BY,
};

pub(crate) const PERMISSION_SET: TableDef = TableDef {
    name: "aws_ssoadmin_permission_set",
    scope: Scope::Regional,
    description: "Identity Center permission sets, with their inline policy and tags",
    columns: &[
        Column::text("name", "The permission set's name"),
        Column::text("arn", "The permission set's ARN").required(),
        Column::time("created_date", "When the permission set was created"),
        Column::text("description", "The permission set's description"),
        Column::text("instance_arn", "The Identity Center instance"),
        Column::text("relay_state", "Where users are sent after signing in"),
        Column::text(
            "session_duration",
            "How long sessions last, in ISO-8601 (PT1H)",
        ),
        Column::TAGS_SRC,
        Column::json("inline_policy", "The inline policy, as JSON"),
        Column::json(
            "inline_policy_std",
            "The inline policy in Steampipe's canonical form",
        ),
        Column::TAGS,
        Column::TITLE,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &[
        "sso:ListPermissionSets",
        "sso:DescribePermissionSet",
        "sso:GetInlinePolicyForPermissionSet",
        "sso:ListTagsForResource",
    ],
    filled_by: FILLED_BY,
};

pub(crate) const MANAGED_POLICY: TableDef = TableDef {
    name: "aws_ssoadmin_managed_policy_attachment",
    scope: Scope::Regional,
    description: "AWS-managed policies attached to permission sets",
    columns: &[
        Column::text("permission_set_arn", "The permission set").required(),
        Column::text("name", "The policy's name"),
        Column::text("instance_arn", "The Identity Center instance"),
        Column::text("managed_policy_arn", "The policy's ARN").required(),
        Column::TITLE,
        Column::PARTITION,
    ],
    actions: &["sso:ListManagedPoliciesInPermissionSet"],
    filled_by: FILLED_BY,
};

pub(crate) const CUSTOMER_POLICY: TableDef = TableDef {
    name: "aws_ssoadmin_customer_policy_attachment",
    scope: Scope::Regional,
    description: "Customer-managed policies (by name and path, in each target account) referenced by permission sets",
    columns: &[
        Column::text("permission_set_arn", "The permission set").required(),
        Column::text("name", "The policy's name").required(),
        Column::text("instance_arn", "The Identity Center instance"),
        Column::text("path", "The policy's path (`/` when none was given)"),
        Column::TITLE,
        Column::PARTITION,
    ],
    actions: &["sso:ListCustomerManagedPolicyReferencesInPermissionSet"],
    filled_by: FILLED_BY,
};

pub(crate) const ASSIGNMENT: TableDef = TableDef {
    name: "aws_ssoadmin_account_assignment",
    scope: Scope::Regional,
    description: "Every account assignment: which user or group holds which permission set on which account",
    columns: &[
        Column::text("target_account_id", "The account the assignment is on").required(),
        Column::text("instance_arn", "The Identity Center instance"),
        Column::text("permission_set_arn", "The permission set").required(),
        Column::text("principal_type", "USER or GROUP").required(),
        Column::text("principal_id", "The user's or group's id").required(),
        Column::PARTITION,
    ],
    actions: &[
        "sso:ListAccountAssignments",
        "sso:ListAccountAssignmentsForPrincipal",
    ],
    filled_by: FILLED_BY,
};

pub(crate) const PROVISIONED: TableDef = TableDef {
    name: "canopy_sso_provisioned",
    scope: Scope::Regional,
    description: "Which permission set is provisioned to which account, and whether that copy is out of date (`canopy access drift`)",
    columns: &[
        Column::text("permission_set_arn", "The permission set").required(),
        Column::text("instance_arn", "The Identity Center instance"),
        Column::text("target_account_id", "The account it is provisioned to").required(),
        Column::bool(
            "outdated",
            "The permission set changed since it was last provisioned to this account",
        )
        .required(),
        Column::PARTITION,
    ],
    actions: &["sso:ListAccountsForProvisionedPermissionSet"],
    filled_by: FILLED_BY,
};

pub(crate) const USER: TableDef = TableDef {
    name: "aws_identitystore_user",
    scope: Scope::Regional,
    description: "Users of the Identity Center instance's identity store",
    columns: &[
        Column::text("identity_store_id", "The identity store"),
        Column::text("name", "The user name (UserName)"),
        Column::text("display_name", "The display name"),
        Column::text("nick_name", "A nickname"),
        Column::text("locale", "The user's locale"),
        Column::text("preferred_language", "The preferred language"),
        Column::text("profile_url", "A profile URL"),
        Column::text("timezone", "The user's time zone"),
        Column::text("user_type", "The kind of user"),
        Column::text("id", "The user's id").required(),
        Column::json("addresses", "Addresses, as JSON"),
        Column::json("emails", "Email addresses, as JSON (Value, Type, Primary)"),
        Column::json(
            "external_ids",
            "Ids given by an external identity provider, as JSON",
        ),
        Column::json("phone_numbers", "Phone numbers, as JSON"),
        Column::TITLE,
        Column::PARTITION,
    ],
    actions: &["identitystore:ListUsers"],
    filled_by: FILLED_BY,
};

pub(crate) const GROUP: TableDef = TableDef {
    name: "aws_identitystore_group",
    scope: Scope::Regional,
    description: "Groups of the Identity Center instance's identity store",
    columns: &[
        Column::text("identity_store_id", "The identity store"),
        Column::text("name", "The group's display name"),
        Column::text("id", "The group's id").required(),
        Column::text("description", "The group's description"),
        Column::text(
            "external_ids",
            "Ids given by an external identity provider (JSON text, as Steampipe declares it)",
        ),
        Column::TITLE,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &["identitystore:ListGroups"],
    filled_by: FILLED_BY,
};

pub(crate) const MEMBERSHIP: TableDef = TableDef {
    name: "aws_identitystore_group_membership",
    scope: Scope::Regional,
    description: "Which user is in which group of the identity store",
    columns: &[
        Column::text("membership_id", "The membership's id"),
        Column::text("identity_store_id", "The identity store"),
        Column::text("group_id", "The group").required(),
        Column::text("member_id", "The user").required(),
        Column::TITLE,
        Column::PARTITION,
    ],
    actions: &["identitystore:ListGroupMemberships"],
    filled_by: FILLED_BY,
};

/// Every table `access sync` fills, in the order its batches come.
pub(crate) const TABLES: &[&TableDef] = &[
    &INSTANCE,
    &PERMISSION_SET,
    &MANAGED_POLICY,
    &CUSTOMER_POLICY,
    &ASSIGNMENT,
    &PROVISIONED,
    &USER,
    &GROUP,
    &MEMBERSHIP,
];

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

fn sso_tags(tags: &[aws_sdk_ssoadmin::types::Tag]) -> (Cell, Cell) {
    let pairs = || tags.iter().map(|t| (Some(t.key()), Some(t.value())));
    (tags_src(pairs()), tags_of(pairs()))
}

async fn read_set(ic: &IdentityCenter, arn: String, partition: &str) -> Result<SetRead, AwsError> {
    let instance = ic.instance_arn.as_str();
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
                managed.push(
                    Row::default()
                        .with("permission_set_arn", Cell::Text(arn.clone()))
                        .with("name", Cell::text(policy.name()))
                        .with("instance_arn", Cell::Text(instance.to_owned()))
                        .with("managed_policy_arn", Cell::text(policy.arn()))
                        .with("title", Cell::text(policy.name()))
                        .with("partition", Cell::Text(partition.to_owned())),
                );
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
                customer.push(
                    Row::default()
                        .with("permission_set_arn", Cell::Text(arn.clone()))
                        .with("name", Cell::Text(policy.name().to_owned()))
                        .with("instance_arn", Cell::Text(instance.to_owned()))
                        .with("path", Cell::Text(policy.path().unwrap_or("/").to_owned()))
                        .with("title", Cell::Text(policy.name().to_owned()))
                        .with("partition", Cell::Text(partition.to_owned())),
                );
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
    let set = described.permission_set();
    let name = set.and_then(|s| s.name());
    let (policy, policy_std) = policy_cells(inline.inline_policy().filter(|p| !p.is_empty()));
    let (tags_src, tags) = sso_tags(&tags);
    let row = Row::default()
        .with("name", Cell::text(name))
        .with("arn", Cell::Text(arn.clone()))
        .with("created_date", time(set.and_then(|s| s.created_date())))
        .with("description", Cell::text(set.and_then(|s| s.description())))
        .with("instance_arn", Cell::Text(instance.to_owned()))
        .with("relay_state", Cell::text(set.and_then(|s| s.relay_state())))
        .with(
            "session_duration",
            Cell::text(set.and_then(|s| s.session_duration())),
        )
        .with("tags_src", tags_src)
        .with("inline_policy", policy)
        .with("inline_policy_std", policy_std)
        .with("tags", tags)
        .with("title", Cell::text(name))
        .with("akas", Cell::json(json!([arn])))
        .with("partition", Cell::Text(partition.to_owned()));
    Ok(SetRead {
        arn,
        row,
        managed,
        customer,
        provisioned: accounts,
        outdated,
    })
}

fn emails(list: &[Email]) -> Cell {
    super::list_of(
        list,
        |e| json!({"Value": e.value(), "Type": e.r#type(), "Primary": e.primary()}),
    )
}

fn addresses(list: &[Address]) -> Cell {
    super::list_of(list, |a| {
        json!({
            "StreetAddress": a.street_address(), "Locality": a.locality(), "Region": a.region(),
            "PostalCode": a.postal_code(), "Country": a.country(), "Formatted": a.formatted(),
            "Type": a.r#type(), "Primary": a.primary(),
        })
    })
}

fn phones(list: &[PhoneNumber]) -> Cell {
    super::list_of(
        list,
        |p| json!({"Value": p.value(), "Type": p.r#type(), "Primary": p.primary()}),
    )
}

fn external_ids(list: &[ExternalId]) -> Option<Value> {
    (!list.is_empty()).then(|| {
        Value::Array(
            list.iter()
                .map(|e| json!({"Issuer": e.issuer(), "Id": e.id()}))
                .collect(),
        )
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
    let meta = &ic.instance;
    let instance_row = Row::default()
        .with("arn", Cell::Text(instance.to_owned()))
        .with("identity_store_id", Cell::Text(store_id.to_owned()))
        .with("name", Cell::text(meta.name()))
        .with("created_date", time(meta.created_date()))
        .with("owner_account_id", Cell::text(meta.owner_account_id()))
        .with("status", Cell::text(meta.status().map(|s| s.as_str())))
        .with("title", Cell::Text(instance.to_owned()))
        .with("akas", Cell::json(json!([instance])))
        .with("partition", Cell::Text(partition.to_owned()));

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
                users.push(
                    Row::default()
                        .with("identity_store_id", Cell::Text(store_id.to_owned()))
                        .with("name", Cell::text(u.user_name()))
                        .with("display_name", Cell::text(u.display_name()))
                        .with("nick_name", Cell::text(u.nick_name()))
                        .with("locale", Cell::text(u.locale()))
                        .with("preferred_language", Cell::text(u.preferred_language()))
                        .with("profile_url", Cell::text(u.profile_url()))
                        .with("timezone", Cell::text(u.timezone()))
                        .with("user_type", Cell::text(u.user_type()))
                        .with("id", Cell::Text(u.user_id().to_owned()))
                        .with("addresses", addresses(u.addresses()))
                        .with("emails", emails(u.emails()))
                        .with(
                            "external_ids",
                            super::json_cell(external_ids(u.external_ids())),
                        )
                        .with("phone_numbers", phones(u.phone_numbers()))
                        .with("title", Cell::text(u.user_name()))
                        .with("partition", Cell::Text(partition.to_owned())),
                );
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
                groups.push(
                    Row::default()
                        .with("identity_store_id", Cell::Text(store_id.to_owned()))
                        .with("name", Cell::text(g.display_name()))
                        .with("id", Cell::Text(g.group_id().to_owned()))
                        .with("description", Cell::text(g.description()))
                        .with(
                            "external_ids",
                            Cell::text(external_ids(g.external_ids()).map(|v| v.to_string())),
                        )
                        .with("title", Cell::text(g.display_name()))
                        .with("akas", Cell::json(json!([g.group_id()])))
                        .with("partition", Cell::Text(partition.to_owned())),
                );
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
                    rows.push(
                        Row::default()
                            .with("membership_id", Cell::text(m.membership_id()))
                            .with("identity_store_id", Cell::Text(store_id.to_owned()))
                            .with("group_id", Cell::Text(group.clone()))
                            .with("member_id", Cell::Text(user.clone()))
                            .with("title", Cell::text(m.membership_id()))
                            .with("partition", Cell::Text(partition.to_owned())),
                    );
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
        .map(|(account, set, kind, principal)| {
            Row::default()
                .with("target_account_id", Cell::Text(account))
                .with("instance_arn", Cell::Text(instance.to_owned()))
                .with("permission_set_arn", Cell::Text(set))
                .with("principal_type", Cell::Text(kind.to_owned()))
                .with("principal_id", Cell::Text(principal))
                .with("partition", Cell::Text(partition.to_owned()))
        })
        .collect();

    let mut set_rows = Vec::new();
    let mut managed = Vec::new();
    let mut customer = Vec::new();
    let mut provisioned = Vec::new();
    let mut outdated = 0;
    for set in sets {
        outdated += set.outdated.len();
        for account in &set.provisioned {
            provisioned.push(
                Row::default()
                    .with("permission_set_arn", Cell::Text(set.arn.clone()))
                    .with("instance_arn", Cell::Text(instance.to_owned()))
                    .with("target_account_id", Cell::Text(account.clone()))
                    .with("outdated", Cell::Bool(set.outdated.contains(account)))
                    .with("partition", Cell::Text(partition.to_owned())),
            );
        }
        set_rows.push(set.row);
        managed.extend(set.managed);
        customer.extend(set.customer);
    }
    Ok(IdentityInventory {
        batches: vec![
            batch(&INSTANCE, vec![instance_row]),
            batch(&PERMISSION_SET, set_rows),
            batch(&MANAGED_POLICY, managed),
            batch(&CUSTOMER_POLICY, customer),
            batch(&ASSIGNMENT, assignments),
            batch(&PROVISIONED, provisioned),
            batch(&USER, users),
            batch(&GROUP, groups),
            batch(&MEMBERSHIP, memberships),
        ],
        enumeration,
        pairs: pairs.len(),
        principals,
        outdated,
    })
}

/// An assignment: account, permission set, principal type, principal id.
type Grant = (String, String, &'static str, String);

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
