//! The arguments several command families share: the global flags, the account scope and
//! selection, `--yes`, and the output formats. `cli` (the command line as a whole) and each
//! family's module under `commands/` use them; they use nothing of either.

use std::path::PathBuf;

use anyhow::{Result, anyhow, bail};
use canopy_aws::PrincipalKind;
use canopy_engine::access::Principal;
use clap::{Args, ValueEnum};

use crate::env;

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Settings file (TOML) [default: the user's config folder, canopy/config.toml]
    #[arg(long, global = true, env = env::CONFIG, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// The store (SQLite) [default: the user's data folder, canopy/canopy.db]
    #[arg(long, global = true, env = env::DB, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// A management or delegated-administrator account to read an organization through
    /// (repeatable); without it, the current credentials' organization
    #[arg(long = "payer", global = true, env = env::PAYERS, value_delimiter = ',', value_name = "ACCOUNT_ID")]
    pub payers: Vec<String>,
    /// Role assumed in each payer account [default: OrganizationAccountAccessRole]
    #[arg(long, global = true, env = env::PAYER_ROLE, value_name = "ROLE_NAME")]
    pub payer_role: Option<String>,
    /// External id passed when assuming roles
    #[arg(long, global = true, env = env::EXTERNAL_ID, value_name = "ID", hide_env_values = true)]
    pub external_id: Option<String>,
    /// Session name for assumed roles [default: canopy]
    #[arg(long, global = true, env = env::SESSION_NAME, value_name = "NAME")]
    pub session_name: Option<String>,
    /// How old stored organization data may be before commands sync it again [default: 1h]
    #[arg(long, global = true, env = env::ORG_TTL, value_name = "DURATION")]
    pub org_ttl: Option<String>,
    /// Sync organizations before running, however fresh the stored data is
    #[arg(long, global = true)]
    pub refresh: bool,
    /// Use the organizations `canopy org export` wrote (a file or s3://BUCKET/KEY) instead of
    /// syncing: N sharded workers share one sync
    #[arg(long, global = true, env = env::SNAPSHOT, value_name = "FILE|s3://BUCKET/KEY", conflicts_with = "refresh")]
    pub snapshot: Option<String>,
    /// More log output on stderr (-v info, -vv debug); CANOPY_LOG takes a tracing filter
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// No progress display
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

/// Which accounts a fan-out command acts on, and the role it assumes there.
#[derive(Debug, Args)]
pub struct AccountScope {
    /// The role assumed in each account [default: the settings file's `role`, else
    /// OrganizationAccountAccessRole]
    #[arg(long, env = env::ROLE, value_name = "ROLE_NAME")]
    pub role: Option<String>,
    #[command(flatten)]
    pub select: AccountSelection,
}

/// Consent to a writing command's changes.
#[derive(Debug, Clone, Copy, Args)]
pub struct Yes {
    /// Make the changes shown without asking (needed when stdin is not a terminal)
    #[arg(long)]
    pub yes: bool,
}

/// Which accounts: `--accounts`, `--ou`, `--exclude-accounts`.
#[derive(Debug, Clone, Args)]
pub struct AccountSelection {
    /// Only these accounts (comma-separated ids)
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub accounts: Vec<String>,
    /// Only accounts in or below this OU: an id or a name path (Sports/Baseball)
    #[arg(long, value_name = "OU")]
    pub ou: Option<String>,
    /// Leave these accounts out (comma-separated ids)
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub exclude_accounts: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TreeFormat {
    Text,
    Json,
    Mermaid,
    Dot,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SummaryFormat {
    Text,
    Json,
}

/// `--principal user:NAME` or `group:NAME`.
pub fn principal(text: &str) -> Result<Principal> {
    let (kind, name) = text
        .split_once(':')
        .ok_or_else(|| anyhow!("--principal `{text}`: write user:NAME or group:NAME"))?;
    let kind = match kind {
        "user" => PrincipalKind::User,
        "group" => PrincipalKind::Group,
        _ => bail!("--principal `{text}`: write user:NAME or group:NAME"),
    };
    if name.trim().is_empty() {
        bail!("--principal `{text}`: the name is empty");
    }
    Ok(Principal {
        kind,
        name: name.trim().to_owned(),
    })
}
