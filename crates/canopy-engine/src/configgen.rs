//! `config generate`: plan the new contents of the AWS config and Steampipe files (reading and
//! checking both before writing either), then write only what changed, atomically.

use std::io::Write;
use std::path::{Path, PathBuf};

use canopy_model::{AccountRecord, OrgSnapshot, account_records, role_arn};
use canopy_render::configs::{
    AGGREGATOR, CredentialSource, ProfileEntry, aws_profiles, aws_profiles_defined,
    steampipe_connections, steampipe_connections_defined,
};
use canopy_render::managed;
use canopy_render::naming::{NameTemplate, Naming, assign};

use crate::error::EngineError;

/// What to generate and where.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// The role to assume in each account (a name, possibly with a path).
    pub role: String,
    pub source: CredentialSource,
    pub session_name: String,
    pub aws_config: PathBuf,
    /// `None`: leave Steampipe alone.
    pub steampipe_config: Option<PathBuf>,
    pub template: NameTemplate,
    pub include_suspended: bool,
}

/// One file's old and planned contents.
#[derive(Debug, Clone)]
pub struct FileChange {
    pub path: PathBuf,
    pub old: Option<String>,
    pub new: String,
    /// Profiles or connections in canopy's block.
    pub entries: usize,
}

impl FileChange {
    pub fn changed(&self) -> bool {
        self.old.as_deref() != Some(self.new.as_str())
    }
}

/// The whole plan: every file, every account named, and what the user should know.
#[derive(Debug, Clone)]
pub struct GeneratePlan {
    pub files: Vec<FileChange>,
    pub named: Vec<(AccountRecord, Naming)>,
    pub warnings: Vec<String>,
}

fn read_existing(path: &Path) -> Result<Option<String>, EngineError> {
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| EngineError::File {
                path: path.to_owned(),
                why: "it is not UTF-8 text; fix or move it, nothing was written".to_owned(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(EngineError::File {
            path: path.to_owned(),
            why: format!("cannot read it: {e}"),
        }),
    }
}

/// Plans both files. Nothing is written; any error leaves every file untouched.
pub fn plan(
    snapshots: &[OrgSnapshot],
    options: &GenerateOptions,
) -> Result<GeneratePlan, EngineError> {
    let mut warnings = Vec::new();
    let records: Vec<AccountRecord> = account_records(snapshots)
        .into_iter()
        .filter(|a| options.include_suspended || a.state.is_active())
        .collect();
    let names = assign(&records, &options.template);
    let entries: Vec<ProfileEntry<'_>> = records
        .iter()
        .zip(&names)
        .map(|(account, naming)| ProfileEntry {
            account,
            naming: naming.clone(),
            role_arn: role_arn(&account.partition, &account.id, &options.role),
        })
        .collect();

    let mut files = Vec::new();

    let aws_path = &options.aws_config;
    let aws_label = aws_path.display().to_string();
    let old = read_existing(aws_path)?;
    let text = old.clone().unwrap_or_default();
    let split = managed::split(&text, &aws_label)?;
    let defined = aws_profiles_defined(&split.outside_with_blank_block(), &aws_label)?;
    let clashes: Vec<(String, usize)> = entries
        .iter()
        .filter_map(|e| {
            defined
                .get(&e.naming.profile)
                .map(|line| (e.naming.profile.clone(), *line))
        })
        .collect();
    if !clashes.is_empty() {
        return Err(EngineError::NameClash {
            path: aws_path.clone(),
            kind: "profile",
            clashes,
        });
    }
    if let CredentialSource::Profile(source) = &options.source
        && !defined.contains_key(source)
    {
        warnings.push(format!(
            "source profile `{source}` is not defined in `{aws_label}` outside canopy's block; the generated profiles need it (it may live in the credentials file)"
        ));
    }
    let block = managed::block(&aws_profiles(
        &entries,
        &options.source,
        &options.session_name,
    ));
    files.push(FileChange {
        path: aws_path.clone(),
        new: managed::merge(&split, &block),
        old,
        entries: entries.len(),
    });

    if let Some(spc_path) = &options.steampipe_config {
        let label = spc_path.display().to_string();
        let old = read_existing(spc_path)?;
        let text = old.clone().unwrap_or_default();
        let split = managed::split(&text, &label)?;
        let defined = steampipe_connections_defined(&split.outside_with_blank_block(), &label)?;
        let mut clashes: Vec<(String, usize)> = entries
            .iter()
            .map(|e| e.naming.connection.as_str())
            .chain(std::iter::once(AGGREGATOR))
            .filter_map(|name| defined.get(name).map(|line| (name.to_owned(), *line)))
            .collect();
        clashes.sort();
        if !clashes.is_empty() {
            return Err(EngineError::NameClash {
                path: spc_path.clone(),
                kind: "connection",
                clashes,
            });
        }
        let block = managed::block(&steampipe_connections(&entries));
        files.push(FileChange {
            path: spc_path.clone(),
            new: managed::merge(&split, &block),
            old,
            entries: entries.len(),
        });
    }

    let named = records.iter().cloned().zip(names).collect();
    Ok(GeneratePlan {
        files,
        named,
        warnings,
    })
}

/// Where `path` is written: the file itself (a symlink followed) and its folder, made
/// owner-only when missing.
fn place(path: &Path) -> Result<(PathBuf, PathBuf), EngineError> {
    let fail = |why: String| EngineError::File {
        path: path.to_owned(),
        why,
    };
    let target = match std::fs::canonicalize(path) {
        Ok(real) => real,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => path.to_owned(),
        Err(e) => return Err(fail(format!("cannot resolve it: {e}"))),
    };
    if target.is_dir() {
        return Err(fail("it is a folder; give a file's path".to_owned()));
    }
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."))
        .to_owned();
    if !dir.exists() {
        create_private_dir(&dir)
            .map_err(|e| fail(format!("cannot create `{}`: {e}", dir.display())))?;
    }
    Ok((target, dir))
}

/// Checks, before a command's first write to AWS, that [`write_atomically`] will be able to
/// write `path` at its end: its folder is there (made when missing) and takes a new file. What
/// the check makes is removed; the folder stays.
pub fn check_writable(path: &Path) -> Result<(), EngineError> {
    let (_, dir) = place(path)?;
    tempfile::Builder::new()
        .prefix(".canopy-")
        .tempfile_in(&dir)
        .map(drop)
        .map_err(|e| EngineError::File {
            path: path.to_owned(),
            why: format!("cannot write a file in `{}`: {e}", dir.display()),
        })
}

/// Writes every changed file of the plan; returns the paths written.
pub fn apply(plan: &GeneratePlan) -> Result<Vec<PathBuf>, EngineError> {
    let mut written = Vec::new();
    for file in plan.files.iter().filter(|f| f.changed()) {
        write_atomically(&file.path, file.new.as_bytes())?;
        written.push(file.path.clone());
    }
    Ok(written)
}

/// Writes through a temporary file in the same folder and a rename, so a reader or a crash
/// sees the old file or the new one, never half of one. A symlink is followed (its target is
/// replaced, the link kept); an existing file keeps its permissions; a new one is owner-only.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), EngineError> {
    let fail = |why: String| EngineError::File {
        path: path.to_owned(),
        why,
    };
    let (target, dir) = place(path)?;
    let existing = std::fs::metadata(&target).ok().map(|m| m.permissions());
    let mut tmp = tempfile::Builder::new()
        .prefix(".canopy-")
        .tempfile_in(&dir)
        .map_err(|e| fail(format!("cannot create a temporary file beside it: {e}")))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| fail(format!("cannot write: {e}")))?;
    match existing {
        Some(perms) => std::fs::set_permissions(tmp.path(), perms),
        None => owner_only(tmp.path()),
    }
    .map_err(|e| fail(format!("cannot set permissions: {e}")))?;
    tmp.persist(&target)
        .map_err(|e| fail(format!("cannot replace it: {}", e.error)))?;
    Ok(())
}

#[cfg(unix)]
fn owner_only(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn owner_only(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Creates `dir` and its missing parents, owner-only; with `recursive: false`, only `dir`, and
/// an existing `dir` is an error (`AlreadyExists`).
#[cfg(unix)]
pub(crate) fn create_private_dir_with(dir: &Path, recursive: bool) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(recursive)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
pub(crate) fn create_private_dir_with(dir: &Path, recursive: bool) -> std::io::Result<()> {
    std::fs::DirBuilder::new().recursive(recursive).create(dir)
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    create_private_dir_with(dir, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn atomic_writes_keep_modes_and_follow_links() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("new/config");
        write_atomically(&fresh, b"a").unwrap();
        let mode = std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);

        let shared = dir.path().join("shared");
        std::fs::write(&shared, "old").unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o644)).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&shared, &link).unwrap();
        write_atomically(&link, b"new").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&shared).unwrap(), "new");
        let mode = std::fs::metadata(&shared).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644);
    }
}
