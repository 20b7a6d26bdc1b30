//! The one fan-out every per-account command runs on: [`run`] for the commands that write rows
//! (`collect`, `credreport collect`), [`each`], [`spawned`] and [`as_they_end`] for the others'
//! per-account work (plans, writes, exec's accounts and children), [`choose_regions`] for every
//! command's regions. Accounts enter a window of bounded size: a prepare task assumes the role
//! once (the caller's own account uses the caller's credentials) and, when the job needs them,
//! discovers the account's enabled regions; the job then names the account's units. Units are
//! started round-robin across the accounts in the window, so no account is worked through alone;
//! each request waits for its (account, region, API) bucket and then for one of the process-wide
//! request slots (`--concurrency`). When an account's last unit ends, its credentials and buckets
//! are dropped: memory follows the window, not the estate.
//!
//! Every unit's rows go to a writer on a blocking thread through a bounded channel and replace
//! that unit's previous rows atomically (the writer commits what has queued up, up to 128 units,
//! in one transaction); a failed unit is recorded in `canopy_errors` and
//! keeps its previous rows. One account or region failing never stops the run. `shutdown`
//! resolving (Ctrl-C) stops it cleanly: units in progress are abandoned, every unit already
//! written stays, and the run is recorded as interrupted.
//!
//! Over 600 lines: the one fan-out: its window, units, writer and run status with the pieces the
//! other commands use, kept together so nothing else starts per-account work.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::future::Future;
use std::sync::Arc;

use canopy_aws::{AccountSession, ApiBuckets, AwsError, AwsSession, RoleSpec};
use canopy_model::inventory::{Batch, GLOBAL_REGION, RegionInfo};
use canopy_model::table::TableDef;
use canopy_model::{AccountId, Membership, Partition, Region};
use canopy_store::{RunErrors, RunStatus, RunTotals, Store, UnitError, UnitKey, UnitRows};
use futures::future::BoxFuture;
use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::error::EngineError;

/// An account to work in. Only the engine makes targets ([`crate::select::targets`]), and only
/// of ACTIVE accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Target {
    pub account: AccountId,
    pub name: String,
    pub partition: Partition,
    /// The account's organization as synced (`None` only for targets made in tests).
    pub membership: Option<Arc<Membership>>,
}

/// Which regions to work in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionChoice {
    /// Every region enabled in each account.
    All,
    /// These regions, where enabled in the account.
    List(Vec<Region>),
}

/// A unit (or a whole account) that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub account: AccountId,
    pub region: String,
    /// The table the unit fills, or the job's account-level name when the whole account failed
    /// (role, regions).
    pub table: String,
    pub operation: String,
    pub code: String,
    pub message: String,
    pub hint: Option<canopy_aws::Hint>,
    /// For a refused detail call: the one resource it was about (the unit's rows were kept).
    pub resource: Option<String>,
}

impl Failure {
    pub(crate) fn of(account: &AccountId, region: &str, table: &str, e: &AwsError) -> Self {
        Self {
            account: account.clone(),
            region: region.to_owned(),
            table: table.to_owned(),
            operation: e.operation.clone(),
            code: e.code.clone(),
            message: e.message.clone(),
            hint: e.hint(),
            resource: None,
        }
    }

    /// A detail call about one resource that was refused while its unit went on.
    pub(crate) fn refused(
        account: &AccountId,
        region: &str,
        table: &str,
        refusal: &canopy_aws::Refusal,
    ) -> Self {
        Self {
            resource: Some(refusal.resource.clone()),
            ..Self::of(account, region, table, &refusal.error)
        }
    }

    fn unit_error(&self) -> UnitError {
        UnitError {
            account_id: self.account.to_string(),
            region: self.region.clone(),
            table_name: self.table.clone(),
            error_code: self.code.clone(),
            message: match &self.resource {
                Some(resource) => format!("{} on {resource}: {}", self.operation, self.message),
                None => format!("{}: {}", self.operation, self.message),
            },
            action: Some(self.operation.clone()),
            resource: self.resource.clone(),
        }
    }
}

/// What a fan-out tells its caller as it goes.
pub trait FanOutReporter: Sync {
    /// An account is ready: `units` were queued, `skipped_regions` are not enabled there.
    fn account_ready(&self, _account: &AccountId, _units: usize, _skipped_regions: usize) {}
    fn account_failed(&self, _failure: &Failure) {}
    /// A detail call about one resource was refused; the unit went on without it.
    fn detail_refused(&self, _failure: &Failure) {}
    fn unit_done(&self, _rows: u64, _failure: Option<&Failure>) {}
}

/// A reporter that says nothing.
pub struct Quiet;

impl FanOutReporter for Quiet {}

/// Window sizes.
#[derive(Debug, Clone, Copy)]
pub struct FanOutOptions {
    /// Units in progress at once (each sends one request at a time; the request cap itself is
    /// the session's request limit).
    pub units_in_flight: usize,
    /// Accounts worked on at once.
    pub accounts_in_flight: usize,
    /// Pace calls at AWS's documented per-account, per-region rates.
    pub paced: bool,
}

/// An account whose credentials (and regions, when asked for) are ready.
pub(crate) struct Ready {
    pub target: Target,
    pub session: AccountSession,
    pub buckets: ApiBuckets,
    /// The regions chosen to work in.
    pub regions: Vec<String>,
    /// Regions asked for but not enabled in the account.
    pub skipped: usize,
    /// The account's regions as discovered, or why not (`Ok(empty)` when not asked for).
    pub known: Result<Vec<RegionInfo>, AwsError>,
}

/// How one unit ended.
pub(crate) struct Outcome<D> {
    pub region: String,
    /// The tables the unit fills: on success its rows replace the unit's rows in them.
    pub tables: &'static [&'static TableDef],
    pub result: Result<Vec<Batch>, Failure>,
    /// Detail calls about one resource that were refused while the unit went on: recorded,
    /// and the rows kept without the columns they would have filled.
    pub refused: Vec<Failure>,
    /// What the job hands back to its caller.
    pub done: D,
}

/// What a per-account command does in each account.
pub(crate) trait Job: Send + Sync + 'static {
    type Unit: Send + 'static;
    type Done: Send + 'static;
    /// The command recorded in `canopy_runs`.
    fn command(&self) -> &'static str;
    /// The table name an account that failed as a whole is recorded under.
    fn account_table(&self) -> &'static str;
    /// The regions to discover before an account's units are known; `None`: no discovery.
    fn regions(&self) -> Option<&RegionChoice>;
    /// The account's units, in the order they should start.
    fn units(&self, ready: &Ready) -> Vec<Self::Unit>;
    /// Runs one unit. An `Err` stops the whole run (a local disk refusing a file); an AWS failure
    /// belongs in the outcome.
    fn run(
        self: Arc<Self>,
        ready: Arc<Ready>,
        unit: Self::Unit,
    ) -> BoxFuture<'static, Result<Outcome<Self::Done>, EngineError>>;
}

/// How a fan-out went.
#[derive(Debug, Clone)]
pub struct FanOutReport<D> {
    pub run_id: i64,
    pub accounts: usize,
    pub units: u64,
    pub rows: BTreeMap<String, u64>,
    /// Regions asked for but not enabled (not opted in) in some account, summed over accounts.
    pub skipped_regions: u64,
    pub failures: Vec<Failure>,
    /// Detail calls refused in units that otherwise succeeded (their rows were kept).
    pub refused: Vec<Failure>,
    pub interrupted: bool,
    /// What each finished unit handed back, in the order units ended.
    pub done: Vec<D>,
}

impl<D> FanOutReport<D> {
    /// How the run ended.
    pub fn status(&self) -> RunStatus {
        if self.interrupted {
            RunStatus::Interrupted
        } else if self.failures.is_empty() && self.refused.is_empty() {
            RunStatus::Ok
        } else {
            RunStatus::Partial
        }
    }

    /// Failures grouped by error code: `code -> (failed units, accounts affected)`.
    pub fn failures_by_code(&self) -> BTreeMap<String, (usize, BTreeSet<AccountId>)> {
        let mut groups: BTreeMap<String, (usize, BTreeSet<AccountId>)> = BTreeMap::new();
        for f in &self.failures {
            let entry = groups.entry(f.code.clone()).or_default();
            entry.0 += 1;
            entry.1.insert(f.account.clone());
        }
        groups
    }
}

/// Units written in one transaction at most.
const WRITE_GROUP: usize = 128;

enum Write {
    Unit {
        account: AccountId,
        region: String,
        tables: &'static [&'static TableDef],
        batches: Vec<Batch>,
        at: OffsetDateTime,
    },
    Error(UnitError),
}

enum Event<J: Job> {
    Prepared {
        result: Result<Box<Ready>, Failure>,
    },
    Unit {
        account: AccountId,
        outcome: Result<Outcome<J::Done>, EngineError>,
    },
}

struct AccountWork<U> {
    account: AccountId,
    ready: Arc<Ready>,
    queue: VecDeque<U>,
    running: usize,
}

/// The regions to work in for one account, and how many asked-for regions are not enabled.
pub(crate) fn choose_regions(
    choice: &RegionChoice,
    known: Option<&[RegionInfo]>,
    partition: &Partition,
) -> (Vec<String>, usize) {
    let in_partition = |r: &str| canopy_model::inventory::region_partition(r) == partition.as_str();
    match (choice, known) {
        (RegionChoice::All, Some(known)) => {
            let enabled: Vec<String> = known
                .iter()
                .filter(|r| in_partition(&r.name) && r.enabled())
                .map(|r| r.name.clone())
                .collect();
            let skipped = known
                .iter()
                .filter(|r| in_partition(&r.name) && !r.enabled())
                .count();
            (enabled, skipped)
        }
        (RegionChoice::List(list), Some(known)) => {
            let mut chosen = Vec::new();
            let mut skipped = 0;
            for name in list {
                let name = name.as_str();
                if in_partition(name) && known.iter().any(|k| k.name == name && k.enabled()) {
                    chosen.push(name.to_owned());
                } else {
                    skipped += 1;
                }
            }
            (chosen, skipped)
        }
        (RegionChoice::List(list), None) => {
            let chosen: Vec<String> = list
                .iter()
                .map(Region::as_str)
                .filter(|r| in_partition(r))
                .map(str::to_owned)
                .collect();
            let skipped = list.len() - chosen.len();
            (chosen, skipped)
        }
        (RegionChoice::All, None) => (Vec::new(), 0),
    }
}

async fn prepare<J: Job>(
    aws: Arc<AwsSession>,
    job: Arc<J>,
    target: Target,
    role: RoleSpec,
    paced: bool,
) -> Event<J> {
    Event::Prepared {
        result: ready(&aws, job.as_ref(), target, &role, paced).await,
    }
}

/// Assumes the role in `target` and, when the job needs them, discovers its regions.
async fn ready<J: Job>(
    aws: &AwsSession,
    job: &J,
    target: Target,
    role: &RoleSpec,
    paced: bool,
) -> Result<Box<Ready>, Failure> {
    let session = aws
        .account(&target.account, role)
        .await
        .map_err(|e| Failure::of(&target.account, GLOBAL_REGION, job.account_table(), &e))?;
    let buckets = ApiBuckets::new(paced);
    let Some(choice) = job.regions() else {
        return Ok(Box::new(Ready {
            target,
            session,
            buckets,
            regions: Vec::new(),
            skipped: 0,
            known: Ok(Vec::new()),
        }));
    };
    let discovered = canopy_aws::describe_regions(&session, &buckets).await;
    let (regions, skipped) = match &discovered {
        Ok(known) => choose_regions(choice, Some(known), &target.partition),
        // without the list of enabled regions, a given list is still usable
        Err(e) if matches!(choice, RegionChoice::List(_)) => {
            tracing::warn!(account = %target.account, "cannot list regions, using the given ones: {e}");
            choose_regions(choice, None, &target.partition)
        }
        Err(e) => return Err(Failure::of(&target.account, GLOBAL_REGION, "aws_region", e)),
    };
    Ok(Box::new(Ready {
        target,
        session,
        buckets,
        regions,
        skipped,
        known: discovered,
    }))
}

/// Where a per-account command runs: the accounts, the role assumed in them, and what was asked
/// (recorded in `canopy_runs.options`).
#[derive(Debug, Clone)]
pub struct Reach {
    pub targets: Vec<Target>,
    pub role: RoleSpec,
    pub asked: serde_json::Value,
}

/// Runs `job` in every target, writing into `store` (which the run takes over: writes happen on
/// a blocking thread).
pub(crate) async fn run<J: Job>(
    aws: Arc<AwsSession>,
    mut store: Store,
    job: Arc<J>,
    reach: Reach,
    options: FanOutOptions,
    reporter: &dyn FanOutReporter,
    shutdown: impl Future<Output = ()>,
) -> Result<FanOutReport<J::Done>, EngineError> {
    let Reach {
        targets,
        role,
        asked,
    } = reach;
    let run_id = store.begin_run(job.command(), &asked)?;
    let (tx, mut rx) = mpsc::channel::<Write>(WRITE_GROUP);
    let writer = tokio::task::spawn_blocking(move || -> Result<Store, EngineError> {
        // what has queued while the last commit ran goes in the next one: one commit per
        // hundreds of small units at scale, one per unit when units trickle in
        let mut group: Vec<Write> = Vec::with_capacity(WRITE_GROUP);
        while let Some(write) = rx.blocking_recv() {
            group.push(write);
            while group.len() < WRITE_GROUP {
                match rx.try_recv() {
                    Ok(write) => group.push(write),
                    Err(_) => break,
                }
            }
            let mut units = Vec::with_capacity(group.len());
            let mut failed = Vec::new();
            for write in &group {
                match write {
                    Write::Unit {
                        account,
                        region,
                        tables,
                        batches,
                        at,
                    } => units.push(UnitRows {
                        key: UnitKey {
                            account_id: account.as_str(),
                            region,
                        },
                        tables,
                        batches,
                        collected_at: *at,
                    }),
                    Write::Error(e) => failed.push(e),
                }
            }
            store.replace_units(
                &units,
                RunErrors {
                    run_id,
                    errors: &failed,
                },
            )?;
            drop((units, failed));
            group.clear();
        }
        Ok(store)
    });

    let mut report = FanOutReport {
        run_id,
        accounts: targets.len(),
        units: 0,
        rows: BTreeMap::new(),
        skipped_regions: 0,
        failures: Vec::new(),
        refused: Vec::new(),
        interrupted: false,
        done: Vec::new(),
    };
    let mut pending = targets.into_iter();
    let mut active: Vec<AccountWork<J::Unit>> = Vec::new();
    let mut preparing = 0usize;
    let mut running_units = 0usize;
    let mut cursor = 0usize;
    let mut tasks: JoinSet<Event<J>> = JoinSet::new();
    let mut stopped: Option<EngineError> = None;
    tokio::pin!(shutdown);

    'run: loop {
        while active.len() + preparing < options.accounts_in_flight.max(1) {
            let Some(target) = pending.next() else { break };
            preparing += 1;
            tasks.spawn(prepare(
                aws.clone(),
                job.clone(),
                target,
                role.clone(),
                options.paced,
            ));
        }
        // round-robin: one unit from each account with work, in turn
        while running_units < options.units_in_flight.max(1) {
            let Some(i) =
                next_with_work(active.len(), &mut cursor, |i| !active[i].queue.is_empty())
            else {
                break;
            };
            let work = &mut active[i];
            let Some(unit) = work.queue.pop_front() else {
                break;
            };
            work.running += 1;
            running_units += 1;
            let account = work.account.clone();
            let unit = job.clone().run(work.ready.clone(), unit);
            tasks.spawn(async move {
                Event::Unit {
                    account,
                    outcome: unit.await,
                }
            });
        }
        active.retain(|w| !(w.queue.is_empty() && w.running == 0));
        if tasks.is_empty() {
            break;
        }
        let joined = tokio::select! {
            joined = tasks.join_next() => joined,
            () = &mut shutdown => {
                report.interrupted = true;
                tasks.abort_all();
                break 'run;
            }
        };
        let event = match joined {
            Some(Ok(event)) => event,
            Some(Err(e)) if e.is_cancelled() => continue,
            Some(Err(e)) => {
                stopped = Some(EngineError::Internal(format!("a task failed: {e}")));
                tasks.abort_all();
                break 'run;
            }
            None => break,
        };
        let mut writes = Vec::new();
        match event {
            Event::Prepared { result } => {
                preparing -= 1;
                match result {
                    Err(failure) => {
                        reporter.account_failed(&failure);
                        writes.push(Write::Error(failure.unit_error()));
                        report.failures.push(failure);
                    }
                    Ok(ready) => {
                        let queue: VecDeque<J::Unit> = job.units(&ready).into();
                        report.skipped_regions += ready.skipped as u64;
                        reporter.account_ready(&ready.target.account, queue.len(), ready.skipped);
                        if !queue.is_empty() {
                            active.push(AccountWork {
                                account: ready.target.account.clone(),
                                ready: Arc::from(ready),
                                queue,
                                running: 0,
                            });
                        }
                    }
                }
            }
            Event::Unit { account, outcome } => {
                running_units -= 1;
                if let Some(work) = active.iter_mut().find(|w| w.account == account) {
                    work.running -= 1;
                }
                let outcome = match outcome {
                    Ok(outcome) => outcome,
                    Err(e) => {
                        stopped = Some(e);
                        tasks.abort_all();
                        break 'run;
                    }
                };
                report.units += 1;
                match outcome.result {
                    Ok(batches) => {
                        let mut rows = 0;
                        for t in outcome.tables {
                            report.rows.entry(t.name.to_owned()).or_default();
                        }
                        for b in &batches {
                            let n = b.rows.len() as u64;
                            rows += n;
                            *report.rows.entry(b.table.name.to_owned()).or_default() += n;
                        }
                        reporter.unit_done(rows, None);
                        writes.push(Write::Unit {
                            account,
                            region: outcome.region,
                            tables: outcome.tables,
                            batches,
                            at: OffsetDateTime::now_utc(),
                        });
                        for refusal in outcome.refused {
                            reporter.detail_refused(&refusal);
                            writes.push(Write::Error(refusal.unit_error()));
                            report.refused.push(refusal);
                        }
                    }
                    Err(failure) => {
                        reporter.unit_done(0, Some(&failure));
                        writes.push(Write::Error(failure.unit_error()));
                        report.failures.push(failure);
                    }
                }
                report.done.push(outcome.done);
            }
        }
        for write in writes {
            if tx.send(write).await.is_err() {
                // the writer stopped on an error: stop here and report it
                stopped = Some(EngineError::Internal(
                    "the store writer stopped early".to_owned(),
                ));
                tasks.abort_all();
                break 'run;
            }
        }
    }
    drop(tx);
    let mut store = writer
        .await
        .map_err(|e| EngineError::Internal(format!("the store writer failed: {e}")))??;
    if let Some(e) = stopped {
        // what was written stays; the run says it did not finish
        store.finish_run(run_id, RunStatus::Interrupted, totals(&report))?;
        return Err(e);
    }
    store.finish_run(run_id, report.status(), totals(&report))?;
    Ok(report)
}

fn totals<D>(report: &FanOutReport<D>) -> RunTotals {
    RunTotals {
        accounts: report.accounts as u64,
        units: report.units,
        failed_units: report.failures.len() as u64,
        rows: report.rows.values().sum(),
    }
}

/// The next of `n` accounts, from `cursor` on, that has units waiting; moves the cursor past it,
/// so consecutive units come from different accounts whenever several have work.
fn next_with_work(n: usize, cursor: &mut usize, has_work: impl Fn(usize) -> bool) -> Option<usize> {
    let i = (0..n)
        .map(|step| (*cursor + step) % n)
        .find(|&i| has_work(i))?;
    *cursor = (i + 1) % n;
    Some(i)
}

/// No window: every item at once (their requests still wait for the request slots and buckets).
pub const ALL: usize = usize::MAX;

/// Per-account work outside a [`Job`] (a plan read in every account, writes through a management
/// account, Identity Center calls per organization): `each` for every item, at most `at_once` at
/// a time, the results in the items' order. With [`run`] and [`spawned`], the only place the
/// engine starts work per account (a test holds it to that); the requests themselves still wait
/// for the session's request slots (`--concurrency`) and their buckets.
pub async fn each<T, R, F>(
    items: impl IntoIterator<Item = T>,
    at_once: usize,
    each: impl FnMut(T) -> F,
) -> Vec<R>
where
    F: Future<Output = R>,
{
    use futures::StreamExt;
    futures::stream::iter(items)
        .map(each)
        .buffered(at_once.max(1))
        .collect()
        .await
}

/// [`each`] as a stream that yields the results as they end, in any order (exec's children:
/// `--children` at a time).
pub fn as_they_end<T, R, F>(
    items: impl futures::Stream<Item = T>,
    at_once: usize,
    each: impl FnMut(T) -> F,
) -> impl futures::Stream<Item = R>
where
    F: Future<Output = R>,
{
    use futures::StreamExt;
    items.map(each).buffer_unordered(at_once.max(1))
}

/// [`each`] as a stream, every item's work on a task of its own, so it goes on however long the
/// consumer takes to ask for the next result (an SDK call left unpolled would find its timeout
/// spent); in the items' order. A task that panicked yields `Err`.
pub fn spawned<T, R, F>(
    items: impl IntoIterator<Item = T>,
    at_once: usize,
    mut each: impl FnMut(T) -> F,
) -> impl futures::Stream<Item = Result<R, tokio::task::JoinError>>
where
    F: Future<Output = R> + Send + 'static,
    R: Send + 'static,
{
    use futures::StreamExt;
    futures::stream::iter(items)
        .map(move |item| tokio::spawn(each(item)))
        .buffered(at_once.max(1))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn info(name: &str, status: &str) -> RegionInfo {
        RegionInfo {
            name: name.to_owned(),
            opt_in_status: status.to_owned(),
        }
    }

    #[test]
    fn units_are_taken_round_robin_across_accounts() {
        let mut queues: Vec<VecDeque<&str>> = vec![
            VecDeque::from(["a1", "a2", "a3"]),
            VecDeque::from(["b1"]),
            VecDeque::from([]),
            VecDeque::from(["d1", "d2"]),
        ];
        let mut cursor = 0;
        let mut order = Vec::new();
        while let Some(i) = next_with_work(queues.len(), &mut cursor, |i| !queues[i].is_empty()) {
            order.push(queues[i].pop_front().unwrap());
        }
        assert_eq!(order, ["a1", "b1", "d1", "a2", "d2", "a3"]);
        assert_eq!(next_with_work(0, &mut cursor, |_| true), None);
    }

    #[test]
    fn regions_are_enabled_ones_of_the_partition() {
        let known = [
            info("eu-west-1", "opt-in-not-required"),
            info("af-south-1", "not-opted-in"),
            info("me-south-1", "opted-in"),
            info("cn-north-1", "opt-in-not-required"),
        ];
        let aws = Partition::aws();
        let (all, skipped) = choose_regions(&RegionChoice::All, Some(&known), &aws);
        assert_eq!(all, ["eu-west-1", "me-south-1"]);
        assert_eq!(skipped, 1);
        let region = |r: &str| r.parse::<Region>().unwrap();
        let list = RegionChoice::List(vec![region("af-south-1"), region("eu-west-1")]);
        let (chosen, skipped) = choose_regions(&list, Some(&known), &aws);
        assert_eq!(chosen, ["eu-west-1"]);
        assert_eq!(skipped, 1);
        let list = RegionChoice::List(vec![region("cn-north-1"), region("eu-west-1")]);
        let (chosen, skipped) = choose_regions(&list, None, &aws);
        assert_eq!(chosen, ["eu-west-1"]);
        assert_eq!(skipped, 1);
    }
}
