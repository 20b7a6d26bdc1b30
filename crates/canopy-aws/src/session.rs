//! Credentials: the caller's own (standard chain) and roles assumed into other accounts, each
//! wrapped in a provider that refreshes before expiry so one assume-role serves every region.
//!
//! One HTTP client serves the whole process: every SDK client made from an [`AwsSession`]
//! (every account, region and service) shares its connection pool and its root certificates.
//! Requests are signed one by one, so a pooled connection is safe to reuse across credentials.
//!
//! Over 600 lines: the credential chain, the refreshing role provider and the account's client
//! cache hold one invariant (one assume-role per account serves every region), with their tests.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_config::meta::region::RegionProviderChain;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls;
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use canopy_model::{AccountId, Partition};
use tokio::sync::{Mutex, OnceCell, Semaphore};

use crate::error::{AwsError, ErrorKind};
use crate::pace::Rate;
use crate::retry::{CallStats, RetryPolicy, Scope, call};

/// The identity behind the current credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub account: AccountId,
    pub arn: String,
    pub partition: Partition,
}

/// A role to assume in other accounts.
#[derive(Clone, PartialEq, Eq)]
pub struct RoleSpec {
    /// A role name, possibly with a path (`security-audit`, `audit/reader`).
    pub name: String,
    pub external_id: Option<String>,
    pub session_name: String,
}

impl std::fmt::Debug for RoleSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // an external id is a shared secret of sorts: never print it
        f.debug_struct("RoleSpec")
            .field("name", &self.name)
            .field(
                "external_id",
                &self.external_id.as_ref().map(|_| "<redacted>"),
            )
            .field("session_name", &self.session_name)
            .finish()
    }
}

impl RoleSpec {
    pub fn arn(&self, partition: &Partition, account: &AccountId) -> String {
        canopy_model::role_arn(partition, account, &self.name)
    }
}

/// The caller's base configuration (standard credential chain, SDK retries off) and shared
/// call accounting.
pub struct AwsSession {
    base: SdkConfig,
    retry: RetryPolicy,
    stats: Arc<CallStats>,
    caller: OnceCell<Caller>,
    slots: Option<Arc<Semaphore>>,
    /// The caller's STS bucket: every AssumeRole of this session draws from it.
    assume_rate: Arc<Rate>,
}

impl std::fmt::Debug for AwsSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsSession")
            .field("region", &self.base.region())
            .field("retry", &self.retry)
            .finish()
    }
}

/// An account's credentials and where it sits.
#[derive(Clone)]
pub struct AccountSession {
    pub account: AccountId,
    pub partition: Partition,
    pub(crate) config: SdkConfig,
    pub(crate) retry: RetryPolicy,
    pub(crate) stats: Arc<CallStats>,
    pub(crate) slots: Option<Arc<Semaphore>>,
    /// The SDK clients its units made last, shared by the units that follow.
    pub(crate) clients: Arc<Clients>,
}

/// The last few SDK clients an account's units made, by region and client type. Building an
/// SDK client (its configuration layers and runtime plugins) and dropping it again cost about
/// as much CPU as the one request most units make; consecutive units of one service in one
/// region share one client instead. A handful is kept, not one per region and service: an
/// account's units run region by region, so older clients are not asked for again, and the
/// window holds many accounts.
#[derive(Default)]
pub(crate) struct Clients(std::sync::Mutex<std::collections::VecDeque<KeptClient>>);

struct KeptClient {
    region: String,
    kind: std::any::TypeId,
    client: Box<dyn std::any::Any + Send + Sync>,
}

/// How many clients an account keeps.
const CLIENTS_KEPT: usize = 4;

impl Clients {
    fn take<C: Clone + 'static>(&self, region: &str) -> Option<C> {
        let kind = std::any::TypeId::of::<C>();
        let mut kept = self.0.lock().ok()?;
        let at = kept
            .iter()
            .position(|k| k.kind == kind && k.region == region)?;
        let entry = kept.remove(at)?;
        let client = entry.client.downcast_ref::<C>().cloned();
        kept.push_front(entry);
        client
    }

    fn keep<C: Clone + Send + Sync + 'static>(&self, region: &str, client: &C) {
        if let Ok(mut kept) = self.0.lock() {
            kept.push_front(KeptClient {
                region: region.to_owned(),
                kind: std::any::TypeId::of::<C>(),
                client: Box::new(client.clone()),
            });
            kept.truncate(CLIENTS_KEPT);
        }
    }
}

impl std::fmt::Debug for AccountSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountSession")
            .field("account", &self.account)
            .field("partition", &self.partition)
            .finish()
    }
}

impl AccountSession {
    pub(crate) fn scope(&self) -> Scope<'_> {
        Scope {
            account: self.account.as_str(),
            retry: &self.retry,
            stats: &self.stats,
            slots: self.slots.as_deref(),
        }
    }

    /// The SDK configuration for `region`, with these credentials.
    pub(crate) fn config_in(&self, region: &str) -> SdkConfig {
        self.config
            .to_builder()
            .region(aws_config::Region::new(region.to_owned()))
            .build()
    }

    /// An SDK client for `region` with these credentials: one of the account's last few when
    /// it has one (`make` is the client's `new`).
    pub(crate) fn client<C: Clone + Send + Sync + 'static>(
        &self,
        region: &str,
        make: fn(&SdkConfig) -> C,
    ) -> C {
        if let Some(client) = self.clients.take::<C>(region) {
            return client;
        }
        let client = make(&self.config_in(region));
        self.clients.keep(region, &client);
        client
    }

    /// The account's current credentials, to hand to a child process (refreshed first when less
    /// than five minutes are left on an assumed role's).
    pub async fn child_credentials(&self) -> Result<ChildCredentials, AwsError> {
        let provider = self.config.credentials_provider().ok_or_else(|| AwsError {
            kind: ErrorKind::NoCredentials,
            account: Some(self.account.to_string()),
            operation: "credentials".into(),
            code: "NoCredentials".into(),
            message: "the session has no credentials provider".into(),
        })?;
        let creds = provider.provide_credentials().await.map_err(|e| AwsError {
            kind: ErrorKind::NoCredentials,
            account: Some(self.account.to_string()),
            operation: "credentials".into(),
            code: "NoCredentials".into(),
            message: e.to_string(),
        })?;
        Ok(ChildCredentials(creds))
    }
}

/// Credentials for a child process. Debug shows the access key id only (the SDK's
/// `Credentials` redacts the secret key and the session token).
#[derive(Clone)]
pub struct ChildCredentials(Credentials);

impl std::fmt::Debug for ChildCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChildCredentials")
            .field("access_key_id", &self.0.access_key_id())
            .finish_non_exhaustive()
    }
}

impl ChildCredentials {
    /// The environment variables the AWS SDKs and CLI read them from.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        let mut env = vec![
            ("AWS_ACCESS_KEY_ID", self.0.access_key_id().to_owned()),
            (
                "AWS_SECRET_ACCESS_KEY",
                self.0.secret_access_key().to_owned(),
            ),
        ];
        if let Some(token) = self.0.session_token() {
            env.push(("AWS_SESSION_TOKEN", token.to_owned()));
        }
        if let Some(at) = self.0.expiry() {
            env.push((
                "AWS_CREDENTIAL_EXPIRATION",
                canopy_model::format_time(time::OffsetDateTime::from(at)),
            ));
        }
        env
    }

    /// Whether they expire (an assumed role's do; the caller's own long-term keys do not).
    pub fn expire(&self) -> bool {
        self.0.expiry().is_some()
    }

    /// The JSON a container credentials endpoint answers with (`AccessKeyId`,
    /// `SecretAccessKey`, `Token`, `Expiration`), as the SDKs and the CLI read it from
    /// `AWS_CONTAINER_CREDENTIALS_FULL_URI`.
    pub fn container_json(&self) -> String {
        let mut body = serde_json::json!({
            "AccessKeyId": self.0.access_key_id(),
            "SecretAccessKey": self.0.secret_access_key(),
        });
        if let Some(token) = self.0.session_token() {
            body["Token"] = token.into();
        }
        if let Some(at) = self.0.expiry() {
            body["Expiration"] = canopy_model::format_time(time::OffsetDateTime::from(at)).into();
        }
        body.to_string()
    }
}

/// The process's one HTTP client: hyper 1 with rustls (aws-lc), proxies from the environment,
/// exactly as the SDK's default client, but built once. The SDK otherwise builds a new client,
/// with its own connection pool, for every service client, so every call opened a new TCP (and
/// TLS) connection and parsed the root certificates again.
/// The process's one HTTP client as every SDK client sees it: the pooled client itself for
/// requests, without its check when an SDK client is made. That check builds (and throws away)
/// a TLS connector, loading and parsing every root certificate, for each SDK client: a
/// quarter of canopy's CPU when it made a client per unit (measured with `perf` against the
/// simulator). The connectors requests use are built once per setting and cached by the pooled
/// client, as before.
#[derive(Debug, Clone)]
struct Pooled(SharedHttpClient);

impl HttpClient for Pooled {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.0.http_connector(settings, components)
    }

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        self.0.connector_metadata()
    }
}

fn shared_http_client() -> SharedHttpClient {
    static CLIENT: std::sync::OnceLock<SharedHttpClient> = std::sync::OnceLock::new();
    CLIENT
        .get_or_init(|| {
            let pooled = aws_smithy_http_client::Builder::new().build_with_connector_fn(
                |settings, components| {
                    let mut connector = aws_smithy_http_client::ConnectorBuilder::default()
                        .tls_provider(tls::Provider::Rustls(
                            tls::rustls_provider::CryptoMode::AwsLc,
                        ));
                    connector.set_connector_settings(settings.cloned());
                    if let Some(components) = components {
                        connector.set_sleep_impl(components.sleep_impl());
                    }
                    connector.set_proxy_config(Some(ProxyConfig::from_env()));
                    connector.build()
                },
            );
            SharedHttpClient::new(Pooled(pooled))
        })
        .clone()
}

/// Which HTTP clients the SDK clients use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HttpClients {
    /// One client, one connection pool, for the whole process.
    #[default]
    Shared,
    /// The SDK's default: a new client (and pool) per SDK client. Only to measure the
    /// difference.
    PerClient,
}

impl AwsSession {
    /// Loads the standard chain (`AWS_PROFILE`, environment, SSO, IMDS, ECS; `AWS_REGION`,
    /// `AWS_ENDPOINT_URL`), with the SDK's retries off: canopy retries per account itself.
    pub async fn load(retry: RetryPolicy, region: Option<String>) -> Self {
        Self::load_with(retry, region, HttpClients::Shared).await
    }

    /// [`AwsSession::load`] with a choice of HTTP clients.
    pub async fn load_with(retry: RetryPolicy, region: Option<String>, http: HttpClients) -> Self {
        let region = RegionProviderChain::first_try(region.map(aws_config::Region::new))
            .or_default_provider()
            .or_else("us-east-1");
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if http == HttpClients::Shared {
            loader = loader.http_client(shared_http_client());
        }
        let base = loader
            .region(region)
            .retry_config(RetryConfig::disabled())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(10))
                    .operation_attempt_timeout(Duration::from_secs(60))
                    .build(),
            )
            // every attempt is bounded by the timeout above, so the SDK's watch on each body's
            // throughput (an interceptor and a body wrapper per request, about 4% of canopy's
            // CPU per call) adds nothing
            .stalled_stream_protection(
                aws_config::stalled_stream_protection::StalledStreamProtectionConfig::disabled(),
            )
            .load()
            .await;
        Self {
            base,
            retry,
            stats: Arc::new(CallStats::default()),
            caller: OnceCell::new(),
            slots: None,
            assume_rate: Arc::new(crate::pace::sts_rate()),
        }
    }

    /// Caps the requests in flight at once, across every account and region this session
    /// reaches (`--concurrency`). Without it, callers bound their own concurrency.
    pub fn with_request_limit(mut self, limit: usize) -> Self {
        self.slots = Some(Arc::new(Semaphore::new(limit.max(1))));
        self
    }

    /// Every call made through this session and the accounts it reached.
    pub fn stats(&self) -> &CallStats {
        &self.stats
    }

    /// Who the current credentials belong to (`sts:GetCallerIdentity`, asked once).
    pub async fn caller(&self) -> Result<&Caller, AwsError> {
        self.caller
            .get_or_try_init(|| async {
                let sts = aws_sdk_sts::Client::new(&self.base);
                let scope = Scope {
                    account: "current credentials",
                    retry: &self.retry,
                    stats: &self.stats,
                    slots: self.slots.as_deref(),
                };
                let out = call(&scope, "sts:GetCallerIdentity", None, || {
                    sts.get_caller_identity().send()
                })
                .await?;
                let arn = out.arn().unwrap_or_default().to_owned();
                let account = out
                    .account()
                    .unwrap_or_default()
                    .parse::<AccountId>()
                    .map_err(|e| AwsError {
                        kind: ErrorKind::Other,
                        account: None,
                        operation: "sts:GetCallerIdentity".into(),
                        code: "MalformedResponse".into(),
                        message: e.to_string(),
                    })?;
                Ok(Caller {
                    partition: Partition::of_arn(&arn).unwrap_or_else(Partition::aws),
                    account,
                    arn,
                })
            })
            .await
    }

    /// The caller's own account, with the caller's credentials.
    pub async fn own_account(&self) -> Result<AccountSession, AwsError> {
        let caller = self.caller().await?;
        Ok(AccountSession {
            account: caller.account.clone(),
            partition: caller.partition.clone(),
            config: self.base.clone(),
            retry: self.retry,
            stats: self.stats.clone(),
            slots: self.slots.clone(),
            clients: Arc::default(),
        })
    }

    /// Credentials in `account`: the caller's own when it is the caller's account, otherwise
    /// `role` assumed there (eagerly, so a role that cannot be assumed fails here, by name).
    pub async fn account(
        &self,
        account: &AccountId,
        role: &RoleSpec,
    ) -> Result<AccountSession, AwsError> {
        let caller = self.caller().await?;
        if &caller.account == account {
            return self.own_account().await;
        }
        let provider = AssumedRole {
            sts: aws_sdk_sts::Client::new(&self.base),
            role_arn: role.arn(&caller.partition, account),
            role: role.clone(),
            account: account.clone(),
            retry: self.retry,
            stats: self.stats.clone(),
            rate: self.assume_rate.clone(),
            current: Mutex::new(None),
        };
        // the first assume holds a request slot like any call; refreshes happen inside other
        // requests that already hold one, so they must not wait for another
        let first = provider.assume(self.slots.as_deref()).await?;
        *provider.current.lock().await = Some(first);
        let config = self
            .base
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(provider))
            .build();
        Ok(AccountSession {
            account: account.clone(),
            partition: caller.partition.clone(),
            config,
            retry: self.retry,
            stats: self.stats.clone(),
            slots: self.slots.clone(),
            clients: Arc::default(),
        })
    }
}

/// `sts:AssumeRole` as a credentials provider that keeps its answer until five minutes before
/// it expires. It must keep it: the SDK's shared identity cache holds at most 64 providers and
/// evicts arbitrarily, so with more accounts in flight than that, a provider is asked again long
/// before expiry (measured: 2,600 needless AssumeRole calls for 400 accounts, and failed units
/// when a needless refresh met a slow STS). The first answer is fetched eagerly to surface
/// errors early.
struct AssumedRole {
    sts: aws_sdk_sts::Client,
    role_arn: String,
    role: RoleSpec,
    account: AccountId,
    retry: RetryPolicy,
    stats: Arc<CallStats>,
    rate: Arc<Rate>,
    current: Mutex<Option<Credentials>>,
}

impl std::fmt::Debug for AssumedRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssumedRole")
            .field("role_arn", &self.role_arn)
            .finish()
    }
}

impl AssumedRole {
    async fn assume(&self, slots: Option<&Semaphore>) -> Result<Credentials, AwsError> {
        let scope = Scope {
            account: self.account.as_str(),
            retry: &self.retry,
            stats: &self.stats,
            slots,
        };
        let out = call(&scope, "sts:AssumeRole", Some(&self.rate), || {
            self.sts
                .assume_role()
                .role_arn(&self.role_arn)
                .role_session_name(&self.role.session_name)
                .set_external_id(self.role.external_id.clone())
                .send()
        })
        .await
        .map_err(|mut e| {
            e.message = format!("assuming `{}`: {}", self.role_arn, e.message);
            e
        })?;
        let creds = out.credentials().ok_or_else(|| AwsError {
            kind: ErrorKind::Other,
            account: Some(self.account.to_string()),
            operation: "sts:AssumeRole".into(),
            code: "MalformedResponse".into(),
            message: "the response carried no credentials".into(),
        })?;
        let expiry = SystemTime::try_from(*creds.expiration()).ok();
        Ok(Credentials::new(
            creds.access_key_id(),
            creds.secret_access_key(),
            Some(creds.session_token().to_owned()),
            expiry,
            "canopy-assume-role",
        ))
    }
}

impl ProvideCredentials for AssumedRole {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            let fresh_enough = |c: &Credentials| {
                c.expiry().is_none_or(|at| {
                    at.duration_since(SystemTime::now())
                        .is_ok_and(|left| left > Duration::from_secs(300))
                })
            };
            // one refresh at a time: callers queue on the lock and reuse its answer
            let mut current = self.current.lock().await;
            if let Some(creds) = current.as_ref().filter(|c| fresh_enough(c)) {
                return Ok(creds.clone());
            }
            let fresh = self
                .assume(None)
                .await
                .map_err(CredentialsError::provider_error)?;
            *current = Some(fresh.clone());
            Ok(fresh)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_keeps_its_last_four_clients_by_region_and_type() {
        #[derive(Clone, Debug, PartialEq)]
        struct Ec2(u32);
        #[derive(Clone, Debug, PartialEq)]
        struct Rds(u32);
        let kept = Clients::default();
        kept.keep("us-east-1", &Ec2(1));
        kept.keep("us-east-1", &Rds(2));
        // by type and region: another type or region is another client
        assert_eq!(kept.take::<Ec2>("us-east-1"), Some(Ec2(1)));
        assert_eq!(kept.take::<Rds>("us-east-1"), Some(Rds(2)));
        assert_eq!(kept.take::<Ec2>("eu-west-1"), None);
        // the least recently used goes first: Ec2 in us-east-1 was used before Rds
        kept.keep("eu-west-1", &Ec2(3));
        kept.keep("eu-west-2", &Ec2(4));
        kept.keep("eu-west-3", &Ec2(5));
        assert_eq!(kept.take::<Ec2>("us-east-1"), None);
        assert_eq!(kept.take::<Rds>("us-east-1"), Some(Rds(2)));
        assert_eq!(kept.take::<Ec2>("eu-west-3"), Some(Ec2(5)));
    }

    #[test]
    fn role_arns_follow_the_partition_and_keep_paths() {
        let role = RoleSpec {
            name: "audit/reader".into(),
            external_id: Some("s3cr3t".into()),
            session_name: "canopy".into(),
        };
        let account: AccountId = "111122223333".parse().unwrap();
        assert_eq!(
            role.arn(&Partition::of_arn("arn:aws-cn:x").unwrap(), &account),
            "arn:aws-cn:iam::111122223333:role/audit/reader"
        );
        assert!(!format!("{role:?}").contains("s3cr3t"));
    }
}
