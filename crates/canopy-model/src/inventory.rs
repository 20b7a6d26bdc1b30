//! Inventory: what `canopy collect` gathers. A collector yields [`Batch`]es of [`Row`]s for the
//! Steampipe-named tables it fills (each declared once as a [`TableDef`]). Rows are named cells,
//! checked against their table's definition, so a column can never shift.

use std::collections::BTreeMap;

use crate::Partition;
use crate::table::{ColumnType, TableDef};

/// One value of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Text(String),
    Int(i64),
    Double(f64),
    Bool(bool),
    /// Stored as JSON text, so `tags ->> 'Name'` works.
    Json(JsonText),
}

impl Cell {
    /// The kind of value, in words, with its article (for errors).
    pub fn kind(&self) -> &'static str {
        match self {
            Cell::Null => "a null",
            Cell::Text(_) => "text",
            Cell::Int(_) => "an integer",
            Cell::Double(_) => "a number with a fraction",
            Cell::Bool(_) => "a boolean",
            Cell::Json(_) => "JSON",
        }
    }
}

/// A JSON value kept as its compact text from the moment it is made: that is how the store
/// writes it, and a parsed tree takes several times the memory (a huge account's thousands of
/// instances each carry a dozen JSON cells until their unit ends).
#[derive(Clone)]
pub struct JsonText(Box<str>);

impl JsonText {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value, parsed again (for tests and the rare reader).
    pub fn value(&self) -> serde_json::Value {
        serde_json::from_str(&self.0).unwrap_or(serde_json::Value::Null)
    }
}

impl From<serde_json::Value> for JsonText {
    fn from(value: serde_json::Value) -> Self {
        Self(value.to_string().into_boxed_str())
    }
}

/// Equal when the values are equal (objects' keys in any order), as `serde_json::Value`'s.
impl PartialEq for JsonText {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0 || self.value() == other.value()
    }
}

impl std::fmt::Debug for JsonText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Cell {
    /// Text, or null when absent.
    pub fn text(value: Option<impl Into<String>>) -> Self {
        value.map_or(Self::Null, |v| Self::Text(v.into()))
    }

    /// An enum's value as AWS spells it (an SDK enum's `as_str`), or null when absent.
    pub fn variant<E: AsRef<str> + ?Sized>(value: Option<&E>) -> Self {
        value.map_or(Self::Null, |v| Self::Text(v.as_ref().to_owned()))
    }

    pub fn int(value: Option<impl Into<i64>>) -> Self {
        value.map_or(Self::Null, |v| Self::Int(v.into()))
    }

    pub fn bool(value: Option<bool>) -> Self {
        value.map_or(Self::Null, Self::Bool)
    }

    /// A JSON cell (kept as text).
    pub fn json(value: serde_json::Value) -> Self {
        Self::Json(value.into())
    }

    /// A `{key: value}` object from AWS's `[{Key, Value}]` tag lists (null when there are none,
    /// as Steampipe does).
    pub fn tags<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let map: serde_json::Map<String, serde_json::Value> = pairs
            .into_iter()
            .map(|(k, v)| (k.to_owned(), serde_json::Value::String(v.to_owned())))
            .collect();
        if map.is_empty() {
            Self::Null
        } else {
            Self::json(serde_json::Value::Object(map))
        }
    }
}

/// One row: `(column, value)` in the table's column order. The store adds `account_id`,
/// `region` and `collected_at`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Row(pub Vec<(&'static str, Cell)>);

impl Row {
    /// An empty row with room for `columns` cells (its table's width: no growth at all).
    pub fn with_capacity(columns: usize) -> Self {
        Self(Vec::with_capacity(columns))
    }

    /// Adds a cell. A full row grows by eight cells, not by doubling: rows are built cell by
    /// cell and kept by the thousand in a huge account's unit, and doubling left an 80-column
    /// row with 128 slots of 48 bytes.
    pub fn with(mut self, column: &'static str, cell: Cell) -> Self {
        if self.0.len() == self.0.capacity() {
            self.0.reserve_exact(8);
        }
        self.0.push((column, cell));
        self
    }

    /// Adds several cells, in order.
    pub fn with_all(mut self, cells: impl IntoIterator<Item = (&'static str, Cell)>) -> Self {
        self.0.extend(cells);
        self
    }

    pub fn columns(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.iter().map(|(c, _)| *c)
    }

    /// Replaces the value of `column`, which the row already carries (a column a later call
    /// fills); false, and the row unchanged, when it has no such column.
    pub fn set(&mut self, column: &str, cell: Cell) -> bool {
        match self.0.iter_mut().find(|(c, _)| *c == column) {
            Some((_, value)) => {
                *value = cell;
                true
            }
            None => false,
        }
    }

    /// The value of `column`, when the row carries it.
    pub fn get(&self, column: &str) -> Option<&Cell> {
        self.0.iter().find(|(c, _)| *c == column).map(|(_, v)| v)
    }
}

/// The rows one unit produced for one table.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub table: &'static TableDef,
    pub rows: Vec<Row>,
}

impl Batch {
    pub fn new(table: &'static TableDef, rows: Vec<Row>) -> Self {
        Self { table, rows }
    }
}

/// The region value of rows from global services.
pub const GLOBAL_REGION: &str = "global";

/// Tables that come from `canopy org sync` rather than from collection.
pub const ORGANIZATION_TABLES: &[&str] = &[
    "aws_organizations_account",
    "aws_organizations_organizational_unit",
    "aws_organizations_policy",
    "aws_organizations_policy_target",
];

/// A region as an account sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionInfo {
    pub name: String,
    /// `opt-in-not-required`, `opted-in` or `not-opted-in`.
    pub opt_in_status: String,
}

impl RegionInfo {
    pub fn enabled(&self) -> bool {
        self.opt_in_status != "not-opted-in"
    }
}

/// The partition a region belongs to (`cn-north-1` -> `aws-cn`).
pub fn region_partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("eu-isoe-") {
        "aws-iso-e"
    } else {
        "aws"
    }
}

/// Where a partition's global services (IAM, STS's global endpoint, DescribeRegions) are asked.
pub fn home_region(partition: &Partition) -> &'static str {
    match partition.as_str() {
        "aws-cn" => "cn-north-1",
        "aws-us-gov" => "us-gov-west-1",
        "aws-iso" => "us-iso-east-1",
        "aws-iso-b" => "us-isob-east-1",
        _ => "us-east-1",
    }
}

/// Rows counted by table.
pub type RowCounts = BTreeMap<String, u64>;

/// A row that does not fit its table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a row for `{table}` {why}")]
pub struct RowMismatch {
    pub table: &'static str,
    pub why: String,
}

impl ColumnType {
    /// Whether a cell of this kind may stand in a column of this type: null anywhere; text in
    /// text, timestamp (RFC 3339) and address columns; a whole number in integer and double
    /// columns.
    pub fn holds(self, cell: &Cell) -> bool {
        match cell {
            Cell::Null => true,
            Cell::Text(_) => matches!(self, Self::Text | Self::Timestamp | Self::Inet | Self::Cidr),
            Cell::Int(_) => matches!(self, Self::Int | Self::Double),
            Cell::Double(_) => self == Self::Double,
            Cell::Bool(_) => self == Self::Bool,
            Cell::Json(_) => self == Self::Json,
        }
    }
}

impl TableDef {
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
                    if column.required && *cell == Cell::Null {
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

    #[test]
    fn regions_map_to_partitions() {
        assert_eq!(region_partition("eu-west-1"), "aws");
        assert_eq!(region_partition("cn-northwest-1"), "aws-cn");
        assert_eq!(region_partition("us-gov-east-1"), "aws-us-gov");
        assert_eq!(home_region(&Partition::aws()), "us-east-1");
    }

    #[test]
    fn tags_become_an_object_or_null() {
        assert_eq!(Cell::tags([]), Cell::Null);
        assert_eq!(
            Cell::tags([("Name", "web")]),
            Cell::json(serde_json::json!({"Name": "web"}))
        );
    }

    #[test]
    fn a_column_is_set_in_place_and_only_when_the_row_carries_it() {
        let mut row = Row::default()
            .with("id", Cell::Text("i-1".into()))
            .with("status", Cell::Null);
        assert!(row.set("status", Cell::Bool(true)));
        assert!(!row.set("stauts", Cell::Bool(false)));
        assert_eq!(row.columns().collect::<Vec<_>>(), ["id", "status"]);
        assert_eq!(row.get("status"), Some(&Cell::Bool(true)));
        let wide = (0..80).fold(Row::default(), |r, _| r.with("c", Cell::Null));
        assert!(wide.0.capacity() < 88, "grown by eight, not doubled");
    }

    #[test]
    fn json_cells_keep_compact_text_and_compare_as_values() {
        let value = serde_json::json!({"b": [1, null], "a": {"c": "x y"}});
        let Cell::Json(text) = Cell::json(value.clone()) else {
            panic!("not a JSON cell");
        };
        assert!(
            text.as_str().contains(r#""b":[1,null]"#),
            "compact: {text:?}"
        );
        assert_eq!(text.value(), value);
        // keys in another order are the same value, as serde_json's own equality says
        assert_eq!(
            text,
            JsonText::from(serde_json::json!({"a": {"c": "x y"}, "b": [1, null]}))
        );
        assert_ne!(
            text,
            JsonText::from(serde_json::json!({"b": [1], "a": {"c": "x y"}}))
        );
        assert_eq!(format!("{text:?}"), text.as_str());
    }
}

#[cfg(test)]
mod check_tests {
    use super::*;
    use crate::table::{Column, Scope};

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
