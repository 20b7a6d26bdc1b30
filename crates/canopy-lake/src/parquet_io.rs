//! Rows to Parquet and back. A [`ParquetSink`] takes the store's rows (it is a query sink) and
//! writes them in batches of [`BATCH_ROWS`]; [`read_rows`] hands a file's rows back as the
//! store's values, batch by batch. Column types map one to one: text, JSON, addresses -> UTF-8;
//! integers -> INT64; reals -> DOUBLE; booleans -> BOOLEAN; timestamps -> INT64 microseconds,
//! UTC.

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, RecordBatchReader,
    StringArray, TimestampMicrosecondArray,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use canopy_model::table::ColumnType;
use canopy_store::{ExchangeTable, QueryColumn, QuerySink, QueryValue};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use time::OffsetDateTime;

use crate::LakeError;

/// Rows buffered before they are handed to the writer.
pub const BATCH_ROWS: usize = 8192;

/// Rows per row group (the writer's default is a million, all held in memory until written):
/// memory stays bounded by this, whatever the table, and readers stream a group at a time.
pub const ROW_GROUP_ROWS: usize = 16_384;

/// And at most this many bytes (wide rows: policies, tags).
pub const ROW_GROUP_BYTES: usize = 32 << 20;

const UTC: &str = "UTC";

fn arrow_type(ty: ColumnType) -> DataType {
    match ty {
        ColumnType::Text | ColumnType::Json | ColumnType::Inet | ColumnType::Cidr => DataType::Utf8,
        ColumnType::Int => DataType::Int64,
        ColumnType::Double => DataType::Float64,
        ColumnType::Bool => DataType::Boolean,
        ColumnType::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, Some(UTC.into())),
    }
}

fn type_word(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::Text | ColumnType::Json | ColumnType::Inet | ColumnType::Cidr => "text",
        ColumnType::Int => "an integer",
        ColumnType::Double => "a number",
        ColumnType::Bool => "a boolean",
        ColumnType::Timestamp => "an RFC 3339 timestamp",
    }
}

/// A table's Arrow schema.
fn schema(table: &ExchangeTable) -> SchemaRef {
    Arc::new(Schema::new(
        table
            .columns
            .iter()
            .map(|(name, ty)| Field::new(name, arrow_type(*ty), true))
            .collect::<Vec<_>>(),
    ))
}

enum Builder {
    Text(StringBuilder),
    Int(Int64Builder),
    Double(Float64Builder),
    Bool(BooleanBuilder),
    Time(TimestampMicrosecondBuilder),
}

impl Builder {
    fn new(ty: ColumnType) -> Self {
        match ty {
            ColumnType::Text | ColumnType::Json | ColumnType::Inet | ColumnType::Cidr => {
                Self::Text(StringBuilder::new())
            }
            ColumnType::Int => Self::Int(Int64Builder::new()),
            ColumnType::Double => Self::Double(Float64Builder::new()),
            ColumnType::Bool => Self::Bool(BooleanBuilder::new()),
            ColumnType::Timestamp => {
                Self::Time(TimestampMicrosecondBuilder::new().with_timezone(UTC))
            }
        }
    }

    /// Appends `value`; `None` when it is not of the column's type.
    fn append(&mut self, value: QueryValue) -> Option<()> {
        match (self, value) {
            (Self::Text(b), QueryValue::Null) => b.append_null(),
            (Self::Int(b), QueryValue::Null) => b.append_null(),
            (Self::Double(b), QueryValue::Null) => b.append_null(),
            (Self::Bool(b), QueryValue::Null) => b.append_null(),
            (Self::Time(b), QueryValue::Null) => b.append_null(),
            (Self::Text(b), QueryValue::Text(t)) => b.append_value(t),
            (Self::Text(b), QueryValue::Integer(i)) => b.append_value(i.to_string()),
            (Self::Text(b), QueryValue::Real(r)) => b.append_value(r.to_string()),
            (Self::Text(b), QueryValue::Blob(bytes)) => {
                b.append_value(String::from_utf8_lossy(&bytes))
            }
            (Self::Int(b), QueryValue::Integer(i)) => b.append_value(i),
            (Self::Int(b), QueryValue::Text(t)) => b.append_value(t.trim().parse().ok()?),
            (Self::Double(b), QueryValue::Real(r)) => b.append_value(r),
            (Self::Double(b), QueryValue::Integer(i)) => b.append_value(i as f64),
            (Self::Double(b), QueryValue::Text(t)) => b.append_value(t.trim().parse().ok()?),
            (Self::Bool(b), QueryValue::Integer(i @ (0 | 1))) => b.append_value(i == 1),
            (Self::Bool(b), QueryValue::Text(t)) => match t.as_str() {
                "true" | "TRUE" | "1" => b.append_value(true),
                "false" | "FALSE" | "0" => b.append_value(false),
                _ => return None,
            },
            (Self::Time(b), QueryValue::Text(t)) => {
                let at = canopy_model::parse_time(&t)?;
                b.append_value(i64::try_from(at.unix_timestamp_nanos() / 1000).ok()?)
            }
            _ => return None,
        }
        Some(())
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Self::Text(b) => Arc::new(b.finish()),
            Self::Int(b) => Arc::new(b.finish()),
            Self::Double(b) => Arc::new(b.finish()),
            Self::Bool(b) => Arc::new(b.finish()),
            Self::Time(b) => Arc::new(b.finish()),
        }
    }
}

fn shown(value: &QueryValue) -> String {
    match value {
        QueryValue::Null => "null".to_owned(),
        QueryValue::Integer(i) => i.to_string(),
        QueryValue::Real(r) => r.to_string(),
        QueryValue::Text(t) => t.chars().take(80).collect(),
        QueryValue::Blob(b) => format!("{} bytes", b.len()),
    }
}

/// One table's rows going into a Parquet file, batch by batch.
pub struct ParquetSink<W: Write + Send> {
    table: ExchangeTable,
    schema: SchemaRef,
    builders: Vec<Builder>,
    buffered: usize,
    rows: u64,
    writer: ArrowWriter<W>,
}

/// What a finished file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParquetTable {
    pub rows: u64,
}

impl<W: Write + Send> ParquetSink<W> {
    /// A file of `table`'s columns, zstd-compressed.
    pub fn new(out: W, table: &ExchangeTable) -> Result<Self, LakeError> {
        let schema = schema(table);
        let level = ZstdLevel::try_new(3).map_err(|e| parquet_error(table.name, e))?;
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(level))
            // a row group is held in memory until it is written: bounded, not the whole table
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_max_row_group_bytes(Some(ROW_GROUP_BYTES))
            .set_created_by(format!("canopy {}", env!("CARGO_PKG_VERSION")))
            .build();
        let writer = ArrowWriter::try_new(out, schema.clone(), Some(props))
            .map_err(|e| parquet_error(table.name, e))?;
        Ok(Self {
            builders: table
                .columns
                .iter()
                .map(|(_, ty)| Builder::new(*ty))
                .collect(),
            table: table.clone(),
            schema,
            buffered: 0,
            rows: 0,
            writer,
        })
    }

    fn flush(&mut self) -> Result<(), LakeError> {
        if self.buffered == 0 {
            return Ok(());
        }
        let columns = self.builders.iter_mut().map(Builder::finish).collect();
        let batch = RecordBatch::try_new(self.schema.clone(), columns)
            .map_err(|e| parquet_error(self.table.name, e))?;
        self.writer
            .write(&batch)
            .map_err(|e| parquet_error(self.table.name, e))?;
        self.buffered = 0;
        Ok(())
    }

    /// Adds one row, its values in the table's column order.
    pub fn push(&mut self, values: Vec<QueryValue>) -> Result<(), LakeError> {
        for ((builder, (column, ty)), value) in self
            .builders
            .iter_mut()
            .zip(&self.table.columns)
            .zip(values)
        {
            let value_shown = shown(&value);
            if builder.append(value).is_none() {
                return Err(LakeError::Value {
                    table: self.table.name.to_owned(),
                    column: column.clone(),
                    value: value_shown,
                    expected: type_word(*ty),
                });
            }
        }
        self.buffered += 1;
        self.rows += 1;
        if self.buffered >= BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes what is buffered and the file's footer; hands back the output (to flush and
    /// sync it).
    pub fn finish(mut self) -> Result<(ParquetTable, W), LakeError> {
        self.flush()?;
        let name = self.table.name;
        let out = self
            .writer
            .into_inner()
            .map_err(|e| parquet_error(name, e))?;
        Ok((ParquetTable { rows: self.rows }, out))
    }
}

fn parquet_error(what: &str, e: impl std::fmt::Display) -> LakeError {
    LakeError::Parquet {
        path: what.to_owned(),
        message: e.to_string(),
    }
}

impl<W: Write + Send> QuerySink for ParquetSink<W> {
    fn header(&mut self, columns: &[QueryColumn]) -> std::io::Result<()> {
        let expected: Vec<&str> = self.table.columns.iter().map(|(c, _)| c.as_str()).collect();
        let got: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        if expected != got {
            return Err(std::io::Error::other(format!(
                "`{}`: the store's columns changed while exporting",
                self.table.name
            )));
        }
        Ok(())
    }

    fn row(&mut self, values: Vec<QueryValue>) -> std::io::Result<()> {
        self.push(values).map_err(std::io::Error::other)
    }
}

/// A timestamp as the store writes it: seconds (`2026-11-28T09:30:00Z`), with the fraction
/// only when there is one (`...:00.25Z`), as AWS's own timestamps are.
fn time_text(micros: i64) -> Option<String> {
    let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000).ok()?;
    let whole = canopy_model::format_time(at);
    let fraction = micros.rem_euclid(1_000_000);
    if fraction == 0 {
        return Some(whole);
    }
    let digits = format!("{fraction:06}");
    Some(format!(
        "{}.{}Z",
        whole.trim_end_matches('Z'),
        digits.trim_end_matches('0')
    ))
}

fn value_at(array: &dyn Array, row: usize) -> Option<QueryValue> {
    if array.is_null(row) {
        return Some(QueryValue::Null);
    }
    let any = array.as_any();
    if let Some(a) = any.downcast_ref::<StringArray>() {
        return Some(QueryValue::Text(a.value(row).to_owned()));
    }
    if let Some(a) = any.downcast_ref::<Int64Array>() {
        return Some(QueryValue::Integer(a.value(row)));
    }
    if let Some(a) = any.downcast_ref::<Float64Array>() {
        return Some(QueryValue::Real(a.value(row)));
    }
    if let Some(a) = any.downcast_ref::<BooleanArray>() {
        return Some(QueryValue::Integer(i64::from(a.value(row))));
    }
    if let Some(a) = any.downcast_ref::<TimestampMicrosecondArray>() {
        return time_text(a.value(row)).map(QueryValue::Text);
    }
    None
}

/// Reads the Parquet file at `path`, handing `row` each row as the store's values (booleans as
/// 0 and 1, timestamps as the store's text) with the column names. Returns how many rows.
pub fn read_rows<E, F>(path: &Path, mut row: F) -> Result<u64, E>
where
    E: From<LakeError>,
    F: FnMut(&[String], Vec<QueryValue>) -> Result<(), E>,
{
    let shown = path.display().to_string();
    let file = File::open(path).map_err(|source| LakeError::Io {
        path: shown.clone(),
        source,
    })?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.with_batch_size(BATCH_ROWS).build())
        .map_err(|e| parquet_error(&shown, e))?;
    let schema = reader.schema();
    let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    for field in schema.fields() {
        let known = matches!(
            field.data_type(),
            DataType::Utf8 | DataType::Int64 | DataType::Float64 | DataType::Boolean
        ) || matches!(
            field.data_type(),
            DataType::Timestamp(TimeUnit::Microsecond, _)
        );
        if !known {
            return Err(LakeError::Type {
                path: shown,
                column: field.name().clone(),
                found: field.data_type().to_string(),
                expected: "UTF-8, INT64, DOUBLE, BOOLEAN or a microsecond timestamp",
            }
            .into());
        }
    }
    let mut count = 0u64;
    for batch in reader {
        let batch = batch.map_err(|e| parquet_error(&shown, e))?;
        for r in 0..batch.num_rows() {
            let mut values = Vec::with_capacity(batch.num_columns());
            for (c, array) in batch.columns().iter().enumerate() {
                let value = value_at(array.as_ref(), r).ok_or_else(|| LakeError::Value {
                    table: shown.clone(),
                    column: names[c].clone(),
                    value: format!("row {}", count + 1),
                    expected: "a timestamp canopy can write",
                })?;
                values.push(value);
            }
            row(&names, values)?;
            count += 1;
        }
    }
    Ok(count)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use canopy_store::ExchangeKind;

    use super::*;

    fn table() -> ExchangeTable {
        ExchangeTable {
            name: "aws_thing",
            kind: ExchangeKind::Inventory,
            columns: vec![
                ("id".into(), ColumnType::Text),
                ("size".into(), ColumnType::Int),
                ("ratio".into(), ColumnType::Double),
                ("on".into(), ColumnType::Bool),
                ("at".into(), ColumnType::Timestamp),
                ("tags".into(), ColumnType::Json),
            ],
        }
    }

    #[test]
    fn rows_come_back_as_they_went_in_across_batches() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        let rows: Vec<Vec<QueryValue>> = (0..BATCH_ROWS as i64 + 3)
            .map(|i| {
                vec![
                    QueryValue::Text(format!("t-{i}")),
                    if i % 7 == 0 {
                        QueryValue::Null
                    } else {
                        QueryValue::Integer(i)
                    },
                    QueryValue::Real(i as f64 / 4.0),
                    QueryValue::Integer(i % 2),
                    QueryValue::Text(if i % 5 == 0 {
                        "2026-11-28T09:30:00.25Z".to_owned()
                    } else {
                        "2026-11-28T09:30:00Z".to_owned()
                    }),
                    QueryValue::Text(r#"{"Name":"a"}"#.to_owned()),
                ]
            })
            .collect();
        let mut sink = ParquetSink::new(File::create(&path).unwrap(), &table()).unwrap();
        for row in &rows {
            sink.push(row.clone()).unwrap();
        }
        assert_eq!(sink.finish().unwrap().0.rows, rows.len() as u64);
        let mut names = Vec::new();
        let mut back = Vec::new();
        read_rows::<LakeError, _>(&path, |c, r| {
            names = c.to_vec();
            back.push(r);
            Ok(())
        })
        .unwrap();
        assert_eq!(names, ["id", "size", "ratio", "on", "at", "tags"]);
        assert_eq!(back, rows);
    }

    #[test]
    fn a_value_of_the_wrong_type_is_named() {
        let mut sink = ParquetSink::new(Vec::new(), &table()).unwrap();
        let err = sink
            .push(vec![
                QueryValue::Text("t".into()),
                QueryValue::Integer(1),
                QueryValue::Real(1.0),
                QueryValue::Integer(1),
                QueryValue::Text("yesterday".into()),
                QueryValue::Null,
            ])
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "`aws_thing.at` holds `yesterday`, which is not an RFC 3339 timestamp"
        );
    }
}
