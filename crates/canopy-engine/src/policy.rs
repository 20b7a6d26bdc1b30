//! The policy engine against the synced organizations: the policies in force along an account's
//! path (`effective`), a request simulated with the SCPs of that path and the organization
//! context keys derived from the snapshot (`simulate`), and boundary policies built from the
//! tree (`boundary`).

use canopy_model::{Account, AccountId, OrgSnapshot, Organization, TargetType};
use canopy_policy::{Context, Explanation, Policy, PolicySet, Principal, Request, ScpLevel};
use serde_json::{Value, json};

use crate::error::EngineError;

/// The SCP policy type.
pub const SCP: &str = "SERVICE_CONTROL_POLICY";

/// One node of the path from the root to an account, with what is attached there.
#[derive(Debug, Clone)]
pub struct Level<'a> {
    pub node: String,
    /// `root`, `ou` or `account`.
    pub kind: &'static str,
    pub name: String,
    /// Every policy attached to this node (any type), by type then name.
    pub policies: Vec<&'a canopy_model::Policy>,
}

impl Level<'_> {
    pub fn scps(&self) -> impl Iterator<Item = &canopy_model::Policy> {
        self.policies
            .iter()
            .copied()
            .filter(|p| p.policy_type == SCP)
    }
}

/// The policies in force at each level of an account's path.
#[derive(Debug, Clone)]
pub struct Effective<'a> {
    pub snapshot: &'a OrgSnapshot,
    pub account: &'a Account,
    /// `Root/Sports/Baseball`.
    pub name_path: String,
    /// `o-.../r-.../ou-.../` (the account's aws:PrincipalOrgPaths).
    pub org_path: String,
    /// SCPs do not apply to the management account.
    pub is_management: bool,
    /// Whether SCPs are enabled on the root.
    pub scps_enabled: bool,
    pub levels: Vec<Level<'a>>,
}

/// The organization (snapshot) an account belongs to.
pub fn find_account<'a>(
    snapshots: &'a [OrgSnapshot],
    account: &AccountId,
) -> Option<(&'a OrgSnapshot, &'a Account)> {
    snapshots
        .iter()
        .find_map(|s| s.accounts.iter().find(|a| &a.id == account).map(|a| (s, a)))
}

/// The policies attached at each node from the root to `account`.
pub fn effective<'a>(
    snapshots: &'a [OrgSnapshot],
    account: &AccountId,
) -> Result<Effective<'a>, EngineError> {
    let (snapshot, acct) = find_account(snapshots, account)
        .ok_or_else(|| EngineError::UnknownAccount(account.clone()))?;
    let index = snapshot.index();
    let mut levels = Vec::new();
    let lineage = index.lineage(acct.parent_id.as_str());
    let attached = |node: &str, kind: TargetType| {
        let mut found: Vec<&canopy_model::Policy> = snapshot
            .policies
            .iter()
            .filter(|p| {
                p.targets
                    .iter()
                    .any(|t| t.target_id == node && t.target_type == kind)
            })
            .collect();
        found.sort_by(|a, b| {
            a.policy_type
                .cmp(&b.policy_type)
                .then(a.name.cmp(&b.name))
                .then(a.id.cmp(&b.id))
        });
        found
    };
    for node in &lineage {
        let (kind, target) = if *node == snapshot.root.id {
            ("root", TargetType::Root)
        } else {
            ("ou", TargetType::OrganizationalUnit)
        };
        levels.push(Level {
            node: (*node).to_owned(),
            kind,
            name: index.node_name(node).unwrap_or(node).to_owned(),
            policies: attached(node, target),
        });
    }
    levels.push(Level {
        node: acct.id.to_string(),
        kind: "account",
        name: acct.name.clone(),
        policies: attached(acct.id.as_str(), TargetType::Account),
    });
    Ok(Effective {
        snapshot,
        account: acct,
        name_path: index.name_path(acct.parent_id.as_str()),
        org_path: index.ou_path(acct.parent_id.as_str()),
        is_management: snapshot.organization.management_account_id == acct.id,
        scps_enabled: snapshot.root.enabled_policy_types.iter().any(|t| t == SCP),
        levels,
    })
}

fn parse_scp(p: &canopy_model::Policy) -> Result<Policy, EngineError> {
    Policy::parse_str(&p.content).map_err(|e| EngineError::UnreadableScp {
        name: p.name.clone(),
        id: p.id.to_string(),
        why: e.to_string(),
    })
}

/// What to simulate.
#[derive(Debug, Clone, Default)]
pub struct SimulateInput {
    pub account: Option<AccountId>,
    pub action: String,
    pub resource: Option<String>,
    pub resource_account: Option<String>,
    /// Defaults to a role named `canopy-simulated` in the account.
    pub principal: Option<String>,
    /// `KEY=VALUE` pairs; a repeated key is a list. They win over derived keys.
    pub context: Vec<(String, String)>,
    /// `(file name, document)`; none: the principal's identity policies are assumed to allow.
    pub identity_policies: Vec<(String, Policy)>,
    pub resource_policy: Option<(String, Policy)>,
}

/// One key of a simulated request's context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextRow {
    pub key: String,
    pub values: Vec<String>,
    /// A multivalued key.
    pub list: bool,
    /// Derived from the synced organizations (not given with --context).
    pub derived: bool,
}

/// A simulated request and its explanation.
#[derive(Debug, Clone)]
pub struct Simulation {
    pub principal: String,
    pub account: AccountId,
    pub org_id: String,
    pub name_path: String,
    pub is_management: bool,
    /// The request context used.
    pub context: Vec<ContextRow>,
    /// Whether identity policies were assumed to allow (none given).
    pub assumed_identity_allow: bool,
    /// SCP levels (node, name, SCP names) as evaluated, root first.
    pub levels: Vec<(String, String, Vec<String>)>,
    pub identity_names: Vec<String>,
    pub resource_name: Option<String>,
    pub explanation: Explanation,
}

/// Simulates a request made from `input.account` against the SCPs of its path.
pub fn simulate(
    snapshots: &[OrgSnapshot],
    input: SimulateInput,
) -> Result<Simulation, EngineError> {
    let account = match (&input.account, &input.principal) {
        (Some(a), _) => a.clone(),
        (None, Some(p)) => Principal::parse(p)
            .account()
            .and_then(|a| a.parse::<AccountId>().ok())
            .ok_or_else(|| EngineError::NoAccount {
                principal: Some(p.clone()),
            })?,
        (None, None) => return Err(EngineError::NoAccount { principal: None }),
    };
    let eff = effective(snapshots, &account)?;
    let org: &Organization = &eff.snapshot.organization;
    let principal = input
        .principal
        .clone()
        .unwrap_or_else(|| canopy_model::role_arn(&org.partition, &account, "canopy-simulated"));
    let parsed = Principal::parse(&principal);
    if let Some(p_account) = parsed.account()
        && p_account != account.as_str()
    {
        return Err(EngineError::PrincipalElsewhere {
            principal,
            account: account.clone(),
        });
    }

    // derived keys: the principal's side from its account, the resource's side when the
    // resource's account is in a synced organization; the user's --context wins
    let mut derived: Vec<(String, Vec<String>, bool)> = vec![
        (
            "aws:PrincipalAccount".into(),
            vec![account.to_string()],
            false,
        ),
        ("aws:PrincipalOrgID".into(), vec![org.id.to_string()], false),
        (
            "aws:PrincipalOrgPaths".into(),
            vec![eff.org_path.clone()],
            true,
        ),
    ];
    if matches!(parsed, Principal::Arn { .. }) {
        derived.push((
            "aws:PrincipalArn".into(),
            vec![principal_arn(&principal)],
            false,
        ));
    }
    let resource_account = input.resource_account.clone().or_else(|| {
        input
            .resource
            .as_deref()
            .and_then(canopy_model::Arn::parse)
            .and_then(|arn| arn.account())
            .map(str::to_owned)
    });
    if let Some(ra) = &resource_account {
        derived.push(("aws:ResourceAccount".into(), vec![ra.clone()], false));
        if let Ok(id) = ra.parse::<AccountId>()
            && let Ok(r_eff) = effective(snapshots, &id)
        {
            derived.push((
                "aws:ResourceOrgID".into(),
                vec![r_eff.snapshot.organization.id.to_string()],
                false,
            ));
            derived.push((
                "aws:ResourceOrgPaths".into(),
                vec![r_eff.org_path.clone()],
                true,
            ));
        }
    }
    let given: Vec<String> = input
        .context
        .iter()
        .map(|(k, _)| k.to_lowercase())
        .collect();
    let mut context: Vec<ContextRow> = derived
        .into_iter()
        .filter(|(k, _, _)| !given.contains(&k.to_lowercase()))
        .map(|(key, values, list)| ContextRow {
            key,
            values,
            list,
            derived: true,
        })
        .collect();
    // the user's pairs, grouped by key (a repeated key is a list)
    for (i, (key, _)) in input.context.iter().enumerate() {
        if given[..i].contains(&given[i]) {
            continue;
        }
        let values: Vec<String> = input
            .context
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.clone())
            .collect();
        context.push(ContextRow {
            key: key.clone(),
            list: values.len() > 1,
            values,
            derived: false,
        });
    }
    let mut ctx = Context::default();
    for row in &context {
        ctx.insert(&row.key, row.values.clone(), row.list);
    }

    let mut scp_levels = Vec::new();
    let mut levels = Vec::new();
    if !eff.is_management && eff.scps_enabled {
        for level in &eff.levels {
            let scps: Vec<&canopy_model::Policy> = level.scps().collect();
            scp_levels.push(ScpLevel {
                node: level.node.clone(),
                policies: scps
                    .iter()
                    .map(|p| parse_scp(p))
                    .collect::<Result<_, _>>()?,
            });
            levels.push((
                level.node.clone(),
                level.name.clone(),
                scps.iter().map(|p| p.name.clone()).collect(),
            ));
        }
    }
    let assumed_identity_allow = input.identity_policies.is_empty();
    let identity_names: Vec<String> = input
        .identity_policies
        .iter()
        .map(|(n, _)| n.clone())
        .collect();
    let identity: Vec<Policy> = if assumed_identity_allow {
        vec![Policy::parse_str(
            r#"{"Version": "2012-10-17", "Statement": [{"Sid": "AssumedIdentityAllow", "Effect": "Allow", "Action": "*", "Resource": "*"}]}"#,
        )
        .map_err(|e| EngineError::Internal(e.to_string()))?]
    } else {
        input
            .identity_policies
            .into_iter()
            .map(|(_, p)| p)
            .collect()
    };
    let resource_name = input.resource_policy.as_ref().map(|(n, _)| n.clone());
    let set = PolicySet {
        identity,
        resource: input.resource_policy.map(|(_, p)| p),
        scp_levels,
    };
    let request = Request::new(
        parsed,
        &input.action,
        input.resource.as_deref(),
        resource_account.as_deref(),
        ctx,
    );
    Ok(Simulation {
        principal,
        account,
        org_id: org.id.to_string(),
        name_path: eff.name_path.clone(),
        is_management: eff.is_management,
        context,
        assumed_identity_allow,
        levels,
        identity_names,
        resource_name,
        explanation: set.explain(&request),
    })
}

/// aws:PrincipalArn of a principal: for an assumed-role session, the role's ARN.
fn principal_arn(principal: &str) -> String {
    match Principal::parse(principal) {
        Principal::Arn {
            partition,
            account,
            kind,
            role_name: Some(role),
            ..
        } if kind == "assumed-role" => canopy_model::Arn {
            partition: &partition,
            service: "iam",
            region: "",
            account: &account,
            resource: &format!("role/{role}"),
        }
        .to_string(),
        _ => principal.to_owned(),
    }
}

/// The boundary's scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Organization,
    Ous(Vec<String>),
    Accounts(Vec<AccountId>),
}

/// Where the boundary policy goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoundaryKind {
    /// Attached to principals: they may reach only resources inside the scope.
    Identity,
    /// An SCP: every principal of the accounts it is attached to.
    Scp,
    /// On a resource: only principals inside the scope may reach it.
    Resource,
}

/// The deny-outside-boundary policy of the condition-keys post, for the synced tree.
pub fn boundary(
    snapshots: &[OrgSnapshot],
    scope: &Scope,
    actions: &[String],
    kind: BoundaryKind,
) -> Result<Value, EngineError> {
    if snapshots.is_empty() {
        return Err(EngineError::NothingSynced);
    }
    let principal_side = kind == BoundaryKind::Resource;
    let condition = match scope {
        Scope::Organization => {
            if principal_side {
                let orgs: Vec<String> = snapshots
                    .iter()
                    .map(|s| s.organization.id.to_string())
                    .collect();
                json!({"StringNotEquals": {"aws:PrincipalOrgID": orgs}})
            } else {
                json!({"StringNotEquals": {"aws:ResourceOrgID": "${aws:PrincipalOrgID}"}})
            }
        }
        Scope::Ous(ous) => {
            let mut paths = Vec::new();
            for wanted in ous {
                let found = snapshots.iter().find_map(|s| {
                    let index = s.index();
                    index
                        .find_nodes(wanted)
                        .first()
                        .map(|node| format!("{}*", index.ou_path(node)))
                });
                match found {
                    Some(p) => paths.push(p),
                    None => {
                        return Err(EngineError::NoSuchOu {
                            ou: wanted.clone(),
                            within: crate::error::OuWithin::Synced,
                        });
                    }
                }
            }
            let key = if principal_side {
                "aws:PrincipalOrgPaths"
            } else {
                "aws:ResourceOrgPaths"
            };
            json!({"ForAllValues:StringNotLike": {key: paths}})
        }
        Scope::Accounts(ids) => {
            for id in ids {
                if find_account(snapshots, id).is_none() {
                    return Err(EngineError::UnknownAccount(id.clone()));
                }
            }
            let key = if principal_side {
                "aws:PrincipalAccount"
            } else {
                "aws:ResourceAccount"
            };
            json!({"StringNotEquals": {key: ids.iter().map(ToString::to_string).collect::<Vec<_>>()}})
        }
    };
    let mut statement = json!({
        "Sid": "DenyOutsideBoundary",
        "Effect": "Deny",
        "Action": actions,
        "Resource": "*",
        "Condition": condition,
    });
    if principal_side {
        statement["Principal"] = json!("*");
        // AWS services acting for you carry no organization keys: do not lock them out
        statement["Condition"]["BoolIfExists"] = json!({"aws:PrincipalIsAWSService": "false"});
    }
    Ok(json!({"Version": "2012-10-17", "Statement": [statement]}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_is_its_role_for_principal_arn() {
        assert_eq!(
            principal_arn("arn:aws:sts::111122223333:assumed-role/app/alice"),
            "arn:aws:iam::111122223333:role/app"
        );
        assert_eq!(
            principal_arn("arn:aws-cn:sts::111122223333:assumed-role/app/s"),
            "arn:aws-cn:iam::111122223333:role/app"
        );
        assert_eq!(
            principal_arn("arn:aws:iam::111122223333:user/bob"),
            "arn:aws:iam::111122223333:user/bob"
        );
    }
}
