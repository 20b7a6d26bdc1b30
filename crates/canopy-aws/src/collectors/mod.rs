//! Inventory collectors, one module per AWS service. Each table is declared once, as a `const`
//! [`TableDef`] beside the function that fills it, and each collector is registered once, in
//! [`COLLECTORS`] ([`tables`] derives the list of tables from it): the store derives its tables,
//! `canopy tables` and `canopy schema` their words, and `--tables` its choices from this
//! registry, so nothing else names a table's columns again.
//!
//! A collector pages through its APIs with the one pager (largest page size; each page paced on
//! the account's bucket for that region and API, and retried), and turns SDK types into named
//! [`Row`]s with Steampipe's column names, which the store checks against the definition.
//!
//! Adding a table on an existing SDK crate: a `const` definition and an `async fn` in the
//! service's module, one line in [`COLLECTORS`], and a fixture response for the test that checks
//! every collector's rows against its definition.

mod acm;
mod cloudfront;
mod cloudtrail;
mod codebuild;
mod columns;
mod dynamodb;
mod ec2;
mod ec2_instance;
mod ec2_storage;
mod ecr;
mod ecs;
mod efs;
mod eks;
mod elasticache;
mod elb;
mod iam;
pub(crate) use iam::policy_json;
mod iam_auth;
mod iam_keys;
mod kms;
mod lambda;
mod logs;
mod opensearch;
mod rds;
mod redshift;
mod s3;
mod secrets;
mod security;
mod sns;
mod sqs;
mod sso;
pub use sso::{Enumeration, IdentityInventory, identity_tables, inventory as identity_inventory};
mod ssm;
#[cfg(test)]
mod tests;
mod vpc_acl;

use std::future::Future;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::sync::Mutex;

use canopy_model::Membership;
use canopy_model::inventory::{Batch, Cell, RegionInfo, Row};
use canopy_model::table::{Scope, TableDef};
use futures::future::BoxFuture;
use serde_json::{Value, json};

use crate::error::AwsError;
use crate::pace::ApiBuckets;
use crate::session::AccountSession;

pub use ec2::describe_regions;

/// What one unit of collection works with.
#[derive(Clone, Copy)]
pub struct Unit<'a> {
    pub session: &'a AccountSession,
    /// The region to collect in; `global` for global and account-wide tables.
    pub region: &'a str,
    pub buckets: &'a ApiBuckets,
    /// The regions the account sees, as discovered before its units started (or why they could
    /// not be).
    pub regions: Result<&'a [RegionInfo], &'a AwsError>,
    /// The account's organization as synced (`aws_account` reports it without asking again).
    pub membership: Option<&'a Membership>,
    /// Where refused detail calls are noted, for the caller to record.
    pub refusals: &'a Refusals,
}

/// A detail call about one resource that failed while its unit went on.
#[derive(Debug, Clone)]
pub struct Refusal {
    /// The region the call went to (a bucket's own region for S3).
    pub region: String,
    pub resource: String,
    pub error: AwsError,
}

/// The detail calls refused while one unit ran.
#[derive(Debug, Default)]
pub struct Refusals(Mutex<Vec<Refusal>>);

impl Refusals {
    /// Every refusal noted so far, emptying the list.
    pub fn take(&self) -> Vec<Refusal> {
        self.0
            .lock()
            .map(|mut list| std::mem::take(&mut *list))
            .unwrap_or_default()
    }

    fn note(&self, refusal: Refusal) {
        if let Ok(mut list) = self.0.lock() {
            list.push(refusal);
        }
    }
}

/// What a detail call about one resource found.
#[derive(Debug)]
pub(crate) enum Detail<T> {
    Found(T),
    /// The sub-resource does not exist (no bucket policy): the columns it fills are null, or
    /// AWS's documented default.
    Absent,
    /// The call failed after its retries and was noted; the columns it fills are null.
    Refused,
}

impl<T> Detail<T> {
    fn found(self) -> Option<T> {
        match self {
            Detail::Found(value) => Some(value),
            Detail::Absent | Detail::Refused => None,
        }
    }
}

impl Unit<'_> {
    /// Pages `operation` through the one pager, each page paced on this unit's bucket for that
    /// operation (account, region, API action) and counted under the same name.
    async fn paginate<T, E, Fut>(
        &self,
        operation: &'static str,
        send: impl FnMut(Option<String>) -> Fut,
        next: impl Fn(&T) -> Option<&str>,
        page: impl FnMut(T),
    ) -> Result<(), AwsError>
    where
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let rate = self.buckets.get(self.region, operation);
        crate::page::paginate(
            &self.session.scope(),
            operation,
            rate.as_deref(),
            send,
            next,
            page,
        )
        .await
    }

    /// One call that is not a listing (GetAccountSummary), paced on this unit's bucket for that
    /// operation and retried; its failure is the unit's.
    async fn call<T, E, Fut>(
        &self,
        operation: &'static str,
        send: impl FnMut() -> Fut,
    ) -> Result<T, AwsError>
    where
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let rate = self.buckets.get(self.region, operation);
        crate::retry::call(&self.session.scope(), operation, rate.as_deref(), send).await
    }

    /// One detail call ("hydrate") about `resource`, in `region`, paced on this account's bucket
    /// for that region and operation and retried. An error whose code is in `absent` means the
    /// sub-resource does not exist; any other error is noted in [`Refusals`] (the caller records
    /// it) and the unit goes on: a refused detail call never costs the rest of the row.
    async fn detail<T, E, Fut>(
        &self,
        region: &str,
        operation: &'static str,
        resource: &str,
        absent: &[&str],
        send: impl FnMut() -> Fut,
    ) -> Detail<T>
    where
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let rate = self.buckets.get(region, operation);
        match crate::retry::call(&self.session.scope(), operation, rate.as_deref(), send).await {
            Ok(out) => Detail::Found(out),
            Err(e) if absent.contains(&e.code.as_str()) => Detail::Absent,
            Err(error) => {
                tracing::debug!(account = %self.session.account, operation, resource, code = %error.code, "detail call refused");
                self.refusals.note(Refusal {
                    region: region.to_owned(),
                    resource: resource.to_owned(),
                    error,
                });
                Detail::Refused
            }
        }
    }

    fn partition(&self) -> Cell {
        Cell::Text(self.session.partition.to_string())
    }

    /// `arn:<partition>:<service>:<region>:<account>:<resource>` for this unit's account.
    fn arn(&self, service: &str, resource: &str) -> String {
        canopy_model::Arn {
            partition: self.session.partition.as_str(),
            service,
            region: self.region,
            account: self.session.account.as_str(),
            resource,
        }
        .to_string()
    }
}

type Run = for<'a> fn(Unit<'a>) -> BoxFuture<'a, Result<Vec<Batch>, AwsError>>;

/// One kind of collection work, filling one or more tables of the same scope.
pub struct Collector {
    /// The tables it fills; the first names it in errors.
    pub tables: &'static [&'static TableDef],
    run: Run,
}

impl std::fmt::Debug for Collector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.table().name)
    }
}

impl PartialEq for Collector {
    fn eq(&self, other: &Self) -> bool {
        self.table().name == other.table().name
    }
}

impl Eq for Collector {}

impl Collector {
    /// The table that names it.
    pub fn table(&self) -> &'static TableDef {
        self.tables[0]
    }

    pub fn scope(&self) -> Scope {
        self.table().scope
    }

    /// Runs one unit.
    pub async fn collect(&self, unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
        (self.run)(unit).await
    }

    /// The collector that fills `table`.
    pub fn for_table(table: &str) -> Option<&'static Collector> {
        COLLECTORS
            .iter()
            .find(|c| c.tables.iter().any(|t| t.name == table))
    }
}

/// Every collector, in the order `canopy tables` lists their tables.
pub static COLLECTORS: &[Collector] = &[
    Collector {
        tables: &[&iam::ACCOUNT],
        run: |u| Box::pin(iam::account(u)),
    },
    Collector {
        tables: &[&s3::BUCKETS],
        run: |u| Box::pin(s3::buckets(u)),
    },
    Collector {
        tables: &[&ec2::REGIONS],
        run: |u| Box::pin(ec2::regions(u)),
    },
    Collector {
        tables: &[&ec2_instance::INSTANCES],
        run: |u| Box::pin(ec2_instance::instances(u)),
    },
    Collector {
        tables: &[&ec2::NETWORK_INTERFACES],
        run: |u| Box::pin(ec2::network_interfaces(u)),
    },
    Collector {
        tables: &[&ec2::VPCS],
        run: |u| Box::pin(ec2::vpcs(u)),
    },
    Collector {
        tables: &[&ec2::SUBNETS],
        run: |u| Box::pin(ec2::subnets(u)),
    },
    Collector {
        tables: &[&ec2::SECURITY_GROUPS],
        run: |u| Box::pin(ec2::security_groups(u)),
    },
    Collector {
        tables: &[&ec2::SECURITY_GROUP_RULES],
        run: |u| Box::pin(ec2::security_group_rules(u)),
    },
    Collector {
        tables: &[&ec2::FLOW_LOGS],
        run: |u| Box::pin(ec2::flow_logs(u)),
    },
    Collector {
        tables: &[&ec2::VPC_ENDPOINTS],
        run: |u| Box::pin(ec2::vpc_endpoints(u)),
    },
    Collector {
        tables: &[&ec2_storage::VOLUMES],
        run: |u| Box::pin(ec2_storage::volumes(u)),
    },
    Collector {
        tables: &[&ec2_storage::SNAPSHOTS],
        run: |u| Box::pin(ec2_storage::snapshots(u)),
    },
    Collector {
        tables: &[&ec2_storage::IMAGES],
        run: |u| Box::pin(ec2_storage::images(u)),
    },
    Collector {
        tables: &[&kms::KEYS],
        run: |u| Box::pin(kms::keys(u)),
    },
    Collector {
        tables: &[&cloudtrail::TRAILS],
        run: |u| Box::pin(cloudtrail::trails(u)),
    },
    Collector {
        tables: &[&logs::LOG_GROUPS],
        run: |u| Box::pin(logs::log_groups(u)),
    },
    Collector {
        tables: &[&secrets::SECRETS],
        run: |u| Box::pin(secrets::secrets(u)),
    },
    Collector {
        tables: &[&rds::INSTANCES],
        run: |u| Box::pin(rds::instances(u)),
    },
    Collector {
        tables: &[&rds::CLUSTERS],
        run: |u| Box::pin(rds::clusters(u)),
    },
    Collector {
        tables: &[&rds::SNAPSHOTS],
        run: |u| Box::pin(rds::snapshots(u)),
    },
    Collector {
        tables: &[&rds::CLUSTER_SNAPSHOTS],
        run: |u| Box::pin(rds::cluster_snapshots(u)),
    },
    Collector {
        tables: &[&dynamodb::TABLES],
        run: |u| Box::pin(dynamodb::tables(u)),
    },
    Collector {
        tables: &[&ecr::REPOSITORIES],
        run: |u| Box::pin(ecr::repositories(u)),
    },
    Collector {
        tables: &[&eks::CLUSTERS],
        run: |u| Box::pin(eks::clusters(u)),
    },
    Collector {
        tables: &[&ecs::CLUSTERS, &ecs::SERVICES],
        run: |u| Box::pin(ecs::clusters_and_services(u)),
    },
    Collector {
        tables: &[&ecs::TASK_DEFINITIONS],
        run: |u| Box::pin(ecs::task_definitions(u)),
    },
    Collector {
        tables: &[&efs::FILE_SYSTEMS],
        run: |u| Box::pin(efs::file_systems(u)),
    },
    Collector {
        tables: &[&acm::CERTIFICATES],
        run: |u| Box::pin(acm::certificates(u)),
    },
    Collector {
        tables: &[&elb::APPLICATION, &elb::NETWORK],
        run: |u| Box::pin(elb::load_balancers(u)),
    },
    Collector {
        tables: &[&elb::CLASSIC],
        run: |u| Box::pin(elb::classic_load_balancers(u)),
    },
    Collector {
        tables: &[&ssm::PARAMETERS],
        run: |u| Box::pin(ssm::parameters(u)),
    },
    Collector {
        tables: &[&security::DETECTORS],
        run: |u| Box::pin(security::detectors(u)),
    },
    Collector {
        tables: &[&security::HUBS],
        run: |u| Box::pin(security::hubs(u)),
    },
    Collector {
        tables: &[&security::ANALYZERS],
        run: |u| Box::pin(security::analyzers(u)),
    },
    Collector {
        tables: &[&security::RECORDERS],
        run: |u| Box::pin(security::recorders(u)),
    },
    Collector {
        tables: &[&elasticache::CLUSTERS],
        run: |u| Box::pin(elasticache::clusters(u)),
    },
    Collector {
        tables: &[&opensearch::DOMAINS],
        run: |u| Box::pin(opensearch::domains(u)),
    },
    Collector {
        tables: &[&redshift::CLUSTERS],
        run: |u| Box::pin(redshift::clusters(u)),
    },
    Collector {
        tables: &[&codebuild::PROJECTS],
        run: |u| Box::pin(codebuild::projects(u)),
    },
    Collector {
        tables: &[&lambda::FUNCTIONS],
        run: |u| Box::pin(lambda::functions(u)),
    },
    Collector {
        tables: &[&sqs::QUEUES],
        run: |u| Box::pin(sqs::queues(u)),
    },
    Collector {
        tables: &[&sns::TOPICS],
        run: |u| Box::pin(sns::topics(u)),
    },
    Collector {
        tables: &[&ec2::ROUTE_TABLES, &ec2::ROUTES],
        run: |u| Box::pin(ec2::route_tables(u)),
    },
    Collector {
        tables: &[&ec2::INTERNET_GATEWAYS],
        run: |u| Box::pin(ec2::internet_gateways(u)),
    },
    Collector {
        tables: &[&vpc_acl::NETWORK_ACLS],
        run: |u| Box::pin(vpc_acl::network_acls(u)),
    },
    Collector {
        tables: &[&cloudfront::DISTRIBUTIONS],
        run: |u| Box::pin(cloudfront::distributions(u)),
    },
    Collector {
        tables: &[&iam::ROLES],
        run: |u| Box::pin(iam::roles(u)),
    },
    Collector {
        tables: &[&iam::PASSWORD_POLICY],
        run: |u| Box::pin(iam::password_policy(u)),
    },
    Collector {
        tables: &[&iam::ACCOUNT_SUMMARY],
        run: |u| Box::pin(iam::account_summary(u)),
    },
    Collector {
        tables: &[&iam_auth::USERS, &iam_auth::GROUPS, &iam_auth::POLICIES],
        run: |u| Box::pin(iam_auth::users_groups_policies(u)),
    },
    Collector {
        tables: &[&iam_keys::ACCESS_KEYS],
        run: |u| Box::pin(iam_keys::access_keys(u)),
    },
];

/// Every inventory table canopy fills, in the order `canopy tables` lists them: the collectors'
/// (derived from [`COLLECTORS`], so a table is registered once) and the credential report's.
pub fn tables() -> &'static [&'static TableDef] {
    static TABLES: std::sync::OnceLock<Vec<&'static TableDef>> = std::sync::OnceLock::new();
    TABLES.get_or_init(|| {
        COLLECTORS
            .iter()
            .flat_map(|c| c.tables.iter().copied())
            .chain([&crate::credreport::CREDENTIAL_REPORT])
            .chain(sso::TABLES.iter().copied())
            .chain([&crate::managed_policy::AWS_MANAGED_POLICY])
            .collect()
    })
}

fn time(at: Option<&DateTime>) -> Cell {
    Cell::text(time_text(at).as_deref())
}

/// An SDK time as RFC 3339 text, for times inside JSON columns.
fn time_text(at: Option<&DateTime>) -> Option<String> {
    at.and_then(|t| t.fmt(Format::DateTime).ok())
}

/// A JSON value, or null.
fn json_cell(value: Option<Value>) -> Cell {
    value.map_or(Cell::Null, Cell::json)
}

/// A list column: null when AWS returned none (as the plugin reports an absent list).
fn json_list(items: Vec<Value>) -> Cell {
    if items.is_empty() {
        Cell::Null
    } else {
        Cell::json(Value::Array(items))
    }
}

/// [`json_list`] of one JSON value per item.
fn list_of<T>(items: &[T], each: impl Fn(&T) -> Value) -> Cell {
    json_list(items.iter().map(each).collect())
}

/// A list of strings, null when empty.
fn strings(items: &[String]) -> Cell {
    json_list(items.iter().map(|s| json!(s)).collect())
}

/// A policy document as AWS returns it (JSON text) -> the `policy` and `policy_std` columns:
/// the document, and its canonical form. Text that is not JSON is kept as text, with no
/// canonical form.
fn policy_cells(text: Option<&str>) -> (Cell, Cell) {
    match text.map(serde_json::from_str::<Value>) {
        Some(Ok(policy)) => document_cells(policy),
        Some(Err(_)) => (Cell::text(text), Cell::Null),
        None => (Cell::Null, Cell::Null),
    }
}

/// A parsed policy document -> its cell and its canonical form's (null when it is not a policy
/// document).
fn document_cells(policy: Value) -> (Cell, Cell) {
    let std = canopy_model::policy_std::canonical(&policy).map_or(Cell::Null, Cell::json);
    (Cell::json(policy), std)
}

/// A tags column from a map AWS returns (EKS, GuardDuty, Security Hub, SQS, ...): null when
/// there are none.
fn tag_map(tags: Option<&std::collections::HashMap<String, String>>) -> Cell {
    tags.filter(|t| !t.is_empty())
        .map_or(Cell::Null, |t| Cell::json(json!(t)))
}

fn tags_of<'a>(tags: impl IntoIterator<Item = (Option<&'a str>, Option<&'a str>)>) -> Cell {
    Cell::tags(
        tags.into_iter()
            .filter_map(|(k, v)| Some((k?, v.unwrap_or_default()))),
    )
}

fn tags_src<'a>(tags: impl IntoIterator<Item = (Option<&'a str>, Option<&'a str>)>) -> Cell {
    let list: Vec<Value> = tags
        .into_iter()
        .map(|(k, v)| json!({"Key": k, "Value": v}))
        .collect();
    if list.is_empty() {
        Cell::Null
    } else {
        Cell::json(Value::Array(list))
    }
}

/// Resources whose detail calls run at once, per unit (each call still waits for a request
/// slot and for its (account, region, API) bucket, so this only overlaps their waits).
const DETAILS_AT_ONCE: usize = 8;

/// One result per listed item, made by `each` (which makes the item's detail calls), up to
/// [`DETAILS_AT_ONCE`] items at a time, in the listing's order.
async fn for_each_listed<T, R, Fut>(items: Vec<T>, each: impl FnMut(T) -> Fut) -> Vec<R>
where
    Fut: Future<Output = R>,
{
    use futures::StreamExt;
    futures::stream::iter(items)
        .map(each)
        .buffered(DETAILS_AT_ONCE)
        .collect()
        .await
}

/// Rows of one table, with their definition.
fn batch(table: &'static TableDef, rows: Vec<Row>) -> Batch {
    Batch::new(table, rows)
}
