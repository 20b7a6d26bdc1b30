//! EC2 and VPC: regions, instances, network interfaces, VPCs, subnets, security groups, flow
//! logs, VPC endpoints, route tables and their routes, internet gateways. Every listing passes `MaxResults` (unfiltered, unpaged EC2 calls draw from a smaller
//! throttling bucket).

use aws_sdk_ec2::Client;
use canopy_model::inventory::{Batch, Cell, RegionInfo, Row};
use canopy_model::table::{Column, Scope, TableDef};
use serde_json::{Value, json};

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

pub(super) const INTERNET_GATEWAYS: TableDef = TableDef {
    name: "aws_vpc_internet_gateway",
    scope: Scope::Regional,
    description: "Internet gateways and the VPCs they are attached to",
    columns: &[
        Column::text("internet_gateway_id", "Internet gateway ID").required(),
        Column::text("owner_id", "The account that owns it"),
        Column::json("attachments", "VPCs it is attached to, with their state"),
        Column::AKAS,
        Column::TAGS_SRC,
        Column::TAGS,
        Column::TITLE,
        Column::PARTITION,
    ],
    actions: &["ec2:DescribeInternetGateways"],
    filled_by: "collect",
};

pub(super) const VPCS: TableDef = TableDef {
    name: "aws_vpc",
    scope: Scope::Regional,
    description: "VPCs, with their IPv4 and IPv6 CIDR blocks",
    columns: &[
        Column::text("vpc_id", "The VPC").required(),
        Column::text("arn", "The VPC's ARN"),
        Column::cidr("cidr_block", "The primary IPv4 CIDR block"),
        Column::text("state", "pending or available"),
        Column::bool("is_default", "Whether it is the region's default VPC"),
        Column::text("dhcp_options_id", "The DHCP options set"),
        Column::text("instance_tenancy", "default, dedicated or host"),
        Column::text("owner_id", "The account that owns it"),
        Column::json(
            "cidr_block_association_set",
            "IPv4 CIDR blocks, as [{\"AssociationId\", \"CidrBlock\", \"CidrBlockState\"}]",
        ),
        Column::json(
            "ipv6_cidr_block_association_set",
            "IPv6 CIDR blocks, as [{\"AssociationId\", \"Ipv6CidrBlock\", \"Ipv6CidrBlockState\", ...}]",
        ),
        Column::AKAS,
        Column::TAGS_SRC,
        Column::TAGS,
        Column::TITLE,
        Column::PARTITION,
    ],
    actions: &["ec2:DescribeVpcs"],
    filled_by: "collect",
};

pub(super) const SUBNETS: TableDef = TableDef {
    name: "aws_vpc_subnet",
    scope: Scope::Regional,
    description: "VPC subnets, with their addresses and launch settings",
    columns: &[
        Column::text("subnet_id", "The subnet").required(),
        Column::text("subnet_arn", "The subnet's ARN"),
        Column::text("vpc_id", "The VPC"),
        Column::cidr("cidr_block", "The IPv4 CIDR block"),
        Column::text("state", "pending or available"),
        Column::text("owner_id", "The account that owns it"),
        Column::bool(
            "assign_ipv6_address_on_creation",
            "Whether new network interfaces get an IPv6 address",
        ),
        Column::int(
            "available_ip_address_count",
            "Unused private IPv4 addresses",
        ),
        Column::text("availability_zone", "The Availability Zone"),
        Column::text("availability_zone_id", "The Availability Zone's id"),
        Column::text(
            "customer_owned_ipv4_pool",
            "The customer-owned IPv4 pool (Outposts)",
        ),
        Column::bool("default_for_az", "Whether it is its zone's default subnet"),
        Column::bool(
            "map_customer_owned_ip_on_launch",
            "Whether new network interfaces get a customer-owned IPv4 address",
        ),
        Column::bool(
            "map_public_ip_on_launch",
            "Whether instances launched in it get a public IPv4 address",
        ),
        Column::text("outpost_arn", "The Outpost it is on, if any"),
        Column::json(
            "ipv6_cidr_block_association_set",
            "IPv6 CIDR blocks, as [{\"AssociationId\", \"Ipv6CidrBlock\", \"Ipv6CidrBlockState\"}]",
        ),
        Column::AKAS,
        Column::TAGS_SRC,
        Column::TAGS,
        Column::TITLE,
        Column::PARTITION,
    ],
    actions: &["ec2:DescribeSubnets"],
    filled_by: "collect",
};

pub(super) const SECURITY_GROUPS: TableDef = TableDef {
    name: "aws_vpc_security_group",
    scope: Scope::Regional,
    description: "Security groups, with their inbound and outbound rules as AWS lists them",
    columns: &[
        Column::text("group_name", "The group's name").required(),
        Column::text("group_id", "The group").required(),
        Column::text("arn", "The group's ARN"),
        Column::text("description", "The group's description"),
        Column::text("vpc_id", "The VPC"),
        Column::text("owner_id", "The account that owns it"),
        Column::json(
            "ip_permissions",
            "Inbound rules: [{\"IpProtocol\", \"FromPort\", \"ToPort\", \"IpRanges\": [{\"CidrIp\"}], \"Ipv6Ranges\", \"PrefixListIds\", \"UserIdGroupPairs\"}]",
        ),
        Column::json("ip_permissions_egress", "Outbound rules, in the same shape"),
        Column::AKAS,
        Column::TAGS_SRC,
        Column::TAGS,
        Column::TITLE,
        Column::PARTITION,
    ],
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

pub(super) const FLOW_LOGS: TableDef = TableDef {
    name: "aws_vpc_flow_log",
    scope: Scope::Regional,
    description: "VPC, subnet and network interface flow logs, with where they deliver",
    columns: &[
        Column::text("flow_log_id", "The flow log").required(),
        Column::time("creation_time", "When it was created"),
        Column::text(
            "deliver_logs_error_message",
            "Why delivery failed, when it did",
        ),
        Column::text(
            "deliver_logs_permission_arn",
            "The role that delivers to CloudWatch Logs",
        ),
        Column::text("deliver_logs_status", "SUCCESS or FAILED"),
        Column::text("flow_log_status", "ACTIVE when it records"),
        Column::text(
            "log_group_name",
            "The CloudWatch Logs group, for that destination",
        ),
        Column::text("resource_id", "The VPC, subnet or interface it records"),
        Column::text("traffic_type", "ACCEPT, REJECT or ALL"),
        Column::text(
            "log_destination_type",
            "cloud-watch-logs, s3 or kinesis-data-firehose",
        ),
        Column::text("log_destination", "The destination's ARN"),
        Column::text("bucket_name", "The S3 bucket, for that destination"),
        Column::text("log_format", "The record format"),
        Column::int(
            "max_aggregation_interval",
            "Seconds a record aggregates (60 or 600)",
        ),
        Column::AKAS,
        Column::TAGS_SRC,
        Column::TAGS,
        Column::TITLE,
        Column::PARTITION,
    ],
    actions: &["ec2:DescribeFlowLogs"],
    filled_by: "collect",
};

pub(super) const VPC_ENDPOINTS: TableDef = TableDef {
    name: "aws_vpc_endpoint",
    scope: Scope::Regional,
    description: "VPC endpoints (gateway, interface, ...), with their endpoint policy",
    columns: &[
        Column::text("vpc_endpoint_id", "The endpoint").required(),
        Column::text(
            "service_name",
            "The service it reaches (com.amazonaws.REGION.s3)",
        ),
        Column::text("owner_id", "The account that owns it"),
        Column::text("vpc_id", "The VPC"),
        Column::text(
            "vpc_endpoint_type",
            "Gateway, Interface, GatewayLoadBalancer, ...",
        ),
        Column::text("state", "pending, available, deleting, rejected, ..."),
        Column::bool(
            "private_dns_enabled",
            "Whether private DNS names resolve to it",
        ),
        Column::bool("requester_managed", "Whether a service manages it for you"),
        Column::json("policy", "The endpoint policy"),
        Column::json(
            "policy_std",
            "The endpoint policy in Steampipe's canonical form (lists sorted, actions lower-cased)",
        ),
        Column::json("subnet_ids", "Its subnets (interface endpoints)"),
        Column::json("route_table_ids", "Its route tables (gateway endpoints)"),
        Column::json(
            "groups",
            "Its security groups, as [{\"GroupId\", \"GroupName\"}]",
        ),
        Column::json("network_interface_ids", "Its network interfaces"),
        Column::json(
            "dns_entries",
            "Its DNS names, as [{\"DnsName\", \"HostedZoneId\"}]",
        ),
        Column::time("creation_timestamp", "When it was created"),
        Column::AKAS,
        Column::TAGS_SRC,
        Column::TAGS,
        Column::TITLE,
        Column::PARTITION,
    ],
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
                let tag_list = g.tags();
                let attachments: Vec<Value> = g
                    .attachments()
                    .iter()
                    .map(|a| json!({"VpcId": a.vpc_id(), "State": a.state().map(|s| s.as_str())}))
                    .collect();
                rows.push(ec2_tail(
                    Row::default()
                        .with("internet_gateway_id", Cell::Text(id.to_owned()))
                        .with("owner_id", Cell::text(g.owner_id()))
                        .with("attachments", Cell::json(Value::Array(attachments)))
                        .with(
                            "akas",
                            Cell::json(json!([unit.arn("ec2", &format!("internet-gateway/{id}"))])),
                        ),
                    tag_list,
                    id,
                    &partition,
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
                rows.push(ec2_tail(
                    Row::default()
                        .with("vpc_id", Cell::Text(id.to_owned()))
                        .with("arn", Cell::Text(arn.clone()))
                        .with("cidr_block", Cell::text(v.cidr_block()))
                        .with("state", Cell::text(v.state().map(|s| s.as_str())))
                        .with("is_default", Cell::bool(v.is_default()))
                        .with("dhcp_options_id", Cell::text(v.dhcp_options_id()))
                        .with(
                            "instance_tenancy",
                            Cell::text(v.instance_tenancy().map(|t| t.as_str())),
                        )
                        .with("owner_id", Cell::text(v.owner_id()))
                        .with("cidr_block_association_set", Cell::json(Value::Array(ipv4)))
                        .with(
                            "ipv6_cidr_block_association_set",
                            Cell::json(Value::Array(ipv6)),
                        )
                        .with("akas", Cell::json(json!([arn]))),
                    v.tags(),
                    name_or(v.tags(), id),
                    &partition,
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
                rows.push(ec2_tail(
                    Row::default()
                        .with("subnet_id", Cell::Text(id.to_owned()))
                        .with("subnet_arn", Cell::Text(arn.clone()))
                        .with("vpc_id", Cell::text(n.vpc_id()))
                        .with("cidr_block", Cell::text(n.cidr_block()))
                        .with("state", Cell::text(n.state().map(|s| s.as_str())))
                        .with("owner_id", Cell::text(n.owner_id()))
                        .with(
                            "assign_ipv6_address_on_creation",
                            Cell::bool(n.assign_ipv6_address_on_creation()),
                        )
                        .with(
                            "available_ip_address_count",
                            Cell::int(n.available_ip_address_count()),
                        )
                        .with("availability_zone", Cell::text(n.availability_zone()))
                        .with("availability_zone_id", Cell::text(n.availability_zone_id()))
                        .with(
                            "customer_owned_ipv4_pool",
                            Cell::text(n.customer_owned_ipv4_pool()),
                        )
                        .with("default_for_az", Cell::bool(n.default_for_az()))
                        .with(
                            "map_customer_owned_ip_on_launch",
                            Cell::bool(n.map_customer_owned_ip_on_launch()),
                        )
                        .with(
                            "map_public_ip_on_launch",
                            Cell::bool(n.map_public_ip_on_launch()),
                        )
                        .with("outpost_arn", Cell::text(n.outpost_arn()))
                        .with(
                            "ipv6_cidr_block_association_set",
                            Cell::json(Value::Array(ipv6)),
                        )
                        .with("akas", Cell::json(json!([arn]))),
                    n.tags(),
                    name_or(n.tags(), id),
                    &partition,
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
                rows.push(ec2_tail(
                    Row::default()
                        .with("group_name", Cell::Text(name.to_owned()))
                        .with("group_id", Cell::Text(id.to_owned()))
                        .with("arn", Cell::Text(arn.clone()))
                        .with("description", Cell::text(g.description()))
                        .with("vpc_id", Cell::text(g.vpc_id()))
                        .with("owner_id", Cell::text(g.owner_id()))
                        .with("ip_permissions", permissions(g.ip_permissions()))
                        .with(
                            "ip_permissions_egress",
                            permissions(g.ip_permissions_egress()),
                        )
                        .with("akas", Cell::json(json!([arn]))),
                    g.tags(),
                    name,
                    &partition,
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
                rows.push(ec2_tail(
                    Row::default()
                        .with("flow_log_id", Cell::Text(id.to_owned()))
                        .with("creation_time", time(f.creation_time()))
                        .with(
                            "deliver_logs_error_message",
                            Cell::text(f.deliver_logs_error_message()),
                        )
                        .with(
                            "deliver_logs_permission_arn",
                            Cell::text(f.deliver_logs_permission_arn()),
                        )
                        .with("deliver_logs_status", Cell::text(f.deliver_logs_status()))
                        .with("flow_log_status", Cell::text(f.flow_log_status()))
                        .with("log_group_name", Cell::text(f.log_group_name()))
                        .with("resource_id", Cell::text(f.resource_id()))
                        .with(
                            "traffic_type",
                            Cell::text(f.traffic_type().map(|t| t.as_str())),
                        )
                        .with(
                            "log_destination_type",
                            Cell::text(f.log_destination_type().map(|t| t.as_str())),
                        )
                        .with("log_destination", Cell::text(f.log_destination()))
                        .with("bucket_name", Cell::text(bucket))
                        .with("log_format", Cell::text(f.log_format()))
                        .with(
                            "max_aggregation_interval",
                            Cell::int(f.max_aggregation_interval()),
                        )
                        .with(
                            "akas",
                            Cell::json(json!([unit.arn("ec2", &format!("vpc-flow-log/{id}"))])),
                        ),
                    f.tags(),
                    id,
                    &partition,
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
                rows.push(ec2_tail(
                    Row::default()
                        .with("vpc_endpoint_id", Cell::Text(id.to_owned()))
                        .with("service_name", Cell::text(e.service_name()))
                        .with("owner_id", Cell::text(e.owner_id()))
                        .with("vpc_id", Cell::text(e.vpc_id()))
                        .with(
                            "vpc_endpoint_type",
                            Cell::text(e.vpc_endpoint_type().map(|t| t.as_str())),
                        )
                        .with("state", Cell::text(e.state().map(|s| s.as_str())))
                        .with("private_dns_enabled", Cell::bool(e.private_dns_enabled()))
                        .with("requester_managed", Cell::bool(e.requester_managed()))
                        .with("policy", policy)
                        .with("policy_std", policy_std)
                        .with("subnet_ids", id_list(e.subnet_ids()))
                        .with("route_table_ids", id_list(e.route_table_ids()))
                        .with("groups", Cell::json(Value::Array(groups)))
                        .with("network_interface_ids", id_list(e.network_interface_ids()))
                        .with("dns_entries", Cell::json(Value::Array(dns)))
                        .with("creation_timestamp", time(e.creation_timestamp()))
                        .with(
                            "akas",
                            Cell::json(json!([unit.arn("ec2", &format!("vpc-endpoint/{id}"))])),
                        ),
                    e.tags(),
                    id,
                    &partition,
                ));
            }
        },
    )
    .await?;
    Ok(vec![batch(&VPC_ENDPOINTS, rows)])
}
