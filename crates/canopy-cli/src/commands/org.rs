//! `canopy org`: sync every payer's organization, show the trees, forget one.

use std::io::Write;

use anyhow::{Result, anyhow, bail};
use canopy_engine::sync;
use canopy_model::OrgSnapshot;
use clap::Subcommand;

use super::{Ctx, Outcome};
use crate::args::{SummaryFormat, TreeFormat};
use crate::output::{self, SyncSummary};
use crate::progress::SyncProgress;
use crate::settings::DEFAULT_SYNC_CONCURRENCY;

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Discover every payer's organization (tree, accounts, tags, policies, delegations) and store it
    #[command(
        after_help = "Examples:\n  canopy org sync\n  canopy org sync --payer 111122223333 --payer 444455556666 --payer-role OrganizationAccountAccessRole\n  canopy org sync --format json"
    )]
    Sync {
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
        /// Organizations API requests in flight at once, per payer
        #[arg(long, default_value_t = DEFAULT_SYNC_CONCURRENCY, value_parser = clap::value_parser!(u16).range(1..=64))]
        concurrency: u16,
    },
    /// Each organization's hierarchy with its accounts and their state
    #[command(
        after_help = "Examples:\n  canopy org tree\n  canopy org tree --format mermaid > org.mmd\n  canopy org tree --format dot | dot -Tsvg > org.svg"
    )]
    Tree {
        #[arg(long, value_enum, default_value_t = TreeFormat::Text)]
        format: TreeFormat,
        /// Only this organization
        #[arg(long, value_name = "ORG_ID")]
        org: Option<String>,
    },
    /// Write the organizations (synced when stale) to one file that sharded workers read with --snapshot
    #[command(
        after_help = "One sync for N workers: each worker runs with --snapshot FILE and never calls Organizations. The file also stamps the run id the workers' exports share.\n\nExamples:\n  canopy org export org.json\n  canopy org export s3://lake/canopy/_org/2026-11-28.json"
    )]
    Export {
        #[arg(value_name = "FILE|s3://BUCKET/KEY")]
        to: String,
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// Remove an organization's stored snapshot (for a payer you no longer use)
    #[command(after_help = "Example:\n  canopy org forget o-a1b2c3d4e5")]
    Forget {
        #[arg(value_name = "ORG_ID")]
        org: String,
    },
}

pub async fn exec(ctx: &Ctx, command: OrgCommand) -> Result<Outcome> {
    match command {
        OrgCommand::Sync {
            format,
            concurrency,
        } => sync_payers(ctx, format, concurrency.into()).await,
        OrgCommand::Tree { format, org } => tree(ctx, format, org).await,
        OrgCommand::Export { to, format } => super::lake::org_export(ctx, &to, format).await,
        OrgCommand::Forget { org } => forget(ctx, &org),
    }
}

async fn sync_payers(ctx: &Ctx, format: SummaryFormat, concurrency: usize) -> Result<Outcome> {
    let mut store = ctx.open_store()?;
    let aws = ctx.aws(None).await;
    let progress = SyncProgress::new(ctx.printer);
    let mut options = ctx.settings.sync;
    options.concurrency = concurrency;
    let report = sync::sync(&aws, &mut store, &ctx.settings.payers, options, &progress).await;
    progress.finish();
    tracing::info!(
        calls = aws.stats().total(),
        retries = aws.stats().retries(),
        "sync finished"
    );
    let report = report?;
    output::print(format, &SyncSummary(&report))?;
    Ok(Outcome::partial_if(report.failed() > 0))
}

/// Only the organization `org`, when given (an error naming the stored ones otherwise).
pub fn filter_org(snaps: Vec<OrgSnapshot>, org: Option<&str>) -> Result<Vec<OrgSnapshot>> {
    let Some(org) = org else {
        return Ok(snaps);
    };
    let known: Vec<String> = snaps
        .iter()
        .map(|s| s.organization.id.to_string())
        .collect();
    let kept: Vec<OrgSnapshot> = snaps
        .into_iter()
        .filter(|s| s.organization.id.as_str() == org)
        .collect();
    if kept.is_empty() {
        bail!(
            "organization `{org}` is not in the store (stored: {}); sync its payer with `canopy org sync --payer ACCOUNT_ID`",
            known.join(", ")
        );
    }
    Ok(kept)
}

async fn tree(ctx: &Ctx, format: TreeFormat, org: Option<String>) -> Result<Outcome> {
    let (snaps, outcome) = ctx.snapshots().await?;
    let snaps = filter_org(snaps, org.as_deref())?;
    let mut out = std::io::stdout().lock();
    match format {
        TreeFormat::Text => write!(out, "{}", canopy_render::tree::text(&snaps))?,
        TreeFormat::Json => output::json(&mut out, &canopy_render::tree::json(&snaps))?,
        TreeFormat::Mermaid => write!(out, "{}", canopy_render::tree::mermaid(&snaps))?,
        TreeFormat::Dot => write!(out, "{}", canopy_render::tree::dot(&snaps))?,
    }
    Ok(outcome)
}

fn forget(ctx: &Ctx, org: &str) -> Result<Outcome> {
    let id = org.parse().map_err(|e| anyhow!("{e}"))?;
    let mut store = ctx.open_store()?;
    if !store.forget_org(&id)? {
        bail!(
            "organization `{org}` is not in the store `{}`",
            ctx.settings.db.display()
        );
    }
    ctx.printer.note(&format!("forgot organization `{org}`"));
    Ok(Outcome::Success)
}
