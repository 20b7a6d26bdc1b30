//! The tables users query, described: what `canopy tables` and `canopy schema` print. Column
//! names and types come from SQLite itself; this adds the words. A test keeps it in step with
//! the migrations.

use crate::{Result, StoreError};

/// A queryable table or view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableDoc {
    pub name: &'static str,
    pub description: &'static str,
    /// What fills it: `canopy collect` or `canopy org sync`.
    pub filled_by: &'static str,
}

/// Every table users query, in display order.
pub const TABLES: &[TableDoc] = &[
    TableDoc {
        name: "aws_organizations_account",
        description: "Accounts of every synced organization (state, email, tags, OU path)",
        filled_by: "org sync",
    },
    TableDoc {
        name: "aws_organizations_organizational_unit",
        description: "Organizational units with their parent and path",
        filled_by: "org sync",
    },
    TableDoc {
        name: "aws_organizations_policy",
        description: "Organization policies (SCPs, tag, backup, ... policies) with their content",
        filled_by: "org sync",
    },
    TableDoc {
        name: "aws_organizations_policy_target",
        description: "Organization policies, one row per root, OU or account they are attached to",
        filled_by: "org sync",
    },
    TableDoc {
        name: "aws_region",
        description: "Regions each account sees, with their opt-in status",
        filled_by: "collect",
    },
    TableDoc {
        name: "aws_ec2_instance",
        description: "EC2 instances",
        filled_by: "collect",
    },
    TableDoc {
        name: "aws_ec2_network_interface",
        description: "Elastic network interfaces, with their public address and attachment",
        filled_by: "collect",
    },
    TableDoc {
        name: "aws_vpc_route_table",
        description: "VPC route tables, with their associations and routes as JSON",
        filled_by: "collect",
    },
    TableDoc {
        name: "aws_vpc_route",
        description: "VPC routes, one row per route of every route table",
        filled_by: "collect",
    },
    TableDoc {
        name: "aws_vpc_internet_gateway",
        description: "Internet gateways and the VPCs they are attached to",
        filled_by: "collect",
    },
    TableDoc {
        name: "aws_iam_role",
        description: "IAM roles, with their trust policy (assume_role_policy) as JSON",
        filled_by: "collect",
    },
    TableDoc {
        name: "aws_iam_credential_report",
        description: "IAM credential reports: every user (and the root user) of every account, typed",
        filled_by: "credreport collect",
    },
    TableDoc {
        name: "canopy_runs",
        description: "canopy's collection runs: when, what was asked, how it ended",
        filled_by: "collect",
    },
    TableDoc {
        name: "canopy_errors",
        description: "Units that failed, by run: account, region, table, AWS error code, message",
        filled_by: "collect",
    },
];

/// Words for the columns many tables share, and for some that need them.
pub fn column_description(table: &str, column: &str) -> &'static str {
    match (table, column) {
        (_, "account_id") if table.starts_with("aws_organizations_") => {
            "The management account of the organization"
        }
        (_, "account_id") => "The account the resource is in",
        (_, "region") => "The region (`global` for global services)",
        (_, "collected_at") => "When canopy last read this row from AWS (UTC)",
        (_, "partition") => "The AWS partition (aws, aws-cn, aws-us-gov)",
        (_, "tags") => "Tags as a JSON object: tags ->> 'Name'",
        (_, "tags_src") => "Tags as AWS returns them: [{\"Key\", \"Value\"}]",
        (_, "title") => "A display title",
        (_, "akas") => "ARNs of the resource, as a JSON array",
        (_, "org_id") => "The organization",
        (_, "ou_path") => "The OU path by id: o-.../r-.../ou-.../",
        (_, "ou_names") => "The OU path by name: Root/Sports/Baseball",
        ("aws_organizations_account", "status") => "The account state (Steampipe's name)",
        ("aws_organizations_account", "state") => {
            "ACTIVE, SUSPENDED, PENDING_CLOSURE, PENDING_ACTIVATION or CLOSED"
        }
        ("aws_organizations_organizational_unit", "path") => {
            "Steampipe's path form: r_xxxx.ou_xxxx_yyyy"
        }
        ("aws_ec2_network_interface", "association_public_ip") => {
            "The public IPv4 address (Elastic IP or auto-assigned)"
        }
        ("aws_ec2_network_interface", "attached_instance_id") => "The instance it is attached to",
        ("aws_vpc_route", "gateway_id") => {
            "Internet or virtual private gateway (igw-..., vgw-..., local)"
        }
        ("aws_iam_role", "assume_role_policy") => "The trust policy, decoded to JSON",
        ("aws_iam_credential_report", "generated_time") => {
            "When AWS generated the report (a report under four hours old is reused by AWS)"
        }
        ("aws_iam_credential_report", "user_name") => "The user, or `<root_account>`",
        ("canopy_errors", "error_code") => {
            "AWS's error code (AccessDenied, UnauthorizedOperation, ...)"
        }
        _ => "",
    }
}

/// `name` when it is a table `canopy collect` writes; table names are never taken from
/// anywhere else into SQL.
pub(crate) fn inventory_table(name: &str) -> Result<&'static str> {
    canopy_model::inventory::Collector::ALL
        .iter()
        .flat_map(|c| c.tables().iter().copied())
        .chain([canopy_model::inventory::CREDENTIAL_REPORT_TABLE])
        .find(|t| *t == name)
        .ok_or_else(|| StoreError::Invalid(format!("`{name}` is not an inventory table")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    #[test]
    fn every_documented_table_exists_and_every_collected_table_is_documented() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.db")).unwrap();
        for doc in TABLES {
            assert!(
                !store.schema(doc.name).unwrap().is_empty(),
                "{} has no columns",
                doc.name
            );
        }
        for c in canopy_model::inventory::Collector::ALL {
            for t in c.tables() {
                assert!(TABLES.iter().any(|d| d.name == *t), "{t} undocumented");
                let columns = store.schema(t).unwrap();
                for common in ["account_id", "region", "collected_at"] {
                    assert!(columns.iter().any(|c| c.name == common), "{t}.{common}");
                }
            }
        }
        for t in canopy_model::inventory::ORGANIZATION_TABLES {
            let columns = store.schema(t).unwrap();
            for common in ["account_id", "region", "collected_at"] {
                assert!(columns.iter().any(|c| c.name == common), "{t}.{common}");
            }
        }
    }
}
