//! Accounts: batch files read, planned and applied (with the journal), moves, tags, closures,
//! invitations, and one role bootstrapped in every account.

pub mod apply;
pub mod batch;
pub mod bootstrap;
pub mod ops;
pub mod plan;
