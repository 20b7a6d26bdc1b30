//! Canned reports: named read-only queries over the inventory and the organization, run through
//! the same read-only path as `canopy query` (so `canopy query` can reproduce any of them).

/// A canned report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    pub name: &'static str,
    pub description: &'static str,
    pub sql: &'static str,
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
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    #[test]
    fn every_report_runs_on_an_empty_store() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.db")).unwrap();
        for report in REPORTS {
            let rows = store
                .query(report.sql, &mut crate::query::Collected::default())
                .unwrap();
            assert_eq!(rows, 0, "{}", report.name);
        }
    }
}
