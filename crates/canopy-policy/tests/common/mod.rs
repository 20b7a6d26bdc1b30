//! What the corpus tests share.

use std::path::PathBuf;

/// This crate's folder in the checkout running the test: cargo sets `CARGO_MANIFEST_DIR` when it
/// runs a test, and a test binary built in another checkout that shares the target folder is
/// reused as is (the build-time path would be that checkout's).
pub fn crate_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// The corpus's case files, sorted.
pub fn corpus_files() -> Vec<PathBuf> {
    let dir = crate_dir().join("tests/corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}
