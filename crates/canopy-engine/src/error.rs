//! What the engine's operations fail with, as types: each refusal says what is wrong in its
//! words and, where a front-end option fixes it, which ([`Hint`]); the front end words the hint
//! with its flags (no flag is named here).

use std::path::PathBuf;

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
    #[error(
        "no {principal} in organization `{org}`'s Identity Center; check the name (a user by email, a group by its display name)"
    )]
    NoPrincipal { principal: String, org: String },
    /// `account` is "name (id)".
    #[error(
        "{account} is the management account of `{org}`: it cannot be closed as a member; close the organization's other accounts and delete the organization first"
    )]
    CloseManagement { account: String, org: String },
    #[error(
        "{account} is no longer in organization `{org}`; sync it again (`canopy org sync`) to see where it went"
    )]
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
    #[error(
        "shard {shard} holds no account: there are fewer selected active accounts ({accounts}) than shards"
    )]
    EmptyShard { shard: String, accounts: usize },
    #[error("{at}: too many runs in the same second; run it again in a second")]
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
    #[error(
        "SCP `{name}` ({id}) cannot be read: {why}; sync again (`canopy org sync`), and check the policy in Organizations if it stays"
    )]
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
