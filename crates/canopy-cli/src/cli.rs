//! The command line, as clap sees it: raw flags only. `settings` merges them with the
//! environment and the settings file before anything runs.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

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
    Org(OrgCommand),
    /// Accounts of every synced organization
    #[command(subcommand)]
    Accounts(AccountsCommand),
    /// Generate AWS CLI profiles and Steampipe connections for every account
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Collect inventory from every active account and region into the store
    #[command(
        after_help = "Units of work are (account, region, table). Suspended and closed accounts are never attempted; regions not enabled in an account are skipped and counted. A failed unit keeps its earlier rows; exit code 1 when any unit failed.\n\nExamples:\n  canopy collect --role security-audit\n  canopy collect --tables aws_ec2_instance,aws_ec2_network_interface --regions eu-west-1,us-east-1\n  canopy collect --ou Sports --exclude-accounts 111122223333 --concurrency 64"
    )]
    Collect(CollectArgs),
    /// Run read-only SQL over the store (Steampipe's table and column names)
    #[command(
        after_help = "SQLite's SQL: `tags ->> 'Name'` reads a JSON field. Statements that would write are refused.\n\nExamples:\n  canopy query \"select instance_id, region, account_id, tags ->> 'Name' as name from aws_ec2_instance\"\n  canopy query \"select * from canopy_errors\" --format json"
    )]
    Query {
        /// One SQL statement
        sql: String,
        #[arg(long, value_enum, default_value_t = TableFormat::Table)]
        format: TableFormat,
    },
    /// The tables and views you can query, with their row counts
    Tables {
        #[arg(long, value_enum, default_value_t = TableFormat::Table)]
        format: TableFormat,
    },
    /// The columns of a table
    #[command(after_help = "Example:\n  canopy schema aws_ec2_network_interface")]
    Schema {
        table: String,
        #[arg(long, value_enum, default_value_t = TableFormat::Table)]
        format: TableFormat,
    },
    /// Canned reports over the collected inventory
    #[command(subcommand)]
    Report(ReportCommand),
    /// IAM credential reports for every active account
    #[command(subcommand)]
    Credreport(CredreportCommand),
    /// IAM policies and SCPs, evaluated offline
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Print shell completions
    #[command(
        after_help = "Example:\n  canopy completions bash > ~/.local/share/bash-completion/completions/canopy"
    )]
    Completions { shell: clap_complete::Shell },
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Discover every payer's organization (tree, accounts, tags, policies, delegations) and store it
    #[command(
        after_help = "Examples:\n  canopy org sync\n  canopy org sync --payer 111122223333 --payer 444455556666 --payer-role OrganizationAccountAccessRole\n  canopy org sync --format json"
    )]
    Sync {
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
        /// Organizations API requests in flight at once, per payer
        #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
        concurrency: u16,
    },
    /// Each organization's hierarchy with its accounts and their state
    #[command(
        after_help = "Examples:\n  canopy org tree\n  canopy org tree --format mermaid > org.mmd\n  canopy org tree --format dot | dot -Tsvg > org.svg"
    )]
    Tree {
        #[arg(long, value_enum, default_value_t = TreeFormat::Text)]
        format: TreeFormat,
        /// Only this organization
        #[arg(long, value_name = "ORG_ID")]
        org: Option<String>,
    },
    /// Remove an organization's stored snapshot (for a payer you no longer use)
    #[command(after_help = "Example:\n  canopy org forget o-a1b2c3d4e5")]
    Forget {
        #[arg(value_name = "ORG_ID")]
        org: String,
    },
}

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

#[derive(Debug, Args)]
pub struct CollectArgs {
    /// Tables to fill (comma-separated), or `all`
    #[arg(long, value_delimiter = ',', value_name = "TABLES|all")]
    pub tables: Vec<String>,
    /// Regions (comma-separated), or `all` enabled in each account [default: the settings
    /// file's `regions`, else all]
    #[arg(long, value_delimiter = ',', value_name = "REGIONS|all")]
    pub regions: Vec<String>,
    #[command(flatten)]
    pub scope: AccountScope,
    /// AWS requests in flight at once, across all accounts and regions
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: u16,
    /// The summary's format
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

/// Which accounts a fan-out command acts on, and the role it assumes there.
#[derive(Debug, Args)]
pub struct AccountScope {
    /// The role assumed in each account [default: the settings file's `role`, else
    /// OrganizationAccountAccessRole]
    #[arg(long, env = env::ROLE, value_name = "ROLE_NAME")]
    pub role: Option<String>,
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

#[derive(Debug, Subcommand)]
pub enum CredreportCommand {
    /// Generate, fetch and store every active account's IAM credential report
    #[command(
        after_help = "Reports are asked for in every account at once, then each is polled with backoff, so the run takes about as long as the slowest report. AWS returns a report younger than four hours as it is: each report's generation time is recorded.\n\nFiles: <out>/<YYYY-MM-DD>/<HHMMSSZ>/credential-report-<account>.csv and manifest.json, a new folder per run (UTC). In S3, objects are written with your current credentials, only if new, encrypted by the bucket's default encryption or --sse-kms-key.\n\nExamples:\n  canopy credreport collect --role security-audit --out ./reports\n  canopy credreport collect --out s3://audit-reports/credential-reports --sse-kms-key alias/audit --notify-sns arn:aws:sns:us-east-1:111122223333:audit\n  canopy credreport collect --ou Sports --max-polls 60 --format json"
    )]
    Collect(CredreportArgs),
}

#[derive(Debug, Args)]
pub struct CredreportArgs {
    #[command(flatten)]
    pub scope: AccountScope,
    /// Folder or s3://BUCKET/PREFIX for the CSV files and the manifest (without it, the reports go to the store only)
    #[arg(long, value_name = "DIR|s3://BUCKET/PREFIX")]
    pub out: Option<String>,
    /// With an s3:// --out: encrypt the objects with this KMS key (id, ARN or alias) instead of the bucket's default encryption
    #[arg(long, value_name = "KEY", requires = "out")]
    pub sse_kms_key: Option<String>,
    /// Publish one message (JSON) to this SNS topic when any account failed
    #[arg(long, value_name = "TOPIC_ARN")]
    pub notify_sns: Option<String>,
    /// Polls of each report's generation before giving up on it
    #[arg(long, default_value_t = 45, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub max_polls: u32,
    /// AWS requests in flight at once, across all accounts
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: u16,
    /// The summary's format
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Evaluate a file of cases: each request against its identity, resource and SCP policies
    #[command(
        after_help = "The case file is a JSON list of {\"name\", \"request\": {\"principal\", \"action\", \"resource\", \"resource_account\", \"context\"}, \"identity_policies\", \"resource_policy\", \"scp_levels\": [{\"node\", \"policies\"}], \"expected\"} (see the README). Output: one {\"name\", \"decision\", \"decided_by\", \"missing_context_keys\"} per case, in input order. Cases whose decision differs from their \"expected\" are listed on stderr and the exit code is 1.\n\nExamples:\n  canopy policy eval --cases cases.json\n  canopy policy eval --cases cases.json --format table"
    )]
    Eval {
        /// The case file (`-` reads standard input)
        #[arg(long, value_name = "FILE")]
        cases: PathBuf,
        #[arg(long, value_enum, default_value_t = EvalFormat::Json)]
        format: EvalFormat,
    },
    /// Would this request be allowed from this account, and why: its SCP path from the synced organization, level by level
    #[command(
        after_help = "Derived from the synced organizations: aws:PrincipalAccount, aws:PrincipalOrgID, aws:PrincipalOrgPaths, aws:PrincipalArn, and aws:ResourceAccount (plus aws:ResourceOrgID and aws:ResourceOrgPaths when the resource's account is in a synced organization); --context wins over them. SCPs are left out for the management account. Without --identity-policy the principal's identity policies are assumed to allow, so the answer is what the SCPs and the resource policy let through.\n\nExamples:\n  canopy policy simulate --account 111122223333 --action s3:PutObject --resource arn:aws:s3:::logs/x --resource-account 444455556666\n  canopy policy simulate --account 111122223333 --action ec2:RunInstances --context aws:RequestedRegion=us-east-1 --identity-policy admin.json"
    )]
    Simulate(SimulateArgs),
    /// The policies in force at each level of an account's path, root first
    #[command(after_help = "Example:\n  canopy policy effective 111122223333 --format json")]
    Effective {
        #[arg(value_name = "ACCOUNT_ID")]
        account: String,
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// A deny-outside-boundary policy for the synced tree (aws:ResourceOrgID, aws:ResourceOrgPaths, aws:ResourceAccount)
    #[command(
        after_help = "--scope organization: resources of the principal's own organization only (aws:ResourceOrgID against ${aws:PrincipalOrgID}). --scope ou:OU (repeatable; an id or a name path): resources in those OUs and the OUs below them (ForAllValues:StringNotLike on aws:ResourceOrgPaths). --scope account:ID (repeatable): resources of those accounts (aws:ResourceAccount). With --as resource: the principal-side keys instead (who may reach the resource). The policy denies only; attach it beside the policies that allow.\n\nExamples:\n  canopy policy boundary --scope organization --as scp > boundary-scp.json\n  canopy policy boundary --scope ou:Media --scope ou:Sports --actions s3:* --actions kms:*"
    )]
    Boundary {
        #[arg(
            long = "scope",
            required = true,
            value_name = "organization|ou:OU|account:ID"
        )]
        scopes: Vec<String>,
        /// The actions bounded (repeatable)
        #[arg(long = "actions", value_name = "ACTION", default_values_t = vec!["s3:*".to_owned()])]
        actions: Vec<String>,
        /// Where the policy goes
        #[arg(long = "as", value_enum, default_value_t = PolicyAs::Identity)]
        kind: PolicyAs,
    },
    /// Check policy documents: grammar, SCP limits, and conditions that rarely mean what they say
    #[command(
        after_help = "Errors (exit code 1): documents AWS would refuse or that cannot work as the given kind. Warnings, each with a JSON path and a fix: ForAllValues in an Allow, set operators on single-valued keys, single-valued operators on multivalued keys, Bool on aws:MultiFactorAuthPresent in a Deny, StringLike without a wildcard.\n\nExamples:\n  canopy policy lint scp/*.json --as scp\n  canopy policy lint bucket-policy.json --as resource --format json"
    )]
    Lint {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// How the documents are used
        #[arg(long = "as", value_enum, default_value_t = PolicyAs::Identity)]
        kind: PolicyAs,
        /// Exit code 1 on warnings too
        #[arg(long)]
        deny_warnings: bool,
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// The account the request is made from (its SCP path and organization keys are used)
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
    /// The action (`s3:GetObject`)
    #[arg(long)]
    pub action: String,
    /// The resource ARN (none: `*`)
    #[arg(long, value_name = "ARN")]
    pub resource: Option<String>,
    /// The account owning the resource (default: the ARN's account field)
    #[arg(long, value_name = "ID")]
    pub resource_account: Option<String>,
    /// Who asks (default: a role named canopy-simulated in the account)
    #[arg(long, value_name = "ARN")]
    pub principal: Option<String>,
    /// A request context key (repeat a key for a list); wins over the derived keys
    #[arg(long = "context", value_name = "KEY=VALUE")]
    pub context: Vec<String>,
    /// An identity-based policy of the principal (repeatable; none: assumed to allow everything)
    #[arg(long = "identity-policy", value_name = "FILE")]
    pub identity_policies: Vec<PathBuf>,
    /// The resource's resource-based policy
    #[arg(long, value_name = "FILE")]
    pub resource_policy: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PolicyAs {
    Identity,
    Resource,
    Scp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EvalFormat {
    Json,
    Table,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Every network interface with a public address: account, OU path, region, address, attachment
    PublicIps {
        #[arg(long, value_enum, default_value_t = TableFormat::Table)]
        format: TableFormat,
    },
    /// Every route to an internet gateway
    InternetRoutes {
        #[arg(long, value_enum, default_value_t = TableFormat::Table)]
        format: TableFormat,
    },
    /// Credential hygiene across the organization, from the stored IAM credential reports
    #[command(
        after_help = "Findings: root user with active access keys or without MFA; console users without MFA; active access keys older than --max-key-age; passwords or active keys unused for longer than --max-unused (never used counts from creation or rotation); users with two active keys.\n\nRun `canopy credreport collect` first.\n\nExample:\n  canopy report credentials --max-key-age 90 --max-unused 45 --format csv"
    )]
    Credentials {
        /// Active access keys older than this many days are findings
        #[arg(long, default_value_t = 90, value_name = "DAYS")]
        max_key_age: u32,
        /// Passwords and active keys unused for longer than this many days are findings
        #[arg(long, default_value_t = 90, value_name = "DAYS")]
        max_unused: u32,
        #[arg(long, value_enum, default_value_t = TableFormat::Table)]
        format: TableFormat,
    },
}

impl ReportCommand {
    /// The report's name, its parameters and the output format.
    pub fn parts(&self) -> (&'static str, Vec<(&'static str, i64)>, TableFormat) {
        match self {
            Self::PublicIps { format } => ("public-ips", vec![], *format),
            Self::InternetRoutes { format } => ("internet-routes", vec![], *format),
            Self::Credentials {
                max_key_age,
                max_unused,
                format,
            } => (
                "credentials",
                vec![
                    (":max_key_age", i64::from(*max_key_age)),
                    (":max_unused", i64::from(*max_unused)),
                ],
                *format,
            ),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Write one AWS CLI profile and one Steampipe connection per active account
    #[command(
        after_help = "canopy owns a marked block in each file; everything outside it is kept byte for byte.\n\nExamples:\n  canopy config generate --role security-audit --source-profile security\n  canopy config generate --role security-audit --credential-source Ec2InstanceMetadata --no-steampipe\n  canopy config generate --role audit --source-profile sso --name-template 'sp_{name}' --dry-run"
    )]
    Generate(GenerateArgs),
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The role each profile assumes in its account
    #[arg(long, env = env::ROLE, value_name = "ROLE_NAME")]
    pub role: Option<String>,
    /// Profile holding the credentials that assume the role
    #[arg(long, value_name = "NAME", conflicts_with = "credential_source")]
    pub source_profile: Option<String>,
    /// Built-in credential source instead of a source profile
    #[arg(long, value_enum, value_name = "SOURCE")]
    pub credential_source: Option<CredentialSourceArg>,
    /// role_session_name in each profile [default: canopy]
    #[arg(long, value_name = "NAME")]
    pub profile_session_name: Option<String>,
    /// AWS config file [default: $AWS_CONFIG_FILE or ~/.aws/config]
    #[arg(long, value_name = "PATH")]
    pub aws_config: Option<PathBuf>,
    /// Steampipe connections file [default: ~/.steampipe/config/aws.spc]
    #[arg(long, value_name = "PATH")]
    pub steampipe_config: Option<PathBuf>,
    /// Leave Steampipe's file alone
    #[arg(long)]
    pub no_steampipe: bool,
    /// Names: {name}, {id}, {org}, {ou}, {email}, {tag:KEY} [default: {name}]
    #[arg(long, value_name = "TEMPLATE")]
    pub name_template: Option<String>,
    /// Also write profiles for suspended or closed accounts
    #[arg(long)]
    pub include_suspended: bool,
    /// Print the diff of each file instead of writing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CredentialSourceArg {
    #[value(name = "Ec2InstanceMetadata")]
    Ec2InstanceMetadata,
    #[value(name = "EcsContainer")]
    EcsContainer,
    #[value(name = "Environment")]
    Environment,
}

impl CredentialSourceArg {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ec2InstanceMetadata => "Ec2InstanceMetadata",
            Self::EcsContainer => "EcsContainer",
            Self::Environment => "Environment",
        }
    }
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
