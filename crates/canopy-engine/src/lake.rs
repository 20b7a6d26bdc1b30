//! Handing the estate between workers and to query engines: the organization snapshots as one
//! file (`org export`, read back by `--snapshot`, so N workers do not each sync against the
//! management account), the store's tables as Parquet (`export`, one file per table and shard,
//! the manifest last), and exported Parquet back into a store (`import`, every shard of one run
//! in one transaction). Each lands in a folder or under an `s3://` prefix; S3 objects are only
//! ever new.
//!
//! Over 600 lines: the three hand-offs of one format (the organizations' file, a shard's export,
//! the import of a run's shards) share its paths, manifests and checks.

use std::collections::{BTreeMap, HashMap};
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use canopy_aws::{AccountSession, AwsSession, Encryption};
pub use canopy_lake::{Dialect, Manifest, Partition, RunId, TableFile, ddl};
use canopy_model::{OrgSnapshot, Shard};
use canopy_store::{ExchangeKind, ExchangeTable, Store};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::destination::Destination;
use crate::error::{EngineError, Hint};

/// The organization snapshots file's format name and version.
pub const SNAPSHOT_FORMAT: &str = "canopy-organizations/1";

/// The organizations as one sync saw them, handed to workers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HandedSnapshots {
    pub format: String,
    #[serde(with = "time::serde::rfc3339")]
    pub exported_at: OffsetDateTime,
    /// The run the workers' exports belong to (by default, when the snapshots were exported).
    pub run: RunId,
    pub organizations: Vec<OrgSnapshot>,
}

impl HandedSnapshots {
    pub fn new(organizations: Vec<OrgSnapshot>, at: OffsetDateTime) -> Self {
        Self {
            format: SNAPSHOT_FORMAT.to_owned(),
            exported_at: at,
            run: RunId::at(at),
            organizations,
        }
    }

    /// The partition a worker's export of this run goes to.
    pub fn partition(&self) -> Partition {
        Partition::new(self.run.clone(), self.exported_at)
    }
}

/// The AWS session, built only when a place is in S3 (a local folder needs no credentials,
/// region or configuration).
pub type AwsFor<'a> = dyn Fn() -> futures::future::BoxFuture<'a, AwsSession> + Sync + 'a;

/// A folder or an S3 prefix, opened: S3 with the caller's own credentials in the bucket's region.
enum Place {
    Dir(PathBuf),
    S3 {
        session: Box<AccountSession>,
        region: String,
        bucket: String,
        /// Empty, or ending in `/`.
        prefix: String,
        encryption: Encryption,
    },
}

impl Place {
    /// Opens `at`; `aws` is only asked for (and only needs credentials) for S3.
    async fn open(aws: &AwsFor<'_>, at: &Destination) -> Result<Self, EngineError> {
        Ok(match at {
            Destination::Dir(dir) => Self::Dir(dir.clone()),
            Destination::S3 {
                bucket,
                prefix,
                encryption,
            } => {
                let session = aws().await.own_account().await?;
                let region = canopy_aws::s3_bucket_region(&session, bucket).await?;
                Self::S3 {
                    session: Box::new(session),
                    region,
                    bucket: bucket.clone(),
                    prefix: if prefix.is_empty() {
                        String::new()
                    } else {
                        format!("{prefix}/")
                    },
                    encryption: encryption.clone(),
                }
            }
        })
    }

    fn show(&self, key: &str) -> String {
        match self {
            Self::Dir(dir) => dir.join(key).display().to_string(),
            Self::S3 { bucket, prefix, .. } => format!("s3://{bucket}/{prefix}{key}"),
        }
    }

    async fn exists(&self, key: &str) -> Result<bool, EngineError> {
        match self {
            Self::Dir(dir) => Ok(dir.join(key).exists()),
            Self::S3 {
                session,
                region,
                bucket,
                prefix,
                ..
            } => Ok(
                canopy_aws::s3_prefix_used(session, region, bucket, &format!("{prefix}{key}"))
                    .await?,
            ),
        }
    }

    /// A temporary file that becomes `key` on [`Place::commit`]: beside it for a folder (so
    /// the rename is atomic), in the system's temporary folder for S3.
    fn temp(&self, key: &str) -> Result<tempfile::NamedTempFile, EngineError> {
        let dir = match self {
            Self::Dir(dir) => {
                let path = dir.join(key);
                let parent = path.parent().unwrap_or(dir).to_owned();
                crate::configgen::create_private_dir_with(&parent, true).map_err(|e| {
                    EngineError::File {
                        path: parent.clone(),
                        why: format!("cannot create the folder: {e}"),
                    }
                })?;
                parent
            }
            Self::S3 { .. } => std::env::temp_dir(),
        };
        tempfile::Builder::new()
            .prefix(".canopy-")
            .tempfile_in(&dir)
            .map_err(|e| EngineError::File {
                path: dir,
                why: format!("cannot create a temporary file: {e}"),
            })
    }

    /// Puts the finished temporary file in place as `key`.
    async fn commit(&self, file: tempfile::NamedTempFile, key: &str) -> Result<(), EngineError> {
        match self {
            Self::Dir(dir) => {
                let path = dir.join(key);
                file.persist(&path).map_err(|e| EngineError::File {
                    path,
                    why: format!("cannot move the finished file into place: {}", e.error),
                })?;
                Ok(())
            }
            Self::S3 { .. } => {
                let bytes = std::fs::read(file.path()).map_err(|e| EngineError::File {
                    path: file.path().to_owned(),
                    why: format!("cannot read the finished file back: {e}"),
                })?;
                self.put(key, &bytes, "application/vnd.apache.parquet")
                    .await
            }
        }
    }

    /// Writes `bytes` as the new `key` (a folder's file atomically, owner-only when new).
    async fn put(&self, key: &str, bytes: &[u8], content_type: &str) -> Result<(), EngineError> {
        match self {
            Self::Dir(dir) => crate::configgen::write_atomically(&dir.join(key), bytes),
            Self::S3 {
                session,
                region,
                bucket,
                prefix,
                encryption,
            } => Ok(canopy_aws::s3_put_new(
                session,
                region,
                bucket,
                &format!("{prefix}{key}"),
                content_type,
                bytes,
                encryption,
            )
            .await?),
        }
    }

    /// Every key under `under` (relative to the place's root).
    async fn list(&self, under: &str) -> Result<Vec<String>, EngineError> {
        match self {
            Self::Dir(dir) => {
                let mut keys = Vec::new();
                walk(dir, &dir.join(under), &mut keys)?;
                keys.sort();
                Ok(keys)
            }
            Self::S3 {
                session,
                region,
                bucket,
                prefix,
                ..
            } => {
                let found =
                    canopy_aws::s3_list(session, region, bucket, &format!("{prefix}{under}"))
                        .await?;
                Ok(found
                    .into_iter()
                    .filter_map(|(key, _)| key.strip_prefix(prefix.as_str()).map(str::to_owned))
                    .collect())
            }
        }
    }

    /// `key`'s bytes.
    async fn get(&self, key: &str) -> Result<Vec<u8>, EngineError> {
        match self {
            Self::Dir(dir) => {
                let path = dir.join(key);
                std::fs::read(&path).map_err(|e| EngineError::File {
                    path,
                    why: format!("cannot read it: {e}"),
                })
            }
            Self::S3 {
                session,
                region,
                bucket,
                prefix,
                ..
            } => Ok(canopy_aws::s3_get(session, region, bucket, &format!("{prefix}{key}")).await?),
        }
    }

    /// `key` as a local file: itself for a folder, a download into `scratch` for S3.
    async fn local(&self, key: &str, scratch: &Path) -> Result<PathBuf, EngineError> {
        match self {
            Self::Dir(dir) => Ok(dir.join(key)),
            Self::S3 { .. } => {
                let bytes = self.get(key).await?;
                let path = scratch.join(key.replace('/', "__"));
                std::fs::write(&path, bytes).map_err(|e| EngineError::File {
                    path: path.clone(),
                    why: format!("cannot write the download: {e}"),
                })?;
                Ok(path)
            }
        }
    }
}

fn walk(root: &Path, dir: &Path, keys: &mut Vec<String>) -> Result<(), EngineError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(EngineError::File {
                path: dir.to_owned(),
                why: format!("cannot list it: {e}"),
            });
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(root, &path, keys)?;
        } else if let Ok(rel) = path.strip_prefix(root) {
            keys.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(())
}

/// `FILE` or `s3://BUCKET/KEY`: where one file goes.
fn file_place(at: &str) -> Result<(Destination, String), EngineError> {
    match Destination::parse(at, None)? {
        Destination::Dir(path) => {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .filter(|n| !n.is_empty())
                .ok_or_else(|| EngineError::NotAFile {
                    at: at.to_owned(),
                    what: "a folder, not a file",
                })?;
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .to_owned();
            Ok((Destination::Dir(dir), name))
        }
        Destination::S3 {
            bucket,
            prefix,
            encryption,
        } => {
            if prefix.is_empty() {
                return Err(EngineError::NotAFile {
                    at: at.to_owned(),
                    what: "a bucket, not an object: write s3://BUCKET/KEY",
                });
            }
            let (folder, name) = prefix.rsplit_once('/').unwrap_or(("", &prefix));
            Ok((
                Destination::S3 {
                    bucket,
                    prefix: folder.to_owned(),
                    encryption,
                },
                name.to_owned(),
            ))
        }
    }
}

/// Writes `snapshots` to `at` (a file, written atomically and owner-only, or a new S3 object);
/// returns where.
pub async fn export_snapshots(
    aws: &AwsFor<'_>,
    snapshots: &HandedSnapshots,
    at: &str,
) -> Result<String, EngineError> {
    let (dest, name) = file_place(at)?;
    let place = Place::open(aws, &dest).await?;
    let bytes = serde_json::to_vec_pretty(snapshots)
        .map_err(|e| EngineError::Internal(format!("cannot write the snapshots: {e}")))?;
    place.put(&name, &bytes, "application/json").await?;
    Ok(place.show(&name))
}

/// Reads the snapshots `org export` wrote to `at`.
pub async fn read_snapshots(aws: &AwsFor<'_>, at: &str) -> Result<HandedSnapshots, EngineError> {
    let (dest, name) = file_place(at)?;
    let place = Place::open(aws, &dest).await?;
    let bytes = place.get(&name).await?;
    parse_snapshots(&bytes, &place.show(&name))
}

fn parse_snapshots(bytes: &[u8], shown: &str) -> Result<HandedSnapshots, EngineError> {
    let handed: HandedSnapshots = serde_json::from_slice(bytes).map_err(|e| EngineError::File {
        path: PathBuf::from(shown),
        why: format!("not an organization snapshot file `canopy org export` writes: {e}"),
    })?;
    if handed.format != SNAPSHOT_FORMAT {
        return Err(EngineError::File {
            path: PathBuf::from(shown),
            why: format!(
                "its format is `{}`; this canopy reads `{SNAPSHOT_FORMAT}`",
                handed.format
            ),
        });
    }
    if handed.organizations.is_empty() {
        return Err(EngineError::File {
            path: PathBuf::from(shown),
            why: "it holds no organization".to_owned(),
        });
    }
    Ok(handed)
}

/// What to export, and where.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    pub out: Destination,
    pub partition: Partition,
    pub shard: Shard,
    /// Table names or prefixes (`aws_vpc_*`); empty: every table.
    pub tables: Vec<String>,
    /// Accounts this shard worked in, when known.
    pub accounts: u64,
}

/// What an export wrote; as JSON, its summary (`export --format json`).
#[derive(Debug, Clone)]
pub struct ExportReport {
    /// Where the manifest is.
    pub manifest_at: String,
    pub manifest: Manifest,
    /// Bytes the store's file takes, to compare with the Parquet files.
    pub store_bytes: u64,
}

impl ExportReport {
    /// Parquet files written (a table without rows has none).
    pub fn files(&self) -> usize {
        self.manifest
            .tables
            .values()
            .filter(|t| t.file.is_some())
            .count()
    }

    pub fn rows(&self) -> u64 {
        self.manifest.tables.values().map(|t| t.rows).sum()
    }

    /// Bytes of Parquet written.
    pub fn bytes(&self) -> u64 {
        self.manifest.tables.values().map(|t| t.bytes).sum()
    }
}

impl Serialize for ExportReport {
    fn serialize<S: serde::Serializer>(&self, to: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Summary<'a> {
            manifest: &'a str,
            run: &'a str,
            dt: &'a str,
            shard: String,
            files: usize,
            rows: u64,
            bytes: u64,
            store_bytes: u64,
            errors: u64,
            tables: &'a BTreeMap<String, canopy_lake::TableFile>,
        }
        let m = &self.manifest;
        Summary {
            manifest: &self.manifest_at,
            run: &m.run,
            dt: &m.dt,
            shard: m.shard.to_string(),
            files: self.files(),
            rows: self.rows(),
            bytes: self.bytes(),
            store_bytes: self.store_bytes,
            errors: m.errors,
            tables: &m.tables,
        }
        .serialize(to)
    }
}

fn wanted(names: &[String], table: &str) -> bool {
    names.is_empty()
        || names.iter().any(|n| match n.strip_suffix('*') {
            Some(prefix) => table.starts_with(prefix),
            None => n == table || n.eq_ignore_ascii_case("all"),
        })
}

/// Exports the store's tables (those with rows; the organization's only from shard 1) as
/// Parquet, then the organization snapshots (shard 1), then the manifest. A shard whose manifest
/// exists was exported already and is refused.
pub async fn export(
    aws: &AwsFor<'_>,
    store: &Store,
    request: &ExportRequest,
) -> Result<ExportReport, EngineError> {
    let tables: Vec<ExchangeTable> = store.exchange_tables()?;
    for name in &request.tables {
        if !tables
            .iter()
            .any(|t| wanted(std::slice::from_ref(name), t.name))
        {
            return Err(EngineError::UnknownTable {
                name: name.clone(),
                known: Vec::new(),
            });
        }
    }
    let place = Place::open(aws, &request.out).await?;
    let part = &request.partition;
    let shard = request.shard;
    let manifest_key = part.manifest_key(shard);
    if place.exists(&manifest_key).await? {
        return Err(EngineError::Refused {
            message: format!(
                "shard {shard} of run `{}` is exported already (`{}`)",
                part.run,
                place.show(&manifest_key)
            ),
            hint: Hint::OtherRunId,
        });
    }
    let first = shard.index == 1;
    let mut manifest = Manifest {
        format: canopy_lake::FORMAT.to_owned(),
        canopy_version: env!("CARGO_PKG_VERSION").to_owned(),
        schema_version: store.schema_version()?,
        dt: part.dt.clone(),
        run: part.run.to_string(),
        shard,
        written_at: String::new(),
        accounts: request.accounts,
        tables: BTreeMap::new(),
        organizations: None,
        errors: 0,
    };
    for table in tables.iter().filter(|t| wanted(&request.tables, t.name)) {
        if table.kind == ExchangeKind::Organization && !first {
            continue;
        }
        // an empty table gets no file (nor a folder: DuckDB refuses a view over no file)
        if !store.has_rows(table)? {
            manifest.tables.insert(
                table.name.to_owned(),
                TableFile {
                    file: None,
                    rows: 0,
                    bytes: 0,
                },
            );
            continue;
        }
        let key = part.data_key(table.name, shard);
        let tmp = place.temp(&key)?;
        let out = BufWriter::new(tmp.reopen().map_err(|e| EngineError::File {
            path: tmp.path().to_owned(),
            why: e.to_string(),
        })?);
        let mut sink = canopy_lake::ParquetSink::new(out, table)?;
        store.export_rows(table, &mut sink)?;
        let (written, out) = sink.finish()?;
        let file = out
            .into_inner()
            .map_err(|e| e.into_error())
            .and_then(|f| f.sync_all().map(|()| f))
            .map_err(|e| EngineError::File {
                path: tmp.path().to_owned(),
                why: format!("cannot write: {e}"),
            })?;
        let bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
        place.commit(tmp, &key).await?;
        if table.name == "canopy_errors" {
            manifest.errors = written.rows;
        }
        manifest.tables.insert(
            table.name.to_owned(),
            TableFile {
                file: Some(key),
                rows: written.rows,
                bytes,
            },
        );
    }
    if first {
        let snapshots = store.snapshots()?;
        if !snapshots.is_empty() {
            let key = part.organizations_key();
            let handed = HandedSnapshots {
                format: SNAPSHOT_FORMAT.to_owned(),
                exported_at: OffsetDateTime::now_utc(),
                run: part.run.clone(),
                organizations: snapshots,
            };
            let bytes = serde_json::to_vec(&handed)
                .map_err(|e| EngineError::Internal(format!("cannot write the snapshots: {e}")))?;
            place.put(&key, &bytes, "application/json").await?;
            manifest.organizations = Some(key);
        }
    }
    manifest.written_at = canopy_model::format_time(OffsetDateTime::now_utc());
    let bytes = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| EngineError::Internal(format!("cannot write the manifest: {e}")))?;
    place.put(&manifest_key, &bytes, "application/json").await?;
    Ok(ExportReport {
        manifest_at: place.show(&manifest_key),
        manifest,
        store_bytes: std::fs::metadata(store.path())
            .map(|m| m.len())
            .unwrap_or(0),
    })
}

/// Where exported files are read from, and which run.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    pub from: Destination,
    /// The run to import; the newest complete run when not given.
    pub run: Option<RunId>,
}

/// What an import loaded; as JSON, its summary (`import --format json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub run: String,
    pub dt: String,
    pub shards: u32,
    pub organizations: usize,
    /// Rows loaded, in every table.
    pub rows: u64,
    /// Tables replaced, with the rows loaded into each.
    pub tables: BTreeMap<String, u64>,
}

/// Loads every shard of one exported run into `store`, in one transaction: the organization
/// snapshots, each inventory table replaced by the union of the shards' rows, the runs and
/// errors added. A run missing a shard's manifest is refused, naming the missing shards.
pub async fn import(
    aws: &AwsFor<'_>,
    store: &mut Store,
    request: &ImportRequest,
) -> Result<ImportReport, EngineError> {
    let place = Place::open(aws, &request.from).await?;
    let mut runs: BTreeMap<RunId, Vec<String>> = BTreeMap::new();
    for key in place.list(canopy_lake::META_DIR).await? {
        if let Some((part, _)) = Partition::of_manifest_key(&key) {
            runs.entry(part.run).or_default().push(key);
        }
    }
    let root = place.show("");
    let chosen = match &request.run {
        Some(run) => {
            runs.iter()
                .find(|(r, _)| *r == run)
                .ok_or_else(|| EngineError::NoSuchRun {
                    run: run.to_string(),
                    root: root.clone(),
                    runs: names(&runs),
                })?
        }
        None => runs
            .iter()
            .next_back()
            .ok_or_else(|| EngineError::Refused {
                message: format!(
                    "no export under `{root}`: no manifest in {}/",
                    canopy_lake::META_DIR
                ),
                hint: Hint::ExportFirst,
            })?,
    };
    let (run, keys) = chosen;
    let mut manifests: Vec<Manifest> = Vec::new();
    for key in keys {
        let bytes = place.get(key).await?;
        let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| EngineError::File {
            path: PathBuf::from(place.show(key)),
            why: format!("not a manifest canopy writes: {e}"),
        })?;
        if manifest.format != canopy_lake::FORMAT {
            return Err(EngineError::File {
                path: PathBuf::from(place.show(key)),
                why: format!(
                    "its format is `{}`; this canopy reads `{}`",
                    manifest.format,
                    canopy_lake::FORMAT
                ),
            });
        }
        manifests.push(manifest);
    }
    manifests.sort_by_key(|m| m.shard.index);
    let count = manifests.first().map(|m| m.shard.count).unwrap_or(0);
    if manifests.iter().any(|m| m.shard.count != count) {
        return Err(EngineError::MixedShards {
            run: run.to_string(),
            shards: manifests.iter().map(|m| m.shard.to_string()).collect(),
        });
    }
    let missing: Vec<String> = (1..=count)
        .filter(|i| !manifests.iter().any(|m| m.shard.index == *i))
        .map(|i| format!("{i}/{count}"))
        .collect();
    if !missing.is_empty() {
        return Err(EngineError::IncompleteRun {
            run: run.to_string(),
            missing,
        });
    }
    let dt = manifests.first().map(|m| m.dt.clone()).unwrap_or_default();
    let scratch = tempfile::tempdir().map_err(|e| EngineError::File {
        path: std::env::temp_dir(),
        why: format!("cannot create a scratch folder: {e}"),
    })?;
    let kinds: HashMap<&'static str, ExchangeKind> = store
        .exchange_tables()?
        .into_iter()
        .map(|t| (t.name, t.kind))
        .collect();
    let mut organizations = Vec::new();
    for manifest in &manifests {
        if let Some(key) = &manifest.organizations {
            let handed = parse_snapshots(&place.get(key).await?, &place.show(key))?;
            organizations.extend(handed.organizations);
        }
    }
    // every file first (downloads for S3), then the one transaction
    let mut files: Vec<(u32, String, Option<PathBuf>)> = Vec::new();
    for manifest in &manifests {
        let mut names: Vec<&String> = manifest.tables.keys().collect();
        // a shard's runs before its errors, which name them
        names.sort_by_key(|n| (n.as_str() != "canopy_runs", n.as_str() != "canopy_errors"));
        for name in names {
            let kind = kinds.get(name.as_str()).copied();
            if kind == Some(ExchangeKind::Organization) {
                continue;
            }
            let entry = &manifest.tables[name];
            let local = match &entry.file {
                Some(key) => Some(place.local(key, scratch.path()).await?),
                None => None,
            };
            files.push((manifest.shard.index, name.clone(), local));
        }
    }
    let mut report = ImportReport {
        run: run.to_string(),
        dt,
        shards: count,
        organizations: organizations.len(),
        rows: 0,
        tables: BTreeMap::new(),
    };
    let mut import = store.importer()?;
    for snapshot in &organizations {
        import.save_snapshot(snapshot)?;
    }
    let mut shard = 0;
    for (index, name, local) in files {
        if index != shard {
            import.next_shard();
            shard = index;
        }
        let Some(path) = local else {
            if kinds.get(name.as_str()) == Some(&ExchangeKind::Inventory) {
                import.table(&name, &[])?;
                report.tables.entry(name).or_insert(0);
            }
            continue;
        };
        let mut table: Option<&'static str> = None;
        let rows = canopy_lake::read_rows::<EngineError, _>(&path, |columns, values| {
            let t = match table {
                Some(t) => t,
                None => {
                    let t = import.table(&name, columns)?;
                    table = Some(t);
                    t
                }
            };
            import.insert(t, columns, values)?;
            Ok(())
        })?;
        if table.is_none() {
            import.table(&name, &[])?;
        }
        *report.tables.entry(name).or_insert(0) += rows;
        report.rows += rows;
    }
    import.commit()?;
    Ok(report)
}

fn names(runs: &BTreeMap<RunId, Vec<String>>) -> String {
    if runs.is_empty() {
        return "none".to_owned();
    }
    runs.keys()
        .map(|r| format!("`{r}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
