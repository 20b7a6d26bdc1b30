//! Load balancers. Application and network load balancers come from one ELBv2 listing per
//! region (split by type into their two tables), with each one's attributes and the tags of 20
//! at a time; classic load balancers from ELB's listing, with each one's attributes and
//! policies, the tags of 20 at a time, and the region's predefined (sample) policies once.

use std::collections::HashMap;

use aws_sdk_elasticloadbalancing::Client as ClassicClient;
use aws_sdk_elasticloadbalancing::types::PolicyDescription;
use aws_sdk_elasticloadbalancingv2::Client;
use aws_sdk_elasticloadbalancingv2::types::LoadBalancerTypeEnum;
use canopy_model::inventory::{Batch, Cell, Row};
use canopy_model::table::{Column, Scope, TableDef};
use serde_json::{Value, json};

use super::{Unit, batch, json_cell, json_list, strings, tags_of, tags_src, time};
use crate::error::AwsError;

/// The columns application and network load balancers share, in Steampipe's order.
macro_rules! elbv2_columns {
    ($($extra:expr),*) => {
        &[
            Column::text("name", "The load balancer's name").required(),
            Column::text("arn", "The load balancer's ARN"),
            Column::text("type", "application, network or gateway"),
            $($extra,)*
            Column::text("scheme", "internet-facing or internal"),
            Column::text("canonical_hosted_zone_id", "Its Route 53 hosted zone"),
            Column::text("vpc_id", "Its VPC"),
            Column::time("created_time", "When it was created"),
            Column::text("customer_owned_ipv4_pool", "Its customer-owned address pool (Outposts)"),
            Column::text("dns_name", "Its public DNS name"),
            Column::text("ip_address_type", "ipv4, dualstack or dualstack-without-public-ipv4"),
            Column::text("state_code", "active, provisioning, failed, ..."),
            Column::text("state_reason", "Why it is in its state"),
            Column::json(
                "availability_zones",
                "Its zones and subnets: [{\"ZoneName\", \"SubnetId\", \"LoadBalancerAddresses\", ...}]",
            ),
            Column::json("security_groups", "Its security groups"),
            Column::json(
                "load_balancer_attributes",
                "Its attributes: [{\"Key\": \"access_logs.s3.enabled\", \"Value\": \"false\"}, ...]",
            ),
            Column::TAGS_SRC,
            Column::TAGS,
            Column::TITLE,
            Column::AKAS,
            Column::PARTITION,
        ]
    };
}

const ELBV2_ACTIONS: &[&str] = &[
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeLoadBalancerAttributes",
    "elasticloadbalancing:DescribeTags",
];

pub(super) const APPLICATION: TableDef = TableDef {
    name: "aws_ec2_application_load_balancer",
    scope: Scope::Regional,
    description: "Application load balancers: scheme, network, attributes (logging, TLS, desync)",
    columns: elbv2_columns!(),
    actions: ELBV2_ACTIONS,
    filled_by: "collect",
};

pub(super) const NETWORK: TableDef = TableDef {
    name: "aws_ec2_network_load_balancer",
    scope: Scope::Regional,
    description: "Network load balancers: scheme, network, attributes",
    columns: elbv2_columns!(Column::text(
        "enforce_security_group_inbound_rules_on_private_link_traffic",
        "on or off: whether its security groups filter PrivateLink traffic"
    )),
    actions: ELBV2_ACTIONS,
    filled_by: "collect",
};

pub(super) const CLASSIC: TableDef = TableDef {
    name: "aws_ec2_classic_load_balancer",
    scope: Scope::Regional,
    description: "Classic load balancers: listeners, TLS policies, access logs, health checks",
    columns: &[
        Column::text("name", "The load balancer's name").required(),
        Column::text("arn", "The load balancer's ARN"),
        Column::text("scheme", "internet-facing or internal"),
        Column::time("created_time", "When it was created"),
        Column::text("vpc_id", "Its VPC"),
        Column::int(
            "access_log_emit_interval",
            "Minutes between access log files",
        ),
        Column::bool("access_log_enabled", "Whether access logs are written"),
        Column::text("access_log_s3_bucket_name", "The bucket access logs go to"),
        Column::text("access_log_s3_bucket_prefix", "Their key prefix"),
        Column::text(
            "canonical_hosted_zone_name",
            "Its Route 53 hosted zone's name",
        ),
        Column::text("canonical_hosted_zone_name_id", "Its Route 53 hosted zone"),
        Column::bool(
            "connection_draining_enabled",
            "Whether connection draining is on",
        ),
        Column::int(
            "connection_draining_timeout",
            "Seconds connections drain for",
        ),
        Column::int("connection_settings_idle_timeout", "Idle timeout, seconds"),
        Column::bool(
            "cross_zone_load_balancing_enabled",
            "Whether cross-zone load balancing is on",
        ),
        Column::text("dns_name", "Its DNS name"),
        Column::int("health_check_interval", "Seconds between health checks"),
        Column::int("health_check_timeout", "Seconds before a check fails"),
        Column::int(
            "healthy_threshold",
            "Successes before an instance is healthy",
        ),
        Column::text("health_check_target", "What is checked: PROTOCOL:PORT/PATH"),
        Column::text("source_security_group_name", "Its source security group"),
        Column::text("source_security_group_owner_alias", "That group's owner"),
        Column::int(
            "unhealthy_threshold",
            "Failures before an instance is unhealthy",
        ),
        Column::json(
            "additional_attributes",
            "Other attributes: [{\"Key\", \"Value\"}]",
        ),
        Column::json(
            "app_cookie_stickiness_policies",
            "[{\"PolicyName\", \"CookieName\"}]",
        ),
        Column::json("availability_zones", "Its zones"),
        Column::json(
            "backend_server_descriptions",
            "[{\"InstancePort\", \"PolicyNames\"}]",
        ),
        Column::json("instances", "Its instances: [{\"InstanceId\"}]"),
        Column::json(
            "lb_cookie_stickiness_policies",
            "[{\"PolicyName\", \"CookieExpirationPeriod\"}]",
        ),
        Column::json(
            "listener_descriptions",
            "[{\"Listener\": {\"Protocol\", \"LoadBalancerPort\", \"InstanceProtocol\", \"InstancePort\", \"SSLCertificateId\"}, \"PolicyNames\"}]",
        ),
        Column::json("other_policies", "Its other policies' names"),
        Column::json("security_groups", "Its security groups"),
        Column::json(
            "sample_policy_descriptions",
            "The region's predefined policies (TLS policies and their ciphers)",
        ),
        Column::json(
            "policy_descriptions",
            "Its policies: [{\"PolicyName\", \"PolicyTypeName\", \"PolicyAttributeDescriptions\"}]",
        ),
        Column::json("subnets", "Its subnets"),
        Column::TAGS_SRC,
        Column::TITLE,
        Column::TAGS,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &[
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeLoadBalancerAttributes",
        "elasticloadbalancing:DescribeLoadBalancerPolicies",
        "elasticloadbalancing:DescribeTags",
    ],
    filled_by: "collect",
};

/// A load balancer's tags, as (key, value) pairs.
type TagPairs = Vec<(Option<String>, Option<String>)>;

/// Load balancers per DescribeTags call (AWS's maximum, for both APIs).
const TAGS_PER_CALL: usize = 20;

pub(super) async fn load_balancers(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.session.client(unit.region, Client::new);
    let mut listed = Vec::new();
    unit.paginate(
        "elasticloadbalancing:DescribeLoadBalancers",
        |marker| {
            client
                .describe_load_balancers()
                .page_size(400)
                .set_marker(marker)
                .send()
        },
        |out| out.next_marker(),
        |out| listed.extend(out.load_balancers().iter().cloned()),
    )
    .await?;
    // gateway load balancers have a table of their own in Steampipe, outside this work
    listed.retain(|l| {
        matches!(
            l.r#type(),
            Some(LoadBalancerTypeEnum::Application | LoadBalancerTypeEnum::Network)
        )
    });
    let arns: Vec<String> = listed
        .iter()
        .filter_map(|l| l.load_balancer_arn().map(str::to_owned))
        .collect();
    let mut tags: HashMap<String, TagPairs> = HashMap::new();
    for chunk in arns.chunks(TAGS_PER_CALL) {
        let out = unit
            .call("elasticloadbalancing:DescribeTags", || {
                client
                    .describe_tags()
                    .set_resource_arns(Some(chunk.to_vec()))
                    .send()
            })
            .await?;
        for d in out.tag_descriptions() {
            if let Some(arn) = d.resource_arn() {
                tags.insert(
                    arn.to_owned(),
                    d.tags()
                        .iter()
                        .map(|t| (t.key().map(str::to_owned), t.value().map(str::to_owned)))
                        .collect(),
                );
            }
        }
    }
    let partition = unit.partition();
    let absent: &[&str] = &["LoadBalancerNotFound"];
    let tags = &tags;
    let rows = super::for_each_listed(listed, |l| {
        let client = &client;
        let partition = &partition;
        async move {
            let arn = l.load_balancer_arn().unwrap_or_default().to_owned();
            let attributes = unit
                .detail(
                    unit.region,
                    "elasticloadbalancing:DescribeLoadBalancerAttributes",
                    &arn,
                    absent,
                    || client.describe_load_balancer_attributes().load_balancer_arn(&arn).send(),
                )
                .await
                .found()
                .map(|a| {
                    Value::Array(
                        a.attributes()
                            .iter()
                            .map(|a| json!({"Key": a.key(), "Value": a.value()}))
                            .collect(),
                    )
                });
            let pairs = || {
                tags.get(&arn)
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (k.as_deref(), v.as_deref()))
            };
            let zones = Value::Array(
                l.availability_zones()
                    .iter()
                    .map(|z| {
                        json!({
                            "LoadBalancerAddresses": z.load_balancer_addresses().iter().map(|a| json!({
                                "AllocationId": a.allocation_id(),
                                "IPv6Address": a.ipv6_address(),
                                "IpAddress": a.ip_address(),
                                "PrivateIPv4Address": a.private_ipv4_address(),
                            })).collect::<Vec<_>>(),
                            "OutpostId": z.outpost_id(),
                            "SubnetId": z.subnet_id(),
                            "ZoneName": z.zone_name(),
                        })
                    })
                    .collect(),
            );
            let network = l.r#type() == Some(&LoadBalancerTypeEnum::Network);
            let name = l.load_balancer_name().unwrap_or_default().to_owned();
            let mut row = Row::default()
                .with("name", Cell::Text(name.clone()))
                .with("arn", Cell::Text(arn.clone()))
                .with("type", Cell::text(l.r#type().map(|t| t.as_str())));
            if network {
                row = row.with(
                    "enforce_security_group_inbound_rules_on_private_link_traffic",
                    Cell::text(l.enforce_security_group_inbound_rules_on_private_link_traffic()),
                );
            }
            let row = row
                .with("scheme", Cell::text(l.scheme().map(|s| s.as_str())))
                .with("canonical_hosted_zone_id", Cell::text(l.canonical_hosted_zone_id()))
                .with("vpc_id", Cell::text(l.vpc_id()))
                .with("created_time", time(l.created_time()))
                .with("customer_owned_ipv4_pool", Cell::text(l.customer_owned_ipv4_pool()))
                .with("dns_name", Cell::text(l.dns_name()))
                .with("ip_address_type", Cell::text(l.ip_address_type().map(|t| t.as_str())))
                .with(
                    "state_code",
                    Cell::text(l.state().and_then(|s| s.code()).map(|c| c.as_str())),
                )
                .with("state_reason", Cell::text(l.state().and_then(|s| s.reason())))
                .with("availability_zones", Cell::json(zones))
                .with("security_groups", strings(l.security_groups()))
                .with("load_balancer_attributes", json_cell(attributes))
                .with("tags_src", tags_src(pairs()))
                .with("tags", tags_of(pairs()))
                .with("title", Cell::Text(name))
                .with("akas", Cell::json(json!([arn])))
                .with("partition", partition.clone());
            (network, row)
        }
    })
    .await;
    let (network, application): (Vec<_>, Vec<_>) = rows.into_iter().partition(|(n, _)| *n);
    Ok(vec![
        batch(
            &APPLICATION,
            application.into_iter().map(|(_, r)| r).collect(),
        ),
        batch(&NETWORK, network.into_iter().map(|(_, r)| r).collect()),
    ])
}

fn policy_descriptions(items: &[PolicyDescription]) -> Value {
    Value::Array(
        items
            .iter()
            .map(|p| {
                json!({
                    "PolicyAttributeDescriptions": p.policy_attribute_descriptions().iter().map(|a| json!({
                        "AttributeName": a.attribute_name(),
                        "AttributeValue": a.attribute_value(),
                    })).collect::<Vec<_>>(),
                    "PolicyName": p.policy_name(),
                    "PolicyTypeName": p.policy_type_name(),
                })
            })
            .collect(),
    )
}

pub(super) async fn classic_load_balancers(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.session.client(unit.region, ClassicClient::new);
    let mut listed = Vec::new();
    unit.paginate(
        "elasticloadbalancing:DescribeLoadBalancers",
        |marker| {
            client
                .describe_load_balancers()
                .page_size(400)
                .set_marker(marker)
                .send()
        },
        |out| out.next_marker(),
        |out| listed.extend(out.load_balancer_descriptions().iter().cloned()),
    )
    .await?;
    if listed.is_empty() {
        return Ok(vec![batch(&CLASSIC, Vec::new())]);
    }
    let names: Vec<String> = listed
        .iter()
        .filter_map(|l| l.load_balancer_name().map(str::to_owned))
        .collect();
    let mut tags: HashMap<String, Vec<(String, Option<String>)>> = HashMap::new();
    for chunk in names.chunks(TAGS_PER_CALL) {
        let out = unit
            .call("elasticloadbalancing:DescribeTags", || {
                client
                    .describe_tags()
                    .set_load_balancer_names(Some(chunk.to_vec()))
                    .send()
            })
            .await?;
        for d in out.tag_descriptions() {
            if let Some(name) = d.load_balancer_name() {
                tags.insert(
                    name.to_owned(),
                    d.tags()
                        .iter()
                        .map(|t| (t.key().to_owned(), t.value().map(str::to_owned)))
                        .collect(),
                );
            }
        }
    }
    // the region's predefined policies, the same for every load balancer: read once
    let samples = unit
        .call("elasticloadbalancing:DescribeLoadBalancerPolicies", || {
            client.describe_load_balancer_policies().send()
        })
        .await?;
    let samples = policy_descriptions(samples.policy_descriptions());
    let partition = unit.partition();
    let absent: &[&str] = &["LoadBalancerNotFound"];
    let (tags, samples) = (&tags, &samples);
    let rows =
        super::for_each_listed(listed, |l| {
            let client = &client;
            let partition = &partition;
            async move {
                let name = l.load_balancer_name().unwrap_or_default().to_owned();
                let (attributes, policies) = tokio::join!(
                    unit.detail(
                        unit.region,
                        "elasticloadbalancing:DescribeLoadBalancerAttributes",
                        &name,
                        absent,
                        || client
                            .describe_load_balancer_attributes()
                            .load_balancer_name(&name)
                            .send()
                    ),
                    unit.detail(
                        unit.region,
                        "elasticloadbalancing:DescribeLoadBalancerPolicies",
                        &name,
                        absent,
                        || client
                            .describe_load_balancer_policies()
                            .load_balancer_name(&name)
                            .send()
                    ),
                );
                let attributes = attributes.found();
                let a = attributes
                    .as_ref()
                    .and_then(|a| a.load_balancer_attributes());
                let log = a.and_then(|a| a.access_log());
                let draining = a.and_then(|a| a.connection_draining());
                let health = l.health_check();
                let source = l.source_security_group();
                let policies_of = l.policies();
                let pairs = || {
                    tags.get(&name)
                        .into_iter()
                        .flatten()
                        .map(|(k, v)| (Some(k.as_str()), v.as_deref()))
                };
                let additional = a
                    .filter(|a| !a.additional_attributes().is_empty())
                    .map(|a| {
                        Value::Array(
                            a.additional_attributes()
                                .iter()
                                .map(|x| json!({"Key": x.key(), "Value": x.value()}))
                                .collect(),
                        )
                    });
                let arn = unit.arn("elasticloadbalancing", &format!("loadbalancer/{name}"));
                Row::default()
                    .with("name", Cell::Text(name.clone()))
                    .with("arn", Cell::Text(arn.clone()))
                    .with("scheme", Cell::text(l.scheme()))
                    .with("created_time", time(l.created_time()))
                    .with("vpc_id", Cell::text(l.vpc_id()))
                    .with(
                        "access_log_emit_interval",
                        Cell::int(log.and_then(|l| l.emit_interval())),
                    )
                    .with("access_log_enabled", Cell::bool(log.map(|l| l.enabled())))
                    .with(
                        "access_log_s3_bucket_name",
                        Cell::text(log.and_then(|l| l.s3_bucket_name())),
                    )
                    .with(
                        "access_log_s3_bucket_prefix",
                        Cell::text(log.and_then(|l| l.s3_bucket_prefix())),
                    )
                    .with(
                        "canonical_hosted_zone_name",
                        Cell::text(l.canonical_hosted_zone_name()),
                    )
                    .with(
                        "canonical_hosted_zone_name_id",
                        Cell::text(l.canonical_hosted_zone_name_id()),
                    )
                    .with(
                        "connection_draining_enabled",
                        Cell::bool(draining.map(|d| d.enabled())),
                    )
                    .with(
                        "connection_draining_timeout",
                        Cell::int(draining.and_then(|d| d.timeout())),
                    )
                    .with(
                        "connection_settings_idle_timeout",
                        Cell::int(
                            a.and_then(|a| a.connection_settings())
                                .map(|c| c.idle_timeout()),
                        ),
                    )
                    .with(
                        "cross_zone_load_balancing_enabled",
                        Cell::bool(
                            a.and_then(|a| a.cross_zone_load_balancing())
                                .map(|c| c.enabled()),
                        ),
                    )
                    .with("dns_name", Cell::text(l.dns_name()))
                    .with(
                        "health_check_interval",
                        Cell::int(health.map(|h| h.interval())),
                    )
                    .with(
                        "health_check_timeout",
                        Cell::int(health.map(|h| h.timeout())),
                    )
                    .with(
                        "healthy_threshold",
                        Cell::int(health.map(|h| h.healthy_threshold())),
                    )
                    .with(
                        "health_check_target",
                        Cell::text(health.map(|h| h.target())),
                    )
                    .with(
                        "source_security_group_name",
                        Cell::text(source.and_then(|s| s.group_name())),
                    )
                    .with(
                        "source_security_group_owner_alias",
                        Cell::text(source.and_then(|s| s.owner_alias())),
                    )
                    .with(
                        "unhealthy_threshold",
                        Cell::int(health.map(|h| h.unhealthy_threshold())),
                    )
                    .with("additional_attributes", json_cell(additional))
                    .with(
                        "app_cookie_stickiness_policies",
                        json_list(
                            policies_of
                                .map(|p| {
                                    p.app_cookie_stickiness_policies()
                                        .iter()
                                        .map(|s| {
                                            json!({
                                                "CookieName": s.cookie_name(),
                                                "PolicyName": s.policy_name(),
                                            })
                                        })
                                        .collect()
                                })
                                .unwrap_or_default(),
                        ),
                    )
                    .with("availability_zones", strings(l.availability_zones()))
                    .with(
                        "backend_server_descriptions",
                        json_list(
                            l.backend_server_descriptions()
                                .iter()
                                .map(|b| {
                                    json!({
                                        "InstancePort": b.instance_port(),
                                        "PolicyNames": b.policy_names(),
                                    })
                                })
                                .collect(),
                        ),
                    )
                    .with(
                        "instances",
                        json_list(
                            l.instances()
                                .iter()
                                .map(|i| json!({"InstanceId": i.instance_id()}))
                                .collect(),
                        ),
                    )
                    .with(
                        "lb_cookie_stickiness_policies",
                        json_list(
                            policies_of
                                .map(|p| {
                                    p.lb_cookie_stickiness_policies().iter().map(|s| json!({
                        "CookieExpirationPeriod": s.cookie_expiration_period(),
                        "PolicyName": s.policy_name(),
                    })).collect()
                                })
                                .unwrap_or_default(),
                        ),
                    )
                    .with(
                        "listener_descriptions",
                        json_list(
                            l.listener_descriptions()
                                .iter()
                                .map(|d| {
                                    json!({
                                        "Listener": d.listener().map(|x| json!({
                                            "InstancePort": x.instance_port(),
                                            "InstanceProtocol": x.instance_protocol(),
                                            "LoadBalancerPort": x.load_balancer_port(),
                                            "Protocol": x.protocol(),
                                            "SSLCertificateId": x.ssl_certificate_id(),
                                        })),
                                        "PolicyNames": d.policy_names(),
                                    })
                                })
                                .collect(),
                        ),
                    )
                    .with(
                        "other_policies",
                        policies_of.map_or(Cell::Null, |p| strings(p.other_policies())),
                    )
                    .with("security_groups", strings(l.security_groups()))
                    .with("sample_policy_descriptions", Cell::json(samples.clone()))
                    .with(
                        "policy_descriptions",
                        json_cell(
                            policies
                                .found()
                                .map(|p| policy_descriptions(p.policy_descriptions())),
                        ),
                    )
                    .with("subnets", strings(l.subnets()))
                    .with("tags_src", tags_src(pairs()))
                    .with("title", Cell::Text(name.clone()))
                    .with("tags", tags_of(pairs()))
                    .with("akas", Cell::json(json!([arn])))
                    .with("partition", partition.clone())
            }
        })
        .await;
    Ok(vec![batch(&CLASSIC, rows)])
}
