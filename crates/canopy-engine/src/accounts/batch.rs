//! The account batch file: the CSV teams already keep for batch account creation (the "automate
//! AWS account creation with SSO user assignment" post's format), read and checked offline
//! before anything is asked of AWS. Every bad row is named with its line, its column, what is
//! wrong and what to write instead; a file with any bad row is refused whole.
//!
//! Header: `AccountName,SSOUserEmail,AccountEmail,SSOUserFirstName,SSOUserLastName,OrgUnit,
//! Status,AccountId,ErrorMsg` (the post's sample spelling `ErrroMsg` accepted too), plus the
//! optional `Tags` (`k=v;k=v`), `SSOGroup`, `PermissionSet`, `RoleName` and `Payer`. Columns
//! may come in any order; an unknown column is refused (a misspelt one would otherwise be
//! silently ignored).
//!
//! Over 600 lines: every check of the batch file, each naming its line and column, and a fifth of
//! it their tests.

use std::collections::HashMap;
use std::fmt;

/// A column of the batch file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BatchColumn {
    AccountName,
    SsoUserEmail,
    AccountEmail,
    SsoUserFirstName,
    SsoUserLastName,
    OrgUnit,
    Status,
    AccountId,
    ErrorMsg,
    Tags,
    SsoGroup,
    PermissionSet,
    RoleName,
    Payer,
}

impl BatchColumn {
    /// Every column, in the order the file is written back.
    pub const ALL: [Self; 14] = [
        Self::AccountName,
        Self::SsoUserEmail,
        Self::AccountEmail,
        Self::SsoUserFirstName,
        Self::SsoUserLastName,
        Self::OrgUnit,
        Self::Status,
        Self::AccountId,
        Self::ErrorMsg,
        Self::Tags,
        Self::SsoGroup,
        Self::PermissionSet,
        Self::RoleName,
        Self::Payer,
    ];

    /// The column's header.
    pub fn header(self) -> &'static str {
        match self {
            Self::AccountName => "AccountName",
            Self::SsoUserEmail => "SSOUserEmail",
            Self::AccountEmail => "AccountEmail",
            Self::SsoUserFirstName => "SSOUserFirstName",
            Self::SsoUserLastName => "SSOUserLastName",
            Self::OrgUnit => "OrgUnit",
            Self::Status => "Status",
            Self::AccountId => "AccountId",
            Self::ErrorMsg => "ErrorMsg",
            Self::Tags => "Tags",
            Self::SsoGroup => "SSOGroup",
            Self::PermissionSet => "PermissionSet",
            Self::RoleName => "RoleName",
            Self::Payer => "Payer",
        }
    }

    fn from_header(header: &str) -> Option<Self> {
        let header = header.trim();
        // the post's sample file spells it so
        if header.eq_ignore_ascii_case("ErrroMsg") {
            return Some(Self::ErrorMsg);
        }
        Self::ALL
            .into_iter()
            .find(|c| c.header().eq_ignore_ascii_case(header))
    }
}

impl fmt::Display for BatchColumn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.header())
    }
}

/// Where a row wants its account, as the file says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgUnitRef {
    /// Empty, `Root` or `/`: the organization's root.
    Root,
    /// An OU id (`ou-ab12-cd34ef56`), given alone or as the post's `Name (ou-...)`.
    Id(String),
    /// A name path below the root: `Sports/Baseball`.
    Path(Vec<String>),
}

/// One row of the batch file, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRow {
    /// The row's line in the file (the header is line 1).
    pub line: usize,
    pub account_name: String,
    pub account_email: String,
    pub sso_user_email: Option<String>,
    pub sso_user_first_name: Option<String>,
    pub sso_user_last_name: Option<String>,
    pub org_unit: OrgUnitRef,
    pub status: Option<String>,
    pub account_id: Option<String>,
    pub error_msg: Option<String>,
    pub tags: Vec<(String, String)>,
    pub sso_group: Option<String>,
    pub permission_set: Option<String>,
    pub role_name: Option<String>,
    pub payer: Option<String>,
    /// The row's cells as written, one per column of the header (for writing the file back).
    pub cells: Vec<String>,
}

impl BatchRow {
    /// The row's key across runs: its account email, lower-cased (AWS treats addresses
    /// case-insensitively; a file that changes the case must not make a second account).
    pub fn key(&self) -> String {
        self.account_email.to_ascii_lowercase()
    }

    /// Whether an earlier run already made this row's account (written back `SUCCEEDED` with
    /// its id).
    pub fn done(&self) -> bool {
        self.account_id.is_some()
            && self
                .status
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("SUCCEEDED"))
    }
}

/// What is wrong with one row (or the header, line 1), and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub line: usize,
    /// The column at fault; none for a problem of the whole row or file.
    pub column: Option<BatchColumn>,
    pub problem: String,
    pub fix: String,
    /// A further fix, when one of the front end's options gives it.
    pub hint: Option<crate::error::Hint>,
}

impl RowProblem {
    /// The same problem, with a further fix the front end words.
    pub fn with_hint(self, hint: crate::error::Hint) -> Self {
        Self {
            hint: Some(hint),
            ..self
        }
    }
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.column {
            Some(column) => write!(
                f,
                "line {}, {column}: {}; {}",
                self.line, self.problem, self.fix
            ),
            None => write!(f, "line {}: {}; {}", self.line, self.problem, self.fix),
        }
    }
}

/// The checked file: its rows, and which columns its header had (written back as they were).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountBatch {
    pub columns: Vec<BatchColumn>,
    pub rows: Vec<BatchRow>,
}

/// Reads and checks a batch file; every problem of every row, or the rows.
pub fn read(text: &str) -> Result<AccountBatch, Vec<RowProblem>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut problems = Vec::new();
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            return Err(vec![RowProblem {
                line: 1,
                column: None,
                hint: None,
                problem: format!("the header cannot be read ({e})"),
                fix: "save the file as CSV (UTF-8)".to_owned(),
            }]);
        }
    };
    let mut columns = Vec::new();
    for header in headers.iter() {
        match BatchColumn::from_header(header) {
            Some(c) if columns.contains(&c) => problems.push(RowProblem {
                line: 1,
                column: Some(c),
                hint: None,
                problem: "the column appears twice".to_owned(),
                fix: "keep one".to_owned(),
            }),
            Some(c) => columns.push(c),
            None => problems.push(RowProblem {
                line: 1,
                column: None,
                hint: None,
                problem: format!("unknown column `{header}`"),
                fix: format!(
                    "use the post's columns: {}",
                    BatchColumn::ALL.map(BatchColumn::header).join(", ")
                ),
            }),
        }
    }
    for required in [BatchColumn::AccountName, BatchColumn::AccountEmail] {
        if !columns.contains(&required) {
            problems.push(RowProblem {
                line: 1,
                column: Some(required),
                hint: None,
                problem: "the column is missing".to_owned(),
                fix: format!("add a `{required}` column"),
            });
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let line_of = |at: Option<&csv::Position>| at.map_or(0, |p| line_at(text, p.byte()));
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = line_of(e.position());
                problems.push(RowProblem {
                    line,
                    column: None,
                    hint: None,
                    problem: format!("the row cannot be read ({e})"),
                    fix: "quote fields that hold commas".to_owned(),
                });
                continue;
            }
        };
        let line = line_of(record.position());
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() > columns.len() {
            problems.push(RowProblem {
                line,
                column: None,
                hint: None,
                problem: format!("{} fields for {} columns", record.len(), columns.len()),
                fix: "quote fields that hold commas".to_owned(),
            });
            continue;
        }
        let fields: HashMap<BatchColumn, &str> = columns
            .iter()
            .copied()
            .zip(record.iter())
            .filter(|(_, v)| !v.is_empty())
            .collect();
        match check_row(line, &fields) {
            Ok(mut row) => {
                row.cells = record.iter().map(str::to_owned).collect();
                row.cells.resize(columns.len(), String::new());
                rows.push(row);
            }
            Err(mut found) => problems.append(&mut found),
        }
    }
    problems.extend(duplicates(&rows));
    if problems.is_empty() {
        Ok(AccountBatch { columns, rows })
    } else {
        problems.sort_by_key(|p| p.line);
        Err(problems)
    }
}

fn check_row(
    line: usize,
    fields: &HashMap<BatchColumn, &str>,
) -> Result<BatchRow, Vec<RowProblem>> {
    let mut problems = Vec::new();
    let mut problem = |column: BatchColumn, problem: String, fix: &str| {
        problems.push(RowProblem {
            line,
            column: Some(column),
            hint: None,
            problem,
            fix: fix.to_owned(),
        });
    };
    let get = |c: BatchColumn| fields.get(&c).map(|v| (*v).to_owned());

    let account_name = get(BatchColumn::AccountName).unwrap_or_default();
    if account_name.is_empty() {
        problem(
            BatchColumn::AccountName,
            "empty".to_owned(),
            "give the account a name",
        );
    } else if account_name.chars().count() > 50 {
        problem(
            BatchColumn::AccountName,
            format!("`{account_name}` is longer than AWS's 50 characters"),
            "shorten it",
        );
    } else if let Some(c) = account_name.chars().find(|c| !(' '..='~').contains(c)) {
        problem(
            BatchColumn::AccountName,
            format!("`{account_name}` holds `{c}`; AWS takes printable ASCII only"),
            "use letters, digits, spaces and ASCII punctuation",
        );
    }

    let account_email = get(BatchColumn::AccountEmail).unwrap_or_default();
    if let Err(why) = check_email(&account_email) {
        problem(
            BatchColumn::AccountEmail,
            why,
            "give the address the new account's root user will have (6 to 64 characters, name@domain.tld)",
        );
    }
    let sso_user_email = get(BatchColumn::SsoUserEmail);
    if let Some(email) = &sso_user_email
        && let Err(why) = check_email(email)
    {
        problem(
            BatchColumn::SsoUserEmail,
            why,
            "give the Identity Center user's address, or leave it empty",
        );
    }

    let org_unit = match get(BatchColumn::OrgUnit) {
        None => OrgUnitRef::Root,
        Some(text) => match org_unit(&text) {
            Ok(ou) => ou,
            Err(why) => {
                problem(
                    BatchColumn::OrgUnit,
                    why,
                    "give an OU id (`ou-ab12-cd34ef56`), a name path (`Sports/Baseball`) or `Name (ou-...)`",
                );
                OrgUnitRef::Root
            }
        },
    };

    let account_id = get(BatchColumn::AccountId);
    if let Some(id) = &account_id
        && (id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()))
    {
        problem(
            BatchColumn::AccountId,
            format!("`{id}` is not a 12-digit account id"),
            "leave it empty: canopy fills it",
        );
    }

    let tags = match get(BatchColumn::Tags) {
        None => Vec::new(),
        Some(text) => match parse_tags(&text) {
            Ok(tags) => tags,
            Err(why) => {
                problem(BatchColumn::Tags, why, "write `key=value;key=value`");
                Vec::new()
            }
        },
    };

    let role_name = get(BatchColumn::RoleName);
    if let Some(role) = &role_name {
        let allowed = |c: char| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c);
        if role.len() > 64 || !role.chars().all(allowed) {
            problem(
                BatchColumn::RoleName,
                format!("`{role}` is not an IAM role name"),
                "use up to 64 letters, digits and `+=,.@_-` (default: OrganizationAccountAccessRole)",
            );
        }
    }

    if problems.is_empty() {
        Ok(BatchRow {
            line,
            account_name,
            account_email,
            sso_user_email,
            sso_user_first_name: get(BatchColumn::SsoUserFirstName),
            sso_user_last_name: get(BatchColumn::SsoUserLastName),
            org_unit,
            status: get(BatchColumn::Status),
            account_id,
            error_msg: get(BatchColumn::ErrorMsg),
            tags,
            sso_group: get(BatchColumn::SsoGroup),
            permission_set: get(BatchColumn::PermissionSet),
            role_name,
            payer: get(BatchColumn::Payer),
            cells: Vec::new(),
        })
    } else {
        Err(problems)
    }
}

/// The line (from 1) on which the record the CSV reader places at byte `at` of `text` starts.
/// The reader's own line count is wrong for files saved with Windows line ends (`\r\n`, as
/// spreadsheets save them), and its offset may point at the line end before the record, so
/// line ends at `at` are stepped over and the lines before counted here.
fn line_at(text: &str, at: u64) -> usize {
    let bytes = text.as_bytes();
    let mut at = usize::try_from(at).unwrap_or(usize::MAX).min(bytes.len());
    while at < bytes.len() && matches!(bytes[at], b'\r' | b'\n') {
        at += 1;
    }
    1 + bytes[..at].iter().filter(|b| **b == b'\n').count()
}

/// How a row ended, to write back into its `Status`, `AccountId` and `ErrorMsg` cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowOutcome {
    pub line: usize,
    pub status: String,
    pub account_id: Option<String>,
    pub error: Option<String>,
}

/// The file again, with each row's outcome in its `Status`, `AccountId` and `ErrorMsg` cells
/// (added at the end when the header lacked them); rows without an outcome as they were.
pub fn write_back(batch: &AccountBatch, outcomes: &[RowOutcome]) -> Result<String, String> {
    let mut columns = batch.columns.clone();
    for c in [
        BatchColumn::Status,
        BatchColumn::AccountId,
        BatchColumn::ErrorMsg,
    ] {
        if !columns.contains(&c) {
            columns.push(c);
        }
    }
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(columns.iter().map(|c| c.header()))
        .map_err(|e| e.to_string())?;
    for row in &batch.rows {
        let mut cells = row.cells.clone();
        cells.resize(columns.len(), String::new());
        if let Some(outcome) = outcomes.iter().find(|o| o.line == row.line) {
            let mut set = |column: BatchColumn, value: &str| {
                if let Some(i) = columns.iter().position(|c| *c == column) {
                    cells[i] = value.to_owned();
                }
            };
            set(BatchColumn::Status, &outcome.status);
            set(
                BatchColumn::AccountId,
                outcome.account_id.as_deref().unwrap_or_default(),
            );
            set(
                BatchColumn::ErrorMsg,
                outcome.error.as_deref().unwrap_or_default(),
            );
        }
        out.write_record(&cells).map_err(|e| e.to_string())?;
    }
    out.into_inner()
        .map_err(|e| e.to_string())
        .and_then(|bytes| String::from_utf8(bytes).map_err(|e| e.to_string()))
}

/// AWS's rules for an account's email (CreateAccount): 6 to 64 characters, 7-bit ASCII, one `@`;
/// the local name without whitespace or `"'()<>[]:;,\|%&`, not starting with a dot; the domain
/// of letters, digits, hyphens and dots, with a dot, neither starting nor ending with a hyphen
/// or dot.
fn check_email(email: &str) -> Result<(), String> {
    if email.is_empty() {
        return Err("empty".to_owned());
    }
    let length = email.chars().count();
    if !(6..=64).contains(&length) {
        return Err(format!(
            "`{email}` has {length} characters; AWS takes 6 to 64"
        ));
    }
    if !email.is_ascii() {
        return Err(format!("`{email}` is not 7-bit ASCII"));
    }
    let Some((local, domain)) = email.split_once('@').filter(|(_, d)| !d.contains('@')) else {
        return Err(format!("`{email}` must have exactly one `@`"));
    };
    let forbidden = |c: char| c.is_whitespace() || "\"'()<>[]:;,\\|%&".contains(c);
    if local.is_empty() || local.starts_with('.') || local.chars().any(forbidden) {
        return Err(format!(
            "`{email}`: the part before `@` is empty, starts with a dot, or holds one of `\"'()<>[]:;,\\|%&` or a space"
        ));
    }
    let domain_ok = domain.contains('.')
        && !domain.starts_with(['.', '-'])
        && !domain.ends_with(['.', '-'])
        && domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if !domain_ok {
        return Err(format!(
            "`{email}`: the domain must be letters, digits, hyphens and dots, hold a dot, and not start or end with a hyphen or dot"
        ));
    }
    Ok(())
}

fn is_ou_id(text: &str) -> bool {
    // ou-<root id part: 4-32 lower-case letters or digits>-<8-32 lower-case letters or digits>
    let Some(rest) = text.strip_prefix("ou-") else {
        return false;
    };
    let Some((root, own)) = rest.split_once('-') else {
        return false;
    };
    let part = |s: &str, min: usize| {
        (min..=32).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    part(root, 4) && part(own, 8)
}

fn org_unit(text: &str) -> Result<OrgUnitRef, String> {
    let text = text.trim();
    if text.is_empty() || text == "/" || text.eq_ignore_ascii_case("root") {
        return Ok(OrgUnitRef::Root);
    }
    if is_ou_id(text) {
        return Ok(OrgUnitRef::Id(text.to_owned()));
    }
    // the post's form: `Name (ou-...)`
    if let Some(inner) = text
        .strip_suffix(')')
        .and_then(|t| t.rsplit_once('('))
        .map(|(_, id)| id.trim())
    {
        return if is_ou_id(inner) {
            Ok(OrgUnitRef::Id(inner.to_owned()))
        } else {
            Err(format!("`{inner}` in `{text}` is not an OU id"))
        };
    }
    if text.starts_with("ou-") {
        return Err(format!("`{text}` is not an OU id"));
    }
    let path: Vec<String> = text
        .trim_start_matches('/')
        .trim_start_matches("Root/")
        .split('/')
        .map(|p| p.trim().to_owned())
        .collect();
    if path.iter().any(String::is_empty) {
        return Err(format!("`{text}` has an empty step"));
    }
    Ok(OrgUnitRef::Path(path))
}

/// `k=v;k=v` -> tags, with AWS's rules for Organizations tags: keys 1 to 128 characters, values up
/// to 256, no `aws:` prefix, at most 50.
pub fn parse_tags(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut tags: Vec<(String, String)> = Vec::new();
    for pair in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(format!("`{pair}` has no `=`"));
        };
        let (key, value) = (key.trim(), value.trim());
        if key.is_empty() || key.chars().count() > 128 {
            return Err(format!("the key of `{pair}` must have 1 to 128 characters"));
        }
        if value.chars().count() > 256 {
            return Err(format!(
                "the value of `{key}` is longer than 256 characters"
            ));
        }
        if key.to_ascii_lowercase().starts_with("aws:") {
            return Err(format!("`{key}`: keys starting `aws:` are AWS's own"));
        }
        if tags.iter().any(|(k, _)| k == key) {
            return Err(format!("`{key}` is given twice"));
        }
        tags.push((key.to_owned(), value.to_owned()));
    }
    if tags.len() > 50 {
        return Err(format!("{} tags; AWS takes at most 50", tags.len()));
    }
    Ok(tags)
}

/// Rows that would make the same account twice: the same email in any case, or the same name.
fn duplicates(rows: &[BatchRow]) -> Vec<RowProblem> {
    let mut problems = Vec::new();
    let mut emails: HashMap<String, usize> = HashMap::new();
    let mut names: HashMap<String, usize> = HashMap::new();
    for row in rows {
        if let Some(first) = emails.insert(row.key(), row.line) {
            problems.push(RowProblem {
                line: row.line,
                column: Some(BatchColumn::AccountEmail),
                hint: None,
                problem: format!(
                    "`{}` is line {first}'s address too (addresses are compared ignoring case)",
                    row.account_email
                ),
                fix: "give each account its own address, or delete one of the rows".to_owned(),
            });
            emails.insert(row.key(), first);
        }
        let name = row.account_name.to_lowercase();
        if let Some(first) = names.insert(name.clone(), row.line) {
            problems.push(RowProblem {
                line: row.line,
                column: Some(BatchColumn::AccountName),
                hint: None,
                problem: format!("`{}` is line {first}'s name too", row.account_name),
                fix: "give each account its own name".to_owned(),
            });
            names.insert(name, first);
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    const HEADER: &str = "AccountName,SSOUserEmail,AccountEmail,SSOUserFirstName,SSOUserLastName,OrgUnit,Status,AccountId,ErrroMsg";

    fn problems(text: &str) -> Vec<String> {
        read(text)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn the_file_is_written_back_with_each_outcome_and_the_rest_as_it_was() {
        let text = "AccountName,AccountEmail,Tags,OrgUnit\n\
                    one,one@example.com,\"env=dev;team=a\",Sports/Baseball\n\
                    two,two@example.com,,\n";
        let batch = read(text).unwrap();
        let outcomes = [
            RowOutcome {
                line: 2,
                status: "SUCCEEDED".into(),
                account_id: Some("111122223333".into()),
                error: None,
            },
            RowOutcome {
                line: 3,
                status: "FAILED".into(),
                account_id: None,
                error: Some("EMAIL_ALREADY_EXISTS: use another address, or invite it".into()),
            },
        ];
        let written = write_back(&batch, &outcomes).unwrap();
        assert_eq!(
            written,
            "AccountName,AccountEmail,Tags,OrgUnit,Status,AccountId,ErrorMsg\n\
             one,one@example.com,env=dev;team=a,Sports/Baseball,SUCCEEDED,111122223333,\n\
             two,two@example.com,,,FAILED,,\"EMAIL_ALREADY_EXISTS: use another address, or invite it\"\n"
        );
        // and read again, it is the same batch with its outcomes
        let again = read(&written).unwrap();
        assert!(again.rows[0].done());
        assert!(!again.rows[1].done());
        assert_eq!(
            again.rows[1].error_msg.as_deref(),
            outcomes[1].error.as_deref()
        );
    }

    #[test]
    fn the_posts_file_is_read_with_its_spelling_and_ou_forms() {
        let text = format!(
            "{HEADER},Tags\n\
             Sandbox-1,jane@example.com,sandbox1@example.com,Jane,Doe,Sandbox (ou-ab12-cd34ef56),,,,env=dev;team=data\n\
             Baseball,,baseball@example.com,,,Sports/Baseball,SUCCEEDED,111122223333,,\n\
             Core,,core@example.com,,,,,,,\n\
             ,,,,,,,,,\n"
        );
        let batch = read(&text).unwrap();
        assert_eq!(batch.columns.len(), 10);
        assert!(batch.columns.contains(&BatchColumn::ErrorMsg));
        let [sandbox, baseball, core] = &batch.rows[..] else {
            panic!("three rows: {:?}", batch.rows)
        };
        assert_eq!(sandbox.line, 2);
        assert_eq!(sandbox.org_unit, OrgUnitRef::Id("ou-ab12-cd34ef56".into()));
        assert_eq!(
            sandbox.tags,
            [("env".into(), "dev".into()), ("team".into(), "data".into())]
        );
        assert_eq!(sandbox.sso_user_first_name.as_deref(), Some("Jane"));
        assert_eq!(
            baseball.org_unit,
            OrgUnitRef::Path(vec!["Sports".into(), "Baseball".into()])
        );
        assert!(baseball.done());
        assert!(!sandbox.done());
        assert_eq!(core.org_unit, OrgUnitRef::Root);
    }

    #[test]
    fn every_bad_row_is_named_with_its_line_column_and_fix() {
        let text = format!(
            "{HEADER}\n\
             Good,,good@example.com,,,,,,\n\
             Bad email,,not-an-address,,,,,,\n\
             Bad OU,,ou@example.com,,,ou-XYZ,,,\n\
             Twice,,GOOD@example.com,,,,,,\n\
             Good,,other@example.com,,,,,,\n\
             Seven,,seven@example.com,,,,,12345,\n"
        );
        let found = problems(&text);
        assert_eq!(found.len(), 5, "{found:#?}");
        assert!(
            found[0]
                .starts_with("line 3, AccountEmail: `not-an-address` must have exactly one `@`")
        );
        assert!(found[1].starts_with("line 4, OrgUnit: `ou-XYZ` is not an OU id"));
        assert!(
            found[2]
                .starts_with("line 5, AccountEmail: `GOOD@example.com` is line 2's address too")
        );
        assert!(found[3].starts_with("line 6, AccountName: `Good` is line 2's name too"));
        assert!(found[4].starts_with("line 7, AccountId: `12345` is not a 12-digit account id"));
        assert!(found[4].ends_with("leave it empty: canopy fills it"));
    }

    #[test]
    fn lines_are_right_whatever_the_line_ends_and_with_a_byte_order_mark() {
        let rows = [
            "Good,,good@example.com,,,,,,",
            "Bad email,,not-an-address,,,,,,",
            "\"Quoted\nname\",,quoted@example.com,,,,,,",
            "Bad OU,,ou@example.com,,,ou-XYZ,,,",
        ];
        for (ends, bom) in [("\n", ""), ("\r\n", ""), ("\r\n", "\u{feff}")] {
            let text = format!("{bom}{HEADER}{ends}{}{ends}", rows.join(ends));
            let found = problems(&text);
            assert_eq!(found.len(), 3, "{found:?}");
            assert!(found[0].starts_with("line 3, AccountEmail"), "{found:?}");
            // the quoted name starts on line 4 and ends on line 5
            assert!(found[1].starts_with("line 4, AccountName"), "{found:?}");
            assert!(found[2].starts_with("line 6, OrgUnit"), "{found:?}");
        }
    }

    #[test]
    fn the_header_must_name_known_columns() {
        let found = problems("AccountName,AcountEmail\nx,y@example.com\n");
        assert!(
            found
                .iter()
                .any(|p| p.contains("unknown column `AcountEmail`")),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|p| p.contains("AccountEmail: the column is missing")),
            "{found:?}"
        );
    }

    #[test]
    fn aws_rules_for_names_emails_tags_and_roles() {
        assert!(check_email("a@b.co").is_ok());
        assert!(check_email("a@b.c").is_err(), "5 characters");
        assert!(check_email("a b@example.com").is_err());
        assert!(check_email("ab@example").is_err());
        assert!(check_email(".ab@example.com").is_err());
        assert!(check_email("a(b@example.com").is_err());
        assert!(check_email("ab@-example.com").is_err());
        assert!(check_email("ab@exa_mple.com").is_err());
        assert!(check_email("a@b@example.com").is_err());
        assert!(check_email("first.last+tag@sub.example.com").is_ok());
        assert!(check_email(&format!("{}@example.com", "x".repeat(60))).is_err());
        assert!(parse_tags("aws:owner=me").is_err());
        assert!(parse_tags("a=1;a=2").is_err());
        assert!(parse_tags("k").is_err());
        assert_eq!(
            parse_tags(" a = 1 ; b= ").unwrap(),
            [("a".into(), "1".into()), ("b".into(), String::new())]
        );
        let text = format!("{HEADER},RoleName\nLong,,long@example.com,,,,,,,bad role!\n");
        assert!(problems(&text)[0].contains("RoleName: `bad role!` is not an IAM role name"));
        let text = format!("{HEADER}\nCafé,,cafe@example.com,,,,,,\n");
        assert!(problems(&text)[0].contains("AWS takes printable ASCII only"));
    }
}
