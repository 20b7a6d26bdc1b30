//! Progress on stderr: a spinner while stderr is a terminal (and not --quiet), plain lines for
//! what finished and what failed otherwise.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use canopy_aws::DiscoverProgress;
use canopy_engine::sync::{PayerOutcome, SyncReporter};
use indicatif::{ProgressBar, ProgressStyle};

/// The sync reporter of the command line.
pub struct SyncProgress {
    bar: Option<ProgressBar>,
    last: Mutex<String>,
}

impl SyncProgress {
    pub fn new(quiet: bool) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {elapsed} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Self {
            bar,
            last: Mutex::new(String::new()),
        }
    }

    /// Prints a line on stderr without tearing the spinner.
    pub fn line(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("{text}")),
            None => eprintln!("{text}"),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl SyncReporter for SyncProgress {
    fn progress(&self, payer: &str, p: DiscoverProgress) {
        if let Some(bar) = &self.bar {
            let msg = format!(
                "syncing {payer}: {} ({} OUs, {} accounts)",
                p.phase, p.ous, p.accounts
            );
            if let Ok(mut last) = self.last.lock()
                && *last != msg
            {
                bar.set_message(msg.clone());
                *last = msg;
            }
        }
    }

    fn payer_done(&self, outcome: &PayerOutcome) {
        match &outcome.result {
            Ok(s) => {
                for w in &s.warnings {
                    self.line(&format!("warning: payer `{}`: {w}", outcome.payer));
                }
            }
            Err(e) => {
                self.line(&format!("error: payer `{}`: {e}", outcome.payer));
                if let Some(hint) = e.hint() {
                    self.line(&format!("  hint: {hint}"));
                }
            }
        }
    }
}
