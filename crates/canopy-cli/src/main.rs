//! `canopy`: see and act across every account and region of your AWS Organizations.
//!
//! The binary owns the terminal: flags, settings, output formats, progress, exit codes
//! (0 success, 1 partial failure, 2 error). Everything else lives in the library crates.

mod args;
mod cli;
mod commands;
mod env;
mod output;
mod printer;
mod progress;
mod settings;

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

/// mimalloc instead of the C library's allocator: a fan-out allocates and frees small buffers
/// on every request from every worker thread, and glibc's malloc spent a third of canopy's CPU
/// there (arena locks, consolidation) in the scale benchmark's profile. Its version 2 line
/// (`v2`: freed memory goes back to the system after 10 ms, version 3's after a second) without
/// its transparent-huge-page advice (`no_thp`: the kernel backed the heap in 2 MiB pages, 20-25
/// MiB more at the peak): 142 MiB peak at 1,000 accounts x 17 regions, against 168 MiB
/// (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = std::env::var(env::LOG)
        .ok()
        .and_then(|f| EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| {
            EnvFilter::new(format!(
                "{default},aws_config=warn,aws_smithy_runtime=warn,hyper=warn"
            ))
        });
    let color = std::env::var_os(env::NO_COLOR).is_none()
        && std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(color)
        .with_target(false)
        .init();
}

fn report(err: &anyhow::Error) {
    eprintln!("error: {err}");
    for cause in err.chain().skip(1) {
        let text = cause.to_string();
        if !err.to_string().contains(&text) {
            eprintln!("  caused by: {text}");
        }
    }
    if let Some(hint) = printer::hint_for(err) {
        eprintln!("  hint: {hint}");
    }
}

/// `canopy ... | head` closes stdout early: that is the reader's choice, not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    init_logging(cli.global.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(cli::run(cli)) {
        Ok(commands::Outcome::Success) => ExitCode::SUCCESS,
        Ok(commands::Outcome::Partial) => ExitCode::from(1),
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            report(&err);
            ExitCode::from(2)
        }
    }
}
