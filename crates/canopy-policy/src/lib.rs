//! canopy's IAM policy engine: policy documents and SCPs parsed (with JSON-path errors),
//! compiled once (wildcard matchers, lowercased keys and actions), and evaluated offline
//! following AWS's documented logic. Pure and synchronous: no AWS SDK, no async runtime, no I/O.
//!
//! ```
//! use canopy_policy::{Context, Decision, Policy, PolicySet, Principal, Request};
//! let policy = Policy::parse_str(r#"{"Version": "2012-10-17", "Statement": {
//!     "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::logs/*"}}"#).unwrap();
//! let set = PolicySet { identity: vec![policy], ..Default::default() };
//! let req = Request::new(Principal::parse("arn:aws:iam::111122223333:role/app"), "s3:getobject",
//!     Some("arn:aws:s3:::logs/2026/11/21.gz"), None, Context::default());
//! assert_eq!(set.decide(&req), Decision::Allowed);
//! ```

mod cases;
mod condition;
mod document;
mod eval;
mod intern;
mod lint;
mod pattern;
mod request;

pub use cases::{Case, CaseError, CaseResult, ScpLevelInput, load_cases, run_case};
pub use condition::{ArnPattern, Family, Operator, SetOp, operator_names};
pub use document::{Effect, Negatable, ParseError, Policy, PrincipalEntry, Statement, Version};
pub use eval::{
    Decision, Evaluation, Explanation, PolicySet, Reason, ScpLevel, Source, StatementRef, Verdict,
};
pub use lint::{Finding, PolicyKind, SCP_MAX_CHARS, SCP_MAX_PER_TARGET, Severity, lint};
pub use pattern::Pattern;
pub use request::{Context, Principal, Request};
