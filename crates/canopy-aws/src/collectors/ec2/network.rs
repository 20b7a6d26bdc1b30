//! The EC2 network around the VPCs: network interfaces, route tables and their routes, internet
//! gateways.

use aws_sdk_ec2::Client;
use canopy_model::inventory::{Batch, Cell};
use canopy_model::table::Column;
use serde_json::{Value, json};

use crate::collectors::{Unit, tags_of, tags_src, time};
use crate::error::AwsError;

use super::group_identifiers;

/// What is read of one row of `aws_ec2_network_interface`.
struct Eni {
    n: aws_sdk_ec2::types::NetworkInterface,
    id: String,
    private_ips: Vec<Value>,
    ipv6: Vec<Value>,
}

impl Eni {
    fn attach(&self) -> Option<&aws_sdk_ec2::types::NetworkInterfaceAttachment> {
        self.n.attachment()
    }

    fn assoc(&self) -> Option<&aws_sdk_ec2::types::NetworkInterfaceAssociation> {
        self.n.association()
    }

    fn tag_list(&self) -> &[aws_sdk_ec2::types::Tag] {
        self.n.tag_set()
    }
}

table! {
    NETWORK_INTERFACES: Eni = Regional "aws_ec2_network_interface"
        ["ec2:DescribeNetworkInterfaces"],
        "Elastic network interfaces, with their public address and attachment";
    C::text("network_interface_id", "Network interface ID", |x, _| Cell::Text(x.id.to_owned())).required(),
    C::text("status", "Status", |x, _| Cell::variant(x.n.status())),
    C::text("interface_type", "Interface type", |x, _| Cell::variant(x.n.interface_type())),
    C::text("description", "Description", |x, _| Cell::text(x.n.description())),
    C::text("availability_zone", "Availability zone", |x, _| Cell::text(x.n.availability_zone())),
    C::text("owner_id", "The account that owns it", |x, _| Cell::text(x.n.owner_id())),
    C::text("association_allocation_id", "Association allocation ID", |x, _| Cell::text(x.assoc().and_then(|a| a.allocation_id()))),
    C::text("association_id", "Association ID", |x, _| Cell::text(x.assoc().and_then(|a| a.association_id()))),
    C::text("association_ip_owner_id", "Association IP owner ID", |x, _| Cell::text(x.assoc().and_then(|a| a.ip_owner_id()))),
    C::text("association_public_dns_name", "Association public DNS name", |x, _| Cell::text(x.assoc().and_then(|a| a.public_dns_name()))),
    C::inet("association_public_ip", "The public IPv4 address (Elastic IP or auto-assigned)", |x, _| Cell::text(x.assoc().and_then(|a| a.public_ip()))),
    C::inet("association_carrier_ip", "Association carrier IP", |x, _| Cell::text(x.assoc().and_then(|a| a.carrier_ip()))),
    C::text("attached_instance_id", "The instance it is attached to", |x, _| Cell::text(x.attach().and_then(|a| a.instance_id()))),
    C::text("attached_instance_owner_id", "Attached instance owner ID", |x, _| Cell::text(x.attach().and_then(|a| a.instance_owner_id()))),
    C::text("attachment_id", "Attachment ID", |x, _| Cell::text(x.attach().and_then(|a| a.attachment_id()))),
    C::text("attachment_status", "Attachment status", |x, _| Cell::variant(x.attach().and_then(|a| a.status()))),
    C::time("attachment_time", "Attachment time", |x, _| time(x.attach().and_then(|a| a.attach_time()))),
    C::bool("delete_on_instance_termination", "Delete on instance termination", |x, _| Cell::bool(x.attach().and_then(|a| a.delete_on_termination()))),
    C::int("device_index", "Device index", |x, _| Cell::int(x.attach().and_then(|a| a.device_index()))),
    C::text("mac_address", "MAC address", |x, _| Cell::text(x.n.mac_address())),
    C::text("private_dns_name", "Private DNS name", |x, _| Cell::text(x.n.private_dns_name())),
    C::inet("private_ip_address", "Private IP address", |x, _| Cell::text(x.n.private_ip_address())),
    C::text("requester_id", "Requester ID", |x, _| Cell::text(x.n.requester_id())),
    C::bool("requester_managed", "Requester managed", |x, _| Cell::bool(x.n.requester_managed())),
    C::bool("source_dest_check", "Source dest check", |x, _| Cell::bool(x.n.source_dest_check())),
    C::text("subnet_id", "The subnet", |x, _| Cell::text(x.n.subnet_id())),
    C::text("vpc_id", "The VPC", |x, _| Cell::text(x.n.vpc_id())),
    C::json("groups", "Security groups, as [{\"GroupId\", \"GroupName\"}]", |x, _| group_identifiers(x.n.groups())),
    C::json("ipv6_addresses", "IPv6 addresses", |x, _| Cell::json(Value::Array(x.ipv6.clone()))),
    C::json("private_ip_addresses", "Private IP addresses", |x, _| Cell::json(Value::Array(x.private_ips.clone()))),
    C::common(Column::TAGS_SRC, |x, _| tags_src(x.tag_list())),
    C::common(Column::TAGS, |x, _| tags_of(x.tag_list())),
    C::common(Column::TITLE, |x, _| Cell::Text(x.id.to_owned())),
}

pub(super) async fn network_interfaces(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.client(Client::new);
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
            for n in out.network_interfaces.unwrap_or_default() {
                let id = n.network_interface_id().unwrap_or_default();
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
                rows.push(NETWORK_INTERFACES.row(
                    &Eni {
                        id: id.to_owned(),
                        private_ips,
                        ipv6,
                        n,
                    },
                    unit.cx(),
                ));
            }
        },
    )
    .await?;
    Ok(vec![NETWORK_INTERFACES.batch(rows)])
}

/// What is read of one row of `aws_vpc_route_table`.
struct RouteTable {
    t: aws_sdk_ec2::types::RouteTable,
    id: String,
    associations: Vec<Value>,
    route_json: Vec<Value>,
    vgws: Vec<Value>,
    akas_cell: Cell,
}

table! {
    ROUTE_TABLES: RouteTable = Regional "aws_vpc_route_table" ["ec2:DescribeRouteTables"],
        "VPC route tables, with their associations and routes as JSON";
    C::text("route_table_id", "Route table ID", |x, _| Cell::Text(x.id.to_owned())).required(),
    C::text("vpc_id", "The VPC", |x, _| Cell::text(x.t.vpc_id())),
    C::text("owner_id", "The account that owns it", |x, _| Cell::text(x.t.owner_id())),
    C::json("associations", "Subnet and gateway associations (Main: the VPC main route table)", |x, _| Cell::json(Value::Array(x.associations.clone()))),
    C::json("routes", "Routes, as AWS returns them", |x, _| Cell::json(Value::Array(x.route_json.clone()))),
    C::json("propagating_vgws", "Propagating VGWs", |x, _| Cell::json(Value::Array(x.vgws.clone()))),
    C::common(Column::AKAS, |x, _| x.akas_cell.clone()),
    C::common(Column::TAGS_SRC, |x, _| tags_src(x.t.tags())),
    C::common(Column::TAGS, |x, _| tags_of(x.t.tags())),
    C::common(Column::TITLE, |x, _| Cell::Text(x.id.to_owned())),
}

/// What is read of one row of `aws_vpc_route`.
struct Route {
    id: String,
    vpc: Option<String>,
    owner: Option<String>,
    r: aws_sdk_ec2::types::Route,
}

table! {
    ROUTES: Route = Regional "aws_vpc_route" ["ec2:DescribeRouteTables"],
        "VPC routes, one row per route of every route table";
    C::text("route_table_id", "Route table ID", |x, _| Cell::Text(x.id.to_owned())).required(),
    C::text("vpc_id", "The VPC", |x, _| Cell::text(x.vpc.as_deref())),
    C::text("owner_id", "The account that owns it", |x, _| Cell::text(x.owner.as_deref())),
    C::cidr("destination_cidr_block", "Destination CIDR block", |x, _| Cell::text(x.r.destination_cidr_block())),
    C::cidr("destination_ipv6_cidr_block", "Destination IPv6 CIDR block", |x, _| Cell::text(x.r.destination_ipv6_cidr_block())),
    C::text("destination_prefix_list_id", "Destination prefix list ID", |x, _| Cell::text(x.r.destination_prefix_list_id())),
    C::text("gateway_id", "Internet or virtual private gateway (igw-..., vgw-..., local)", |x, _| Cell::text(x.r.gateway_id())),
    C::text("nat_gateway_id", "Nat gateway ID", |x, _| Cell::text(x.r.nat_gateway_id())),
    C::text("transit_gateway_id", "Transit gateway ID", |x, _| Cell::text(x.r.transit_gateway_id())),
    C::text("vpc_peering_connection_id", "Vpc peering connection ID", |x, _| Cell::text(x.r.vpc_peering_connection_id())),
    C::text("network_interface_id", "Network interface ID", |x, _| Cell::text(x.r.network_interface_id())),
    C::text("instance_id", "Instance ID", |x, _| Cell::text(x.r.instance_id())),
    C::text("egress_only_internet_gateway_id", "Egress only internet gateway ID", |x, _| Cell::text(x.r.egress_only_internet_gateway_id())),
    C::text("carrier_gateway_id", "Carrier gateway ID", |x, _| Cell::text(x.r.carrier_gateway_id())),
    C::text("local_gateway_id", "Local gateway ID", |x, _| Cell::text(x.r.local_gateway_id())),
    C::text("origin", "Origin", |x, _| Cell::variant(x.r.origin())),
    C::text("state", "State", |x, _| Cell::variant(x.r.state())),
    C::common(Column::TITLE, |x, _| Cell::Text(format!("{}_{}", x.id, route_key(&x.r)))),
}

pub(super) async fn route_tables(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.client(Client::new);
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
            for t in out.route_tables.unwrap_or_default() {
                let id = t.route_table_id().unwrap_or_default();
                let vpc = t.vpc_id();
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
                    routes.push(ROUTES.row(
                        &Route {
                            id: id.to_owned(),
                            vpc: vpc.map(str::to_owned),
                            owner: t.owner_id().map(str::to_owned),
                            r: r.clone(),
                        },
                        unit.cx(),
                    ));
                }
                let vgws: Vec<Value> = t
                    .propagating_vgws()
                    .iter()
                    .map(|v| json!({"GatewayId": v.gateway_id()}))
                    .collect();
                tables.push(ROUTE_TABLES.row(
                    &RouteTable {
                        akas_cell: Cell::json(json!([
                            unit.arn("ec2", &format!("route-table/{id}"))
                        ])),
                        id: id.to_owned(),
                        associations,
                        route_json,
                        vgws,
                        t,
                    },
                    unit.cx(),
                ));
            }
        },
    )
    .await?;
    Ok(vec![ROUTE_TABLES.batch(tables), ROUTES.batch(routes)])
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

table! {
    INTERNET_GATEWAYS: InternetGateway = Regional "aws_vpc_internet_gateway"
        ["ec2:DescribeInternetGateways"],
        "Internet gateways and the VPCs they are attached to";
    C::text("internet_gateway_id", "Internet gateway ID", |x, _| Cell::Text(x.id.to_owned())).required(),
    C::text("owner_id", "The account that owns it", |x, _| Cell::text(x.g.owner_id())),
    C::json("attachments", "VPCs it is attached to, with their state", |x, _| Cell::json(Value::Array(x.attachments.clone()))),
    C::common(Column::AKAS, |x, _| x.akas_cell.clone()),
    C::common(Column::TAGS_SRC, |x, _| tags_src(x.tag_list())),
    C::common(Column::TAGS, |x, _| tags_of(x.tag_list())),
    C::common(Column::TITLE, |x, _| Cell::Text(x.id.to_owned())),
}

pub(super) async fn internet_gateways(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.client(Client::new);
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
            for g in out.internet_gateways.unwrap_or_default() {
                let id = g.internet_gateway_id().unwrap_or_default();

                let attachments: Vec<Value> = g
                    .attachments()
                    .iter()
                    .map(|a| json!({"VpcId": a.vpc_id(), "State": a.state().map(|s| s.as_str())}))
                    .collect();
                rows.push(INTERNET_GATEWAYS.row(
                    &InternetGateway {
                        akas_cell: Cell::json(json!([
                            unit.arn("ec2", &format!("internet-gateway/{id}"))
                        ])),
                        id: id.to_owned(),
                        attachments,
                        g,
                    },
                    unit.cx(),
                ));
            }
        },
    )
    .await?;
    Ok(vec![INTERNET_GATEWAYS.batch(rows)])
}

collectors! {
    network_interfaces: NETWORK_INTERFACES;
    route_tables: ROUTE_TABLES, ROUTES;
    internet_gateways: INTERNET_GATEWAYS;
}
