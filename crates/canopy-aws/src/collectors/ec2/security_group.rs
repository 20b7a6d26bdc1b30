//! Security groups and their rules, each rule a row of its own.

use aws_sdk_ec2::Client;
use canopy_model::inventory::{Batch, Cell};
use canopy_model::table::Column;
use serde_json::{Value, json};

use crate::collectors::{Unit, tags_of, tags_src};
use crate::error::AwsError;

/// What is read of one row of `aws_vpc_security_group`.
struct SecurityGroup {
    g: aws_sdk_ec2::types::SecurityGroup,
    id: String,
    name: String,
    arn: String,
}

table! {
    SECURITY_GROUPS: SecurityGroup = Regional "aws_vpc_security_group"
        ["ec2:DescribeSecurityGroups"],
        "Security groups, with their inbound and outbound rules as AWS lists them";
    C::text("group_name", "The group's name", |x, _| Cell::Text(x.name.to_owned())).required(),
    C::text("group_id", "The group", |x, _| Cell::Text(x.id.to_owned())).required(),
    C::text("arn", "The group's ARN", |x, _| Cell::Text(x.arn.clone())),
    C::text("description", "The group's description", |x, _| Cell::text(x.g.description())),
    C::text("vpc_id", "The VPC", |x, _| Cell::text(x.g.vpc_id())),
    C::text("owner_id", "The account that owns it", |x, _| Cell::text(x.g.owner_id())),
    C::json("ip_permissions", "Inbound rules: [{\"IpProtocol\", \"FromPort\", \"ToPort\", \"IpRanges\": [{\"CidrIp\"}], \"Ipv6Ranges\", \"PrefixListIds\", \"UserIdGroupPairs\"}]", |x, _| permissions(x.g.ip_permissions())),
    C::json("ip_permissions_egress", "Outbound rules, in the same shape", |x, _| permissions(x.g.ip_permissions_egress())),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
    C::common(Column::TAGS_SRC, |x, _| tags_src(x.g.tags())),
    C::common(Column::TAGS, |x, _| tags_of(x.g.tags())),
    C::common(Column::TITLE, |x, _| Cell::Text(x.name.to_owned())),
}

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
    let client = unit.client(Client::new);
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
            for g in out.security_groups.unwrap_or_default() {
                let id = g.group_id().unwrap_or_default();
                let name = g.group_name().unwrap_or_default();
                let arn = unit.arn("ec2", &format!("security-group/{id}"));
                rows.push(SECURITY_GROUPS.row(
                    &SecurityGroup {
                        id: id.to_owned(),
                        name: name.to_owned(),
                        arn,
                        g,
                    },
                    unit.cx(),
                ));
            }
        },
    )
    .await?;
    Ok(vec![SECURITY_GROUPS.batch(rows)])
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

table! {
    SECURITY_GROUP_RULES: SgRule = Regional "aws_vpc_security_group_rule"
        ["ec2:DescribeSecurityGroupRules"],
        "Security group rules, one row per rule (DescribeSecurityGroupRules): what each group lets in and out";
    C::text("security_group_rule_id", "The rule (sgr-...)", |x, _| Cell::Text(x.id.to_owned())).required(),
    C::text("group_id", "The security group it belongs to", |x, _| Cell::text(x.r.group_id())).required(),
    C::bool("is_egress", "Whether it is an outbound rule", |x, _| Cell::Bool(x.egress)),
    C::text("type", "ingress or egress", |x, _| Cell::Text(if x.egress { "egress" } else { "ingress" }.to_owned())),
    C::text("group_owner_id", "The account that owns the group", |x, _| Cell::text(x.r.group_owner_id())),
    C::text("description", "The rule's description", |x, _| Cell::text(x.r.description())),
    C::text("ip_protocol", "tcp, udp, icmp, icmpv6, a protocol number, or -1 for every protocol", |x, _| Cell::text(x.r.ip_protocol())),
    C::int("from_port", "First port (or ICMP type); -1 for every port or type", |x, _| Cell::int(x.r.from_port())),
    C::int("to_port", "Last port (or ICMP code); -1 for every port or code", |x, _| Cell::int(x.r.to_port())),
    C::cidr("cidr_ipv4", "The IPv4 range it allows", |x, _| Cell::text(x.r.cidr_ipv4())),
    C::cidr("cidr_ipv6", "The IPv6 range it allows", |x, _| Cell::text(x.r.cidr_ipv6())),
    C::text("referenced_group_id", "The security group it allows", |x, _| Cell::text(x.referenced().and_then(|g| g.group_id()))),
    C::text("referenced_peering_status", "The VPC peering connection's status, when it references a peer's group", |x, _| Cell::text(x.referenced().and_then(|g| g.peering_status()))),
    C::text("referenced_user_id", "The account of the referenced group", |x, _| Cell::text(x.referenced().and_then(|g| g.user_id()))),
    C::text("referenced_vpc_id", "The VPC of the referenced group", |x, _| Cell::text(x.referenced().and_then(|g| g.vpc_id()))),
    C::text("referenced_vpc_peering_connection_id", "The VPC peering connection, when it references a peer's group", |x, _| Cell::text(x.referenced().and_then(|g| g.vpc_peering_connection_id()))),
    C::text("prefix_list_id", "The prefix list it allows", |x, _| Cell::text(x.r.prefix_list_id())),
    C::common(Column::TITLE, |x, _| x.title_cell.clone()),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.aka]))),
}

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
    let client = unit.client(Client::new);
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
            for r in out.security_group_rules.unwrap_or_default() {
                let id = r.security_group_rule_id().unwrap_or_default();
                let owner = r.group_owner_id().unwrap_or(unit.session.account.as_str());
                let hash = rule_hash(&r);
                let aka = canopy_model::Arn {
                    partition: unit.session.partition.as_str(),
                    service: "ec2",
                    region: unit.region,
                    account: owner,
                    resource: &format!("security-group-rule/{id}:{hash}"),
                }
                .to_string();
                let egress = r.is_egress().unwrap_or(false);
                rows.push(SECURITY_GROUP_RULES.row(
                    &SgRule {
                        id: id.to_owned(),
                        egress,
                        title_cell: Cell::Text(format!("{id}_{hash}")),
                        aka,
                        r,
                    },
                    unit.cx(),
                ));
            }
        },
    )
    .await?;
    Ok(vec![SECURITY_GROUP_RULES.batch(rows)])
}

collectors! {
    security_groups: SECURITY_GROUPS;
    security_group_rules: SECURITY_GROUP_RULES;
}
