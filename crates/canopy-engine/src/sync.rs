//! Multi-payer sync: discover every payer's organization (concurrently: each management account
//! has its own throttling budget), save each snapshot in one transaction, and report each payer's
//! outcome. One payer failing never stops the others.

use canopy_aws::{
    AwsError, AwsSession, DiscoverOptions, DiscoverProgress, OrgRates, RoleSpec,
    discover_organization,
};
use canopy_model::{AccountId, OrgId, OrgSnapshot};
use canopy_store::Store;
use time::{Duration, OffsetDateTime};

use crate::error::EngineError;

/// Whose organizations to sync.
#[derive(Debug, Clone)]
pub struct Payers {
    /// Management or delegated-administrator accounts; empty: the current credentials' own.
    pub accounts: Vec<AccountId>,
    /// The role assumed in each payer that is not the caller's own account.
    pub role: RoleSpec,
}

/// Sync tuning.
#[derive(Debug, Clone, Copy)]
pub struct SyncOptions {
    pub concurrency: usize,
    /// Pace calls at AWS's documented Organizations rates (off only for emulators/benchmarks).
    pub paced: bool,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            concurrency: 8,
            paced: true,
        }
    }
}

/// What the sync tells its caller as it goes.
pub trait SyncReporter: Sync {
    fn progress(&self, payer: &str, progress: DiscoverProgress);
    fn payer_done(&self, outcome: &PayerOutcome);
}

/// A reporter that says nothing.
pub struct Silent;

impl SyncReporter for Silent {
    fn progress(&self, _: &str, _: DiscoverProgress) {}
    fn payer_done(&self, _: &PayerOutcome) {}
}

/// How one payer's sync ended.
#[derive(Debug, Clone)]
pub struct PayerOutcome {
    /// The payer account, or `current credentials`.
    pub payer: String,
    pub result: Result<OrgSummary, AwsError>,
}

/// What one successful sync stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgSummary {
    pub org_id: OrgId,
    pub management_account_id: AccountId,
    pub synced_via: AccountId,
    pub accounts: usize,
    pub active_accounts: usize,
    pub ous: usize,
    pub policies: usize,
    pub warnings: Vec<String>,
}

impl OrgSummary {
    fn of(snapshot: &OrgSnapshot, warnings: Vec<String>) -> Self {
        Self {
            org_id: snapshot.organization.id.clone(),
            management_account_id: snapshot.organization.management_account_id.clone(),
            synced_via: snapshot.synced_via.clone(),
            accounts: snapshot.accounts.len(),
            active_accounts: snapshot
                .accounts
                .iter()
                .filter(|a| a.state.is_active())
                .count(),
            ous: snapshot.ous.len(),
            policies: snapshot.policies.len(),
            warnings,
        }
    }
}

/// Every payer's outcome.
#[derive(Debug, Clone)]
pub struct SyncReport {
    pub outcomes: Vec<PayerOutcome>,
}

impl SyncReport {
    pub fn failed(&self) -> usize {
        self.outcomes.iter().filter(|o| o.result.is_err()).count()
    }
}

/// Syncs every payer's organization into the store.
pub async fn sync(
    aws: &AwsSession,
    store: &mut Store,
    payers: &Payers,
    options: SyncOptions,
    reporter: &dyn SyncReporter,
) -> Result<SyncReport, EngineError> {
    let targets: Vec<Option<AccountId>> = if payers.accounts.is_empty() {
        vec![None]
    } else {
        let mut unique = payers.accounts.clone();
        unique.sort();
        unique.dedup();
        unique.into_iter().map(Some).collect()
    };
    let discoveries =
        crate::fanout::each(targets.iter(), crate::fanout::ALL, |target| async move {
            let label = target
                .as_ref()
                .map_or_else(|| "current credentials".to_owned(), ToString::to_string);
            let result = async {
                let session = match target {
                    Some(account) => aws.account(account, &payers.role).await?,
                    None => aws.own_account().await?,
                };
                let discover = DiscoverOptions {
                    concurrency: options.concurrency,
                    rates: if options.paced {
                        OrgRates::documented()
                    } else {
                        OrgRates::unlimited()
                    },
                };
                discover_organization(&session, &discover, &|p| reporter.progress(&label, p)).await
            }
            .await;
            (label, result)
        })
        .await;

    let mut outcomes = Vec::new();
    for (payer, result) in discoveries {
        let result = match result {
            Ok(found) => {
                store.save_snapshot(&found.snapshot)?;
                Ok(OrgSummary::of(&found.snapshot, found.warnings))
            }
            Err(e) => Err(e),
        };
        let outcome = PayerOutcome { payer, result };
        reporter.payer_done(&outcome);
        outcomes.push(outcome);
    }
    Ok(SyncReport { outcomes })
}

/// How fresh stored organization data must be for commands that read it.
#[derive(Debug, Clone, Copy)]
pub struct Freshness {
    /// How old a snapshot may be.
    pub ttl: Duration,
    /// Sync however fresh the stored data is.
    pub refresh: bool,
}

/// The stored organizations, and the sync that ran first if one had to.
#[derive(Debug, Clone)]
pub struct Snapshots {
    pub snapshots: Vec<OrgSnapshot>,
    /// Why a sync ran first, and how it went.
    pub synced: Option<(String, SyncReport)>,
}

impl Snapshots {
    /// Whether a sync ran and some payer failed (its stored data, if any, is used).
    pub fn partial(&self) -> bool {
        self.synced.as_ref().is_some_and(|(_, r)| r.failed() > 0)
    }
}

/// The stored snapshots, synced first when missing, stale, a configured payer was never synced,
/// or `freshness.refresh` says so. `aws` is only built when a sync is needed.
pub async fn fresh_snapshots<F, Fut>(
    store: &mut Store,
    payers: &Payers,
    freshness: Freshness,
    options: SyncOptions,
    aws: F,
    reporter: &dyn SyncReporter,
) -> Result<Snapshots, EngineError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = AwsSession>,
{
    let reason = if freshness.refresh {
        Some("a refresh was asked for".to_owned())
    } else {
        staleness(store, payers, freshness.ttl, OffsetDateTime::now_utc())?
    };
    let synced = match reason {
        Some(reason) => {
            tracing::info!("syncing organizations: {reason}");
            let aws = aws().await;
            let report = sync(&aws, store, payers, options, reporter).await?;
            Some((reason, report))
        }
        None => None,
    };
    let snapshots = store.snapshots()?;
    if snapshots.is_empty() {
        return Err(EngineError::NoOrganization {
            store: store.path().to_owned(),
        });
    }
    Ok(Snapshots { snapshots, synced })
}

/// Why stored organization data must be refreshed before use, if it must.
pub fn staleness(
    store: &Store,
    payers: &Payers,
    ttl: Duration,
    now: OffsetDateTime,
) -> Result<Option<String>, EngineError> {
    let stamps = store.sync_stamps()?;
    if stamps.is_empty() {
        return Ok(Some("no organization has been synced yet".to_owned()));
    }
    for payer in &payers.accounts {
        if !stamps.iter().any(|s| &s.synced_via == payer) {
            return Ok(Some(format!("payer `{payer}` has not been synced yet")));
        }
    }
    if let Some(old) = stamps.iter().find(|s| now - s.synced_at > ttl) {
        return Ok(Some(format!(
            "organization `{}` was synced at {}, more than {} ago",
            old.org_id,
            canopy_model::format_time(old.synced_at),
            humanize(ttl)
        )));
    }
    Ok(None)
}

fn humanize(d: Duration) -> String {
    let secs = d.whole_seconds();
    if secs % 3600 == 0 {
        format!("{}h", secs / 3600)
    } else if secs % 60 == 0 {
        format!("{}m", secs / 60)
    } else {
        format!("{secs}s")
    }
}
