//! Thin commands: each turns merged settings into one engine call and formats the result.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use canopy_aws::AwsSession;
use canopy_engine::configgen::{self, GenerateOptions};
use canopy_engine::sync::{self, SyncReport};
use canopy_model::{AccountRecord, AccountState, OrgSnapshot, account_records};
use canopy_render::configs::CredentialSource;
use canopy_render::naming::NameTemplate;
use canopy_store::Store;
use clap::CommandFactory;
use serde_json::json;

use crate::cli::{
    AccountsCommand, Cli, Command, ConfigCommand, GenerateArgs, OrgCommand, SummaryFormat,
    TableFormat, TreeFormat,
};
use crate::output;
use crate::progress::SyncProgress;
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
        Command::Completions { .. } => Ok(Outcome::Success),
    }
}

fn open_store(settings: &Settings) -> Result<Store> {
    Ok(Store::open(&settings.db)?)
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

    // --ou: an id or a name path, matching the node and everything below it, in any organization
    let mut within: Option<Vec<(String, String)>> = None;
    if let Some(ou) = &ou {
        let mut nodes = Vec::new();
        for snap in &snaps {
            let index = snap.index();
            for node in index.find_nodes(ou) {
                nodes.push((snap.organization.id.to_string(), node.to_owned()));
            }
        }
        if nodes.is_empty() {
            bail!(
                "no OU matches `{ou}`; give an id (ou-...) or a name path such as `Sports/Baseball` (see `canopy org tree`)"
            );
        }
        within = Some(nodes);
    }
    let mut records: Vec<AccountRecord> = account_records(&snaps)
        .into_iter()
        .filter(|r| state.as_ref().is_none_or(|s| &r.state == s))
        .filter(|r| {
            wanted_tags
                .iter()
                .all(|(k, v)| r.tags.get(k).is_some_and(|x| x == v))
        })
        .collect();
    if let Some(nodes) = &within {
        records.retain(|r| {
            nodes.iter().any(|(org, node)| {
                r.org_id.as_str() == org && r.ou_path.contains(&format!("/{node}/"))
            })
        });
    }

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
            if format == TableFormat::Csv {
                output::csv(&mut out, &header, &rows)?;
            } else {
                output::table(&mut out, &header, &rows)?;
            }
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
