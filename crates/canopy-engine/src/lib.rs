//! canopy's operations: each combines AWS access, the store and the renderers into one job a
//! command runs (sync the payers' organizations, decide whether stored data is fresh enough,
//! select accounts, fan out collection across accounts and regions, generate the users' config
//! files).
//!
//! Operations report progress through traits the CLI implements, collect per-payer failures
//! instead of aborting, and never print.

pub mod collect;
pub mod configgen;
pub mod credreport;
pub mod policy;
pub mod select;
pub mod sync;

use std::path::PathBuf;

/// What an operation can fail with as a whole (per-payer failures are in the reports instead).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] canopy_store::StoreError),
    #[error(transparent)]
    Render(#[from] canopy_render::RenderError),
    #[error(transparent)]
    Aws(#[from] canopy_aws::AwsError),
    #[error("{0}")]
    Selection(String),
    #[error("internal error: {0}")]
    Internal(String),
    #[error("`{}`: {why}", path.display())]
    File { path: PathBuf, why: String },
    #[error(
        "{} with {kind}s defined outside canopy's block in `{}`: {}; rename those, or choose other names with --name-template (nothing was written)",
        plural(kind, clashes.len()),
        path.display(),
        clashes.iter().map(|(n, l)| format!("`{n}` (line {l})")).collect::<Vec<_>>().join(", ")
    )]
    NameClash {
        path: PathBuf,
        kind: &'static str,
        clashes: Vec<(String, usize)>,
    },
}

fn plural(kind: &str, n: usize) -> String {
    if n == 1 {
        format!("1 generated {kind} name clashes")
    } else {
        format!("{n} generated {kind} names clash")
    }
}
