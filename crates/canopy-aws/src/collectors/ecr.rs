//! ECR repositories: DescribeRepositories, the region's scanning configuration in batches of
//! 25 repositories, then per repository its policy, lifecycle policy and tags.

use std::collections::HashMap;

use aws_sdk_ecr::Client;
use canopy_model::inventory::{Batch, Cell};
use canopy_model::table::Column;
use serde_json::{Value, json};

use super::{Unit, json_cell, policy_cells, tags_of, tags_src, time};
use crate::error::AwsError;

/// What is read of one row of `aws_ecr_repository`.
struct Repository {
    /// The account's registry scanning configuration, for this repository.
    scanning: Option<Value>,
    r: aws_sdk_ecr::types::Repository,
    name: String,
    arn: String,
    policy: Cell,
    policy_std: Cell,
    lifecycle: Option<aws_sdk_ecr::operation::get_lifecycle_policy::GetLifecyclePolicyOutput>,
    lifecycle_policy: Option<Value>,
    tags: Option<aws_sdk_ecr::operation::list_tags_for_resource::ListTagsForResourceOutput>,
    encryption: Option<Value>,
    image_scanning: Option<Value>,
}

table! {
    REPOSITORIES: Repository = Regional "aws_ecr_repository"
        ["ecr:DescribeRepositories", "ecr:BatchGetRepositoryScanningConfiguration", "ecr:GetRepositoryPolicy", "ecr:GetLifecyclePolicy", "ecr:ListTagsForResource"],
        "ECR repositories, with their resource policy, lifecycle policy and scanning";
    C::text("repository_name", "The repository's name", |x, _| Cell::Text(x.name.clone())).required(),
    C::text("registry_id", "The registry (account) that holds it", |x, _| Cell::text(x.r.registry_id())),
    C::text("arn", "The repository's ARN", |x, _| Cell::Text(x.arn.clone())),
    C::text("repository_uri", "Its URI, for docker push and pull", |x, _| Cell::text(x.r.repository_uri())),
    C::time("created_at", "When it was created", |x, _| time(x.r.created_at())),
    C::text("image_tag_mutability", "MUTABLE or IMMUTABLE", |x, _| Cell::variant(x.r.image_tag_mutability())),
    C::time("last_evaluated_at", "When its lifecycle policy last ran", |x, _| time(x.lifecycle.as_ref().and_then(|l| l.last_evaluated_at()))),
    C::json("encryption_configuration", "Encryption: {\"EncryptionType\": AES256 | KMS, \"KmsKey\"}", |x, _| json_cell(x.encryption.clone())),
    C::json("repository_scanning_configuration", "Scanning: {\"ScanningConfigurations\": [{\"RepositoryArn\", \"RepositoryName\", \"ScanOnPush\", \"ScanFrequency\", \"AppliedScanFilters\"}], \"FailedRepositories\": [...]}", |x, _| json_cell(x.scanning.clone())),
    C::json("image_scanning_configuration", "Basic scanning: {\"ScanOnPush\"}", |x, _| json_cell(x.image_scanning.clone())),
    C::json("lifecycle_policy", "Its lifecycle policy, as JSON ({\"rules\": [...]})", |x, _| json_cell(x.lifecycle_policy.clone())),
    C::json("policy", "Its repository policy, as JSON", |x, _| x.policy.clone()),
    C::json("policy_std", "The repository policy in Steampipe's canonical form (lists sorted, actions and condition keys lower-cased)", |x, _| x.policy_std.clone()),
    C::common(Column::TAGS_SRC, |x, _| tags_src(x.tags.iter().flat_map(|o| o.tags()))),
    C::common(Column::TAGS, |x, _| tags_of(x.tags.iter().flat_map(|o| o.tags()))),
    C::common(Column::TITLE, |x, _| Cell::Text(x.name.clone())),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
}

/// Repositories per BatchGetRepositoryScanningConfiguration call (AWS's maximum).
const SCANNING_BATCH: usize = 25;

pub(super) async fn repositories(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.client(Client::new);
    let listed = unit
        .list(
            "ecr:DescribeRepositories",
            |token| {
                client
                    .describe_repositories()
                    .max_results(1000)
                    .set_next_token(token)
                    .send()
            },
            |out| out.next_token(),
            |out| out.repositories.unwrap_or_default(),
        )
        .await?;
    // the scanning configuration of up to 25 repositories per call, by repository name
    let mut scanning: HashMap<String, Value> = HashMap::new();
    let names: Vec<String> = listed
        .iter()
        .filter_map(|r| r.repository_name().map(str::to_owned))
        .collect();
    for chunk in names.chunks(SCANNING_BATCH) {
        let out = unit
            .call("ecr:BatchGetRepositoryScanningConfiguration", || {
                client
                    .batch_get_repository_scanning_configuration()
                    .set_repository_names(Some(chunk.to_vec()))
                    .send()
            })
            .await?;
        for c in out.scanning_configurations() {
            let Some(name) = c.repository_name() else {
                continue;
            };
            let filters: Vec<Value> = c
                .applied_scan_filters()
                .iter()
                .map(|f| json!({"Filter": f.filter(), "FilterType": f.filter_type().as_str()}))
                .collect();
            let failed: Vec<Value> = out
                .failures()
                .iter()
                .filter(|f| f.repository_name() == Some(name))
                .map(|f| {
                    json!({
                        "FailureCode": f.failure_code().map(|c| c.as_str()),
                        "FailureReason": f.failure_reason(),
                        "RepositoryName": f.repository_name(),
                    })
                })
                .collect();
            scanning.insert(
                name.to_owned(),
                json!({
                    "FailedRepositories": failed,
                    "ScanningConfigurations": [{
                        "AppliedScanFilters": filters,
                        "RepositoryArn": c.repository_arn(),
                        "RepositoryName": name,
                        "ScanFrequency": c.scan_frequency().map(|f| f.as_str()),
                        "ScanOnPush": c.scan_on_push(),
                    }],
                }),
            );
        }
    }
    let absent_policy: &[&str] = &[
        "RepositoryPolicyNotFoundException",
        "RepositoryNotFoundException",
    ];
    let absent_lifecycle: &[&str] = &[
        "LifecyclePolicyNotFoundException",
        "RepositoryNotFoundException",
    ];
    let absent_tags: &[&str] = &["RepositoryNotFoundException"];
    let scanning = &scanning;
    REPOSITORIES
        .each_listed(unit, listed, |r| {
            let client = &client;
            async move {
                let name = r.repository_name().unwrap_or_default().to_owned();
                let arn = r.repository_arn().unwrap_or_default().to_owned();
                let (policy, lifecycle, tags) = tokio::join!(
                    unit.detail(
                        unit.region,
                        "ecr:GetRepositoryPolicy",
                        &name,
                        absent_policy,
                        || client.get_repository_policy().repository_name(&name).send()
                    ),
                    unit.detail(
                        unit.region,
                        "ecr:GetLifecyclePolicy",
                        &name,
                        absent_lifecycle,
                        || client.get_lifecycle_policy().repository_name(&name).send()
                    ),
                    unit.detail(
                        unit.region,
                        "ecr:ListTagsForResource",
                        &name,
                        absent_tags,
                        || client.list_tags_for_resource().resource_arn(&arn).send()
                    ),
                );
                let (policy, policy_std) =
                    policy_cells(policy.found().as_ref().and_then(|p| p.policy_text()));
                let lifecycle = lifecycle.found();
                let lifecycle_policy = lifecycle
                    .as_ref()
                    .and_then(|l| l.lifecycle_policy_text())
                    .and_then(|t| serde_json::from_str::<Value>(t).ok());
                let tags = tags.found();
                let encryption = r.encryption_configuration().map(
                |e| json!({"EncryptionType": e.encryption_type().as_str(), "KmsKey": e.kms_key()}),
            );
                let image_scanning = r
                    .image_scanning_configuration()
                    .map(|c| json!({"ScanOnPush": c.scan_on_push()}));
                Repository {
                    scanning: scanning.get(&name).cloned(),
                    r,
                    name,
                    arn,
                    policy,
                    policy_std,
                    lifecycle,
                    lifecycle_policy,
                    tags,
                    encryption,
                    image_scanning,
                }
            }
        })
        .await
}

collectors! {
    repositories: REPOSITORIES;
}
