//! ECR repositories: DescribeRepositories, the region's scanning configuration in batches of
//! 25 repositories, then per repository its policy, lifecycle policy and tags.

use std::collections::HashMap;

use aws_sdk_ecr::Client;
use canopy_model::inventory::{Batch, Cell, Row};
use canopy_model::table::{Column, Scope, TableDef};
use serde_json::{Value, json};

use super::{Unit, batch, json_cell, policy_cells, tags_of, tags_src, time};
use crate::error::AwsError;

pub(super) const REPOSITORIES: TableDef = TableDef {
    name: "aws_ecr_repository",
    scope: Scope::Regional,
    description: "ECR repositories, with their resource policy, lifecycle policy and scanning",
    columns: &[
        Column::text("repository_name", "The repository's name").required(),
        Column::text("registry_id", "The registry (account) that holds it"),
        Column::text("arn", "The repository's ARN"),
        Column::text("repository_uri", "Its URI, for docker push and pull"),
        Column::time("created_at", "When it was created"),
        Column::text("image_tag_mutability", "MUTABLE or IMMUTABLE"),
        Column::time("last_evaluated_at", "When its lifecycle policy last ran"),
        Column::json(
            "encryption_configuration",
            "Encryption: {\"EncryptionType\": AES256 | KMS, \"KmsKey\"}",
        ),
        Column::json(
            "repository_scanning_configuration",
            "Scanning: {\"ScanningConfigurations\": [{\"RepositoryArn\", \"RepositoryName\", \"ScanOnPush\", \"ScanFrequency\", \"AppliedScanFilters\"}], \"FailedRepositories\": [...]}",
        ),
        Column::json(
            "image_scanning_configuration",
            "Basic scanning: {\"ScanOnPush\"}",
        ),
        Column::json(
            "lifecycle_policy",
            "Its lifecycle policy, as JSON ({\"rules\": [...]})",
        ),
        Column::json("policy", "Its repository policy, as JSON"),
        Column::json(
            "policy_std",
            "The repository policy in Steampipe's canonical form (lists sorted, actions and condition keys lower-cased)",
        ),
        Column::TAGS_SRC,
        Column::TAGS,
        Column::TITLE,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &[
        "ecr:DescribeRepositories",
        "ecr:BatchGetRepositoryScanningConfiguration",
        "ecr:GetRepositoryPolicy",
        "ecr:GetLifecyclePolicy",
        "ecr:ListTagsForResource",
    ],
    filled_by: "collect",
};

/// Repositories per BatchGetRepositoryScanningConfiguration call (AWS's maximum).
const SCANNING_BATCH: usize = 25;

pub(super) async fn repositories(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.session.client(unit.region, Client::new);
    let mut listed = Vec::new();
    unit.paginate(
        "ecr:DescribeRepositories",
        |token| {
            client
                .describe_repositories()
                .max_results(1000)
                .set_next_token(token)
                .send()
        },
        |out| out.next_token(),
        |out| listed.extend(out.repositories().iter().cloned()),
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
    let partition = unit.partition();
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
    let rows = super::for_each_listed(listed, |r| {
        let client = &client;
        let partition = &partition;
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
            let pairs = || {
                tags.iter()
                    .flat_map(|o| o.tags())
                    .map(|t| (Some(t.key()), Some(t.value())))
            };
            let encryption = r.encryption_configuration().map(
                |e| json!({"EncryptionType": e.encryption_type().as_str(), "KmsKey": e.kms_key()}),
            );
            let image_scanning = r
                .image_scanning_configuration()
                .map(|c| json!({"ScanOnPush": c.scan_on_push()}));
            Row::default()
                .with("repository_name", Cell::Text(name.clone()))
                .with("registry_id", Cell::text(r.registry_id()))
                .with("arn", Cell::Text(arn.clone()))
                .with("repository_uri", Cell::text(r.repository_uri()))
                .with("created_at", time(r.created_at()))
                .with(
                    "image_tag_mutability",
                    Cell::text(r.image_tag_mutability().map(|m| m.as_str())),
                )
                .with(
                    "last_evaluated_at",
                    time(lifecycle.as_ref().and_then(|l| l.last_evaluated_at())),
                )
                .with("encryption_configuration", json_cell(encryption))
                .with(
                    "repository_scanning_configuration",
                    json_cell(scanning.get(&name).cloned()),
                )
                .with("image_scanning_configuration", json_cell(image_scanning))
                .with("lifecycle_policy", json_cell(lifecycle_policy))
                .with("policy", policy)
                .with("policy_std", policy_std)
                .with("tags_src", tags_src(pairs()))
                .with("tags", tags_of(pairs()))
                .with("title", Cell::Text(name))
                .with("akas", Cell::json(json!([arn])))
                .with("partition", partition.clone())
        }
    })
    .await;
    Ok(vec![batch(&REPOSITORIES, rows)])
}
