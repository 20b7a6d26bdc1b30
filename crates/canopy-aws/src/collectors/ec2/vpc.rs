//! VPCs and what lives in them: subnets, flow logs, endpoints.

use aws_sdk_ec2::Client;
use canopy_model::inventory::{Batch, Cell};
use canopy_model::table::Column;
use serde_json::{Value, json};

use crate::collectors::{Unit, policy_cells, tags_of, tags_src, time};
use crate::error::AwsError;

use super::name_or;

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

table! {
    VPCS: Vpc = Regional "aws_vpc" ["ec2:DescribeVpcs"],
        "VPCs, with their IPv4 and IPv6 CIDR blocks";
    C::text("vpc_id", "The VPC", |x, _| Cell::Text(x.id.to_owned())).required(),
    C::text("arn", "The VPC's ARN", |x, _| Cell::Text(x.arn.clone())),
    C::cidr("cidr_block", "The primary IPv4 CIDR block", |x, _| Cell::text(x.v.cidr_block())),
    C::text("state", "pending or available", |x, _| Cell::variant(x.v.state())),
    C::bool("is_default", "Whether it is the region's default VPC", |x, _| Cell::bool(x.v.is_default())),
    C::text("dhcp_options_id", "The DHCP options set", |x, _| Cell::text(x.v.dhcp_options_id())),
    C::text("instance_tenancy", "default, dedicated or host", |x, _| Cell::variant(x.v.instance_tenancy())),
    C::text("owner_id", "The account that owns it", |x, _| Cell::text(x.v.owner_id())),
    C::json("cidr_block_association_set", "IPv4 CIDR blocks, as [{\"AssociationId\", \"CidrBlock\", \"CidrBlockState\"}]", |x, _| Cell::json(Value::Array(x.ipv4.clone()))),
    C::json("ipv6_cidr_block_association_set", "IPv6 CIDR blocks, as [{\"AssociationId\", \"Ipv6CidrBlock\", \"Ipv6CidrBlockState\", ...}]", |x, _| Cell::json(Value::Array(x.ipv6.clone()))),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
    C::common(Column::TAGS_SRC, |x, _| tags_src(x.v.tags())),
    C::common(Column::TAGS, |x, _| tags_of(x.v.tags())),
    C::common(Column::TITLE, |x, _| Cell::Text(name_or(x.v.tags(), &x.id).to_owned())),
}

pub(super) async fn vpcs(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.client(Client::new);
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
            for v in out.vpcs.unwrap_or_default() {
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
                rows.push(VPCS.row(
                    &Vpc {
                        id: id.to_owned(),
                        arn,
                        ipv4,
                        ipv6,
                        v,
                    },
                    unit.cx(),
                ));
            }
        },
    )
    .await?;
    Ok(vec![VPCS.batch(rows)])
}

/// What is read of one row of `aws_vpc_subnet`.
struct Subnet {
    n: aws_sdk_ec2::types::Subnet,
    id: String,
    arn: String,
    ipv6: Vec<Value>,
}

table! {
    SUBNETS: Subnet = Regional "aws_vpc_subnet" ["ec2:DescribeSubnets"],
        "VPC subnets, with their addresses and launch settings";
    C::text("subnet_id", "The subnet", |x, _| Cell::Text(x.id.to_owned())).required(),
    C::text("subnet_arn", "The subnet's ARN", |x, _| Cell::Text(x.arn.clone())),
    C::text("vpc_id", "The VPC", |x, _| Cell::text(x.n.vpc_id())),
    C::cidr("cidr_block", "The IPv4 CIDR block", |x, _| Cell::text(x.n.cidr_block())),
    C::text("state", "pending or available", |x, _| Cell::variant(x.n.state())),
    C::text("owner_id", "The account that owns it", |x, _| Cell::text(x.n.owner_id())),
    C::bool("assign_ipv6_address_on_creation", "Whether new network interfaces get an IPv6 address", |x, _| Cell::bool(x.n.assign_ipv6_address_on_creation())),
    C::int("available_ip_address_count", "Unused private IPv4 addresses", |x, _| Cell::int(x.n.available_ip_address_count())),
    C::text("availability_zone", "The Availability Zone", |x, _| Cell::text(x.n.availability_zone())),
    C::text("availability_zone_id", "The Availability Zone's id", |x, _| Cell::text(x.n.availability_zone_id())),
    C::text("customer_owned_ipv4_pool", "The customer-owned IPv4 pool (Outposts)", |x, _| Cell::text(x.n.customer_owned_ipv4_pool())),
    C::bool("default_for_az", "Whether it is its zone's default subnet", |x, _| Cell::bool(x.n.default_for_az())),
    C::bool("map_customer_owned_ip_on_launch", "Whether new network interfaces get a customer-owned IPv4 address", |x, _| Cell::bool(x.n.map_customer_owned_ip_on_launch())),
    C::bool("map_public_ip_on_launch", "Whether instances launched in it get a public IPv4 address", |x, _| Cell::bool(x.n.map_public_ip_on_launch())),
    C::text("outpost_arn", "The Outpost it is on, if any", |x, _| Cell::text(x.n.outpost_arn())),
    C::json("ipv6_cidr_block_association_set", "IPv6 CIDR blocks, as [{\"AssociationId\", \"Ipv6CidrBlock\", \"Ipv6CidrBlockState\"}]", |x, _| Cell::json(Value::Array(x.ipv6.clone()))),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
    C::common(Column::TAGS_SRC, |x, _| tags_src(x.n.tags())),
    C::common(Column::TAGS, |x, _| tags_of(x.n.tags())),
    C::common(Column::TITLE, |x, _| Cell::Text(name_or(x.n.tags(), &x.id).to_owned())),
}

pub(super) async fn subnets(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.client(Client::new);
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
            for n in out.subnets.unwrap_or_default() {
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
                rows.push(SUBNETS.row(
                    &Subnet {
                        id: id.to_owned(),
                        arn,
                        ipv6,
                        n,
                    },
                    unit.cx(),
                ));
            }
        },
    )
    .await?;
    Ok(vec![SUBNETS.batch(rows)])
}

/// What is read of one row of `aws_vpc_flow_log`.
struct FlowLog {
    akas: Cell,
    f: aws_sdk_ec2::types::FlowLog,
    id: String,
    bucket: Option<String>,
}

table! {
    FLOW_LOGS: FlowLog = Regional "aws_vpc_flow_log" ["ec2:DescribeFlowLogs"],
        "VPC, subnet and network interface flow logs, with where they deliver";
    C::text("flow_log_id", "The flow log", |x, _| Cell::Text(x.id.to_owned())).required(),
    C::time("creation_time", "When it was created", |x, _| time(x.f.creation_time())),
    C::text("deliver_logs_error_message", "Why delivery failed, when it did", |x, _| Cell::text(x.f.deliver_logs_error_message())),
    C::text("deliver_logs_permission_arn", "The role that delivers to CloudWatch Logs", |x, _| Cell::text(x.f.deliver_logs_permission_arn())),
    C::text("deliver_logs_status", "SUCCESS or FAILED", |x, _| Cell::text(x.f.deliver_logs_status())),
    C::text("flow_log_status", "ACTIVE when it records", |x, _| Cell::text(x.f.flow_log_status())),
    C::text("log_group_name", "The CloudWatch Logs group, for that destination", |x, _| Cell::text(x.f.log_group_name())),
    C::text("resource_id", "The VPC, subnet or interface it records", |x, _| Cell::text(x.f.resource_id())),
    C::text("traffic_type", "ACCEPT, REJECT or ALL", |x, _| Cell::variant(x.f.traffic_type())),
    C::text("log_destination_type", "cloud-watch-logs, s3 or kinesis-data-firehose", |x, _| Cell::variant(x.f.log_destination_type())),
    C::text("log_destination", "The destination's ARN", |x, _| Cell::text(x.f.log_destination())),
    C::text("bucket_name", "The S3 bucket, for that destination", |x, _| Cell::text(x.bucket.as_deref())),
    C::text("log_format", "The record format", |x, _| Cell::text(x.f.log_format())),
    C::int("max_aggregation_interval", "Seconds a record aggregates (60 or 600)", |x, _| Cell::int(x.f.max_aggregation_interval())),
    C::common(Column::AKAS, |x, _| x.akas.clone()),
    C::common(Column::TAGS_SRC, |x, _| tags_src(x.f.tags())),
    C::common(Column::TAGS, |x, _| tags_of(x.f.tags())),
    C::common(Column::TITLE, |x, _| Cell::Text(x.id.to_owned())),
}

pub(super) async fn flow_logs(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.client(Client::new);
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
            for f in out.flow_logs.unwrap_or_default() {
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
                rows.push(FLOW_LOGS.row(
                    &FlowLog {
                        akas: Cell::json(json!([unit.arn("ec2", &format!("vpc-flow-log/{id}"))])),
                        id: id.to_owned(),
                        bucket,
                        f,
                    },
                    unit.cx(),
                ));
            }
        },
    )
    .await?;
    Ok(vec![FLOW_LOGS.batch(rows)])
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

table! {
    VPC_ENDPOINTS: Endpoint = Regional "aws_vpc_endpoint" ["ec2:DescribeVpcEndpoints"],
        "VPC endpoints (gateway, interface, ...), with their endpoint policy";
    C::text("vpc_endpoint_id", "The endpoint", |x, _| Cell::Text(x.id.to_owned())).required(),
    C::text("service_name", "The service it reaches (com.amazonaws.REGION.s3)", |x, _| Cell::text(x.e.service_name())),
    C::text("owner_id", "The account that owns it", |x, _| Cell::text(x.e.owner_id())),
    C::text("vpc_id", "The VPC", |x, _| Cell::text(x.e.vpc_id())),
    C::text("vpc_endpoint_type", "Gateway, Interface, GatewayLoadBalancer, ...", |x, _| Cell::variant(x.e.vpc_endpoint_type())),
    C::text("state", "pending, available, deleting, rejected, ...", |x, _| Cell::variant(x.e.state())),
    C::bool("private_dns_enabled", "Whether private DNS names resolve to it", |x, _| Cell::bool(x.e.private_dns_enabled())),
    C::bool("requester_managed", "Whether a service manages it for you", |x, _| Cell::bool(x.e.requester_managed())),
    C::json("policy", "The endpoint policy", |x, _| x.policy.clone()),
    C::json("policy_std", "The endpoint policy in Steampipe's canonical form (lists sorted, actions lower-cased)", |x, _| x.policy_std.clone()),
    C::json("subnet_ids", "Its subnets (interface endpoints)", |x, _| id_list(x.e.subnet_ids())),
    C::json("route_table_ids", "Its route tables (gateway endpoints)", |x, _| id_list(x.e.route_table_ids())),
    C::json("groups", "Its security groups, as [{\"GroupId\", \"GroupName\"}]", |x, _| Cell::json(Value::Array(x.groups.clone()))),
    C::json("network_interface_ids", "Its network interfaces", |x, _| id_list(x.e.network_interface_ids())),
    C::json("dns_entries", "Its DNS names, as [{\"DnsName\", \"HostedZoneId\"}]", |x, _| Cell::json(Value::Array(x.dns.clone()))),
    C::time("creation_timestamp", "When it was created", |x, _| time(x.e.creation_timestamp())),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
    C::common(Column::TAGS_SRC, |x, _| tags_src(x.e.tags())),
    C::common(Column::TAGS, |x, _| tags_of(x.e.tags())),
    C::common(Column::TITLE, |x, _| Cell::Text(x.id.to_owned())),
}

pub(super) async fn vpc_endpoints(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.client(Client::new);
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
            for e in out.vpc_endpoints.unwrap_or_default() {
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
                rows.push(VPC_ENDPOINTS.row(
                    &Endpoint {
                        arn: unit.arn("ec2", &format!("vpc-endpoint/{id}")),
                        id: id.to_owned(),
                        policy,
                        policy_std,
                        groups,
                        dns,
                        e,
                    },
                    unit.cx(),
                ));
            }
        },
    )
    .await?;
    Ok(vec![VPC_ENDPOINTS.batch(rows)])
}

collectors! {
    vpcs: VPCS;
    subnets: SUBNETS;
    flow_logs: FLOW_LOGS;
    vpc_endpoints: VPC_ENDPOINTS;
}
