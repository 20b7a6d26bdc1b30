//! `canopy access can PRINCIPAL ACTION RESOURCE`: whether an Identity Center user or group can
//! make a request in an account, decided offline by the policy engine from what is stored —
//! each permission set the principal holds there (its inline policy, its AWS-managed policies,
//! its customer-managed policies as collected in that account) and the account's SCPs — and
//! explained level by level as `policy simulate` does.
//!
//! Each permission set is a role of its own in the account (a user signs in with one at a
//! time), so each is decided apart; the answer is yes when one of them allows. AWS-managed
//! policies are read from IAM once (GetPolicy, GetPolicyVersion) and kept in the store.

use canopy_aws::{AWS_MANAGED_POLICY, AwsSession, ManagedPolicy, RoleSpec, managed_policy};
use canopy_model::inventory::{Batch, Row};
use canopy_model::{AccountId, OrgSnapshot};
use canopy_policy::Policy;
use canopy_store::{Store, UnitKey};

use crate::access::Principal;
use crate::error::{EngineError, Hint};
use crate::policy::{SimulateInput, Simulation, simulate};

/// What to decide.
#[derive(Debug, Clone)]
pub struct CanInput {
    pub principal: Principal,
    /// The account the principal signs in to (id or name); by default the resource's.
    pub account: Option<String>,
    pub action: String,
    pub resource: Option<String>,
    /// `KEY=VALUE` pairs added to the request's context.
    pub context: Vec<(String, String)>,
}

/// One permission set, decided.
#[derive(Debug, Clone)]
pub struct SetDecision {
    pub name: String,
    pub arn: String,
    /// `direct`, or the groups it comes through.
    pub via: Vec<String>,
    /// Policies that could not be read (a customer-managed policy not collected in the account,
    /// an AWS-managed policy IAM does not know): the decision is made without them.
    pub unread: Vec<String>,
    pub simulation: Simulation,
}

/// The answer.
#[derive(Debug, Clone)]
pub struct CanReport {
    pub account: AccountId,
    pub account_name: String,
    pub sets: Vec<SetDecision>,
    /// AWS-managed policies read from IAM this time (the rest came from the store).
    pub fetched: usize,
}

impl CanReport {
    /// Whether some permission set allows the request.
    pub fn allowed(&self) -> bool {
        self.sets.iter().any(|s| {
            s.simulation.explanation.evaluation.decision == canopy_policy::Decision::Allowed
        })
    }
}

/// The account `wanted` names (id or name), or the resource ARN's.
fn account_of(
    snapshots: &[OrgSnapshot],
    wanted: Option<&str>,
    resource: Option<&str>,
) -> Result<(AccountId, String), EngineError> {
    let text = match (wanted, resource) {
        (Some(w), _) => w.to_owned(),
        (None, Some(r)) => canopy_model::Arn::parse(r)
            .and_then(|a| a.account().map(str::to_owned))
            .ok_or_else(|| EngineError::Refused {
                message: format!("the resource `{r}` names no account"),
                hint: Hint::NameAccount,
            })?,
        (None, None) => {
            return Err(EngineError::Refused {
                message: "no account is named, and no resource ARN names one".into(),
                hint: Hint::NameAccount,
            });
        }
    };
    let found: Vec<(AccountId, String)> = snapshots
        .iter()
        .flat_map(|s| &s.accounts)
        .filter(|a| a.id.as_str() == text || a.name == text)
        .map(|a| (a.id.clone(), a.name.clone()))
        .collect();
    match found.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(EngineError::NoSuchAccount(text.to_owned())),
        _ => Err(EngineError::AmbiguousAccount {
            name: text.to_owned(),
            ids: found.iter().map(|(id, _)| id.to_string()).collect(),
        }),
    }
}

fn parsed(name: &str, document: &serde_json::Value) -> Result<Policy, EngineError> {
    Policy::parse(document, "")
        .map_err(|e| EngineError::Internal(format!("policy `{name}` does not parse: {e}")))
}

/// The AWS-managed policies `arns`, from the store, else read from IAM through `through` and
/// added to the store.
async fn managed_documents(
    store: &mut Store,
    aws: &AwsSession,
    role: &RoleSpec,
    through: &str,
    arns: &[String],
) -> Result<(Vec<ManagedPolicy>, usize), EngineError> {
    let kept = store.aws_managed_policies()?;
    let mut out = Vec::new();
    let mut fetched = Vec::new();
    let missing: Vec<&String> = arns.iter().filter(|a| !kept.contains_key(*a)).collect();
    if !missing.is_empty() {
        let account: AccountId = through
            .parse()
            .map_err(|e| EngineError::Internal(format!("{e}")))?;
        let session = aws.account(&account, role).await?;
        for arn in missing {
            if let Some(policy) = managed_policy(&session, arn).await? {
                fetched.push(policy);
            }
        }
    }
    for arn in arns {
        if let Some((name, version, document)) = kept.get(arn) {
            out.push(ManagedPolicy {
                arn: arn.clone(),
                name: name.clone(),
                version_id: version.clone(),
                document: document.clone(),
            });
        } else if let Some(p) = fetched.iter().find(|p| &p.arn == arn) {
            out.push(p.clone());
        }
    }
    if !fetched.is_empty() {
        // the store's copies are one unit: the ones kept and the ones just read, written whole
        let mut rows: Vec<Row> = kept
            .iter()
            .map(|(arn, (name, version, document))| {
                ManagedPolicy {
                    arn: arn.clone(),
                    name: name.clone(),
                    version_id: version.clone(),
                    document: document.clone(),
                }
                .row(partition_of(arn))
            })
            .collect();
        rows.extend(fetched.iter().map(|p| p.row(partition_of(&p.arn))));
        store.replace_unit(
            UnitKey {
                account_id: "aws",
                region: "global",
            },
            &[&AWS_MANAGED_POLICY],
            &[Batch::new(&AWS_MANAGED_POLICY, rows)],
            time::OffsetDateTime::now_utc(),
        )?;
    }
    Ok((out, fetched.len()))
}

fn partition_of(arn: &str) -> &str {
    canopy_model::Arn::parse(arn).map_or("aws", |a| a.partition)
}

/// Decides the request for every permission set the principal holds on the account.
pub async fn can(
    store: &mut Store,
    snapshots: &[OrgSnapshot],
    aws: &AwsSession,
    payer_role: &RoleSpec,
    input: CanInput,
) -> Result<CanReport, EngineError> {
    let (account, account_name) = account_of(
        snapshots,
        input.account.as_deref(),
        input.resource.as_deref(),
    )?;
    let group = input.principal.kind == canopy_aws::PrincipalKind::Group;
    let held = store.sso_held_sets(&input.principal.name, group, account.as_str())?;
    let policies: Vec<canopy_store::SetPolicies> = held
        .iter()
        .map(|set| store.sso_set_policies(&set.arn))
        .collect::<Result<_, _>>()?;
    // every AWS-managed policy of every permission set, looked up (and read from IAM) once
    let mut arns: Vec<String> = policies.iter().flat_map(|p| p.managed.clone()).collect();
    arns.sort();
    arns.dedup();
    let (managed, fetched) = match held.first() {
        Some(first) if !arns.is_empty() => {
            managed_documents(store, aws, payer_role, &first.read_through, &arns).await?
        }
        _ => (Vec::new(), 0),
    };
    let mut sets = Vec::new();
    for (set, policies) in held.into_iter().zip(policies) {
        let name = set.name.clone().unwrap_or_else(|| set.arn.clone());
        let mut identity: Vec<(String, Policy)> = Vec::new();
        let mut unread = Vec::new();
        if let Some(inline) = &policies.inline {
            identity.push((format!("inline ({name})"), parsed(&name, inline)?));
        }
        for arn in &policies.managed {
            match managed.iter().find(|m| &m.arn == arn) {
                Some(m) => identity.push((m.arn.clone(), parsed(&m.arn, &m.document)?)),
                None => unread.push(arn.clone()),
            }
        }
        for (policy, path) in &policies.customer {
            let label = format!("{path}{policy} (customer managed)");
            match store.customer_policy(account.as_str(), policy, path)? {
                Some(document) => identity.push((label.clone(), parsed(&label, &document)?)),
                None => unread.push(label),
            }
        }
        if identity.is_empty() {
            // nothing grants: an empty policy, so nothing is assumed to allow
            identity.push((
                format!("({name} grants nothing)"),
                parsed(
                    &name,
                    &serde_json::json!({"Version": "2012-10-17", "Statement": []}),
                )?,
            ));
        }
        let session_name = match input.principal.kind {
            canopy_aws::PrincipalKind::User => input.principal.name.clone(),
            canopy_aws::PrincipalKind::Group => "member".to_owned(),
        };
        let principal = format!(
            "arn:{}:sts::{account}:assumed-role/AWSReservedSSO_{name}_canopy/{session_name}",
            snapshots
                .iter()
                .find(|s| s.accounts.iter().any(|a| a.id == account))
                .map_or("aws", |s| s.organization.partition.as_str()),
        );
        let simulation = simulate(
            snapshots,
            SimulateInput {
                account: Some(account.clone()),
                action: input.action.clone(),
                resource: input.resource.clone(),
                resource_account: Some(account.to_string()),
                principal: Some(principal),
                context: input.context.clone(),
                identity_policies: identity,
                resource_policy: None,
            },
        )?;
        sets.push(SetDecision {
            name,
            arn: set.arn,
            via: set.via,
            unread,
            simulation,
        });
    }
    Ok(CanReport {
        account,
        account_name,
        sets,
        fetched,
    })
}
