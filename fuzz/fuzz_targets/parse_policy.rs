//! Fuzz target: any bytes through the policy parser, the linter and (when a document parses)
//! the evaluator. None of them may panic.
//!
//! Run: scripts/fuzz [SECONDS] (stable toolchain, seeded with every policy of the test corpus),
//! or with cargo-fuzz and nightly: cargo +nightly fuzz run parse_policy

#![no_main]

use canopy_policy::{Context, Policy, PolicyKind, PolicySet, Principal, Request, lint};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = lint(text, PolicyKind::Scp);
    if let Ok(policy) = Policy::parse_str(text) {
        let mut ctx = Context::default();
        ctx.insert("aws:username", vec!["bob".into()], false);
        ctx.insert("aws:PrincipalOrgPaths", vec!["o-a1b2c3d4e5/r-ab12/".into()], true);
        let req = Request::new(
            Principal::parse("arn:aws:iam::111122223333:role/app"),
            "s3:GetObject",
            Some("arn:aws:s3:::bucket/key"),
            None,
            ctx,
        );
        let set = PolicySet {
            identity: vec![policy.clone()],
            resource: Some(policy),
            scp_levels: Vec::new(),
        };
        let _ = set.evaluate(&req);
    }
});
