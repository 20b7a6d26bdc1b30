//! AWS-managed policies, read by ARN (GetPolicy for the default version, then GetPolicyVersion)
//! and kept in the store, so `access can` asks IAM once per policy, not once per question.

use canopy_model::inventory::{Cell, Row};
use canopy_model::table::{Column, Scope, TableDef};
use serde_json::Value;

use crate::document::policy_json;
use crate::error::AwsError;
use crate::retry::call;
use crate::session::AccountSession;

/// The store's copy of the AWS-managed policies `access can` needed (account `aws`, region
/// `global`).
pub const AWS_MANAGED_POLICY: TableDef = TableDef {
    name: "canopy_aws_managed_policy",
    scope: Scope::Global,
    description: "AWS-managed policies canopy read for `access can`, with their default version's document",
    columns: &[
        Column::text("arn", "The policy's ARN").required(),
        Column::text("name", "The policy's name"),
        Column::text("version_id", "The default version read"),
        Column::json("document", "The default version's document").required(),
        Column::PARTITION,
    ],
    actions: &["iam:GetPolicy", "iam:GetPolicyVersion"],
    filled_by: "access can",
};

/// One AWS-managed policy's default version.
#[derive(Debug, Clone, PartialEq)]
pub struct ManagedPolicy {
    pub arn: String,
    pub name: String,
    pub version_id: String,
    pub document: Value,
}

impl ManagedPolicy {
    /// Its row in [`AWS_MANAGED_POLICY`].
    pub fn row(&self, partition: &str) -> Row {
        Row::default()
            .with("arn", Cell::Text(self.arn.clone()))
            .with("name", Cell::Text(self.name.clone()))
            .with("version_id", Cell::Text(self.version_id.clone()))
            .with("document", Cell::json(self.document.clone()))
            .with("partition", Cell::Text(partition.to_owned()))
    }
}

fn absent(e: &AwsError) -> bool {
    e.code == "NoSuchEntity" || e.code == "NoSuchEntityException"
}

/// The default version of the managed policy `arn`, read through `session`'s account; `None`
/// when IAM knows no such policy.
pub async fn managed_policy(
    session: &AccountSession,
    arn: &str,
) -> Result<Option<ManagedPolicy>, AwsError> {
    let iam = aws_sdk_iam::Client::new(&session.config);
    let scope = session.scope();
    let policy = match call(&scope, "iam:GetPolicy", None, || {
        iam.get_policy().policy_arn(arn).send()
    })
    .await
    {
        Ok(out) => out,
        Err(e) if absent(&e) => return Ok(None),
        Err(e) => return Err(e),
    };
    let Some(policy) = policy.policy() else {
        return Ok(None);
    };
    let version = policy.default_version_id().unwrap_or("v1").to_owned();
    let got = call(&scope, "iam:GetPolicyVersion", None, || {
        iam.get_policy_version()
            .policy_arn(arn)
            .version_id(&version)
            .send()
    })
    .await?;
    let Some(document) = got
        .policy_version()
        .and_then(|v| v.document())
        .and_then(|d| policy_json(d).ok())
    else {
        return Ok(None);
    };
    Ok(Some(ManagedPolicy {
        arn: arn.to_owned(),
        name: policy.policy_name().unwrap_or_default().to_owned(),
        version_id: version,
        document,
    }))
}
