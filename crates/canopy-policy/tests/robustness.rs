//! The fuzz target's property on stable Rust (cargo-fuzz needs nightly): arbitrary text, and
//! JSON documents built from policy-like pieces, never make the parser, the linter or the
//! evaluator panic.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use canopy_policy::{Context, Policy, PolicyKind, PolicySet, Principal, Request, lint};
use proptest::prelude::*;
use serde_json::{Value, json};

fn exercise(text: &str) {
    let _ = lint(text, PolicyKind::Identity);
    if let Ok(policy) = Policy::parse_str(text) {
        let mut ctx = Context::default();
        ctx.insert("aws:username", vec!["b*b".into()], false);
        ctx.insert("aws:SourceIp", vec!["203.0.113.9".into()], false);
        ctx.insert("aws:TagKeys", vec!["a".into(), "b".into()], true);
        let req = Request::new(
            Principal::parse("arn:aws:sts::111122223333:assumed-role/app/s"),
            "s3:GetObject",
            Some("arn:aws:s3:::bucket/key"),
            Some("444455556666"),
            ctx,
        );
        let set = PolicySet {
            identity: vec![policy.clone()],
            resource: Some(policy),
            scp_levels: Vec::new(),
        };
        assert_eq!(set.decide(&req), set.evaluate(&req).decision);
    }
}

fn piece() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(json!("*")),
        Just(json!("s3:Get*")),
        Just(json!("arn:aws:s3:::bucket/${aws:username}/*")),
        Just(json!("${")),
        Just(json!("${aws:username, 'x'}")),
        Just(json!("arn:aws:iam::*")),
        Just(json!("203.0.113.0/24")),
        Just(json!("2026-01-01T00:00:00Z")),
        Just(json!("Allow")),
        Just(json!("Deny")),
        Just(json!(12)),
        Just(json!(true)),
        Just(Value::Null),
        "[ -~]{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::vec(
                (
                    prop::sample::select(
                        &[
                            "Effect",
                            "Action",
                            "NotAction",
                            "Resource",
                            "NotResource",
                            "Principal",
                            "Condition",
                            "AWS",
                            "Service",
                            "StringLike",
                            "ForAllValues:StringNotLike",
                            "IpAddress",
                            "DateLessThan",
                            "Null",
                            "BoolIfExists",
                            "ArnLike",
                            "aws:SourceIp",
                            "aws:TagKeys",
                            "Sid",
                        ][..]
                    ),
                    inner
                ),
                0..4
            )
            .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        exercise(&text);
    }

    #[test]
    fn policy_shaped_documents_never_panic(statements in prop::collection::vec(piece(), 0..4), object in any::<bool>()) {
        let statement = if object { statements.first().cloned().unwrap_or(Value::Null) } else { Value::from(statements) };
        let doc = json!({"Version": "2012-10-17", "Statement": statement});
        exercise(&doc.to_string());
    }
}
