//! Accounts: batch files read, planned and applied (with their journal), moves, tags, closures,
//! invitations, and one role bootstrapped in every account.

pub mod apply;
pub mod batch;
pub mod bootstrap;
pub mod journal;
pub mod ops;
pub mod plan;
