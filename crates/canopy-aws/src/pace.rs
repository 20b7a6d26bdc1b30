//! Client-side pacing modelled on AWS's documented token buckets, so canopy stays inside the
//! limits instead of hammering an API and backing off. One set of buckets per management account,
//! because that is how Organizations throttles.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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
    /// How long the bucket takes to fill from empty: one left untouched this long is full, the
    /// same as a new one.
    fills_in: Duration,
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
        let fills_in =
            Duration::from_secs_f64(f64::from(burst.max(1)) / f64::from(per_second.max(1)));
        Self { limiter, fills_in }
    }

    /// No limit at all.
    pub fn unlimited() -> Self {
        Self {
            limiter: None,
            fills_in: Duration::ZERO,
        }
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
/// (`ec2:DescribeInstances`), made on first use. One set per account, dropped with the account's
/// work, so memory follows the accounts in flight, not the estate. Most buckets serve one
/// listing per region and are never touched again: a bucket nobody has held for as long as it
/// takes to fill is full, the same as a new one, and is dropped (an account in the window held
/// over a thousand buckets, 12 MB over a window of 128 accounts, before).
#[derive(Debug)]
pub struct ApiBuckets {
    paced: bool,
    inner: Mutex<Buckets>,
}

#[derive(Debug, Default)]
struct Buckets {
    /// region -> API -> bucket (looked up by `&str`: no allocation per call)
    by_region: HashMap<String, HashMap<&'static str, Kept>>,
    /// `get`s since the last look for idle buckets
    since_sweep: u32,
}

#[derive(Debug)]
struct Kept {
    rate: Arc<Rate>,
    /// When a sweep found nobody holding it and nobody has asked for it since.
    idle_since: Option<Instant>,
}

/// How many `get`s between two looks for idle buckets.
const SWEEP_EVERY: u32 = 256;

impl ApiBuckets {
    /// `paced: false` gives no limits (emulators).
    pub fn new(paced: bool) -> Self {
        Self {
            paced,
            inner: Mutex::new(Buckets::default()),
        }
    }

    /// The bucket of `operation` (`ec2:DescribeInstances`) in `region` of this account.
    pub(crate) fn get(&self, region: &str, operation: &'static str) -> Option<Arc<Rate>> {
        if !self.paced {
            return None;
        }
        let mut inner = self.inner.lock().ok()?;
        inner.since_sweep += 1;
        if inner.since_sweep >= SWEEP_EVERY {
            inner.since_sweep = 0;
            inner.sweep(Instant::now());
        }
        let in_region = match inner.by_region.get_mut(region) {
            Some(in_region) => in_region,
            None => inner.by_region.entry(region.to_owned()).or_default(),
        };
        let kept = in_region.entry(operation).or_insert_with(|| Kept {
            rate: Arc::new(documented_rate(operation)),
            idle_since: None,
        });
        kept.idle_since = None;
        Some(kept.rate.clone())
    }

    /// Buckets kept, for tests.
    #[cfg(test)]
    fn kept(&self) -> usize {
        self.inner
            .lock()
            .map(|i| i.by_region.values().map(HashMap::len).sum())
            .unwrap_or(0)
    }
}

impl Buckets {
    /// Drops the buckets nobody has held nor asked for since a sweep at least their fill time
    /// ago (no request has drawn on them since, so they are full), and regions left with none.
    /// A bucket held now is never dropped, nor one handed out since it was found idle.
    fn sweep(&mut self, now: Instant) {
        self.by_region.retain(|_, apis| {
            apis.retain(|_, kept| {
                if Arc::strong_count(&kept.rate) > 1 {
                    kept.idle_since = None;
                    return true;
                }
                match kept.idle_since {
                    None => {
                        kept.idle_since = Some(now);
                        true
                    }
                    Some(since) => now.saturating_duration_since(since) < kept.rate.fills_in,
                }
            });
            if apis.len() * 4 < apis.capacity() {
                apis.shrink_to_fit();
            }
            !apis.is_empty()
        });
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
    fn a_bucket_idle_for_its_fill_time_is_dropped_and_a_held_one_never() {
        let buckets = ApiBuckets::new(true);
        let held = buckets.get("eu-west-1", "ec2:DescribeInstances").unwrap();
        let idle = buckets.get("eu-west-1", "ec2:DescribeVpcs").unwrap();
        let fills_in = idle.fills_in;
        assert_eq!(
            fills_in,
            Duration::from_secs(5),
            "EC2: 100 refilled at 20/s"
        );
        drop(idle);
        let start = Instant::now();
        let sweep = |at: Instant| buckets.inner.lock().unwrap().sweep(at);
        sweep(start);
        assert_eq!(buckets.kept(), 2, "found idle, not yet full");
        sweep(start + fills_in / 2);
        assert_eq!(buckets.kept(), 2);
        // asked for again after it was found idle: its clock starts over
        drop(buckets.get("eu-west-1", "ec2:DescribeVpcs"));
        sweep(start + fills_in);
        assert_eq!(buckets.kept(), 2, "handed out since it was found idle");
        sweep(start + fills_in * 3 / 2);
        assert_eq!(buckets.kept(), 2, "found idle again half a fill time ago");
        sweep(start + fills_in * 2);
        assert_eq!(
            buckets.kept(),
            1,
            "idle for its fill time, so full: dropped"
        );
        sweep(start + fills_in * 10);
        let again = buckets.get("eu-west-1", "ec2:DescribeInstances").unwrap();
        assert!(Arc::ptr_eq(&held, &again), "a held bucket is never dropped");
        drop((held, again));
        sweep(start + fills_in * 11);
        sweep(start + fills_in * 12);
        assert_eq!(buckets.kept(), 0);
        assert!(
            buckets.inner.lock().unwrap().by_region.is_empty(),
            "no empty regions"
        );
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
