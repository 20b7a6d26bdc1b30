//! The schema, as an append-only list: a released migration is never edited, a change is a new
//! entry. `PRAGMA user_version` records how many have been applied.

use std::path::Path;

use rusqlite::Connection;

use crate::{Result, StoreError};

const MIGRATIONS: &[&str] = &[
    // 1: organization snapshots, one row set per organization, replaced whole by each sync
    r#"
    CREATE TABLE org_organizations (
        org_id                   TEXT PRIMARY KEY,
        arn                      TEXT NOT NULL,
        feature_set              TEXT NOT NULL,
        management_account_id    TEXT NOT NULL,
        management_account_email TEXT,
        partition                TEXT NOT NULL,
        root_id                  TEXT NOT NULL,
        root_arn                 TEXT NOT NULL,
        root_name                TEXT NOT NULL,
        enabled_policy_types     TEXT NOT NULL, -- JSON array
        synced_via               TEXT NOT NULL,
        synced_at                TEXT NOT NULL  -- RFC 3339, UTC
    ) STRICT;
    CREATE TABLE org_units (
        org_id    TEXT NOT NULL REFERENCES org_organizations(org_id) ON DELETE CASCADE,
        id        TEXT NOT NULL,
        arn       TEXT NOT NULL,
        name      TEXT NOT NULL,
        parent_id TEXT NOT NULL,
        ou_path   TEXT NOT NULL, -- o-.../r-.../ou-.../ (this OU included)
        ou_names  TEXT NOT NULL, -- Root/Sports/Baseball
        PRIMARY KEY (org_id, id)
    ) STRICT;
    CREATE TABLE org_accounts (
        org_id           TEXT NOT NULL REFERENCES org_organizations(org_id) ON DELETE CASCADE,
        id               TEXT NOT NULL,
        arn              TEXT NOT NULL,
        name             TEXT NOT NULL,
        email            TEXT NOT NULL,
        state            TEXT NOT NULL,
        joined_method    TEXT,
        joined_timestamp TEXT,
        parent_id        TEXT NOT NULL,
        ou_path          TEXT NOT NULL, -- the parent's path: the account's aws:PrincipalOrgPaths
        ou_names         TEXT NOT NULL,
        tags             TEXT NOT NULL, -- JSON object
        PRIMARY KEY (org_id, id)
    ) STRICT;
    CREATE INDEX org_accounts_by_id ON org_accounts(id);
    CREATE TABLE org_policies (
        org_id      TEXT NOT NULL REFERENCES org_organizations(org_id) ON DELETE CASCADE,
        id          TEXT NOT NULL,
        arn         TEXT NOT NULL,
        name        TEXT NOT NULL,
        description TEXT NOT NULL,
        policy_type TEXT NOT NULL,
        aws_managed INTEGER NOT NULL,
        content     TEXT NOT NULL,
        PRIMARY KEY (org_id, id)
    ) STRICT;
    CREATE TABLE org_policy_targets (
        org_id      TEXT NOT NULL,
        policy_id   TEXT NOT NULL,
        target_id   TEXT NOT NULL,
        target_type TEXT NOT NULL,
        target_name TEXT NOT NULL,
        PRIMARY KEY (org_id, policy_id, target_id),
        FOREIGN KEY (org_id, policy_id) REFERENCES org_policies(org_id, id) ON DELETE CASCADE
    ) STRICT;
    CREATE TABLE org_delegated_admins (
        org_id             TEXT NOT NULL REFERENCES org_organizations(org_id) ON DELETE CASCADE,
        account_id         TEXT NOT NULL,
        service_principal  TEXT NOT NULL,
        delegation_enabled TEXT,
        PRIMARY KEY (org_id, account_id, service_principal)
    ) STRICT;
    CREATE TABLE org_service_access (
        org_id            TEXT NOT NULL REFERENCES org_organizations(org_id) ON DELETE CASCADE,
        service_principal TEXT NOT NULL,
        date_enabled      TEXT,
        PRIMARY KEY (org_id, service_principal)
    ) STRICT;
    "#,
];

/// The schema version this build writes.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

pub(crate) fn apply(conn: &mut Connection, path: &Path) -> Result<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if current > LATEST {
        return Err(StoreError::TooNew {
            path: path.to_owned(),
            found: current,
            known: LATEST,
        });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
