//! IAM (a global service, asked once per account in the partition's home region): the account
//! (aliases, and its organization as synced), roles with their trust policies decoded to JSON.

use canopy_model::inventory::{Batch, Cell, Row};
use canopy_model::table::{Column, Scope, TableDef};
use serde_json::{Value, json};

use super::{Unit, batch, tags_of, tags_src, time};
use crate::error::AwsError;

pub(super) const ROLES: TableDef = TableDef {
    name: "aws_iam_role",
    scope: Scope::Global,
    description: "IAM roles, with their trust policy (assume_role_policy) as JSON, inline and attached policies, instance profiles, tags and last use",
    columns: &[
        Column::text("name", "The name").required(),
        Column::text("arn", "The ARN").required(),
        Column::text("role_id", "Role ID"),
        Column::time("create_date", "Create date"),
        Column::text("description", "Description"),
        Column::text("path", "Path"),
        Column::int("max_session_duration", "Max session duration"),
        Column::text("permissions_boundary_arn", "Permissions boundary ARN"),
        Column::text("permissions_boundary_type", "Permissions boundary type"),
        Column::time("role_last_used_date", "Role last used date"),
        Column::text("role_last_used_region", "Role last used region"),
        Column::json("assume_role_policy", "The trust policy, decoded to JSON"),
        Column::json(
            "assume_role_policy_std",
            "The trust policy in Steampipe's canonical form (lists sorted, actions and condition keys lower-cased)",
        ),
        Column::text(
            "assume_role_policy_document",
            "The trust policy as text (decoded)",
        ),
        Column::json(
            "instance_profile_arns",
            "The instance profiles that hold the role, as a JSON array of ARNs",
        ),
        INLINE_POLICIES,
        INLINE_POLICIES_STD,
        Column::json(
            "attached_policy_arns",
            "Managed policies attached to the role, as a JSON array of ARNs",
        ),
        Column::TAGS_SRC,
        Column::TAGS,
        Column::TITLE,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &["iam:ListRoles", "iam:GetAccountAuthorizationDetails"],
    filled_by: "collect",
};

pub(super) const PASSWORD_POLICY: TableDef = TableDef {
    name: "aws_iam_account_password_policy",
    scope: Scope::Global,
    description: "Each account's IAM password policy (no row when the account has none)",
    columns: &[
        Column::bool(
            "allow_users_to_change_password",
            "Whether users may change their own password",
        ),
        Column::bool("expire_passwords", "Whether passwords expire"),
        Column::bool(
            "hard_expiry",
            "Whether an expired password can only be reset by an administrator",
        ),
        Column::int("max_password_age", "Days a password is valid"),
        Column::int("minimum_password_length", "Minimum length"),
        Column::int(
            "password_reuse_prevention",
            "How many previous passwords cannot be reused",
        ),
        Column::bool(
            "require_lowercase_characters",
            "Whether a lower-case letter is required",
        ),
        Column::bool("require_numbers", "Whether a digit is required"),
        Column::bool("require_symbols", "Whether a symbol is required"),
        Column::bool(
            "require_uppercase_characters",
            "Whether an upper-case letter is required",
        ),
        Column::PARTITION,
    ],
    actions: &["iam:GetAccountPasswordPolicy"],
    filled_by: "collect",
};

/// The IAM account summary's counters and quotas, by Steampipe's column name and AWS's key.
const SUMMARY_KEYS: &[(&str, &str)] = &[
    ("access_keys_per_user_quota", "AccessKeysPerUserQuota"),
    ("account_access_keys_present", "AccountAccessKeysPresent"),
    ("account_mfa_enabled", "AccountMFAEnabled"),
    ("account_password_present", "AccountPasswordPresent"),
    (
        "account_signing_certificates_present",
        "AccountSigningCertificatesPresent",
    ),
    ("assume_role_policy_size_quota", "AssumeRolePolicySizeQuota"),
    (
        "attached_policies_per_group_quota",
        "AttachedPoliciesPerGroupQuota",
    ),
    (
        "attached_policies_per_role_quota",
        "AttachedPoliciesPerRoleQuota",
    ),
    (
        "attached_policies_per_user_quota",
        "AttachedPoliciesPerUserQuota",
    ),
    (
        "global_endpoint_token_version",
        "GlobalEndpointTokenVersion",
    ),
    ("group_policy_size_quota", "GroupPolicySizeQuota"),
    ("groups", "Groups"),
    ("groups_per_user_quota", "GroupsPerUserQuota"),
    ("groups_quota", "GroupsQuota"),
    ("instance_profiles", "InstanceProfiles"),
    ("instance_profiles_quota", "InstanceProfilesQuota"),
    ("mfa_devices", "MFADevices"),
    ("mfa_devices_in_use", "MFADevicesInUse"),
    ("policies", "Policies"),
    ("policies_quota", "PoliciesQuota"),
    ("policy_size_quota", "PolicySizeQuota"),
    ("policy_versions_in_use", "PolicyVersionsInUse"),
    ("policy_versions_in_use_quota", "PolicyVersionsInUseQuota"),
    ("providers", "Providers"),
    ("role_policy_size_quota", "RolePolicySizeQuota"),
    ("roles", "Roles"),
    ("roles_quota", "RolesQuota"),
    ("server_certificates", "ServerCertificates"),
    ("server_certificates_quota", "ServerCertificatesQuota"),
    (
        "signing_certificates_per_user_quota",
        "SigningCertificatesPerUserQuota",
    ),
    ("user_policy_size_quota", "UserPolicySizeQuota"),
    ("users", "Users"),
    ("users_quota", "UsersQuota"),
    ("versions_per_policy_quota", "VersionsPerPolicyQuota"),
];

pub(super) const ACCOUNT_SUMMARY: TableDef = TableDef {
    name: "aws_iam_account_summary",
    scope: Scope::Global,
    description: "Each account's IAM entity counts and quotas (GetAccountSummary), with root MFA and root keys",
    columns: &[
        Column::int("access_keys_per_user_quota", "Access keys a user may have"),
        Column::int(
            "account_access_keys_present",
            "1 when the root user has access keys",
        ),
        Column::bool("account_mfa_enabled", "Whether the root user has MFA"),
        Column::bool(
            "account_password_present",
            "Whether the root user has a password",
        ),
        Column::int(
            "account_signing_certificates_present",
            "1 when the root user has signing certificates",
        ),
        Column::int("assume_role_policy_size_quota", "Trust policy size quota"),
        Column::int("attached_policies_per_group_quota", "Policies per group"),
        Column::int("attached_policies_per_role_quota", "Policies per role"),
        Column::int("attached_policies_per_user_quota", "Policies per user"),
        Column::int(
            "global_endpoint_token_version",
            "The STS global endpoint's token version",
        ),
        Column::int("group_policy_size_quota", "Group inline policy size quota"),
        Column::int("groups", "Groups"),
        Column::int("groups_per_user_quota", "Groups a user may be in"),
        Column::int("groups_quota", "Groups quota"),
        Column::int("instance_profiles", "Instance profiles"),
        Column::int("instance_profiles_quota", "Instance profiles quota"),
        Column::int("mfa_devices", "MFA devices"),
        Column::int("mfa_devices_in_use", "MFA devices in use"),
        Column::int("policies", "Customer managed policies"),
        Column::int("policies_quota", "Customer managed policies quota"),
        Column::int("policy_size_quota", "Managed policy size quota"),
        Column::int("policy_versions_in_use", "Policy versions in use"),
        Column::int("policy_versions_in_use_quota", "Policy versions quota"),
        Column::int("providers", "Identity providers"),
        Column::int("role_policy_size_quota", "Role inline policy size quota"),
        Column::int("roles", "Roles"),
        Column::int("roles_quota", "Roles quota"),
        Column::int("server_certificates", "Server certificates"),
        Column::int("server_certificates_quota", "Server certificates quota"),
        Column::int(
            "signing_certificates_per_user_quota",
            "Signing certificates a user may have",
        ),
        Column::int("user_policy_size_quota", "User inline policy size quota"),
        Column::int("users", "Users"),
        Column::int("users_quota", "Users quota"),
        Column::int("versions_per_policy_quota", "Versions a policy may have"),
        Column::PARTITION,
    ],
    actions: &["iam:GetAccountSummary"],
    filled_by: "collect",
};

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
        .map(|p| {
            Row::default()
                .with(
                    "allow_users_to_change_password",
                    Cell::Bool(p.allow_users_to_change_password()),
                )
                .with("expire_passwords", Cell::Bool(p.expire_passwords()))
                .with("hard_expiry", Cell::bool(p.hard_expiry()))
                .with("max_password_age", Cell::int(p.max_password_age()))
                .with(
                    "minimum_password_length",
                    Cell::int(p.minimum_password_length()),
                )
                .with(
                    "password_reuse_prevention",
                    Cell::int(p.password_reuse_prevention()),
                )
                .with(
                    "require_lowercase_characters",
                    Cell::Bool(p.require_lowercase_characters()),
                )
                .with("require_numbers", Cell::Bool(p.require_numbers()))
                .with("require_symbols", Cell::Bool(p.require_symbols()))
                .with(
                    "require_uppercase_characters",
                    Cell::Bool(p.require_uppercase_characters()),
                )
                .with("partition", unit.partition())
        })
        .into_iter()
        .collect();
    Ok(vec![batch(&PASSWORD_POLICY, rows)])
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
    let map = out.summary_map();
    let mut row = Row::default();
    for (column, key) in SUMMARY_KEYS {
        let value = map.and_then(|m| m.iter().find(|(k, _)| k.as_str() == *key).map(|(_, v)| *v));
        let cell = match *column {
            "account_mfa_enabled" | "account_password_present" => {
                value.map_or(Cell::Null, |v| Cell::Bool(v != 0))
            }
            _ => Cell::int(value),
        };
        row = row.with(column, cell);
    }
    Ok(vec![batch(
        &ACCOUNT_SUMMARY,
        vec![row.with("partition", unit.partition())],
    )])
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

/// The permissions boundary columns: its ARN and its type.
pub(super) fn boundary_cells(
    boundary: Option<&aws_sdk_iam::types::AttachedPermissionsBoundary>,
) -> [(&'static str, Cell); 2] {
    [
        (
            "permissions_boundary_arn",
            Cell::text(boundary.and_then(|b| b.permissions_boundary_arn())),
        ),
        (
            "permissions_boundary_type",
            Cell::text(
                boundary
                    .and_then(|b| b.permissions_boundary_type())
                    .map(|t| t.as_str()),
            ),
        ),
    ]
}

/// A principal's policy columns, in their table order: inline (as written and canonical), then
/// the attached managed policies' ARNs.
pub(super) fn with_policies(
    row: Row,
    inline: &[aws_sdk_iam::types::PolicyDetail],
    attached: &[aws_sdk_iam::types::AttachedPolicy],
) -> Row {
    row.with("inline_policies", inline_policies(inline, false))
        .with("inline_policies_std", inline_policies(inline, true))
        .with(
            "attached_policy_arns",
            Cell::json(json!(
                attached
                    .iter()
                    .filter_map(|p| p.policy_arn())
                    .collect::<Vec<_>>()
            )),
        )
}

pub(super) const ACCOUNT: TableDef = TableDef {
    name: "aws_account",
    scope: Scope::Global,
    description: "Each account: its aliases and its organization (as synced: organization_* come from the organization's snapshot, not from a call per account)",
    columns: &[
        Column::json(
            "account_aliases",
            "The account's aliases (IAM), as a JSON array",
        ),
        Column::text("arn", "The account's ARN: arn:<partition>:::<account id>").required(),
        Column::text("organization_id", "The organization (o-...)"),
        Column::text("organization_arn", "The organization's ARN"),
        Column::text(
            "organization_feature_set",
            "ALL, or CONSOLIDATED_BILLING when only consolidated billing is enabled",
        ),
        Column::text(
            "organization_master_account_arn",
            "The ARN of the organization's management account",
        ),
        Column::text(
            "organization_master_account_email",
            "The email of the organization's management account",
        ),
        Column::text(
            "organization_master_account_id",
            "The organization's management account",
        ),
        Column::json(
            "organization_available_policy_types",
            "Policy types enabled on the root, as [{\"Type\", \"Status\"}]",
        ),
        Column::TITLE,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &["iam:ListAccountAliases"],
    filled_by: "collect",
};

/// `aws_account`: the aliases from IAM, the organization from the synced snapshot.
pub(super) async fn account(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let session = unit.session;
    let home = canopy_model::inventory::home_region(&session.partition);
    let client = session.client(home, aws_sdk_iam::Client::new);
    let mut aliases: Vec<String> = Vec::new();
    unit.paginate(
        "iam:ListAccountAliases",
        |marker| {
            client
                .list_account_aliases()
                .max_items(1000)
                .set_marker(marker)
                .send()
        },
        |out| out.marker().filter(|_| out.is_truncated()),
        |out| aliases.extend(out.account_aliases().iter().cloned()),
    )
    .await?;
    let account = session.account.to_string();
    let arn = format!("arn:{}:::{account}", session.partition);
    let org = unit.membership;
    let text = |f: fn(&canopy_model::Membership) -> Option<&str>| Cell::text(org.and_then(f));
    let row = Row::default()
        .with("account_aliases", Cell::json(json!(aliases)))
        .with("arn", Cell::Text(arn.clone()))
        .with("organization_id", text(|m| Some(&m.organization_id)))
        .with("organization_arn", text(|m| Some(&m.organization_arn)))
        .with("organization_feature_set", text(|m| Some(&m.feature_set)))
        .with(
            "organization_master_account_arn",
            text(|m| Some(&m.management_account_arn)),
        )
        .with(
            "organization_master_account_email",
            text(|m| m.management_account_email.as_deref()),
        )
        .with(
            "organization_master_account_id",
            text(|m| Some(&m.management_account_id)),
        )
        .with(
            "organization_available_policy_types",
            org.map_or(Cell::Null, |m| {
                Cell::json(Value::Array(
                    m.enabled_policy_types
                        .iter()
                        .map(|t| json!({"Type": t, "Status": "ENABLED"}))
                        .collect(),
                ))
            }),
        )
        .with(
            "title",
            Cell::Text(aliases.first().cloned().unwrap_or_else(|| account.clone())),
        )
        .with("akas", Cell::json(json!([arn])))
        .with("partition", unit.partition());
    Ok(vec![batch(&ACCOUNT, vec![row])])
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

/// A policy document as IAM returns it, decoded and parsed; the decoded text when it is not
/// JSON.
pub(crate) fn policy_json(text: &str) -> Result<Value, String> {
    let decoded = if text.trim_start().starts_with('{') {
        std::borrow::Cow::Borrowed(text)
    } else {
        percent_decode(text)
    };
    serde_json::from_str::<Value>(&decoded).map_err(|_| decoded.into_owned())
}

fn percent_decode(text: &str) -> std::borrow::Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(v) = hex {
                out.push(v);
                i += 3;
                continue;
            }
        }
        // RFC 3986 (IAM's encoding): `+` is a plus, not a space
        out.push(b);
        i += 1;
    }
    std::borrow::Cow::Owned(String::from_utf8_lossy(&out).into_owned())
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
    let partition = unit.partition();
    let mut listed = Vec::new();
    unit.paginate(
        "iam:ListRoles",
        |marker| {
            client
                .list_roles()
                .max_items(1000)
                .set_marker(marker)
                .send()
        },
        |out| out.marker().filter(|_| out.is_truncated()),
        |out| listed.extend(out.roles().iter().cloned()),
    )
    .await?;
    let details = if listed.is_empty() {
        std::collections::HashMap::new()
    } else {
        role_details(&unit, &client).await?
    };
    let mut rows = Vec::new();
    for r in &listed {
        let extra = details.get(r.role_id());
        // tags, last use and boundary: the details' (ListRoles leaves them out), else the listing's
        let tags: Vec<(Option<&str>, Option<&str>)> = match extra {
            Some(d) if !d.tags().is_empty() => d
                .tags()
                .iter()
                .map(|t| (Some(t.key()), Some(t.value())))
                .collect(),
            _ => r
                .tags()
                .iter()
                .map(|t| (Some(t.key()), Some(t.value())))
                .collect(),
        };
        let boundary = extra
            .and_then(|d| d.permissions_boundary())
            .or(r.permissions_boundary());
        let last_used = extra
            .and_then(|d| d.role_last_used())
            .or(r.role_last_used());
        let document = r
            .assume_role_policy_document()
            .or(extra.and_then(|d| d.assume_role_policy_document()));
        let (trust, trust_std) = document.map_or((Cell::Null, Cell::Null), policy_and_std);
        let trust_text = match &trust {
            Cell::Json(doc) => Cell::Text(doc.as_str().to_owned()),
            other => other.clone(),
        };
        let row = Row::default()
            .with("name", Cell::Text(r.role_name().to_owned()))
            .with("arn", Cell::Text(r.arn().to_owned()))
            .with("role_id", Cell::Text(r.role_id().to_owned()))
            .with("create_date", time(Some(r.create_date())))
            .with("description", Cell::text(r.description()))
            .with("path", Cell::Text(r.path().to_owned()))
            .with("max_session_duration", Cell::int(r.max_session_duration()))
            .with_all(boundary_cells(boundary))
            .with(
                "role_last_used_date",
                time(last_used.and_then(|u| u.last_used_date())),
            )
            .with(
                "role_last_used_region",
                Cell::text(last_used.and_then(|u| u.region())),
            )
            .with("assume_role_policy", trust.clone())
            .with("assume_role_policy_std", trust_std)
            .with("assume_role_policy_document", trust_text);
        // the policy columns come from the details; without them (a role made since) null
        let row = match extra {
            Some(d) => with_policies(
                row.with(
                    "instance_profile_arns",
                    Cell::json(json!(
                        d.instance_profile_list()
                            .iter()
                            .map(|p| p.arn())
                            .collect::<Vec<_>>()
                    )),
                ),
                d.role_policy_list(),
                d.attached_managed_policies(),
            ),
            None => row
                .with("instance_profile_arns", Cell::Null)
                .with("inline_policies", Cell::Null)
                .with("inline_policies_std", Cell::Null)
                .with("attached_policy_arns", Cell::Null),
        };
        rows.push(
            row.with("tags_src", tags_src(tags.iter().copied()))
                .with("tags", tags_of(tags.iter().copied()))
                .with("title", Cell::Text(r.role_name().to_owned()))
                .with("akas", Cell::json(json!([r.arn()])))
                .with("partition", partition.clone()),
        );
    }
    Ok(vec![batch(&ROLES, rows)])
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
