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
use canopy_model::table::Column;
use serde_json::{Value, json};

use super::iam::{
    BOUNDARY_ARN, BOUNDARY_TYPE, INLINE_POLICIES, INLINE_POLICIES_STD, attached_arns, boundary_arn,
    boundary_type, inline_policies, policy_and_std,
};
use super::{Unit, tags_of, tags_src, time, time_text};
use crate::error::AwsError;

/// What is read of one row of `aws_iam_user`: its details and what its own calls found.
struct User {
    u: UserDetail,
    password_last_used: Cell,
    mfa_enabled: Cell,
    mfa_devices: Cell,
    login_profile: Cell,
    member_of: Vec<Value>,
}

impl User {
    fn name(&self) -> &str {
        self.u.user_name().unwrap_or_default()
    }
}

table! {
    USERS: User = Global "aws_iam_user"
        ["iam:GetAccountAuthorizationDetails", "iam:ListUsers", "iam:ListPolicies", "iam:ListMFADevices", "iam:GetLoginProfile", "iam:ListPolicyTags"],
        "IAM users, with their groups, inline and attached policies, MFA devices and login profile";
    C::text("name", "The user's name", |x, _| Cell::Text(x.name().to_owned())).required(),
    C::text("user_id", "The user's id", |x, _| Cell::text(x.u.user_id())),
    C::text("path", "The path", |x, _| Cell::text(x.u.path())),
    C::text("arn", "The ARN", |x, _| Cell::Text(x.u.arn().unwrap_or_default().to_owned())).required(),
    C::time("create_date", "When the user was created", |x, _| time(x.u.create_date())),
    C::time("password_last_used", "When the user's password was last used to sign in", |x, _| x.password_last_used.clone()),
    C::common(BOUNDARY_ARN, |x, _| boundary_arn(x.u.permissions_boundary())),
    C::common(BOUNDARY_TYPE, |x, _| boundary_type(x.u.permissions_boundary())),
    C::bool("mfa_enabled", "Whether the user has an MFA device", |x, _| x.mfa_enabled.clone()),
    C::json("login_profile", "The console login profile: {\"CreateDate\", \"PasswordResetRequired\", \"UserName\"}; null without one", |x, _| x.login_profile.clone()),
    C::json("mfa_devices", "MFA devices: [{\"SerialNumber\", \"EnableDate\", \"UserName\"}]", |x, _| x.mfa_devices.clone()),
    C::json("groups", "The user's groups: [{\"GroupName\", \"GroupId\", \"Arn\", \"Path\", \"CreateDate\"}]", |x, _| Cell::json(Value::Array(x.member_of.clone()))),
    C::common(INLINE_POLICIES, |x, _| inline_policies(x.u.user_policy_list(), false)),
    C::common(INLINE_POLICIES_STD, |x, _| inline_policies(x.u.user_policy_list(), true)),
    C::json("attached_policy_arns", "Managed policies attached to the user, as a JSON array of ARNs", |x, _| attached_arns(x.u.attached_managed_policies())),
    C::common(Column::TAGS_SRC, |x, _| tags_src(x.u.tags().iter())),
    C::common(Column::TAGS, |x, _| tags_of(x.u.tags().iter())),
    C::common(Column::TITLE, |x, _| Cell::Text(x.name().to_owned())),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.u.arn().unwrap_or_default()]))),
}

/// What is read of one row of `aws_iam_group`: its details and its members.
struct Group {
    g: GroupDetail,
    members: Vec<Value>,
}

impl Group {
    fn name(&self) -> &str {
        self.g.group_name().unwrap_or_default()
    }
}

table! {
    GROUPS: Group = Global "aws_iam_group" ["iam:GetAccountAuthorizationDetails"],
        "IAM groups, with their members and inline and attached policies";
    C::text("name", "The group's name", |x, _| Cell::Text(x.name().to_owned())).required(),
    C::text("group_id", "The group's id", |x, _| Cell::text(x.g.group_id())),
    C::text("path", "The path", |x, _| Cell::text(x.g.path())),
    C::text("arn", "The ARN", |x, _| Cell::Text(x.g.arn().unwrap_or_default().to_owned())).required(),
    C::time("create_date", "When the group was created", |x, _| time(x.g.create_date())),
    C::common(INLINE_POLICIES, |x, _| inline_policies(x.g.group_policy_list(), false)),
    C::common(INLINE_POLICIES_STD, |x, _| inline_policies(x.g.group_policy_list(), true)),
    C::json("attached_policy_arns", "Managed policies attached to the group, as a JSON array of ARNs", |x, _| attached_arns(x.g.attached_managed_policies())),
    C::json("users", "The group's members: [{\"UserName\", \"UserId\", \"Arn\", \"Path\", \"CreateDate\"}]", |x, _| Cell::json(Value::Array(x.members.clone()))),
    C::common(Column::TITLE, |x, _| Cell::Text(x.name().to_owned())),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.g.arn().unwrap_or_default()]))),
}

/// What is read of one row of `aws_iam_policy`.
struct Policy {
    p: aws_sdk_iam::types::Policy,
    arn: String,
    aws_managed: bool,
    policy: Cell,
    canonical: Cell,
    tags: Vec<aws_sdk_iam::types::Tag>,
    name: String,
}

table! {
    POLICIES: Policy = Global "aws_iam_policy"
        ["iam:GetAccountAuthorizationDetails", "iam:ListPolicies"],
        "IAM managed policies (customer and AWS managed), with their default version's document";
    C::text("name", "The policy's name", |x, _| Cell::Text(x.name.to_owned())).required(),
    C::text("policy_id", "The policy's id", |x, _| Cell::text(x.p.policy_id())),
    C::text("path", "The path", |x, _| Cell::text(x.p.path())),
    C::text("description", "The description", |x, _| Cell::text(x.p.description())),
    C::text("arn", "The ARN", |x, _| Cell::Text(x.arn.to_owned())).required(),
    C::bool("is_aws_managed", "Whether AWS manages it", |x, _| Cell::Bool(x.aws_managed)),
    C::bool("is_attachable", "Whether it can be attached", |x, _| Cell::Bool(x.p.is_attachable())),
    C::time("create_date", "When it was created", |x, _| time(x.p.create_date())),
    C::time("update_date", "When it was last updated", |x, _| time(x.p.update_date())),
    C::int("attachment_count", "How many users, groups and roles it is attached to", |x, _| Cell::int(x.p.attachment_count())),
    C::bool("is_attached", "Whether it is attached to anything", |x, _| Cell::Bool(x.p.attachment_count().unwrap_or(0) > 0)),
    C::text("default_version_id", "The default version", |x, _| Cell::text(x.p.default_version_id())),
    C::int("permissions_boundary_usage_count", "How many users and roles use it as a permissions boundary", |x, _| Cell::int(x.p.permissions_boundary_usage_count())),
    C::json("policy", "The default version's document, decoded (null for an AWS managed policy attached to nothing in the account)", |x, _| x.policy.clone()),
    C::json("policy_std", "The document in Steampipe's canonical form (lists sorted, actions and condition keys lower-cased)", |x, _| x.canonical.clone()),
    C::common(Column::TAGS_SRC, |x, _| tags_src(x.tags.iter())),
    C::common(Column::TAGS, |x, _| tags_of(x.tags.iter())),
    C::common(Column::TITLE, |x, _| Cell::Text(x.name.to_owned())),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
}

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
        user_row(unit, &client, u, password, &group_by_name)
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
            let group = Group {
                g: g.clone(),
                members,
            };
            GROUPS.row(&group, unit.cx())
        })
        .collect();

    // policies: every one listed; documents from the details
    let listed = unit
        .list(
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
            |out| out.policies.unwrap_or_default(),
        )
        .await?;
    let policies: Vec<Row> =
        super::for_each_listed(listed, |p| policy_row(unit, &client, p, &details.policies)).await;
    Ok(vec![
        USERS.batch(users),
        GROUPS.batch(groups),
        POLICIES.batch(policies),
    ])
}

async fn user_row(
    unit: Unit<'_>,
    client: &Client,
    u: UserDetail,
    password_last_used: Cell,
    groups: &BTreeMap<&str, &GroupDetail>,
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
    let user = User {
        u,
        password_last_used,
        mfa_enabled,
        mfa_devices,
        login_profile,
        member_of,
    };
    USERS.row(&user, unit.cx())
}

async fn policy_row(
    unit: Unit<'_>,
    client: &Client,
    p: aws_sdk_iam::types::Policy,
    details: &HashMap<String, ManagedPolicyDetail>,
) -> Row {
    let arn = p.arn().unwrap_or_default().to_owned();
    // AWS managed policies live under the `aws` account of the ARN
    let aws_managed = arn.split(':').nth(4) == Some("aws");
    let document = details.get(&arn).and_then(|d| {
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
        unit.detail(home, "iam:ListPolicyTags", &arn, &["NoSuchEntity"], || {
            client
                .list_policy_tags()
                .policy_arn(&arn)
                .max_items(1000)
                .send()
        })
        .await
        .found()
        .map(|out| out.tags().to_vec())
        .unwrap_or_default()
    };
    let name = p.policy_name().unwrap_or_default().to_owned();
    POLICIES.row(
        &Policy {
            p,
            arn,
            aws_managed,
            policy,
            canonical,
            tags,
            name,
        },
        unit.cx(),
    )
}

collectors! {
    users_groups_policies: USERS, GROUPS, POLICIES;
}
