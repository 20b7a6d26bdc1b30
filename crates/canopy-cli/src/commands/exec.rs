//! `canopy exec -- COMMAND ARGS...`: a command in every selected ACTIVE account and region, with
//! that account's credentials; one JSON line per child on stdout as it ends.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{Result, bail};
use canopy_engine::exec::run::{
    self as exec, ChildResult, CredentialMode, ExecInput, ExecReporter, MaxFailures,
};
use clap::Args;
use futures::StreamExt;

use super::{Ctx, Outcome};
use crate::args::AccountScope;
use crate::settings::DEFAULT_CONCURRENCY;

#[derive(Debug, Args)]
pub struct ExecArgs {
    #[command(flatten)]
    pub scope: AccountScope,
    /// Regions (comma-separated), or `all` enabled in each account [default: the settings
    /// file's `regions`, else all]
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "REGIONS|all",
        conflicts_with = "global"
    )]
    pub regions: Vec<String>,
    /// One child per account (in the partition's home region), not per region
    #[arg(long)]
    pub global: bool,
    /// Run the command line with `sh -c` (placeholders filled first)
    #[arg(long)]
    pub shell: bool,
    /// Children running at once
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub children: u16,
    /// AWS requests in flight at once (AssumeRole, DescribeRegions, credential refreshes), as in
    /// every fan-out command
    #[arg(long, default_value_t = DEFAULT_CONCURRENCY, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: u16,
    /// Each child's time limit (30s, 5m): its process group is terminated, then killed 5 s later
    #[arg(long, value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub timeout: Option<Duration>,
    /// Stop launching once more than N children (or P% of the targets) failed
    #[arg(long, value_name = "N|P%")]
    pub max_failures: Option<MaxFailures>,
    /// List the targets (JSON lines) and run nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Write each child's output to DIR/<account_id>/<region>/stdout and stderr [default: the
    /// children's output goes to canopy's stderr]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// How children get credentials: `env` (AWS_ACCESS_KEY_ID..., fixed for the child's life)
    /// or `server` (a loopback container-credentials endpoint with a token per child, answering
    /// with credentials canopy refreshes: for commands that outlive a one-hour role session)
    #[arg(long, value_enum, default_value_t = Credentials::Env)]
    pub credentials: Credentials,
    /// The command and its arguments; `{account_id}`, `{account_name}`, `{region}` are filled in
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        required = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Credentials {
    Env,
    Server,
}

/// A result's row, under its account and region.
type ResultRow = (String, String, canopy_model::inventory::Row);

/// Rows written to the store in one transaction: at most this many results wait in memory.
const RESULTS_PER_WRITE: usize = 256;

/// Prints each child's line as it ends and adds its row to the store, a few hundred rows per
/// transaction (the run's memory does not grow with its targets; one commit per child would be
/// thousands of commits at scale).
struct Lines {
    /// The store, and the rows waiting for it.
    store: Mutex<(canopy_store::Store, Vec<ResultRow>)>,
    /// The first write the store refused, if one was.
    failed: Mutex<Option<String>>,
}

impl Lines {
    /// Writes the waiting rows (all of them with `all`, else only a full batch).
    fn flush(&self, all: bool) {
        let Ok(mut guard) = self.store.lock() else {
            return;
        };
        let (store, pending) = &mut *guard;
        if pending.is_empty() || (!all && pending.len() < RESULTS_PER_WRITE) {
            return;
        }
        let written = store.append_rows(
            &exec::EXEC_RESULTS,
            pending,
            time::OffsetDateTime::now_utc(),
        );
        pending.clear();
        if let (Err(e), Ok(mut failed)) = (written, self.failed.lock()) {
            failed.get_or_insert(e.to_string());
        }
    }
}

impl ExecReporter for Lines {
    fn finished(&self, result: &ChildResult) {
        if let Ok(line) = serde_json::to_string(result) {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
        if let Ok(mut guard) = self.store.lock() {
            guard.1.push((
                result.account_id.clone(),
                result.region.clone(),
                result.row(),
            ));
        }
        self.flush(false);
    }
}

pub async fn exec(ctx: &Ctx, args: ExecArgs) -> Result<Outcome> {
    if args.command.is_empty() {
        bail!("give the command after `--`: canopy exec -- aws sts get-caller-identity");
    }
    let regions = if args.global {
        None
    } else {
        Some(ctx.settings.regions(&args.regions)?)
    };
    let mut store = ctx.open_store()?;
    let (role, targets, snapshots, outcome) =
        ctx.targets_and_snapshots(&mut store, &args.scope).await?;
    if targets.is_empty() {
        bail!("no active account is selected; see `canopy accounts list`");
    }
    let aws = ctx.fan_out_aws(usize::from(args.concurrency)).await;
    let accounts = targets.len();
    let prepared = exec::prepare(aws, role, &snapshots, targets, regions.clone());
    let input = ExecInput {
        command: args.command.clone(),
        shell: args.shell,
        regions,
        children: usize::from(args.children),
        timeout: args.timeout,
        grace: Duration::from_secs(5),
        max_failures: args.max_failures,
        out: args.out.clone(),
        credentials: match args.credentials {
            Credentials::Env => CredentialMode::Env,
            Credentials::Server => CredentialMode::Server,
        },
    };
    if args.dry_run {
        let prepared: Vec<exec::Prepared> = prepared.collect().await;
        let mut out = std::io::stdout().lock();
        for p in &prepared {
            match &p.session {
                Ok(_) => {
                    for t in &p.targets {
                        writeln!(
                            out,
                            "{}",
                            serde_json::json!({
                                "account_id": t.account.to_string(),
                                "account_name": t.name,
                                "region": t.region,
                                "command": exec::command_for(&input, t),
                            })
                        )?;
                    }
                }
                Err(e) => ctx.printer.warn(&format!(
                    "account `{}` ({}): {} — it would not be run",
                    p.target.account, p.target.name, e
                )),
            }
        }
        return Ok(outcome);
    }
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("--out `{}`: {e}", dir.display()))?;
    }
    // the last run's results give way to this one's
    store.replace_table(&exec::EXEC_RESULTS, &[], time::OffsetDateTime::now_utc())?;
    let lines = Lines {
        store: Mutex::new((store, Vec::with_capacity(RESULTS_PER_WRITE))),
        failed: Mutex::new(None),
    };
    let summary = tokio::select! {
        summary = exec::run(prepared, accounts, &input, &lines) => Some(summary),
        () = super::ctrl_c() => None,
    };
    // the children that ended are in the table, interrupted or not
    lines.flush(true);
    let Some(summary) = summary else {
        ctx.printer
            .warn("interrupted: the running children and everything they started were killed");
        return Ok(Outcome::Partial);
    };
    let summary = summary.map_err(|e| {
        anyhow::anyhow!("cannot serve credentials on loopback (--credentials server): {e}")
    })?;
    if let Some(e) = lines.failed.into_inner().ok().flatten() {
        ctx.printer
            .warn(&format!("some results are not in canopy_exec_results: {e}"));
    }
    ctx.printer.note(&format!(
        "{} target(s): {} started, {} failed or timed out, {} skipped",
        summary.targets, summary.started, summary.failed, summary.skipped
    ));
    if summary.started == 0 {
        bail!("nothing could start; see the lines above");
    }
    Ok(outcome.and(Outcome::partial_if(
        summary.failed > 0 || summary.skipped > 0,
    )))
}
