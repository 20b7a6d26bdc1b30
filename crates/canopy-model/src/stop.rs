//! A person's Ctrl-C as every writing command hears it: once it is pressed no new write to AWS
//! starts, while the writes already sent are followed to their end and recorded (journal,
//! results), so the command can say what it did and leave. The front end watches the signal
//! and sets the [`Stop`]; the writing operations look at it before each write they would
//! start, at the last moment (the AWS crate's writers once they hold their turn to write).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether the user asked the run to stop. Cheap to clone; every clone sees the same request.
#[derive(Debug, Clone, Default)]
pub struct Stop(Arc<AtomicBool>);

impl Stop {
    /// One nobody has asked yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks every holder to start no new write.
    pub fn request(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn requested(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// `Ok` while a new write may start; [`Interrupted`] once a stop was asked for.
    pub fn gate(&self) -> Result<(), Interrupted> {
        if self.requested() {
            Err(Interrupted)
        } else {
            Ok(())
        }
    }
}

/// A write that was not started because the run was interrupted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("interrupted before this write was sent; run the command again to finish")]
pub struct Interrupted;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_clone_sees_the_request() {
        let stop = Stop::new();
        let held = stop.clone();
        assert_eq!(held.gate(), Ok(()));
        stop.request();
        assert!(held.requested());
        assert_eq!(held.gate(), Err(Interrupted));
    }
}
