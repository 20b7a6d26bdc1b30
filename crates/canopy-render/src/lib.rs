//! Text that canopy writes for people and other tools: AWS CLI profiles, Steampipe connections,
//! the managed block inside the user's files, organization trees, diffs.
//!
//! Pure functions over `canopy-model` values: no I/O, so every byte of output is unit-testable
//! and a rerun with the same inputs yields the same bytes.

pub mod configs;
pub mod managed;
pub mod naming;
pub mod tree;

/// Account records for this crate's tests.
#[cfg(test)]
pub(crate) mod fixtures {
    use canopy_model::{AccountRecord, AccountState, Partition};

    /// An active account in `org`, under the OU named by the last part of `ou_names`, tagged
    /// `team = Blue Team`.
    pub fn record(id: &str, name: &str, org: &str, ou_names: &str) -> AccountRecord {
        AccountRecord {
            id: id.parse().unwrap(),
            name: name.to_owned(),
            email: format!("ops+{id}@example.com"),
            state: AccountState::Active,
            org_id: org.parse().unwrap(),
            management_account_id: "999999999999".parse().unwrap(),
            is_management_account: false,
            parent_id: "r-ab12".into(),
            ou_path: format!("{org}/r-ab12/"),
            ou_names: ou_names.into(),
            tags: [("team".to_owned(), "Blue Team".to_owned())].into(),
            arn: String::new(),
            partition: Partition::aws(),
            joined_method: None,
            joined_timestamp: None,
        }
    }
}

/// Invalid template, or a user's file that cannot be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error("invalid name template `{template}`: {why}")]
    Template { template: String, why: String },
    #[error("cannot parse `{file}:{line}`: {why}")]
    Unparseable {
        file: String,
        line: usize,
        why: String,
    },
}

/// A unified diff of `old` to `new`, labelled with the file name.
pub fn unified_diff(old: &str, new: &str, file: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(file, &format!("{file} (canopy)"))
        .to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn diffs_show_changed_lines() {
        let d = super::unified_diff("a\nb\n", "a\nc\n", "config");
        assert!(d.contains("-b\n") && d.contains("+c\n"), "{d}");
        assert!(super::unified_diff("a\n", "a\n", "config").is_empty());
    }
}
