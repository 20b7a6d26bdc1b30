//! The Identity Center tables: each column declared once, with how it is read from what one
//! instance answers.

use aws_sdk_identitystore::types::{Address, Email, ExternalId, PhoneNumber};
use canopy_model::inventory::Cell;
use canopy_model::table::{Column, Scope, TableDef};
use serde_json::{Value, json};

use crate::collectors::columns::{self, Col};
use crate::collectors::{tags_of, tags_src, time};
use crate::identity::IdentityCenter;

const FILLED_BY: &str = "access sync";

/// One thing read through an instance, with the instance's ARN and identity store (columns of
/// every Identity Center table).
pub(super) struct In<T> {
    instance: String,
    store: String,
    it: T,
}

/// `it`, as read through `ic`.
pub(super) fn read<T>(ic: &IdentityCenter, it: T) -> In<T> {
    In {
        instance: ic.instance_arn.clone(),
        store: ic.identity_store_id.clone(),
        it,
    }
}

/// A column of `aws_ssoadmin_instance`.
type InstanceC = Col<In<aws_sdk_ssoadmin::types::InstanceMetadata>>;

#[rustfmt::skip]
pub(super) const INSTANCE_COLUMNS: &[InstanceC] = &[
    InstanceC::text("arn", "The instance's ARN", |x, _| Cell::Text(x.instance.clone())).required(),
    InstanceC::text("identity_store_id", "The identity store connected to the instance", |x, _| Cell::Text(x.store.clone())),
    InstanceC::text("name", "The instance's name", |x, _| Cell::text(x.it.name())),
    InstanceC::time("created_date", "When the instance was created", |x, _| time(x.it.created_date())),
    InstanceC::text("owner_account_id", "The account that owns the instance", |x, _| Cell::text(x.it.owner_account_id())),
    InstanceC::text("status", "The instance's status", |x, _| Cell::text(x.it.status().map(|s| s.as_str()))),
    InstanceC::common(Column::TITLE, |x, _| Cell::Text(x.instance.clone())),
    InstanceC::common(Column::AKAS, |x, _| Cell::json(json!([x.instance]))),
    InstanceC::partition(),
];

pub(crate) const INSTANCE: TableDef = TableDef {
    name: "aws_ssoadmin_instance",
    scope: Scope::Regional,
    description: "The IAM Identity Center instance of each synced organization",
    columns: &columns::columns::<
        In<aws_sdk_ssoadmin::types::InstanceMetadata>,
        { INSTANCE_COLUMNS.len() },
    >(INSTANCE_COLUMNS),
    actions: &["sso:ListInstances"],
    filled_by: FILLED_BY,
};

/// What is read of one permission set: its description, inline policy and tags.
pub(super) struct SetParts {
    pub(super) arn: String,
    pub(super) set: Option<aws_sdk_ssoadmin::types::PermissionSet>,
    pub(super) policy: Cell,
    pub(super) policy_std: Cell,
    pub(super) tags: Vec<aws_sdk_ssoadmin::types::Tag>,
}

impl SetParts {
    fn pairs(&self) -> impl Iterator<Item = (Option<&str>, Option<&str>)> {
        self.tags.iter().map(|t| (Some(t.key()), Some(t.value())))
    }
}

/// A column of `aws_ssoadmin_permission_set`.
type SetC = Col<In<SetParts>>;

#[rustfmt::skip]
pub(super) const PERMISSION_SET_COLUMNS: &[SetC] = &[
    SetC::text("name", "The permission set's name", |x, _| Cell::text(x.it.set.as_ref().and_then(|s| s.name()))),
    SetC::text("arn", "The permission set's ARN", |x, _| Cell::Text(x.it.arn.clone())).required(),
    SetC::time("created_date", "When the permission set was created", |x, _| time(x.it.set.as_ref().and_then(|s| s.created_date()))),
    SetC::text("description", "The permission set's description", |x, _| Cell::text(x.it.set.as_ref().and_then(|s| s.description()))),
    SetC::text("instance_arn", "The Identity Center instance", |x, _| Cell::Text(x.instance.clone())),
    SetC::text("relay_state", "Where users are sent after signing in", |x, _| Cell::text(x.it.set.as_ref().and_then(|s| s.relay_state()))),
    SetC::text("session_duration", "How long sessions last, in ISO-8601 (PT1H)", |x, _| Cell::text(x.it.set.as_ref().and_then(|s| s.session_duration()))),
    SetC::common(Column::TAGS_SRC, |x, _| tags_src(x.it.pairs())),
    SetC::json("inline_policy", "The inline policy, as JSON", |x, _| x.it.policy.clone()),
    SetC::json("inline_policy_std", "The inline policy in Steampipe's canonical form", |x, _| x.it.policy_std.clone()),
    SetC::common(Column::TAGS, |x, _| tags_of(x.it.pairs())),
    SetC::common(Column::TITLE, |x, _| Cell::text(x.it.set.as_ref().and_then(|s| s.name()))),
    SetC::common(Column::AKAS, |x, _| Cell::json(json!([x.it.arn]))),
    SetC::partition(),
];

pub(crate) const PERMISSION_SET: TableDef = TableDef {
    name: "aws_ssoadmin_permission_set",
    scope: Scope::Regional,
    description: "Identity Center permission sets, with their inline policy and tags",
    columns: &columns::columns::<In<SetParts>, { PERMISSION_SET_COLUMNS.len() }>(
        PERMISSION_SET_COLUMNS,
    ),
    actions: &[
        "sso:ListPermissionSets",
        "sso:DescribePermissionSet",
        "sso:GetInlinePolicyForPermissionSet",
        "sso:ListTagsForResource",
    ],
    filled_by: FILLED_BY,
};

/// A column of `aws_ssoadmin_managed_policy_attachment`: read from the permission set's ARN and the policy.
type ManagedC = Col<In<(String, aws_sdk_ssoadmin::types::AttachedManagedPolicy)>>;

#[rustfmt::skip]
pub(super) const MANAGED_POLICY_COLUMNS: &[ManagedC] = &[
    ManagedC::text("permission_set_arn", "The permission set", |x, _| Cell::Text(x.it.0.clone())).required(),
    ManagedC::text("name", "The policy's name", |x, _| Cell::text(x.it.1.name())),
    ManagedC::text("instance_arn", "The Identity Center instance", |x, _| Cell::Text(x.instance.clone())),
    ManagedC::text("managed_policy_arn", "The policy's ARN", |x, _| Cell::text(x.it.1.arn())).required(),
    ManagedC::common(Column::TITLE, |x, _| Cell::text(x.it.1.name())),
    ManagedC::partition(),
];

pub(crate) const MANAGED_POLICY: TableDef = TableDef {
    name: "aws_ssoadmin_managed_policy_attachment",
    scope: Scope::Regional,
    description: "AWS-managed policies attached to permission sets",
    columns: &columns::columns::<
        In<(String, aws_sdk_ssoadmin::types::AttachedManagedPolicy)>,
        { MANAGED_POLICY_COLUMNS.len() },
    >(MANAGED_POLICY_COLUMNS),
    actions: &["sso:ListManagedPoliciesInPermissionSet"],
    filled_by: FILLED_BY,
};

/// A column of `aws_ssoadmin_customer_policy_attachment`: read from the permission set's ARN and
/// the reference.
type CustomerC = Col<
    In<(
        String,
        aws_sdk_ssoadmin::types::CustomerManagedPolicyReference,
    )>,
>;

#[rustfmt::skip]
pub(super) const CUSTOMER_POLICY_COLUMNS: &[CustomerC] = &[
    CustomerC::text("permission_set_arn", "The permission set", |x, _| Cell::Text(x.it.0.clone())).required(),
    CustomerC::text("name", "The policy's name", |x, _| Cell::Text(x.it.1.name().to_owned())).required(),
    CustomerC::text("instance_arn", "The Identity Center instance", |x, _| Cell::Text(x.instance.clone())),
    CustomerC::text("path", "The policy's path (`/` when none was given)", |x, _| Cell::Text(x.it.1.path().unwrap_or("/").to_owned())),
    CustomerC::common(Column::TITLE, |x, _| Cell::Text(x.it.1.name().to_owned())),
    CustomerC::partition(),
];

pub(crate) const CUSTOMER_POLICY: TableDef = TableDef {
    name: "aws_ssoadmin_customer_policy_attachment",
    scope: Scope::Regional,
    description: "Customer-managed policies (by name and path, in each target account) referenced by permission sets",
    columns: &columns::columns::<
        In<(
            String,
            aws_sdk_ssoadmin::types::CustomerManagedPolicyReference,
        )>,
        { CUSTOMER_POLICY_COLUMNS.len() },
    >(CUSTOMER_POLICY_COLUMNS),
    actions: &["sso:ListCustomerManagedPolicyReferencesInPermissionSet"],
    filled_by: FILLED_BY,
};

/// A column of `aws_ssoadmin_account_assignment`.
type AssignmentC = Col<In<Grant>>;

#[rustfmt::skip]
pub(super) const ASSIGNMENT_COLUMNS: &[AssignmentC] = &[
    AssignmentC::text("target_account_id", "The account the assignment is on", |x, _| Cell::Text(x.it.0.clone())).required(),
    AssignmentC::text("instance_arn", "The Identity Center instance", |x, _| Cell::Text(x.instance.clone())),
    AssignmentC::text("permission_set_arn", "The permission set", |x, _| Cell::Text(x.it.1.clone())).required(),
    AssignmentC::text("principal_type", "USER or GROUP", |x, _| Cell::Text(x.it.2.to_owned())).required(),
    AssignmentC::text("principal_id", "The user's or group's id", |x, _| Cell::Text(x.it.3.clone())).required(),
    AssignmentC::partition(),
];

pub(crate) const ASSIGNMENT: TableDef = TableDef {
    name: "aws_ssoadmin_account_assignment",
    scope: Scope::Regional,
    description: "Every account assignment: which user or group holds which permission set on which account",
    columns: &columns::columns::<In<Grant>, { ASSIGNMENT_COLUMNS.len() }>(ASSIGNMENT_COLUMNS),
    actions: &[
        "sso:ListAccountAssignments",
        "sso:ListAccountAssignmentsForPrincipal",
    ],
    filled_by: FILLED_BY,
};

/// A column of `canopy_sso_provisioned`: read from (permission set, account, outdated).
type ProvisionedC = Col<In<(String, String, bool)>>;

#[rustfmt::skip]
pub(super) const PROVISIONED_COLUMNS: &[ProvisionedC] = &[
    ProvisionedC::text("permission_set_arn", "The permission set", |x, _| Cell::Text(x.it.0.clone())).required(),
    ProvisionedC::text("instance_arn", "The Identity Center instance", |x, _| Cell::Text(x.instance.clone())),
    ProvisionedC::text("target_account_id", "The account it is provisioned to", |x, _| Cell::Text(x.it.1.clone())).required(),
    ProvisionedC::bool("outdated", "The permission set changed since it was last provisioned to this account", |x, _| Cell::Bool(x.it.2)).required(),
    ProvisionedC::partition(),
];

pub(crate) const PROVISIONED: TableDef = TableDef {
    name: "canopy_sso_provisioned",
    scope: Scope::Regional,
    description: "Which permission set is provisioned to which account, and whether that copy is out of date (`canopy access drift`)",
    columns: &columns::columns::<In<(String, String, bool)>, { PROVISIONED_COLUMNS.len() }>(
        PROVISIONED_COLUMNS,
    ),
    actions: &["sso:ListAccountsForProvisionedPermissionSet"],
    filled_by: FILLED_BY,
};

/// A column of `aws_identitystore_user`.
type UserC = Col<In<aws_sdk_identitystore::types::User>>;

#[rustfmt::skip]
pub(super) const USER_COLUMNS: &[UserC] = &[
    UserC::text("identity_store_id", "The identity store", |x, _| Cell::Text(x.store.clone())),
    UserC::text("name", "The user name (UserName)", |x, _| Cell::text(x.it.user_name())),
    UserC::text("display_name", "The display name", |x, _| Cell::text(x.it.display_name())),
    UserC::text("nick_name", "A nickname", |x, _| Cell::text(x.it.nick_name())),
    UserC::text("locale", "The user's locale", |x, _| Cell::text(x.it.locale())),
    UserC::text("preferred_language", "The preferred language", |x, _| Cell::text(x.it.preferred_language())),
    UserC::text("profile_url", "A profile URL", |x, _| Cell::text(x.it.profile_url())),
    UserC::text("timezone", "The user's time zone", |x, _| Cell::text(x.it.timezone())),
    UserC::text("user_type", "The kind of user", |x, _| Cell::text(x.it.user_type())),
    UserC::text("id", "The user's id", |x, _| Cell::Text(x.it.user_id().to_owned())).required(),
    UserC::json("addresses", "Addresses, as JSON", |x, _| addresses(x.it.addresses())),
    UserC::json("emails", "Email addresses, as JSON (Value, Type, Primary)", |x, _| emails(x.it.emails())),
    UserC::json("external_ids", "Ids given by an external identity provider, as JSON", |x, _| crate::collectors::json_cell(external_ids(x.it.external_ids()))),
    UserC::json("phone_numbers", "Phone numbers, as JSON", |x, _| phones(x.it.phone_numbers())),
    UserC::common(Column::TITLE, |x, _| Cell::text(x.it.user_name())),
    UserC::partition(),
];

pub(crate) const USER: TableDef = TableDef {
    name: "aws_identitystore_user",
    scope: Scope::Regional,
    description: "Users of the Identity Center instance's identity store",
    columns: &columns::columns::<In<aws_sdk_identitystore::types::User>, { USER_COLUMNS.len() }>(
        USER_COLUMNS,
    ),
    actions: &["identitystore:ListUsers"],
    filled_by: FILLED_BY,
};

/// A column of `aws_identitystore_group`.
type GroupC = Col<In<aws_sdk_identitystore::types::Group>>;

#[rustfmt::skip]
pub(super) const GROUP_COLUMNS: &[GroupC] = &[
    GroupC::text("identity_store_id", "The identity store", |x, _| Cell::Text(x.store.clone())),
    GroupC::text("name", "The group's display name", |x, _| Cell::text(x.it.display_name())),
    GroupC::text("id", "The group's id", |x, _| Cell::Text(x.it.group_id().to_owned())).required(),
    GroupC::text("description", "The group's description", |x, _| Cell::text(x.it.description())),
    GroupC::text("external_ids", "Ids given by an external identity provider (JSON text, as Steampipe declares it)", |x, _| Cell::text(external_ids(x.it.external_ids()).map(|v| v.to_string()))),
    GroupC::common(Column::TITLE, |x, _| Cell::text(x.it.display_name())),
    GroupC::common(Column::AKAS, |x, _| Cell::json(json!([x.it.group_id()]))),
    GroupC::partition(),
];

pub(crate) const GROUP: TableDef = TableDef {
    name: "aws_identitystore_group",
    scope: Scope::Regional,
    description: "Groups of the Identity Center instance's identity store",
    columns: &columns::columns::<In<aws_sdk_identitystore::types::Group>, { GROUP_COLUMNS.len() }>(
        GROUP_COLUMNS,
    ),
    actions: &["identitystore:ListGroups"],
    filled_by: FILLED_BY,
};

/// A column of `aws_identitystore_group_membership`: read from (group, user, membership).
type MembershipC = Col<
    In<(
        String,
        String,
        aws_sdk_identitystore::types::GroupMembership,
    )>,
>;

#[rustfmt::skip]
pub(super) const MEMBERSHIP_COLUMNS: &[MembershipC] = &[
    MembershipC::text("membership_id", "The membership's id", |x, _| Cell::text(x.it.2.membership_id())),
    MembershipC::text("identity_store_id", "The identity store", |x, _| Cell::Text(x.store.clone())),
    MembershipC::text("group_id", "The group", |x, _| Cell::Text(x.it.0.clone())).required(),
    MembershipC::text("member_id", "The user", |x, _| Cell::Text(x.it.1.clone())).required(),
    MembershipC::common(Column::TITLE, |x, _| Cell::text(x.it.2.membership_id())),
    MembershipC::partition(),
];

pub(crate) const MEMBERSHIP: TableDef = TableDef {
    name: "aws_identitystore_group_membership",
    scope: Scope::Regional,
    description: "Which user is in which group of the identity store",
    columns: &columns::columns::<
        In<(
            String,
            String,
            aws_sdk_identitystore::types::GroupMembership,
        )>,
        { MEMBERSHIP_COLUMNS.len() },
    >(MEMBERSHIP_COLUMNS),
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

fn emails(list: &[Email]) -> Cell {
    crate::collectors::list_of(
        list,
        |e| json!({"Value": e.value(), "Type": e.r#type(), "Primary": e.primary()}),
    )
}

fn addresses(list: &[Address]) -> Cell {
    crate::collectors::list_of(list, |a| {
        json!({
            "StreetAddress": a.street_address(), "Locality": a.locality(), "Region": a.region(),
            "PostalCode": a.postal_code(), "Country": a.country(), "Formatted": a.formatted(),
            "Type": a.r#type(), "Primary": a.primary(),
        })
    })
}

fn phones(list: &[PhoneNumber]) -> Cell {
    crate::collectors::list_of(
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

/// An assignment: account, permission set, principal type, principal id.
pub(super) type Grant = (String, String, &'static str, String);
