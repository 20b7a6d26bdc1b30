//! Every example query of the Steampipe AWS plugin's docs (all ~2,600, over all its tables),
//! run on a store holding every Steampipe table and column (empty): how many run, as written
//! or after canopy's translation. Correctness is the differential test's job (against a real
//! PostgreSQL, for the tables canopy fills); this one measures reach. Reads
//! `../shared/steampipe` beside the checkout (or `CANOPY_STEAMPIPE_DIR`); skipped without it.
//! Reproduce: `cargo test -p canopy-store --test pg_corpus -- --nocapture`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use canopy_store::{Collected, Store};

fn steampipe_dir() -> Option<PathBuf> {
    canopy_testkit::steampipe_dir().filter(|dir| dir.join("aws_tables.json").is_file())
}

#[test]
fn the_docs_examples_run_after_translation() {
    let Some(dir) = steampipe_dir() else {
        eprintln!("no Steampipe table list here: skipped");
        return;
    };
    let tables: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("aws_tables.json")).unwrap())
            .unwrap();
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("corpus.db");
    // canopy's own tables first (its migrations), then every Steampipe table and column
    drop(Store::open(&path, &[]).unwrap());
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        for (name, def) in tables["tables"].as_object().unwrap() {
            let existing: Vec<String> = conn
                .prepare("SELECT name FROM pragma_table_info(?1)")
                .unwrap()
                .query_map([name], |r| r.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            let columns: Vec<String> = def["columns"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| !existing.iter().any(|e| e == c["name"].as_str().unwrap()))
                .map(|c| {
                    let t = match c["type"].as_str().unwrap() {
                        "json" => "JSON",
                        "bool" => "BOOLEAN",
                        "int" => "INTEGER",
                        "double" => "REAL",
                        "timestamp" => "TIMESTAMP",
                        _ => "TEXT",
                    };
                    format!("\"{}\" {t}", c["name"].as_str().unwrap())
                })
                .collect();
            if existing.is_empty() {
                conn.execute_batch(&format!("CREATE TABLE \"{name}\" ({})", columns.join(", ")))
                    .unwrap();
            } else {
                for column in columns {
                    // a view (the organization's) cannot gain columns: its examples may miss
                    let _ =
                        conn.execute_batch(&format!("ALTER TABLE \"{name}\" ADD COLUMN {column}"));
                }
            }
        }
    }
    let store = Store::open(&path, &[]).unwrap();
    let files = canopy_testkit::doc_examples(&dir);
    let (mut all, mut ran) = (0usize, 0usize);
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    for file in &files {
        let sql = std::fs::read_to_string(file).unwrap();
        all += 1;
        match store.query(&sql, &mut Collected::default()) {
            Ok(_) => ran += 1,
            Err(e) => {
                let text = e.to_string();
                let reason = text
                    .rsplit("SQLite says: ")
                    .next()
                    .unwrap_or(&text)
                    .chars()
                    .take(100)
                    .collect::<String>();
                *reasons.entry(reason).or_default() += 1;
            }
        }
    }
    let mut top: Vec<(usize, String)> = reasons.into_iter().map(|(r, n)| (n, r)).collect();
    top.sort_by(|a, b| b.cmp(a));
    println!(
        "{ran} of {all} doc examples run on the store ({:.1}%); the most common reasons for the rest:",
        ran as f64 * 100.0 / all as f64
    );
    for (n, reason) in top.iter().take(30) {
        println!("  {n:4}  {reason}");
    }
    assert!(ran * 100 >= all * 80, "{ran} of {all}");
}
