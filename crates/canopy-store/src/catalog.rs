//! The tables users query, described: what `canopy tables` and `canopy schema` print. Inventory
//! tables are described by their definitions; the organization views and canopy's own records,
//! which the migrations define, are described here (names and types come from SQLite itself).
//! A test keeps this in step with the migrations.

use canopy_model::table::TableDef;

/// A queryable table or view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableDoc {
    pub name: &'static str,
    pub description: &'static str,
    /// What fills it: `canopy collect` or `canopy org sync`.
    pub filled_by: &'static str,
}

/// The organization tables (views over the synced snapshots), shown before the inventory.
pub const ORGANIZATION: &[TableDoc] = &[
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
];

/// Views over inventory tables, with the tables each reads (shown when the store has them).
pub const VIEWS: &[(TableDoc, &[&str])] = &[(
    TableDoc {
        name: "canopy_sso_access",
        description: "Who can sign in to which account with which permission set: Identity Center assignments with groups expanded into their users",
        filled_by: "access sync",
    },
    &[
        "aws_ssoadmin_instance",
        "aws_ssoadmin_account_assignment",
        "aws_ssoadmin_permission_set",
        "aws_identitystore_user",
        "aws_identitystore_group",
        "aws_identitystore_group_membership",
    ],
)];

/// canopy's own records, shown after the inventory.
pub const RECORDS: &[TableDoc] = &[
    TableDoc {
        name: "canopy_runs",
        description: "canopy's collection runs: when, what was asked, how it ended",
        filled_by: "collect",
    },
    TableDoc {
        name: "canopy_errors",
        description: "What failed, by run: units (account, region, table) and refused detail calls about one resource (whose rows were kept), with the AWS action, error code and message",
        filled_by: "collect",
    },
];

/// The type of the organization views' columns whose SQL gives SQLite none (computed) or only
/// TEXT (JSON kept as text), as Steampipe declares them.
pub fn view_column_type(view: &str, column: &str) -> Option<&'static str> {
    match (view, column) {
        ("aws_organizations_policy" | "aws_organizations_policy_target", "aws_managed") => {
            Some("BOOLEAN")
        }
        (_, "tags" | "tags_src" | "akas" | "content" | "policy_types")
            if view.starts_with("aws_organizations_") =>
        {
            Some("JSON")
        }
        (_, "joined_timestamp" | "delegation_enabled_date")
            if view.starts_with("aws_organizations_") =>
        {
            Some("TIMESTAMP")
        }
        _ => None,
    }
}

/// The PostgreSQL type Steampipe gives a column of a view or of canopy's own tables, from the
/// type SQLite declares (or [`view_column_type`]'s); an OU's `path` is an ltree.
pub fn view_postgres_type(view: &str, column: &str, declared: &str) -> &'static str {
    if (view, column) == ("aws_organizations_organizational_unit", "path") {
        return "ltree";
    }
    let declared = view_column_type(view, column).unwrap_or(declared);
    match declared.to_ascii_uppercase().as_str() {
        "JSON" => "jsonb",
        "BOOLEAN" => "boolean",
        "INTEGER" => "bigint",
        "REAL" => "double precision",
        "TIMESTAMP" => "timestamp with time zone",
        _ => "text",
    }
}

impl TableDoc {
    /// The words of an inventory table, from its definition.
    pub fn of(def: &'static TableDef) -> Self {
        Self {
            name: def.name,
            description: def.description,
            filled_by: def.filled_by,
        }
    }
}

/// Words for the columns many tables share, and for some that need them.
pub fn column_description(table: &str, column: &str) -> &'static str {
    match (table, column) {
        (_, "account_id") if table.starts_with("aws_organizations_") => {
            "The management account of the organization"
        }
        ("canopy_sso_access", "account_id") => "The account the user can sign in to",
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
        ("canopy_sso_access", "user_id") => "The Identity Center user",
        ("canopy_sso_access", "user_name") => "The user's user name",
        ("canopy_sso_access", "account_name") => {
            "The account's name (null when no synced organization holds it)"
        }
        ("canopy_sso_access", "permission_set_name") => "The permission set",
        ("canopy_sso_access", "permission_set_arn") => "The permission set's ARN",
        ("canopy_sso_access", "via") => {
            "`direct` (assigned to the user) or the name of the group it comes through"
        }
        ("canopy_sso_access", "group_id") => "The group it comes through (null when direct)",
        ("canopy_sso_access", "instance_arn") => "The Identity Center instance",
        ("canopy_errors", "error_code") => {
            "AWS's error code (AccessDenied, UnauthorizedOperation, ...)"
        }
        ("canopy_errors", "action") => "The AWS action that failed (s3:GetBucketPolicy)",
        ("canopy_errors", "resource") => {
            "The resource a refused detail call was about (its row was kept without that call's columns); null when the whole unit failed"
        }
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    #[test]
    fn every_documented_table_exists_with_the_common_columns() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.db"), &[]).unwrap();
        for doc in ORGANIZATION.iter().chain(RECORDS) {
            assert!(
                !store.schema(doc.name).unwrap().is_empty(),
                "{} has no columns",
                doc.name
            );
        }
        for t in canopy_model::inventory::ORGANIZATION_TABLES {
            assert!(
                ORGANIZATION.iter().any(|d| d.name == *t),
                "{t} undocumented"
            );
            let columns = store.schema(t).unwrap();
            for common in ["account_id", "region", "collected_at"] {
                assert!(columns.iter().any(|c| c.name == common), "{t}.{common}");
            }
        }
    }
}
