//! The command line, as clap sees it: raw flags only, the global ones and the formats and account
//! scope several families share; each family's own arguments live in its module under
//! `commands/`. `settings` merges them with the environment and the settings file before anything
//! runs.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::commands::{
    access, accounts, collect, config, credreport, exec, findings, lake, org, policy, query,
};
use crate::env;

#[derive(Debug, Parser)]
#[command(
    name = "canopy",
    version,
    about = "See and act across every account and region of your AWS Organizations",
    after_help = "Exit codes: 0 success, 1 partial failure (some payer or account failed), 2 error.\n\nExamples:\n  canopy org sync --payer 111122223333 --payer 444455556666 --payer-role OrganizationAccountAccessRole\n  canopy accounts list --state ACTIVE --format json\n  canopy config generate --role security-audit --source-profile security --dry-run"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

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

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Organizations: sync, show, forget
    #[command(subcommand)]
    Org(org::OrgCommand),
    /// Accounts of every synced organization; batch creation from CSV
    #[command(subcommand, visible_alias = "account")]
    Accounts(accounts::AccountsCommand),
    /// Identity Center access: the whole matrix (sync, who, what, drift); assign or revoke a permission set over many accounts
    #[command(subcommand)]
    Access(access::AccessCommand),
    /// Generate AWS CLI profiles and Steampipe connections for every account
    #[command(subcommand)]
    Config(config::ConfigCommand),
    /// Collect inventory from every active account and region into the store
    #[command(
        after_help = "Units of work are (account, region, table). Suspended and closed accounts are never attempted; regions not enabled in an account are skipped and counted. A failed unit keeps its earlier rows; exit code 1 when any unit failed.\n\nExamples:\n  canopy collect --role security-audit\n  canopy collect --tables aws_ec2_instance,aws_ec2_network_interface --regions eu-west-1,us-east-1\n  canopy collect --tables 'aws_vpc_*' --format json\n  canopy collect --ou Sports --exclude-accounts 111122223333 --concurrency 64"
    )]
    Collect(collect::CollectArgs),
    /// Run read-only SQL over the store (Steampipe's table and column names)
    #[command(
        after_help = "SQLite's SQL, or the PostgreSQL Steampipe users write (translated; `->>` gives text, as in PostgreSQL): `tags ->> 'Name'` reads a JSON field. Statements that would write are refused.\n\nExamples:\n  canopy query \"select instance_id, region, account_id, tags ->> 'Name' as name from aws_ec2_instance\"\n  canopy query \"select * from canopy_errors\" --format json"
    )]
    Query(query::QueryArgs),
    /// The tables and views you can query, with their row counts
    Tables(query::FormatArgs),
    /// The columns of a table; with --ddl, the statements that make exported Parquet queryable in Athena, Trino or DuckDB
    #[command(
        after_help = "Examples:\n  canopy schema aws_ec2_network_interface\n  canopy schema --ddl athena --location s3://lake/canopy > tables.sql\n  canopy schema --ddl duckdb --location ./export aws_vpc | duckdb estate.duckdb"
    )]
    Schema(query::SchemaArgs),
    /// Export the store's tables as Parquet (zstd) to a folder or s3://, one file per table and shard, a manifest last
    #[command(
        after_help = "Layout: <out>/<table>/dt=<YYYY-MM-DD>/run=<run id>/shard-<i>-of-<N>.parquet, rows sorted by account and region; JSON columns as JSON text, timestamps as UTC timestamps. Each shard writes _canopy/dt=.../run=.../shard-<i>-of-<N>.json last (tables, rows, errors): a run is complete when all N are there. Shard 1 also writes the organization tables and snapshots. S3 objects are only ever new.\n\nExamples:\n  canopy export --out ./export\n  canopy export --out s3://lake/canopy --tables 'aws_ec2_*' --snapshot s3://lake/org.json --shard 2/8"
    )]
    Export(lake::ExportArgs),
    /// Load exported Parquet (every shard of one run) into the store, so queries and reports see the merged estate
    #[command(
        after_help = "The newest complete run, or --run. In one transaction: the organization snapshots, each exported table replaced by the union of the shards' rows, their runs and errors added. A run missing a shard's manifest is refused.\n\nExamples:\n  canopy import ./export --db merged.db\n  canopy import s3://lake/canopy --run 20261128T093000Z"
    )]
    Import(lake::ImportArgs),
    /// Canned reports over the collected inventory
    #[command(subcommand)]
    Report(query::ReportCommand),
    /// IAM credential reports for every active account
    #[command(subcommand)]
    Credreport(credreport::CredreportCommand),
    /// IAM policies and SCPs, evaluated offline
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
    /// Security Hub findings: enrich them with account metadata
    #[command(subcommand)]
    Findings(findings::FindingsCommand),
    /// Run a command in every selected active account and region, with its credentials
    #[command(
        after_help = "One child per (account, enabled region), or per account with --global. The role is assumed once per account; the child gets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION, AWS_REGION, AWS_DEFAULT_REGION (AWS_PROFILE removed) and CANOPY_ACCOUNT_ID, CANOPY_ACCOUNT_NAME, CANOPY_OU_PATH, CANOPY_PARTITION, CANOPY_REGION. No shell unless --shell. One JSON line per child on stdout as it ends; the same rows in the table canopy_exec_results. Exit 0 when all succeeded, 1 when some failed, timed out or were skipped, 2 when nothing could start.\n\nExamples:\n  canopy exec --regions us-east-1,eu-west-1 -- aws sts get-caller-identity\n  canopy exec --ou Sports --global --out results -- aws iam list-roles\n  canopy exec --regions all --timeout 5m --max-failures 10% --shell -- 'aws ec2 describe-vpcs > vpcs-{account_id}-{region}.json'"
    )]
    Exec(exec::ExecArgs),
    /// Print shell completions
    #[command(
        after_help = "Example:\n  canopy completions bash > ~/.local/share/bash-completion/completions/canopy"
    )]
    Completions { shell: clap_complete::Shell },
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
