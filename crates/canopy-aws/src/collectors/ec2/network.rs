//! The EC2 network around the VPCs: network interfaces, route tables and their routes, internet
//! gateways.

use canopy_model::inventory::{Batch, Cell};
use canopy_model::table::{Column, Scope, TableDef};
use serde_json::{Value, json};

use crate::collectors::Collector;
use crate::collectors::columns::{self, Col};
use crate::collectors::{Unit, batch, tags_of, tags_src, time};
use crate::error::AwsError;

use super::{client, group_identifiers};

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

/// A column of `aws_ec2_network_interface`.
type EniC = Col<Eni>;

#[rustfmt::skip]
const NETWORK_INTERFACES_COLUMNS: &[Col<Eni>] = &[
    EniC::text("network_interface_id", "Network interface ID", |x, _| Cell::Text(x.id.to_owned())).required(),
    EniC::text("status", "Status", |x, _| Cell::text(x.n.status().map(|s| s.as_str()))),
    EniC::text("interface_type", "Interface type", |x, _| Cell::text(x.n.interface_type().map(|t| t.as_str()))),
    EniC::text("description", "Description", |x, _| Cell::text(x.n.description())),
    EniC::text("availability_zone", "Availability zone", |x, _| Cell::text(x.n.availability_zone())),
    EniC::text("owner_id", "The account that owns it", |x, _| Cell::text(x.n.owner_id())),
    EniC::text("association_allocation_id", "Association allocation ID", |x, _| Cell::text(x.assoc().and_then(|a| a.allocation_id()))),
    EniC::text("association_id", "Association ID", |x, _| Cell::text(x.assoc().and_then(|a| a.association_id()))),
    EniC::text("association_ip_owner_id", "Association IP owner ID", |x, _| Cell::text(x.assoc().and_then(|a| a.ip_owner_id()))),
    EniC::text("association_public_dns_name", "Association public DNS name", |x, _| Cell::text(x.assoc().and_then(|a| a.public_dns_name()))),
    EniC::inet("association_public_ip", "The public IPv4 address (Elastic IP or auto-assigned)", |x, _| Cell::text(x.assoc().and_then(|a| a.public_ip()))),
    EniC::inet("association_carrier_ip", "Association carrier IP", |x, _| Cell::text(x.assoc().and_then(|a| a.carrier_ip()))),
    EniC::text("attached_instance_id", "The instance it is attached to", |x, _| Cell::text(x.attach().and_then(|a| a.instance_id()))),
    EniC::text("attached_instance_owner_id", "Attached instance owner ID", |x, _| Cell::text(x.attach().and_then(|a| a.instance_owner_id()))),
    EniC::text("attachment_id", "Attachment ID", |x, _| Cell::text(x.attach().and_then(|a| a.attachment_id()))),
    EniC::text("attachment_status", "Attachment status", |x, _| Cell::text(x.attach().and_then(|a| a.status()).map(|s| s.as_str()))),
    EniC::time("attachment_time", "Attachment time", |x, _| time(x.attach().and_then(|a| a.attach_time()))),
    EniC::bool("delete_on_instance_termination", "Delete on instance termination", |x, _| Cell::bool(x.attach().and_then(|a| a.delete_on_termination()))),
    EniC::int("device_index", "Device index", |x, _| Cell::int(x.attach().and_then(|a| a.device_index()))),
    EniC::text("mac_address", "MAC address", |x, _| Cell::text(x.n.mac_address())),
    EniC::text("private_dns_name", "Private DNS name", |x, _| Cell::text(x.n.private_dns_name())),
    EniC::inet("private_ip_address", "Private IP address", |x, _| Cell::text(x.n.private_ip_address())),
    EniC::text("requester_id", "Requester ID", |x, _| Cell::text(x.n.requester_id())),
    EniC::bool("requester_managed", "Requester managed", |x, _| Cell::bool(x.n.requester_managed())),
    EniC::bool("source_dest_check", "Source dest check", |x, _| Cell::bool(x.n.source_dest_check())),
    EniC::text("subnet_id", "The subnet", |x, _| Cell::text(x.n.subnet_id())),
    EniC::text("vpc_id", "The VPC", |x, _| Cell::text(x.n.vpc_id())),
    EniC::json("groups", "Security groups, as [{\"GroupId\", \"GroupName\"}]", |x, _| group_identifiers(x.n.groups())),
    EniC::json("ipv6_addresses", "IPv6 addresses", |x, _| Cell::json(Value::Array(x.ipv6.clone()))),
    EniC::json("private_ip_addresses", "Private IP addresses", |x, _| Cell::json(Value::Array(x.private_ips.clone()))),
    EniC::common(Column::TAGS_SRC, |x, _| tags_src(x.tag_list())),
    EniC::common(Column::TAGS, |x, _| tags_of(x.tag_list())),
    EniC::common(Column::TITLE, |x, _| Cell::Text(x.id.to_owned())),
    EniC::partition(),
];

pub(super) const NETWORK_INTERFACES: TableDef = TableDef {
    name: "aws_ec2_network_interface",
    scope: Scope::Regional,
    description: "Elastic network interfaces, with their public address and attachment",
    columns: &columns::columns::<Eni, { NETWORK_INTERFACES_COLUMNS.len() }>(
        NETWORK_INTERFACES_COLUMNS,
    ),
    actions: &["ec2:DescribeNetworkInterfaces"],
    filled_by: "collect",
};

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
                rows.push(columns::row(
                    NETWORK_INTERFACES_COLUMNS,
                    &Eni {
                        n: n.clone(),
                        id: id.to_owned(),
                        private_ips,
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
    Ok(vec![batch(&NETWORK_INTERFACES, rows)])
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

/// A column of `aws_vpc_route_table`.
type RouteTableC = Col<RouteTable>;

#[rustfmt::skip]
const ROUTE_TABLES_COLUMNS: &[Col<RouteTable>] = &[
    RouteTableC::text("route_table_id", "Route table ID", |x, _| Cell::Text(x.id.to_owned())).required(),
    RouteTableC::text("vpc_id", "The VPC", |x, _| Cell::text(x.t.vpc_id())),
    RouteTableC::text("owner_id", "The account that owns it", |x, _| Cell::text(x.t.owner_id())),
    RouteTableC::json("associations", "Subnet and gateway associations (Main: the VPC main route table)", |x, _| Cell::json(Value::Array(x.associations.clone()))),
    RouteTableC::json("routes", "Routes, as AWS returns them", |x, _| Cell::json(Value::Array(x.route_json.clone()))),
    RouteTableC::json("propagating_vgws", "Propagating VGWs", |x, _| Cell::json(Value::Array(x.vgws.clone()))),
    RouteTableC::common(Column::AKAS, |x, _| x.akas_cell.clone()),
    RouteTableC::common(Column::TAGS_SRC, |x, _| tags_src(x.t.tags())),
    RouteTableC::common(Column::TAGS, |x, _| tags_of(x.t.tags())),
    RouteTableC::common(Column::TITLE, |x, _| Cell::Text(x.id.to_owned())),
    RouteTableC::partition(),
];

pub(super) const ROUTE_TABLES: TableDef = TableDef {
    name: "aws_vpc_route_table",
    scope: Scope::Regional,
    description: "VPC route tables, with their associations and routes as JSON",
    columns: &columns::columns::<RouteTable, { ROUTE_TABLES_COLUMNS.len() }>(ROUTE_TABLES_COLUMNS),
    actions: &["ec2:DescribeRouteTables"],
    filled_by: "collect",
};

/// What is read of one row of `aws_vpc_route`.
struct Route {
    id: String,
    vpc: Option<String>,
    owner: Option<String>,
    r: aws_sdk_ec2::types::Route,
}

/// A column of `aws_vpc_route`.
type RouteC = Col<Route>;

#[rustfmt::skip]
const ROUTES_COLUMNS: &[Col<Route>] = &[
    RouteC::text("route_table_id", "Route table ID", |x, _| Cell::Text(x.id.to_owned())).required(),
    RouteC::text("vpc_id", "The VPC", |x, _| Cell::text(x.vpc.as_deref())),
    RouteC::text("owner_id", "The account that owns it", |x, _| Cell::text(x.owner.as_deref())),
    RouteC::cidr("destination_cidr_block", "Destination CIDR block", |x, _| Cell::text(x.r.destination_cidr_block())),
    RouteC::cidr("destination_ipv6_cidr_block", "Destination IPv6 CIDR block", |x, _| Cell::text(x.r.destination_ipv6_cidr_block())),
    RouteC::text("destination_prefix_list_id", "Destination prefix list ID", |x, _| Cell::text(x.r.destination_prefix_list_id())),
    RouteC::text("gateway_id", "Internet or virtual private gateway (igw-..., vgw-..., local)", |x, _| Cell::text(x.r.gateway_id())),
    RouteC::text("nat_gateway_id", "Nat gateway ID", |x, _| Cell::text(x.r.nat_gateway_id())),
    RouteC::text("transit_gateway_id", "Transit gateway ID", |x, _| Cell::text(x.r.transit_gateway_id())),
    RouteC::text("vpc_peering_connection_id", "Vpc peering connection ID", |x, _| Cell::text(x.r.vpc_peering_connection_id())),
    RouteC::text("network_interface_id", "Network interface ID", |x, _| Cell::text(x.r.network_interface_id())),
    RouteC::text("instance_id", "Instance ID", |x, _| Cell::text(x.r.instance_id())),
    RouteC::text("egress_only_internet_gateway_id", "Egress only internet gateway ID", |x, _| Cell::text(x.r.egress_only_internet_gateway_id())),
    RouteC::text("carrier_gateway_id", "Carrier gateway ID", |x, _| Cell::text(x.r.carrier_gateway_id())),
    RouteC::text("local_gateway_id", "Local gateway ID", |x, _| Cell::text(x.r.local_gateway_id())),
    RouteC::text("origin", "Origin", |x, _| Cell::text(x.r.origin().map(|o| o.as_str()))),
    RouteC::text("state", "State", |x, _| Cell::text(x.r.state().map(|s| s.as_str()))),
    RouteC::common(Column::TITLE, |x, _| Cell::Text(format!("{}_{}", x.id, route_key(&x.r)))),
    RouteC::partition(),
];

pub(super) const ROUTES: TableDef = TableDef {
    name: "aws_vpc_route",
    scope: Scope::Regional,
    description: "VPC routes, one row per route of every route table",
    columns: &columns::columns::<Route, { ROUTES_COLUMNS.len() }>(ROUTES_COLUMNS),
    actions: &["ec2:DescribeRouteTables"],
    filled_by: "collect",
};

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
                    routes.push(columns::row(
                        ROUTES_COLUMNS,
                        &Route {
                            id: id.to_owned(),
                            vpc: vpc.map(str::to_owned),
                            owner: t.owner_id().map(str::to_owned),
                            r: r.clone(),
                        },
                        &columns::RowCtx {
                            partition: &partition,
                        },
                    ));
                }
                let vgws: Vec<Value> = t
                    .propagating_vgws()
                    .iter()
                    .map(|v| json!({"GatewayId": v.gateway_id()}))
                    .collect();
                tables.push(columns::row(
                    ROUTE_TABLES_COLUMNS,
                    &RouteTable {
                        akas_cell: Cell::json(json!([
                            unit.arn("ec2", &format!("route-table/{id}"))
                        ])),
                        t: t.clone(),
                        id: id.to_owned(),
                        associations,
                        route_json,
                        vgws,
                    },
                    &columns::RowCtx {
                        partition: &partition,
                    },
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
    GatewayC::common(Column::TAGS_SRC, |x, _| tags_src(x.tag_list())),
    GatewayC::common(Column::TAGS, |x, _| tags_of(x.tag_list())),
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

/// The collectors of this module, in the order `canopy tables` lists their tables.
pub(in crate::collectors) const COLLECTORS: &[Collector] = &[
    Collector::new(&[&NETWORK_INTERFACES], |u| Box::pin(network_interfaces(u))),
    Collector::new(&[&ROUTE_TABLES, &ROUTES], |u| Box::pin(route_tables(u))),
    Collector::new(&[&INTERNET_GATEWAYS], |u| Box::pin(internet_gateways(u))),
];
