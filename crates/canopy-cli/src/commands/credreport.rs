//! `canopy credreport collect`: every active account's IAM credential report.

use anyhow::{Result, anyhow, bail};
use canopy_engine::destination::DestinationError;
use canopy_engine::inventory::credreport::{self, CredReportRequest};
use clap::{Args, Subcommand};
use serde_json::json;

use super::{Ctx, Outcome};
use crate::args::{AccountScope, SummaryFormat};
use crate::output::{self, CredreportSummary};
use crate::progress::CredreportProgress;
use crate::settings::DEFAULT_CONCURRENCY;

#[derive(Debug, Subcommand)]
pub enum CredreportCommand {
    /// Generate, fetch and store every active account's IAM credential report
    #[command(
        after_help = "Reports are asked for in a wide window of accounts (at least 256), then each is polled with backoff, so the run takes about as long as the slowest report. AWS returns a report younger than four hours as it is: each report's generation time is recorded.\n\nFiles: <out>/<YYYY-MM-DD>/<HHMMSSZ>/credential-report-<account>.csv and manifest.json, a new folder per run (UTC). In S3, objects are written with your current credentials, only if new, encrypted by the bucket's default encryption or --sse-kms-key.\n\nExamples:\n  canopy credreport collect --role security-audit --out ./reports\n  canopy credreport collect --out s3://audit-reports/credential-reports --sse-kms-key alias/audit --notify-sns arn:aws:sns:us-east-1:111122223333:audit\n  canopy credreport collect --ou Sports --max-polls 60 --format json"
    )]
    Collect(CredreportArgs),
}

#[derive(Debug, Args)]
pub struct CredreportArgs {
    #[command(flatten)]
    pub scope: AccountScope,
    /// Folder or s3://BUCKET/PREFIX for the CSV files and the manifest (without it, the reports go to the store only)
    #[arg(long, value_name = "DIR|s3://BUCKET/PREFIX")]
    pub out: Option<String>,
    /// With an s3:// --out: encrypt the objects with this KMS key (id, ARN or alias) instead of the bucket's default encryption
    #[arg(long, value_name = "KEY", requires = "out")]
    pub sse_kms_key: Option<String>,
    /// Publish one message (JSON) to this SNS topic when any account failed
    #[arg(long, value_name = "TOPIC_ARN")]
    pub notify_sns: Option<String>,
    /// Polls of each report's generation before giving up on it
    #[arg(long, default_value_t = 45, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub max_polls: u32,
    /// AWS requests in flight at once, across all accounts
    #[arg(long, default_value_t = DEFAULT_CONCURRENCY, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: u16,
    /// The summary's format
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

pub async fn exec(ctx: &Ctx, command: CredreportCommand) -> Result<Outcome> {
    let CredreportCommand::Collect(args) = command;
    collect_reports(ctx, args).await
}

async fn collect_reports(ctx: &Ctx, args: CredreportArgs) -> Result<Outcome> {
    let out = args
        .out
        .as_deref()
        .map(|out| {
            canopy_engine::destination::Destination::parse(out, args.sse_kms_key.clone()).map_err(|e| match e {
                DestinationError::EmptyKmsKey => anyhow!("--sse-kms-key is empty"),
                DestinationError::KmsWithLocal => anyhow!(
                    "--sse-kms-key goes with an s3:// destination; local files are owner-only instead"
                ),
                other => anyhow!("--out `{out}`: {other}"),
            })
        })
        .transpose()?;
    if let Some(topic) = &args.notify_sns {
        let is_topic = canopy_model::Arn::parse(topic).is_some_and(|arn| {
            arn.service == "sns" && !arn.resource.is_empty() && !arn.resource.contains(':')
        });
        if !is_topic {
            bail!(
                "--notify-sns `{topic}` is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)"
            );
        }
    }
    let mut store = ctx.open_store()?;
    let (role, targets, mut outcome) = ctx.targets(&mut store, &args.scope).await?;
    let asked = json!({
        "role": role.name,
        "accounts": targets.len(),
        "out": args.out,
        "sse_kms_key": args.sse_kms_key.is_some(),
        "notify_sns": args.notify_sns,
        "max_polls": args.max_polls,
    });
    let request = CredReportRequest {
        reach: credreport::Reach {
            targets,
            role,
            asked,
        },
        out,
        max_polls: args.max_polls,
        first_wait: std::time::Duration::from_secs(1),
        max_wait: std::time::Duration::from_secs(5),
        notify_sns: args.notify_sns.clone(),
    };
    let concurrency = usize::from(args.concurrency);
    let aws = ctx.fan_out_aws(concurrency).await;
    let progress = CredreportProgress::new(ctx.printer);
    let run = credreport::collect_credential_reports(
        aws,
        store,
        request,
        credreport::options_for(concurrency, ctx.settings.sync.paced),
        &progress,
        super::ctrl_c(),
    )
    .await?;
    output::print(args.format, &CredreportSummary(&run))?;
    match &run.notified {
        Some(Ok(id)) => ctx.printer.note(&format!(
            "notified {} of {} failed account(s) (message {id})",
            args.notify_sns.as_deref().unwrap_or_default(),
            run.failed()
        )),
        Some(Err(e)) => ctx
            .printer
            .error(&format!("could not notify the SNS topic: {e}"), e.hint()),
        None => {}
    }
    if run.interrupted {
        ctx.printer
            .warn("interrupted: every report stored before the interruption is kept");
        outcome = Outcome::Partial;
    }
    if run.failed() > 0 {
        outcome = Outcome::Partial;
    }
    Ok(outcome)
}
