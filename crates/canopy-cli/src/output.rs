//! Data on stdout: aligned tables, CSV (RFC 4180 quoting), JSON. Nothing else writes to stdout.

use std::io::Write;

use anyhow::Result;

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
    format: crate::cli::TableFormat,
    header: &[&str],
    rows: &[Vec<String>],
) -> Result<()> {
    if format == crate::cli::TableFormat::Csv {
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
    format: crate::cli::TableFormat,
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
    pub fn new(out: W, format: crate::cli::TableFormat) -> Self {
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
            crate::cli::TableFormat::Json => {
                if self.rows == 0 {
                    writeln!(self.out, "]")?;
                } else {
                    writeln!(self.out, "\n]")?;
                }
            }
            crate::cli::TableFormat::Table => {
                let names: Vec<&str> = self.columns.iter().map(|c| c.name.as_str()).collect();
                table(&mut self.out, &names, &self.buffered)?;
            }
            crate::cli::TableFormat::Csv => {}
        }
        self.out.flush()?;
        Ok(self.rows)
    }
}

impl<W: Write> canopy_store::QuerySink for QueryOutput<W> {
    fn header(&mut self, columns: &[canopy_store::QueryColumn]) -> std::io::Result<()> {
        self.columns = columns.to_vec();
        match self.format {
            crate::cli::TableFormat::Csv => {
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
            crate::cli::TableFormat::Json => write!(self.out, "["),
            crate::cli::TableFormat::Table => Ok(()),
        }
    }

    fn row(&mut self, values: Vec<canopy_store::QueryValue>) -> std::io::Result<()> {
        self.rows += 1;
        match self.format {
            crate::cli::TableFormat::Csv => {
                let cells: Vec<String> = values.iter().map(|v| csv_cell(&plain(v, ""))).collect();
                writeln!(self.out, "{}", cells.join(","))
            }
            crate::cli::TableFormat::Json => {
                let mut object = serde_json::Map::new();
                for (column, value) in self.columns.iter().zip(values) {
                    object.insert(column.name.clone(), typed(column, value));
                }
                let sep = if self.rows == 1 { "\n  " } else { ",\n  " };
                write!(self.out, "{sep}")?;
                serde_json::to_writer(&mut self.out, &object)?;
                Ok(())
            }
            crate::cli::TableFormat::Table => {
                self.buffered
                    .push(values.iter().map(|v| plain(v, "<null>")).collect());
                Ok(())
            }
        }
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
        let mut q = QueryOutput::new(&mut buf, crate::cli::TableFormat::Json);
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
