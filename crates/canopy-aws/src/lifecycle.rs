//! Organizations' account lifecycle, through the management account: the live account list,
//! account creation and its requests, moves, tags, the account quota.
//!
//! Writes are serialized per organization (one in flight at a time: AWS publishes no rate for
//! them and answers ConcurrentModificationException to concurrent changes) and retried only
//! when AWS refused them outright. CreateAccount has no idempotency token, so a creation whose
//! outcome is unknown (a timeout, a broken connection, a 5xx) is never sent again here: the
//! error goes back to the caller, who looks the request up by name.

use std::collections::BTreeMap;

use aws_sdk_organizations::Client;
use aws_sdk_organizations::types::{CreateAccountState, Tag};
use canopy_model::Stop;
use canopy_model::{AccountId, AccountState};
use time::OffsetDateTime;
use tokio::sync::{Mutex, MutexGuard};

use crate::error::{AwsError, ErrorKind};
use crate::pace::Rate;
use crate::page::paginate;
use crate::retry::{Resend, call, call_with};
use crate::session::AccountSession;

/// Service Quotas' code for "Default maximum number of accounts" in an organization.
const ACCOUNT_QUOTA_CODE: &str = "L-29A0C5DF";

/// An account as ListAccounts gives it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveAccount {
    pub id: AccountId,
    pub name: String,
    pub email: String,
    pub state: AccountState,
}

/// Where a creation request stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Creation {
    InProgress,
    Succeeded(AccountId),
    /// AWS's FailureReason (`EMAIL_ALREADY_EXISTS`, `ACCOUNT_LIMIT_EXCEEDED`, ...).
    Failed(String),
}

/// One CreateAccount request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreationRequest {
    pub id: String,
    pub account_name: String,
    pub state: Creation,
    pub requested: Option<OffsetDateTime>,
}

/// How a move ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moved {
    Moved,
    /// The account was there already (DuplicateAccountException): nothing changed.
    AlreadyThere,
}

/// An account quota, and whether it is the organization's own (applied) value or AWS's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub value: u32,
    pub applied: bool,
}

/// An invitation (a handshake of action INVITE).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: String,
    /// The invited account id or email, and which it is (`ACCOUNT`, `EMAIL`).
    pub target: String,
    pub target_type: String,
    /// OPEN, ACCEPTED, DECLINED, CANCELED, EXPIRED, ...
    pub state: String,
    pub requested: Option<OffsetDateTime>,
    pub expires: Option<OffsetDateTime>,
    pub notes: Option<String>,
}

/// How an invitation went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invited {
    Sent(Invitation),
    /// An open invitation to this target exists already (DuplicateHandshakeException).
    AlreadyInvited,
    /// The account is a member of an organization already.
    AlreadyMember,
}

/// How a closure went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    Closing,
    /// It was closed already (AccountAlreadyClosedException).
    AlreadyClosed,
}

fn invitation_of(h: &aws_sdk_organizations::types::Handshake) -> Invitation {
    let target = h
        .parties()
        .iter()
        .find(|p| p.r#type().as_str() != "ORGANIZATION")
        .map(|p| (p.id().to_owned(), p.r#type().as_str().to_owned()))
        .unwrap_or_default();
    let when = |t: Option<&aws_smithy_types::DateTime>| {
        t.and_then(|t| OffsetDateTime::from_unix_timestamp(t.secs()).ok())
    };
    Invitation {
        id: h.id().unwrap_or_default().to_owned(),
        target: target.0,
        target_type: target.1,
        state: h.state().map_or("UNKNOWN", |s| s.as_str()).to_owned(),
        requested: when(h.requested_timestamp()),
        expires: when(h.expiration_timestamp()),
        notes: h
            .resources()
            .iter()
            .find(|r| r.r#type().map(|t| t.as_str()) == Some("NOTES"))
            .and_then(|r| r.value().map(str::to_owned)),
    }
}

/// What a new account is made with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount<'a> {
    pub name: &'a str,
    pub email: &'a str,
    /// The role created in it for the management account (AWS's default:
    /// OrganizationAccountAccessRole).
    pub role_name: Option<&'a str>,
    pub tags: &'a [(String, String)],
}

/// The management account's handle on its organization's accounts.
pub struct OrgAdmin {
    session: AccountSession,
    client: Client,
    writes: Mutex<()>,
    /// Looked at once a write holds its turn: after the user's stop, no new write is sent.
    stop: Stop,
    list_accounts: Rate,
    list_parents: Rate,
    list_tags: Rate,
    requests: Rate,
}

impl std::fmt::Debug for OrgAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrgAdmin")
            .field("account", &self.session.account)
            .finish()
    }
}

fn tags_of(tags: &[(String, String)]) -> Result<Vec<Tag>, AwsError> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| AwsError {
                    kind: ErrorKind::Other,
                    account: None,
                    operation: "organizations:TagResource".into(),
                    code: "InvalidTag".into(),
                    message: e.to_string(),
                })
        })
        .collect()
}

fn request_of(status: &aws_sdk_organizations::types::CreateAccountStatus) -> CreationRequest {
    let state = match status.state() {
        Some(CreateAccountState::Succeeded) => match status.account_id().map(str::parse) {
            Some(Ok(id)) => Creation::Succeeded(id),
            _ => Creation::Failed("SUCCEEDED_WITHOUT_ACCOUNT_ID".into()),
        },
        Some(CreateAccountState::Failed) => Creation::Failed(
            status
                .failure_reason()
                .map_or("UNKNOWN", |r| r.as_str())
                .to_owned(),
        ),
        _ => Creation::InProgress,
    };
    CreationRequest {
        id: status.id().unwrap_or_default().to_owned(),
        account_name: status.account_name().unwrap_or_default().to_owned(),
        state,
        requested: status
            .requested_timestamp()
            .and_then(|t| OffsetDateTime::from_unix_timestamp(t.secs()).ok()),
    }
}

impl OrgAdmin {
    /// `session` is the management account's.
    pub fn new(session: AccountSession) -> Self {
        Self {
            client: Client::new(&session.config),
            session,
            writes: Mutex::new(()),
            stop: Stop::new(),
            list_accounts: Rate::new(8, 12),
            list_parents: Rate::new(5, 8),
            list_tags: Rate::new(10, 15),
            requests: Rate::new(5, 8),
        }
    }

    pub fn account(&self) -> &AccountId {
        &self.session.account
    }

    /// From now on, a write whose turn comes after `stop` was asked for is not sent (it ends
    /// in an error of kind `Interrupted`).
    pub fn stop_with(&mut self, stop: Stop) {
        self.stop = stop;
    }

    /// This management account's turn to write (one write at a time), unless the user stopped
    /// the run meanwhile.
    async fn write_turn(&self, operation: &str) -> Result<MutexGuard<'_, ()>, AwsError> {
        let turn = self.writes.lock().await;
        if self.stop.requested() {
            return Err(AwsError::interrupted(&self.session.account, operation));
        }
        Ok(turn)
    }

    /// Every account of the organization as it is now (ListAccounts, 20 a page).
    pub async fn accounts(&self) -> Result<Vec<LiveAccount>, AwsError> {
        let mut out = Vec::new();
        paginate(
            &self.session.scope(),
            "organizations:ListAccounts",
            Some(&self.list_accounts),
            |token| self.client.list_accounts().set_next_token(token).send(),
            |page| page.next_token(),
            |page| {
                for a in page.accounts() {
                    let Ok(id) = a.id().unwrap_or_default().parse::<AccountId>() else {
                        continue;
                    };
                    let state = match (a.state(), a.status()) {
                        (Some(state), _) => AccountState::from(state.as_str().to_owned()),
                        (None, Some(status)) => AccountState::from(status.as_str().to_owned()),
                        (None, None) => AccountState::Other("UNKNOWN".to_owned()),
                    };
                    out.push(LiveAccount {
                        id,
                        name: a.name().unwrap_or_default().to_owned(),
                        email: a.email().unwrap_or_default().to_owned(),
                        state,
                    });
                }
            },
        )
        .await?;
        Ok(out)
    }

    /// Creation requests, the ones in progress only or all of them (ListCreateAccountStatus).
    pub async fn creation_requests(
        &self,
        in_progress_only: bool,
    ) -> Result<Vec<CreationRequest>, AwsError> {
        let mut out = Vec::new();
        let states = in_progress_only.then(|| vec![CreateAccountState::InProgress]);
        paginate(
            &self.session.scope(),
            "organizations:ListCreateAccountStatus",
            Some(&self.requests),
            |token| {
                self.client
                    .list_create_account_status()
                    .set_states(states.clone())
                    .max_results(20)
                    .set_next_token(token)
                    .send()
            },
            |page| page.next_token(),
            |page| out.extend(page.create_account_statuses().iter().map(request_of)),
        )
        .await?;
        Ok(out)
    }

    /// Asks for a new account. Sent once: an unknown outcome comes back as an error of kind
    /// `Transient` (look the request up by name before asking again); AWS's refusals for now
    /// (throttling, concurrent modification) are retried.
    pub async fn create_account(&self, new: &NewAccount<'_>) -> Result<CreationRequest, AwsError> {
        let tags = tags_of(new.tags)?;
        let _one_write = self.write_turn("organizations:CreateAccount").await?;
        let out = call_with(
            &self.session.scope(),
            "organizations:CreateAccount",
            None,
            Resend::OnlyRefused,
            || {
                self.client
                    .create_account()
                    .account_name(new.name)
                    .email(new.email)
                    .set_role_name(new.role_name.map(str::to_owned))
                    .set_tags((!tags.is_empty()).then(|| tags.clone()))
                    .send()
            },
        )
        .await?;
        out.create_account_status()
            .map(request_of)
            .ok_or_else(|| AwsError {
                kind: ErrorKind::Other,
                account: Some(self.session.account.to_string()),
                operation: "organizations:CreateAccount".into(),
                code: "MalformedResponse".into(),
                message: "the answer carried no request".into(),
            })
    }

    /// Where one creation request stands (DescribeCreateAccountStatus).
    pub async fn creation_request(&self, id: &str) -> Result<CreationRequest, AwsError> {
        let out = call(
            &self.session.scope(),
            "organizations:DescribeCreateAccountStatus",
            Some(&self.requests),
            || {
                self.client
                    .describe_create_account_status()
                    .create_account_request_id(id)
                    .send()
            },
        )
        .await?;
        Ok(out
            .create_account_status()
            .map(request_of)
            .unwrap_or(CreationRequest {
                id: id.to_owned(),
                account_name: String::new(),
                state: Creation::InProgress,
                requested: None,
            }))
    }

    /// The root or OU an account is in now (ListParents).
    pub async fn parent_of(&self, account: &AccountId) -> Result<String, AwsError> {
        let out = call(
            &self.session.scope(),
            "organizations:ListParents",
            Some(&self.list_parents),
            || self.client.list_parents().child_id(account.as_str()).send(),
        )
        .await?;
        Ok(out
            .parents()
            .first()
            .and_then(|p| p.id())
            .unwrap_or_default()
            .to_owned())
    }

    /// An account's tags now (ListTagsForResource).
    pub async fn tags_of(&self, account: &AccountId) -> Result<BTreeMap<String, String>, AwsError> {
        let mut tags = BTreeMap::new();
        paginate(
            &self.session.scope(),
            "organizations:ListTagsForResource",
            Some(&self.list_tags),
            |token| {
                self.client
                    .list_tags_for_resource()
                    .resource_id(account.as_str())
                    .set_next_token(token)
                    .send()
            },
            |page| page.next_token(),
            |page| {
                for t in page.tags() {
                    tags.insert(t.key().to_owned(), t.value().to_owned());
                }
            },
        )
        .await?;
        Ok(tags)
    }

    /// Moves an account from `from` (where it is now) to `to`.
    pub async fn move_account(
        &self,
        account: &AccountId,
        from: &str,
        to: &str,
    ) -> Result<Moved, AwsError> {
        let _one_write = self.write_turn("organizations:MoveAccount").await?;
        let moved = call(
            &self.session.scope(),
            "organizations:MoveAccount",
            None,
            || {
                self.client
                    .move_account()
                    .account_id(account.as_str())
                    .source_parent_id(from)
                    .destination_parent_id(to)
                    .send()
            },
        )
        .await;
        match moved {
            Ok(_) => Ok(Moved::Moved),
            Err(e) if e.code == "DuplicateAccountException" => Ok(Moved::AlreadyThere),
            Err(e) => Err(e),
        }
    }

    /// Sets these tags on an account (others it has are left alone).
    pub async fn tag_account(
        &self,
        account: &AccountId,
        tags: &[(String, String)],
    ) -> Result<(), AwsError> {
        let tags = tags_of(tags)?;
        let _one_write = self.write_turn("organizations:TagResource").await?;
        call(
            &self.session.scope(),
            "organizations:TagResource",
            None,
            || {
                self.client
                    .tag_resource()
                    .resource_id(account.as_str())
                    .set_tags(Some(tags.clone()))
                    .send()
            },
        )
        .await?;
        Ok(())
    }

    /// Invites an account (by id, or by its root user's email) to the organization. AWS refuses
    /// a second open invitation to the same target, so this is safe to repeat.
    pub async fn invite(&self, target: &str, notes: Option<&str>) -> Result<Invited, AwsError> {
        let kind = if target.contains('@') {
            aws_sdk_organizations::types::HandshakePartyType::Email
        } else {
            aws_sdk_organizations::types::HandshakePartyType::Account
        };
        let party = aws_sdk_organizations::types::HandshakeParty::builder()
            .id(target)
            .r#type(kind)
            .build()
            .map_err(|e| AwsError {
                kind: ErrorKind::Other,
                account: None,
                operation: "organizations:InviteAccountToOrganization".into(),
                code: "InvalidTarget".into(),
                message: e.to_string(),
            })?;
        let _one_write = self
            .write_turn("organizations:InviteAccountToOrganization")
            .await?;
        let sent = call(
            &self.session.scope(),
            "organizations:InviteAccountToOrganization",
            None,
            || {
                self.client
                    .invite_account_to_organization()
                    .target(party.clone())
                    .set_notes(notes.map(str::to_owned))
                    .send()
            },
        )
        .await;
        match sent {
            Ok(out) => Ok(out
                .handshake()
                .map(invitation_of)
                .map_or(Invited::AlreadyInvited, Invited::Sent)),
            Err(e) if e.code == "DuplicateHandshakeException" => Ok(Invited::AlreadyInvited),
            Err(e)
                if e.code == "HandshakeConstraintViolationException"
                    && e.message.to_lowercase().contains("already") =>
            {
                Ok(Invited::AlreadyMember)
            }
            Err(e) => Err(e),
        }
    }

    /// The organization's invitations (ListHandshakesForOrganization, action INVITE).
    pub async fn invitations(&self) -> Result<Vec<Invitation>, AwsError> {
        let mut out = Vec::new();
        let filter = aws_sdk_organizations::types::HandshakeFilter::builder()
            .action_type(aws_sdk_organizations::types::ActionType::InviteAccountToOrganization)
            .build();
        paginate(
            &self.session.scope(),
            "organizations:ListHandshakesForOrganization",
            Some(&self.requests),
            |token| {
                self.client
                    .list_handshakes_for_organization()
                    .filter(filter.clone())
                    .set_next_token(token)
                    .send()
            },
            |page| page.next_token(),
            |page| out.extend(page.handshakes().iter().map(invitation_of)),
        )
        .await?;
        Ok(out)
    }

    /// Closes a member account (CloseAccount). Closing one that is closed already is done.
    pub async fn close_account(&self, account: &AccountId) -> Result<Closed, AwsError> {
        let _one_write = self.write_turn("organizations:CloseAccount").await?;
        let closed = call(
            &self.session.scope(),
            "organizations:CloseAccount",
            None,
            || {
                self.client
                    .close_account()
                    .account_id(account.as_str())
                    .send()
            },
        )
        .await;
        match closed {
            Ok(_) => Ok(Closed::Closing),
            Err(e) if e.code == "AccountAlreadyClosedException" => Ok(Closed::AlreadyClosed),
            Err(e) => Err(e),
        }
    }

    /// The organization's account quota: the applied value (Service Quotas), AWS's default when
    /// none was applied; `None` when Service Quotas cannot be read.
    pub async fn account_quota(&self) -> Result<Option<Quota>, AwsError> {
        let client = self
            .session
            .client("us-east-1", aws_sdk_servicequotas::Client::new);
        let scope = self.session.scope();
        let applied = call(&scope, "servicequotas:GetServiceQuota", None, || {
            client
                .get_service_quota()
                .service_code("organizations")
                .quota_code(ACCOUNT_QUOTA_CODE)
                .send()
        })
        .await;
        let (value, applied) = match applied {
            Ok(out) => (out.quota().and_then(|q| q.value()), true),
            Err(e) if e.code == "NoSuchResourceException" => (
                call(
                    &scope,
                    "servicequotas:GetAWSDefaultServiceQuota",
                    None,
                    || {
                        client
                            .get_aws_default_service_quota()
                            .service_code("organizations")
                            .quota_code(ACCOUNT_QUOTA_CODE)
                            .send()
                    },
                )
                .await?
                .quota()
                .and_then(|q| q.value()),
                false,
            ),
            Err(e) if e.kind == ErrorKind::AccessDenied => (None, false),
            Err(e) => return Err(e),
        };
        Ok(value.map(|v| Quota {
            value: v as u32,
            applied,
        }))
    }
}
