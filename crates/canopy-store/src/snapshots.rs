//! Organization snapshots: saved whole in one transaction (the previous snapshot of the same
//! organization is replaced, never merged), loaded whole.

use std::collections::{BTreeMap, HashMap};

use canopy_model::{
    Account, AccountId, AccountState, DelegatedAdmin, OrgId, OrgSnapshot, OrgUnit, Organization,
    Partition, Policy, PolicyTarget, Root, ServiceAccess, TargetType, format_time, parse_time,
};
use rusqlite::{OptionalExtension, Row, params};
use time::OffsetDateTime;

use crate::{Result, Store, StoreError};

/// When an organization was last synced, and through which account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncStamp {
    pub org_id: OrgId,
    pub management_account_id: AccountId,
    pub synced_via: AccountId,
    pub synced_at: OffsetDateTime,
}

fn corrupt(table: &'static str, column: &'static str, value: impl Into<String>) -> StoreError {
    StoreError::Corrupt {
        table,
        column,
        value: value.into(),
    }
}

fn time_of(table: &'static str, column: &'static str, text: &str) -> Result<OffsetDateTime> {
    parse_time(text).ok_or_else(|| corrupt(table, column, text))
}

impl Store {
    /// Replaces the stored snapshot of `snapshot`'s organization with it, atomically.
    pub fn save_snapshot(&mut self, snapshot: &OrgSnapshot) -> Result<()> {
        let tx = self.conn.transaction()?;
        write_snapshot(&tx, snapshot)?;
        tx.commit()?;
        Ok(())
    }

    /// When each stored organization was synced, by organization id.
    pub fn sync_stamps(&self) -> Result<Vec<SyncStamp>> {
        let mut stmt = self.conn.prepare(
            "SELECT org_id, management_account_id, synced_via, synced_at
             FROM org_organizations ORDER BY org_id",
        )?;
        let rows = stmt.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
            ))
        })?;
        let mut stamps = Vec::new();
        for row in rows {
            let (org, mgmt, via, at) = row?;
            stamps.push(SyncStamp {
                org_id: org
                    .parse()
                    .map_err(|_| corrupt("org_organizations", "org_id", &org))?,
                management_account_id: mgmt
                    .parse()
                    .map_err(|_| corrupt("org_organizations", "management_account_id", &mgmt))?,
                synced_via: via
                    .parse()
                    .map_err(|_| corrupt("org_organizations", "synced_via", &via))?,
                synced_at: time_of("org_organizations", "synced_at", &at)?,
            });
        }
        Ok(stamps)
    }

    /// Removes an organization's snapshot. Returns whether there was one.
    pub fn forget_org(&mut self, org_id: &OrgId) -> Result<bool> {
        let n = self.conn.execute(
            "DELETE FROM org_organizations WHERE org_id = ?1",
            params![org_id.as_str()],
        )?;
        Ok(n > 0)
    }

    /// Every stored snapshot, ordered by organization id.
    pub fn snapshots(&self) -> Result<Vec<OrgSnapshot>> {
        let ids: Vec<String> = {
            let mut stmt = self
                .conn
                .prepare("SELECT org_id FROM org_organizations ORDER BY org_id")?;
            stmt.query_map([], |row| row.get(0))?
                .collect::<rusqlite::Result<_>>()?
        };
        ids.iter()
            .map(|id| {
                self.snapshot(id)?
                    .ok_or_else(|| corrupt("org_organizations", "org_id", id))
            })
            .collect()
    }

    /// One organization's snapshot, if stored.
    pub fn snapshot(&self, org_id: &str) -> Result<Option<OrgSnapshot>> {
        let head = self
            .conn
            .query_row(
                "SELECT org_id, arn, feature_set, management_account_id, management_account_email,
                    partition, root_id, root_arn, root_name, enabled_policy_types, synced_via,
                    synced_at
                 FROM org_organizations WHERE org_id = ?1",
                params![org_id],
                |row| {
                    Ok((
                        (
                            row.get::<_, String>(0)?,
                            row.get::<_, String>(1)?,
                            row.get::<_, String>(2)?,
                            row.get::<_, String>(3)?,
                            row.get::<_, Option<String>>(4)?,
                            row.get::<_, String>(5)?,
                        ),
                        (
                            row.get::<_, String>(6)?,
                            row.get::<_, String>(7)?,
                            row.get::<_, String>(8)?,
                            row.get::<_, String>(9)?,
                            row.get::<_, String>(10)?,
                            row.get::<_, String>(11)?,
                        ),
                    ))
                },
            )
            .optional()?;
        let Some(((id, arn, feature_set, mgmt, mgmt_email, partition), root_and_sync)) = head
        else {
            return Ok(None);
        };
        let (root_id, root_arn, root_name, policy_types, via, at) = root_and_sync;
        let organization = Organization {
            id: id
                .parse()
                .map_err(|_| corrupt("org_organizations", "org_id", &id))?,
            arn,
            feature_set,
            management_account_id: mgmt
                .parse()
                .map_err(|_| corrupt("org_organizations", "management_account_id", &mgmt))?,
            management_account_email: mgmt_email,
            partition: Partition::of_arn(&format!("arn:{partition}:"))
                .ok_or_else(|| corrupt("org_organizations", "partition", &partition))?,
        };
        let root = Root {
            id: root_id,
            arn: root_arn,
            name: root_name,
            enabled_policy_types: serde_json::from_str(&policy_types)
                .map_err(|_| corrupt("org_organizations", "enabled_policy_types", &policy_types))?,
        };
        Ok(Some(OrgSnapshot {
            organization,
            root,
            ous: self.units(org_id)?,
            accounts: self.accounts(org_id)?,
            policies: self.policies(org_id)?,
            delegated_admins: self.delegated_admins(org_id)?,
            service_access: self.service_access(org_id)?,
            synced_via: via
                .parse()
                .map_err(|_| corrupt("org_organizations", "synced_via", &via))?,
            synced_at: time_of("org_organizations", "synced_at", &at)?,
        }))
    }

    fn units(&self, org_id: &str) -> Result<Vec<OrgUnit>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, arn, name, parent_id FROM org_units WHERE org_id = ?1 ORDER BY id",
        )?;
        let units = stmt
            .query_map(params![org_id], |row| {
                Ok(OrgUnit {
                    id: row.get(0)?,
                    arn: row.get(1)?,
                    name: row.get(2)?,
                    parent_id: row.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(units)
    }

    fn accounts(&self, org_id: &str) -> Result<Vec<Account>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, arn, name, email, state, joined_method, joined_timestamp, parent_id, tags
             FROM org_accounts WHERE org_id = ?1 ORDER BY id",
        )?;
        let mut rows = stmt.query(params![org_id])?;
        let mut accounts = Vec::new();
        while let Some(row) = rows.next()? {
            accounts.push(account_from(row)?);
        }
        Ok(accounts)
    }

    fn policies(&self, org_id: &str) -> Result<Vec<Policy>> {
        let mut targets: HashMap<String, Vec<PolicyTarget>> = HashMap::new();
        {
            let mut stmt = self.conn.prepare(
                "SELECT policy_id, target_id, target_type, target_name FROM org_policy_targets
                 WHERE org_id = ?1 ORDER BY policy_id, target_id",
            )?;
            let mut rows = stmt.query(params![org_id])?;
            while let Some(row) = rows.next()? {
                let kind: String = row.get(2)?;
                targets.entry(row.get(0)?).or_default().push(PolicyTarget {
                    target_id: row.get(1)?,
                    target_type: TargetType::parse(&kind)
                        .ok_or_else(|| corrupt("org_policy_targets", "target_type", &kind))?,
                    name: row.get(3)?,
                });
            }
        }
        let mut stmt = self.conn.prepare(
            "SELECT id, arn, name, description, policy_type, aws_managed, content
             FROM org_policies WHERE org_id = ?1 ORDER BY policy_type, name, id",
        )?;
        let policies = stmt
            .query_map(params![org_id], |row| {
                Ok(Policy {
                    id: row.get(0)?,
                    arn: row.get(1)?,
                    name: row.get(2)?,
                    description: row.get(3)?,
                    policy_type: row.get(4)?,
                    aws_managed: row.get(5)?,
                    content: row.get(6)?,
                    targets: Vec::new(),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .map(|mut p| {
                p.targets = targets.remove(&p.id).unwrap_or_default();
                p
            })
            .collect();
        Ok(policies)
    }

    fn delegated_admins(&self, org_id: &str) -> Result<Vec<DelegatedAdmin>> {
        let mut stmt = self.conn.prepare(
            "SELECT account_id, service_principal, delegation_enabled FROM org_delegated_admins
             WHERE org_id = ?1 ORDER BY account_id, service_principal",
        )?;
        let mut rows = stmt.query(params![org_id])?;
        let mut admins = Vec::new();
        while let Some(row) = rows.next()? {
            let account: String = row.get(0)?;
            admins.push(DelegatedAdmin {
                account_id: account
                    .parse()
                    .map_err(|_| corrupt("org_delegated_admins", "account_id", &account))?,
                service_principal: row.get(1)?,
                delegation_enabled: row.get(2)?,
            });
        }
        Ok(admins)
    }

    fn service_access(&self, org_id: &str) -> Result<Vec<ServiceAccess>> {
        let mut stmt = self.conn.prepare(
            "SELECT service_principal, date_enabled FROM org_service_access
             WHERE org_id = ?1 ORDER BY service_principal",
        )?;
        let access = stmt
            .query_map(params![org_id], |row| {
                Ok(ServiceAccess {
                    service_principal: row.get(0)?,
                    date_enabled: row.get(1)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(access)
    }
}

fn account_from(row: &Row<'_>) -> Result<Account> {
    let id: String = row.get(0)?;
    let joined: Option<String> = row.get(6)?;
    let tags: String = row.get(8)?;
    let state: String = row.get(4)?;
    Ok(Account {
        id: id.parse().map_err(|_| corrupt("org_accounts", "id", &id))?,
        arn: row.get(1)?,
        name: row.get(2)?,
        email: row.get(3)?,
        state: AccountState::from(state),
        joined_method: row.get(5)?,
        joined_timestamp: joined
            .map(|t| time_of("org_accounts", "joined_timestamp", &t))
            .transpose()?,
        parent_id: row.get(7)?,
        tags: serde_json::from_str::<BTreeMap<String, String>>(&tags)
            .map_err(|_| corrupt("org_accounts", "tags", &tags))?,
    })
}

/// Replaces the stored snapshot of `snapshot`'s organization with it, inside `tx`.
pub(crate) fn write_snapshot(tx: &rusqlite::Transaction<'_>, snapshot: &OrgSnapshot) -> Result<()> {
    let org = &snapshot.organization;
    let org_id = org.id.as_str();
    let index = snapshot.index();
    tx.execute(
        "DELETE FROM org_organizations WHERE org_id = ?1",
        params![org_id],
    )?;
    tx.execute(
        "INSERT INTO org_organizations (org_id, arn, feature_set, management_account_id,
            management_account_email, partition, root_id, root_arn, root_name,
            enabled_policy_types, synced_via, synced_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            org_id,
            org.arn,
            org.feature_set,
            org.management_account_id.as_str(),
            org.management_account_email,
            org.partition.as_str(),
            snapshot.root.id,
            snapshot.root.arn,
            snapshot.root.name,
            serde_json::Value::from(snapshot.root.enabled_policy_types.clone()).to_string(),
            snapshot.synced_via.as_str(),
            format_time(snapshot.synced_at),
        ],
    )?;
    {
        let mut insert = tx.prepare(
            "INSERT INTO org_units (org_id, id, arn, name, parent_id, ou_path, ou_names)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for ou in &snapshot.ous {
            insert.execute(params![
                org_id,
                ou.id,
                ou.arn,
                ou.name,
                ou.parent_id,
                index.ou_path(&ou.id),
                index.name_path(&ou.id),
            ])?;
        }
        let mut insert = tx.prepare(
            "INSERT INTO org_accounts (org_id, id, arn, name, email, state, joined_method,
                joined_timestamp, parent_id, ou_path, ou_names, tags)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        for a in &snapshot.accounts {
            let tags = serde_json::to_string(&a.tags).unwrap_or_else(|_| "{}".to_owned());
            insert.execute(params![
                org_id,
                a.id.as_str(),
                a.arn,
                a.name,
                a.email,
                a.state.as_str(),
                a.joined_method,
                a.joined_timestamp.map(format_time),
                a.parent_id,
                index.ou_path(&a.parent_id),
                index.name_path(&a.parent_id),
                tags,
            ])?;
        }
        let mut insert_policy = tx.prepare(
            "INSERT INTO org_policies (org_id, id, arn, name, description, policy_type,
                aws_managed, content)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        let mut insert_target = tx.prepare(
            "INSERT OR REPLACE INTO org_policy_targets (org_id, policy_id, target_id,
                target_type, target_name)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for p in &snapshot.policies {
            insert_policy.execute(params![
                org_id,
                p.id,
                p.arn,
                p.name,
                p.description,
                p.policy_type,
                p.aws_managed,
                p.content,
            ])?;
            for t in &p.targets {
                insert_target.execute(params![
                    org_id,
                    p.id,
                    t.target_id,
                    t.target_type.as_str(),
                    t.name,
                ])?;
            }
        }
        let mut insert = tx.prepare(
            "INSERT OR REPLACE INTO org_delegated_admins (org_id, account_id,
                service_principal, delegation_enabled)
             VALUES (?1, ?2, ?3, ?4)",
        )?;
        for d in &snapshot.delegated_admins {
            insert.execute(params![
                org_id,
                d.account_id.as_str(),
                d.service_principal,
                d.delegation_enabled,
            ])?;
        }
        let mut insert = tx.prepare(
            "INSERT OR REPLACE INTO org_service_access (org_id, service_principal, date_enabled)
             VALUES (?1, ?2, ?3)",
        )?;
        for s in &snapshot.service_access {
            insert.execute(params![org_id, s.service_principal, s.date_enabled])?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(org: &str, accounts: &[(&str, &str)]) -> OrgSnapshot {
        OrgSnapshot {
            organization: Organization {
                id: org.parse().unwrap(),
                arn: format!("arn:aws:organizations::111111111111:organization/{org}"),
                feature_set: "ALL".into(),
                management_account_id: "111111111111".parse().unwrap(),
                management_account_email: Some("m@example.com".into()),
                partition: Partition::aws(),
            },
            root: Root {
                id: "r-ab12".into(),
                arn: "arn:root".into(),
                name: "Root".into(),
                enabled_policy_types: vec!["SERVICE_CONTROL_POLICY".into()],
            },
            ous: vec![OrgUnit {
                id: "ou-ab12-11111111".into(),
                arn: "arn:ou".into(),
                name: "Sports".into(),
                parent_id: "r-ab12".into(),
            }],
            accounts: accounts
                .iter()
                .map(|(id, name)| Account {
                    id: id.parse().unwrap(),
                    arn: format!("arn:aws:organizations::111111111111:account/{org}/{id}"),
                    name: (*name).into(),
                    email: format!("{name}@example.com"),
                    state: AccountState::Active,
                    joined_method: Some("CREATED".into()),
                    joined_timestamp: Some(time::macros::datetime!(2024-01-02 03:04:05 UTC)),
                    parent_id: "ou-ab12-11111111".into(),
                    tags: BTreeMap::from([("env".to_owned(), "prod".to_owned())]),
                })
                .collect(),
            policies: vec![Policy {
                id: "p-1".into(),
                arn: "arn:p".into(),
                name: "Deny".into(),
                description: "d".into(),
                policy_type: "SERVICE_CONTROL_POLICY".into(),
                aws_managed: false,
                content: "{}".into(),
                targets: vec![PolicyTarget {
                    target_id: "r-ab12".into(),
                    target_type: TargetType::Root,
                    name: "Root".into(),
                }],
            }],
            delegated_admins: vec![DelegatedAdmin {
                account_id: "222222222222".parse().unwrap(),
                service_principal: "guardduty.amazonaws.com".into(),
                delegation_enabled: None,
            }],
            service_access: vec![ServiceAccess {
                service_principal: "guardduty.amazonaws.com".into(),
                date_enabled: None,
            }],
            synced_via: "111111111111".parse().unwrap(),
            synced_at: time::macros::datetime!(2026-01-01 00:00:00 UTC),
        }
    }

    #[test]
    fn snapshots_round_trip_and_replace_whole() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("sub/canopy.db"), &[]).unwrap();
        assert_eq!(store.schema_version().unwrap(), crate::migrations::LATEST);
        let first = snapshot(
            "o-aaaaaaaaaa",
            &[("222222222222", "prod"), ("333333333333", "dev")],
        );
        store.save_snapshot(&first).unwrap();
        assert_eq!(store.snapshots().unwrap(), vec![first.clone()]);

        let second = snapshot("o-aaaaaaaaaa", &[("222222222222", "prod")]);
        store.save_snapshot(&second).unwrap();
        let loaded = store.snapshots().unwrap();
        assert_eq!(loaded.len(), 1);
        assert_eq!(
            loaded[0].accounts.len(),
            1,
            "the old snapshot is replaced, not merged"
        );

        let other = snapshot("o-bbbbbbbbbb", &[("444444444444", "prod")]);
        store.save_snapshot(&other).unwrap();
        assert_eq!(store.sync_stamps().unwrap().len(), 2);
        assert!(store.forget_org(&"o-aaaaaaaaaa".parse().unwrap()).unwrap());
        assert_eq!(store.snapshots().unwrap(), vec![other]);
    }

    #[test]
    fn reopening_keeps_data_and_refuses_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("canopy.db");
        {
            let mut store = Store::open(&path, &[]).unwrap();
            store
                .save_snapshot(&snapshot("o-aaaaaaaaaa", &[("222222222222", "prod")]))
                .unwrap();
        }
        let store = Store::open(&path, &[]).unwrap();
        assert_eq!(store.snapshots().unwrap().len(), 1);
        store.conn.pragma_update(None, "user_version", 999).unwrap();
        drop(store);
        let err = Store::open(&path, &[]).unwrap_err();
        assert!(
            err.to_string().contains("newer than this canopy knows"),
            "{err}"
        );
    }
}
