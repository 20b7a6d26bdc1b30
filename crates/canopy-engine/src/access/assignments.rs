//! Identity Center account assignments made and removed the way every writing command here
//! makes them: checked against the assignments that exist just before (Identity Center accepts
//! duplicates), announced in the journal before the call and its request id recorded after,
//! polled until they end, at most 10 outstanding (AWS's limit). An earlier run's request still
//! under way is followed, not repeated.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use canopy_aws::{Assignment, AwsError, ErrorKind, IdentityCenter, PrincipalKind};
use canopy_model::AccountId;
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use crate::error::EngineError;
use crate::journal::Journal;
use canopy_model::Stop;

/// At most this many account assignments outstanding (AWS's limit).
pub const ASSIGNMENTS_OUTSTANDING: usize = 10;

/// How patiently to follow asynchronous requests.
#[derive(Debug, Clone, Copy)]
pub struct Polling {
    /// The first wait; each next one is half again as long, up to `max`.
    pub first: Duration,
    pub max: Duration,
    /// Give up on a request after this long (it goes on in AWS; the next run adopts it).
    pub timeout: Duration,
}

impl Default for Polling {
    fn default() -> Self {
        Self {
            first: Duration::from_secs(5),
            max: Duration::from_secs(10),
            timeout: Duration::from_secs(30 * 60),
        }
    }
}

/// An AWS failure in words, with what to do.
pub fn aws_failure(e: &AwsError) -> String {
    if e.kind == ErrorKind::Interrupted {
        return e.message.clone();
    }
    let fix = match (e.code.as_str(), e.kind) {
        ("ConstraintViolationException", _) => {
            "the organization's account quota or the 5 creations in progress are reached; ask for a higher quota in Service Quotas, or run apply again later"
        }
        (_, ErrorKind::AccessDenied) => {
            "the management account's credentials lack this permission; grant it, then run apply again"
        }
        (_, ErrorKind::Throttled) => "AWS kept throttling; run apply again later",
        _ => "run apply again: finished steps are skipped",
    };
    format!("{} {}: {}; {fix}", e.operation, e.code, e.message)
}

/// The key of an assignment in the journal.
fn assignment_key(account: &AccountId, set_arn: &str, kind: PrincipalKind, id: &str) -> String {
    format!("{account}/{set_arn}/{}/{id}", kind.as_str())
}

/// The journal, the polling, the assignment slots and the user's stop a writing run shares
/// across its tasks.
pub struct Writer<'a> {
    journal: Mutex<&'a mut Journal>,
    pub polling: Polling,
    slots: Semaphore,
    stop: Stop,
    /// Assignment (or removal) requests earlier runs recorded, by assignment key.
    earlier: HashMap<String, String>,
}

impl<'a> Writer<'a> {
    /// `earlier` is what the journal held when it was opened; once `stop` is asked for, no new
    /// write starts (the ones sent are still followed).
    pub fn new(journal: &'a mut Journal, earlier: &[Value], polling: Polling, stop: Stop) -> Self {
        let mut requests = HashMap::new();
        for e in earlier {
            if matches!(
                e["event"].as_str(),
                Some("assign-requested" | "revoke-requested")
            ) && let (Some(k), Some(r), Some(ev)) = (
                e["key"].as_str(),
                e["request"].as_str(),
                e["event"].as_str(),
            ) {
                requests.insert(format!("{ev}:{k}"), r.to_owned());
            }
        }
        Self {
            journal: Mutex::new(journal),
            polling,
            slots: Semaphore::new(ASSIGNMENTS_OUTSTANDING),
            stop,
            earlier: requests,
        }
    }

    /// `Ok` while a new write may start; the words for a write not started once the user
    /// asked the run to stop.
    pub fn gate(&self) -> Result<(), String> {
        self.stop.gate().map_err(|e| e.to_string())
    }

    /// Appends one entry to the journal, flushed to disk.
    pub fn record(&self, entry: Value) -> Result<(), EngineError> {
        match self.journal.lock() {
            Ok(mut journal) => journal.record(entry),
            Err(_) => Err(EngineError::Internal(
                "the journal's lock was poisoned".into(),
            )),
        }
    }

    /// Waits before poll number `attempt` (0-based).
    pub async fn wait(&self, attempt: u32) {
        let factor = 1.5f64.powi(attempt.min(20) as i32);
        let wait = self.polling.first.mul_f64(factor).min(self.polling.max);
        tokio::time::sleep(wait).await;
    }

    /// Makes one assignment unless it exists (`assign`), or removes it if it exists; whether
    /// a request was sent.
    pub async fn change(
        &self,
        ic: &IdentityCenter,
        account: &AccountId,
        set_arn: &str,
        kind: PrincipalKind,
        principal: &str,
        assign: bool,
    ) -> Result<bool, String> {
        let _slot = self
            .slots
            .acquire()
            .await
            .map_err(|_| "internal: assignment slots closed".to_owned())?;
        let (verb, key) = (
            if assign { "assign" } else { "revoke" },
            assignment_key(account, set_arn, kind, principal),
        );
        // an earlier run's request still under way is followed, not repeated
        if let Some(request) = self.earlier.get(&format!("{verb}-requested:{key}")) {
            let state = if assign {
                ic.assignment_request(request).await
            } else {
                ic.unassignment_request(request).await
            };
            if let Ok(Assignment::InProgress(_)) = state {
                self.follow(ic, request, assign).await?;
                return Ok(false);
            }
        }
        let now = ic
            .assignments(account.as_str(), set_arn)
            .await
            .map_err(|e| aws_failure(&e))?;
        let held = now.iter().any(|(k, p)| *k == kind && p == principal);
        if held == assign {
            return Ok(false);
        }
        self.gate()?;
        self.record(json!({"event": format!("{verb}-intent"), "key": key}))
            .map_err(|e| e.to_string())?;
        let asked = if assign {
            ic.assign(account.as_str(), set_arn, kind, principal).await
        } else {
            ic.unassign(account.as_str(), set_arn, kind, principal)
                .await
        };
        match asked.map_err(|e| aws_failure(&e))? {
            Assignment::Succeeded => {}
            Assignment::Failed(reason) => return Err(format!("the {verb} failed: {reason}")),
            Assignment::InProgress(request) => {
                self.record(
                    json!({"event": format!("{verb}-requested"), "key": key, "request": request}),
                )
                .map_err(|e| e.to_string())?;
                self.follow(ic, &request, assign).await?;
            }
        }
        Ok(true)
    }

    async fn follow(&self, ic: &IdentityCenter, request: &str, assign: bool) -> Result<(), String> {
        let started = std::time::Instant::now();
        let mut attempt = 0;
        loop {
            self.wait(attempt).await;
            attempt += 1;
            let state = if assign {
                ic.assignment_request(request).await
            } else {
                ic.unassignment_request(request).await
            };
            match state.map_err(|e| aws_failure(&e))? {
                Assignment::Succeeded => return Ok(()),
                Assignment::Failed(reason) => {
                    return Err(format!("request {request} failed: {reason}"));
                }
                Assignment::InProgress(_) if started.elapsed() > self.polling.timeout => {
                    return Err(format!(
                        "request {request} is still in progress; run again later"
                    ));
                }
                Assignment::InProgress(_) => {}
            }
        }
    }
}
