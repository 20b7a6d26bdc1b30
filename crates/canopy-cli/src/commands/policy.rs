//! `canopy policy ...`: the offline policy engine's commands.
//!
//! Over 600 lines: the words of the policy engine's five reports (eval, lint, simulate, effective,
//! boundary); they shrink as the engine's reports serialize themselves.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use canopy_engine::policy::{SimulateInput, Simulation};
use canopy_model::{AccountId, OrgSnapshot};
use canopy_policy::{
    CaseResult, PolicyKind, Reason, SCP_MAX_PER_TARGET, Severity, Source, StatementRef, Verdict,
    load_cases, run_case,
};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;

use crate::args::SummaryFormat;
use crate::commands::{Ctx, Outcome};
use crate::output;

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Evaluate a file of cases: each request against its identity, resource and SCP policies
    #[command(
        after_help = "The case file is a JSON list of {\"name\", \"request\": {\"principal\", \"action\", \"resource\", \"resource_account\", \"context\"}, \"identity_policies\", \"resource_policy\", \"scp_levels\": [{\"node\", \"policies\"}], \"expected\"} (see the README). Output: one {\"name\", \"decision\", \"decided_by\", \"missing_context_keys\"} per case, in input order. Cases whose decision differs from their \"expected\" are listed on stderr and the exit code is 1.\n\nExamples:\n  canopy policy eval --cases cases.json\n  canopy policy eval --cases cases.json --format table"
    )]
    Eval {
        /// The case file (`-` reads standard input)
        #[arg(long, value_name = "FILE")]
        cases: PathBuf,
        #[arg(long, value_enum, default_value_t = EvalFormat::Json)]
        format: EvalFormat,
    },
    /// Would this request be allowed from this account, and why: its SCP path from the synced organization, level by level
    #[command(
        after_help = "Derived from the synced organizations: aws:PrincipalAccount, aws:PrincipalOrgID, aws:PrincipalOrgPaths, aws:PrincipalArn, and aws:ResourceAccount (plus aws:ResourceOrgID and aws:ResourceOrgPaths when the resource's account is in a synced organization); --context wins over them. SCPs are left out for the management account. Without --identity-policy the principal's identity policies are assumed to allow, so the answer is what the SCPs and the resource policy let through.\n\nExamples:\n  canopy policy simulate --account 111122223333 --action s3:PutObject --resource arn:aws:s3:::logs/x --resource-account 444455556666\n  canopy policy simulate --account 111122223333 --action ec2:RunInstances --context aws:RequestedRegion=us-east-1 --identity-policy admin.json"
    )]
    Simulate(SimulateArgs),
    /// The policies in force at each level of an account's path, root first
    #[command(after_help = "Example:\n  canopy policy effective 111122223333 --format json")]
    Effective {
        #[arg(value_name = "ACCOUNT_ID")]
        account: String,
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
    /// A deny-outside-boundary policy for the synced tree (aws:ResourceOrgID, aws:ResourceOrgPaths, aws:ResourceAccount)
    #[command(
        after_help = "--scope organization: resources of the principal's own organization only (aws:ResourceOrgID against ${aws:PrincipalOrgID}). --scope ou:OU (repeatable; an id or a name path): resources in those OUs and the OUs below them (ForAllValues:StringNotLike on aws:ResourceOrgPaths). --scope account:ID (repeatable): resources of those accounts (aws:ResourceAccount). With --as resource: the principal-side keys instead (who may reach the resource). The policy denies only; attach it beside the policies that allow.\n\nExamples:\n  canopy policy boundary --scope organization --as scp > boundary-scp.json\n  canopy policy boundary --scope ou:Media --scope ou:Sports --actions s3:* --actions kms:*"
    )]
    Boundary {
        #[arg(
            long = "scope",
            required = true,
            value_name = "organization|ou:OU|account:ID"
        )]
        scopes: Vec<String>,
        /// The actions bounded (repeatable)
        #[arg(long = "actions", value_name = "ACTION", default_values_t = vec!["s3:*".to_owned()])]
        actions: Vec<String>,
        /// Where the policy goes
        #[arg(long = "as", value_enum, default_value_t = PolicyAs::Identity)]
        kind: PolicyAs,
    },
    /// Check policy documents: grammar, SCP limits, and conditions that rarely mean what they say
    #[command(
        after_help = "Errors (exit code 1): documents AWS would refuse or that cannot work as the given kind. Warnings, each with a JSON path and a fix: ForAllValues in an Allow, set operators on single-valued keys, single-valued operators on multivalued keys, Bool on aws:MultiFactorAuthPresent in a Deny, StringLike without a wildcard.\n\nExamples:\n  canopy policy lint scp/*.json --as scp\n  canopy policy lint bucket-policy.json --as resource --format json"
    )]
    Lint {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// How the documents are used
        #[arg(long = "as", value_enum, default_value_t = PolicyAs::Identity)]
        kind: PolicyAs,
        /// Exit code 1 on warnings too
        #[arg(long)]
        deny_warnings: bool,
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
    },
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// The account the request is made from (its SCP path and organization keys are used)
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
    /// The action (`s3:GetObject`)
    #[arg(long)]
    pub action: String,
    /// The resource ARN (none: `*`)
    #[arg(long, value_name = "ARN")]
    pub resource: Option<String>,
    /// The account owning the resource (default: the ARN's account field)
    #[arg(long, value_name = "ID")]
    pub resource_account: Option<String>,
    /// Who asks (default: a role named canopy-simulated in the account)
    #[arg(long, value_name = "ARN")]
    pub principal: Option<String>,
    /// A request context key (repeat a key for a list); wins over the derived keys
    #[arg(long = "context", value_name = "KEY=VALUE")]
    pub context: Vec<String>,
    /// An identity-based policy of the principal (repeatable; none: assumed to allow everything)
    #[arg(long = "identity-policy", value_name = "FILE")]
    pub identity_policies: Vec<PathBuf>,
    /// The resource's resource-based policy
    #[arg(long, value_name = "FILE")]
    pub resource_policy: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PolicyAs {
    Identity,
    Resource,
    Scp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EvalFormat {
    Json,
    Table,
}

pub async fn exec(ctx: &Ctx, command: PolicyCommand) -> Result<Outcome> {
    match command {
        PolicyCommand::Eval { cases, format } => eval(ctx, &cases, format),
        PolicyCommand::Simulate(args) => {
            let (snaps, outcome) = ctx.snapshots().await?;
            simulate(&snaps, args).map(|o| outcome.and(o))
        }
        PolicyCommand::Effective { account, format } => {
            let (snaps, outcome) = ctx.snapshots().await?;
            effective(&snaps, &account, format).map(|o| outcome.and(o))
        }
        PolicyCommand::Boundary {
            scopes,
            actions,
            kind,
        } => {
            let (snaps, outcome) = ctx.snapshots().await?;
            boundary(&snaps, &scopes, &actions, kind).map(|o| outcome.and(o))
        }
        PolicyCommand::Lint {
            files,
            kind,
            deny_warnings,
            format,
        } => lint(&files, kind, deny_warnings, format),
    }
}

fn read_input(path: &Path) -> Result<String> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read the cases from standard input")?;
        return Ok(text);
    }
    std::fs::read_to_string(path).with_context(|| format!("cannot read `{}`", path.display()))
}

/// `policy eval --cases FILE`: every case's decision, in input order; disagreements with
/// `expected` on stderr and exit code 1.
fn eval(ctx: &Ctx, path: &Path, format: EvalFormat) -> Result<Outcome> {
    let text = read_input(path)?;
    let cases = load_cases(&text).with_context(|| format!("`{}`", path.display()))?;
    let results: Vec<CaseResult> = cases.iter().map(run_case).collect();
    let mut out = std::io::stdout().lock();
    match format {
        EvalFormat::Json => output::json(&mut out, &results)?,
        EvalFormat::Table => {
            let rows: Vec<Vec<String>> = results
                .iter()
                .map(|r| {
                    vec![
                        r.name.clone(),
                        r.decision.to_string(),
                        r.expected.map(|e| e.to_string()).unwrap_or_default(),
                        r.decided_by.join("; "),
                        r.missing_context_keys.join(", "),
                    ]
                })
                .collect();
            output::table(
                &mut out,
                &[
                    "CASE",
                    "DECISION",
                    "EXPECTED",
                    "DECIDED BY",
                    "MISSING CONTEXT KEYS",
                ],
                &rows,
            )?;
        }
    }
    out.flush()?;
    let wrong: Vec<&CaseResult> = results
        .iter()
        .filter(|r| r.expected.is_some_and(|e| e != r.decision))
        .collect();
    if wrong.is_empty() {
        return Ok(Outcome::Success);
    }
    ctx.printer.detail(&format!(
        "{} of {} case(s) disagree with their expected decision:",
        wrong.len(),
        results.len()
    ));
    for r in &wrong {
        ctx.printer.detail(&format!(
            "  {:?}: expected {}, got {}{}",
            r.name,
            r.expected.map(|e| e.to_string()).unwrap_or_default(),
            r.decision,
            if r.decided_by.is_empty() {
                String::new()
            } else {
                format!(" (decided by {})", r.decided_by.join("; "))
            }
        ));
    }
    Ok(Outcome::Partial)
}

/// `policy lint FILE...`: findings per file; exit code 1 on errors (or on warnings when asked).
fn lint(
    files: &[std::path::PathBuf],
    kind: PolicyAs,
    deny_warnings: bool,
    format: SummaryFormat,
) -> Result<Outcome> {
    let kind = match kind {
        PolicyAs::Identity => PolicyKind::Identity,
        PolicyAs::Resource => PolicyKind::Resource,
        PolicyAs::Scp => PolicyKind::Scp,
    };
    let mut reports = Vec::new();
    for file in files {
        let text = read_input(file)?;
        reports.push((file.display().to_string(), canopy_policy::lint(&text, kind)));
    }
    let mut extra = Vec::new();
    if kind == PolicyKind::Scp && files.len() > SCP_MAX_PER_TARGET {
        extra.push(format!(
            "{} SCPs given: one root, OU or account takes at most {SCP_MAX_PER_TARGET}",
            files.len()
        ));
    }
    let errors = reports
        .iter()
        .flat_map(|(_, f)| f)
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = reports
        .iter()
        .flat_map(|(_, f)| f)
        .filter(|f| f.severity == Severity::Warning)
        .count()
        + extra.len();
    let mut out = std::io::stdout().lock();
    match format {
        SummaryFormat::Json => output::json(
            &mut out,
            &json!({
                "files": reports.iter().map(|(file, findings)| json!({"file": file, "findings": findings})).collect::<Vec<_>>(),
                "warnings": extra,
            }),
        )?,
        SummaryFormat::Text => {
            for (file, findings) in &reports {
                for f in findings {
                    let at = if f.path.is_empty() {
                        String::new()
                    } else {
                        format!(" at {}", f.path)
                    };
                    writeln!(
                        out,
                        "{file}: {}{at}: {}",
                        match f.severity {
                            Severity::Error => "error",
                            Severity::Warning => "warning",
                        },
                        f.message
                    )?;
                    if let Some(fix) = &f.fix {
                        writeln!(out, "  fix: {fix}")?;
                    }
                }
            }
            for w in &extra {
                writeln!(out, "warning: {w}")?;
            }
            writeln!(
                out,
                "{} file(s): {errors} error(s), {warnings} warning(s)",
                reports.len()
            )?;
        }
    }
    Ok(if errors > 0 || (deny_warnings && warnings > 0) {
        Outcome::Partial
    } else {
        Outcome::Success
    })
}

fn read_policy(path: &Path) -> Result<(String, canopy_policy::Policy)> {
    let text = read_input(path)?;
    let policy =
        canopy_policy::Policy::parse_str(&text).with_context(|| format!("`{}`", path.display()))?;
    Ok((path.display().to_string(), policy))
}

/// How a statement is named in explanations: the policy's name (SCP or file) and the statement.
fn statement_name(sim: &Simulation, r: &StatementRef) -> String {
    let policy = match r.source {
        Source::Scp { level, policy } => sim
            .levels
            .get(level)
            .and_then(|(_, _, names)| names.get(policy))
            .cloned()
            .unwrap_or_default(),
        Source::Identity { policy } => sim
            .identity_names
            .get(policy)
            .cloned()
            .unwrap_or_else(|| "(assumed identity allow)".to_owned()),
        Source::Resource => sim.resource_name.clone().unwrap_or_default(),
    };
    let sid = r
        .sid
        .as_ref()
        .map(|s| format!(" ({s})"))
        .unwrap_or_default();
    format!("{policy} Statement[{}]{sid}", r.statement)
}

/// A reason with the deciding statement named by its policy.
fn reason_name(sim: &Simulation, r: &Reason) -> String {
    match r {
        Reason::Statement(s) => statement_name(sim, s),
        Reason::ScpLevelWithoutAllow { level, .. } => {
            let (node, name, _) = sim.levels.get(*level).cloned().unwrap_or_default();
            format!("SCPs at {node} ({name}): no statement allows")
        }
        other => other.to_string(),
    }
}

fn verdict_json(sim: &Simulation, v: &Verdict) -> serde_json::Value {
    json!({
        "allowed_by": v.allowed_by.iter().map(|r| statement_name(sim, r)).collect::<Vec<_>>(),
        "denied_by": v.denied_by.iter().map(|r| statement_name(sim, r)).collect::<Vec<_>>(),
    })
}

fn verdict_text(sim: &Simulation, v: &Verdict) -> String {
    let names = |refs: &[StatementRef]| {
        refs.iter()
            .map(|r| statement_name(sim, r))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (v.denied_by.is_empty(), v.allowed_by.is_empty()) {
        (false, _) => format!("DENIES: {}", names(&v.denied_by)),
        (true, false) => format!("allows: {}", names(&v.allowed_by)),
        (true, true) => "no statement allows".to_owned(),
    }
}

/// `policy simulate`: the decision for a request from an account of a synced organization,
/// explained level by level.
fn simulate(snapshots: &[OrgSnapshot], args: SimulateArgs) -> Result<Outcome> {
    let account = args
        .account
        .as_deref()
        .map(|a| {
            a.parse::<AccountId>()
                .map_err(|e| anyhow::anyhow!("--account `{a}`: {e}"))
        })
        .transpose()?;
    let mut context = Vec::new();
    for pair in &args.context {
        let Some((k, v)) = pair.split_once('=') else {
            anyhow::bail!("--context `{pair}`: write KEY=VALUE (aws:SourceIp=203.0.113.10)");
        };
        context.push((k.trim().to_owned(), v.to_owned()));
    }
    let input = SimulateInput {
        account,
        action: args.action.clone(),
        resource: args.resource.clone(),
        resource_account: args.resource_account.clone(),
        principal: args.principal.clone(),
        context,
        identity_policies: args
            .identity_policies
            .iter()
            .map(|p| read_policy(p))
            .collect::<Result<_>>()?,
        resource_policy: args
            .resource_policy
            .as_deref()
            .map(read_policy)
            .transpose()?,
    };
    let sim = canopy_engine::policy::simulate(snapshots, input)?;
    let resource = args.resource.as_deref();
    let mut out = std::io::stdout().lock();
    match args.format {
        SummaryFormat::Json => {
            output::json(&mut out, &simulation_json(&sim, &args.action, resource))?
        }
        SummaryFormat::Text => write_simulation(&mut out, &sim, &args.action, resource)?,
    }
    Ok(Outcome::Success)
}

/// A simulation as `--format json` prints it (`policy simulate`, `access can`).
pub(crate) fn simulation_json(
    sim: &Simulation,
    action: &str,
    resource: Option<&str>,
) -> serde_json::Value {
    let ex = &sim.explanation;
    json!({
        "principal": sim.principal,
        "action": action,
        "resource": resource.unwrap_or("*"),
        "account": sim.account,
        "organization": sim.org_id,
        "path": sim.name_path,
        "management_account": sim.is_management,
        "context": sim.context.iter().map(|c| json!({
            "key": c.key,
            "value": if c.list { json!(c.values) } else { json!(c.values.first()) },
            "derived": c.derived,
        })).collect::<Vec<_>>(),
        "scps_apply": ex.scps_apply,
        "scp_levels": sim.levels.iter().zip(&ex.scp_levels).map(|((node, name, scps), v)| {
            let mut level = verdict_json(sim, v);
            level["node"] = json!(node);
            level["name"] = json!(name);
            level["scps"] = json!(scps);
            level
        }).collect::<Vec<_>>(),
        "identity": {
            "assumed_allow": sim.assumed_identity_allow,
            "policies": sim.identity_names,
            "verdict": verdict_json(sim, &ex.identity),
        },
        "resource_policy": sim.resource_name.as_ref().map(|n| json!({
            "policy": n, "verdict": verdict_json(sim, &ex.resource),
        })),
        "decision": ex.evaluation.decision,
        "decided_by": ex.evaluation.decided_by.iter().map(|r| reason_name(sim, r)).collect::<Vec<_>>(),
        "missing_context_keys": ex.evaluation.missing_context_keys,
    })
}

/// A simulation as text: the request, its context, each SCP level, identity and resource
/// policies, the decision and what decided it (`policy simulate`, `access can`).
pub(crate) fn write_simulation(
    out: &mut impl Write,
    sim: &Simulation,
    action: &str,
    resource: Option<&str>,
) -> Result<()> {
    let ex = &sim.explanation;
    writeln!(
        out,
        "request:  {} {} {}",
        sim.principal,
        action,
        resource.unwrap_or("*")
    )?;
    writeln!(
        out,
        "account:  {} in {} at {}",
        sim.account, sim.org_id, sim.name_path
    )?;
    writeln!(out, "context:")?;
    for c in &sim.context {
        writeln!(
            out,
            "  {} = {}{}",
            c.key,
            if c.list {
                format!("[{}]", c.values.join(", "))
            } else {
                c.values.join(", ")
            },
            if c.derived { "  (derived)" } else { "" }
        )?;
    }
    if sim.is_management {
        writeln!(
            out,
            "SCPs:     none (SCPs do not apply to the management account)"
        )?;
    } else if !ex.scps_apply && !sim.levels.is_empty() {
        writeln!(out, "SCPs:     do not apply to this principal")?;
    } else if sim.levels.is_empty() {
        writeln!(out, "SCPs:     not enabled in this organization")?;
    } else {
        writeln!(out, "SCPs, root to account:")?;
        for ((node, name, scps), v) in sim.levels.iter().zip(&ex.scp_levels) {
            writeln!(
                out,
                "  {node} {name} [{}]: {}",
                scps.join(", "),
                verdict_text(sim, v)
            )?;
        }
    }
    if sim.assumed_identity_allow {
        writeln!(
            out,
            "identity: assumed to allow (no --identity-policy given)"
        )?;
    } else {
        writeln!(out, "identity: {}", verdict_text(sim, &ex.identity))?;
    }
    match &sim.resource_name {
        Some(n) => writeln!(
            out,
            "resource policy ({n}): {}",
            verdict_text(sim, &ex.resource)
        )?,
        None => writeln!(out, "resource policy: none")?,
    }
    writeln!(out, "decision: {}", ex.evaluation.decision)?;
    for r in &ex.evaluation.decided_by {
        writeln!(out, "  decided by {}", reason_name(sim, r))?;
    }
    if !ex.evaluation.missing_context_keys.is_empty() {
        writeln!(
            out,
            "missing context keys (the policies ask, the request does not carry): {}",
            ex.evaluation.missing_context_keys.join(", ")
        )?;
    }
    Ok(())
}

/// `policy effective ACCOUNT`: the policies attached at each level of the account's path.
fn effective(snapshots: &[OrgSnapshot], account: &str, format: SummaryFormat) -> Result<Outcome> {
    let id: AccountId = account
        .parse()
        .map_err(|e| anyhow::anyhow!("`{account}`: {e}"))?;
    let eff = canopy_engine::policy::effective(snapshots, &id)?;
    let too_many = |level: &canopy_engine::policy::Level| level.scps().count() > SCP_MAX_PER_TARGET;
    let mut out = std::io::stdout().lock();
    match format {
        SummaryFormat::Json => output::json(
            &mut out,
            &json!({
                "account_id": eff.account.id,
                "account_name": eff.account.name,
                "state": eff.account.state.as_str(),
                "organization": eff.snapshot.organization.id,
                "path": eff.name_path,
                "org_path": eff.org_path,
                "management_account": eff.is_management,
                "scps_enabled": eff.scps_enabled,
                "scps_apply": eff.scps_enabled && !eff.is_management,
                "levels": eff.levels.iter().map(|l| json!({
                    "node": l.node,
                    "kind": l.kind,
                    "name": l.name,
                    "policies": l.policies.iter().map(|p| json!({
                        "id": p.id, "name": p.name, "type": p.policy_type, "aws_managed": p.aws_managed,
                    })).collect::<Vec<_>>(),
                    "warnings": if too_many(l) {
                        vec![format!("{} SCPs attached: AWS allows at most {SCP_MAX_PER_TARGET} per target", l.scps().count())]
                    } else { Vec::new() },
                })).collect::<Vec<_>>(),
            }),
        )?,
        SummaryFormat::Text => {
            writeln!(
                out,
                "{} {} ({}) in {}, {}",
                eff.account.id,
                eff.account.name,
                eff.account.state,
                eff.snapshot.organization.id,
                eff.name_path
            )?;
            writeln!(out, "aws:PrincipalOrgPaths: {}", eff.org_path)?;
            if eff.is_management {
                writeln!(out, "the management account: SCPs do not apply to it")?;
            } else if !eff.scps_enabled {
                writeln!(out, "SCPs are not enabled on this organization's root")?;
            }
            let rows: Vec<Vec<String>> = eff
                .levels
                .iter()
                .flat_map(|l| {
                    let head = vec![l.kind.to_owned(), l.node.clone(), l.name.clone()];
                    if l.policies.is_empty() {
                        return vec![
                            [
                                head,
                                vec!["-".to_owned(), "(none)".to_owned(), String::new()],
                            ]
                            .concat(),
                        ];
                    }
                    l.policies
                        .iter()
                        .map(|p| {
                            [
                                head.clone(),
                                vec![
                                    p.policy_type.clone(),
                                    p.name.clone(),
                                    format!(
                                        "{}{}",
                                        p.id,
                                        if p.aws_managed { " (AWS managed)" } else { "" }
                                    ),
                                ],
                            ]
                            .concat()
                        })
                        .collect()
                })
                .collect();
            output::table(
                &mut out,
                &["LEVEL", "NODE", "NAME", "TYPE", "POLICY", "ID"],
                &rows,
            )?;
            for l in eff.levels.iter().filter(|l| too_many(l)) {
                writeln!(
                    out,
                    "warning: {} SCPs attached to {} ({}): AWS allows at most {SCP_MAX_PER_TARGET} per target",
                    l.scps().count(),
                    l.node,
                    l.name
                )?;
            }
        }
    }
    Ok(Outcome::Success)
}

/// `policy boundary`: a deny-outside-boundary policy for the synced tree, on stdout.
fn boundary(
    snapshots: &[OrgSnapshot],
    scopes: &[String],
    actions: &[String],
    kind: PolicyAs,
) -> Result<Outcome> {
    use canopy_engine::policy::{BoundaryKind, Scope};
    let mut scope: Option<Scope> = None;
    for s in scopes {
        let next = if s.eq_ignore_ascii_case("organization") {
            Scope::Organization
        } else if let Some(ou) = s.strip_prefix("ou:") {
            Scope::Ous(vec![ou.to_owned()])
        } else if let Some(id) = s.strip_prefix("account:") {
            Scope::Accounts(vec![
                id.parse()
                    .map_err(|e| anyhow::anyhow!("--scope `{s}`: {e}"))?,
            ])
        } else {
            anyhow::bail!("--scope `{s}`: write organization, ou:OU_ID_OR_PATH or account:ID");
        };
        scope = Some(match (scope, next) {
            (None, n) => n,
            (Some(Scope::Ous(mut a)), Scope::Ous(b)) => {
                a.extend(b);
                Scope::Ous(a)
            }
            (Some(Scope::Accounts(mut a)), Scope::Accounts(b)) => {
                a.extend(b);
                Scope::Accounts(a)
            }
            (Some(Scope::Organization), Scope::Organization) => Scope::Organization,
            _ => anyhow::bail!(
                "--scope: give organization, or OUs, or accounts (one kind per boundary)"
            ),
        });
    }
    let Some(scope) = scope else {
        anyhow::bail!("--scope is required");
    };
    let kind = match kind {
        PolicyAs::Identity => BoundaryKind::Identity,
        PolicyAs::Scp => BoundaryKind::Scp,
        PolicyAs::Resource => BoundaryKind::Resource,
    };
    let policy = canopy_engine::policy::boundary(snapshots, &scope, actions, kind)?;
    let mut out = std::io::stdout().lock();
    output::json(&mut out, &policy)?;
    Ok(Outcome::Success)
}
