//! Thin commands: each turns merged settings into one engine call and formats the result.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use canopy_aws::AwsSession;
use canopy_aws::Collector;
use canopy_engine::collect::{self, CollectOptions, CollectRequest, RegionChoice, Target};
use canopy_engine::configgen::{self, GenerateOptions};
use canopy_engine::credreport::{self, CredReportRequest};
use canopy_engine::select::{self, Selection};
use canopy_engine::sync::{self, SyncReport};
use canopy_model::{AccountId, AccountState, OrgSnapshot};
use canopy_render::configs::CredentialSource;
use canopy_render::naming::NameTemplate;
use canopy_store::Store;
use clap::CommandFactory;
use serde_json::json;

use crate::cli::{
    AccountScope, AccountsCommand, Cli, CollectArgs, Command, ConfigCommand, CredreportArgs,
    CredreportCommand, GenerateArgs, OrgCommand, PolicyCommand, SummaryFormat, TableFormat,
    TreeFormat,
};
use crate::output;
use crate::progress::{CollectProgress, SyncProgress};
use crate::settings::Settings;

/// How a command ended, when it did not fail outright.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    /// Some payer or account failed; the rest was done.
    Partial,
}

pub async fn run(cli: Cli) -> Result<Outcome> {
    if let Command::Completions { shell } = cli.command {
        let mut cmd = Cli::command();
        clap_complete::generate(shell, &mut cmd, "canopy", &mut std::io::stdout());
        return Ok(Outcome::Success);
    }
    let settings = Settings::load(&cli.global)?;
    match cli.command {
        Command::Org(OrgCommand::Sync {
            format,
            concurrency,
        }) => org_sync(&settings, format, concurrency.into()).await,
        Command::Org(OrgCommand::Tree { format, org }) => org_tree(&settings, format, org).await,
        Command::Org(OrgCommand::Forget { org }) => org_forget(&settings, &org),
        Command::Accounts(AccountsCommand::List {
            format,
            state,
            ou,
            tags,
            org,
        }) => accounts_list(&settings, format, state, ou, tags, org).await,
        Command::Config(ConfigCommand::Generate(args)) => config_generate(&settings, args).await,
        Command::Collect(args) => collect_inventory(&settings, args).await,
        Command::Query { sql, format } => query(&settings, &sql, format),
        Command::Tables { format } => tables(&settings, format),
        Command::Schema { table, format } => schema(&settings, &table, format),
        Command::Credreport(CredreportCommand::Collect(args)) => {
            credreport_collect(&settings, args).await
        }
        Command::Report(report) => {
            let (name, params, format) = report.parts();
            run_report(&settings, name, &params, format)
        }
        Command::Policy(PolicyCommand::Eval { cases, format }) => {
            crate::policy::eval(&cases, format)
        }
        Command::Policy(PolicyCommand::Simulate(args)) => {
            let (snaps, outcome) = snapshots(&settings).await?;
            crate::policy::simulate(&snaps, args).map(|o| worse(outcome, o))
        }
        Command::Policy(PolicyCommand::Effective { account, format }) => {
            let (snaps, outcome) = snapshots(&settings).await?;
            crate::policy::effective(&snaps, &account, format).map(|o| worse(outcome, o))
        }
        Command::Policy(PolicyCommand::Boundary {
            scopes,
            actions,
            kind,
        }) => {
            let (snaps, outcome) = snapshots(&settings).await?;
            crate::policy::boundary(&snaps, &scopes, &actions, kind).map(|o| worse(outcome, o))
        }
        Command::Policy(PolicyCommand::Lint {
            files,
            kind,
            deny_warnings,
            format,
        }) => crate::policy::lint(&files, kind, deny_warnings, format),
        Command::Completions { .. } => Ok(Outcome::Success),
    }
}

fn open_store(settings: &Settings) -> Result<Store> {
    Ok(canopy_engine::open_store(&settings.db)?)
}

async fn run_sync(
    settings: &Settings,
    store: &mut Store,
    concurrency: usize,
) -> Result<SyncReport> {
    let aws = AwsSession::load(settings.retry, None).await;
    let progress = SyncProgress::new(settings.quiet);
    let mut options = settings.sync;
    options.concurrency = concurrency;
    let report = sync::sync(&aws, store, &settings.payers, options, &progress).await;
    progress.finish();
    tracing::info!(
        calls = aws.stats().total(),
        retries = aws.stats().retries(),
        "sync finished"
    );
    Ok(report?)
}

async fn org_sync(
    settings: &Settings,
    format: SummaryFormat,
    concurrency: usize,
) -> Result<Outcome> {
    let mut store = open_store(settings)?;
    let report = run_sync(settings, &mut store, concurrency).await?;
    let mut out = std::io::stdout().lock();
    match format {
        SummaryFormat::Json => {
            let payers: Vec<_> = report
                .outcomes
                .iter()
                .map(|o| match &o.result {
                    Ok(s) => json!({
                        "payer": o.payer,
                        "status": "ok",
                        "org_id": s.org_id,
                        "management_account_id": s.management_account_id,
                        "synced_via": s.synced_via,
                        "accounts": s.accounts,
                        "active_accounts": s.active_accounts,
                        "ous": s.ous,
                        "policies": s.policies,
                        "warnings": s.warnings,
                    }),
                    Err(e) => json!({
                        "payer": o.payer,
                        "status": "error",
                        "error": {
                            "operation": e.operation,
                            "code": e.code,
                            "message": e.message,
                            "hint": e.hint(),
                        },
                    }),
                })
                .collect();
            output::json(&mut out, &json!({ "payers": payers }))?;
        }
        SummaryFormat::Text => {
            let rows: Vec<Vec<String>> = report
                .outcomes
                .iter()
                .map(|o| match &o.result {
                    Ok(s) => vec![
                        o.payer.clone(),
                        s.org_id.to_string(),
                        s.accounts.to_string(),
                        s.active_accounts.to_string(),
                        s.ous.to_string(),
                        s.policies.to_string(),
                        if s.warnings.is_empty() {
                            "ok".to_owned()
                        } else {
                            format!("ok, {} warnings", s.warnings.len())
                        },
                    ],
                    Err(e) => vec![
                        o.payer.clone(),
                        "-".into(),
                        "-".into(),
                        "-".into(),
                        "-".into(),
                        "-".into(),
                        format!("failed: {}", e.code),
                    ],
                })
                .collect();
            output::table(
                &mut out,
                &[
                    "PAYER", "ORG", "ACCOUNTS", "ACTIVE", "OUS", "POLICIES", "STATUS",
                ],
                &rows,
            )?;
        }
    }
    Ok(if report.failed() > 0 {
        Outcome::Partial
    } else {
        Outcome::Success
    })
}

/// The stored snapshots, synced first when missing, stale or when --refresh says so.
/// The worse of two outcomes.
fn worse(a: Outcome, b: Outcome) -> Outcome {
    if a == Outcome::Partial || b == Outcome::Partial {
        Outcome::Partial
    } else {
        Outcome::Success
    }
}

async fn snapshots(settings: &Settings) -> Result<(Vec<OrgSnapshot>, Outcome)> {
    let mut store = open_store(settings)?;
    let reason = if settings.refresh {
        Some("--refresh".to_owned())
    } else {
        sync::staleness(
            &store,
            &settings.payers,
            settings.org_ttl,
            time::OffsetDateTime::now_utc(),
        )?
    };
    let mut outcome = Outcome::Success;
    if let Some(reason) = reason {
        tracing::info!("syncing organizations: {reason}");
        let report = run_sync(settings, &mut store, settings.sync.concurrency).await?;
        if report.failed() > 0 {
            outcome = Outcome::Partial;
            eprintln!(
                "warning: some payers could not be synced; using their stored data where there is some"
            );
        }
    }
    let snaps = store.snapshots()?;
    if snaps.is_empty() {
        bail!(
            "no organization is stored in `{}`; run `canopy org sync` first",
            settings.db.display()
        );
    }
    Ok((snaps, outcome))
}

fn filter_org(snaps: Vec<OrgSnapshot>, org: Option<&str>) -> Result<Vec<OrgSnapshot>> {
    let Some(org) = org else {
        return Ok(snaps);
    };
    let known: Vec<String> = snaps
        .iter()
        .map(|s| s.organization.id.to_string())
        .collect();
    let kept: Vec<OrgSnapshot> = snaps
        .into_iter()
        .filter(|s| s.organization.id.as_str() == org)
        .collect();
    if kept.is_empty() {
        bail!(
            "organization `{org}` is not in the store (stored: {}); sync its payer with `canopy org sync --payer ACCOUNT_ID`",
            known.join(", ")
        );
    }
    Ok(kept)
}

async fn org_tree(settings: &Settings, format: TreeFormat, org: Option<String>) -> Result<Outcome> {
    let (snaps, outcome) = snapshots(settings).await?;
    let snaps = filter_org(snaps, org.as_deref())?;
    let mut out = std::io::stdout().lock();
    match format {
        TreeFormat::Text => write!(out, "{}", canopy_render::tree::text(&snaps))?,
        TreeFormat::Json => output::json(&mut out, &canopy_render::tree::json(&snaps))?,
        TreeFormat::Mermaid => write!(out, "{}", canopy_render::tree::mermaid(&snaps))?,
        TreeFormat::Dot => write!(out, "{}", canopy_render::tree::dot(&snaps))?,
    }
    Ok(outcome)
}

fn org_forget(settings: &Settings, org: &str) -> Result<Outcome> {
    let id = org.parse().map_err(|e| anyhow!("{e}"))?;
    let mut store = open_store(settings)?;
    if !store.forget_org(&id)? {
        bail!(
            "organization `{org}` is not in the store `{}`",
            settings.db.display()
        );
    }
    eprintln!("forgot organization `{org}`");
    Ok(Outcome::Success)
}

async fn accounts_list(
    settings: &Settings,
    format: TableFormat,
    state: Option<String>,
    ou: Option<String>,
    tags: Vec<String>,
    org: Option<String>,
) -> Result<Outcome> {
    let wanted_tags: Vec<(String, String)> = tags
        .iter()
        .map(|t| {
            t.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or_else(|| anyhow!("--tag `{t}` must be KEY=VALUE"))
        })
        .collect::<Result<_>>()?;
    let state = state.map(|s| AccountState::from(s.trim().to_owned()));
    let (snaps, outcome) = snapshots(settings).await?;
    let snaps = filter_org(snaps, org.as_deref())?;
    let records = select::select(
        &snaps,
        &Selection {
            ou,
            state,
            tags: wanted_tags,
            ..Selection::default()
        },
    )?;

    let mut out = std::io::stdout().lock();
    match format {
        TableFormat::Json => output::json(&mut out, &records)?,
        TableFormat::Table | TableFormat::Csv => {
            let header = ["ID", "NAME", "STATE", "ORG", "OU", "EMAIL", "TAGS"];
            let rows: Vec<Vec<String>> = records
                .iter()
                .map(|r| {
                    vec![
                        r.id.to_string(),
                        r.name.clone(),
                        r.state.to_string(),
                        r.org_id.to_string(),
                        r.ou_names.clone(),
                        r.email.clone(),
                        r.tags
                            .iter()
                            .map(|(k, v)| format!("{k}={v}"))
                            .collect::<Vec<_>>()
                            .join(";"),
                    ]
                })
                .collect();
            output::rows(&mut out, format, &header, &rows)?;
        }
    }
    Ok(outcome)
}

fn home() -> Result<PathBuf> {
    dirs::home_dir()
        .ok_or_else(|| anyhow!("cannot find the home folder; pass the file paths explicitly"))
}

async fn config_generate(settings: &Settings, args: GenerateArgs) -> Result<Outcome> {
    let file = &settings.file;
    let role = args.role.or_else(|| file.role.clone()).ok_or_else(|| {
        anyhow!("--role is required: the role each profile assumes (e.g. `--role security-audit`)")
    })?;
    let source = match (
        args.source_profile.or_else(|| file.source_profile.clone()),
        args.credential_source
            .map(|c| c.as_str().to_owned())
            .or_else(|| file.credential_source.clone()),
    ) {
        (Some(p), None) => CredentialSource::Profile(p),
        (None, Some(c)) => {
            if !["Ec2InstanceMetadata", "EcsContainer", "Environment"].contains(&c.as_str()) {
                bail!(
                    "credential source `{c}` must be Ec2InstanceMetadata, EcsContainer or Environment"
                );
            }
            CredentialSource::Builtin(c)
        }
        (Some(_), Some(_)) => {
            bail!("give either a source profile or a credential source, not both")
        }
        (None, None) => bail!(
            "say where the profiles get credentials: --source-profile NAME or --credential-source Ec2InstanceMetadata|EcsContainer|Environment"
        ),
    };
    let template = match args.name_template.or_else(|| file.name_template.clone()) {
        Some(t) => NameTemplate::parse(&t)?,
        None => NameTemplate::default(),
    };
    let aws_config = match args.aws_config.or_else(|| file.aws_config.clone()) {
        Some(p) => p,
        None => match std::env::var_os("AWS_CONFIG_FILE") {
            Some(p) => PathBuf::from(p),
            None => home()?.join(".aws").join("config"),
        },
    };
    let steampipe_config = if args.no_steampipe {
        None
    } else {
        Some(
            match args
                .steampipe_config
                .or_else(|| file.steampipe_config.clone())
            {
                Some(p) => p,
                None => home()?.join(".steampipe").join("config").join("aws.spc"),
            },
        )
    };
    let options = GenerateOptions {
        role,
        source,
        session_name: args
            .profile_session_name
            .or_else(|| file.session_name.clone())
            .unwrap_or_else(|| "canopy".to_owned()),
        aws_config,
        steampipe_config,
        template,
        include_suspended: args.include_suspended,
    };

    let (snaps, outcome) = snapshots(settings).await?;
    let plan = configgen::plan(&snaps, &options)?;
    for w in &plan.warnings {
        eprintln!("warning: {w}");
    }
    if args.dry_run {
        let mut out = std::io::stdout().lock();
        for f in &plan.files {
            let label = f.path.display().to_string();
            write!(
                out,
                "{}",
                canopy_render::unified_diff(f.old.as_deref().unwrap_or(""), &f.new, &label)
            )?;
        }
        eprintln!("dry run: nothing written");
        return Ok(outcome);
    }
    let written = configgen::apply(&plan).context("writing the generated files")?;
    for f in &plan.files {
        let what = if f.path.extension().is_some_and(|e| e == "spc") {
            "connections"
        } else {
            "profiles"
        };
        let status = if written.contains(&f.path) {
            "written"
        } else {
            "unchanged"
        };
        eprintln!("{}: {} {what}, {status}", f.path.display(), f.entries);
    }
    Ok(outcome)
}

fn parse_accounts(raw: &[String], flag: &str) -> Result<Vec<AccountId>> {
    raw.iter()
        .map(|a| a.trim())
        .filter(|a| !a.is_empty())
        .map(|a| a.parse::<AccountId>().map_err(|e| anyhow!("{flag}: {e}")))
        .collect()
}

/// `--tables`: names or `all` -> the collectors that fill them.
fn parse_tables(raw: &[String]) -> Result<Vec<&'static Collector>> {
    let chosen = collect::collectors_for(raw)?;
    for name in &chosen.from_sync {
        eprintln!(
            "note: `{name}` comes from `canopy org sync` (refreshed with --refresh), not from collection"
        );
    }
    Ok(chosen.collectors)
}

fn parse_regions(raw: &[String], file: Option<&Vec<String>>) -> Result<RegionChoice> {
    let given: Vec<String> = if raw.is_empty() {
        file.cloned().unwrap_or_default()
    } else {
        raw.to_vec()
    };
    let given: Vec<String> = given
        .iter()
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty())
        .collect();
    if given.is_empty() || given.iter().any(|r| r.eq_ignore_ascii_case("all")) {
        return Ok(RegionChoice::All);
    }
    for region in &given {
        let valid = region.split('-').count() >= 3
            && region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid {
            bail!("`{region}` is not a region name (like `eu-west-1`); give a list or `all`");
        }
    }
    let mut unique = given;
    unique.sort();
    unique.dedup();
    Ok(RegionChoice::List(unique))
}

async fn collect_inventory(settings: &Settings, args: CollectArgs) -> Result<Outcome> {
    let collectors = parse_tables(&args.tables)?;
    let regions = parse_regions(&args.regions, settings.file.regions.as_ref())?;
    let (role, targets, mut outcome) = scope_targets(settings, &args.scope).await?;
    let accounts = targets.len();
    let request = CollectRequest {
        targets,
        collectors: collectors.clone(),
        regions: regions.clone(),
        role: role.clone(),
        options: json!({
            "tables": collectors.iter().map(|c| c.table().name).collect::<Vec<_>>(),
            "regions": match &regions { RegionChoice::All => json!("all"), RegionChoice::List(l) => json!(l) },
            "role": role.name,
            "accounts": accounts,
            "concurrency": args.concurrency,
        }),
    };
    let concurrency = usize::from(args.concurrency);
    let aws = std::sync::Arc::new(
        AwsSession::load(settings.retry, None)
            .await
            .with_request_limit(concurrency),
    );
    let store = open_store(settings)?;
    let progress = CollectProgress::new(settings.quiet, request.targets.len(), aws.stats());
    let started = std::time::Instant::now();
    let shutdown = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let report = collect::collect(
        aws.clone(),
        store,
        request,
        CollectOptions::for_concurrency(concurrency, settings.sync.paced),
        &progress,
        shutdown,
    )
    .await;
    progress.finish();
    let report = report?;
    let elapsed = started.elapsed();
    let calls = aws.stats().total();
    let retries = aws.stats().retries();
    let groups = report.failures_by_code();
    let mut out = std::io::stdout().lock();
    match args.format {
        SummaryFormat::Json => {
            let failures: Vec<_> = groups
                .iter()
                .map(|(code, (units, accounts))| {
                    json!({"code": code, "units": units, "accounts": accounts})
                })
                .collect();
            output::json(
                &mut out,
                &json!({
                    "run_id": report.run_id,
                    "status": if report.interrupted { "interrupted" } else if report.failures.is_empty() { "ok" } else { "partial" },
                    "accounts": report.accounts,
                    "units": report.units,
                    "failed_units": report.failures.len(),
                    "skipped_regions": report.skipped_regions,
                    "rows": report.rows,
                    "failures": failures,
                    "calls": calls,
                    "retries": retries,
                    "seconds": (elapsed.as_secs_f64() * 100.0).round() / 100.0,
                }),
            )?;
        }
        SummaryFormat::Text => {
            let rows: Vec<Vec<String>> = report
                .rows
                .iter()
                .map(|(t, n)| vec![t.clone(), n.to_string()])
                .collect();
            output::table(&mut out, &["TABLE", "ROWS"], &rows)?;
            writeln!(
                out,
                "\n{} accounts, {} units ({} failed), {} regions skipped (not enabled), {} calls ({} retries) in {:.1}s; run {}",
                report.accounts,
                report.units,
                report.failures.len(),
                report.skipped_regions,
                calls,
                retries,
                elapsed.as_secs_f64(),
                report.run_id
            )?;
            if !groups.is_empty() {
                writeln!(out, "\nfailures by error code:")?;
                for (code, (units, accounts)) in &groups {
                    let mut list: Vec<String> =
                        accounts.iter().take(10).map(ToString::to_string).collect();
                    if accounts.len() > 10 {
                        list.push(format!("and {} more", accounts.len() - 10));
                    }
                    writeln!(
                        out,
                        "  {code}: {units} units in {} accounts: {}",
                        accounts.len(),
                        list.join(", ")
                    )?;
                }
                writeln!(
                    out,
                    "details: canopy query \"select * from canopy_errors where run_id = {}\"",
                    report.run_id
                )?;
            }
        }
    }
    if report.interrupted {
        eprintln!("interrupted: every unit finished before the interruption is stored");
        outcome = Outcome::Partial;
    }
    if !report.failures.is_empty() {
        outcome = Outcome::Partial;
    }
    Ok(outcome)
}

fn query(settings: &Settings, sql: &str, format: TableFormat) -> Result<Outcome> {
    query_with(settings, sql, &[], format)
}

fn query_with(
    settings: &Settings,
    sql: &str,
    params: &[(&str, i64)],
    format: TableFormat,
) -> Result<Outcome> {
    let store = open_store(settings)?;
    let mut out = output::QueryOutput::new(std::io::stdout().lock(), format);
    store.query_with(sql, params, &mut out)?;
    out.finish()?;
    Ok(Outcome::Success)
}

fn run_report(
    settings: &Settings,
    name: &str,
    params: &[(&'static str, i64)],
    format: TableFormat,
) -> Result<Outcome> {
    let report = canopy_store::REPORTS
        .iter()
        .find(|r| r.name == name)
        .ok_or_else(|| anyhow!("no report named `{name}`"))?;
    // the report's defaults, overridden by what was given
    let mut values: Vec<(&str, i64)> = report.params.to_vec();
    for (name, value) in params {
        if let Some(slot) = values.iter_mut().find(|(n, _)| n == name) {
            slot.1 = *value;
        }
    }
    query_with(settings, report.sql, &values, format)
}

fn tables(settings: &Settings, format: TableFormat) -> Result<Outcome> {
    let store = open_store(settings)?;
    let tables = store.tables()?;
    let mut out = std::io::stdout().lock();
    match format {
        TableFormat::Json => {
            let list: Vec<_> = tables
                .iter()
                .map(|t| json!({"name": t.doc.name, "description": t.doc.description, "filled_by": t.doc.filled_by, "rows": t.rows}))
                .collect();
            output::json(&mut out, &list)?;
        }
        TableFormat::Table | TableFormat::Csv => {
            let rows: Vec<Vec<String>> = tables
                .iter()
                .map(|t| {
                    vec![
                        t.doc.name.to_owned(),
                        t.rows.to_string(),
                        t.doc.filled_by.to_owned(),
                        t.doc.description.to_owned(),
                    ]
                })
                .collect();
            let header = ["TABLE", "ROWS", "FILLED BY", "DESCRIPTION"];
            output::rows(&mut out, format, &header, &rows)?;
        }
    }
    Ok(Outcome::Success)
}

fn schema(settings: &Settings, table: &str, format: TableFormat) -> Result<Outcome> {
    let store = open_store(settings)?;
    let columns = store.schema(table)?;
    if columns.is_empty() {
        bail!("no table named `{table}`; see `canopy tables`");
    }
    let mut out = std::io::stdout().lock();
    match format {
        TableFormat::Json => {
            let list: Vec<_> = columns
                .iter()
                .map(|c| json!({"name": c.name, "type": c.sql_type, "description": c.description}))
                .collect();
            output::json(&mut out, &list)?;
        }
        TableFormat::Table | TableFormat::Csv => {
            let rows: Vec<Vec<String>> = columns
                .iter()
                .map(|c| vec![c.name.clone(), c.sql_type.clone(), c.description.to_owned()])
                .collect();
            let header = ["COLUMN", "TYPE", "DESCRIPTION"];
            output::rows(&mut out, format, &header, &rows)?;
        }
    }
    Ok(Outcome::Success)
}

/// The role and the ACTIVE accounts of `--role`, `--accounts`, `--ou`, `--exclude-accounts`.
async fn scope_targets(
    settings: &Settings,
    scope: &AccountScope,
) -> Result<(canopy_aws::RoleSpec, Vec<Target>, Outcome)> {
    let selection = Selection {
        accounts: parse_accounts(&scope.accounts, "--accounts")?,
        exclude: parse_accounts(&scope.exclude_accounts, "--exclude-accounts")?,
        ou: scope.ou.clone(),
        ..Selection::default()
    };
    let role = member_role(settings, scope.role.as_deref());
    let (targets, outcome) = active_targets(settings, &selection).await?;
    Ok((role, targets, outcome))
}

/// The role assumed in member accounts: the flag (or `CANOPY_ROLE`), the settings file's
/// `role`, else `OrganizationAccountAccessRole`.
fn member_role(settings: &Settings, flag: Option<&str>) -> canopy_aws::RoleSpec {
    canopy_aws::RoleSpec {
        name: flag
            .map(str::to_owned)
            .or_else(|| settings.file.role.clone())
            .unwrap_or_else(|| "OrganizationAccountAccessRole".to_owned()),
        ..settings.payers.role.clone()
    }
}

/// The ACTIVE accounts `selection` picks (synced first when stale); the others are named on
/// stderr and left out.
async fn active_targets(
    settings: &Settings,
    selection: &Selection,
) -> Result<(Vec<Target>, Outcome)> {
    let (snaps, outcome) = snapshots(settings).await?;
    let records = select::select(&snaps, selection)?;
    let (active, inactive): (Vec<_>, Vec<_>) =
        records.into_iter().partition(|r| r.state.is_active());
    if !inactive.is_empty() {
        eprintln!(
            "skipping {} account(s) that are not ACTIVE: {}",
            inactive.len(),
            inactive
                .iter()
                .map(|r| format!("{} ({})", r.id, r.state))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if active.is_empty() {
        bail!("no active account is selected; see `canopy accounts list`");
    }
    let targets = active
        .iter()
        .map(|r| Target {
            account: r.id.clone(),
            name: r.name.clone(),
            partition: r.partition.clone(),
        })
        .collect();
    Ok((targets, outcome))
}

async fn credreport_collect(settings: &Settings, args: CredreportArgs) -> Result<Outcome> {
    let out = args
        .out
        .as_deref()
        .map(|out| credreport::Destination::parse(out, args.sse_kms_key.clone()))
        .transpose()?;
    if let Some(topic) = &args.notify_sns {
        let parts: Vec<&str> = topic.split(':').collect();
        if parts.len() != 6 || parts[0] != "arn" || parts[2] != "sns" || parts[5].is_empty() {
            bail!(
                "--notify-sns `{topic}` is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)"
            );
        }
    }
    let (role, targets, mut outcome) = scope_targets(settings, &args.scope).await?;
    let request = CredReportRequest {
        options: json!({
            "role": role.name,
            "accounts": targets.len(),
            "out": args.out,
            "sse_kms_key": args.sse_kms_key.is_some(),
            "notify_sns": args.notify_sns,
            "max_polls": args.max_polls,
        }),
        targets,
        role,
        out,
        max_polls: args.max_polls,
        first_wait: std::time::Duration::from_secs(1),
        max_wait: std::time::Duration::from_secs(5),
        notify_sns: args.notify_sns.clone(),
    };
    let aws = std::sync::Arc::new(
        AwsSession::load(settings.retry, None)
            .await
            .with_request_limit(usize::from(args.concurrency)),
    );
    let mut store = open_store(settings)?;
    let quiet = settings.quiet;
    let run = credreport::collect_credential_reports(aws, &mut store, request, &|a| {
        if quiet {
            return;
        }
        match &a.failure {
            Some(f) => eprintln!(
                "error: account `{}`: `{}` failed: {}: {}",
                a.account, f.operation, f.code, f.message
            ),
            None => {
                tracing::info!(account = %a.account, users = a.users, "credential report stored")
            }
        }
    })
    .await?;
    let mut out = std::io::stdout().lock();
    match args.format {
        SummaryFormat::Json => {
            let mut manifest = credreport::manifest(&run);
            manifest["folder"] = json!(run.folder);
            output::json(&mut out, &manifest)?;
        }
        SummaryFormat::Text => {
            let rows: Vec<Vec<String>> = run
                .accounts
                .iter()
                .map(|a| {
                    vec![
                        a.account.to_string(),
                        a.name.clone(),
                        a.users.to_string(),
                        a.generated_time.clone().unwrap_or_default(),
                        match &a.failure {
                            Some(f) => format!("failed: {}", f.code),
                            None => "ok".to_owned(),
                        },
                    ]
                })
                .collect();
            output::table(
                &mut out,
                &["ACCOUNT", "NAME", "USERS", "GENERATED", "STATUS"],
                &rows,
            )?;
            // AWS hands back a report younger than four hours instead of a new one: say so
            let earlier = run
                .accounts
                .iter()
                .filter(|a| {
                    a.generated_time
                        .as_deref()
                        .and_then(|t| {
                            time::OffsetDateTime::parse(
                                t,
                                &time::format_description::well_known::Rfc3339,
                            )
                            .ok()
                        })
                        .is_some_and(|t| t < run.started_at - time::Duration::minutes(1))
                })
                .count();
            if earlier > 0 {
                writeln!(
                    out,
                    "\n{earlier} report(s) were generated before this run started: AWS returns a report younger than four hours as it is (see GENERATED)"
                )?;
            }
            if let Some(folder) = &run.folder {
                writeln!(out, "\nfiles and manifest.json in {folder}")?;
            }
        }
    }
    match &run.notified {
        Some(Ok(id)) if !quiet => eprintln!(
            "notified {} of {} failed account(s) (message {id})",
            args.notify_sns.as_deref().unwrap_or_default(),
            run.failed()
        ),
        Some(Err(e)) => match e.hint() {
            Some(hint) => eprintln!("error: could not notify the SNS topic: {e}\n  hint: {hint}"),
            None => eprintln!("error: could not notify the SNS topic: {e}"),
        },
        _ => {}
    }
    if run.failed() > 0 {
        outcome = Outcome::Partial;
    }
    Ok(outcome)
}
