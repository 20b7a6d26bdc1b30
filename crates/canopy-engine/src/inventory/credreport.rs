//! Credential reports for the whole organization, on the fan-out: one unit per account. Reports
//! are asked for in a wide window of accounts (requests capped by the session's request slots),
//! then each account polls its own generation with backoff, so the waits overlap and the run
//! takes about as long as the slowest report. Each report lands as AWS sent it in
//! `<out>/<YYYY-MM-DD>/<run start>/credential-report-<account>.csv` (a new folder per run, never
//! an earlier run's), with a `manifest.json`, and typed in `aws_iam_credential_report`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use canopy_aws::CREDENTIAL_REPORT;
use canopy_aws::{AccountSession, AwsError, AwsSession, Encryption, ReportState};
use canopy_model::AccountId;
use canopy_model::inventory::{Batch, GLOBAL_REGION};
use canopy_store::Store;
use futures::future::BoxFuture;
use serde_json::json;
use time::OffsetDateTime;

use crate::destination::Destination;
use crate::error::EngineError;
use crate::fanout::{Failure, FanOutOptions, FanOutReporter, Job, Outcome, Ready};
pub use crate::fanout::{Reach, Target};

/// What to collect, and where to put the files.
#[derive(Debug, Clone)]
pub struct CredReportRequest {
    pub reach: Reach,
    /// Where the run's folder goes; no files without it.
    pub out: Option<Destination>,
    /// Polls of a report's generation before giving up on it.
    pub max_polls: u32,
    /// The first wait between polls; it doubles up to `max_wait`.
    pub first_wait: Duration,
    pub max_wait: Duration,
    /// An SNS topic told about failures (one message per run, only when something failed).
    pub notify_sns: Option<String>,
}

/// How one account's report went.
#[derive(Debug, Clone)]
pub struct AccountReport {
    pub account: AccountId,
    pub name: String,
    /// The file or object written (its path or `s3://` URL), when there is a destination.
    pub file: Option<String>,
    /// When AWS generated the report (it reuses one under four hours old).
    pub generated_time: Option<String>,
    pub users: usize,
    pub polls: u32,
    pub failure: Option<Failure>,
}

/// The whole run.
#[derive(Debug, Clone)]
pub struct CredReportRun {
    pub run_id: i64,
    pub started_at: OffsetDateTime,
    /// `<out>/<YYYY-MM-DD>/<run start>` (a path or an `s3://` URL ending in `/`).
    pub folder: Option<String>,
    pub accounts: Vec<AccountReport>,
    /// With `notify_sns` and failures: the message id, or why it could not be sent.
    pub notified: Option<Result<String, AwsError>>,
    /// Stopped before every account was done (Ctrl-C).
    pub interrupted: bool,
}

impl CredReportRun {
    pub fn failed(&self) -> usize {
        self.accounts.iter().filter(|a| a.failure.is_some()).count()
    }
}

fn day_and_stamp(at: OffsetDateTime) -> (String, String) {
    (
        format!(
            "{:04}-{:02}-{:02}",
            at.year(),
            u8::from(at.month()),
            at.day()
        ),
        format!("{:02}{:02}{:02}Z", at.hour(), at.minute(), at.second()),
    )
}

/// `HHMMSSZ`, then `HHMMSSZ-2`, `-3`, ...: the names a run's folder may take.
fn folder_names(stamp: &str) -> impl Iterator<Item = String> + '_ {
    (1..1000).map(move |n| {
        if n == 1 {
            stamp.to_owned()
        } else {
            format!("{stamp}-{n}")
        }
    })
}

/// `<out>/<YYYY-MM-DD>/<HHMMSSZ>` for the run's start (UTC); `-2`, `-3`, ... when a run of the
/// same second already has that folder. Created owner-only.
fn run_folder(out: &Path, at: OffsetDateTime) -> Result<PathBuf, EngineError> {
    let (day, stamp) = day_and_stamp(at);
    let parent = out.join(day);
    crate::configgen::create_private_dir_with(&parent, true).map_err(|e| EngineError::File {
        path: parent.clone(),
        why: format!("cannot create the folder: {e}"),
    })?;
    for name in folder_names(&stamp) {
        let folder = parent.join(name);
        match crate::configgen::create_private_dir_with(&folder, false) {
            Ok(()) => return Ok(folder),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(EngineError::File {
                    path: folder,
                    why: format!("cannot create the folder: {e}"),
                });
            }
        }
    }
    Err(EngineError::File {
        path: parent,
        why: "too many runs in the same second; run it again in a second".to_owned(),
    })
}

/// A run's folder, ready for files.
enum Sink {
    Dir(PathBuf),
    S3 {
        session: Box<AccountSession>,
        region: String,
        bucket: String,
        /// `prefix/YYYY-MM-DD/HHMMSSZ/` (no leading `/`).
        folder: String,
        encryption: Encryption,
    },
}

impl Sink {
    /// Makes the run's folder: locally a new owner-only folder; in S3 the first
    /// `<day>/<stamp>[-n]/` no object uses yet (every object is then written only if new).
    async fn open(
        aws: &AwsSession,
        out: &Destination,
        at: OffsetDateTime,
    ) -> Result<Self, EngineError> {
        match out {
            Destination::Dir(dir) => Ok(Self::Dir(run_folder(dir, at)?)),
            Destination::S3 {
                bucket,
                prefix,
                encryption,
            } => {
                let session = aws.own_account().await?;
                let region = canopy_aws::s3_bucket_region(&session, bucket).await?;
                let (day, stamp) = day_and_stamp(at);
                let base = if prefix.is_empty() {
                    format!("{day}/")
                } else {
                    format!("{prefix}/{day}/")
                };
                for name in folder_names(&stamp) {
                    let folder = format!("{base}{name}/");
                    if !canopy_aws::s3_prefix_used(&session, &region, bucket, &folder).await? {
                        return Ok(Self::S3 {
                            session: Box::new(session),
                            region,
                            bucket: bucket.clone(),
                            folder,
                            encryption: encryption.clone(),
                        });
                    }
                }
                Err(EngineError::RunsTooFast {
                    at: format!("s3://{bucket}/{base}"),
                })
            }
        }
    }

    fn location(&self) -> String {
        match self {
            Self::Dir(path) => path.display().to_string(),
            Self::S3 { bucket, folder, .. } => format!("s3://{bucket}/{folder}"),
        }
    }

    /// Writes a new file in the run's folder; returns its path or URL.
    async fn put(&self, name: &str, content_type: &str, bytes: &[u8]) -> Result<String, PutError> {
        match self {
            Self::Dir(folder) => {
                let path = folder.join(name);
                // new files in a new owner-only folder: written atomically, created 0600
                crate::configgen::write_atomically(&path, bytes).map_err(PutError::Local)?;
                Ok(path.display().to_string())
            }
            Self::S3 {
                session,
                region,
                bucket,
                folder,
                encryption,
            } => {
                let key = format!("{folder}{name}");
                canopy_aws::s3_put_new(
                    session,
                    region,
                    bucket,
                    &key,
                    content_type,
                    bytes,
                    encryption,
                )
                .await
                .map_err(PutError::Aws)?;
                Ok(format!("s3://{bucket}/{key}"))
            }
        }
    }
}

enum PutError {
    /// The local disk refused: the whole run stops.
    Local(EngineError),
    /// S3 refused: that account's report is a failure, the others go on.
    Aws(AwsError),
}

fn not_ready(account: &AccountId, polls: u32) -> AwsError {
    AwsError {
        kind: canopy_aws::ErrorKind::Other,
        account: Some(account.to_string()),
        operation: "iam:GenerateCredentialReport".to_owned(),
        code: "ReportNotReady".to_owned(),
        message: format!("the report was not ready after {polls} polls; allow more polls"),
    }
}

struct Polling {
    max_polls: u32,
    first_wait: Duration,
    max_wait: Duration,
}

/// Generates (polling with backoff), fetches, reads and delivers one account's report.
async fn fetch_one(
    ready: &Ready,
    polling: &Polling,
    sink: Option<&Sink>,
) -> Result<(AccountReport, Result<Vec<Batch>, Failure>), EngineError> {
    let account = &ready.target.account;
    let mut report = AccountReport {
        account: account.clone(),
        name: ready.target.name.clone(),
        file: None,
        generated_time: None,
        users: 0,
        polls: 0,
        failure: None,
    };
    let failure = |e: &AwsError| Failure::of(account, GLOBAL_REGION, CREDENTIAL_REPORT.name, e);
    let session = &ready.session;
    let mut wait = polling.first_wait;
    loop {
        report.polls += 1;
        match canopy_aws::generate_credential_report(session).await {
            Ok(ReportState::Complete) => break,
            Ok(_) => {}
            // "no more capacity": AWS is busy generating reports; try again later
            Err(e) if e.code == "LimitExceeded" || e.code == "LimitExceededException" => {}
            Err(e) => return Ok((report, Err(failure(&e)))),
        }
        if report.polls >= polling.max_polls.max(1) {
            let e = not_ready(account, report.polls);
            return Ok((report, Err(failure(&e))));
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(polling.max_wait);
    }
    let fetched = match canopy_aws::get_credential_report(session).await {
        Ok(fetched) => fetched,
        Err(e) => return Ok((report, Err(failure(&e)))),
    };
    report.generated_time = fetched.generated_time.clone();
    let rows = match canopy_aws::parse_credential_report(
        &fetched.csv,
        fetched.generated_time.as_deref(),
    ) {
        Ok(rows) => rows,
        Err(e) => {
            let failure = Failure {
                account: account.clone(),
                region: GLOBAL_REGION.to_owned(),
                table: CREDENTIAL_REPORT.name.to_owned(),
                operation: "iam:GetCredentialReport".to_owned(),
                code: "MalformedReport".to_owned(),
                message: e.to_string(),
                hint: None,
                resource: None,
            };
            return Ok((report, Err(failure)));
        }
    };
    if let Some(sink) = sink {
        let name = format!("credential-report-{account}.csv");
        match sink.put(&name, "text/csv", fetched.csv.as_bytes()).await {
            Ok(location) => report.file = Some(location),
            Err(PutError::Local(e)) => return Err(e),
            Err(PutError::Aws(e)) => return Ok((report, Err(failure(&e)))),
        }
    }
    report.users = rows.len();
    Ok((report, Ok(vec![Batch::new(&CREDENTIAL_REPORT, rows)])))
}

struct CredReportJob {
    polling: Polling,
    sink: Option<Arc<Sink>>,
}

impl Job for CredReportJob {
    type Unit = ();
    type Done = AccountReport;

    fn command(&self) -> &'static str {
        "credreport collect"
    }

    fn account_table(&self) -> &'static str {
        CREDENTIAL_REPORT.name
    }

    fn regions(&self) -> Option<&crate::fanout::RegionChoice> {
        None
    }

    fn units(&self, _ready: &Ready) -> Vec<()> {
        vec![()]
    }

    fn run(
        self: Arc<Self>,
        ready: Arc<Ready>,
        (): (),
    ) -> BoxFuture<'static, Result<Outcome<AccountReport>, EngineError>> {
        Box::pin(async move {
            let (mut report, result) =
                fetch_one(&ready, &self.polling, self.sink.as_deref()).await?;
            report.failure = result.as_ref().err().cloned();
            Ok(Outcome {
                region: GLOBAL_REGION.to_owned(),
                tables: &[&CREDENTIAL_REPORT],
                refused: Vec::new(),
                result,
                done: report,
            })
        })
    }
}

/// Fan-out tuning for `concurrency` requests in flight: a wide window, since an account's report
/// mostly waits for AWS to generate it (at least 256 accounts at once).
pub fn options_for(concurrency: usize, paced: bool) -> FanOutOptions {
    let wide = (concurrency.max(1) * 8).max(256);
    FanOutOptions {
        units_in_flight: wide,
        accounts_in_flight: wide,
        paced,
    }
}

/// Collects every target's credential report into `store` (which the run takes over).
/// `shutdown` resolving stops the run cleanly: every report already stored stays, the run is
/// marked interrupted, and the manifest lists the accounts that finished.
pub async fn collect_credential_reports(
    aws: Arc<AwsSession>,
    store: Store,
    request: CredReportRequest,
    options: FanOutOptions,
    reporter: &dyn FanOutReporter,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<CredReportRun, EngineError> {
    let started_at = OffsetDateTime::now_utc();
    // the destination is checked (and the run's folder chosen) before any account is asked
    let sink = match &request.out {
        Some(out) => Some(Arc::new(Sink::open(&aws, out, started_at).await?)),
        None => None,
    };
    let job = Arc::new(CredReportJob {
        polling: Polling {
            max_polls: request.max_polls,
            first_wait: request.first_wait,
            max_wait: request.max_wait,
        },
        sink: sink.clone(),
    });
    let names: std::collections::BTreeMap<AccountId, String> = request
        .reach
        .targets
        .iter()
        .map(|t| (t.account.clone(), t.name.clone()))
        .collect();
    let fanned = crate::fanout::run(
        aws.clone(),
        store,
        job,
        request.reach,
        options,
        reporter,
        shutdown,
    )
    .await?;
    let mut accounts = fanned.done;
    // accounts that failed as a whole (the role) have no report of their own
    for f in &fanned.failures {
        if !accounts.iter().any(|a| a.account == f.account) {
            accounts.push(AccountReport {
                account: f.account.clone(),
                name: names.get(&f.account).cloned().unwrap_or_default(),
                file: None,
                generated_time: None,
                users: 0,
                polls: 0,
                failure: Some(f.clone()),
            });
        }
    }
    accounts.sort_by(|a, b| a.account.cmp(&b.account));
    let mut run = CredReportRun {
        run_id: fanned.run_id,
        started_at,
        folder: sink.as_ref().map(|s| s.location()),
        accounts,
        notified: None,
        interrupted: fanned.interrupted,
    };
    let failed = run.failed();
    if let Some(sink) = &sink {
        let bytes = manifest(&run).to_string();
        match sink
            .put("manifest.json", "application/json", bytes.as_bytes())
            .await
        {
            Ok(_) => {}
            Err(PutError::Local(e)) => return Err(e),
            Err(PutError::Aws(e)) => return Err(e.into()),
        }
    }
    if let (Some(topic), true) = (&request.notify_sns, failed > 0) {
        let (subject, message) = failure_message(&run);
        let sent = match aws.own_account().await {
            Ok(session) => canopy_aws::sns_publish(&session, topic, &subject, &message).await,
            Err(e) => Err(e),
        };
        run.notified = Some(sent);
    }
    Ok(run)
}

/// At most this many failed accounts are listed in a notification (SNS takes 256 KiB).
const NOTIFY_MAX_ACCOUNTS: usize = 500;

/// The notification of a run with failures: a subject (under SNS's 100 characters) and a JSON
/// body a workflow can act on (and a person can read).
pub fn failure_message(run: &CredReportRun) -> (String, String) {
    let failed: Vec<&AccountReport> = run
        .accounts
        .iter()
        .filter(|a| a.failure.is_some())
        .collect();
    let subject = format!(
        "canopy: credential reports failed in {} of {} accounts",
        failed.len(),
        run.accounts.len()
    );
    let body = json!({
        "source": "canopy credreport collect",
        "run_id": run.run_id,
        "started_at": canopy_model::format_time(run.started_at),
        "location": run.folder,
        "accounts": run.accounts.len(),
        "failed": failed.len(),
        "failures": failed.iter().take(NOTIFY_MAX_ACCOUNTS).map(|a| {
            let f = a.failure.as_ref();
            json!({
                "account_id": a.account,
                "account_name": a.name,
                "operation": f.map(|f| &f.operation),
                "code": f.map(|f| &f.code),
                "message": f.map(|f| &f.message),
            })
        }).collect::<Vec<_>>(),
        "not_listed": failed.len().saturating_sub(NOTIFY_MAX_ACCOUNTS),
    });
    (
        subject,
        serde_json::to_string_pretty(&body).unwrap_or_else(|_| body.to_string()),
    )
}

/// The run's manifest: one entry per account, whether its report came or not.
pub fn manifest(run: &CredReportRun) -> serde_json::Value {
    let file_name = |p: &Option<String>| {
        p.as_ref().map(|p| {
            p.rsplit(['/', std::path::MAIN_SEPARATOR])
                .next()
                .unwrap_or(p)
                .to_owned()
        })
    };
    json!({
        "run_id": run.run_id,
        "started_at": canopy_model::format_time(run.started_at),
        "accounts": run.accounts.iter().map(|a| json!({
            "account_id": a.account,
            "account_name": a.name,
            "status": if a.failure.is_some() { "failed" } else { "ok" },
            "file": file_name(&a.file),
            "generated_time": a.generated_time,
            "users": a.users,
            "polls": a.polls,
            "error": a.failure.as_ref().map(|f| json!({
                "operation": f.operation, "code": f.code, "message": f.message,
            })),
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_never_reuses_an_earlier_run_folder() {
        let dir = tempfile::tempdir().unwrap();
        let at = time::macros::datetime!(2026-11-21 23:59:59 UTC);
        let first = run_folder(dir.path(), at).unwrap();
        let second = run_folder(dir.path(), at).unwrap();
        assert_eq!(first, dir.path().join("2026-11-21").join("235959Z"));
        assert_eq!(second, dir.path().join("2026-11-21").join("235959Z-2"));
    }
}
