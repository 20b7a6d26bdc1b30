//! Lambda functions: ListFunctions (the configuration of each), then per function GetFunction
//! (tags, reserved concurrency, where its code comes from), its resource policy and its
//! function URL. Secrets stay out of the store: environment variables keep their names with
//! null values, and GetFunction's presigned code download URL is dropped.

use aws_sdk_lambda::Client;
use aws_sdk_lambda::types::FunctionConfiguration;
use canopy_model::inventory::{Batch, Cell, Row};
use canopy_model::table::{Column, Scope, TableDef};
use serde_json::{Map, Value, json};

use super::{Unit, batch, json_cell, policy_cells, tags_of};
use crate::error::AwsError;

pub(super) const FUNCTIONS: TableDef = TableDef {
    name: "aws_lambda_function",
    scope: Scope::Regional,
    description: "Lambda functions, with their resource policy, function URL, runtime and network (environment variable values are not stored)",
    columns: &[
        Column::text("name", "The function's name").required(),
        Column::text("arn", "The function's ARN"),
        Column::text("code_sha_256", "The SHA-256 of its deployment package"),
        Column::int("code_size", "Its deployment package's size, in bytes"),
        Column::text("dead_letter_config_target_arn", "Where failed events go"),
        Column::text("description", "The description"),
        Column::text("handler", "The handler"),
        Column::text("kms_key_arn", "The KMS key that encrypts its environment"),
        Column::time("last_modified", "When it was last changed"),
        Column::text("timeout", "Its timeout, in seconds"),
        Column::text("version", "The version"),
        Column::text("package_type", "Zip or Image"),
        Column::text("master_arn", "The main function, for a Lambda@Edge replica"),
        Column::int("memory_size", "Memory, in MB"),
        Column::text("revision_id", "The revision"),
        Column::text("role", "The execution role"),
        Column::text("runtime", "The runtime (python3.12, nodejs20.x, ...)"),
        Column::text("state", "Pending, Active, Inactive or Failed"),
        Column::text("state_reason", "Why it is in that state"),
        Column::text("state_reason_code", "The state reason's code"),
        Column::text("last_update_status", "Successful, Failed or InProgress"),
        Column::text("last_update_status_reason", "Why the last update ended so"),
        Column::text(
            "last_update_status_reason_code",
            "The last update status reason's code",
        ),
        Column::int(
            "reserved_concurrent_executions",
            "Reserved concurrency (GetFunction); null when none is reserved",
        ),
        Column::text("vpc_id", "The VPC it runs in"),
        Column::json("architectures", "x86_64 and/or arm64"),
        Column::json(
            "code",
            "Where its code comes from: {\"RepositoryType\", \"ImageUri\", \"ResolvedImageUri\"} (the presigned download URL is not stored)",
        ),
        Column::json(
            "environment_variables",
            "Environment variable names, each with a null value (values often hold secrets)",
        ),
        Column::json("file_system_configs", "EFS file systems it mounts"),
        Column::json("ephemeral_storage", "/tmp size: {\"Size\"}"),
        Column::json("policy", "Its resource policy, as JSON"),
        Column::json(
            "policy_std",
            "The resource policy in Steampipe's canonical form (lists sorted, actions and condition keys lower-cased)",
        ),
        Column::json("tracing_config", "X-Ray tracing: {\"Mode\"}"),
        Column::json(
            "snap_start",
            "SnapStart: {\"ApplyOn\", \"OptimizationStatus\"}",
        ),
        Column::json(
            "url_config",
            "Its function URL: {\"FunctionUrl\", \"AuthType\", \"Cors\", ...}; null without one",
        ),
        Column::json(
            "logging_config",
            "Logging: {\"LogFormat\", \"LogGroup\", ...}",
        ),
        Column::json("vpc_security_group_ids", "Security groups, in a VPC"),
        Column::json("vpc_subnet_ids", "Subnets, in a VPC"),
        Column::TITLE,
        Column::TAGS,
        Column::AKAS,
        Column::json("layers", "Layers: [{\"Arn\", \"CodeSize\"}]"),
        Column::PARTITION,
    ],
    actions: &[
        "lambda:ListFunctions",
        "lambda:GetFunction",
        "lambda:GetPolicy",
        "lambda:GetFunctionUrlConfig",
    ],
    filled_by: "collect",
};

pub(super) async fn functions(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.session.client(unit.region, Client::new);
    let mut listed: Vec<FunctionConfiguration> = Vec::new();
    unit.paginate(
        "lambda:ListFunctions",
        |marker| {
            client
                .list_functions()
                .max_items(50)
                .set_marker(marker)
                .send()
        },
        |out| out.next_marker(),
        |out| listed.extend(out.functions().iter().cloned()),
    )
    .await?;
    let partition = unit.partition();
    let absent: &[&str] = &["ResourceNotFoundException"];
    let rows = super::for_each_listed(listed, |f| {
        let client = &client;
        let partition = &partition;
        async move {
            let name = f.function_name().unwrap_or_default().to_owned();
            let arn = f.function_arn().unwrap_or_default().to_owned();
            let region = unit.region;
            let (function, policy, url) = tokio::join!(
                unit.detail(region, "lambda:GetFunction", &arn, absent, || {
                    client.get_function().function_name(&name).send()
                }),
                unit.detail(region, "lambda:GetPolicy", &arn, absent, || {
                    client.get_policy().function_name(&name).send()
                }),
                unit.detail(region, "lambda:GetFunctionUrlConfig", &arn, absent, || {
                    client.get_function_url_config().function_name(&name).send()
                }),
            );
            let function = function.found();
            let (policy, policy_std) =
                policy_cells(policy.found().as_ref().and_then(|o| o.policy()));
            let url = url.found().map(|u| {
                json!({
                    "AuthType": u.auth_type().as_str(),
                    "Cors": u.cors().map(|c| json!({
                        "AllowCredentials": c.allow_credentials(),
                        "AllowHeaders": c.allow_headers(),
                        "AllowMethods": c.allow_methods(),
                        "AllowOrigins": c.allow_origins(),
                        "ExposeHeaders": c.expose_headers(),
                        "MaxAge": c.max_age(),
                    })),
                    "CreationTime": u.creation_time(),
                    "FunctionArn": u.function_arn(),
                    "FunctionUrl": u.function_url(),
                    "InvokeMode": u.invoke_mode().map(|m| m.as_str()),
                    "LastModifiedTime": u.last_modified_time(),
                })
            });
            let tags: Vec<(String, String)> = function
                .as_ref()
                .and_then(|o| o.tags())
                .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default();
            let code = function.as_ref().and_then(|o| o.code()).map(|c| {
                json!({
                    "ImageUri": c.image_uri(),
                    "RepositoryType": c.repository_type(),
                    "ResolvedImageUri": c.resolved_image_uri(),
                })
            });
            let concurrency = function
                .as_ref()
                .and_then(|o| o.concurrency())
                .and_then(|c| c.reserved_concurrent_executions());
            // names only: values often hold secrets
            let environment = f.environment().and_then(|e| e.variables()).map(|vars| {
                Value::Object(
                    vars.keys()
                        .map(|k| (k.clone(), Value::Null))
                        .collect::<Map<String, Value>>(),
                )
            });
            let vpc = f.vpc_config();
            let last_modified = f
                .last_modified()
                .and_then(canopy_model::parse_time)
                .map_or(Cell::text(f.last_modified()), |t| {
                    Cell::Text(canopy_model::format_time(t))
                });
            Row::default()
                .with("name", Cell::Text(name.clone()))
                .with("arn", Cell::Text(arn.clone()))
                .with("code_sha_256", Cell::text(f.code_sha256()))
                .with("code_size", Cell::int(Some(f.code_size())))
                .with(
                    "dead_letter_config_target_arn",
                    Cell::text(f.dead_letter_config().and_then(|d| d.target_arn())),
                )
                .with("description", Cell::text(f.description()))
                .with("handler", Cell::text(f.handler()))
                .with("kms_key_arn", Cell::text(f.kms_key_arn()))
                .with("last_modified", last_modified)
                .with(
                    "timeout",
                    Cell::text(f.timeout().map(|t| t.to_string()).as_deref()),
                )
                .with("version", Cell::text(f.version()))
                .with(
                    "package_type",
                    Cell::text(f.package_type().map(|p| p.as_str())),
                )
                .with("master_arn", Cell::text(f.master_arn()))
                .with("memory_size", Cell::int(f.memory_size()))
                .with("revision_id", Cell::text(f.revision_id()))
                .with("role", Cell::text(f.role()))
                .with("runtime", Cell::text(f.runtime().map(|r| r.as_str())))
                .with("state", Cell::text(f.state().map(|s| s.as_str())))
                .with("state_reason", Cell::text(f.state_reason()))
                .with(
                    "state_reason_code",
                    Cell::text(f.state_reason_code().map(|s| s.as_str())),
                )
                .with(
                    "last_update_status",
                    Cell::text(f.last_update_status().map(|s| s.as_str())),
                )
                .with(
                    "last_update_status_reason",
                    Cell::text(f.last_update_status_reason()),
                )
                .with(
                    "last_update_status_reason_code",
                    Cell::text(f.last_update_status_reason_code().map(|s| s.as_str())),
                )
                .with("reserved_concurrent_executions", Cell::int(concurrency))
                .with(
                    "vpc_id",
                    Cell::text(vpc.and_then(|v| v.vpc_id()).filter(|v| !v.is_empty())),
                )
                .with(
                    "architectures",
                    Cell::json(json!(
                        f.architectures()
                            .iter()
                            .map(|a| a.as_str())
                            .collect::<Vec<_>>()
                    )),
                )
                .with("code", json_cell(code))
                .with("environment_variables", json_cell(environment))
                .with(
                    "file_system_configs",
                    Cell::json(Value::Array(
                        f.file_system_configs()
                            .iter()
                            .map(
                                |c| json!({"Arn": c.arn(), "LocalMountPath": c.local_mount_path()}),
                            )
                            .collect(),
                    )),
                )
                .with(
                    "ephemeral_storage",
                    json_cell(f.ephemeral_storage().map(|e| json!({"Size": e.size()}))),
                )
                .with("policy", policy)
                .with("policy_std", policy_std)
                .with(
                    "tracing_config",
                    json_cell(
                        f.tracing_config()
                            .map(|t| json!({"Mode": t.mode().map(|m| m.as_str())})),
                    ),
                )
                .with(
                    "snap_start",
                    json_cell(f.snap_start().map(|s| {
                        json!({
                            "ApplyOn": s.apply_on().map(|a| a.as_str()),
                            "OptimizationStatus": s.optimization_status().map(|o| o.as_str()),
                        })
                    })),
                )
                .with("url_config", json_cell(url))
                .with(
                    "logging_config",
                    json_cell(f.logging_config().map(|l| {
                        json!({
                            "ApplicationLogLevel": l.application_log_level().map(|v| v.as_str()),
                            "LogFormat": l.log_format().map(|v| v.as_str()),
                            "LogGroup": l.log_group(),
                            "SystemLogLevel": l.system_log_level().map(|v| v.as_str()),
                        })
                    })),
                )
                .with(
                    "vpc_security_group_ids",
                    json_cell(vpc.map(|v| json!(v.security_group_ids()))),
                )
                .with(
                    "vpc_subnet_ids",
                    json_cell(vpc.map(|v| json!(v.subnet_ids()))),
                )
                .with("title", Cell::Text(name.clone()))
                .with(
                    "tags",
                    tags_of(
                        tags.iter()
                            .map(|(k, v)| (Some(k.as_str()), Some(v.as_str()))),
                    ),
                )
                .with("akas", Cell::json(json!([arn])))
                .with(
                    "layers",
                    Cell::json(Value::Array(
                        f.layers()
                            .iter()
                            .map(|l| json!({"Arn": l.arn(), "CodeSize": l.code_size()}))
                            .collect(),
                    )),
                )
                .with("partition", partition.clone())
        }
    })
    .await;
    Ok(vec![batch(&FUNCTIONS, rows)])
}
