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

impl AwsError {
    /// A short, specific hint for the user when the fix is known.
    pub fn hint(&self) -> Option<String> {
        match (self.kind, self.operation.as_str()) {
            (ErrorKind::AccessDenied, "sts:AssumeRole") => Some(
                "check that the role exists in that account, trusts your current identity, and that the external id matches".to_owned(),
            ),
            (ErrorKind::AccessDenied, op) if op.starts_with("organizations:") => Some(format!(
                "the account must be the organization's management account or a delegated administrator allowed `{op}`"
            )),
            (_, "s3:HeadBucket") if self.code == "NotFound" || self.code == "NoSuchBucket" => {
                Some("the bucket does not exist (or is not visible to your current credentials); create it or fix --out".to_owned())
            }
            (ErrorKind::AccessDenied, op) if op.starts_with("s3:") => Some(
                "your current credentials need s3:ListBucket and s3:PutObject on the bucket (and kms:GenerateDataKey on the key with --sse-kms-key)".to_owned(),
            ),
            (_, "s3:PutObject") if self.code == "PreconditionFailed" => Some(
                "an object already has that key; canopy never overwrites one: run again".to_owned(),
            ),
            (ErrorKind::AccessDenied, "sns:Publish") => {
                Some("your current credentials need sns:Publish on the topic".to_owned())
            }
            (ErrorKind::NotInOrganization, _) => {
                Some("the account is not a member of an organization".to_owned())
            }
            (ErrorKind::NoCredentials, _) => Some(
                "set AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run `aws sso login`"
                    .to_owned(),
            ),
            (ErrorKind::Throttled, _) => Some(
                "AWS kept throttling after every retry; try again later or lower --concurrency"
                    .to_owned(),
            ),
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
        assert!(e.hint().unwrap().contains("delegated administrator"));
    }
}
