//! One error type for every AWS call, classified so callers can decide: retry, report a missing
//! permission, or give up.

use std::fmt;

/// What kind of failure a call ended in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Throttled and still throttled after every retry.
    Throttled,
    /// A 5xx, a timeout or a broken connection, still failing after every retry.
    Transient,
    /// The caller lacks a permission, or a role cannot be assumed.
    AccessDenied,
    /// The account is not in an organization, or the organization is not visible.
    NotInOrganization,
    /// No usable credentials were found.
    NoCredentials,
    /// Not sent: the user stopped the run before this write's turn came.
    Interrupted,
    /// Anything else (validation, unknown).
    Other,
}

/// A failed AWS call: which account, which operation, AWS's error code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    pub kind: ErrorKind,
    /// The account whose credentials made the call (or the account a role was assumed into).
    pub account: Option<String>,
    /// `organizations:ListRoots`, `sts:AssumeRole`, ...
    pub operation: String,
    pub code: String,
    pub message: String,
}

/// What the user can do about a failed call, when the fix is known. The library names the
/// case; the front end words it (and names its own flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Hint {
    /// The role is missing, does not trust the caller, or the external id does not match.
    AssumeRoleDenied,
    /// An Organizations call was refused: not the management account or a delegated
    /// administrator allowed it.
    OrganizationsDenied,
    /// The destination bucket does not exist or is not visible.
    BucketMissing,
    /// S3 refused the caller (ListBucket, PutObject, or the KMS key).
    S3Denied,
    /// An object already has the key; canopy never overwrites one.
    ObjectExists,
    /// SNS refused the publication.
    SnsPublishDenied,
    /// The account is not a member of an organization.
    NotInOrganization,
    /// No credentials were found.
    NoCredentials,
    /// AWS kept throttling after every retry.
    Throttled,
}

impl AwsError {
    /// A write not sent because the user stopped the run first.
    pub fn interrupted(account: &canopy_model::AccountId, operation: &str) -> Self {
        Self {
            kind: ErrorKind::Interrupted,
            account: Some(account.to_string()),
            operation: operation.to_owned(),
            code: "Interrupted".to_owned(),
            message: canopy_model::Interrupted.to_string(),
        }
    }

    /// What the user can do about it, when the fix is known.
    pub fn hint(&self) -> Option<Hint> {
        match (self.kind, self.operation.as_str()) {
            (ErrorKind::AccessDenied, "sts:AssumeRole") => Some(Hint::AssumeRoleDenied),
            (ErrorKind::AccessDenied, op) if op.starts_with("organizations:") => {
                Some(Hint::OrganizationsDenied)
            }
            (_, "s3:HeadBucket") if self.code == "NotFound" || self.code == "NoSuchBucket" => {
                Some(Hint::BucketMissing)
            }
            (ErrorKind::AccessDenied, op) if op.starts_with("s3:") => Some(Hint::S3Denied),
            (_, "s3:PutObject") if self.code == "PreconditionFailed" => Some(Hint::ObjectExists),
            (ErrorKind::AccessDenied, "sns:Publish") => Some(Hint::SnsPublishDenied),
            (ErrorKind::NotInOrganization, _) => Some(Hint::NotInOrganization),
            (ErrorKind::NoCredentials, _) => Some(Hint::NoCredentials),
            (ErrorKind::Throttled, _) => Some(Hint::Throttled),
            _ => None,
        }
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` failed", self.operation)?;
        if let Some(account) = &self.account {
            write!(f, " in account `{account}`")?;
        }
        write!(f, ": {}", self.code)?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for AwsError {}

/// Maps an AWS error code (and HTTP status) to a kind.
pub(crate) fn classify(code: &str, status: Option<u16>) -> ErrorKind {
    match code {
        "Throttling"
        | "ThrottlingException"
        | "ThrottledException"
        | "TooManyRequestsException"
        | "RequestLimitExceeded"
        | "RequestThrottled"
        | "RequestThrottledException"
        | "SlowDown"
        | "PriorRequestNotComplete"
        | "ProvisionedThroughputExceededException"
        | "BandwidthLimitExceeded"
        | "EC2ThrottledException" => ErrorKind::Throttled,
        "AccessDenied"
        | "AccessDeniedException"
        | "UnauthorizedOperation"
        | "UnauthorizedAccess"
        | "AuthFailure"
        | "InvalidClientTokenId"
        | "SignatureDoesNotMatch"
        | "ExpiredToken"
        | "ExpiredTokenException"
        | "OptInRequired" => ErrorKind::AccessDenied,
        "AWSOrganizationsNotInUseException" => ErrorKind::NotInOrganization,
        "InternalFailure"
        | "InternalError"
        | "InternalServerError"
        | "ServiceUnavailable"
        | "ServiceUnavailableException"
        | "ServiceException"
        | "ConcurrentModificationException"
        | "RequestTimeout"
        | "RequestTimeoutException" => ErrorKind::Transient,
        _ => match status {
            Some(429) => ErrorKind::Throttled,
            Some(s) if s >= 500 => ErrorKind::Transient,
            Some(403) => ErrorKind::AccessDenied,
            _ => ErrorKind::Other,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_classified() {
        assert_eq!(
            classify("ThrottlingException", Some(400)),
            ErrorKind::Throttled
        );
        assert_eq!(
            classify("TooManyRequestsException", Some(400)),
            ErrorKind::Throttled
        );
        assert_eq!(
            classify("AccessDeniedException", Some(400)),
            ErrorKind::AccessDenied
        );
        assert_eq!(classify("Whatever", Some(503)), ErrorKind::Transient);
        assert_eq!(classify("Whatever", Some(429)), ErrorKind::Throttled);
        assert_eq!(classify("ValidationException", Some(400)), ErrorKind::Other);
    }

    #[test]
    fn messages_name_the_account_and_operation() {
        let e = AwsError {
            kind: ErrorKind::AccessDenied,
            account: Some("111122223333".into()),
            operation: "organizations:ListRoots".into(),
            code: "AccessDeniedException".into(),
            message: "You don't have permissions".into(),
        };
        assert_eq!(
            e.to_string(),
            "`organizations:ListRoots` failed in account `111122223333`: AccessDeniedException: You don't have permissions"
        );
        assert_eq!(e.hint(), Some(Hint::OrganizationsDenied));
    }
}
