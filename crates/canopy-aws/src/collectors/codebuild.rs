//! CodeBuild projects: ListProjects, then BatchGetProjects 100 at a time. Plain-text
//! environment variables keep their names only (their values are often secrets); Parameter
//! Store and Secrets Manager ones keep their reference. A webhook's secret is never kept.

use aws_sdk_codebuild::Client;
use aws_sdk_codebuild::types::{EnvironmentVariableType, ProjectArtifacts, ProjectSource};
use canopy_model::inventory::{Batch, Cell, Row};
use canopy_model::table::{Column, Scope, TableDef};
use serde_json::{Value, json};

use super::{Unit, batch, json_cell, json_list, list_of, tags_of, tags_src, time, time_text};
use crate::error::AwsError;

pub(super) const PROJECTS: TableDef = TableDef {
    name: "aws_codebuild_project",
    scope: Scope::Regional,
    description: "CodeBuild projects: source, environment (secrets never kept), role, logging, VPC",
    columns: &[
        Column::text("name", "The project's name").required(),
        Column::text("arn", "The project's ARN"),
        Column::text("description", "Its description"),
        Column::int("concurrent_build_limit", "Builds it may run at once"),
        Column::time("created", "When it was created"),
        Column::time("last_modified", "When it was last changed"),
        Column::text(
            "encryption_key",
            "The KMS key its artifacts are encrypted with",
        ),
        Column::text("public_project_alias", "Its public alias, when public"),
        Column::text(
            "resource_access_role",
            "The role public builds read logs and artifacts with",
        ),
        Column::int(
            "queued_timeout_in_minutes",
            "Minutes a build may wait in the queue",
        ),
        Column::text("service_role", "The role its builds act with"),
        Column::text("source_version", "The source version it builds by default"),
        Column::int("timeout_in_minutes", "Minutes a build may run"),
        Column::json(
            "artifacts",
            "{\"Type\", \"Location\", \"EncryptionDisabled\", ...}",
        ),
        Column::json("badge", "{\"BadgeEnabled\", \"BadgeRequestUrl\"}"),
        Column::json("build_batch_config", "Batch build options"),
        Column::json("cache", "{\"Type\", \"Location\", \"Modes\"}"),
        Column::json(
            "environment",
            "{\"Type\", \"Image\", \"ComputeType\", \"PrivilegedMode\", \"EnvironmentVariables\": [{\"Name\", \"Type\", \"Value\" (plain-text values never kept)}], ...}",
        ),
        Column::json("file_system_locations", "EFS file systems it mounts"),
        Column::json(
            "logs_config",
            "{\"CloudWatchLogs\": {\"Status\", \"GroupName\", ...}, \"S3Logs\": {\"Status\", \"Location\", \"EncryptionDisabled\"}}",
        ),
        Column::text("project_visibility", "PUBLIC_READ or PRIVATE"),
        Column::json("secondary_artifacts", "Its other artifacts"),
        Column::json("secondary_source_versions", "Its other sources' versions"),
        Column::json("secondary_sources", "Its other sources"),
        Column::json(
            "source",
            "{\"Type\", \"Location\", \"GitCloneDepth\", \"Buildspec\", \"InsecureSsl\", \"ReportBuildStatus\", ...}",
        ),
        Column::json(
            "vpc_config",
            "{\"VpcId\", \"Subnets\", \"SecurityGroupIds\"}",
        ),
        Column::json(
            "webhook",
            "Its webhook: {\"Url\", \"PayloadUrl\", \"BranchFilter\", \"BuildType\", ...} (its secret never kept)",
        ),
        Column::TAGS_SRC,
        Column::TITLE,
        Column::TAGS,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &["codebuild:ListProjects", "codebuild:BatchGetProjects"],
    filled_by: "collect",
};

/// Projects per BatchGetProjects call (AWS's maximum).
const PROJECTS_PER_CALL: usize = 100;

fn source(s: &ProjectSource) -> Value {
    json!({
        "Buildspec": s.buildspec(),
        "GitCloneDepth": s.git_clone_depth(),
        "GitSubmodulesConfig": s.git_submodules_config().map(|g| json!({"FetchSubmodules": g.fetch_submodules()})),
        "InsecureSsl": s.insecure_ssl(),
        "Location": s.location(),
        "ReportBuildStatus": s.report_build_status(),
        "SourceIdentifier": s.source_identifier(),
        "Type": s.r#type().as_str(),
    })
}

fn artifacts(a: &ProjectArtifacts) -> Value {
    json!({
        "ArtifactIdentifier": a.artifact_identifier(),
        "BucketOwnerAccess": a.bucket_owner_access().map(|b| b.as_str()),
        "EncryptionDisabled": a.encryption_disabled(),
        "Location": a.location(),
        "Name": a.name(),
        "NamespaceType": a.namespace_type().map(|n| n.as_str()),
        "OverrideArtifactName": a.override_artifact_name(),
        "Packaging": a.packaging().map(|p| p.as_str()),
        "Path": a.path(),
        "Type": a.r#type().as_str(),
    })
}

pub(super) async fn projects(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.session.client(unit.region, Client::new);
    let mut names = Vec::new();
    unit.paginate(
        "codebuild:ListProjects",
        |token| client.list_projects().set_next_token(token).send(),
        |out| out.next_token(),
        |out| names.extend(out.projects().iter().cloned()),
    )
    .await?;
    let partition = unit.partition();
    let mut rows = Vec::new();
    for chunk in names.chunks(PROJECTS_PER_CALL) {
        let out = unit
            .call("codebuild:BatchGetProjects", || {
                client
                    .batch_get_projects()
                    .set_names(Some(chunk.to_vec()))
                    .send()
            })
            .await?;
        for p in out.projects() {
            let pairs = || p.tags().iter().map(|t| (t.key(), t.value()));
            let environment = p.environment().map(|e| {
                json!({
                    "Certificate": e.certificate(),
                    "ComputeType": e.compute_type().as_str(),
                    "EnvironmentVariables": e.environment_variables().iter().map(|v| {
                        let reference = matches!(
                            v.r#type(),
                            Some(EnvironmentVariableType::ParameterStore | EnvironmentVariableType::SecretsManager)
                        );
                        json!({
                            "Name": v.name(),
                            "Type": v.r#type().map(|t| t.as_str()),
                            "Value": reference.then(|| v.value()),
                        })
                    }).collect::<Vec<_>>(),
                    "Image": e.image(),
                    "ImagePullCredentialsType": e.image_pull_credentials_type().map(|t| t.as_str()),
                    "PrivilegedMode": e.privileged_mode(),
                    "RegistryCredential": e.registry_credential().map(|r| json!({
                        "Credential": r.credential(),
                        "CredentialProvider": r.credential_provider().as_str(),
                    })),
                    "Type": e.r#type().as_str(),
                })
            });
            let logs = p.logs_config().map(|l| {
                json!({
                    "CloudWatchLogs": l.cloud_watch_logs().map(|c| json!({
                        "GroupName": c.group_name(),
                        "Status": c.status().as_str(),
                        "StreamName": c.stream_name(),
                    })),
                    "S3Logs": l.s3_logs().map(|s| json!({
                        "BucketOwnerAccess": s.bucket_owner_access().map(|b| b.as_str()),
                        "EncryptionDisabled": s.encryption_disabled(),
                        "Location": s.location(),
                        "Status": s.status().as_str(),
                    })),
                })
            });
            let webhook = p.webhook().map(|w| {
                json!({
                    "BranchFilter": w.branch_filter(),
                    "BuildType": w.build_type().map(|b| b.as_str()),
                    "FilterGroups": w.filter_groups().iter().map(|g| g.iter().map(|f| json!({
                        "ExcludeMatchedPattern": f.exclude_matched_pattern(),
                        "Pattern": f.pattern(),
                        "Type": f.r#type().as_str(),
                    })).collect::<Vec<_>>()).collect::<Vec<_>>(),
                    "LastModifiedSecret": time_text(w.last_modified_secret()),
                    "ManualCreation": w.manual_creation(),
                    "PayloadUrl": w.payload_url(),
                    "Url": w.url(),
                })
            });
            let arn = p.arn().unwrap_or_default().to_owned();
            let name = p.name().unwrap_or_default().to_owned();
            rows.push(
                Row::default()
                    .with("name", Cell::Text(name.clone()))
                    .with("arn", Cell::Text(arn.clone()))
                    .with("description", Cell::text(p.description()))
                    .with(
                        "concurrent_build_limit",
                        Cell::int(p.concurrent_build_limit()),
                    )
                    .with("created", time(p.created()))
                    .with("last_modified", time(p.last_modified()))
                    .with("encryption_key", Cell::text(p.encryption_key()))
                    .with("public_project_alias", Cell::text(p.public_project_alias()))
                    .with("resource_access_role", Cell::text(p.resource_access_role()))
                    .with(
                        "queued_timeout_in_minutes",
                        Cell::int(p.queued_timeout_in_minutes()),
                    )
                    .with("service_role", Cell::text(p.service_role()))
                    .with("source_version", Cell::text(p.source_version()))
                    .with("timeout_in_minutes", Cell::int(p.timeout_in_minutes()))
                    .with("artifacts", json_cell(p.artifacts().map(artifacts)))
                    .with(
                        "badge",
                        json_cell(p.badge().map(|b| {
                            json!({
                                "BadgeEnabled": b.badge_enabled(),
                                "BadgeRequestUrl": b.badge_request_url(),
                            })
                        })),
                    )
                    .with(
                        "build_batch_config",
                        json_cell(p.build_batch_config().map(|b| {
                            json!({
                                "BatchReportMode": b.batch_report_mode().map(|m| m.as_str()),
                                "CombineArtifacts": b.combine_artifacts(),
                                "ServiceRole": b.service_role(),
                                "TimeoutInMins": b.timeout_in_mins(),
                            })
                        })),
                    )
                    .with(
                        "cache",
                        json_cell(p.cache().map(|c| {
                            json!({
                                "Location": c.location(),
                                "Modes": c.modes().iter().map(|m| m.as_str()).collect::<Vec<_>>(),
                                "Type": c.r#type().as_str(),
                            })
                        })),
                    )
                    .with("environment", json_cell(environment))
                    .with(
                        "file_system_locations",
                        json_list(
                            p.file_system_locations()
                                .iter()
                                .map(|f| {
                                    json!({
                                        "Identifier": f.identifier(),
                                        "Location": f.location(),
                                        "MountOptions": f.mount_options(),
                                        "MountPoint": f.mount_point(),
                                        "Type": f.r#type().map(|t| t.as_str()),
                                    })
                                })
                                .collect(),
                        ),
                    )
                    .with("logs_config", json_cell(logs))
                    .with(
                        "project_visibility",
                        Cell::text(p.project_visibility().map(|v| v.as_str())),
                    )
                    .with(
                        "secondary_artifacts",
                        list_of(p.secondary_artifacts(), artifacts),
                    )
                    .with(
                        "secondary_source_versions",
                        json_list(
                            p.secondary_source_versions()
                                .iter()
                                .map(|v| {
                                    json!({
                                        "SourceIdentifier": v.source_identifier(),
                                        "SourceVersion": v.source_version(),
                                    })
                                })
                                .collect(),
                        ),
                    )
                    .with("secondary_sources", list_of(p.secondary_sources(), source))
                    .with("source", json_cell(p.source().map(source)))
                    .with(
                        "vpc_config",
                        json_cell(p.vpc_config().map(|v| {
                            json!({
                                "SecurityGroupIds": v.security_group_ids(),
                                "Subnets": v.subnets(),
                                "VpcId": v.vpc_id(),
                            })
                        })),
                    )
                    .with("webhook", json_cell(webhook))
                    .with("tags_src", tags_src(pairs()))
                    .with("title", Cell::Text(name))
                    .with("tags", tags_of(pairs()))
                    .with("akas", Cell::json(json!([arn])))
                    .with("partition", partition.clone()),
            );
        }
    }
    Ok(vec![batch(&PROJECTS, rows)])
}
