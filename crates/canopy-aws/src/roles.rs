//! One IAM role in one account, read and made to match: its trust policy and its attached
//! managed policies. Every write here is idempotent (creating a role that exists is answered
//! EntityAlreadyExists, treated as done; attaching an attached policy or setting the same trust
//! changes nothing), so these calls are retried like reads.

use serde_json::Value;

use crate::document::policy_json;
use crate::error::AwsError;
use crate::page::paginate;
use crate::retry::call;
use crate::session::AccountSession;

/// A role as it is now.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleNow {
    /// The trust policy, parsed (null when IAM's answer was not JSON).
    pub trust: Value,
    /// The attached managed policies' ARNs.
    pub attached: Vec<String>,
}

/// One account's IAM roles: one client for every call about them.
pub struct AccountRoles {
    session: AccountSession,
    iam: aws_sdk_iam::Client,
}

impl std::fmt::Debug for AccountRoles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountRoles")
            .field("account", &self.session.account)
            .finish()
    }
}

impl AccountRoles {
    pub fn new(session: AccountSession) -> Self {
        Self {
            iam: aws_sdk_iam::Client::new(&session.config),
            session,
        }
    }

    /// The role's trust policy and attached policies; `None` when there is no such role.
    pub async fn role_now(&self, name: &str) -> Result<Option<RoleNow>, AwsError> {
        let scope = self.session.scope();
        let got = call(&scope, "iam:GetRole", None, || {
            self.iam.get_role().role_name(name).send()
        })
        .await;
        let role = match got {
            Ok(out) => out,
            Err(e) if e.code == "NoSuchEntity" || e.code == "NoSuchEntityException" => {
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        let trust = role
            .role()
            .and_then(|r| r.assume_role_policy_document())
            .map_or(Value::Null, |doc| policy_json(doc).unwrap_or(Value::Null));
        let mut attached = Vec::new();
        paginate(
            &scope,
            "iam:ListAttachedRolePolicies",
            None,
            |marker| {
                self.iam
                    .list_attached_role_policies()
                    .role_name(name)
                    .set_marker(marker)
                    .send()
            },
            |page| page.is_truncated().then_some(page.marker()).flatten(),
            |page| {
                attached.extend(
                    page.attached_policies()
                        .iter()
                        .filter_map(|p| p.policy_arn().map(str::to_owned)),
                );
            },
        )
        .await?;
        Ok(Some(RoleNow { trust, attached }))
    }

    /// Creates the role with this trust policy (a role made meanwhile counts as made).
    pub async fn create_role(
        &self,
        name: &str,
        trust: &Value,
        description: &str,
    ) -> Result<(), AwsError> {
        let doc = trust.to_string();
        let made = call(&self.session.scope(), "iam:CreateRole", None, || {
            self.iam
                .create_role()
                .role_name(name)
                .assume_role_policy_document(&doc)
                .description(description)
                .send()
        })
        .await;
        match made {
            Ok(_) => Ok(()),
            Err(e) if e.code == "EntityAlreadyExists" => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Replaces the role's trust policy.
    pub async fn set_trust(&self, name: &str, trust: &Value) -> Result<(), AwsError> {
        let doc = trust.to_string();
        call(
            &self.session.scope(),
            "iam:UpdateAssumeRolePolicy",
            None,
            || {
                self.iam
                    .update_assume_role_policy()
                    .role_name(name)
                    .policy_document(&doc)
                    .send()
            },
        )
        .await?;
        Ok(())
    }

    /// Attaches a managed policy to the role.
    pub async fn attach_policy(&self, name: &str, arn: &str) -> Result<(), AwsError> {
        call(&self.session.scope(), "iam:AttachRolePolicy", None, || {
            self.iam
                .attach_role_policy()
                .role_name(name)
                .policy_arn(arn)
                .send()
        })
        .await?;
        Ok(())
    }
}
