//! `canopy account bootstrap-role`: one role trusting one account, the same in every selected
//! account; planned per account, shown, then made.

use anyhow::{Result, bail};
use canopy_engine::accounts::bootstrap::{self, AccountRole, WantedRole};
use canopy_model::AccountId;
use clap::Args;

use super::{Ctx, Outcome};
use crate::args::{AccountScope, AccountSelection, TableFormat, Yes};
use crate::output;

#[derive(Debug, Args)]
pub struct BootstrapArgs {
    /// The role to have in every account (e.g. security-audit)
    #[arg(long = "role", value_name = "ROLE_NAME")]
    pub name: String,
    /// The account its trust policy names (the security team's)
    #[arg(long, value_name = "ACCOUNT_ID")]
    pub trust: String,
    /// A managed policy to attach (repeatable) [default: SecurityAudit and ViewOnlyAccess]
    #[arg(long = "policy", value_name = "ARN")]
    pub policies: Vec<String>,
    /// The external id the trust policy requires (not the one canopy passes to assume roles,
    /// which is the global --external-id)
    #[arg(long, value_name = "ID", hide_env_values = true)]
    pub trust_external_id: Option<String>,
    /// The role canopy assumes in each account to make it [default: OrganizationAccountAccessRole]
    #[arg(long, value_name = "ROLE_NAME")]
    pub via_role: Option<String>,
    #[command(flatten)]
    pub select: AccountSelection,
    /// AWS requests in flight at once, as in every fan-out command (an account's calls follow
    /// each other, so this is also the accounts worked on at once)
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub concurrency: usize,
    #[command(flatten)]
    pub yes: Yes,
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub format: TableFormat,
}

fn rows(plans: &[AccountRole], applied: bool) -> Vec<Vec<String>> {
    plans
        .iter()
        .map(|p| {
            let changes = if p.changes.is_empty() {
                "-".to_owned()
            } else {
                p.changes
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let result = match (&p.error, applied, p.changes.is_empty()) {
                (Some(e), _, _) => format!("FAILED: {e}"),
                (None, _, true) => "in place".to_owned(),
                (None, false, false) => "planned".to_owned(),
                (None, true, false) if p.done => "done".to_owned(),
                (None, true, false) => "not done".to_owned(),
            };
            vec![p.account.to_string(), p.name.clone(), changes, result]
        })
        .collect()
}

pub async fn exec(ctx: &Ctx, args: BootstrapArgs) -> Result<Outcome> {
    let trust: AccountId = args
        .trust
        .parse()
        .map_err(|e| anyhow::anyhow!("--trust `{}`: {e}", args.trust))?;
    let scope = AccountScope {
        role: Some(
            args.via_role
                .clone()
                .unwrap_or_else(|| "OrganizationAccountAccessRole".to_owned()),
        ),
        select: args.select.clone(),
    };
    let mut store = ctx.open_store()?;
    let (via, targets, outcome) = ctx.targets(&mut store, &scope).await?;
    if targets.is_empty() {
        bail!("no active account is selected; see `canopy accounts list`");
    }
    let partition = targets[0].partition.clone();
    let wanted = WantedRole {
        name: args.name.clone(),
        trust,
        external_id: args.trust_external_id.clone(),
        policies: if args.policies.is_empty() {
            bootstrap::default_policies(&partition)
        } else {
            args.policies.clone()
        },
    };
    let aws = ctx.fan_out_aws(args.concurrency).await;
    let plans = bootstrap::plan(&aws, &targets, &via, &wanted, args.concurrency).await;
    let header = ["ACCOUNT", "NAME", "CHANGES", "RESULT"];
    let changes: usize = plans
        .iter()
        .filter(|p| p.error.is_none())
        .map(|p| p.changes.len())
        .sum();
    let unread = plans.iter().filter(|p| p.error.is_some()).count();
    // every change is shown before it is made
    output::table(&mut std::io::stderr().lock(), &header, &rows(&plans, false))?;
    // Ctrl-C is heard from the first write on
    let mut stop = canopy_model::Stop::new();
    let plans = if changes == 0 {
        ctx.printer.note(&format!(
            "role `{}` is in place in every account read",
            wanted.name
        ));
        plans
    } else if super::confirm(changes, args.yes)? {
        stop = super::watch_writes(ctx.printer);
        bootstrap::apply(&aws, &via, &wanted, plans, args.concurrency, &stop).await
    } else {
        ctx.printer.note("nothing was done");
        return Ok(outcome);
    };
    let failed = plans.iter().filter(|p| p.error.is_some()).count();
    let mut out = std::io::stdout().lock();
    match args.format {
        TableFormat::Json => {
            let json: Vec<serde_json::Value> = plans
                .iter()
                .map(|p| {
                    serde_json::json!({
                        "account_id": p.account.to_string(),
                        "name": p.name,
                        "changes": p.changes.iter().map(ToString::to_string).collect::<Vec<_>>(),
                        "done": p.done,
                        "error": p.error.as_ref().map(ToString::to_string),
                    })
                })
                .collect();
            output::json(&mut out, &json)?;
        }
        format => output::rows(&mut out, format, &header, &rows(&plans, true))?,
    }
    if unread > 0 || failed > 0 {
        ctx.printer.warn(&format!(
            "{failed} account(s) failed; run again to retry them (accounts done are left as they are)"
        ));
    }
    let outcome = outcome.and(Outcome::partial_if(failed > 0));
    Ok(super::writes_ended(ctx.printer, &stop, outcome))
}
