//! `canopy exec`: one child process per (ACTIVE account, enabled region) — or per account — with
//! that account's credentials in its environment. Roles are assumed once per account and shared
//! by its regions; children run `children` at a time, each in its own process group so a
//! timeout ends everything it started (terminated, then killed after a grace period); a failure
//! budget stops launching; each child's output goes to files, never through memory.
//!
//! Over 600 lines: one child's whole life (prepared account, placeholders, environment, process
//! group, timeout, output files, result row) and the loop that runs them.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use canopy_aws::{AccountSession, ApiBuckets, AwsError, AwsSession, RoleSpec};
use canopy_model::inventory::{Cell, Row};
use canopy_model::table::{Column, Scope, TableDef};
use canopy_model::{AccountId, OrgSnapshot};
use futures::StreamExt;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use crate::exec::credserver::CredentialServer;
use crate::fanout::{RegionChoice, Target};

/// The results of the last `canopy exec`, one row per target.
pub const EXEC_RESULTS: TableDef = TableDef {
    name: "canopy_exec_results",
    scope: Scope::Regional,
    description: "The last `canopy exec`: one row per account and region, how its child ended",
    columns: &[
        Column::text("account_name", "The account's name"),
        Column::text("command", "The command, as run (placeholders filled)").required(),
        Column::text(
            "status",
            "ok, failed, timed_out, skipped (the failure budget was spent) or not_started",
        )
        .required(),
        Column::int(
            "exit_code",
            "The child's exit code (null when a signal ended it)",
        ),
        Column::int("signal", "The signal that ended the child"),
        Column::bool("timed_out", "The child outlived its timeout and was ended").required(),
        Column::int("duration_ms", "How long the child ran"),
        Column::int(
            "stdout_bytes",
            "Bytes the child wrote to stdout (when output goes to files)",
        ),
        Column::int(
            "stderr_bytes",
            "Bytes the child wrote to stderr (when output goes to files)",
        ),
        Column::text(
            "error",
            "Why the child did not start (role, regions, spawn)",
        ),
        Column::time("started_at", "When the child started"),
    ],
    actions: &[],
    filled_by: "exec",
};

/// How many failures stop launching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxFailures {
    Count(usize),
    /// Of all targets, rounded down.
    Percent(u32),
}

impl std::str::FromStr for MaxFailures {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || format!("`{text}`: write a number of failures (3) or a percentage (10%)");
        match text.strip_suffix('%') {
            Some(p) => p
                .parse::<u32>()
                .ok()
                .filter(|p| *p <= 100)
                .map(Self::Percent)
                .ok_or_else(bad),
            None => text.parse().map(Self::Count).map_err(|_| bad()),
        }
    }
}

/// What to run, and how.
#[derive(Debug, Clone)]
pub struct ExecInput {
    /// The program and its arguments, with `{account_id}`, `{account_name}`, `{region}`.
    pub command: Vec<String>,
    /// Run the joined arguments with `sh -c`.
    pub shell: bool,
    /// `None`: one child per account (`--global`), in the partition's home region.
    pub regions: Option<RegionChoice>,
    /// Children running at once (`--children`; the AWS requests in flight are the session's).
    pub children: usize,
    pub timeout: Option<Duration>,
    /// Between the terminate and the kill of a timed-out child's process group.
    pub grace: Duration,
    pub max_failures: Option<MaxFailures>,
    /// `DIR/<account_id>/<region>/{stdout,stderr}`; `None`: the child's output goes to canopy's
    /// stderr.
    pub out: Option<PathBuf>,
    /// How children get their credentials.
    pub credentials: CredentialMode,
}

/// How a child gets its account's credentials.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CredentialMode {
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`: fixed for the child's
    /// life (a chained role's session lasts one hour).
    #[default]
    Env,
    /// A loopback container-credentials endpoint with a token per child, answering with
    /// credentials canopy refreshes.
    Server,
}

/// One child to run.
#[derive(Debug, Clone)]
pub struct ExecTarget {
    pub account: AccountId,
    pub name: String,
    pub ou_path: String,
    pub partition: String,
    pub region: String,
}

/// How one target ended.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ChildResult {
    pub account_id: String,
    pub account_name: String,
    pub region: String,
    pub command: String,
    /// ok, failed, timed_out, skipped, not_started.
    pub status: &'static str,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub timed_out: bool,
    pub duration_ms: Option<u64>,
    pub stdout_bytes: Option<u64>,
    pub stderr_bytes: Option<u64>,
    pub error: Option<String>,
    #[serde(skip)]
    pub started_at: Option<time::OffsetDateTime>,
}

impl ChildResult {
    pub fn failed(&self) -> bool {
        self.status != "ok"
    }

    /// Its row in [`EXEC_RESULTS`] (account and region beside it).
    pub fn row(&self) -> Row {
        let int = |v: Option<u64>| Cell::int(v.map(|n| i64::try_from(n).unwrap_or(i64::MAX)));
        Row::default()
            .with("account_name", Cell::Text(self.account_name.clone()))
            .with("command", Cell::Text(self.command.clone()))
            .with("status", Cell::Text(self.status.into()))
            .with("exit_code", Cell::int(self.exit_code))
            .with("signal", Cell::int(self.signal))
            .with("timed_out", Cell::Bool(self.timed_out))
            .with("duration_ms", int(self.duration_ms))
            .with("stdout_bytes", int(self.stdout_bytes))
            .with("stderr_bytes", int(self.stderr_bytes))
            .with("error", Cell::text(self.error.clone()))
            .with(
                "started_at",
                Cell::text(self.started_at.map(canopy_model::format_time)),
            )
    }
}

/// Hears each child's end as it comes.
pub trait ExecReporter: Sync {
    fn finished(&self, result: &ChildResult);
}

/// The command for one target, placeholders filled.
pub fn command_for(input: &ExecInput, target: &ExecTarget) -> Vec<String> {
    let fill = |arg: &str| {
        arg.replace("{account_id}", target.account.as_str())
            .replace("{account_name}", &target.name)
            .replace("{region}", &target.region)
    };
    let args: Vec<String> = input.command.iter().map(|a| fill(a)).collect();
    if input.shell {
        vec!["sh".into(), "-c".into(), args.join(" ")]
    } else {
        args
    }
}

/// An account made ready: its session and its targets, or why it could not be.
pub struct Prepared {
    pub target: Target,
    pub session: Result<AccountSession, AwsError>,
    pub targets: Vec<ExecTarget>,
}

/// Assumes each account's role once and finds its regions (enabled ones, of `regions`), 64
/// accounts at a time, and yields each account as it is ready (in `targets`' order): children
/// start while later accounts are still being prepared. Each account is prepared on a task of
/// its own, so it goes on while the children run, however long the runner takes to ask for
/// the next one (an SDK call left unpolled would find its timeout spent).
pub fn prepare(
    aws: Arc<AwsSession>,
    role: RoleSpec,
    snapshots: &[OrgSnapshot],
    targets: Vec<Target>,
    regions: Option<RegionChoice>,
) -> impl futures::Stream<Item = Prepared> + Send + 'static {
    // every account's OU path, found once (not one pass over the estate per account)
    let ou_paths: Arc<std::collections::HashMap<AccountId, String>> = Arc::new(
        canopy_model::account_records(snapshots)
            .into_iter()
            .map(|r| (r.id, r.ou_names))
            .collect(),
    );
    let role = Arc::new(role);
    let regions = Arc::new(regions);
    let each = targets.clone();
    crate::fanout::spawned(targets, PREPARING, move |target| {
        prepare_account(
            aws.clone(),
            role.clone(),
            regions.clone(),
            ou_paths.clone(),
            target,
        )
    })
    .zip(futures::stream::iter(each))
    .map(|(prepared, target)| {
        prepared.unwrap_or_else(|e| Prepared {
            session: Err(AwsError {
                kind: canopy_aws::ErrorKind::Other,
                account: Some(target.account.to_string()),
                operation: "prepare".into(),
                code: "Internal".into(),
                message: format!("preparing the account stopped: {e}"),
            }),
            target,
            targets: Vec::new(),
        })
    })
}

async fn prepare_account(
    aws: Arc<AwsSession>,
    role: Arc<RoleSpec>,
    regions: Arc<Option<RegionChoice>>,
    ou_paths: Arc<std::collections::HashMap<AccountId, String>>,
    target: Target,
) -> Prepared {
    // EC2 throttles per account: each account its own buckets (one set shared by every account
    // held the estate's DescribeRegions to 20 a second)
    let buckets = &ApiBuckets::new(true);
    let ou_path = ou_paths.get(&target.account).cloned().unwrap_or_default();
    let session = aws.account(&target.account, &role).await;
    let found: Result<Vec<String>, AwsError> = match (&session, regions.as_ref()) {
        (Err(e), _) => Err(e.clone()),
        (Ok(_), None) => Ok(vec![
            canopy_model::inventory::home_region(&target.partition).to_owned(),
        ]),
        // the regions are chosen as the fan-out chooses them: enabled, in the account's partition
        (Ok(s), Some(choice)) => canopy_aws::describe_regions(s, buckets)
            .await
            .map(|all| crate::fanout::choose_regions(choice, Some(&all), &target.partition).0),
    };
    let (session, targets) = match found {
        Ok(regions) => (
            session,
            regions
                .into_iter()
                .map(|region| ExecTarget {
                    account: target.account.clone(),
                    name: target.name.clone(),
                    ou_path: ou_path.clone(),
                    partition: target.partition.to_string(),
                    region,
                })
                .collect(),
        ),
        Err(e) => (Err(e), Vec::new()),
    };
    Prepared {
        target,
        session,
        targets,
    }
}

/// Accounts prepared at once (AssumeRole, then DescribeRegions): enough to keep STS's 600 a
/// second busy at AWS's latency (measured: 10,000 accounts in BENCHMARKS.md).
const PREPARING: usize = 64;

/// Environment variables that would point a child at other credentials.
const CLEARED: &[&str] = &[
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
];

fn not_started(
    target: &ExecTarget,
    command: String,
    status: &'static str,
    error: Option<String>,
) -> ChildResult {
    ChildResult {
        account_id: target.account.to_string(),
        account_name: target.name.clone(),
        region: target.region.clone(),
        command,
        status,
        exit_code: None,
        signal: None,
        timed_out: false,
        duration_ms: None,
        stdout_bytes: None,
        stderr_bytes: None,
        error,
        started_at: None,
    }
}

fn output_files(out: &Path, target: &ExecTarget) -> std::io::Result<(PathBuf, PathBuf)> {
    let dir = out.join(target.account.as_str()).join(&target.region);
    std::fs::create_dir_all(&dir)?;
    Ok((dir.join("stdout"), dir.join("stderr")))
}

/// Sends `signal` to the child's whole process group (its own: `process_group(0)`), so what
/// the child started ends with it.
fn signal_group(pid: Option<u32>, signal: Signal) {
    if let Some(pid) = pid.and_then(|p| i32::try_from(p).ok()) {
        // the group may be gone already: nothing to do then
        let _ = killpg(Pid::from_raw(pid), signal);
    }
}

/// Kills a child's process group when dropped before [`GroupGuard::disarm`]: a run dropped
/// while children run (Ctrl-C) leaves nothing they started behind.
struct GroupGuard(Option<u32>);

impl GroupGuard {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        signal_group(self.0, Signal::SIGKILL);
    }
}

async fn run_child(
    input: &ExecInput,
    server: Option<&CredentialServer>,
    session: &AccountSession,
    target: &ExecTarget,
) -> ChildResult {
    let argv = command_for(input, target);
    let shown = argv.join(" ");
    let mut cmd = tokio::process::Command::new(&argv[0]);
    cmd.args(&argv[1..]);
    for name in CLEARED {
        cmd.env_remove(name);
    }
    let creds = match session.child_credentials().await {
        Ok(creds) => creds,
        Err(e) => return not_started(target, shown, "not_started", Some(e.to_string())),
    };
    // held until the child ends: its token is good only that long. Credentials that never
    // expire (the caller's own keys, in its own account) need no refreshing, and a container
    // endpoint must answer with a session token: they go in the environment.
    let _grant = match server.filter(|_| creds.expire()) {
        Some(server) => match server.grant(session) {
            Ok(grant) => {
                cmd.env("AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url())
                    .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", grant.token());
                Some(grant)
            }
            Err(e) => return not_started(target, shown, "not_started", Some(e.to_string())),
        },
        None => {
            cmd.envs(creds.env());
            None
        }
    };
    cmd.env("AWS_REGION", &target.region)
        .env("AWS_DEFAULT_REGION", &target.region)
        .env("CANOPY_ACCOUNT_ID", target.account.as_str())
        .env("CANOPY_ACCOUNT_NAME", &target.name)
        .env("CANOPY_OU_PATH", &target.ou_path)
        .env("CANOPY_PARTITION", &target.partition)
        .env("CANOPY_REGION", &target.region)
        .stdin(Stdio::null())
        .process_group(0)
        .kill_on_drop(true);
    let files = match &input.out {
        Some(out) => match output_files(out, target) {
            Ok(paths) => Some(paths),
            Err(e) => return not_started(target, shown, "not_started", Some(e.to_string())),
        },
        None => None,
    };
    let opened = match &files {
        Some((stdout, stderr)) => std::fs::File::create(stdout)
            .and_then(|o| std::fs::File::create(stderr).map(|e| (Stdio::from(o), Stdio::from(e)))),
        None => {
            use std::os::fd::AsFd;
            std::io::stderr()
                .as_fd()
                .try_clone_to_owned()
                .and_then(|a| {
                    std::io::stderr()
                        .as_fd()
                        .try_clone_to_owned()
                        .map(|b| (Stdio::from(a), Stdio::from(b)))
                })
        }
    };
    let (stdout, stderr) = match opened {
        Ok(pair) => pair,
        Err(e) => return not_started(target, shown, "not_started", Some(e.to_string())),
    };
    cmd.stdout(stdout).stderr(stderr);
    let started_at = time::OffsetDateTime::now_utc();
    let clock = Instant::now();
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return not_started(
                target,
                shown,
                "not_started",
                Some(format!("`{}` could not start: {e}", argv[0])),
            );
        }
    };
    let pid = child.id();
    // dropped unfinished (Ctrl-C drops the run): the child's whole group goes, not the child alone
    let group = GroupGuard(pid);
    let waited = match input.timeout {
        Some(limit) => tokio::time::timeout(limit, child.wait()).await.ok(),
        None => Some(child.wait().await),
    };
    let (status, timed_out) = match waited {
        Some(status) => (status.ok(), false),
        None => {
            signal_group(pid, Signal::SIGTERM);
            let status = match tokio::time::timeout(input.grace, child.wait()).await {
                Ok(status) => status.ok(),
                Err(_) => {
                    signal_group(pid, Signal::SIGKILL);
                    child.wait().await.ok()
                }
            };
            (status, true)
        }
    };
    group.disarm();
    let duration_ms = u64::try_from(clock.elapsed().as_millis()).ok();
    let size = |p: &Path| std::fs::metadata(p).ok().map(|m| m.len());
    let (stdout_bytes, stderr_bytes) = match &files {
        Some((o, e)) => (size(o), size(e)),
        None => (None, None),
    };
    use std::os::unix::process::ExitStatusExt;
    let exit_code = status.and_then(|s| s.code());
    let signal = status.and_then(|s| s.signal());
    let status = if timed_out {
        "timed_out"
    } else if exit_code == Some(0) {
        "ok"
    } else {
        "failed"
    };
    ChildResult {
        account_id: target.account.to_string(),
        account_name: target.name.clone(),
        region: target.region.clone(),
        command: shown,
        status,
        exit_code,
        signal,
        timed_out,
        duration_ms,
        stdout_bytes,
        stderr_bytes,
        error: None,
        started_at: Some(started_at),
    }
}

/// What the run did, in counts (each child's result went to the reporter as it ended).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ExecSummary {
    pub targets: usize,
    pub started: usize,
    pub failed: usize,
    pub skipped: usize,
}

/// How many targets a run has, for a percentage budget. Exact once every account is prepared;
/// until then the targets known plus, for each account still to come, as many as the widest
/// account so far (at least the region list's length; one with `--global`).
struct Census {
    accounts: usize,
    prepared: AtomicUsize,
    known: AtomicUsize,
    widest: AtomicUsize,
}

impl Census {
    fn new(accounts: usize, regions: &Option<RegionChoice>) -> Self {
        let widest = match regions {
            None => 1,
            Some(RegionChoice::List(list)) => list.len(),
            Some(RegionChoice::All) => 1,
        };
        Census {
            accounts,
            prepared: AtomicUsize::new(0),
            known: AtomicUsize::new(0),
            widest: AtomicUsize::new(widest),
        }
    }

    fn add(&self, targets: usize) {
        self.prepared.fetch_add(1, Ordering::Relaxed);
        self.known.fetch_add(targets, Ordering::Relaxed);
        self.widest.fetch_max(targets, Ordering::Relaxed);
    }

    fn most(&self) -> usize {
        let coming = self
            .accounts
            .saturating_sub(self.prepared.load(Ordering::Relaxed));
        self.known.load(Ordering::Relaxed) + coming * self.widest.load(Ordering::Relaxed)
    }
}

/// One child to start, or an account that could not be prepared.
enum Launch {
    Child(Arc<AccountSession>, ExecTarget),
    NotStarted(ExecTarget, String),
}

/// Runs the command for every target of the `accounts` accounts `prepared` yields, as they
/// come, `children` at a time; accounts that could not be prepared are reported as not
/// started. Launching stops once the failure budget is spent. With
/// [`CredentialMode::Server`], the credentials endpoint runs for the whole run (an error when
/// it cannot listen).
pub async fn run(
    prepared: impl futures::Stream<Item = Prepared>,
    accounts: usize,
    input: &ExecInput,
    reporter: &dyn ExecReporter,
) -> std::io::Result<ExecSummary> {
    let server = match input.credentials {
        CredentialMode::Server => Some(CredentialServer::start().await?),
        CredentialMode::Env => None,
    };
    let server = server.as_ref();
    let census = &Census::new(accounts, &input.regions);
    let failures = &AtomicUsize::new(0);
    let started = &AtomicUsize::new(0);
    let skipped = &AtomicUsize::new(0);
    let spent = || {
        let failed = failures.load(Ordering::Relaxed);
        match input.max_failures {
            None => false,
            Some(MaxFailures::Count(n)) => failed > n,
            Some(MaxFailures::Percent(p)) => failed > census.most() * p as usize / 100,
        }
    };
    let launches = prepared.flat_map(|p| {
        // an account without a target still counts as one
        census.add(p.targets.len().max(1));
        let launches: Vec<Launch> = match p.session {
            Err(e) => vec![Launch::NotStarted(
                ExecTarget {
                    account: p.target.account.clone(),
                    name: p.target.name.clone(),
                    ou_path: String::new(),
                    partition: p.target.partition.to_string(),
                    region: String::new(),
                },
                e.to_string(),
            )],
            Ok(session) => {
                let session = Arc::new(session);
                p.targets
                    .into_iter()
                    .map(|t| Launch::Child(session.clone(), t))
                    .collect()
            }
        };
        futures::stream::iter(launches)
    });
    crate::fanout::as_they_end(launches, input.children, |launch| async move {
        let result = match launch {
            Launch::NotStarted(target, error) => {
                not_started(&target, input.command.join(" "), "not_started", Some(error))
            }
            Launch::Child(_, target) if spent() => {
                skipped.fetch_add(1, Ordering::Relaxed);
                not_started(
                    &target,
                    command_for(input, &target).join(" "),
                    "skipped",
                    Some("the failure budget was spent".into()),
                )
            }
            Launch::Child(session, target) => {
                started.fetch_add(1, Ordering::Relaxed);
                run_child(input, server, &session, &target).await
            }
        };
        if result.failed() && result.status != "skipped" {
            failures.fetch_add(1, Ordering::Relaxed);
        }
        reporter.finished(&result);
    })
    .for_each(|()| async {})
    .await;
    Ok(ExecSummary {
        targets: census.known.load(Ordering::Relaxed),
        started: started.load(Ordering::Relaxed),
        failed: failures.load(Ordering::Relaxed),
        skipped: skipped.load(Ordering::Relaxed),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_counts_the_targets_still_to_come_while_accounts_are_prepared() {
        let two = Some(RegionChoice::List(vec![
            "us-east-1".parse().unwrap(),
            "eu-west-1".parse().unwrap(),
        ]));
        let census = Census::new(10, &two);
        assert_eq!(census.most(), 20);
        // an account with one of the two regions enabled
        census.add(1);
        assert_eq!(census.most(), 1 + 9 * 2);
        let all = Census::new(10, &Some(RegionChoice::All));
        assert_eq!(all.most(), 10);
        all.add(17);
        assert_eq!(all.most(), 17 + 9 * 17);
        for _ in 0..9 {
            all.add(16);
        }
        assert_eq!(all.most(), 17 + 9 * 16);
        assert_eq!(Census::new(10, &None).most(), 10);
    }

    #[test]
    fn failure_budgets_read_as_counts_or_percentages() {
        assert_eq!("3".parse::<MaxFailures>(), Ok(MaxFailures::Count(3)));
        assert_eq!("10%".parse::<MaxFailures>(), Ok(MaxFailures::Percent(10)));
        assert!("101%".parse::<MaxFailures>().is_err());
        assert!("many".parse::<MaxFailures>().is_err());
    }

    #[test]
    fn placeholders_are_filled_and_a_shell_gets_one_line() {
        let target = ExecTarget {
            account: "111122223333".parse().unwrap(),
            name: "media-prod".into(),
            ou_path: "Root/Media".into(),
            partition: "aws".into(),
            region: "eu-west-1".into(),
        };
        let mut input = ExecInput {
            command: vec![
                "echo".into(),
                "{account_id}/{region}".into(),
                "{account_name}".into(),
            ],
            shell: false,
            regions: None,
            children: 1,
            timeout: None,
            grace: Duration::from_secs(1),
            max_failures: None,
            out: None,
            credentials: CredentialMode::Env,
        };
        assert_eq!(
            command_for(&input, &target),
            ["echo", "111122223333/eu-west-1", "media-prod"]
        );
        input.shell = true;
        assert_eq!(
            command_for(&input, &target),
            ["sh", "-c", "echo 111122223333/eu-west-1 media-prod"]
        );
    }
}
