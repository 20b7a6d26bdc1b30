//! The exported estate, for engines people already run (Athena, Trino, DuckDB): the store's
//! tables as Parquet files (zstd), one per table and shard, laid out as
//! `<table>/dt=<YYYY-MM-DD>/run=<run id>/shard-<i>-of-<N>.parquet` (Hive partitions on the day
//! and the run only: never on account or region, which would make hundreds of thousands of
//! partitions), and a small manifest per shard written last, so a reader can tell a complete run.
//!
//! Columns keep their meaning: JSON as JSON text, timestamps as UTC timestamps, booleans as
//! booleans. Rows stream through bounded batches in both directions, so memory does not grow
//! with a table's size. This crate sees neither AWS nor SQL: the store hands it rows, the engine
//! moves its files.

mod ddl;
mod layout;
mod manifest;
mod parquet_io;

pub use ddl::{Dialect, ddl};
pub use layout::{META_DIR, Partition, RunId, RunIdError};
pub use manifest::{FORMAT, Manifest, TableFile};
pub use parquet_io::{ParquetSink, ParquetTable, read_rows};

/// What can go wrong writing or reading exported files.
#[derive(Debug, thiserror::Error)]
pub enum LakeError {
    #[error("`{table}.{column}` holds `{value}`, which is not {expected}")]
    Value {
        table: String,
        column: String,
        value: String,
        expected: &'static str,
    },
    #[error("`{path}`: column `{column}` is {found} in the file; canopy writes {expected}")]
    Type {
        path: String,
        column: String,
        found: String,
        expected: &'static str,
    },
    #[error("`{path}` is not a Parquet file canopy can read: {message}")]
    Parquet { path: String, message: String },
    #[error("`{path}`: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}
