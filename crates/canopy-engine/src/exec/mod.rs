//! `canopy exec`: one child per account and region, with its credentials (in its environment or
//! from a loopback server).

pub mod credserver;
pub mod run;
