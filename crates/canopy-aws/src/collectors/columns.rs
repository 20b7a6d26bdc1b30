//! Columns declared once, with the way each value is read (Steampipe's habit: a column's
//! transform beside its name and type). A table's typed columns, `[Col<T>]` over the item its
//! collector gathers, give both its untyped definition's columns ([`columns`], evaluated at
//! compile time) and its rows ([`row`], in the definition's order), so a column's name is
//! written in one place only. A table's column list is kept one line per column, as a table is
//! read (name, words, reader), by `#[rustfmt::skip]` on it.

use canopy_model::inventory::{Cell, Row};
use canopy_model::table::{Column, ColumnType};

/// What a row is read in beyond its item: the account's partition.
#[derive(Clone, Copy)]
pub(super) struct RowCtx<'a> {
    pub partition: &'a Cell,
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
    cx.partition.clone()
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

/// The row of one item: every column read, in the definition's order.
pub(super) fn row<T>(cols: &[Col<T>], item: &T, cx: &RowCtx<'_>) -> Row {
    let mut row = Row::with_capacity(cols.len());
    for col in cols {
        row = row.with(col.column.name, (col.read)(item, cx));
    }
    row
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
