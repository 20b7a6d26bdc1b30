//! Credential reports for the whole organization: every account's report is asked for at once
//! (one task per account; requests capped by the session's request slots), then each account
//! polls its own generation with backoff, so the waits overlap and the run takes about as long
//! as the slowest report. Each report lands as AWS sent it in
//! `<out>/<YYYY-MM-DD>/<run start>/credential-report-<account>.csv` (a new folder per run, never
//! an earlier run's), with a `manifest.json`, and typed in `aws_iam_credential_report`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use canopy_aws::{AwsError, AwsSession, ReportState, RoleSpec};
use canopy_model::AccountId;
use canopy_model::inventory::{Batch, CREDENTIAL_REPORT_TABLE, GLOBAL_REGION};
use canopy_store::{RunTotals, Store, UnitError, UnitKey};
use serde_json::json;
use time::OffsetDateTime;
use tokio::task::JoinSet;

use crate::EngineError;
use crate::collect::{Failure, Target};

/// What to collect, and where to put the files.
#[derive(Debug, Clone)]
pub struct CredReportRequest {
    pub targets: Vec<Target>,
    pub role: RoleSpec,
    /// The folder the run's folder goes under; no files without it.
    pub out: Option<PathBuf>,
    /// Polls of a report's generation before giving up on it.
    pub max_polls: u32,
    /// The first wait between polls; it doubles up to `max_wait`.
    pub first_wait: Duration,
    pub max_wait: Duration,
    /// What was asked, as recorded in `canopy_runs.options`.
    pub options: serde_json::Value,
}

/// How one account's report went.
#[derive(Debug, Clone)]
pub struct AccountReport {
    pub account: AccountId,
    pub name: String,
    /// The CSV file written, when `out` was given.
    pub file: Option<PathBuf>,
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
    /// `<out>/<YYYY-MM-DD>/<run start>`, when `out` was given.
    pub folder: Option<PathBuf>,
    pub accounts: Vec<AccountReport>,
}

impl CredReportRun {
    pub fn failed(&self) -> usize {
        self.accounts.iter().filter(|a| a.failure.is_some()).count()
    }
}

/// `<out>/<YYYY-MM-DD>/<HHMMSSZ>` for the run's start (UTC); `-2`, `-3`, ... when a run of the
/// same second already has that folder. Created owner-only.
fn run_folder(out: &Path, at: OffsetDateTime) -> Result<PathBuf, EngineError> {
    let day = format!(
        "{:04}-{:02}-{:02}",
        at.year(),
        u8::from(at.month()),
        at.day()
    );
    let stamp = format!("{:02}{:02}{:02}Z", at.hour(), at.minute(), at.second());
    let parent = out.join(day);
    crate::configgen::create_private_dir_with(&parent, true).map_err(|e| EngineError::File {
        path: parent.clone(),
        why: format!("cannot create the folder: {e}"),
    })?;
    for n in 1..1000 {
        let name = if n == 1 {
            stamp.clone()
        } else {
            format!("{stamp}-{n}")
        };
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
        why: "too many runs in the same second".to_owned(),
    })
}

struct Fetched {
    csv: String,
    generated_time: Option<String>,
    polls: u32,
}

async fn fetch_one(
    aws: Arc<AwsSession>,
    target: Target,
    role: RoleSpec,
    max_polls: u32,
    first_wait: Duration,
    max_wait: Duration,
) -> (Target, Result<Fetched, (AwsError, u32)>) {
    let result = async {
        let session = aws
            .account(&target.account, &role)
            .await
            .map_err(|e| (e, 0))?;
        let mut polls = 0u32;
        let mut wait = first_wait;
        loop {
            polls += 1;
            match canopy_aws::generate_credential_report(&session).await {
                Ok(ReportState::Complete) => break,
                Ok(_) => {}
                // "no more capacity": AWS is busy generating reports; try again later
                Err(e) if e.code == "LimitExceeded" || e.code == "LimitExceededException" => {}
                Err(e) => return Err((e, polls)),
            }
            if polls >= max_polls.max(1) {
                return Err((
                    AwsError {
                        kind: canopy_aws::ErrorKind::Other,
                        account: Some(target.account.to_string()),
                        operation: "iam:GenerateCredentialReport".to_owned(),
                        code: "ReportNotReady".to_owned(),
                        message: format!(
                            "the report was not ready after {polls} polls; raise --max-polls"
                        ),
                    },
                    polls,
                ));
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(max_wait);
        }
        let report = canopy_aws::get_credential_report(&session)
            .await
            .map_err(|e| (e, polls))?;
        Ok(Fetched {
            csv: report.csv,
            generated_time: report.generated_time,
            polls,
        })
    }
    .await;
    (target, result)
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), EngineError> {
    // new files in a new owner-only folder: written atomically, created 0600
    crate::configgen::write_atomically(path, bytes)
}

/// Collects every target's credential report.
pub async fn collect_credential_reports(
    aws: Arc<AwsSession>,
    store: &mut Store,
    request: CredReportRequest,
    on_account: &(dyn Fn(&AccountReport) + Sync),
) -> Result<CredReportRun, EngineError> {
    let started_at = OffsetDateTime::now_utc();
    let folder = match &request.out {
        Some(out) => Some(run_folder(out, started_at)?),
        None => None,
    };
    let run_id = store.begin_run("credreport collect", &request.options)?;
    let mut tasks = JoinSet::new();
    for target in request.targets {
        tasks.spawn(fetch_one(
            aws.clone(),
            target,
            request.role.clone(),
            request.max_polls,
            request.first_wait,
            request.max_wait,
        ));
    }
    let mut accounts = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (target, result) =
            joined.map_err(|e| EngineError::Internal(format!("a report task failed: {e}")))?;
        let mut report = AccountReport {
            account: target.account.clone(),
            name: target.name.clone(),
            file: None,
            generated_time: None,
            users: 0,
            polls: 0,
            failure: None,
        };
        let failure = match result {
            Err((e, polls)) => {
                report.polls = polls;
                Some(Failure::of(
                    &target.account,
                    GLOBAL_REGION,
                    CREDENTIAL_REPORT_TABLE,
                    &e,
                ))
            }
            Ok(fetched) => {
                report.polls = fetched.polls;
                report.generated_time = fetched.generated_time.clone();
                match canopy_aws::parse_credential_report(
                    &fetched.csv,
                    fetched.generated_time.as_deref(),
                ) {
                    Err(e) => Some(Failure {
                        account: target.account.clone(),
                        region: GLOBAL_REGION.to_owned(),
                        table: CREDENTIAL_REPORT_TABLE.to_owned(),
                        operation: "iam:GetCredentialReport".to_owned(),
                        code: "MalformedReport".to_owned(),
                        message: e.to_string(),
                        hint: None,
                    }),
                    Ok(rows) => {
                        if let Some(folder) = &folder {
                            let file =
                                folder.join(format!("credential-report-{}.csv", target.account));
                            write_private(&file, fetched.csv.as_bytes())?;
                            report.file = Some(file);
                        }
                        report.users = rows.len();
                        store.replace_unit(
                            UnitKey {
                                account_id: target.account.as_str(),
                                region: Some(GLOBAL_REGION),
                            },
                            &[CREDENTIAL_REPORT_TABLE],
                            &[Batch {
                                table: CREDENTIAL_REPORT_TABLE,
                                rows,
                            }],
                            OffsetDateTime::now_utc(),
                        )?;
                        None
                    }
                }
            }
        };
        if let Some(f) = &failure {
            store.record_error(
                run_id,
                &UnitError {
                    account_id: f.account.to_string(),
                    region: f.region.clone(),
                    table_name: f.table.clone(),
                    error_code: f.code.clone(),
                    message: format!("{}: {}", f.operation, f.message),
                },
            )?;
        }
        report.failure = failure;
        on_account(&report);
        accounts.push(report);
    }
    accounts.sort_by(|a, b| a.account.cmp(&b.account));
    let run = CredReportRun {
        run_id,
        started_at,
        folder,
        accounts,
    };
    if let Some(folder) = &run.folder {
        write_private(
            &folder.join("manifest.json"),
            manifest(&run).to_string().as_bytes(),
        )?;
    }
    let failed = run.failed() as u64;
    store.finish_run(
        run_id,
        if failed > 0 { "partial" } else { "ok" },
        RunTotals {
            accounts: run.accounts.len() as u64,
            units: run.accounts.len() as u64,
            failed_units: failed,
            rows: run.accounts.iter().map(|a| a.users as u64).sum(),
        },
    )?;
    Ok(run)
}

/// The run's manifest: one entry per account, whether its report came or not.
pub fn manifest(run: &CredReportRun) -> serde_json::Value {
    let file_name = |p: &Option<PathBuf>| {
        p.as_ref()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
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
