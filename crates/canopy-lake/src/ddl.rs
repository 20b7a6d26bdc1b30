//! DDL over an export, for the engines that read it: Glue/Athena external tables with partition
//! projection (no crawler, no `MSCK REPAIR`), Trino's Hive connector, DuckDB views over
//! `read_parquet`. Every table is partitioned by `dt` (the run's day) and `run`; a query picks
//! one run (`WHERE run = '...'`), as rows of two runs describe the same resources twice.

use canopy_model::table::ColumnType;
use canopy_store::ExchangeTable;

/// The engine the DDL is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Athena,
    Trino,
    DuckDb,
}

fn athena_type(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::Text | ColumnType::Json | ColumnType::Inet | ColumnType::Cidr => "string",
        ColumnType::Int => "bigint",
        ColumnType::Double => "double",
        ColumnType::Bool => "boolean",
        ColumnType::Timestamp => "timestamp",
    }
}

fn trino_type(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::Text | ColumnType::Json | ColumnType::Inet | ColumnType::Cidr => "varchar",
        ColumnType::Int => "bigint",
        ColumnType::Double => "double",
        ColumnType::Bool => "boolean",
        ColumnType::Timestamp => "timestamp(3)",
    }
}

fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// `location` with one trailing `/`, then `table/`.
fn table_location(location: &str, table: &str) -> String {
    format!("{}/{table}/", location.trim_end_matches('/'))
}

fn athena(table: &ExchangeTable, location: &str) -> String {
    let at = table_location(location, table.name);
    let columns: Vec<String> = table
        .columns
        .iter()
        .map(|(name, ty)| format!("  `{name}` {}", athena_type(*ty)))
        .collect();
    format!(
        "CREATE EXTERNAL TABLE IF NOT EXISTS `{name}` (\n{columns}\n)\nPARTITIONED BY (`dt` string, `run` string)\nSTORED AS PARQUET\nLOCATION {loc}\nTBLPROPERTIES (\n  'parquet.compression' = 'ZSTD',\n  'projection.enabled' = 'true',\n  'projection.dt.type' = 'date',\n  'projection.dt.format' = 'yyyy-MM-dd',\n  'projection.dt.range' = 'NOW-3YEARS,NOW',\n  'projection.dt.interval' = '1',\n  'projection.dt.interval.unit' = 'DAYS',\n  'projection.run.type' = 'injected',\n  'storage.location.template' = {template}\n);\n",
        name = table.name,
        columns = columns.join(",\n"),
        loc = quoted(&at),
        template = quoted(&format!("{at}dt=${{dt}}/run=${{run}}/")),
    )
}

fn trino(table: &ExchangeTable, location: &str) -> String {
    let mut columns: Vec<String> = table
        .columns
        .iter()
        .map(|(name, ty)| format!("  \"{name}\" {}", trino_type(*ty)))
        .collect();
    columns.push("  \"dt\" varchar".to_owned());
    columns.push("  \"run\" varchar".to_owned());
    format!(
        "CREATE TABLE IF NOT EXISTS hive.canopy.{name} (\n{columns}\n)\nWITH (\n  external_location = {loc},\n  format = 'PARQUET',\n  partitioned_by = ARRAY['dt', 'run']\n);\nCALL hive.system.sync_partition_metadata('canopy', '{name}', 'ADD');\n",
        name = table.name,
        columns = columns.join(",\n"),
        loc = quoted(&table_location(location, table.name)),
    )
}

fn duckdb(table: &ExchangeTable, location: &str) -> String {
    format!(
        "CREATE OR REPLACE VIEW {name} AS\nSELECT * FROM read_parquet({glob}, hive_partitioning = true, union_by_name = true);\n",
        name = table.name,
        glob = quoted(&format!(
            "{}*/*/*.parquet",
            table_location(location, table.name)
        )),
    )
}

/// The statements that make `tables` queryable in `dialect`, over an export at `location` (an
/// `s3://` URL for Athena and Trino, a folder or URL for DuckDB).
pub fn ddl(dialect: Dialect, tables: &[ExchangeTable], location: &str) -> String {
    let header = match dialect {
        Dialect::Athena => {
            "-- Glue/Athena: partitions are projected (dt by day, run injected): give the run in every query,\n-- WHERE run = '20261128T093000Z'; the run ids are in _canopy/dt=.../run=.../ (one manifest per shard)\n"
        }
        Dialect::Trino => {
            "-- Trino, Hive connector: catalog `hive`, schema `canopy` (change both to yours);\n-- run sync_partition_metadata again after each export; pick a run with WHERE run = '...'\n"
        }
        Dialect::DuckDb => {
            "-- DuckDB: each view reads every exported run; pick one with WHERE run = '...'\n"
        }
    };
    let mut out = header.to_owned();
    for table in tables {
        out.push('\n');
        out.push_str(&match dialect {
            Dialect::Athena => athena(table, location),
            Dialect::Trino => trino(table, location),
            Dialect::DuckDb => duckdb(table, location),
        });
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use canopy_store::ExchangeKind;

    use super::*;

    #[test]
    fn each_dialect_names_the_partitions_and_the_files() {
        let table = ExchangeTable {
            name: "aws_vpc",
            kind: ExchangeKind::Inventory,
            columns: vec![
                ("vpc_id".into(), ColumnType::Text),
                ("is_default".into(), ColumnType::Bool),
                ("collected_at".into(), ColumnType::Timestamp),
            ],
        };
        let athena = ddl(
            Dialect::Athena,
            std::slice::from_ref(&table),
            "s3://lake/canopy/",
        );
        assert!(athena.contains("`is_default` boolean,\n  `collected_at` timestamp\n)"));
        assert!(athena.contains("LOCATION 's3://lake/canopy/aws_vpc/'"));
        assert!(athena.contains(
            "'storage.location.template' = 's3://lake/canopy/aws_vpc/dt=${dt}/run=${run}/'"
        ));
        let trino = ddl(
            Dialect::Trino,
            std::slice::from_ref(&table),
            "s3://lake/canopy",
        );
        assert!(trino.contains("partitioned_by = ARRAY['dt', 'run']"));
        assert!(trino.contains("\"collected_at\" timestamp(3),\n  \"dt\" varchar"));
        let duck = ddl(Dialect::DuckDb, &[table], "/data/it's");
        assert!(duck.contains(
            "read_parquet('/data/it''s/aws_vpc/*/*/*.parquet', hive_partitioning = true"
        ));
    }
}
