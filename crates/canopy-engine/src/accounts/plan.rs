//! `canopy account plan`: what applying a batch file would do, row by row, decided against the
//! synced organizations (OUs, which organization) and against AWS as it is now (the accounts,
//! creations in progress, where each account sits and its tags, the account quota, Identity
//! Center's users, groups, permission sets and assignments). Only reads.
//!
//! A row's key is its account email, lower-cased: an email the organization has already is
//! adopted, never created again; a creation a killed run started (in the journal, or in
//! progress under the row's name) is adopted too. Any row that cannot be done as written
//! makes the whole plan invalid, every such row named with its line and the fix.
//!
//! Over 600 lines: one plan decided row by row against the snapshots, the journal and AWS as it is
//! now; its steps read each other's results (the OU, the account, its assignments).

use std::collections::{BTreeMap, HashMap};

use canopy_aws::{
    AccountSession, AwsSession, Creation, CreationRequest, IdentityCenter, LiveAccount, OrgAdmin,
    PrincipalKind, RoleSpec,
};
use canopy_model::{AccountId, OrgId, OrgSnapshot};
use serde_json::{Value, json};

use crate::access::Principal;
use crate::accounts::batch::{AccountBatch, BatchColumn, BatchRow, OrgUnitRef, RowProblem};
use crate::error::EngineError;

/// What the plan is made with, beside the file.
#[derive(Debug, Clone)]
pub struct BatchOptions {
    /// The permission set the row's SSO user gets on its account.
    pub user_permission_set: String,
    /// The group for rows without an `SSOGroup`.
    pub sso_group: Option<String>,
    /// The group's permission set for rows without a `PermissionSet`.
    pub permission_set: Option<String>,
    /// The region of the Identity Center instance.
    pub sso_region: String,
    /// The role assumed in each management account that is not the caller's.
    pub payer_role: RoleSpec,
    /// The organization of rows that name none (a management account id, an organization id,
    /// or the account it was synced through): the one payer the user named for the batch.
    pub payer: Option<String>,
}

/// One step of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// CreateAccount, with the row's tags and role name.
    Create {
        tags: Vec<(String, String)>,
        role_name: Option<String>,
    },
    /// The organization has the account already (its email), or a creation of it is under way.
    Adopt {
        account: Option<AccountId>,
        /// The creation request to follow, when the account does not exist yet.
        request: Option<String>,
    },
    /// An earlier run made it (the row says SUCCEEDED with its id, and AWS agrees).
    Done { account: AccountId },
    /// MoveAccount from where it is (a new account starts in the root).
    Move {
        from: String,
        to: String,
        to_path: String,
    },
    /// TagResource with the tags it lacks or has with other values.
    Tag { tags: Vec<(String, String)> },
    /// CreateUser in the identity store.
    CreateUser {
        email: String,
        given: String,
        family: String,
    },
    /// CreateAccountAssignment.
    Assign {
        principal: Principal,
        permission_set: String,
    },
    /// The assignment exists already.
    Assigned {
        principal: Principal,
        permission_set: String,
    },
}

impl Step {
    /// Whether applying it changes anything in AWS.
    pub fn writes(&self) -> bool {
        matches!(
            self,
            Self::Create { .. }
                | Self::Move { .. }
                | Self::Tag { .. }
                | Self::CreateUser { .. }
                | Self::Assign { .. }
        )
    }

    /// The action's word: `create`, `adopt`, `skip: done`, `move`, `tag`, `create-user`,
    /// `assign`, `skip: assigned`.
    pub fn action(&self) -> &'static str {
        match self {
            Self::Create { .. } => "create",
            Self::Adopt { .. } => "adopt",
            Self::Done { .. } => "skip: done",
            Self::Move { .. } => "move",
            Self::Tag { .. } => "tag",
            Self::CreateUser { .. } => "create-user",
            Self::Assign { .. } => "assign",
            Self::Assigned { .. } => "skip: assigned",
        }
    }

    /// What the step does, in words.
    pub fn detail(&self) -> String {
        let tags = |tags: &[(String, String)]| {
            tags.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(";")
        };
        match self {
            Self::Create { tags: t, role_name } => {
                let mut with = Vec::new();
                if !t.is_empty() {
                    with.push(format!("tags {}", tags(t)));
                }
                if let Some(role) = role_name {
                    with.push(format!("role {role}"));
                }
                with.join(", ")
            }
            Self::Adopt {
                account: Some(id), ..
            } => id.to_string(),
            Self::Adopt {
                request: Some(request),
                ..
            } => format!("creation in progress ({request})"),
            Self::Adopt { .. } => String::new(),
            Self::Done { account } => account.to_string(),
            Self::Move { from, to, to_path } => format!("{from} -> {to} ({to_path})"),
            Self::Tag { tags: t } => tags(t),
            Self::CreateUser {
                email,
                given,
                family,
            } => format!("{email} ({given} {family})"),
            Self::Assign {
                principal,
                permission_set,
            }
            | Self::Assigned {
                principal,
                permission_set,
            } => format!("{principal} {permission_set}"),
        }
    }

    pub fn to_json(&self) -> Value {
        let tag_map = |t: &[(String, String)]| t.iter().cloned().collect::<BTreeMap<_, _>>();
        let mut v = match self {
            Self::Create { tags, role_name } => {
                json!({"tags": tag_map(tags), "role_name": role_name})
            }
            Self::Adopt { account, request } => json!({
                "account_id": account.as_ref().map(ToString::to_string),
                "request_id": request,
            }),
            Self::Done { account } => json!({"account_id": account.to_string()}),
            Self::Move { from, to, to_path } => json!({"from": from, "to": to, "to_path": to_path}),
            Self::Tag { tags } => json!({"tags": tag_map(tags)}),
            Self::CreateUser {
                email,
                given,
                family,
            } => json!({"email": email, "given_name": given, "family_name": family}),
            Self::Assign {
                principal,
                permission_set,
            }
            | Self::Assigned {
                principal,
                permission_set,
            } => json!({"principal": principal.to_string(), "permission_set": permission_set}),
        };
        v["action"] = json!(self.action());
        v
    }
}

/// The plan of one row.
#[derive(Debug, Clone)]
pub struct RowPlan {
    pub row: BatchRow,
    /// Which of [`Plan::orgs`] it belongs to.
    pub org: usize,
    /// The OU (or root) it goes to, and its name path.
    pub target: String,
    pub target_path: String,
    pub steps: Vec<Step>,
}

impl RowPlan {
    /// The account, when it exists already.
    pub fn account(&self) -> Option<&AccountId> {
        self.steps.iter().find_map(|s| match s {
            Step::Adopt { account, .. } => account.as_ref(),
            Step::Done { account } => Some(account),
            _ => None,
        })
    }
}

/// One organization the file touches.
#[derive(Debug, Clone)]
pub struct OrgPlan {
    pub org_id: OrgId,
    pub management: AccountId,
    pub root_id: String,
    /// Accounts in it now (closed ones count against the quota until AWS removes them).
    pub accounts_now: usize,
    /// The account quota; `None` when Service Quotas could not be read.
    pub quota: Option<u32>,
}

/// The whole plan.
#[derive(Debug, Clone)]
pub struct Plan {
    pub orgs: Vec<OrgPlan>,
    pub rows: Vec<RowPlan>,
}

impl Plan {
    /// How many steps of each action, in the order actions are listed.
    pub fn counts(&self) -> Vec<(&'static str, usize)> {
        let order = [
            "create",
            "adopt",
            "skip: done",
            "move",
            "tag",
            "create-user",
            "assign",
            "skip: assigned",
        ];
        order
            .iter()
            .map(|a| {
                let n = self
                    .rows
                    .iter()
                    .flat_map(|r| &r.steps)
                    .filter(|s| s.action() == *a)
                    .count();
                (*a, n)
            })
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    /// Steps that change something in AWS.
    pub fn writes(&self) -> usize {
        self.rows
            .iter()
            .flat_map(|r| &r.steps)
            .filter(|s| s.writes())
            .count()
    }

    pub fn to_json(&self) -> Value {
        json!({
            "organizations": self.orgs.iter().map(|o| json!({
                "org_id": o.org_id.to_string(),
                "management_account_id": o.management.to_string(),
                "accounts": o.accounts_now,
                "account_quota": o.quota,
            })).collect::<Vec<_>>(),
            "rows": self.rows.iter().map(|r| json!({
                "line": r.row.line,
                "account_name": r.row.account_name,
                "account_email": r.row.account_email,
                "org_id": self.orgs[r.org].org_id.to_string(),
                "org_unit": r.target,
                "org_unit_path": r.target_path,
                "steps": r.steps.iter().map(Step::to_json).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "writes": self.writes(),
        })
    }
}

/// Why there is no plan.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// Rows that cannot be done as written; nothing was changed.
    #[error("{} row problem(s)", .0.len())]
    Invalid(Vec<RowProblem>),
    #[error(transparent)]
    Engine(#[from] EngineError),
}

impl From<canopy_aws::AwsError> for PlanError {
    fn from(e: canopy_aws::AwsError) -> Self {
        Self::Engine(EngineError::Aws(e))
    }
}

/// What AWS says now about one organization, kept for applying the plan.
pub struct LiveOrg {
    pub admin: OrgAdmin,
    pub identity: Option<IdentityCenter>,
    /// Permission set name -> ARN.
    pub permission_sets: BTreeMap<String, String>,
    /// User email (lower-cased) or group name -> id; `None`: the user is to be created.
    pub principals: HashMap<Principal, Option<String>>,
    /// Creation requests of the organization (ListCreateAccountStatus), read when needed.
    pub requests: Option<Vec<CreationRequest>>,
    /// Users the plan creates already (by email): one `create-user` per user.
    users_planned: Vec<String>,
    /// Who holds what now, by (account, permission set ARN), read once.
    assignments_now: HashMap<(String, String), Vec<(PrincipalKind, String)>>,
}

impl std::fmt::Debug for LiveOrg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveOrg")
            .field("admin", &self.admin)
            .finish()
    }
}

/// A plan with the live handles applying it needs.
#[derive(Debug)]
pub struct Prepared {
    pub plan: Plan,
    pub live: Vec<LiveOrg>,
}

/// What earlier runs' journal says of one key.
#[derive(Debug, Default, Clone)]
pub struct Earlier {
    /// A CreateAccount was announced (at this time) ...
    pub create_intent: Option<String>,
    /// ... and AWS answered this request id.
    pub request: Option<String>,
}

/// Reads the journal's creation entries by key.
pub fn earlier_creations(entries: &[Value]) -> HashMap<String, Earlier> {
    let mut out: HashMap<String, Earlier> = HashMap::new();
    for e in entries {
        let Some(key) = e["key"].as_str() else {
            continue;
        };
        let earlier = out.entry(key.to_owned()).or_default();
        match e["event"].as_str() {
            Some("create-intent") => {
                *earlier = Earlier {
                    create_intent: e["at"].as_str().map(str::to_owned),
                    request: None,
                };
            }
            Some("create-requested") => {
                earlier.request = e["request"].as_str().map(str::to_owned);
            }
            // a creation that ended (made, failed or adopted) needs no following
            Some("created" | "create-failed") => *earlier = Earlier::default(),
            _ => {}
        }
    }
    out
}

fn problem(row: &BatchRow, column: Option<BatchColumn>, problem: String, fix: &str) -> RowProblem {
    RowProblem {
        line: row.line,
        column,
        problem,
        fix: fix.to_owned(),
        hint: None,
    }
}

/// Which synced organization a row is for: its `Payer`, else the batch's payer, else the only
/// one. A payer is a management account id, an organization id, or the account the
/// organization was synced through.
fn org_of(
    row: &BatchRow,
    default: Option<&str>,
    snapshots: &[OrgSnapshot],
) -> Result<usize, RowProblem> {
    let find = |payer: &str| {
        snapshots.iter().position(|s| {
            s.organization.management_account_id.as_str() == payer
                || s.organization.id.as_str() == payer
                || s.synced_via.as_str() == payer
        })
    };
    match (row.payer.as_deref(), default) {
        (Some(payer), _) => find(payer).ok_or_else(|| {
            problem(
                row,
                Some(BatchColumn::Payer),
                format!("`{payer}` is neither the management account nor the id of a synced organization"),
                "give the management account id or the organization id (see `canopy org show`), or sync that organization",
            )
        }),
        (None, Some(payer)) => find(payer).ok_or_else(|| {
            problem(
                row,
                None,
                format!("the batch's payer `{payer}` is not the management account of a synced organization"),
                "name a synced organization's management account (see `canopy org show`), or sync it",
            )
        }),
        (None, None) if snapshots.len() == 1 => Ok(0),
        (None, None) => Err(problem(
            row,
            Some(BatchColumn::Payer),
            format!("{} organizations are synced and the row names none", snapshots.len()),
            "add a `Payer` column with the management account id of the row's organization, or name one payer for the whole batch",
        )),
    }
}

/// The root or OU a row names, in its organization.
fn target_of(row: &BatchRow, snapshot: &OrgSnapshot) -> Result<String, RowProblem> {
    let index = snapshot.index();
    let fix = "give an OU of the organization: its id, its name path from the root (`Sports/Baseball`) or `Name (ou-...)`; see `canopy org tree`";
    match &row.org_unit {
        OrgUnitRef::Root => Ok(snapshot.root.id.clone()),
        OrgUnitRef::Id(id) => {
            if *id == snapshot.root.id || snapshot.ous.iter().any(|o| o.id == *id) {
                Ok(id.clone())
            } else {
                Err(problem(
                    row,
                    Some(BatchColumn::OrgUnit),
                    format!(
                        "no OU `{id}` in organization `{}`",
                        snapshot.organization.id
                    ),
                    fix,
                ))
            }
        }
        OrgUnitRef::Path(parts) => {
            let wanted = parts.join("/").to_lowercase();
            let found: Vec<&str> = std::iter::once(snapshot.root.id.as_str())
                .chain(snapshot.ous.iter().map(|o| o.id.as_str()))
                .filter(|id| {
                    let path = index.name_path(id).to_lowercase();
                    // the path below the root, or the whole path with the root's name
                    path == wanted
                        || path
                            .split_once('/')
                            .is_some_and(|(_, below)| below == wanted)
                })
                .collect();
            match found.as_slice() {
                [one] => Ok((*one).to_owned()),
                [] => Err(problem(
                    row,
                    Some(BatchColumn::OrgUnit),
                    format!(
                        "no OU `{}` in organization `{}`",
                        parts.join("/"),
                        snapshot.organization.id
                    ),
                    fix,
                )),
                many => Err(problem(
                    row,
                    Some(BatchColumn::OrgUnit),
                    format!("`{}` names {} OUs", parts.join("/"), many.len()),
                    "give the OU's id",
                )),
            }
        }
    }
}

/// Reads AWS as it is now and plans every row; `journal` is what earlier runs wrote.
pub async fn plan(
    aws: &AwsSession,
    snapshots: &[OrgSnapshot],
    batch: &AccountBatch,
    options: &BatchOptions,
    journal: &[Value],
) -> Result<Prepared, PlanError> {
    let mut problems = Vec::new();
    // which organization and OU each row is for: offline, from the synced organizations
    let mut placed = Vec::new();
    for row in &batch.rows {
        let org = match org_of(row, options.payer.as_deref(), snapshots) {
            Ok(o) => o,
            Err(p) => {
                problems.push(p);
                continue;
            }
        };
        match target_of(row, &snapshots[org]) {
            Ok(target) => placed.push((row, org, target)),
            Err(p) => problems.push(p),
        }
    }
    if !problems.is_empty() {
        return Err(PlanError::Invalid(problems));
    }

    // the organizations the file touches, read live through their management accounts
    let mut used: Vec<usize> = placed.iter().map(|(_, o, _)| *o).collect();
    used.sort_unstable();
    used.dedup();
    let wants_identity = |row: &BatchRow| {
        row.sso_user_email.is_some() || row.sso_group.is_some() || options.sso_group.is_some()
    };
    let mut orgs = Vec::new();
    let mut live = Vec::new();
    let mut live_accounts: Vec<Vec<LiveAccount>> = Vec::new();
    let mut in_progress: Vec<Vec<CreationRequest>> = Vec::new();
    for &o in &used {
        let snapshot = &snapshots[o];
        let management = snapshot.organization.management_account_id.clone();
        let session: AccountSession = aws.account(&management, &options.payer_role).await?;
        let admin = OrgAdmin::new(session.clone());
        let accounts = admin.accounts().await?;
        let progress = admin.creation_requests(true).await?;
        // AWS's default says nothing of an organization already past it (its quota was raised
        // before Service Quotas tracked it)
        let quota = admin
            .account_quota()
            .await?
            .filter(|q| q.applied || accounts.len() <= q.value as usize)
            .map(|q| q.value);
        let needs_identity = placed
            .iter()
            .any(|(row, org, _)| *org == o && wants_identity(row));
        let (identity, permission_sets) = if needs_identity {
            match IdentityCenter::open(session, &options.sso_region).await? {
                Some(ic) => {
                    let sets = ic.permission_sets().await?;
                    (Some(ic), sets)
                }
                None => (None, BTreeMap::new()),
            }
        } else {
            (None, BTreeMap::new())
        };
        orgs.push(OrgPlan {
            org_id: snapshot.organization.id.clone(),
            management,
            root_id: snapshot.root.id.clone(),
            accounts_now: accounts.len(),
            quota,
        });
        live.push(LiveOrg {
            admin,
            identity,
            permission_sets,
            principals: HashMap::new(),
            requests: None,
            users_planned: Vec::new(),
            assignments_now: HashMap::new(),
        });
        live_accounts.push(accounts);
        in_progress.push(progress);
    }
    let earlier = earlier_creations(journal);

    let mut rows = Vec::new();
    let mut creations = vec![0usize; orgs.len()];
    for (row, o, target) in placed {
        let oi = used.iter().position(|u| *u == o).unwrap_or_default();
        let snapshot = &snapshots[o];
        let key = row.key();
        let mut steps = Vec::new();
        let by_email = live_accounts[oi]
            .iter()
            .find(|a| a.email.eq_ignore_ascii_case(&row.account_email));
        if let Some(other) = live_accounts[oi].iter().find(|a| {
            a.name.eq_ignore_ascii_case(&row.account_name)
                && !a.email.eq_ignore_ascii_case(&row.account_email)
        }) {
            problems.push(problem(
                row,
                Some(BatchColumn::AccountName),
                format!(
                    "`{}` is the name of account {} ({}), which has another email",
                    row.account_name, other.id, other.email
                ),
                "give the new account another name, or that account's email to adopt it",
            ));
            continue;
        }
        // the account: made already, being made, or to make
        let mut account: Option<AccountId> = None;
        let mut pending = false;
        if let Some(found) = by_email {
            if let Some(id) = &row.account_id
                && id != found.id.as_str()
            {
                problems.push(problem(
                    row,
                    Some(BatchColumn::AccountId),
                    format!(
                        "the row says {id}, but the email belongs to account {}",
                        found.id
                    ),
                    "correct the AccountId, or clear it",
                ));
                continue;
            }
            if !found.state.is_active() {
                problems.push(problem(
                    row,
                    Some(BatchColumn::AccountEmail),
                    format!(
                        "the email belongs to account {}, which is {}",
                        found.id, found.state
                    ),
                    "give another email: a closed account's address cannot be used again",
                ));
                continue;
            }
            account = Some(found.id.clone());
            steps.push(if row.done() {
                Step::Done {
                    account: found.id.clone(),
                }
            } else {
                Step::Adopt {
                    account: Some(found.id.clone()),
                    request: None,
                }
            });
        } else if row.done() {
            problems.push(problem(
                row,
                Some(BatchColumn::Status),
                format!(
                    "the row says SUCCEEDED with account {}, but no account of organization `{}` has this email",
                    row.account_id.as_deref().unwrap_or_default(),
                    snapshot.organization.id
                ),
                "clear Status and AccountId to create it, or correct the email",
            ));
            continue;
        } else {
            let follow =
                adopt_creation(&mut live[oi], &in_progress[oi], row, earlier.get(&key)).await?;
            match follow {
                Some(request) => {
                    let account_id = match &request.state {
                        Creation::Succeeded(id) => Some(id.clone()),
                        _ => None,
                    };
                    // made already (by a killed run): it is where that run left it
                    pending = account_id.is_none();
                    account = account_id.clone();
                    steps.push(Step::Adopt {
                        account: account_id,
                        request: Some(request.id),
                    });
                }
                None => {
                    creations[oi] += 1;
                    if let Some(quota) = orgs[oi].quota
                        && orgs[oi].accounts_now + creations[oi] > quota as usize
                    {
                        problems.push(problem(
                            row,
                            None,
                            format!(
                                "organization `{}` has {} accounts and a quota of {quota}; this would be account {}",
                                orgs[oi].org_id,
                                orgs[oi].accounts_now,
                                orgs[oi].accounts_now + creations[oi]
                            ),
                            "ask for a higher quota in Service Quotas (AWS Organizations, `Default maximum number of accounts`), or split the batch",
                        ));
                        continue;
                    }
                    steps.push(Step::Create {
                        tags: row.tags.clone(),
                        role_name: row.role_name.clone(),
                    });
                }
            }
        }

        // where it sits: a new account starts in the root
        let now_in = match (&account, pending) {
            (Some(id), false) => live[oi].admin.parent_of(id).await?,
            _ => orgs[oi].root_id.clone(),
        };
        if now_in != target {
            steps.push(Step::Move {
                from: now_in,
                to: target.clone(),
                to_path: snapshot.index().name_path(&target),
            });
        }
        // tags: a new account gets them with CreateAccount
        if let (Some(id), false) = (&account, pending)
            && !row.tags.is_empty()
        {
            let now = live[oi].admin.tags_of(id).await?;
            let missing: Vec<(String, String)> = row
                .tags
                .iter()
                .filter(|(k, v)| now.get(k) != Some(v))
                .cloned()
                .collect();
            if !missing.is_empty() {
                steps.push(Step::Tag { tags: missing });
            }
        }

        // Identity Center: the row's user and group
        let existing = account.as_ref().filter(|_| !pending);
        match identity_steps(row, options, &orgs[oi], &mut live[oi], existing).await? {
            Ok(more) => steps.extend(more),
            Err(mut found) => {
                problems.append(&mut found);
                continue;
            }
        }
        rows.push(RowPlan {
            row: row.clone(),
            org: oi,
            target_path: snapshot.index().name_path(&target),
            target,
            steps,
        });
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.line);
        return Err(PlanError::Invalid(problems));
    }
    Ok(Prepared {
        plan: Plan { orgs, rows },
        live,
    })
}

/// The row's Identity Center steps — its user (created when absent) with the user permission
/// set, its group with its permission set — or what stands in their way. `existing` is the
/// account when it exists now (a new one has no assignments to read).
async fn identity_steps(
    row: &BatchRow,
    options: &BatchOptions,
    org: &OrgPlan,
    lo: &mut LiveOrg,
    existing: Option<&AccountId>,
) -> Result<Result<Vec<Step>, Vec<RowProblem>>, PlanError> {
    let mut wanted: Vec<(Principal, String, BatchColumn)> = Vec::new();
    if let Some(email) = &row.sso_user_email {
        wanted.push((
            Principal {
                kind: PrincipalKind::User,
                name: email.to_ascii_lowercase(),
            },
            options.user_permission_set.clone(),
            BatchColumn::SsoUserEmail,
        ));
    }
    if let Some(group) = row.sso_group.as_ref().or(options.sso_group.as_ref()) {
        let Some(set) = row
            .permission_set
            .as_ref()
            .or(options.permission_set.as_ref())
        else {
            return Ok(Err(vec![
                problem(
                    row,
                    Some(BatchColumn::PermissionSet),
                    format!("no permission set for group `{group}`"),
                    "add a PermissionSet column",
                )
                .with_hint(crate::error::Hint::PermissionSet),
            ]));
        };
        wanted.push((
            Principal {
                kind: PrincipalKind::Group,
                name: group.clone(),
            },
            set.clone(),
            BatchColumn::SsoGroup,
        ));
    }
    let mut steps = Vec::new();
    let mut problems = Vec::new();
    for (principal, set, column) in wanted {
        let Some(ic) = &lo.identity else {
            return Ok(Err(vec![
                problem(
                    row,
                    Some(column),
                    format!(
                        "Identity Center is not enabled for organization `{}` in {}",
                        org.org_id, options.sso_region
                    ),
                    "enable Identity Center",
                )
                .with_hint(crate::error::Hint::SsoRegion),
            ]));
        };
        let Some(set_arn) = lo.permission_sets.get(&set).cloned() else {
            let column = if column == BatchColumn::SsoGroup {
                BatchColumn::PermissionSet
            } else {
                column
            };
            problems.push(problem(
                row,
                Some(column),
                format!("no permission set `{set}` in Identity Center"),
                "name an existing permission set (names are case-sensitive)",
            ));
            continue;
        };
        let id = match lo.principals.get(&principal) {
            Some(id) => id.clone(),
            None => {
                let id = match principal.kind {
                    PrincipalKind::User => ic.user_id(&principal.name).await?,
                    PrincipalKind::Group => ic.group_id(&principal.name).await?,
                };
                lo.principals.insert(principal.clone(), id.clone());
                id
            }
        };
        if id.is_none() && principal.kind == PrincipalKind::Group {
            problems.push(problem(
                row,
                Some(BatchColumn::SsoGroup),
                format!("no group `{}` in Identity Center", principal.name),
                "name an existing group (its display name)",
            ));
            continue;
        }
        if id.is_none() && !lo.users_planned.contains(&principal.name) {
            let (Some(given), Some(family)) = (&row.sso_user_first_name, &row.sso_user_last_name)
            else {
                problems.push(problem(
                    row,
                    Some(BatchColumn::SsoUserFirstName),
                    format!("user `{}` is not in Identity Center", principal.name),
                    "give SSOUserFirstName and SSOUserLastName so canopy can create the user",
                ));
                continue;
            };
            lo.users_planned.push(principal.name.clone());
            steps.push(Step::CreateUser {
                email: principal.name.clone(),
                given: given.clone(),
                family: family.clone(),
            });
        }
        let held = match (existing, &id) {
            (Some(acct), Some(pid)) => {
                let key = (acct.to_string(), set_arn.clone());
                if !lo.assignments_now.contains_key(&key) {
                    let now = ic.assignments(acct.as_str(), &set_arn).await?;
                    lo.assignments_now.insert(key.clone(), now);
                }
                lo.assignments_now[&key]
                    .iter()
                    .any(|(kind, p)| *kind == principal.kind && p == pid)
            }
            _ => false,
        };
        steps.push(if held {
            Step::Assigned {
                principal,
                permission_set: set,
            }
        } else {
            Step::Assign {
                principal,
                permission_set: set,
            }
        });
    }
    Ok(if problems.is_empty() {
        Ok(steps)
    } else {
        Err(problems)
    })
}

/// A creation a killed run started for this row, if there is one: the request the journal
/// names, or one in progress under the row's name, or — when the journal announced a creation
/// whose answer it never heard — any request under the row's name since then.
async fn adopt_creation(
    live: &mut LiveOrg,
    in_progress: &[CreationRequest],
    row: &BatchRow,
    earlier: Option<&Earlier>,
) -> Result<Option<CreationRequest>, PlanError> {
    if let Some(request) = earlier.and_then(|e| e.request.as_deref()) {
        let found = live.admin.creation_request(request).await?;
        if !matches!(found.state, Creation::Failed(_)) {
            return Ok(Some(found));
        }
    }
    if let Some(found) = in_progress
        .iter()
        .find(|r| r.account_name == row.account_name)
    {
        return Ok(Some(found.clone()));
    }
    let Some(since) = earlier.and_then(|e| e.create_intent.as_deref()) else {
        return Ok(None);
    };
    // the journal's clock and AWS's may differ a little
    let since = canopy_model::parse_time(since).map(|t| t - time::Duration::minutes(5));
    if live.requests.is_none() {
        live.requests = Some(live.admin.creation_requests(false).await?);
    }
    let found = live.requests.iter().flatten().rev().find(|r| {
        r.account_name == row.account_name
            && !matches!(r.state, Creation::Failed(_))
            && match (since, r.requested) {
                (Some(since), Some(at)) => at >= since,
                _ => true,
            }
    });
    Ok(found.cloned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use serde_json::json;

    #[test]
    fn the_journal_says_which_creations_a_killed_run_left_open() {
        let entries = [
            json!({"event": "create-intent", "key": "a@x.io", "at": "2026-11-28T10:00:00Z"}),
            json!({"event": "create-requested", "key": "a@x.io", "request": "car-1"}),
            json!({"event": "create-intent", "key": "b@x.io", "at": "2026-11-28T10:00:01Z"}),
            json!({"event": "create-intent", "key": "c@x.io", "at": "2026-11-28T10:00:02Z"}),
            json!({"event": "create-requested", "key": "c@x.io", "request": "car-3"}),
            json!({"event": "created", "key": "c@x.io", "account": "111122223333"}),
        ];
        let open = earlier_creations(&entries);
        // answered but not followed to the end: follow car-1
        assert_eq!(open["a@x.io"].request.as_deref(), Some("car-1"));
        // announced, never answered: look for it by name since then
        assert_eq!(open["b@x.io"].request, None);
        assert_eq!(
            open["b@x.io"].create_intent.as_deref(),
            Some("2026-11-28T10:00:01Z")
        );
        // made: nothing to follow
        assert!(open["c@x.io"].create_intent.is_none() && open["c@x.io"].request.is_none());
    }

    #[test]
    fn steps_say_what_they_change_in_words_and_json() {
        let principal = Principal {
            kind: PrincipalKind::Group,
            name: "Platform".into(),
        };
        let assign = Step::Assign {
            principal: principal.clone(),
            permission_set: "ReadOnlyAccess".into(),
        };
        assert!(assign.writes());
        assert_eq!(assign.detail(), "group:Platform ReadOnlyAccess");
        assert_eq!(assign.to_json()["principal"], "group:Platform");
        let held = Step::Assigned {
            principal,
            permission_set: "ReadOnlyAccess".into(),
        };
        assert!(!held.writes());
        assert_eq!(held.action(), "skip: assigned");
        let adopt = Step::Adopt {
            account: None,
            request: Some("car-9".into()),
        };
        assert!(!adopt.writes());
        assert_eq!(adopt.detail(), "creation in progress (car-9)");
    }
}
