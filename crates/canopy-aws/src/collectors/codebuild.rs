//! CodeBuild projects: ListProjects, then BatchGetProjects 100 at a time. Plain-text
//! environment variables keep their names only (their values are often secrets); Parameter
//! Store and Secrets Manager ones keep their reference. A webhook's secret is never kept.

use aws_sdk_codebuild::Client;
use aws_sdk_codebuild::types::{EnvironmentVariableType, ProjectArtifacts, ProjectSource};
use canopy_model::inventory::{Batch, Cell};
use canopy_model::table::Column;
use serde_json::{Value, json};

use super::{Unit, json_cell, json_list, list_of, tags_of, tags_src, time, time_text};
use crate::error::AwsError;

/// What is read of one row of `aws_codebuild_project`.
struct Project {
    p: aws_sdk_codebuild::types::Project,
    environment: Option<Value>,
    logs: Option<Value>,
    webhook: Option<Value>,
    arn: String,
    name: String,
}

table! {
    PROJECTS: Project = Regional "aws_codebuild_project"
        ["codebuild:ListProjects", "codebuild:BatchGetProjects"],
        "CodeBuild projects: source, environment (secrets never kept), role, logging, VPC";
    C::text("name", "The project's name", |x, _| Cell::Text(x.name.clone())).required(),
    C::text("arn", "The project's ARN", |x, _| Cell::Text(x.arn.clone())),
    C::text("description", "Its description", |x, _| Cell::text(x.p.description())),
    C::int("concurrent_build_limit", "Builds it may run at once", |x, _| Cell::int(x.p.concurrent_build_limit())),
    C::time("created", "When it was created", |x, _| time(x.p.created())),
    C::time("last_modified", "When it was last changed", |x, _| time(x.p.last_modified())),
    C::text("encryption_key", "The KMS key its artifacts are encrypted with", |x, _| Cell::text(x.p.encryption_key())),
    C::text("public_project_alias", "Its public alias, when public", |x, _| Cell::text(x.p.public_project_alias())),
    C::text("resource_access_role", "The role public builds read logs and artifacts with", |x, _| Cell::text(x.p.resource_access_role())),
    C::int("queued_timeout_in_minutes", "Minutes a build may wait in the queue", |x, _| Cell::int(x.p.queued_timeout_in_minutes())),
    C::text("service_role", "The role its builds act with", |x, _| Cell::text(x.p.service_role())),
    C::text("source_version", "The source version it builds by default", |x, _| Cell::text(x.p.source_version())),
    C::int("timeout_in_minutes", "Minutes a build may run", |x, _| Cell::int(x.p.timeout_in_minutes())),
    C::json("artifacts", "{\"Type\", \"Location\", \"EncryptionDisabled\", ...}", |x, _| json_cell(x.p.artifacts().map(artifacts))),
    C::json(
    "badge",
    "{\"BadgeEnabled\", \"BadgeRequestUrl\"}",
    |x, _| {
        json_cell(x.p.badge().map(|b| {
            json!({
                "BadgeEnabled": b.badge_enabled(),
                "BadgeRequestUrl": b.badge_request_url(),
            })
        }))
    },
),
    C::json("build_batch_config", "Batch build options", |x, _| {
    json_cell(x.p.build_batch_config().map(|b| {
        json!({
            "BatchReportMode": b.batch_report_mode().map(|m| m.as_str()),
            "CombineArtifacts": b.combine_artifacts(),
            "ServiceRole": b.service_role(),
            "TimeoutInMins": b.timeout_in_mins(),
        })
    }))
}),
    C::json("cache", "{\"Type\", \"Location\", \"Modes\"}", |x, _| {
    json_cell(x.p.cache().map(|c| {
        json!({
            "Location": c.location(),
            "Modes": c.modes().iter().map(|m| m.as_str()).collect::<Vec<_>>(),
            "Type": c.r#type().as_str(),
        })
    }))
}),
    C::json("environment", "{\"Type\", \"Image\", \"ComputeType\", \"PrivilegedMode\", \"EnvironmentVariables\": [{\"Name\", \"Type\", \"Value\" (plain-text values never kept)}], ...}", |x, _| json_cell(x.environment.clone())),
    C::json(
    "file_system_locations",
    "EFS file systems it mounts",
    |x, _| {
        json_list(
            x.p.file_system_locations()
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
        )
    },
),
    C::json("logs_config", "{\"CloudWatchLogs\": {\"Status\", \"GroupName\", ...}, \"S3Logs\": {\"Status\", \"Location\", \"EncryptionDisabled\"}}", |x, _| json_cell(x.logs.clone())),
    C::text("project_visibility", "PUBLIC_READ or PRIVATE", |x, _| Cell::variant(x.p.project_visibility())),
    C::json("secondary_artifacts", "Its other artifacts", |x, _| list_of(x.p.secondary_artifacts(), artifacts)),
    C::json(
    "secondary_source_versions",
    "Its other sources' versions",
    |x, _| {
        json_list(
            x.p.secondary_source_versions()
                .iter()
                .map(|v| {
                    json!({
                        "SourceIdentifier": v.source_identifier(),
                        "SourceVersion": v.source_version(),
                    })
                })
                .collect(),
        )
    },
),
    C::json("secondary_sources", "Its other sources", |x, _| list_of(x.p.secondary_sources(), source)),
    C::json("source", "{\"Type\", \"Location\", \"GitCloneDepth\", \"Buildspec\", \"InsecureSsl\", \"ReportBuildStatus\", ...}", |x, _| json_cell(x.p.source().map(source))),
    C::json(
    "vpc_config",
    "{\"VpcId\", \"Subnets\", \"SecurityGroupIds\"}",
    |x, _| {
        json_cell(x.p.vpc_config().map(|v| {
            json!({
                "SecurityGroupIds": v.security_group_ids(),
                "Subnets": v.subnets(),
                "VpcId": v.vpc_id(),
            })
        }))
    },
),
    C::json("webhook", "Its webhook: {\"Url\", \"PayloadUrl\", \"BranchFilter\", \"BuildType\", ...} (its secret never kept)", |x, _| json_cell(x.webhook.clone())),
    C::common(Column::TAGS_SRC, |x, _| tags_src(x.p.tags().iter())),
    C::common(Column::TITLE, |x, _| Cell::Text(x.name.clone())),
    C::common(Column::TAGS, |x, _| tags_of(x.p.tags().iter())),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
}

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
    let client = unit.client(Client::new);
    let names = unit
        .list(
            "codebuild:ListProjects",
            |token| client.list_projects().set_next_token(token).send(),
            |out| out.next_token(),
            |out| out.projects.unwrap_or_default(),
        )
        .await?;
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
        for p in out.projects.unwrap_or_default() {
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
            rows.push(PROJECTS.row(
                &Project {
                    environment,
                    logs,
                    webhook,
                    arn,
                    name,
                    p,
                },
                unit.cx(),
            ));
        }
    }
    Ok(vec![PROJECTS.batch(rows)])
}

collectors! {
    projects: PROJECTS;
}
