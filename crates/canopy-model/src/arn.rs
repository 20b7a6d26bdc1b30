//! ARNs and regions, read in one place: every crate that takes an ARN apart or checks a region
//! name does it here.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::IdError;

/// An ARN's fields, borrowed from its text: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
/// The resource keeps any further `:` or `/` (`role/path/name`, `function:name:alias`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// The fields of `text`, when it is an ARN (six fields, `arn` first, a partition).
    pub fn parse(text: &'a str) -> Option<Self> {
        let mut parts = text.splitn(6, ':');
        if parts.next()? != "arn" {
            return None;
        }
        let arn = Self {
            partition: parts.next()?,
            service: parts.next()?,
            region: parts.next()?,
            account: parts.next()?,
            resource: parts.next()?,
        };
        (!arn.partition.is_empty()).then_some(arn)
    }

    /// The partition an ARN (or the start of one, `arn:aws-cn:...`) names.
    pub fn partition_of(text: &str) -> Option<&str> {
        let mut parts = text.splitn(3, ':');
        match (parts.next(), parts.next()) {
            (Some("arn"), Some(partition)) if !partition.is_empty() => Some(partition),
            _ => None,
        }
    }

    /// The account field, when there is one (S3 bucket ARNs have none).
    pub fn account(&self) -> Option<&'a str> {
        (!self.account.is_empty()).then_some(self.account)
    }

    /// The resource's type and the rest: `role/app` -> (`role`, `app`), `function:f` ->
    /// (`function`, `f`), `root` -> (`root`, ``).
    pub fn resource_type(&self) -> (&'a str, &'a str) {
        self.resource
            .split_once(['/', ':'])
            .unwrap_or((self.resource, ""))
    }
}

impl fmt::Display for Arn<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:{}:{}:{}:{}",
            self.partition, self.service, self.region, self.account, self.resource
        )
    }
}

/// A region name (`eu-west-1`), checked where it enters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Region(String);

impl Region {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The partition it belongs to (`cn-north-1` -> `aws-cn`).
    pub fn partition(&self) -> &'static str {
        crate::inventory::region_partition(&self.0)
    }
}

impl FromStr for Region {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let valid = s.split('-').count() >= 3
            && s.split('-').all(|part| !part.is_empty())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if valid {
            Ok(Self(s.to_owned()))
        } else {
            Err(IdError::Region(s.to_owned()))
        }
    }
}

impl TryFrom<String> for Region {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Region> for String {
    fn from(r: Region) -> Self {
        r.0
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn arns_are_read_field_by_field() {
        let arn = Arn::parse("arn:aws:iam::111122223333:role/path/app").unwrap();
        assert_eq!(arn.partition, "aws");
        assert_eq!(arn.service, "iam");
        assert_eq!(arn.region, "");
        assert_eq!(arn.account(), Some("111122223333"));
        assert_eq!(arn.resource_type(), ("role", "path/app"));
        assert_eq!(arn.to_string(), "arn:aws:iam::111122223333:role/path/app");
        let lambda = Arn::parse("arn:aws:lambda:eu-west-1:111122223333:function:f:live").unwrap();
        assert_eq!(lambda.resource_type(), ("function", "f:live"));
        assert_eq!(Arn::parse("arn:aws:s3:::bucket").unwrap().account(), None);
        for bad in ["", "arn", "arn:aws:s3", "urn:aws:s3:::b", "arn::s3:::b"] {
            assert_eq!(Arn::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn regions_are_checked_where_they_enter() {
        let r: Region = "eu-west-1".parse().unwrap();
        assert_eq!(r.partition(), "aws");
        assert_eq!(
            "cn-north-1".parse::<Region>().unwrap().partition(),
            "aws-cn"
        );
        for bad in ["Europe", "eu_west_1", "eu-west-", "EU-WEST-1"] {
            assert!(bad.parse::<Region>().is_err(), "{bad}");
        }
    }
}
