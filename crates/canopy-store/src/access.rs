//! The Identity Center matrix as `access who` / `access what` / `access drift` read it: typed
//! queries over `canopy_sso_access` and the tables `access sync` fills.

use rusqlite::{OptionalExtension, params};

use crate::{Result, Store};

/// One user's way into one account.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SsoGrant {
    pub user_id: String,
    pub user_name: Option<String>,
    pub account_id: String,
    pub account_name: Option<String>,
    pub permission_set_name: Option<String>,
    pub permission_set_arn: String,
    /// `direct`, or the group's name.
    pub via: String,
}

/// What a group is assigned.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GroupGrant {
    pub group_id: String,
    pub group_name: Option<String>,
    pub account_id: String,
    pub account_name: Option<String>,
    pub permission_set_name: Option<String>,
    pub permission_set_arn: String,
    /// The group's users.
    pub members: u64,
}

/// A permission set whose copy in an account is older than the permission set.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SsoDrift {
    pub permission_set_name: Option<String>,
    pub permission_set_arn: String,
    pub account_id: String,
    pub account_name: Option<String>,
}

/// A group's assignments (`?1`: the group's name or id), with the instance (`i`), the group
/// (`g`), the permission set (`ps`) and the account (`acc`) beside each.
const GROUP_ASSIGNMENTS: &str = "FROM aws_ssoadmin_account_assignment a
             JOIN aws_ssoadmin_instance i ON i.arn = a.instance_arn
             LEFT JOIN aws_identitystore_group g
               ON g.identity_store_id = i.identity_store_id AND g.id = a.principal_id
             LEFT JOIN aws_ssoadmin_permission_set ps
               ON ps.arn = a.permission_set_arn AND ps.instance_arn = a.instance_arn
             LEFT JOIN canopy_accounts acc ON acc.id = a.target_account_id
             WHERE a.principal_type = 'GROUP' AND (g.name = ?1 OR a.principal_id = ?1)";

/// Whose access to read.
#[derive(Debug, Clone, Copy)]
pub enum AccessOf<'a> {
    /// An account, by id or exact name.
    Account(&'a str),
    /// A user, by user name, id or an email address.
    User(&'a str),
}

impl Store {
    /// When `access sync` last stored an instance, if ever.
    pub fn sso_synced_at(&self) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT max(collected_at) FROM aws_ssoadmin_instance",
                [],
                |r| r.get::<_, Option<String>>(0),
            )
            .optional()?
            .flatten())
    }

    /// The matrix's rows for an account or a user, by account, permission set and user.
    pub fn sso_access(&self, of: AccessOf<'_>) -> Result<Vec<SsoGrant>> {
        let (filter, value) = match of {
            AccessOf::Account(a) => ("s.account_id = ?1 OR s.account_name = ?1", a),
            AccessOf::User(u) => (
                "s.user_name = ?1 OR s.user_id = ?1 OR EXISTS (
                    SELECT 1 FROM aws_identitystore_user u, json_each(u.emails) e
                    WHERE u.id = s.user_id AND lower(json_extract(e.value, '$.Value')) = lower(?1))",
                u,
            ),
        };
        let mut stmt = self.conn.prepare(&format!(
            "SELECT s.user_id, s.user_name, s.account_id, s.account_name, s.permission_set_name,
                    s.permission_set_arn, s.via
             FROM canopy_sso_access s
             WHERE {filter}
             ORDER BY coalesce(s.account_name, s.account_id), s.account_id,
                      s.permission_set_name, s.user_name, s.via"
        ))?;
        let rows = stmt.query_map(params![value], |r| {
            Ok(SsoGrant {
                user_id: r.get(0)?,
                user_name: r.get(1)?,
                account_id: r.get(2)?,
                account_name: r.get(3)?,
                permission_set_name: r.get(4)?,
                permission_set_arn: r.get(5)?,
                via: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// What a group (by display name or id) is assigned, with its number of users.
    pub fn sso_group_access(&self, group: &str) -> Result<Vec<GroupGrant>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT a.principal_id, g.name, a.target_account_id, acc.name, ps.name,
                    a.permission_set_arn,
                    (SELECT count(DISTINCT m.member_id) FROM aws_identitystore_group_membership m
                     WHERE m.identity_store_id = i.identity_store_id AND m.group_id = a.principal_id)
             {GROUP_ASSIGNMENTS}
             GROUP BY a.principal_id, a.target_account_id, a.permission_set_arn
             ORDER BY coalesce(acc.name, a.target_account_id), a.target_account_id, ps.name"
        ))?;
        let rows = stmt.query_map(params![group], |r| {
            Ok(GroupGrant {
                group_id: r.get(0)?,
                group_name: r.get(1)?,
                account_id: r.get(2)?,
                account_name: r.get(3)?,
                permission_set_name: r.get(4)?,
                permission_set_arn: r.get(5)?,
                members: r.get::<_, i64>(6)? as u64,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Whether the identity store knows a user (by user name, id or email) or a group (by name
    /// or id), so "no access" can be told from "no such principal".
    pub fn sso_principal_known(&self, name: &str, group: bool) -> Result<bool> {
        let sql = if group {
            "SELECT EXISTS (SELECT 1 FROM aws_identitystore_group WHERE name = ?1 OR id = ?1)"
        } else {
            "SELECT EXISTS (SELECT 1 FROM aws_identitystore_user u WHERE u.name = ?1 OR u.id = ?1
                OR EXISTS (SELECT 1 FROM json_each(u.emails) e
                           WHERE lower(json_extract(e.value, '$.Value')) = lower(?1)))"
        };
        Ok(self.conn.query_row(sql, params![name], |r| r.get(0))?)
    }

    /// Accounts Identity Center assigns that no synced organization holds (created since the
    /// last `org sync`, or of an organization not synced).
    pub fn sso_unknown_accounts(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare(
            "SELECT DISTINCT a.target_account_id FROM aws_ssoadmin_account_assignment a
             WHERE NOT EXISTS (SELECT 1 FROM canopy_accounts c WHERE c.id = a.target_account_id)
             ORDER BY 1",
        )?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Permission sets provisioned to an account in a version older than the current one.
    pub fn sso_drift(&self) -> Result<Vec<SsoDrift>> {
        let mut stmt = self.conn.prepare(
            "SELECT DISTINCT ps.name, p.permission_set_arn, p.target_account_id, acc.name
             FROM canopy_sso_provisioned p
             LEFT JOIN aws_ssoadmin_permission_set ps
               ON ps.arn = p.permission_set_arn AND ps.instance_arn = p.instance_arn
             LEFT JOIN canopy_accounts acc ON acc.id = p.target_account_id
             WHERE p.outdated
             ORDER BY ps.name, coalesce(acc.name, p.target_account_id), p.target_account_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(SsoDrift {
                permission_set_name: r.get(0)?,
                permission_set_arn: r.get(1)?,
                account_id: r.get(2)?,
                account_name: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// A collected policy that may let principals in: a role's trust policy or a resource policy.
#[derive(Debug, Clone, PartialEq)]
pub struct CollectedPolicy {
    /// IAM Access Analyzer's resource type (`AWS::IAM::Role`, `AWS::S3::Bucket`, ...).
    pub resource_type: &'static str,
    pub arn: String,
    pub account_id: String,
    pub region: String,
    pub policy: serde_json::Value,
    /// The resource's own setting keeps a public policy from letting anyone outside the owner's
    /// account in (an S3 bucket's `RestrictPublicBuckets`).
    pub public_restricted: bool,
}

/// The collected tables whose policies decide who outside may come in: table, ARN column,
/// policy column, resource type, and what says a public policy is restricted (SQL).
const POLICY_SOURCES: &[(&str, &str, &str, &str, &str)] = &[
    (
        "aws_iam_role",
        "arn",
        "assume_role_policy",
        "AWS::IAM::Role",
        "0",
    ),
    (
        "aws_s3_bucket",
        "arn",
        "policy",
        "AWS::S3::Bucket",
        "coalesce(restrict_public_buckets, 0)",
    ),
    ("aws_kms_key", "arn", "policy", "AWS::KMS::Key", "0"),
    (
        "aws_sqs_queue",
        "queue_arn",
        "policy",
        "AWS::SQS::Queue",
        "0",
    ),
    (
        "aws_sns_topic",
        "topic_arn",
        "policy",
        "AWS::SNS::Topic",
        "0",
    ),
    (
        "aws_lambda_function",
        "arn",
        "policy",
        "AWS::Lambda::Function",
        "0",
    ),
    (
        "aws_secretsmanager_secret",
        "arn",
        "policy",
        "AWS::SecretsManager::Secret",
        "0",
    ),
    (
        "aws_ecr_repository",
        "arn",
        "policy",
        "AWS::ECR::Repository",
        "0",
    ),
];

impl Store {
    /// Every collected trust and resource policy, by resource type and ARN (tables the store
    /// lacks are passed over).
    pub fn collected_policies(&self) -> Result<Vec<CollectedPolicy>> {
        let mut out = Vec::new();
        for (table, arn, policy, kind, restricted) in POLICY_SOURCES {
            if !self.tables.iter().any(|d| d.name == *table) {
                continue;
            }
            let mut stmt = self.conn.prepare(&format!(
                "SELECT {arn}, account_id, region, {policy}, {restricted} FROM {table}
                 WHERE {policy} IS NOT NULL AND {arn} IS NOT NULL ORDER BY {arn}"
            ))?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, bool>(4)?,
                ))
            })?;
            for row in rows {
                let (arn, account_id, region, text, public_restricted) = row?;
                // a policy that is not JSON was kept as text: nothing to read in it
                let Ok(policy) = serde_json::from_str(&text) else {
                    continue;
                };
                out.push(CollectedPolicy {
                    resource_type: kind,
                    arn,
                    account_id,
                    region,
                    policy,
                    public_restricted,
                });
            }
        }
        Ok(out)
    }
}

/// A permission set a principal holds on an account, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldSet {
    pub arn: String,
    pub name: Option<String>,
    /// `direct`, or the groups it comes through.
    pub via: Vec<String>,
    /// The account `access sync` read the instance through (its management account, or the
    /// delegated administrator).
    pub read_through: String,
}

/// What a permission set grants, as stored.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SetPolicies {
    pub inline: Option<serde_json::Value>,
    /// AWS-managed policies' ARNs.
    pub managed: Vec<String>,
    /// Customer-managed policies: (name, path), to be found in each target account.
    pub customer: Vec<(String, String)>,
}

impl Store {
    /// The permission sets a user (user name, id or email) or a group (name or id) holds on
    /// `account` (id or exact name), with how.
    pub fn sso_held_sets(&self, name: &str, group: bool, account: &str) -> Result<Vec<HeldSet>> {
        let sql = if group {
            format!(
                "SELECT a.permission_set_arn, ps.name, coalesce(g.name, a.principal_id), a.account_id
                 {GROUP_ASSIGNMENTS}
                   AND (a.target_account_id = ?2 OR acc.name = ?2)
                 ORDER BY ps.name, 3"
            )
        } else {
            "SELECT s.permission_set_arn, s.permission_set_name, s.via, i.account_id
             FROM canopy_sso_access s
             JOIN aws_ssoadmin_instance i ON i.arn = s.instance_arn
             WHERE (s.user_name = ?1 OR s.user_id = ?1 OR EXISTS (
                    SELECT 1 FROM aws_identitystore_user u, json_each(u.emails) e
                    WHERE u.id = s.user_id AND lower(json_extract(e.value, '$.Value')) = lower(?1)))
               AND (s.account_id = ?2 OR s.account_name = ?2)
             ORDER BY s.permission_set_name, s.via"
                .to_owned()
        };
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params![name, account], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        let mut held: Vec<HeldSet> = Vec::new();
        for row in rows {
            let (arn, name, via, read_through) = row?;
            match held.iter_mut().find(|h| h.arn == arn) {
                Some(h) if !h.via.contains(&via) => h.via.push(via),
                Some(_) => {}
                None => held.push(HeldSet {
                    arn,
                    name,
                    via: vec![via],
                    read_through,
                }),
            }
        }
        Ok(held)
    }

    /// A permission set's inline policy and the managed policies it names.
    pub fn sso_set_policies(&self, arn: &str) -> Result<SetPolicies> {
        let inline: Option<String> = self
            .conn
            .query_row(
                "SELECT inline_policy FROM aws_ssoadmin_permission_set WHERE arn = ?1 LIMIT 1",
                params![arn],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        let mut managed = self.conn.prepare(
            "SELECT DISTINCT managed_policy_arn FROM aws_ssoadmin_managed_policy_attachment
             WHERE permission_set_arn = ?1 ORDER BY 1",
        )?;
        let managed = managed
            .query_map(params![arn], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        let mut customer = self.conn.prepare(
            "SELECT DISTINCT name, coalesce(path, '/') FROM aws_ssoadmin_customer_policy_attachment
             WHERE permission_set_arn = ?1 ORDER BY 1, 2",
        )?;
        let customer = customer
            .query_map(params![arn], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<(String, String)>>>()?;
        Ok(SetPolicies {
            inline: inline.and_then(|t| serde_json::from_str(&t).ok()),
            managed,
            customer,
        })
    }

    /// Every AWS-managed policy kept for `access can`: ARN -> (name, version, document).
    pub fn aws_managed_policies(
        &self,
    ) -> Result<std::collections::BTreeMap<String, (String, String, serde_json::Value)>> {
        let mut stmt = self.conn.prepare(
            "SELECT arn, coalesce(name, ''), coalesce(version_id, ''), document
             FROM canopy_aws_managed_policy",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        let mut out = std::collections::BTreeMap::new();
        for row in rows {
            let (arn, name, version, document) = row?;
            if let Ok(doc) = serde_json::from_str(&document) {
                out.insert(arn, (name, version, doc));
            }
        }
        Ok(out)
    }

    /// A customer-managed policy's document in `account`, from the collected `aws_iam_policy`;
    /// `None` when it was not collected (or the account has no such policy).
    pub fn customer_policy(
        &self,
        account: &str,
        name: &str,
        path: &str,
    ) -> Result<Option<serde_json::Value>> {
        if !self.tables.iter().any(|d| d.name == "aws_iam_policy") {
            return Ok(None);
        }
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT policy FROM aws_iam_policy
                 WHERE account_id = ?1 AND name = ?2 AND coalesce(path, '/') = ?3
                   AND NOT coalesce(is_aws_managed, 0) LIMIT 1",
                params![account, name, path],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }
}
