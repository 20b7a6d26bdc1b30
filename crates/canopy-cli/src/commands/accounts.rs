//! `canopy accounts list`: the accounts of every synced organization; `plan` and `apply`:
//! batch account creation (in `batch.rs`).

use anyhow::{Result, anyhow};
use canopy_engine::select::{self, Selection};
use canopy_model::AccountState;
use clap::Subcommand;

use super::{Ctx, Outcome};
use crate::args::{TableFormat, Yes};
use crate::output;

#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// List accounts (the management accounts included)
    #[command(
        after_help = "Examples:\n  canopy accounts list\n  canopy accounts list --state SUSPENDED\n  canopy accounts list --ou Sports --tag env=prod --format csv\n  canopy accounts list --format json | jq -r '.[].id'"
    )]
    List {
        #[arg(long, value_enum, default_value_t = TableFormat::Table)]
        format: TableFormat,
        /// Only accounts in this state (ACTIVE, SUSPENDED, PENDING_CLOSURE, ...)
        #[arg(long, value_name = "STATE")]
        state: Option<String>,
        /// Only accounts in or below this OU: an id (ou-..., r-...) or a name path (Sports/Baseball)
        #[arg(long, value_name = "OU")]
        ou: Option<String>,
        /// Only accounts with this tag (repeatable: all must match)
        #[arg(long = "tag", value_name = "KEY=VALUE")]
        tags: Vec<String>,
        /// Only this organization
        #[arg(long, value_name = "ORG_ID")]
        org: Option<String>,
    },
    /// What applying a batch file would do, row by row (reads only)
    #[command(
        after_help = "Each row's key is its account email (case-insensitive): an email the organization has is adopted, never created again. Actions: create, adopt, skip: done, move, tag, create-user, assign, skip: assigned. Any row that cannot be done as written: exit 2, every such row named with its line and the fix.\n\nExamples:\n  canopy account plan accounts.csv\n  canopy account plan accounts.csv --sso-group Admins --permission-set ReadOnlyAccess --format json"
    )]
    Plan(super::batch::BatchArgs),
    /// Create, adopt, move and tag a batch file's accounts and make their Identity Center
    /// assignments; resumable
    #[command(
        after_help = "The plan is shown first; --yes is needed when stdin is not a terminal. At most 5 creations in flight; each write is recorded in the journal before it is sent, so a run killed at any point and run again never creates an account twice. The file is written back with Status, AccountId and ErrorMsg filled. Exit 1 when some row failed (the others are done).\n\nExamples:\n  canopy account apply accounts.csv\n  canopy account apply accounts.csv --yes --results done.csv"
    )]
    Apply(super::batch::ApplyArgs),
    /// Move an account (id or exact name) to an OU
    #[command(
        after_help = "Reads where the account is first; nothing is sent when it is there already. Shows the move and needs --yes when stdin is not a terminal.\n\nExample:\n  canopy account move baseball-dev --to Sports/Baseball --yes"
    )]
    Move {
        #[arg(value_name = "ACCOUNT")]
        account: String,
        /// The OU: an id or a name path (Sports/Baseball)
        #[arg(long, value_name = "OU")]
        to: String,
        #[command(flatten)]
        yes: Yes,
    },
    /// Have one role, trusting one account, in every selected account (created or corrected
    /// through OrganizationAccountAccessRole)
    #[command(
        after_help = "Each account's role is read first (GetRole, ListAttachedRolePolicies) and only what differs is changed: a missing role is created, a different trust policy replaced, missing policies attached (others are left alone). Suspended and closed accounts are skipped. The management account is reached with your own credentials.\n\nExamples:\n  canopy account bootstrap-role --role security-audit --trust 999988887777\n  canopy account bootstrap-role --role security-audit --trust 999988887777 --ou Sports --policy arn:aws:iam::aws:policy/SecurityAudit --yes"
    )]
    BootstrapRole(super::bootstrap::BootstrapArgs),
    /// Invite accounts (12-digit ids or root user emails) to an organization
    #[command(
        after_help = "Accounts already in the organization, and targets with an open invitation, are skipped. Invitations expire after 15 days; see them with `canopy account invitations`. Invited accounts get no OrganizationAccountAccessRole.\n\nExample:\n  canopy account invite 111122223333 owner@example.com --notes 'Welcome to AnyCompany' --yes"
    )]
    Invite {
        #[arg(required = true, value_name = "ACCOUNT_ID|EMAIL")]
        targets: Vec<String>,
        /// A note the invited account sees
        #[arg(long, value_name = "TEXT")]
        notes: Option<String>,
        /// The organization (its id or management account id) when several are synced
        #[arg(long, value_name = "ORG_ID")]
        org: Option<String>,
        #[command(flatten)]
        yes: Yes,
    },
    /// The organization's invitations and their state (open, accepted, declined, expired)
    Invitations {
        /// The organization (its id or management account id) when several are synced
        #[arg(long, value_name = "ORG_ID")]
        org: Option<String>,
        #[arg(long, value_enum, default_value_t = TableFormat::Table)]
        format: TableFormat,
    },
    /// Close a member account (id or exact name); never the management account
    #[command(
        after_help = "--confirm must repeat the account. The account goes to PENDING_CLOSURE, then SUSPENDED; AWS limits closures to the higher of 250 or 20% of the member accounts in any 30 days.\n\nExample:\n  canopy account close old-sandbox --confirm old-sandbox --yes"
    )]
    Close {
        #[arg(value_name = "ACCOUNT")]
        account: String,
        /// The account again, to confirm
        #[arg(long, value_name = "ACCOUNT", required = true)]
        confirm: String,
        #[command(flatten)]
        yes: Yes,
    },
    /// Set tags on an account (id or exact name); its other tags are kept
    #[command(
        after_help = "Only the tags it lacks, or has with another value, are sent.\n\nExample:\n  canopy account tag baseball-dev env=dev cost-center=1234 --yes"
    )]
    Tag {
        #[arg(value_name = "ACCOUNT")]
        account: String,
        #[arg(required = true, value_name = "KEY=VALUE")]
        tags: Vec<String>,
        #[command(flatten)]
        yes: Yes,
    },
}

pub async fn exec(ctx: &Ctx, command: AccountsCommand) -> Result<Outcome> {
    let (format, state, ou, tags, org) = match command {
        AccountsCommand::List {
            format,
            state,
            ou,
            tags,
            org,
        } => (format, state, ou, tags, org),
        AccountsCommand::Plan(args) => return super::batch::plan(ctx, args).await,
        AccountsCommand::Apply(args) => return super::batch::apply(ctx, args).await,
        AccountsCommand::Move { account, to, yes } => {
            return super::lifecycle::move_account(ctx, &account, &to, yes).await;
        }
        AccountsCommand::BootstrapRole(args) => return super::bootstrap::exec(ctx, args).await,
        AccountsCommand::Invite {
            targets,
            notes,
            org,
            yes,
        } => {
            return super::lifecycle::invite(ctx, &targets, notes.as_deref(), org.as_deref(), yes)
                .await;
        }
        AccountsCommand::Invitations { org, format } => {
            return super::lifecycle::invitations(ctx, org.as_deref(), format).await;
        }
        AccountsCommand::Close {
            account,
            confirm,
            yes,
        } => return super::lifecycle::close(ctx, &account, &confirm, yes).await,
        AccountsCommand::Tag { account, tags, yes } => {
            return super::lifecycle::tag_account(ctx, &account, &tags, yes).await;
        }
    };
    let wanted_tags: Vec<(String, String)> = tags
        .iter()
        .map(|t| {
            t.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or_else(|| anyhow!("--tag `{t}` must be KEY=VALUE"))
        })
        .collect::<Result<_>>()?;
    let state = state.map(|s| AccountState::from(s.trim().to_owned()));
    let (snaps, outcome) = ctx.snapshots().await?;
    let snaps = super::org::filter_org(snaps, org.as_deref())?;
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
