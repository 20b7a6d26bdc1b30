//! Profile and connection names: deterministic, unique, and valid in both the AWS CLI and
//! Steampipe whatever the account names are (case clashes, duplicates across organizations,
//! spaces, dots, parentheses, non-ASCII, 50 characters).
//!
//! A name is the template rendered, transliterated to ASCII, lowercased, every run of other
//! characters turned into one `_`, and cut to [`MAX_BASE`] characters. Accounts whose names
//! collide all get `_<account id>` appended, so the result does not depend on input order.
//! The Steampipe connection is `aws_` + the profile name (the aggregator matches `aws_*`).

use std::collections::BTreeMap;

use canopy_model::AccountRecord;

use crate::RenderError;

/// The default template: the account's name.
pub const DEFAULT_TEMPLATE: &str = "{name}";

/// Longest base name, so that `aws_` + base + `_` + 12-digit id fits PostgreSQL's 63-byte
/// identifiers (Steampipe connections are schemas).
pub const MAX_BASE: usize = 63 - 4 - 13;

/// A validated `--name-template`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameTemplate {
    parts: Vec<Part>,
    source: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Name,
    Id,
    Org,
    Ou,
    Email,
    Tag(String),
}

impl NameTemplate {
    /// Parses a template: text with `{name}`, `{id}`, `{org}` (organization id), `{ou}` (the
    /// parent OU's name), `{email}` (the part before `@`) and `{tag:KEY}`.
    pub fn parse(source: &str) -> Result<Self, RenderError> {
        let bad = |why: &str| RenderError::Template {
            template: source.to_owned(),
            why: why.to_owned(),
        };
        let mut parts = Vec::new();
        let mut rest = source;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_owned()));
            }
            let close = rest[open..]
                .find('}')
                .ok_or_else(|| bad("a `{` is never closed"))?
                + open;
            let key = &rest[open + 1..close];
            parts.push(match key {
                "name" => Part::Name,
                "id" => Part::Id,
                "org" => Part::Org,
                "ou" => Part::Ou,
                "email" => Part::Email,
                _ => match key.strip_prefix("tag:") {
                    Some(tag) if !tag.is_empty() => Part::Tag(tag.to_owned()),
                    _ => {
                        return Err(bad(&format!(
                            "unknown placeholder `{{{key}}}`; use {{name}}, {{id}}, {{org}}, {{ou}}, {{email}} or {{tag:KEY}}"
                        )));
                    }
                },
            });
            rest = &rest[close + 1..];
        }
        if rest.contains('}') {
            return Err(bad("a `}` has no matching `{`"));
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_owned()));
        }
        if !parts.iter().any(|p| !matches!(p, Part::Text(_))) {
            return Err(bad(
                "it has no placeholder, so every account would get the same name",
            ));
        }
        Ok(Self {
            parts,
            source: source.to_owned(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    fn render(&self, account: &AccountRecord) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Name => out.push_str(&account.name),
                Part::Id => out.push_str(account.id.as_str()),
                Part::Org => out.push_str(account.org_id.as_str()),
                Part::Ou => out.push_str(account.ou_names.rsplit('/').next().unwrap_or_default()),
                Part::Email => out.push_str(account.email.split('@').next().unwrap_or_default()),
                Part::Tag(key) => out.push_str(account.tags.get(key).map_or("", String::as_str)),
            }
        }
        out
    }
}

impl Default for NameTemplate {
    fn default() -> Self {
        Self {
            parts: vec![Part::Name],
            source: DEFAULT_TEMPLATE.to_owned(),
        }
    }
}

/// Folds any text into `[a-z0-9_]`, no leading, trailing or doubled `_`, at most [`MAX_BASE`].
pub fn slug(text: &str) -> String {
    let ascii = deunicode::deunicode(text).to_ascii_lowercase();
    let mut out = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let trimmed = out.trim_matches('_');
    let mut cut: String = trimmed.chars().take(MAX_BASE).collect();
    while cut.ends_with('_') {
        cut.pop();
    }
    cut
}

/// The names chosen for one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Naming {
    pub profile: String,
    pub connection: String,
}

/// Names every account (by index into `accounts`), unique across all of them.
pub fn assign(accounts: &[AccountRecord], template: &NameTemplate) -> Vec<Naming> {
    let bases: Vec<String> = accounts
        .iter()
        .map(|a| {
            let base = slug(&template.render(a));
            if base.is_empty() {
                format!("account_{}", a.id)
            } else {
                base
            }
        })
        .collect();
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for base in &bases {
        *count.entry(base.as_str()).or_default() += 1;
    }
    let mut names: Vec<String> = bases
        .iter()
        .zip(accounts)
        .map(|(base, a)| {
            if count[base.as_str()] > 1 {
                format!("{base}_{}", a.id)
            } else {
                base.clone()
            }
        })
        .collect();
    // a suffixed name can still meet an account literally named like it (`dev_111122223333`):
    // the suffixed side keeps its name, the plain one takes its id too
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for name in &names {
        *seen.entry(name.clone()).or_default() += 1;
    }
    for (i, a) in accounts.iter().enumerate() {
        if seen.get(&names[i]).copied().unwrap_or(0) > 1 && !names[i].ends_with(a.id.as_str()) {
            names[i] = format!("{}_{}", names[i], a.id);
        }
    }
    names
        .into_iter()
        .map(|profile| Naming {
            connection: format!("aws_{profile}"),
            profile,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, name: &str, org: &str) -> AccountRecord {
        crate::fixtures::record(id, name, org, "Root/Sports")
    }

    #[test]
    fn slugs_fold_awkward_names() {
        assert_eq!(slug("Prod (EU) v2.0"), "prod_eu_v2_0");
        assert_eq!(slug("Données Équipe"), "donnees_equipe");
        assert_eq!(slug("  --weird--  "), "weird");
        assert_eq!(slug("日本"), "ri_ben");
        assert_eq!(slug(&"x".repeat(80)).len(), MAX_BASE);
        assert_eq!(slug("()"), "");
    }

    #[test]
    fn clashes_get_ids_on_every_side_regardless_of_order() {
        let accounts = vec![
            record("111111111111", "Dev", "o-aaaaaaaaaa"),
            record("222222222222", "dev", "o-aaaaaaaaaa"),
            record("333333333333", "dev", "o-bbbbbbbbbb"),
            record("444444444444", "Prod", "o-aaaaaaaaaa"),
        ];
        let names = assign(&accounts, &NameTemplate::default());
        let profiles: Vec<_> = names.iter().map(|n| n.profile.as_str()).collect();
        assert_eq!(
            profiles,
            vec![
                "dev_111111111111",
                "dev_222222222222",
                "dev_333333333333",
                "prod"
            ]
        );
        assert_eq!(names[3].connection, "aws_prod");

        let mut reversed = accounts.clone();
        reversed.reverse();
        let again = assign(&reversed, &NameTemplate::default());
        assert_eq!(again[0].profile, "prod");
        assert_eq!(again[3].profile, "dev_111111111111");
    }

    #[test]
    fn a_literal_name_equal_to_a_suffixed_one_is_still_unique() {
        let accounts = vec![
            record("111111111111", "dev", "o-aaaaaaaaaa"),
            record("222222222222", "dev", "o-aaaaaaaaaa"),
            record("333333333333", "dev_111111111111", "o-aaaaaaaaaa"),
        ];
        let names = assign(&accounts, &NameTemplate::default());
        let mut profiles: Vec<_> = names.iter().map(|n| n.profile.clone()).collect();
        profiles.sort();
        profiles.dedup();
        assert_eq!(profiles.len(), 3, "{names:?}");
    }

    #[test]
    fn every_name_is_a_valid_identifier_within_63_bytes() {
        let long = "A".repeat(50);
        let accounts = vec![
            record("111111111111", &long, "o-aaaaaaaaaa"),
            record("222222222222", &long, "o-aaaaaaaaaa"),
            record("333333333333", "()", "o-aaaaaaaaaa"),
        ];
        for n in assign(&accounts, &NameTemplate::default()) {
            assert!(n.connection.len() <= 63, "{}", n.connection);
            assert!(
                n.connection
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            );
        }
    }

    #[test]
    fn templates_render_placeholders_and_refuse_mistakes() {
        let t = NameTemplate::parse("{org}-{ou}-{name}-{tag:team}").unwrap();
        let names = assign(&[record("111111111111", "Dev", "o-aaaaaaaaaa")], &t);
        assert_eq!(names[0].profile, "o_aaaaaaaaaa_sports_dev_blue_team");
        assert!(NameTemplate::parse("{nmae}").is_err());
        assert!(NameTemplate::parse("static").is_err());
        assert!(NameTemplate::parse("{name").is_err());
        assert!(NameTemplate::parse("sp_{id}").is_ok());
    }
}
