//! Canned reports: named read-only queries over the inventory and the organization, run through
//! the same read-only path as `canopy query` (so `canopy query` can reproduce any of them).

/// A canned report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    pub name: &'static str,
    pub description: &'static str,
    pub sql: &'static str,
    /// Named integer parameters the SQL takes, with their defaults.
    pub params: &'static [(&'static str, i64)],
}

/// Every report, by the name `canopy report` takes.
pub const REPORTS: &[Report] = &[
    Report {
        name: "public-ips",
        description: "Every network interface with a public IPv4 address, and what it is attached to",
        sql: r#"
SELECT n.account_id,
       a.name AS account_name,
       a.ou_names AS ou_path,
       n.region,
       n.association_public_ip AS public_ip,
       n.network_interface_id,
       coalesce(n.attached_instance_id, n.interface_type || ': ' || n.description) AS attachment,
       n.association_allocation_id AS allocation_id,
       n.vpc_id,
       n.collected_at
FROM aws_ec2_network_interface AS n
LEFT JOIN canopy_accounts AS a ON a.id = n.account_id
WHERE n.association_public_ip IS NOT NULL
ORDER BY n.account_id, n.region, n.association_public_ip
"#,
        params: &[],
    },
    Report {
        name: "internet-routes",
        description: "Every route to an internet gateway, with the subnets it serves",
        sql: r#"
SELECT r.account_id,
       a.name AS account_name,
       a.ou_names AS ou_path,
       r.region,
       r.vpc_id,
       r.route_table_id,
       coalesce(r.destination_cidr_block, r.destination_ipv6_cidr_block, r.destination_prefix_list_id) AS destination,
       r.gateway_id,
       r.state,
       (SELECT group_concat(CASE WHEN j.value ->> 'Main' THEN 'main' ELSE j.value ->> 'SubnetId' END, ' ')
          FROM aws_vpc_route_table AS t, json_each(t.associations) AS j
         WHERE t.route_table_id = r.route_table_id AND t.account_id = r.account_id
           AND t.region = r.region) AS associations,
       r.collected_at
FROM aws_vpc_route AS r
LEFT JOIN canopy_accounts AS a ON a.id = r.account_id
WHERE r.gateway_id LIKE 'igw-%'
ORDER BY r.account_id, r.region, r.vpc_id, r.route_table_id, destination
"#,
        params: &[],
    },
    Report {
        name: "credentials",
        description: "Credential hygiene from the IAM credential reports: root keys and MFA, console users without MFA, old and unused keys and passwords, users with two active keys",
        sql: r#"
WITH r AS (
    SELECT c.*, julianday('now') AS today FROM aws_iam_credential_report AS c
),
findings AS (
    SELECT account_id, user_name, 'root user has an active access key' AS finding,
           'delete the root access keys' AS detail
      FROM r WHERE user_name = '<root_account>' AND (access_key_1_active OR access_key_2_active)
    UNION ALL
    SELECT account_id, user_name, 'root user without MFA', 'enable MFA on the root user'
      FROM r WHERE user_name = '<root_account>' AND NOT mfa_active
    UNION ALL
    SELECT account_id, user_name, 'console user without MFA', 'password enabled, no MFA device'
      FROM r WHERE user_name <> '<root_account>' AND password_enabled AND NOT mfa_active
    UNION ALL
    SELECT account_id, user_name, 'access key 1 older than ' || :max_key_age || ' days',
           'last rotated ' || access_key_1_last_rotated
      FROM r WHERE access_key_1_active AND today - julianday(access_key_1_last_rotated) > :max_key_age
    UNION ALL
    SELECT account_id, user_name, 'access key 2 older than ' || :max_key_age || ' days',
           'last rotated ' || access_key_2_last_rotated
      FROM r WHERE access_key_2_active AND today - julianday(access_key_2_last_rotated) > :max_key_age
    UNION ALL
    SELECT account_id, user_name, 'access key 1 unused for ' || :max_unused || ' days',
           coalesce('last used ' || access_key_1_last_used_date, 'never used')
      FROM r WHERE access_key_1_active
       AND today - julianday(coalesce(access_key_1_last_used_date, access_key_1_last_rotated)) > :max_unused
    UNION ALL
    SELECT account_id, user_name, 'access key 2 unused for ' || :max_unused || ' days',
           coalesce('last used ' || access_key_2_last_used_date, 'never used')
      FROM r WHERE access_key_2_active
       AND today - julianday(coalesce(access_key_2_last_used_date, access_key_2_last_rotated)) > :max_unused
    UNION ALL
    SELECT account_id, user_name, 'password unused for ' || :max_unused || ' days',
           coalesce('last used ' || password_last_used, 'never used')
      FROM r WHERE password_enabled AND user_name <> '<root_account>'
       AND today - julianday(coalesce(password_last_used, user_creation_time)) > :max_unused
    UNION ALL
    SELECT account_id, user_name, 'two active access keys', 'keep one key per user'
      FROM r WHERE access_key_1_active AND access_key_2_active
)
SELECT f.account_id, a.name AS account_name, a.ou_names AS ou_path, f.user_name, f.finding, f.detail
FROM findings AS f
LEFT JOIN canopy_accounts AS a ON a.id = f.account_id
ORDER BY f.account_id, f.user_name, f.finding
"#,
        params: &[(":max_key_age", 90), (":max_unused", 90)],
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    #[test]
    fn every_report_runs_on_an_empty_store() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.db"), &[]).unwrap();
        for report in REPORTS {
            let rows = store
                .query_with(
                    report.sql,
                    report.params,
                    &mut crate::query::Collected::default(),
                )
                .unwrap();
            assert_eq!(rows, 0, "{}", report.name);
        }
    }
}
