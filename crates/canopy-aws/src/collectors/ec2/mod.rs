//! EC2 and VPC, one module a family: the account's regions (here), instances, storage (volumes,
//! snapshots, images), the network (interfaces, route tables and routes, internet gateways),
//! the VPCs' own tables (VPCs, subnets, security groups and their rules, flow logs, endpoints)
//! and network ACLs. Every listing passes `MaxResults` (unfiltered, unpaged EC2 calls draw from a
//! smaller throttling bucket).

pub(super) mod acl;
pub(super) mod instance;
pub(super) mod network;
pub(super) mod security_group;
pub(super) mod storage;
pub(super) mod vpc;

use aws_sdk_ec2::Client;
use canopy_model::inventory::{Batch, Cell, RegionInfo};
use canopy_model::table::Column;
use serde_json::{Value, json};

use crate::collectors::Unit;
use crate::error::AwsError;
use crate::pace::ApiBuckets;
use crate::retry::call;
use crate::session::AccountSession;

pub(super) fn group_identifiers(groups: &[aws_sdk_ec2::types::GroupIdentifier]) -> Cell {
    Cell::json(Value::Array(
        groups
            .iter()
            .map(|g| json!({"GroupId": g.group_id(), "GroupName": g.group_name()}))
            .collect(),
    ))
}

/// The `Name` tag, else the id: how Steampipe titles VPCs and subnets.
pub(super) fn name_or<'a>(tags: &'a [aws_sdk_ec2::types::Tag], id: &'a str) -> &'a str {
    tags.iter()
        .find(|t| t.key() == Some("Name"))
        .and_then(|t| t.value())
        .filter(|v| !v.is_empty())
        .unwrap_or(id)
}

/// The columns every EC2 row ends with: tags (both forms), title, partition.
/// The regions `session`'s account sees, with their opt-in status (`ec2:DescribeRegions` with
/// `AllRegions`, asked in the partition's home region). The fan-out asks once per account, to
/// choose the regions to work in; `aws_region` is filled from its answer.
pub async fn describe_regions(
    session: &AccountSession,
    buckets: &ApiBuckets,
) -> Result<Vec<RegionInfo>, AwsError> {
    let home = canopy_model::inventory::home_region(&session.partition);
    let client = session.client(home, Client::new);
    let rate = buckets.get(home, "ec2:DescribeRegions");
    let out = call(
        &session.scope(),
        "ec2:DescribeRegions",
        rate.as_deref(),
        || client.describe_regions().all_regions(true).send(),
    )
    .await?;
    let mut regions: Vec<RegionInfo> = out
        .regions()
        .iter()
        .filter_map(|r| {
            Some(RegionInfo {
                name: r.region_name()?.to_owned(),
                opt_in_status: r
                    .opt_in_status()
                    .unwrap_or("opt-in-not-required")
                    .to_owned(),
            })
        })
        .collect();
    regions.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(regions)
}

table! {
    REGIONS: (RegionInfo, String) = Account "aws_region" ["ec2:DescribeRegions"],
        "Regions each account sees, with their opt-in status";
    C::text("name", "The name", |(r, _), _| Cell::Text(r.name.clone())).required(),
    C::text("opt_in_status", "opt-in-not-required, opted-in or not-opted-in", |(r, _), _| Cell::Text(r.opt_in_status.clone())),
    C::common(Column::TITLE, |(r, _), _| Cell::Text(r.name.clone())),
    C::common(Column::AKAS, |(_, arn), _| Cell::json(json!([arn]))),
}

/// `aws_region`: the account's regions of its partition, from the discovery the fan-out made
/// before the account's units started (no call of its own).
pub(super) async fn regions(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let known = unit.regions.map_err(Clone::clone)?;
    let cx = unit.cx();
    let account = &unit.session.account;
    let rows = known
        .iter()
        .filter(|r| {
            canopy_model::inventory::region_partition(&r.name) == unit.session.partition.as_str()
        })
        .map(|r| {
            let arn = format!("arn:{}::{}::{account}", unit.session.partition, r.name);
            // as in Steampipe, a region's row is in that region
            REGIONS
                .row(&(r.clone(), arn), cx)
                .with("region", Cell::Text(r.name.clone()))
        })
        .collect();
    Ok(vec![REGIONS.batch(rows)])
}

collectors! {
    regions: REGIONS;
}
