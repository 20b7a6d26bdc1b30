//! IAM credential reports: ask for one (`GenerateCredentialReport`, which also tells how far
//! generation is), fetch it (`GetCredentialReport`), and read AWS's CSV into typed rows with
//! Steampipe's `aws_iam_credential_report` column names.

use aws_smithy_types::date_time::Format;
use canopy_model::inventory::{Cell, Row};

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
    let client = aws_sdk_iam::Client::new(&session.config_in(home));
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
    let client = aws_sdk_iam::Client::new(&session.config_in(home));
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

/// The report's columns, in AWS's order, and their types.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Bool,
    Time,
}

const COLUMNS: &[(&str, &str, Kind)] = &[
    ("user", "user_name", Kind::Text),
    ("arn", "user_arn", Kind::Text),
    ("user_creation_time", "user_creation_time", Kind::Time),
    ("password_enabled", "password_enabled", Kind::Bool),
    ("password_last_used", "password_last_used", Kind::Time),
    ("password_last_changed", "password_last_changed", Kind::Time),
    (
        "password_next_rotation",
        "password_next_rotation",
        Kind::Time,
    ),
    ("mfa_active", "mfa_active", Kind::Bool),
    ("access_key_1_active", "access_key_1_active", Kind::Bool),
    (
        "access_key_1_last_rotated",
        "access_key_1_last_rotated",
        Kind::Time,
    ),
    (
        "access_key_1_last_used_date",
        "access_key_1_last_used_date",
        Kind::Time,
    ),
    (
        "access_key_1_last_used_region",
        "access_key_1_last_used_region",
        Kind::Text,
    ),
    (
        "access_key_1_last_used_service",
        "access_key_1_last_used_service",
        Kind::Text,
    ),
    ("access_key_2_active", "access_key_2_active", Kind::Bool),
    (
        "access_key_2_last_rotated",
        "access_key_2_last_rotated",
        Kind::Time,
    ),
    (
        "access_key_2_last_used_date",
        "access_key_2_last_used_date",
        Kind::Time,
    ),
    (
        "access_key_2_last_used_region",
        "access_key_2_last_used_region",
        Kind::Text,
    ),
    (
        "access_key_2_last_used_service",
        "access_key_2_last_used_service",
        Kind::Text,
    ),
    ("cert_1_active", "cert_1_active", Kind::Bool),
    ("cert_1_last_rotated", "cert_1_last_rotated", Kind::Time),
    ("cert_2_active", "cert_2_active", Kind::Bool),
    ("cert_2_last_rotated", "cert_2_last_rotated", Kind::Time),
];

/// The values AWS writes for "nothing here".
fn is_absent(value: &str) -> bool {
    matches!(value, "" | "N/A" | "no_information" | "not_supported")
}

fn cell(kind: Kind, value: &str, line: u64, column: &str) -> Result<Cell, ReportError> {
    if is_absent(value) {
        return Ok(Cell::Null);
    }
    match kind {
        Kind::Text => Ok(Cell::Text(value.to_owned())),
        Kind::Bool => match value {
            "true" | "TRUE" => Ok(Cell::Bool(true)),
            "false" | "FALSE" => Ok(Cell::Bool(false)),
            other => Err(ReportError {
                line,
                why: format!("`{column}` is `{other}`, not true or false"),
            }),
        },
        Kind::Time => canopy_model::parse_time(value)
            .map(|t| Cell::Text(canopy_model::format_time(t)))
            .ok_or_else(|| ReportError {
                line,
                why: format!("`{column}` is `{value}`, not a timestamp"),
            }),
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
    let mut positions = Vec::with_capacity(COLUMNS.len());
    for (source, _, _) in COLUMNS {
        let at = headers
            .iter()
            .position(|h| h == *source)
            .ok_or_else(|| ReportError {
                line: 1,
                why: format!("no `{source}` column"),
            })?;
        positions.push(at);
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
        for ((_, column, kind), at) in COLUMNS.iter().zip(&positions) {
            let value = record.get(*at).unwrap_or_default().trim();
            row = row.with(column, cell(*kind, value, line, column)?);
        }
        rows.push(row.with("generated_time", generated.clone()));
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
        assert_eq!(alice.0.len(), COLUMNS.len() + 1);
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
