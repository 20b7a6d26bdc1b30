//! canopy's operations: each combines AWS access, the store and the renderers into one job a
//! command runs (sync the payers' organizations, decide whether stored data is fresh enough,
//! select accounts, fan out collection across accounts and regions, generate the users' config
//! files).
//!
//! Operations report progress through traits the CLI implements, collect per-payer failures
//! instead of aborting, and never print.

pub mod access;
pub mod accounts;
pub mod configgen;
pub mod destination;
pub mod exec;
pub mod fanout;
pub mod findings;
pub mod inventory;
pub mod lake;
pub mod policy;
pub mod select;
pub mod sync;

use std::path::{Path, PathBuf};

use canopy_store::Store;

/// Opens the store with every inventory table canopy fills (their definitions live beside their
/// collectors): the one way front ends open it.
pub fn open_store(path: &Path) -> Result<Store, EngineError> {
    Ok(Store::open(path, tables())?)
}

/// Every table canopy fills: the inventory's (declared beside their collectors) and the ones the
/// engine computes from what is stored.
pub fn tables() -> &'static [&'static canopy_model::table::TableDef] {
    static TABLES: std::sync::OnceLock<Vec<&'static canopy_model::table::TableDef>> =
        std::sync::OnceLock::new();
    TABLES.get_or_init(|| {
        canopy_aws::tables()
            .iter()
            .copied()
            .chain([&access::external::EXTERNAL_ACCESS, &exec::run::EXEC_RESULTS])
            .collect()
    })
}

/// What the user can do about an engine error or a batch row's problem, where it takes one of
/// the front end's options: the library names the case, the front end words it with its flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    /// Say which account the request is made in.
    NameAccount,
    /// Give the region of the Identity Center instance.
    SsoRegion,
    /// Say which of the synced organizations.
    NameOrganization,
    /// Sync the organizations again before reading them.
    Refresh,
    /// Export under another run id.
    OtherRunId,
    /// Export a run there first.
    ExportFirst,
    /// Give the permission set of the rows that name none.
    PermissionSet,
}

/// Where an OU was looked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OuWithin {
    /// One organization (its id).
    Organization(String),
    /// Every synced organization.
    Synced,
    /// An account selection's OU, matched in every synced organization.
    Selection,
}

/// What an operation can fail with as a whole (per-payer failures are in the reports instead).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] canopy_store::StoreError),
    #[error(transparent)]
    Render(#[from] canopy_render::RenderError),
    #[error(transparent)]
    Aws(#[from] canopy_aws::AwsError),
    #[error(transparent)]
    Lake(#[from] canopy_lake::LakeError),
    /// No OU is `ou` (an id or a name path) where it was looked for.
    #[error("{}", match within {
        OuWithin::Organization(org) => format!("no OU `{ou}` in organization `{org}`; see `canopy org tree`"),
        OuWithin::Synced => format!("no OU `{ou}` in the synced organizations; see `canopy org tree`"),
        OuWithin::Selection => format!("no OU matches `{ou}`; give an id (ou-...) or a name path such as `Sports/Baseball` (see `canopy org tree`)"),
    })]
    NoSuchOu { ou: String, within: OuWithin },
    #[error("`{ou}` names {} OUs ({}); give the OU's id", ids.len(), ids.join(", "))]
    AmbiguousOu { ou: String, ids: Vec<String> },
    /// No synced account has this id or name.
    #[error("no synced account `{0}`; see `canopy accounts list`")]
    NoSuchAccount(String),
    #[error("`{name}` names {} accounts ({}); give the account id", ids.len(), ids.join(", "))]
    AmbiguousAccount { name: String, ids: Vec<String> },
    #[error("no synced organization `{0}`; see `canopy org show`")]
    NoSuchOrganization(String),
    #[error("no organization is synced; run `canopy org sync`")]
    NothingSynced,
    #[error(
        "no permission set `{name}` in organization `{org}`'s Identity Center (names are case-sensitive)"
    )]
    NoPermissionSet { name: String, org: String },
    #[error("no {principal} in organization `{org}`'s Identity Center")]
    NoPrincipal { principal: String, org: String },
    /// `account` is "name (id)".
    #[error(
        "{account} is the management account of `{org}`: it cannot be closed as a member; close the organization's other accounts and delete the organization first"
    )]
    CloseManagement { account: String, org: String },
    #[error("{account} is no longer in organization `{org}`")]
    LeftOrganization { account: String, org: String },
    /// A table name that matches none; `known` lists the choices when they are few enough to say.
    #[error("{}", if known.is_empty() {
        format!("no table matches `{name}`; see `canopy tables`")
    } else {
        format!("unknown table `{name}`; known: {}, a prefix such as `aws_vpc_*`, or `all`", known.join(", "))
    })]
    UnknownTable {
        name: String,
        known: Vec<&'static str>,
    },
    #[error(transparent)]
    Destination(#[from] crate::destination::DestinationError),
    /// Where one file goes names something else (`what`: "a folder, not a file", ...).
    #[error("`{at}` names {what}")]
    NotAFile { at: String, what: &'static str },
    #[error("{at}: too many runs in the same second")]
    RunsTooFast { at: String },
    #[error("no manifest of run `{run}` under `{root}`; runs there: {runs}")]
    NoSuchRun {
        run: String,
        root: String,
        runs: String,
    },
    #[error("run `{run}` mixes shard counts ({}); each worker of a run must be given the same N", shards.join(", "))]
    MixedShards { run: String, shards: Vec<String> },
    #[error(
        "run `{run}` is not complete: shard(s) {} have no manifest yet (still running, or failed); import it when every shard is done",
        missing.join(", ")
    )]
    IncompleteRun { run: String, missing: Vec<String> },
    #[error("SCP `{name}` ({id}) cannot be read: {why}")]
    UnreadableScp {
        name: String,
        id: String,
        why: String,
    },
    #[error("the principal `{principal}` is not in account `{account}`")]
    PrincipalElsewhere {
        principal: String,
        account: canopy_model::AccountId,
    },
    /// A refusal whose fix takes one of the front end's options ([`Hint`]).
    #[error("{message}")]
    Refused { message: String, hint: Hint },
    #[error("no active account is selected; see `canopy accounts list`")]
    NoActiveAccount,
    #[error(
        "account `{0}` is not in any synced organization; check the id, or sync the organization that holds it"
    )]
    UnknownAccount(canopy_model::AccountId),
    #[error("{}", match principal {
        Some(p) => format!("the principal `{p}` names no account"),
        None => "no account to simulate from: name the account, or a principal ARN in it".to_owned(),
    })]
    NoAccount { principal: Option<String> },
    #[error("no organization is stored in `{}`; run `canopy org sync` first", store.display())]
    NoOrganization { store: PathBuf },
    #[error("internal error: {0}")]
    Internal(String),
    #[error(transparent)]
    Interrupted(#[from] canopy_model::Interrupted),
    #[error("`{}`: {why}", path.display())]
    File { path: PathBuf, why: String },
    #[error(
        "{} with {kind}s defined outside canopy's block in `{}`: {}; rename those, or choose another name template (nothing was written)",
        plural(kind, clashes.len()),
        path.display(),
        clashes.iter().map(|(n, l)| format!("`{n}` (line {l})")).collect::<Vec<_>>().join(", ")
    )]
    NameClash {
        path: PathBuf,
        kind: &'static str,
        clashes: Vec<(String, usize)>,
    },
}

fn plural(kind: &str, n: usize) -> String {
    if n == 1 {
        format!("1 generated {kind} name clashes")
    } else {
        format!("{n} generated {kind} names clash")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_definition_fits_the_released_schema() {
        // the tables the released migrations created by hand must agree with their definitions
        // (same types; a definition may only add columns), and a fresh store gets them all
        let dir = tempfile::tempdir().unwrap();
        let store = open_store(&dir.path().join("s.db")).unwrap();
        for def in tables() {
            let mut stored = canopy_store::Collected::default();
            store
                .query(
                    &format!("SELECT name, type FROM pragma_table_info('{}')", def.name),
                    &mut stored,
                )
                .unwrap();
            for column in def.stored_columns() {
                let found = stored.rows.iter().any(|r| {
                    r[0] == canopy_store::QueryValue::Text(column.name.to_owned())
                        && r[1] == canopy_store::QueryValue::Text(column.ty.sql().to_owned())
                });
                assert!(
                    found,
                    "`{def}.{}` is not stored as {}",
                    column.name,
                    column.ty.sql()
                );
            }
        }
        drop(store);
        open_store(&dir.path().join("s.db")).unwrap();
    }

    /// Steampipe's table list, beside the checkout (or `CANOPY_STEAMPIPE_DIR`), when it is there.
    fn steampipe_tables() -> Option<serde_json::Value> {
        let dir = std::env::var_os("CANOPY_STEAMPIPE_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/steampipe")
            });
        let text = std::fs::read_to_string(dir.join("aws_tables.json")).ok()?;
        serde_json::from_str(&text).ok()
    }

    #[test]
    fn every_column_has_steampipes_postgresql_type() {
        let Some(steampipe) = steampipe_tables() else {
            eprintln!("skipped: Steampipe's table list (../shared/steampipe) is not here");
            return;
        };
        let mut differ = Vec::new();
        for def in tables() {
            let Some(columns) = steampipe["tables"][def.name]["columns"].as_array() else {
                continue;
            };
            for column in columns {
                let (Some(name), Some(ty)) = (column["name"].as_str(), column["type"].as_str())
                else {
                    continue;
                };
                let Some(ours) = def.column(name) else {
                    continue;
                };
                let theirs = match ty {
                    "string" => "text",
                    "int" => "bigint",
                    "double" => "double precision",
                    "bool" => "boolean",
                    "timestamp" => "timestamp with time zone",
                    "json" => "jsonb",
                    "ipaddr" => "inet",
                    "cidr" => "cidr",
                    other => other,
                };
                if ours.ty.postgres() != theirs {
                    differ.push(format!(
                        "{def}.{name}: {} (Steampipe: {theirs})",
                        ours.ty.postgres()
                    ));
                }
            }
        }
        assert!(
            differ.is_empty(),
            "columns typed unlike Steampipe's:\n{}",
            differ.join("\n")
        );
    }
}
