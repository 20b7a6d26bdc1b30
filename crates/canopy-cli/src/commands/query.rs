//! `canopy query`, `tables`, `schema` and the canned reports: read-only SQL over the store.

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand};
use serde_json::json;

use super::{Ctx, Outcome};
use crate::args::TableFormat;
use crate::output;

/// `canopy query "SQL"`.
#[derive(Debug, Args)]
pub struct QueryArgs {
    /// One SQL statement: SQLite's, or PostgreSQL as Steampipe runs it (it may start with a
    /// `--` comment)
    #[arg(allow_hyphen_values = true, required_unless_present = "file")]
    pub sql: Option<String>,
    /// Read the statement from this file (`-`: standard input) instead
    #[arg(long, short = 'f', value_name = "PATH", conflicts_with = "sql")]
    pub file: Option<std::path::PathBuf>,
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub format: TableFormat,
}

/// A command whose only flag is its output format.
#[derive(Debug, Args)]
pub struct FormatArgs {
    #[arg(long, value_enum, default_value_t = TableFormat::Table)]
    pub format: TableFormat,
}

/// `canopy schema TABLE`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// The table (with --ddl: only this one; without, every exported table)
    #[arg(required_unless_present = "ddl")]
    pub table: Option<String>,
    #[arg(long, value_enum, default_value_t = TableFormat::Table, conflicts_with = "ddl")]
    pub format: TableFormat,
    /// The DDL that makes exported Parquet queryable in this engine
    #[arg(long, value_enum, requires = "location")]
    pub ddl: Option<super::lake::DdlDialect>,
    /// Where the export is (`canopy export --out`): s3://BUCKET/PREFIX for Athena and Trino, a
    /// folder or URL for DuckDB
    #[arg(long, value_name = "DIR|s3://BUCKET/PREFIX", requires = "ddl")]
    pub location: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Every network interface with a public address: account, OU path, region, address, attachment
    PublicIps {
        #[arg(long, value_enum, default_value_t = TableFormat::Table)]
        format: TableFormat,
    },
    /// Every route to an internet gateway
    InternetRoutes {
        #[arg(long, value_enum, default_value_t = TableFormat::Table)]
        format: TableFormat,
    },
    /// Credential hygiene across the organization, from the stored IAM credential reports
    #[command(
        after_help = "Findings: root user with active access keys or without MFA; console users without MFA; active access keys older than --max-key-age; passwords or active keys unused for longer than --max-unused (never used counts from creation or rotation); users with two active keys.\n\nRun `canopy credreport collect` first.\n\nExample:\n  canopy report credentials --max-key-age 90 --max-unused 45 --format csv"
    )]
    Credentials {
        /// Active access keys older than this many days are findings
        #[arg(long, default_value_t = 90, value_name = "DAYS")]
        max_key_age: u32,
        /// Passwords and active keys unused for longer than this many days are findings
        #[arg(long, default_value_t = 90, value_name = "DAYS")]
        max_unused: u32,
        #[arg(long, value_enum, default_value_t = TableFormat::Table)]
        format: TableFormat,
    },
}

impl ReportCommand {
    /// The report's name, its parameters and the output format.
    pub fn parts(&self) -> (&'static str, Vec<(&'static str, i64)>, TableFormat) {
        match self {
            Self::PublicIps { format } => ("public-ips", vec![], *format),
            Self::InternetRoutes { format } => ("internet-routes", vec![], *format),
            Self::Credentials {
                max_key_age,
                max_unused,
                format,
            } => (
                "credentials",
                vec![
                    (":max_key_age", i64::from(*max_key_age)),
                    (":max_unused", i64::from(*max_unused)),
                ],
                *format,
            ),
        }
    }
}

pub fn query(ctx: &Ctx, args: QueryArgs) -> Result<Outcome> {
    let sql = match (&args.sql, &args.file) {
        (Some(sql), _) => sql.clone(),
        (None, Some(path)) if path.as_os_str() == "-" => {
            let mut sql = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut sql)
                .context("cannot read the statement from standard input")?;
            sql
        }
        (None, Some(path)) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the statement from {}", path.display()))?,
        (None, None) => bail!("give a SQL statement, or --file PATH"),
    };
    // the user's statement: read as PostgreSQL where SQLite would read it otherwise
    let store = ctx.open_store()?;
    let mut out = output::QueryOutput::new(std::io::stdout().lock(), args.format);
    store.query(&sql, &mut out)?;
    out.finish()?;
    Ok(Outcome::Success)
}

fn query_with(
    ctx: &Ctx,
    sql: &str,
    params: &[(&str, i64)],
    format: TableFormat,
) -> Result<Outcome> {
    let store = ctx.open_store()?;
    let mut out = output::QueryOutput::new(std::io::stdout().lock(), format);
    store.query_with(sql, params, &mut out)?;
    out.finish()?;
    Ok(Outcome::Success)
}

pub fn report(ctx: &Ctx, command: ReportCommand) -> Result<Outcome> {
    let (name, params, format) = command.parts();
    run_report(ctx, name, &params, format)
}

fn run_report(
    ctx: &Ctx,
    name: &str,
    params: &[(&'static str, i64)],
    format: TableFormat,
) -> Result<Outcome> {
    let report = canopy_store::REPORTS
        .iter()
        .find(|r| r.name == name)
        .ok_or_else(|| anyhow!("no report named `{name}`"))?;
    // the report's defaults, overridden by what was given
    let mut values: Vec<(&str, i64)> = report.params.to_vec();
    for (name, value) in params {
        if let Some(slot) = values.iter_mut().find(|(n, _)| n == name) {
            slot.1 = *value;
        }
    }
    query_with(ctx, report.sql, &values, format)
}

pub fn tables(ctx: &Ctx, args: FormatArgs) -> Result<Outcome> {
    let format = args.format;
    let store = ctx.open_store()?;
    let tables = store.tables()?;
    let mut out = std::io::stdout().lock();
    match format {
        TableFormat::Json => {
            let list: Vec<_> = tables
                .iter()
                .map(|t| {
                    let def = canopy_engine::tables()
                        .iter()
                        .find(|d| d.name == t.doc.name);
                    json!({
                        "name": t.doc.name,
                        "description": t.doc.description,
                        "filled_by": t.doc.filled_by,
                        "rows": t.rows,
                        // what one unit of collection reads, for a table canopy declares
                        "scope": def.map(|d| d.scope.as_str()),
                        "actions": def.map(|d| d.actions),
                        "unit": canopy_engine::inventory::collect::unit_of(t.doc.name),
                    })
                })
                .collect();
            output::json(&mut out, &list)?;
        }
        TableFormat::Table | TableFormat::Csv => {
            let rows: Vec<Vec<String>> = tables
                .iter()
                .map(|t| {
                    vec![
                        t.doc.name.to_owned(),
                        t.rows.to_string(),
                        t.doc.filled_by.to_owned(),
                        t.doc.description.to_owned(),
                    ]
                })
                .collect();
            let header = ["TABLE", "ROWS", "FILLED BY", "DESCRIPTION"];
            output::rows(&mut out, format, &header, &rows)?;
        }
    }
    Ok(Outcome::Success)
}

pub fn schema(ctx: &Ctx, args: SchemaArgs) -> Result<Outcome> {
    if let (Some(dialect), Some(location)) = (args.ddl, &args.location) {
        return super::lake::ddl(ctx, dialect, args.table.as_deref(), location);
    }
    let (table, format) = (args.table.as_deref().unwrap_or_default(), args.format);
    let store = ctx.open_store()?;
    let columns = store.schema(table)?;
    if columns.is_empty() {
        bail!("no table named `{table}`; see `canopy tables`");
    }
    let mut out = std::io::stdout().lock();
    match format {
        TableFormat::Json => {
            let list: Vec<_> = columns
                .iter()
                .map(|c| json!({"name": c.name, "type": c.sql_type, "postgres_type": c.postgres_type, "description": c.description}))
                .collect();
            output::json(&mut out, &list)?;
        }
        TableFormat::Table | TableFormat::Csv => {
            let rows: Vec<Vec<String>> = columns
                .iter()
                .map(|c| vec![c.name.clone(), c.sql_type.clone(), c.description.to_owned()])
                .collect();
            let header = ["COLUMN", "TYPE", "DESCRIPTION"];
            output::rows(&mut out, format, &header, &rows)?;
        }
    }
    Ok(Outcome::Success)
}
