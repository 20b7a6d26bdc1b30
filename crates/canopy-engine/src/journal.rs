//! An append-only journal of a writing command's intents and outcomes: one JSON object per line,
//! each line written and flushed to disk (fsync) before the AWS call it announces is made, so a
//! run killed at any point leaves a record of every call it may have made. A later run reads it
//! back to find what the killed one started.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::EngineError;

/// The open journal.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// Opens (creating it, owner-only, when new) the journal at `path` and returns what earlier
    /// runs wrote. A last line cut short by a kill is cut away (its call was never made); any
    /// other unreadable line is an error naming it.
    pub fn open(path: &Path) -> Result<(Self, Vec<Value>), EngineError> {
        let fail = |why: String| EngineError::File {
            path: path.to_owned(),
            why,
        };
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(fail(format!("cannot read the journal: {e}"))),
        };
        let mut entries = Vec::new();
        let lines: Vec<&str> = text.lines().collect();
        for (n, line) in lines.iter().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Value>(line) {
                Ok(v) => entries.push(v),
                // the run that wrote it was killed mid-line: that call was never made
                Err(_) if n + 1 == lines.len() && !text.ends_with('\n') => {}
                Err(e) => {
                    return Err(fail(format!(
                        "line {} of the journal is not JSON ({e}); the journal is canopy's record of earlier runs: restore it, or move it away to start afresh",
                        n + 1
                    )));
                }
            }
        }
        let mut options = OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options
            .open(path)
            .map_err(|e| fail(format!("cannot open the journal: {e}")))?;
        if !text.is_empty() && !text.ends_with('\n') {
            // cut the torn line away so the next entry starts on its own line
            let whole = text.rfind('\n').map_or(0, |i| i + 1);
            file.set_len(whole as u64)
                .and_then(|()| file.sync_data())
                .map_err(|e| fail(format!("cannot write the journal: {e}")))?;
        }
        Ok((
            Self {
                path: path.to_owned(),
                file,
            },
            entries,
        ))
    }

    /// Appends one entry (with the time) and flushes it to disk before returning.
    pub fn record(&mut self, mut entry: Value) -> Result<(), EngineError> {
        if let Value::Object(map) = &mut entry {
            map.insert(
                "at".to_owned(),
                Value::String(canopy_model::format_time(time::OffsetDateTime::now_utc())),
            );
        }
        let mut line = entry.to_string();
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.sync_data())
            .map_err(|e| EngineError::File {
                path: self.path.clone(),
                why: format!("cannot write the journal: {e}"),
            })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn entries_survive_reopening_and_a_torn_last_line_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("batch.journal");
        let (mut journal, earlier) = Journal::open(&path).unwrap();
        assert!(earlier.is_empty());
        journal
            .record(json!({"event": "create-intent", "key": "a@example.com"}))
            .unwrap();
        drop(journal);
        // a kill in the middle of the next line
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"event\": \"crea")
            .unwrap();
        let (mut journal, earlier) = Journal::open(&path).unwrap();
        assert_eq!(earlier.len(), 1);
        assert_eq!(earlier[0]["key"], "a@example.com");
        assert!(earlier[0]["at"].is_string());
        journal.record(json!({"event": "created"})).unwrap();
        let (_, earlier) = Journal::open(&path).unwrap();
        assert_eq!(earlier.len(), 2);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_damaged_line_in_the_middle_is_refused_by_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("batch.journal");
        std::fs::write(&path, "{\"event\": \"a\"}\nnot json\n{\"event\": \"b\"}\n").unwrap();
        let err = Journal::open(&path).unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
    }
}
