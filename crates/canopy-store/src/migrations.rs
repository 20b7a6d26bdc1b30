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
    // 2: inventory (Steampipe's table and column names), collection runs and errors, and the
    // organization tables as Steampipe names them, as views over the snapshots
    r#"
    CREATE TABLE aws_region (
        name          TEXT NOT NULL,
        opt_in_status TEXT,
        title         TEXT,
        akas          JSON,
        partition     TEXT,
        account_id    TEXT NOT NULL,
        region        TEXT NOT NULL,
        collected_at  TIMESTAMP NOT NULL
    );
    CREATE INDEX aws_region_unit ON aws_region(account_id, region);
    CREATE TABLE aws_ec2_instance (
        instance_id                 TEXT NOT NULL,
        arn                         TEXT,
        instance_type               TEXT,
        instance_state              TEXT,
        launch_time                 TIMESTAMP,
        private_ip_address          TEXT,
        public_ip_address           TEXT,
        private_dns_name            TEXT,
        public_dns_name             TEXT,
        vpc_id                      TEXT,
        subnet_id                   TEXT,
        image_id                    TEXT,
        key_name                    TEXT,
        architecture                TEXT,
        platform                    TEXT,
        platform_details            TEXT,
        iam_instance_profile_arn    TEXT,
        monitoring_state            TEXT,
        placement_availability_zone TEXT,
        placement_tenancy           TEXT,
        root_device_type            TEXT,
        root_device_name            TEXT,
        ebs_optimized               BOOLEAN,
        security_groups             JSON,
        network_interfaces          JSON,
        tags_src                    JSON,
        tags                        JSON,
        title                       TEXT,
        partition                   TEXT,
        account_id                  TEXT NOT NULL,
        region                      TEXT NOT NULL,
        collected_at                TIMESTAMP NOT NULL
    );
    CREATE INDEX aws_ec2_instance_unit ON aws_ec2_instance(account_id, region);
    CREATE TABLE aws_ec2_network_interface (
        network_interface_id           TEXT NOT NULL,
        status                         TEXT,
        interface_type                 TEXT,
        description                    TEXT,
        availability_zone              TEXT,
        owner_id                       TEXT,
        association_allocation_id      TEXT,
        association_id                 TEXT,
        association_ip_owner_id        TEXT,
        association_public_dns_name    TEXT,
        association_public_ip          TEXT,
        association_carrier_ip         TEXT,
        attached_instance_id           TEXT,
        attached_instance_owner_id     TEXT,
        attachment_id                  TEXT,
        attachment_status              TEXT,
        attachment_time                TIMESTAMP,
        delete_on_instance_termination BOOLEAN,
        device_index                   INTEGER,
        mac_address                    TEXT,
        private_dns_name               TEXT,
        private_ip_address             TEXT,
        requester_id                   TEXT,
        requester_managed              BOOLEAN,
        source_dest_check              BOOLEAN,
        subnet_id                      TEXT,
        vpc_id                         TEXT,
        groups                         JSON,
        ipv6_addresses                 JSON,
        private_ip_addresses           JSON,
        tags_src                       JSON,
        tags                           JSON,
        title                          TEXT,
        partition                      TEXT,
        account_id                     TEXT NOT NULL,
        region                         TEXT NOT NULL,
        collected_at                   TIMESTAMP NOT NULL
    );
    CREATE INDEX aws_ec2_network_interface_unit ON aws_ec2_network_interface(account_id, region);
    CREATE TABLE aws_vpc_route_table (
        route_table_id   TEXT NOT NULL,
        vpc_id           TEXT,
        owner_id         TEXT,
        associations     JSON,
        routes           JSON,
        propagating_vgws JSON,
        tags_src         JSON,
        tags             JSON,
        title            TEXT,
        akas             JSON,
        partition        TEXT,
        account_id       TEXT NOT NULL,
        region           TEXT NOT NULL,
        collected_at     TIMESTAMP NOT NULL
    );
    CREATE INDEX aws_vpc_route_table_unit ON aws_vpc_route_table(account_id, region);
    CREATE TABLE aws_vpc_route (
        route_table_id                  TEXT NOT NULL,
        vpc_id                          TEXT,
        owner_id                        TEXT,
        destination_cidr_block          TEXT,
        destination_ipv6_cidr_block     TEXT,
        destination_prefix_list_id      TEXT,
        gateway_id                      TEXT,
        nat_gateway_id                  TEXT,
        transit_gateway_id              TEXT,
        vpc_peering_connection_id       TEXT,
        network_interface_id            TEXT,
        instance_id                     TEXT,
        egress_only_internet_gateway_id TEXT,
        carrier_gateway_id              TEXT,
        local_gateway_id                TEXT,
        origin                          TEXT,
        state                           TEXT,
        title                           TEXT,
        partition                       TEXT,
        account_id                      TEXT NOT NULL,
        region                          TEXT NOT NULL,
        collected_at                    TIMESTAMP NOT NULL
    );
    CREATE INDEX aws_vpc_route_unit ON aws_vpc_route(account_id, region);
    CREATE TABLE aws_vpc_internet_gateway (
        internet_gateway_id TEXT NOT NULL,
        owner_id            TEXT,
        attachments         JSON,
        tags_src            JSON,
        tags                JSON,
        title               TEXT,
        akas                JSON,
        partition           TEXT,
        account_id          TEXT NOT NULL,
        region              TEXT NOT NULL,
        collected_at        TIMESTAMP NOT NULL
    );
    CREATE INDEX aws_vpc_internet_gateway_unit ON aws_vpc_internet_gateway(account_id, region);
    CREATE TABLE aws_iam_role (
        name                      TEXT NOT NULL,
        arn                       TEXT NOT NULL,
        role_id                   TEXT,
        create_date               TIMESTAMP,
        description               TEXT,
        path                      TEXT,
        max_session_duration      INTEGER,
        permissions_boundary_arn  TEXT,
        permissions_boundary_type TEXT,
        role_last_used_date       TIMESTAMP,
        role_last_used_region     TEXT,
        assume_role_policy        JSON,
        tags_src                  JSON,
        tags                      JSON,
        title                     TEXT,
        akas                      JSON,
        partition                 TEXT,
        account_id                TEXT NOT NULL,
        region                    TEXT NOT NULL,
        collected_at              TIMESTAMP NOT NULL
    );
    CREATE INDEX aws_iam_role_unit ON aws_iam_role(account_id, region);

    CREATE TABLE canopy_runs (
        run_id       INTEGER PRIMARY KEY,
        command      TEXT NOT NULL,
        started_at   TEXT NOT NULL,
        finished_at  TEXT,
        status       TEXT NOT NULL, -- running | ok | partial | interrupted
        accounts     INTEGER NOT NULL DEFAULT 0,
        units        INTEGER NOT NULL DEFAULT 0,
        failed_units INTEGER NOT NULL DEFAULT 0,
        rows         INTEGER NOT NULL DEFAULT 0,
        options      TEXT -- JSON: what was asked
    ) STRICT;
    CREATE TABLE canopy_errors (
        run_id     INTEGER NOT NULL REFERENCES canopy_runs(run_id) ON DELETE CASCADE,
        account_id TEXT NOT NULL,
        region     TEXT NOT NULL,
        table_name TEXT NOT NULL,
        error_code TEXT NOT NULL,
        message    TEXT NOT NULL,
        at         TEXT NOT NULL
    ) STRICT;
    CREATE INDEX canopy_errors_by_run ON canopy_errors(run_id);

    -- one row per account: the newest snapshot that holds it
    CREATE VIEW canopy_accounts AS
    SELECT id, name, email, state, org_id, ou_path, ou_names, tags, management_account_id,
           partition, synced_at
    FROM (
        SELECT a.id, a.name, a.email, a.state, a.org_id, a.ou_path, a.ou_names, a.tags,
               o.management_account_id, o.partition, o.synced_at,
               row_number() OVER (PARTITION BY a.id ORDER BY o.synced_at DESC, a.org_id) AS newest
        FROM org_accounts a JOIN org_organizations o USING (org_id)
    )
    WHERE newest = 1;

    CREATE VIEW aws_organizations_account AS
    SELECT a.id, a.arn, a.name, a.email, a.state AS status, a.state, a.joined_method,
           a.joined_timestamp, a.parent_id, a.tags, a.name AS title, json_array(a.arn) AS akas,
           a.org_id, a.ou_path, a.ou_names, o.partition,
           o.management_account_id AS account_id, 'global' AS region, o.synced_at AS collected_at
    FROM org_accounts a JOIN org_organizations o USING (org_id);

    CREATE VIEW aws_organizations_organizational_unit AS
    SELECT u.name, u.id, u.arn, u.parent_id,
           replace(replace(rtrim(substr(u.ou_path, instr(u.ou_path, '/') + 1), '/'), '/', '.'), '-', '_') AS path,
           NULL AS tags, u.name AS title, json_array(u.arn) AS akas,
           u.org_id, u.ou_path, u.ou_names, o.partition,
           o.management_account_id AS account_id, 'global' AS region, o.synced_at AS collected_at
    FROM org_units u JOIN org_organizations o USING (org_id);

    CREATE VIEW aws_organizations_policy AS
    SELECT p.name, p.id, p.arn, p.policy_type AS type, p.aws_managed = 1 AS aws_managed,
           p.description, p.content, NULL AS tags, p.name AS title, json_array(p.arn) AS akas,
           p.org_id, o.partition,
           o.management_account_id AS account_id, 'global' AS region, o.synced_at AS collected_at
    FROM org_policies p JOIN org_organizations o USING (org_id);

    CREATE VIEW aws_organizations_policy_target AS
    SELECT p.name, p.id, p.arn, p.policy_type AS type, t.target_id, t.target_type, t.target_name,
           p.aws_managed = 1 AS aws_managed, p.description, p.content, NULL AS tags,
           p.name AS title, json_array(p.arn) AS akas, p.org_id, o.partition,
           o.management_account_id AS account_id, 'global' AS region, o.synced_at AS collected_at
    FROM org_policy_targets t
    JOIN org_policies p ON p.org_id = t.org_id AND p.id = t.policy_id
    JOIN org_organizations o ON o.org_id = t.org_id;
    "#,
    // 3: IAM credential reports, one row per user (the root user included) per account
    r#"
    CREATE TABLE aws_iam_credential_report (
        user_name                      TEXT NOT NULL,
        user_arn                       TEXT,
        user_creation_time             TIMESTAMP,
        password_enabled               BOOLEAN,
        password_last_used             TIMESTAMP,
        password_last_changed          TIMESTAMP,
        password_next_rotation         TIMESTAMP,
        mfa_active                     BOOLEAN,
        access_key_1_active            BOOLEAN,
        access_key_1_last_rotated      TIMESTAMP,
        access_key_1_last_used_date    TIMESTAMP,
        access_key_1_last_used_region  TEXT,
        access_key_1_last_used_service TEXT,
        access_key_2_active            BOOLEAN,
        access_key_2_last_rotated      TIMESTAMP,
        access_key_2_last_used_date    TIMESTAMP,
        access_key_2_last_used_region  TEXT,
        access_key_2_last_used_service TEXT,
        cert_1_active                  BOOLEAN,
        cert_1_last_rotated            TIMESTAMP,
        cert_2_active                  BOOLEAN,
        cert_2_last_rotated            TIMESTAMP,
        generated_time                 TIMESTAMP,
        account_id                     TEXT NOT NULL,
        region                         TEXT NOT NULL,
        collected_at                   TIMESTAMP NOT NULL
    );
    CREATE INDEX aws_iam_credential_report_unit ON aws_iam_credential_report(account_id, region);
    "#,
    // 4: an error row names the AWS action that failed and, for a detail call about one
    // resource (a bucket's policy), the resource; such a unit's rows were kept
    r#"
    ALTER TABLE canopy_errors ADD COLUMN action TEXT;
    ALTER TABLE canopy_errors ADD COLUMN resource TEXT;
    "#,
    // 5: the effective Identity Center matrix over the tables `access sync` fills (created with
    // the store's inventory tables): one row per user, account and permission set, and how the
    // user holds it — `direct`, or the group's name (a user holding it both ways has both rows)
    r#"
    CREATE VIEW canopy_sso_access AS
    WITH grants AS (
        SELECT a.instance_arn, a.target_account_id, a.permission_set_arn,
               a.principal_id AS user_id, 'direct' AS via, NULL AS group_id
        FROM aws_ssoadmin_account_assignment a
        WHERE a.principal_type = 'USER'
        UNION ALL
        SELECT a.instance_arn, a.target_account_id, a.permission_set_arn,
               m.member_id, coalesce(g.name, a.principal_id), a.principal_id
        FROM aws_ssoadmin_account_assignment a
        JOIN aws_ssoadmin_instance i ON i.arn = a.instance_arn
        JOIN aws_identitystore_group_membership m
          ON m.identity_store_id = i.identity_store_id AND m.group_id = a.principal_id
        LEFT JOIN aws_identitystore_group g
          ON g.identity_store_id = i.identity_store_id AND g.id = a.principal_id
        WHERE a.principal_type = 'GROUP'
    )
    SELECT DISTINCT gr.user_id, u.name AS user_name, gr.target_account_id AS account_id,
           acc.name AS account_name, ps.name AS permission_set_name,
           gr.permission_set_arn, gr.via, gr.group_id, gr.instance_arn
    FROM grants gr
    JOIN aws_ssoadmin_instance i ON i.arn = gr.instance_arn
    LEFT JOIN aws_identitystore_user u
      ON u.identity_store_id = i.identity_store_id AND u.id = gr.user_id
    LEFT JOIN aws_ssoadmin_permission_set ps
      ON ps.arn = gr.permission_set_arn AND ps.instance_arn = gr.instance_arn
    LEFT JOIN canopy_accounts acc ON acc.id = gr.target_account_id;
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
