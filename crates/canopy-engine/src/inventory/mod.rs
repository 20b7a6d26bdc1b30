//! Inventory: collection across accounts and regions and the organization's credential reports,
//! both as fan-out jobs.

pub mod collect;
pub mod credreport;
