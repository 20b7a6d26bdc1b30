//! Security Hub (CSPM) findings read and annotated through the administrator account, and an
//! account's SECURITY alternate contact (Account Management), for `findings enrich`.
//!
//! GetFindings pages 100 at a time (AWS's rate: 3 a second, bursts of 6); BatchUpdateFindings
//! takes at most 100 findings a call and gives them all the same note and fields (10 a second,
//! bursts of 30); GetAlternateContact is paced at 10 a second. An update is idempotent (the same
//! fields and note written again change nothing), so it is retried like a read.

use std::collections::BTreeMap;

use aws_sdk_securityhub::types::{
    AwsSecurityFindingFilters, AwsSecurityFindingIdentifier, NoteUpdate, StringFilter,
    StringFilterComparison,
};

use crate::error::AwsError;
use crate::pace::Rate;
use crate::page::paginate;
use crate::retry::call;
use crate::session::AccountSession;

/// One finding, as enriching needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub id: String,
    pub product_arn: String,
    pub account_id: String,
    pub title: String,
    pub user_defined_fields: BTreeMap<String, String>,
    /// The note's text and who wrote it.
    pub note: Option<(String, String)>,
}

/// A finding BatchUpdateFindings did not update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unprocessed {
    pub id: String,
    pub product_arn: String,
    pub code: String,
    pub message: String,
}

/// A SECURITY alternate contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub title: String,
}

/// Security Hub in one region, through one account (the administrator's).
pub struct SecurityHub {
    session: AccountSession,
    client: aws_sdk_securityhub::Client,
    reads: Rate,
    writes: Rate,
    pub region: String,
}

impl std::fmt::Debug for SecurityHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecurityHub")
            .field("account", &self.session.account)
            .field("region", &self.region)
            .finish()
    }
}

fn filter(value: &str) -> StringFilter {
    StringFilter::builder()
        .value(value)
        .comparison(StringFilterComparison::Equals)
        .build()
}

impl SecurityHub {
    pub fn new(session: AccountSession, region: &str) -> Self {
        Self {
            client: session.client(region, aws_sdk_securityhub::Client::new),
            session,
            reads: Rate::new(3, 6),
            writes: Rate::new(10, 30),
            region: region.to_owned(),
        }
    }

    /// Every ACTIVE finding the account sees in the region (an administrator sees its
    /// members'), of `accounts` only when some are given (at most 20 a filter, so one listing
    /// per 20).
    pub async fn active_findings(&self, accounts: &[String]) -> Result<Vec<Finding>, AwsError> {
        let groups: Vec<Option<&[String]>> = if accounts.is_empty() {
            vec![None]
        } else {
            accounts.chunks(20).map(Some).collect()
        };
        let mut out = Vec::new();
        for group in groups {
            let mut filters = AwsSecurityFindingFilters::builder().record_state(filter("ACTIVE"));
            for account in group.unwrap_or_default() {
                filters = filters.aws_account_id(filter(account));
            }
            let filters = filters.build();
            paginate(
                &self.session.scope(),
                "securityhub:GetFindings",
                Some(&self.reads),
                |token| {
                    self.client
                        .get_findings()
                        .filters(filters.clone())
                        .max_results(100)
                        .set_next_token(token)
                        .send()
                },
                |page| page.next_token(),
                |page| {
                    out.extend(page.findings().iter().map(|f| {
                        Finding {
                            id: f.id().unwrap_or_default().to_owned(),
                            product_arn: f.product_arn().unwrap_or_default().to_owned(),
                            account_id: f.aws_account_id().unwrap_or_default().to_owned(),
                            title: f.title().unwrap_or_default().to_owned(),
                            user_defined_fields: f
                                .user_defined_fields()
                                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                                .unwrap_or_default(),
                            note: f.note().map(|n| {
                                (
                                    n.text().unwrap_or_default().to_owned(),
                                    n.updated_by().unwrap_or_default().to_owned(),
                                )
                            }),
                        }
                    }));
                },
            )
            .await?;
        }
        Ok(out)
    }

    /// Gives `findings` (at most 100) the same fields (the whole map each keeps) and, when
    /// given, the same note; returns the ones AWS did not update.
    pub async fn update(
        &self,
        findings: &[(&str, &str)],
        fields: &BTreeMap<String, String>,
        note: Option<(&str, &str)>,
    ) -> Result<Vec<Unprocessed>, AwsError> {
        let ids: Vec<AwsSecurityFindingIdentifier> = findings
            .iter()
            .map(|(id, product)| {
                AwsSecurityFindingIdentifier::builder()
                    .id(*id)
                    .product_arn(*product)
                    .build()
            })
            .collect();
        let note = note.map(|(text, by)| NoteUpdate::builder().text(text).updated_by(by).build());
        let map: std::collections::HashMap<String, String> =
            fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let out = call(
            &self.session.scope(),
            "securityhub:BatchUpdateFindings",
            Some(&self.writes),
            || {
                self.client
                    .batch_update_findings()
                    .set_finding_identifiers(Some(ids.clone()))
                    .set_note(note.clone())
                    .set_user_defined_fields(Some(map.clone()))
                    .send()
            },
        )
        .await?;
        Ok(out
            .unprocessed_findings()
            .iter()
            .map(|u| Unprocessed {
                id: u
                    .finding_identifier()
                    .and_then(|f| f.id())
                    .unwrap_or_default()
                    .to_owned(),
                product_arn: u
                    .finding_identifier()
                    .and_then(|f| f.product_arn())
                    .unwrap_or_default()
                    .to_owned(),
                code: u.error_code().unwrap_or_default().to_owned(),
                message: u.error_message().unwrap_or_default().to_owned(),
            })
            .collect())
    }
}

/// Reads accounts' SECURITY alternate contacts through the management account (or a delegated
/// administrator of Account Management), 10 a second.
pub struct Contacts {
    session: AccountSession,
    client: aws_sdk_account::Client,
    rate: Rate,
}

impl std::fmt::Debug for Contacts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contacts")
            .field("account", &self.session.account)
            .finish()
    }
}

impl Contacts {
    pub fn new(session: AccountSession) -> Self {
        let home = canopy_model::inventory::home_region(&session.partition);
        Self {
            client: session.client(home, aws_sdk_account::Client::new),
            session,
            rate: Rate::new(10, 10),
        }
    }

    /// `account`'s SECURITY contact; `None` when none is set.
    pub async fn security(&self, account: &str) -> Result<Option<Contact>, AwsError> {
        // the caller's own account is named by leaving AccountId out
        let id = (account != self.session.account.as_str()).then_some(account);
        let got = call(
            &self.session.scope(),
            "account:GetAlternateContact",
            Some(&self.rate),
            || {
                self.client
                    .get_alternate_contact()
                    .set_account_id(id.map(str::to_owned))
                    .alternate_contact_type(aws_sdk_account::types::AlternateContactType::Security)
                    .send()
            },
        )
        .await;
        match got {
            Ok(out) => Ok(out.alternate_contact().map(|c| Contact {
                name: c.name().unwrap_or_default().to_owned(),
                email: c.email_address().unwrap_or_default().to_owned(),
                phone: c.phone_number().unwrap_or_default().to_owned(),
                title: c.title().unwrap_or_default().to_owned(),
            })),
            Err(e) if e.code == "ResourceNotFoundException" => Ok(None),
            Err(e) => Err(e),
        }
    }
}
