//! The Identity Center tables: each column declared once, with how it is read from what one
//! instance answers.

use aws_sdk_identitystore::types::{Address, Email, ExternalId, PhoneNumber};
use canopy_model::inventory::Cell;
use canopy_model::table::{Column, TableDef};
use serde_json::{Value, json};

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

table! {
    pub(super) INSTANCE: In<aws_sdk_ssoadmin::types::InstanceMetadata> = Regional "aws_ssoadmin_instance"
        ["sso:ListInstances"],
        "The IAM Identity Center instance of each synced organization", filled by FILLED_BY;
    C::text("arn", "The instance's ARN", |x, _| Cell::Text(x.instance.clone())).required(),
    C::text("identity_store_id", "The identity store connected to the instance", |x, _| Cell::Text(x.store.clone())),
    C::text("name", "The instance's name", |x, _| Cell::text(x.it.name())),
    C::time("created_date", "When the instance was created", |x, _| time(x.it.created_date())),
    C::text("owner_account_id", "The account that owns the instance", |x, _| Cell::text(x.it.owner_account_id())),
    C::text("status", "The instance's status", |x, _| Cell::variant(x.it.status())),
    C::common(Column::TITLE, |x, _| Cell::Text(x.instance.clone())),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.instance]))),
}

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

table! {
    pub(super) PERMISSION_SET: In<SetParts> = Regional "aws_ssoadmin_permission_set"
        ["sso:ListPermissionSets", "sso:DescribePermissionSet", "sso:GetInlinePolicyForPermissionSet", "sso:ListTagsForResource"],
        "Identity Center permission sets, with their inline policy and tags", filled by FILLED_BY;
    C::text("name", "The permission set's name", |x, _| Cell::text(x.it.set.as_ref().and_then(|s| s.name()))),
    C::text("arn", "The permission set's ARN", |x, _| Cell::Text(x.it.arn.clone())).required(),
    C::time("created_date", "When the permission set was created", |x, _| time(x.it.set.as_ref().and_then(|s| s.created_date()))),
    C::text("description", "The permission set's description", |x, _| Cell::text(x.it.set.as_ref().and_then(|s| s.description()))),
    C::text("instance_arn", "The Identity Center instance", |x, _| Cell::Text(x.instance.clone())),
    C::text("relay_state", "Where users are sent after signing in", |x, _| Cell::text(x.it.set.as_ref().and_then(|s| s.relay_state()))),
    C::text("session_duration", "How long sessions last, in ISO-8601 (PT1H)", |x, _| Cell::text(x.it.set.as_ref().and_then(|s| s.session_duration()))),
    C::common(Column::TAGS_SRC, |x, _| tags_src(x.it.pairs())),
    C::json("inline_policy", "The inline policy, as JSON", |x, _| x.it.policy.clone()),
    C::json("inline_policy_std", "The inline policy in Steampipe's canonical form", |x, _| x.it.policy_std.clone()),
    C::common(Column::TAGS, |x, _| tags_of(x.it.pairs())),
    C::common(Column::TITLE, |x, _| Cell::text(x.it.set.as_ref().and_then(|s| s.name()))),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.it.arn]))),
}

table! {
    pub(super) MANAGED_POLICY: In<(String, aws_sdk_ssoadmin::types::AttachedManagedPolicy)> = Regional "aws_ssoadmin_managed_policy_attachment"
        ["sso:ListManagedPoliciesInPermissionSet"],
        "AWS-managed policies attached to permission sets", filled by FILLED_BY;
    C::text("permission_set_arn", "The permission set", |x, _| Cell::Text(x.it.0.clone())).required(),
    C::text("name", "The policy's name", |x, _| Cell::text(x.it.1.name())),
    C::text("instance_arn", "The Identity Center instance", |x, _| Cell::Text(x.instance.clone())),
    C::text("managed_policy_arn", "The policy's ARN", |x, _| Cell::text(x.it.1.arn())).required(),
    C::common(Column::TITLE, |x, _| Cell::text(x.it.1.name())),
}

table! {
    pub(super) CUSTOMER_POLICY: In<(String, aws_sdk_ssoadmin::types::CustomerManagedPolicyReference)> = Regional "aws_ssoadmin_customer_policy_attachment"
        ["sso:ListCustomerManagedPolicyReferencesInPermissionSet"],
        "Customer-managed policies (by name and path, in each target account) referenced by permission sets", filled by FILLED_BY;
    C::text("permission_set_arn", "The permission set", |x, _| Cell::Text(x.it.0.clone())).required(),
    C::text("name", "The policy's name", |x, _| Cell::Text(x.it.1.name().to_owned())).required(),
    C::text("instance_arn", "The Identity Center instance", |x, _| Cell::Text(x.instance.clone())),
    C::text("path", "The policy's path (`/` when none was given)", |x, _| Cell::Text(x.it.1.path().unwrap_or("/").to_owned())),
    C::common(Column::TITLE, |x, _| Cell::Text(x.it.1.name().to_owned())),
}

table! {
    pub(super) ASSIGNMENT: In<Grant> = Regional "aws_ssoadmin_account_assignment"
        ["sso:ListAccountAssignments", "sso:ListAccountAssignmentsForPrincipal"],
        "Every account assignment: which user or group holds which permission set on which account", filled by FILLED_BY;
    C::text("target_account_id", "The account the assignment is on", |x, _| Cell::Text(x.it.0.clone())).required(),
    C::text("instance_arn", "The Identity Center instance", |x, _| Cell::Text(x.instance.clone())),
    C::text("permission_set_arn", "The permission set", |x, _| Cell::Text(x.it.1.clone())).required(),
    C::text("principal_type", "USER or GROUP", |x, _| Cell::Text(x.it.2.to_owned())).required(),
    C::text("principal_id", "The user's or group's id", |x, _| Cell::Text(x.it.3.clone())).required(),
}

table! {
    pub(super) PROVISIONED: In<(String, String, bool)> = Regional "canopy_sso_provisioned"
        ["sso:ListAccountsForProvisionedPermissionSet"],
        "Which permission set is provisioned to which account, and whether that copy is out of date (`canopy access drift`)", filled by FILLED_BY;
    C::text("permission_set_arn", "The permission set", |x, _| Cell::Text(x.it.0.clone())).required(),
    C::text("instance_arn", "The Identity Center instance", |x, _| Cell::Text(x.instance.clone())),
    C::text("target_account_id", "The account it is provisioned to", |x, _| Cell::Text(x.it.1.clone())).required(),
    C::bool("outdated", "The permission set changed since it was last provisioned to this account", |x, _| Cell::Bool(x.it.2)).required(),
}

table! {
    pub(super) USER: In<aws_sdk_identitystore::types::User> = Regional "aws_identitystore_user"
        ["identitystore:ListUsers"],
        "Users of the Identity Center instance's identity store", filled by FILLED_BY;
    C::text("identity_store_id", "The identity store", |x, _| Cell::Text(x.store.clone())),
    C::text("name", "The user name (UserName)", |x, _| Cell::text(x.it.user_name())),
    C::text("display_name", "The display name", |x, _| Cell::text(x.it.display_name())),
    C::text("nick_name", "A nickname", |x, _| Cell::text(x.it.nick_name())),
    C::text("locale", "The user's locale", |x, _| Cell::text(x.it.locale())),
    C::text("preferred_language", "The preferred language", |x, _| Cell::text(x.it.preferred_language())),
    C::text("profile_url", "A profile URL", |x, _| Cell::text(x.it.profile_url())),
    C::text("timezone", "The user's time zone", |x, _| Cell::text(x.it.timezone())),
    C::text("user_type", "The kind of user", |x, _| Cell::text(x.it.user_type())),
    C::text("id", "The user's id", |x, _| Cell::Text(x.it.user_id().to_owned())).required(),
    C::json("addresses", "Addresses, as JSON", |x, _| addresses(x.it.addresses())),
    C::json("emails", "Email addresses, as JSON (Value, Type, Primary)", |x, _| emails(x.it.emails())),
    C::json("external_ids", "Ids given by an external identity provider, as JSON", |x, _| crate::collectors::json_cell(external_ids(x.it.external_ids()))),
    C::json("phone_numbers", "Phone numbers, as JSON", |x, _| phones(x.it.phone_numbers())),
    C::common(Column::TITLE, |x, _| Cell::text(x.it.user_name())),
}

table! {
    pub(super) GROUP: In<aws_sdk_identitystore::types::Group> = Regional "aws_identitystore_group"
        ["identitystore:ListGroups"],
        "Groups of the Identity Center instance's identity store", filled by FILLED_BY;
    C::text("identity_store_id", "The identity store", |x, _| Cell::Text(x.store.clone())),
    C::text("name", "The group's display name", |x, _| Cell::text(x.it.display_name())),
    C::text("id", "The group's id", |x, _| Cell::Text(x.it.group_id().to_owned())).required(),
    C::text("description", "The group's description", |x, _| Cell::text(x.it.description())),
    C::text("external_ids", "Ids given by an external identity provider (JSON text, as Steampipe declares it)", |x, _| Cell::text(external_ids(x.it.external_ids()).map(|v| v.to_string()))),
    C::common(Column::TITLE, |x, _| Cell::text(x.it.display_name())),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.it.group_id()]))),
}

table! {
    pub(super) MEMBERSHIP: In<(String, String, aws_sdk_identitystore::types::GroupMembership)> = Regional "aws_identitystore_group_membership"
        ["identitystore:ListGroupMemberships"],
        "Which user is in which group of the identity store", filled by FILLED_BY;
    C::text("membership_id", "The membership's id", |x, _| Cell::text(x.it.2.membership_id())),
    C::text("identity_store_id", "The identity store", |x, _| Cell::Text(x.store.clone())),
    C::text("group_id", "The group", |x, _| Cell::Text(x.it.0.clone())).required(),
    C::text("member_id", "The user", |x, _| Cell::Text(x.it.1.clone())).required(),
    C::common(Column::TITLE, |x, _| Cell::text(x.it.2.membership_id())),
}

/// Every table `access sync` fills, in the order its batches come.
pub(crate) const TABLES: &[&TableDef] = &[
    &INSTANCE.def,
    &PERMISSION_SET.def,
    &MANAGED_POLICY.def,
    &CUSTOMER_POLICY.def,
    &ASSIGNMENT.def,
    &PROVISIONED.def,
    &USER.def,
    &GROUP.def,
    &MEMBERSHIP.def,
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
