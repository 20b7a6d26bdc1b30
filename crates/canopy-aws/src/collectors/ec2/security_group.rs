//! Security groups and their rules, each rule a row of its own.

use canopy_model::inventory::{Batch, Cell};
use canopy_model::table::{Column, Scope, TableDef};
use serde_json::{Value, json};

use crate::collectors::Collector;
use crate::collectors::columns::{self, Col};
use crate::collectors::{Unit, batch, tags_of, tags_src};
use crate::error::AwsError;

use super::client;

/// What is read of one row of `aws_vpc_security_group`.
struct SecurityGroup {
    g: aws_sdk_ec2::types::SecurityGroup,
    id: String,
    name: String,
    arn: String,
}

/// A column of `aws_vpc_security_group`.
type SecurityGroupC = Col<SecurityGroup>;

#[rustfmt::skip]
const SECURITY_GROUPS_COLUMNS: &[Col<SecurityGroup>] = &[
    SecurityGroupC::text("group_name", "The group's name", |x, _| Cell::Text(x.name.to_owned())).required(),
    SecurityGroupC::text("group_id", "The group", |x, _| Cell::Text(x.id.to_owned())).required(),
    SecurityGroupC::text("arn", "The group's ARN", |x, _| Cell::Text(x.arn.clone())),
    SecurityGroupC::text("description", "The group's description", |x, _| Cell::text(x.g.description())),
    SecurityGroupC::text("vpc_id", "The VPC", |x, _| Cell::text(x.g.vpc_id())),
    SecurityGroupC::text("owner_id", "The account that owns it", |x, _| Cell::text(x.g.owner_id())),
    SecurityGroupC::json("ip_permissions", "Inbound rules: [{\"IpProtocol\", \"FromPort\", \"ToPort\", \"IpRanges\": [{\"CidrIp\"}], \"Ipv6Ranges\", \"PrefixListIds\", \"UserIdGroupPairs\"}]", |x, _| permissions(x.g.ip_permissions())),
    SecurityGroupC::json("ip_permissions_egress", "Outbound rules, in the same shape", |x, _| permissions(x.g.ip_permissions_egress())),
    SecurityGroupC::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
    SecurityGroupC::common(Column::TAGS_SRC, |x, _| tags_src(x.g.tags())),
    SecurityGroupC::common(Column::TAGS, |x, _| tags_of(x.g.tags())),
    SecurityGroupC::common(Column::TITLE, |x, _| Cell::Text(x.name.to_owned())),
    SecurityGroupC::partition(),
];

pub(super) const SECURITY_GROUPS: TableDef = TableDef {
    name: "aws_vpc_security_group",
    scope: Scope::Regional,
    description: "Security groups, with their inbound and outbound rules as AWS lists them",
    columns: &columns::columns::<SecurityGroup, { SECURITY_GROUPS_COLUMNS.len() }>(
        SECURITY_GROUPS_COLUMNS,
    ),
    actions: &["ec2:DescribeSecurityGroups"],
    filled_by: "collect",
};

/// A security group's rules with AWS's member names (absent members are null, as Steampipe
/// shows the SDK's structures).
fn permissions(rules: &[aws_sdk_ec2::types::IpPermission]) -> Cell {
    Cell::json(Value::Array(
        rules
            .iter()
            .map(|p| {
                json!({
                    "IpProtocol": p.ip_protocol(),
                    "FromPort": p.from_port(),
                    "ToPort": p.to_port(),
                    "IpRanges": p.ip_ranges().iter().map(|r| json!({
                        "CidrIp": r.cidr_ip(),
                        "Description": r.description(),
                    })).collect::<Vec<_>>(),
                    "Ipv6Ranges": p.ipv6_ranges().iter().map(|r| json!({
                        "CidrIpv6": r.cidr_ipv6(),
                        "Description": r.description(),
                    })).collect::<Vec<_>>(),
                    "PrefixListIds": p.prefix_list_ids().iter().map(|r| json!({
                        "PrefixListId": r.prefix_list_id(),
                        "Description": r.description(),
                    })).collect::<Vec<_>>(),
                    "UserIdGroupPairs": p.user_id_group_pairs().iter().map(|g| json!({
                        "GroupId": g.group_id(),
                        "GroupName": g.group_name(),
                        "UserId": g.user_id(),
                        "VpcId": g.vpc_id(),
                        "VpcPeeringConnectionId": g.vpc_peering_connection_id(),
                        "PeeringStatus": g.peering_status(),
                        "Description": g.description(),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect(),
    ))
}

pub(super) async fn security_groups(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = client(&unit);
    let partition = unit.partition();
    let mut rows = Vec::new();
    unit.paginate(
        "ec2:DescribeSecurityGroups",
        |token| {
            client
                .describe_security_groups()
                .max_results(1000)
                .set_next_token(token)
                .send()
        },
        |out| out.next_token(),
        |out| {
            for g in out.security_groups() {
                let id = g.group_id().unwrap_or_default();
                let name = g.group_name().unwrap_or_default();
                let arn = unit.arn("ec2", &format!("security-group/{id}"));
                rows.push(columns::row(
                    SECURITY_GROUPS_COLUMNS,
                    &SecurityGroup {
                        g: g.clone(),
                        id: id.to_owned(),
                        name: name.to_owned(),
                        arn,
                    },
                    &columns::RowCtx {
                        partition: &partition,
                    },
                ));
            }
        },
    )
    .await?;
    Ok(vec![batch(&SECURITY_GROUPS, rows)])
}

/// What is read of one row of `aws_vpc_security_group_rule`.
struct SgRule {
    r: aws_sdk_ec2::types::SecurityGroupRule,
    id: String,
    aka: String,
    egress: bool,
    title_cell: Cell,
}

impl SgRule {
    fn referenced(&self) -> Option<&aws_sdk_ec2::types::ReferencedSecurityGroup> {
        self.r.referenced_group_info()
    }
}

/// A column of `aws_vpc_security_group_rule`.
type SgRuleC = Col<SgRule>;

#[rustfmt::skip]
const SECURITY_GROUP_RULES_COLUMNS: &[Col<SgRule>] = &[
    SgRuleC::text("security_group_rule_id", "The rule (sgr-...)", |x, _| Cell::Text(x.id.to_owned())).required(),
    SgRuleC::text("group_id", "The security group it belongs to", |x, _| Cell::text(x.r.group_id())).required(),
    SgRuleC::bool("is_egress", "Whether it is an outbound rule", |x, _| Cell::Bool(x.egress)),
    SgRuleC::text("type", "ingress or egress", |x, _| Cell::Text(if x.egress { "egress" } else { "ingress" }.to_owned())),
    SgRuleC::text("group_owner_id", "The account that owns the group", |x, _| Cell::text(x.r.group_owner_id())),
    SgRuleC::text("description", "The rule's description", |x, _| Cell::text(x.r.description())),
    SgRuleC::text("ip_protocol", "tcp, udp, icmp, icmpv6, a protocol number, or -1 for every protocol", |x, _| Cell::text(x.r.ip_protocol())),
    SgRuleC::int("from_port", "First port (or ICMP type); -1 for every port or type", |x, _| Cell::int(x.r.from_port())),
    SgRuleC::int("to_port", "Last port (or ICMP code); -1 for every port or code", |x, _| Cell::int(x.r.to_port())),
    SgRuleC::cidr("cidr_ipv4", "The IPv4 range it allows", |x, _| Cell::text(x.r.cidr_ipv4())),
    SgRuleC::cidr("cidr_ipv6", "The IPv6 range it allows", |x, _| Cell::text(x.r.cidr_ipv6())),
    SgRuleC::text("referenced_group_id", "The security group it allows", |x, _| Cell::text(x.referenced().and_then(|g| g.group_id()))),
    SgRuleC::text("referenced_peering_status", "The VPC peering connection's status, when it references a peer's group", |x, _| Cell::text(x.referenced().and_then(|g| g.peering_status()))),
    SgRuleC::text("referenced_user_id", "The account of the referenced group", |x, _| Cell::text(x.referenced().and_then(|g| g.user_id()))),
    SgRuleC::text("referenced_vpc_id", "The VPC of the referenced group", |x, _| Cell::text(x.referenced().and_then(|g| g.vpc_id()))),
    SgRuleC::text("referenced_vpc_peering_connection_id", "The VPC peering connection, when it references a peer's group", |x, _| Cell::text(x.referenced().and_then(|g| g.vpc_peering_connection_id()))),
    SgRuleC::text("prefix_list_id", "The prefix list it allows", |x, _| Cell::text(x.r.prefix_list_id())),
    SgRuleC::common(Column::TITLE, |x, _| x.title_cell.clone()),
    SgRuleC::common(Column::AKAS, |x, _| Cell::json(json!([x.aka]))),
    SgRuleC::partition(),
];

pub(super) const SECURITY_GROUP_RULES: TableDef = TableDef {
    name: "aws_vpc_security_group_rule",
    scope: Scope::Regional,
    description: "Security group rules, one row per rule (DescribeSecurityGroupRules): what each group lets in and out",
    columns: &columns::columns::<SgRule, { SECURITY_GROUP_RULES_COLUMNS.len() }>(
        SECURITY_GROUP_RULES_COLUMNS,
    ),
    actions: &["ec2:DescribeSecurityGroupRules"],
    filled_by: "collect",
};

/// Steampipe's unique name for a rule (its title, and the end of its aka): direction and
/// protocol, the port range when there is one, then what it allows (a CIDR, the group itself,
/// or a prefix list). The plugin formats the ports from pointers; canopy writes the numbers.
fn rule_hash(r: &aws_sdk_ec2::types::SecurityGroupRule) -> String {
    let direction = if r.is_egress().unwrap_or(false) {
        "egress"
    } else {
        "ingress"
    };
    let mut hash = format!("{direction}_{}", r.ip_protocol().unwrap_or_default());
    if let Some(from) = r.from_port() {
        hash.push_str(&format!("_{from}_{}", r.to_port().unwrap_or(from)));
    }
    let referenced = r.referenced_group_info().and_then(|g| g.group_id());
    let peer = if let Some(cidr) = r.cidr_ipv4().or(r.cidr_ipv6()) {
        Some(cidr)
    } else if referenced.is_some() && referenced == r.group_id() {
        referenced
    } else {
        r.prefix_list_id()
    };
    if let Some(peer) = peer {
        hash.push('_');
        hash.push_str(peer);
    }
    hash
}

pub(super) async fn security_group_rules(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = client(&unit);
    let partition = unit.partition();
    let mut rows = Vec::new();
    unit.paginate(
        "ec2:DescribeSecurityGroupRules",
        |token| {
            client
                .describe_security_group_rules()
                .max_results(1000)
                .set_next_token(token)
                .send()
        },
        |out| out.next_token(),
        |out| {
            for r in out.security_group_rules() {
                let id = r.security_group_rule_id().unwrap_or_default();
                let owner = r.group_owner_id().unwrap_or(unit.session.account.as_str());
                let hash = rule_hash(r);
                let aka = canopy_model::Arn {
                    partition: unit.session.partition.as_str(),
                    service: "ec2",
                    region: unit.region,
                    account: owner,
                    resource: &format!("security-group-rule/{id}:{hash}"),
                }
                .to_string();
                let egress = r.is_egress().unwrap_or(false);
                rows.push(columns::row(
                    SECURITY_GROUP_RULES_COLUMNS,
                    &SgRule {
                        r: r.clone(),
                        id: id.to_owned(),
                        egress,
                        title_cell: Cell::Text(format!("{id}_{hash}")),
                        aka,
                    },
                    &columns::RowCtx {
                        partition: &partition,
                    },
                ));
            }
        },
    )
    .await?;
    Ok(vec![batch(&SECURITY_GROUP_RULES, rows)])
}

/// The collectors of this module, in the order `canopy tables` lists their tables.
pub(in crate::collectors) const COLLECTORS: &[Collector] = &[
    Collector::new(&[&SECURITY_GROUPS], |u| Box::pin(security_groups(u))),
    Collector::new(&[&SECURITY_GROUP_RULES], |u| {
        Box::pin(security_group_rules(u))
    }),
];
