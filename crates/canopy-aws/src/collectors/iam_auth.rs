//! IAM users, groups and managed policies, from one paged GetAccountAuthorizationDetails (users
//! and groups with their inline and attached policies, managed policies with their documents)
//! instead of four or five calls per user, group and policy; ListUsers for when each password
//! was last used, ListPolicies for every policy (AWS managed ones included, as Steampipe lists
//! them), and per resource only what no listing returns: each user's MFA devices and login
//! profile, each customer managed policy's tags.
//!
//! The documents of AWS managed policies attached to nothing in the account are not fetched
//! (about 1,300 documents, the same in every account): their `policy` is null.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_iam::Client;
use aws_sdk_iam::types::{
    EntityType, GroupDetail, ManagedPolicyDetail, PolicyScopeType, UserDetail,
};
use canopy_model::inventory::{Batch, Cell, Row, home_region};
use canopy_model::table::{Column, Scope, TableDef};
use serde_json::{Value, json};

use super::iam::{
    INLINE_POLICIES, INLINE_POLICIES_STD, boundary_cells, policy_and_std, with_policies,
};
use super::{Unit, batch, tags_of, tags_src, time, time_text};
use crate::error::AwsError;

pub(super) const USERS: TableDef = TableDef {
    name: "aws_iam_user",
    scope: Scope::Global,
    description: "IAM users, with their groups, inline and attached policies, MFA devices and login profile",
    columns: &[
        Column::text("name", "The user's name").required(),
        Column::text("user_id", "The user's id"),
        Column::text("path", "The path"),
        Column::text("arn", "The ARN").required(),
        Column::time("create_date", "When the user was created"),
        Column::time(
            "password_last_used",
            "When the user's password was last used to sign in",
        ),
        Column::text("permissions_boundary_arn", "The permissions boundary"),
        Column::text(
            "permissions_boundary_type",
            "The permissions boundary's type",
        ),
        Column::bool("mfa_enabled", "Whether the user has an MFA device"),
        Column::json(
            "login_profile",
            "The console login profile: {\"CreateDate\", \"PasswordResetRequired\", \"UserName\"}; null without one",
        ),
        Column::json(
            "mfa_devices",
            "MFA devices: [{\"SerialNumber\", \"EnableDate\", \"UserName\"}]",
        ),
        Column::json(
            "groups",
            "The user's groups: [{\"GroupName\", \"GroupId\", \"Arn\", \"Path\", \"CreateDate\"}]",
        ),
        INLINE_POLICIES,
        INLINE_POLICIES_STD,
        Column::json(
            "attached_policy_arns",
            "Managed policies attached to the user, as a JSON array of ARNs",
        ),
        Column::TAGS_SRC,
        Column::TAGS,
        Column::TITLE,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &[
        "iam:GetAccountAuthorizationDetails",
        "iam:ListUsers",
        "iam:ListPolicies",
        "iam:ListMFADevices",
        "iam:GetLoginProfile",
        "iam:ListPolicyTags",
    ],
    filled_by: "collect",
};

pub(super) const GROUPS: TableDef = TableDef {
    name: "aws_iam_group",
    scope: Scope::Global,
    description: "IAM groups, with their members and inline and attached policies",
    columns: &[
        Column::text("name", "The group's name").required(),
        Column::text("group_id", "The group's id"),
        Column::text("path", "The path"),
        Column::text("arn", "The ARN").required(),
        Column::time("create_date", "When the group was created"),
        INLINE_POLICIES,
        INLINE_POLICIES_STD,
        Column::json(
            "attached_policy_arns",
            "Managed policies attached to the group, as a JSON array of ARNs",
        ),
        Column::json(
            "users",
            "The group's members: [{\"UserName\", \"UserId\", \"Arn\", \"Path\", \"CreateDate\"}]",
        ),
        Column::TITLE,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &["iam:GetAccountAuthorizationDetails"],
    filled_by: "collect",
};

pub(super) const POLICIES: TableDef = TableDef {
    name: "aws_iam_policy",
    scope: Scope::Global,
    description: "IAM managed policies (customer and AWS managed), with their default version's document",
    columns: &[
        Column::text("name", "The policy's name").required(),
        Column::text("policy_id", "The policy's id"),
        Column::text("path", "The path"),
        Column::text("description", "The description"),
        Column::text("arn", "The ARN").required(),
        Column::bool("is_aws_managed", "Whether AWS manages it"),
        Column::bool("is_attachable", "Whether it can be attached"),
        Column::time("create_date", "When it was created"),
        Column::time("update_date", "When it was last updated"),
        Column::int(
            "attachment_count",
            "How many users, groups and roles it is attached to",
        ),
        Column::bool("is_attached", "Whether it is attached to anything"),
        Column::text("default_version_id", "The default version"),
        Column::int(
            "permissions_boundary_usage_count",
            "How many users and roles use it as a permissions boundary",
        ),
        Column::json(
            "policy",
            "The default version's document, decoded (null for an AWS managed policy attached to nothing in the account)",
        ),
        Column::json(
            "policy_std",
            "The document in Steampipe's canonical form (lists sorted, actions and condition keys lower-cased)",
        ),
        Column::TAGS_SRC,
        Column::TAGS,
        Column::TITLE,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &["iam:GetAccountAuthorizationDetails", "iam:ListPolicies"],
    filled_by: "collect",
};

struct Details {
    users: Vec<UserDetail>,
    groups: Vec<GroupDetail>,
    policies: HashMap<String, ManagedPolicyDetail>,
}

async fn details(unit: &Unit<'_>, client: &Client) -> Result<Details, AwsError> {
    let mut d = Details {
        users: Vec::new(),
        groups: Vec::new(),
        policies: HashMap::new(),
    };
    unit.paginate(
        "iam:GetAccountAuthorizationDetails",
        |marker| {
            client
                .get_account_authorization_details()
                .filter(EntityType::User)
                .filter(EntityType::Group)
                .filter(EntityType::LocalManagedPolicy)
                .filter(EntityType::AwsManagedPolicy)
                .max_items(1000)
                .set_marker(marker)
                .send()
        },
        |out| out.marker().filter(|_| out.is_truncated()),
        |out| {
            d.users.extend(out.user_detail_list().iter().cloned());
            d.groups.extend(out.group_detail_list().iter().cloned());
            for p in out.policies() {
                if let Some(arn) = p.arn() {
                    d.policies.insert(arn.to_owned(), p.clone());
                }
            }
        },
    )
    .await?;
    Ok(d)
}

/// Users, groups and managed policies of the account.
pub(super) async fn users_groups_policies(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let session = unit.session;
    let home = home_region(&session.partition);
    let client = session.client(home, Client::new);
    let partition = unit.partition();
    let details = details(&unit, &client).await?;

    // users: ListUsers for the password's last use
    let password_used: HashMap<String, Cell> = super::iam_keys::users(&unit, &client)
        .await?
        .iter()
        .map(|u| (u.user_id().to_owned(), time(u.password_last_used())))
        .collect();
    let group_by_name: BTreeMap<&str, &GroupDetail> = details
        .groups
        .iter()
        .filter_map(|g| Some((g.group_name()?, g)))
        .collect();
    let users: Vec<Row> = super::for_each_listed(details.users.clone(), |u| {
        let password = u
            .user_id()
            .and_then(|id| password_used.get(id))
            .cloned()
            .unwrap_or(Cell::Null);
        user_row(unit, &client, u, password, &group_by_name, &partition)
    })
    .await;

    // groups: members from the users' group lists
    let groups: Vec<Row> = details
        .groups
        .iter()
        .map(|g| {
            let name = g.group_name().unwrap_or_default();
            let members: Vec<Value> = details
                .users
                .iter()
                .filter(|u| u.group_list().iter().any(|n| n == name))
                .map(|u| {
                    json!({
                        "Arn": u.arn(),
                        "CreateDate": time_text(u.create_date()),
                        "Path": u.path(),
                        "UserId": u.user_id(),
                        "UserName": u.user_name(),
                    })
                })
                .collect();
            let arn = g.arn().unwrap_or_default();
            let row = Row::default()
                .with("name", Cell::Text(name.to_owned()))
                .with("group_id", Cell::text(g.group_id()))
                .with("path", Cell::text(g.path()))
                .with("arn", Cell::Text(arn.to_owned()))
                .with("create_date", time(g.create_date()));
            with_policies(row, g.group_policy_list(), g.attached_managed_policies())
                .with("users", Cell::json(Value::Array(members)))
                .with("title", Cell::Text(name.to_owned()))
                .with("akas", Cell::json(json!([arn])))
                .with("partition", partition.clone())
        })
        .collect();

    // policies: every one listed; documents from the details
    let mut listed = Vec::new();
    unit.paginate(
        "iam:ListPolicies",
        |marker| {
            client
                .list_policies()
                .scope(PolicyScopeType::All)
                .max_items(1000)
                .set_marker(marker)
                .send()
        },
        |out| out.marker().filter(|_| out.is_truncated()),
        |out| listed.extend(out.policies().iter().cloned()),
    )
    .await?;
    let policies: Vec<Row> = super::for_each_listed(listed, |p| {
        policy_row(unit, &client, p, &details.policies, &partition)
    })
    .await;
    Ok(vec![
        batch(&USERS, users),
        batch(&GROUPS, groups),
        batch(&POLICIES, policies),
    ])
}

async fn user_row(
    unit: Unit<'_>,
    client: &Client,
    u: UserDetail,
    password_last_used: Cell,
    groups: &BTreeMap<&str, &GroupDetail>,
    partition: &Cell,
) -> Row {
    let name = u.user_name().unwrap_or_default();
    let home = home_region(&unit.session.partition);
    let (mfa, login) = tokio::join!(
        unit.detail(home, "iam:ListMFADevices", name, &[], || {
            client
                .list_mfa_devices()
                .user_name(name)
                .max_items(1000)
                .send()
        }),
        unit.detail(home, "iam:GetLoginProfile", name, &["NoSuchEntity"], || {
            client.get_login_profile().user_name(name).send()
        }),
    );
    let (mfa_enabled, mfa_devices) = match mfa.found() {
        Some(out) => (
            Cell::Bool(!out.mfa_devices().is_empty()),
            Cell::json(Value::Array(
                out.mfa_devices()
                    .iter()
                    .map(|d| {
                        json!({
                            "EnableDate": time_text(Some(d.enable_date())),
                            "SerialNumber": d.serial_number(),
                            "UserName": d.user_name(),
                        })
                    })
                    .collect(),
            )),
        ),
        None => (Cell::Null, Cell::Null),
    };
    let login_profile = login
        .found()
        .and_then(|out| out.login_profile().cloned())
        .map_or(Cell::Null, |p| {
            Cell::json(json!({
                "CreateDate": time_text(Some(p.create_date())),
                "PasswordResetRequired": p.password_reset_required(),
                "UserName": p.user_name(),
            }))
        });
    let member_of: Vec<Value> = u
        .group_list()
        .iter()
        .map(|g| match groups.get(g.as_str()) {
            Some(d) => json!({
                "Arn": d.arn(),
                "CreateDate": time_text(d.create_date()),
                "GroupId": d.group_id(),
                "GroupName": d.group_name(),
                "Path": d.path(),
            }),
            None => json!({"GroupName": g}),
        })
        .collect();
    let boundary = u.permissions_boundary();
    let pairs = || u.tags().iter().map(|t| (Some(t.key()), Some(t.value())));
    let arn = u.arn().unwrap_or_default();
    let row = Row::default()
        .with("name", Cell::Text(name.to_owned()))
        .with("user_id", Cell::text(u.user_id()))
        .with("path", Cell::text(u.path()))
        .with("arn", Cell::Text(arn.to_owned()))
        .with("create_date", time(u.create_date()))
        .with("password_last_used", password_last_used)
        .with_all(boundary_cells(boundary))
        .with("mfa_enabled", mfa_enabled)
        .with("login_profile", login_profile)
        .with("mfa_devices", mfa_devices)
        .with("groups", Cell::json(Value::Array(member_of)));
    with_policies(row, u.user_policy_list(), u.attached_managed_policies())
        .with("tags_src", tags_src(pairs()))
        .with("tags", tags_of(pairs()))
        .with("title", Cell::Text(name.to_owned()))
        .with("akas", Cell::json(json!([arn])))
        .with("partition", partition.clone())
}

async fn policy_row(
    unit: Unit<'_>,
    client: &Client,
    p: aws_sdk_iam::types::Policy,
    details: &HashMap<String, ManagedPolicyDetail>,
    partition: &Cell,
) -> Row {
    let arn = p.arn().unwrap_or_default();
    // AWS managed policies live under the `aws` account of the ARN
    let aws_managed = arn.split(':').nth(4) == Some("aws");
    let document = details.get(arn).and_then(|d| {
        d.policy_version_list()
            .iter()
            .find(|v| v.is_default_version())
            .and_then(|v| v.document())
    });
    let (policy, canonical) = document.map_or((Cell::Null, Cell::Null), policy_and_std);
    let tags = if aws_managed {
        Vec::new()
    } else {
        let home = home_region(&unit.session.partition);
        unit.detail(home, "iam:ListPolicyTags", arn, &["NoSuchEntity"], || {
            client
                .list_policy_tags()
                .policy_arn(arn)
                .max_items(1000)
                .send()
        })
        .await
        .found()
        .map(|out| out.tags().to_vec())
        .unwrap_or_default()
    };
    let pairs = || tags.iter().map(|t| (Some(t.key()), Some(t.value())));
    let name = p.policy_name().unwrap_or_default();
    Row::default()
        .with("name", Cell::Text(name.to_owned()))
        .with("policy_id", Cell::text(p.policy_id()))
        .with("path", Cell::text(p.path()))
        .with("description", Cell::text(p.description()))
        .with("arn", Cell::Text(arn.to_owned()))
        .with("is_aws_managed", Cell::Bool(aws_managed))
        .with("is_attachable", Cell::Bool(p.is_attachable()))
        .with("create_date", time(p.create_date()))
        .with("update_date", time(p.update_date()))
        .with("attachment_count", Cell::int(p.attachment_count()))
        .with(
            "is_attached",
            Cell::Bool(p.attachment_count().unwrap_or(0) > 0),
        )
        .with("default_version_id", Cell::text(p.default_version_id()))
        .with(
            "permissions_boundary_usage_count",
            Cell::int(p.permissions_boundary_usage_count()),
        )
        .with("policy", policy)
        .with("policy_std", canonical)
        .with("tags_src", tags_src(pairs()))
        .with("tags", tags_of(pairs()))
        .with("title", Cell::Text(name.to_owned()))
        .with("akas", Cell::json(json!([arn])))
        .with("partition", partition.clone())
}
