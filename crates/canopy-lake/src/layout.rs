//! Where a shard's files go: the run id and day every shard of a run shares, and the keys
//! (relative paths, or object keys under a prefix) of its data files and manifest.

use std::fmt;
use std::str::FromStr;

use canopy_model::Shard;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A run's id: shards of one run share it (it names the `run=` partition). By default the
/// moment the organization snapshot was taken, `20261128T093000Z`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RunId(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a run id: 1 to 64 letters, digits, `.`, `_` or `-` (it names a folder and an S3 key part)"
)]
pub struct RunIdError(String);

impl RunId {
    /// The run id of a run as of `at`: `YYYYMMDDTHHMMSSZ` (UTC), which sorts as time does.
    pub fn at(at: OffsetDateTime) -> Self {
        let at = at.to_offset(time::UtcOffset::UTC);
        let format =
            time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
        Self(
            at.format(&format)
                .unwrap_or_else(|_| at.unix_timestamp().to_string()),
        )
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for RunId {
    type Err = RunIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let ok = (1..=64).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
            && s != "."
            && s != "..";
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(RunIdError(s.to_owned()))
        }
    }
}

impl TryFrom<String> for RunId {
    type Error = RunIdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<RunId> for String {
    fn from(r: RunId) -> Self {
        r.0
    }
}

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The day and run a shard's files belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    /// `YYYY-MM-DD` (UTC) of the run.
    pub dt: String,
    pub run: RunId,
}

/// The folder of canopy's own files (manifests, the organization snapshots): a leading `_`
/// hides it from Hive, Athena, Trino and DuckDB's globs over the tables.
pub const META_DIR: &str = "_canopy";

impl Partition {
    /// The partition of `run`, on the day of `at` (UTC).
    pub fn new(run: RunId, at: OffsetDateTime) -> Self {
        let at = at.to_offset(time::UtcOffset::UTC);
        let format = time::macros::format_description!("[year]-[month]-[day]");
        Self {
            dt: at.format(&format).unwrap_or_default(),
            run,
        }
    }

    fn folder(&self) -> String {
        format!("dt={}/run={}", self.dt, self.run)
    }

    /// `<table>/dt=.../run=.../shard-i-of-N.parquet`
    pub fn data_key(&self, table: &str, shard: Shard) -> String {
        format!("{table}/{}/{}.parquet", self.folder(), shard.file_stem())
    }

    /// `_canopy/dt=.../run=.../shard-i-of-N.json`: written last.
    pub fn manifest_key(&self, shard: Shard) -> String {
        format!("{META_DIR}/{}/{}.json", self.folder(), shard.file_stem())
    }

    /// `_canopy/dt=.../run=.../organizations.json`: the snapshots, written by shard 1.
    pub fn organizations_key(&self) -> String {
        format!("{META_DIR}/{}/organizations.json", self.folder())
    }

    /// The partition a manifest key names (`_canopy/dt=D/run=R/shard-...json`), if it is one.
    pub fn of_manifest_key(key: &str) -> Option<(Self, String)> {
        let rest = key.strip_prefix(META_DIR)?.strip_prefix('/')?;
        let mut parts = rest.split('/');
        let dt = parts.next()?.strip_prefix("dt=")?.to_owned();
        let run = parts.next()?.strip_prefix("run=")?.parse().ok()?;
        let file = parts.next()?;
        if parts.next().is_some() || !file.starts_with("shard-") || !file.ends_with(".json") {
            return None;
        }
        Some((Self { dt, run }, file.to_owned()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn keys_put_every_shard_of_a_run_under_one_day_and_run() {
        let at = time::macros::datetime!(2026-11-28 23:59:30 UTC);
        let part = Partition::new(RunId::at(at), at);
        let shard = Shard { index: 2, count: 3 };
        assert_eq!(
            part.data_key("aws_vpc", shard),
            "aws_vpc/dt=2026-11-28/run=20261128T235930Z/shard-2-of-3.parquet"
        );
        let manifest = part.manifest_key(shard);
        assert_eq!(
            manifest,
            "_canopy/dt=2026-11-28/run=20261128T235930Z/shard-2-of-3.json"
        );
        assert_eq!(
            Partition::of_manifest_key(&manifest),
            Some((part.clone(), "shard-2-of-3.json".to_owned()))
        );
        assert_eq!(Partition::of_manifest_key(&part.organizations_key()), None);
        for bad in ["", "a/b", "..", "x y", &"r".repeat(65)] {
            assert!(bad.parse::<RunId>().is_err(), "{bad}");
        }
        assert!("nightly-2026.11.28_a".parse::<RunId>().is_ok());
    }
}
