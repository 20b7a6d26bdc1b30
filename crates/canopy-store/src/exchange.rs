//! The store's side of export and import: which tables leave the store (the organization views,
//! the inventory, canopy's records), their columns typed as their definitions and the catalog
//! declare them, their rows streamed in account and region order; and an import that puts
//! exported rows back in one transaction, so a failed import leaves the store as it was.

use std::collections::{HashMap, HashSet};

use canopy_model::OrgSnapshot;
use canopy_model::table::ColumnType;
use rusqlite::OptionalExtension;
use rusqlite::types::{Value, ValueRef};

use crate::catalog;
use crate::query::{QueryColumn, QuerySink, QueryValue};
use crate::{Result, Store, StoreError};

/// What an exported table is, and so how an import puts it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExchangeKind {
    /// A view over the organization snapshots: imported as the snapshots, not as rows.
    Organization,
    /// Collected (or computed) rows: an import replaces the table with the exported rows.
    Inventory,
    /// canopy's runs and errors: an import adds them under new run ids.
    Record,
}

/// A table that leaves the store, with its columns' types.
#[derive(Debug, Clone, PartialEq)]
pub struct ExchangeTable {
    pub name: &'static str,
    pub kind: ExchangeKind,
    pub columns: Vec<(String, ColumnType)>,
}

impl ExchangeTable {
    fn has(&self, column: &str) -> bool {
        self.columns.iter().any(|(c, _)| c == column)
    }
}

/// The type of a column SQLite declares as `declared` in `table`.
fn column_type(table: &str, column: &str, declared: &str) -> ColumnType {
    let declared = match catalog::view_column_type(table, column) {
        Some(t) if declared.is_empty() || declared.eq_ignore_ascii_case("TEXT") => t,
        _ => declared,
    };
    match (table, column) {
        ("canopy_runs", "started_at" | "finished_at") | ("canopy_errors", "at") => {
            return ColumnType::Timestamp;
        }
        ("canopy_runs", "options") => return ColumnType::Json,
        _ => {}
    }
    match declared.to_ascii_uppercase().as_str() {
        "INTEGER" => ColumnType::Int,
        "REAL" => ColumnType::Double,
        "BOOLEAN" => ColumnType::Bool,
        "TIMESTAMP" => ColumnType::Timestamp,
        "JSON" => ColumnType::Json,
        _ => ColumnType::Text,
    }
}

fn query_value(value: ValueRef<'_>) -> QueryValue {
    match value {
        ValueRef::Null => QueryValue::Null,
        ValueRef::Integer(i) => QueryValue::Integer(i),
        ValueRef::Real(r) => QueryValue::Real(r),
        ValueRef::Text(t) => QueryValue::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => QueryValue::Blob(b.to_vec()),
    }
}

fn sql_value(value: QueryValue) -> Value {
    match value {
        QueryValue::Null => Value::Null,
        QueryValue::Integer(i) => Value::Integer(i),
        QueryValue::Real(r) => Value::Real(r),
        QueryValue::Text(t) => Value::Text(t),
        QueryValue::Blob(b) => Value::Blob(b),
    }
}

impl Store {
    /// Every table an export writes, in display order: the organization views, the inventory
    /// tables, canopy's runs and errors (views over the inventory are left out: they are
    /// computed again from the tables).
    pub fn exchange_tables(&self) -> Result<Vec<ExchangeTable>> {
        let mut stmt = self
            .conn
            .prepare("SELECT name, type FROM pragma_table_info(?1) ORDER BY cid")?;
        let mut columns_of = |name: &'static str| -> Result<Vec<(String, ColumnType)>> {
            let rows = stmt.query_map([name], |r| {
                let column: String = r.get(0)?;
                let declared: String = r.get(1)?;
                Ok((column, declared))
            })?;
            rows.map(|r| {
                let (column, declared) = r?;
                let ty = column_type(name, &column, &declared);
                Ok((column, ty))
            })
            .collect()
        };
        let mut tables = Vec::new();
        for doc in catalog::ORGANIZATION {
            tables.push(ExchangeTable {
                name: doc.name,
                kind: ExchangeKind::Organization,
                columns: columns_of(doc.name)?,
            });
        }
        for def in self.tables {
            tables.push(ExchangeTable {
                name: def.name,
                kind: ExchangeKind::Inventory,
                columns: def
                    .stored_columns()
                    .map(|c| (c.name.to_owned(), c.ty))
                    .collect(),
            });
        }
        for doc in catalog::RECORDS {
            tables.push(ExchangeTable {
                name: doc.name,
                kind: ExchangeKind::Record,
                columns: columns_of(doc.name)?,
            });
        }
        Ok(tables)
    }

    /// Streams `table`'s rows into `sink`, sorted by account and region (then as stored), with
    /// the columns in the table's order; returns how many.
    pub fn export_rows(&self, table: &ExchangeTable, sink: &mut dyn QuerySink) -> Result<u64> {
        let known = self.exchange_tables()?;
        let Some(table) = known.iter().find(|t| t.name == table.name) else {
            return Err(StoreError::Invalid(format!(
                "`{}` is not a table an export writes",
                table.name
            )));
        };
        let mut order: Vec<&str> = ["account_id", "region", "run_id"]
            .into_iter()
            .filter(|c| table.has(c))
            .collect();
        let tiebreak = match table.kind {
            ExchangeKind::Organization => "1, 2",
            ExchangeKind::Inventory | ExchangeKind::Record => "rowid",
        };
        order.push(tiebreak);
        let names: Vec<&str> = table.columns.iter().map(|(c, _)| c.as_str()).collect();
        let sql = format!(
            "SELECT {} FROM {} ORDER BY {}",
            names.join(", "),
            table.name,
            order.join(", ")
        );
        let header: Vec<QueryColumn> = names
            .iter()
            .map(|name| QueryColumn {
                name: (*name).to_owned(),
                kind: crate::query::ColumnKind::Plain,
            })
            .collect();
        sink.header(&header).map_err(StoreError::Output)?;
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        let mut count = 0u64;
        while let Some(row) = rows.next()? {
            let values = (0..names.len())
                .map(|i| row.get_ref(i).map(query_value))
                .collect::<rusqlite::Result<Vec<_>>>()?;
            sink.row(values).map_err(StoreError::Output)?;
            count += 1;
        }
        Ok(count)
    }

    /// Whether `table` (an exchange table) holds any row: one row read, not a count.
    pub fn has_rows(&self, table: &ExchangeTable) -> Result<bool> {
        if !self.exchange_tables()?.iter().any(|t| t.name == table.name) {
            return Err(StoreError::Invalid(format!(
                "`{}` is not a table an export writes",
                table.name
            )));
        }
        let found: Option<i64> = self
            .conn
            .query_row(&format!("SELECT 1 FROM {} LIMIT 1", table.name), [], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(found.is_some())
    }

    /// An import: everything it writes lands together when it commits, or not at all.
    pub fn importer(&mut self) -> Result<Importer<'_>> {
        let tables = self.exchange_tables()?;
        Ok(Importer {
            tx: self.conn.transaction()?,
            tables,
            cleared: HashSet::new(),
            runs: HashMap::new(),
        })
    }
}

/// Exported rows going back into the store, inside one transaction.
pub struct Importer<'s> {
    tx: rusqlite::Transaction<'s>,
    tables: Vec<ExchangeTable>,
    /// Inventory tables already emptied by this import.
    cleared: HashSet<&'static str>,
    /// The current shard's run ids, as exported -> as stored here.
    runs: HashMap<i64, i64>,
}

impl std::fmt::Debug for Importer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Importer").finish_non_exhaustive()
    }
}

impl Importer<'_> {
    /// Replaces the organization's stored snapshot.
    pub fn save_snapshot(&mut self, snapshot: &OrgSnapshot) -> Result<()> {
        crate::snapshots::write_snapshot(&self.tx, snapshot)
    }

    /// The next records (runs, then their errors) come from another shard: its run ids are its
    /// own.
    pub fn next_shard(&mut self) {
        self.runs.clear();
    }

    /// The import's view of `table`: an inventory table or a record, with `columns` all its
    /// own. An inventory table is emptied the first time it is named, so the import replaces it.
    pub fn table(&mut self, table: &str, columns: &[String]) -> Result<&'static str> {
        let Some(known) = self.tables.iter().find(|t| t.name == table) else {
            return Err(StoreError::Invalid(format!(
                "`{table}` is not a table of this store; a newer canopy may have exported it"
            )));
        };
        if known.kind == ExchangeKind::Organization {
            return Err(StoreError::Invalid(format!(
                "`{table}` is a view over the organization snapshots: import the snapshots instead"
            )));
        }
        if let Some(unknown) = columns.iter().find(|c| !known.has(c)) {
            return Err(StoreError::Invalid(format!(
                "`{table}` has no column `{unknown}` in this store; a newer canopy may have exported it"
            )));
        }
        let name = known.name;
        if known.kind == ExchangeKind::Inventory && self.cleared.insert(name) {
            self.tx.execute(&format!("DELETE FROM {name}"), [])?;
        }
        Ok(name)
    }

    /// Adds one row of `table` (as [`Importer::table`] returned it) with `values` for `columns`.
    /// A run gets a new id here; an error is filed under its run's new id.
    pub fn insert(
        &mut self,
        table: &'static str,
        columns: &[String],
        values: Vec<QueryValue>,
    ) -> Result<()> {
        let mut columns: Vec<&str> = columns.iter().map(String::as_str).collect();
        let mut values: Vec<Value> = values.into_iter().map(sql_value).collect();
        let run_at = columns.iter().position(|c| *c == "run_id");
        let exported_run = run_at.and_then(|i| match values[i] {
            Value::Integer(id) => Some(id),
            _ => None,
        });
        match (table, run_at) {
            ("canopy_runs", Some(i)) => {
                columns.remove(i);
                values.remove(i);
            }
            ("canopy_errors", Some(i)) => {
                let Some(new) = exported_run.and_then(|old| self.runs.get(&old)) else {
                    return Err(StoreError::Invalid(format!(
                        "an exported error names run {} that its shard's runs do not hold",
                        exported_run.unwrap_or_default()
                    )));
                };
                values[i] = Value::Integer(*new);
            }
            _ => {}
        }
        let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES ({})",
            columns.join(", "),
            placeholders.join(", ")
        );
        self.tx
            .prepare_cached(&sql)?
            .execute(rusqlite::params_from_iter(values))?;
        if table == "canopy_runs"
            && let Some(old) = exported_run
        {
            self.runs.insert(old, self.tx.last_insert_rowid());
        }
        Ok(())
    }

    /// Makes the whole import visible at once.
    pub fn commit(self) -> Result<()> {
        self.tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::Collected;

    fn store(dir: &tempfile::TempDir) -> Store {
        Store::open(&dir.path().join("s.db"), &[]).unwrap()
    }

    #[test]
    fn records_come_back_under_new_run_ids_and_a_failed_import_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut from = store(&dir);
        let run = from.begin_run("collect", &serde_json::json!({})).unwrap();
        from.record_error(
            run,
            &crate::UnitError {
                account_id: "111122223333".into(),
                region: "eu-west-1".into(),
                table_name: "aws_vpc".into(),
                error_code: "AccessDenied".into(),
                message: "no".into(),
                action: None,
                resource: None,
            },
        )
        .unwrap();
        let tables = from.exchange_tables().unwrap();
        let runs = tables.iter().find(|t| t.name == "canopy_runs").unwrap();
        assert_eq!(
            runs.columns
                .iter()
                .find(|(c, _)| c == "started_at")
                .unwrap()
                .1,
            ColumnType::Timestamp
        );
        let errors = tables.iter().find(|t| t.name == "canopy_errors").unwrap();
        let mut run_rows = Collected::default();
        from.export_rows(runs, &mut run_rows).unwrap();
        let mut error_rows = Collected::default();
        from.export_rows(errors, &mut error_rows).unwrap();
        let names =
            |c: &Collected| -> Vec<String> { c.columns.iter().map(|c| c.name.clone()).collect() };

        let other = tempfile::tempdir().unwrap();
        let mut to = store(&other);
        to.begin_run("org sync", &serde_json::json!({})).unwrap();
        let mut import = to.importer().unwrap();
        for _ in 0..2 {
            import.next_shard();
            let t = import.table("canopy_runs", &names(&run_rows)).unwrap();
            for row in &run_rows.rows {
                import.insert(t, &names(&run_rows), row.clone()).unwrap();
            }
            let t = import.table("canopy_errors", &names(&error_rows)).unwrap();
            for row in &error_rows.rows {
                import.insert(t, &names(&error_rows), row.clone()).unwrap();
            }
        }
        import.commit().unwrap();
        assert_eq!(to.run_errors(2).unwrap().len(), 1);
        assert_eq!(to.run_errors(3).unwrap().len(), 1);

        let mut import = to.importer().unwrap();
        let err = import
            .table("aws_organizations_account", &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("import the snapshots instead"), "{err}");
        let t = import.table("canopy_runs", &names(&run_rows)).unwrap();
        import
            .insert(t, &names(&run_rows), run_rows.rows[0].clone())
            .unwrap();
        drop(import);
        let mut all = Collected::default();
        to.query("select count(*) from canopy_runs", &mut all)
            .unwrap();
        assert_eq!(
            all.rows,
            [[QueryValue::Integer(3)]],
            "dropped, not committed"
        );
        let mut import = to.importer().unwrap();
        let err = import
            .table("canopy_runs", &["nope".to_owned()])
            .unwrap_err()
            .to_string();
        assert!(err.contains("has no column `nope`"), "{err}");
    }
}
