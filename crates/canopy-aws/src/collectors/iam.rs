//! IAM (a global service, asked once per account in the partition's home region): the account
//! (aliases, and its organization as synced), roles with their trust policies decoded to JSON.

use std::collections::HashMap;

use canopy_model::inventory::{Batch, Cell};
use canopy_model::table::Column;
use serde_json::{Value, json};

use super::{Unit, tags_of, tags_src, time};
use crate::document::policy_json;
use crate::error::AwsError;

/// What is read of one row of `aws_iam_role`: its listing, its authorization details (none for
/// a role made since they were read) and its trust policy decoded.
struct Role {
    r: aws_sdk_iam::types::Role,
    extra: Option<aws_sdk_iam::types::RoleDetail>,
    trust: Cell,
    trust_std: Cell,
}

impl Role {
    /// Tags, last use and boundary: the details' (ListRoles leaves them out), else the listing's.
    fn tags(&self) -> &[aws_sdk_iam::types::Tag] {
        match &self.extra {
            Some(d) if !d.tags().is_empty() => d.tags(),
            _ => self.r.tags(),
        }
    }

    fn boundary(&self) -> Option<&aws_sdk_iam::types::AttachedPermissionsBoundary> {
        self.extra
            .as_ref()
            .and_then(|d| d.permissions_boundary())
            .or(self.r.permissions_boundary())
    }

    fn last_used(&self) -> Option<&aws_sdk_iam::types::RoleLastUsed> {
        self.extra
            .as_ref()
            .and_then(|d| d.role_last_used())
            .or(self.r.role_last_used())
    }
}

table! {
    ROLES: Role = Global "aws_iam_role" ["iam:ListRoles", "iam:GetAccountAuthorizationDetails"],
        "IAM roles, with their trust policy (assume_role_policy) as JSON, inline and attached policies, instance profiles, tags and last use";
    C::text("name", "The name", |x, _| Cell::Text(x.r.role_name().to_owned())).required(),
    C::text("arn", "The ARN", |x, _| Cell::Text(x.r.arn().to_owned())).required(),
    C::text("role_id", "Role ID", |x, _| Cell::Text(x.r.role_id().to_owned())),
    C::time("create_date", "Create date", |x, _| time(Some(x.r.create_date()))),
    C::text("description", "Description", |x, _| Cell::text(x.r.description())),
    C::text("path", "Path", |x, _| Cell::Text(x.r.path().to_owned())),
    C::int("max_session_duration", "Max session duration", |x, _| Cell::int(x.r.max_session_duration())),
    C::common(BOUNDARY_ARN, |x, _| boundary_arn(x.boundary())),
    C::common(BOUNDARY_TYPE, |x, _| boundary_type(x.boundary())),
    C::time("role_last_used_date", "Role last used date", |x, _| time(x.last_used().and_then(|u| u.last_used_date()))),
    C::text("role_last_used_region", "Role last used region", |x, _| Cell::text(x.last_used().and_then(|u| u.region()))),
    C::json("assume_role_policy", "The trust policy, decoded to JSON", |x, _| x.trust.clone()),
    C::json("assume_role_policy_std", "The trust policy in Steampipe's canonical form (lists sorted, actions and condition keys lower-cased)", |x, _| x.trust_std.clone()),
    C::text("assume_role_policy_document", "The trust policy as text (decoded)", |x, _| match &x.trust { Cell::Json(doc) => Cell::Text(doc.as_str().to_owned()), other => other.clone() }),
    C::json("instance_profile_arns", "The instance profiles that hold the role, as a JSON array of ARNs", |x, _| x.extra.as_ref().map_or(Cell::Null, |d| Cell::json(json!(d.instance_profile_list().iter().map(|p| p.arn()).collect::<Vec<_>>())))),
    // the policy columns come from the details; without them (a role made since) null
    C::common(INLINE_POLICIES, |x, _| x.extra.as_ref().map_or(Cell::Null, |d| inline_policies(d.role_policy_list(), false))),
    C::common(INLINE_POLICIES_STD, |x, _| x.extra.as_ref().map_or(Cell::Null, |d| inline_policies(d.role_policy_list(), true))),
    C::json("attached_policy_arns", "Managed policies attached to the role, as a JSON array of ARNs", |x, _| x.extra.as_ref().map_or(Cell::Null, |d| attached_arns(d.attached_managed_policies()))),
    C::common(Column::TAGS_SRC, |x, _| tags_src(x.tags())),
    C::common(Column::TAGS, |x, _| tags_of(x.tags())),
    C::common(Column::TITLE, |x, _| Cell::Text(x.r.role_name().to_owned())),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.r.arn()]))),
}

/// What is read of one row of `aws_iam_account_password_policy`.
struct Policy {
    p: aws_sdk_iam::types::PasswordPolicy,
}

table! {
    PASSWORD_POLICY: Policy = Global "aws_iam_account_password_policy"
        ["iam:GetAccountPasswordPolicy"],
        "Each account's IAM password policy (no row when the account has none)";
    C::bool("allow_users_to_change_password", "Whether users may change their own password", |x, _| Cell::Bool(x.p.allow_users_to_change_password())),
    C::bool("expire_passwords", "Whether passwords expire", |x, _| Cell::Bool(x.p.expire_passwords())),
    C::bool("hard_expiry", "Whether an expired password can only be reset by an administrator", |x, _| Cell::bool(x.p.hard_expiry())),
    C::int("max_password_age", "Days a password is valid", |x, _| Cell::int(x.p.max_password_age())),
    C::int("minimum_password_length", "Minimum length", |x, _| Cell::int(x.p.minimum_password_length())),
    C::int("password_reuse_prevention", "How many previous passwords cannot be reused", |x, _| Cell::int(x.p.password_reuse_prevention())),
    C::bool("require_lowercase_characters", "Whether a lower-case letter is required", |x, _| Cell::Bool(x.p.require_lowercase_characters())),
    C::bool("require_numbers", "Whether a digit is required", |x, _| Cell::Bool(x.p.require_numbers())),
    C::bool("require_symbols", "Whether a symbol is required", |x, _| Cell::Bool(x.p.require_symbols())),
    C::bool("require_uppercase_characters", "Whether an upper-case letter is required", |x, _| Cell::Bool(x.p.require_uppercase_characters())),
}

/// What GetAccountSummary answers: its counts by key.
struct Summary(HashMap<String, i32>);

impl Summary {
    fn count(&self, key: &str) -> Cell {
        Cell::int(self.0.get(key).copied())
    }

    /// A 0/1 count read as a flag (root MFA, root password).
    fn flag(&self, key: &str) -> Cell {
        self.0.get(key).map_or(Cell::Null, |v| Cell::Bool(*v != 0))
    }
}

table! {
    ACCOUNT_SUMMARY: Summary = Global "aws_iam_account_summary" ["iam:GetAccountSummary"],
        "Each account's IAM entity counts and quotas (GetAccountSummary), with root MFA and root keys";
    C::int("access_keys_per_user_quota", "Access keys a user may have", |x, _| x.count("AccessKeysPerUserQuota")),
    C::int("account_access_keys_present", "1 when the root user has access keys", |x, _| x.count("AccountAccessKeysPresent")),
    C::bool("account_mfa_enabled", "Whether the root user has MFA", |x, _| x.flag("AccountMFAEnabled")),
    C::bool("account_password_present", "Whether the root user has a password", |x, _| x.flag("AccountPasswordPresent")),
    C::int("account_signing_certificates_present", "1 when the root user has signing certificates", |x, _| x.count("AccountSigningCertificatesPresent")),
    C::int("assume_role_policy_size_quota", "Trust policy size quota", |x, _| x.count("AssumeRolePolicySizeQuota")),
    C::int("attached_policies_per_group_quota", "Policies per group", |x, _| x.count("AttachedPoliciesPerGroupQuota")),
    C::int("attached_policies_per_role_quota", "Policies per role", |x, _| x.count("AttachedPoliciesPerRoleQuota")),
    C::int("attached_policies_per_user_quota", "Policies per user", |x, _| x.count("AttachedPoliciesPerUserQuota")),
    C::int("global_endpoint_token_version", "The STS global endpoint's token version", |x, _| x.count("GlobalEndpointTokenVersion")),
    C::int("group_policy_size_quota", "Group inline policy size quota", |x, _| x.count("GroupPolicySizeQuota")),
    C::int("groups", "Groups", |x, _| x.count("Groups")),
    C::int("groups_per_user_quota", "Groups a user may be in", |x, _| x.count("GroupsPerUserQuota")),
    C::int("groups_quota", "Groups quota", |x, _| x.count("GroupsQuota")),
    C::int("instance_profiles", "Instance profiles", |x, _| x.count("InstanceProfiles")),
    C::int("instance_profiles_quota", "Instance profiles quota", |x, _| x.count("InstanceProfilesQuota")),
    C::int("mfa_devices", "MFA devices", |x, _| x.count("MFADevices")),
    C::int("mfa_devices_in_use", "MFA devices in use", |x, _| x.count("MFADevicesInUse")),
    C::int("policies", "Customer managed policies", |x, _| x.count("Policies")),
    C::int("policies_quota", "Customer managed policies quota", |x, _| x.count("PoliciesQuota")),
    C::int("policy_size_quota", "Managed policy size quota", |x, _| x.count("PolicySizeQuota")),
    C::int("policy_versions_in_use", "Policy versions in use", |x, _| x.count("PolicyVersionsInUse")),
    C::int("policy_versions_in_use_quota", "Policy versions quota", |x, _| x.count("PolicyVersionsInUseQuota")),
    C::int("providers", "Identity providers", |x, _| x.count("Providers")),
    C::int("role_policy_size_quota", "Role inline policy size quota", |x, _| x.count("RolePolicySizeQuota")),
    C::int("roles", "Roles", |x, _| x.count("Roles")),
    C::int("roles_quota", "Roles quota", |x, _| x.count("RolesQuota")),
    C::int("server_certificates", "Server certificates", |x, _| x.count("ServerCertificates")),
    C::int("server_certificates_quota", "Server certificates quota", |x, _| x.count("ServerCertificatesQuota")),
    C::int("signing_certificates_per_user_quota", "Signing certificates a user may have", |x, _| x.count("SigningCertificatesPerUserQuota")),
    C::int("user_policy_size_quota", "User inline policy size quota", |x, _| x.count("UserPolicySizeQuota")),
    C::int("users", "Users", |x, _| x.count("Users")),
    C::int("users_quota", "Users quota", |x, _| x.count("UsersQuota")),
    C::int("versions_per_policy_quota", "Versions a policy may have", |x, _| x.count("VersionsPerPolicyQuota")),
}

pub(super) async fn password_policy(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let session = unit.session;
    let client = session.client(
        canopy_model::inventory::home_region(&session.partition),
        aws_sdk_iam::Client::new,
    );
    let policy = match unit
        .call("iam:GetAccountPasswordPolicy", || {
            client.get_account_password_policy().send()
        })
        .await
    {
        Ok(out) => out.password_policy().cloned(),
        // no policy set: no row (AWS's defaults apply)
        Err(e) if e.code == "NoSuchEntity" => None,
        Err(e) => return Err(e),
    };
    let rows = policy
        .map(|p| PASSWORD_POLICY.row(&Policy { p }, unit.cx()))
        .into_iter()
        .collect();
    Ok(vec![PASSWORD_POLICY.batch(rows)])
}

pub(super) async fn account_summary(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let session = unit.session;
    let client = session.client(
        canopy_model::inventory::home_region(&session.partition),
        aws_sdk_iam::Client::new,
    );
    let out = unit
        .call("iam:GetAccountSummary", || {
            client.get_account_summary().send()
        })
        .await?;
    let summary = Summary(
        out.summary_map()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.as_str().to_owned(), *v))
            .collect(),
    );
    let row = ACCOUNT_SUMMARY.row(&summary, unit.cx());
    Ok(vec![ACCOUNT_SUMMARY.batch(vec![row])])
}

/// Inline policies, as roles, users and groups carry them.
pub(super) const INLINE_POLICIES: Column = Column::json(
    "inline_policies",
    "Inline policies: [{\"PolicyName\", \"PolicyDocument\"}], documents decoded",
);
pub(super) const INLINE_POLICIES_STD: Column = Column::json(
    "inline_policies_std",
    "Inline policies with their documents in Steampipe's canonical form",
);

/// The permissions boundary columns of roles and users: its ARN and its type.
pub(super) const BOUNDARY_ARN: Column =
    Column::text("permissions_boundary_arn", "Permissions boundary ARN");
pub(super) const BOUNDARY_TYPE: Column =
    Column::text("permissions_boundary_type", "Permissions boundary type");

pub(super) fn boundary_arn(
    boundary: Option<&aws_sdk_iam::types::AttachedPermissionsBoundary>,
) -> Cell {
    Cell::text(boundary.and_then(|b| b.permissions_boundary_arn()))
}

pub(super) fn boundary_type(
    boundary: Option<&aws_sdk_iam::types::AttachedPermissionsBoundary>,
) -> Cell {
    Cell::text(
        boundary
            .and_then(|b| b.permissions_boundary_type())
            .map(|t| t.as_str()),
    )
}

/// Attached managed policies, as a JSON array of their ARNs.
pub(super) fn attached_arns(attached: &[aws_sdk_iam::types::AttachedPolicy]) -> Cell {
    Cell::json(json!(
        attached
            .iter()
            .filter_map(|p| p.policy_arn())
            .collect::<Vec<_>>()
    ))
}

/// What is read of `aws_account`: the aliases, the account's ARN and id, its organization.
struct Account {
    aliases: Vec<String>,
    arn: String,
    account: String,
    org: Option<canopy_model::Membership>,
}

impl Account {
    fn org(&self, f: fn(&canopy_model::Membership) -> Option<&str>) -> Cell {
        Cell::text(self.org.as_ref().and_then(f))
    }
}

table! {
    ACCOUNT: Account = Global "aws_account" ["iam:ListAccountAliases"],
        "Each account: its aliases and its organization (as synced: organization_* come from the organization's snapshot, not from a call per account)";
    C::json("account_aliases", "The account's aliases (IAM), as a JSON array", |x, _| Cell::json(json!(x.aliases))),
    C::text("arn", "The account's ARN: arn:<partition>:::<account id>", |x, _| Cell::Text(x.arn.clone())).required(),
    C::text("organization_id", "The organization (o-...)", |x, _| x.org(|m| Some(&m.organization_id))),
    C::text("organization_arn", "The organization's ARN", |x, _| x.org(|m| Some(&m.organization_arn))),
    C::text("organization_feature_set", "ALL, or CONSOLIDATED_BILLING when only consolidated billing is enabled", |x, _| x.org(|m| Some(&m.feature_set))),
    C::text("organization_master_account_arn", "The ARN of the organization's management account", |x, _| x.org(|m| Some(&m.management_account_arn))),
    C::text("organization_master_account_email", "The email of the organization's management account", |x, _| x.org(|m| m.management_account_email.as_deref())),
    C::text("organization_master_account_id", "The organization's management account", |x, _| x.org(|m| Some(&m.management_account_id))),
    C::json("organization_available_policy_types", "Policy types enabled on the root, as [{\"Type\", \"Status\"}]", |x, _| x.org.as_ref().map_or(Cell::Null, |m| Cell::json(Value::Array(m.enabled_policy_types.iter().map(|t| json!({"Type": t, "Status": "ENABLED"})).collect())))),
    C::common(Column::TITLE, |x, _| Cell::Text(x.aliases.first().cloned().unwrap_or_else(|| x.account.clone()))),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
}

/// `aws_account`: the aliases from IAM, the organization from the synced snapshot.
pub(super) async fn account(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let session = unit.session;
    let home = canopy_model::inventory::home_region(&session.partition);
    let client = session.client(home, aws_sdk_iam::Client::new);
    let aliases = unit
        .list(
            "iam:ListAccountAliases",
            |marker| {
                client
                    .list_account_aliases()
                    .max_items(1000)
                    .set_marker(marker)
                    .send()
            },
            |out| out.marker().filter(|_| out.is_truncated()),
            |out| out.account_aliases,
        )
        .await?;
    let account = session.account.to_string();
    let arn = format!("arn:{}:::{account}", session.partition);
    let item = Account {
        aliases,
        arn,
        account,
        org: unit.membership.cloned(),
    };
    let row = ACCOUNT.row(&item, unit.cx());
    Ok(vec![ACCOUNT.batch(vec![row])])
}

/// A policy document as IAM returns it (URL-encoded by real IAM, plain by some emulators) -> its
/// cell and its canonical form's: the document as JSON, or the decoded text when it is not JSON
/// (with no canonical form; nor is there one when it is not a policy document).
pub(super) fn policy_and_std(text: &str) -> (Cell, Cell) {
    match policy_json(text) {
        Ok(v) => super::document_cells(v),
        Err(decoded) => (Cell::Text(decoded), Cell::Null),
    }
}

/// Every role's details, by role id: one paged call for the account, instead of five calls
/// per role (GetRole, ListRolePolicies + GetRolePolicy each, ListAttachedRolePolicies,
/// ListInstanceProfilesForRole). AWS's ListRoles leaves out tags, last use and the
/// permissions boundary; the details have them.
async fn role_details(
    unit: &Unit<'_>,
    client: &aws_sdk_iam::Client,
) -> Result<std::collections::HashMap<String, aws_sdk_iam::types::RoleDetail>, AwsError> {
    let mut details = std::collections::HashMap::new();
    unit.paginate(
        "iam:GetAccountAuthorizationDetails",
        |marker| {
            client
                .get_account_authorization_details()
                .filter(aws_sdk_iam::types::EntityType::Role)
                .max_items(1000)
                .set_marker(marker)
                .send()
        },
        |out| out.marker().filter(|_| out.is_truncated()),
        |out| {
            for d in out.role_detail_list() {
                if let Some(id) = d.role_id() {
                    details.insert(id.to_owned(), d.clone());
                }
            }
        },
    )
    .await?;
    Ok(details)
}

/// Inline policies as Steampipe shows them: names with decoded documents, as written or in
/// canonical form.
pub(super) fn inline_policies(
    policies: &[aws_sdk_iam::types::PolicyDetail],
    canonical: bool,
) -> Cell {
    Cell::json(Value::Array(
        policies
            .iter()
            .map(|p| {
                let document = match p.policy_document().map(policy_json) {
                    Some(Ok(doc)) if canonical => {
                        canopy_model::policy_std::canonical(&doc).unwrap_or(doc)
                    }
                    Some(Ok(doc)) => doc,
                    Some(Err(text)) => Value::String(text),
                    None => Value::Null,
                };
                json!({"PolicyName": p.policy_name(), "PolicyDocument": document})
            })
            .collect(),
    ))
}

pub(super) async fn roles(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let session = unit.session;
    let home = canopy_model::inventory::home_region(&session.partition);
    let client = session.client(home, aws_sdk_iam::Client::new);
    let listed = unit
        .list(
            "iam:ListRoles",
            |marker| {
                client
                    .list_roles()
                    .max_items(1000)
                    .set_marker(marker)
                    .send()
            },
            |out| out.marker().filter(|_| out.is_truncated()),
            |out| out.roles,
        )
        .await?;
    let mut details = if listed.is_empty() {
        std::collections::HashMap::new()
    } else {
        role_details(&unit, &client).await?
    };
    let cx = unit.cx();
    let rows = listed
        .into_iter()
        .map(|r| {
            let extra = details.remove(r.role_id());
            let document = r
                .assume_role_policy_document()
                .or(extra.as_ref().and_then(|d| d.assume_role_policy_document()));
            let (trust, trust_std) = document.map_or((Cell::Null, Cell::Null), policy_and_std);
            ROLES.row(
                &Role {
                    r,
                    extra,
                    trust,
                    trust_std,
                },
                cx,
            )
        })
        .collect();
    Ok(vec![ROLES.batch(rows)])
}

collectors! {
    account: ACCOUNT;
    roles: ROLES;
    password_policy: PASSWORD_POLICY;
    account_summary: ACCOUNT_SUMMARY;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trust_policies_are_decoded_whether_encoded_or_not() {
        let plain = r#"{"Version":"2012-10-17","Statement":[]}"#;
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        let want = Cell::json(json!({"Version": "2012-10-17", "Statement": []}));
        assert_eq!(policy_and_std(plain).0, want);
        assert_eq!(policy_and_std(encoded).0, want);
        assert_eq!(
            policy_and_std("not%20json"),
            (Cell::Text("not json".to_owned()), Cell::Null)
        );
    }
}
