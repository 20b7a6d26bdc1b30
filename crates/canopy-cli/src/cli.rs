//! The command line, as clap sees it, and the one place that dispatches it: the global flags
//! and the arguments several families share are in `args`, each family's own arguments in its
//! module under `commands/`. `settings` merges them with the environment and the settings file
//! before anything runs. Dependencies run one way: `cli` -> `commands` -> `args`.

use anyhow::Result;
use clap::{CommandFactory, Parser, Subcommand};

use crate::args::GlobalArgs;
use crate::commands::{
    Ctx, Outcome, access, accounts, collect, config, credreport, exec, findings, lake, org, policy,
    query,
};
use crate::settings::Settings;

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

/// Runs the command the line names, with the settings merged.
pub async fn run(cli: Cli) -> Result<Outcome> {
    if let Command::Completions { shell } = cli.command {
        let mut cmd = Cli::command();
        clap_complete::generate(shell, &mut cmd, "canopy", &mut std::io::stdout());
        return Ok(Outcome::Success);
    }
    let settings = Settings::load(&cli.global)?;
    let ctx = Ctx::new(settings);
    match cli.command {
        Command::Org(command) => org::exec(&ctx, command).await,
        Command::Accounts(command) => accounts::exec(&ctx, command).await,
        Command::Access(command) => access::exec(&ctx, command).await,
        Command::Config(command) => config::exec(&ctx, command).await,
        Command::Collect(args) => collect::exec(&ctx, args).await,
        Command::Query(args) => query::query(&ctx, args),
        Command::Tables(args) => query::tables(&ctx, args),
        Command::Schema(args) => query::schema(&ctx, args),
        Command::Export(args) => lake::export(&ctx, args).await,
        Command::Import(args) => lake::import(&ctx, args).await,
        Command::Report(command) => query::report(&ctx, command),
        Command::Credreport(command) => credreport::exec(&ctx, command).await,
        Command::Policy(command) => policy::exec(&ctx, command).await,
        Command::Findings(command) => findings::exec(&ctx, command).await,
        Command::Exec(args) => exec::exec(&ctx, args).await,
        Command::Completions { .. } => Ok(Outcome::Success),
    }
}
