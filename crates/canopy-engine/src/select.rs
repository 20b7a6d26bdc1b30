//! Which accounts a command acts on: by id, by OU (an id or a name path, the OU and everything
//! below it), by state and tags, minus exclusions. Shared by `accounts list` and every fan-out
//! command. The fan-out's targets come only from [`targets`], which keeps ACTIVE accounts: a
//! suspended or closed account is never called, whatever the front end.

use std::sync::Arc;

use canopy_model::{
    AccountId, AccountRecord, AccountState, Membership, OrgId, OrgSnapshot, Shard, account_records,
};

use crate::error::EngineError;
use crate::fanout::Target;

/// A selection of accounts; empty fields select everything.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub accounts: Vec<AccountId>,
    pub exclude: Vec<AccountId>,
    /// An OU id (`ou-...`, `r-...`) or a name path (`Sports/Baseball`).
    pub ou: Option<String>,
    pub state: Option<AccountState>,
    /// `KEY=VALUE` pairs, all of which must match.
    pub tags: Vec<(String, String)>,
}

/// The accounts of `snapshots` that `selection` picks, one record per account.
pub fn select(
    snapshots: &[OrgSnapshot],
    selection: &Selection,
) -> Result<Vec<AccountRecord>, EngineError> {
    let mut records = account_records(snapshots);
    for wanted in &selection.accounts {
        if !records.iter().any(|r| &r.id == wanted) {
            return Err(EngineError::UnknownAccount(wanted.clone()));
        }
    }
    if !selection.accounts.is_empty() {
        records.retain(|r| selection.accounts.contains(&r.id));
    }
    records.retain(|r| !selection.exclude.contains(&r.id));
    if let Some(state) = &selection.state {
        records.retain(|r| &r.state == state);
    }
    records.retain(|r| {
        selection
            .tags
            .iter()
            .all(|(k, v)| r.tags.get(k).is_some_and(|x| x == v))
    });
    if let Some(ou) = &selection.ou {
        let mut nodes = Vec::new();
        for snap in snapshots {
            let index = snap.index();
            for node in index.find_nodes(ou) {
                nodes.push((snap.organization.id.clone(), node.to_owned()));
            }
        }
        if nodes.is_empty() {
            return Err(EngineError::NoSuchOu {
                ou: ou.clone(),
                within: crate::error::OuWithin::Selection,
            });
        }
        records.retain(|r| {
            nodes
                .iter()
                .any(|(org, node)| &r.org_id == org && r.ou_path.contains(&format!("/{node}/")))
        });
    }
    Ok(records)
}

/// The accounts a fan-out works in, and those the selection named that it leaves out.
#[derive(Debug, Clone)]
pub struct Targets {
    /// ACTIVE accounts, ready for the fan-out.
    pub active: Vec<Target>,
    /// Selected accounts that are not ACTIVE (suspended, closed, pending): never called.
    pub inactive: Vec<AccountRecord>,
}

/// The ACTIVE accounts `selection` picks, as fan-out targets. Selecting no ACTIVE account is an
/// error.
pub fn targets(snapshots: &[OrgSnapshot], selection: &Selection) -> Result<Targets, EngineError> {
    let records = select(snapshots, selection)?;
    let (active, inactive): (Vec<_>, Vec<_>) =
        records.into_iter().partition(|r| r.state.is_active());
    if active.is_empty() {
        return Err(EngineError::NoActiveAccount);
    }
    let memberships: Vec<(&OrgId, Arc<Membership>)> = snapshots
        .iter()
        .map(|s| (&s.organization.id, Arc::new(s.membership())))
        .collect();
    Ok(Targets {
        active: active
            .into_iter()
            .map(|r| Target {
                membership: memberships
                    .iter()
                    .find(|(org, _)| **org == r.org_id)
                    .map(|(_, m)| m.clone()),
                account: r.id,
                name: r.name,
                partition: r.partition,
            })
            .collect(),
        inactive,
    })
}

/// The targets `shard` holds: every worker sorts the same targets by account id and takes
/// every N-th, so N workers cover each account once.
pub fn shard(targets: Vec<Target>, shard: Shard) -> Vec<Target> {
    shard.take(targets, |t| t.account.clone())
}

/// The shard's part of `targets`, refused when it holds none (more shards than accounts).
pub fn shard_of(targets: Vec<Target>, of: Shard) -> Result<Vec<Target>, EngineError> {
    let all = targets.len();
    let mine = shard(targets, of);
    if mine.is_empty() {
        return Err(EngineError::EmptyShard {
            shard: of.to_string(),
            accounts: all,
        });
    }
    Ok(mine)
}
