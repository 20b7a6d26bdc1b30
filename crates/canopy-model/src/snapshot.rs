//! One organization as discovered by a sync: its tree, accounts, policies and delegations, plus
//! the derived views (OU paths, name paths, subtrees) every command asks for.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{AccountId, OrgId, Partition};

/// An account's lifecycle state as AWS reports it in `State` (or, for old responses, `Status`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", from = "String")]
pub enum AccountState {
    PendingActivation,
    Active,
    Suspended,
    PendingClosure,
    Closed,
    /// A value this version of canopy does not know; kept verbatim, never treated as active.
    Other(String),
}

impl AccountState {
    pub fn as_str(&self) -> &str {
        match self {
            Self::PendingActivation => "PENDING_ACTIVATION",
            Self::Active => "ACTIVE",
            Self::Suspended => "SUSPENDED",
            Self::PendingClosure => "PENDING_CLOSURE",
            Self::Closed => "CLOSED",
            Self::Other(s) => s,
        }
    }

    pub fn is_active(&self) -> bool {
        *self == Self::Active
    }
}

impl From<String> for AccountState {
    fn from(s: String) -> Self {
        match s.to_ascii_uppercase().as_str() {
            "PENDING_ACTIVATION" => Self::PendingActivation,
            "ACTIVE" => Self::Active,
            "SUSPENDED" => Self::Suspended,
            "PENDING_CLOSURE" => Self::PendingClosure,
            "CLOSED" => Self::Closed,
            _ => Self::Other(s),
        }
    }
}

impl From<AccountState> for String {
    fn from(s: AccountState) -> Self {
        s.as_str().to_owned()
    }
}

impl fmt::Display for AccountState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The organization itself (DescribeOrganization).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    pub id: OrgId,
    pub arn: String,
    pub feature_set: String,
    pub management_account_id: AccountId,
    pub management_account_email: Option<String>,
    pub partition: Partition,
}

/// The root of the OU tree, with the policy types enabled on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Root {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub enabled_policy_types: Vec<String>,
}

/// An organizational unit and its parent (the root or another OU).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgUnit {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub parent_id: String,
}

/// A member (or the management) account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub id: AccountId,
    pub arn: String,
    pub name: String,
    pub email: String,
    pub state: AccountState,
    pub joined_method: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub joined_timestamp: Option<OffsetDateTime>,
    pub parent_id: String,
    pub tags: BTreeMap<String, String>,
}

/// What a policy is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TargetType {
    Root,
    OrganizationalUnit,
    Account,
}

impl TargetType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Root => "ROOT",
            Self::OrganizationalUnit => "ORGANIZATIONAL_UNIT",
            Self::Account => "ACCOUNT",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ROOT" => Some(Self::Root),
            "ORGANIZATIONAL_UNIT" => Some(Self::OrganizationalUnit),
            "ACCOUNT" => Some(Self::Account),
            _ => None,
        }
    }
}

/// One attachment of a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyTarget {
    pub target_id: String,
    pub target_type: TargetType,
    pub name: String,
}

/// A policy of any enabled type (SCP, RCP, tag, backup, AI opt-out, ...) with its content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub description: String,
    pub policy_type: String,
    pub aws_managed: bool,
    pub content: String,
    pub targets: Vec<PolicyTarget>,
}

/// A delegated administrator account and the service it administers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelegatedAdmin {
    pub account_id: AccountId,
    pub service_principal: String,
    pub delegation_enabled: Option<String>,
}

/// A service with trusted access to the organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceAccess {
    pub service_principal: String,
    pub date_enabled: Option<String>,
}

/// Everything discovered about one organization by one sync.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgSnapshot {
    pub organization: Organization,
    pub root: Root,
    pub ous: Vec<OrgUnit>,
    pub accounts: Vec<Account>,
    pub policies: Vec<Policy>,
    pub delegated_admins: Vec<DelegatedAdmin>,
    pub service_access: Vec<ServiceAccess>,
    /// The account whose credentials discovered it (management or delegated administrator).
    pub synced_via: AccountId,
    #[serde(with = "time::serde::rfc3339")]
    pub synced_at: OffsetDateTime,
}

impl OrgSnapshot {
    /// Derived lookups (paths, children, subtrees) over this snapshot.
    pub fn index(&self) -> OrgIndex<'_> {
        OrgIndex::new(self)
    }

    /// What a member account of this organization knows of it: the `organization_*` columns of
    /// `aws_account`, answered from the sync instead of asking Organizations again per account.
    pub fn membership(&self) -> Membership {
        let org = &self.organization;
        let management_account_arn = self
            .accounts
            .iter()
            .find(|a| a.id == org.management_account_id)
            .map(|a| a.arn.clone())
            .unwrap_or_else(|| {
                format!(
                    "arn:{}:organizations::{}:account/{}/{}",
                    org.partition, org.management_account_id, org.id, org.management_account_id
                )
            });
        Membership {
            organization_id: org.id.to_string(),
            organization_arn: org.arn.clone(),
            feature_set: org.feature_set.clone(),
            management_account_id: org.management_account_id.to_string(),
            management_account_arn,
            management_account_email: org.management_account_email.clone(),
            enabled_policy_types: self.root.enabled_policy_types.clone(),
        }
    }
}

/// An account's organization as the last sync saw it (DescribeOrganization's answer, which any
/// member account would get).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub organization_id: String,
    pub organization_arn: String,
    pub feature_set: String,
    pub management_account_id: String,
    pub management_account_arn: String,
    pub management_account_email: Option<String>,
    /// The policy types enabled on the root (DescribeOrganization's `AvailablePolicyTypes`).
    pub enabled_policy_types: Vec<String>,
}

/// An account flattened with its organization context: the shape of `accounts list`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountRecord {
    pub id: AccountId,
    pub name: String,
    pub email: String,
    pub state: AccountState,
    pub org_id: OrgId,
    pub management_account_id: AccountId,
    pub is_management_account: bool,
    pub parent_id: String,
    /// `o-.../r-.../ou-.../` as in aws:PrincipalOrgPaths.
    pub ou_path: String,
    /// The same path by names: `Root/Sports/Baseball`.
    pub ou_names: String,
    pub tags: BTreeMap<String, String>,
    pub arn: String,
    pub partition: Partition,
    pub joined_method: Option<String>,
    pub joined_timestamp: Option<String>,
}

/// Every account of several snapshots, one record per account id: an account seen in two
/// snapshots (it moved between organizations) is taken from the most recently synced one.
pub fn account_records(snapshots: &[OrgSnapshot]) -> Vec<AccountRecord> {
    let mut newest: HashMap<AccountId, (OffsetDateTime, AccountRecord)> = HashMap::new();
    for snap in snapshots {
        for record in snap.index().account_records() {
            match newest.get(&record.id) {
                Some((at, _)) if *at >= snap.synced_at => {}
                _ => {
                    newest.insert(record.id.clone(), (snap.synced_at, record));
                }
            }
        }
    }
    let mut records: Vec<AccountRecord> = newest.into_values().map(|(_, r)| r).collect();
    records.sort_by(|a, b| {
        (a.org_id.as_str(), a.name.as_str(), a.id.as_str()).cmp(&(
            b.org_id.as_str(),
            b.name.as_str(),
            b.id.as_str(),
        ))
    });
    records
}

/// Lookups derived from a snapshot: OU paths in both forms, children of each node, subtrees.
pub struct OrgIndex<'a> {
    snapshot: &'a OrgSnapshot,
    parent: HashMap<&'a str, &'a str>,
    name: HashMap<&'a str, &'a str>,
}

impl<'a> OrgIndex<'a> {
    fn new(snapshot: &'a OrgSnapshot) -> Self {
        let mut parent = HashMap::new();
        let mut name = HashMap::new();
        name.insert(snapshot.root.id.as_str(), snapshot.root.name.as_str());
        for ou in &snapshot.ous {
            parent.insert(ou.id.as_str(), ou.parent_id.as_str());
            name.insert(ou.id.as_str(), ou.name.as_str());
        }
        Self {
            snapshot,
            parent,
            name,
        }
    }

    /// The node ids from the root down to `node` (inclusive). Unknown nodes yield just themselves.
    pub fn lineage(&self, node: &'a str) -> Vec<&'a str> {
        let mut chain = vec![node];
        let mut current = node;
        // a malformed snapshot with a cycle must not hang: a path is never longer than the tree
        while let Some(&up) = self.parent.get(current) {
            if chain.len() > self.snapshot.ous.len() + 1 {
                break;
            }
            chain.push(up);
            current = up;
        }
        chain.reverse();
        chain
    }

    /// `o-.../r-.../ou-.../` for a node: the value of aws:PrincipalOrgPaths for accounts in it.
    pub fn ou_path(&self, node: &'a str) -> String {
        let mut path = format!("{}/", self.snapshot.organization.id);
        for id in self.lineage(node) {
            path.push_str(id);
            path.push('/');
        }
        path
    }

    /// `Root/Sports/Baseball` for a node.
    pub fn name_path(&self, node: &'a str) -> String {
        self.lineage(node)
            .iter()
            .map(|id| self.name.get(id).copied().unwrap_or(id))
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The display name of a root or OU.
    pub fn node_name(&self, node: &str) -> Option<&'a str> {
        self.name.get(node).copied()
    }

    /// Whether `node` is `ancestor` or lies below it.
    pub fn is_within(&self, node: &'a str, ancestor: &str) -> bool {
        self.lineage(node).contains(&ancestor)
    }

    /// The OUs directly below a node, by name.
    pub fn child_ous(&self, node: &str) -> Vec<&'a OrgUnit> {
        let mut children: Vec<_> = self
            .snapshot
            .ous
            .iter()
            .filter(|ou| ou.parent_id == node)
            .collect();
        children.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        children
    }

    /// The accounts directly in a node, by name.
    pub fn child_accounts(&self, node: &str) -> Vec<&'a Account> {
        let mut children: Vec<_> = self
            .snapshot
            .accounts
            .iter()
            .filter(|a| a.parent_id == node)
            .collect();
        children.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        children
    }

    /// Resolves what a user typed for an OU: an id (`ou-...`, `r-...`) or a name path
    /// (`Root/Sports`, `Sports/Baseball`, `Baseball`), case-insensitive. Several matches: all.
    pub fn find_nodes(&self, wanted: &str) -> Vec<&'a str> {
        if wanted.starts_with("ou-") || wanted.starts_with("r-") {
            return self
                .name
                .keys()
                .filter(|id| **id == wanted)
                .copied()
                .collect();
        }
        let wanted = wanted.trim_matches('/').to_lowercase();
        let mut found: Vec<&'a str> = self
            .name
            .keys()
            .copied()
            .filter(|id| {
                let path = self.name_path(id).to_lowercase();
                path == wanted || path.ends_with(&format!("/{wanted}"))
            })
            .collect();
        found.sort_unstable();
        found
    }

    /// Every account with its organization context, sorted by name then id.
    pub fn account_records(&self) -> Vec<AccountRecord> {
        let org = &self.snapshot.organization;
        let mut records: Vec<AccountRecord> = self
            .snapshot
            .accounts
            .iter()
            .map(|a| AccountRecord {
                id: a.id.clone(),
                name: a.name.clone(),
                email: a.email.clone(),
                state: a.state.clone(),
                org_id: org.id.clone(),
                management_account_id: org.management_account_id.clone(),
                is_management_account: a.id == org.management_account_id,
                parent_id: a.parent_id.clone(),
                ou_path: self.ou_path(&a.parent_id),
                ou_names: self.name_path(&a.parent_id),
                tags: a.tags.clone(),
                arn: a.arn.clone(),
                partition: Partition::of_arn(&a.arn).unwrap_or_else(|| org.partition.clone()),
                joined_method: a.joined_method.clone(),
                joined_timestamp: a.joined_timestamp.map(crate::format_time),
            })
            .collect();
        records.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        records
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: &str, name: &str, parent: &str) -> Account {
        Account {
            id: id.parse().unwrap(),
            arn: format!("arn:aws:organizations::111111111111:account/o-aaaaaaaaaa/{id}"),
            name: name.to_owned(),
            email: format!("{name}@example.com"),
            state: AccountState::Active,
            joined_method: None,
            joined_timestamp: None,
            parent_id: parent.to_owned(),
            tags: BTreeMap::new(),
        }
    }

    fn ou(id: &str, name: &str, parent: &str) -> OrgUnit {
        OrgUnit {
            id: id.to_owned(),
            arn: String::new(),
            name: name.to_owned(),
            parent_id: parent.to_owned(),
        }
    }

    pub(crate) fn sample() -> OrgSnapshot {
        OrgSnapshot {
            organization: Organization {
                id: "o-aaaaaaaaaa".parse().unwrap(),
                arn: String::new(),
                feature_set: "ALL".to_owned(),
                management_account_id: "111111111111".parse().unwrap(),
                management_account_email: None,
                partition: Partition::aws(),
            },
            root: Root {
                id: "r-ab12".to_owned(),
                arn: String::new(),
                name: "Root".to_owned(),
                enabled_policy_types: vec![],
            },
            ous: vec![
                ou("ou-ab12-22222222", "Baseball", "ou-ab12-11111111"),
                ou("ou-ab12-11111111", "Sports", "r-ab12"),
            ],
            accounts: vec![
                account("111111111111", "mgmt", "r-ab12"),
                account("222222222222", "prod", "ou-ab12-22222222"),
            ],
            policies: vec![],
            delegated_admins: vec![],
            service_access: vec![],
            synced_via: "111111111111".parse().unwrap(),
            synced_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn ou_paths_follow_aws_format() {
        let snap = sample();
        let index = snap.index();
        assert_eq!(
            index.ou_path("ou-ab12-22222222"),
            "o-aaaaaaaaaa/r-ab12/ou-ab12-11111111/ou-ab12-22222222/"
        );
        assert_eq!(index.ou_path("r-ab12"), "o-aaaaaaaaaa/r-ab12/");
        assert_eq!(index.name_path("ou-ab12-22222222"), "Root/Sports/Baseball");
    }

    #[test]
    fn nodes_are_found_by_id_or_name_path() {
        let snap = sample();
        let index = snap.index();
        assert_eq!(
            index.find_nodes("ou-ab12-11111111"),
            vec!["ou-ab12-11111111"]
        );
        assert_eq!(
            index.find_nodes("sports/baseball"),
            vec!["ou-ab12-22222222"]
        );
        assert_eq!(index.find_nodes("Root"), vec!["r-ab12"]);
        assert!(index.find_nodes("Media").is_empty());
        assert!(index.is_within("ou-ab12-22222222", "ou-ab12-11111111"));
        assert!(!index.is_within("r-ab12", "ou-ab12-11111111"));
    }

    #[test]
    fn records_mark_the_management_account() {
        let snap = sample();
        let records = snap.index().account_records();
        assert_eq!(records.len(), 2);
        assert!(records[0].is_management_account);
        assert_eq!(records[1].ou_names, "Root/Sports/Baseball");
    }

    #[test]
    fn unknown_states_are_kept_and_never_active() {
        let state = AccountState::from("SOMETHING_NEW".to_owned());
        assert_eq!(state.as_str(), "SOMETHING_NEW");
        assert!(!state.is_active());
        assert!(AccountState::from("active".to_owned()).is_active());
    }
}
