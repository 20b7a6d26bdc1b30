//! Progress on stderr: a spinner while stderr is a terminal (and not --quiet), plain lines for
//! what finished and what failed otherwise.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use canopy_aws::DiscoverProgress;
use canopy_engine::fanout::{Failure, FanOutReporter};
use canopy_engine::sync::{PayerOutcome, SyncReporter};
use indicatif::{ProgressBar, ProgressStyle};

use crate::printer::{Printer, word};

/// A spinner on stderr, when it is a terminal and --quiet was not given.
fn spinner(quiet: bool) -> Option<ProgressBar> {
    (!quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {elapsed} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    })
}

/// Prints a line on stderr without tearing the spinner.
fn line_above(bar: Option<&ProgressBar>, text: &str) {
    match bar {
        Some(bar) => bar.suspend(|| eprintln!("{text}")),
        None => eprintln!("{text}"),
    }
}

/// The sync reporter of the command line.
pub struct SyncProgress {
    bar: Option<ProgressBar>,
    last: Mutex<String>,
}

impl SyncProgress {
    pub fn new(printer: Printer) -> Self {
        let bar = spinner(printer.quiet());
        Self {
            bar,
            last: Mutex::new(String::new()),
        }
    }

    /// Prints a line on stderr without tearing the spinner.
    pub fn line(&self, text: &str) {
        line_above(self.bar.as_ref(), text);
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
                    self.line(&format!("  hint: {}", word(hint)));
                }
            }
        }
    }
}

/// The collect reporter of the command line: accounts ready, units done of queued, errors and
/// the request rate, on one line; failed accounts as lines above it.
pub struct CollectProgress<'a> {
    bar: Option<ProgressBar>,
    accounts: usize,
    stats: &'a canopy_aws::CallStats,
    started: std::time::Instant,
    counts: Mutex<CollectCounts>,
}

#[derive(Default)]
struct CollectCounts {
    ready: usize,
    queued: usize,
    done: usize,
    errors: usize,
}

impl<'a> CollectProgress<'a> {
    pub fn new(printer: Printer, accounts: usize, stats: &'a canopy_aws::CallStats) -> Self {
        let bar = spinner(printer.quiet());
        Self {
            bar,
            accounts,
            stats,
            started: std::time::Instant::now(),
            counts: Mutex::new(CollectCounts::default()),
        }
    }

    fn update(&self, change: impl FnOnce(&mut CollectCounts)) {
        let Ok(mut c) = self.counts.lock() else {
            return;
        };
        change(&mut c);
        if let Some(bar) = &self.bar {
            let secs = self.started.elapsed().as_secs_f64().max(0.001);
            bar.set_message(format!(
                "accounts {}/{} · units {}/{} · {} errors · {:.0} req/s",
                c.ready,
                self.accounts,
                c.done,
                c.queued,
                c.errors,
                self.stats.total() as f64 / secs
            ));
        }
    }

    fn line(&self, text: &str) {
        line_above(self.bar.as_ref(), text);
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl FanOutReporter for CollectProgress<'_> {
    fn account_ready(&self, _account: &canopy_model::AccountId, units: usize, _skipped: usize) {
        self.update(|c| {
            c.ready += 1;
            c.queued += units;
        });
    }

    fn account_failed(&self, f: &Failure) {
        self.update(|c| {
            c.ready += 1;
            c.errors += 1;
        });
        for line in failure_lines(f) {
            self.line(&line);
        }
    }

    fn unit_done(&self, _rows: u64, failure: Option<&Failure>) {
        self.update(|c| {
            c.done += 1;
            if failure.is_some() {
                c.errors += 1;
            }
        });
        if let Some(f) = failure {
            tracing::info!(
                account = %f.account,
                region = %f.region,
                table = %f.table,
                code = %f.code,
                "unit failed: {}",
                f.message
            );
        }
    }

    fn detail_refused(&self, f: &Failure) {
        tracing::info!(
            account = %f.account,
            region = %f.region,
            table = %f.table,
            operation = %f.operation,
            resource = f.resource.as_deref().unwrap_or_default(),
            code = %f.code,
            "detail call refused, row kept: {}",
            f.message
        );
    }
}

/// An account's failure, as lines for stderr: what failed, and the hint when there is one.
fn failure_lines(f: &Failure) -> Vec<String> {
    let mut lines = vec![format!(
        "error: account `{}`: `{}` failed: {}: {}",
        f.account, f.operation, f.code, f.message
    )];
    if let Some(hint) = f.hint {
        lines.push(format!("  hint: {}", word(hint)));
    }
    lines
}

/// The credential reports' reporter: each account that failed, as it fails (not with
/// `--quiet`).
pub struct CredreportProgress {
    printer: Printer,
}

impl CredreportProgress {
    pub fn new(printer: Printer) -> Self {
        Self { printer }
    }

    fn failed(&self, f: &Failure) {
        for line in failure_lines(f) {
            self.printer.note(&line);
        }
    }
}

impl FanOutReporter for CredreportProgress {
    fn account_failed(&self, failure: &Failure) {
        self.failed(failure);
    }

    fn unit_done(&self, rows: u64, failure: Option<&Failure>) {
        match failure {
            Some(f) => self.failed(f),
            None => tracing::info!(users = rows, "credential report stored"),
        }
    }
}
