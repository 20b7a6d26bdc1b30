//! The data-driven corpus: every case file under `tests/corpus/` (the `policy eval --cases`
//! format, cases written from AWS's documentation) must come out as each case expects.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use canopy_policy::{load_cases, run_case};

#[test]
fn every_corpus_case_gets_its_expected_decision() {
    let files = common::corpus_files();
    let mut total = 0;
    let mut wrong = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let cases = load_cases(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for case in &cases {
            total += 1;
            let expected = case.expected.unwrap_or_else(|| {
                panic!("{}: case {:?} has no expected", file.display(), case.name)
            });
            let result = run_case(case);
            if result.decision != expected {
                wrong.push(format!(
                    "{}: {:?}: expected {expected}, got {} (decided by {:?})",
                    file.file_name().unwrap().to_string_lossy(),
                    case.name,
                    result.decision,
                    result.decided_by
                ));
            }
        }
    }
    assert!(total >= 400, "the corpus shrank: {total} cases");
    assert!(
        wrong.is_empty(),
        "{} of {total} cases disagree:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
