//! Inventory collection on the fan-out: units of work are (account, region, collector). Each
//! account's regions are discovered first (`aws_region` is filled from that answer); account-wide
//! and global collectors run once per account, regional ones once per enabled region.

use std::future::Future;
use std::sync::Arc;

use canopy_aws::{AwsSession, Collector, Refusals, Unit};
use canopy_model::Shard;
use canopy_model::inventory::GLOBAL_REGION;
use canopy_model::table::{Scope, TableDef};
use canopy_store::Store;
use futures::future::BoxFuture;

use crate::error::EngineError;
pub use crate::fanout::{
    Failure, FanOutOptions, FanOutReport, FanOutReporter, Quiet, Reach, RegionChoice, Target,
};
use crate::fanout::{Job, Outcome, Ready};

/// The collectors `--tables` asks for.
#[derive(Debug, Clone, Default)]
pub struct ChosenTables {
    pub collectors: Vec<&'static Collector>,
    /// Organization tables that were named: `org sync` fills them, not collection.
    pub from_sync: Vec<String>,
}

/// The unit of collection that fills `table`, named as its errors name it (its collector's first
/// table); `None` for a table `collect` does not fill. Tables of one unit are read together.
pub fn unit_of(table: &str) -> Option<&'static str> {
    Collector::for_table(table).map(|c| c.table().name)
}

/// Table names, service prefixes (`aws_vpc_*`), or `all` (or nothing: every table) -> the
/// collectors that fill them, each once, in the registry's order.
pub fn collectors_for(names: &[String]) -> Result<ChosenTables, EngineError> {
    let names: Vec<&str> = names
        .iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .collect();
    let mut chosen = ChosenTables::default();
    if names.is_empty() || names.iter().any(|t| t.eq_ignore_ascii_case("all")) {
        chosen.collectors = canopy_aws::collectors().collect();
        return Ok(chosen);
    }
    let unknown = |name: &str| {
        let known: Vec<&str> = canopy_aws::collectors()
            .flat_map(|c| c.tables.iter().map(|t| t.name))
            .collect();
        EngineError::UnknownTable {
            name: name.to_owned(),
            known,
        }
    };
    let mut wanted: Vec<&'static Collector> = Vec::new();
    for name in names {
        if canopy_model::inventory::ORGANIZATION_TABLES.contains(&name) {
            chosen.from_sync.push(name.to_owned());
            continue;
        }
        let matching: Vec<&'static Collector> = match name.strip_suffix('*') {
            Some(prefix) => canopy_aws::collectors()
                .filter(|c| c.tables.iter().any(|t| t.name.starts_with(prefix)))
                .collect(),
            None => Collector::for_table(name).into_iter().collect(),
        };
        if matching.is_empty() {
            return Err(unknown(name));
        }
        wanted.extend(matching);
    }
    chosen.collectors = canopy_aws::collectors()
        .filter(|c| wanted.contains(c))
        .collect();
    Ok(chosen)
}

/// What to collect, and where.
#[derive(Debug, Clone)]
pub struct CollectRequest {
    pub reach: Reach,
    pub collectors: Vec<&'static Collector>,
    pub regions: RegionChoice,
}

impl CollectRequest {
    /// The request to collect with `collectors` in `regions` of `targets` (the shard's, when
    /// the run is one), through `role`; what was asked (tables, regions, role, accounts,
    /// requests in flight, shard) is recorded with the run.
    pub fn new(
        targets: Vec<Target>,
        role: canopy_aws::RoleSpec,
        collectors: Vec<&'static Collector>,
        regions: RegionChoice,
        concurrency: u16,
        shard: Option<Shard>,
    ) -> Self {
        let asked = serde_json::json!({
            "tables": collectors.iter().map(|c| c.table().name).collect::<Vec<_>>(),
            "regions": match &regions {
                RegionChoice::All => serde_json::json!("all"),
                RegionChoice::List(l) => serde_json::json!(l),
            },
            "role": role.name,
            "accounts": targets.len(),
            "concurrency": concurrency,
            "shard": shard.map(|s| s.to_string()),
        });
        Self {
            reach: Reach {
                targets,
                role,
                asked,
            },
            collectors,
            regions,
        }
    }
}

/// Fan-out tuning for `concurrency` requests in flight. An account in the window holds its
/// session with its last few SDK clients, a queue of a thousand units (tables x regions) and
/// the buckets of the APIs it called in the last seconds: about 0.1 MB, more while its units
/// hold rows. A quarter as many accounts as requests in flight still gives every account
/// several units at once (an account's listings never wait on its own buckets, and units are
/// twice the requests), and keeps the window's memory to tens of MB at `--concurrency 256`. A
/// window of half the requests in flight gave the same wall time and a peak 8 MiB higher at
/// 1,000 x 17 (14 MiB at 10,000 x 17); one of twice the requests, 259 MiB (BENCHMARKS.md).
pub fn options_for(concurrency: usize, paced: bool) -> FanOutOptions {
    let concurrency = concurrency.max(1);
    FanOutOptions {
        units_in_flight: concurrency * 2,
        accounts_in_flight: (concurrency / 4).max(8),
        paced,
    }
}

/// How a collection went.
pub type CollectReport = FanOutReport<()>;

struct CollectJob {
    regional: Vec<&'static Collector>,
    once: Vec<&'static Collector>,
    regions: RegionChoice,
}

impl Job for CollectJob {
    /// (region, collector): the region shared by the account's units (an account queues a
    /// thousand of them).
    type Unit = (Arc<str>, &'static Collector);
    type Done = ();

    fn command(&self) -> &'static str {
        "collect"
    }

    fn account_table(&self) -> &'static str {
        "*"
    }

    fn regions(&self) -> Option<&RegionChoice> {
        Some(&self.regions)
    }

    fn units(&self, ready: &Ready) -> Vec<Self::Unit> {
        // account-wide and global units first: they do not wait for a region. Then region by
        // region, in the registry's order, so one service's collectors in one region follow
        // each other and share an SDK client (the account keeps its last few).
        let global: Arc<str> = Arc::from(GLOBAL_REGION);
        let mut units: Vec<Self::Unit> =
            Vec::with_capacity(self.once.len() + ready.regions.len() * self.regional.len());
        units.extend(self.once.iter().map(|c| (global.clone(), *c)));
        for region in &ready.regions {
            let region: Arc<str> = Arc::from(region.as_str());
            for collector in &self.regional {
                units.push((region.clone(), *collector));
            }
        }
        units
    }

    fn run(
        self: Arc<Self>,
        ready: Arc<Ready>,
        (region, collector): Self::Unit,
    ) -> BoxFuture<'static, Result<Outcome<()>, EngineError>> {
        Box::pin(async move {
            let refusals = Refusals::default();
            let unit = Unit {
                session: &ready.session,
                region: &region,
                buckets: &ready.buckets,
                regions: ready.known.as_deref(),
                membership: ready.target.membership.as_deref(),
                refusals: &refusals,
            };
            let account = &ready.target.account;
            let table = collector.table().name;
            let result = collector
                .collect(unit)
                .await
                .map_err(|e| Failure::of(account, &region, table, &e));
            let refused = refusals
                .take()
                .iter()
                .map(|r| Failure::refused(account, &r.region, table, r))
                .collect();
            Ok(Outcome {
                region: region.to_string(),
                tables: collector.tables,
                result,
                refused,
                done: (),
            })
        })
    }
}

/// Collects `request` into `store`, which the run takes over (writes happen on a blocking
/// thread). `shutdown` resolving stops the run cleanly: units in progress are abandoned, every
/// unit already written stays, and the run is marked interrupted.
pub async fn collect(
    aws: Arc<AwsSession>,
    store: Store,
    request: CollectRequest,
    options: FanOutOptions,
    reporter: &dyn FanOutReporter,
    shutdown: impl Future<Output = ()>,
) -> Result<CollectReport, EngineError> {
    let mut reach = request.reach;
    let tables: Vec<&'static TableDef> = request
        .collectors
        .iter()
        .flat_map(|c| c.tables.iter().copied())
        .collect();
    largest_first(&mut reach.targets, &store.rows_by_account(&tables)?);
    let (regional, once) = request
        .collectors
        .iter()
        .partition(|c| c.scope() == Scope::Regional);
    let job = Arc::new(CollectJob {
        regional,
        once,
        regions: request.regions,
    });
    crate::fanout::run(aws, store, job, reach, options, reporter, shutdown).await
}

/// Orders targets for the fan-out's window: accounts never collected first (their size is
/// unknown), then the others by the rows their last collection left, largest first. An
/// account with thousands of instances spends minutes in its own EC2 buckets (one
/// DescribeInstanceAttribute per instance and attribute at 20 a second); entering the window
/// first, its chain runs while the small accounts are worked through, instead of starting
/// late and setting the end (measured in BENCHMARKS.md, "canopy at scale"). Ties keep the
/// snapshot's order.
fn largest_first(targets: &mut [Target], rows: &std::collections::HashMap<String, u64>) {
    targets.sort_by_key(|t| match rows.get(t.account.as_str()) {
        None => (false, std::cmp::Reverse(0)),
        Some(&n) => (true, std::cmp::Reverse(n)),
    });
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn tables(names: &[&str]) -> Vec<&'static str> {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        collectors_for(&names)
            .unwrap()
            .collectors
            .iter()
            .map(|c| c.table().name)
            .collect()
    }

    #[test]
    fn never_collected_accounts_start_first_then_the_largest() {
        let target = |id: &str| Target {
            account: id.parse().unwrap(),
            name: id.to_owned(),
            partition: canopy_model::Partition::aws(),
            membership: None,
        };
        let mut targets: Vec<Target> = [
            "111111111111",
            "222222222222",
            "333333333333",
            "444444444444",
        ]
        .into_iter()
        .map(target)
        .collect();
        let rows: std::collections::HashMap<String, u64> = [
            ("111111111111".to_owned(), 5),
            ("222222222222".to_owned(), 9000),
            ("444444444444".to_owned(), 5),
        ]
        .into();
        largest_first(&mut targets, &rows);
        let order: Vec<&str> = targets.iter().map(|t| t.account.as_str()).collect();
        assert_eq!(
            order,
            [
                "333333333333",
                "222222222222",
                "111111111111",
                "444444444444"
            ]
        );
    }

    #[test]
    fn tables_are_chosen_by_name_prefix_or_all() {
        // in the registry's order (service by service: IAM's before EC2's), not the asker's
        assert_eq!(
            tables(&["aws_vpc", "aws_iam_role"]),
            ["aws_iam_role", "aws_vpc"]
        );
        assert_eq!(
            tables(&["aws_vpc_route"]),
            ["aws_vpc_route_table"],
            "a table another one's collector fills brings that collector"
        );
        let vpc = tables(&["aws_vpc_*"]);
        assert!(vpc.contains(&"aws_vpc_subnet") && vpc.contains(&"aws_vpc_route_table"));
        assert!(!vpc.contains(&"aws_vpc"), "the prefix is `aws_vpc_`");
        assert_eq!(
            tables(&["aws_vpc_*", "aws_vpc_subnet"]),
            vpc,
            "each collector once"
        );
        assert_eq!(tables(&[]).len(), canopy_aws::collectors().count());
        assert_eq!(tables(&["ALL"]).len(), canopy_aws::collectors().count());
        let from_sync = collectors_for(&["aws_organizations_account".to_owned()]).unwrap();
        assert!(from_sync.collectors.is_empty());
        assert_eq!(from_sync.from_sync, ["aws_organizations_account"]);
        assert_eq!(
            tables(&["aws_rds_*"]),
            [
                "aws_rds_db_instance",
                "aws_rds_db_cluster",
                "aws_rds_db_snapshot",
                "aws_rds_db_cluster_snapshot"
            ],
            "the issue's example prefix"
        );
        for bad in ["aws_nothing", "aws_bedrock_*"] {
            let err = collectors_for(&[bad.to_owned()]).unwrap_err().to_string();
            assert!(err.contains(&format!("unknown table `{bad}`")), "{err}");
        }
    }
}
