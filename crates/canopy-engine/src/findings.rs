//! `canopy findings enrich`: ACTIVE Security Hub (CSPM) findings, read through the administrator
//! account, given their account's name, OU path, tags and SECURITY contact as user-defined fields
//! and a note — within AWS's limits (50 fields, keys up to 128 and values up to 1,024 characters,
//! a note up to 512), merged with the fields others wrote, never replacing someone else's note
//! unless asked. A digest of the metadata rides along as a field, so a finding whose account did
//! not change is skipped and one whose account changed is enriched again.

use std::collections::BTreeMap;

use canopy_aws::{AwsSession, Contact, Contacts, Finding, RoleSpec, SecurityHub};
use canopy_model::{AccountId, AccountRecord, OrgSnapshot};

use crate::error::EngineError;
use canopy_model::Stop;

/// AWS's limits on BatchUpdateFindings.
pub const MAX_FIELDS: usize = 50;
pub const MAX_KEY: usize = 128;
pub const MAX_VALUE: usize = 1024;
pub const MAX_NOTE: usize = 512;
const PER_CALL: usize = 100;

/// Who canopy writes notes as.
pub const NOTE_AUTHOR: &str = "canopy";
const DIGEST: &str = "canopy:digest";

/// What is known of one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountMeta {
    pub id: String,
    pub name: String,
    pub ou_path: String,
    pub tags: BTreeMap<String, String>,
    pub contact: Option<Contact>,
}

/// One finding's update.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Update {
    pub id: String,
    pub product_arn: String,
    pub account_id: String,
    pub region: String,
    /// The whole map the finding keeps (its other fields included).
    pub user_defined_fields: BTreeMap<String, String>,
    /// The note written; `None`: the note is left as it is.
    pub note: Option<String>,
    /// Tags left out for want of room (50 fields at most).
    pub tags_left_out: usize,
    /// Which of the report's hubs it goes through.
    #[serde(skip)]
    pub hub: usize,
}

fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// FNV-1a over the metadata's canonical text: the same account metadata, the same digest, on
/// every machine and release.
fn digest(meta: &AccountMeta) -> String {
    let contact = meta
        .contact
        .as_ref()
        .map(|c| format!("{}|{}|{}|{}", c.name, c.email, c.phone, c.title))
        .unwrap_or_default();
    let text = format!(
        "{}\u{1f}{}\u{1f}{}\u{1f}{:?}\u{1f}{}",
        meta.id, meta.name, meta.ou_path, meta.tags, contact
    );
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

fn note_for(meta: &AccountMeta) -> String {
    let contact = meta.contact.as_ref().map_or_else(
        || "no security contact set".to_owned(),
        |c| format!("security contact {} <{}>", c.name, c.email),
    );
    cut(
        &format!(
            "Account {} ({}), {}; {}.",
            meta.name, meta.id, meta.ou_path, contact
        ),
        MAX_NOTE,
    )
}

/// The update `finding` needs to carry `meta`, or `None` when it carries it already.
pub fn plan_update(
    finding: &Finding,
    region: &str,
    meta: &AccountMeta,
    overwrite_notes: bool,
) -> Option<Update> {
    let digest = digest(meta);
    let others_note =
        matches!(&finding.note, Some((text, by)) if !text.is_empty() && by != NOTE_AUTHOR);
    if finding.user_defined_fields.get(DIGEST) == Some(&digest) && !(overwrite_notes && others_note)
    {
        return None;
    }
    // others' fields are kept; canopy's own (and the tags it wrote) are written anew
    let mut fields: BTreeMap<String, String> = finding
        .user_defined_fields
        .iter()
        .filter(|(k, _)| !k.starts_with("canopy:") && !k.starts_with("tag:"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut ours = vec![
        ("canopy:account_name".to_owned(), meta.name.clone()),
        ("canopy:ou_path".to_owned(), meta.ou_path.clone()),
    ];
    if let Some(c) = &meta.contact {
        ours.push((
            "canopy:security_contact".to_owned(),
            format!("{} <{}>", c.name, c.email),
        ));
        if !c.phone.is_empty() {
            ours.push(("canopy:security_phone".to_owned(), c.phone.clone()));
        }
    }
    ours.push((DIGEST.to_owned(), digest));
    for (key, value) in ours {
        if fields.len() < MAX_FIELDS {
            fields.insert(key, cut(&value, MAX_VALUE));
        }
    }
    let mut tags_left_out = 0;
    for (key, value) in &meta.tags {
        let key = cut(&format!("tag:{key}"), MAX_KEY);
        if fields.len() < MAX_FIELDS {
            fields.insert(key, cut(value, MAX_VALUE));
        } else {
            tags_left_out += 1;
        }
    }
    let note = (overwrite_notes || !others_note).then(|| note_for(meta));
    Some(Update {
        id: finding.id.clone(),
        product_arn: finding.product_arn.clone(),
        account_id: finding.account_id.clone(),
        region: region.to_owned(),
        user_defined_fields: fields,
        note,
        tags_left_out,
        hub: 0,
    })
}

/// What to do.
#[derive(Debug, Clone, Default)]
pub struct EnrichInput {
    pub regions: Vec<String>,
    /// Only these accounts' findings (all when empty).
    pub accounts: Vec<AccountId>,
    /// The Security Hub administrator [default: the delegated administrator the snapshot names
    /// for securityhub.amazonaws.com, else the management account].
    pub admin: Option<AccountId>,
    pub overwrite_notes: bool,
}

/// A finding AWS did not update.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NotUpdated {
    pub id: String,
    pub region: String,
    pub code: String,
    pub message: String,
}

/// What reading found, and the updates to send.
#[derive(Debug, Default)]
pub struct EnrichReport {
    pub findings: usize,
    /// Already carrying their account's current metadata.
    pub unchanged: usize,
    pub updates: Vec<Update>,
    /// Findings of accounts no synced organization holds (left alone).
    pub unknown_account: usize,
    pub contacts_read: usize,
    /// Security Hub in each region read, through its administrator (the updates go there).
    pub hubs: Vec<SecurityHub>,
    /// Organizations or regions that could not be read (Security Hub not enabled there, access
    /// refused): the others went on.
    pub failed: Vec<Failed>,
    /// Accounts whose security contact could not be read (enriched without it), with AWS's code.
    pub contacts_failed: Vec<(String, String)>,
}

/// An organization, or one of its regions, that could not be read.
#[derive(Debug)]
pub struct Failed {
    pub org_id: String,
    pub region: Option<String>,
    pub error: canopy_aws::AwsError,
}

/// The Security Hub administrator of `snapshot`'s organization.
fn administrator(snapshot: &OrgSnapshot) -> AccountId {
    snapshot
        .delegated_admins
        .iter()
        .find(|d| d.service_principal == "securityhub.amazonaws.com")
        .map(|d| d.account_id.clone())
        .unwrap_or_else(|| snapshot.organization.management_account_id.clone())
}

/// Reads every ACTIVE finding and plans each one's update; nothing is sent.
pub async fn plan(
    aws: &AwsSession,
    payer_role: &RoleSpec,
    snapshots: &[OrgSnapshot],
    input: &EnrichInput,
) -> Result<EnrichReport, EngineError> {
    let records: BTreeMap<String, AccountRecord> = canopy_model::account_records(snapshots)
        .into_iter()
        .map(|r| (r.id.to_string(), r))
        .collect();
    let mut report = EnrichReport::default();
    let wanted: Vec<String> = input.accounts.iter().map(|a| a.to_string()).collect();
    for snapshot in snapshots {
        let admin = input
            .admin
            .clone()
            .filter(|a| snapshot.accounts.iter().any(|acc| &acc.id == a))
            .unwrap_or_else(|| administrator(snapshot));
        let org_id = snapshot.organization.id.to_string();
        let management_id = &snapshot.organization.management_account_id;
        let sessions = match aws.account(&admin, payer_role).await {
            // the administrator is the management account: one role assumed, not two
            Ok(session) if &admin == management_id => Ok((session.clone(), session)),
            Ok(session) => aws
                .account(management_id, payer_role)
                .await
                .map(|management| (session, management)),
            Err(e) => Err(e),
        };
        let (session, management) = match sessions {
            Ok(both) => both,
            Err(error) => {
                report.failed.push(Failed {
                    org_id,
                    region: None,
                    error,
                });
                continue;
            }
        };
        let contacts = Contacts::new(management);
        let mut known: BTreeMap<String, Option<Contact>> = BTreeMap::new();
        for region in &input.regions {
            let hub = SecurityHub::new(session.clone(), region);
            let org_accounts: Vec<String> = if wanted.is_empty() {
                Vec::new()
            } else {
                wanted
                    .iter()
                    .filter(|w| {
                        snapshot
                            .accounts
                            .iter()
                            .any(|a| a.id.as_str() == w.as_str())
                    })
                    .cloned()
                    .collect()
            };
            if !wanted.is_empty() && org_accounts.is_empty() {
                break;
            }
            let findings = match hub.active_findings(&org_accounts).await {
                Ok(found) => found,
                Err(error) => {
                    report.failed.push(Failed {
                        org_id: org_id.clone(),
                        region: Some(region.clone()),
                        error,
                    });
                    continue;
                }
            };
            report.findings += findings.len();
            // each account's contact, once
            let missing: Vec<String> = findings
                .iter()
                .map(|f| f.account_id.clone())
                .filter(|a| records.contains_key(a) && !known.contains_key(a))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            let read =
                crate::fanout::each(missing.iter(), crate::fanout::ALL, |a| contacts.security(a))
                    .await;
            for (account, contact) in missing.into_iter().zip(read) {
                report.contacts_read += 1;
                // a contact that cannot be read is left out, not guessed: the account's other
                // metadata still goes on (the digest changes once it can be read)
                match contact {
                    Ok(found) => {
                        known.insert(account, found);
                    }
                    Err(error) => {
                        report.contacts_failed.push((account.clone(), error.code));
                        known.insert(account, None);
                    }
                }
            }
            let mut planned = Vec::new();
            for finding in &findings {
                let Some(record) = records.get(&finding.account_id) else {
                    report.unknown_account += 1;
                    continue;
                };
                let meta = AccountMeta {
                    id: record.id.to_string(),
                    name: record.name.clone(),
                    ou_path: record.ou_names.clone(),
                    tags: record.tags.clone(),
                    contact: known.get(&finding.account_id).cloned().flatten(),
                };
                match plan_update(finding, region, &meta, input.overwrite_notes) {
                    Some(update) => planned.push(Update {
                        hub: report.hubs.len(),
                        ..update
                    }),
                    None => report.unchanged += 1,
                }
            }
            planned.sort_by(|a, b| (&a.account_id, &a.id).cmp(&(&b.account_id, &b.id)));
            report.updates.extend(planned);
            report.hubs.push(hub);
        }
    }
    Ok(report)
}

/// Sends the planned updates through the hub they were read from: findings with the same fields
/// and note together, 100 a call. Returns the findings Security Hub did not update. Once
/// `stop` is asked for, no new call is sent; the findings of the calls not sent are returned as
/// not updated, with the interruption as their reason.
pub async fn apply(report: &EnrichReport, stop: &Stop) -> Result<Vec<NotUpdated>, EngineError> {
    // the same fields and note: one update
    type Same = (Vec<(String, String)>, Option<String>);
    let mut not_updated = Vec::new();
    for (index, hub) in report.hubs.iter().enumerate() {
        let mut groups: BTreeMap<Same, Vec<&Update>> = BTreeMap::new();
        for update in report.updates.iter().filter(|u| u.hub == index) {
            let fields = update
                .user_defined_fields
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            groups
                .entry((fields, update.note.clone()))
                .or_default()
                .push(update);
        }
        for ((_, note), updates) in groups {
            for chunk in updates.chunks(PER_CALL) {
                if let Err(e) = stop.gate() {
                    not_updated.extend(chunk.iter().map(|u| NotUpdated {
                        id: u.id.clone(),
                        region: hub.region.clone(),
                        code: "Interrupted".to_owned(),
                        message: e.to_string(),
                    }));
                    continue;
                }
                let ids: Vec<(&str, &str)> = chunk
                    .iter()
                    .map(|u| (u.id.as_str(), u.product_arn.as_str()))
                    .collect();
                let unprocessed = hub
                    .update(
                        &ids,
                        &chunk[0].user_defined_fields,
                        note.as_deref().map(|n| (n, NOTE_AUTHOR)),
                    )
                    .await?;
                not_updated.extend(unprocessed.into_iter().map(|u| NotUpdated {
                    id: u.id,
                    region: hub.region.clone(),
                    code: u.code,
                    message: u.message,
                }));
            }
        }
    }
    Ok(not_updated)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn meta(tags: usize) -> AccountMeta {
        AccountMeta {
            id: "111122223333".into(),
            name: "media-prod".into(),
            ou_path: "Root/Media".into(),
            tags: (0..tags)
                .map(|i| (format!("k{i:02}"), format!("v{i}")))
                .collect(),
            contact: Some(Contact {
                name: "Sec Team".into(),
                email: "sec@example.com".into(),
                phone: "+1-555-0100".into(),
                title: "Security".into(),
            }),
        }
    }

    fn finding(fields: &[(&str, &str)], note: Option<(&str, &str)>) -> Finding {
        Finding {
            id: "f-1".into(),
            product_arn: "arn:aws:securityhub:us-east-1:111122223333:product/111122223333/default"
                .into(),
            account_id: "111122223333".into(),
            title: "t".into(),
            user_defined_fields: fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            note: note.map(|(t, b)| (t.to_owned(), b.to_owned())),
        }
    }

    #[test]
    fn forty_seven_tags_and_others_fields_fit_in_fifty_canopy_keys_first() {
        let f = finding(&[("ticket", "SEC-1"), ("owner", "alice")], None);
        let u = plan_update(&f, "us-east-1", &meta(47), false).unwrap();
        assert_eq!(u.user_defined_fields.len(), MAX_FIELDS);
        assert_eq!(u.user_defined_fields["ticket"], "SEC-1");
        assert_eq!(u.user_defined_fields["canopy:account_name"], "media-prod");
        assert!(u.user_defined_fields.contains_key("canopy:digest"));
        // 2 others + 5 of canopy's + 43 tags = 50; 4 tags left out
        assert_eq!(u.tags_left_out, 4);
        assert!(
            u.note
                .as_deref()
                .unwrap()
                .starts_with("Account media-prod (111122223333)")
        );
    }

    #[test]
    fn an_unchanged_account_is_skipped_and_a_changed_one_enriched_again() {
        let m = meta(2);
        let first = plan_update(&finding(&[], None), "us-east-1", &m, false).unwrap();
        let carried: Vec<(&str, &str)> = first
            .user_defined_fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let again = finding(
            &carried,
            Some((first.note.as_deref().unwrap(), NOTE_AUTHOR)),
        );
        assert_eq!(plan_update(&again, "us-east-1", &m, false), None);
        let mut moved = m.clone();
        moved.ou_path = "Root/Archive".into();
        let u = plan_update(&again, "us-east-1", &moved, false).unwrap();
        assert_eq!(u.user_defined_fields["canopy:ou_path"], "Root/Archive");
        // canopy's own note is canopy's to replace
        assert!(u.note.unwrap().contains("Root/Archive"));
    }

    #[test]
    fn someone_elses_note_is_kept_unless_asked_and_long_values_are_cut() {
        let f = finding(&[], Some(("triaged by Bob", "bob")));
        let mut m = meta(1);
        m.name = "x".repeat(2000);
        let kept = plan_update(&f, "us-east-1", &m, false).unwrap();
        assert_eq!(kept.note, None);
        assert_eq!(
            kept.user_defined_fields["canopy:account_name"]
                .chars()
                .count(),
            MAX_VALUE
        );
        let replaced = plan_update(&f, "us-east-1", &m, true).unwrap();
        assert_eq!(replaced.note.unwrap().chars().count(), MAX_NOTE);
    }
}
