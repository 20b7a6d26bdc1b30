//! `canopy export`, `canopy import`, `canopy org export` and the shard flags of `collect`: the
//! estate handed between workers (organizations once, Parquet per shard) and to query engines.

use std::io::Write;

use anyhow::{Context, Result, bail};
use canopy_engine::destination::Destination;
use canopy_engine::lake::{
    self, ExportReport, ExportRequest, HandedSnapshots, ImportRequest, Partition, RunId,
};
use canopy_model::Shard;
use canopy_store::Store;
use clap::{Args, ValueEnum};
use serde_json::json;
use time::OffsetDateTime;

use super::{Ctx, Outcome};
use crate::args::SummaryFormat;
use crate::{env, output};

/// Which share of the accounts a worker takes.
#[derive(Debug, Clone, Args)]
pub struct ShardArgs {
    /// Only shard I of N (1-based) of the selected ACTIVE accounts, split the same way by every
    /// worker given the same snapshot and flags
    #[arg(long, value_name = "I/N", conflicts_with = "shard_from_env")]
    pub shard: Option<Shard>,
    /// Shard count N, the index read from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) or
    /// AWS_BATCH_JOB_ARRAY_INDEX (an AWS Batch array job), which count from 0
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub shard_from_env: Option<u32>,
}

/// Orchestrators' worker indexes, 0-based, in the order they are looked for.
const INDEX_VARIABLES: [&str; 2] = [env::JOB_COMPLETION_INDEX, env::AWS_BATCH_JOB_ARRAY_INDEX];

impl ShardArgs {
    /// The shard asked for, if any.
    pub fn shard(&self) -> Result<Option<Shard>> {
        if let Some(shard) = self.shard {
            return Ok(Some(shard));
        }
        let Some(count) = self.shard_from_env else {
            return Ok(None);
        };
        for name in INDEX_VARIABLES {
            if let Ok(index) = std::env::var(name) {
                return Shard::from_zero_based(&index, count)
                    .map(Some)
                    .with_context(|| format!("{name}=`{index}` (--shard-from-env {count})"));
            }
        }
        bail!(
            "--shard-from-env {count} reads the worker's index from {}, and neither is set; give --shard I/N instead",
            INDEX_VARIABLES.join(" or ")
        )
    }
}

/// Where the export goes, and under which run.
#[derive(Debug, Clone, Args)]
pub struct ExportTarget {
    /// The run id every shard of this run shares [default: the one `org export` stamped in
    /// --snapshot, else now as YYYYMMDDTHHMMSSZ]
    #[arg(long, value_name = "ID")]
    pub run_id: Option<RunId>,
    /// SSE-KMS key for the S3 objects (id, ARN or alias) [default: the bucket's encryption]
    #[arg(long, value_name = "KEY")]
    pub sse_kms_key: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Parquet,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// A folder or s3://BUCKET/PREFIX
    #[arg(long, value_name = "DIR|s3://BUCKET/PREFIX")]
    pub out: String,
    /// Tables (names or prefixes such as `aws_vpc_*`) [default: all]
    #[arg(long, value_delimiter = ',', value_name = "TABLES")]
    pub tables: Vec<String>,
    #[arg(long, value_enum, default_value_t = ExportFormat::Parquet)]
    pub format: ExportFormat,
    /// The shard these rows are (names the files; shard 1 also exports the organization)
    #[arg(long, value_name = "I/N", default_value = "1/1")]
    pub shard: Shard,
    #[command(flatten)]
    pub target: ExportTarget,
    /// The summary's format
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub summary: SummaryFormat,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The export's folder or s3://BUCKET/PREFIX
    #[arg(value_name = "DIR|s3://BUCKET/PREFIX")]
    pub from: String,
    /// The run to import [default: the newest]
    #[arg(long, value_name = "ID")]
    pub run: Option<RunId>,
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

fn destination(at: &str, kms: Option<String>, flag: &str) -> Result<Destination> {
    Destination::parse(at, kms).with_context(|| format!("{flag} `{at}`"))
}

/// The day and run an export belongs to: `--run-id`, else the snapshot's, else now. Shards of
/// one run must agree, so more than one shard needs a snapshot or a run id.
pub async fn partition(ctx: &Ctx, target: &ExportTarget, shard: Shard) -> Result<Partition> {
    let handed = ctx.handed().await?;
    let at = handed
        .map(|h| h.exported_at)
        .unwrap_or_else(OffsetDateTime::now_utc);
    Ok(match (&target.run_id, handed) {
        (Some(run), _) => Partition::new(run.clone(), at),
        (None, Some(handed)) => handed.partition(),
        (None, None) if shard.count > 1 => bail!(
            "the shards of a run share its run id: give every worker the same --snapshot (from `canopy org export`) or --run-id"
        ),
        (None, None) => Partition::new(RunId::at(at), at),
    })
}

/// Exports `store` and says where: on stdout in `format`, or as a note on stderr when the
/// command's own summary is the data (`collect --export`).
pub async fn export_store(
    ctx: &Ctx,
    store: &Store,
    request: ExportRequest,
    format: Option<SummaryFormat>,
) -> Result<ExportReport> {
    let report = lake::export(&ctx.lazy_aws(), store, &request)
        .await
        .with_context(|| format!("cannot export to `{}`", request.out))?;
    let m = &report.manifest;
    let line = format!(
        "exported shard {} of run {} (dt={}): {} table(s), {} row(s), {} bytes of Parquet (the store: {} bytes); manifest {}",
        m.shard,
        m.run,
        m.dt,
        report.files(),
        report.rows(),
        report.bytes(),
        report.store_bytes,
        report.manifest_at
    );
    let mut out = std::io::stdout().lock();
    match format {
        None => ctx.printer.note(&line),
        Some(SummaryFormat::Json) => output::json(&mut out, &report)?,
        Some(SummaryFormat::Text) => writeln!(out, "{line}")?,
    }
    Ok(report)
}

pub async fn export(ctx: &Ctx, args: ExportArgs) -> Result<Outcome> {
    let ExportFormat::Parquet = args.format;
    let out = destination(&args.out, args.target.sse_kms_key.clone(), "--out")?;
    let partition = partition(ctx, &args.target, args.shard).await?;
    let store = ctx.open_store()?;
    let request = ExportRequest {
        out,
        partition,
        shard: args.shard,
        tables: args.tables,
        accounts: 0,
    };
    export_store(ctx, &store, request, Some(args.summary)).await?;
    Ok(Outcome::Success)
}

pub async fn import(ctx: &Ctx, args: ImportArgs) -> Result<Outcome> {
    let from = destination(&args.from, None, "import from")?;
    let mut store = ctx.open_store()?;
    let report = lake::import(
        &ctx.lazy_aws(),
        &mut store,
        &ImportRequest {
            from,
            run: args.run,
        },
    )
    .await
    .with_context(|| format!("cannot import `{}`", args.from))?;
    let rows = report.rows;
    let mut out = std::io::stdout().lock();
    match args.format {
        SummaryFormat::Json => output::json(&mut out, &report)?,
        SummaryFormat::Text => writeln!(
            out,
            "imported run {} (dt={}, {} shard(s)) into `{}`: {} organization(s), {} table(s), {rows} row(s)",
            report.run,
            report.dt,
            report.shards,
            ctx.settings.db.display(),
            report.organizations,
            report.tables.len()
        )?,
    }
    Ok(Outcome::Success)
}

/// `canopy org export FILE|s3://BUCKET/KEY`: the stored (fresh) organizations, for workers'
/// `--snapshot`.
pub async fn org_export(ctx: &Ctx, at: &str, format: SummaryFormat) -> Result<Outcome> {
    let (snapshots, outcome) = ctx.snapshots().await?;
    let accounts: usize = snapshots.iter().map(|s| s.accounts.len()).sum();
    let handed = HandedSnapshots::new(snapshots, OffsetDateTime::now_utc());
    let written = lake::export_snapshots(&ctx.lazy_aws(), &handed, at)
        .await
        .with_context(|| format!("cannot write the organizations to `{at}`"))?;
    let mut out = std::io::stdout().lock();
    match format {
        SummaryFormat::Json => output::json(
            &mut out,
            &json!({
                "file": written,
                "run": handed.run,
                "organizations": handed.organizations.len(),
                "accounts": accounts,
            }),
        )?,
        SummaryFormat::Text => writeln!(
            out,
            "exported {} organization(s), {accounts} account(s) to {written}; workers given --snapshot export under run {}",
            handed.organizations.len(),
            handed.run
        )?,
    }
    Ok(outcome)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DdlDialect {
    Athena,
    Trino,
    Duckdb,
}

/// `canopy schema --ddl`: the statements over an export at `location` for `table`, or for every
/// table an export writes.
pub fn ddl(ctx: &Ctx, dialect: DdlDialect, table: Option<&str>, location: &str) -> Result<Outcome> {
    let store = ctx.open_store()?;
    let mut tables = store.exchange_tables()?;
    if let Some(name) = table {
        tables.retain(|t| t.name == name);
        if tables.is_empty() {
            bail!(
                "no exported table named `{name}`; see `canopy tables` (views over other tables are not exported)"
            );
        }
    }
    if matches!(dialect, DdlDialect::Athena | DdlDialect::Trino) && !location.starts_with("s3://") {
        bail!("--location for Athena and Trino is the export's s3://BUCKET/PREFIX");
    }
    if dialect == DdlDialect::Duckdb && table.is_none() && !location.contains("://") {
        // DuckDB refuses a view over files that do not exist: only the tables exported there
        let root = std::path::Path::new(location);
        tables.retain(|t| root.join(t.name).is_dir());
        if tables.is_empty() {
            bail!(
                "no exported table under `{location}`; export there first (`canopy export --out {location}`)"
            );
        }
    }
    let dialect = match dialect {
        DdlDialect::Athena => lake::Dialect::Athena,
        DdlDialect::Trino => lake::Dialect::Trino,
        DdlDialect::Duckdb => lake::Dialect::DuckDb,
    };
    write!(
        std::io::stdout().lock(),
        "{}",
        lake::ddl(dialect, &tables, location)
    )?;
    Ok(Outcome::Success)
}
