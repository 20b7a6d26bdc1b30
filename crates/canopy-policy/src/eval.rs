//! The decision, following AWS's documented evaluation logic: an explicit Deny in any applicable
//! policy wins; every SCP level from the root to the account needs an Allow (SCPs do not apply
//! to service-linked roles, and the caller leaves them out for the management account); in the
//! same account an identity-based or a resource-based policy may allow, across accounts both must.

use canopy_model::Arn;

use crate::condition::ArnPattern;
use crate::document::{Effect, Negatable, Policy, PrincipalEntry, Statement};
use crate::request::{Principal, Request};

/// The outcome AWS would reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Decision {
    Allowed,
    ImplicitlyDenied,
    ExplicitlyDenied,
}

impl std::fmt::Display for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Allowed => "Allowed",
            Self::ImplicitlyDenied => "ImplicitlyDenied",
            Self::ExplicitlyDenied => "ExplicitlyDenied",
        })
    }
}

/// The SCPs attached at one node of the path from the root to the account.
#[derive(Debug, Clone, PartialEq)]
pub struct ScpLevel {
    /// `r-ab12`, `ou-ab12-11111111`, an account id.
    pub node: String,
    pub policies: Vec<Policy>,
}

/// Every policy that applies to a request, compiled.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicySet {
    pub identity: Vec<Policy>,
    pub resource: Option<Policy>,
    /// From the root to the account; empty: no SCPs apply.
    pub scp_levels: Vec<ScpLevel>,
}

/// Where a statement sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Identity { policy: usize },
    Resource,
    Scp { level: usize, policy: usize },
}

/// A statement that took part in the decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementRef {
    pub source: Source,
    pub statement: usize,
    pub sid: Option<String>,
}

/// Why: the statements that decided, or the SCP level that had no Allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    Statement(StatementRef),
    /// This SCP level has no statement allowing the request.
    ScpLevelWithoutAllow {
        level: usize,
        node: String,
    },
    /// Nothing allows (same account: neither identity nor resource policy; cross-account: the
    /// named side).
    NoAllow {
        side: &'static str,
    },
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Statement(r) => {
                match r.source {
                    Source::Identity { policy } => {
                        write!(f, "identity_policies[{policy}].Statement[{}]", r.statement)?
                    }
                    Source::Resource => write!(f, "resource_policy.Statement[{}]", r.statement)?,
                    Source::Scp { level, policy } => write!(
                        f,
                        "scp_levels[{level}].policies[{policy}].Statement[{}]",
                        r.statement
                    )?,
                }
                if let Some(sid) = &r.sid {
                    write!(f, " ({sid})")?;
                }
                Ok(())
            }
            Self::ScpLevelWithoutAllow { level, node } => {
                write!(f, "scp_levels[{level}] ({node}): no statement allows")
            }
            Self::NoAllow { side } => write!(f, "{side}: no statement allows"),
        }
    }
}

/// A decision with its reasons and the context keys the policies asked for but the request did
/// not carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub decision: Decision,
    pub decided_by: Vec<Reason>,
    pub missing_context_keys: Vec<String>,
}

/// What evaluation reports as it goes; the fast path reports nothing.
trait Trace {
    /// Whether reasons and missing keys are wanted (otherwise evaluation stops early).
    const FULL: bool;
    fn missing(&mut self, key: &str);
}

struct NoTrace;

impl Trace for NoTrace {
    const FULL: bool = false;
    fn missing(&mut self, _: &str) {}
}

#[derive(Default)]
struct Keys(Vec<String>);

impl Trace for Keys {
    const FULL: bool = true;
    fn missing(&mut self, key: &str) {
        if !self.0.iter().any(|k| k.eq_ignore_ascii_case(key)) {
            self.0.push(key.to_owned());
        }
    }
}

/// How a resource policy's principal matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum PrincipalMatch {
    /// Every principal of the principal's account: in the same account the identity-based
    /// policy must also allow.
    Account,
    /// The principal itself (or everyone).
    Direct,
}

fn principal_entry_matches(entry: &PrincipalEntry, who: &Principal) -> Option<PrincipalMatch> {
    match (entry, who) {
        (PrincipalEntry::Everyone, _) => Some(PrincipalMatch::Direct),
        (PrincipalEntry::Account(acct), Principal::Arn { account, .. }) => {
            (acct == account).then_some(PrincipalMatch::Account)
        }
        (
            PrincipalEntry::Arn(arn),
            Principal::Arn {
                arn: who_arn,
                account,
                kind,
                role_name,
                ..
            },
        ) => {
            if arn == who_arn {
                return Some(PrincipalMatch::Direct);
            }
            // a role's ARN also names its sessions (the role ARN may carry a path; the session's
            // ARN does not)
            if kind == "assumed-role"
                && role_name.as_deref().is_some_and(|name| arn.ends_with(name))
                && let Some(named) = Arn::parse(arn)
                && named.account == account.as_str()
                && let Some(rest) = named.resource.strip_prefix("role/")
                && rest.rsplit('/').next() == role_name.as_deref()
            {
                return Some(PrincipalMatch::Direct);
            }
            None
        }
        (
            PrincipalEntry::Service(id)
            | PrincipalEntry::Federated(id)
            | PrincipalEntry::CanonicalUser(id),
            Principal::Other(name),
        ) => (id == name).then_some(PrincipalMatch::Direct),
        (PrincipalEntry::Federated(id), Principal::Arn { arn, .. }) => {
            (id == arn).then_some(PrincipalMatch::Direct)
        }
        _ => None,
    }
}

fn principals_match(
    principals: &Option<Negatable<PrincipalEntry>>,
    who: &Principal,
) -> Option<PrincipalMatch> {
    let p = principals.as_ref()?;
    let best = p
        .items
        .iter()
        .filter_map(|e| principal_entry_matches(e, who))
        .max();
    if p.negated {
        // NotPrincipal: everyone but those listed
        match best {
            Some(_) => None,
            None => Some(PrincipalMatch::Direct),
        }
    } else {
        best
    }
}

fn action_matches(stmt: &Statement, req: &Request) -> bool {
    let set = &stmt.action_set;
    let any = set.any
        || set.exact.contains(&req.action_id)
        || set
            .patterns
            .iter()
            .any(|p| p.matches(&req.action_lower, &req.context, &mut |_| {}));
    any != stmt.actions.negated
}

fn resource_matches(stmt: &Statement, req: &Request, trace: &mut dyn FnMut(&str)) -> bool {
    let Some(resources) = &stmt.resources else {
        return true;
    };
    let any = resources.items.iter().any(|arn| match arn {
        ArnPattern::All => true,
        // a request without a resource (`*`) is matched only by `*`
        _ if req.resource == "*" => false,
        _ => arn.matches(&req.resource, &req.context, trace),
    });
    any != resources.negated
}

/// Whether a statement applies to the request (action, resource, principal, conditions); for a
/// resource policy, how its principal matched.
fn applies<T: Trace>(
    stmt: &Statement,
    req: &Request,
    resource_policy: bool,
    trace: &mut T,
) -> Option<PrincipalMatch> {
    if !action_matches(stmt, req) {
        return None;
    }
    let mut report = |k: &str| trace.missing(k);
    if !resource_matches(stmt, req, &mut report) {
        return None;
    }
    let how = if resource_policy {
        principals_match(&stmt.principals, &req.principal)?
    } else {
        PrincipalMatch::Direct
    };
    let mut holds = true;
    for c in &stmt.conditions {
        if T::FULL
            && c.operator.family != crate::condition::Family::Null
            && !req.context.contains(c.key_id)
        {
            trace.missing(&c.key);
        }
        if holds {
            let mut report = |k: &str| trace.missing(k);
            holds = c.holds(&req.context, &mut report);
            if !holds && !T::FULL {
                return None;
            }
        }
    }
    holds.then_some(how)
}

fn reference(source: Source, index: usize, stmt: &Statement) -> Reason {
    Reason::Statement(StatementRef {
        source,
        statement: index,
        sid: stmt.sid.clone(),
    })
}

fn run<T: Trace>(
    set: &PolicySet,
    req: &Request,
    trace: &mut T,
    reasons: &mut Vec<Reason>,
) -> Decision {
    let scps_apply = set.scps_apply(req);

    // 1. an explicit Deny anywhere
    let mut denied = false;
    let deny_in = |source: Source, policy: &Policy, reasons: &mut Vec<Reason>, trace: &mut T| {
        let resource_policy = source == Source::Resource;
        let mut found = false;
        for (i, stmt) in policy.statements.iter().enumerate() {
            if stmt.effect == Effect::Deny && applies(stmt, req, resource_policy, trace).is_some() {
                found = true;
                if !T::FULL {
                    return true;
                }
                reasons.push(reference(source, i, stmt));
            }
        }
        found
    };
    if scps_apply {
        for (l, level) in set.scp_levels.iter().enumerate() {
            for (p, policy) in level.policies.iter().enumerate() {
                denied |= deny_in(
                    Source::Scp {
                        level: l,
                        policy: p,
                    },
                    policy,
                    reasons,
                    trace,
                );
                if denied && !T::FULL {
                    return Decision::ExplicitlyDenied;
                }
            }
        }
    }
    for (p, policy) in set.identity.iter().enumerate() {
        denied |= deny_in(Source::Identity { policy: p }, policy, reasons, trace);
        if denied && !T::FULL {
            return Decision::ExplicitlyDenied;
        }
    }
    if let Some(policy) = &set.resource {
        denied |= deny_in(Source::Resource, policy, reasons, trace);
        if denied && !T::FULL {
            return Decision::ExplicitlyDenied;
        }
    }

    // 2. every SCP level needs an Allow
    let mut scp_gap: Option<Reason> = None;
    if scps_apply {
        for (l, level) in set.scp_levels.iter().enumerate() {
            let mut allowed = false;
            'level: for policy in &level.policies {
                for stmt in &policy.statements {
                    if stmt.effect == Effect::Allow && applies(stmt, req, false, trace).is_some() {
                        allowed = true;
                        // the full trace reads every statement (for the context keys they ask)
                        if !T::FULL {
                            break 'level;
                        }
                    }
                }
            }
            if !allowed && scp_gap.is_none() {
                scp_gap = Some(Reason::ScpLevelWithoutAllow {
                    level: l,
                    node: level.node.clone(),
                });
                if !T::FULL {
                    return Decision::ImplicitlyDenied;
                }
            }
        }
    }

    // 3. identity-based and resource-based Allows
    // (the fast path stops at the first identity Allow, and skips the resource policy's Allows
    // when they cannot change the answer: same account and already allowed)
    let mut identity_allows = Vec::new();
    let mut identity_allowed = false;
    'identity: for (p, policy) in set.identity.iter().enumerate() {
        for (i, stmt) in policy.statements.iter().enumerate() {
            if stmt.effect == Effect::Allow && applies(stmt, req, false, trace).is_some() {
                identity_allowed = true;
                if !T::FULL {
                    break 'identity;
                }
                identity_allows.push(reference(Source::Identity { policy: p }, i, stmt));
            }
        }
    }
    let anonymous = matches!(req.principal, Principal::Anonymous);
    let resource_decides = T::FULL || anonymous || req.is_cross_account() || !identity_allowed;
    let mut resource_allows = Vec::new();
    let mut resource_match: Option<PrincipalMatch> = None;
    if let Some(policy) = set.resource.as_ref().filter(|_| resource_decides) {
        for (i, stmt) in policy.statements.iter().enumerate() {
            if stmt.effect == Effect::Allow
                && let Some(how) = applies(stmt, req, true, trace)
            {
                resource_match = resource_match.max(Some(how));
                if T::FULL {
                    resource_allows.push(reference(Source::Resource, i, stmt));
                }
            }
        }
    }

    if denied {
        return Decision::ExplicitlyDenied;
    }
    if let Some(gap) = scp_gap {
        reasons.push(gap);
        return Decision::ImplicitlyDenied;
    }
    let allowed = match &req.principal {
        // no credentials: only a resource policy open to everyone
        Principal::Anonymous => resource_match.is_some(),
        _ if req.is_cross_account() => identity_allowed && resource_match.is_some(),
        _ => identity_allowed || resource_match == Some(PrincipalMatch::Direct),
    };
    if T::FULL {
        if allowed {
            if identity_allowed && !matches!(req.principal, Principal::Anonymous) {
                reasons.append(&mut identity_allows);
            }
            if resource_match.is_some() {
                reasons.append(&mut resource_allows);
            }
        } else if matches!(req.principal, Principal::Anonymous) {
            reasons.push(Reason::NoAllow {
                side: "resource_policy (anonymous request)",
            });
        } else if req.is_cross_account() {
            if !identity_allowed {
                reasons.push(Reason::NoAllow {
                    side: "identity_policies",
                });
            }
            if resource_match.is_none() {
                reasons.push(Reason::NoAllow {
                    side: "resource_policy (cross-account)",
                });
            }
        } else {
            reasons.push(Reason::NoAllow {
                side: "identity_policies and resource_policy",
            });
        }
    }
    if allowed {
        Decision::Allowed
    } else {
        Decision::ImplicitlyDenied
    }
}

impl PolicySet {
    /// Whether the SCP levels apply to this request's principal: not to anonymous requests,
    /// service principals or service-linked roles (the caller leaves them out for the
    /// management account).
    pub fn scps_apply(&self, req: &Request) -> bool {
        !self.scp_levels.is_empty()
            && matches!(req.principal, Principal::Arn { .. })
            && !req.principal.is_service_linked_role()
    }

    /// The decision only: no reasons, no missing keys, stops as soon as the answer is known,
    /// allocates nothing.
    pub fn decide(&self, req: &Request) -> Decision {
        let mut reasons = Vec::new();
        run(self, req, &mut NoTrace, &mut reasons)
    }

    /// The decision with the statements that decided it and the context keys the matching
    /// statements asked for that the request did not carry.
    pub fn evaluate(&self, req: &Request) -> Evaluation {
        let mut keys = Keys::default();
        let mut reasons = Vec::new();
        let decision = run(self, req, &mut keys, &mut reasons);
        keys.0.sort_by_key(|k| k.to_lowercase());
        Evaluation {
            decision,
            decided_by: reasons,
            missing_context_keys: keys.0,
        }
    }
}

/// What one group of policies (one SCP level, the identity policies, the resource policy) says
/// about a request: the statements that allow it and those that deny it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    pub allowed_by: Vec<StatementRef>,
    pub denied_by: Vec<StatementRef>,
}

/// A request explained group by group, with the overall evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub evaluation: Evaluation,
    /// Whether the SCP levels apply to this principal (not to service-linked roles, anonymous
    /// requests or service principals).
    pub scps_apply: bool,
    pub scp_levels: Vec<Verdict>,
    pub identity: Verdict,
    pub resource: Verdict,
}

fn verdict<'a>(
    policies: impl Iterator<Item = (Source, &'a Policy)>,
    req: &Request,
    resource_policy: bool,
) -> Verdict {
    let mut v = Verdict::default();
    let mut keys = Keys::default();
    for (source, policy) in policies {
        for (i, stmt) in policy.statements.iter().enumerate() {
            if applies(stmt, req, resource_policy, &mut keys).is_some() {
                let r = StatementRef {
                    source,
                    statement: i,
                    sid: stmt.sid.clone(),
                };
                match stmt.effect {
                    Effect::Allow => v.allowed_by.push(r),
                    Effect::Deny => v.denied_by.push(r),
                }
            }
        }
    }
    v
}

impl PolicySet {
    /// The evaluation, and what each SCP level, the identity policies and the resource policy
    /// say on their own.
    pub fn explain(&self, req: &Request) -> Explanation {
        let scp_levels = self
            .scp_levels
            .iter()
            .enumerate()
            .map(|(l, level)| {
                verdict(
                    level.policies.iter().enumerate().map(move |(p, policy)| {
                        (
                            Source::Scp {
                                level: l,
                                policy: p,
                            },
                            policy,
                        )
                    }),
                    req,
                    false,
                )
            })
            .collect();
        Explanation {
            evaluation: self.evaluate(req),
            scps_apply: self.scps_apply(req),
            scp_levels,
            identity: verdict(
                self.identity
                    .iter()
                    .enumerate()
                    .map(|(p, policy)| (Source::Identity { policy: p }, policy)),
                req,
                false,
            ),
            resource: verdict(
                self.resource
                    .iter()
                    .map(|policy| (Source::Resource, policy)),
                req,
                true,
            ),
        }
    }
}
