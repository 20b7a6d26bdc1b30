//! `canopy account apply`: a plan carried out. Per organization, at most 5 creations in flight
//! (AWS's limit), each polled with backoff; Organizations writes one at a time per management
//! account (`OrgAdmin`); Identity Center users made first, then at most 10 assignments
//! outstanding, each checked against the assignments that exist just before it is asked for.
//!
//! Every write is announced in the journal (fsync'd) before it is sent and its request id
//! recorded after, so a run killed anywhere is resumed by planning again: the account a killed
//! run asked for is adopted (by email, by the journal's request, or by name among the creation
//! requests since the journal's announcement), never created twice. One row failing does not
//! stop the others.

use std::collections::HashMap;

use canopy_aws::{Creation, ErrorKind, NewAccount, NewUser, PrincipalKind};
use canopy_model::AccountId;
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use crate::access::Principal;
use crate::access::assignments::{Polling, Writer, aws_failure};
use crate::accounts::plan::{LiveOrg, Prepared, RowPlan, Step};
use crate::error::EngineError;
use crate::journal::Journal;
use canopy_model::Stop;

/// At most this many CreateAccount requests in progress per organization (AWS's limit).
pub const CREATIONS_IN_FLIGHT: usize = 5;
/// How one row ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowResult {
    pub line: usize,
    pub account_name: String,
    pub account_id: Option<AccountId>,
    /// The error, with what to do; `None`: every step done.
    pub error: Option<String>,
    /// The steps done, in words (`created 111122223333`, `moved to Sports/Baseball`, ...).
    pub done: Vec<String>,
}

impl RowResult {
    pub fn status(&self) -> &'static str {
        if self.error.is_none() {
            "SUCCEEDED"
        } else {
            "FAILED"
        }
    }
}

/// What applying told its caller as it went.
pub trait ApplyReporter: Sync {
    fn row_step(&self, _line: usize, _account_name: &str, _what: &str) {}
}

/// Says nothing.
pub struct Quiet;
impl ApplyReporter for Quiet {}

/// What the run did.
#[derive(Debug, Clone)]
pub struct ApplyReport {
    pub rows: Vec<RowResult>,
}

impl ApplyReport {
    pub fn failed(&self) -> usize {
        self.rows.iter().filter(|r| r.error.is_some()).count()
    }
}

struct Run<'a> {
    writer: Writer<'a>,
    reporter: &'a dyn ApplyReporter,
}

impl Run<'_> {
    fn record(&self, entry: Value) -> Result<(), EngineError> {
        self.writer.record(entry)
    }
}

/// Words for a failed creation's reason, with what to do.
pub fn creation_failure(reason: &str) -> String {
    let fix = match reason {
        "EMAIL_ALREADY_EXISTS" => {
            "the address belongs to an account outside this organization; use another address or invite that account"
        }
        "ACCOUNT_LIMIT_EXCEEDED" => {
            "the organization has reached its account quota; ask for more in Service Quotas (AWS Organizations, `Default maximum number of accounts`)"
        }
        "INVALID_EMAIL" | "INVALID_ADDRESS" => "correct the address",
        "CONCURRENT_ACCOUNT_MODIFICATION" | "INTERNAL_FAILURE" => "run apply again",
        "MISSING_BUSINESS_VALIDATION" | "MISSING_PAYMENT_INSTRUMENT" => {
            "the management account's billing set-up is incomplete; finish it, then run apply again"
        }
        _ => "see AWS's CreateAccount documentation for the reason, then run apply again",
    };
    format!("{reason}: {fix}")
}

/// Carries the plan out. `journal` is open for appending; what earlier runs wrote in it was
/// read into the plan already. Once `stop` is asked for, no new write starts: the rows not
/// yet started, and the steps after the writes in flight, end with the interruption as their
/// error, and the creations already requested are still followed to their end.
pub async fn apply(
    prepared: Prepared,
    journal: &mut Journal,
    earlier: &[Value],
    polling: Polling,
    stop: &Stop,
    reporter: &dyn ApplyReporter,
) -> Result<ApplyReport, EngineError> {
    let Prepared { plan, mut live } = prepared;
    for lo in &mut live {
        lo.admin.stop_with(stop.clone());
    }
    let run = Run {
        writer: Writer::new(journal, earlier, polling, stop.clone()),
        reporter,
    };

    // Identity Center users first: several rows may name one
    let mut user_errors: HashMap<Principal, String> = HashMap::new();
    for row in &plan.rows {
        for step in &row.steps {
            if let Step::CreateUser {
                email,
                given,
                family,
            } = step
            {
                let lo = &mut live[row.org];
                let principal = Principal {
                    kind: PrincipalKind::User,
                    name: email.clone(),
                };
                match create_user(&run, lo, email, given, family).await {
                    Ok(id) => {
                        run.reporter.row_step(
                            row.row.line,
                            &row.row.account_name,
                            &format!("created user {email}"),
                        );
                        lo.principals.insert(principal, Some(id));
                    }
                    Err(e) => {
                        user_errors.insert(principal, e);
                    }
                }
            }
        }
    }

    let creations: Vec<Semaphore> = plan
        .orgs
        .iter()
        .map(|_| Semaphore::new(CREATIONS_IN_FLIGHT))
        .collect();
    let results = crate::fanout::each(plan.rows.iter(), crate::fanout::ALL, |row| {
        let lo = &live[row.org];
        let creations = &creations[row.org];
        let run = &run;
        let user_errors = &user_errors;
        async move {
            let mut result = RowResult {
                line: row.row.line,
                account_name: row.row.account_name.clone(),
                account_id: row.account().cloned(),
                error: None,
                done: Vec::new(),
            };
            if let Err(e) = apply_row(run, lo, creations, row, user_errors, &mut result).await {
                result.error = Some(e);
            }
            result
        }
    })
    .await;
    Ok(ApplyReport { rows: results })
}

async fn create_user(
    run: &Run<'_>,
    lo: &LiveOrg,
    email: &str,
    given: &str,
    family: &str,
) -> Result<String, String> {
    let ic = lo
        .identity
        .as_ref()
        .ok_or_else(|| "Identity Center is not enabled".to_owned())?;
    // a killed run may have made it
    if let Some(id) = ic.user_id(email).await.map_err(|e| aws_failure(&e))? {
        return Ok(id);
    }
    run.writer.gate()?;
    run.record(json!({"event": "user-intent", "key": email}))
        .map_err(|e| e.to_string())?;
    let made = ic
        .create_user(&NewUser {
            email,
            given_name: given,
            family_name: family,
        })
        .await;
    let id = match made {
        Ok(id) => id,
        // made meanwhile, or made by the call whose answer was lost
        Err(e) => match ic.user_id(email).await {
            Ok(Some(id)) => id,
            _ => return Err(aws_failure(&e)),
        },
    };
    run.record(json!({"event": "user-created", "key": email, "user_id": id}))
        .map_err(|e| e.to_string())?;
    Ok(id)
}

async fn apply_row(
    run: &Run<'_>,
    lo: &LiveOrg,
    creations: &Semaphore,
    row: &RowPlan,
    user_errors: &HashMap<Principal, String>,
    result: &mut RowResult,
) -> Result<(), String> {
    let line = row.row.line;
    let name = &row.row.account_name;
    let key = row.row.key();
    let journal_failed = |e: EngineError| e.to_string();
    for step in &row.steps {
        match step {
            Step::Create { tags, role_name } => {
                let _slot = creations
                    .acquire()
                    .await
                    .map_err(|_| "internal: creation slots closed".to_owned())?;
                run.writer.gate()?;
                run.record(json!({"event": "create-intent", "key": key, "name": name}))
                    .map_err(journal_failed)?;
                let asked = lo
                    .admin
                    .create_account(&NewAccount {
                        name,
                        email: &row.row.account_email,
                        role_name: role_name.as_deref(),
                        tags,
                    })
                    .await;
                let request = match asked {
                    Ok(request) => request,
                    Err(e) if e.kind == ErrorKind::Transient => {
                        // the outcome is unknown: AWS may have made it; look before failing
                        let found = lo
                            .admin
                            .creation_requests(false)
                            .await
                            .ok()
                            .and_then(|all| {
                                all.into_iter().rev().find(|r| {
                                    r.account_name == *name
                                        && !matches!(r.state, Creation::Failed(_))
                                })
                            });
                        match found {
                            Some(r) => r,
                            None => {
                                return Err(format!(
                                    "{}; the creation's outcome is unknown: run apply again, it adopts the account if AWS made it",
                                    aws_failure(&e)
                                ));
                            }
                        }
                    }
                    // not sent: nothing for the journal to say
                    Err(e) if e.kind == ErrorKind::Interrupted => return Err(aws_failure(&e)),
                    Err(e) => {
                        let _ = run.record(
                            json!({"event": "create-failed", "key": key, "reason": e.code}),
                        );
                        return Err(aws_failure(&e));
                    }
                };
                run.record(json!({"event": "create-requested", "key": key, "request": request.id}))
                    .map_err(journal_failed)?;
                run.reporter
                    .row_step(line, name, &format!("creation requested ({})", request.id));
                let id = follow_creation(run, lo, &key, &request.id, request.state).await?;
                run.reporter.row_step(line, name, &format!("created {id}"));
                result.done.push(format!("created {id}"));
                result.account_id = Some(id);
            }
            Step::Adopt {
                account: None,
                request: Some(request),
            } => {
                let id = follow_creation(run, lo, &key, request, Creation::InProgress).await?;
                run.reporter.row_step(
                    line,
                    name,
                    &format!("adopted {id} (its creation was under way)"),
                );
                result.done.push(format!("adopted {id}"));
                result.account_id = Some(id);
            }
            Step::Adopt { account, .. } => {
                if let Some(id) = account {
                    result.account_id = Some(id.clone());
                    if row.row.account_id.is_none() {
                        result.done.push(format!("adopted {id}"));
                    }
                }
            }
            Step::Done { .. } | Step::Assigned { .. } | Step::CreateUser { .. } => {}
            Step::Move { from, to, to_path } => {
                let id = result.account_id.clone().ok_or("no account to move")?;
                run.writer.gate()?;
                lo.admin
                    .move_account(&id, from, to)
                    .await
                    .map_err(|e| aws_failure(&e))?;
                run.reporter
                    .row_step(line, name, &format!("moved to {to_path}"));
                result.done.push(format!("moved to {to_path}"));
            }
            Step::Tag { tags } => {
                let id = result.account_id.clone().ok_or("no account to tag")?;
                run.writer.gate()?;
                lo.admin
                    .tag_account(&id, tags)
                    .await
                    .map_err(|e| aws_failure(&e))?;
                result.done.push("tagged".to_owned());
            }
            Step::Assign {
                principal,
                permission_set,
            } => {
                if let Some(e) = user_errors.get(principal) {
                    return Err(e.clone());
                }
                let id = result.account_id.clone().ok_or("no account to assign")?;
                let ic = lo
                    .identity
                    .as_ref()
                    .ok_or("Identity Center is not enabled")?;
                let set_arn = lo
                    .permission_sets
                    .get(permission_set)
                    .ok_or_else(|| format!("no permission set `{permission_set}`"))?;
                let principal_id = lo
                    .principals
                    .get(principal)
                    .cloned()
                    .flatten()
                    .ok_or_else(|| format!("{principal} is not in Identity Center"))?;
                let made = run
                    .writer
                    .change(ic, &id, set_arn, principal.kind, &principal_id, true)
                    .await?;
                let what = format!("assigned {principal} {permission_set}");
                if made {
                    run.reporter.row_step(line, name, &what);
                    result.done.push(what);
                }
            }
        }
    }
    Ok(())
}

/// Polls a creation request until it ends; the account's id, or the failure in words.
async fn follow_creation(
    run: &Run<'_>,
    lo: &LiveOrg,
    key: &str,
    request: &str,
    mut state: Creation,
) -> Result<AccountId, String> {
    let started = std::time::Instant::now();
    let mut attempt = 0;
    loop {
        match state {
            Creation::Succeeded(id) => {
                run.record(json!({"event": "created", "key": key, "request": request, "account": id.to_string()}))
                    .map_err(|e| e.to_string())?;
                return Ok(id);
            }
            Creation::Failed(reason) => {
                let _ = run.record(json!({"event": "create-failed", "key": key, "request": request, "reason": reason}));
                return Err(creation_failure(&reason));
            }
            Creation::InProgress => {}
        }
        if started.elapsed() > run.writer.polling.timeout {
            return Err(format!(
                "creation request {request} is still in progress after {} s; run apply again later to adopt the account",
                run.writer.polling.timeout.as_secs()
            ));
        }
        run.writer.wait(attempt).await;
        attempt += 1;
        state = lo
            .admin
            .creation_request(request)
            .await
            .map_err(|e| aws_failure(&e))?
            .state;
    }
}
