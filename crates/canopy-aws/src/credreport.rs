//! IAM credential reports: ask for one (`GenerateCredentialReport`, which also tells how far
//! generation is), fetch it (`GetCredentialReport`), and read AWS's CSV into typed rows with
//! Steampipe's `aws_iam_credential_report` column names.

use aws_smithy_types::date_time::Format;
use canopy_model::inventory::{Cell, Row};
use canopy_model::table::{Column, ColumnType, Scope, TableDef};

use crate::error::AwsError;
use crate::retry::call;
use crate::session::AccountSession;

/// How far a report's generation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportState {
    Started,
    InProgress,
    Complete,
}

/// A fetched report: AWS's CSV, as AWS sent it, and when AWS generated it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialReport {
    pub csv: String,
    /// RFC 3339, UTC. AWS hands back a report younger than four hours instead of a new one.
    pub generated_time: Option<String>,
}

/// Asks IAM to generate the account's credential report; says how far it is.
pub async fn generate_credential_report(session: &AccountSession) -> Result<ReportState, AwsError> {
    let home = canopy_model::inventory::home_region(&session.partition);
    let client = session.client(home, aws_sdk_iam::Client::new);
    let out = call(
        &session.scope(),
        "iam:GenerateCredentialReport",
        None,
        || client.generate_credential_report().send(),
    )
    .await?;
    Ok(match out.state().map(|s| s.as_str()) {
        Some("COMPLETE") => ReportState::Complete,
        Some("INPROGRESS") => ReportState::InProgress,
        _ => ReportState::Started,
    })
}

/// Fetches the account's generated credential report.
pub async fn get_credential_report(session: &AccountSession) -> Result<CredentialReport, AwsError> {
    let home = canopy_model::inventory::home_region(&session.partition);
    let client = session.client(home, aws_sdk_iam::Client::new);
    let out = call(&session.scope(), "iam:GetCredentialReport", None, || {
        client.get_credential_report().send()
    })
    .await?;
    let csv = out
        .content()
        .map(|b| String::from_utf8_lossy(b.as_ref()).into_owned())
        .unwrap_or_default();
    let generated_time = out
        .generated_time()
        .and_then(|t| t.fmt(Format::DateTime).ok());
    Ok(CredentialReport {
        csv,
        generated_time,
    })
}

/// A credential report that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the credential report is malformed at line {line}: {why}")]
pub struct ReportError {
    pub line: u64,
    pub why: String,
}

/// `aws_iam_credential_report`: one row per IAM user (the root user included) per account,
/// typed from AWS's CSV; the columns, in AWS's order, tell how each value is read.
pub const CREDENTIAL_REPORT: TableDef = TableDef {
    name: "aws_iam_credential_report",
    scope: Scope::Global,
    description: "IAM credential reports: every user (and the root user) of every account, typed",
    columns: &[
        Column::text("user_name", "The user, or `<root_account>`").required(),
        Column::text("user_arn", "User ARN"),
        Column::time("user_creation_time", "User creation time"),
        Column::bool("password_enabled", "Password enabled"),
        Column::time("password_last_used", "Password last used"),
        Column::time("password_last_changed", "Password last changed"),
        Column::time("password_next_rotation", "Password next rotation"),
        Column::bool("mfa_active", "MFA active"),
        Column::bool("access_key_1_active", "Access key 1 active"),
        Column::time("access_key_1_last_rotated", "Access key 1 last rotated"),
        Column::time("access_key_1_last_used_date", "Access key 1 last used date"),
        Column::text(
            "access_key_1_last_used_region",
            "Access key 1 last used region",
        ),
        Column::text(
            "access_key_1_last_used_service",
            "Access key 1 last used service",
        ),
        Column::bool("access_key_2_active", "Access key 2 active"),
        Column::time("access_key_2_last_rotated", "Access key 2 last rotated"),
        Column::time("access_key_2_last_used_date", "Access key 2 last used date"),
        Column::text(
            "access_key_2_last_used_region",
            "Access key 2 last used region",
        ),
        Column::text(
            "access_key_2_last_used_service",
            "Access key 2 last used service",
        ),
        Column::bool("cert_1_active", "Cert 1 active"),
        Column::time("cert_1_last_rotated", "Cert 1 last rotated"),
        Column::bool("cert_2_active", "Cert 2 active"),
        Column::time("cert_2_last_rotated", "Cert 2 last rotated"),
        Column::time(
            "generated_time",
            "When AWS generated the report (a report under four hours old is reused by AWS)",
        ),
        Column::text(
            "password_status",
            "used, never_used or not_set (from password_last_used)",
        ),
        Column::PARTITION,
    ],
    actions: &["iam:GenerateCredentialReport", "iam:GetCredentialReport"],
    filled_by: "credreport collect",
};

/// The report's own header for a column (`user` and `arn` are prefixed in Steampipe's names);
/// `generated_time` is not in the CSV.
fn csv_header(column: &str) -> Option<&str> {
    match column {
        "user_name" => Some("user"),
        "user_arn" => Some("arn"),
        "generated_time" | "password_status" | "partition" => None,
        other => Some(other),
    }
}

/// The values AWS writes for "nothing here".
fn is_absent(value: &str) -> bool {
    matches!(value, "" | "N/A" | "no_information" | "not_supported")
}

fn cell(kind: ColumnType, value: &str, line: u64, column: &str) -> Result<Cell, ReportError> {
    if is_absent(value) {
        return Ok(Cell::Null);
    }
    match kind {
        ColumnType::Bool => match value {
            "true" | "TRUE" => Ok(Cell::Bool(true)),
            "false" | "FALSE" => Ok(Cell::Bool(false)),
            other => Err(ReportError {
                line,
                why: format!("`{column}` is `{other}`, not true or false"),
            }),
        },
        ColumnType::Timestamp => canopy_model::parse_time(value)
            .map(|t| Cell::Text(canopy_model::format_time(t)))
            .ok_or_else(|| ReportError {
                line,
                why: format!("`{column}` is `{value}`, not a timestamp"),
            }),
        _ => Ok(Cell::Text(value.to_owned())),
    }
}

/// Reads a credential report (AWS's CSV) into `aws_iam_credential_report` rows; the
/// `<root_account>` row is kept. Columns are found by name, so a reordered report still reads.
pub fn parse_credential_report(
    csv_text: &str,
    generated_time: Option<&str>,
) -> Result<Vec<Row>, ReportError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(csv_text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| ReportError {
            line: 1,
            why: e.to_string(),
        })?
        .clone();
    let mut positions = Vec::with_capacity(CREDENTIAL_REPORT.columns.len());
    for column in CREDENTIAL_REPORT.columns {
        let Some(source) = csv_header(column.name) else {
            continue;
        };
        let at = headers
            .iter()
            .position(|h| h == source)
            .ok_or_else(|| ReportError {
                line: 1,
                why: format!("no `{source}` column"),
            })?;
        positions.push((column, at));
    }
    let generated = Cell::text(generated_time);
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| ReportError {
            line: e.position().map_or(0, |p| p.line()),
            why: e.to_string(),
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let mut row = Row::default();
        let field = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .and_then(|at| record.get(at))
                .unwrap_or_default()
                .trim()
        };
        for (column, at) in &positions {
            let value = record.get(*at).unwrap_or_default().trim();
            row = row.with(column.name, cell(column.ty, value, line, column.name)?);
        }
        // Steampipe's reading of password_last_used: N/A = no password, no_information = never
        let status = match field("password_last_used") {
            "N/A" | "" | "not_supported" => "not_set",
            "no_information" => "never_used",
            _ => "used",
        };
        let partition = canopy_model::Arn::partition_of(field("arn"));
        rows.push(
            row.with("generated_time", generated.clone())
                .with("password_status", Cell::Text(status.to_owned()))
                .with("partition", Cell::text(partition)),
        );
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated
<root_account>,arn:aws:iam::111122223333:root,2019-03-01T10:00:00+00:00,not_supported,2026-11-01T08:00:00+00:00,not_supported,not_supported,true,true,2020-01-01T00:00:00+00:00,2026-10-30T12:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
alice,arn:aws:iam::111122223333:user/alice,2021-05-05T05:05:05+00:00,true,no_information,2021-05-05T05:05:05+00:00,N/A,false,true,2021-05-05T05:06:00+00:00,N/A,N/A,N/A,true,2024-02-02T02:02:02+00:00,2026-11-20T09:00:00+00:00,eu-west-1,ec2,true,2022-01-01T00:00:00+00:00,false,N/A
";

    fn get<'a>(row: &'a Row, column: &str) -> &'a Cell {
        &row.0.iter().find(|(c, _)| *c == column).unwrap().1
    }

    #[test]
    fn every_value_form_is_typed() {
        let rows = parse_credential_report(REPORT, Some("2026-11-21T08:00:00Z")).unwrap();
        assert_eq!(rows.len(), 2, "the root row is kept");
        let root = &rows[0];
        assert_eq!(get(root, "user_name"), &Cell::Text("<root_account>".into()));
        assert_eq!(get(root, "password_enabled"), &Cell::Null, "not_supported");
        assert_eq!(
            get(root, "password_last_used"),
            &Cell::Text("2026-11-01T08:00:00Z".into())
        );
        assert_eq!(get(root, "mfa_active"), &Cell::Bool(true));
        assert_eq!(get(root, "access_key_1_active"), &Cell::Bool(true));
        assert_eq!(get(root, "access_key_2_last_rotated"), &Cell::Null, "N/A");
        let alice = &rows[1];
        assert_eq!(
            get(alice, "password_last_used"),
            &Cell::Null,
            "no_information"
        );
        assert_eq!(get(alice, "password_enabled"), &Cell::Bool(true));
        assert_eq!(get(alice, "mfa_active"), &Cell::Bool(false));
        assert_eq!(
            get(alice, "access_key_2_last_used_region"),
            &Cell::Text("eu-west-1".into())
        );
        assert_eq!(get(alice, "cert_1_active"), &Cell::Bool(true));
        assert_eq!(
            get(alice, "generated_time"),
            &Cell::Text("2026-11-21T08:00:00Z".into())
        );
        assert_eq!(alice.0.len(), CREDENTIAL_REPORT.columns.len());
        assert_eq!(CREDENTIAL_REPORT.check(alice), Ok(()));
    }

    #[test]
    fn malformed_reports_name_the_line_and_column() {
        let bad = REPORT.replace(",true,2022-01-01", ",maybe,2022-01-01");
        let err = parse_credential_report(&bad, None).unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.why.contains("cert_1_active"), "{err}");
        let err = parse_credential_report("user,arn\nx,y\n", None).unwrap_err();
        assert!(err.why.contains("user_creation_time"), "{err}");
        assert_eq!(
            parse_credential_report(REPORT.lines().next().unwrap(), None).unwrap(),
            vec![]
        );
    }
}
