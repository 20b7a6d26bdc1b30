//! Where a command's files go: a local folder or `s3://bucket/prefix` (credential reports'
//! runs, a shard's Parquet export, `collect --export`), parsed once for every command that writes
//! files.

use std::path::PathBuf;

use canopy_aws::Encryption;

/// Where a run's files go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// A local folder.
    Dir(PathBuf),
    /// `s3://bucket/prefix`, written with the caller's own credentials.
    S3 {
        bucket: String,
        /// Without leading or trailing `/`; may be empty.
        prefix: String,
        encryption: Encryption,
    },
}

impl std::fmt::Display for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Dir(dir) => write!(f, "{}", dir.display()),
            Self::S3 { bucket, prefix, .. } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

/// A destination that cannot be used; the front end names its own flags.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DestinationError {
    #[error(
        "`{bucket}` is not a bucket name (3 to 63 lowercase letters, digits, dots and hyphens); write s3://BUCKET/PREFIX"
    )]
    NotABucket { bucket: String },
    #[error("a KMS key goes with an s3:// destination; local files are owner-only instead")]
    KmsWithLocal,
    #[error("the KMS key is empty")]
    EmptyKmsKey,
}

impl Destination {
    /// `s3://BUCKET[/PREFIX]` or a local folder; `kms_key` only goes with S3.
    pub fn parse(out: &str, kms_key: Option<String>) -> Result<Self, DestinationError> {
        let Some(rest) = out.strip_prefix("s3://") else {
            if kms_key.is_some() {
                return Err(DestinationError::KmsWithLocal);
            }
            return Ok(Self::Dir(PathBuf::from(out)));
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let valid = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
            && bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
            && bucket.ends_with(|c: char| c.is_ascii_alphanumeric());
        if !valid {
            return Err(DestinationError::NotABucket {
                bucket: bucket.to_owned(),
            });
        }
        Ok(Self::S3 {
            bucket: bucket.to_owned(),
            prefix: prefix.trim_matches('/').to_owned(),
            encryption: match kms_key {
                Some(key) if key.trim().is_empty() => return Err(DestinationError::EmptyKmsKey),
                Some(key) => Encryption::Kms(key),
                None => Encryption::BucketDefault,
            },
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn destinations_are_read_and_bad_ones_named() {
        assert_eq!(
            Destination::parse("s3://reports-bucket/cred/reports/", None).unwrap(),
            Destination::S3 {
                bucket: "reports-bucket".into(),
                prefix: "cred/reports".into(),
                encryption: Encryption::BucketDefault,
            }
        );
        assert_eq!(
            Destination::parse("s3://reports-bucket", Some("alias/reports".into())).unwrap(),
            Destination::S3 {
                bucket: "reports-bucket".into(),
                prefix: String::new(),
                encryption: Encryption::Kms("alias/reports".into()),
            }
        );
        assert_eq!(
            Destination::parse("./reports", None).unwrap(),
            Destination::Dir(PathBuf::from("./reports"))
        );
        let err = |out: &str, kms: Option<&str>| {
            Destination::parse(out, kms.map(str::to_owned)).unwrap_err()
        };
        assert!(
            err("s3://Reports_Bucket/x", None)
                .to_string()
                .contains("is not a bucket name")
        );
        assert!(
            err("s3://", None)
                .to_string()
                .contains("is not a bucket name")
        );
        assert!(
            err("./reports", Some("alias/k"))
                .to_string()
                .contains("goes with an s3:// destination")
        );
        assert_eq!(
            err("s3://reports-bucket", Some(" ")),
            DestinationError::EmptyKmsKey,
            "the front end words it: --sse-kms-key is empty"
        );
    }
}
