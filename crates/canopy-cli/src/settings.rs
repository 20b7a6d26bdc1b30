//! Settings in two stages: the raw flags (clap, which already falls back to `CANOPY_*`
//! variables), then one merge with the settings file, before any AWS call.
//! Precedence: flags > environment > file > built-in defaults. Every default is written once,
//! here, and every flag a command shares with the settings file (the member role, regions, the
//! config files' paths) is merged here too.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use canopy_aws::{HttpClients, RetryPolicy, RoleSpec};
use canopy_engine::configgen::GenerateOptions;
use canopy_engine::fanout::RegionChoice;
use canopy_render::configs::CredentialSource;
use canopy_render::naming::NameTemplate;

use crate::commands::config::GenerateArgs;
use canopy_engine::sync::{Payers, SyncOptions};
use canopy_model::{AccountId, Region};
use serde::Deserialize;

use crate::args::GlobalArgs;
use crate::env;

/// The role assumed in payer and member accounts when nothing says otherwise.
pub const DEFAULT_ROLE: &str = "OrganizationAccountAccessRole";
/// The session name of assumed roles.
pub const DEFAULT_SESSION_NAME: &str = "canopy";
/// How old stored organization data may be.
pub const DEFAULT_ORG_TTL: &str = "1h";
/// AWS requests in flight at once in a fan-out command.
pub const DEFAULT_CONCURRENCY: u16 = 32;
/// Organizations requests in flight at once per payer.
pub const DEFAULT_SYNC_CONCURRENCY: u16 = 8;

/// The settings file, as written by the user. Unknown keys are errors.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    pub db: Option<PathBuf>,
    #[serde(default)]
    pub payers: Vec<String>,
    pub payer_role: Option<String>,
    pub role: Option<String>,
    pub external_id: Option<String>,
    pub session_name: Option<String>,
    pub org_ttl: Option<String>,
    pub source_profile: Option<String>,
    pub credential_source: Option<String>,
    pub name_template: Option<String>,
    pub aws_config: Option<PathBuf>,
    pub steampipe_config: Option<PathBuf>,
    /// Regions `collect` works in when --regions is not given.
    pub regions: Option<Vec<String>>,
}

/// Everything a command needs, merged.
#[derive(Debug)]
pub struct Settings {
    pub file: FileSettings,
    pub db: PathBuf,
    pub payers: Payers,
    pub org_ttl: time::Duration,
    pub refresh: bool,
    pub retry: RetryPolicy,
    pub sync: SyncOptions,
    pub quiet: bool,
    pub http: HttpClients,
    /// `--snapshot`: the organizations `org export` wrote, used instead of the store's or a sync.
    pub snapshot: Option<String>,
}

fn default_config_path() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("canopy").join("config.toml"))
}

fn load_file(explicit: Option<&Path>) -> Result<FileSettings> {
    let (path, required) = match explicit {
        Some(p) => (p.to_owned(), true),
        None => match default_config_path() {
            Some(p) => (p, false),
            None => return Ok(FileSettings::default()),
        },
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
            return Ok(FileSettings::default());
        }
        Err(e) => bail!("cannot read the settings file `{}`: {e}", path.display()),
    };
    toml::from_str(&text).map_err(|e| {
        anyhow!(
            "invalid settings file `{}`: {}",
            path.display(),
            e.to_string().trim_end()
        )
    })
}

fn env_number(name: &str) -> Result<Option<u64>> {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .map(Some)
            .with_context(|| format!("`{name}` must be a whole number, not `{v}`")),
        Err(_) => Ok(None),
    }
}

fn parse_payers(raw: &[String], origin: &str) -> Result<Vec<AccountId>> {
    raw.iter()
        .map(|p| {
            p.parse::<AccountId>()
                .with_context(|| format!("invalid payer in {origin}"))
        })
        .collect()
}

impl Settings {
    pub fn load(global: &GlobalArgs) -> Result<Self> {
        let file = load_file(global.config.as_deref())?;
        let db = match global.db.clone().or_else(|| file.db.clone()) {
            Some(db) => db,
            None => dirs::data_dir()
                .map(|d| d.join("canopy").join("canopy.db"))
                .ok_or_else(|| {
                    anyhow!("cannot find a data folder for the store; pass --db PATH")
                })?,
        };
        let payers = if global.payers.is_empty() {
            parse_payers(&file.payers, "the settings file's `payers`")?
        } else {
            parse_payers(&global.payers, "--payer")?
        };
        let role = RoleSpec {
            name: global
                .payer_role
                .clone()
                .or_else(|| file.payer_role.clone())
                .unwrap_or_else(|| DEFAULT_ROLE.to_owned()),
            external_id: global
                .external_id
                .clone()
                .or_else(|| file.external_id.clone()),
            session_name: global
                .session_name
                .clone()
                .or_else(|| file.session_name.clone())
                .unwrap_or_else(|| DEFAULT_SESSION_NAME.to_owned()),
        };
        let ttl_text = global
            .org_ttl
            .clone()
            .or_else(|| file.org_ttl.clone())
            .unwrap_or_else(|| DEFAULT_ORG_TTL.to_owned());
        let ttl = humantime::parse_duration(&ttl_text)
            .with_context(|| format!("invalid org ttl `{ttl_text}` (try `1h` or `30m`)"))?;
        let mut retry = RetryPolicy::default();
        if let Some(n) = env_number(env::RETRY_MAX_ATTEMPTS)? {
            retry.max_attempts = n.clamp(1, 100) as u32;
        }
        if let Some(ms) = env_number(env::RETRY_BASE_DELAY_MS)? {
            retry.base_delay = Duration::from_millis(ms);
            retry.max_delay = retry.max_delay.max(retry.base_delay);
        }
        let paced = std::env::var(env::PACING).map_or(true, |v| v.trim() != "0");
        let http = match std::env::var(env::HTTP_POOL).as_deref().map(str::trim) {
            Ok("per-client") => HttpClients::PerClient,
            Ok("" | "shared") | Err(_) => HttpClients::Shared,
            Ok(other) => bail!(
                "`{}` must be `shared` or `per-client`, not `{other}`",
                env::HTTP_POOL
            ),
        };
        Ok(Self {
            db,
            payers: Payers {
                accounts: payers,
                role,
            },
            org_ttl: time::Duration::try_from(ttl).unwrap_or(time::Duration::HOUR),
            refresh: global.refresh,
            retry,
            sync: SyncOptions {
                concurrency: usize::from(DEFAULT_SYNC_CONCURRENCY),
                paced,
            },
            quiet: global.quiet,
            http,
            snapshot: global.snapshot.clone().filter(|s| !s.trim().is_empty()),
            file,
        })
    }
}

impl Settings {
    /// The role assumed in member accounts: the flag (or `CANOPY_ROLE`), the settings file's
    /// `role`, else the default; with the payers' external id and session name.
    pub fn member_role(&self, flag: Option<&str>) -> RoleSpec {
        RoleSpec {
            name: flag
                .map(str::to_owned)
                .or_else(|| self.file.role.clone())
                .unwrap_or_else(|| DEFAULT_ROLE.to_owned()),
            ..self.payers.role.clone()
        }
    }

    /// `--regions`, else the settings file's `regions`, else every enabled region.
    pub fn regions(&self, flag: &[String]) -> Result<RegionChoice> {
        let given: Vec<String> = if flag.is_empty() {
            self.file.regions.clone().unwrap_or_default()
        } else {
            flag.to_vec()
        };
        let given: Vec<String> = given
            .iter()
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty())
            .collect();
        if given.is_empty() || given.iter().any(|r| r.eq_ignore_ascii_case("all")) {
            return Ok(RegionChoice::All);
        }
        let mut unique = given
            .iter()
            .map(|r| {
                r.parse::<Region>()
                    .map_err(|e| anyhow!("{e}; give a list or `all`"))
            })
            .collect::<Result<Vec<_>>>()?;
        unique.sort();
        unique.dedup();
        Ok(RegionChoice::List(unique))
    }
}

impl Settings {
    /// `config generate`'s options: its flags, else the settings file, else the defaults
    /// (`AWS_CONFIG_FILE` or `~/.aws/config`, `~/.steampipe/config/aws.spc`, `{name}`).
    pub fn generate_options(&self, args: GenerateArgs) -> Result<GenerateOptions> {
        let file = &self.file;
        let role = args.role.or_else(|| file.role.clone()).ok_or_else(|| {
            anyhow!(
                "--role is required: the role each profile assumes (e.g. `--role security-audit`)"
            )
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
        Ok(options)
    }
}

fn home() -> Result<PathBuf> {
    dirs::home_dir()
        .ok_or_else(|| anyhow!("cannot find the home folder; pass the file paths explicitly"))
}

/// Account ids given to `flag` (comma-separated, blanks ignored).
pub fn account_ids(raw: &[String], flag: &str) -> Result<Vec<AccountId>> {
    raw.iter()
        .map(|a| a.trim())
        .filter(|a| !a.is_empty())
        .map(|a| a.parse::<AccountId>().map_err(|e| anyhow!("{flag}: {e}")))
        .collect()
}
