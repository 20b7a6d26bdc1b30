//! `canopy accounts list`: the accounts of every synced organization.

use anyhow::{Result, anyhow};
use canopy_engine::select::{self, Selection};
use canopy_model::AccountState;
use clap::Subcommand;

use super::{Ctx, Outcome};
use crate::cli::TableFormat;
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
}

pub async fn exec(ctx: &Ctx, command: AccountsCommand) -> Result<Outcome> {
    let AccountsCommand::List {
        format,
        state,
        ou,
        tags,
        org,
    } = command;
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
