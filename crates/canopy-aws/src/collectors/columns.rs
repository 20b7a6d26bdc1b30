//! Columns declared once, with the way each value is read (Steampipe's habit: a column's
//! transform beside its name and type). A table is declared with [`table!`]: its typed columns,
//! `[Col<T>]` over the item its collector gathers, give both its untyped definition's columns
//! ([`columns`], evaluated at compile time) and its rows ([`Table::row`], in the definition's
//! order), so a column's name is written in one place only. Inside the macro (which rustfmt
//! leaves as written) a column list is kept one line per column, as a table is read: name,
//! words, reader. [`collectors!`] makes a module's `COLLECTORS`.

use canopy_model::inventory::{Batch, Cell, Row};
use canopy_model::table::{Column, ColumnType, TableDef};

/// What a row is read in beyond its item: the account's partition.
#[derive(Clone, Copy)]
pub(super) struct RowCtx<'a> {
    pub partition: &'a str,
}

/// Reads one column's value from the item.
pub(super) type Read<T> = fn(&T, &RowCtx<'_>) -> Cell;

/// A column with the way its value is read from `T`.
pub(super) struct Col<T: 'static> {
    pub column: Column,
    pub read: Read<T>,
}

impl<T: 'static> Col<T> {
    pub const fn new(name: &'static str, ty: ColumnType, doc: &'static str, read: Read<T>) -> Self {
        Self {
            column: Column::new(name, ty, doc),
            read,
        }
    }

    /// The same column, never null.
    pub const fn required(self) -> Self {
        Self {
            column: self.column.required(),
            read: self.read,
        }
    }

    pub const fn text(name: &'static str, doc: &'static str, read: Read<T>) -> Self {
        Self::new(name, ColumnType::Text, doc, read)
    }

    pub const fn int(name: &'static str, doc: &'static str, read: Read<T>) -> Self {
        Self::new(name, ColumnType::Int, doc, read)
    }

    pub const fn bool(name: &'static str, doc: &'static str, read: Read<T>) -> Self {
        Self::new(name, ColumnType::Bool, doc, read)
    }

    pub const fn time(name: &'static str, doc: &'static str, read: Read<T>) -> Self {
        Self::new(name, ColumnType::Timestamp, doc, read)
    }

    pub const fn json(name: &'static str, doc: &'static str, read: Read<T>) -> Self {
        Self::new(name, ColumnType::Json, doc, read)
    }

    pub const fn cidr(name: &'static str, doc: &'static str, read: Read<T>) -> Self {
        Self::new(name, ColumnType::Cidr, doc, read)
    }

    pub const fn inet(name: &'static str, doc: &'static str, read: Read<T>) -> Self {
        Self::new(name, ColumnType::Inet, doc, read)
    }

    /// One of the columns every table shares (`title`, `tags`, `akas`, ...), read from `T`.
    pub const fn common(column: Column, read: Read<T>) -> Self {
        Self { column, read }
    }

    /// `partition`: the account's, for every table.
    pub const fn partition() -> Self {
        Self {
            column: Column::PARTITION,
            read: partition_of::<T>,
        }
    }
}

fn partition_of<T>(_: &T, cx: &RowCtx<'_>) -> Cell {
    Cell::Text(cx.partition.to_owned())
}

/// The untyped columns of `cols`, in order, for the table's [`TableDef`](canopy_model::table::TableDef).
pub(super) const fn columns<T, const N: usize>(cols: &[Col<T>]) -> [Column; N] {
    let mut out = [Column::TITLE; N];
    let mut i = 0;
    while i < N {
        out[i] = cols[i].column;
        i += 1;
    }
    out
}

/// A table: its definition, and its typed columns over the item `T` its collector gathers
/// (declared with [`table!`]).
pub(super) struct Table<T: 'static> {
    pub def: TableDef,
    pub cols: &'static [Col<T>],
}

impl<T> Table<T> {
    /// The row of one item: every column read, in the definition's order.
    pub fn row(&self, item: &T, cx: RowCtx<'_>) -> Row {
        let mut row = Row::with_capacity(self.cols.len());
        for col in self.cols {
            row = row.with(col.column.name, (col.read)(item, &cx));
        }
        row
    }

    /// The table's rows, one per listed item, each read by `each` (which makes the item's
    /// detail calls), up to [`DETAILS_AT_ONCE`](super::DETAILS_AT_ONCE) items at a time, in the
    /// listing's order.
    pub async fn each_listed<L, Fut>(
        &'static self,
        unit: super::Unit<'_>,
        listed: Vec<L>,
        mut each: impl FnMut(L) -> Fut,
    ) -> Result<Vec<Batch>, crate::error::AwsError>
    where
        Fut: std::future::Future<Output = T>,
    {
        let rows = super::for_each_listed(listed, |l| {
            let item = each(l);
            async move { self.row(&item.await, unit.cx()) }
        })
        .await;
        Ok(vec![self.batch(rows)])
    }

    /// The rows of this table, with its definition.
    pub fn batch(&'static self, rows: Vec<Row>) -> Batch {
        Batch::new(&self.def, rows)
    }
}

/// Declares a table: `NAME: Item = Scope "table" [actions], "description";`, then its columns,
/// one per line, each `C::<type>("name", "words", reader)` (`C` is `Col<Item>` inside), and
/// `partition` after them, as every table has it; or `in LIST` for a column list made
/// elsewhere (which ends with its own `partition`). The definition's columns derive from the
/// typed ones at compile time. A table filled by another command than `collect` says
/// `, filled by WHO` after its description.
macro_rules! table {
    ($(#[$doc:meta])* $vis:vis $name:ident: $item:ty = $scope:ident $table:literal $actions:expr,
        $desc:literal $(, filled by $by:expr)?; in $cols:expr) => {
        $(#[$doc])*
        $vis const $name: $crate::collectors::columns::Table<$item> = {
            const COLS: &[$crate::collectors::columns::Col<$item>] = $cols;
            $crate::collectors::columns::Table {
                def: ::canopy_model::table::TableDef {
                    name: $table,
                    scope: ::canopy_model::table::Scope::$scope,
                    description: $desc,
                    columns: &$crate::collectors::columns::columns::<$item, { COLS.len() }>(COLS),
                    actions: &$actions,
                    filled_by: table!(@by $($by)?),
                },
                cols: COLS,
            }
        };
    };
    ($(#[$doc:meta])* $vis:vis $name:ident: $item:ty = $scope:ident $table:literal $actions:expr,
        $desc:literal $(, filled by $by:expr)?; $($col:expr),+ $(,)?) => {
        table! {
            $(#[$doc])* $vis $name: $item = $scope $table $actions, $desc $(, filled by $by)?;
            in {
                type C = $crate::collectors::columns::Col<$item>;
                &[$($col),+, C::partition()]
            }
        }
    };
    (@by) => { "collect" };
    (@by $by:expr) => { $by };
}

/// A module's `COLLECTORS`: `function: TABLE, ...;` a collector, in the order `canopy tables`
/// lists their tables.
macro_rules! collectors {
    ($($run:path: $($table:path),+;)+) => {
        /// The collectors of this module, in the order `canopy tables` lists their tables.
        pub(in $crate::collectors) const COLLECTORS: &[$crate::collectors::Collector] = &[$(
            $crate::collectors::Collector::new(&[$(&$table.def),+], |u| Box::pin($run(u))),
        )+];
    };
}

/// A tag as one SDK gives it: each SDK has a tag type of its own, with the key and value
/// optional in some and required in others; they are read alike through this.
pub(super) trait Tag {
    fn pair(&self) -> (Option<&str>, Option<&str>);
}

impl<T: Tag> Tag for &T {
    fn pair(&self) -> (Option<&str>, Option<&str>) {
        (**self).pair()
    }
}

impl Tag for (Option<&str>, Option<&str>) {
    fn pair(&self) -> (Option<&str>, Option<&str>) {
        *self
    }
}

/// The SDKs' tag types, each with how its key and value are read.
macro_rules! sdk_tags {
    ($($ty:ty => |$t:ident| $pair:expr;)*) => {
        $(impl Tag for $ty {
            fn pair(&self) -> (Option<&str>, Option<&str>) {
                let $t = self;
                $pair
            }
        })*
    };
}

sdk_tags! {
    aws_sdk_acm::types::Tag => |t| (Some(t.key()), t.value());
    aws_sdk_cloudfront::types::Tag => |t| (Some(t.key()), t.value());
    aws_sdk_cloudtrail::types::Tag => |t| (Some(t.key()), t.value());
    aws_sdk_codebuild::types::Tag => |t| (t.key(), t.value());
    aws_sdk_dynamodb::types::Tag => |t| (Some(t.key()), Some(t.value()));
    aws_sdk_ec2::types::Tag => |t| (t.key(), t.value());
    aws_sdk_ecr::types::Tag => |t| (Some(t.key()), Some(t.value()));
    aws_sdk_ecs::types::Tag => |t| (t.key(), t.value());
    aws_sdk_efs::types::Tag => |t| (Some(t.key()), Some(t.value()));
    aws_sdk_elasticache::types::Tag => |t| (t.key(), t.value());
    aws_sdk_iam::types::Tag => |t| (Some(t.key()), Some(t.value()));
    aws_sdk_kms::types::Tag => |t| (Some(t.tag_key()), Some(t.tag_value()));
    aws_sdk_opensearch::types::Tag => |t| (Some(t.key()), Some(t.value()));
    aws_sdk_rds::types::Tag => |t| (t.key(), t.value());
    aws_sdk_redshift::types::Tag => |t| (t.key(), t.value());
    aws_sdk_s3::types::Tag => |t| (Some(t.key()), Some(t.value()));
    aws_sdk_secretsmanager::types::Tag => |t| (t.key(), t.value());
    aws_sdk_ssm::types::Tag => |t| (Some(t.key()), Some(t.value()));
    aws_sdk_ssoadmin::types::Tag => |t| (Some(t.key()), Some(t.value()));
}
