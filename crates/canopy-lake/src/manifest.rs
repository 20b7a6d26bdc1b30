//! The manifest each shard writes after all its data files: what it wrote (tables, rows,
//! files), under which schema, and how many errors its run recorded. A run is complete when
//! every one of its N shards has a manifest.

use std::collections::BTreeMap;

use canopy_model::Shard;
use serde::{Deserialize, Serialize};

/// The manifest format's name and version.
pub const FORMAT: &str = "canopy-export/1";

/// One shard's manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub canopy_version: String,
    /// The store's schema version the rows come from.
    pub schema_version: i64,
    pub dt: String,
    pub run: String,
    pub shard: Shard,
    /// When the manifest was written (RFC 3339, UTC).
    pub written_at: String,
    /// Accounts this shard worked in.
    pub accounts: u64,
    /// Every table exported, with its file and row count (a table without rows has no file, and
    /// an import empties it).
    pub tables: BTreeMap<String, TableFile>,
    /// The organization snapshots' key (shard 1 writes them).
    pub organizations: Option<String>,
    /// Rows of `canopy_errors` this shard exported (what failed in its runs).
    pub errors: u64,
}

/// One table's file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableFile {
    /// The key relative to the export's root; none when the table had no rows.
    pub file: Option<String>,
    pub rows: u64,
    pub bytes: u64,
}
