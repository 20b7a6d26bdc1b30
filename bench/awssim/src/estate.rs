//! The synthetic estate: N accounts in a tree of OUs, generated from a seed, never stored. Every
//! answer is computed from (seed, account, region), so 10,000 accounts cost no memory.
//!
//! Sizes follow a long tail: an account's instance count is a Pareto draw (most accounts have
//! none or a handful, a few have thousands), four fifths in the account's home region and the
//! rest in one other region. Every region has a default VPC (three subnets, a security group, a
//! route table, an internet gateway), as in AWS.

/// Account ids are `BASE + index`; index 0 is the management account.
pub const BASE: u64 = 100_000_000_000;

/// The 17 regions every account has enabled by default, then opt-in regions not opted into.
pub const REGIONS: [&str; 17] = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "ap-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "sa-east-1",
];
pub const OPT_IN_REGIONS: [&str; 4] = ["af-south-1", "ap-east-1", "eu-south-1", "me-south-1"];

pub const ORG_ID: &str = "o-sim0000001";
pub const ROOT_ID: &str = "r-sim1";

#[derive(Debug, Clone)]
pub struct Estate {
    pub accounts: u64,
    pub ous: u64,
    pub seed: u64,
    /// The instance count of the largest account (the Pareto draw is capped here).
    pub max_instances: u64,
    /// The Pareto shape: lower is a longer tail.
    pub alpha: f64,
    /// `--uniform N`: every account gets N instances (no tail), for the tail's comparison run.
    pub uniform: Option<u64>,
}

/// SplitMix64: a fast, well-mixed hash of a 64-bit value.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A uniform draw in (0, 1] from a hash.
fn unit(h: u64) -> f64 {
    ((h >> 11) as f64 + 1.0) / (1u64 << 53) as f64
}

impl Estate {
    fn draw(&self, account: u64, what: u64) -> u64 {
        mix(self.seed ^ mix(account.wrapping_mul(0x1000_0001) ^ what))
    }

    pub fn id(index: u64) -> String {
        format!("{:012}", BASE + index)
    }

    pub fn index(id: &str) -> Option<u64> {
        id.parse::<u64>().ok()?.checked_sub(BASE)
    }

    pub fn exists(&self, index: u64) -> bool {
        index < self.accounts
    }

    pub fn name(index: u64) -> String {
        if index == 0 {
            "management".to_owned()
        } else {
            format!("acct-{index:05}")
        }
    }

    /// One account in two hundred is suspended (closed); the management account never.
    pub fn suspended(&self, index: u64) -> bool {
        index != 0 && self.draw(index, 1).is_multiple_of(200)
    }

    /// The tree: `ous` OUs, about the square root of them under the root and the rest spread
    /// under those.
    pub fn top_ous(&self) -> u64 {
        if self.ous == 0 {
            return 0;
        }
        ((self.ous as f64).sqrt().round() as u64).clamp(1, self.ous)
    }

    pub fn ou_id(j: u64) -> String {
        format!("ou-sim1-{j:08x}")
    }

    pub fn ou_index(id: &str) -> Option<u64> {
        u64::from_str_radix(id.strip_prefix("ou-sim1-")?, 16).ok()
    }

    /// The OUs directly under `parent` (`None` = the root).
    pub fn ou_children(&self, parent: Option<u64>) -> Vec<u64> {
        let top = self.top_ous();
        match parent {
            None => (0..top).collect(),
            Some(p) if p < top => (top..self.ous).filter(|j| j % top == p).collect(),
            Some(_) => Vec::new(),
        }
    }

    /// The account's parent: the root for the management account and one account in fifty,
    /// else OU `index % ous`.
    pub fn account_parent(&self, index: u64) -> Option<u64> {
        if index == 0 || self.ous == 0 || index.is_multiple_of(50) {
            None
        } else {
            Some(index % self.ous)
        }
    }

    /// The accounts directly under `parent`, in index order.
    pub fn accounts_under(&self, parent: Option<u64>) -> Vec<u64> {
        match parent {
            None if self.ous == 0 => (0..self.accounts).collect(),
            None => (0..self.accounts).step_by(50).collect(),
            Some(p) => {
                let start = if p == 0 { self.ous } else { p };
                (start..self.accounts)
                    .step_by(self.ous as usize)
                    .filter(|i| !i.is_multiple_of(50))
                    .collect()
            }
        }
    }

    /// The account's tags: three, as a platform team sets them.
    pub fn tags(&self, index: u64) -> Vec<(&'static str, String)> {
        let h = self.draw(index, 2);
        let env = ["prod", "staging", "dev", "sandbox"][(h % 4) as usize];
        vec![
            ("env", env.to_owned()),
            ("owner", format!("team-{:03}", (h >> 8) % 300)),
            ("cost-center", format!("cc-{:04}", (h >> 20) % 5000)),
        ]
    }

    /// Instances in the whole account: a Pareto draw, capped.
    pub fn instances_total(&self, index: u64) -> u64 {
        if let Some(n) = self.uniform {
            return n;
        }
        let u = unit(self.draw(index, 3));
        let x = u.powf(-1.0 / self.alpha);
        ((x - 1.0).floor() as u64).min(self.max_instances)
    }

    fn home_region(&self, index: u64) -> usize {
        (self.draw(index, 4) % REGIONS.len() as u64) as usize
    }

    fn second_region(&self, index: u64) -> usize {
        let off = 1 + self.draw(index, 5) % (REGIONS.len() as u64 - 1);
        (self.home_region(index) + off as usize) % REGIONS.len()
    }

    /// Instances in one region of the account.
    pub fn instances(&self, index: u64, region: &str) -> u64 {
        let Some(r) = REGIONS.iter().position(|x| *x == region) else {
            return 0;
        };
        let total = self.instances_total(index);
        let second = total / 5;
        if r == self.home_region(index) {
            total - second
        } else if r == self.second_region(index) {
            second
        } else {
            0
        }
    }

    /// Extra security groups in a region (one per ten instances), beside the default one.
    pub fn security_groups(&self, index: u64, region: &str) -> u64 {
        1 + self.instances(index, region) / 10
    }

    /// IAM roles: the access role and a few more, growing with the account.
    pub fn roles(&self, index: u64) -> u64 {
        3 + (self.instances_total(index) / 20).min(500)
    }

    /// IAM users: few; most accounts have none.
    pub fn users(&self, index: u64) -> u64 {
        (self.draw(index, 6) % 3) + (self.instances_total(index) / 100).min(50)
    }

    /// S3 buckets: one or two, more in busy accounts.
    pub fn buckets(&self, index: u64) -> u64 {
        1 + self.draw(index, 7) % 2 + (self.instances_total(index) / 50).min(100)
    }

    /// The home region of the account's bucket `b`.
    pub fn bucket_region(&self, index: u64, b: u64) -> &'static str {
        if b == 0 {
            REGIONS[self.home_region(index)]
        } else {
            REGIONS[(self.draw(index, 100 + b) % REGIONS.len() as u64) as usize]
        }
    }

    /// The largest account by instances, and its count.
    pub fn largest(&self) -> (u64, u64) {
        (0..self.accounts)
            .map(|i| (i, self.instances_total(i)))
            .max_by_key(|&(i, n)| (n, std::cmp::Reverse(i)))
            .unwrap_or((0, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estate(accounts: u64, ous: u64) -> Estate {
        Estate {
            accounts,
            ous,
            seed: 7,
            max_instances: 3000,
            alpha: 1.2,
            uniform: None,
        }
    }

    #[test]
    fn every_account_has_exactly_one_parent_listing() {
        let e = estate(1003, 37);
        let mut seen = vec![0u32; 1003];
        for a in e.accounts_under(None) {
            seen[a as usize] += 1;
        }
        for j in 0..37 {
            for a in e.accounts_under(Some(j)) {
                assert_eq!(e.account_parent(a), Some(j));
                seen[a as usize] += 1;
            }
        }
        assert!(seen.iter().all(|&n| n == 1));
        let mut ous = e.ou_children(None);
        for t in e.ou_children(None) {
            ous.extend(e.ou_children(Some(t)));
        }
        ous.sort();
        assert_eq!(ous, (0..37).collect::<Vec<_>>());
    }

    #[test]
    fn the_tail_is_long() {
        let e = estate(10_000, 500);
        let sizes: Vec<u64> = (0..10_000).map(|i| e.instances_total(i)).collect();
        let small = sizes.iter().filter(|&&n| n <= 2).count();
        assert!(small > 6000, "most accounts are small: {small}");
        assert!(e.largest().1 >= 1000, "a few are huge: {:?}", e.largest());
        let r: u64 = REGIONS.iter().map(|r| e.instances(42, r)).sum();
        assert_eq!(r, e.instances_total(42));
    }
}
