//! Commands in cargo's shape: one module per command family, each owning its clap arguments and
//! an `exec` that merges them with the settings, calls one engine operation and renders its
//! typed report. What several families share lives here: the context (settings, the stderr
//! printer), the store, fresh organization snapshots, the fan-out's targets, Ctrl-C.

pub mod access;
pub mod access_matrix;
pub mod accounts;
pub mod batch;
pub mod bootstrap;
pub mod collect;
pub mod config;
pub mod credreport;
pub mod exec;
pub mod findings;
pub mod lake;
pub mod lifecycle;
pub mod org;
pub mod policy;
pub mod query;

use std::io::{IsTerminal, Write};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use canopy_aws::{AwsSession, RoleSpec};
use canopy_engine::fanout::Target;
use canopy_engine::lake::HandedSnapshots;
use canopy_engine::select::{self, Selection};
use canopy_engine::sync::{self, Freshness};
use canopy_model::OrgSnapshot;
use canopy_store::Store;

use crate::args::AccountScope;
use crate::printer::Printer;
use crate::progress::SyncProgress;
use crate::settings::Settings;

/// How a command ended, when it did not fail outright.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    /// Some payer or account failed; the rest was done.
    Partial,
}

impl Outcome {
    /// The worse of two outcomes.
    pub fn and(self, other: Outcome) -> Outcome {
        if self == Outcome::Partial || other == Outcome::Partial {
            Outcome::Partial
        } else {
            Outcome::Success
        }
    }

    pub fn partial_if(failed: bool) -> Outcome {
        if failed {
            Outcome::Partial
        } else {
            Outcome::Success
        }
    }
}

/// What every command runs with: the merged settings and the stderr printer.
pub struct Ctx {
    pub settings: Settings,
    pub printer: Printer,
    /// `--snapshot`'s organizations, read once.
    handed: tokio::sync::OnceCell<HandedSnapshots>,
}

impl Ctx {
    pub fn new(settings: Settings) -> Self {
        Self {
            printer: Printer::new(settings.quiet),
            settings,
            handed: tokio::sync::OnceCell::new(),
        }
    }

    pub fn open_store(&self) -> Result<Store> {
        Ok(canopy_engine::open_store(&self.settings.db)?)
    }

    /// The AWS session (standard credential chain, canopy's retries), with `--concurrency`
    /// requests in flight at most when given.
    pub async fn aws(&self, request_limit: Option<usize>) -> AwsSession {
        let aws = AwsSession::load_with(self.settings.retry, None, self.settings.http).await;
        match request_limit {
            Some(limit) => aws.with_request_limit(limit),
            None => aws,
        }
    }

    /// The AWS session, built only when asked for (a local file needs none).
    pub fn lazy_aws<'a>(
        &'a self,
    ) -> impl Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = AwsSession> + Send + 'a>>
    + Sync
    + 'a {
        move || Box::pin(self.aws(None))
    }

    /// The session a fan-out command shares across its tasks: `concurrency` requests in flight.
    pub async fn fan_out_aws(&self, concurrency: usize) -> Arc<AwsSession> {
        Arc::new(self.aws(Some(concurrency)).await)
    }

    /// The stored snapshots, synced first when missing, stale or when --refresh says so.
    pub async fn snapshots(&self) -> Result<(Vec<OrgSnapshot>, Outcome)> {
        self.snapshots_in(&mut self.open_store()?).await
    }

    /// `--snapshot`'s organizations (read once), when it is given.
    pub async fn handed(&self) -> Result<Option<&HandedSnapshots>> {
        let Some(at) = &self.settings.snapshot else {
            return Ok(None);
        };
        let handed = self
            .handed
            .get_or_try_init(|| {
                // boxed: every command awaits this, and the AWS read is a deep future
                Box::pin(async { canopy_engine::lake::read_snapshots(&self.lazy_aws(), at).await })
            })
            .await
            .with_context(|| format!("cannot use the snapshot `{at}` (--snapshot)"))?;
        Ok(Some(handed))
    }

    /// [`Ctx::snapshots`] from a store the command has open already. With `--snapshot`, its
    /// organizations replace the stored ones and nothing is synced.
    pub async fn snapshots_in(&self, store: &mut Store) -> Result<(Vec<OrgSnapshot>, Outcome)> {
        if let Some(handed) = self.handed().await? {
            for snapshot in &handed.organizations {
                store.save_snapshot(snapshot)?;
            }
            return Ok((handed.organizations.clone(), Outcome::Success));
        }
        let progress = SyncProgress::new(self.printer);
        let found = sync::fresh_snapshots(
            store,
            &self.settings.payers,
            Freshness {
                ttl: self.settings.org_ttl,
                refresh: self.settings.refresh,
            },
            self.settings.sync,
            || self.aws(None),
            &progress,
        )
        .await;
        progress.finish();
        let found = found?;
        let outcome = Outcome::partial_if(found.partial());
        if found.partial() {
            self.printer.warn(
                "some payers could not be synced; using their stored data where there is some",
            );
        }
        Ok((found.snapshots, outcome))
    }

    /// The role and the ACTIVE accounts of `--role`, `--accounts`, `--ou`, `--exclude-accounts`,
    /// from `store` (the one the fan-out then writes to); the selected accounts that are not
    /// ACTIVE are named on stderr and left out.
    pub async fn targets(
        &self,
        store: &mut Store,
        scope: &AccountScope,
    ) -> Result<(RoleSpec, Vec<Target>, Outcome)> {
        let (role, targets, _, outcome) = self.targets_and_snapshots(store, scope).await?;
        Ok((role, targets, outcome))
    }

    /// [`Ctx::targets`], with the snapshots they were chosen from.
    pub async fn targets_and_snapshots(
        &self,
        store: &mut Store,
        scope: &AccountScope,
    ) -> Result<(RoleSpec, Vec<Target>, Vec<OrgSnapshot>, Outcome)> {
        let selection = Selection {
            accounts: crate::settings::account_ids(&scope.select.accounts, "--accounts")?,
            exclude: crate::settings::account_ids(
                &scope.select.exclude_accounts,
                "--exclude-accounts",
            )?,
            ou: scope.select.ou.clone(),
            ..Selection::default()
        };
        let role = self.settings.member_role(scope.role.as_deref());
        let (snaps, outcome) = self.snapshots_in(store).await?;
        let targets = select::targets(&snaps, &selection)?;
        if !targets.inactive.is_empty() {
            self.printer.note(&format!(
                "skipping {} account(s) that are not ACTIVE: {}",
                targets.inactive.len(),
                targets
                    .inactive
                    .iter()
                    .map(|r| format!("{} ({})", r.id, r.state))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        Ok((role, targets.active, snaps, outcome))
    }
}

/// Whether to make `writes` changes: `--yes`, or the user's answer on a terminal; without a
/// terminal and without `--yes`, an error that says so.
pub fn confirm(writes: usize, yes: crate::args::Yes) -> Result<bool> {
    if yes.yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        bail!(
            "apply makes {writes} change(s) in AWS and stdin is not a terminal to ask on; review the plan above, then pass --yes"
        );
    }
    eprint!("make these {writes} change(s) in AWS? [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES"))
}

/// From here on, a writing command hears Ctrl-C instead of dying of it: the first press asks
/// the engine to start no new write (the ones sent are followed to their end and recorded),
/// a second one leaves at once (the journal keeps what was sent). Called once the writes are
/// confirmed: before that, Ctrl-C ends the command as usual, with nothing written.
pub fn watch_writes(printer: Printer) -> canopy_model::Stop {
    let stop = canopy_model::Stop::new();
    let held = stop.clone();
    // registered now, not when the task first runs, so no press is missed
    #[cfg(unix)]
    let signal = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt());
    tokio::spawn(async move {
        #[cfg(unix)]
        let Ok(mut signal) = signal else {
            return;
        };
        #[cfg(unix)]
        signal.recv().await;
        #[cfg(not(unix))]
        ctrl_c().await;
        held.request();
        printer.warn(
            "interrupted: no new write will start; the ones sent are followed to their end and recorded (Ctrl-C again leaves at once)",
        );
        #[cfg(unix)]
        signal.recv().await;
        #[cfg(not(unix))]
        ctrl_c().await;
        printer.warn("interrupted again: leaving now; what was sent is in the journal, and the next run follows it");
        std::process::exit(1);
    });
    stop
}

/// A writing command's outcome, worse when it was interrupted (said on stderr).
pub fn writes_ended(printer: Printer, stop: &canopy_model::Stop, outcome: Outcome) -> Outcome {
    if stop.requested() {
        printer.warn(
            "interrupted: no write was started after Ctrl-C; run the command again to finish",
        );
        return Outcome::Partial;
    }
    outcome
}

/// How writing commands follow AWS's asynchronous requests: the first wait from
/// `CANOPY_POLL_MS` (default 5 s), half again as long each time, up to twice the first (a wait much longer than the first would let a finished creation hold one of the 5 slots for long).
pub fn polling() -> canopy_engine::access::assignments::Polling {
    let first = std::env::var(crate::env::POLL_MS)
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(5000);
    canopy_engine::access::assignments::Polling {
        first: std::time::Duration::from_millis(first),
        max: std::time::Duration::from_millis(first.saturating_mul(2)),
        ..canopy_engine::access::assignments::Polling::default()
    }
}

/// The Identity Center instance's region: `--sso-region`, else `AWS_REGION`, else us-east-1.
pub fn sso_region(flag: Option<&str>) -> String {
    flag.map(str::to_owned)
        .or_else(|| std::env::var("AWS_REGION").ok())
        .unwrap_or_else(|| "us-east-1".to_owned())
}

/// Resolves when the user presses Ctrl-C (never, where that cannot be watched).
pub async fn ctrl_c() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}
