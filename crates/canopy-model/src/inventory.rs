//! Inventory: what `canopy collect` gathers. A [`Collector`] is one kind of work done per account
//! (global) or per account and region (regional); it yields [`Batch`]es of [`Row`]s for the
//! Steampipe-named tables it fills. Rows are named cells, so a column can never shift.

use std::collections::BTreeMap;
use std::fmt;

use crate::Partition;

/// One value of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Text(String),
    Int(i64),
    Bool(bool),
    /// Stored as JSON text, so `tags ->> 'Name'` works.
    Json(serde_json::Value),
}

impl Cell {
    /// Text, or null when absent.
    pub fn text(value: Option<impl Into<String>>) -> Self {
        value.map_or(Self::Null, |v| Self::Text(v.into()))
    }

    pub fn int(value: Option<impl Into<i64>>) -> Self {
        value.map_or(Self::Null, |v| Self::Int(v.into()))
    }

    pub fn bool(value: Option<bool>) -> Self {
        value.map_or(Self::Null, Self::Bool)
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
            Self::Json(serde_json::Value::Object(map))
        }
    }
}

/// One row: `(column, value)` in the table's column order. The store adds `account_id`,
/// `region` and `collected_at`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Row(pub Vec<(&'static str, Cell)>);

impl Row {
    pub fn with(mut self, column: &'static str, cell: Cell) -> Self {
        self.0.push((column, cell));
        self
    }

    pub fn columns(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.iter().map(|(c, _)| *c)
    }
}

/// The rows one unit produced for one table.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Batch {
    pub table: &'static str,
    pub rows: Vec<Row>,
}

/// Where a collector runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Once per account and enabled region.
    Regional,
    /// Once per account (IAM): rows carry region `global`.
    Global,
}

/// One kind of collection work; each fills one or more tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Collector {
    /// `ec2:DescribeRegions` (done anyway to find the enabled regions) -> `aws_region`.
    Regions,
    Ec2Instances,
    Ec2NetworkInterfaces,
    /// One call fills both `aws_vpc_route_table` and `aws_vpc_route`.
    VpcRouteTables,
    VpcInternetGateways,
    IamRoles,
}

/// The region value of rows from global services.
pub const GLOBAL_REGION: &str = "global";

/// The table `canopy credreport collect` fills, one row per IAM user (and the root user) per
/// account, region `global`.
pub const CREDENTIAL_REPORT_TABLE: &str = "aws_iam_credential_report";

/// Tables that come from `canopy org sync` rather than from collection.
pub const ORGANIZATION_TABLES: &[&str] = &[
    "aws_organizations_account",
    "aws_organizations_organizational_unit",
    "aws_organizations_policy",
    "aws_organizations_policy_target",
];

impl Collector {
    pub const ALL: [Collector; 6] = [
        Collector::Regions,
        Collector::Ec2Instances,
        Collector::Ec2NetworkInterfaces,
        Collector::VpcRouteTables,
        Collector::VpcInternetGateways,
        Collector::IamRoles,
    ];

    /// The tables it fills; the first names it in errors.
    pub fn tables(self) -> &'static [&'static str] {
        match self {
            Self::Regions => &["aws_region"],
            Self::Ec2Instances => &["aws_ec2_instance"],
            Self::Ec2NetworkInterfaces => &["aws_ec2_network_interface"],
            Self::VpcRouteTables => &["aws_vpc_route_table", "aws_vpc_route"],
            Self::VpcInternetGateways => &["aws_vpc_internet_gateway"],
            Self::IamRoles => &["aws_iam_role"],
        }
    }

    pub fn table(self) -> &'static str {
        self.tables()[0]
    }

    pub fn scope(self) -> Scope {
        match self {
            Self::IamRoles | Self::Regions => Scope::Global,
            _ => Scope::Regional,
        }
    }

    /// The API whose throttling bucket its calls draw from.
    pub fn service(self) -> &'static str {
        match self {
            Self::IamRoles => "iam",
            _ => "ec2",
        }
    }

    /// The collector that fills `table`.
    pub fn for_table(table: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.tables().contains(&table))
    }
}

impl fmt::Display for Collector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.table())
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_has_one_collector() {
        let mut seen = std::collections::BTreeSet::new();
        for c in Collector::ALL {
            for t in c.tables() {
                assert!(seen.insert(*t), "{t} filled twice");
                assert_eq!(Collector::for_table(t), Some(c));
            }
        }
        assert_eq!(
            Collector::for_table("aws_vpc_route"),
            Some(Collector::VpcRouteTables)
        );
        assert_eq!(Collector::for_table("aws_organizations_account"), None);
    }

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
            Cell::Json(serde_json::json!({"Name": "web"}))
        );
    }
}
