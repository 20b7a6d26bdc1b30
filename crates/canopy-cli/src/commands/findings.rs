//! `canopy findings enrich`: ACTIVE Security Hub findings given their account's name, OU path,
//! tags and security contact, through the administrator account.

use std::io::Write;

use anyhow::{Result, bail};
use canopy_engine::findings::{self, EnrichInput};
use canopy_model::AccountId;
use clap::{Args, Subcommand};
use serde_json::json;

use super::{Ctx, Outcome};
use crate::args::{SummaryFormat, Yes};
use crate::output;

#[derive(Debug, Subcommand)]
pub enum FindingsCommand {
    /// Add account name, OU path, tags and security contact to every ACTIVE Security Hub finding
    #[command(
        after_help = "Read through each organization's Security Hub administrator (the delegated administrator, else the management account; --admin-account to choose) with GetFindings, 100 a page. Each finding gets user-defined fields — canopy:account_name, canopy:ou_path, canopy:security_contact, canopy:security_phone, canopy:digest, then tag:<key> while fewer than 50 fields are used; values cut to 1,024 characters — merged with the fields others wrote, and a note (512 characters at most) unless someone else wrote one (--overwrite-notes to replace it). The SECURITY alternate contact is read once per account (GetAlternateContact). A finding whose account did not change since canopy last enriched it is skipped (canopy:digest). Updates go out with BatchUpdateFindings, 100 findings a call. --dry-run prints the updates as JSON lines and sends nothing; otherwise the count is shown and --yes is needed when stdin is not a terminal. Exit 1 when Security Hub leaves a finding unprocessed.\n\nExamples:\n  canopy findings enrich --dry-run\n  canopy findings enrich --regions us-east-1,eu-west-1 --accounts 111122223333"
    )]
    Enrich(EnrichArgs),
}

#[derive(Debug, Args)]
pub struct EnrichArgs {
    /// Print the updates as JSON lines; send nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Only these accounts' findings
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub accounts: Vec<AccountId>,
    /// Security Hub regions to read (the aggregation region is enough where findings are
    /// aggregated) [default: the configured regions, else AWS_REGION, else us-east-1]
    #[arg(long, value_delimiter = ',', value_name = "REGIONS")]
    pub regions: Vec<String>,
    /// The Security Hub administrator account to read through
    #[arg(long, value_name = "ACCOUNT")]
    pub admin_account: Option<AccountId>,
    /// Replace notes others wrote
    #[arg(long)]
    pub overwrite_notes: bool,
    #[command(flatten)]
    pub yes: Yes,
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

pub async fn exec(ctx: &Ctx, command: FindingsCommand) -> Result<Outcome> {
    let FindingsCommand::Enrich(args) = command;
    let (snapshots, outcome) = ctx.snapshots().await?;
    if snapshots.is_empty() {
        bail!("no organization is synced; run `canopy org sync` first");
    }
    let regions = if !args.regions.is_empty() {
        args.regions.clone()
    } else if let Some(configured) = ctx.settings.file.regions.clone().filter(|r| !r.is_empty()) {
        configured
    } else {
        vec![super::sso_region(None)]
    };
    for region in &regions {
        region
            .parse::<canopy_model::Region>()
            .map_err(|e| anyhow::anyhow!("--regions `{region}`: {e}"))?;
    }
    let aws = ctx.aws(None).await;
    let report = findings::plan(
        &aws,
        &ctx.settings.payers.role,
        &snapshots,
        &EnrichInput {
            regions,
            accounts: args.accounts.clone(),
            admin: args.admin_account.clone(),
            overwrite_notes: args.overwrite_notes,
        },
    )
    .await?;
    for f in &report.failed {
        ctx.printer.warn(&format!(
            "organization `{}`{}: not read: {} ({}): {}",
            f.org_id,
            f.region
                .as_deref()
                .map(|r| format!(" in {r}"))
                .unwrap_or_default(),
            f.error.code,
            f.error.operation,
            f.error.message
        ));
    }
    for (account, code) in &report.contacts_failed {
        ctx.printer.warn(&format!(
            "account `{account}`: security contact not read ({code}); its findings get the rest of its metadata"
        ));
    }
    let outcome = outcome.and(Outcome::partial_if(!report.failed.is_empty()));
    let mut out = std::io::stdout().lock();
    if args.dry_run {
        for update in &report.updates {
            writeln!(out, "{}", serde_json::to_string(update)?)?;
        }
        ctx.printer.note(&format!(
            "dry run: {} of {} ACTIVE findings would be updated ({} already carry their account's metadata); nothing was sent",
            report.updates.len(),
            report.findings,
            report.unchanged
        ));
        return Ok(outcome);
    }
    let notes = report.updates.iter().filter(|u| u.note.is_some()).count();
    ctx.printer.note(&format!(
        "{} of {} ACTIVE findings to update ({} with a note); {} already carry their account's metadata",
        report.updates.len(),
        report.findings,
        notes,
        report.unchanged
    ));
    let mut stop = canopy_model::Stop::new();
    let not_updated = if report.updates.is_empty() {
        Vec::new()
    } else if super::confirm(report.updates.len(), args.yes)? {
        stop = super::watch_writes(ctx.printer);
        findings::apply(&report, &stop).await?
    } else {
        ctx.printer.note("nothing was sent");
        return Ok(outcome);
    };
    let left_out: usize = report.updates.iter().map(|u| u.tags_left_out).sum();
    match args.format {
        SummaryFormat::Json => output::json(
            &mut out,
            &json!({
                "findings": report.findings,
                "updated": report.updates.len() - not_updated.len(),
                "unchanged": report.unchanged,
                "unknown_account": report.unknown_account,
                "contacts_read": report.contacts_read,
                "tags_left_out": left_out,
                "not_updated": not_updated,
            }),
        )?,
        SummaryFormat::Text => {
            writeln!(
                out,
                "{} ACTIVE findings: {} updated, {} unchanged, {} of accounts in no synced organization; {} security contacts read",
                report.findings,
                report.updates.len() - not_updated.len(),
                report.unchanged,
                report.unknown_account,
                report.contacts_read
            )?;
            if left_out > 0 {
                writeln!(
                    out,
                    "{left_out} tag(s) left out: a finding holds 50 user-defined fields at most"
                )?;
            }
            for n in &not_updated {
                writeln!(
                    out,
                    "not updated: {} ({}): {}: {}",
                    n.id, n.region, n.code, n.message
                )?;
            }
        }
    }
    let outcome = outcome.and(Outcome::partial_if(!not_updated.is_empty()));
    Ok(super::writes_ended(ctx.printer, &stop, outcome))
}
