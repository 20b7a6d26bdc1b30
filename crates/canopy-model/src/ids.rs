//! Validated identifiers, so that a malformed account id is refused where it enters, not deep
//! inside an API call.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A malformed identifier given by the user or returned by an API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("`{0}` is not an AWS account id (expected 12 digits)")]
    Account(String),
    #[error(
        "`{0}` is not an organization id (expected `o-` and 10 to 32 lowercase letters or digits)"
    )]
    Org(String),
    #[error("`{0}` is not a root or OU id (expected `r-...` or `ou-...`)")]
    Node(String),
    #[error("`{0}` is not a region name (like `eu-west-1`)")]
    Region(String),
}

/// A 12-digit AWS account id. Leading zeros are significant.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AccountId(String);

impl AccountId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for AccountId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(s.to_owned()))
        } else {
            Err(IdError::Account(s.to_owned()))
        }
    }
}

impl TryFrom<String> for AccountId {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<AccountId> for String {
    fn from(id: AccountId) -> Self {
        id.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An organization id, `o-` followed by 10 to 32 lowercase letters or digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrgId(String);

impl OrgId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for OrgId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let ok = s.strip_prefix("o-").is_some_and(|rest| {
            (10..=32).contains(&rest.len())
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(IdError::Org(s.to_owned()))
        }
    }
}

impl TryFrom<String> for OrgId {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<OrgId> for String {
    fn from(id: OrgId) -> Self {
        id.0
    }
}

impl fmt::Display for OrgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The id of a node in the OU tree: the root (`r-...`) or an organizational unit (`ou-...`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RootOrOuId(String);

impl RootOrOuId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for RootOrOuId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if (s.starts_with("r-") || s.starts_with("ou-"))
            && s.len() > 3
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            Ok(Self(s.to_owned()))
        } else {
            Err(IdError::Node(s.to_owned()))
        }
    }
}

impl TryFrom<String> for RootOrOuId {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<RootOrOuId> for String {
    fn from(id: RootOrOuId) -> Self {
        id.0
    }
}

impl fmt::Display for RootOrOuId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An AWS partition (`aws`, `aws-cn`, `aws-us-gov`, ...), taken from an ARN.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Partition(String);

impl Partition {
    pub fn aws() -> Self {
        Self("aws".to_owned())
    }

    /// The partition named by an ARN (`arn:PARTITION:...`), if the text is an ARN.
    pub fn of_arn(arn: &str) -> Option<Self> {
        crate::Arn::partition_of(arn).map(|p| Self(p.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The ARN of an IAM role in an account: `arn:PARTITION:iam::ACCOUNT:role/NAME` (the name may
/// carry a path, `audit/reader`).
pub fn role_arn(partition: &Partition, account: &AccountId, role: &str) -> String {
    crate::Arn {
        partition: partition.as_str(),
        service: "iam",
        region: "",
        account: account.as_str(),
        resource: &format!("role/{}", role.trim_start_matches('/')),
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids_keep_leading_zeros_and_refuse_garbage() {
        assert_eq!(
            "012345678901".parse::<AccountId>().map(|a| a.to_string()),
            Ok("012345678901".to_owned())
        );
        assert!("12345".parse::<AccountId>().is_err());
        assert!("12345678901a".parse::<AccountId>().is_err());
    }

    #[test]
    fn org_and_node_ids() {
        assert!("o-a1b2c3d4e5".parse::<OrgId>().is_ok());
        assert!("o-A1".parse::<OrgId>().is_err());
        assert!("r-ab12".parse::<RootOrOuId>().is_ok());
        assert!("ou-ab12-11111111".parse::<RootOrOuId>().is_ok());
        assert!("Sports".parse::<RootOrOuId>().is_err());
    }

    #[test]
    fn partitions_come_from_arns() {
        assert_eq!(
            Partition::of_arn("arn:aws-cn:organizations::1:account/o-x/1").map(|p| p.to_string()),
            Some("aws-cn".to_owned())
        );
        assert_eq!(Partition::of_arn("not-an-arn"), None);
    }
}
