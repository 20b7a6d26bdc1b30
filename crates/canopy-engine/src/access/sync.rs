//! `canopy access sync`: every synced organization's Identity Center read whole (instance,
//! permission sets and their policies, assignments, users, groups, memberships, provisioning)
//! into the store, each organization's tables replaced in one transaction. Organizations are read
//! at once, each through its own instance's 20 requests a second; one failing never stops the
//! others, and keeps its earlier rows.

use std::time::{Duration, Instant};

use canopy_aws::{
    AwsError, AwsSession, Enumeration, IdentityCenter, RoleSpec, identity_inventory,
    identity_tables,
};
use canopy_model::{AccountId, OrgSnapshot};
use canopy_store::{RunStatus, RunTotals, Store, UnitError, UnitKey};

use crate::error::EngineError;

/// Where to look for each organization's instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SsoRegion {
    /// Only here.
    Given(String),
    /// Here first, then every region the account has enabled, until an instance answers.
    Search(String),
}

/// One organization's instance, read and stored.
#[derive(Debug, Clone)]
pub struct SyncedInstance {
    pub instance_arn: String,
    pub region: String,
    pub enumeration: Enumeration,
    /// Provisioned (account, permission set) pairs and users + groups: the two ways' costs.
    pub pairs: usize,
    pub principals: usize,
    /// Provisioned copies older than their permission set.
    pub outdated: usize,
    /// Rows stored, per table.
    pub rows: Vec<(&'static str, usize)>,
    /// Requests sent to Identity Center, retries included.
    pub requests: u64,
    pub elapsed: Duration,
}

/// How one organization ended.
#[derive(Debug)]
pub struct OrgSync {
    pub org_id: String,
    /// The account whose credentials read the instance.
    pub account: AccountId,
    pub outcome: Result<Option<SyncedInstance>, AwsError>,
}

/// The whole sync.
#[derive(Debug)]
pub struct AccessSyncReport {
    pub run_id: i64,
    pub orgs: Vec<OrgSync>,
}

impl AccessSyncReport {
    pub fn failed(&self) -> usize {
        self.orgs.iter().filter(|o| o.outcome.is_err()).count()
    }
}

/// The tables a sync's summary counts, each with its name there.
pub const COUNTED: &[(&str, &str)] = &[
    ("users", "aws_identitystore_user"),
    ("groups", "aws_identitystore_group"),
    ("memberships", "aws_identitystore_group_membership"),
    ("permission_sets", "aws_ssoadmin_permission_set"),
    ("assignments", "aws_ssoadmin_account_assignment"),
];

impl SyncedInstance {
    /// Rows stored in `table` (0 when none).
    pub fn rows_of(&self, table: &str) -> usize {
        self.rows
            .iter()
            .find(|(t, _)| *t == table)
            .map_or(0, |(_, n)| *n)
    }
}

impl serde::Serialize for AccessSyncReport {
    fn serialize<S: serde::Serializer>(&self, to: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(to)
    }
}

impl AccessSyncReport {
    /// As JSON: `{"organizations": [...]}`, each organization with its status (`ok`, `no
    /// instance` or `error`) and, when synced, its instance, the rows counted, how it
    /// enumerated, its requests and seconds.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        let orgs: Vec<serde_json::Value> = self
            .orgs
            .iter()
            .map(|o| match &o.outcome {
                Ok(Some(s)) => {
                    let counts: serde_json::Map<String, serde_json::Value> = COUNTED
                        .iter()
                        .map(|(key, table)| ((*key).to_owned(), json!(s.rows_of(table))))
                        .collect();
                    json!({
                        "org_id": o.org_id,
                        "account_id": o.account.to_string(),
                        "status": "ok",
                        "instance_arn": s.instance_arn,
                        "region": s.region,
                        "rows": counts,
                        "enumeration": s.enumeration.as_str(),
                        "provisioned_pairs": s.pairs,
                        "outdated": s.outdated,
                        "principals": s.principals,
                        "requests": s.requests,
                        "seconds": (s.elapsed.as_secs_f64() * 10.0).round() / 10.0,
                    })
                }
                Ok(None) => json!({
                    "org_id": o.org_id,
                    "account_id": o.account.to_string(),
                    "status": "no instance",
                }),
                Err(e) => json!({
                    "org_id": o.org_id,
                    "account_id": o.account.to_string(),
                    "status": "error",
                    "error": {"operation": e.operation, "code": e.code, "message": e.message},
                }),
            })
            .collect();
        json!({ "organizations": orgs })
    }
}

/// The account that reads `snapshot`'s instance: `admin` when it belongs to that organization
/// (a delegated administrator of Identity Center), else the management account.
fn reader(snapshot: &OrgSnapshot, admin: Option<&AccountId>) -> AccountId {
    admin
        .filter(|a| snapshot.accounts.iter().any(|acc| &acc.id == *a))
        .cloned()
        .unwrap_or_else(|| snapshot.organization.management_account_id.clone())
}

/// The instance `session`'s account holds: in the given region, or searched for (the first
/// region, then — only when it has none — every other region the account has enabled).
async fn find_instance(
    session: &canopy_aws::AccountSession,
    region: &SsoRegion,
) -> Result<Option<IdentityCenter>, AwsError> {
    let first = match region {
        SsoRegion::Given(r) => return IdentityCenter::find(session, std::slice::from_ref(r)).await,
        SsoRegion::Search(first) => first,
    };
    if let Some(found) = IdentityCenter::find(session, std::slice::from_ref(first)).await? {
        return Ok(Some(found));
    }
    let buckets = canopy_aws::ApiBuckets::new(true);
    let others: Vec<String> = canopy_aws::describe_regions(session, &buckets)
        .await?
        .into_iter()
        .filter(|r| r.enabled() && &r.name != first)
        .map(|r| r.name)
        .collect();
    IdentityCenter::find(session, &others).await
}

async fn read_one(
    aws: &AwsSession,
    role: &RoleSpec,
    account: &AccountId,
    region: &SsoRegion,
) -> Result<Option<(IdentityCenter, canopy_aws::IdentityInventory, Duration)>, AwsError> {
    let started = Instant::now();
    let session = aws.account(account, role).await?;
    let Some(ic) = find_instance(&session, region).await? else {
        return Ok(None);
    };
    let inventory = identity_inventory(&ic).await?;
    Ok(Some((ic, inventory, started.elapsed())))
}

/// Reads every organization's instance at once and stores each one's tables (replacing that
/// instance's earlier rows in one transaction). An organization without an instance is
/// reported as such (`Ok(None)`), one that fails keeps its earlier rows.
pub async fn sync(
    aws: &AwsSession,
    payer_role: &RoleSpec,
    snapshots: &[OrgSnapshot],
    admin: Option<&AccountId>,
    region: &SsoRegion,
    store: &mut Store,
) -> Result<AccessSyncReport, EngineError> {
    let asked = serde_json::json!({
        "organizations": snapshots.iter().map(|s| s.organization.id.as_str()).collect::<Vec<_>>(),
        "region": match region { SsoRegion::Given(r) | SsoRegion::Search(r) => r },
    });
    let run_id = store.begin_run("access sync", &asked)?;
    let readers: Vec<AccountId> = snapshots.iter().map(|s| reader(s, admin)).collect();
    let reads = crate::fanout::each(readers.iter(), crate::fanout::ALL, |account| {
        read_one(aws, payer_role, account, region)
    })
    .await;
    let mut orgs = Vec::new();
    let mut totals = RunTotals {
        accounts: snapshots.len() as u64,
        ..RunTotals::default()
    };
    for ((snapshot, account), read) in snapshots.iter().zip(readers).zip(reads) {
        totals.units += 1;
        let outcome = match read {
            Ok(Some((ic, inventory, elapsed))) => {
                let key = UnitKey {
                    account_id: account.as_str(),
                    region: &ic.region,
                };
                let written = store.replace_unit(
                    key,
                    identity_tables(),
                    &inventory.batches,
                    time::OffsetDateTime::now_utc(),
                )?;
                totals.rows += written;
                Ok(Some(SyncedInstance {
                    instance_arn: ic.instance_arn.clone(),
                    region: ic.region.clone(),
                    enumeration: inventory.enumeration,
                    pairs: inventory.pairs,
                    principals: inventory.principals,
                    outdated: inventory.outdated,
                    rows: inventory
                        .batches
                        .iter()
                        .map(|b| (b.table.name, b.rows.len()))
                        .collect(),
                    requests: ic.requests_sent(),
                    elapsed,
                }))
            }
            Ok(None) => Ok(None),
            Err(error) => {
                totals.failed_units += 1;
                store.record_error(
                    run_id,
                    &UnitError {
                        account_id: account.to_string(),
                        region: match region {
                            SsoRegion::Given(r) | SsoRegion::Search(r) => r.clone(),
                        },
                        table_name: "aws_ssoadmin_instance".into(),
                        error_code: error.code.clone(),
                        message: error.message.clone(),
                        action: Some(error.operation.clone()),
                        resource: None,
                    },
                )?;
                Err(error)
            }
        };
        orgs.push(OrgSync {
            org_id: snapshot.organization.id.to_string(),
            account,
            outcome,
        });
    }
    let status = if totals.failed_units > 0 {
        RunStatus::Partial
    } else {
        RunStatus::Ok
    };
    store.finish_run(run_id, status, totals)?;
    Ok(AccessSyncReport { run_id, orgs })
}
