//! `canopy account plan FILE.csv` and `canopy account apply FILE.csv`: batch account creation
//! from the CSV teams already keep, planned against AWS as it is, applied resumably.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use canopy_engine::accounts::apply::{self as account_apply, ApplyReporter};
use canopy_engine::accounts::batch::{self as account_batch, AccountBatch, RowOutcome};
use canopy_engine::accounts::plan::{
    self as account_plan, BatchOptions, Plan, PlanError, Prepared,
};
use canopy_engine::journal::Journal;
use clap::Args;

use super::{Ctx, Outcome};
use crate::args::{SummaryFormat, Yes};
use crate::env;
use crate::printer::Printer;

/// What plan and apply share.
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// The batch file (CSV): AccountName,SSOUserEmail,AccountEmail,SSOUserFirstName,
    /// SSOUserLastName,OrgUnit,Status,AccountId,ErrorMsg [,Tags,SSOGroup,PermissionSet,RoleName,Payer]
    #[arg(value_name = "FILE.csv")]
    pub file: PathBuf,
    /// The permission set each row's SSO user gets on its account
    #[arg(long, default_value = "AWSAdministratorAccess", value_name = "NAME")]
    pub user_permission_set: String,
    /// The Identity Center group for rows without an SSOGroup
    #[arg(long, value_name = "GROUP")]
    pub sso_group: Option<String>,
    /// The group's permission set for rows without a PermissionSet
    #[arg(long, value_name = "NAME")]
    pub permission_set: Option<String>,
    /// The region of the Identity Center instance [default: AWS_REGION, else us-east-1]
    #[arg(long, env = env::SSO_REGION, value_name = "REGION")]
    pub sso_region: Option<String>,
    /// The journal of intents and request ids that makes runs resumable [default: beside
    /// the file, FILE.journal]
    #[arg(long, value_name = "PATH")]
    pub journal: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

/// `apply`'s own flags.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub batch: BatchArgs,
    /// Where the file is written back with Status, AccountId and ErrorMsg filled [default:
    /// beside the file, FILE.results.csv]
    #[arg(long, value_name = "PATH")]
    pub results: Option<PathBuf>,
    #[command(flatten)]
    pub yes: Yes,
}

/// `accounts.results.csv` -> `accounts`: the results of a run, applied again, share the
/// input's journal and results.
fn stem(file: &Path) -> String {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "batch".to_owned());
    stem.strip_suffix(".results").unwrap_or(&stem).to_owned()
}

fn beside(file: &Path, suffix: &str) -> PathBuf {
    file.with_file_name(format!("{}{suffix}", stem(file)))
}

fn read_batch(printer: Printer, file: &Path) -> Result<AccountBatch> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read `{}`", file.display()))?;
    account_batch::read(&text).map_err(|problems| {
        for p in &problems {
            printer.error(
                &format!("{}: {}", file.display(), crate::printer::row_problem(p)),
                None,
            );
        }
        anyhow!(
            "{} problem(s) in `{}`; nothing was done",
            problems.len(),
            file.display()
        )
    })
}

/// A batch read, planned against AWS, with its journal open.
struct Ready {
    batch: AccountBatch,
    prepared: Prepared,
    /// What earlier runs wrote in the journal.
    earlier: Vec<serde_json::Value>,
    journal: Journal,
    outcome: Outcome,
}

async fn prepare(ctx: &Ctx, args: &BatchArgs) -> Result<Ready> {
    let batch = read_batch(ctx.printer, &args.file)?;
    let journal_path = args
        .journal
        .clone()
        .unwrap_or_else(|| beside(&args.file, ".journal"));
    let (journal, earlier) = Journal::open(&journal_path)?;
    let (snaps, outcome) = ctx.snapshots().await?;
    let aws = ctx.aws(None).await;
    let options = BatchOptions {
        user_permission_set: args.user_permission_set.clone(),
        sso_group: args.sso_group.clone(),
        permission_set: args.permission_set.clone(),
        sso_region: super::sso_region(args.sso_region.as_deref()),
        payer_role: ctx.settings.payers.role.clone(),
        // one payer named (`--payer`, its variable or the file): the organization of rows
        // that name none
        payer: match ctx.settings.payers.accounts.as_slice() {
            [one] => Some(one.to_string()),
            _ => None,
        },
    };
    match account_plan::plan(&aws, &snaps, &batch, &options, &earlier).await {
        Ok(prepared) => Ok(Ready {
            batch,
            prepared,
            earlier,
            journal,
            outcome,
        }),
        Err(PlanError::Invalid(problems)) => {
            for p in &problems {
                ctx.printer.error(
                    &format!(
                        "{}: {}",
                        args.file.display(),
                        crate::printer::row_problem(p)
                    ),
                    None,
                );
            }
            bail!(
                "{} row problem(s) in `{}`; nothing was done",
                problems.len(),
                args.file.display()
            )
        }
        Err(PlanError::Engine(e)) => Err(e.into()),
    }
}

fn print_plan(out: &mut impl Write, plan: &Plan) -> Result<()> {
    for row in &plan.rows {
        let org = &plan.orgs[row.org];
        writeln!(
            out,
            "line {}: {} <{}> in {} ({}, {})",
            row.row.line,
            row.row.account_name,
            row.row.account_email,
            row.target_path,
            row.target,
            org.org_id
        )?;
        for step in &row.steps {
            let detail = step.detail();
            if detail.is_empty() {
                writeln!(out, "  {}", step.action())?;
            } else {
                writeln!(out, "  {} {detail}", step.action())?;
            }
        }
    }
    let counts = plan
        .counts()
        .iter()
        .map(|(a, n)| format!("{n} {a}"))
        .collect::<Vec<_>>()
        .join(", ");
    writeln!(
        out,
        "plan: {} row(s): {}; {} change(s) to make",
        plan.rows.len(),
        if counts.is_empty() {
            "nothing"
        } else {
            &counts
        },
        plan.writes()
    )?;
    for org in &plan.orgs {
        if let Some(quota) = org.quota {
            writeln!(
                out,
                "organization {}: {} account(s) of a quota of {quota}",
                org.org_id, org.accounts_now
            )?;
        }
    }
    Ok(())
}

pub async fn plan(ctx: &Ctx, args: BatchArgs) -> Result<Outcome> {
    let Ready {
        prepared, outcome, ..
    } = prepare(ctx, &args).await?;
    let mut out = std::io::stdout().lock();
    match args.format {
        SummaryFormat::Json => crate::output::json(&mut out, &prepared.plan.to_json())?,
        SummaryFormat::Text => print_plan(&mut out, &prepared.plan)?,
    }
    Ok(outcome)
}

struct Progress(Printer);

impl ApplyReporter for Progress {
    fn row_step(&self, line: usize, account_name: &str, what: &str) {
        self.0
            .note(&format!("line {line} ({account_name}): {what}"));
    }
}

pub async fn apply(ctx: &Ctx, args: ApplyArgs) -> Result<Outcome> {
    let results_path = args
        .results
        .clone()
        .unwrap_or_else(|| beside(&args.batch.file, ".results.csv"));
    // the results are written at the end: a path that cannot take them stops the run before
    // its first write
    canopy_engine::configgen::check_writable(&results_path)?;
    let Ready {
        batch,
        prepared,
        earlier,
        mut journal,
        outcome,
    } = prepare(ctx, &args.batch).await?;
    let writes = prepared.plan.writes();
    // every write is shown before it is made
    print_plan(&mut std::io::stderr().lock(), &prepared.plan)?;
    if writes > 0 && !super::confirm(writes, args.yes)? {
        ctx.printer.note("nothing was done");
        return Ok(outcome);
    }
    let polling = super::polling();
    let stop = super::watch_writes(ctx.printer);
    let report = account_apply::apply(
        prepared,
        &mut journal,
        &earlier,
        polling,
        &stop,
        &Progress(ctx.printer),
    )
    .await?;
    let outcomes: Vec<RowOutcome> = report
        .rows
        .iter()
        .map(|r| RowOutcome {
            line: r.line,
            status: r.status().to_owned(),
            account_id: r.account_id.as_ref().map(ToString::to_string),
            error: r.error.clone(),
        })
        .collect();
    let text = account_batch::write_back(&batch, &outcomes)
        .map_err(|e| anyhow!("cannot write the results: {e}"))?;
    canopy_engine::configgen::write_atomically(&results_path, text.as_bytes())?;

    let mut out = std::io::stdout().lock();
    match args.batch.format {
        SummaryFormat::Json => {
            let rows: Vec<serde_json::Value> = report
                .rows
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "line": r.line,
                        "account_name": r.account_name,
                        "status": r.status(),
                        "account_id": r.account_id.as_ref().map(ToString::to_string),
                        "error": r.error,
                        "done": r.done,
                    })
                })
                .collect();
            crate::output::json(
                &mut out,
                &serde_json::json!({"rows": rows, "results": results_path.display().to_string(), "failed": report.failed()}),
            )?;
        }
        SummaryFormat::Text => {
            for r in &report.rows {
                let id = r
                    .account_id
                    .as_ref()
                    .map_or("-".to_owned(), ToString::to_string);
                match &r.error {
                    None => writeln!(
                        out,
                        "line {}: {} {id} SUCCEEDED{}",
                        r.line,
                        r.account_name,
                        if r.done.is_empty() {
                            " (nothing to do)".to_owned()
                        } else {
                            format!(": {}", r.done.join(", "))
                        }
                    )?,
                    Some(e) => {
                        writeln!(out, "line {}: {} {id} FAILED: {e}", r.line, r.account_name)?
                    }
                }
            }
            writeln!(
                out,
                "{} row(s), {} failed; results written to {}",
                report.rows.len(),
                report.failed(),
                results_path.display()
            )?;
        }
    }
    let outcome = outcome.and(Outcome::partial_if(report.failed() > 0));
    Ok(super::writes_ended(ctx.printer, &stop, outcome))
}
