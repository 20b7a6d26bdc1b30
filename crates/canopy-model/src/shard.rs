//! One worker's share of the estate: `--shard I/N` splits the ACTIVE accounts of a snapshot
//! deterministically, so N workers given the same snapshot and flags each collect their own
//! accounts and no account twice.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Shard `index` of `count`, 1-based (`2/3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

/// A shard that cannot be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    #[error("`{0}` is not a shard; write I/N with 1 <= I <= N, such as `2/3`")]
    Malformed(String),
    #[error("shard {index} of {count} does not exist; shards are numbered 1 to {count}")]
    OutOfRange { index: u64, count: u32 },
}

impl Shard {
    /// The whole estate: one shard.
    pub const WHOLE: Shard = Shard { index: 1, count: 1 };

    pub fn new(index: u64, count: u32) -> Result<Self, ShardError> {
        if count == 0 || index == 0 || index > u64::from(count) {
            return Err(ShardError::OutOfRange { index, count });
        }
        Ok(Self {
            index: index as u32,
            count,
        })
    }

    /// A shard from an orchestrator's index: Kubernetes' `JOB_COMPLETION_INDEX` and AWS Batch's
    /// `AWS_BATCH_JOB_ARRAY_INDEX` count from 0.
    pub fn from_zero_based(index: &str, count: u32) -> Result<Self, ShardError> {
        let zero: u64 = index
            .trim()
            .parse()
            .map_err(|_| ShardError::Malformed(index.to_owned()))?;
        Self::new(zero.saturating_add(1), count)
    }

    /// Whether the item at `position` (0-based) of a list sorted the same way by every worker
    /// belongs to this shard: round robin, so shards differ in size by one at most.
    pub fn holds(&self, position: usize) -> bool {
        position % self.count as usize == (self.index - 1) as usize
    }

    /// The part of `items` (sorted by `key`, whatever their order) this shard holds.
    pub fn take<T, K: Ord>(&self, mut items: Vec<T>, key: impl Fn(&T) -> K) -> Vec<T> {
        items.sort_by_key(|item| key(item));
        items
            .into_iter()
            .enumerate()
            .filter(|(position, _)| self.holds(*position))
            .map(|(_, item)| item)
            .collect()
    }

    /// `shard-2-of-3`: the name of this shard's files.
    pub fn file_stem(&self) -> String {
        format!("shard-{}-of-{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = ShardError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let malformed = || ShardError::Malformed(s.to_owned());
        let (index, count) = s.trim().split_once('/').ok_or_else(malformed)?;
        let index: u64 = index.trim().parse().map_err(|_| malformed())?;
        let count: u32 = count.trim().parse().map_err(|_| malformed())?;
        Self::new(index, count)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_refuse_what_cannot_be() {
        assert_eq!(
            "2/3".parse::<Shard>().unwrap(),
            Shard { index: 2, count: 3 }
        );
        assert_eq!(Shard::from_zero_based("0", 4).unwrap().to_string(), "1/4");
        for bad in ["0/3", "4/3", "1/0", "x/3", "3", "1/-2"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        assert_eq!(
            "4/3".parse::<Shard>().unwrap_err().to_string(),
            "shard 4 of 3 does not exist; shards are numbered 1 to 3"
        );
        assert!(
            Shard::from_zero_based("3", 3).is_err(),
            "index 3 is the fourth"
        );
    }

    #[test]
    fn shards_split_every_item_once_whatever_the_order() {
        let items: Vec<u32> = (0..10).rev().collect();
        let mut seen = Vec::new();
        for index in 1..=3 {
            let part = Shard { index, count: 3 }.take(items.clone(), |i| *i);
            assert!((3..=4).contains(&part.len()));
            seen.extend(part);
        }
        seen.sort();
        assert_eq!(seen, (0..10).collect::<Vec<_>>());
        assert_eq!(Shard::WHOLE.take(items.clone(), |i| *i).len(), 10);
    }
}
