//! `canopy policy ...`: the offline policy engine's commands.

use std::io::{Read, Write};
use std::path::Path;

use anyhow::{Context, Result};
use canopy_policy::{CaseResult, PolicyKind, SCP_MAX_PER_TARGET, Severity, load_cases, run_case};
use serde_json::json;

use crate::cli::{EvalFormat, PolicyAs, SummaryFormat};
use crate::commands::Outcome;
use crate::output;

fn read_input(path: &Path) -> Result<String> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read the cases from standard input")?;
        return Ok(text);
    }
    std::fs::read_to_string(path).with_context(|| format!("cannot read `{}`", path.display()))
}

/// `policy eval --cases FILE`: every case's decision, in input order; disagreements with
/// `expected` on stderr and exit code 1.
pub fn eval(path: &Path, format: EvalFormat) -> Result<Outcome> {
    let text = read_input(path)?;
    let cases = load_cases(&text).with_context(|| format!("`{}`", path.display()))?;
    let results: Vec<CaseResult> = cases.iter().map(run_case).collect();
    let mut out = std::io::stdout().lock();
    match format {
        EvalFormat::Json => output::json(&mut out, &results)?,
        EvalFormat::Table => {
            let rows: Vec<Vec<String>> = results
                .iter()
                .map(|r| {
                    vec![
                        r.name.clone(),
                        r.decision.to_string(),
                        r.expected.map(|e| e.to_string()).unwrap_or_default(),
                        r.decided_by.join("; "),
                        r.missing_context_keys.join(", "),
                    ]
                })
                .collect();
            output::table(
                &mut out,
                &[
                    "CASE",
                    "DECISION",
                    "EXPECTED",
                    "DECIDED BY",
                    "MISSING CONTEXT KEYS",
                ],
                &rows,
            )?;
        }
    }
    out.flush()?;
    let wrong: Vec<&CaseResult> = results
        .iter()
        .filter(|r| r.expected.is_some_and(|e| e != r.decision))
        .collect();
    if wrong.is_empty() {
        return Ok(Outcome::Success);
    }
    eprintln!(
        "{} of {} case(s) disagree with their expected decision:",
        wrong.len(),
        results.len()
    );
    for r in &wrong {
        eprintln!(
            "  {:?}: expected {}, got {}{}",
            r.name,
            r.expected.map(|e| e.to_string()).unwrap_or_default(),
            r.decision,
            if r.decided_by.is_empty() {
                String::new()
            } else {
                format!(" (decided by {})", r.decided_by.join("; "))
            }
        );
    }
    Ok(Outcome::Partial)
}

/// `policy lint FILE...`: findings per file; exit code 1 on errors (or on warnings when asked).
pub fn lint(
    files: &[std::path::PathBuf],
    kind: PolicyAs,
    deny_warnings: bool,
    format: SummaryFormat,
) -> Result<Outcome> {
    let kind = match kind {
        PolicyAs::Identity => PolicyKind::Identity,
        PolicyAs::Resource => PolicyKind::Resource,
        PolicyAs::Scp => PolicyKind::Scp,
    };
    let mut reports = Vec::new();
    for file in files {
        let text = read_input(file)?;
        reports.push((file.display().to_string(), canopy_policy::lint(&text, kind)));
    }
    let mut extra = Vec::new();
    if kind == PolicyKind::Scp && files.len() > SCP_MAX_PER_TARGET {
        extra.push(format!(
            "{} SCPs given: one root, OU or account takes at most {SCP_MAX_PER_TARGET}",
            files.len()
        ));
    }
    let errors = reports
        .iter()
        .flat_map(|(_, f)| f)
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = reports
        .iter()
        .flat_map(|(_, f)| f)
        .filter(|f| f.severity == Severity::Warning)
        .count()
        + extra.len();
    let mut out = std::io::stdout().lock();
    match format {
        SummaryFormat::Json => output::json(
            &mut out,
            &json!({
                "files": reports.iter().map(|(file, findings)| json!({"file": file, "findings": findings})).collect::<Vec<_>>(),
                "warnings": extra,
            }),
        )?,
        SummaryFormat::Text => {
            for (file, findings) in &reports {
                for f in findings {
                    let at = if f.path.is_empty() {
                        String::new()
                    } else {
                        format!(" at {}", f.path)
                    };
                    writeln!(
                        out,
                        "{file}: {}{at}: {}",
                        match f.severity {
                            Severity::Error => "error",
                            Severity::Warning => "warning",
                        },
                        f.message
                    )?;
                    if let Some(fix) = &f.fix {
                        writeln!(out, "  fix: {fix}")?;
                    }
                }
            }
            for w in &extra {
                writeln!(out, "warning: {w}")?;
            }
            writeln!(
                out,
                "{} file(s): {errors} error(s), {warnings} warning(s)",
                reports.len()
            )?;
        }
    }
    Ok(if errors > 0 || (deny_warnings && warnings > 0) {
        Outcome::Partial
    } else {
        Outcome::Success
    })
}
