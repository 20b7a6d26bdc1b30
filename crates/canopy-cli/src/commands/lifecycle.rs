//! One account's lifecycle in its organization: `account move`, `tag`, `close`, `invite` and
//! `invitations`. Each reads AWS first, shows the change, asks (or needs `--yes`), and sends
//! nothing when nothing would change.

use anyhow::{Result, anyhow, bail};
use canopy_aws::{Closed, Invited};
use canopy_engine::accounts::batch as account_batch;
use canopy_engine::accounts::ops::{self as account_ops, ClosePlan, InvitePlan};

use super::{Ctx, Outcome};
use crate::args::{TableFormat, Yes};
use crate::output;

pub async fn move_account(ctx: &Ctx, account: &str, to: &str, yes: Yes) -> Result<Outcome> {
    let (snaps, outcome) = ctx.snapshots().await?;
    let named = account_ops::find_account(&snaps, account)?;
    let aws = ctx.aws(None).await;
    let admin = account_ops::admin_for(&aws, &ctx.settings.payers.role, &named).await?;
    let Some(plan) = account_ops::plan_move(&admin, &named, to).await? else {
        println!(
            "{} ({}) is in {} already; nothing to do",
            named.name, named.id, to
        );
        return Ok(outcome);
    };
    eprintln!(
        "move {} ({}) from {} ({}) to {} ({})",
        plan.name, plan.account, plan.from_path, plan.from, plan.to_path, plan.to
    );
    if !super::confirm(1, yes)? {
        ctx.printer.note("nothing was done");
        return Ok(outcome);
    }
    let stop = super::watch_writes(ctx.printer);
    account_ops::apply_move(&admin, &plan, &stop).await?;
    println!("moved {} ({}) to {}", plan.name, plan.account, plan.to_path);
    Ok(super::writes_ended(ctx.printer, &stop, outcome))
}

pub async fn tag_account(ctx: &Ctx, account: &str, tags: &[String], yes: Yes) -> Result<Outcome> {
    let wanted =
        account_batch::parse_tags(&tags.join(";")).map_err(|e| anyhow!("{e}; write KEY=VALUE"))?;
    let (snaps, outcome) = ctx.snapshots().await?;
    let named = account_ops::find_account(&snaps, account)?;
    let aws = ctx.aws(None).await;
    let admin = account_ops::admin_for(&aws, &ctx.settings.payers.role, &named).await?;
    let missing = account_ops::plan_tags(&admin, &named.id, &wanted).await?;
    let words = |t: &[(String, String)]| {
        t.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    if missing.is_empty() {
        println!(
            "{} ({}) has {} already; nothing to do",
            named.name,
            named.id,
            words(&wanted)
        );
        return Ok(outcome);
    }
    eprintln!("tag {} ({}) with {}", named.name, named.id, words(&missing));
    if !super::confirm(1, yes)? {
        ctx.printer.note("nothing was done");
        return Ok(outcome);
    }
    let stop = super::watch_writes(ctx.printer);
    account_ops::apply_tags(&admin, &named.id, &missing, &stop).await?;
    println!(
        "tagged {} ({}) with {}",
        named.name,
        named.id,
        words(&missing)
    );
    Ok(super::writes_ended(ctx.printer, &stop, outcome))
}

/// Words for a time, or `-`.
fn when(t: Option<time::OffsetDateTime>) -> String {
    t.map_or_else(|| "-".to_owned(), canopy_model::format_time)
}

pub async fn invite(
    ctx: &Ctx,
    targets: &[String],
    notes: Option<&str>,
    org: Option<&str>,
    yes: Yes,
) -> Result<Outcome> {
    for t in targets {
        let is_id = t.len() == 12 && t.bytes().all(|b| b.is_ascii_digit());
        if !is_id && !t.contains('@') {
            bail!(
                "`{t}` is neither a 12-digit account id nor an email address; give the account's id, or its root user's email"
            );
        }
    }
    let (snaps, outcome) = ctx.snapshots().await?;
    let snapshot = account_ops::one_org(&snaps, org)?;
    let aws = ctx.aws(None).await;
    let admin = account_ops::admin_of(&aws, &ctx.settings.payers.role, snapshot).await?;
    let plans = account_ops::plan_invites(&admin, targets).await?;
    let mut sends = 0;
    for (target, plan) in &plans {
        match plan {
            InvitePlan::Invite => {
                sends += 1;
                eprintln!("invite {target} to {}", snapshot.organization.id);
            }
            InvitePlan::Member(id) => {
                eprintln!("skip: {target} is account {id} of the organization")
            }
            InvitePlan::Open(i) => eprintln!(
                "skip: {target} has an open invitation ({}, expires {})",
                i.id,
                when(i.expires)
            ),
        }
    }
    if sends == 0 {
        ctx.printer.note("nothing to send");
        return Ok(outcome);
    }
    if !super::confirm(sends, yes)? {
        ctx.printer.note("nothing was done");
        return Ok(outcome);
    }
    let stop = super::watch_writes(ctx.printer);
    let mut failed = 0;
    for (target, sent) in account_ops::invite(&admin, &plans, notes, &stop).await {
        match sent {
            Ok(Invited::Sent(i)) => {
                println!("invited {target}: {} (expires {})", i.id, when(i.expires))
            }
            Ok(Invited::AlreadyInvited) => println!("{target}: an open invitation exists already"),
            Ok(Invited::AlreadyMember) => println!(
                "{target}: already a member of an organization; it must leave that one first"
            ),
            Err(e) => {
                failed += 1;
                ctx.printer.error(&format!("{target}: {e}"), None);
            }
        }
    }
    let outcome = outcome.and(Outcome::partial_if(failed > 0));
    Ok(super::writes_ended(ctx.printer, &stop, outcome))
}

pub async fn invitations(ctx: &Ctx, org: Option<&str>, format: TableFormat) -> Result<Outcome> {
    let (snaps, outcome) = ctx.snapshots().await?;
    let snapshot = account_ops::one_org(&snaps, org)?;
    let aws = ctx.aws(None).await;
    let admin = account_ops::admin_of(&aws, &ctx.settings.payers.role, snapshot).await?;
    let mut found = admin.invitations().await?;
    found.sort_by_key(|i| std::cmp::Reverse(i.requested));
    let mut out = std::io::stdout().lock();
    match format {
        TableFormat::Json => {
            let rows: Vec<serde_json::Value> = found
                .iter()
                .map(|i| {
                    serde_json::json!({
                        "id": i.id, "target": i.target, "target_type": i.target_type,
                        "state": i.state, "requested": i.requested.map(canopy_model::format_time),
                        "expires": i.expires.map(canopy_model::format_time), "notes": i.notes,
                    })
                })
                .collect();
            output::json(&mut out, &rows)?;
        }
        format => {
            let rows: Vec<Vec<String>> = found
                .iter()
                .map(|i| {
                    vec![
                        i.id.clone(),
                        i.target.clone(),
                        i.state.clone(),
                        when(i.requested),
                        when(i.expires),
                        i.notes.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            output::rows(
                &mut out,
                format,
                &[
                    "HANDSHAKE",
                    "TARGET",
                    "STATE",
                    "REQUESTED",
                    "EXPIRES",
                    "NOTES",
                ],
                &rows,
            )?;
        }
    }
    Ok(outcome)
}

pub async fn close(ctx: &Ctx, account: &str, confirm: &str, yes: Yes) -> Result<Outcome> {
    let (snaps, outcome) = ctx.snapshots().await?;
    let named = account_ops::find_account(&snaps, account)?;
    if confirm != account && confirm != named.id.as_str() {
        bail!(
            "--confirm `{confirm}` does not name the account to close; repeat it: --confirm {account}"
        );
    }
    let aws = ctx.aws(None).await;
    let admin = account_ops::admin_for(&aws, &ctx.settings.payers.role, &named).await?;
    if let ClosePlan::Already(state) = account_ops::plan_close(&admin, &named).await? {
        println!(
            "{} ({}) is {state} already; nothing to do",
            named.name, named.id
        );
        return Ok(outcome);
    }
    eprintln!(
        "close {} ({}) of {}: it goes to PENDING_CLOSURE, then SUSPENDED; AWS lets an organization close the higher of 250 or 20% of its member accounts (at most 1,000) in any 30 days, and a closed account counts toward the account quota until AWS removes it after 90 days (it can be reopened through AWS Support until then)",
        named.name, named.id, named.snapshot.organization.id
    );
    if !super::confirm(1, yes)? {
        ctx.printer.note("nothing was done");
        return Ok(outcome);
    }
    let stop = super::watch_writes(ctx.printer);
    match account_ops::close(&admin, &named.id, &stop).await? {
        Closed::Closing => println!("closing {} ({})", named.name, named.id),
        Closed::AlreadyClosed => println!("{} ({}) was closed already", named.name, named.id),
    }
    Ok(super::writes_ended(ctx.printer, &stop, outcome))
}
