//! canopy's embedded store: one SQLite file holding each organization's latest snapshot, the
//! collected inventory under Steampipe's table names, and the record of collection runs.
//!
//! This is the only crate that holds SQL. Every write happens in one transaction, so a reader or
//! a crash never sees half a snapshot. The schema evolves through an append-only list of
//! migrations tracked by `PRAGMA user_version`; inventory tables are derived from their
//! definitions (`canopy_model::table::TableDef`), handed in when the store is opened.

mod access;
pub mod catalog;
mod exchange;
mod inventory;
mod migrations;
pub mod pg;
mod query;
mod reports;
mod snapshots;
mod tables;

pub use access::{AccessOf, CollectedPolicy, GroupGrant, HeldSet, SetPolicies, SsoDrift, SsoGrant};
pub use exchange::{ExchangeKind, ExchangeTable, Importer};
pub use inventory::{RunErrors, RunStatus, RunTotals, UnitError, UnitKey, UnitRows};
pub use query::{Collected, ColumnInfo, ColumnKind, QueryColumn, QuerySink, QueryValue, TableInfo};
pub use reports::{REPORTS, Report};
pub use snapshots::SyncStamp;

use std::path::{Path, PathBuf};

use canopy_model::table::TableDef;
use rusqlite::Connection;

/// What can go wrong opening or using the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the store `{path}`: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("cannot create the folder for the store `{path}`: {source}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the store `{path}` has schema version {found}, newer than this canopy knows ({known}); upgrade canopy or use another store"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("store error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("{0}")]
    Query(String),
    #[error("canopy query is read-only: the statement would change the store; use SELECT")]
    WriteRefused,
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Output(std::io::Error),
    #[error("the store holds a malformed value in `{table}.{column}`: `{value}`")]
    Corrupt {
        table: &'static str,
        column: &'static str,
        value: String,
    },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// An open store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// The inventory tables, as their definitions declare them.
    tables: &'static [&'static TableDef],
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (creating when missing, owner-only) the store at `path` and brings its schema up
    /// to date: the migrations, then the inventory tables of `tables`.
    pub fn open(path: &Path, tables: &'static [&'static TableDef]) -> Result<Self> {
        if let Some(dir) = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty() && !d.exists())
        {
            create_private_dir(dir).map_err(|source| StoreError::CreateDir {
                path: dir.to_owned(),
                source,
            })?;
        }
        let is_new = !path.exists();
        let mut conn = Connection::open(path).map_err(|source| StoreError::Open {
            path: path.to_owned(),
            source,
        })?;
        if is_new {
            restrict_to_owner(path);
        }
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // in WAL mode, NORMAL never corrupts; a power cut may lose the last commits only
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrations::apply(&mut conn, path)?;
        tables::ensure(&mut conn, tables)?;
        Ok(Self {
            conn,
            path: path.to_owned(),
            tables,
        })
    }

    /// Where this store lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The inventory tables' definitions.
    pub fn table_defs(&self) -> &'static [&'static TableDef] {
        self.tables
    }

    /// The schema version this store is at.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |row| row.get(0))?)
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(unix)]
fn restrict_to_owner(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    // best effort: the store holds account names and emails, not secrets
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
}

#[cfg(not(unix))]
fn restrict_to_owner(_path: &Path) {}
