//! Explicit retries: every AWS call goes through [`call`], which paces it, retries throttling and
//! transient failures with full-jitter exponential backoff, counts it, and turns the SDK's error
//! into an [`AwsError`]. Retry state lives with the caller (per account), never process-wide.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::Semaphore;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::error::{AwsError, ErrorKind, classify};
use crate::pace::Rate;

/// How often and how patiently to retry throttled or transient failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first one included (1 = no retry).
    pub max_attempts: u32,
    /// The backoff ceiling of the first retry; doubles each time up to `max_delay`.
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 10,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(20),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (1-based): uniformly random up to the capped
    /// exponential ceiling ("full jitter"), so many clients do not retry in lockstep.
    pub fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << retry.saturating_sub(1).min(16))
            .min(self.max_delay);
        let millis = ceiling.as_millis() as u64;
        Duration::from_millis(if millis == 0 {
            0
        } else {
            fastrand::u64(0..=millis)
        })
    }
}

/// Counts of calls made (attempts, retries included) and retries, by operation.
#[derive(Debug, Default)]
pub struct CallStats {
    inner: Mutex<BTreeMap<String, (u64, u64)>>,
}

impl CallStats {
    fn record(&self, operation: &str, retried: bool) {
        if let Ok(mut map) = self.inner.lock() {
            // the name is allocated once per operation, not once per call
            let entry = match map.get_mut(operation) {
                Some(entry) => entry,
                None => map.entry(operation.to_owned()).or_default(),
            };
            entry.0 += 1;
            if retried {
                entry.1 += 1;
            }
        }
    }

    /// `operation -> attempts` (first attempts and retries).
    pub fn calls(&self) -> BTreeMap<String, u64> {
        self.inner
            .lock()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.0)).collect())
            .unwrap_or_default()
    }

    /// How many attempts were retries.
    pub fn retries(&self) -> u64 {
        self.inner
            .lock()
            .map(|m| m.values().map(|v| v.1).sum())
            .unwrap_or_default()
    }

    /// All attempts.
    pub fn total(&self) -> u64 {
        self.calls().values().sum()
    }
}

/// Who is calling and under which limits: passed to every [`call`].
pub(crate) struct Scope<'a> {
    pub account: &'a str,
    pub retry: &'a RetryPolicy,
    pub stats: &'a CallStats,
    /// The process-wide cap on requests in flight, if any. A permit is held only while a
    /// request is on the wire: never while pacing or backing off.
    pub slots: Option<&'a Semaphore>,
}

/// Which failures a call may be sent again after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resend {
    /// A read, or a write whose repetition changes nothing (moving an account where it already
    /// is, setting the same tags): throttling and transient failures alike.
    Always,
    /// A write that would be done twice if repeated (CreateAccount has no idempotency token):
    /// only when AWS said it refused the request before acting on it — throttling, a concurrent
    /// modification, a conflicting operation in progress. A timeout, a broken connection or a
    /// 5xx leaves the outcome unknown: the error is returned, for the caller to look the result
    /// up before trying again.
    OnlyRefused,
}

/// Sends one request (built afresh by `send` for each attempt) with pacing and retries.
pub(crate) async fn call<T, E, Fut>(
    scope: &Scope<'_>,
    operation: &str,
    rate: Option<&Rate>,
    send: impl FnMut() -> Fut,
) -> Result<T, AwsError>
where
    Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    call_with(scope, operation, rate, Resend::Always, send).await
}

/// The codes with which AWS refuses a write without acting on it, asking for a retry:
/// throttling, Organizations' concurrent modification, and Identity Center's conflict (another
/// operation on the same account and permission set in progress; the identity store's
/// ConflictException means a uniqueness violation instead, which no retry mends).
fn refused_for_now(err: &AwsError) -> bool {
    err.kind == ErrorKind::Throttled
        || err.code == "ConcurrentModificationException"
        || (err.code == "ConflictException" && err.operation.starts_with("sso:"))
}

/// [`call`] with a choice of what may be sent again.
pub(crate) async fn call_with<T, E, Fut>(
    scope: &Scope<'_>,
    operation: &str,
    rate: Option<&Rate>,
    resend: Resend,
    mut send: impl FnMut() -> Fut,
) -> Result<T, AwsError>
where
    Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        if let Some(rate) = rate {
            rate.acquire().await;
        }
        let permit = match scope.slots {
            // a closed semaphore only means nobody limits any more
            Some(slots) => slots.acquire().await.ok(),
            None => None,
        };
        scope.stats.record(operation, attempt > 1);
        // the SDK's request future is large (its whole orchestration): boxed, it takes memory
        // only while the request is on the wire, instead of inside every queued call's state
        // (a unit joins several detail calls for each of several resources at once)
        let result = Box::pin(send()).await;
        drop(permit);
        let err = match result {
            Ok(out) => return Ok(out),
            Err(err) => to_aws_error(scope.account, operation, err),
        };
        let retryable = match resend {
            Resend::Always => {
                matches!(err.kind, ErrorKind::Throttled | ErrorKind::Transient)
                    || refused_for_now(&err)
            }
            Resend::OnlyRefused => refused_for_now(&err),
        };
        if !retryable || attempt >= scope.retry.max_attempts.max(1) {
            return Err(err);
        }
        let wait = scope.retry.backoff(attempt);
        tracing::debug!(
            account = scope.account,
            operation,
            attempt,
            code = %err.code,
            wait_ms = wait.as_millis() as u64,
            "retrying"
        );
        tokio::time::sleep(wait).await;
    }
}

pub(crate) fn to_aws_error<E>(
    account: &str,
    operation: &str,
    err: SdkError<E, HttpResponse>,
) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let (code, message, kind) = match &err {
        SdkError::ServiceError(ctx) => {
            let status = ctx.raw().status().as_u16();
            let code = ctx
                .err()
                .code()
                .map(str::to_owned)
                .unwrap_or_else(|| format!("HTTP {status}"));
            let message = ctx.err().message().unwrap_or_default().to_owned();
            let kind = classify(&code, Some(status));
            (code, message, kind)
        }
        SdkError::TimeoutError(_) => (
            "Timeout".to_owned(),
            DisplayErrorContext(&err).to_string(),
            ErrorKind::Transient,
        ),
        SdkError::ResponseError(_) => (
            "ResponseError".to_owned(),
            DisplayErrorContext(&err).to_string(),
            ErrorKind::Transient,
        ),
        SdkError::DispatchFailure(failure) => {
            let text = DisplayErrorContext(&err).to_string();
            let no_credentials = text.contains("credentials") || text.contains("identity");
            if no_credentials && !failure.is_io() && !failure.is_timeout() {
                ("NoCredentials".to_owned(), text, ErrorKind::NoCredentials)
            } else {
                ("ConnectionError".to_owned(), text, ErrorKind::Transient)
            }
        }
        _ => (
            "RequestError".to_owned(),
            DisplayErrorContext(&err).to_string(),
            ErrorKind::Other,
        ),
    };
    AwsError {
        kind,
        account: Some(account.to_owned()),
        operation: operation.to_owned(),
        code,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_capped_and_jittered() {
        let policy = RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(250),
        };
        for retry in 1..20 {
            assert!(policy.backoff(retry) <= Duration::from_millis(250));
        }
        assert!(policy.backoff(1) <= Duration::from_millis(100));
    }

    #[test]
    fn stats_count_attempts_and_retries() {
        let stats = CallStats::default();
        stats.record("organizations:ListRoots", false);
        stats.record("organizations:ListRoots", true);
        stats.record("sts:AssumeRole", false);
        assert_eq!(stats.total(), 3);
        assert_eq!(stats.retries(), 1);
        assert_eq!(stats.calls()["organizations:ListRoots"], 2);
    }
}
