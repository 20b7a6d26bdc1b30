//! Inventory tables derived from their definitions: a table that does not exist yet is created
//! (with its unit index), a column a definition gained is added. Nothing else changes: a
//! definition may add tables and columns, never drop, rename or retype one, so these derived
//! migrations are append-only by construction, and a store written by an older canopy opens in a
//! newer one. A column whose stored type differs from its definition is refused with the fix.

use canopy_model::table::TableDef;
use rusqlite::Connection;

use crate::{Result, StoreError};

/// `CREATE TABLE` for a definition.
pub(crate) fn ddl(def: &TableDef) -> String {
    let columns: Vec<String> = def
        .stored_columns()
        .map(|c| {
            let not_null = if c.required { " NOT NULL" } else { "" };
            format!("    {} {}{not_null}", c.name, c.ty.sql())
        })
        .collect();
    format!(
        "CREATE TABLE {} (\n{}\n);\nCREATE INDEX IF NOT EXISTS {}_unit ON {}(account_id, region);",
        def.name,
        columns.join(",\n"),
        def.name,
        def.name
    )
}

/// Brings the store's inventory tables up to `defs`, in one transaction.
pub(crate) fn ensure(conn: &mut Connection, defs: &[&'static TableDef]) -> Result<()> {
    let tx = conn.transaction()?;
    for def in defs {
        let existing: Vec<(String, String)> = {
            let mut stmt = tx.prepare("SELECT name, type FROM pragma_table_info(?1)")?;
            let rows = stmt.query_map([def.name], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        if existing.is_empty() {
            tx.execute_batch(&ddl(def))?;
            continue;
        }
        for column in def.stored_columns() {
            match existing.iter().find(|(name, _)| name == column.name) {
                None => tx.execute_batch(&format!(
                    "ALTER TABLE {} ADD COLUMN {} {}",
                    def.name,
                    column.name,
                    column.ty.sql()
                ))?,
                Some((_, stored)) if !stored.eq_ignore_ascii_case(column.ty.sql()) => {
                    return Err(StoreError::Invalid(format!(
                        "`{}.{}` is {stored} in the store but {} in its definition; a column's type never changes: define a new column instead",
                        def.name,
                        column.name,
                        column.ty.sql()
                    )));
                }
                Some(_) => {}
            }
        }
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use canopy_model::table::{Column, Scope};

    use super::*;

    const V1: TableDef = TableDef {
        name: "aws_thing",
        scope: Scope::Regional,
        description: "Things",
        columns: &[Column::text("thing_id", "The id").required()],
        actions: &[],
        filled_by: "collect",
    };
    const V2: TableDef = TableDef {
        columns: &[
            Column::text("thing_id", "The id").required(),
            Column::json("detail", "More"),
        ],
        ..V1
    };
    const RETYPED: TableDef = TableDef {
        columns: &[Column::int("thing_id", "The id")],
        ..V1
    };

    fn columns(conn: &Connection, table: &str) -> Vec<(String, String, bool)> {
        let mut stmt = conn
            .prepare("SELECT name, type, \"notnull\" FROM pragma_table_info(?1) ORDER BY cid")
            .unwrap();
        stmt.query_map([table], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    #[test]
    fn tables_are_created_then_only_grow() {
        let mut conn = Connection::open_in_memory().unwrap();
        ensure(&mut conn, &[&V1]).unwrap();
        conn.execute(
            "INSERT INTO aws_thing VALUES ('t-1', '111122223333', 'eu-west-1', 'now')",
            [],
        )
        .unwrap();
        ensure(&mut conn, &[&V1]).unwrap();
        ensure(&mut conn, &[&V2]).unwrap();
        let cols = columns(&conn, "aws_thing");
        let names: Vec<&str> = cols.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(
            names,
            ["thing_id", "account_id", "region", "collected_at", "detail"]
        );
        assert_eq!(cols[0], ("thing_id".into(), "TEXT".into(), true));
        assert_eq!(cols[4], ("detail".into(), "JSON".into(), false));
        let kept: i64 = conn
            .query_row("SELECT count(*) FROM aws_thing", [], |r| r.get(0))
            .unwrap();
        assert_eq!(kept, 1, "rows survive a new column");
        let index: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'aws_thing_unit'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(index, 1);
        let err = ensure(&mut conn, &[&RETYPED]).unwrap_err().to_string();
        assert!(
            err.contains("`aws_thing.thing_id` is TEXT in the store but INTEGER"),
            "{err}"
        );
    }
}
