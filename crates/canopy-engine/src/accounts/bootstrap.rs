//! `canopy account bootstrap-role`: one role, the same in every selected account — trusting a
//! given account (the security team's), with the given managed policies — created where it is
//! missing and corrected where it differs, reached through the role Organizations made in each
//! account (`OrganizationAccountAccessRole`, or another). Planned per account from what IAM
//! says now; applying it twice changes nothing the second time.

use canopy_aws::{AccountRoles, AwsError, AwsSession, RoleSpec};
use canopy_model::{AccountId, Partition};
use serde_json::{Value, json};

use crate::fanout::Target;
use canopy_model::Stop;

/// The role wanted in every account.
#[derive(Debug, Clone)]
pub struct WantedRole {
    pub name: String,
    /// The account its trust policy names.
    pub trust: AccountId,
    /// The external id the trust policy requires, if any.
    pub external_id: Option<String>,
    /// Managed policy ARNs to attach (policies attached besides these are left alone).
    pub policies: Vec<String>,
}

/// The AWS managed policies the seeds' security-audit role holds by default.
pub fn default_policies(partition: &Partition) -> Vec<String> {
    vec![
        format!("arn:{partition}:iam::aws:policy/SecurityAudit"),
        format!("arn:{partition}:iam::aws:policy/job-function/ViewOnlyAccess"),
    ]
}

impl WantedRole {
    /// The trust policy: the trusted account's root may assume it (with the external id).
    pub fn trust_policy(&self, partition: &Partition) -> Value {
        let mut statement = json!({
            "Effect": "Allow",
            "Principal": {"AWS": format!("arn:{partition}:iam::{}:root", self.trust)},
            "Action": "sts:AssumeRole",
        });
        if let Some(id) = &self.external_id {
            statement["Condition"] = json!({"StringEquals": {"sts:ExternalId": id}});
        }
        json!({"Version": "2012-10-17", "Statement": [statement]})
    }
}

/// One change to one account's role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleChange {
    Create,
    /// The trust policy differs: replaced whole.
    SetTrust,
    Attach(String),
}

impl std::fmt::Display for RoleChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Create => f.write_str("create"),
            Self::SetTrust => f.write_str("set trust"),
            Self::Attach(arn) => write!(f, "attach {}", arn.rsplit('/').next().unwrap_or(arn)),
        }
    }
}

/// One account's plan, or why it has none.
#[derive(Debug, Clone)]
pub struct AccountRole {
    pub account: AccountId,
    pub name: String,
    /// The account's partition (its trust policy names the trusted account in it).
    pub partition: Partition,
    pub changes: Vec<RoleChange>,
    pub error: Option<AwsError>,
    /// The changes made (after apply).
    pub done: bool,
}

/// Reads each account's role (through `via`) and plans what would make it the wanted one.
pub async fn plan(
    aws: &AwsSession,
    targets: &[Target],
    via: &RoleSpec,
    wanted: &WantedRole,
    concurrency: usize,
) -> Vec<AccountRole> {
    let mut out: Vec<AccountRole> = crate::fanout::each(targets, concurrency, |t| async move {
        let mut plan = AccountRole {
            account: t.account.clone(),
            name: t.name.clone(),
            partition: t.partition.clone(),
            changes: Vec::new(),
            error: None,
            done: false,
        };
        let read = async {
            let roles = AccountRoles::new(aws.account(&t.account, via).await?);
            roles.role_now(&wanted.name).await
        };
        match read.await {
            Ok(None) => {
                plan.changes.push(RoleChange::Create);
                plan.changes
                    .extend(wanted.policies.iter().cloned().map(RoleChange::Attach));
            }
            Ok(Some(now)) => {
                if now.trust != wanted.trust_policy(&t.partition) {
                    plan.changes.push(RoleChange::SetTrust);
                }
                plan.changes.extend(
                    wanted
                        .policies
                        .iter()
                        .filter(|p| !now.attached.contains(p))
                        .cloned()
                        .map(RoleChange::Attach),
                );
            }
            Err(e) => plan.error = Some(e),
        }
        plan
    })
    .await;
    out.sort_by(|a, b| a.name.cmp(&b.name).then(a.account.cmp(&b.account)));
    out
}

/// Makes the planned changes, account by account (concurrently); a failing account does not
/// stop the others. Once `stop` is asked for, no new change starts: the accounts not reached
/// are left not done (the changes sent are finished first).
pub async fn apply(
    aws: &AwsSession,
    via: &RoleSpec,
    wanted: &WantedRole,
    plans: Vec<AccountRole>,
    concurrency: usize,
    stop: &Stop,
) -> Vec<AccountRole> {
    let mut out: Vec<AccountRole> =
        crate::fanout::each(plans, concurrency, |mut plan| async move {
            if plan.error.is_some() || plan.changes.is_empty() {
                return plan;
            }
            let trust = wanted.trust_policy(&plan.partition);
            let made = async {
                let roles = AccountRoles::new(aws.account(&plan.account, via).await?);
                for change in &plan.changes {
                    if stop.requested() {
                        return Ok(false);
                    }
                    match change {
                        RoleChange::Create => {
                            let about =
                                format!("Trusted by account {}; made by canopy", wanted.trust);
                            roles.create_role(&wanted.name, &trust, &about).await?;
                        }
                        RoleChange::SetTrust => {
                            roles.set_trust(&wanted.name, &trust).await?;
                        }
                        RoleChange::Attach(arn) => {
                            roles.attach_policy(&wanted.name, arn).await?;
                        }
                    }
                }
                Ok::<bool, AwsError>(true)
            };
            match made.await {
                Ok(done) => plan.done = done,
                Err(e) => plan.error = Some(e),
            }
            plan
        })
        .await;
    out.sort_by(|a, b| a.name.cmp(&b.name).then(a.account.cmp(&b.account)));
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_trust_policy_names_the_account_and_the_external_id() {
        let wanted = WantedRole {
            name: "security-audit".into(),
            trust: "999988887777".parse().unwrap(),
            external_id: Some("x-1".into()),
            policies: default_policies(&Partition::aws()),
        };
        let doc = wanted.trust_policy(&Partition::aws());
        assert_eq!(
            doc["Statement"][0]["Principal"]["AWS"],
            "arn:aws:iam::999988887777:root"
        );
        assert_eq!(
            doc["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"],
            "x-1"
        );
        assert_eq!(
            wanted.policies[1],
            "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"
        );
        assert_eq!(
            RoleChange::Attach(wanted.policies[1].clone()).to_string(),
            "attach ViewOnlyAccess"
        );
    }
}
