//! canopy's vocabulary: identifiers, accounts, organizational units, policies and the snapshot
//! of one organization as discovered at one moment.
//!
//! Everything here is plain data with no I/O, so every other crate can share it: the AWS crate
//! fills it, the store persists it, the renderers and the CLI read it.

mod arn;
mod ids;
pub mod inventory;
pub mod policy_std;
mod shard;
mod snapshot;
mod stop;
pub mod table;

pub use arn::{Arn, Region};
pub use ids::{AccountId, IdError, OrgId, Partition, RootOrOuId, role_arn};
pub use shard::{Shard, ShardError};
pub use snapshot::{
    Account, AccountRecord, AccountState, DelegatedAdmin, Membership, OrgIndex, OrgSnapshot,
    OrgUnit, Organization, Policy, PolicyTarget, Root, ServiceAccess, TargetType, account_records,
};
pub use stop::{Interrupted, Stop};

/// The RFC 3339 timestamp format every canopy output and the store use (UTC, seconds).
pub fn format_time(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    at.format(&format).unwrap_or_else(|_| at.to_string())
}

/// Parses a timestamp written by [`format_time`] (or any RFC 3339 timestamp).
pub fn parse_time(text: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_in_utc() {
        let at = time::macros::datetime!(2026-11-21 09:30:00 +02:00);
        let text = format_time(at);
        assert_eq!(text, "2026-11-21T07:30:00Z");
        assert_eq!(parse_time(&text), Some(at));
    }
}
