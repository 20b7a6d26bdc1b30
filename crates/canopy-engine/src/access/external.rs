//! `canopy access external`: who outside the zone of trust — every account of every synced
//! organization, and the organizations themselves — can reach a collected resource, read offline
//! from every role trust policy and resource policy in the store (S3, KMS, SQS, SNS, Lambda,
//! Secrets Manager, ECR).
//!
//! Each Allow statement's principals are sorted out (`public`, `external_account`, `federated`,
//! `service`; principals inside the zone are left alone), then confirmed with the policy engine:
//! a probe request from outside — an account no synced organization holds, carrying the
//! organization keys of a non-member — evaluated against the whole policy (Deny statements and
//! conditions included). Allowed: `confirmed`. Denied only because the probe lacks a key the
//! policy asks for (a source IP, an external id, a token claim): `conditional`. Denied outright
//! (a condition on `aws:PrincipalOrgID`, `aws:SourceAccount`, ... keeps outsiders out): not
//! reported.

use std::collections::BTreeSet;

use canopy_model::inventory::{Cell, Row};
use canopy_model::table::{Column, Scope, TableDef};
use canopy_model::{Arn, OrgSnapshot};
use canopy_policy::{Context, Decision, Policy, PolicySet, Principal, PrincipalEntry, Request};
use canopy_store::CollectedPolicy;
use serde_json::{Value, json};

/// The table `access external` fills.
pub const EXTERNAL_ACCESS: TableDef = TableDef {
    name: "canopy_external_access",
    scope: Scope::Regional,
    description: "Who outside every synced organization can reach a resource (role trust and resource policies), in IAM Access Analyzer's shape",
    columns: &[
        Column::text("resource_arn", "The resource").required(),
        Column::text(
            "resource_type",
            "AWS::IAM::Role, AWS::S3::Bucket, AWS::KMS::Key, AWS::SQS::Queue, AWS::SNS::Topic, AWS::Lambda::Function, AWS::SecretsManager::Secret or AWS::ECR::Repository",
        )
        .required(),
        Column::json("principal", "Who, as the policy names it: {\"AWS\": ...}, {\"Federated\": ...}, {\"Service\": ...} or \"*\"").required(),
        Column::text(
            "principal_account",
            "The outside account, for external_account findings",
        ),
        Column::text(
            "kind",
            "public, external_account, federated or service",
        )
        .required(),
        Column::text(
            "status",
            "confirmed (an outsider's request is allowed) or conditional (allowed only if a key the probe cannot know is right: see unresolved_keys)",
        )
        .required(),
        Column::bool("is_public", "Anyone at all can reach it (confirmed public)").required(),
        Column::json("actions", "The statement's actions").required(),
        Column::json("condition", "The statement's Condition element, as written"),
        Column::json(
            "flags",
            "What is weak about it: no_external_id, oidc_no_audience, oidc_no_subject, github_subject_not_pinned, service_no_source_condition; restricted_by_public_access_block: the policy is public, but the bucket's RestrictPublicBuckets keeps every other account out (only AWS services and the owner's account get in)",
        ),
        Column::json(
            "unresolved_keys",
            "The condition keys the probe could not satisfy or refute",
        ),
        Column::text("statement", "The statement: its Sid, else Statement[n]").required(),
    ],
    actions: &[],
    filled_by: "access external",
};

/// The account that stands for "anyone outside": no synced organization holds it.
const OUTSIDER: &str = "999999999999";
const OUTSIDER_ORG: &str = "o-canopyoutside";

/// Condition keys that tie a service's request to the account it acts for.
const SOURCE_KEYS: &[&str] = &[
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:sourceowner",
];

/// The zone of trust: every account and organization synced.
#[derive(Debug, Clone, Default)]
pub struct Zone {
    accounts: BTreeSet<String>,
    orgs: BTreeSet<String>,
}

impl Zone {
    pub fn of(snapshots: &[OrgSnapshot]) -> Self {
        let mut zone = Self::default();
        for s in snapshots {
            zone.orgs.insert(s.organization.id.to_string());
            zone.accounts
                .insert(s.organization.management_account_id.to_string());
            zone.accounts
                .extend(s.accounts.iter().map(|a| a.id.to_string()));
        }
        zone
    }

    fn holds(&self, account: &str) -> bool {
        self.accounts.contains(account)
    }

    /// An account outside the zone, to stand for "anyone".
    fn outsider(&self) -> String {
        let mut n: u64 = 999_999_999_999;
        while self.accounts.contains(&format!("{n:012}")) {
            n -= 1;
        }
        format!("{n:012}")
    }
}

/// One way in from outside.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ExternalAccess {
    pub resource_arn: String,
    pub resource_type: &'static str,
    pub owner_account: String,
    pub region: String,
    pub principal: Value,
    pub principal_account: Option<String>,
    pub kind: &'static str,
    pub status: &'static str,
    pub is_public: bool,
    pub actions: Vec<String>,
    pub condition: Option<Value>,
    pub flags: Vec<&'static str>,
    pub unresolved_keys: Vec<String>,
    pub statement: String,
}

impl ExternalAccess {
    /// The row `canopy_external_access` stores (account and region beside it).
    pub fn row(&self) -> Row {
        let list = |items: Vec<Value>| {
            if items.is_empty() {
                Cell::Null
            } else {
                Cell::json(Value::Array(items))
            }
        };
        Row::default()
            .with("resource_arn", Cell::Text(self.resource_arn.clone()))
            .with("resource_type", Cell::Text(self.resource_type.into()))
            .with("principal", Cell::json(self.principal.clone()))
            .with(
                "principal_account",
                Cell::text(self.principal_account.clone()),
            )
            .with("kind", Cell::Text(self.kind.into()))
            .with("status", Cell::Text(self.status.into()))
            .with("is_public", Cell::Bool(self.is_public))
            .with("actions", Cell::json(json!(self.actions)))
            .with(
                "condition",
                self.condition.clone().map_or(Cell::Null, Cell::json),
            )
            .with("flags", list(self.flags.iter().map(|f| json!(f)).collect()))
            .with(
                "unresolved_keys",
                list(self.unresolved_keys.iter().map(|k| json!(k)).collect()),
            )
            .with("statement", Cell::Text(self.statement.clone()))
    }
}

/// A statement's raw JSON, by index (`Statement` may be one object or a list).
fn raw_statement(policy: &Value, index: usize) -> Option<&Value> {
    match policy.get("Statement")? {
        Value::Array(list) => list.get(index),
        one if index == 0 => Some(one),
        _ => None,
    }
}

/// The principal as the policy names it, for the report.
fn named(entry: &PrincipalEntry) -> Value {
    match entry {
        PrincipalEntry::Everyone => json!("*"),
        PrincipalEntry::Account(a) => json!({"AWS": a}),
        PrincipalEntry::Arn(a) => json!({"AWS": a}),
        PrincipalEntry::Service(s) => json!({"Service": s}),
        PrincipalEntry::Federated(f) => json!({"Federated": f}),
        PrincipalEntry::CanonicalUser(c) => json!({"CanonicalUser": c}),
    }
}

fn account_of_arn(arn: &str) -> Option<String> {
    Arn::parse(arn).map(|a| a.account.to_string())
}

/// The condition keys a statement tests, lowercased.
fn keys_of(statement: &canopy_policy::Statement) -> Vec<String> {
    statement
        .conditions
        .iter()
        .map(|c| c.key.to_lowercase())
        .collect()
}

/// What is weak about a federated trust: an OIDC provider without an audience or a subject
/// condition, GitHub's subject not pinned to an owner.
fn federated_flags(provider: &str, statement: &canopy_policy::Statement) -> Vec<&'static str> {
    let Some(host) = provider.split(":oidc-provider/").nth(1) else {
        return Vec::new(); // SAML: the assertion's audience is AWS's sign-in endpoint
    };
    let host = host.to_lowercase();
    let keys = keys_of(statement);
    let mut flags = Vec::new();
    if !keys.iter().any(|k| k == &format!("{host}:aud")) {
        flags.push("oidc_no_audience");
    }
    let subjects: Vec<&String> = statement
        .conditions
        .iter()
        .filter(|c| c.key.to_lowercase() == format!("{host}:sub"))
        .flat_map(|c| &c.raw_values)
        .collect();
    if subjects.is_empty() {
        flags.push("oidc_no_subject");
    } else if host == "token.actions.githubusercontent.com"
        && subjects.iter().any(|s| !pinned_to_owner(s))
    {
        flags.push("github_subject_not_pinned");
    }
    flags
}

/// A GitHub subject (`repo:OWNER/REPO:...`) whose owner is written out, with no wildcard.
fn pinned_to_owner(subject: &str) -> bool {
    subject
        .strip_prefix("repo:")
        .and_then(|rest| rest.split_once('/'))
        .is_some_and(|(owner, _)| !owner.is_empty() && !owner.contains(['*', '?']))
}

/// The probe: a request from outside the zone, with the organization keys of a non-member.
fn probe_context(outsider: &str, partition: &str) -> Context {
    let mut context = Context::default();
    for (key, value) in [
        ("aws:PrincipalAccount", outsider),
        ("aws:PrincipalOrgID", OUTSIDER_ORG),
        ("aws:SourceAccount", outsider),
        ("aws:SourceOwner", outsider),
        ("aws:SourceOrgID", OUTSIDER_ORG),
        ("aws:SecureTransport", "true"),
    ] {
        context.insert(key, vec![value.to_owned()], false);
    }
    let path = format!("{OUTSIDER_ORG}/r-canopy/");
    context.insert("aws:PrincipalOrgPaths", vec![path.clone()], true);
    context.insert("aws:SourceOrgPaths", vec![path], true);
    context.insert(
        "aws:SourceArn",
        vec![format!("arn:{partition}:s3:::canopy-outsider-bucket")],
        false,
    );
    context
}

/// Every way into one resource from outside `zone`.
pub fn external_access(found: &CollectedPolicy, zone: &Zone) -> Vec<ExternalAccess> {
    let Ok(policy) = Policy::parse(&found.policy, "") else {
        return Vec::new();
    };
    let trust = found.resource_type == "AWS::IAM::Role";
    let partition = Arn::parse(&found.arn)
        .map(|a| a.partition.to_string())
        .unwrap_or_else(|| "aws".into());
    let outsider = if zone.holds(OUTSIDER) {
        zone.outsider()
    } else {
        OUTSIDER.to_owned()
    };
    let everything = Policy::parse(
        &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
        "",
    )
    .ok();
    let outsider_side = PolicySet {
        identity: everything.into_iter().collect(),
        resource: Some(policy.clone()),
        scp_levels: Vec::new(),
    };
    let resource_side = PolicySet {
        identity: Vec::new(),
        resource: Some(policy.clone()),
        scp_levels: Vec::new(),
    };
    let mut out: Vec<ExternalAccess> = Vec::new();
    for (index, statement) in policy.statements.iter().enumerate() {
        if statement.effect != canopy_policy::Effect::Allow {
            continue;
        }
        let Some(principals) = &statement.principals else {
            continue;
        };
        // NotPrincipal with Allow: everyone but the named
        let entries: Vec<PrincipalEntry> = if principals.negated {
            vec![PrincipalEntry::Everyone]
        } else {
            principals.items.clone()
        };
        let raw = raw_statement(&found.policy, index);
        let keys = keys_of(statement);
        for entry in entries {
            let probe_role =
                |account: &str| format!("arn:{partition}:iam::{account}:role/canopy-probe");
            let (kind, who, principal_account, mut flags) = match &entry {
                PrincipalEntry::Everyone => (
                    "public",
                    Principal::parse(&probe_role(&outsider)),
                    None,
                    Vec::new(),
                ),
                PrincipalEntry::Account(account) => {
                    if zone.holds(account) {
                        continue;
                    }
                    (
                        "external_account",
                        Principal::parse(&probe_role(account)),
                        Some(account.clone()),
                        Vec::new(),
                    )
                }
                PrincipalEntry::Arn(arn) => {
                    let Some(account) = account_of_arn(arn) else {
                        continue;
                    };
                    if zone.holds(&account) {
                        continue;
                    }
                    (
                        "external_account",
                        Principal::parse(arn),
                        Some(account),
                        Vec::new(),
                    )
                }
                PrincipalEntry::CanonicalUser(id) => (
                    "external_account",
                    Principal::Other(id.clone()),
                    None,
                    Vec::new(),
                ),
                PrincipalEntry::Federated(provider) => {
                    // a provider in an account of the zone is the zone's own; its identities
                    // come from outside all the same
                    (
                        "federated",
                        Principal::Other(provider.clone()),
                        None,
                        federated_flags(provider, statement),
                    )
                }
                PrincipalEntry::Service(service) => {
                    // a service assumes a role only for the role's own account
                    if trust {
                        continue;
                    }
                    let flags = if keys.iter().any(|k| SOURCE_KEYS.contains(&k.as_str())) {
                        Vec::new()
                    } else {
                        vec!["service_no_source_condition"]
                    };
                    ("service", Principal::Other(service.clone()), None, flags)
                }
            };
            if kind == "external_account" && trust && !keys.iter().any(|k| k == "sts:externalid") {
                flags.push("no_external_id");
            }
            let action = if trust {
                match &entry {
                    PrincipalEntry::Federated(p) if p.contains(":saml-provider/") => {
                        "sts:AssumeRoleWithSAML".to_owned()
                    }
                    PrincipalEntry::Federated(_) => "sts:AssumeRoleWithWebIdentity".to_owned(),
                    _ => statement
                        .raw_actions
                        .first()
                        .cloned()
                        .unwrap_or_else(|| "sts:AssumeRole".into()),
                }
            } else if statement.actions.negated {
                "*".to_owned()
            } else {
                statement
                    .raw_actions
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "*".into())
            };
            let resource = match statement.raw_resources.first() {
                Some(r) if r != "*" && !trust => r.clone(),
                _ => found.arn.clone(),
            };
            let request = Request::new(
                who,
                &action,
                Some(&resource),
                Some(&found.account_id),
                probe_context(&outsider, &partition),
            );
            // an outside account's own policies are taken to allow anything; a service or a
            // federated identity has none: the resource policy alone decides
            let evaluation = if matches!(request.principal, Principal::Arn { .. }) {
                outsider_side.evaluate(&request)
            } else {
                resource_side.evaluate(&request)
            };
            let status = match evaluation.decision {
                Decision::Allowed => "confirmed",
                Decision::ImplicitlyDenied if !evaluation.missing_context_keys.is_empty() => {
                    "conditional"
                }
                _ => continue,
            };
            out.push(ExternalAccess {
                resource_arn: found.arn.clone(),
                resource_type: found.resource_type,
                owner_account: found.account_id.clone(),
                region: found.region.clone(),
                principal: named(&entry),
                principal_account,
                kind,
                status,
                is_public: kind == "public" && status == "confirmed",
                actions: statement.raw_actions.clone(),
                condition: raw.and_then(|r| r.get("Condition")).cloned(),
                flags,
                unresolved_keys: if status == "conditional" {
                    evaluation.missing_context_keys.clone()
                } else {
                    Vec::new()
                },
                statement: statement
                    .sid
                    .clone()
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| format!("Statement[{index}]")),
            });
        }
    }
    // a public policy on a bucket that restricts public buckets lets no other account in:
    // said, not hidden (turning the setting off would open it)
    if found.public_restricted && out.iter().any(|f| f.kind == "public") {
        for f in out.iter_mut().filter(|f| f.kind != "service") {
            f.is_public = false;
            f.flags.push("restricted_by_public_access_block");
        }
    }
    out
}

/// What `access external` found.
#[derive(Debug)]
pub struct ExternalReport {
    /// Trust and resource policies read.
    pub policies: usize,
    /// Accounts and organizations in the zone of trust.
    pub zone_accounts: usize,
    pub zone_orgs: usize,
    pub found: Vec<ExternalAccess>,
}

/// Reads every collected trust and resource policy, finds the ways in from outside the synced
/// organizations, and replaces `canopy_external_access` with them (one transaction).
pub fn analyze(
    store: &mut canopy_store::Store,
    snapshots: &[OrgSnapshot],
) -> Result<ExternalReport, crate::error::EngineError> {
    let zone = Zone::of(snapshots);
    let policies = store.collected_policies()?;
    let found: Vec<ExternalAccess> = policies
        .iter()
        .flat_map(|p| external_access(p, &zone))
        .collect();
    let rows: Vec<(String, String, Row)> = found
        .iter()
        .map(|f| (f.owner_account.clone(), f.region.clone(), f.row()))
        .collect();
    store.replace_table(&EXTERNAL_ACCESS, &rows, time::OffsetDateTime::now_utc())?;
    Ok(ExternalReport {
        policies: policies.len(),
        zone_accounts: zone.accounts.len(),
        zone_orgs: zone.orgs.len(),
        found,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn found(kind: &'static str, policy: Value) -> CollectedPolicy {
        CollectedPolicy {
            resource_type: kind,
            arn: "arn:aws:iam::111122223333:role/r".into(),
            account_id: "111122223333".into(),
            region: "global".into(),
            policy,
            public_restricted: false,
        }
    }

    fn zone() -> Zone {
        Zone {
            accounts: ["111122223333", "222233334444"].map(String::from).into(),
            orgs: ["o-ours"].map(String::from).into(),
        }
    }

    #[test]
    fn github_subjects_must_name_their_owner() {
        assert!(pinned_to_owner("repo:anycompany/infra:ref:refs/heads/main"));
        assert!(pinned_to_owner("repo:anycompany/*"));
        assert!(!pinned_to_owner("repo:*"));
        assert!(!pinned_to_owner("repo:any*/infra:*"));
        assert!(!pinned_to_owner("*"));
    }

    #[test]
    fn the_zone_is_left_alone_and_an_outsider_is_flagged() {
        let trust = |principal: Value| {
            found(
                "AWS::IAM::Role",
                json!({"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]}),
            )
        };
        assert!(external_access(&trust(json!({"AWS": "222233334444"})), &zone()).is_empty());
        let out = external_access(
            &trust(json!({"AWS": "arn:aws:iam::555566667777:role/ci"})),
            &zone(),
        );
        assert_eq!(out.len(), 1);
        assert_eq!(
            (out[0].kind, out[0].status, out[0].flags.clone()),
            ("external_account", "confirmed", vec!["no_external_id"])
        );
        // a Deny for everyone outside the organization wins over the Allow
        let denied = found(
            "AWS::IAM::Role",
            json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"},
                {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                 "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-ours"}}}]}),
        );
        assert!(external_access(&denied, &zone()).is_empty());
    }

    #[test]
    fn a_source_ip_condition_makes_public_access_conditional() {
        let bucket = CollectedPolicy {
            resource_type: "AWS::S3::Bucket",
            arn: "arn:aws:s3:::site".into(),
            account_id: "111122223333".into(),
            region: "us-east-1".into(),
            policy: json!({"Version": "2012-10-17", "Statement": [{"Sid": "Office",
                "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::site/*",
                "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}),
            public_restricted: false,
        };
        let out = external_access(&bucket, &zone());
        assert_eq!(out.len(), 1);
        assert_eq!(
            (out[0].kind, out[0].status, out[0].is_public),
            ("public", "conditional", false)
        );
        assert_eq!(out[0].unresolved_keys, ["aws:SourceIp"]);
        assert_eq!(out[0].statement, "Office");
    }

    #[test]
    fn a_bucket_that_restricts_public_buckets_is_not_public_but_says_why() {
        let bucket = CollectedPolicy {
            resource_type: "AWS::S3::Bucket",
            arn: "arn:aws:s3:::site".into(),
            account_id: "111122223333".into(),
            region: "us-east-1".into(),
            policy: json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::site/*"}]}),
            public_restricted: true,
        };
        let out = external_access(&bucket, &zone());
        assert_eq!(out.len(), 1);
        assert!(!out[0].is_public);
        assert_eq!(out[0].flags, ["restricted_by_public_access_block"]);
    }
}
