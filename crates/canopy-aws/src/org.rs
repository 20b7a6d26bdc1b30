//! Organization discovery: the whole OU tree, every account with its state and tags, policies
//! of every enabled type with their attachments, delegated administrators and trusted services.
//!
//! The tree is walked parent by parent (ListOrganizationalUnitsForParent +
//! ListAccountsForParent), which costs one call per node and page, instead of ListParents per
//! account (N calls at 5/s). Tags and policies are fetched while the tree is walked, each API
//! paced by its own bucket of [`OrgRates`], so a discovery takes as long as its slowest API
//! (at 10,000 accounts: ListTagsForResource, one call per account at 10/s). Every call is
//! retried by `call`.
//!
//! Over 600 lines: discovery is one walk of the organization's APIs (tree, accounts, policies,
//! delegated administrators), each listing paged and paced the same way.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_organizations::Client;
use aws_sdk_organizations::types::PolicyType;
use canopy_model::{
    Account, AccountId, AccountState, DelegatedAdmin, OrgId, OrgSnapshot, OrgUnit, Organization,
    Partition, Policy, PolicyTarget, Root, ServiceAccess, TargetType,
};
use futures::{StreamExt, TryStreamExt, stream};
use time::OffsetDateTime;

use crate::error::{AwsError, ErrorKind};
use crate::pace::OrgRates;
use crate::page::{collect_pages, paginate};
use crate::retry::call;
use crate::session::AccountSession;

/// How to discover.
#[derive(Debug)]
pub struct DiscoverOptions {
    /// Requests in flight at once against this organization.
    pub concurrency: usize,
    /// Pacing buckets for this organization's management account.
    pub rates: OrgRates,
}

impl Default for DiscoverOptions {
    fn default() -> Self {
        Self {
            concurrency: 8,
            rates: OrgRates::documented(),
        }
    }
}

/// Discovery progress, for a live display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiscoverProgress {
    pub phase: &'static str,
    pub ous: usize,
    pub accounts: usize,
}

/// What a discovery found, and what it had to leave out (missing optional permissions).
#[derive(Debug, Clone)]
pub struct Discovered {
    pub snapshot: OrgSnapshot,
    pub warnings: Vec<String>,
}

fn malformed(session: &AccountSession, operation: &str, what: &str) -> AwsError {
    AwsError {
        kind: ErrorKind::Other,
        account: Some(session.account.to_string()),
        operation: operation.to_owned(),
        code: "MalformedResponse".to_owned(),
        message: what.to_owned(),
    }
}

fn to_time(dt: Option<&aws_smithy_types::DateTime>) -> Option<OffsetDateTime> {
    dt.and_then(|dt| OffsetDateTime::from_unix_timestamp(dt.secs()).ok())
}

fn to_text(dt: Option<&aws_smithy_types::DateTime>) -> Option<String> {
    to_time(dt).map(canopy_model::format_time)
}

/// A missing optional permission becomes a warning; anything else stays an error.
fn optional<T>(
    result: Result<T, AwsError>,
    what: &str,
    warnings: &mut Vec<String>,
) -> Result<Option<T>, AwsError> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.kind == ErrorKind::AccessDenied => {
            warnings.push(format!("{what} skipped: {e}"));
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Discovers the organization that `session`'s account manages (or administers as delegate).
pub async fn discover_organization(
    session: &AccountSession,
    options: &DiscoverOptions,
    progress: &(dyn Fn(DiscoverProgress) + Send + Sync),
) -> Result<Discovered, AwsError> {
    let client = Client::new(&session.config);
    let scope = session.scope();
    let rates = &options.rates;
    let concurrency = options.concurrency.max(1);
    let mut warnings = Vec::new();

    progress(DiscoverProgress {
        phase: "organization",
        ous: 0,
        accounts: 0,
    });
    let described = call(
        &scope,
        "organizations:DescribeOrganization",
        Some(&rates.describe_organization),
        || client.describe_organization().send(),
    )
    .await?;
    let org = described.organization().ok_or_else(|| {
        malformed(
            session,
            "organizations:DescribeOrganization",
            "no organization",
        )
    })?;
    let org_arn = org.arn().unwrap_or_default().to_owned();
    let organization = Organization {
        id: org.id().unwrap_or_default().parse::<OrgId>().map_err(|e| {
            malformed(
                session,
                "organizations:DescribeOrganization",
                &e.to_string(),
            )
        })?,
        feature_set: org
            .feature_set()
            .map(|f| f.as_str().to_owned())
            .unwrap_or_default(),
        management_account_id: org
            .master_account_id()
            .unwrap_or_default()
            .parse::<AccountId>()
            .map_err(|e| {
                malformed(
                    session,
                    "organizations:DescribeOrganization",
                    &e.to_string(),
                )
            })?,
        management_account_email: org.master_account_email().map(str::to_owned),
        partition: Partition::of_arn(&org_arn).unwrap_or_else(|| session.partition.clone()),
        arn: org_arn,
    };

    let roots = collect_pages(
        &scope,
        "organizations:ListRoots",
        Some(&rates.list_roots),
        |token| client.list_roots().set_next_token(token).send(),
        |page| page.next_token(),
        |page| page.roots.unwrap_or_default(),
    )
    .await?;
    let sdk_root = roots.first().ok_or_else(|| {
        malformed(
            session,
            "organizations:ListRoots",
            "the organization has no root",
        )
    })?;
    let root = Root {
        id: sdk_root.id().unwrap_or_default().to_owned(),
        arn: sdk_root.arn().unwrap_or_default().to_owned(),
        name: sdk_root.name().unwrap_or("Root").to_owned(),
        enabled_policy_types: sdk_root
            .policy_types()
            .iter()
            .filter(|p| p.status().is_some_and(|s| s.as_str() == "ENABLED"))
            .filter_map(|p| p.r#type().map(|t| t.as_str().to_owned()))
            .collect(),
    };

    // Three strands at once, each paced by its own buckets: the tree (level by level, nodes of
    // a level in parallel), the accounts' tags (each asked as soon as the walk finds the
    // account, so the 10/s tag bucket, the slowest, starts at once), and policies with
    // delegations. One after the other they would take the sum of their times; together, the
    // slowest one's.
    let (tag_tx, tag_rx) = futures::channel::mpsc::unbounded::<AccountId>();
    let ou_count = AtomicUsize::new(0);
    let account_count = AtomicUsize::new(0);
    let tagged = AtomicUsize::new(0);
    let walk = async {
        let tag_tx = tag_tx;
        let mut ous: Vec<OrgUnit> = Vec::new();
        let mut accounts: Vec<Account> = Vec::new();
        let mut frontier = vec![root.id.clone()];
        while !frontier.is_empty() {
            let level: Vec<(Vec<OrgUnit>, Vec<Account>)> = stream::iter(frontier.drain(..))
                .map(|parent| {
                    let client = &client;
                    let scope = &scope;
                    let (ou_count, account_count, tag_tx) = (&ou_count, &account_count, &tag_tx);
                    async move {
                        let children = list_ous(client, scope, rates, &parent).await?;
                        let members = list_accounts(client, scope, rates, &parent).await?;
                        for account in &members {
                            // the receiver lives as long as this future: a send cannot fail
                            let _ = tag_tx.unbounded_send(account.id.clone());
                        }
                        let ous =
                            ou_count.fetch_add(children.len(), Ordering::Relaxed) + children.len();
                        let accounts = account_count.fetch_add(members.len(), Ordering::Relaxed)
                            + members.len();
                        progress(DiscoverProgress {
                            phase: "tree",
                            ous,
                            accounts,
                        });
                        Ok::<_, AwsError>((children, members))
                    }
                })
                .buffer_unordered(concurrency)
                .try_collect()
                .await?;
            for (children, members) in level {
                frontier.extend(children.iter().map(|ou| ou.id.clone()));
                ous.extend(children);
                accounts.extend(members);
            }
        }
        Ok::<_, AwsError>((ous, accounts))
    };
    // tags, one call (or more pages) per account; ends when the walk does
    let tagging = tag_rx
        .map(|id| {
            let client = &client;
            let scope = &scope;
            let (ou_count, account_count, tagged) = (&ou_count, &account_count, &tagged);
            async move {
                let tags = list_tags(client, scope, rates, id.as_str()).await?;
                let done = tagged.fetch_add(1, Ordering::Relaxed) + 1;
                if done.is_multiple_of(25) {
                    progress(DiscoverProgress {
                        phase: "tags",
                        ous: ou_count.load(Ordering::Relaxed),
                        accounts: account_count.load(Ordering::Relaxed),
                    });
                }
                Ok::<_, AwsError>((id, tags))
            }
        })
        .buffer_unordered(concurrency)
        .collect::<Vec<_>>();
    let governance = async {
        let mut warnings = Vec::new();
        let mut policies = Vec::new();
        for policy_type in &root.enabled_policy_types {
            let found = optional(
                list_policies(&client, &scope, rates, policy_type, concurrency).await,
                &format!("{policy_type} policies"),
                &mut warnings,
            )?;
            policies.extend(found.unwrap_or_default());
        }
        let delegated_admins = optional(
            list_delegated(&client, &scope, rates).await,
            "delegated administrators",
            &mut warnings,
        )?
        .unwrap_or_default();
        let service_access = optional(
            list_service_access(&client, &scope, rates).await,
            "trusted service access",
            &mut warnings,
        )?
        .unwrap_or_default();
        Ok::<_, AwsError>((policies, delegated_admins, service_access, warnings))
    };
    let (walked, tag_results, governed) = futures::join!(walk, tagging, governance);
    let (mut ous, mut accounts) = walked?;
    let (mut policies, delegated_admins, service_access, governance_warnings) = governed?;
    ous.sort_by(|a, b| a.id.cmp(&b.id));
    accounts.sort_by(|a, b| a.id.cmp(&b.id));

    let mut tags_by_account = BTreeMap::new();
    let mut tag_denied = None;
    for result in tag_results {
        match result {
            Ok((id, tags)) => {
                tags_by_account.insert(id, tags);
            }
            Err(e) if e.kind == ErrorKind::AccessDenied => tag_denied = Some(e),
            Err(e) => return Err(e),
        }
    }
    if let Some(e) = tag_denied {
        warnings.push(format!("account tags skipped: {e}"));
    }
    warnings.extend(governance_warnings);
    for account in &mut accounts {
        if let Some(tags) = tags_by_account.remove(&account.id) {
            account.tags = tags;
        }
    }
    progress(DiscoverProgress {
        phase: "done",
        ous: ous.len(),
        accounts: accounts.len(),
    });
    policies.sort_by(|a: &Policy, b| {
        (a.policy_type.as_str(), a.name.as_str(), a.id.as_str()).cmp(&(
            b.policy_type.as_str(),
            b.name.as_str(),
            b.id.as_str(),
        ))
    });

    Ok(Discovered {
        snapshot: OrgSnapshot {
            organization,
            root,
            ous,
            accounts,
            policies,
            delegated_admins,
            service_access,
            synced_via: session.account.clone(),
            synced_at: OffsetDateTime::now_utc(),
        },
        warnings,
    })
}

async fn list_ous(
    client: &Client,
    scope: &crate::retry::Scope<'_>,
    rates: &OrgRates,
    parent: &str,
) -> Result<Vec<OrgUnit>, AwsError> {
    let mut out = Vec::new();
    paginate(
        scope,
        "organizations:ListOrganizationalUnitsForParent",
        Some(&rates.list_ous_for_parent),
        |token| {
            client
                .list_organizational_units_for_parent()
                .parent_id(parent)
                .set_next_token(token)
                .send()
        },
        |page| page.next_token(),
        |page| {
            out.extend(page.organizational_units().iter().map(|ou| OrgUnit {
                id: ou.id().unwrap_or_default().to_owned(),
                arn: ou.arn().unwrap_or_default().to_owned(),
                name: ou.name().unwrap_or_default().to_owned(),
                parent_id: parent.to_owned(),
            }));
        },
    )
    .await?;
    Ok(out)
}

async fn list_accounts(
    client: &Client,
    scope: &crate::retry::Scope<'_>,
    rates: &OrgRates,
    parent: &str,
) -> Result<Vec<Account>, AwsError> {
    let mut out = Vec::new();
    paginate(
        scope,
        "organizations:ListAccountsForParent",
        Some(&rates.list_accounts_for_parent),
        |token| {
            client
                .list_accounts_for_parent()
                .parent_id(parent)
                .set_next_token(token)
                .send()
        },
        |page| page.next_token(),
        |page| {
            for a in page.accounts() {
                let Ok(id) = a.id().unwrap_or_default().parse::<AccountId>() else {
                    tracing::warn!(
                        id = a.id().unwrap_or_default(),
                        "ignoring an account with a malformed id"
                    );
                    continue;
                };
                // `Status` is retired: read `State`, and `Status` only when `State` is absent
                let state = match (a.state(), a.status()) {
                    (Some(state), _) => AccountState::from(state.as_str().to_owned()),
                    (None, Some(status)) => AccountState::from(status.as_str().to_owned()),
                    (None, None) => AccountState::Other("UNKNOWN".to_owned()),
                };
                out.push(Account {
                    id,
                    arn: a.arn().unwrap_or_default().to_owned(),
                    name: a.name().unwrap_or_default().to_owned(),
                    email: a.email().unwrap_or_default().to_owned(),
                    state,
                    joined_method: a.joined_method().map(|m| m.as_str().to_owned()),
                    joined_timestamp: to_time(a.joined_timestamp()),
                    parent_id: parent.to_owned(),
                    tags: BTreeMap::new(),
                });
            }
        },
    )
    .await?;
    Ok(out)
}

async fn list_tags(
    client: &Client,
    scope: &crate::retry::Scope<'_>,
    rates: &OrgRates,
    resource: &str,
) -> Result<BTreeMap<String, String>, AwsError> {
    let mut out = BTreeMap::new();
    paginate(
        scope,
        "organizations:ListTagsForResource",
        Some(&rates.list_tags_for_resource),
        |token| {
            client
                .list_tags_for_resource()
                .resource_id(resource)
                .set_next_token(token)
                .send()
        },
        |page| page.next_token(),
        |page| {
            for tag in page.tags() {
                out.insert(tag.key().to_owned(), tag.value().to_owned());
            }
        },
    )
    .await?;
    Ok(out)
}

async fn list_policies(
    client: &Client,
    scope: &crate::retry::Scope<'_>,
    rates: &OrgRates,
    policy_type: &str,
    concurrency: usize,
) -> Result<Vec<Policy>, AwsError> {
    let summaries = collect_pages(
        scope,
        "organizations:ListPolicies",
        Some(&rates.list_policies),
        |token| {
            client
                .list_policies()
                .filter(PolicyType::from(policy_type))
                .set_next_token(token)
                .send()
        },
        |page| page.next_token(),
        |page| page.policies.unwrap_or_default(),
    )
    .await?;
    stream::iter(summaries)
        .map(|summary| async move {
            let id = summary.id().unwrap_or_default().to_owned();
            let described = call(
                scope,
                "organizations:DescribePolicy",
                Some(&rates.describe_policy),
                || client.describe_policy().policy_id(&id).send(),
            )
            .await?;
            let content = described
                .policy()
                .and_then(|p| p.content())
                .unwrap_or_default()
                .to_owned();
            let mut targets = Vec::new();
            paginate(
                scope,
                "organizations:ListTargetsForPolicy",
                Some(&rates.list_targets_for_policy),
                |token| {
                    client
                        .list_targets_for_policy()
                        .policy_id(&id)
                        .set_next_token(token)
                        .send()
                },
                |page| page.next_token(),
                |page| {
                    targets.extend(page.targets().iter().filter_map(|t| {
                        Some(PolicyTarget {
                            target_id: t.target_id()?.to_owned(),
                            target_type: TargetType::parse(t.r#type()?.as_str())?,
                            name: t.name().unwrap_or_default().to_owned(),
                        })
                    }));
                },
            )
            .await?;
            targets.sort_by(|a, b| a.target_id.cmp(&b.target_id));
            Ok::<_, AwsError>(Policy {
                arn: summary.arn().unwrap_or_default().to_owned(),
                name: summary.name().unwrap_or_default().to_owned(),
                description: summary.description().unwrap_or_default().to_owned(),
                policy_type: policy_type.to_owned(),
                aws_managed: summary.aws_managed(),
                content,
                targets,
                id,
            })
        })
        .buffer_unordered(concurrency)
        .try_collect()
        .await
}

async fn list_delegated(
    client: &Client,
    scope: &crate::retry::Scope<'_>,
    rates: &OrgRates,
) -> Result<Vec<DelegatedAdmin>, AwsError> {
    let admins = collect_pages(
        scope,
        "organizations:ListDelegatedAdministrators",
        Some(&rates.list_delegated),
        |token| {
            client
                .list_delegated_administrators()
                .set_next_token(token)
                .send()
        },
        |page| page.next_token(),
        |page| {
            page.delegated_administrators
                .unwrap_or_default()
                .into_iter()
                .filter_map(|a| a.id)
                .collect()
        },
    )
    .await?;
    let mut out = Vec::new();
    for admin in admins {
        let Ok(account_id) = admin.parse::<AccountId>() else {
            continue;
        };
        paginate(
            scope,
            "organizations:ListDelegatedServicesForAccount",
            Some(&rates.list_delegated),
            |token| {
                client
                    .list_delegated_services_for_account()
                    .account_id(&admin)
                    .set_next_token(token)
                    .send()
            },
            |page| page.next_token(),
            |page| {
                out.extend(page.delegated_services().iter().map(|s| DelegatedAdmin {
                    account_id: account_id.clone(),
                    service_principal: s.service_principal().unwrap_or_default().to_owned(),
                    delegation_enabled: to_text(s.delegation_enabled_date()),
                }));
            },
        )
        .await?;
    }
    out.sort_by(|a, b| {
        (a.account_id.as_str(), a.service_principal.as_str())
            .cmp(&(b.account_id.as_str(), b.service_principal.as_str()))
    });
    Ok(out)
}

async fn list_service_access(
    client: &Client,
    scope: &crate::retry::Scope<'_>,
    rates: &OrgRates,
) -> Result<Vec<ServiceAccess>, AwsError> {
    let mut out = collect_pages(
        scope,
        "organizations:ListAWSServiceAccessForOrganization",
        Some(&rates.list_service_access),
        |token| {
            client
                .list_aws_service_access_for_organization()
                .set_next_token(token)
                .send()
        },
        |page| page.next_token(),
        |page| {
            page.enabled_service_principals()
                .iter()
                .map(|s| ServiceAccess {
                    service_principal: s.service_principal().unwrap_or_default().to_owned(),
                    date_enabled: to_text(s.date_enabled()),
                })
                .collect()
        },
    )
    .await?;
    out.sort_by(|a, b| a.service_principal.cmp(&b.service_principal));
    Ok(out)
}
