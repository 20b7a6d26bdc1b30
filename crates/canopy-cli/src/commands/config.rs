//! `canopy config generate`: one AWS CLI profile and one Steampipe connection per active account.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use canopy_engine::configgen::{self, GenerateOptions};
use canopy_render::configs::CredentialSource;
use canopy_render::naming::NameTemplate;
use clap::{Args, Subcommand, ValueEnum};

use super::{Ctx, Outcome};
use crate::env;
use crate::settings::DEFAULT_SESSION_NAME;

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

fn home() -> Result<PathBuf> {
    dirs::home_dir()
        .ok_or_else(|| anyhow!("cannot find the home folder; pass the file paths explicitly"))
}

async fn generate(ctx: &Ctx, args: GenerateArgs) -> Result<Outcome> {
    let file = &ctx.settings.file;
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
            .unwrap_or_else(|| DEFAULT_SESSION_NAME.to_owned()),
        aws_config,
        steampipe_config,
        template,
        include_suspended: args.include_suspended,
    };

    let (snaps, outcome) = ctx.snapshots().await?;
    let plan = configgen::plan(&snaps, &options)?;
    for w in &plan.warnings {
        ctx.printer.warn(w);
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
