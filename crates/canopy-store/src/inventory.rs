//! Collected inventory: each unit's rows replace that unit's previous rows in one transaction,
//! and only when the unit succeeded, so a failed refresh never loses data. Runs and their
//! errors are recorded alongside.

use canopy_model::inventory::{Batch, Cell};
use rusqlite::{params, params_from_iter, types::Value};
use time::OffsetDateTime;

use crate::catalog;
use crate::{Result, Store, StoreError};

/// Where a unit's rows belong: they replace the rows of `account_id` in `region` (every region
/// of the account when `None`: `aws_region` rows carry their own region).
#[derive(Debug, Clone, Copy)]
pub struct UnitKey<'a> {
    pub account_id: &'a str,
    pub region: Option<&'a str>,
}

/// A failed unit, as recorded in `canopy_errors`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitError {
    pub account_id: String,
    pub region: String,
    pub table_name: String,
    pub error_code: String,
    pub message: String,
}

/// A run's final counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunTotals {
    pub accounts: u64,
    pub units: u64,
    pub failed_units: u64,
    pub rows: u64,
}

fn to_sql(cell: &Cell) -> Value {
    match cell {
        Cell::Null => Value::Null,
        Cell::Text(t) => Value::Text(t.clone()),
        Cell::Int(i) => Value::Integer(*i),
        Cell::Bool(b) => Value::Integer(i64::from(*b)),
        Cell::Json(v) => Value::Text(v.to_string()),
    }
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

    /// Ends a run with its counts; `status` is `ok`, `partial` or `interrupted`.
    pub fn finish_run(&mut self, run_id: i64, status: &str, totals: RunTotals) -> Result<()> {
        self.conn.execute(
            "UPDATE canopy_runs SET finished_at = ?2, status = ?3, accounts = ?4, units = ?5, failed_units = ?6, rows = ?7 WHERE run_id = ?1",
            params![
                run_id,
                canopy_model::format_time(OffsetDateTime::now_utc()),
                status,
                totals.accounts as i64,
                totals.units as i64,
                totals.failed_units as i64,
                totals.rows as i64
            ],
        )?;
        Ok(())
    }

    /// Records a failed unit. Its previous rows stay as they were.
    pub fn record_error(&mut self, run_id: i64, error: &UnitError) -> Result<()> {
        self.conn.execute(
            "INSERT INTO canopy_errors (run_id, account_id, region, table_name, error_code, message, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                run_id,
                error.account_id,
                error.region,
                error.table_name,
                error.error_code,
                error.message,
                canopy_model::format_time(OffsetDateTime::now_utc())
            ],
        )?;
        Ok(())
    }

    /// Replaces a successful unit's rows in `tables` with `batches`, in one transaction. Every
    /// table in `tables` is cleared for the unit, so resources that are gone disappear.
    pub fn replace_unit(
        &mut self,
        key: UnitKey<'_>,
        tables: &[&'static str],
        batches: &[Batch],
        collected_at: OffsetDateTime,
    ) -> Result<u64> {
        let at = canopy_model::format_time(collected_at);
        let tx = self.conn.transaction()?;
        for table in tables {
            let table = catalog::inventory_table(table)?;
            match key.region {
                Some(region) => tx.execute(
                    &format!("DELETE FROM {table} WHERE account_id = ?1 AND region = ?2"),
                    params![key.account_id, region],
                )?,
                None => tx.execute(
                    &format!("DELETE FROM {table} WHERE account_id = ?1"),
                    params![key.account_id],
                )?,
            };
        }
        let mut written = 0u64;
        for batch in batches {
            let table = catalog::inventory_table(batch.table)?;
            if !tables.contains(&table) {
                return Err(StoreError::Invalid(format!(
                    "rows for `{table}` do not belong to this unit"
                )));
            }
            let Some(first) = batch.rows.first() else {
                continue;
            };
            let columns: Vec<&str> = first.columns().collect();
            let has_region = columns.contains(&"region");
            let mut names = columns.join(", ");
            names.push_str(if has_region {
                ", account_id, collected_at"
            } else {
                ", account_id, collected_at, region"
            });
            let extra = if has_region { 2 } else { 3 };
            let marks = (1..=columns.len() + extra)
                .map(|i| format!("?{i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let mut stmt =
                tx.prepare_cached(&format!("INSERT INTO {table} ({names}) VALUES ({marks})"))?;
            for row in &batch.rows {
                if !row.columns().eq(columns.iter().copied()) {
                    return Err(StoreError::Invalid(format!(
                        "rows for `{table}` have different columns"
                    )));
                }
                let mut values: Vec<Value> = row.0.iter().map(|(_, c)| to_sql(c)).collect();
                values.push(Value::Text(key.account_id.to_owned()));
                values.push(Value::Text(at.clone()));
                if !has_region {
                    values.push(Value::Text(
                        key.region
                            .unwrap_or(canopy_model::inventory::GLOBAL_REGION)
                            .to_owned(),
                    ));
                }
                stmt.execute(params_from_iter(values))?;
                written += 1;
            }
        }
        tx.commit()?;
        Ok(written)
    }

    /// The errors recorded under a run.
    pub fn run_errors(&self, run_id: i64) -> Result<Vec<UnitError>> {
        let mut stmt = self.conn.prepare(
            "SELECT account_id, region, table_name, error_code, message FROM canopy_errors WHERE run_id = ?1 ORDER BY rowid",
        )?;
        let rows = stmt.query_map([run_id], |r| {
            Ok(UnitError {
                account_id: r.get(0)?,
                region: r.get(1)?,
                table_name: r.get(2)?,
                error_code: r.get(3)?,
                message: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use canopy_model::inventory::Row;

    use super::*;

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
        let mut store = Store::open(&dir.path().join("s.db")).unwrap();
        let at = OffsetDateTime::now_utc();
        let tables = &["aws_ec2_instance"];
        let batch = |ids: &[&str]| Batch {
            table: "aws_ec2_instance",
            rows: ids.iter().map(|i| instance(i)).collect(),
        };
        let key = |region| UnitKey {
            account_id: "111122223333",
            region: Some(region),
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
        let mut store = Store::open(&dir.path().join("s.db")).unwrap();
        let key = UnitKey {
            account_id: "111122223333",
            region: None,
        };
        let at = OffsetDateTime::now_utc();
        assert!(store.replace_unit(key, &["org_accounts"], &[], at).is_err());
        let stray = Batch {
            table: "aws_ec2_instance",
            rows: vec![instance("i-1")],
        };
        assert!(
            store
                .replace_unit(key, &["aws_iam_role"], &[stray], at)
                .is_err()
        );
    }

    #[test]
    fn runs_and_errors_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.db")).unwrap();
        let run = store.begin_run("collect", &serde_json::json!({})).unwrap();
        let error = UnitError {
            account_id: "111122223333".into(),
            region: "eu-west-1".into(),
            table_name: "aws_ec2_instance".into(),
            error_code: "UnauthorizedOperation".into(),
            message: "no".into(),
        };
        store.record_error(run, &error).unwrap();
        store
            .finish_run(
                run,
                "partial",
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
