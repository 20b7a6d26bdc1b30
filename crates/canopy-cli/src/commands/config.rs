//! `canopy config generate`: one AWS CLI profile and one Steampipe connection per active account.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use canopy_engine::configgen;
use clap::{Args, Subcommand, ValueEnum};

use super::{Ctx, Outcome};
use crate::env;

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

pub async fn exec(ctx: &Ctx, command: ConfigCommand) -> Result<Outcome> {
    match command {
        ConfigCommand::Generate(args) => generate(ctx, args).await,
    }
}

async fn generate(ctx: &Ctx, args: GenerateArgs) -> Result<Outcome> {
    let dry_run = args.dry_run;
    let options = ctx.settings.generate_options(args)?;
    let (snaps, outcome) = ctx.snapshots().await?;
    let plan = configgen::plan(&snaps, &options)?;
    for w in &plan.warnings {
        ctx.printer.warn(w);
    }
    if dry_run {
        let mut out = std::io::stdout().lock();
        for f in &plan.files {
            let label = f.path.display().to_string();
            write!(
                out,
                "{}",
                canopy_render::unified_diff(f.old.as_deref().unwrap_or(""), &f.new, &label)
            )?;
        }
        ctx.printer.note("dry run: nothing written");
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
        ctx.printer.note(&format!(
            "{}: {} {what}, {status}",
            f.path.display(),
            f.entries
        ));
    }
    Ok(outcome)
}
