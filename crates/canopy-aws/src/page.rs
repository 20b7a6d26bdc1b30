//! The one pager: every listing call, in discovery and in every collector, pages through here,
//! whether the API pages with a `NextToken` or with IAM's `Marker` + `IsTruncated`. Each page is
//! a [`call`]: paced, retried and counted.

use std::future::Future;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::error::AwsError;
use crate::pace::Rate;
use crate::retry::{Scope, call};

/// Sends `send(token)` page after page until `next` finds no token in a page, handing each page
/// to `page` as it comes. An empty token ends the listing too.
pub(crate) async fn paginate<T, E, Fut>(
    scope: &Scope<'_>,
    operation: &str,
    rate: Option<&Rate>,
    mut send: impl FnMut(Option<String>) -> Fut,
    next: impl Fn(&T) -> Option<&str>,
    mut page: impl FnMut(T),
) -> Result<(), AwsError>
where
    Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let mut token: Option<String> = None;
    loop {
        let out = call(scope, operation, rate, || send(token.clone())).await?;
        token = next(&out).filter(|t| !t.is_empty()).map(str::to_owned);
        page(out);
        if token.is_none() {
            return Ok(());
        }
    }
}

/// Every item of every page, in order.
pub(crate) async fn collect_pages<T, I, E, Fut>(
    scope: &Scope<'_>,
    operation: &str,
    rate: Option<&Rate>,
    send: impl FnMut(Option<String>) -> Fut,
    next: impl Fn(&T) -> Option<&str>,
    items: impl Fn(T) -> Vec<I>,
) -> Result<Vec<I>, AwsError>
where
    Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let mut all = Vec::new();
    paginate(scope, operation, rate, send, next, |page| {
        all.extend(items(page));
    })
    .await?;
    Ok(all)
}
