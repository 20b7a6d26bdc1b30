//! `canopy access sync` (Identity Center read whole into the store), and the reads of what it
//! stored: `access who`, `access what`, `access drift`.

use std::io::Write;

use anyhow::{Result, bail};
use canopy_engine::access::sync::{self as access_sync, AccessSyncReport, COUNTED, SsoRegion};
use canopy_model::AccountId;
use canopy_store::{AccessOf, Store};
use clap::Args;
use serde_json::json;

use super::{Ctx, Outcome};
use crate::args::{SummaryFormat, TableFormat};
use crate::env;
use crate::output::{self, Summary};

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The region of the Identity Center instance [default: AWS_REGION (else us-east-1) first,
    /// then every region the account has enabled, until an instance answers]
    #[arg(long, env = env::SSO_REGION, value_name = "REGION")]
    pub sso_region: Option<String>,
    /// Read through this delegated administrator of Identity Center (in its organization)
    /// instead of the management account
    #[arg(long, value_name = "ACCOUNT")]
    pub admin_account: Option<AccountId>,
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

#[derive(Debug, Args)]
pub struct WhoArgs {
    /// The account, by id or exact name
    #[arg(long, value_name = "ACCOUNT")]
    pub account: String,
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub format: TableFormat,
}

#[derive(Debug, Args)]
pub struct WhatArgs {
    /// A user, by user name, email or id
    #[arg(
        long,
        value_name = "NAME",
        conflicts_with = "group",
        required_unless_present = "group"
    )]
    pub user: Option<String>,
    /// A group, by display name or id
    #[arg(long, value_name = "NAME")]
    pub group: Option<String>,
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub format: TableFormat,
}

#[derive(Debug, Args)]
pub struct DriftArgs {
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub format: TableFormat,
}

struct SyncSummary<'a>(&'a AccessSyncReport);

impl Summary for SyncSummary<'_> {
    fn json(&self) -> serde_json::Value {
        self.0.to_json()
    }

    fn text(&self, mut out: &mut dyn Write) -> Result<()> {
        let rows: Vec<Vec<String>> = self
            .0
            .orgs
            .iter()
            .map(|o| {
                let mut row = vec![o.org_id.clone()];
                match &o.outcome {
                    Ok(Some(s)) => {
                        row.push(s.region.clone());
                        for (_, table) in COUNTED {
                            row.push(s.rows_of(table).to_string());
                        }
                        row.push(s.enumeration.as_str().to_owned());
                        row.push(s.requests.to_string());
                        row.push(format!("{:.1}s", s.elapsed.as_secs_f64()));
                        row.push("ok".into());
                    }
                    Ok(None) => {
                        row.extend(std::iter::repeat_n("-".to_owned(), 9));
                        row.push("no Identity Center instance".into());
                    }
                    Err(e) => {
                        row.extend(std::iter::repeat_n("-".to_owned(), 9));
                        row.push(format!("failed: {} ({})", e.code, e.operation));
                    }
                }
                row
            })
            .collect();
        output::table(
            &mut out,
            &[
                "ORG",
                "REGION",
                "USERS",
                "GROUPS",
                "MEMBERSHIPS",
                "PERMISSION SETS",
                "ASSIGNMENTS",
                "ENUMERATED",
                "REQUESTS",
                "TIME",
                "STATUS",
            ],
            &rows,
        )
    }
}

pub async fn sync(ctx: &Ctx, args: SyncArgs) -> Result<Outcome> {
    let mut store = ctx.open_store()?;
    let (snapshots, outcome) = ctx.snapshots_in(&mut store).await?;
    if snapshots.is_empty() {
        bail!("no organization is synced; run `canopy org sync` first");
    }
    let region = match args.sso_region {
        Some(r) => SsoRegion::Given(r),
        None => SsoRegion::Search(super::sso_region(None)),
    };
    let aws = ctx.aws(None).await;
    let report = access_sync::sync(
        &aws,
        &ctx.settings.payers.role,
        &snapshots,
        args.admin_account.as_ref(),
        &region,
        &mut store,
    )
    .await?;
    for o in &report.orgs {
        if let Ok(None) = o.outcome {
            ctx.printer.warn(&format!(
                "organization `{}`: no Identity Center instance found through account `{}`; pass --sso-region with its region",
                o.org_id, o.account
            ));
        }
    }
    let unknown = store.sso_unknown_accounts()?;
    if !unknown.is_empty() {
        ctx.printer.warn(&format!(
            "{} assigned account(s) are in no synced organization ({}{}); their names show as `-` until `canopy org sync` runs again",
            unknown.len(),
            unknown.iter().take(3).cloned().collect::<Vec<_>>().join(", "),
            if unknown.len() > 3 { ", ..." } else { "" }
        ));
    }
    output::print(args.format, &SyncSummary(&report))?;
    Ok(outcome.and(Outcome::partial_if(report.failed() > 0)))
}

/// The store, refusing when `access sync` never ran.
fn synced_store(ctx: &Ctx) -> Result<Store> {
    let store = ctx.open_store()?;
    match store.sso_synced_at()? {
        Some(at) => {
            ctx.printer
                .note(&format!("Identity Center as synced at {at}"));
            Ok(store)
        }
        None => bail!("no Identity Center data is stored; run `canopy access sync` first"),
    }
}

fn or_dash(value: &Option<String>) -> String {
    value.clone().unwrap_or_else(|| "-".into())
}

/// `items` on stdout: as JSON, or one row each under `header` (a table or CSV).
fn print_items<T: serde::Serialize>(
    format: TableFormat,
    items: &[T],
    header: &[&str],
    row: impl Fn(&T) -> Vec<String>,
) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if format == TableFormat::Json {
        return output::json(&mut out, &items);
    }
    let rows: Vec<Vec<String>> = items.iter().map(row).collect();
    output::rows(&mut out, format, header, &rows)
}

fn print_grants(format: TableFormat, grants: &[canopy_store::SsoGrant]) -> Result<()> {
    print_items(
        format,
        grants,
        &["ACCOUNT", "NAME", "PERMISSION SET", "USER", "VIA"],
        |g| {
            vec![
                g.account_id.clone(),
                or_dash(&g.account_name),
                or_dash(&g.permission_set_name),
                or_dash(&g.user_name),
                g.via.clone(),
            ]
        },
    )
}

pub fn who(ctx: &Ctx, args: WhoArgs) -> Result<Outcome> {
    let store = synced_store(ctx)?;
    let grants = store.sso_access(AccessOf::Account(&args.account))?;
    if grants.is_empty() {
        ctx.printer.note(&format!(
            "nobody can sign in to `{}` through Identity Center (as synced)",
            args.account
        ));
    }
    print_grants(args.format, &grants)?;
    Ok(Outcome::Success)
}

pub fn what(ctx: &Ctx, args: WhatArgs) -> Result<Outcome> {
    let store = synced_store(ctx)?;
    if let Some(user) = &args.user {
        if !store.sso_principal_known(user, false)? {
            bail!(
                "no Identity Center user `{user}` (by user name, email or id) is stored; check the name, or run `canopy access sync`"
            );
        }
        let grants = store.sso_access(AccessOf::User(user))?;
        if grants.is_empty() {
            ctx.printer
                .note(&format!("`{user}` can sign in to no account"));
        }
        print_grants(args.format, &grants)?;
        return Ok(Outcome::Success);
    }
    let Some(group) = &args.group else {
        bail!("say --user NAME or --group NAME");
    };
    if !store.sso_principal_known(group, true)? {
        bail!(
            "no Identity Center group `{group}` (by display name or id) is stored; check the name, or run `canopy access sync`"
        );
    }
    let grants = store.sso_group_access(group)?;
    if grants.is_empty() {
        ctx.printer
            .note(&format!("group `{group}` is assigned nothing"));
    }
    print_items(
        args.format,
        &grants,
        &["ACCOUNT", "NAME", "PERMISSION SET", "MEMBERS"],
        |g| {
            vec![
                g.account_id.clone(),
                or_dash(&g.account_name),
                or_dash(&g.permission_set_name),
                g.members.to_string(),
            ]
        },
    )?;
    Ok(Outcome::Success)
}

pub fn drift(ctx: &Ctx, args: DriftArgs) -> Result<Outcome> {
    let store = synced_store(ctx)?;
    let drift = store.sso_drift()?;
    if drift.is_empty() {
        ctx.printer
            .note("every provisioned permission set is up to date");
    }
    print_items(
        args.format,
        &drift,
        &["PERMISSION SET", "ACCOUNT", "NAME", "ARN"],
        |d| {
            vec![
                or_dash(&d.permission_set_name),
                d.account_id.clone(),
                or_dash(&d.account_name),
                d.permission_set_arn.clone(),
            ]
        },
    )?;
    Ok(Outcome::Success)
}

#[derive(Debug, Args)]
pub struct ExternalArgs {
    /// Only these kinds: public, external_account, federated, service
    #[arg(long, value_delimiter = ',', value_name = "KIND")]
    pub kind: Vec<String>,
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub format: TableFormat,
}

/// The short name of a resource type (`AWS::S3::Bucket` -> `S3::Bucket`).
fn short_type(kind: &str) -> &str {
    kind.strip_prefix("AWS::").unwrap_or(kind)
}

pub async fn external(ctx: &Ctx, args: ExternalArgs) -> Result<Outcome> {
    const KINDS: &[&str] = &["public", "external_account", "federated", "service"];
    if let Some(bad) = args.kind.iter().find(|k| !KINDS.contains(&k.as_str())) {
        bail!("--kind `{bad}`: say public, external_account, federated or service");
    }
    let mut store = ctx.open_store()?;
    let (snapshots, outcome) = ctx.snapshots_in(&mut store).await?;
    if snapshots.is_empty() {
        bail!(
            "no organization is synced; run `canopy org sync` first: the zone of trust is every account of every synced organization"
        );
    }
    let report = canopy_engine::access::external::analyze(&mut store, &snapshots)?;
    if report.policies == 0 {
        ctx.printer.warn(
            "no trust or resource policy is stored; run `canopy collect` first (roles, buckets, keys, queues, topics, functions, secrets, repositories)",
        );
    }
    ctx.printer.note(&format!(
        "{} trust and resource policies read; zone of trust: {} accounts in {} organizations",
        report.policies, report.zone_accounts, report.zone_orgs
    ));
    let found: Vec<_> = report
        .found
        .iter()
        .filter(|f| args.kind.is_empty() || args.kind.iter().any(|k| k == f.kind))
        .collect();
    print_items(
        args.format,
        &found,
        &[
            "RESOURCE",
            "TYPE",
            "OWNER",
            "PRINCIPAL",
            "KIND",
            "STATUS",
            "FLAGS",
        ],
        |f| {
            vec![
                f.resource_arn.clone(),
                short_type(f.resource_type).to_owned(),
                f.owner_account.clone(),
                match &f.principal {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                },
                f.kind.to_owned(),
                f.status.to_owned(),
                f.flags.join(" "),
            ]
        },
    )?;
    Ok(outcome)
}

#[derive(Debug, Args)]
pub struct CanArgs {
    /// Who: `user:NAME` (user name, email or id) or `group:NAME` (display name or id)
    #[arg(value_name = "user:NAME|group:NAME")]
    pub principal: String,
    /// The action (s3:GetObject)
    pub action: String,
    /// The resource's ARN (default `*`)
    pub resource: Option<String>,
    /// The account the principal signs in to, by id or name [default: the resource's account]
    #[arg(long, value_name = "ACCOUNT")]
    pub account: Option<String>,
    /// A context key for the request (aws:SourceIp=203.0.113.10); repeat a key for a list
    #[arg(long, value_name = "KEY=VALUE")]
    pub context: Vec<String>,
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

pub async fn can(ctx: &Ctx, args: CanArgs) -> Result<Outcome> {
    let who = crate::args::principal(&args.principal)?;
    let mut context = Vec::new();
    for pair in &args.context {
        let Some((k, v)) = pair.split_once('=') else {
            bail!("--context `{pair}`: write KEY=VALUE (aws:SourceIp=203.0.113.10)");
        };
        context.push((k.trim().to_owned(), v.to_owned()));
    }
    let mut store = synced_store(ctx)?;
    let group = who.kind == canopy_aws::PrincipalKind::Group;
    if !store.sso_principal_known(&who.name, group)? {
        bail!("no Identity Center {who} is stored; check the name, or run `canopy access sync`");
    }
    let (snapshots, outcome) = ctx.snapshots_in(&mut store).await?;
    let aws = ctx.aws(None).await;
    let report = canopy_engine::access::can::can(
        &mut store,
        &snapshots,
        &aws,
        &ctx.settings.payers.role,
        canopy_engine::access::can::CanInput {
            principal: who.clone(),
            account: args.account.clone(),
            action: args.action.clone(),
            resource: args.resource.clone(),
            context,
        },
    )
    .await?;
    if report.fetched > 0 {
        ctx.printer.note(&format!(
            "{} AWS-managed policies read from IAM and kept in the store",
            report.fetched
        ));
    }
    for set in &report.sets {
        if !set.unread.is_empty() {
            ctx.printer.warn(&format!(
                "permission set `{}`: decided without {} (not collected in account `{}`; run `canopy collect --tables aws_iam_policy`)",
                set.name,
                set.unread.join(", "),
                report.account
            ));
        }
    }
    let allowed = report.allowed();
    let resource = args.resource.as_deref();
    let mut out = std::io::stdout().lock();
    match args.format {
        SummaryFormat::Json => output::json(
            &mut out,
            &json!({
                "principal": who.to_string(),
                "account": report.account.to_string(),
                "account_name": report.account_name,
                "action": args.action,
                "resource": resource.unwrap_or("*"),
                "allowed": allowed,
                "permission_sets": report.sets.iter().map(|s| json!({
                    "name": s.name,
                    "arn": s.arn,
                    "via": s.via,
                    "unread_policies": s.unread,
                    "simulation": super::policy::simulation_json(&s.simulation, &args.action, resource),
                })).collect::<Vec<_>>(),
            }),
        )?,
        SummaryFormat::Text => {
            if report.sets.is_empty() {
                writeln!(
                    out,
                    "{who} holds no permission set on {} ({}): they cannot sign in there",
                    report.account, report.account_name
                )?;
            }
            for s in &report.sets {
                writeln!(
                    out,
                    "== permission set {} (via {})",
                    s.name,
                    s.via.join(", ")
                )?;
                super::policy::write_simulation(&mut out, &s.simulation, &args.action, resource)?;
                writeln!(out)?;
            }
            let yes: Vec<&str> = report
                .sets
                .iter()
                .filter(|s| {
                    s.simulation.explanation.evaluation.decision == canopy_policy::Decision::Allowed
                })
                .map(|s| s.name.as_str())
                .collect();
            if allowed {
                writeln!(out, "answer: yes, with {}", yes.join(", "))?;
            } else {
                writeln!(out, "answer: no")?;
            }
        }
    }
    Ok(outcome)
}
