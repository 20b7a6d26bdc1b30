//! Inventory collectors: one function per [`Collector`], each paging through its API with
//! `MaxResults` (unfiltered, unpaged EC2 calls draw from a smaller throttling bucket), pacing
//! every page on the account's bucket for that region and API, and turning SDK types into
//! named [`Row`]s with Steampipe's column names.

use std::future::Future;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use canopy_model::inventory::{Batch, Cell, Collector, RegionInfo, Row};
use serde_json::{Value, json};

use crate::error::AwsError;
use crate::pace::{ApiBuckets, Rate};
use crate::retry::call;
use crate::session::AccountSession;

/// Sends `send(token)` page after page (each paced and retried by [`call`]) until `next`
/// gives no token, handing each page to `page`.
async fn for_each_page<T, E, Fut>(
    session: &AccountSession,
    operation: &str,
    rate: Option<&Rate>,
    mut send: impl FnMut(Option<String>) -> Fut,
    next: impl Fn(&T) -> Option<&str>,
    mut page: impl FnMut(&T),
) -> Result<(), AwsError>
where
    Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let mut token: Option<String> = None;
    loop {
        let out = call(&session.scope(), operation, rate, || send(token.clone())).await?;
        page(&out);
        token = next(&out).filter(|t| !t.is_empty()).map(str::to_owned);
        if token.is_none() {
            return Ok(());
        }
    }
}

fn security_groups(groups: &[aws_sdk_ec2::types::GroupIdentifier]) -> Cell {
    Cell::Json(Value::Array(
        groups
            .iter()
            .map(|g| json!({"GroupId": g.group_id(), "GroupName": g.group_name()}))
            .collect(),
    ))
}

fn time(at: Option<&DateTime>) -> Cell {
    Cell::text(at.and_then(|t| t.fmt(Format::DateTime).ok()))
}

fn tags_of<'a>(tags: impl IntoIterator<Item = (Option<&'a str>, Option<&'a str>)>) -> Cell {
    Cell::tags(
        tags.into_iter()
            .filter_map(|(k, v)| Some((k?, v.unwrap_or_default()))),
    )
}

fn tags_src<'a>(tags: impl IntoIterator<Item = (Option<&'a str>, Option<&'a str>)>) -> Cell {
    let list: Vec<Value> = tags
        .into_iter()
        .map(|(k, v)| json!({"Key": k, "Value": v}))
        .collect();
    if list.is_empty() {
        Cell::Null
    } else {
        Cell::Json(Value::Array(list))
    }
}

/// The columns every EC2 row ends with: tags (both forms), title, partition.
fn ec2_tail(row: Row, tags: &[aws_sdk_ec2::types::Tag], title: &str, partition: &Cell) -> Row {
    let pairs = || tags.iter().map(|t| (t.key(), t.value()));
    row.with("tags_src", tags_src(pairs()))
        .with("tags", tags_of(pairs()))
        .with("title", Cell::Text(title.to_owned()))
        .with("partition", partition.clone())
}

/// An EC2 client in one region of an account, with that region's bucket.
struct Ec2 {
    client: aws_sdk_ec2::Client,
    rate: Option<std::sync::Arc<Rate>>,
    partition: Cell,
}

impl Ec2 {
    fn new(session: &AccountSession, region: &str, buckets: &ApiBuckets) -> Self {
        Self {
            client: aws_sdk_ec2::Client::new(&session.config_in(region)),
            rate: buckets.get(region, "ec2"),
            partition: Cell::Text(session.partition.to_string()),
        }
    }
}

/// The regions `session`'s account sees, with their opt-in status (`ec2:DescribeRegions` with
/// `AllRegions`, asked in the partition's home region).
pub async fn describe_regions(
    session: &AccountSession,
    buckets: &ApiBuckets,
) -> Result<Vec<RegionInfo>, AwsError> {
    let home = canopy_model::inventory::home_region(&session.partition);
    let client = aws_sdk_ec2::Client::new(&session.config_in(home));
    let rate = buckets.get(home, "ec2");
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

/// `aws_region` rows from a region list.
pub fn region_batch(session: &AccountSession, regions: &[RegionInfo]) -> Batch {
    let partition = session.partition.as_str();
    Batch {
        table: "aws_region",
        rows: regions
            .iter()
            .filter(|r| canopy_model::inventory::region_partition(&r.name) == partition)
            .map(|r| {
                Row::default()
                    .with("name", Cell::Text(r.name.clone()))
                    .with("opt_in_status", Cell::Text(r.opt_in_status.clone()))
                    .with("title", Cell::Text(r.name.clone()))
                    .with(
                        "akas",
                        Cell::Json(json!([format!(
                            "arn:{partition}::{}::{}",
                            r.name, session.account
                        )])),
                    )
                    .with("partition", Cell::Text(partition.to_owned()))
                    // as in Steampipe, a region's row is in that region
                    .with("region", Cell::Text(r.name.clone()))
            })
            .collect(),
    }
}

/// Runs one collector in one region (global collectors ignore `region` and ask the partition's
/// home region). `Collector::Regions` is answered by [`describe_regions`] instead.
pub async fn collect(
    session: &AccountSession,
    region: &str,
    collector: Collector,
    buckets: &ApiBuckets,
) -> Result<Vec<Batch>, AwsError> {
    match collector {
        Collector::Regions => {
            let regions = describe_regions(session, buckets).await?;
            Ok(vec![region_batch(session, &regions)])
        }
        Collector::Ec2Instances => ec2_instances(session, region, buckets).await,
        Collector::Ec2NetworkInterfaces => network_interfaces(session, region, buckets).await,
        Collector::VpcRouteTables => route_tables(session, region, buckets).await,
        Collector::VpcInternetGateways => internet_gateways(session, region, buckets).await,
        Collector::IamRoles => iam_roles(session, buckets).await,
    }
}

fn arn(session: &AccountSession, service: &str, region: &str, resource: &str) -> String {
    format!(
        "arn:{}:{service}:{region}:{}:{resource}",
        session.partition, session.account
    )
}

async fn ec2_instances(
    session: &AccountSession,
    region: &str,
    buckets: &ApiBuckets,
) -> Result<Vec<Batch>, AwsError> {
    let Ec2 {
        client,
        rate,
        partition,
    } = Ec2::new(session, region, buckets);
    let mut rows = Vec::new();
    for_each_page(
        session,
        "ec2:DescribeInstances",
        rate.as_deref(),
        |token| {
            client
                .describe_instances()
                .max_results(1000)
                .set_next_token(token)
                .send()
        },
        |out| out.next_token(),
        |out| {
            for i in out.reservations().iter().flat_map(|r| r.instances()) {
                let id = i.instance_id().unwrap_or_default();
                let tag_list = i.tags();
                let interfaces: Vec<Value> = i
                    .network_interfaces()
                    .iter()
                    .map(|n| {
                        json!({
                            "NetworkInterfaceId": n.network_interface_id(),
                            "PrivateIpAddress": n.private_ip_address(),
                            "SubnetId": n.subnet_id(),
                            "VpcId": n.vpc_id(),
                            "Association": n.association().map(|a| json!({
                                "PublicIp": a.public_ip(),
                                "PublicDnsName": a.public_dns_name(),
                                "IpOwnerId": a.ip_owner_id(),
                            })),
                        })
                    })
                    .collect();
                rows.push(ec2_tail(
                    Row::default()
                        .with("instance_id", Cell::Text(id.to_owned()))
                        .with(
                            "arn",
                            Cell::Text(arn(session, "ec2", region, &format!("instance/{id}"))),
                        )
                        .with(
                            "instance_type",
                            Cell::text(i.instance_type().map(|t| t.as_str())),
                        )
                        .with(
                            "instance_state",
                            Cell::text(i.state().and_then(|s| s.name()).map(|n| n.as_str())),
                        )
                        .with("launch_time", time(i.launch_time()))
                        .with("private_ip_address", Cell::text(i.private_ip_address()))
                        .with("public_ip_address", Cell::text(i.public_ip_address()))
                        .with(
                            "private_dns_name",
                            Cell::text(i.private_dns_name().filter(|s| !s.is_empty())),
                        )
                        .with(
                            "public_dns_name",
                            Cell::text(i.public_dns_name().filter(|s| !s.is_empty())),
                        )
                        .with("vpc_id", Cell::text(i.vpc_id()))
                        .with("subnet_id", Cell::text(i.subnet_id()))
                        .with("image_id", Cell::text(i.image_id()))
                        .with("key_name", Cell::text(i.key_name()))
                        .with(
                            "architecture",
                            Cell::text(i.architecture().map(|a| a.as_str())),
                        )
                        .with("platform", Cell::text(i.platform().map(|p| p.as_str())))
                        .with("platform_details", Cell::text(i.platform_details()))
                        .with(
                            "iam_instance_profile_arn",
                            Cell::text(i.iam_instance_profile().and_then(|p| p.arn())),
                        )
                        .with(
                            "monitoring_state",
                            Cell::text(i.monitoring().and_then(|m| m.state()).map(|s| s.as_str())),
                        )
                        .with(
                            "placement_availability_zone",
                            Cell::text(i.placement().and_then(|p| p.availability_zone())),
                        )
                        .with(
                            "placement_tenancy",
                            Cell::text(i.placement().and_then(|p| p.tenancy()).map(|t| t.as_str())),
                        )
                        .with(
                            "root_device_type",
                            Cell::text(i.root_device_type().map(|t| t.as_str())),
                        )
                        .with("root_device_name", Cell::text(i.root_device_name()))
                        .with("ebs_optimized", Cell::bool(i.ebs_optimized()))
                        .with("security_groups", security_groups(i.security_groups()))
                        .with("network_interfaces", Cell::Json(Value::Array(interfaces))),
                    tag_list,
                    id,
                    &partition,
                ));
            }
        },
    )
    .await?;
    Ok(vec![Batch {
        table: "aws_ec2_instance",
        rows,
    }])
}

async fn network_interfaces(
    session: &AccountSession,
    region: &str,
    buckets: &ApiBuckets,
) -> Result<Vec<Batch>, AwsError> {
    let Ec2 {
        client,
        rate,
        partition,
    } = Ec2::new(session, region, buckets);
    let mut rows = Vec::new();
    for_each_page(
        session,
        "ec2:DescribeNetworkInterfaces",
        rate.as_deref(),
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
                    Row::default()
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
                        .with("groups", security_groups(n.groups()))
                        .with("ipv6_addresses", Cell::Json(Value::Array(ipv6)))
                        .with(
                            "private_ip_addresses",
                            Cell::Json(Value::Array(private_ips)),
                        ),
                    tag_list,
                    id,
                    &partition,
                ));
            }
        },
    )
    .await?;
    Ok(vec![Batch {
        table: "aws_ec2_network_interface",
        rows,
    }])
}

async fn route_tables(
    session: &AccountSession,
    region: &str,
    buckets: &ApiBuckets,
) -> Result<Vec<Batch>, AwsError> {
    let Ec2 {
        client,
        rate,
        partition,
    } = Ec2::new(session, region, buckets);
    let mut tables = Vec::new();
    let mut routes = Vec::new();
    for_each_page(
        session,
        "ec2:DescribeRouteTables",
        rate.as_deref(),
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
                        .with("associations", Cell::Json(Value::Array(associations)))
                        .with("routes", Cell::Json(Value::Array(route_json)))
                        .with("propagating_vgws", Cell::Json(Value::Array(vgws)))
                        .with(
                            "akas",
                            Cell::Json(json!([arn(
                                session,
                                "ec2",
                                region,
                                &format!("route-table/{id}")
                            )])),
                        ),
                    tag_list,
                    id,
                    &partition,
                ));
            }
        },
    )
    .await?;
    Ok(vec![
        Batch {
            table: "aws_vpc_route_table",
            rows: tables,
        },
        Batch {
            table: "aws_vpc_route",
            rows: routes,
        },
    ])
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

async fn internet_gateways(
    session: &AccountSession,
    region: &str,
    buckets: &ApiBuckets,
) -> Result<Vec<Batch>, AwsError> {
    let Ec2 {
        client,
        rate,
        partition,
    } = Ec2::new(session, region, buckets);
    let mut rows = Vec::new();
    for_each_page(
        session,
        "ec2:DescribeInternetGateways",
        rate.as_deref(),
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
                        .with("attachments", Cell::Json(Value::Array(attachments)))
                        .with(
                            "akas",
                            Cell::Json(json!([arn(
                                session,
                                "ec2",
                                region,
                                &format!("internet-gateway/{id}")
                            )])),
                        ),
                    tag_list,
                    id,
                    &partition,
                ));
            }
        },
    )
    .await?;
    Ok(vec![Batch {
        table: "aws_vpc_internet_gateway",
        rows,
    }])
}

/// A trust policy as JSON: real IAM returns it URL-encoded (RFC 3986), some emulators plain.
fn decode_policy(text: &str) -> Cell {
    let decoded = if text.trim_start().starts_with('{') {
        std::borrow::Cow::Borrowed(text)
    } else {
        percent_decode(text)
    };
    match serde_json::from_str::<Value>(&decoded) {
        Ok(v) => Cell::Json(v),
        Err(_) => Cell::Text(decoded.into_owned()),
    }
}

fn percent_decode(text: &str) -> std::borrow::Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(v) = hex {
                out.push(v);
                i += 3;
                continue;
            }
        }
        // RFC 3986 (IAM's encoding): `+` is a plus, not a space
        out.push(b);
        i += 1;
    }
    std::borrow::Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

async fn iam_roles(session: &AccountSession, buckets: &ApiBuckets) -> Result<Vec<Batch>, AwsError> {
    let home = canopy_model::inventory::home_region(&session.partition);
    let client = aws_sdk_iam::Client::new(&session.config_in(home));
    let rate = buckets.get("global", "iam");
    let partition = Cell::Text(session.partition.to_string());
    let mut rows = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let out = call(&session.scope(), "iam:ListRoles", rate.as_deref(), || {
            client
                .list_roles()
                .max_items(1000)
                .set_marker(marker.clone())
                .send()
        })
        .await?;
        for r in out.roles() {
            let pairs = || r.tags().iter().map(|t| (Some(t.key()), Some(t.value())));
            let boundary = r.permissions_boundary();
            let last_used = r.role_last_used();
            rows.push(
                Row::default()
                    .with("name", Cell::Text(r.role_name().to_owned()))
                    .with("arn", Cell::Text(r.arn().to_owned()))
                    .with("role_id", Cell::Text(r.role_id().to_owned()))
                    .with("create_date", time(Some(r.create_date())))
                    .with("description", Cell::text(r.description()))
                    .with("path", Cell::Text(r.path().to_owned()))
                    .with("max_session_duration", Cell::int(r.max_session_duration()))
                    .with(
                        "permissions_boundary_arn",
                        Cell::text(boundary.and_then(|b| b.permissions_boundary_arn())),
                    )
                    .with(
                        "permissions_boundary_type",
                        Cell::text(
                            boundary
                                .and_then(|b| b.permissions_boundary_type())
                                .map(|t| t.as_str()),
                        ),
                    )
                    .with(
                        "role_last_used_date",
                        time(last_used.and_then(|u| u.last_used_date())),
                    )
                    .with(
                        "role_last_used_region",
                        Cell::text(last_used.and_then(|u| u.region())),
                    )
                    .with(
                        "assume_role_policy",
                        r.assume_role_policy_document()
                            .map_or(Cell::Null, decode_policy),
                    )
                    .with("tags_src", tags_src(pairs()))
                    .with("tags", tags_of(pairs()))
                    .with("title", Cell::Text(r.role_name().to_owned()))
                    .with("akas", Cell::Json(json!([r.arn()])))
                    .with("partition", partition.clone()),
            );
        }
        marker = out
            .marker()
            .filter(|_| out.is_truncated())
            .map(str::to_owned);
        if marker.is_none() {
            break;
        }
    }
    Ok(vec![Batch {
        table: "aws_iam_role",
        rows,
    }])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trust_policies_are_decoded_whether_encoded_or_not() {
        let plain = r#"{"Version":"2012-10-17","Statement":[]}"#;
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        let want = Cell::Json(json!({"Version": "2012-10-17", "Statement": []}));
        assert_eq!(decode_policy(plain), want);
        assert_eq!(decode_policy(encoded), want);
        assert_eq!(
            decode_policy("not%20json"),
            Cell::Text("not json".to_owned())
        );
    }
}
