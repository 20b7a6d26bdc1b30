//! Table definitions: each inventory table is declared once, as plain data (name, scope, words,
//! columns with their types and words, the AWS actions that fill it). The store derives its DDL
//! and column checks from the definitions, `canopy tables` and `canopy schema` their words, and
//! the collectors' rows are checked against them.
//!
//! A definition lives beside the collector that fills it (in the AWS crate); this module holds
//! only the vocabulary, so the store and the engine can read definitions without seeing AWS.

use std::fmt;

use crate::inventory::Row;

/// What a column holds. Steampipe's types, mapped onto what SQLite declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Text,
    Int,
    Double,
    Bool,
    /// RFC 3339 text, UTC.
    Timestamp,
    /// JSON text: objects and arrays with AWS's own member names.
    Json,
    /// An IP address, as text.
    Inet,
    /// A CIDR block, as text.
    Cidr,
}

impl ColumnType {
    /// The type SQLite declares for it. `JSON` and `BOOLEAN` tell `canopy query` how to type its
    /// output; addresses are TEXT so SQLite never reads one as a number.
    pub fn sql(self) -> &'static str {
        match self {
            Self::Text | Self::Inet | Self::Cidr => "TEXT",
            Self::Int => "INTEGER",
            Self::Double => "REAL",
            Self::Bool => "BOOLEAN",
            Self::Timestamp => "TIMESTAMP",
            Self::Json => "JSON",
        }
    }

    /// Whether a cell of this kind may stand in a column of this type: null anywhere; text in
    /// text, timestamp (RFC 3339) and address columns; a whole number in integer and double
    /// columns.
    pub fn holds(self, cell: &crate::inventory::Cell) -> bool {
        use crate::inventory::Cell;
        match cell {
            Cell::Null => true,
            Cell::Text(_) => matches!(self, Self::Text | Self::Timestamp | Self::Inet | Self::Cidr),
            Cell::Int(_) => matches!(self, Self::Int | Self::Double),
            Cell::Double(_) => self == Self::Double,
            Cell::Bool(_) => self == Self::Bool,
            Cell::Json(_) => self == Self::Json,
        }
    }

    /// The type Steampipe gives it in PostgreSQL, where its users' queries were written.
    pub fn postgres(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Int => "bigint",
            Self::Double => "double precision",
            Self::Bool => "boolean",
            Self::Timestamp => "timestamp with time zone",
            Self::Json => "jsonb",
            Self::Inet => "inet",
            Self::Cidr => "cidr",
        }
    }
}

/// One column of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColumnType,
    pub doc: &'static str,
    /// Never null (the resource's identifier).
    pub required: bool,
}

impl Column {
    pub const fn new(name: &'static str, ty: ColumnType, doc: &'static str) -> Self {
        Self {
            name,
            ty,
            doc,
            required: false,
        }
    }

    /// The same column, never null.
    pub const fn required(self) -> Self {
        Self {
            required: true,
            ..self
        }
    }

    pub const fn text(name: &'static str, doc: &'static str) -> Self {
        Self::new(name, ColumnType::Text, doc)
    }

    pub const fn int(name: &'static str, doc: &'static str) -> Self {
        Self::new(name, ColumnType::Int, doc)
    }

    pub const fn bool(name: &'static str, doc: &'static str) -> Self {
        Self::new(name, ColumnType::Bool, doc)
    }

    pub const fn time(name: &'static str, doc: &'static str) -> Self {
        Self::new(name, ColumnType::Timestamp, doc)
    }

    pub const fn json(name: &'static str, doc: &'static str) -> Self {
        Self::new(name, ColumnType::Json, doc)
    }

    pub const fn inet(name: &'static str, doc: &'static str) -> Self {
        Self::new(name, ColumnType::Inet, doc)
    }

    pub const fn cidr(name: &'static str, doc: &'static str) -> Self {
        Self::new(name, ColumnType::Cidr, doc)
    }

    /// `tags`: the resource's tags as an object.
    pub const TAGS: Self = Self::json("tags", "Tags as a JSON object: tags ->> 'Name'");
    /// `tags_src`: the tags as AWS lists them.
    pub const TAGS_SRC: Self = Self::json(
        "tags_src",
        "Tags as AWS returns them: [{\"Key\", \"Value\"}]",
    );
    pub const TITLE: Self = Self::text("title", "A display title");
    pub const AKAS: Self = Self::json("akas", "ARNs of the resource, as a JSON array");
    pub const PARTITION: Self =
        Self::text("partition", "The AWS partition (aws, aws-cn, aws-us-gov)");
    /// The row's own region: carried by the rows of [`Scope::Account`] tables.
    pub const REGION: Self = Self::text("region", "The region (`global` for global services)");
}

/// The columns the store adds to every inventory row.
pub const STORE_COLUMNS: [Column; 3] = [
    Column::text("account_id", "The account the resource is in").required(),
    Column::REGION.required(),
    Column::time(
        "collected_at",
        "When canopy last read this row from AWS (UTC)",
    )
    .required(),
];

/// Where a table's rows come from, and so what one unit of collection replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Once per account and enabled region; rows carry that region.
    Regional,
    /// Once per account, from a global service (IAM): rows carry region `global`.
    Global,
    /// Once per account; each row carries its own region (a bucket's region, a region's own
    /// name), and a unit replaces the account's rows in every region.
    Account,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Regional => "regional",
            Self::Global => "global",
            Self::Account => "account",
        }
    }
}

/// One table, declared once.
#[derive(Debug, PartialEq, Eq)]
pub struct TableDef {
    /// Steampipe's name.
    pub name: &'static str,
    pub scope: Scope,
    pub description: &'static str,
    /// The table's own columns, in order (the store adds [`STORE_COLUMNS`]).
    pub columns: &'static [Column],
    /// The API operations it calls (`ec2:DescribeInstances`, `s3:GetBucketPolicy`): each call is
    /// paced and counted under that name. The IAM action usually has the same name; S3's
    /// differ for some (ListBuckets needs `s3:ListAllMyBuckets`, GetBucketEncryption
    /// `s3:GetEncryptionConfiguration`).
    pub actions: &'static [&'static str],
    /// The canopy command that fills it.
    pub filled_by: &'static str,
}

impl fmt::Display for TableDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// A row that does not fit its table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a row for `{table}` {why}")]
pub struct RowMismatch {
    pub table: &'static str,
    pub why: String,
}

impl TableDef {
    /// The columns a collector's row carries, in order: the table's own, then `region` for
    /// [`Scope::Account`] tables.
    pub fn row_columns(&self) -> impl Iterator<Item = &'static Column> + '_ {
        let region = (self.scope == Scope::Account).then_some(&STORE_COLUMNS[1]);
        self.columns.iter().chain(region)
    }

    /// Every column of the stored table, in order: the table's own, then [`STORE_COLUMNS`].
    pub fn stored_columns(&self) -> impl Iterator<Item = &'static Column> + '_ {
        self.columns.iter().chain(STORE_COLUMNS.iter())
    }

    pub fn column(&self, name: &str) -> Option<&'static Column> {
        self.stored_columns().find(|c| c.name == name)
    }

    /// Checks that `row` carries exactly this table's row columns, in order, and a value in
    /// every required one.
    pub fn check(&self, row: &Row) -> Result<(), RowMismatch> {
        let mismatch = |why: String| RowMismatch {
            table: self.name,
            why,
        };
        let mut cells = row.0.iter();
        for column in self.row_columns() {
            match cells.next() {
                Some((name, cell)) if *name == column.name => {
                    if column.required && *cell == crate::inventory::Cell::Null {
                        return Err(mismatch(format!("has no value for `{name}`")));
                    }
                    if !column.ty.holds(cell) {
                        return Err(mismatch(format!(
                            "has {} in `{name}`, a {} column",
                            cell.kind(),
                            column.ty.postgres()
                        )));
                    }
                }
                Some((name, _)) => {
                    return Err(mismatch(format!(
                        "has `{name}` where the definition has `{}`",
                        column.name
                    )));
                }
                None => return Err(mismatch(format!("lacks `{}`", column.name))),
            }
        }
        match cells.next() {
            Some((name, _)) => Err(mismatch(format!(
                "has `{name}`, which the definition does not"
            ))),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Cell;

    const THINGS: TableDef = TableDef {
        name: "aws_thing",
        scope: Scope::Regional,
        description: "Things",
        columns: &[Column::text("thing_id", "The id").required(), Column::TAGS],
        actions: &["thing:ListThings"],
        filled_by: "collect",
    };

    #[test]
    fn rows_must_carry_exactly_the_defined_columns() {
        let good = Row::default()
            .with("thing_id", Cell::Text("t-1".into()))
            .with("tags", Cell::Null);
        assert_eq!(THINGS.check(&good), Ok(()));
        let misspelt = Row::default()
            .with("thing_idd", Cell::Text("t-1".into()))
            .with("tags", Cell::Null);
        assert!(
            THINGS
                .check(&misspelt)
                .unwrap_err()
                .to_string()
                .contains("has `thing_idd` where the definition has `thing_id`")
        );
        let short = Row::default().with("thing_id", Cell::Text("t-1".into()));
        assert!(
            THINGS
                .check(&short)
                .unwrap_err()
                .why
                .contains("lacks `tags`")
        );
        let wrong = Row::default()
            .with("thing_id", Cell::Int(1))
            .with("tags", Cell::Null);
        assert!(
            THINGS
                .check(&wrong)
                .unwrap_err()
                .why
                .contains("has an integer in `thing_id`, a text column")
        );
        let long = good.clone().with("extra", Cell::Null);
        assert!(THINGS.check(&long).unwrap_err().why.contains("`extra`"));
        let null_id = Row::default()
            .with("thing_id", Cell::Null)
            .with("tags", Cell::Null);
        assert!(THINGS.check(&null_id).unwrap_err().why.contains("no value"));
    }

    #[test]
    fn account_scoped_rows_carry_their_region() {
        let def = TableDef {
            scope: Scope::Account,
            ..THINGS
        };
        let carried: Vec<&str> = def.row_columns().map(|c| c.name).collect();
        assert_eq!(carried, ["thing_id", "tags", "region"]);
        let regional: Vec<&str> = THINGS.row_columns().map(|c| c.name).collect();
        assert_eq!(regional, ["thing_id", "tags"]);
        let stored: Vec<&str> = def.stored_columns().map(|c| c.name).collect();
        assert_eq!(
            stored,
            ["thing_id", "tags", "account_id", "region", "collected_at"]
        );
    }
}
