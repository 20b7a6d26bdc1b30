//! Read-only SQL for users (`canopy query`, the canned reports): a separate connection opened
//! read-only with `query_only` on, one statement at a time, and statements that would write
//! refused before they run. Rows stream to the caller.

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use crate::catalog::{self, TableDoc};
use crate::{Result, Store, StoreError};

/// A result column and what its values are, for output formats that have types (JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryColumn {
    pub name: String,
    pub kind: ColumnKind,
}

/// What a result column holds beyond SQLite's storage class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// JSON text (declared JSON, or a snapshot column known to hold JSON).
    Json,
    /// 0 or 1, declared BOOLEAN.
    Boolean,
    /// An expression: JSON when its text is an object or array, as the results of `->` and
    /// the json functions are.
    Expression,
    Plain,
}

/// A value of a result row.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryValue {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// Where query results go: the columns first, then each row.
pub trait QuerySink {
    fn header(&mut self, columns: &[QueryColumn]) -> std::io::Result<()>;
    fn row(&mut self, values: Vec<QueryValue>) -> std::io::Result<()>;
}

/// A sink that keeps everything (tests, small results).
#[derive(Debug, Default)]
pub struct Collected {
    pub columns: Vec<QueryColumn>,
    pub rows: Vec<Vec<QueryValue>>,
}

impl QuerySink for Collected {
    fn header(&mut self, columns: &[QueryColumn]) -> std::io::Result<()> {
        self.columns = columns.to_vec();
        Ok(())
    }

    fn row(&mut self, values: Vec<QueryValue>) -> std::io::Result<()> {
        self.rows.push(values);
        Ok(())
    }
}

/// A table or view users can query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableInfo {
    pub doc: TableDoc,
    pub rows: u64,
}

/// A column of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnInfo {
    pub name: String,
    pub sql_type: String,
    /// Steampipe's type for it in PostgreSQL (`text`, `jsonb`, `cidr`, `ltree`, ...).
    pub postgres_type: &'static str,
    pub description: &'static str,
}

/// A table's (or view's) columns and declared types, for the PostgreSQL translation.
pub(crate) fn table_columns(conn: &Connection, table: &str) -> Option<crate::pg::Columns> {
    let mut stmt = conn
        .prepare("SELECT name, type FROM pragma_table_info(?1)")
        .ok()?;
    let columns: crate::pg::Columns = stmt
        .query_map([table], |r| {
            let name: String = r.get(0)?;
            let declared: String = r.get(1)?;
            // a view's computed column has no declared type: the catalog knows it
            let declared = match catalog::view_column_type(table, &name) {
                Some(t) if declared.is_empty() || declared.eq_ignore_ascii_case("TEXT") => {
                    t.to_owned()
                }
                _ => declared,
            };
            Ok((name, declared))
        })
        .ok()?
        .collect::<rusqlite::Result<_>>()
        .ok()?;
    (!columns.is_empty()).then_some(columns)
}

/// Organization columns that hold JSON in TEXT columns of the snapshot tables.
const JSON_TEXT_COLUMNS: &[(&str, &str)] = &[
    ("org_accounts", "tags"),
    ("org_policies", "content"),
    ("org_organizations", "enabled_policy_types"),
];

fn looks_like_json(text: &str) -> bool {
    let t = text.trim_start();
    (t.starts_with('{') || t.starts_with('['))
        && serde_json::from_str::<serde_json::Value>(text).is_ok()
}

impl Store {
    fn readonly_connection(&self) -> Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|source| StoreError::Open {
            path: self.path.clone(),
            source,
        })?;
        conn.pragma_update(None, "query_only", true)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        crate::pg::install(&conn)?;
        Ok(conn)
    }

    /// Runs one read-only statement into `sink`, row by row. A statement that would write is
    /// refused before it runs.
    ///
    /// A statement SQLite runs is run as written, unless it means something else there than in
    /// PostgreSQL (`->>`, comparisons with `'true'`/`'false'`: [`crate::pg::postgres_typed`]):
    /// that one is read as the PostgreSQL its author wrote.
    pub fn query(&self, sql: &str, sink: &mut dyn QuerySink) -> Result<u64> {
        self.run(sql, &[], crate::pg::postgres_typed(sql), sink)
    }

    /// [`Store::query`] with named integer parameters (`:max_key_age`), as the reports take.
    pub fn query_with(
        &self,
        sql: &str,
        params: &[(&str, i64)],
        sink: &mut dyn QuerySink,
    ) -> Result<u64> {
        self.run(sql, params, false, sink)
    }

    /// Runs `sql`: as written when SQLite runs it (unless `postgres_first`, when a translation
    /// that SQLite runs goes first); otherwise PostgreSQL, translated.
    fn run(
        &self,
        sql: &str,
        params: &[(&str, i64)],
        postgres_first: bool,
        sink: &mut dyn QuerySink,
    ) -> Result<u64> {
        let conn = self.readonly_connection()?;
        let columns = |table: &str| table_columns(&conn, table);
        let translated = postgres_first
            .then(|| crate::pg::translate(sql, &columns).ok())
            .flatten()
            .and_then(|t| conn.prepare(&t.sql).ok().map(|stmt| (stmt, t.outputs)));
        let (mut stmt, outputs) = match translated {
            Some(found) => found,
            None => match conn.prepare(sql) {
                Ok(stmt) => {
                    let columns = |table: &str| table_columns(&conn, table);
                    let outputs = crate::pg::output_columns(sql, &columns).unwrap_or_default();
                    (stmt, outputs)
                }
                Err(rusqlite::Error::MultipleStatement) => {
                    return Err(StoreError::Query(
                        "give one SQL statement at a time".to_owned(),
                    ));
                }
                Err(original) => {
                    let columns = |table: &str| table_columns(&conn, table);
                    match crate::pg::translate(sql, &columns) {
                        Ok(translation) => match conn.prepare(&translation.sql) {
                            Ok(stmt) => (stmt, translation.outputs),
                            Err(e) => {
                                return Err(StoreError::Query(format!(
                                    "{} (read as PostgreSQL and translated to `{}`, SQLite says: {})",
                                    sql_message(&original),
                                    translation.sql,
                                    sql_message(&e)
                                )));
                            }
                        },
                        Err(crate::pg::Untranslatable::Parse(_)) => {
                            return Err(StoreError::Query(sql_message(&original)));
                        }
                        Err(untranslatable) => {
                            return Err(StoreError::Query(format!(
                                "{}; read as PostgreSQL: {untranslatable}",
                                sql_message(&original)
                            )));
                        }
                    }
                }
            },
        };
        let attach = sql
            .trim_start()
            .get(..6)
            .is_some_and(|w| w.eq_ignore_ascii_case("attach"));
        if !stmt.readonly() || attach {
            return Err(StoreError::WriteRefused);
        }
        let columns: Vec<QueryColumn> = stmt
            .columns_with_metadata()
            .iter()
            .zip(stmt.columns())
            .enumerate()
            .map(|(i, (meta, col))| {
                let origin = meta.table_name().zip(meta.origin_name());
                let kind = match col.decl_type() {
                    None => match outputs.get(i) {
                        Some(crate::pg::Output::Boolean) => ColumnKind::Boolean,
                        Some(crate::pg::Output::Json) => ColumnKind::Json,
                        _ => ColumnKind::Expression,
                    },
                    Some(t) if t.eq_ignore_ascii_case("JSON") => ColumnKind::Json,
                    Some(t) if t.eq_ignore_ascii_case("BOOLEAN") => ColumnKind::Boolean,
                    Some(_) if origin.is_some_and(|o| JSON_TEXT_COLUMNS.contains(&o)) => {
                        ColumnKind::Json
                    }
                    Some(_) => ColumnKind::Plain,
                };
                QueryColumn {
                    name: meta.name().to_owned(),
                    kind,
                }
            })
            .collect();
        sink.header(&columns).map_err(StoreError::Output)?;
        let width = columns.len();
        let mut rows = stmt
            .query(params)
            .map_err(|e| StoreError::Query(sql_message(&e)))?;
        let mut count = 0u64;
        while let Some(r) = rows
            .next()
            .map_err(|e| StoreError::Query(sql_message(&e)))?
        {
            let mut values = Vec::with_capacity(width);
            for i in 0..width {
                let value = match r.get_ref(i)? {
                    ValueRef::Null => QueryValue::Null,
                    ValueRef::Integer(v) => QueryValue::Integer(v),
                    ValueRef::Real(v) => QueryValue::Real(v),
                    ValueRef::Text(t) => QueryValue::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => QueryValue::Blob(b.to_vec()),
                };
                values.push(value);
            }
            sink.row(values).map_err(StoreError::Output)?;
            count += 1;
        }
        Ok(count)
    }

    /// Every table and view users query, in display order: the organization, the inventory (in
    /// definition order), the views over it (when the store has their tables), canopy's records.
    pub fn table_docs(&self) -> Vec<TableDoc> {
        catalog::ORGANIZATION
            .iter()
            .copied()
            .chain(self.tables.iter().map(|def| TableDoc::of(def)))
            .chain(
                catalog::VIEWS
                    .iter()
                    .filter(|(_, needs)| {
                        needs
                            .iter()
                            .all(|n| self.tables.iter().any(|d| d.name == *n))
                    })
                    .map(|(doc, _)| *doc),
            )
            .chain(catalog::RECORDS.iter().copied())
            .collect()
    }

    /// The tables and views users query, with their row counts.
    pub fn tables(&self) -> Result<Vec<TableInfo>> {
        let conn = self.readonly_connection()?;
        self.table_docs()
            .into_iter()
            .map(|doc| {
                let rows: i64 =
                    conn.query_row(&format!("SELECT count(*) FROM {}", doc.name), [], |r| {
                        r.get(0)
                    })?;
                Ok(TableInfo {
                    doc,
                    rows: rows as u64,
                })
            })
            .collect()
    }

    /// The columns of a table users query (empty when there is no such table): an inventory
    /// table's from its definition, the others' from SQLite with words from the catalog.
    pub fn schema(&self, table: &str) -> Result<Vec<ColumnInfo>> {
        if let Some(def) = self.tables.iter().find(|d| d.name == table) {
            return Ok(def
                .stored_columns()
                .map(|c| ColumnInfo {
                    name: c.name.to_owned(),
                    sql_type: c.ty.sql().to_owned(),
                    postgres_type: c.ty.postgres(),
                    description: c.doc,
                })
                .collect());
        }
        let docs = self.table_docs();
        let Some(doc) = docs.iter().find(|d| d.name == table) else {
            return Ok(Vec::new());
        };
        let mut stmt = self
            .conn
            .prepare("SELECT name, type FROM pragma_table_info(?1) ORDER BY cid")?;
        let columns = stmt.query_map([doc.name], |r| {
            let name: String = r.get(0)?;
            let sql_type: String = r.get(1)?;
            Ok((name, sql_type))
        })?;
        columns
            .map(|c| {
                let (name, sql_type) = c?;
                let description = catalog::column_description(doc.name, &name);
                Ok(ColumnInfo {
                    postgres_type: catalog::view_postgres_type(doc.name, &name, &sql_type),
                    sql_type: if sql_type.is_empty() {
                        "ANY".to_owned()
                    } else {
                        sql_type
                    },
                    name,
                    description,
                })
            })
            .collect()
    }
}

/// SQLite's own words for a failed statement.
fn sql_message(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqliteFailure(_, Some(message)) => message.clone(),
        rusqlite::Error::SqlInputError { msg, .. } => msg.clone(),
        other => other.to_string(),
    }
}

impl QueryColumn {
    /// Whether `text`, a value of this column, is JSON to be emitted as such.
    pub fn holds_json(&self, text: &str) -> bool {
        match self.kind {
            ColumnKind::Json => true,
            ColumnKind::Expression => looks_like_json(text),
            ColumnKind::Boolean | ColumnKind::Plain => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(store: &Store, sql: &str) -> Result<(Vec<QueryColumn>, Vec<Vec<QueryValue>>)> {
        let mut sink = Collected::default();
        store.query(sql, &mut sink)?;
        Ok((sink.columns, sink.rows))
    }

    #[test]
    fn writes_are_refused_and_reads_run() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.db"), &[]).unwrap();
        for sql in [
            "DELETE FROM org_accounts",
            "INSERT INTO canopy_runs (command, started_at, status) VALUES ('x', 'y', 'z')",
            "DROP TABLE aws_ec2_instance",
            "CREATE TABLE t (a)",
            "PRAGMA user_version = 9",
            "ATTACH DATABASE 'other.db' AS other",
        ] {
            assert!(
                matches!(run(&store, sql), Err(StoreError::WriteRefused)),
                "{sql} was not refused"
            );
        }
        assert!(matches!(
            run(&store, "SELECT 1; DELETE FROM org_accounts"),
            Err(StoreError::Query(_))
        ));
        let (cols, rows) = run(&store, "SELECT 1 AS one, json_object('a', 1) AS j").unwrap();
        assert_eq!(cols[0].name, "one");
        assert_eq!(
            rows,
            vec![vec![
                QueryValue::Integer(1),
                QueryValue::Text("{\"a\":1}".into())
            ]]
        );
        let (cols, _) = run(
            &store,
            "SELECT tags, instance_id, ebs_optimized, tags -> 'a' FROM aws_ec2_instance",
        )
        .unwrap();
        let kinds: Vec<ColumnKind> = cols.iter().map(|c| c.kind).collect();
        assert_eq!(
            kinds,
            [
                ColumnKind::Json,
                ColumnKind::Plain,
                ColumnKind::Boolean,
                ColumnKind::Json
            ]
        );
        let (cols, _) = run(&store, "SELECT tags FROM aws_organizations_account").unwrap();
        assert_eq!(cols[0].kind, ColumnKind::Json, "JSON through the view");
        match run(&store, "SELEC nothing") {
            Err(StoreError::Query(m)) => assert!(m.contains("syntax error"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
}
