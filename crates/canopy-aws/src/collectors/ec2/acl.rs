//! VPC network ACLs (DescribeNetworkAcls): their rules and the subnets they guard (CIS's
//! "no network ACL admits remote administration from anywhere"). Each column is declared once,
//! with the way it is read from an [`Acl`].

use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::NetworkAcl;
use canopy_model::inventory::{Batch, Cell, Row};
use canopy_model::table::Column;
use serde_json::{Value, json};

use super::name_or;
use crate::collectors::{Unit, tags_of, tags_src};
use crate::error::AwsError;

/// What is read of one network ACL.
struct Acl {
    acl: NetworkAcl,
    arn: String,
}

impl Acl {
    fn id(&self) -> &str {
        self.acl.network_acl_id().unwrap_or_default()
    }
}

table! {
    NETWORK_ACLS: Acl = Regional "aws_vpc_network_acl" ["ec2:DescribeNetworkAcls"],
        "VPC network ACLs, with their rules and the subnets they guard";
    C::text("network_acl_id", "The network ACL's id", |a, _| Cell::text(a.acl.network_acl_id())).required(),
    C::text("arn", "The network ACL's ARN", |a, _| Cell::Text(a.arn.clone())),
    C::bool("is_default", "Whether it is its VPC's default network ACL", |a, _| Cell::bool(a.acl.is_default())),
    C::text("vpc_id", "The VPC it belongs to", |a, _| Cell::text(a.acl.vpc_id())),
    C::text("owner_id", "The account that owns it", |a, _| Cell::text(a.acl.owner_id())),
    C::json(
    "associations",
    "The subnets it guards: [{\"NetworkAclAssociationId\", \"NetworkAclId\", \"SubnetId\"}]",
    |a, _| {
        Cell::json(Value::Array(
            a.acl
                .associations()
                .iter()
                .map(|s| {
                    json!({
                        "NetworkAclAssociationId": s.network_acl_association_id(),
                        "NetworkAclId": s.network_acl_id(),
                        "SubnetId": s.subnet_id(),
                    })
                })
                .collect(),
        ))
    },
),
    C::json(
    "entries",
    "Its rules: [{\"RuleNumber\", \"RuleAction\", \"Egress\", \"Protocol\", \"CidrBlock\", \"Ipv6CidrBlock\", \"PortRange\": {\"From\", \"To\"}, \"IcmpTypeCode\"}]",
    |a, _| {
        Cell::json(Value::Array(
            a.acl
                .entries()
                .iter()
                .map(|e| {
                    json!({
                        "CidrBlock": e.cidr_block(),
                        "Egress": e.egress(),
                        "IcmpTypeCode": e.icmp_type_code().map(|c| json!({"Code": c.code(), "Type": c.r#type()})),
                        "Ipv6CidrBlock": e.ipv6_cidr_block(),
                        "PortRange": e.port_range().map(|p| json!({"From": p.from(), "To": p.to()})),
                        "Protocol": e.protocol(),
                        "RuleAction": e.rule_action().map(|r| r.as_str()),
                        "RuleNumber": e.rule_number(),
                    })
                })
                .collect(),
        ))
    },
),
    C::common(Column::TAGS_SRC, |a, _| tags_src(a.acl.tags())),
    C::common(Column::TAGS, |a, _| tags_of(a.acl.tags())),
    C::common(Column::TITLE, |a, _| Cell::Text(name_or(a.acl.tags(), a.id()).to_owned())),
    C::common(Column::AKAS, |a, _| Cell::json(json!([a.arn]))),
}

pub(super) async fn network_acls(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.client(Client::new);
    let cx = unit.cx();
    let mut rows: Vec<Row> = Vec::new();
    unit.paginate(
        "ec2:DescribeNetworkAcls",
        |token| {
            client
                .describe_network_acls()
                .max_results(1000)
                .set_next_token(token)
                .send()
        },
        |out| out.next_token(),
        |out| {
            for acl in out.network_acls.unwrap_or_default() {
                let id = acl.network_acl_id().unwrap_or_default();
                let item = Acl {
                    arn: unit.arn("ec2", &format!("network-acl/{id}")),
                    acl,
                };
                rows.push(NETWORK_ACLS.row(&item, cx));
            }
        },
    )
    .await?;
    Ok(vec![NETWORK_ACLS.batch(rows)])
}

collectors! {
    network_acls: NETWORK_ACLS;
}
