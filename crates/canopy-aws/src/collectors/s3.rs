//! S3 buckets: one global listing per account, then each bucket's configuration read in the
//! bucket's own region with one detail call per sub-resource (policy, policy status, versioning,
//! public access block, encryption, ACL, lifecycle, logging, object lock, ownership controls,
//! replication, website, tags, notifications). A missing sub-resource is a null column (or AWS's
//! documented default); a refused one is noted for `canopy_errors` and the row is kept.
//!
//! JSON columns carry AWS's member names (PascalCase), as the APIs return them and as Steampipe's
//! plugin stores them.

use aws_sdk_s3::Client;
use aws_sdk_s3::types::{
    Grant, Grantee, LifecycleRule, Owner, ReplicationConfiguration, ServerSideEncryptionRule, Tag,
};
use canopy_model::inventory::{Batch, Cell, Row, home_region};
use canopy_model::table::Column;
use serde_json::{Value, json};

use super::{Detail, Unit, json_cell, policy_cells, time, time_text};
use crate::error::AwsError;

/// What is read of one row of `aws_s3_bucket`.
struct Bucket {
    b: Listed,
    policy_doc: Cell,
    policy_std: Cell,
    is_public: Cell,
    versioning_enabled: Cell,
    mfa_delete: Cell,
    block_acls: Cell,
    block_policy: Cell,
    ignore_acls: Cell,
    restrict: Cell,
    encryption: Option<Value>,
    acl: Option<Value>,
    lifecycle: Option<Value>,
    logging: Option<Value>,
    lock: Option<Value>,
    ownership: Option<Value>,
    replication: Option<Value>,
    website: Option<Value>,
    tags: Vec<aws_sdk_s3::types::Tag>,
    notification: Option<Value>,
    arn: String,
}

table! {
    BUCKETS: Bucket = Account "aws_s3_bucket"
        ["s3:ListBuckets", "s3:GetBucketLocation", "s3:GetBucketPolicy", "s3:GetBucketPolicyStatus", "s3:GetBucketVersioning", "s3:GetPublicAccessBlock", "s3:GetBucketEncryption", "s3:GetBucketAcl", "s3:GetBucketLifecycleConfiguration", "s3:GetBucketLogging", "s3:GetObjectLockConfiguration", "s3:GetBucketOwnershipControls", "s3:GetBucketReplication", "s3:GetBucketWebsite", "s3:GetBucketTagging", "s3:GetBucketNotificationConfiguration"],
        "S3 buckets, each with its region, policy, public access settings, encryption, versioning, logging and the rest of its configuration";
    C::text("name", "The bucket's name", |x, _| Cell::Text(x.b.name.clone())).required(),
    C::text("arn", "The ARN", |x, _| Cell::Text(x.arn.clone())),
    C::time("creation_date", "When the bucket was created", |x, _| x.b.created.clone()),
    C::bool("bucket_policy_is_public", "Whether the bucket policy makes it public (false without a policy)", |x, _| x.is_public.clone()),
    C::bool("versioning_enabled", "Whether versioning is enabled", |x, _| x.versioning_enabled.clone()),
    C::bool("versioning_mfa_delete", "Whether MFA delete is enabled", |x, _| x.mfa_delete.clone()),
    C::bool("block_public_acls", "Public access block: BlockPublicAcls (false when none is set)", |x, _| x.block_acls.clone()),
    C::bool("block_public_policy", "Public access block: BlockPublicPolicy (false when none is set)", |x, _| x.block_policy.clone()),
    C::bool("ignore_public_acls", "Public access block: IgnorePublicAcls (false when none is set)", |x, _| x.ignore_acls.clone()),
    C::bool("restrict_public_buckets", "Public access block: RestrictPublicBuckets (false when none is set)", |x, _| x.restrict.clone()),
    C::json("event_notification_configuration", "Event notifications: EventBridgeConfiguration, LambdaFunctionConfigurations, QueueConfigurations, TopicConfigurations", |x, _| json_cell(x.notification.clone())),
    C::json("server_side_encryption_configuration", "Default encryption, {\"Rules\": [...]}; null when none is configured", |x, _| json_cell(x.encryption.clone())),
    C::json("acl", "The ACL: {\"Grants\", \"Owner\"}", |x, _| json_cell(x.acl.clone())),
    C::json("lifecycle_rules", "Lifecycle rules; null when none", |x, _| json_cell(x.lifecycle.clone())),
    C::json("logging", "Server access logging (TargetBucket, TargetPrefix, ...); null when off", |x, _| json_cell(x.logging.clone())),
    C::json("object_lock_configuration", "Object lock (ObjectLockEnabled, Rule); null when none", |x, _| json_cell(x.lock.clone())),
    C::json("object_ownership_controls", "Ownership controls, {\"Rules\": [{\"ObjectOwnership\"}]}; null when none", |x, _| json_cell(x.ownership.clone())),
    C::json("policy", "The bucket policy, as JSON; null without one", |x, _| x.policy_doc.clone()),
    C::json("policy_std", "The bucket policy in Steampipe's canonical form (lists sorted, actions and condition keys lower-cased)", |x, _| x.policy_std.clone()),
    C::json("replication", "Replication (Role, Rules); null when none", |x, _| json_cell(x.replication.clone())),
    C::json("website_configuration", "Static website hosting (IndexDocument, ErrorDocument, RedirectAllRequestsTo, RoutingRules); null when off", |x, _| json_cell(x.website.clone())),
    C::common(Column::TAGS_SRC, |x, _| super::tags_src(x.tags.iter())),
    C::common(Column::TAGS, |x, _| super::tags_of(x.tags.iter())),
    C::common(Column::TITLE, |x, _| Cell::Text(x.b.name.clone())),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
}

/// A bucket as listed.
struct Listed {
    name: String,
    created: Cell,
    region: Option<String>,
}

pub(super) async fn buckets(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let session = unit.session;
    let home = home_region(&session.partition);
    let client = session.client(home, Client::new);
    let mut listed = Vec::new();
    unit.paginate(
        "s3:ListBuckets",
        |token| {
            client
                .list_buckets()
                .max_buckets(10_000)
                .set_continuation_token(token)
                .send()
        },
        |out| out.continuation_token(),
        |out| {
            for b in out.buckets() {
                let Some(name) = b.name() else { continue };
                listed.push(Listed {
                    name: name.to_owned(),
                    created: time(b.creation_date()),
                    region: b.bucket_region().map(str::to_owned),
                });
            }
        },
    )
    .await?;
    let rows: Vec<Option<Row>> =
        super::for_each_listed(listed, |b| bucket_row(unit, &client, home, b)).await;
    Ok(vec![BUCKETS.batch(rows.into_iter().flatten().collect())])
}

/// The region of a bucket whose listing did not say: GetBucketLocation (an empty constraint is
/// us-east-1, `EU` the old name of eu-west-1).
async fn locate(unit: Unit<'_>, client: &Client, home: &str, name: &str) -> Option<String> {
    let found = unit
        .detail(
            home,
            "s3:GetBucketLocation",
            name,
            &["NoSuchBucket"],
            || client.get_bucket_location().bucket(name).send(),
        )
        .await
        .found()?;
    Some(match found.location_constraint().map(|c| c.as_str()) {
        None | Some("") => "us-east-1".to_owned(),
        Some("EU") => "eu-west-1".to_owned(),
        Some(other) => other.to_owned(),
    })
}

/// One bucket's row; `None` when the bucket went away between the listing and its details.
async fn bucket_row(unit: Unit<'_>, home_client: &Client, home: &str, b: Listed) -> Option<Row> {
    let region = match b.region.clone() {
        Some(region) => region,
        None => locate(unit, home_client, home, &b.name).await?,
    };
    let client = unit.session.client(&region, Client::new);
    let name = b.name.as_str();
    let (policy, status, versioning, access, encryption, acl, lifecycle) = tokio::join!(
        unit.detail(
            &region,
            "s3:GetBucketPolicy",
            name,
            &["NoSuchBucketPolicy"],
            || { client.get_bucket_policy().bucket(name).send() }
        ),
        unit.detail(
            &region,
            "s3:GetBucketPolicyStatus",
            name,
            &["NoSuchBucketPolicy"],
            || client.get_bucket_policy_status().bucket(name).send()
        ),
        unit.detail(&region, "s3:GetBucketVersioning", name, &[], || {
            client.get_bucket_versioning().bucket(name).send()
        }),
        unit.detail(
            &region,
            "s3:GetPublicAccessBlock",
            name,
            &["NoSuchPublicAccessBlockConfiguration"],
            || client.get_public_access_block().bucket(name).send()
        ),
        unit.detail(
            &region,
            "s3:GetBucketEncryption",
            name,
            &["ServerSideEncryptionConfigurationNotFoundError"],
            || client.get_bucket_encryption().bucket(name).send()
        ),
        unit.detail(&region, "s3:GetBucketAcl", name, &[], || {
            client.get_bucket_acl().bucket(name).send()
        }),
        unit.detail(
            &region,
            "s3:GetBucketLifecycleConfiguration",
            name,
            &["NoSuchLifecycleConfiguration"],
            || client
                .get_bucket_lifecycle_configuration()
                .bucket(name)
                .send()
        ),
    );
    let (logging, lock, ownership, replication, website, tagging, notification) = tokio::join!(
        unit.detail(&region, "s3:GetBucketLogging", name, &[], || {
            client.get_bucket_logging().bucket(name).send()
        }),
        unit.detail(
            &region,
            "s3:GetObjectLockConfiguration",
            name,
            &["ObjectLockConfigurationNotFoundError"],
            || client.get_object_lock_configuration().bucket(name).send()
        ),
        unit.detail(
            &region,
            "s3:GetBucketOwnershipControls",
            name,
            &["OwnershipControlsNotFoundError"],
            || client.get_bucket_ownership_controls().bucket(name).send()
        ),
        unit.detail(
            &region,
            "s3:GetBucketReplication",
            name,
            &["ReplicationConfigurationNotFoundError"],
            || client.get_bucket_replication().bucket(name).send()
        ),
        unit.detail(
            &region,
            "s3:GetBucketWebsite",
            name,
            &["NoSuchWebsiteConfiguration"],
            || client.get_bucket_website().bucket(name).send()
        ),
        unit.detail(
            &region,
            "s3:GetBucketTagging",
            name,
            &["NoSuchTagSet"],
            || { client.get_bucket_tagging().bucket(name).send() }
        ),
        unit.detail(
            &region,
            "s3:GetBucketNotificationConfiguration",
            name,
            &[],
            || client
                .get_bucket_notification_configuration()
                .bucket(name)
                .send()
        ),
    );

    // a policy missing is no policy (and not public); a refused one is unknown (null)
    let (policy_doc, policy_std) = policy_cells(policy.found().as_ref().and_then(|o| o.policy()));
    let is_public = match status {
        Detail::Found(out) => Cell::Bool(
            out.policy_status()
                .and_then(|s| s.is_public())
                .unwrap_or(false),
        ),
        Detail::Absent => Cell::Bool(false),
        Detail::Refused => Cell::Null,
    };
    let (versioning_enabled, mfa_delete) = match versioning {
        Detail::Found(out) => (
            Cell::Bool(out.status().is_some_and(|s| s.as_str() == "Enabled")),
            Cell::Bool(out.mfa_delete().is_some_and(|s| s.as_str() == "Enabled")),
        ),
        Detail::Absent | Detail::Refused => (Cell::Null, Cell::Null),
    };
    // no public access block configured: every setting is off (AWS's behaviour, Steampipe's value)
    let access_block = match access {
        Detail::Found(out) => out.public_access_block_configuration().map(|c| {
            [
                c.block_public_acls(),
                c.block_public_policy(),
                c.ignore_public_acls(),
                c.restrict_public_buckets(),
            ]
            .map(|v| Cell::Bool(v.unwrap_or(false)))
        }),
        Detail::Absent => Some([false; 4].map(Cell::Bool)),
        Detail::Refused => None,
    };
    let [block_acls, block_policy, ignore_acls, restrict] =
        access_block.unwrap_or([Cell::Null, Cell::Null, Cell::Null, Cell::Null]);
    let encryption = encryption
        .found()
        .and_then(|out| out.server_side_encryption_configuration().cloned())
        .map(|c| json!({"Rules": c.rules().iter().map(encryption_rule).collect::<Vec<_>>()}));
    let acl = acl.found().map(|out| {
        json!({
            "Grants": out.grants().iter().map(grant).collect::<Vec<_>>(),
            "Owner": out.owner().map(owner),
        })
    });
    let lifecycle = lifecycle
        .found()
        .map(|out| Value::Array(out.rules().iter().map(lifecycle_rule).collect()));
    let logging = logging
        .found()
        .and_then(|out| out.logging_enabled().cloned())
        .map(|l| {
            json!({
                "TargetBucket": l.target_bucket(),
                "TargetPrefix": l.target_prefix(),
                "TargetGrants": l.target_grants().iter().map(|g| json!({
                    "Grantee": g.grantee().map(grantee),
                    "Permission": g.permission().map(|p| p.as_str()),
                })).collect::<Vec<_>>(),
            })
        });
    let lock = lock
        .found()
        .and_then(|out| out.object_lock_configuration().cloned())
        .map(|c| {
            json!({
                "ObjectLockEnabled": c.object_lock_enabled().map(|e| e.as_str()),
                "Rule": c.rule().map(|r| json!({
                    "DefaultRetention": r.default_retention().map(|d| json!({
                        "Days": d.days(),
                        "Mode": d.mode().map(|m| m.as_str()),
                        "Years": d.years(),
                    })),
                })),
            })
        });
    let ownership = ownership
        .found()
        .and_then(|out| out.ownership_controls().cloned())
        .map(|c| {
            json!({"Rules": c.rules().iter().map(|r| json!({
                "ObjectOwnership": r.object_ownership().as_str(),
            })).collect::<Vec<_>>()})
        });
    let replication = replication
        .found()
        .and_then(|out| out.replication_configuration().cloned())
        .map(|c| replication_json(&c));
    let website = website.found().map(|out| {
        json!({
            "ErrorDocument": out.error_document().map(|d| json!({"Key": d.key()})),
            "IndexDocument": out.index_document().map(|d| json!({"Suffix": d.suffix()})),
            "RedirectAllRequestsTo": out.redirect_all_requests_to().map(|r| json!({
                "HostName": r.host_name(),
                "Protocol": r.protocol().map(|p| p.as_str()),
            })),
            "RoutingRules": out.routing_rules().iter().map(|r| json!({
                "Condition": r.condition().map(|c| json!({
                    "HttpErrorCodeReturnedEquals": c.http_error_code_returned_equals(),
                    "KeyPrefixEquals": c.key_prefix_equals(),
                })),
                "Redirect": r.redirect().map(|d| json!({
                    "HostName": d.host_name(),
                    "HttpRedirectCode": d.http_redirect_code(),
                    "Protocol": d.protocol().map(|p| p.as_str()),
                    "ReplaceKeyPrefixWith": d.replace_key_prefix_with(),
                    "ReplaceKeyWith": d.replace_key_with(),
                })),
            })).collect::<Vec<_>>(),
        })
    });
    let tags: Vec<Tag> = tagging
        .found()
        .map(|out| out.tag_set().to_vec())
        .unwrap_or_default();
    let notification = notification.found().map(|out| {
        json!({
            "EventBridgeConfiguration": out.event_bridge_configuration().map(|_| json!({})),
            "LambdaFunctionConfigurations": out.lambda_function_configurations().iter().map(|c| json!({
                "Id": c.id(),
                "LambdaFunctionArn": c.lambda_function_arn(),
                "Events": c.events().iter().map(|e| e.as_str()).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "QueueConfigurations": out.queue_configurations().iter().map(|c| json!({
                "Id": c.id(),
                "QueueArn": c.queue_arn(),
                "Events": c.events().iter().map(|e| e.as_str()).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "TopicConfigurations": out.topic_configurations().iter().map(|c| json!({
                "Id": c.id(),
                "TopicArn": c.topic_arn(),
                "Events": c.events().iter().map(|e| e.as_str()).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    });
    let arn = format!("arn:{}:s3:::{name}", unit.session.partition);
    Some(
        BUCKETS
            .row(
                &Bucket {
                    b,
                    policy_doc,
                    policy_std,
                    is_public,
                    versioning_enabled,
                    mfa_delete,
                    block_acls,
                    block_policy,
                    ignore_acls,
                    restrict,
                    encryption,
                    acl,
                    lifecycle,
                    logging,
                    lock,
                    ownership,
                    replication,
                    website,
                    tags,
                    notification,
                    arn,
                },
                unit.cx(),
            )
            // the bucket's own region, not the unit's (`global`)
            .with("region", Cell::Text(region)),
    )
}

fn owner(o: &Owner) -> Value {
    json!({"DisplayName": o.display_name(), "ID": o.id()})
}

fn grantee(g: &Grantee) -> Value {
    json!({
        "DisplayName": g.display_name(),
        "EmailAddress": g.email_address(),
        "ID": g.id(),
        "Type": g.r#type().as_str(),
        "URI": g.uri(),
    })
}

fn grant(g: &Grant) -> Value {
    json!({
        "Grantee": g.grantee().map(grantee),
        "Permission": g.permission().map(|p| p.as_str()),
    })
}

fn encryption_rule(r: &ServerSideEncryptionRule) -> Value {
    json!({
        "ApplyServerSideEncryptionByDefault": r.apply_server_side_encryption_by_default().map(|d| json!({
            "KMSMasterKeyID": d.kms_master_key_id(),
            "SSEAlgorithm": d.sse_algorithm().as_str(),
        })),
        "BucketKeyEnabled": r.bucket_key_enabled(),
    })
}

fn tag(t: &Tag) -> Value {
    json!({"Key": t.key(), "Value": t.value()})
}

// `Prefix` outside a filter is deprecated, and still what older rules carry
#[allow(deprecated)]
fn lifecycle_rule(r: &LifecycleRule) -> Value {
    json!({
        "ID": r.id(),
        "Status": r.status().as_str(),
        "Prefix": r.prefix(),
        "Filter": r.filter().map(|f| json!({
            "Prefix": f.prefix(),
            "Tag": f.tag().map(tag),
            "ObjectSizeGreaterThan": f.object_size_greater_than(),
            "ObjectSizeLessThan": f.object_size_less_than(),
            "And": f.and().map(|a| json!({
                "Prefix": a.prefix(),
                "Tags": a.tags().iter().map(tag).collect::<Vec<_>>(),
                "ObjectSizeGreaterThan": a.object_size_greater_than(),
                "ObjectSizeLessThan": a.object_size_less_than(),
            })),
        })),
        "Expiration": r.expiration().map(|e| json!({
            "Date": time_text(e.date()),
            "Days": e.days(),
            "ExpiredObjectDeleteMarker": e.expired_object_delete_marker(),
        })),
        "Transitions": r.transitions().iter().map(|t| json!({
            "Date": time_text(t.date()),
            "Days": t.days(),
            "StorageClass": t.storage_class().map(|s| s.as_str()),
        })).collect::<Vec<_>>(),
        "NoncurrentVersionExpiration": r.noncurrent_version_expiration().map(|e| json!({
            "NoncurrentDays": e.noncurrent_days(),
            "NewerNoncurrentVersions": e.newer_noncurrent_versions(),
        })),
        "NoncurrentVersionTransitions": r.noncurrent_version_transitions().iter().map(|t| json!({
            "NoncurrentDays": t.noncurrent_days(),
            "NewerNoncurrentVersions": t.newer_noncurrent_versions(),
            "StorageClass": t.storage_class().map(|s| s.as_str()),
        })).collect::<Vec<_>>(),
        "AbortIncompleteMultipartUpload": r.abort_incomplete_multipart_upload().map(|a| json!({
            "DaysAfterInitiation": a.days_after_initiation(),
        })),
    })
}

// `Prefix` outside a filter is deprecated, and still what older rules carry
#[allow(deprecated)]
fn replication_json(c: &ReplicationConfiguration) -> Value {
    json!({
        "Role": c.role(),
        "Rules": c.rules().iter().map(|r| json!({
            "ID": r.id(),
            "Priority": r.priority(),
            "Prefix": r.prefix(),
            "Status": r.status().as_str(),
            "Filter": r.filter().map(|f| json!({
                "Prefix": f.prefix(),
                "Tag": f.tag().map(tag),
                "And": f.and().map(|a| json!({
                    "Prefix": a.prefix(),
                    "Tags": a.tags().iter().map(tag).collect::<Vec<_>>(),
                })),
            })),
            "Destination": r.destination().map(|d| json!({
                "Bucket": d.bucket(),
                "Account": d.account(),
                "StorageClass": d.storage_class().map(|s| s.as_str()),
            })),
            "DeleteMarkerReplication": r.delete_marker_replication().map(|d| json!({
                "Status": d.status().map(|s| s.as_str()),
            })),
        })).collect::<Vec<_>>(),
    })
}

collectors! {
    buckets: BUCKETS;
}
