//! Delivering results outside the store: objects to S3 (never overwriting one) and one
//! notification to an SNS topic. Both use the caller's own credentials.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;

use crate::error::AwsError;
use crate::retry::call;
use crate::session::AccountSession;

/// How a new object is encrypted at rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Encryption {
    /// Whatever the bucket's default encryption says (SSE-S3 at least, on AWS).
    BucketDefault,
    /// SSE-KMS with this key (id, ARN or alias).
    Kms(String),
}

fn s3_client(session: &AccountSession, region: &str) -> aws_sdk_s3::Client {
    session.client(region, aws_sdk_s3::Client::new)
}

fn region_of(session: &AccountSession) -> String {
    session
        .config
        .region()
        .map(|r| r.to_string())
        .unwrap_or_else(|| canopy_model::inventory::home_region(&session.partition).to_owned())
}

/// The region `bucket` lives in (`s3:HeadBucket`, which also proves the bucket exists and is
/// visible to these credentials). A bucket elsewhere answers 301 with its region, which is taken.
pub async fn s3_bucket_region(session: &AccountSession, bucket: &str) -> Result<String, AwsError> {
    let here = region_of(session);
    let client = s3_client(session, &here);
    let found = call(&session.scope(), "s3:HeadBucket", None, || async {
        match client.head_bucket().bucket(bucket).send().await {
            Ok(out) => Ok(out.bucket_region().map(str::to_owned)),
            Err(e) => {
                let redirect = e.raw_response().and_then(|r| {
                    (r.status().as_u16() == 301)
                        .then(|| r.headers().get("x-amz-bucket-region"))
                        .flatten()
                        .map(str::to_owned)
                });
                match redirect {
                    Some(region) => Ok(Some(region)),
                    None => Err(e),
                }
            }
        }
    })
    .await?;
    Ok(found.unwrap_or(here))
}

/// Whether any object's key starts with `prefix` (`s3:ListObjectsV2`, one key asked for).
pub async fn s3_prefix_used(
    session: &AccountSession,
    region: &str,
    bucket: &str,
    prefix: &str,
) -> Result<bool, AwsError> {
    let client = s3_client(session, region);
    let out = call(&session.scope(), "s3:ListObjectsV2", None, || {
        client
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .max_keys(1)
            .send()
    })
    .await?;
    Ok(out.key_count().unwrap_or(0) > 0 || !out.contents().is_empty())
}

/// Writes a new object; refuses (`PreconditionFailed`) rather than replace an existing one.
pub async fn s3_put_new(
    session: &AccountSession,
    region: &str,
    bucket: &str,
    key: &str,
    content_type: &str,
    bytes: &[u8],
    encryption: &Encryption,
) -> Result<(), AwsError> {
    let client = s3_client(session, region);
    call(&session.scope(), "s3:PutObject", None, || {
        let put = client
            .put_object()
            .bucket(bucket)
            .key(key)
            .content_type(content_type)
            .if_none_match("*")
            .body(ByteStream::from(bytes.to_vec()));
        match encryption {
            Encryption::BucketDefault => put,
            Encryption::Kms(key_id) => put
                .server_side_encryption(ServerSideEncryption::AwsKms)
                .ssekms_key_id(key_id),
        }
        .send()
    })
    .await?;
    Ok(())
}

/// Every object under `prefix` (`s3:ListObjectsV2`, page after page): keys and sizes.
pub async fn s3_list(
    session: &AccountSession,
    region: &str,
    bucket: &str,
    prefix: &str,
) -> Result<Vec<(String, u64)>, AwsError> {
    let client = s3_client(session, region);
    let mut found = Vec::new();
    crate::page::paginate(
        &session.scope(),
        "s3:ListObjectsV2",
        None,
        |token| {
            client
                .list_objects_v2()
                .bucket(bucket)
                .prefix(prefix)
                .set_continuation_token(token)
                .send()
        },
        |out| out.next_continuation_token(),
        |out| {
            for object in out.contents() {
                if let Some(key) = object.key() {
                    let size = object.size().unwrap_or(0).max(0) as u64;
                    found.push((key.to_owned(), size));
                }
            }
        },
    )
    .await?;
    Ok(found)
}

/// An object's bytes (`s3:GetObject`).
pub async fn s3_get(
    session: &AccountSession,
    region: &str,
    bucket: &str,
    key: &str,
) -> Result<Vec<u8>, AwsError> {
    let client = s3_client(session, region);
    let out = call(&session.scope(), "s3:GetObject", None, || {
        client.get_object().bucket(bucket).key(key).send()
    })
    .await?;
    let bytes = out.body.collect().await.map_err(|e| AwsError {
        kind: crate::ErrorKind::Other,
        account: None,
        operation: "s3:GetObject".to_owned(),
        code: "ReadBody".to_owned(),
        message: format!("s3://{bucket}/{key}: {e}"),
    })?;
    Ok(bytes.into_bytes().to_vec())
}

/// Publishes one message to an SNS topic (in the topic's own region); returns its message id.
pub async fn sns_publish(
    session: &AccountSession,
    topic_arn: &str,
    subject: &str,
    message: &str,
) -> Result<String, AwsError> {
    let region = canopy_model::Arn::parse(topic_arn)
        .map(|arn| arn.region)
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| region_of(session));
    let client = session.client(&region, aws_sdk_sns::Client::new);
    let out = call(&session.scope(), "sns:Publish", None, || {
        client
            .publish()
            .topic_arn(topic_arn)
            .subject(subject)
            .message(message)
            .send()
    })
    .await?;
    Ok(out.message_id().unwrap_or_default().to_owned())
}
