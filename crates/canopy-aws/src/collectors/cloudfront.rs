//! CloudFront distributions (global): ListDistributions, then per distribution its full
//! configuration (GetDistribution: ETag, logging, caller reference, invalidations, signers),
//! tags and real-time metrics subscription. Custom origin headers keep their names only: they
//! are the usual place for a secret shared with the origin.

use aws_sdk_cloudfront::Client;
use aws_sdk_cloudfront::types::{
    Aliases, CacheBehavior, CacheBehaviors, CustomErrorResponses, DefaultCacheBehavior, Origin,
    OriginGroups, Restrictions, TrustedKeyGroups, TrustedSigners, ViewerCertificate,
};
use canopy_model::inventory::{Batch, Cell};
use canopy_model::table::Column;
use serde_json::{Value, json};

use super::{Unit, json_cell, tags_of, tags_src, time};
use crate::error::AwsError;

/// What is read of one row of `aws_cloudfront_distribution`.
struct Distribution {
    d: aws_sdk_cloudfront::types::DistributionSummary,
    id: String,
    arn: String,
    full: Option<aws_sdk_cloudfront::operation::get_distribution::GetDistributionOutput>,
    e_tag: Option<String>,
    tags: Option<aws_sdk_cloudfront::operation::list_tags_for_resource::ListTagsForResourceOutput>,
    monitoring: Option<Value>,
    trusted_signers: Option<Value>,
    trusted_groups: Option<Value>,
    logging: Option<Value>,
    recordals: Option<Value>,
    web_acl: Option<String>,
}

impl Distribution {
    fn config(&self) -> Option<&aws_sdk_cloudfront::types::DistributionConfig> {
        self.distribution().and_then(|x| x.distribution_config())
    }

    fn distribution(&self) -> Option<&aws_sdk_cloudfront::types::Distribution> {
        self.full.as_ref().and_then(|f| f.distribution())
    }
}

table! {
    DISTRIBUTIONS: Distribution = Global "aws_cloudfront_distribution"
        ["cloudfront:ListDistributions", "cloudfront:GetDistribution", "cloudfront:ListTagsForResource", "cloudfront:GetMonitoringSubscription"],
        "CloudFront distributions: origins, viewer TLS, logging, WAF, geo restrictions";
    C::text("id", "The distribution's id", |x, _| Cell::Text(x.id.clone())).required(),
    C::text("arn", "The distribution's ARN", |x, _| Cell::Text(x.arn.clone())),
    C::text("status", "Deployed or InProgress", |x, _| Cell::Text(x.d.status().to_owned())),
    C::text("caller_reference", "The idempotency token it was created with", |x, _| Cell::text(x.config().map(|c| c.caller_reference()))),
    C::text("comment", "Its comment", |x, _| Cell::Text(x.d.comment().to_owned())),
    C::text("default_root_object", "The object served for the root URL", |x, _| Cell::text(x.config().and_then(|c| c.default_root_object()))),
    C::text("domain_name", "Its cloudfront.net domain", |x, _| Cell::Text(x.d.domain_name().to_owned())),
    C::bool("enabled", "Whether it serves requests", |x, _| Cell::Bool(x.d.enabled())),
    C::text("e_tag", "Its configuration's current version", |x, _| Cell::text(x.e_tag.clone().or_else(|| x.d.e_tag().map(str::to_owned)))),
    C::text("http_version", "The highest HTTP version viewers may use", |x, _| Cell::Text(x.d.http_version().as_str().to_owned())),
    C::bool("is_ipv6_enabled", "Whether it answers over IPv6", |x, _| Cell::Bool(x.d.is_ipv6_enabled())),
    C::int("in_progress_invalidation_batches", "Invalidations in progress", |x, _| Cell::int(x.distribution().map(|x| x.in_progress_invalidation_batches()))),
    C::time("last_modified_time", "When it was last changed", |x, _| time(Some(x.d.last_modified_time()))),
    C::text("price_class", "PriceClass_All, PriceClass_200 or PriceClass_100", |x, _| Cell::Text(x.d.price_class().as_str().to_owned())),
    C::text("web_acl_id", "The WAF web ACL protecting it, if any", |x, _| Cell::text(x.web_acl.as_deref())),
    C::json("active_trusted_key_groups", "Key groups that can sign URLs, with their key ids", |x, _| json_cell(x.trusted_groups.clone())),
    C::json("active_trusted_signers", "Accounts that can sign URLs, with their key pairs", |x, _| json_cell(x.trusted_signers.clone())),
    C::json("aliases", "Its alternate domain names: {\"Quantity\", \"Items\"}", |x, _| json_cell(x.d.aliases().map(aliases))),
    C::json("alias_icp_recordals", "ICP recordal status per alias (China)", |x, _| json_cell(x.recordals.clone())),
    C::json("cache_behaviors", "Its path-specific cache behaviors: {\"Quantity\", \"Items\"}", |x, _| json_cell(x.d.cache_behaviors().map(behaviors))),
    C::json("custom_error_responses", "{\"Quantity\", \"Items\": [{\"ErrorCode\", \"ResponsePagePath\", ...}]}", |x, _| json_cell(x.d.custom_error_responses().map(error_responses))),
    C::json("default_cache_behavior", "Its default behavior: {\"TargetOriginId\", \"ViewerProtocolPolicy\", ...}", |x, _| json_cell(x.d.default_cache_behavior().map(default_behavior))),
    C::json("logging", "Access logs: {\"Enabled\", \"IncludeCookies\", \"Bucket\", \"Prefix\"}", |x, _| json_cell(x.logging.clone())),
    C::json("origins", "Its origins: [{\"Id\", \"DomainName\", \"S3OriginConfig\", \"CustomOriginConfig\", \"OriginAccessControlId\", ...}] (custom header values never kept)", |x, _| json_cell(x.d.origins().map(|o| Value::Array(o.items().iter().map(origin).collect())))),
    C::json("origin_groups", "Its failover origin groups: {\"Quantity\", \"Items\"}", |x, _| json_cell(x.d.origin_groups().map(origin_groups))),
    C::json("restrictions", "{\"GeoRestriction\": {\"RestrictionType\", \"Quantity\", \"Items\"}}", |x, _| json_cell(x.d.restrictions().map(restrictions))),
    C::common(Column::TAGS_SRC, |x, _| tags_src(x.tags.iter().flat_map(|t| t.tags()).flat_map(|t| t.items()))),
    C::json("viewer_certificate", "Viewer TLS: {\"ACMCertificateArn\", \"MinimumProtocolVersion\", \"SSLSupportMethod\", \"CloudFrontDefaultCertificate\", ...}", |x, _| json_cell(x.d.viewer_certificate().map(viewer_certificate))),
    C::json("monitoring_subscription", "{\"RealtimeMetricsSubscriptionConfig\": {\"RealtimeMetricsSubscriptionStatus\"}}", |x, _| json_cell(x.monitoring.clone())),
    C::common(Column::TITLE, |x, _| Cell::Text(x.id.clone())),
    C::common(Column::TAGS, |x, _| tags_of(x.tags.iter().flat_map(|t| t.tags()).flat_map(|t| t.items()))),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
}

fn quantity_items(quantity: i32, items: Vec<Value>) -> Value {
    json!({"Quantity": quantity, "Items": if items.is_empty() { Value::Null } else { Value::Array(items) }})
}

fn aliases(a: &Aliases) -> Value {
    quantity_items(a.quantity(), a.items().iter().map(|i| json!(i)).collect())
}

fn signers(t: Option<&TrustedSigners>) -> Value {
    t.map_or(
        Value::Null,
        |t| json!({"Enabled": t.enabled(), "Quantity": t.quantity(), "Items": t.items()}),
    )
}

fn key_groups(t: Option<&TrustedKeyGroups>) -> Value {
    t.map_or(
        Value::Null,
        |t| json!({"Enabled": t.enabled(), "Quantity": t.quantity(), "Items": t.items()}),
    )
}

/// The fields of a cache behavior the default one shares.
macro_rules! behavior {
    ($b:expr, { $($extra:tt)* }) => {{
        let b = $b;
        json!({
            $($extra)*
            "AllowedMethods": b.allowed_methods().map(|m| json!({
                "Items": m.items().iter().map(|i| i.as_str()).collect::<Vec<_>>(),
                "Quantity": m.quantity(),
            })),
            "CachePolicyId": b.cache_policy_id(),
            "Compress": b.compress(),
            "DefaultTTL": b.default_ttl(),
            "FieldLevelEncryptionId": b.field_level_encryption_id(),
            "FunctionAssociations": b.function_associations().map(|f| json!({
                "Items": f.items().iter().map(|a| json!({
                    "EventType": a.event_type().as_str(),
                    "FunctionARN": a.function_arn(),
                })).collect::<Vec<_>>(),
                "Quantity": f.quantity(),
            })),
            "LambdaFunctionAssociations": b.lambda_function_associations().map(|l| json!({
                "Items": l.items().iter().map(|a| json!({
                    "EventType": a.event_type().as_str(),
                    "IncludeBody": a.include_body(),
                    "LambdaFunctionARN": a.lambda_function_arn(),
                })).collect::<Vec<_>>(),
                "Quantity": l.quantity(),
            })),
            "MaxTTL": b.max_ttl(),
            "MinTTL": b.min_ttl(),
            "OriginRequestPolicyId": b.origin_request_policy_id(),
            "RealtimeLogConfigArn": b.realtime_log_config_arn(),
            "ResponseHeadersPolicyId": b.response_headers_policy_id(),
            "SmoothStreaming": b.smooth_streaming(),
            "TargetOriginId": b.target_origin_id(),
            "TrustedKeyGroups": key_groups(b.trusted_key_groups()),
            "TrustedSigners": signers(b.trusted_signers()),
            "ViewerProtocolPolicy": b.viewer_protocol_policy().as_str(),
        })
    }};
}

// the legacy TTL settings: deprecated for cache policies, still reported for distributions
// that use them
#[allow(deprecated)]
fn default_behavior(b: &DefaultCacheBehavior) -> Value {
    behavior!(b, {})
}

#[allow(deprecated)]
fn cache_behavior(b: &CacheBehavior) -> Value {
    behavior!(b, { "PathPattern": b.path_pattern(), })
}

fn behaviors(c: &CacheBehaviors) -> Value {
    quantity_items(c.quantity(), c.items().iter().map(cache_behavior).collect())
}

fn origin(o: &Origin) -> Value {
    json!({
        "ConnectionAttempts": o.connection_attempts(),
        "ConnectionTimeout": o.connection_timeout(),
        // header values are the usual shared secret with the origin: names only
        "CustomHeaders": o.custom_headers().map(|h| json!({
            "Items": h.items().iter().map(|i| json!({"HeaderName": i.header_name(), "HeaderValue": Value::Null})).collect::<Vec<_>>(),
            "Quantity": h.quantity(),
        })),
        "CustomOriginConfig": o.custom_origin_config().map(|c| json!({
            "HTTPPort": c.http_port(),
            "HTTPSPort": c.https_port(),
            "OriginKeepaliveTimeout": c.origin_keepalive_timeout(),
            "OriginProtocolPolicy": c.origin_protocol_policy().as_str(),
            "OriginReadTimeout": c.origin_read_timeout(),
            "OriginSslProtocols": c.origin_ssl_protocols().map(|p| json!({
                "Items": p.items().iter().map(|i| i.as_str()).collect::<Vec<_>>(),
                "Quantity": p.quantity(),
            })),
        })),
        "DomainName": o.domain_name(),
        "Id": o.id(),
        "OriginAccessControlId": o.origin_access_control_id(),
        "OriginPath": o.origin_path(),
        "OriginShield": o.origin_shield().map(|s| json!({"Enabled": s.enabled(), "OriginShieldRegion": s.origin_shield_region()})),
        "S3OriginConfig": o.s3_origin_config().map(|s| json!({
            "OriginAccessIdentity": s.origin_access_identity(),
            "OriginReadTimeout": s.origin_read_timeout(),
        })),
    })
}

fn origin_groups(g: &OriginGroups) -> Value {
    quantity_items(
        g.quantity(),
        g.items()
            .iter()
            .map(|i| {
                json!({
                    "FailoverCriteria": i.failover_criteria().and_then(|f| f.status_codes()).map(|s| json!({
                        "StatusCodes": {"Items": s.items(), "Quantity": s.quantity()},
                    })),
                    "Id": i.id(),
                    "Members": i.members().map(|m| json!({
                        "Items": m.items().iter().map(|x| json!({"OriginId": x.origin_id()})).collect::<Vec<_>>(),
                        "Quantity": m.quantity(),
                    })),
                })
            })
            .collect(),
    )
}

fn error_responses(c: &CustomErrorResponses) -> Value {
    quantity_items(
        c.quantity(),
        c.items()
            .iter()
            .map(|e| {
                json!({
                    "ErrorCachingMinTTL": e.error_caching_min_ttl(),
                    "ErrorCode": e.error_code(),
                    "ResponseCode": e.response_code(),
                    "ResponsePagePath": e.response_page_path(),
                })
            })
            .collect(),
    )
}

fn restrictions(r: &Restrictions) -> Value {
    json!({
        "GeoRestriction": r.geo_restriction().map(|g| json!({
            "Items": g.items(),
            "Quantity": g.quantity(),
            "RestrictionType": g.restriction_type().as_str(),
        })),
    })
}

// `Certificate` and `CertificateSource`: deprecated, still reported
#[allow(deprecated)]
fn viewer_certificate(v: &ViewerCertificate) -> Value {
    json!({
        "ACMCertificateArn": v.acm_certificate_arn(),
        "Certificate": v.certificate(),
        "CertificateSource": v.certificate_source().map(|s| s.as_str()),
        "CloudFrontDefaultCertificate": v.cloud_front_default_certificate(),
        "IAMCertificateId": v.iam_certificate_id(),
        "MinimumProtocolVersion": v.minimum_protocol_version().map(|m| m.as_str()),
        "SSLSupportMethod": v.ssl_support_method().map(|m| m.as_str()),
    })
}

pub(super) async fn distributions(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let session = unit.session;
    let client = session.client(
        canopy_model::inventory::home_region(&session.partition),
        Client::new,
    );
    let mut listed = Vec::new();
    unit.paginate(
        "cloudfront:ListDistributions",
        |marker| {
            client
                .list_distributions()
                .max_items(1000)
                .set_marker(marker)
                .send()
        },
        |out| out.distribution_list().and_then(|l| l.next_marker()),
        |out| {
            if let Some(list) = out.distribution_list() {
                listed.extend(list.items().iter().cloned());
            }
        },
    )
    .await?;
    let absent: &[&str] = &[
        "NoSuchDistribution",
        "NoSuchMonitoringSubscription",
        "NoSuchResource",
    ];
    DISTRIBUTIONS.each_listed(unit, listed, |d| {
        let client = &client;
        async move {
            let id = d.id().to_owned();
            let arn = d.arn().to_owned();
            let (full, tags, monitoring) = tokio::join!(
                unit.detail(unit.region, "cloudfront:GetDistribution", &id, absent, || {
                    client.get_distribution().id(&id).send()
                }),
                unit.detail(unit.region, "cloudfront:ListTagsForResource", &id, absent, || {
                    client.list_tags_for_resource().resource(&arn).send()
                }),
                unit.detail(unit.region, "cloudfront:GetMonitoringSubscription", &id, absent, || {
                    client.get_monitoring_subscription().distribution_id(&id).send()
                }),
            );
            let full = full.found();
            let e_tag = full.as_ref().and_then(|f| f.e_tag()).map(str::to_owned);
            let distribution = full.as_ref().and_then(|f| f.distribution());
            let config = distribution.and_then(|x| x.distribution_config());
            let tags = tags.found();
            let monitoring = monitoring.found().and_then(|m| m.monitoring_subscription().cloned()).map(|m| {
                json!({
                    "RealtimeMetricsSubscriptionConfig": m.realtime_metrics_subscription_config().map(|c| json!({
                        "RealtimeMetricsSubscriptionStatus": c.realtime_metrics_subscription_status().as_str(),
                    })),
                })
            });
            let trusted_signers = distribution.and_then(|x| x.active_trusted_signers()).map(|s| {
                json!({
                    "Enabled": s.enabled(),
                    "Items": s.items().iter().map(|i| json!({
                        "AwsAccountNumber": i.aws_account_number(),
                        "KeyPairIds": i.key_pair_ids().map(|k| json!({"Items": k.items(), "Quantity": k.quantity()})),
                    })).collect::<Vec<_>>(),
                    "Quantity": s.quantity(),
                })
            });
            let trusted_groups = distribution.and_then(|x| x.active_trusted_key_groups()).map(|g| {
                json!({
                    "Enabled": g.enabled(),
                    "Items": g.items().iter().map(|i| json!({
                        "KeyGroupId": i.key_group_id(),
                        "KeyPairIds": i.key_pair_ids().map(|k| json!({"Items": k.items(), "Quantity": k.quantity()})),
                    })).collect::<Vec<_>>(),
                    "Quantity": g.quantity(),
                })
            });
            let logging = config.and_then(|c| c.logging()).map(|l| {
                json!({
                    "Bucket": l.bucket(),
                    "Enabled": l.enabled(),
                    "IncludeCookies": l.include_cookies(),
                    "Prefix": l.prefix(),
                })
            });
            let recordals = (!d.alias_icp_recordals().is_empty()).then(|| {
                Value::Array(
                    d.alias_icp_recordals()
                        .iter()
                        .map(|r| json!({"CNAME": r.cname(), "ICPRecordalStatus": r.icp_recordal_status().map(|s| s.as_str())}))
                        .collect(),
                )
            });
            let web_acl = Some(d.web_acl_id()).filter(|w| !w.is_empty()).map(str::to_owned);
            Distribution {
                    d,
                    id,
                    arn,
                    full,
                    e_tag,
                    tags,
                    monitoring,
                    trusted_signers,
                    trusted_groups,
                    logging,
                    recordals,
                    web_acl,
                }
        }
    })
    .await
}

collectors! {
    distributions: DISTRIBUTIONS;
}
