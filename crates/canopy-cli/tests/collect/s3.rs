//! S3: one listing per account, one call per bucket and configuration, and the buckets' rows.

use serde_json::json;

use super::Collected;

/// The checks of this family on the estate collect read.
pub(super) fn check(c: &Collected) {
    let s = &c.s;
    let prod = &c.prod;
    assert_eq!(s.moto.count("ListBuckets"), 3);
    // one call per bucket and configuration, nothing more: two buckets in prod
    for detail in [
        "GetBucketPolicy",
        "GetBucketPolicyStatus",
        "GetBucketVersioning",
        "GetPublicAccessBlock",
        "GetBucketEncryption",
        "GetBucketAcl",
        "GetBucketLifecycleConfiguration",
        "GetBucketLogging",
        "GetObjectLockConfiguration",
        "GetBucketOwnershipControls",
        "GetBucketReplication",
        "GetBucketWebsite",
        "GetBucketTagging",
        "GetBucketNotificationConfiguration",
    ] {
        assert_eq!(s.moto.count(detail), 2, "{detail}");
    }

    // buckets: each in its own region, with its configuration; a public policy shows
    let buckets = s.query("select name, region, account_id, bucket_policy_is_public, versioning_enabled, block_public_acls, restrict_public_buckets, server_side_encryption_configuration -> 'Rules' -> 0 -> 'ApplyServerSideEncryptionByDefault' ->> 'SSEAlgorithm' as sse, tags ->> 'team' as team, policy is null as no_policy, policy_std -> 'Statement' -> 0 -> 'Principal' -> 'AWS' ->> 0 as principal from aws_s3_bucket order by name");
    assert_eq!(
        buckets,
        vec![
            json!({"name": "prod-flow-logs", "region": "eu-west-1", "account_id": prod,
                   "bucket_policy_is_public": false, "versioning_enabled": true,
                   "block_public_acls": true, "restrict_public_buckets": true, "sse": "AES256",
                   "team": "network", "no_policy": true, "principal": null}),
            json!({"name": "prod-public-site", "region": "eu-west-1", "account_id": prod,
                   "bucket_policy_is_public": true, "versioning_enabled": false,
                   "block_public_acls": false, "restrict_public_buckets": false, "sse": null,
                   "team": null, "no_policy": false, "principal": "*"}),
        ]
    );
}
