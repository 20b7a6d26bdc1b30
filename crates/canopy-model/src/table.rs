//! Table definitions: each inventory table is declared once, as plain data (name, scope, words,
//! columns with their types and words, the AWS actions that fill it). The store derives its DDL
//! and column checks from the definitions, `canopy tables` and `canopy schema` their words, and
//! the collectors' rows are checked against them (`inventory`: a row and its check).
//!
//! A definition lives beside the collector that fills it (in the AWS crate); this module holds
//! only the vocabulary, so the store and the engine can read definitions without seeing AWS.

use std::fmt;

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
}
