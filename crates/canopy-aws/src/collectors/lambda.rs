//! Lambda functions: ListFunctions (the configuration of each), then per function GetFunction
//! (tags, reserved concurrency, where its code comes from), its resource policy and its
//! function URL. Secrets stay out of the store: environment variables keep their names with
//! null values, and GetFunction's presigned code download URL is dropped.

use aws_sdk_lambda::Client;
use canopy_model::inventory::{Batch, Cell};
use canopy_model::table::Column;
use serde_json::{Map, Value, json};

use super::{Unit, json_cell, policy_cells, tags_of};
use crate::error::AwsError;

/// What is read of one row of `aws_lambda_function`.
struct Function {
    f: aws_sdk_lambda::types::FunctionConfiguration,
    name: String,
    arn: String,
    policy: Cell,
    policy_std: Cell,
    url: Option<Value>,
    tags: Vec<(String, String)>,
    code: Option<Value>,
    concurrency: Option<i32>,
    environment: Option<Value>,
    last_modified: Cell,
}

impl Function {
    fn vpc(&self) -> Option<&aws_sdk_lambda::types::VpcConfigResponse> {
        self.f.vpc_config()
    }
}

table! {
    FUNCTIONS: Function = Regional "aws_lambda_function"
        ["lambda:ListFunctions", "lambda:GetFunction", "lambda:GetPolicy", "lambda:GetFunctionUrlConfig"],
        "Lambda functions, with their resource policy, function URL, runtime and network (environment variable values are not stored)";
    C::text("name", "The function's name", |x, _| Cell::Text(x.name.clone())).required(),
    C::text("arn", "The function's ARN", |x, _| Cell::Text(x.arn.clone())),
    C::text("code_sha_256", "The SHA-256 of its deployment package", |x, _| Cell::text(x.f.code_sha256())),
    C::int("code_size", "Its deployment package's size, in bytes", |x, _| Cell::int(Some(x.f.code_size()))),
    C::text("dead_letter_config_target_arn", "Where failed events go", |x, _| Cell::text(x.f.dead_letter_config().and_then(|d| d.target_arn()))),
    C::text("description", "The description", |x, _| Cell::text(x.f.description())),
    C::text("handler", "The handler", |x, _| Cell::text(x.f.handler())),
    C::text("kms_key_arn", "The KMS key that encrypts its environment", |x, _| Cell::text(x.f.kms_key_arn())),
    C::time("last_modified", "When it was last changed", |x, _| x.last_modified.clone()),
    C::text("timeout", "Its timeout, in seconds", |x, _| Cell::text(x.f.timeout().map(|t| t.to_string()).as_deref())),
    C::text("version", "The version", |x, _| Cell::text(x.f.version())),
    C::text("package_type", "Zip or Image", |x, _| Cell::variant(x.f.package_type())),
    C::text("master_arn", "The main function, for a Lambda@Edge replica", |x, _| Cell::text(x.f.master_arn())),
    C::int("memory_size", "Memory, in MB", |x, _| Cell::int(x.f.memory_size())),
    C::text("revision_id", "The revision", |x, _| Cell::text(x.f.revision_id())),
    C::text("role", "The execution role", |x, _| Cell::text(x.f.role())),
    C::text("runtime", "The runtime (python3.12, nodejs20.x, ...)", |x, _| Cell::variant(x.f.runtime())),
    C::text("state", "Pending, Active, Inactive or Failed", |x, _| Cell::variant(x.f.state())),
    C::text("state_reason", "Why it is in that state", |x, _| Cell::text(x.f.state_reason())),
    C::text("state_reason_code", "The state reason's code", |x, _| Cell::variant(x.f.state_reason_code())),
    C::text("last_update_status", "Successful, Failed or InProgress", |x, _| Cell::variant(x.f.last_update_status())),
    C::text("last_update_status_reason", "Why the last update ended so", |x, _| Cell::text(x.f.last_update_status_reason())),
    C::text("last_update_status_reason_code", "The last update status reason's code", |x, _| Cell::variant(x.f.last_update_status_reason_code())),
    C::int("reserved_concurrent_executions", "Reserved concurrency (GetFunction); null when none is reserved", |x, _| Cell::int(x.concurrency)),
    C::text("vpc_id", "The VPC it runs in", |x, _| Cell::text(x.vpc().and_then(|v| v.vpc_id()).filter(|v| !v.is_empty()))),
    C::json("architectures", "x86_64 and/or arm64", |x, _| {
    Cell::json(json!(
        x.f.architectures()
            .iter()
            .map(|a| a.as_str())
            .collect::<Vec<_>>()
    ))
}),
    C::json("code", "Where its code comes from: {\"RepositoryType\", \"ImageUri\", \"ResolvedImageUri\"} (the presigned download URL is not stored)", |x, _| json_cell(x.code.clone())),
    C::json("environment_variables", "Environment variable names, each with a null value (values often hold secrets)", |x, _| json_cell(x.environment.clone())),
    C::json(
    "file_system_configs",
    "EFS file systems it mounts",
    |x, _| {
        Cell::json(Value::Array(
            x.f.file_system_configs()
                .iter()
                .map(|c| json!({"Arn": c.arn(), "LocalMountPath": c.local_mount_path()}))
                .collect(),
        ))
    },
),
    C::json("ephemeral_storage", "/tmp size: {\"Size\"}", |x, _| json_cell(x.f.ephemeral_storage().map(|e| json!({"Size": e.size()})))),
    C::json("policy", "Its resource policy, as JSON", |x, _| x.policy.clone()),
    C::json("policy_std", "The resource policy in Steampipe's canonical form (lists sorted, actions and condition keys lower-cased)", |x, _| x.policy_std.clone()),
    C::json("tracing_config", "X-Ray tracing: {\"Mode\"}", |x, _| {
    json_cell(
        x.f.tracing_config()
            .map(|t| json!({"Mode": t.mode().map(|m| m.as_str())})),
    )
}),
    C::json(
    "snap_start",
    "SnapStart: {\"ApplyOn\", \"OptimizationStatus\"}",
    |x, _| {
        json_cell(x.f.snap_start().map(|s| {
            json!({
                "ApplyOn": s.apply_on().map(|a| a.as_str()),
                "OptimizationStatus": s.optimization_status().map(|o| o.as_str()),
            })
        }))
    },
),
    C::json("url_config", "Its function URL: {\"FunctionUrl\", \"AuthType\", \"Cors\", ...}; null without one", |x, _| json_cell(x.url.clone())),
    C::json(
    "logging_config",
    "Logging: {\"LogFormat\", \"LogGroup\", ...}",
    |x, _| {
        json_cell(x.f.logging_config().map(|l| {
            json!({
                "ApplicationLogLevel": l.application_log_level().map(|v| v.as_str()),
                "LogFormat": l.log_format().map(|v| v.as_str()),
                "LogGroup": l.log_group(),
                "SystemLogLevel": l.system_log_level().map(|v| v.as_str()),
            })
        }))
    },
),
    C::json(
    "vpc_security_group_ids",
    "Security groups, in a VPC",
    |x, _| json_cell(x.vpc().map(|v| json!(v.security_group_ids()))),
),
    C::json("vpc_subnet_ids", "Subnets, in a VPC", |x, _| json_cell(x.vpc().map(|v| json!(v.subnet_ids())))),
    C::common(Column::TITLE, |x, _| Cell::Text(x.name.clone())),
    C::common(Column::TAGS, |x, _| tags_of(x.tags .iter().map(|(k, v)| (Some(k.as_str()), Some(v.as_str()))))),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
    C::json("layers", "Layers: [{\"Arn\", \"CodeSize\"}]", |x, _| {
    Cell::json(Value::Array(
        x.f.layers()
            .iter()
            .map(|l| json!({"Arn": l.arn(), "CodeSize": l.code_size()}))
            .collect(),
    ))
}),
}

pub(super) async fn functions(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.client(Client::new);
    let listed = unit
        .list(
            "lambda:ListFunctions",
            |marker| {
                client
                    .list_functions()
                    .max_items(50)
                    .set_marker(marker)
                    .send()
            },
            |out| out.next_marker(),
            |out| out.functions.unwrap_or_default(),
        )
        .await?;
    let absent: &[&str] = &["ResourceNotFoundException"];
    FUNCTIONS
        .each_listed(unit, listed, |f| {
            let client = &client;
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

                let last_modified = f
                    .last_modified()
                    .and_then(canopy_model::parse_time)
                    .map_or(Cell::text(f.last_modified()), |t| {
                        Cell::Text(canopy_model::format_time(t))
                    });
                Function {
                    f,
                    name,
                    arn,
                    policy,
                    policy_std,
                    url,
                    tags,
                    code,
                    concurrency,
                    environment,
                    last_modified,
                }
            }
        })
        .await
}

collectors! {
    functions: FUNCTIONS;
}
