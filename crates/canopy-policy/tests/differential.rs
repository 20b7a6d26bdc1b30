//! Differential test: the corpus through canopy and through an independent evaluator (the npm
//! package @cloud-copilot/iam-simulate, installed by `scripts/peer-env`, run with node). Every
//! disagreement must be one of the known divergences in `testkit/peer/divergences.json`, each
//! with the reason canopy's answer is AWS's; a listed divergence that no longer occurs fails too.
//! Skipped, with a message, when node or the package is not there.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use canopy_policy::{load_cases, run_case};

mod common;
use serde_json::Value;

fn root() -> PathBuf {
    common::crate_dir().join("../..")
}

fn peer_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("CANOPY_PEER_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("testkit/peer"));
    let installed = dir
        .join("node_modules/@cloud-copilot/iam-simulate")
        .is_dir()
        && dir.join("differential.mjs").is_file();
    let node = Command::new("node").arg("--version").output().is_ok();
    (installed && node).then_some(dir)
}

#[test]
fn canopy_and_the_peer_evaluator_agree_except_known_divergences() {
    let Some(dir) = peer_dir() else {
        eprintln!(
            "skipped: the peer evaluator is not installed (needs node and npm; run scripts/peer-env)"
        );
        return;
    };
    let known: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(root().join("testkit/peer/divergences.json")).unwrap(),
    )
    .unwrap();
    let known: BTreeMap<String, String> = known
        .iter()
        .map(|d| {
            (
                d["name"].as_str().unwrap().to_owned(),
                d["why"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let files = common::corpus_files();
    let (mut compared, mut peer_refused) = (0, Vec::new());
    let mut unexplained = Vec::new();
    let mut seen_known = Vec::new();
    for file in &files {
        let cases = load_cases(&std::fs::read_to_string(file).unwrap()).unwrap();
        let out = Command::new("node")
            .arg(dir.join("differential.mjs"))
            .arg(file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "the peer failed on {}: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let peer: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(peer.len(), cases.len());
        for (case, theirs) in cases.iter().zip(&peer) {
            assert_eq!(theirs["name"].as_str(), Some(case.name.as_str()));
            let Some(decision) = theirs["decision"].as_str() else {
                peer_refused.push(format!("{}: {}", case.name, theirs["error"]));
                continue;
            };
            compared += 1;
            let ours = run_case(case).decision.to_string();
            if ours == decision {
                continue;
            }
            if known.contains_key(&case.name) {
                seen_known.push(case.name.clone());
            } else {
                unexplained.push(format!("{:?}: canopy {ours}, peer {decision}", case.name));
            }
        }
    }
    let stale: Vec<&String> = known.keys().filter(|k| !seen_known.contains(k)).collect();
    eprintln!(
        "compared {compared} cases with the peer: {} known divergences, {} cases the peer refuses ({})",
        seen_known.len(),
        peer_refused.len(),
        peer_refused.join("; ")
    );
    assert!(compared >= 400, "only {compared} cases compared");
    assert!(
        unexplained.is_empty(),
        "{} unexplained disagreements:\n{}",
        unexplained.len(),
        unexplained.join("\n")
    );
    assert!(
        stale.is_empty(),
        "listed divergences that no longer occur (remove them): {stale:?}"
    );
}
