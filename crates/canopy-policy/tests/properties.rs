//! Properties of the evaluator over generated policies and requests: adding a Deny never yields
//! Allowed; adding an Allow never takes an Allowed away; statement and policy order never matter.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use canopy_policy::{Context, Decision, Policy, PolicySet, Principal, Request, ScpLevel};
use proptest::prelude::*;
use serde_json::{Value, json};

const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:*",
    "s3:Get*",
    "ec2:*",
    "*",
    "iam:PassRole",
    "S3:getobject",
];
const RESOURCES: &[&str] = &[
    "*",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::b/k",
    "arn:aws:s3:::other/*",
    "arn:aws:s3:::b/${aws:username}",
];
const PRINCIPALS: &[&str] = &[
    "arn:aws:iam::111122223333:role/app",
    "arn:aws:sts::111122223333:assumed-role/app/s",
    "arn:aws:iam::444455556666:user/bob",
    "anonymous",
];

fn condition() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!({"StringEquals": {"aws:PrincipalTag/team": "blue"}})),
        Just(json!({"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}})),
        Just(json!({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})),
        Just(json!({"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}})),
        Just(
            json!({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-a1b2c3d4e5/r-ab12/ou-ab12-1*"}})
        ),
        Just(json!({"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]}})),
        Just(json!({"Null": {"aws:SourceVpc": "true"}})),
        Just(json!({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}})),
    ]
}

fn statement(effect: &'static str, with_principal: bool) -> impl Strategy<Value = Value> {
    (
        prop::sample::select(ACTIONS),
        any::<bool>(),
        prop::sample::select(RESOURCES),
        any::<bool>(),
        prop::option::of(condition()),
        prop::sample::select(
            &[
                "*",
                "111122223333",
                "arn:aws:iam::111122223333:role/app",
                "444455556666",
            ][..],
        ),
    )
        .prop_map(
            move |(action, not_action, resource, not_resource, cond, principal)| {
                let mut s = json!({"Effect": effect});
                s[if not_action { "NotAction" } else { "Action" }] = json!(action);
                s[if not_resource {
                    "NotResource"
                } else {
                    "Resource"
                }] = json!(resource);
                if let Some(c) = cond {
                    s["Condition"] = c;
                }
                if with_principal {
                    s["Principal"] = if principal == "*" {
                        json!("*")
                    } else {
                        json!({"AWS": principal})
                    };
                }
                s
            },
        )
}

fn any_statement(with_principal: bool) -> BoxedStrategy<Value> {
    prop_oneof![
        statement("Allow", with_principal),
        statement("Deny", with_principal)
    ]
    .boxed()
}

fn document(with_principal: bool) -> impl Strategy<Value = Vec<Value>> {
    prop::collection::vec(any_statement(with_principal), 1..4)
}

fn policy(statements: &[Value]) -> Policy {
    Policy::parse(
        &json!({"Version": "2012-10-17", "Statement": statements}),
        "",
    )
    .unwrap()
}

#[derive(Debug, Clone)]
struct Shape {
    identity: Vec<Vec<Value>>,
    resource: Option<Vec<Value>>,
    scps: Vec<Vec<Vec<Value>>>,
}

impl Shape {
    fn build(&self) -> PolicySet {
        PolicySet {
            identity: self.identity.iter().map(|p| policy(p)).collect(),
            resource: self.resource.as_ref().map(|p| policy(p)),
            scp_levels: self
                .scps
                .iter()
                .enumerate()
                .map(|(i, level)| ScpLevel {
                    node: format!("n{i}"),
                    policies: level.iter().map(|p| policy(p)).collect(),
                })
                .collect(),
        }
    }
}

fn shape() -> impl Strategy<Value = Shape> {
    (
        prop::collection::vec(document(false), 0..3),
        prop::option::of(document(true)),
        prop::collection::vec(prop::collection::vec(document(false), 1..3), 0..3),
    )
        .prop_map(|(identity, resource, scps)| Shape {
            identity,
            resource,
            scps,
        })
}

fn request() -> impl Strategy<Value = Request> {
    (
        prop::sample::select(PRINCIPALS),
        prop::sample::select(
            &[
                "s3:GetObject",
                "s3:PutObject",
                "ec2:RunInstances",
                "iam:PassRole",
            ][..],
        ),
        prop::sample::select(
            &[
                "arn:aws:s3:::b/k",
                "arn:aws:s3:::other/x",
                "arn:aws:s3:::b/bob",
            ][..],
        ),
        prop::sample::select(&["111122223333", "444455556666"][..]),
        prop::collection::vec(0usize..7, 0..5),
    )
        .prop_map(|(principal, action, resource, account, keys)| {
            let mut ctx = Context::default();
            for k in keys {
                match k {
                    0 => ctx.insert("aws:PrincipalTag/team", vec!["blue".into()], false),
                    1 => ctx.insert("aws:PrincipalOrgID", vec!["o-a1b2c3d4e5".into()], false),
                    2 => ctx.insert("aws:SourceIp", vec!["203.0.113.9".into()], false),
                    3 => ctx.insert("aws:MultiFactorAuthPresent", vec!["true".into()], false),
                    4 => ctx.insert(
                        "aws:PrincipalOrgPaths",
                        vec!["o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/".into()],
                        true,
                    ),
                    5 => ctx.insert("aws:TagKeys", vec!["env".into()], true),
                    _ => ctx.insert("aws:username", vec!["bob".into()], false),
                }
            }
            Request::new(
                Principal::parse(principal),
                action,
                Some(resource),
                Some(account),
                ctx,
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn adding_a_deny_never_yields_allowed(shape in shape(), req in request(), deny in statement("Deny", false), where_ in 0usize..3) {
        let before = shape.build().decide(&req);
        let mut more = shape.clone();
        match where_ {
            0 => more.identity.push(vec![deny]),
            1 => match more.scps.first_mut() {
                Some(level) => level.push(vec![deny]),
                None => more.identity.push(vec![deny]),
            },
            _ => {
                let mut d = deny;
                d["Principal"] = json!("*");
                more.resource.get_or_insert_with(Vec::new).push(d);
            }
        }
        let after = more.build().decide(&req);
        prop_assert!(after != Decision::Allowed || before == Decision::Allowed,
            "a Deny turned {before} into {after}");
        if before != Decision::Allowed {
            prop_assert!(after != Decision::Allowed);
        }
    }

    #[test]
    fn adding_an_allow_never_takes_allowed_away(shape in shape(), req in request(), allow in statement("Allow", false)) {
        let before = shape.build().decide(&req);
        let mut more = shape.clone();
        more.identity.push(vec![allow]);
        let after = more.build().decide(&req);
        if before == Decision::Allowed {
            prop_assert_eq!(after, Decision::Allowed);
        }
    }

    #[test]
    fn order_never_matters(shape in shape(), req in request()) {
        let set = shape.build();
        let mut reversed = shape.clone();
        reversed.identity.reverse();
        for p in &mut reversed.identity { p.reverse(); }
        if let Some(r) = &mut reversed.resource { r.reverse(); }
        for level in &mut reversed.scps {
            level.reverse();
            for p in level.iter_mut() { p.reverse(); }
        }
        let other = reversed.build();
        prop_assert_eq!(set.decide(&req), other.decide(&req));
        prop_assert_eq!(set.evaluate(&req).decision, set.decide(&req));
        let (a, b) = (set.evaluate(&req), other.evaluate(&req));
        let mut ka = a.missing_context_keys.clone();
        let mut kb = b.missing_context_keys.clone();
        ka.sort();
        kb.sort();
        prop_assert_eq!(ka, kb);
    }
}
