//! Load balancers. Application and network load balancers come from one ELBv2 listing per
//! region (split by type into their two tables), with each one's attributes and the tags of 20
//! at a time; classic load balancers from ELB's listing, with each one's attributes and
//! policies, the tags of 20 at a time, and the region's predefined (sample) policies once.

use std::collections::HashMap;

use aws_sdk_elasticloadbalancing::Client as ClassicClient;
use aws_sdk_elasticloadbalancing::operation::describe_load_balancer_attributes::DescribeLoadBalancerAttributesOutput;
use aws_sdk_elasticloadbalancing::types::PolicyDescription;
use aws_sdk_elasticloadbalancingv2::Client;
use aws_sdk_elasticloadbalancingv2::types::LoadBalancerTypeEnum;
use canopy_model::inventory::{Batch, Cell};
use canopy_model::table::Column;
use serde_json::{Value, json};

use super::columns::Col;
use super::{Unit, json_cell, json_list, strings, tags_of, tags_src, time};
use crate::error::AwsError;

/// What is read of one application or network load balancer.
struct Lb {
    l: aws_sdk_elasticloadbalancingv2::types::LoadBalancer,
    name: String,
    arn: String,
    attributes: Option<Value>,
    zones: Value,
    tags: TagPairs,
}

impl Lb {
    fn pairs(&self) -> impl Iterator<Item = (Option<&str>, Option<&str>)> {
        self.tags.iter().map(|(k, v)| (k.as_deref(), v.as_deref()))
    }
}

/// A column of `aws_ec2_application_load_balancer` or `aws_ec2_network_load_balancer`.
type LbC = Col<Lb>;

/// The columns application and network load balancers share, in Steampipe's order.
#[rustfmt::skip]
macro_rules! elbv2_columns {
    ($($extra:expr),*) => {
        &[
            LbC::text("name", "The load balancer's name", |x, _| Cell::Text(x.name.clone())).required(),
            LbC::text("arn", "The load balancer's ARN", |x, _| Cell::Text(x.arn.clone())),
            LbC::text("type", "application, network or gateway", |x, _| Cell::variant(x.l.r#type())),
            $($extra,)*
            LbC::text("scheme", "internet-facing or internal", |x, _| Cell::variant(x.l.scheme())),
            LbC::text("canonical_hosted_zone_id", "Its Route 53 hosted zone", |x, _| Cell::text(x.l.canonical_hosted_zone_id())),
            LbC::text("vpc_id", "Its VPC", |x, _| Cell::text(x.l.vpc_id())),
            LbC::time("created_time", "When it was created", |x, _| time(x.l.created_time())),
            LbC::text("customer_owned_ipv4_pool", "Its customer-owned address pool (Outposts)", |x, _| Cell::text(x.l.customer_owned_ipv4_pool())),
            LbC::text("dns_name", "Its public DNS name", |x, _| Cell::text(x.l.dns_name())),
            LbC::text("ip_address_type", "ipv4, dualstack or dualstack-without-public-ipv4", |x, _| Cell::variant(x.l.ip_address_type())),
            LbC::text("state_code", "active, provisioning, failed, ...", |x, _| Cell::variant(x.l.state().and_then(|s| s.code()))),
            LbC::text("state_reason", "Why it is in its state", |x, _| Cell::text(x.l.state().and_then(|s| s.reason()))),
            LbC::json("availability_zones", "Its zones and subnets: [{\"ZoneName\", \"SubnetId\", \"LoadBalancerAddresses\", ...}]", |x, _| Cell::json(x.zones.clone())),
            LbC::json("security_groups", "Its security groups", |x, _| strings(x.l.security_groups())),
            LbC::json("load_balancer_attributes", "Its attributes: [{\"Key\": \"access_logs.s3.enabled\", \"Value\": \"false\"}, ...]", |x, _| json_cell(x.attributes.clone())),
            LbC::common(Column::TAGS_SRC, |x, _| tags_src(x.pairs())),
            LbC::common(Column::TAGS, |x, _| tags_of(x.pairs())),
            LbC::common(Column::TITLE, |x, _| Cell::Text(x.name.clone())),
            LbC::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
            LbC::partition(),
        ]
    };
}

const APPLICATION_COLUMNS: &[Col<Lb>] = elbv2_columns!();

#[rustfmt::skip]
const NETWORK_COLUMNS: &[Col<Lb>] = elbv2_columns!(
    LbC::text("enforce_security_group_inbound_rules_on_private_link_traffic", "on or off: whether its security groups filter PrivateLink traffic", |x, _| Cell::text(x.l.enforce_security_group_inbound_rules_on_private_link_traffic()))
);

const ELBV2_ACTIONS: [&str; 3] = [
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeLoadBalancerAttributes",
    "elasticloadbalancing:DescribeTags",
];

table! {
    APPLICATION: Lb = Regional "aws_ec2_application_load_balancer" ELBV2_ACTIONS,
        "Application load balancers: scheme, network, attributes (logging, TLS, desync)";
    in APPLICATION_COLUMNS
}

table! {
    NETWORK: Lb = Regional "aws_ec2_network_load_balancer" ELBV2_ACTIONS,
        "Network load balancers: scheme, network, attributes";
    in NETWORK_COLUMNS
}

/// What is read of one row of `aws_ec2_classic_load_balancer`.
struct Classic {
    l: aws_sdk_elasticloadbalancing::types::LoadBalancerDescription,
    name: String,
    attributes: Option<DescribeLoadBalancerAttributesOutput>,
    tags: Vec<(String, Option<String>)>,
    additional: Option<Value>,
    arn: String,
    samples: Value,
    policies: Option<Value>,
}

impl Classic {
    fn pairs(&self) -> impl Iterator<Item = (Option<&str>, Option<&str>)> {
        self.tags
            .iter()
            .map(|(k, v)| (Some(k.as_str()), v.as_deref()))
    }

    fn policies_of(&self) -> Option<&aws_sdk_elasticloadbalancing::types::Policies> {
        self.l.policies()
    }

    fn source(&self) -> Option<&aws_sdk_elasticloadbalancing::types::SourceSecurityGroup> {
        self.l.source_security_group()
    }

    fn health(&self) -> Option<&aws_sdk_elasticloadbalancing::types::HealthCheck> {
        self.l.health_check()
    }

    fn draining(&self) -> Option<&aws_sdk_elasticloadbalancing::types::ConnectionDraining> {
        self.a().and_then(|a| a.connection_draining())
    }

    fn log(&self) -> Option<&aws_sdk_elasticloadbalancing::types::AccessLog> {
        self.a().and_then(|a| a.access_log())
    }

    fn a(&self) -> Option<&aws_sdk_elasticloadbalancing::types::LoadBalancerAttributes> {
        self.attributes
            .as_ref()
            .and_then(|a| a.load_balancer_attributes())
    }
}

table! {
    CLASSIC: Classic = Regional "aws_ec2_classic_load_balancer" [
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeLoadBalancerAttributes",
        "elasticloadbalancing:DescribeLoadBalancerPolicies",
        "elasticloadbalancing:DescribeTags",
    ], "Classic load balancers: listeners, TLS policies, access logs, health checks";
    C::text("name", "The load balancer's name", |x, _| Cell::Text(x.name.clone())).required(),
    C::text("arn", "The load balancer's ARN", |x, _| Cell::Text(x.arn.clone())),
    C::text("scheme", "internet-facing or internal", |x, _| Cell::text(x.l.scheme())),
    C::time("created_time", "When it was created", |x, _| time(x.l.created_time())),
    C::text("vpc_id", "Its VPC", |x, _| Cell::text(x.l.vpc_id())),
    C::int("access_log_emit_interval", "Minutes between access log files", |x, _| Cell::int(x.log().and_then(|l| l.emit_interval()))),
    C::bool("access_log_enabled", "Whether access logs are written", |x, _| Cell::bool(x.log().map(|l| l.enabled()))),
    C::text("access_log_s3_bucket_name", "The bucket access logs go to", |x, _| Cell::text(x.log().and_then(|l| l.s3_bucket_name()))),
    C::text("access_log_s3_bucket_prefix", "Their key prefix", |x, _| Cell::text(x.log().and_then(|l| l.s3_bucket_prefix()))),
    C::text("canonical_hosted_zone_name", "Its Route 53 hosted zone's name", |x, _| Cell::text(x.l.canonical_hosted_zone_name())),
    C::text("canonical_hosted_zone_name_id", "Its Route 53 hosted zone", |x, _| Cell::text(x.l.canonical_hosted_zone_name_id())),
    C::bool("connection_draining_enabled", "Whether connection draining is on", |x, _| Cell::bool(x.draining().map(|d| d.enabled()))),
    C::int("connection_draining_timeout", "Seconds connections drain for", |x, _| Cell::int(x.draining().and_then(|d| d.timeout()))),
    C::int("connection_settings_idle_timeout", "Idle timeout, seconds", |x, _| Cell::int(x.a().and_then(|a| a.connection_settings()).map(|c| c.idle_timeout()))),
    C::bool("cross_zone_load_balancing_enabled", "Whether cross-zone load balancing is on", |x, _| Cell::bool(x.a().and_then(|a| a.cross_zone_load_balancing()).map(|c| c.enabled()))),
    C::text("dns_name", "Its DNS name", |x, _| Cell::text(x.l.dns_name())),
    C::int("health_check_interval", "Seconds between health checks", |x, _| Cell::int(x.health().map(|h| h.interval()))),
    C::int("health_check_timeout", "Seconds before a check fails", |x, _| Cell::int(x.health().map(|h| h.timeout()))),
    C::int("healthy_threshold", "Successes before an instance is healthy", |x, _| Cell::int(x.health().map(|h| h.healthy_threshold()))),
    C::text("health_check_target", "What is checked: PROTOCOL:PORT/PATH", |x, _| Cell::text(x.health().map(|h| h.target()))),
    C::text("source_security_group_name", "Its source security group", |x, _| Cell::text(x.source().and_then(|s| s.group_name()))),
    C::text("source_security_group_owner_alias", "That group's owner", |x, _| Cell::text(x.source().and_then(|s| s.owner_alias()))),
    C::int("unhealthy_threshold", "Failures before an instance is unhealthy", |x, _| Cell::int(x.health().map(|h| h.unhealthy_threshold()))),
    C::json("additional_attributes", "Other attributes: [{\"Key\", \"Value\"}]", |x, _| json_cell(x.additional.clone())),
    C::json("app_cookie_stickiness_policies", "[{\"PolicyName\", \"CookieName\"}]", |x, _| json_list(
                        x.policies_of()
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
                    )),
    C::json("availability_zones", "Its zones", |x, _| strings(x.l.availability_zones())),
    C::json("backend_server_descriptions", "[{\"InstancePort\", \"PolicyNames\"}]", |x, _| json_list(
                        x.l.backend_server_descriptions()
                            .iter()
                            .map(|b| {
                                json!({
                                    "InstancePort": b.instance_port(),
                                    "PolicyNames": b.policy_names(),
                                })
                            })
                            .collect(),
                    )),
    C::json("instances", "Its instances: [{\"InstanceId\"}]", |x, _| json_list(
                        x.l.instances()
                            .iter()
                            .map(|i| json!({"InstanceId": i.instance_id()}))
                            .collect(),
                    )),
    C::json("lb_cookie_stickiness_policies", "[{\"PolicyName\", \"CookieExpirationPeriod\"}]", |x, _| json_list(
                        x.policies_of()
                            .map(|p| {
                                p.lb_cookie_stickiness_policies().iter().map(|s| json!({
                    "CookieExpirationPeriod": s.cookie_expiration_period(),
                    "PolicyName": s.policy_name(),
                })).collect()
                            })
                            .unwrap_or_default(),
                    )),
    C::json("listener_descriptions", "[{\"Listener\": {\"Protocol\", \"LoadBalancerPort\", \"InstanceProtocol\", \"InstancePort\", \"SSLCertificateId\"}, \"PolicyNames\"}]", |x, _| json_list(
                        x.l.listener_descriptions()
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
                    )),
    C::json("other_policies", "Its other policies' names", |x, _| x.policies_of().map_or(Cell::Null, |p| strings(p.other_policies()))),
    C::json("security_groups", "Its security groups", |x, _| strings(x.l.security_groups())),
    C::json("sample_policy_descriptions", "The region's predefined policies (TLS policies and their ciphers)", |x, _| Cell::json(x.samples.clone())),
    C::json("policy_descriptions", "Its policies: [{\"PolicyName\", \"PolicyTypeName\", \"PolicyAttributeDescriptions\"}]", |x, _| json_cell(x.policies.clone())),
    C::json("subnets", "Its subnets", |x, _| strings(x.l.subnets())),
    C::common(Column::TAGS_SRC, |x, _| tags_src(x.pairs())),
    C::common(Column::TITLE, |x, _| Cell::Text(x.name.clone())),
    C::common(Column::TAGS, |x, _| tags_of(x.pairs())),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
}

/// A load balancer's tags, as (key, value) pairs.
type TagPairs = Vec<(Option<String>, Option<String>)>;

/// Load balancers per DescribeTags call (AWS's maximum, for both APIs).
const TAGS_PER_CALL: usize = 20;

pub(super) async fn load_balancers(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.client(Client::new);
    let mut listed = unit
        .list(
            "elasticloadbalancing:DescribeLoadBalancers",
            |marker| {
                client
                    .describe_load_balancers()
                    .page_size(400)
                    .set_marker(marker)
                    .send()
            },
            |out| out.next_marker(),
            |out| out.load_balancers.unwrap_or_default(),
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
    let absent: &[&str] = &["LoadBalancerNotFound"];
    let tags = &tags;
    let rows = super::for_each_listed(listed, |l| {
        let client = &client;
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
            let table = if network { &NETWORK } else { &APPLICATION };
            let tags = tags.get(&arn).cloned().unwrap_or_default();
            let lb = Lb { l, name, arn, attributes, zones, tags };
            let row = table.row(&lb, unit.cx());
            (network, row)
        }
    })
    .await;
    let (network, application): (Vec<_>, Vec<_>) = rows.into_iter().partition(|(n, _)| *n);
    Ok(vec![
        APPLICATION.batch(application.into_iter().map(|(_, r)| r).collect()),
        NETWORK.batch(network.into_iter().map(|(_, r)| r).collect()),
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
    let listed = unit
        .list(
            "elasticloadbalancing:DescribeLoadBalancers",
            |marker| {
                client
                    .describe_load_balancers()
                    .page_size(400)
                    .set_marker(marker)
                    .send()
            },
            |out| out.next_marker(),
            |out| out.load_balancer_descriptions.unwrap_or_default(),
        )
        .await?;
    if listed.is_empty() {
        return Ok(vec![CLASSIC.batch(Vec::new())]);
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
    let absent: &[&str] = &["LoadBalancerNotFound"];
    let (tags, samples) = (&tags, &samples);
    CLASSIC
        .each_listed(unit, listed, |l| {
            let client = &client;
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
                let policies = policies
                    .found()
                    .map(|p| policy_descriptions(p.policy_descriptions()));
                let a = attributes
                    .as_ref()
                    .and_then(|a| a.load_balancer_attributes());
                let tags = tags.get(&name).cloned().unwrap_or_default();
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
                Classic {
                    l,
                    name,
                    attributes,
                    tags,
                    additional,
                    arn,
                    samples: samples.clone(),
                    policies,
                }
            }
        })
        .await
}

collectors! {
    load_balancers: APPLICATION, NETWORK;
    classic_load_balancers: CLASSIC;
}
