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
mod error;
pub mod exec;
pub mod fanout;
pub mod findings;
pub mod inventory;
pub mod journal;
pub mod lake;
pub mod policy;
pub mod select;
pub mod sync;

use std::path::Path;

use canopy_store::Store;

pub use error::{EngineError, Hint, OuWithin};

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
        let dir = canopy_testkit::steampipe_dir()?;
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
