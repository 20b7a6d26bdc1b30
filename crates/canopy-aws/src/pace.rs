//! Client-side pacing modelled on AWS's documented token buckets, so canopy stays inside the
//! limits instead of hammering an API and backing off. One set of buckets per management account,
//! because that is how Organizations throttles.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};

use governor::clock::DefaultClock;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

/// The clock every bucket reads: made once (making one calibrates the CPU's counter, which cost
/// 4% of canopy's CPU when each new bucket made its own).
fn clock() -> DefaultClock {
    static CLOCK: std::sync::OnceLock<DefaultClock> = std::sync::OnceLock::new();
    CLOCK.get_or_init(DefaultClock::default).clone()
}

/// A token bucket: `per_second` sustained, `burst` at once.
pub struct Rate {
    limiter: Option<DefaultDirectRateLimiter>,
}

impl std::fmt::Debug for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rate")
            .field("limited", &self.limiter.is_some())
            .finish()
    }
}

impl Rate {
    /// Pacing for AWS's bucket of `burst` requests refilled at `per_second`. canopy's own
    /// bucket holds back a reserve of a fifth of a second's refill (at least one request, at
    /// most half the burst): requests do not reach AWS in the order and spacing they left (the
    /// latency of each varies), and a bucket run exactly as full as AWS's throttles every
    /// request that overtakes an earlier one. Measured against the simulator's buckets: the
    /// reserve costs 0.2 s per bucket and keeps throttling to the occasional call.
    pub fn new(per_second: u32, burst: u32) -> Self {
        let limiter = NonZeroU32::new(per_second).map(|rate| {
            let reserve = per_second.div_ceil(5).clamp(1, (burst / 2).max(1));
            let burst = NonZeroU32::new(burst.saturating_sub(reserve).max(1)).unwrap_or(rate);
            RateLimiter::direct_with_clock(Quota::per_second(rate).allow_burst(burst), clock())
        });
        Self { limiter }
    }

    /// No limit at all.
    pub fn unlimited() -> Self {
        Self { limiter: None }
    }

    pub(crate) async fn acquire(&self) {
        if let Some(limiter) = &self.limiter {
            limiter.until_ready().await;
        }
    }
}

/// STS: 600 requests a second per calling account (and region), for the AssumeRole calls a
/// fan-out makes.
pub fn sts_rate() -> Rate {
    Rate::new(600, 600)
}

/// Buckets for the Organizations operations canopy calls, per management account.
///
/// Rates from the Organizations quotas page (requests per second, burst); operations it does not
/// list get the most conservative documented value (5/s, burst 8).
#[derive(Debug)]
pub struct OrgRates {
    pub describe_organization: Rate,
    pub list_roots: Rate,
    pub list_ous_for_parent: Rate,
    pub list_accounts_for_parent: Rate,
    pub list_tags_for_resource: Rate,
    pub list_policies: Rate,
    pub describe_policy: Rate,
    pub list_targets_for_policy: Rate,
    pub list_delegated: Rate,
    pub list_service_access: Rate,
}

impl OrgRates {
    /// AWS's documented rates.
    pub fn documented() -> Self {
        Self {
            describe_organization: Rate::new(1, 2),
            list_roots: Rate::new(1, 2),
            list_ous_for_parent: Rate::new(6, 10),
            list_accounts_for_parent: Rate::new(5, 8),
            list_tags_for_resource: Rate::new(10, 15),
            list_policies: Rate::new(5, 8),
            describe_policy: Rate::new(20, 30),
            list_targets_for_policy: Rate::new(5, 8),
            list_delegated: Rate::new(5, 8),
            list_service_access: Rate::new(5, 8),
        }
    }

    /// No pacing (emulators, benchmarks of the pacing itself).
    pub fn unlimited() -> Self {
        Self {
            describe_organization: Rate::unlimited(),
            list_roots: Rate::unlimited(),
            list_ous_for_parent: Rate::unlimited(),
            list_accounts_for_parent: Rate::unlimited(),
            list_tags_for_resource: Rate::unlimited(),
            list_policies: Rate::unlimited(),
            describe_policy: Rate::unlimited(),
            list_targets_for_policy: Rate::unlimited(),
            list_delegated: Rate::unlimited(),
            list_service_access: Rate::unlimited(),
        }
    }
}

/// Token buckets for the APIs AWS throttles per account, per region and per API
/// (`ec2:DescribeInstances`), made on first use. One set per account, dropped with the account's work, so memory
/// follows the accounts in flight, not the estate.
#[derive(Debug)]
pub struct ApiBuckets {
    paced: bool,
    /// region -> API -> bucket (looked up by `&str`: no allocation per call)
    buckets: Mutex<HashMap<String, HashMap<&'static str, Arc<Rate>>>>,
}

impl ApiBuckets {
    /// `paced: false` gives no limits (emulators).
    pub fn new(paced: bool) -> Self {
        Self {
            paced,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// The bucket of `operation` (`ec2:DescribeInstances`) in `region` of this account.
    pub(crate) fn get(&self, region: &str, operation: &'static str) -> Option<Arc<Rate>> {
        if !self.paced {
            return None;
        }
        let mut map = self.buckets.lock().ok()?;
        let in_region = match map.get_mut(region) {
            Some(in_region) => in_region,
            None => map.entry(region.to_owned()).or_default(),
        };
        Some(
            in_region
                .entry(operation)
                .or_insert_with(|| Arc::new(documented_rate(operation)))
                .clone(),
        )
    }
}

/// EC2 read APIs: a bucket of 100 refilled at 20/s per account, region and API (EC2 API
/// reference, "Request throttling"). IAM publishes no per-API rate: 10/s with a burst of 20 is
/// a conservative guess, and IAM is asked once per account anyway. S3 publishes rates for object
/// requests only (thousands a second per prefix), none for a bucket's configuration calls: 50/s
/// with a burst of 100 per configuration API keeps a thousand-bucket account to seconds.
fn documented_rate(operation: &str) -> Rate {
    match operation
        .split_once(':')
        .map_or(operation, |(service, _)| service)
    {
        "ec2" => Rate::new(20, 100),
        "s3" => Rate::new(50, 100),
        _ => Rate::new(10, 20),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_at_once_then_the_bucket_is_empty() {
        let rate = Rate::new(1, 5);
        let limiter = rate.limiter.as_ref().unwrap();
        for _ in 0..4 {
            assert!(limiter.check().is_ok());
        }
        assert!(
            limiter.check().is_err(),
            "the fifth call must wait: one request of AWS's burst is kept in reserve"
        );
        let sts = Rate::new(600, 600);
        let limiter = sts.limiter.as_ref().unwrap();
        let passed = (0..600).take_while(|_| limiter.check().is_ok()).count();
        assert_eq!(passed, 480, "a fifth of a second's refill in reserve");
        for burst in [0, 1, 2] {
            let tiny = Rate::new(5, burst);
            assert!(
                tiny.limiter.as_ref().unwrap().check().is_ok(),
                "a burst of {burst} still lets one request through"
            );
        }
        assert!(Rate::unlimited().limiter.is_none());
    }

    #[test]
    fn buckets_are_per_region_and_service() {
        let buckets = ApiBuckets::new(true);
        let a = buckets.get("eu-west-1", "ec2:DescribeInstances").unwrap();
        let b = buckets.get("eu-west-1", "ec2:DescribeInstances").unwrap();
        let c = buckets.get("us-east-1", "ec2:DescribeInstances").unwrap();
        let d = buckets.get("eu-west-1", "ec2:DescribeRouteTables").unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
        assert!(!Arc::ptr_eq(&a, &d), "each API has its own bucket");
        assert!(
            ApiBuckets::new(false)
                .get("eu-west-1", "ec2:DescribeInstances")
                .is_none()
        );
    }
}
