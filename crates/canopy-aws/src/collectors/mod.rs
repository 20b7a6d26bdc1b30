//! Inventory collectors, one module per AWS service (a folder per family of several tables).
//! Each table is declared once, with `table!` (its [`TableDef`] and its columns with their
//! readers), beside the function that fills it; each service module lists its collectors with
//! `collectors!`, and the registry is one line per service ([`collectors`] and [`tables`] derive
//! from it): the store derives its tables,
//! `canopy tables` and `canopy schema` their words, and `--tables` its choices from this
//! registry, so nothing else names a table's columns again.
//!
//! A collector pages through its APIs with the one pager (largest page size; each page paced on
//! the account's bucket for that region and API, and retried), and turns SDK types into named
//! [`Row`]s with Steampipe's column names, which the store checks against the definition.
//!
//! Adding a table on an existing SDK crate: its `table!` and an `async fn` in the service's
//! module, one line in that module's `collectors!`, and a fixture
//! response for the test that checks every collector's rows against its definition.

#[macro_use]
mod columns;
mod acm;
mod cloudfront;
mod cloudtrail;
mod codebuild;
mod dynamodb;
mod ec2;
mod ecr;
mod ecs;
mod efs;
mod eks;
mod elasticache;
mod elb;
mod iam;
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

use std::future::Future;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::sync::Mutex;

use canopy_model::Membership;
use canopy_model::inventory::{Batch, Cell, RegionInfo};
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

    /// Every item `operation` lists, page by page through [`Unit::paginate`]; `items` takes a
    /// page's items out of it.
    async fn list<T, I, E, Fut>(
        &self,
        operation: &'static str,
        send: impl FnMut(Option<String>) -> Fut,
        next: impl Fn(&T) -> Option<&str>,
        items: impl Fn(T) -> Vec<I>,
    ) -> Result<Vec<I>, AwsError>
    where
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let mut all = Vec::new();
        self.paginate(operation, send, next, |page| all.extend(items(page)))
            .await?;
        Ok(all)
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

    /// An SDK client for this unit's region, with its account's credentials (`make` is the
    /// client's `new`).
    fn client<C: Clone + Send + Sync + 'static>(&self, make: fn(&aws_config::SdkConfig) -> C) -> C {
        self.session.client(self.region, make)
    }

    /// What this unit's rows are read in.
    fn cx(&self) -> columns::RowCtx<'_> {
        columns::RowCtx {
            partition: self.session.partition.as_str(),
        }
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
    pub(super) const fn new(tables: &'static [&'static TableDef], run: Run) -> Self {
        Self { tables, run }
    }

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
        collectors().find(|c| c.tables.iter().any(|t| t.name == table))
    }
}

/// Every collector, service by service (each module lists its own), in the order `canopy tables`
/// lists their tables.
static SERVICES: &[&[Collector]] = &[
    iam::COLLECTORS,
    s3::COLLECTORS,
    ec2::COLLECTORS,
    ec2::instance::COLLECTORS,
    ec2::network::COLLECTORS,
    ec2::vpc::COLLECTORS,
    ec2::security_group::COLLECTORS,
    ec2::storage::COLLECTORS,
    ec2::acl::COLLECTORS,
    kms::COLLECTORS,
    cloudtrail::COLLECTORS,
    logs::COLLECTORS,
    secrets::COLLECTORS,
    rds::instance::COLLECTORS,
    rds::cluster::COLLECTORS,
    rds::snapshot::COLLECTORS,
    dynamodb::COLLECTORS,
    ecr::COLLECTORS,
    eks::COLLECTORS,
    ecs::COLLECTORS,
    ecs::task_definition::COLLECTORS,
    efs::COLLECTORS,
    acm::COLLECTORS,
    elb::COLLECTORS,
    ssm::COLLECTORS,
    security::COLLECTORS,
    elasticache::COLLECTORS,
    opensearch::COLLECTORS,
    redshift::COLLECTORS,
    codebuild::COLLECTORS,
    lambda::COLLECTORS,
    sqs::COLLECTORS,
    sns::COLLECTORS,
    cloudfront::COLLECTORS,
    iam_auth::COLLECTORS,
    iam_keys::COLLECTORS,
];

/// Every collector, in the order `canopy tables` lists their tables.
pub fn collectors() -> impl Iterator<Item = &'static Collector> {
    SERVICES.iter().flat_map(|s| s.iter())
}

/// Every inventory table canopy fills, in the order `canopy tables` lists them: the collectors'
/// (derived from [`collectors`], so a table is registered once) and the credential report's.
pub fn tables() -> &'static [&'static TableDef] {
    static TABLES: std::sync::OnceLock<Vec<&'static TableDef>> = std::sync::OnceLock::new();
    TABLES.get_or_init(|| {
        collectors()
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

/// The `tags` column: a map of the tags' keys to their values.
fn tags_of(tags: impl IntoIterator<Item = impl columns::Tag>) -> Cell {
    let pairs: Vec<(String, String)> = tags
        .into_iter()
        .filter_map(|t| {
            let (k, v) = t.pair();
            Some((k?.to_owned(), v.unwrap_or_default().to_owned()))
        })
        .collect();
    Cell::tags(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

/// The `tags_src` column: the tags as AWS lists them, `[{"Key", "Value"}]`; null when none.
fn tags_src(tags: impl IntoIterator<Item = impl columns::Tag>) -> Cell {
    let list: Vec<Value> = tags
        .into_iter()
        .map(|t| {
            let (k, v) = t.pair();
            json!({"Key": k, "Value": v})
        })
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
