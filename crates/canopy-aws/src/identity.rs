//! IAM Identity Center: the organization's instance, its permission sets by name, users and
//! groups of its identity store, account assignments and their creation requests.
//!
//! Every call, of sso-admin and of the identity store alike, waits on one bucket of 20
//! requests a second (AWS's limit, shared by all Identity Center APIs and not adjustable).
//! Assignments are never duplicated by canopy: callers check [`IdentityCenter::assignments`]
//! first (Identity Center itself does not refuse a duplicate).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use aws_sdk_identitystore::types::{AlternateIdentifier, Email, Name, UniqueAttribute};
use aws_sdk_ssoadmin::types::{PrincipalType, StatusValues, TargetType};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::Document;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::error::{AwsError, ErrorKind};
use crate::pace::Rate;
use crate::page::paginate;
use crate::retry::{Resend, call, call_with};
use crate::session::AccountSession;

/// Who an assignment is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PrincipalKind {
    User,
    Group,
}

impl PrincipalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "USER",
            Self::Group => "GROUP",
        }
    }

    fn sdk(self) -> PrincipalType {
        match self {
            Self::User => PrincipalType::User,
            Self::Group => PrincipalType::Group,
        }
    }
}

/// Where an assignment's creation stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assignment {
    /// Still being made: ask again with this request id.
    InProgress(String),
    Succeeded,
    Failed(String),
}

/// A user to add to the identity store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser<'a> {
    /// The user name and primary work email.
    pub email: &'a str,
    pub given_name: &'a str,
    pub family_name: &'a str,
}

/// The organization's Identity Center instance, reached from the management account (or the
/// delegated administrator) in the instance's region.
pub struct IdentityCenter {
    pub(crate) session: AccountSession,
    pub(crate) sso: aws_sdk_ssoadmin::Client,
    pub(crate) store: aws_sdk_identitystore::Client,
    pub(crate) rate: Arc<Rate>,
    /// Requests sent (every attempt: each one counts against the 20 a second).
    sent: AtomicU64,
    pub instance_arn: String,
    pub identity_store_id: String,
    /// The region the instance was found in.
    pub region: String,
    pub(crate) instance: aws_sdk_ssoadmin::types::InstanceMetadata,
}

impl std::fmt::Debug for IdentityCenter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityCenter")
            .field("instance_arn", &self.instance_arn)
            .finish()
    }
}

fn missing(e: &AwsError) -> bool {
    e.code == "ResourceNotFoundException"
}

fn malformed(session: &AccountSession, operation: &str, what: &str) -> AwsError {
    AwsError {
        kind: ErrorKind::Other,
        account: Some(session.account.to_string()),
        operation: operation.into(),
        code: "MalformedResponse".into(),
        message: what.into(),
    }
}

fn assignment_of(
    status: Option<&aws_sdk_ssoadmin::types::AccountAssignmentOperationStatus>,
) -> Assignment {
    let Some(status) = status else {
        return Assignment::Failed("the answer carried no status".into());
    };
    match status.status() {
        Some(StatusValues::Succeeded) => Assignment::Succeeded,
        Some(StatusValues::Failed) => {
            Assignment::Failed(status.failure_reason().unwrap_or("FAILED").to_owned())
        }
        _ => Assignment::InProgress(status.request_id().unwrap_or_default().to_owned()),
    }
}

impl IdentityCenter {
    /// The instance `session`'s account administers in `region` (ListInstances); `None` when
    /// Identity Center is not enabled there.
    pub async fn open(session: AccountSession, region: &str) -> Result<Option<Self>, AwsError> {
        let config = session.config_in(region);
        let sso = aws_sdk_ssoadmin::Client::new(&config);
        let rate = Arc::new(Rate::new(20, 20));
        let out = call(&session.scope(), "sso:ListInstances", Some(&rate), || {
            sso.list_instances().send()
        })
        .await?;
        let Some(instance) = out.instances().first() else {
            return Ok(None);
        };
        let (Some(arn), Some(store)) = (instance.instance_arn(), instance.identity_store_id())
        else {
            return Err(malformed(
                &session,
                "sso:ListInstances",
                "an instance without ids",
            ));
        };
        Ok(Some(Self {
            instance_arn: arn.to_owned(),
            identity_store_id: store.to_owned(),
            region: region.to_owned(),
            instance: instance.clone(),
            store: aws_sdk_identitystore::Client::new(&config),
            sso,
            rate,
            sent: AtomicU64::new(1),
            session,
        }))
    }

    /// The first of `regions` where `session`'s account has an instance (ListInstances in each,
    /// in order, until one answers with an instance); `None` when none has. A region where
    /// Identity Center cannot be reached (not offered there, or not enabled for the account) is
    /// passed over.
    pub async fn find(
        session: &AccountSession,
        regions: &[String],
    ) -> Result<Option<Self>, AwsError> {
        let mut last = None;
        for (asked, region) in regions.iter().enumerate() {
            match Self::open(session.clone(), region).await {
                Ok(Some(found)) => {
                    // the regions asked before were requests too
                    found.sent.fetch_add(asked as u64, Ordering::Relaxed);
                    return Ok(Some(found));
                }
                Ok(None) => {}
                Err(e) if e.kind == ErrorKind::AccessDenied => return Err(e),
                Err(e) => last = Some(e),
            }
        }
        match last {
            Some(e) if regions.len() == 1 => Err(e),
            _ => Ok(None),
        }
    }

    /// Requests sent to Identity Center through this handle so far, retries included.
    pub fn requests_sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// One call on the instance's bucket, retried as a read, counted.
    pub(crate) async fn ask<T, E, Fut>(
        &self,
        operation: &str,
        mut send: impl FnMut() -> Fut,
    ) -> Result<T, AwsError>
    where
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        call(&self.session.scope(), operation, Some(&self.rate), || {
            self.sent.fetch_add(1, Ordering::Relaxed);
            send()
        })
        .await
    }

    /// A write Identity Center would make twice if repeated: sent again only when refused
    /// outright ([`Resend::OnlyRefused`]), counted.
    async fn ask_once<T, E, Fut>(
        &self,
        operation: &str,
        mut send: impl FnMut() -> Fut,
    ) -> Result<T, AwsError>
    where
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        call_with(
            &self.session.scope(),
            operation,
            Some(&self.rate),
            Resend::OnlyRefused,
            || {
                self.sent.fetch_add(1, Ordering::Relaxed);
                send()
            },
        )
        .await
    }

    /// Every page of a listing on the instance's bucket, each counted.
    pub(crate) async fn pages<T, E, Fut>(
        &self,
        operation: &str,
        mut send: impl FnMut(Option<String>) -> Fut,
        next: impl Fn(&T) -> Option<&str>,
        page: impl FnMut(T),
    ) -> Result<(), AwsError>
    where
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        paginate(
            &self.session.scope(),
            operation,
            Some(&self.rate),
            |token| {
                self.sent.fetch_add(1, Ordering::Relaxed);
                send(token)
            },
            next,
            page,
        )
        .await
    }

    /// Every permission set, name -> ARN (ListPermissionSets, then DescribePermissionSet each:
    /// there is no lookup by name).
    pub async fn permission_sets(&self) -> Result<BTreeMap<String, String>, AwsError> {
        let mut arns = Vec::new();
        self.pages(
            "sso:ListPermissionSets",
            |token| {
                self.sso
                    .list_permission_sets()
                    .instance_arn(&self.instance_arn)
                    .max_results(100)
                    .set_next_token(token)
                    .send()
            },
            |page| page.next_token(),
            |page| arns.extend(page.permission_sets().iter().cloned()),
        )
        .await?;
        let mut named = BTreeMap::new();
        for arn in arns {
            let out = self
                .ask("sso:DescribePermissionSet", || {
                    self.sso
                        .describe_permission_set()
                        .instance_arn(&self.instance_arn)
                        .permission_set_arn(&arn)
                        .send()
                })
                .await?;
            if let Some(name) = out.permission_set().and_then(|p| p.name()) {
                named.insert(name.to_owned(), arn);
            }
        }
        Ok(named)
    }

    async fn id_of(
        &self,
        operation: &str,
        path: &str,
        value: &str,
    ) -> Result<Option<String>, AwsError> {
        let wanted = AlternateIdentifier::UniqueAttribute(
            UniqueAttribute::builder()
                .attribute_path(path)
                .attribute_value(Document::String(value.to_owned()))
                .build()
                .map_err(|e| malformed(&self.session, operation, &e.to_string()))?,
        );
        let found = if operation == "identitystore:GetUserId" {
            self.ask(operation, || {
                self.store
                    .get_user_id()
                    .identity_store_id(&self.identity_store_id)
                    .alternate_identifier(wanted.clone())
                    .send()
            })
            .await
            .map(|o| o.user_id().to_owned())
        } else {
            self.ask(operation, || {
                self.store
                    .get_group_id()
                    .identity_store_id(&self.identity_store_id)
                    .alternate_identifier(wanted.clone())
                    .send()
            })
            .await
            .map(|o| o.group_id().to_owned())
        };
        match found {
            Ok(id) => Ok(Some(id)),
            Err(e) if missing(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The user whose primary email, or else user name, is `email`.
    pub async fn user_id(&self, email: &str) -> Result<Option<String>, AwsError> {
        if let Some(id) = self
            .id_of("identitystore:GetUserId", "emails.value", email)
            .await?
        {
            return Ok(Some(id));
        }
        self.id_of("identitystore:GetUserId", "userName", email)
            .await
    }

    /// The group with this display name.
    pub async fn group_id(&self, name: &str) -> Result<Option<String>, AwsError> {
        self.id_of("identitystore:GetGroupId", "displayName", name)
            .await
    }

    /// Adds a user (user name and primary work email `email`). Sent once: a uniqueness
    /// violation or an unknown outcome comes back as an error (look the user up again).
    pub async fn create_user(&self, user: &NewUser<'_>) -> Result<String, AwsError> {
        let name = Name::builder()
            .given_name(user.given_name)
            .family_name(user.family_name)
            .build();
        let email = Email::builder()
            .value(user.email)
            .primary(true)
            .r#type("work")
            .build();
        let out = self
            .ask_once("identitystore:CreateUser", || {
                self.store
                    .create_user()
                    .identity_store_id(&self.identity_store_id)
                    .user_name(user.email)
                    .display_name(format!("{} {}", user.given_name, user.family_name))
                    .name(name.clone())
                    .emails(email.clone())
                    .send()
            })
            .await?;
        Ok(out.user_id().to_owned())
    }

    /// Who holds `permission_set` on `account` now (ListAccountAssignments).
    pub async fn assignments(
        &self,
        account: &str,
        permission_set: &str,
    ) -> Result<Vec<(PrincipalKind, String)>, AwsError> {
        let mut out = Vec::new();
        self.pages(
            "sso:ListAccountAssignments",
            |token| {
                self.sso
                    .list_account_assignments()
                    .instance_arn(&self.instance_arn)
                    .account_id(account)
                    .permission_set_arn(permission_set)
                    .max_results(100)
                    .set_next_token(token)
                    .send()
            },
            |page| page.next_token(),
            |page| {
                for a in page.account_assignments() {
                    let kind = match a.principal_type() {
                        Some(PrincipalType::Group) => PrincipalKind::Group,
                        _ => PrincipalKind::User,
                    };
                    if let Some(id) = a.principal_id() {
                        out.push((kind, id.to_owned()));
                    }
                }
            },
        )
        .await?;
        Ok(out)
    }

    /// Asks for an assignment (CreateAccountAssignment). A conflicting operation in progress is
    /// waited out; an unknown outcome comes back as an error (check the assignments again).
    pub async fn assign(
        &self,
        account: &str,
        permission_set: &str,
        kind: PrincipalKind,
        principal: &str,
    ) -> Result<Assignment, AwsError> {
        let out = self
            .ask_once("sso:CreateAccountAssignment", || {
                self.sso
                    .create_account_assignment()
                    .instance_arn(&self.instance_arn)
                    .target_id(account)
                    .target_type(TargetType::AwsAccount)
                    .permission_set_arn(permission_set)
                    .principal_type(kind.sdk())
                    .principal_id(principal)
                    .send()
            })
            .await?;
        Ok(assignment_of(out.account_assignment_creation_status()))
    }

    /// Asks for an assignment to be removed (DeleteAccountAssignment). Removing is idempotent
    /// (one already gone is answered ResourceNotFound, taken as done), so it is retried like a
    /// read.
    pub async fn unassign(
        &self,
        account: &str,
        permission_set: &str,
        kind: PrincipalKind,
        principal: &str,
    ) -> Result<Assignment, AwsError> {
        let out = self
            .ask("sso:DeleteAccountAssignment", || {
                self.sso
                    .delete_account_assignment()
                    .instance_arn(&self.instance_arn)
                    .target_id(account)
                    .target_type(TargetType::AwsAccount)
                    .permission_set_arn(permission_set)
                    .principal_type(kind.sdk())
                    .principal_id(principal)
                    .send()
            })
            .await;
        match out {
            Ok(out) => Ok(assignment_of(out.account_assignment_deletion_status())),
            Err(e) if missing(&e) => Ok(Assignment::Succeeded),
            Err(e) => Err(e),
        }
    }

    /// Where a removal request stands (DescribeAccountAssignmentDeletionStatus).
    pub async fn unassignment_request(&self, request_id: &str) -> Result<Assignment, AwsError> {
        let out = self
            .ask("sso:DescribeAccountAssignmentDeletionStatus", || {
                self.sso
                    .describe_account_assignment_deletion_status()
                    .instance_arn(&self.instance_arn)
                    .account_assignment_deletion_request_id(request_id)
                    .send()
            })
            .await?;
        Ok(assignment_of(out.account_assignment_deletion_status()))
    }

    /// Where an assignment request stands (DescribeAccountAssignmentCreationStatus).
    pub async fn assignment_request(&self, request_id: &str) -> Result<Assignment, AwsError> {
        let out = self
            .ask("sso:DescribeAccountAssignmentCreationStatus", || {
                self.sso
                    .describe_account_assignment_creation_status()
                    .instance_arn(&self.instance_arn)
                    .account_assignment_creation_request_id(request_id)
                    .send()
            })
            .await?;
        Ok(assignment_of(out.account_assignment_creation_status()))
    }
}
