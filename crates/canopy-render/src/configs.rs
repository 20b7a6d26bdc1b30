//! The two files `config generate` maintains: AWS CLI profiles (`~/.aws/config`) and Steampipe
//! connections (`aws.spc`). For each: render canopy's block, and read the names the user
//! defines outside it (refusing a file the tools themselves would refuse).

use std::collections::BTreeMap;

use canopy_model::AccountRecord;

use crate::RenderError;
use crate::naming::Naming;

/// Where the generated profiles get their base credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    /// `source_profile = NAME`
    Profile(String),
    /// `credential_source = Ec2InstanceMetadata | EcsContainer | Environment`
    Builtin(String),
}

/// One generated profile.
#[derive(Debug, Clone)]
pub struct ProfileEntry<'a> {
    pub account: &'a AccountRecord,
    pub naming: Naming,
    pub role_arn: String,
}

/// Keeps control characters (and so line breaks) out of comments.
fn comment_text(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn describe(account: &AccountRecord) -> String {
    comment_text(&format!(
        "# {} ({}) in {} {}",
        account.name, account.id, account.org_id, account.ou_names
    ))
}

/// The AWS CLI profiles, sorted by name.
pub fn aws_profiles(
    entries: &[ProfileEntry<'_>],
    source: &CredentialSource,
    session_name: &str,
) -> String {
    let mut sorted: Vec<&ProfileEntry<'_>> = entries.iter().collect();
    sorted.sort_by(|a, b| a.naming.profile.cmp(&b.naming.profile));
    let mut out = String::new();
    for (i, e) in sorted.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&describe(e.account));
        out.push('\n');
        out.push_str(&format!("[profile {}]\n", e.naming.profile));
        out.push_str(&format!("role_arn = {}\n", e.role_arn));
        match source {
            CredentialSource::Profile(p) => out.push_str(&format!("source_profile = {p}\n")),
            CredentialSource::Builtin(s) => out.push_str(&format!("credential_source = {s}\n")),
        }
        out.push_str(&format!("role_session_name = {session_name}\n"));
    }
    out
}

/// The Steampipe aggregator and one connection per account, sorted by name.
pub fn steampipe_connections(entries: &[ProfileEntry<'_>]) -> String {
    let mut sorted: Vec<&ProfileEntry<'_>> = entries.iter().collect();
    sorted.sort_by(|a, b| a.naming.connection.cmp(&b.naming.connection));
    let mut out = String::from(
        "connection \"aws\" {\n  plugin      = \"aws\"\n  type        = \"aggregator\"\n  connections = [\"aws_*\"]\n}\n",
    );
    for e in sorted {
        out.push('\n');
        out.push_str(&describe(e.account));
        out.push('\n');
        out.push_str(&format!(
            "connection \"{}\" {{\n  plugin  = \"aws\"\n  profile = \"{}\"\n  regions = [\"*\"]\n}}\n",
            e.naming.connection, e.naming.profile
        ));
    }
    out
}

/// The name the aggregator connection takes.
pub const AGGREGATOR: &str = "aws";

/// Profiles defined in an AWS config file (outside canopy's block), with their line numbers.
///
/// Refuses what botocore refuses: settings before the first section, a malformed line, a
/// section defined twice.
pub fn aws_profiles_defined(
    text: &str,
    file: &str,
) -> Result<BTreeMap<String, usize>, RenderError> {
    let mut profiles = BTreeMap::new();
    let mut sections: BTreeMap<String, usize> = BTreeMap::new();
    let mut in_section = false;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let unparseable = |why: String| RenderError::Unparseable {
            file: file.to_owned(),
            line: line_no,
            why,
        };
        if line.starts_with('[') {
            let Some(inner) = line.strip_suffix(']').map(|s| s[1..].trim()) else {
                return Err(unparseable(format!(
                    "section header `{line}` is not closed with `]`"
                )));
            };
            if let Some(first) = sections.insert(inner.to_owned(), line_no) {
                return Err(unparseable(format!(
                    "section `[{inner}]` is defined again (first at line {first}); AWS tools refuse such a file, remove one"
                )));
            }
            in_section = true;
            let profile = if inner == "default" {
                Some("default")
            } else {
                inner.strip_prefix("profile ").map(str::trim)
            };
            if let Some(name) = profile {
                profiles.insert(name.to_owned(), line_no);
            }
            continue;
        }
        if !in_section {
            return Err(unparseable(
                "a setting before the first `[section]`; AWS tools refuse such a file".to_owned(),
            ));
        }
        let continuation = raw.starts_with(' ') || raw.starts_with('\t');
        if !continuation && !line.contains('=') {
            return Err(unparseable(format!(
                "`{line}` is neither `key = value`, a `[section]` nor a comment"
            )));
        }
    }
    Ok(profiles)
}

/// Connections defined in a Steampipe `.spc` file (outside canopy's block), with line numbers.
pub fn steampipe_connections_defined(
    text: &str,
    file: &str,
) -> Result<BTreeMap<String, usize>, RenderError> {
    let body = hcl::parse(text).map_err(|e| RenderError::Unparseable {
        file: file.to_owned(),
        line: hcl_line(&e),
        why: format!("not valid HCL: {}", first_line(&e.to_string())),
    })?;
    let mut found = BTreeMap::new();
    for block in body.blocks() {
        if block.identifier() != "connection" {
            continue;
        }
        let Some(label) = block.labels().first() else {
            continue;
        };
        let name = label.as_str().to_owned();
        let needle = format!("\"{name}\"");
        let line = text
            .lines()
            .position(|l| l.trim_start().starts_with("connection") && l.contains(&needle))
            .map_or(0, |i| i + 1);
        found.insert(name, line);
    }
    Ok(found)
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

fn hcl_line(e: &hcl::Error) -> usize {
    match e {
        hcl::Error::Parse(p) => p.location().line(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_config_sections_are_read_and_mistakes_refused() {
        let ok = "# comment\n[default]\nregion = us-east-1\n\n[profile dev]\ns3 =\n  max_concurrent_requests = 5\n[sso-session corp]\nsso_region = us-east-1\n";
        let found = aws_profiles_defined(ok, "config").unwrap();
        assert_eq!(found.keys().collect::<Vec<_>>(), vec!["default", "dev"]);
        assert_eq!(found["dev"], 5);

        let e = aws_profiles_defined("region = x\n[default]\n", "config").unwrap_err();
        assert!(e.to_string().contains("config:1"), "{e}");
        let e = aws_profiles_defined("[profile a]\n[profile a]\n", "config").unwrap_err();
        assert!(e.to_string().contains("defined again"), "{e}");
        let e = aws_profiles_defined("[profile a\n", "config").unwrap_err();
        assert!(e.to_string().contains("not closed"), "{e}");
        let e = aws_profiles_defined("[profile a]\ngarbage\n", "config").unwrap_err();
        assert!(e.to_string().contains("config:2"), "{e}");
    }

    #[test]
    fn spc_connections_are_read_and_bad_hcl_refused() {
        let text = "connection \"aws_mine\" {\n  plugin = \"aws\"\n}\n\noptions \"x\" {}\n";
        let found = steampipe_connections_defined(text, "aws.spc").unwrap();
        assert_eq!(found.get("aws_mine"), Some(&1));
        let e = steampipe_connections_defined("connection \"x\" {\n", "aws.spc").unwrap_err();
        assert!(e.to_string().starts_with("cannot parse `aws.spc"), "{e}");
    }
}

#[cfg(test)]
mod snapshots {
    use super::*;
    use crate::naming::{NameTemplate, assign};

    fn record(id: &str, name: &str, ou: &str) -> AccountRecord {
        crate::fixtures::record(id, name, "o-aaaaaaaaaa", ou)
    }

    #[test]
    fn rendered_profiles_and_connections() {
        let accounts = vec![
            record("222222222222", "Prod (EU)", "Root/Sports"),
            record("333333333333", "dev", "Root"),
            record("444444444444", "Dev\nnewline", "Root"),
        ];
        let names = assign(&accounts, &NameTemplate::default());
        let entries: Vec<ProfileEntry<'_>> = accounts
            .iter()
            .zip(names)
            .map(|(account, naming)| ProfileEntry {
                role_arn: format!("arn:aws:iam::{}:role/audit", account.id),
                account,
                naming,
            })
            .collect();
        insta::assert_snapshot!(
            "aws_profiles",
            aws_profiles(
                &entries,
                &CredentialSource::Profile("security".into()),
                "canopy"
            )
        );
        insta::assert_snapshot!("steampipe_connections", steampipe_connections(&entries));
    }
}
