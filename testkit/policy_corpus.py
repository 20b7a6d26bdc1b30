"""Writes canopy's policy evaluation corpus (crates/canopy-policy/tests/corpus/*.json) from the
tables below, each row written from the IAM User Guide ("Policy evaluation logic", "IAM JSON
policy elements: Condition operators", "... Variables and tags", "Single-valued vs. multivalued
context keys", the Organizations guide on SCPs, and the condition-keys blog post in the seeds).
Cases are in `canopy policy eval --cases` format; `cargo test -p canopy-policy` runs them all.

Usage: python3 testkit/policy_corpus.py   (rewrites the generated files; review the diff)
"""

import json
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "crates/canopy-policy/tests/corpus"

ME = "111122223333"
OTHER = "444455556666"
ROLE = f"arn:aws:iam::{ME}:role/app"
OBJECT = "arn:aws:s3:::bucket/key"
ORG = "o-a1b2c3d4e5"
ROOT = "r-ab12"
OU_MEDIA = "ou-ab12-11111111"
OU_SPORTS = "ou-ab12-22222222"
OU_BASEBALL = "ou-ab12-33333333"


def policy(*statements, version="2012-10-17"):
    doc = {"Statement": list(statements)}
    if version:
        doc = {"Version": version, **doc}
    return doc


def allow(action="s3:GetObject", resource="*", condition=None, **extra):
    s = {"Effect": "Allow", "Action": action, "Resource": resource, **extra}
    if condition is not None:
        s["Condition"] = condition
    return s


def deny(action="s3:GetObject", resource="*", condition=None, **extra):
    s = {"Effect": "Deny", "Action": action, "Resource": resource, **extra}
    if condition is not None:
        s["Condition"] = condition
    return s


def request(principal=ROLE, action="s3:GetObject", resource=OBJECT, account=ME, context=None):
    r = {"principal": principal, "action": action, "resource": resource}
    if account is not None:
        r["resource_account"] = account
    if context:
        r["context"] = context
    return r


def case(name, expected, req=None, identity=(), resource_policy=None, scps=()):
    return {
        "name": name,
        "request": req or request(),
        "identity_policies": list(identity),
        "resource_policy": resource_policy,
        "scp_levels": list(scps),
        "expected": expected,
    }


def verdict(holds):
    return "Allowed" if holds else "ImplicitlyDenied"


# (operator, key, policy values, request context value (str | list | None = absent), holds)
OPERATORS = [
    # String
    ("StringEquals", "aws:PrincipalTag/team", "blue", "blue", True),
    ("StringEquals", "aws:PrincipalTag/team", "blue", "Blue", False),
    ("StringEquals", "aws:PrincipalTag/team", ["red", "blue"], "blue", True),
    ("StringEquals", "aws:PrincipalTag/team", "blu*", "blue", False),
    ("StringEquals", "aws:PrincipalTag/team", "blu*", "blu*", True),
    ("StringEquals", "aws:PrincipalTag/team", "blue", None, False),
    ("StringNotEquals", "aws:PrincipalTag/team", "blue", "red", True),
    ("StringNotEquals", "aws:PrincipalTag/team", "blue", "blue", False),
    ("StringNotEquals", "aws:PrincipalTag/team", ["red", "blue"], "blue", False),
    ("StringNotEquals", "aws:PrincipalTag/team", ["red", "blue"], "green", True),
    ("StringNotEquals", "aws:PrincipalTag/team", "blue", None, True),
    ("StringEqualsIgnoreCase", "aws:PrincipalTag/team", "BLUE", "blue", True),
    ("StringEqualsIgnoreCase", "aws:PrincipalTag/team", "blue", "bLuE", True),
    ("StringEqualsIgnoreCase", "aws:PrincipalTag/team", "blue", "blues", False),
    ("StringEqualsIgnoreCase", "aws:PrincipalTag/team", "blue", None, False),
    ("StringNotEqualsIgnoreCase", "aws:PrincipalTag/team", "BLUE", "blue", False),
    ("StringNotEqualsIgnoreCase", "aws:PrincipalTag/team", "BLUE", "red", True),
    ("StringNotEqualsIgnoreCase", "aws:PrincipalTag/team", "BLUE", None, True),
    ("StringLike", "aws:PrincipalTag/team", "blu*", "blue", True),
    ("StringLike", "aws:PrincipalTag/team", "blu*", "blu", True),
    ("StringLike", "aws:PrincipalTag/team", "b?ue", "blue", True),
    ("StringLike", "aws:PrincipalTag/team", "b?ue", "bue", False),
    ("StringLike", "aws:PrincipalTag/team", "*", "", True),
    ("StringLike", "aws:PrincipalTag/team", "a*b*c", "a:b/c", True),
    ("StringLike", "aws:PrincipalTag/team", "Blu*", "blue", False),
    ("StringLike", "aws:PrincipalTag/team", "b.ue", "blue", False),
    ("StringLike", "aws:PrincipalTag/team", "b.ue", "b.ue", True),
    ("StringLike", "aws:PrincipalTag/team", "b[l]ue", "blue", False),
    ("StringLike", "aws:PrincipalTag/team", "(blue|red)", "blue", False),
    ("StringLike", "aws:PrincipalTag/team", "blue+", "blueee", False),
    ("StringLike", "aws:PrincipalTag/team", "^blue$", "^blue$", True),
    ("StringLike", "aws:PrincipalTag/team", "blu*", None, False),
    ("StringNotLike", "aws:PrincipalTag/team", "blu*", "blue", False),
    ("StringNotLike", "aws:PrincipalTag/team", "blu*", "red", True),
    ("StringNotLike", "aws:PrincipalTag/team", ["red*", "blu*"], "redder", False),
    ("StringNotLike", "aws:PrincipalTag/team", "blu*", None, True),
    ("StringEqualsIfExists", "aws:PrincipalTag/team", "blue", None, True),
    ("StringEqualsIfExists", "aws:PrincipalTag/team", "blue", "blue", True),
    ("StringEqualsIfExists", "aws:PrincipalTag/team", "blue", "red", False),
    ("StringLikeIfExists", "aws:PrincipalTag/team", "blu*", None, True),
    ("StringLikeIfExists", "aws:PrincipalTag/team", "blu*", "red", False),
    ("StringNotEqualsIfExists", "aws:PrincipalTag/team", "blue", None, True),
    ("StringNotEqualsIfExists", "aws:PrincipalTag/team", "blue", "blue", False),
    # keys are case-insensitive
    ("StringEquals", "AWS:PRINCIPALTAG/TEAM", "blue", "blue", True),
    # Numeric
    ("NumericEquals", "aws:MultiFactorAuthAge", "10", "10", True),
    ("NumericEquals", "aws:MultiFactorAuthAge", "10", "10.0", True),
    ("NumericEquals", "aws:MultiFactorAuthAge", "10", "11", False),
    ("NumericEquals", "aws:MultiFactorAuthAge", "10", "ten", False),
    ("NumericEquals", "aws:MultiFactorAuthAge", "10", None, False),
    ("NumericNotEquals", "aws:MultiFactorAuthAge", "10", "11", True),
    ("NumericNotEquals", "aws:MultiFactorAuthAge", "10", "10", False),
    ("NumericNotEquals", "aws:MultiFactorAuthAge", "10", None, True),
    ("NumericLessThan", "aws:MultiFactorAuthAge", "10", "9", True),
    ("NumericLessThan", "aws:MultiFactorAuthAge", "10", "10", False),
    ("NumericLessThan", "aws:MultiFactorAuthAge", "10", "-3.5", True),
    ("NumericLessThanEquals", "aws:MultiFactorAuthAge", "10", "10", True),
    ("NumericLessThanEquals", "aws:MultiFactorAuthAge", "10", "10.5", False),
    ("NumericGreaterThan", "aws:MultiFactorAuthAge", "10", "11", True),
    ("NumericGreaterThan", "aws:MultiFactorAuthAge", "10", "10", False),
    ("NumericGreaterThanEquals", "aws:MultiFactorAuthAge", "10", "10", True),
    ("NumericGreaterThanEquals", "aws:MultiFactorAuthAge", "10", "9.99", False),
    ("NumericLessThanIfExists", "aws:MultiFactorAuthAge", "3600", None, True),
    ("NumericLessThan", "aws:MultiFactorAuthAge", "3600", "120", True),
    ("NumericLessThan", "aws:MultiFactorAuthAge", "3600", None, False),
    ("NumericLessThan", "aws:MultiFactorAuthAge", ["5", "20"], "10", True),
    # Date
    ("DateEquals", "aws:CurrentTime", "2026-11-21T10:00:00Z", "2026-11-21T10:00:00Z", True),
    ("DateEquals", "aws:CurrentTime", "2026-11-21T10:00:00Z", "2026-11-21T11:00:00+01:00", True),
    ("DateEquals", "aws:CurrentTime", "2026-11-21T10:00:00Z", "2026-11-21T10:00:01Z", False),
    ("DateNotEquals", "aws:CurrentTime", "2026-11-21T10:00:00Z", "2026-11-21T10:00:01Z", True),
    ("DateNotEquals", "aws:CurrentTime", "2026-11-21T10:00:00Z", None, True),
    ("DateLessThan", "aws:CurrentTime", "2026-12-01T00:00:00Z", "2026-11-21T10:00:00Z", True),
    ("DateLessThan", "aws:CurrentTime", "2026-12-01T00:00:00Z", "2026-12-01T00:00:00Z", False),
    ("DateLessThan", "aws:CurrentTime", "2026-12-01", "2026-11-30T23:59:59Z", True),
    ("DateLessThan", "aws:CurrentTime", "2026-12-01T00:00:00Z", "1795000000", True),
    ("DateLessThan", "aws:CurrentTime", "1796083200", "2026-11-21T10:00:00Z", True),
    ("DateLessThan", "aws:CurrentTime", "2026-12-01T00:00:00Z", "yesterday", False),
    ("DateLessThanEquals", "aws:CurrentTime", "2026-12-01T00:00:00Z", "2026-12-01T00:00:00Z", True),
    ("DateGreaterThan", "aws:TokenIssueTime", "2026-11-01T00:00:00Z", "2026-11-21T10:00:00Z", True),
    ("DateGreaterThan", "aws:TokenIssueTime", "2026-11-01T00:00:00Z", "2026-10-21T10:00:00Z", False),
    ("DateGreaterThanEquals", "aws:TokenIssueTime", "2026-11-01T00:00:00Z", "2026-11-01T00:00:00Z", True),
    ("DateGreaterThan", "aws:TokenIssueTime", "2026-11-01T00:00:00Z", None, False),
    ("DateGreaterThanIfExists", "aws:TokenIssueTime", "2026-11-01T00:00:00Z", None, True),
    # Bool
    ("Bool", "aws:SecureTransport", "true", "true", True),
    ("Bool", "aws:SecureTransport", "true", "TRUE", True),
    ("Bool", "aws:SecureTransport", "true", "false", False),
    ("Bool", "aws:SecureTransport", "false", "false", True),
    ("Bool", "aws:SecureTransport", "true", "yes", False),
    ("Bool", "aws:SecureTransport", "true", None, False),
    ("Bool", "aws:MultiFactorAuthPresent", "false", None, False),
    ("BoolIfExists", "aws:MultiFactorAuthPresent", "false", None, True),
    ("BoolIfExists", "aws:MultiFactorAuthPresent", "false", "true", False),
    ("BoolIfExists", "aws:MultiFactorAuthPresent", "false", "false", True),
    # Binary
    ("BinaryEquals", "s3:x-amz-content-sha256", "QmluYXJ5VmFsdWU=", "QmluYXJ5VmFsdWU=", True),
    ("BinaryEquals", "s3:x-amz-content-sha256", "QmluYXJ5VmFsdWU=", "qmluyxj5vmfsdwu=", False),
    ("BinaryEquals", "s3:x-amz-content-sha256", "QmluYXJ5VmFsdWU=", None, False),
    # IpAddress
    ("IpAddress", "aws:SourceIp", "203.0.113.0/24", "203.0.113.10", True),
    ("IpAddress", "aws:SourceIp", "203.0.113.0/24", "203.0.114.10", False),
    ("IpAddress", "aws:SourceIp", "203.0.113.10", "203.0.113.10", True),
    ("IpAddress", "aws:SourceIp", "203.0.113.10/32", "203.0.113.11", False),
    ("IpAddress", "aws:SourceIp", "0.0.0.0/0", "198.51.100.7", True),
    ("IpAddress", "aws:SourceIp", "2001:db8::/32", "2001:db8:85a3::8a2e:370:7334", True),
    ("IpAddress", "aws:SourceIp", "2001:db8::/32", "2001:db9::1", False),
    ("IpAddress", "aws:SourceIp", "2001:db8::1", "2001:0db8:0000:0000:0000:0000:0000:0001", True),
    ("IpAddress", "aws:SourceIp", "203.0.113.0/24", "2001:db8::1", False),
    ("IpAddress", "aws:SourceIp", ["10.0.0.0/8", "203.0.113.0/24"], "10.1.2.3", True),
    ("IpAddress", "aws:SourceIp", "203.0.113.0/24", "not-an-address", False),
    ("IpAddress", "aws:SourceIp", "203.0.113.0/24", None, False),
    ("NotIpAddress", "aws:SourceIp", "203.0.113.0/24", "198.51.100.7", True),
    ("NotIpAddress", "aws:SourceIp", "203.0.113.0/24", "203.0.113.7", False),
    ("NotIpAddress", "aws:SourceIp", ["10.0.0.0/8", "203.0.113.0/24"], "10.9.9.9", False),
    ("NotIpAddress", "aws:SourceIp", "203.0.113.0/24", None, True),
    ("IpAddressIfExists", "aws:SourceIp", "203.0.113.0/24", None, True),
    # Arn
    ("ArnEquals", "aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:topic", "arn:aws:sns:us-east-1:111122223333:topic", True),
    ("ArnEquals", "aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:topic", "arn:aws:sns:us-east-1:111122223333:Topic", False),
    ("ArnEquals", "aws:SourceArn", "arn:aws:sns:*:111122223333:topic", "arn:aws:sns:eu-west-1:111122223333:topic", True),
    ("ArnLike", "aws:SourceArn", "arn:aws:s3:::logs-*", "arn:aws:s3:::logs-prod", True),
    ("ArnLike", "aws:SourceArn", "arn:aws:s3:::logs-*", "arn:aws:s3:::audit", False),
    ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::*:role/admin-*", "arn:aws:iam::444455556666:role/admin-ops", True),
    ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::*:role/admin-*", "arn:aws:iam::444455556666:user/admin-ops", False),
    ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::111122223333:role/*", "arn:aws:iam::111122223333:role/path/deep/x", True),
    ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::*", "arn:aws:iam::111122223333:role/x", False),
    ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::1111222233?3:role/x", "arn:aws:iam::111122223333:role/x", True),
    ("ArnLike", "aws:SourceArn", "arn:aws:lambda:us-east-1:111122223333:function:f:*", "arn:aws:lambda:us-east-1:111122223333:function:f:prod", True),
    ("ArnLike", "aws:SourceArn", "arn:aws:s3:::logs-*", "not-an-arn", False),
    ("ArnLike", "aws:SourceArn", "arn:aws:s3:::logs-*", None, False),
    ("ArnNotEquals", "aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:topic", "arn:aws:sns:us-east-1:111122223333:other", True),
    ("ArnNotEquals", "aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:topic", "arn:aws:sns:us-east-1:111122223333:topic", False),
    ("ArnNotLike", "aws:PrincipalArn", "arn:aws:iam::*:role/admin-*", "arn:aws:iam::444455556666:role/dev", True),
    ("ArnNotLike", "aws:PrincipalArn", "arn:aws:iam::*:role/admin-*", "arn:aws:iam::444455556666:role/admin-x", False),
    ("ArnNotLike", "aws:PrincipalArn", "arn:aws:iam::*:role/admin-*", None, True),
    ("ArnLikeIfExists", "aws:SourceArn", "arn:aws:s3:::logs-*", None, True),
    # Null
    ("Null", "aws:TokenIssueTime", "true", None, True),
    ("Null", "aws:TokenIssueTime", "true", "2026-11-21T10:00:00Z", False),
    ("Null", "aws:TokenIssueTime", "false", "2026-11-21T10:00:00Z", True),
    ("Null", "aws:TokenIssueTime", "false", None, False),
    ("Null", "aws:TokenIssueTime", ["true", "false"], None, True),
    ("Null", "aws:TagKeys", "false", ["a"], True),
    ("Null", "aws:TagKeys", "false", [], True),
]

# set operators: (operator, key, policy values, context (list | str | None), holds)
SETS = [
    ("ForAnyValue:StringEquals", "aws:TagKeys", ["env", "team"], ["env"], True),
    ("ForAnyValue:StringEquals", "aws:TagKeys", ["env", "team"], ["owner", "team"], True),
    ("ForAnyValue:StringEquals", "aws:TagKeys", ["env", "team"], ["owner"], False),
    ("ForAnyValue:StringEquals", "aws:TagKeys", ["env", "team"], [], False),
    ("ForAnyValue:StringEquals", "aws:TagKeys", ["env", "team"], None, False),
    ("ForAnyValue:StringEqualsIfExists", "aws:TagKeys", ["env"], None, True),
    ("ForAllValues:StringEquals", "aws:TagKeys", ["env", "team"], ["env"], True),
    ("ForAllValues:StringEquals", "aws:TagKeys", ["env", "team"], ["env", "team"], True),
    ("ForAllValues:StringEquals", "aws:TagKeys", ["env", "team"], ["env", "owner"], False),
    ("ForAllValues:StringEquals", "aws:TagKeys", ["env", "team"], [], True),
    ("ForAllValues:StringEquals", "aws:TagKeys", ["env", "team"], None, True),
    ("ForAllValues:StringLike", "aws:TagKeys", ["env*"], ["environment", "env"], True),
    ("ForAllValues:StringLike", "aws:TagKeys", ["env*"], ["environment", "team"], False),
    ("ForAnyValue:StringLike", "aws:PrincipalOrgPaths", [f"{ORG}/{ROOT}/{OU_SPORTS}/*"], [f"{ORG}/{ROOT}/{OU_SPORTS}/{OU_BASEBALL}/"], True),
    ("ForAnyValue:StringLike", "aws:PrincipalOrgPaths", [f"{ORG}/{ROOT}/{OU_SPORTS}/*"], [f"{ORG}/{ROOT}/{OU_MEDIA}/"], False),
    ("ForAnyValue:StringLike", "aws:PrincipalOrgPaths", [f"{ORG}/{ROOT}/{OU_SPORTS}/*"], [f"{ORG}/{ROOT}/{OU_MEDIA}/", f"{ORG}/{ROOT}/{OU_SPORTS}/"], True),
    # negated operators under set qualifiers: each request value is tested with the negated operator
    ("ForAllValues:StringNotLike", "aws:ResourceOrgPaths", [f"{ORG}/{ROOT}/{OU_MEDIA}/", f"{ORG}/{ROOT}/{OU_SPORTS}/*"], [f"{ORG}/{ROOT}/{OU_MEDIA}/"], False),
    ("ForAllValues:StringNotLike", "aws:ResourceOrgPaths", [f"{ORG}/{ROOT}/{OU_MEDIA}/", f"{ORG}/{ROOT}/{OU_SPORTS}/*"], [f"{ORG}/{ROOT}/ou-ab12-99999999/"], True),
    ("ForAllValues:StringNotLike", "aws:ResourceOrgPaths", [f"{ORG}/{ROOT}/{OU_MEDIA}/"], None, True),
    ("ForAnyValue:StringNotEquals", "aws:TagKeys", ["env"], ["env", "team"], True),
    ("ForAnyValue:StringNotEquals", "aws:TagKeys", ["env"], ["env"], False),
    ("ForAllValues:StringNotEquals", "aws:TagKeys", ["secret"], ["env", "team"], True),
    ("ForAllValues:StringNotEquals", "aws:TagKeys", ["secret"], ["env", "secret"], False),
    ("ForAnyValue:StringEqualsIgnoreCase", "aws:TagKeys", ["ENV"], ["env"], True),
    ("ForAnyValue:ArnLike", "aws:SourceArn", ["arn:aws:s3:::logs-*"], ["arn:aws:s3:::x", "arn:aws:s3:::logs-1"], True),
    ("ForAnyValue:IpAddress", "aws:SourceIp", ["10.0.0.0/8"], ["192.0.2.1", "10.0.0.1"], True),
    ("ForAllValues:NumericLessThan", "aws:MultiFactorAuthAge", ["100"], ["1", "50"], True),
    ("ForAllValues:NumericLessThan", "aws:MultiFactorAuthAge", ["100"], ["1", "500"], False),
    # a single-valued operator on a list never matches (multivalued keys need a set operator)
    ("StringEquals", "aws:TagKeys", ["env"], ["env"], False),
    ("StringLike", "aws:PrincipalOrgPaths", [f"{ORG}/*"], [f"{ORG}/{ROOT}/"], False),
    ("StringNotEquals", "aws:TagKeys", ["env"], ["team"], False),
    # a set operator on a single value treats it as a set of one
    ("ForAnyValue:StringEquals", "aws:PrincipalTag/team", ["blue"], "blue", True),
    ("ForAllValues:StringEquals", "aws:PrincipalTag/team", ["blue"], "red", False),
]


def condition_cases():
    out = []
    for i, (op, key, values, ctx, holds) in enumerate(OPERATORS + SETS):
        context = {} if ctx is None else {key: ctx}
        shown = "absent" if ctx is None else json.dumps(ctx)
        out.append(case(
            f"{op} {key} {json.dumps(values)} vs {shown} [{i}]",
            verdict(holds),
            req=request(context=context),
            identity=[policy(allow(condition={op: {key: values}}))],
        ))
        # the same condition in a Deny: denies exactly when it holds
        out.append(case(
            f"Deny {op} {key} {json.dumps(values)} vs {shown} [{i}]",
            "ExplicitlyDenied" if holds else "Allowed",
            req=request(context=context),
            identity=[policy(allow(), deny(condition={op: {key: values}}))],
        ))
    # several operators and keys are ANDed; values ORed
    both = {"StringEquals": {"aws:PrincipalTag/team": "blue", "aws:RequestedRegion": ["eu-west-1", "us-east-1"]},
            "Bool": {"aws:SecureTransport": "true"}}
    out += [
        case("conditions: all keys and operators hold", "Allowed",
             req=request(context={"aws:PrincipalTag/team": "blue", "aws:RequestedRegion": "us-east-1", "aws:SecureTransport": "true"}),
             identity=[policy(allow(condition=both))]),
        case("conditions: one key of one operator fails", "ImplicitlyDenied",
             req=request(context={"aws:PrincipalTag/team": "blue", "aws:RequestedRegion": "ap-south-1", "aws:SecureTransport": "true"}),
             identity=[policy(allow(condition=both))]),
        case("conditions: another operator fails", "ImplicitlyDenied",
             req=request(context={"aws:PrincipalTag/team": "blue", "aws:RequestedRegion": "us-east-1", "aws:SecureTransport": "false"}),
             identity=[policy(allow(condition=both))]),
        case("conditions: condition values may be JSON numbers and booleans", "Allowed",
             req=request(context={"aws:MultiFactorAuthAge": "10", "aws:SecureTransport": "true"}),
             identity=[policy(allow(condition={"NumericEquals": {"aws:MultiFactorAuthAge": 10}, "Bool": {"aws:SecureTransport": True}}))]),
    ]
    return out


def variable_cases():
    home = allow(action="s3:*", resource="arn:aws:s3:::home/${aws:username}/*")
    user = f"arn:aws:iam::{ME}:user/bob"
    out = [
        case("variable in Resource: own folder", "Allowed",
             req=request(principal=user, resource="arn:aws:s3:::home/bob/notes.txt", context={"aws:username": "bob"}),
             identity=[policy(home)]),
        case("variable in Resource: someone else's folder", "ImplicitlyDenied",
             req=request(principal=user, resource="arn:aws:s3:::home/alice/notes.txt", context={"aws:username": "bob"}),
             identity=[policy(home)]),
        case("variable in Resource: key absent, no default: no match", "ImplicitlyDenied",
             req=request(principal=user, resource="arn:aws:s3:::home/bob/notes.txt"),
             identity=[policy(home)]),
        case("variable value is literal: a * in it is not a wildcard", "ImplicitlyDenied",
             req=request(principal=user, resource="arn:aws:s3:::home/bob/notes.txt", context={"aws:username": "*"}),
             identity=[policy(home)]),
        case("variable value is literal: matches itself", "Allowed",
             req=request(principal=user, resource="arn:aws:s3:::home/*/notes.txt", context={"aws:username": "*"}),
             identity=[policy(home)]),
        case("variable key case-insensitive", "Allowed",
             req=request(principal=user, resource="arn:aws:s3:::home/bob/x", context={"AWS:UserName": "bob"}),
             identity=[policy(allow(action="s3:*", resource="arn:aws:s3:::home/${aws:USERNAME}/*"))]),
        case("variable with default, key absent", "Allowed",
             req=request(resource="arn:aws:s3:::team/shared/x"),
             identity=[policy(allow(resource="arn:aws:s3:::team/${aws:PrincipalTag/team, 'shared'}/*"))]),
        case("variable with default, key present", "ImplicitlyDenied",
             req=request(resource="arn:aws:s3:::team/shared/x", context={"aws:PrincipalTag/team": "blue"}),
             identity=[policy(allow(resource="arn:aws:s3:::team/${aws:PrincipalTag/team, 'shared'}/*"))]),
        case("escape ${*} is a literal star", "Allowed",
             req=request(resource="arn:aws:s3:::bucket/a*b"),
             identity=[policy(allow(resource="arn:aws:s3:::bucket/a${*}b"))]),
        case("escape ${*} does not match other text", "ImplicitlyDenied",
             req=request(resource="arn:aws:s3:::bucket/axxb"),
             identity=[policy(allow(resource="arn:aws:s3:::bucket/a${*}b"))]),
        case("escape ${?} is a literal question mark", "Allowed",
             req=request(resource="arn:aws:s3:::bucket/why?"),
             identity=[policy(allow(resource="arn:aws:s3:::bucket/why${?}"))]),
        case("escape ${?} does not match any character", "ImplicitlyDenied",
             req=request(resource="arn:aws:s3:::bucket/whyx"),
             identity=[policy(allow(resource="arn:aws:s3:::bucket/why${?}"))]),
        case("escape ${$} is a literal dollar", "Allowed",
             req=request(resource="arn:aws:s3:::bucket/$HOME"),
             identity=[policy(allow(resource="arn:aws:s3:::bucket/${$}HOME"))]),
        case("Version 2008-10-17: no variables, ${...} is literal", "Allowed",
             req=request(resource="arn:aws:s3:::home/${aws:username}/x", context={"aws:username": "bob"}),
             identity=[policy(allow(resource="arn:aws:s3:::home/${aws:username}/*"), version="2008-10-17")]),
        case("no Version: no variables", "ImplicitlyDenied",
             req=request(resource="arn:aws:s3:::home/bob/x", context={"aws:username": "bob"}),
             identity=[policy(allow(resource="arn:aws:s3:::home/${aws:username}/*"), version=None)]),
        case("variable in a condition value", "Allowed",
             req=request(action="s3:ListBucket", resource="arn:aws:s3:::bucket", context={"s3:prefix": "home/bob/", "aws:username": "bob"}),
             identity=[policy(allow(action="s3:ListBucket", condition={"StringLike": {"s3:prefix": "home/${aws:username}/*"}}))]),
        case("variable in a condition value: other user", "ImplicitlyDenied",
             req=request(action="s3:ListBucket", resource="arn:aws:s3:::bucket", context={"s3:prefix": "home/alice/", "aws:username": "bob"}),
             identity=[policy(allow(action="s3:ListBucket", condition={"StringLike": {"s3:prefix": "home/${aws:username}/*"}}))]),
        case("variable in StringEquals compares literally", "Allowed",
             req=request(context={"aws:PrincipalTag/owner": "bob", "aws:username": "bob"}),
             identity=[policy(allow(condition={"StringEquals": {"aws:PrincipalTag/owner": "${aws:username}"}}))]),
        case("variable in StringEquals: different values", "ImplicitlyDenied",
             req=request(context={"aws:PrincipalTag/owner": "alice", "aws:username": "bob"}),
             identity=[policy(allow(condition={"StringEquals": {"aws:PrincipalTag/owner": "${aws:username}"}}))]),
        case("a multivalued key cannot be a variable", "ImplicitlyDenied",
             req=request(resource="arn:aws:s3:::bucket/a", context={"aws:TagKeys": ["a"]}),
             identity=[policy(allow(resource="arn:aws:s3:::bucket/${aws:TagKeys}"))]),
        case("variable in a deny condition: unresolved means the condition does not hold", "Allowed",
             req=request(context={"aws:ResourceOrgID": "o-other"}),
             identity=[policy(allow(), deny(condition={"StringEquals": {"aws:ResourceOrgID": "${aws:PrincipalOrgID}"}}))]),
    ]
    return out


def action_resource_cases():
    r = request
    p = policy
    return [
        case("actions are case-insensitive", "Allowed", req=r(action="S3:getobject"), identity=[p(allow(action="s3:GetObject"))]),
        case("action patterns are case-insensitive", "Allowed", req=r(action="s3:GetObject"), identity=[p(allow(action="S3:GET*"))]),
        case("action wildcard prefix", "Allowed", req=r(action="s3:GetObjectTagging"), identity=[p(allow(action="s3:Get*"))]),
        case("action wildcard does not cover another service", "ImplicitlyDenied", req=r(action="s3:GetObject"), identity=[p(allow(action="s3x:*"))]),
        case("action ? matches one character", "Allowed", req=r(action="ec2:RunInstances", resource=f"arn:aws:ec2:us-east-1:{ME}:instance/i-0123456789abcdef0"), identity=[p(allow(action="ec2:Run?nstances"))]),
        case("action * matches all", "Allowed", req=r(action="sqs:SendMessage", resource=f"arn:aws:sqs:us-east-1:{ME}:queue"), identity=[p(allow(action="*"))]),
        case("action list", "Allowed", req=r(action="s3:PutObject"), identity=[p(allow(action=["s3:GetObject", "s3:PutObject"]))]),
        case("action not listed", "ImplicitlyDenied", req=r(action="s3:DeleteObject"), identity=[p(allow(action=["s3:GetObject", "s3:PutObject"]))]),
        case("NotAction allows everything else", "Allowed", req=r(action="ec2:DescribeInstances", resource=None, account=None), identity=[p({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})]),
        case("NotAction excludes what it lists", "ImplicitlyDenied", req=r(action="iam:CreateUser", resource=f"arn:aws:iam::{ME}:user/x"), identity=[p({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})]),
        case("Deny with NotAction denies everything else", "ExplicitlyDenied", req=r(action="ec2:RunInstances", resource=f"arn:aws:ec2:us-east-1:{ME}:instance/i-0123456789abcdef0"), identity=[p(allow(action="*"), {"Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "Resource": "*"})]),
        case("Deny with NotAction spares what it lists", "Allowed", req=r(action="sts:GetCallerIdentity", resource=None, account=None), identity=[p(allow(action="*"), {"Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "Resource": "*"})]),
        case("resources are case-sensitive", "ImplicitlyDenied", req=r(resource="arn:aws:s3:::Bucket/key"), identity=[p(allow(resource="arn:aws:s3:::bucket/*"))]),
        case("resource wildcard in the resource part", "Allowed", req=r(resource="arn:aws:s3:::bucket/a/b/c"), identity=[p(allow(resource="arn:aws:s3:::bucket/*"))]),
        case("resource ? matches one character", "Allowed", req=r(resource="arn:aws:s3:::bucket/k1"), identity=[p(allow(resource="arn:aws:s3:::bucket/k?"))]),
        case("resource ? does not match two", "ImplicitlyDenied", req=r(resource="arn:aws:s3:::bucket/k12"), identity=[p(allow(resource="arn:aws:s3:::bucket/k?"))]),
        case("a dot in a resource is literal", "ImplicitlyDenied", req=r(resource="arn:aws:s3:::bucketX/key"), identity=[p(allow(resource="arn:aws:s3:::bucket./key"))]),
        case("a plus in a resource is literal", "ImplicitlyDenied", req=r(resource="arn:aws:s3:::bucket/aaa"), identity=[p(allow(resource="arn:aws:s3:::bucket/a+"))]),
        case("brackets in a resource are literal", "ImplicitlyDenied", req=r(resource="arn:aws:s3:::bucket/a"), identity=[p(allow(resource="arn:aws:s3:::bucket/[a]"))]),
        case("brackets in a resource match themselves", "Allowed", req=r(resource="arn:aws:s3:::bucket/[a]"), identity=[p(allow(resource="arn:aws:s3:::bucket/[a]"))]),
        case("resource account field wildcard", "Allowed", req=r(action="iam:GetRole", resource="arn:aws:iam::111122223333:role/app"), identity=[p(allow(action="iam:GetRole", resource="arn:aws:iam::*:role/*"))]),
        case("resource wildcard stays in its field", "ImplicitlyDenied", req=r(action="sns:Publish", resource="arn:aws:sns:us-east-1:111122223333:topic"), identity=[p(allow(action="sns:Publish", resource="arn:aws:sns:*:topic"))]),
        case("resource region field", "ImplicitlyDenied", req=r(action="sns:Publish", resource="arn:aws:sns:eu-west-1:111122223333:topic"), identity=[p(allow(action="sns:Publish", resource="arn:aws:sns:us-*:111122223333:topic"))]),
        case("resource list", "Allowed", req=r(resource="arn:aws:s3:::two/x"), identity=[p(allow(resource=["arn:aws:s3:::one/*", "arn:aws:s3:::two/*"]))]),
        case("NotResource allows other resources", "Allowed", req=r(resource="arn:aws:s3:::public/x"), identity=[p({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secret/*"})]),
        case("NotResource excludes what it lists", "ImplicitlyDenied", req=r(resource="arn:aws:s3:::secret/x"), identity=[p({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secret/*"})]),
        case("Deny with NotResource protects everything else", "ExplicitlyDenied", req=r(resource="arn:aws:s3:::other/x"), identity=[p(allow(), {"Effect": "Deny", "Action": "s3:*", "NotResource": ["arn:aws:s3:::mine", "arn:aws:s3:::mine/*"]})]),
        case("Deny with NotResource spares its resources", "Allowed", req=r(resource="arn:aws:s3:::mine/x"), identity=[p(allow(), {"Effect": "Deny", "Action": "s3:*", "NotResource": ["arn:aws:s3:::mine", "arn:aws:s3:::mine/*"]})]),
        case("a request without a resource matches Resource *", "Allowed", req=r(action="s3:ListAllMyBuckets", resource=None, account=None), identity=[p(allow(action="s3:ListAllMyBuckets"))]),
        case("a request without a resource does not match a specific resource", "ImplicitlyDenied", req=r(action="s3:ListAllMyBuckets", resource=None, account=None), identity=[p(allow(action="s3:ListAllMyBuckets", resource="arn:aws:s3:::bucket"))]),
        case("no policy at all", "ImplicitlyDenied", identity=[]),
        case("statement as an object", "Allowed", identity=[{"Version": "2012-10-17", "Statement": allow()}]),
        case("statement order does not matter (deny first)", "ExplicitlyDenied", identity=[p(deny(), allow())]),
        case("statement order does not matter (deny last)", "ExplicitlyDenied", identity=[p(allow(), deny())]),
        case("deny in another identity policy", "ExplicitlyDenied", identity=[p(allow()), p(deny())]),
        case("deny of another action does not matter", "Allowed", identity=[p(allow(), deny(action="s3:PutObject"))]),
        case("deny of another resource does not matter", "Allowed", identity=[p(allow(), deny(resource="arn:aws:s3:::other/*"))]),
        case("allow with failing condition and unconditional allow", "Allowed", req=r(context={"aws:SecureTransport": "false"}),
             identity=[p(allow(condition={"Bool": {"aws:SecureTransport": "true"}}), allow())]),
    ]


def full_access():
    return policy(allow(action="*"))


def scp_cases():
    levels = lambda *ps: [{"node": n, "policies": pol} for n, pol in ps]
    full = [full_access()]
    s3_only = [policy(allow(action="s3:*"))]
    deny_s3 = [full_access(), policy(deny(action="s3:*"))]
    region_outage = policy({"Sid": "SimulateOutage", "Effect": "Deny", "Action": "*", "Resource": "*",
                            "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}})
    mfa_deny = policy({"Effect": "Deny", "NotAction": ["iam:*MFA*", "sts:GetSessionToken"], "Resource": "*",
                       "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}})
    mfa_deny_bool = policy({"Effect": "Deny", "NotAction": ["iam:*MFA*", "sts:GetSessionToken"], "Resource": "*",
                            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}})
    ident = [policy(allow(action="*"))]
    slr = f"arn:aws:iam::{ME}:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing"
    return [
        case("scp: full access at every level", "Allowed", identity=ident, scps=levels((ROOT, full), (OU_SPORTS, full), (ME, full))),
        case("scp: no SCPs apply (empty levels)", "Allowed", identity=ident, scps=[]),
        case("scp: a level without an allow", "ImplicitlyDenied", identity=ident, scps=levels((ROOT, full), (OU_SPORTS, [policy(allow(action="ec2:*"))]), (ME, full))),
        case("scp: a level with no policies at all", "ImplicitlyDenied", identity=ident, scps=levels((ROOT, full), (OU_SPORTS, []), (ME, full))),
        case("scp: allow at the account only is not enough", "ImplicitlyDenied", identity=ident, scps=levels((ROOT, [policy(allow(action="ec2:*"))]), (ME, full))),
        case("scp: allow-list at an OU narrows below", "Allowed", identity=ident, scps=levels((ROOT, full), (OU_SPORTS, s3_only), (OU_BASEBALL, full), (ME, full))),
        case("scp: allow-list at an OU excludes other services", "ImplicitlyDenied", req=request(action="ec2:RunInstances", resource="*"), identity=ident, scps=levels((ROOT, full), (OU_SPORTS, s3_only), (ME, full))),
        case("scp: deny at the root wins", "ExplicitlyDenied", identity=ident, scps=levels((ROOT, deny_s3), (OU_SPORTS, full), (ME, full))),
        case("scp: deny at the account wins", "ExplicitlyDenied", identity=ident, scps=levels((ROOT, full), (OU_SPORTS, full), (ME, deny_s3))),
        case("scp: deny in a middle OU wins", "ExplicitlyDenied", identity=ident, scps=levels((ROOT, full), (OU_SPORTS, deny_s3), (OU_BASEBALL, full), (ME, full))),
        case("scp: SCPs grant nothing by themselves", "ImplicitlyDenied", identity=[], scps=levels((ROOT, full), (ME, full))),
        case("scp: service-linked roles are not subject to SCPs (deny)", "Allowed", req=request(principal=slr), identity=ident, scps=levels((ROOT, deny_s3))),
        case("scp: service-linked roles are not subject to SCPs (no allow)", "Allowed", req=request(principal=slr), identity=ident, scps=levels((ROOT, []))),
        case("scp: simulated regional outage denies the region", "ExplicitlyDenied", req=request(context={"aws:RequestedRegion": "us-east-1"}), identity=ident,
             scps=levels((ROOT, [full_access(), region_outage]), (ME, full))),
        case("scp: simulated regional outage spares other regions", "Allowed", req=request(context={"aws:RequestedRegion": "us-west-2"}), identity=ident,
             scps=levels((ROOT, [full_access(), region_outage]), (ME, full))),
        case("scp: MFA deny with BoolIfExists denies long-term keys (key absent)", "ExplicitlyDenied", identity=ident, scps=levels((ROOT, [full_access(), mfa_deny]))),
        case("scp: MFA deny with BoolIfExists denies without MFA", "ExplicitlyDenied", req=request(context={"aws:MultiFactorAuthPresent": "false"}), identity=ident, scps=levels((ROOT, [full_access(), mfa_deny]))),
        case("scp: MFA deny with BoolIfExists allows with MFA", "Allowed", req=request(context={"aws:MultiFactorAuthPresent": "true"}), identity=ident, scps=levels((ROOT, [full_access(), mfa_deny]))),
        case("scp: MFA deny with Bool misses long-term keys (key absent)", "Allowed", identity=ident, scps=levels((ROOT, [full_access(), mfa_deny_bool]))),
        case("scp: MFA deny spares the actions that set up MFA", "Allowed", req=request(action="iam:EnableMFADevice", resource="*"), identity=ident, scps=levels((ROOT, [full_access(), mfa_deny]))),
        case("scp: identity deny still wins when SCPs allow", "ExplicitlyDenied", identity=[policy(allow(action="*"), deny())], scps=levels((ROOT, full))),
        case("scp: several policies at one level, one allows", "Allowed", identity=ident, scps=levels((ROOT, [policy(allow(action="ec2:*")), policy(allow(action="s3:GetObject"))]))),
        case("scp: condition on an SCP allow", "ImplicitlyDenied", req=request(context={"aws:RequestedRegion": "ap-south-1"}), identity=ident,
             scps=levels((ROOT, [policy(allow(action="*", condition={"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}}))]))),
        case("scp: do not apply to anonymous requests", "Allowed", req=request(principal="anonymous"), scps=levels((ROOT, [])),
             resource_policy=policy(allow(Principal="*"))),
        case("scp: apply to cross-account requests from the principal's account", "ImplicitlyDenied", req=request(account=OTHER), identity=ident, scps=levels((ROOT, [])),
             resource_policy=policy(allow(Principal={"AWS": ME}))),
        case("scp: an assumed-role session is subject to SCPs", "ExplicitlyDenied", req=request(principal=f"arn:aws:sts::{ME}:assumed-role/app/session"), identity=ident, scps=levels((ROOT, deny_s3))),
    ]


def cross_account_cases():
    ident = [policy(allow())]
    session = f"arn:aws:sts::{ME}:assumed-role/app/alice"
    path_role = f"arn:aws:iam::{ME}:role/team/app"
    rp = lambda principal, **extra: policy(allow(Principal=principal, **extra))
    return [
        case("same account: identity policy alone allows", "Allowed", identity=ident),
        case("same account: resource policy naming the role alone allows", "Allowed", identity=[], resource_policy=rp({"AWS": ROLE})),
        case("same account: resource policy naming the account needs an identity allow", "ImplicitlyDenied", identity=[], resource_policy=rp({"AWS": ME})),
        case("same account: resource policy naming the account root ARN needs an identity allow", "ImplicitlyDenied", identity=[], resource_policy=rp({"AWS": f"arn:aws:iam::{ME}:root"})),
        case("same account: account principal plus identity allow", "Allowed", identity=ident, resource_policy=rp({"AWS": ME})),
        case("same account: resource policy open to * allows", "Allowed", identity=[], resource_policy=rp("*")),
        case("same account: resource policy AWS * allows", "Allowed", identity=[], resource_policy=rp({"AWS": "*"})),
        case("same account: resource policy deny wins over identity allow", "ExplicitlyDenied", identity=ident, resource_policy=policy({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"})),
        case("same account: resource policy for another principal does not allow", "ImplicitlyDenied", identity=[], resource_policy=rp({"AWS": f"arn:aws:iam::{ME}:role/other"})),
        case("same account: the bucket ARN has no account field (principal's account assumed)", "Allowed", req=request(account=None), identity=[], resource_policy=rp({"AWS": ROLE})),
        case("cross-account: identity allow alone is not enough", "ImplicitlyDenied", req=request(account=OTHER), identity=ident),
        case("cross-account: resource allow alone is not enough", "ImplicitlyDenied", req=request(account=OTHER), identity=[], resource_policy=rp({"AWS": ROLE})),
        case("cross-account: both allow", "Allowed", req=request(account=OTHER), identity=ident, resource_policy=rp({"AWS": ROLE})),
        case("cross-account: resource policy trusting the principal's account", "Allowed", req=request(account=OTHER), identity=ident, resource_policy=rp({"AWS": ME})),
        case("cross-account: resource policy trusting another account", "ImplicitlyDenied", req=request(account=OTHER), identity=ident, resource_policy=rp({"AWS": "999988887777"})),
        case("cross-account: resource ARN's account field decides", "ImplicitlyDenied", req=request(action="sqs:SendMessage", resource=f"arn:aws:sqs:us-east-1:{OTHER}:queue", account=None),
             identity=[policy(allow(action="sqs:SendMessage"))]),
        case("cross-account: resource policy with PrincipalOrgID", "Allowed", req=request(account=OTHER, context={"aws:PrincipalOrgID": ORG}), identity=ident,
             resource_policy=rp("*", Condition={"StringEquals": {"aws:PrincipalOrgID": ORG}})),
        case("cross-account: resource policy with PrincipalOrgID, other org", "ImplicitlyDenied", req=request(account=OTHER, context={"aws:PrincipalOrgID": "o-zzzzzzzzzz"}), identity=ident,
             resource_policy=rp("*", Condition={"StringEquals": {"aws:PrincipalOrgID": ORG}})),
        case("cross-account: resource policy with PrincipalOrgID, key absent", "ImplicitlyDenied", req=request(account=OTHER), identity=ident,
             resource_policy=rp("*", Condition={"StringEquals": {"aws:PrincipalOrgID": ORG}})),
        case("principal: a role ARN matches its sessions", "Allowed", req=request(principal=session), identity=[], resource_policy=rp({"AWS": ROLE})),
        case("principal: a role ARN with a path matches its sessions", "Allowed", req=request(principal=f"arn:aws:sts::{ME}:assumed-role/app/alice"), identity=[], resource_policy=rp({"AWS": path_role})),
        case("principal: a session ARN matches only itself", "ImplicitlyDenied", req=request(principal=f"arn:aws:sts::{ME}:assumed-role/app/bob"), identity=[], resource_policy=rp({"AWS": session})),
        case("principal: the session ARN itself", "Allowed", req=request(principal=session), identity=[], resource_policy=rp({"AWS": session})),
        case("principal: a user ARN", "Allowed", req=request(principal=f"arn:aws:iam::{ME}:user/bob"), identity=[], resource_policy=rp({"AWS": f"arn:aws:iam::{ME}:user/bob"})),
        case("principal: another user", "ImplicitlyDenied", req=request(principal=f"arn:aws:iam::{ME}:user/alice"), identity=[], resource_policy=rp({"AWS": f"arn:aws:iam::{ME}:user/bob"})),
        case("principal: a role of the same name in another account", "ImplicitlyDenied", req=request(principal=f"arn:aws:sts::{OTHER}:assumed-role/app/s", account=ME), identity=ident,
             resource_policy=rp({"AWS": ROLE})),
        case("principal: a list of principals", "Allowed", identity=[], resource_policy=rp({"AWS": [f"arn:aws:iam::{ME}:role/x", ROLE]})),
        case("principal: a service principal", "Allowed", req=request(principal="cloudtrail.amazonaws.com", account=None), identity=[],
             resource_policy=rp({"Service": "cloudtrail.amazonaws.com"})),
        case("principal: another service", "ImplicitlyDenied", req=request(principal="config.amazonaws.com", account=None), identity=[],
             resource_policy=rp({"Service": "cloudtrail.amazonaws.com"})),
        case("principal: a canonical user", "Allowed", req=request(principal="79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be", account=None), identity=[],
             resource_policy=rp({"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"})),
        case("anonymous: allowed by Principal *", "Allowed", req=request(principal="anonymous"), resource_policy=rp("*")),
        case("anonymous: allowed by AWS *", "Allowed", req=request(principal="anonymous"), resource_policy=rp({"AWS": "*"})),
        case("anonymous: not by an account principal", "ImplicitlyDenied", req=request(principal="anonymous"), resource_policy=rp({"AWS": ME})),
        case("anonymous: identity policies do not apply", "ImplicitlyDenied", req=request(principal="anonymous"), identity=ident),
        case("anonymous: no resource policy", "ImplicitlyDenied", req=request(principal="anonymous")),
        case("anonymous: explicit deny for everyone", "ExplicitlyDenied", req=request(principal="anonymous"),
             resource_policy=policy(allow(Principal="*"), {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"})),
        case("NotPrincipal: deny everyone but the listed role (listed)", "Allowed", identity=ident,
             resource_policy=policy({"Effect": "Deny", "NotPrincipal": {"AWS": ROLE}, "Action": "s3:*", "Resource": "*"})),
        case("NotPrincipal: deny everyone but the listed role (other)", "ExplicitlyDenied", req=request(principal=f"arn:aws:iam::{ME}:role/other"), identity=ident,
             resource_policy=policy({"Effect": "Deny", "NotPrincipal": {"AWS": ROLE}, "Action": "s3:*", "Resource": "*"})),
        case("resource policy: condition on the source IP", "Allowed", req=request(context={"aws:SourceIp": "203.0.113.5"}), identity=[],
             resource_policy=rp({"AWS": ROLE}, Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})),
        case("resource policy: condition on the source IP fails", "ImplicitlyDenied", req=request(context={"aws:SourceIp": "198.51.100.5"}), identity=[],
             resource_policy=rp({"AWS": ROLE}, Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})),
        case("resource policy: deny without TLS", "ExplicitlyDenied", req=request(context={"aws:SecureTransport": "false"}), identity=ident,
             resource_policy=policy({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})),
    ]


def org_boundary_cases():
    """The three boundary policies of the condition-keys post, as identity policies and SCPs."""
    acct_boundary = policy({"Sid": "DenyS3AccessOutsideMyBoundary", "Effect": "Deny", "Action": ["s3:*"], "Resource": "*",
                            "Condition": {"StringNotEquals": {"aws:ResourceAccount": [ME]}}})
    ou_boundary = policy({"Sid": "DenyS3AccessOutsideMyBoundary", "Effect": "Deny", "Action": ["s3:*"], "Resource": "arn:aws:s3:::*/*",
                          "Condition": {"ForAllValues:StringNotLike": {"aws:ResourceOrgPaths": [f"{ORG}/{ROOT}/{OU_MEDIA}/", f"{ORG}/{ROOT}/{OU_SPORTS}/*"]}}})
    org_boundary = policy({"Sid": "DenyS3AccessOutsideMyBoundary", "Effect": "Deny", "Action": ["s3:*"], "Resource": "arn:aws:s3:::*/*",
                           "Condition": {"StringNotEquals": {"aws:ResourceOrgID": "${aws:PrincipalOrgID}"}}})
    ident = lambda b: [policy(allow(action="s3:*")), b]
    media = [f"{ORG}/{ROOT}/{OU_MEDIA}/"]
    baseball = [f"{ORG}/{ROOT}/{OU_SPORTS}/{OU_BASEBALL}/"]
    gov = [f"{ORG}/{ROOT}/ou-ab12-44444444/"]
    return [
        case("boundary account: inside", "Allowed", req=request(context={"aws:ResourceAccount": ME}), identity=ident(acct_boundary)),
        case("boundary account: outside", "ExplicitlyDenied", req=request(context={"aws:ResourceAccount": OTHER}), identity=ident(acct_boundary)),
        case("boundary account: key absent denies (StringNotEquals on an absent key)", "ExplicitlyDenied", identity=ident(acct_boundary)),
        case("boundary OUs: Media", "Allowed", req=request(context={"aws:ResourceOrgPaths": media}), identity=ident(ou_boundary)),
        case("boundary OUs: Baseball under Sports", "Allowed", req=request(context={"aws:ResourceOrgPaths": baseball}), identity=ident(ou_boundary)),
        case("boundary OUs: Sports itself", "Allowed", req=request(context={"aws:ResourceOrgPaths": [f"{ORG}/{ROOT}/{OU_SPORTS}/"]}), identity=ident(ou_boundary)),
        case("boundary OUs: Governance is outside", "ExplicitlyDenied", req=request(context={"aws:ResourceOrgPaths": gov}), identity=ident(ou_boundary)),
        case("boundary OUs: outside any organization (key absent): ForAllValues holds, the deny applies", "ExplicitlyDenied", identity=ident(ou_boundary)),
        case("boundary OUs: the bucket itself (no object) is not covered", "Allowed", req=request(action="s3:ListBucket", resource="arn:aws:s3:::bucket", context={"aws:ResourceOrgPaths": gov}), identity=ident(ou_boundary)),
        case("boundary org: same organization", "Allowed", req=request(context={"aws:ResourceOrgID": ORG, "aws:PrincipalOrgID": ORG}), identity=ident(org_boundary)),
        case("boundary org: another organization", "ExplicitlyDenied", req=request(context={"aws:ResourceOrgID": "o-zzzzzzzzzz", "aws:PrincipalOrgID": ORG}), identity=ident(org_boundary)),
        case("boundary org: resource outside any organization", "ExplicitlyDenied", req=request(context={"aws:PrincipalOrgID": ORG}), identity=ident(org_boundary)),
        case("boundary org as an SCP: another organization", "ExplicitlyDenied", req=request(context={"aws:ResourceOrgID": "o-zzzzzzzzzz", "aws:PrincipalOrgID": ORG}),
             identity=[policy(allow(action="s3:*"))], scps=[{"node": ROOT, "policies": [full_access(), org_boundary]}]),
        case("boundary org as an SCP: same organization", "Allowed", req=request(context={"aws:ResourceOrgID": ORG, "aws:PrincipalOrgID": ORG}),
             identity=[policy(allow(action="s3:*"))], scps=[{"node": ROOT, "policies": [full_access(), org_boundary]}]),
        case("PrincipalOrgPaths: trust an OU subtree", "Allowed", req=request(account=OTHER, context={"aws:PrincipalOrgPaths": baseball}), identity=[policy(allow())],
             resource_policy=policy(allow(Principal="*", Condition={"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": [f"{ORG}/{ROOT}/{OU_SPORTS}/*"]}}))),
        case("PrincipalOrgPaths: another OU", "ImplicitlyDenied", req=request(account=OTHER, context={"aws:PrincipalOrgPaths": media}), identity=[policy(allow())],
             resource_policy=policy(allow(Principal="*", Condition={"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": [f"{ORG}/{ROOT}/{OU_SPORTS}/*"]}}))),
        case("PrincipalAccount in a resource policy", "Allowed", req=request(account=OTHER, context={"aws:PrincipalAccount": ME}), identity=[policy(allow())],
             resource_policy=policy(allow(Principal="*", Condition={"StringEquals": {"aws:PrincipalAccount": [ME]}}))),
    ]


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    files = {
        "conditions.json": condition_cases(),
        "variables.json": variable_cases(),
        "actions_resources.json": action_resource_cases(),
        "scp.json": scp_cases(),
        "cross_account.json": cross_account_cases(),
        "org_boundaries.json": org_boundary_cases(),
    }
    total = 0
    for name, cases in files.items():
        (OUT / name).write_text(json.dumps(cases, indent=1) + "\n")
        total += len(cases)
    print(f"{total} cases in {len(files)} files")


if __name__ == "__main__":
    main()
