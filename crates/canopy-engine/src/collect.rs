//! The fan-out: units of work are (account, region, collector). Accounts enter a window of
//! bounded size (assume the role once, discover the enabled regions, queue the account's
//! units); units are started round-robin across the accounts in the window, so no account is
//! worked through alone; each request waits for its (account, region, API) bucket and then for
//! one of the process-wide request slots (`--concurrency`). When an account's last unit ends,
//! its credentials and buckets are dropped: memory follows the window, not the estate.
//!
//! Every unit's rows go to a writer on a blocking thread through a bounded channel and replace
//! that unit's previous rows in one transaction; a failed unit is recorded in `canopy_errors`
//! and keeps its previous rows. One account or region failing never stops the run.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::future::Future;
use std::sync::Arc;

use canopy_aws::{AccountSession, ApiBuckets, AwsError, AwsSession, Collector, RoleSpec, Unit};
use canopy_model::inventory::{Batch, GLOBAL_REGION, RegionInfo};
use canopy_model::table::{Scope, TableDef};
use canopy_model::{AccountId, Partition};
use canopy_store::{RunTotals, Store, UnitError, UnitKey};
use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::EngineError;

/// The collectors `--tables` asks for.
#[derive(Debug, Clone, Default)]
pub struct ChosenTables {
    pub collectors: Vec<&'static Collector>,
    /// Organization tables that were named: `org sync` fills them, not collection.
    pub from_sync: Vec<String>,
}

/// Table names (or `all`, or none: every table) -> the collectors that fill them, each once.
pub fn collectors_for(names: &[String]) -> Result<ChosenTables, EngineError> {
    let names: Vec<&str> = names
        .iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .collect();
    let mut chosen = ChosenTables::default();
    if names.is_empty() || names.iter().any(|t| t.eq_ignore_ascii_case("all")) {
        chosen.collectors = canopy_aws::COLLECTORS.iter().collect();
        return Ok(chosen);
    }
    for name in names {
        if canopy_model::inventory::ORGANIZATION_TABLES.contains(&name) {
            chosen.from_sync.push(name.to_owned());
            continue;
        }
        let Some(c) = Collector::for_table(name) else {
            let known: Vec<&str> = canopy_aws::COLLECTORS
                .iter()
                .flat_map(|c| c.tables.iter().map(|t| t.name))
                .collect();
            return Err(EngineError::Selection(format!(
                "unknown table `{name}`; known: {}, or `all`",
                known.join(", ")
            )));
        };
        if !chosen.collectors.contains(&c) {
            chosen.collectors.push(c);
        }
    }
    Ok(chosen)
}

/// An account to collect from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub account: AccountId,
    pub name: String,
    pub partition: Partition,
}

/// Which regions to collect in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionChoice {
    /// Every region enabled in each account.
    All,
    /// These regions, where enabled in the account.
    List(Vec<String>),
}

/// What to collect, and where.
#[derive(Debug, Clone)]
pub struct CollectRequest {
    /// Active accounts only: the caller leaves suspended and closed accounts out.
    pub targets: Vec<Target>,
    pub collectors: Vec<&'static Collector>,
    pub regions: RegionChoice,
    pub role: RoleSpec,
    /// What was asked, as recorded in `canopy_runs.options`.
    pub options: serde_json::Value,
}

/// Fan-out tuning.
#[derive(Debug, Clone, Copy)]
pub struct CollectOptions {
    /// Units in progress at once (each sends one request at a time; the request cap itself is
    /// the session's request limit).
    pub units_in_flight: usize,
    /// Accounts worked on at once.
    pub accounts_in_flight: usize,
    /// Pace calls at AWS's documented per-account, per-region rates.
    pub paced: bool,
}

impl CollectOptions {
    /// Tuning for `concurrency` requests in flight.
    pub fn for_concurrency(concurrency: usize, paced: bool) -> Self {
        let concurrency = concurrency.max(1);
        Self {
            units_in_flight: concurrency * 2,
            accounts_in_flight: (concurrency * 2).max(8),
            paced,
        }
    }
}

/// A unit (or a whole account) that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub account: AccountId,
    pub region: String,
    /// The table the unit fills, or `*` when the whole account failed (role, regions).
    pub table: String,
    pub operation: String,
    pub code: String,
    pub message: String,
    pub hint: Option<String>,
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
        }
    }
}

/// What the fan-out tells its caller as it goes.
pub trait CollectReporter: Sync {
    /// An account is ready: `units` were queued, `skipped_regions` are not enabled there.
    fn account_ready(&self, _account: &AccountId, _units: usize, _skipped_regions: usize) {}
    fn account_failed(&self, _failure: &Failure) {}
    fn unit_done(&self, _rows: u64, _failure: Option<&Failure>) {}
}

/// A reporter that says nothing.
pub struct Quiet;

impl CollectReporter for Quiet {}

/// How a collection went.
#[derive(Debug, Clone, Default)]
pub struct CollectReport {
    pub run_id: i64,
    pub accounts: usize,
    pub units: u64,
    pub rows: BTreeMap<String, u64>,
    /// Regions asked for but not enabled (not opted in) in some account, summed over accounts.
    pub skipped_regions: u64,
    pub failures: Vec<Failure>,
    pub interrupted: bool,
}

impl CollectReport {
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

enum Event {
    Prepared {
        target: Target,
        result: Result<Box<Prepared>, Failure>,
    },
    Unit {
        account: AccountId,
        region: String,
        collector: &'static Collector,
        result: Result<Vec<Batch>, AwsError>,
    },
}

struct Prepared {
    session: AccountSession,
    buckets: ApiBuckets,
    /// The regions to work in.
    regions: Vec<String>,
    skipped: usize,
    /// The account's regions as discovered (what `aws_region` is filled from), or why not.
    known: Result<Vec<RegionInfo>, AwsError>,
}

/// What an account's units share.
struct AccountShared {
    session: AccountSession,
    buckets: ApiBuckets,
    known: Result<Vec<RegionInfo>, AwsError>,
}

struct AccountWork {
    account: AccountId,
    shared: Arc<AccountShared>,
    queue: VecDeque<(String, &'static Collector)>,
    running: usize,
}

/// The regions to work in for one account, and how many asked-for regions are not enabled.
fn choose_regions(
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
                if in_partition(name) && known.iter().any(|k| &k.name == name && k.enabled()) {
                    chosen.push(name.clone());
                } else {
                    skipped += 1;
                }
            }
            (chosen, skipped)
        }
        (RegionChoice::List(list), None) => {
            let chosen: Vec<String> = list.iter().filter(|r| in_partition(r)).cloned().collect();
            let skipped = list.len() - chosen.len();
            (chosen, skipped)
        }
        (RegionChoice::All, None) => (Vec::new(), 0),
    }
}

async fn prepare(
    aws: Arc<AwsSession>,
    target: Target,
    role: RoleSpec,
    choice: RegionChoice,
    paced: bool,
) -> Event {
    let result = async {
        let session = aws
            .account(&target.account, &role)
            .await
            .map_err(|e| Failure::of(&target.account, GLOBAL_REGION, "*", &e))?;
        let buckets = ApiBuckets::new(paced);
        let discovered = canopy_aws::describe_regions(&session, &buckets).await;
        let (regions, skipped) = match &discovered {
            Ok(known) => choose_regions(&choice, Some(known), &target.partition),
            // without the list of enabled regions, a given list is still usable
            Err(e) if matches!(choice, RegionChoice::List(_)) => {
                tracing::warn!(account = %target.account, "cannot list regions, using the given ones: {e}");
                choose_regions(&choice, None, &target.partition)
            }
            Err(e) => return Err(Failure::of(&target.account, GLOBAL_REGION, "aws_region", e)),
        };
        Ok(Box::new(Prepared {
            session,
            buckets,
            regions,
            skipped,
            known: discovered,
        }))
    }
    .await;
    Event::Prepared { target, result }
}

/// Collects `request` into `store`, which the run takes over (writes happen on a blocking
/// thread). `shutdown` resolving stops the run cleanly: units in progress are abandoned, every
/// unit already written stays, and the run is marked interrupted.
pub async fn collect(
    aws: Arc<AwsSession>,
    mut store: Store,
    request: CollectRequest,
    options: CollectOptions,
    reporter: &dyn CollectReporter,
    shutdown: impl Future<Output = ()>,
) -> Result<CollectReport, EngineError> {
    let run_id = store.begin_run("collect", &request.options)?;
    let (tx, mut rx) = mpsc::channel::<Write>(64);
    let writer = tokio::task::spawn_blocking(move || -> Result<Store, EngineError> {
        while let Some(write) = rx.blocking_recv() {
            match write {
                Write::Unit {
                    account,
                    region,
                    tables,
                    batches,
                    at,
                } => {
                    let key = UnitKey {
                        account_id: account.as_str(),
                        region: &region,
                    };
                    store.replace_unit(key, tables, &batches, at)?;
                }
                Write::Error(e) => store.record_error(run_id, &e)?,
            }
        }
        Ok(store)
    });

    let (regional, once): (Vec<&'static Collector>, Vec<&'static Collector>) = request
        .collectors
        .iter()
        .partition(|c| c.scope() == Scope::Regional);

    let mut report = CollectReport {
        run_id,
        accounts: request.targets.len(),
        ..CollectReport::default()
    };
    let mut pending = request.targets.into_iter();
    let mut active: Vec<AccountWork> = Vec::new();
    let mut preparing = 0usize;
    let mut running_units = 0usize;
    let mut cursor = 0usize;
    let mut tasks: JoinSet<Event> = JoinSet::new();
    let mut writer_gone = false;
    tokio::pin!(shutdown);

    'run: loop {
        while active.len() + preparing < options.accounts_in_flight {
            let Some(target) = pending.next() else { break };
            preparing += 1;
            tasks.spawn(prepare(
                aws.clone(),
                target,
                request.role.clone(),
                request.regions.clone(),
                options.paced,
            ));
        }
        // round-robin: one unit from each account with work, in turn
        while running_units < options.units_in_flight {
            let Some(i) =
                next_with_work(active.len(), &mut cursor, |i| !active[i].queue.is_empty())
            else {
                break;
            };
            let work = &mut active[i];
            let Some((region, collector)) = work.queue.pop_front() else {
                break;
            };
            work.running += 1;
            running_units += 1;
            let shared = work.shared.clone();
            let account = work.account.clone();
            tasks.spawn(async move {
                let unit = Unit {
                    session: &shared.session,
                    region: &region,
                    buckets: &shared.buckets,
                    regions: shared.known.as_deref(),
                };
                let result = collector.collect(unit).await;
                Event::Unit {
                    account,
                    region,
                    collector,
                    result,
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
                return Err(EngineError::Internal(format!(
                    "a collection task failed: {e}"
                )));
            }
            None => break,
        };
        let mut writes = Vec::new();
        match event {
            Event::Prepared { target, result } => {
                preparing -= 1;
                match result {
                    Err(failure) => {
                        reporter.account_failed(&failure);
                        writes.push(Write::Error(unit_error(&failure)));
                        report.failures.push(failure);
                    }
                    Ok(prepared) => {
                        // account-wide and global units first: they do not wait for a region
                        let mut queue: VecDeque<(String, &'static Collector)> = once
                            .iter()
                            .map(|c| (GLOBAL_REGION.to_owned(), *c))
                            .collect();
                        for collector in &regional {
                            for region in &prepared.regions {
                                queue.push_back((region.clone(), *collector));
                            }
                        }
                        report.skipped_regions += prepared.skipped as u64;
                        reporter.account_ready(&target.account, queue.len(), prepared.skipped);
                        if !queue.is_empty() {
                            active.push(AccountWork {
                                account: target.account,
                                shared: Arc::new(AccountShared {
                                    session: prepared.session,
                                    buckets: prepared.buckets,
                                    known: prepared.known,
                                }),
                                queue,
                                running: 0,
                            });
                        }
                    }
                }
            }
            Event::Unit {
                account,
                region,
                collector,
                result,
            } => {
                running_units -= 1;
                if let Some(work) = active.iter_mut().find(|w| w.account == account) {
                    work.running -= 1;
                }
                report.units += 1;
                match result {
                    Ok(batches) => {
                        let mut rows = 0;
                        for b in &batches {
                            let n = b.rows.len() as u64;
                            rows += n;
                            *report.rows.entry(b.table.name.to_owned()).or_default() += n;
                        }
                        for t in collector.tables {
                            report.rows.entry(t.name.to_owned()).or_default();
                        }
                        reporter.unit_done(rows, None);
                        writes.push(Write::Unit {
                            account,
                            region,
                            tables: collector.tables,
                            batches,
                            at: OffsetDateTime::now_utc(),
                        });
                    }
                    Err(e) => {
                        let failure = Failure::of(&account, &region, collector.table().name, &e);
                        reporter.unit_done(0, Some(&failure));
                        writes.push(Write::Error(unit_error(&failure)));
                        report.failures.push(failure);
                    }
                }
            }
        }
        for write in writes {
            if tx.send(write).await.is_err() {
                // the writer stopped on an error: stop here and report it
                writer_gone = true;
                tasks.abort_all();
                break 'run;
            }
        }
    }
    drop(tx);
    let store = writer
        .await
        .map_err(|e| EngineError::Internal(format!("the store writer failed: {e}")))?;
    let mut store = match store {
        Ok(store) => store,
        Err(e) => return Err(e),
    };
    if writer_gone {
        return Err(EngineError::Internal(
            "the store writer stopped early".to_owned(),
        ));
    }
    let failed = report.failures.len() as u64;
    let status = if report.interrupted {
        "interrupted"
    } else if failed > 0 {
        "partial"
    } else {
        "ok"
    };
    store.finish_run(
        run_id,
        status,
        RunTotals {
            accounts: report.accounts as u64,
            units: report.units,
            failed_units: failed,
            rows: report.rows.values().sum(),
        },
    )?;
    Ok(report)
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

fn unit_error(f: &Failure) -> UnitError {
    UnitError {
        account_id: f.account.to_string(),
        region: f.region.clone(),
        table_name: f.table.clone(),
        error_code: f.code.clone(),
        message: format!("{}: {}", f.operation, f.message),
    }
}

#[cfg(test)]
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
        let list = RegionChoice::List(vec!["af-south-1".into(), "eu-west-1".into()]);
        let (chosen, skipped) = choose_regions(&list, Some(&known), &aws);
        assert_eq!(chosen, ["eu-west-1"]);
        assert_eq!(skipped, 1);
        let list = RegionChoice::List(vec!["cn-north-1".into(), "eu-west-1".into()]);
        let (chosen, skipped) = choose_regions(&list, None, &aws);
        assert_eq!(chosen, ["eu-west-1"]);
        assert_eq!(skipped, 1);
    }
}
