//! Data on stdout: aligned tables, CSV (RFC 4180 quoting), JSON. Nothing else writes to stdout.

use std::io::Write;

use anyhow::Result;
use serde_json::json;

/// Writes rows as a left-aligned table with a header.
pub fn table(out: &mut impl Write, header: &[&str], rows: &[Vec<String>]) -> Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                s.push_str(cell);
            } else {
                s.push_str(cell);
                s.extend(std::iter::repeat_n(' ', w - cell.chars().count() + 2));
            }
        }
        s.trim_end().to_owned()
    };
    writeln!(out, "{}", line(header.to_vec()))?;
    for row in rows {
        writeln!(out, "{}", line(row.iter().map(String::as_str).collect()))?;
    }
    Ok(())
}

fn csv_cell(cell: &str) -> String {
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_owned()
    }
}

/// Writes rows as CSV with a header line.
pub fn csv(out: &mut impl Write, header: &[&str], rows: &[Vec<String>]) -> Result<()> {
    writeln!(
        out,
        "{}",
        header
            .iter()
            .map(|h| csv_cell(h))
            .collect::<Vec<_>>()
            .join(",")
    )?;
    for row in rows {
        writeln!(
            out,
            "{}",
            row.iter()
                .map(|c| csv_cell(c))
                .collect::<Vec<_>>()
                .join(",")
        )?;
    }
    Ok(())
}

/// Writes rows as a table or as CSV, as `format` says (JSON callers shape their own objects).
pub fn rows(
    out: &mut impl Write,
    format: crate::args::TableFormat,
    header: &[&str],
    rows: &[Vec<String>],
) -> Result<()> {
    if format == crate::args::TableFormat::Csv {
        csv(out, header, rows)
    } else {
        table(out, header, rows)
    }
}

/// Writes pretty JSON and a newline.
pub fn json(out: &mut impl Write, value: &impl serde::Serialize) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

/// Streams query results in one of the formats: CSV and JSON row by row, tables once every
/// row is known (to size the columns).
pub struct QueryOutput<W: Write> {
    out: W,
    format: crate::args::TableFormat,
    columns: Vec<canopy_store::QueryColumn>,
    buffered: Vec<Vec<String>>,
    rows: u64,
}

fn plain(value: &canopy_store::QueryValue, null: &str) -> String {
    use canopy_store::QueryValue as V;
    match value {
        V::Null => null.to_owned(),
        V::Integer(i) => i.to_string(),
        V::Real(r) => r.to_string(),
        V::Text(t) => t.clone(),
        V::Blob(b) => format!("<{} bytes>", b.len()),
    }
}

fn typed(column: &canopy_store::QueryColumn, value: canopy_store::QueryValue) -> serde_json::Value {
    use canopy_store::{ColumnKind, QueryValue as V};
    use serde_json::Value as J;
    match value {
        V::Null => J::Null,
        V::Integer(i) if column.kind == ColumnKind::Boolean => J::Bool(i != 0),
        V::Integer(i) => J::from(i),
        V::Real(r) => serde_json::Number::from_f64(r).map_or(J::Null, J::Number),
        V::Text(t) if column.holds_json(&t) => serde_json::from_str(&t).unwrap_or(J::String(t)),
        V::Text(t) => J::String(t),
        V::Blob(b) => J::String(format!("<{} bytes>", b.len())),
    }
}

impl<W: Write> QueryOutput<W> {
    pub fn new(out: W, format: crate::args::TableFormat) -> Self {
        Self {
            out,
            format,
            columns: Vec::new(),
            buffered: Vec::new(),
            rows: 0,
        }
    }

    /// Ends the output; returns the number of rows.
    pub fn finish(mut self) -> Result<u64> {
        match self.format {
            crate::args::TableFormat::Json => {
                if self.rows == 0 {
                    writeln!(self.out, "]")?;
                } else {
                    writeln!(self.out, "\n]")?;
                }
            }
            crate::args::TableFormat::Table => {
                let names: Vec<&str> = self.columns.iter().map(|c| c.name.as_str()).collect();
                table(&mut self.out, &names, &self.buffered)?;
            }
            crate::args::TableFormat::Csv => {}
        }
        self.out.flush()?;
        Ok(self.rows)
    }
}

impl<W: Write> canopy_store::QuerySink for QueryOutput<W> {
    fn header(&mut self, columns: &[canopy_store::QueryColumn]) -> std::io::Result<()> {
        self.columns = columns.to_vec();
        match self.format {
            crate::args::TableFormat::Csv => {
                let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
                writeln!(
                    self.out,
                    "{}",
                    names
                        .iter()
                        .map(|h| csv_cell(h))
                        .collect::<Vec<_>>()
                        .join(",")
                )
            }
            crate::args::TableFormat::Json => write!(self.out, "["),
            crate::args::TableFormat::Table => Ok(()),
        }
    }

    fn row(&mut self, values: Vec<canopy_store::QueryValue>) -> std::io::Result<()> {
        self.rows += 1;
        match self.format {
            crate::args::TableFormat::Csv => {
                let cells: Vec<String> = values.iter().map(|v| csv_cell(&plain(v, ""))).collect();
                writeln!(self.out, "{}", cells.join(","))
            }
            crate::args::TableFormat::Json => {
                let mut object = serde_json::Map::new();
                for (column, value) in self.columns.iter().zip(values) {
                    object.insert(column.name.clone(), typed(column, value));
                }
                let sep = if self.rows == 1 { "\n  " } else { ",\n  " };
                write!(self.out, "{sep}")?;
                serde_json::to_writer(&mut self.out, &object)?;
                Ok(())
            }
            crate::args::TableFormat::Table => {
                self.buffered
                    .push(values.iter().map(|v| plain(v, "<null>")).collect());
                Ok(())
            }
        }
    }
}

/// A command's summary of an engine operation's typed report: one JSON form (what `--format
/// json` prints, stable) and one text form. Every summary is printed by [`print`].
pub trait Summary {
    fn json(&self) -> serde_json::Value;
    fn text(&self, out: &mut dyn Write) -> Result<()>;
}

/// Prints `summary` on stdout in `format`.
pub fn print(format: crate::args::SummaryFormat, summary: &dyn Summary) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        crate::args::SummaryFormat::Json => json(&mut out, &summary.json()),
        crate::args::SummaryFormat::Text => summary.text(&mut out),
    }
}

/// `org sync`: each payer's outcome.
pub struct SyncSummary<'a>(pub &'a canopy_engine::sync::SyncReport);

impl Summary for SyncSummary<'_> {
    fn json(&self) -> serde_json::Value {
        let report = self.0;
        let payers: Vec<_> = report
            .outcomes
            .iter()
            .map(|o| match &o.result {
                Ok(s) => json!({
                    "payer": o.payer,
                    "status": "ok",
                    "org_id": s.org_id,
                    "management_account_id": s.management_account_id,
                    "synced_via": s.synced_via,
                    "accounts": s.accounts,
                    "active_accounts": s.active_accounts,
                    "ous": s.ous,
                    "policies": s.policies,
                    "warnings": s.warnings,
                }),
                Err(e) => json!({
                    "payer": o.payer,
                    "status": "error",
                    "error": {
                        "operation": e.operation,
                        "code": e.code,
                        "message": e.message,
                        "hint": e.hint().map(crate::printer::word),
                    },
                }),
            })
            .collect();
        json!({ "payers": payers })
    }

    fn text(&self, mut out: &mut dyn Write) -> Result<()> {
        let report = self.0;
        let rows: Vec<Vec<String>> = report
            .outcomes
            .iter()
            .map(|o| match &o.result {
                Ok(s) => vec![
                    o.payer.clone(),
                    s.org_id.to_string(),
                    s.accounts.to_string(),
                    s.active_accounts.to_string(),
                    s.ous.to_string(),
                    s.policies.to_string(),
                    if s.warnings.is_empty() {
                        "ok".to_owned()
                    } else {
                        format!("ok, {} warnings", s.warnings.len())
                    },
                ],
                Err(e) => vec![
                    o.payer.clone(),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                    format!("failed: {}", e.code),
                ],
            })
            .collect();
        table(
            &mut out,
            &[
                "PAYER", "ORG", "ACCOUNTS", "ACTIVE", "OUS", "POLICIES", "STATUS",
            ],
            &rows,
        )?;
        Ok(())
    }
}

/// `collect`: rows per table, failures by code, calls.
pub struct CollectSummary<'a> {
    pub report: &'a canopy_engine::inventory::collect::CollectReport,
    pub calls: u64,
    pub retries: u64,
    pub elapsed: std::time::Duration,
}

impl Summary for CollectSummary<'_> {
    fn json(&self) -> serde_json::Value {
        let (report, calls, retries, elapsed) =
            (self.report, self.calls, self.retries, self.elapsed);
        let groups = report.failures_by_code();

        let failures: Vec<_> = groups
            .iter()
            .map(|(code, (units, accounts))| {
                json!({"code": code, "units": units, "accounts": accounts})
            })
            .collect();
        json!({
            "run_id": report.run_id,
            "status": report.status().as_str(),
            "accounts": report.accounts,
            "units": report.units,
            "failed_units": report.failures.len(),
            "skipped_regions": report.skipped_regions,
            "rows": report.rows,
            "failures": failures,
            "refused_details": refused_by_action(&report.refused)
                .iter()
                .map(|((action, code), (calls, accounts))| {
                    json!({"action": action, "code": code, "calls": calls, "accounts": accounts})
                })
                .collect::<Vec<_>>(),
            "calls": calls,
            "retries": retries,
            "seconds": (elapsed.as_secs_f64() * 100.0).round() / 100.0,
        })
    }

    fn text(&self, mut out: &mut dyn Write) -> Result<()> {
        let (report, calls, retries, elapsed) =
            (self.report, self.calls, self.retries, self.elapsed);
        let groups = report.failures_by_code();

        let rows: Vec<Vec<String>> = report
            .rows
            .iter()
            .map(|(t, n)| vec![t.clone(), n.to_string()])
            .collect();
        table(&mut out, &["TABLE", "ROWS"], &rows)?;
        writeln!(
            out,
            "\n{} accounts, {} units ({} failed), {} regions skipped (not enabled), {} calls ({} retries) in {:.1}s; run {}",
            report.accounts,
            report.units,
            report.failures.len(),
            report.skipped_regions,
            calls,
            retries,
            elapsed.as_secs_f64(),
            report.run_id
        )?;
        let refused = refused_by_action(&report.refused);
        if !refused.is_empty() {
            writeln!(
                out,
                "\n{} detail calls refused (those resources' rows were kept, without what the call would have filled):",
                report.refused.len()
            )?;
            for ((action, code), (calls, accounts)) in &refused {
                writeln!(
                    out,
                    "  {action} {code}: {calls} resources in {} accounts",
                    accounts.len()
                )?;
            }
        }
        if !groups.is_empty() {
            writeln!(out, "\nfailures by error code:")?;
        }
        for (code, (units, accounts)) in &groups {
            let mut list: Vec<String> = accounts.iter().take(10).map(ToString::to_string).collect();
            if accounts.len() > 10 {
                list.push(format!("and {} more", accounts.len() - 10));
            }
            writeln!(
                out,
                "  {code}: {units} units in {} accounts: {}",
                accounts.len(),
                list.join(", ")
            )?;
        }
        if !groups.is_empty() || !refused.is_empty() {
            writeln!(
                out,
                "details: canopy query \"select * from canopy_errors where run_id = {}\"",
                report.run_id
            )?;
        }
        Ok(())
    }
}

/// Refused detail calls grouped by `(action, code)`: how many, in which accounts.
fn refused_by_action(
    refused: &[canopy_engine::inventory::collect::Failure],
) -> std::collections::BTreeMap<(String, String), (usize, std::collections::BTreeSet<String>)> {
    let mut groups: std::collections::BTreeMap<_, (usize, std::collections::BTreeSet<String>)> =
        std::collections::BTreeMap::new();
    for f in refused {
        let entry = groups
            .entry((f.operation.clone(), f.code.clone()))
            .or_default();
        entry.0 += 1;
        entry.1.insert(f.account.to_string());
    }
    groups
}

/// `credreport collect`: the manifest (JSON), or a row per account.
pub struct CredreportSummary<'a>(pub &'a canopy_engine::inventory::credreport::CredReportRun);

impl Summary for CredreportSummary<'_> {
    fn json(&self) -> serde_json::Value {
        let run = self.0;
        let mut manifest = canopy_engine::inventory::credreport::manifest(run);
        manifest["folder"] = json!(run.folder);
        manifest
    }

    fn text(&self, mut out: &mut dyn Write) -> Result<()> {
        let run = self.0;
        let rows: Vec<Vec<String>> = run
            .accounts
            .iter()
            .map(|a| {
                vec![
                    a.account.to_string(),
                    a.name.clone(),
                    a.users.to_string(),
                    a.generated_time.clone().unwrap_or_default(),
                    match &a.failure {
                        Some(f) => format!("failed: {}", f.code),
                        None => "ok".to_owned(),
                    },
                ]
            })
            .collect();
        table(
            &mut out,
            &["ACCOUNT", "NAME", "USERS", "GENERATED", "STATUS"],
            &rows,
        )?;
        // AWS hands back a report younger than four hours instead of a new one: say so
        let earlier = run
            .accounts
            .iter()
            .filter(|a| {
                a.generated_time
                    .as_deref()
                    .and_then(|t| {
                        time::OffsetDateTime::parse(
                            t,
                            &time::format_description::well_known::Rfc3339,
                        )
                        .ok()
                    })
                    .is_some_and(|t| t < run.started_at - time::Duration::minutes(1))
            })
            .count();
        if earlier > 0 {
            writeln!(
                out,
                "\n{earlier} report(s) were generated before this run started: AWS returns a report younger than four hours as it is (see GENERATED)"
            )?;
        }
        if let Some(folder) = &run.folder {
            writeln!(out, "\nfiles and manifest.json in {folder}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let mut buf = Vec::new();
        csv(
            &mut buf,
            &["a", "b"],
            &[vec!["x,y".into(), "say \"hi\"".into()]],
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "a,b\n\"x,y\",\"say \"\"hi\"\"\"\n"
        );
    }

    #[test]
    fn tables_align_columns() {
        let mut buf = Vec::new();
        table(
            &mut buf,
            &["ID", "NAME"],
            &[vec!["1".into(), "prod".into()]],
        )
        .unwrap();
        assert_eq!(String::from_utf8(buf).unwrap(), "ID  NAME\n1   prod\n");
    }

    #[test]
    fn query_json_keeps_types() {
        use canopy_store::{ColumnKind, QueryColumn, QueryValue};
        let mut buf = Vec::new();
        use canopy_store::QuerySink;
        let mut q = QueryOutput::new(&mut buf, crate::args::TableFormat::Json);
        let col = |name: &str, kind| QueryColumn {
            name: name.into(),
            kind,
        };
        q.header(&[
            col("tags", ColumnKind::Json),
            col("on", ColumnKind::Boolean),
            col("n", ColumnKind::Plain),
            col("e", ColumnKind::Expression),
        ])
        .unwrap();
        q.row(vec![
            QueryValue::Text("{\"Name\":\"web\"}".into()),
            QueryValue::Integer(1),
            QueryValue::Null,
            QueryValue::Text("[x]".into()),
        ])
        .unwrap();
        assert_eq!(q.finish().unwrap(), 1);
        let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(
            v,
            serde_json::json!([{"tags": {"Name": "web"}, "on": true, "n": null, "e": "[x]"}])
        );
    }
}
