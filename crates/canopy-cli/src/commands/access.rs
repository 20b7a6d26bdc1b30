//! `canopy access assign` / `access revoke`: one Identity Center principal and permission set
//! over many accounts, planned from the assignments that exist, shown, then applied with the
//! journal that makes a killed run resumable.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Result, bail};
use canopy_engine::access::assign::{self as access, AccessPlan, Change};
use canopy_engine::access::assignments::Writer;
use canopy_engine::journal::Journal;
use clap::{Args, Subcommand};

use super::{Ctx, Outcome};
use crate::args::{AccountScope, AccountSelection, SummaryFormat, Yes};
use crate::env;

#[derive(Debug, Subcommand)]
pub enum AccessCommand {
    /// Read every organization's Identity Center whole into the store (reads only)
    #[command(
        after_help = "Fills aws_ssoadmin_instance, aws_ssoadmin_permission_set, aws_ssoadmin_managed_policy_attachment, aws_ssoadmin_customer_policy_attachment, aws_ssoadmin_account_assignment, aws_identitystore_user, aws_identitystore_group, aws_identitystore_group_membership (Steampipe's names and columns, without its required filters), canopy_sso_provisioned, and the view canopy_sso_access. Assignments are read the cheaper way: per provisioned (account, permission set) pair, or per user and group. Every call waits on Identity Center's 20 requests a second.\n\nExamples:\n  canopy access sync\n  canopy access sync --sso-region eu-west-1 --format json\n  canopy query \"select user_name, account_name, permission_set_name, via from canopy_sso_access\""
    )]
    Sync(super::access_matrix::SyncArgs),
    /// Who can sign in to an account, with which permission set, and how (direct or the group)
    #[command(
        after_help = "Reads what `canopy access sync` stored; groups are expanded into their users.\n\nExamples:\n  canopy access who --account 111122223333\n  canopy access who --account media-prod --format csv"
    )]
    Who(super::access_matrix::WhoArgs),
    /// What a user or a group can sign in to
    #[command(
        after_help = "Examples:\n  canopy access what --user jane.doe@example.com\n  canopy access what --group Platform --format json"
    )]
    What(super::access_matrix::WhatArgs),
    /// Permission sets changed since they were provisioned to an account (the account still has the old copy)
    #[command(
        after_help = "Reads what `canopy access sync` stored. Provision the permission set again (console, or sso-admin ProvisionPermissionSet) to bring the accounts up to date.\n\nExample:\n  canopy access drift --format json"
    )]
    Drift(super::access_matrix::DriftArgs),
    /// Who outside every synced organization can reach a role or a resource (offline, from the collected policies)
    #[command(
        after_help = "Reads every role trust policy and every S3, KMS, SQS, SNS, Lambda, Secrets Manager and ECR resource policy `canopy collect` stored. The zone of trust is every account of every synced organization. Each way in is classified (public, external_account, federated, service) and confirmed with canopy's policy engine: a request from an account outside, carrying a non-member's organization keys. `confirmed`: allowed; `conditional`: allowed only if a key the probe cannot know is right (a source IP, an external id, a token claim). Flags: no_external_id, oidc_no_audience, oidc_no_subject, github_subject_not_pinned, service_no_source_condition. Also stored as the table canopy_external_access.\n\nExamples:\n  canopy access external\n  canopy access external --kind public,external_account --format json"
    )]
    External(super::access_matrix::ExternalArgs),
    /// Whether an Identity Center user or group can make a request in an account, and why
    #[command(
        after_help = "Decided offline from what `canopy access sync` and `canopy collect` stored: each permission set the principal holds on the account (inline policy, AWS-managed policies — read from IAM once and kept in the store — and customer-managed policies as collected in that account) with the account's SCPs, explained level by level as `canopy policy simulate` does. Each permission set is a role of its own, decided apart; the answer is yes when one allows.\n\nExamples:\n  canopy access can user:jane.doe@example.com s3:GetObject arn:aws:s3:::reports/2026.csv --account media-prod\n  canopy access can group:Platform ec2:RunInstances --account 111122223333 --context aws:RequestedRegion=us-east-1 --format json"
    )]
    Can(super::access_matrix::CanArgs),
    /// Give a user or group a permission set on every selected account
    #[command(
        after_help = "Each account's assignments are read first: an existing one is skipped, never duplicated. The plan is shown; --yes is needed when stdin is not a terminal. Each request is recorded in the journal before it is sent, so a killed run is resumed, not repeated.\n\nExamples:\n  canopy access assign --principal group:Platform --permission-set ReadOnlyAccess --ou Sports\n  canopy access assign --principal user:jane.doe@example.com --permission-set AWSAdministratorAccess --accounts 111122223333 --yes"
    )]
    Assign(AccessArgs),
    /// Take a permission set away from a user or group on every selected account
    #[command(
        after_help = "Accounts where the principal does not hold the permission set are skipped.\n\nExample:\n  canopy access revoke --principal group:Contractors --permission-set AWSAdministratorAccess --ou Sports --yes"
    )]
    Revoke(AccessArgs),
}

#[derive(Debug, Args)]
pub struct AccessArgs {
    /// Who: `user:NAME` (user name or email) or `group:NAME` (display name)
    #[arg(long, value_name = "user:NAME|group:NAME")]
    pub principal: String,
    /// The permission set, by name
    #[arg(long, value_name = "NAME")]
    pub permission_set: String,
    #[command(flatten)]
    pub select: AccountSelection,
    /// The region of the Identity Center instance [default: AWS_REGION, else us-east-1]
    #[arg(long, env = env::SSO_REGION, value_name = "REGION")]
    pub sso_region: Option<String>,
    /// The journal of requests [default: access.journal beside the store]
    #[arg(long, value_name = "PATH")]
    pub journal: Option<PathBuf>,
    #[command(flatten)]
    pub yes: Yes,
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

fn print_plan(out: &mut impl Write, plan: &AccessPlan) -> Result<()> {
    let verb = match plan.change {
        Change::Assign => ("assign", "skip: assigned"),
        Change::Revoke => ("revoke", "skip: not assigned"),
    };
    for org in &plan.orgs {
        for row in &org.rows {
            let action = if plan.changes(row) { verb.0 } else { verb.1 };
            writeln!(
                out,
                "{} ({}): {action} {} {}",
                row.account, row.name, plan.principal, plan.permission_set
            )?;
        }
    }
    writeln!(out, "plan: {} change(s) to make", plan.writes())?;
    Ok(())
}

pub async fn exec(ctx: &Ctx, command: AccessCommand) -> Result<Outcome> {
    let (args, change) = match command {
        AccessCommand::Assign(args) => (args, Change::Assign),
        AccessCommand::Revoke(args) => (args, Change::Revoke),
        AccessCommand::Sync(args) => return super::access_matrix::sync(ctx, args).await,
        AccessCommand::Who(args) => return super::access_matrix::who(ctx, args),
        AccessCommand::What(args) => return super::access_matrix::what(ctx, args),
        AccessCommand::Drift(args) => return super::access_matrix::drift(ctx, args),
        AccessCommand::External(args) => return super::access_matrix::external(ctx, args).await,
        AccessCommand::Can(args) => return super::access_matrix::can(ctx, args).await,
    };
    let who = crate::args::principal(&args.principal)?;
    let scope = AccountScope {
        role: None,
        select: args.select.clone(),
    };
    let mut store = ctx.open_store()?;
    let (_, targets, outcome) = ctx.targets(&mut store, &scope).await?;
    if targets.is_empty() {
        bail!("no active account is selected; see `canopy accounts list`");
    }
    let journal_path = args
        .journal
        .clone()
        .unwrap_or_else(|| ctx.settings.db.with_file_name("access.journal"));
    let (mut journal, earlier) = Journal::open(&journal_path)?;
    let aws = ctx.aws(None).await;
    let region = super::sso_region(args.sso_region.as_deref());
    let plan = access::plan(
        &aws,
        &ctx.settings.payers.role,
        &targets,
        who,
        &args.permission_set,
        change,
        &region,
    )
    .await?;
    print_plan(&mut std::io::stderr().lock(), &plan)?;
    let writes = plan.writes();
    if writes == 0 {
        ctx.printer.note("nothing to change");
        return Ok(outcome);
    }
    if !super::confirm(writes, args.yes)? {
        ctx.printer.note("nothing was done");
        return Ok(outcome);
    }
    let polling = super::polling();
    let stop = super::watch_writes(ctx.printer);
    let writer = Writer::new(&mut journal, &earlier, polling, stop.clone());
    let results = access::apply(&plan, &writer).await;
    let failed = results.iter().filter(|r| r.error.is_some()).count();
    let mut out = std::io::stdout().lock();
    match args.format {
        SummaryFormat::Json => {
            let rows: Vec<serde_json::Value> = results
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "account_id": r.account.to_string(),
                        "name": r.name,
                        "changed": r.changed,
                        "error": r.error,
                    })
                })
                .collect();
            crate::output::json(&mut out, &rows)?;
        }
        SummaryFormat::Text => {
            for r in &results {
                match &r.error {
                    None => writeln!(
                        out,
                        "{} ({}): {}",
                        r.account,
                        r.name,
                        if r.changed { "done" } else { "nothing to do" }
                    )?,
                    Some(e) => writeln!(out, "{} ({}): FAILED: {e}", r.account, r.name)?,
                }
            }
            writeln!(
                out,
                "{} account(s) changed, {failed} failed",
                results.len() - failed
            )?;
        }
    }
    let outcome = outcome.and(Outcome::partial_if(failed > 0));
    Ok(super::writes_ended(ctx.printer, &stop, outcome))
}
