//! VPCs and what lives in them: subnets, flow logs, endpoints.

use canopy_model::inventory::{Batch, Cell};
use canopy_model::table::{Column, Scope, TableDef};
use serde_json::{Value, json};

use crate::collectors::Collector;
use crate::collectors::columns::{self, Col};
use crate::collectors::{Unit, batch, policy_cells, tags_of, tags_src, time};
use crate::error::AwsError;

use super::{client, name_or};

fn state_json(state: Option<&str>, message: Option<&str>) -> Value {
    match (state, message) {
        (None, None) => Value::Null,
        _ => json!({"State": state, "StatusMessage": message}),
    }
}

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
    VpcC::common(Column::TAGS_SRC, |x, _| tags_src(x.v.tags())),
    VpcC::common(Column::TAGS, |x, _| tags_of(x.v.tags())),
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
    SubnetC::common(Column::TAGS_SRC, |x, _| tags_src(x.n.tags())),
    SubnetC::common(Column::TAGS, |x, _| tags_of(x.n.tags())),
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
    FlowLogC::common(Column::TAGS_SRC, |x, _| tags_src(x.f.tags())),
    FlowLogC::common(Column::TAGS, |x, _| tags_of(x.f.tags())),
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
    EndpointC::common(Column::TAGS_SRC, |x, _| tags_src(x.e.tags())),
    EndpointC::common(Column::TAGS, |x, _| tags_of(x.e.tags())),
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

/// The collectors of this module, in the order `canopy tables` lists their tables.
pub(in crate::collectors) const COLLECTORS: &[Collector] = &[
    Collector::new(&[&VPCS], |u| Box::pin(vpcs(u))),
    Collector::new(&[&SUBNETS], |u| Box::pin(subnets(u))),
    Collector::new(&[&FLOW_LOGS], |u| Box::pin(flow_logs(u))),
    Collector::new(&[&VPC_ENDPOINTS], |u| Box::pin(vpc_endpoints(u))),
];
