//! `canopy collect`: inventory from every active account and region into the store.

use anyhow::{Context, Result, bail};
use canopy_engine::inventory::collect::{self, CollectRequest};
use canopy_engine::lake::ExportRequest;
use canopy_engine::select;
use canopy_model::Shard;
use clap::Args;

use super::lake::{self, ExportTarget, ShardArgs};
use super::{Ctx, Outcome};
use crate::args::{AccountScope, SummaryFormat};
use crate::output::{self, CollectSummary};
use crate::progress::CollectProgress;
use crate::settings::DEFAULT_CONCURRENCY;

#[derive(Debug, Args)]
pub struct CollectArgs {
    /// Tables to fill (comma-separated names or prefixes such as `aws_vpc_*`), or `all`
    #[arg(long, value_delimiter = ',', value_name = "TABLES|all")]
    pub tables: Vec<String>,
    /// Regions (comma-separated), or `all` enabled in each account [default: the settings
    /// file's `regions`, else all]
    #[arg(long, value_delimiter = ',', value_name = "REGIONS|all")]
    pub regions: Vec<String>,
    #[command(flatten)]
    pub scope: AccountScope,
    /// AWS requests in flight at once, across all accounts and regions
    #[arg(long, default_value_t = DEFAULT_CONCURRENCY, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: u16,
    /// The summary's format
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
    #[command(flatten)]
    pub shard: ShardArgs,
    /// At the end of the run, export the store as Parquet to a folder or s3://BUCKET/PREFIX (as
    /// `canopy export`, under this shard's name)
    #[arg(long, value_name = "DIR|s3://BUCKET/PREFIX")]
    pub export: Option<String>,
    #[command(flatten)]
    pub export_to: ExportTarget,
}

pub async fn exec(ctx: &Ctx, args: CollectArgs) -> Result<Outcome> {
    let chosen = collect::collectors_for(&args.tables)?;
    for name in &chosen.from_sync {
        ctx.printer.note(&format!(
            "note: `{name}` comes from `canopy org sync` (refreshed with --refresh), not from collection"
        ));
    }
    let collectors = chosen.collectors;
    let regions = ctx.settings.regions(&args.regions)?;
    let shard = args.shard.shard()?;
    if args.export.is_none()
        && (args.export_to.run_id.is_some() || args.export_to.sse_kms_key.is_some())
    {
        bail!("--run-id and --sse-kms-key go with --export");
    }
    // the export's place and run are checked before any account is called
    let export = match &args.export {
        Some(at) => {
            let out = canopy_engine::destination::Destination::parse(
                at,
                args.export_to.sse_kms_key.clone(),
            )
            .with_context(|| format!("--export `{at}`"))?;
            let shard = shard.unwrap_or(Shard::WHOLE);
            Some((
                out,
                lake::partition(ctx, &args.export_to, shard).await?,
                shard,
            ))
        }
        None => None,
    };
    let mut store = ctx.open_store()?;
    let (role, targets, mut outcome) = ctx.targets(&mut store, &args.scope).await?;
    let targets = match shard {
        Some(shard) => {
            let all = targets.len();
            let mine = select::shard_of(targets, shard)?;
            ctx.printer.note(&format!(
                "shard {shard}: {} of the {all} selected active account(s)",
                mine.len()
            ));
            mine
        }
        None => targets,
    };
    let accounts = targets.len();
    let request = CollectRequest::new(targets, role, collectors, regions, args.concurrency, shard);
    let concurrency = usize::from(args.concurrency);
    let aws = ctx.fan_out_aws(concurrency).await;
    let progress = CollectProgress::new(ctx.printer, accounts, aws.stats());
    let started = std::time::Instant::now();
    let report = collect::collect(
        aws.clone(),
        store,
        request,
        collect::options_for(concurrency, ctx.settings.sync.paced),
        &progress,
        super::ctrl_c(),
    )
    .await;
    progress.finish();
    let report = report?;
    let elapsed = started.elapsed();
    let calls = aws.stats().total();
    let retries = aws.stats().retries();
    output::print(
        args.format,
        &CollectSummary {
            report: &report,
            calls,
            retries,
            elapsed,
        },
    )?;
    if report.interrupted {
        ctx.printer
            .warn("interrupted: every unit finished before the interruption is stored");
        outcome = Outcome::Partial;
    }
    if !report.failures.is_empty() || !report.refused.is_empty() {
        outcome = Outcome::Partial;
    }
    if let Some((out, partition, shard)) = export {
        if report.interrupted {
            bail!(
                "not exported: the run was interrupted, and a shard's export is written only for a finished run"
            );
        }
        let store = ctx.open_store()?;
        let request = ExportRequest {
            out,
            partition,
            shard,
            tables: Vec::new(),
            accounts: accounts as u64,
        };
        lake::export_store(ctx, &store, request, None).await?;
    }
    Ok(outcome)
}
