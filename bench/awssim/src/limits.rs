//! AWS's documented throttling as token buckets, and the counters the benchmark reads.
//!
//! Rates (requests per second refilled, burst):
//! - EC2 non-mutating actions: 20/s, 100, per account, region and action; the unfiltered and
//!   unpaginated describes (no filter and no MaxResults) of instances, network interfaces,
//!   security groups, snapshots and volumes: 10/s, 50 (EC2 API reference, "Request throttling").
//! - STS: 600/s per calling account and region (STS quotas).
//! - Organizations, per management account (Organizations quotas): ListAccounts 8/12,
//!   ListAccountsForParent and ListParents 5/8, ListOrganizationalUnitsForParent and
//!   ListChildren 6/10, ListTagsForResource 10/15, DescribeAccount 20/30, DescribePolicy 20/30,
//!   ListRoots and DescribeOrganization 1/2, every other action 5/8.
//! - IAM Identity Center (sso, identitystore): 20/s for all its APIs together.
//! - IAM publishes no per-action rate: 20/s, 40 per account and action (the same order as
//!   the rates reported to throttle GetAccountAuthorizationDetails and ListRoles in practice).
//! - Every other service: 20/s, 100 per account, region and action (services' "Rate of
//!   requests" quotas for list and describe actions are this or higher).

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub per_second: f64,
    pub burst: f64,
}

const fn rate(per_second: f64, burst: f64) -> Rate {
    Rate { per_second, burst }
}

/// Which bucket a call draws from: the key's parts and the rate.
pub struct BucketKey<'a> {
    pub account: u64,
    pub region: &'a str,
    pub api: &'a str,
    pub rate: Rate,
}

/// The documented bucket of a call. `unpaginated`: an EC2 describe with no filter and no
/// MaxResults. `management`: the organization's management account (Organizations' buckets
/// are its).
pub fn bucket_for<'a>(
    service: &'a str,
    op: &'a str,
    account: u64,
    region: &'a str,
    unpaginated: bool,
) -> BucketKey<'a> {
    let key = |account, region, api, rate| BucketKey {
        account,
        region,
        api,
        rate,
    };
    match service {
        "ec2" => {
            let heavy = matches!(
                op,
                "DescribeInstances"
                    | "DescribeNetworkInterfaces"
                    | "DescribeSecurityGroups"
                    | "DescribeSnapshots"
                    | "DescribeVolumes"
            );
            if heavy && unpaginated {
                key(account, region, op, rate(10.0, 50.0))
            } else {
                key(account, region, op, rate(20.0, 100.0))
            }
        }
        "sts" => key(account, region, "sts", rate(600.0, 600.0)),
        "organizations" => {
            let r = match op {
                "ListAccounts" => rate(8.0, 12.0),
                "ListAccountsForParent" | "ListParents" => rate(5.0, 8.0),
                "ListOrganizationalUnitsForParent" | "ListChildren" => rate(6.0, 10.0),
                "ListTagsForResource" => rate(10.0, 15.0),
                "DescribeAccount" | "DescribePolicy" => rate(20.0, 30.0),
                "ListRoots" | "DescribeOrganization" => rate(1.0, 2.0),
                _ => rate(5.0, 8.0),
            };
            // per management account, whatever the region
            key(0, "global", op, r)
        }
        "sso" | "identitystore" => key(account, "global", "identity-center", rate(20.0, 20.0)),
        "iam" => key(account, "global", op, rate(20.0, 40.0)),
        _ => key(account, region, op, rate(20.0, 100.0)),
    }
}

struct Bucket {
    tokens: f64,
    at: Instant,
    rate: Rate,
}

/// Token buckets, sharded to keep the lock short; a bucket that has refilled to its burst is
/// forgotten by [`Buckets::sweep`], so memory follows the accounts being worked on.
pub struct Buckets {
    shards: Vec<Mutex<HashMap<u64, Bucket>>>,
}

const SHARDS: usize = 64;

impl Buckets {
    pub fn new() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }

    /// Takes a token; false when the bucket is empty (the call is throttled).
    pub fn take(&self, key: &BucketKey<'_>) -> bool {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (key.account, key.region, key.api).hash(&mut h);
        let hash = h.finish();
        let now = Instant::now();
        let Ok(mut shard) = self.shards[(hash % SHARDS as u64) as usize].lock() else {
            return true;
        };
        let bucket = shard.entry(hash).or_insert(Bucket {
            tokens: key.rate.burst,
            at: now,
            rate: key.rate,
        });
        let elapsed = now.duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * bucket.rate.per_second).min(bucket.rate.burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Forgets every bucket (a new run starts with full buckets).
    pub fn sweep_all(&self) {
        for shard in &self.shards {
            if let Ok(mut map) = shard.lock() {
                map.clear();
            }
        }
    }

    /// Drops the buckets that are full again (they behave as new ones).
    pub fn sweep(&self) -> usize {
        let now = Instant::now();
        let mut kept = 0;
        for shard in &self.shards {
            if let Ok(mut map) = shard.lock() {
                map.retain(|_, b| {
                    let refill =
                        b.tokens + now.duration_since(b.at).as_secs_f64() * b.rate.per_second;
                    refill < b.rate.burst
                });
                kept += map.len();
            }
        }
        kept
    }
}

/// What the benchmark reads from the control endpoint.
#[derive(Default)]
pub struct Stats {
    pub calls: AtomicU64,
    pub throttled: AtomicU64,
    pub errors: AtomicU64,
    pub connections: AtomicU64,
    pub handshakes: AtomicU64,
    pub in_flight: AtomicU64,
    pub peak_in_flight: AtomicU64,
    /// The latency added, summed (microseconds): the concurrency bound's numerator.
    pub latency_us: AtomicU64,
    /// Answers that repeated an earlier successful request exactly (same account, region,
    /// action and parameters): work a client did twice.
    pub repeats: AtomicU64,
    by_api: Mutex<HashMap<String, ApiCount>>,
    seen: Mutex<std::collections::HashSet<u64>>,
}

#[derive(Default, Clone, Copy)]
struct ApiCount {
    calls: u64,
    throttled: u64,
    repeats: u64,
}

impl Stats {
    pub fn record(&self, api: &str, throttled: bool) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        if throttled {
            self.throttled.fetch_add(1, Ordering::Relaxed);
        }
        if let Ok(mut map) = self.by_api.lock() {
            let c = match map.get_mut(api) {
                Some(c) => c,
                None => map.entry(api.to_owned()).or_default(),
            };
            c.calls += 1;
            c.throttled += u64::from(throttled);
        }
    }

    /// Notes a successful request by its fingerprint; counts it when it was seen before.
    pub fn first_time(&self, api: &str, fingerprint: u64) {
        if let Ok(mut seen) = self.seen.lock()
            && !seen.insert(fingerprint)
        {
            self.repeats.fetch_add(1, Ordering::Relaxed);
            if let Ok(mut map) = self.by_api.lock() {
                map.entry(api.to_owned()).or_default().repeats += 1;
            }
        }
    }

    pub fn reset(&self) {
        for c in [
            &self.calls,
            &self.throttled,
            &self.errors,
            &self.connections,
            &self.handshakes,
            &self.peak_in_flight,
            &self.latency_us,
            &self.repeats,
        ] {
            c.store(0, Ordering::Relaxed);
        }
        if let Ok(mut map) = self.by_api.lock() {
            map.clear();
        }
        if let Ok(mut seen) = self.seen.lock() {
            seen.clear();
        }
    }

    pub fn json(&self) -> serde_json::Value {
        let by_api: serde_json::Map<String, serde_json::Value> = self
            .by_api
            .lock()
            .map(|m| {
                let mut v: Vec<_> = m.iter().map(|(k, c)| (k.clone(), *c)).collect();
                v.sort_by(|a, b| a.0.cmp(&b.0));
                v.into_iter()
                    .map(|(k, c)| {
                        (
                            k,
                            serde_json::json!({"calls": c.calls, "throttled": c.throttled, "repeats": c.repeats}),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        serde_json::json!({
            "calls": load(&self.calls),
            "throttled": load(&self.throttled),
            "errors": load(&self.errors),
            "connections": load(&self.connections),
            "handshakes": load(&self.handshakes),
            "peak_in_flight": load(&self.peak_in_flight),
            "latency_seconds": load(&self.latency_us) as f64 / 1e6,
            "repeats": load(&self.repeats),
            "by_api": by_api,
        })
    }
}
