//! EC2 and VPC: regions, instances, network interfaces, VPCs, subnets, security groups, flow
//! logs, VPC endpoints, route tables and their routes, internet gateways. Every listing passes `MaxResults` (unfiltered, unpaged EC2 calls draw from a smaller
//! throttling bucket).

use aws_sdk_ec2::Client;
use canopy_model::inventory::{Batch, Cell, RegionInfo, Row};
use canopy_model::table::{Column, Scope, TableDef};
use serde_json::{Value, json};

use super::columns::{self, Col};
use super::{Unit, batch, policy_cells, tags_of, tags_src, time};
use crate::error::AwsError;
use crate::pace::ApiBuckets;
use crate::retry::call;
use crate::session::AccountSession;

pub(super) const REGIONS: TableDef = TableDef {
    name: "aws_region",
    scope: Scope::Account,
    description: "Regions each account sees, with their opt-in status",
    columns: &[
        Column::text("name", "The name").required(),
        Column::text(
            "opt_in_status",
            "opt-in-not-required, opted-in or not-opted-in",
        ),
        Column::TITLE,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &["ec2:DescribeRegions"],
    filled_by: "collect",
};

pub(super) const NETWORK_INTERFACES: TableDef = TableDef {
    name: "aws_ec2_network_interface",
    scope: Scope::Regional,
    description: "Elastic network interfaces, with their public address and attachment",
    columns: &[
        Column::text("network_interface_id", "Network interface ID").required(),
        Column::text("status", "Status"),
        Column::text("interface_type", "Interface type"),
        Column::text("description", "Description"),
        Column::text("availability_zone", "Availability zone"),
        Column::text("owner_id", "The account that owns it"),
        Column::text("association_allocation_id", "Association allocation ID"),
        Column::text("association_id", "Association ID"),
        Column::text("association_ip_owner_id", "Association IP owner ID"),
        Column::text("association_public_dns_name", "Association public DNS name"),
        Column::inet(
            "association_public_ip",
            "The public IPv4 address (Elastic IP or auto-assigned)",
        ),
        Column::inet("association_carrier_ip", "Association carrier IP"),
        Column::text("attached_instance_id", "The instance it is attached to"),
        Column::text("attached_instance_owner_id", "Attached instance owner ID"),
        Column::text("attachment_id", "Attachment ID"),
        Column::text("attachment_status", "Attachment status"),
        Column::time("attachment_time", "Attachment time"),
        Column::bool(
            "delete_on_instance_termination",
            "Delete on instance termination",
        ),
        Column::int("device_index", "Device index"),
        Column::text("mac_address", "MAC address"),
        Column::text("private_dns_name", "Private DNS name"),
        Column::inet("private_ip_address", "Private IP address"),
        Column::text("requester_id", "Requester ID"),
        Column::bool("requester_managed", "Requester managed"),
        Column::bool("source_dest_check", "Source dest check"),
        Column::text("subnet_id", "The subnet"),
        Column::text("vpc_id", "The VPC"),
        Column::json(
            "groups",
            "Security groups, as [{\"GroupId\", \"GroupName\"}]",
        ),
        Column::json("ipv6_addresses", "IPv6 addresses"),
        Column::json("private_ip_addresses", "Private IP addresses"),
        Column::TAGS_SRC,
        Column::TAGS,
        Column::TITLE,
        Column::PARTITION,
    ],
    actions: &["ec2:DescribeNetworkInterfaces"],
    filled_by: "collect",
};

pub(super) const ROUTE_TABLES: TableDef = TableDef {
    name: "aws_vpc_route_table",
    scope: Scope::Regional,
    description: "VPC route tables, with their associations and routes as JSON",
    columns: &[
        Column::text("route_table_id", "Route table ID").required(),
        Column::text("vpc_id", "The VPC"),
        Column::text("owner_id", "The account that owns it"),
        Column::json(
            "associations",
            "Subnet and gateway associations (Main: the VPC main route table)",
        ),
        Column::json("routes", "Routes, as AWS returns them"),
        Column::json("propagating_vgws", "Propagating VGWs"),
        Column::AKAS,
        Column::TAGS_SRC,
        Column::TAGS,
        Column::TITLE,
        Column::PARTITION,
    ],
    actions: &["ec2:DescribeRouteTables"],
    filled_by: "collect",
};

pub(super) const ROUTES: TableDef = TableDef {
    name: "aws_vpc_route",
    scope: Scope::Regional,
    description: "VPC routes, one row per route of every route table",
    columns: &[
        Column::text("route_table_id", "Route table ID").required(),
        Column::text("vpc_id", "The VPC"),
        Column::text("owner_id", "The account that owns it"),
        Column::cidr("destination_cidr_block", "Destination CIDR block"),
        Column::cidr("destination_ipv6_cidr_block", "Destination IPv6 CIDR block"),
        Column::text("destination_prefix_list_id", "Destination prefix list ID"),
        Column::text(
            "gateway_id",
            "Internet or virtual private gateway (igw-..., vgw-..., local)",
        ),
        Column::text("nat_gateway_id", "Nat gateway ID"),
        Column::text("transit_gateway_id", "Transit gateway ID"),
        Column::text("vpc_peering_connection_id", "Vpc peering connection ID"),
        Column::text("network_interface_id", "Network interface ID"),
        Column::text("instance_id", "Instance ID"),
        Column::text(
            "egress_only_internet_gateway_id",
            "Egress only internet gateway ID",
        ),
        Column::text("carrier_gateway_id", "Carrier gateway ID"),
        Column::text("local_gateway_id", "Local gateway ID"),
        Column::text("origin", "Origin"),
        Column::text("state", "State"),
        Column::TITLE,
        Column::PARTITION,
    ],
    actions: &["ec2:DescribeRouteTables"],
    filled_by: "collect",
};

/// What is read of one row of `aws_vpc_internet_gateway`.
struct InternetGateway {
    g: aws_sdk_ec2::types::InternetGateway,
    id: String,
    attachments: Vec<Value>,
    akas_cell: Cell,
}

impl InternetGateway {
    fn tag_list(&self) -> &[aws_sdk_ec2::types::Tag] {
        self.g.tags()
    }
}

/// A column of `aws_vpc_internet_gateway`.
type GatewayC = Col<InternetGateway>;

#[rustfmt::skip]
const INTERNET_GATEWAYS_COLUMNS: &[Col<InternetGateway>] = &[
    GatewayC::text("internet_gateway_id", "Internet gateway ID", |x, _| Cell::Text(x.id.to_owned())).required(),
    GatewayC::text("owner_id", "The account that owns it", |x, _| Cell::text(x.g.owner_id())),
    GatewayC::json("attachments", "VPCs it is attached to, with their state", |x, _| Cell::json(Value::Array(x.attachments.clone()))),
    GatewayC::common(Column::AKAS, |x, _| x.akas_cell.clone()),
    GatewayC::common(Column::TAGS_SRC, |x, _| tags_src(x.tag_list().iter().map(|t| (t.key(), t.value())))),
    GatewayC::common(Column::TAGS, |x, _| tags_of(x.tag_list().iter().map(|t| (t.key(), t.value())))),
    GatewayC::common(Column::TITLE, |x, _| Cell::Text(x.id.to_owned())),
    GatewayC::partition(),
];

pub(super) const INTERNET_GATEWAYS: TableDef = TableDef {
    name: "aws_vpc_internet_gateway",
    scope: Scope::Regional,
    description: "Internet gateways and the VPCs they are attached to",
    columns: &columns::columns::<InternetGateway, { INTERNET_GATEWAYS_COLUMNS.len() }>(
        INTERNET_GATEWAYS_COLUMNS,
    ),
    actions: &["ec2:DescribeInternetGateways"],
    filled_by: "collect",
};

/// What is read of one row of `aws_vpc`.
struct Vpc {
    v: aws_sdk_ec2::types::Vpc,
    id: String,
    arn: String,
    ipv4: Vec<Value>,
    ipv6: Vec<Value>,
}

/// A column of `aws_vpc`.
type VpcC = Col<Vpc>;

#[rustfmt::skip]
const VPCS_COLUMNS: &[Col<Vpc>] = &[
    VpcC::text("vpc_id", "The VPC", |x, _| Cell::Text(x.id.to_owned())).required(),
    VpcC::text("arn", "The VPC's ARN", |x, _| Cell::Text(x.arn.clone())),
    VpcC::cidr("cidr_block", "The primary IPv4 CIDR block", |x, _| Cell::text(x.v.cidr_block())),
    VpcC::text("state", "pending or available", |x, _| Cell::text(x.v.state().map(|s| s.as_str()))),
    VpcC::bool("is_default", "Whether it is the region's default VPC", |x, _| Cell::bool(x.v.is_default())),
    VpcC::text("dhcp_options_id", "The DHCP options set", |x, _| Cell::text(x.v.dhcp_options_id())),
    VpcC::text("instance_tenancy", "default, dedicated or host", |x, _| Cell::text(x.v.instance_tenancy().map(|t| t.as_str()))),
    VpcC::text("owner_id", "The account that owns it", |x, _| Cell::text(x.v.owner_id())),
    VpcC::json("cidr_block_association_set", "IPv4 CIDR blocks, as [{\"AssociationId\", \"CidrBlock\", \"CidrBlockState\"}]", |x, _| Cell::json(Value::Array(x.ipv4.clone()))),
    VpcC::json("ipv6_cidr_block_association_set", "IPv6 CIDR blocks, as [{\"AssociationId\", \"Ipv6CidrBlock\", \"Ipv6CidrBlockState\", ...}]", |x, _| Cell::json(Value::Array(x.ipv6.clone()))),
    VpcC::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
    VpcC::common(Column::TAGS_SRC, |x, _| tags_src(x.v.tags().iter().map(|t| (t.key(), t.value())))),
    VpcC::common(Column::TAGS, |x, _| tags_of(x.v.tags().iter().map(|t| (t.key(), t.value())))),
    VpcC::common(Column::TITLE, |x, _| Cell::Text(name_or(x.v.tags(), &x.id).to_owned())),
    VpcC::partition(),
];

pub(super) const VPCS: TableDef = TableDef {
    name: "aws_vpc",
    scope: Scope::Regional,
    description: "VPCs, with their IPv4 and IPv6 CIDR blocks",
    columns: &columns::columns::<Vpc, { VPCS_COLUMNS.len() }>(VPCS_COLUMNS),
    actions: &["ec2:DescribeVpcs"],
    filled_by: "collect",
};

/// What is read of one row of `aws_vpc_subnet`.
struct Subnet {
    n: aws_sdk_ec2::types::Subnet,
    id: String,
    arn: String,
    ipv6: Vec<Value>,
}

/// A column of `aws_vpc_subnet`.
type SubnetC = Col<Subnet>;

#[rustfmt::skip]
const SUBNETS_COLUMNS: &[Col<Subnet>] = &[
    SubnetC::text("subnet_id", "The subnet", |x, _| Cell::Text(x.id.to_owned())).required(),
    SubnetC::text("subnet_arn", "The subnet's ARN", |x, _| Cell::Text(x.arn.clone())),
    SubnetC::text("vpc_id", "The VPC", |x, _| Cell::text(x.n.vpc_id())),
    SubnetC::cidr("cidr_block", "The IPv4 CIDR block", |x, _| Cell::text(x.n.cidr_block())),
    SubnetC::text("state", "pending or available", |x, _| Cell::text(x.n.state().map(|s| s.as_str()))),
    SubnetC::text("owner_id", "The account that owns it", |x, _| Cell::text(x.n.owner_id())),
    SubnetC::bool("assign_ipv6_address_on_creation", "Whether new network interfaces get an IPv6 address", |x, _| Cell::bool(x.n.assign_ipv6_address_on_creation())),
    SubnetC::int("available_ip_address_count", "Unused private IPv4 addresses", |x, _| Cell::int(x.n.available_ip_address_count())),
    SubnetC::text("availability_zone", "The Availability Zone", |x, _| Cell::text(x.n.availability_zone())),
    SubnetC::text("availability_zone_id", "The Availability Zone's id", |x, _| Cell::text(x.n.availability_zone_id())),
    SubnetC::text("customer_owned_ipv4_pool", "The customer-owned IPv4 pool (Outposts)", |x, _| Cell::text(x.n.customer_owned_ipv4_pool())),
    SubnetC::bool("default_for_az", "Whether it is its zone's default subnet", |x, _| Cell::bool(x.n.default_for_az())),
    SubnetC::bool("map_customer_owned_ip_on_launch", "Whether new network interfaces get a customer-owned IPv4 address", |x, _| Cell::bool(x.n.map_customer_owned_ip_on_launch())),
    SubnetC::bool("map_public_ip_on_launch", "Whether instances launched in it get a public IPv4 address", |x, _| Cell::bool(x.n.map_public_ip_on_launch())),
    SubnetC::text("outpost_arn", "The Outpost it is on, if any", |x, _| Cell::text(x.n.outpost_arn())),
    SubnetC::json("ipv6_cidr_block_association_set", "IPv6 CIDR blocks, as [{\"AssociationId\", \"Ipv6CidrBlock\", \"Ipv6CidrBlockState\"}]", |x, _| Cell::json(Value::Array(x.ipv6.clone()))),
    SubnetC::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
    SubnetC::common(Column::TAGS_SRC, |x, _| tags_src(x.n.tags().iter().map(|t| (t.key(), t.value())))),
    SubnetC::common(Column::TAGS, |x, _| tags_of(x.n.tags().iter().map(|t| (t.key(), t.value())))),
    SubnetC::common(Column::TITLE, |x, _| Cell::Text(name_or(x.n.tags(), &x.id).to_owned())),
    SubnetC::partition(),
];

pub(super) const SUBNETS: TableDef = TableDef {
    name: "aws_vpc_subnet",
    scope: Scope::Regional,
    description: "VPC subnets, with their addresses and launch settings",
    columns: &columns::columns::<Subnet, { SUBNETS_COLUMNS.len() }>(SUBNETS_COLUMNS),
    actions: &["ec2:DescribeSubnets"],
    filled_by: "collect",
};

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
    SecurityGroupC::common(Column::TAGS_SRC, |x, _| tags_src(x.g.tags().iter().map(|t| (t.key(), t.value())))),
    SecurityGroupC::common(Column::TAGS, |x, _| tags_of(x.g.tags().iter().map(|t| (t.key(), t.value())))),
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

pub(super) const SECURITY_GROUP_RULES: TableDef = TableDef {
    name: "aws_vpc_security_group_rule",
    scope: Scope::Regional,
    description: "Security group rules, one row per rule (DescribeSecurityGroupRules): what each group lets in and out",
    columns: &[
        Column::text("security_group_rule_id", "The rule (sgr-...)").required(),
        Column::text("group_id", "The security group it belongs to").required(),
        Column::bool("is_egress", "Whether it is an outbound rule"),
        Column::text("type", "ingress or egress"),
        Column::text("group_owner_id", "The account that owns the group"),
        Column::text("description", "The rule's description"),
        Column::text(
            "ip_protocol",
            "tcp, udp, icmp, icmpv6, a protocol number, or -1 for every protocol",
        ),
        Column::int(
            "from_port",
            "First port (or ICMP type); -1 for every port or type",
        ),
        Column::int(
            "to_port",
            "Last port (or ICMP code); -1 for every port or code",
        ),
        Column::cidr("cidr_ipv4", "The IPv4 range it allows"),
        Column::cidr("cidr_ipv6", "The IPv6 range it allows"),
        Column::text("referenced_group_id", "The security group it allows"),
        Column::text(
            "referenced_peering_status",
            "The VPC peering connection's status, when it references a peer's group",
        ),
        Column::text("referenced_user_id", "The account of the referenced group"),
        Column::text("referenced_vpc_id", "The VPC of the referenced group"),
        Column::text(
            "referenced_vpc_peering_connection_id",
            "The VPC peering connection, when it references a peer's group",
        ),
        Column::text("prefix_list_id", "The prefix list it allows"),
        Column::TITLE,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &["ec2:DescribeSecurityGroupRules"],
    filled_by: "collect",
};

/// What is read of one row of `aws_vpc_flow_log`.
struct FlowLog {
    akas: Cell,
    f: aws_sdk_ec2::types::FlowLog,
    id: String,
    bucket: Option<String>,
}

/// A column of `aws_vpc_flow_log`.
type FlowLogC = Col<FlowLog>;

#[rustfmt::skip]
const FLOW_LOGS_COLUMNS: &[Col<FlowLog>] = &[
    FlowLogC::text("flow_log_id", "The flow log", |x, _| Cell::Text(x.id.to_owned())).required(),
    FlowLogC::time("creation_time", "When it was created", |x, _| time(x.f.creation_time())),
    FlowLogC::text("deliver_logs_error_message", "Why delivery failed, when it did", |x, _| Cell::text(x.f.deliver_logs_error_message())),
    FlowLogC::text("deliver_logs_permission_arn", "The role that delivers to CloudWatch Logs", |x, _| Cell::text(x.f.deliver_logs_permission_arn())),
    FlowLogC::text("deliver_logs_status", "SUCCESS or FAILED", |x, _| Cell::text(x.f.deliver_logs_status())),
    FlowLogC::text("flow_log_status", "ACTIVE when it records", |x, _| Cell::text(x.f.flow_log_status())),
    FlowLogC::text("log_group_name", "The CloudWatch Logs group, for that destination", |x, _| Cell::text(x.f.log_group_name())),
    FlowLogC::text("resource_id", "The VPC, subnet or interface it records", |x, _| Cell::text(x.f.resource_id())),
    FlowLogC::text("traffic_type", "ACCEPT, REJECT or ALL", |x, _| Cell::text(x.f.traffic_type().map(|t| t.as_str()))),
    FlowLogC::text("log_destination_type", "cloud-watch-logs, s3 or kinesis-data-firehose", |x, _| Cell::text(x.f.log_destination_type().map(|t| t.as_str()))),
    FlowLogC::text("log_destination", "The destination's ARN", |x, _| Cell::text(x.f.log_destination())),
    FlowLogC::text("bucket_name", "The S3 bucket, for that destination", |x, _| Cell::text(x.bucket.as_deref())),
    FlowLogC::text("log_format", "The record format", |x, _| Cell::text(x.f.log_format())),
    FlowLogC::int("max_aggregation_interval", "Seconds a record aggregates (60 or 600)", |x, _| Cell::int(x.f.max_aggregation_interval())),
    FlowLogC::common(Column::AKAS, |x, _| x.akas.clone()),
    FlowLogC::common(Column::TAGS_SRC, |x, _| tags_src(x.f.tags().iter().map(|t| (t.key(), t.value())))),
    FlowLogC::common(Column::TAGS, |x, _| tags_of(x.f.tags().iter().map(|t| (t.key(), t.value())))),
    FlowLogC::common(Column::TITLE, |x, _| Cell::Text(x.id.to_owned())),
    FlowLogC::partition(),
];

pub(super) const FLOW_LOGS: TableDef = TableDef {
    name: "aws_vpc_flow_log",
    scope: Scope::Regional,
    description: "VPC, subnet and network interface flow logs, with where they deliver",
    columns: &columns::columns::<FlowLog, { FLOW_LOGS_COLUMNS.len() }>(FLOW_LOGS_COLUMNS),
    actions: &["ec2:DescribeFlowLogs"],
    filled_by: "collect",
};

/// What is read of one row of `aws_vpc_endpoint`.
struct Endpoint {
    arn: String,
    e: aws_sdk_ec2::types::VpcEndpoint,
    id: String,
    policy: Cell,
    policy_std: Cell,
    groups: Vec<Value>,
    dns: Vec<Value>,
}

/// A column of `aws_vpc_endpoint`.
type EndpointC = Col<Endpoint>;

#[rustfmt::skip]
const VPC_ENDPOINTS_COLUMNS: &[Col<Endpoint>] = &[
    EndpointC::text("vpc_endpoint_id", "The endpoint", |x, _| Cell::Text(x.id.to_owned())).required(),
    EndpointC::text("service_name", "The service it reaches (com.amazonaws.REGION.s3)", |x, _| Cell::text(x.e.service_name())),
    EndpointC::text("owner_id", "The account that owns it", |x, _| Cell::text(x.e.owner_id())),
    EndpointC::text("vpc_id", "The VPC", |x, _| Cell::text(x.e.vpc_id())),
    EndpointC::text("vpc_endpoint_type", "Gateway, Interface, GatewayLoadBalancer, ...", |x, _| Cell::text(x.e.vpc_endpoint_type().map(|t| t.as_str()))),
    EndpointC::text("state", "pending, available, deleting, rejected, ...", |x, _| Cell::text(x.e.state().map(|s| s.as_str()))),
    EndpointC::bool("private_dns_enabled", "Whether private DNS names resolve to it", |x, _| Cell::bool(x.e.private_dns_enabled())),
    EndpointC::bool("requester_managed", "Whether a service manages it for you", |x, _| Cell::bool(x.e.requester_managed())),
    EndpointC::json("policy", "The endpoint policy", |x, _| x.policy.clone()),
    EndpointC::json("policy_std", "The endpoint policy in Steampipe's canonical form (lists sorted, actions lower-cased)", |x, _| x.policy_std.clone()),
    EndpointC::json("subnet_ids", "Its subnets (interface endpoints)", |x, _| id_list(x.e.subnet_ids())),
    EndpointC::json("route_table_ids", "Its route tables (gateway endpoints)", |x, _| id_list(x.e.route_table_ids())),
    EndpointC::json("groups", "Its security groups, as [{\"GroupId\", \"GroupName\"}]", |x, _| Cell::json(Value::Array(x.groups.clone()))),
    EndpointC::json("network_interface_ids", "Its network interfaces", |x, _| id_list(x.e.network_interface_ids())),
    EndpointC::json("dns_entries", "Its DNS names, as [{\"DnsName\", \"HostedZoneId\"}]", |x, _| Cell::json(Value::Array(x.dns.clone()))),
    EndpointC::time("creation_timestamp", "When it was created", |x, _| time(x.e.creation_timestamp())),
    EndpointC::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
    EndpointC::common(Column::TAGS_SRC, |x, _| tags_src(x.e.tags().iter().map(|t| (t.key(), t.value())))),
    EndpointC::common(Column::TAGS, |x, _| tags_of(x.e.tags().iter().map(|t| (t.key(), t.value())))),
    EndpointC::common(Column::TITLE, |x, _| Cell::Text(x.id.to_owned())),
    EndpointC::partition(),
];

pub(super) const VPC_ENDPOINTS: TableDef = TableDef {
    name: "aws_vpc_endpoint",
    scope: Scope::Regional,
    description: "VPC endpoints (gateway, interface, ...), with their endpoint policy",
    columns: &columns::columns::<Endpoint, { VPC_ENDPOINTS_COLUMNS.len() }>(VPC_ENDPOINTS_COLUMNS),
    actions: &["ec2:DescribeVpcEndpoints"],
    filled_by: "collect",
};

pub(super) fn client(unit: &Unit<'_>) -> Client {
    unit.session.client(unit.region, Client::new)
}

pub(super) fn group_identifiers(groups: &[aws_sdk_ec2::types::GroupIdentifier]) -> Cell {
    Cell::json(Value::Array(
        groups
            .iter()
            .map(|g| json!({"GroupId": g.group_id(), "GroupName": g.group_name()}))
            .collect(),
    ))
}

/// The columns every EC2 row ends with: tags (both forms), title, partition.
pub(super) fn ec2_tail(
    row: Row,
    tags: &[aws_sdk_ec2::types::Tag],
    title: &str,
    partition: &Cell,
) -> Row {
    let pairs = || tags.iter().map(|t| (t.key(), t.value()));
    row.with("tags_src", tags_src(pairs()))
        .with("tags", tags_of(pairs()))
        .with("title", Cell::Text(title.to_owned()))
        .with("partition", partition.clone())
}

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

/// `aws_region`: the account's regions of its partition, from the discovery the fan-out made
/// before the account's units started (no call of its own).
pub(super) async fn regions(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let known = unit.regions.map_err(Clone::clone)?;
    let partition = unit.session.partition.as_str();
    let rows = known
        .iter()
        .filter(|r| canopy_model::inventory::region_partition(&r.name) == partition)
        .map(|r| {
            Row::default()
                .with("name", Cell::Text(r.name.clone()))
                .with("opt_in_status", Cell::Text(r.opt_in_status.clone()))
                .with("title", Cell::Text(r.name.clone()))
                .with(
                    "akas",
                    Cell::json(json!([format!(
                        "arn:{partition}::{}::{}",
                        r.name, unit.session.account
                    )])),
                )
                .with("partition", Cell::Text(partition.to_owned()))
                // as in Steampipe, a region's row is in that region
                .with("region", Cell::Text(r.name.clone()))
        })
        .collect();
    Ok(vec![batch(&REGIONS, rows)])
}

pub(super) async fn network_interfaces(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = client(&unit);
    let partition = unit.partition();
    let mut rows = Vec::new();
    unit.paginate(
        "ec2:DescribeNetworkInterfaces",
        |token| {
            client
                .describe_network_interfaces()
                .max_results(1000)
                .set_next_token(token)
                .send()
        },
        |out| out.next_token(),
        |out| {
            for n in out.network_interfaces() {
                let id = n.network_interface_id().unwrap_or_default();
                let tag_list = n.tag_set();
                let assoc = n.association();
                let attach = n.attachment();
                let private_ips: Vec<Value> = n
            .private_ip_addresses()
            .iter()
            .map(|p| {
                json!({
                    "Primary": p.primary(),
                    "PrivateIpAddress": p.private_ip_address(),
                    "Association": p.association().map(|a| json!({"PublicIp": a.public_ip()})),
                })
            })
            .collect();
                let ipv6: Vec<Value> = n
                    .ipv6_addresses()
                    .iter()
                    .map(|a| json!({"Ipv6Address": a.ipv6_address()}))
                    .collect();
                rows.push(ec2_tail(
                    Row::with_capacity(NETWORK_INTERFACES.columns.len())
                        .with("network_interface_id", Cell::Text(id.to_owned()))
                        .with("status", Cell::text(n.status().map(|s| s.as_str())))
                        .with(
                            "interface_type",
                            Cell::text(n.interface_type().map(|t| t.as_str())),
                        )
                        .with("description", Cell::text(n.description()))
                        .with("availability_zone", Cell::text(n.availability_zone()))
                        .with("owner_id", Cell::text(n.owner_id()))
                        .with(
                            "association_allocation_id",
                            Cell::text(assoc.and_then(|a| a.allocation_id())),
                        )
                        .with(
                            "association_id",
                            Cell::text(assoc.and_then(|a| a.association_id())),
                        )
                        .with(
                            "association_ip_owner_id",
                            Cell::text(assoc.and_then(|a| a.ip_owner_id())),
                        )
                        .with(
                            "association_public_dns_name",
                            Cell::text(assoc.and_then(|a| a.public_dns_name())),
                        )
                        .with(
                            "association_public_ip",
                            Cell::text(assoc.and_then(|a| a.public_ip())),
                        )
                        .with(
                            "association_carrier_ip",
                            Cell::text(assoc.and_then(|a| a.carrier_ip())),
                        )
                        .with(
                            "attached_instance_id",
                            Cell::text(attach.and_then(|a| a.instance_id())),
                        )
                        .with(
                            "attached_instance_owner_id",
                            Cell::text(attach.and_then(|a| a.instance_owner_id())),
                        )
                        .with(
                            "attachment_id",
                            Cell::text(attach.and_then(|a| a.attachment_id())),
                        )
                        .with(
                            "attachment_status",
                            Cell::text(attach.and_then(|a| a.status()).map(|s| s.as_str())),
                        )
                        .with(
                            "attachment_time",
                            time(attach.and_then(|a| a.attach_time())),
                        )
                        .with(
                            "delete_on_instance_termination",
                            Cell::bool(attach.and_then(|a| a.delete_on_termination())),
                        )
                        .with(
                            "device_index",
                            Cell::int(attach.and_then(|a| a.device_index())),
                        )
                        .with("mac_address", Cell::text(n.mac_address()))
                        .with("private_dns_name", Cell::text(n.private_dns_name()))
                        .with("private_ip_address", Cell::text(n.private_ip_address()))
                        .with("requester_id", Cell::text(n.requester_id()))
                        .with("requester_managed", Cell::bool(n.requester_managed()))
                        .with("source_dest_check", Cell::bool(n.source_dest_check()))
                        .with("subnet_id", Cell::text(n.subnet_id()))
                        .with("vpc_id", Cell::text(n.vpc_id()))
                        .with("groups", group_identifiers(n.groups()))
                        .with("ipv6_addresses", Cell::json(Value::Array(ipv6)))
                        .with(
                            "private_ip_addresses",
                            Cell::json(Value::Array(private_ips)),
                        ),
                    tag_list,
                    id,
                    &partition,
                ));
            }
        },
    )
    .await?;
    Ok(vec![batch(&NETWORK_INTERFACES, rows)])
}

pub(super) async fn route_tables(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = client(&unit);
    let partition = unit.partition();
    let mut tables = Vec::new();
    let mut routes = Vec::new();
    unit.paginate(
        "ec2:DescribeRouteTables",
        |token| {
            client
                .describe_route_tables()
                .max_results(100)
                .set_next_token(token)
                .send()
        },
        |out| out.next_token(),
        |out| {
            for t in out.route_tables() {
                let id = t.route_table_id().unwrap_or_default();
                let vpc = t.vpc_id();
                let tag_list = t.tags();
                let associations: Vec<Value> = t
                    .associations()
                    .iter()
                    .map(|a| {
                        json!({
                            "RouteTableAssociationId": a.route_table_association_id(),
                            "Main": a.main(),
                            "SubnetId": a.subnet_id(),
                            "GatewayId": a.gateway_id(),
                            "AssociationState": association_state(a),
                        })
                    })
                    .collect();
                let mut route_json = Vec::new();
                for r in t.routes() {
                    route_json.push(json!({
                        "DestinationCidrBlock": r.destination_cidr_block(),
                        "DestinationIpv6CidrBlock": r.destination_ipv6_cidr_block(),
                        "DestinationPrefixListId": r.destination_prefix_list_id(),
                        "GatewayId": r.gateway_id(),
                        "NatGatewayId": r.nat_gateway_id(),
                        "TransitGatewayId": r.transit_gateway_id(),
                        "VpcPeeringConnectionId": r.vpc_peering_connection_id(),
                        "NetworkInterfaceId": r.network_interface_id(),
                        "InstanceId": r.instance_id(),
                        "EgressOnlyInternetGatewayId": r.egress_only_internet_gateway_id(),
                        "Origin": r.origin().map(|o| o.as_str()),
                        "State": r.state().map(|s| s.as_str()),
                    }));
                    routes.push(
                        Row::default()
                            .with("route_table_id", Cell::Text(id.to_owned()))
                            .with("vpc_id", Cell::text(vpc))
                            .with("owner_id", Cell::text(t.owner_id()))
                            .with(
                                "destination_cidr_block",
                                Cell::text(r.destination_cidr_block()),
                            )
                            .with(
                                "destination_ipv6_cidr_block",
                                Cell::text(r.destination_ipv6_cidr_block()),
                            )
                            .with(
                                "destination_prefix_list_id",
                                Cell::text(r.destination_prefix_list_id()),
                            )
                            .with("gateway_id", Cell::text(r.gateway_id()))
                            .with("nat_gateway_id", Cell::text(r.nat_gateway_id()))
                            .with("transit_gateway_id", Cell::text(r.transit_gateway_id()))
                            .with(
                                "vpc_peering_connection_id",
                                Cell::text(r.vpc_peering_connection_id()),
                            )
                            .with("network_interface_id", Cell::text(r.network_interface_id()))
                            .with("instance_id", Cell::text(r.instance_id()))
                            .with(
                                "egress_only_internet_gateway_id",
                                Cell::text(r.egress_only_internet_gateway_id()),
                            )
                            .with("carrier_gateway_id", Cell::text(r.carrier_gateway_id()))
                            .with("local_gateway_id", Cell::text(r.local_gateway_id()))
                            .with("origin", Cell::text(r.origin().map(|o| o.as_str())))
                            .with("state", Cell::text(r.state().map(|s| s.as_str())))
                            .with("title", Cell::Text(format!("{id}_{}", route_key(r))))
                            .with("partition", partition.clone()),
                    );
                }
                let vgws: Vec<Value> = t
                    .propagating_vgws()
                    .iter()
                    .map(|v| json!({"GatewayId": v.gateway_id()}))
                    .collect();
                tables.push(ec2_tail(
                    Row::default()
                        .with("route_table_id", Cell::Text(id.to_owned()))
                        .with("vpc_id", Cell::text(vpc))
                        .with("owner_id", Cell::text(t.owner_id()))
                        .with("associations", Cell::json(Value::Array(associations)))
                        .with("routes", Cell::json(Value::Array(route_json)))
                        .with("propagating_vgws", Cell::json(Value::Array(vgws)))
                        .with(
                            "akas",
                            Cell::json(json!([unit.arn("ec2", &format!("route-table/{id}"))])),
                        ),
                    tag_list,
                    id,
                    &partition,
                ));
            }
        },
    )
    .await?;
    Ok(vec![batch(&ROUTE_TABLES, tables), batch(&ROUTES, routes)])
}

fn association_state(a: &aws_sdk_ec2::types::RouteTableAssociation) -> Value {
    a.association_state()
        .and_then(|s| s.state())
        .map_or(Value::Null, |s| json!({"State": s.as_str()}))
}

/// A route's destination, as Steampipe titles routes.
fn route_key(r: &aws_sdk_ec2::types::Route) -> &str {
    r.destination_cidr_block()
        .or(r.destination_ipv6_cidr_block())
        .or(r.destination_prefix_list_id())
        .unwrap_or_default()
}

pub(super) async fn internet_gateways(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = client(&unit);
    let partition = unit.partition();
    let mut rows = Vec::new();
    unit.paginate(
        "ec2:DescribeInternetGateways",
        |token| {
            client
                .describe_internet_gateways()
                .max_results(1000)
                .set_next_token(token)
                .send()
        },
        |out| out.next_token(),
        |out| {
            for g in out.internet_gateways() {
                let id = g.internet_gateway_id().unwrap_or_default();

                let attachments: Vec<Value> = g
                    .attachments()
                    .iter()
                    .map(|a| json!({"VpcId": a.vpc_id(), "State": a.state().map(|s| s.as_str())}))
                    .collect();
                rows.push(columns::row(
                    INTERNET_GATEWAYS_COLUMNS,
                    &InternetGateway {
                        akas_cell: Cell::json(json!([
                            unit.arn("ec2", &format!("internet-gateway/{id}"))
                        ])),
                        g: g.clone(),
                        id: id.to_owned(),
                        attachments,
                    },
                    &columns::RowCtx {
                        partition: &partition,
                    },
                ));
            }
        },
    )
    .await?;
    Ok(vec![batch(&INTERNET_GATEWAYS, rows)])
}

/// The `Name` tag, else the id: how Steampipe titles VPCs and subnets.
pub(super) fn name_or<'a>(tags: &'a [aws_sdk_ec2::types::Tag], id: &'a str) -> &'a str {
    tags.iter()
        .find(|t| t.key() == Some("Name"))
        .and_then(|t| t.value())
        .filter(|v| !v.is_empty())
        .unwrap_or(id)
}

fn state_json(state: Option<&str>, message: Option<&str>) -> Value {
    match (state, message) {
        (None, None) => Value::Null,
        _ => json!({"State": state, "StatusMessage": message}),
    }
}

pub(super) async fn vpcs(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = client(&unit);
    let partition = unit.partition();
    let mut rows = Vec::new();
    unit.paginate(
        "ec2:DescribeVpcs",
        |token| {
            client
                .describe_vpcs()
                .max_results(1000)
                .set_next_token(token)
                .send()
        },
        |out| out.next_token(),
        |out| {
            for v in out.vpcs() {
                let id = v.vpc_id().unwrap_or_default();
                let arn = unit.arn("ec2", &format!("vpc/{id}"));
                let ipv4: Vec<Value> = v
                    .cidr_block_association_set()
                    .iter()
                    .map(|a| {
                        json!({
                            "AssociationId": a.association_id(),
                            "CidrBlock": a.cidr_block(),
                            "CidrBlockState": a.cidr_block_state().map(|s| state_json(
                                s.state().map(|x| x.as_str()),
                                s.status_message(),
                            )),
                        })
                    })
                    .collect();
                let ipv6: Vec<Value> = v
                    .ipv6_cidr_block_association_set()
                    .iter()
                    .map(|a| {
                        json!({
                            "AssociationId": a.association_id(),
                            "Ipv6CidrBlock": a.ipv6_cidr_block(),
                            "Ipv6CidrBlockState": a.ipv6_cidr_block_state().map(|s| state_json(
                                s.state().map(|x| x.as_str()),
                                s.status_message(),
                            )),
                            "Ipv6Pool": a.ipv6_pool(),
                            "NetworkBorderGroup": a.network_border_group(),
                        })
                    })
                    .collect();
                rows.push(columns::row(
                    VPCS_COLUMNS,
                    &Vpc {
                        v: v.clone(),
                        id: id.to_owned(),
                        arn,
                        ipv4,
                        ipv6,
                    },
                    &columns::RowCtx {
                        partition: &partition,
                    },
                ));
            }
        },
    )
    .await?;
    Ok(vec![batch(&VPCS, rows)])
}

pub(super) async fn subnets(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = client(&unit);
    let partition = unit.partition();
    let mut rows = Vec::new();
    unit.paginate(
        "ec2:DescribeSubnets",
        |token| {
            client
                .describe_subnets()
                .max_results(1000)
                .set_next_token(token)
                .send()
        },
        |out| out.next_token(),
        |out| {
            for n in out.subnets() {
                let id = n.subnet_id().unwrap_or_default();
                let arn = n
                    .subnet_arn()
                    .map(str::to_owned)
                    .unwrap_or_else(|| unit.arn("ec2", &format!("subnet/{id}")));
                let ipv6: Vec<Value> = n
                    .ipv6_cidr_block_association_set()
                    .iter()
                    .map(|a| {
                        json!({
                            "AssociationId": a.association_id(),
                            "Ipv6CidrBlock": a.ipv6_cidr_block(),
                            "Ipv6CidrBlockState": a.ipv6_cidr_block_state().map(|s| state_json(
                                s.state().map(|x| x.as_str()),
                                s.status_message(),
                            )),
                        })
                    })
                    .collect();
                rows.push(columns::row(
                    SUBNETS_COLUMNS,
                    &Subnet {
                        n: n.clone(),
                        id: id.to_owned(),
                        arn,
                        ipv6,
                    },
                    &columns::RowCtx {
                        partition: &partition,
                    },
                ));
            }
        },
    )
    .await?;
    Ok(vec![batch(&SUBNETS, rows)])
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
                let referenced = r.referenced_group_info();
                rows.push(
                    Row::default()
                        .with("security_group_rule_id", Cell::Text(id.to_owned()))
                        .with("group_id", Cell::text(r.group_id()))
                        .with("is_egress", Cell::Bool(egress))
                        .with(
                            "type",
                            Cell::Text(if egress { "egress" } else { "ingress" }.to_owned()),
                        )
                        .with("group_owner_id", Cell::text(r.group_owner_id()))
                        .with("description", Cell::text(r.description()))
                        .with("ip_protocol", Cell::text(r.ip_protocol()))
                        .with("from_port", Cell::int(r.from_port()))
                        .with("to_port", Cell::int(r.to_port()))
                        .with("cidr_ipv4", Cell::text(r.cidr_ipv4()))
                        .with("cidr_ipv6", Cell::text(r.cidr_ipv6()))
                        .with(
                            "referenced_group_id",
                            Cell::text(referenced.and_then(|g| g.group_id())),
                        )
                        .with(
                            "referenced_peering_status",
                            Cell::text(referenced.and_then(|g| g.peering_status())),
                        )
                        .with(
                            "referenced_user_id",
                            Cell::text(referenced.and_then(|g| g.user_id())),
                        )
                        .with(
                            "referenced_vpc_id",
                            Cell::text(referenced.and_then(|g| g.vpc_id())),
                        )
                        .with(
                            "referenced_vpc_peering_connection_id",
                            Cell::text(referenced.and_then(|g| g.vpc_peering_connection_id())),
                        )
                        .with("prefix_list_id", Cell::text(r.prefix_list_id()))
                        .with("title", Cell::Text(format!("{id}_{hash}")))
                        .with("akas", Cell::json(json!([aka])))
                        .with("partition", partition.clone()),
                );
            }
        },
    )
    .await?;
    Ok(vec![batch(&SECURITY_GROUP_RULES, rows)])
}

pub(super) async fn flow_logs(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = client(&unit);
    let partition = unit.partition();
    let mut rows = Vec::new();
    unit.paginate(
        "ec2:DescribeFlowLogs",
        |token| {
            client
                .describe_flow_logs()
                .max_results(1000)
                .set_next_token(token)
                .send()
        },
        |out| out.next_token(),
        |out| {
            for f in out.flow_logs() {
                let id = f.flow_log_id().unwrap_or_default();
                // an S3 destination is the bucket's ARN, with an optional folder after `/`
                let bucket = f
                    .log_destination()
                    .and_then(canopy_model::Arn::parse)
                    .filter(|arn| arn.service == "s3")
                    .map(|arn| {
                        arn.resource
                            .split('/')
                            .next()
                            .unwrap_or_default()
                            .to_owned()
                    });
                rows.push(columns::row(
                    FLOW_LOGS_COLUMNS,
                    &FlowLog {
                        akas: Cell::json(json!([unit.arn("ec2", &format!("vpc-flow-log/{id}"))])),
                        f: f.clone(),
                        id: id.to_owned(),
                        bucket,
                    },
                    &columns::RowCtx {
                        partition: &partition,
                    },
                ));
            }
        },
    )
    .await?;
    Ok(vec![batch(&FLOW_LOGS, rows)])
}

fn id_list(ids: &[String]) -> Cell {
    Cell::json(Value::Array(
        ids.iter().map(|i| Value::from(i.as_str())).collect(),
    ))
}

pub(super) async fn vpc_endpoints(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = client(&unit);
    let partition = unit.partition();
    let mut rows = Vec::new();
    unit.paginate(
        "ec2:DescribeVpcEndpoints",
        |token| {
            client
                .describe_vpc_endpoints()
                .max_results(1000)
                .set_next_token(token)
                .send()
        },
        |out| out.next_token(),
        |out| {
            for e in out.vpc_endpoints() {
                let id = e.vpc_endpoint_id().unwrap_or_default();
                let (policy, policy_std) = policy_cells(e.policy_document());
                let groups: Vec<Value> = e
                    .groups()
                    .iter()
                    .map(|g| json!({"GroupId": g.group_id(), "GroupName": g.group_name()}))
                    .collect();
                let dns: Vec<Value> = e
                    .dns_entries()
                    .iter()
                    .map(|d| json!({"DnsName": d.dns_name(), "HostedZoneId": d.hosted_zone_id()}))
                    .collect();
                rows.push(columns::row(
                    VPC_ENDPOINTS_COLUMNS,
                    &Endpoint {
                        arn: unit.arn("ec2", &format!("vpc-endpoint/{id}")),
                        e: e.clone(),
                        id: id.to_owned(),
                        policy,
                        policy_std,
                        groups,
                        dns,
                    },
                    &columns::RowCtx {
                        partition: &partition,
                    },
                ));
            }
        },
    )
    .await?;
    Ok(vec![batch(&VPC_ENDPOINTS, rows)])
}
