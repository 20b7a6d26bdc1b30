//! Collected inventory: each unit's rows replace that unit's previous rows in one transaction,
//! and only when the unit succeeded, so a failed refresh never loses data. Runs and their
//! errors are recorded alongside.

use canopy_model::inventory::{Batch, Cell, Row};
use canopy_model::table::{Scope, TableDef};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{params, params_from_iter};
use time::OffsetDateTime;

use crate::{Result, Store, StoreError};

/// Where a unit's rows belong: they replace the rows of `account_id` in `region` (`global` for
/// global tables); for [`Scope::Account`] tables, the account's rows in every region, since
/// each row carries its own.
#[derive(Debug, Clone, Copy)]
pub struct UnitKey<'a> {
    pub account_id: &'a str,
    pub region: &'a str,
}

/// One unit's rows for [`Store::replace_units`].
#[derive(Debug, Clone, Copy)]
pub struct UnitRows<'a> {
    pub key: UnitKey<'a>,
    /// The tables the unit fills: each is cleared for the unit first.
    pub tables: &'a [&'static TableDef],
    pub batches: &'a [Batch],
    pub collected_at: OffsetDateTime,
}

/// The errors of units that failed, to record under one run with [`Store::replace_units`].
#[derive(Debug, Clone, Copy)]
pub struct RunErrors<'a> {
    pub run_id: i64,
    pub errors: &'a [&'a UnitError],
}

impl RunErrors<'_> {
    /// No errors to record.
    pub const NONE: RunErrors<'static> = RunErrors {
        run_id: 0,
        errors: &[],
    };
}

/// A failed unit, as recorded in `canopy_errors`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitError {
    pub account_id: String,
    pub region: String,
    pub table_name: String,
    pub error_code: String,
    pub message: String,
    /// The AWS action that failed (`s3:GetBucketPolicy`).
    pub action: Option<String>,
    /// The one resource a refused detail call was about (the unit's rows were kept).
    pub resource: Option<String>,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// Every unit succeeded.
    Ok,
    /// Some unit or account failed; the rest was done.
    Partial,
    /// Stopped before the end (Ctrl-C, or an error that stops the run); what was written stays.
    Interrupted,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Partial => "partial",
            Self::Interrupted => "interrupted",
        }
    }
}

/// A run's final counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunTotals {
    pub accounts: u64,
    pub units: u64,
    pub failed_units: u64,
    pub rows: u64,
}

/// A cell as SQLite's value, borrowed (no copy of its text).
fn to_sql(cell: &Cell) -> ToSqlOutput<'_> {
    ToSqlOutput::Borrowed(match cell {
        Cell::Null => ValueRef::Null,
        Cell::Text(t) => ValueRef::Text(t.as_bytes()),
        Cell::Int(i) => ValueRef::Integer(*i),
        Cell::Double(d) => ValueRef::Real(*d),
        Cell::Bool(b) => ValueRef::Integer(i64::from(*b)),
        Cell::Json(v) => ValueRef::Text(v.as_str().as_bytes()),
    })
}

impl Store {
    /// Starts a run; its id tags the errors recorded under it.
    pub fn begin_run(&mut self, command: &str, options: &serde_json::Value) -> Result<i64> {
        self.conn.execute(
            "INSERT INTO canopy_runs (command, started_at, status, options) VALUES (?1, ?2, 'running', ?3)",
            params![
                command,
                canopy_model::format_time(OffsetDateTime::now_utc()),
                options.to_string()
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Ends a run with its counts.
    pub fn finish_run(&mut self, run_id: i64, status: RunStatus, totals: RunTotals) -> Result<()> {
        self.conn.execute(
            "UPDATE canopy_runs SET finished_at = ?2, status = ?3, accounts = ?4, units = ?5, failed_units = ?6, rows = ?7 WHERE run_id = ?1",
            params![
                run_id,
                canopy_model::format_time(OffsetDateTime::now_utc()),
                status.as_str(),
                totals.accounts as i64,
                totals.units as i64,
                totals.failed_units as i64,
                totals.rows as i64
            ],
        )?;
        Ok(())
    }

    /// How many rows each account has in `tables` (what the last collections left), for a
    /// fan-out to start the largest accounts first. Accounts with no row are absent.
    pub fn rows_by_account(
        &self,
        tables: &[&'static TableDef],
    ) -> Result<std::collections::HashMap<String, u64>> {
        let mut out = std::collections::HashMap::new();
        for table in tables {
            let table = self.inventory_table(table)?;
            let mut stmt = self.conn.prepare(&format!(
                "SELECT account_id, COUNT(*) FROM {} GROUP BY account_id",
                table.name
            ))?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
            for row in rows {
                let (account, n) = row?;
                *out.entry(account).or_insert(0) += n.max(0) as u64;
            }
        }
        Ok(out)
    }

    /// Records a failed unit. Its previous rows stay as they were.
    pub fn record_error(&mut self, run_id: i64, error: &UnitError) -> Result<()> {
        insert_error(&self.conn, run_id, error)
    }

    /// The store's definition of `table`: table names reach SQL only from definitions the store
    /// was opened with, never from input.
    fn inventory_table(&self, table: &'static TableDef) -> Result<&'static TableDef> {
        self.tables
            .iter()
            .copied()
            .find(|t| t.name == table.name)
            .ok_or_else(|| StoreError::Invalid(format!("`{table}` is not an inventory table")))
    }

    /// Replaces a successful unit's rows in `tables` with `batches`, in one transaction. Every
    /// table in `tables` is cleared for the unit, so resources that are gone disappear. Every row
    /// must carry exactly its table's columns.
    pub fn replace_unit(
        &mut self,
        key: UnitKey<'_>,
        tables: &[&'static TableDef],
        batches: &[Batch],
        collected_at: OffsetDateTime,
    ) -> Result<u64> {
        self.replace_units(
            &[UnitRows {
                key,
                tables,
                batches,
                collected_at,
            }],
            RunErrors::NONE,
        )
    }

    /// [`Store::replace_unit`] for many units in one transaction, with the errors of the units
    /// that failed meanwhile (as [`Store::record_error`]): a fan-out's writer takes what has
    /// queued up, one commit for up to hundreds of small units instead of one each. Each unit
    /// still replaces exactly its own rows; if any unit's rows are invalid, nothing is written.
    pub fn replace_units(&mut self, units: &[UnitRows<'_>], failed: RunErrors<'_>) -> Result<u64> {
        for unit in units {
            for table in unit.tables {
                self.inventory_table(table)?;
            }
            for batch in unit.batches {
                if !unit.tables.iter().any(|t| t.name == batch.table.name) {
                    return Err(StoreError::Invalid(format!(
                        "rows for `{}` do not belong to this unit",
                        batch.table
                    )));
                }
                for row in &batch.rows {
                    batch
                        .table
                        .check(row)
                        .map_err(|e| StoreError::Invalid(e.to_string()))?;
                }
            }
        }
        let tx = self.conn.transaction()?;
        let mut written = 0u64;
        for unit in units {
            let key = unit.key;
            let at = canopy_model::format_time(unit.collected_at);
            for table in unit.tables {
                match table.scope {
                    Scope::Account => tx
                        .prepare_cached(&format!(
                            "DELETE FROM {} WHERE account_id = ?1",
                            table.name
                        ))?
                        .execute(params![key.account_id])?,
                    Scope::Regional | Scope::Global => tx
                        .prepare_cached(&format!(
                            "DELETE FROM {} WHERE account_id = ?1 AND region = ?2",
                            table.name
                        ))?
                        .execute(params![key.account_id, key.region])?,
                };
            }
            for batch in unit.batches {
                if batch.rows.is_empty() {
                    continue;
                }
                let sql = insert_sql(batch.table);
                for row in &batch.rows {
                    insert(&tx, &sql, batch.table, key, row, &at)?;
                    written += 1;
                }
            }
        }
        for error in failed.errors {
            insert_error(&tx, failed.run_id, error)?;
        }
        tx.commit()?;
        Ok(written)
    }

    /// Replaces every row of `table` — one canopy computes from what is stored, not one a unit
    /// collects — with `rows`, each under its own account and region, in one transaction.
    pub fn replace_table(
        &mut self,
        table: &'static TableDef,
        rows: &[(String, String, Row)],
        computed_at: OffsetDateTime,
    ) -> Result<u64> {
        self.write_rows(table, rows, computed_at, true)
    }

    /// Adds `rows` to `table` — one canopy computes, not one a unit collects — each under its
    /// own account and region, in one transaction; [`Store::replace_table`] with no rows
    /// empties it first. For results that arrive one by one (`exec`), so none waits in memory.
    pub fn append_rows(
        &mut self,
        table: &'static TableDef,
        rows: &[(String, String, Row)],
        computed_at: OffsetDateTime,
    ) -> Result<u64> {
        self.write_rows(table, rows, computed_at, false)
    }

    fn write_rows(
        &mut self,
        table: &'static TableDef,
        rows: &[(String, String, Row)],
        computed_at: OffsetDateTime,
        replace: bool,
    ) -> Result<u64> {
        let at = canopy_model::format_time(computed_at);
        self.inventory_table(table)?;
        for (_, _, row) in rows {
            table
                .check(row)
                .map_err(|e| StoreError::Invalid(e.to_string()))?;
        }
        let tx = self.conn.transaction()?;
        if replace {
            tx.execute(&format!("DELETE FROM {}", table.name), [])?;
        }
        let sql = insert_sql(table);
        for (account_id, region, row) in rows {
            let key = UnitKey { account_id, region };
            insert(&tx, &sql, table, key, row, &at)?;
        }
        tx.commit()?;
        Ok(rows.len() as u64)
    }

    /// The errors recorded under a run.
    pub fn run_errors(&self, run_id: i64) -> Result<Vec<UnitError>> {
        let mut stmt = self.conn.prepare(
            "SELECT account_id, region, table_name, error_code, message, action, resource FROM canopy_errors WHERE run_id = ?1 ORDER BY rowid",
        )?;
        let rows = stmt.query_map([run_id], |r| {
            Ok(UnitError {
                account_id: r.get(0)?,
                region: r.get(1)?,
                table_name: r.get(2)?,
                error_code: r.get(3)?,
                message: r.get(4)?,
                action: r.get(5)?,
                resource: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// Inserts one checked row of `table` under `key`.
/// `INSERT INTO <table> (<columns>, account_id, collected_at[, region]) VALUES (?1, ...)`.
fn insert_sql(table: &'static TableDef) -> String {
    let carries_region = table.scope == Scope::Account;
    let mut names: Vec<&str> = table.row_columns().map(|c| c.name).collect();
    names.extend(["account_id", "collected_at"]);
    if !carries_region {
        names.push("region");
    }
    let marks: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
    format!(
        "INSERT INTO {} ({}) VALUES ({})",
        table.name,
        names.join(", "),
        marks.join(", ")
    )
}

fn insert_error(conn: &rusqlite::Connection, run_id: i64, error: &UnitError) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO canopy_errors (run_id, account_id, region, table_name, error_code, message, at, action, resource) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        run_id,
        error.account_id,
        error.region,
        error.table_name,
        error.error_code,
        error.message,
        canopy_model::format_time(OffsetDateTime::now_utc()),
        error.action,
        error.resource
    ])?;
    Ok(())
}

fn insert(
    tx: &rusqlite::Transaction<'_>,
    sql: &str,
    table: &'static TableDef,
    key: UnitKey<'_>,
    row: &Row,
    at: &str,
) -> Result<()> {
    let carries_region = table.scope == Scope::Account;
    let mut stmt = tx.prepare_cached(sql)?;
    let mut values: Vec<ToSqlOutput<'_>> = row.0.iter().map(|(_, c)| to_sql(c)).collect();
    values.push(ToSqlOutput::Borrowed(ValueRef::Text(
        key.account_id.as_bytes(),
    )));
    values.push(ToSqlOutput::Borrowed(ValueRef::Text(at.as_bytes())));
    if !carries_region {
        values.push(ToSqlOutput::Borrowed(ValueRef::Text(key.region.as_bytes())));
    }
    stmt.execute(params_from_iter(values))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use canopy_model::inventory::Row;
    use canopy_model::table::Column;

    use super::*;

    pub(crate) const INSTANCES: TableDef = TableDef {
        name: "aws_ec2_instance",
        scope: Scope::Regional,
        description: "EC2 instances",
        columns: &[
            Column::text("instance_id", "The id").required(),
            Column::TAGS,
            Column::bool("ebs_optimized", "EBS-optimized"),
        ],
        actions: &[],
        filled_by: "collect",
    };
    pub(crate) const ROLES: TableDef = TableDef {
        name: "aws_iam_role",
        scope: Scope::Global,
        description: "IAM roles",
        columns: &[Column::text("name", "The name").required()],
        actions: &[],
        filled_by: "collect",
    };
    pub(crate) const TEST_TABLES: &[&TableDef] = &[&INSTANCES, &ROLES];

    fn open(dir: &tempfile::TempDir) -> Store {
        Store::open(&dir.path().join("s.db"), TEST_TABLES).unwrap()
    }

    fn instance(id: &str) -> Row {
        Row::default()
            .with("instance_id", Cell::Text(id.to_owned()))
            .with("tags", Cell::tags([("Name", "web")]))
            .with("ebs_optimized", Cell::Bool(true))
    }

    fn count(store: &Store, sql: &str) -> i64 {
        store.conn.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    #[test]
    fn a_unit_replaces_only_its_own_rows() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = open(&dir);
        let at = OffsetDateTime::now_utc();
        let tables: &[&'static TableDef] = &[&INSTANCES];
        let batch =
            |ids: &[&str]| Batch::new(&INSTANCES, ids.iter().map(|i| instance(i)).collect());
        let key = |region| UnitKey {
            account_id: "111122223333",
            region,
        };
        store
            .replace_unit(key("eu-west-1"), tables, &[batch(&["i-1", "i-2"])], at)
            .unwrap();
        store
            .replace_unit(key("us-east-1"), tables, &[batch(&["i-3"])], at)
            .unwrap();
        store
            .replace_unit(key("eu-west-1"), tables, &[batch(&["i-4"])], at)
            .unwrap();
        assert_eq!(
            count(&store, "SELECT count(*) FROM aws_ec2_instance"),
            2,
            "eu-west-1 replaced, us-east-1 kept"
        );
        assert_eq!(
            count(
                &store,
                "SELECT count(*) FROM aws_ec2_instance WHERE tags ->> 'Name' = 'web' AND ebs_optimized"
            ),
            2
        );
        // an empty result clears the unit
        store
            .replace_unit(key("eu-west-1"), tables, &[batch(&[])], at)
            .unwrap();
        assert_eq!(count(&store, "SELECT count(*) FROM aws_ec2_instance"), 1);
    }

    #[test]
    fn unknown_tables_and_stray_rows_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = open(&dir);
        let key = UnitKey {
            account_id: "111122223333",
            region: "global",
        };
        let at = OffsetDateTime::now_utc();
        const UNKNOWN: TableDef = TableDef {
            name: "org_accounts",
            ..ROLES
        };
        assert!(store.replace_unit(key, &[&UNKNOWN], &[], at).is_err());
        let stray = Batch::new(&INSTANCES, vec![instance("i-1")]);
        assert!(store.replace_unit(key, &[&ROLES], &[stray], at).is_err());
        // a misspelt column is refused, even in a unit that writes nothing else
        let misspelt = Batch::new(
            &ROLES,
            vec![Row::default().with("nmae", Cell::Text("r".into()))],
        );
        let err = store
            .replace_unit(key, &[&ROLES], &[misspelt], at)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("has `nmae` where the definition has `name`"),
            "{err}"
        );
    }

    #[test]
    fn runs_and_errors_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = open(&dir);
        let run = store.begin_run("collect", &serde_json::json!({})).unwrap();
        let error = UnitError {
            account_id: "111122223333".into(),
            region: "eu-west-1".into(),
            table_name: "aws_ec2_instance".into(),
            error_code: "UnauthorizedOperation".into(),
            message: "no".into(),
            action: Some("ec2:DescribeInstances".into()),
            resource: None,
        };
        store.record_error(run, &error).unwrap();
        store
            .finish_run(
                run,
                RunStatus::Partial,
                RunTotals {
                    units: 2,
                    failed_units: 1,
                    ..RunTotals::default()
                },
            )
            .unwrap();
        assert_eq!(store.run_errors(run).unwrap(), vec![error]);
    }
}
