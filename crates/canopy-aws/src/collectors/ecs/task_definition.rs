//! ECS task definitions: the active ones (ListTaskDefinitions, then DescribeTaskDefinition each).
//! Container environment variables keep their names only: their values are often secrets.

use aws_sdk_ecs::Client;
use aws_sdk_ecs::types::{ContainerDefinition, TaskDefinitionField};
use canopy_model::inventory::{Batch, Cell};
use canopy_model::table::Column;
use serde_json::{Value, json};

use crate::collectors::{Unit, json_cell, list_of, tags_of, tags_src, time};
use crate::error::AwsError;

use super::pairs;

/// What is read of one row of `aws_ecs_task_definition`.
struct TaskDef {
    arn: String,
    out: Option<aws_sdk_ecs::operation::describe_task_definition::DescribeTaskDefinitionOutput>,
    family_revision: Option<String>,
}

impl TaskDef {
    fn tags(&self) -> &[aws_sdk_ecs::types::Tag] {
        self.out.as_ref().map(|o| o.tags()).unwrap_or_default()
    }

    fn t(&self) -> Option<&aws_sdk_ecs::types::TaskDefinition> {
        self.out.as_ref().and_then(|o| o.task_definition())
    }
}

table! {
    TASK_DEFINITIONS: TaskDef = Regional "aws_ecs_task_definition"
        ["ecs:ListTaskDefinitions", "ecs:DescribeTaskDefinition"],
        "Active ECS task definitions: containers, roles, network mode (environment values never stored)";
    C::text("task_definition_arn", "The task definition's ARN", |x, _| Cell::Text(x.arn.clone())).required(),
    C::int("cpu", "CPU units for the task", |x, _| Cell::int(number(x.t().and_then(|t| t.cpu())))),
    C::text("status", "ACTIVE, INACTIVE or DELETE_IN_PROGRESS", |x, _| Cell::variant(x.t().and_then(|t| t.status()))),
    C::text("execution_role_arn", "The role the ECS agent pulls images and writes logs with", |x, _| Cell::text(x.t().and_then(|t| t.execution_role_arn()))),
    C::text("family", "Its family", |x, _| Cell::text(x.t().and_then(|t| t.family()))),
    C::text("ipc_mode", "host, task or none", |x, _| Cell::variant(x.t().and_then(|t| t.ipc_mode()))),
    C::int("memory", "Memory for the task, MiB", |x, _| Cell::int(number(x.t().and_then(|t| t.memory())))),
    C::text("network_mode", "bridge, host, awsvpc or none", |x, _| Cell::variant(x.t().and_then(|t| t.network_mode()))),
    C::text("pid_mode", "host or task", |x, _| Cell::variant(x.t().and_then(|t| t.pid_mode()))),
    C::int("revision", "Its revision in the family", |x, _| Cell::int(x.t().map(|t| t.revision()))),
    C::text("task_role_arn", "The role its containers act with", |x, _| Cell::text(x.t().and_then(|t| t.task_role_arn()))),
    C::text("registered_at", "When it was registered", |x, _| time(x.t().and_then(|t| t.registered_at()))),
    C::text("registered_by", "The principal that registered it", |x, _| Cell::text(x.t().and_then(|t| t.registered_by()))),
    C::time("deregistered_at", "When it was deregistered", |x, _| time(x.t().and_then(|t| t.deregistered_at()))),
    C::int("ephemeral_storage_size_in_gib", "Ephemeral storage for the task, GiB (Fargate)", |x, _| Cell::int(x.t().and_then(|t| t.ephemeral_storage()).map(|e| e.size_in_gib()))),
    C::json("container_definitions", "Its containers: [{\"Name\", \"Image\", \"Privileged\", \"User\", \"Environment\": [{\"Name\"}] (values never stored), \"Secrets\", \"LogConfiguration\", \"PortMappings\", ...}]", |x, _| x.t().map_or(Cell::Null, |t| list_of(t.container_definitions(), container))),
    C::json("compatibilities", "Launch types it is compatible with", |x, _| x.t().map_or(Cell::Null, |t| compat(t.compatibilities()))),
    C::json("runtime_platform", "{\"CpuArchitecture\", \"OperatingSystemFamily\"}", |x, _| json_cell(x.t().and_then(|t| t.runtime_platform()).map(|r| json!({
                    "CpuArchitecture": r.cpu_architecture().map(|c| c.as_str()),
                    "OperatingSystemFamily": r.operating_system_family().map(|o| o.as_str()),
                })))),
    C::json("inference_accelerators", "[{\"DeviceName\", \"DeviceType\"}]", |x, _| x.t().map_or(Cell::Null, |t| list_of(t.inference_accelerators(), |a| { json!({"DeviceName": a.device_name(), "DeviceType": a.device_type()}) }))),
    C::json("placement_constraints", "[{\"Type\", \"Expression\"}]", |x, _| x.t().map_or(Cell::Null, |t| list_of(t.placement_constraints(), |p| { json!({"Expression": p.expression(), "Type": p.r#type().map(|t| t.as_str())}) }))),
    C::json("proxy_configuration", "App Mesh proxy configuration", |x, _| json_cell(x.t().and_then(|t| t.proxy_configuration()).map(|p| json!({
                    "ContainerName": p.container_name(),
                    "Properties": pairs(p.properties()),
                    "Type": p.r#type().map(|t| t.as_str()),
                })))),
    C::json("requires_attributes", "Container instance attributes it needs", |x, _| x.t().map_or(Cell::Null, |t| list_of(t.requires_attributes(), |a| {
                    json!({
                        "Name": a.name(),
                        "TargetId": a.target_id(),
                        "TargetType": a.target_type().map(|t| t.as_str()),
                        "Value": a.value(),
                    })
                }))),
    C::json("requires_compatibilities", "Launch types it requires", |x, _| x.t().map_or(Cell::Null, |t| compat(t.requires_compatibilities()))),
    C::json("volumes", "Its volumes: [{\"Name\", \"Host\", \"EfsVolumeConfiguration\", ...}]", |x, _| x.t().map_or(Cell::Null, |t| list_of(t.volumes(), |v| {
                    json!({
                        "ConfiguredAtLaunch": v.configured_at_launch(),
                        "DockerVolumeConfiguration": v.docker_volume_configuration().map(|d| json!({
                            "Autoprovision": d.autoprovision(),
                            "Driver": d.driver(),
                            "Scope": d.scope().map(|s| s.as_str()),
                        })),
                        "EfsVolumeConfiguration": v.efs_volume_configuration().map(|e| json!({
                            "FileSystemId": e.file_system_id(),
                            "RootDirectory": e.root_directory(),
                            "TransitEncryption": e.transit_encryption().map(|t| t.as_str()),
                            "TransitEncryptionPort": e.transit_encryption_port(),
                        })),
                        "Host": v.host().map(|h| json!({"SourcePath": h.source_path()})),
                        "Name": v.name(),
                    })
                }))),
    C::common(Column::TAGS_SRC, |x, _| tags_src(x.tags().iter())),
    C::common(Column::TITLE, |x, _| Cell::text(x.family_revision.as_deref())),
    C::common(Column::TAGS, |x, _| tags_of(x.tags().iter())),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
}

/// A container definition, its environment variables' values left out (they are often
/// secrets; `Secrets` holds references, which are kept).
fn container(c: &ContainerDefinition) -> Value {
    let strs = |v: &[String]| if v.is_empty() { Value::Null } else { json!(v) };
    json!({
        "Command": strs(c.command()),
        "Cpu": c.cpu(),
        "DependsOn": c.depends_on().iter().map(|d| json!({"Condition": d.condition().as_str(), "ContainerName": d.container_name()})).collect::<Vec<_>>(),
        "DisableNetworking": c.disable_networking(),
        "DockerLabels": c.docker_labels(),
        "DockerSecurityOptions": strs(c.docker_security_options()),
        "EntryPoint": strs(c.entry_point()),
        "Environment": c.environment().iter().map(|e| json!({"Name": e.name(), "Value": Value::Null})).collect::<Vec<_>>(),
        "Essential": c.essential(),
        "HealthCheck": c.health_check().map(|h| json!({
            "Command": h.command(),
            "Interval": h.interval(),
            "Retries": h.retries(),
            "StartPeriod": h.start_period(),
            "Timeout": h.timeout(),
        })),
        "Hostname": c.hostname(),
        "Image": c.image(),
        "Links": strs(c.links()),
        "LogConfiguration": c.log_configuration().map(|l| json!({
            "LogDriver": l.log_driver().as_str(),
            "Options": l.options(),
            "SecretOptions": l.secret_options().iter().map(|s| json!({"Name": s.name(), "ValueFrom": s.value_from()})).collect::<Vec<_>>(),
        })),
        "Memory": c.memory(),
        "MemoryReservation": c.memory_reservation(),
        "MountPoints": c.mount_points().iter().map(|m| json!({
            "ContainerPath": m.container_path(),
            "ReadOnly": m.read_only(),
            "SourceVolume": m.source_volume(),
        })).collect::<Vec<_>>(),
        "Name": c.name(),
        "PortMappings": c.port_mappings().iter().map(|p| json!({
            "AppProtocol": p.app_protocol().map(|a| a.as_str()),
            "ContainerPort": p.container_port(),
            "ContainerPortRange": p.container_port_range(),
            "HostPort": p.host_port(),
            "Name": p.name(),
            "Protocol": p.protocol().map(|t| t.as_str()),
        })).collect::<Vec<_>>(),
        "Privileged": c.privileged(),
        "PseudoTerminal": c.pseudo_terminal(),
        "ReadonlyRootFilesystem": c.readonly_root_filesystem(),
        "Secrets": c.secrets().iter().map(|s| json!({"Name": s.name(), "ValueFrom": s.value_from()})).collect::<Vec<_>>(),
        "StartTimeout": c.start_timeout(),
        "StopTimeout": c.stop_timeout(),
        "User": c.user(),
        "WorkingDirectory": c.working_directory(),
    })
}

/// A number AWS gives as text (a task's `cpu`, `memory`).
fn number(v: Option<&str>) -> Option<i64> {
    v.and_then(|v| v.parse::<i64>().ok())
}

/// Launch types, as a JSON list; null when there are none.
fn compat(v: &[aws_sdk_ecs::types::Compatibility]) -> Cell {
    if v.is_empty() {
        Cell::Null
    } else {
        Cell::json(json!(v.iter().map(|c| c.as_str()).collect::<Vec<_>>()))
    }
}

pub(super) async fn task_definitions(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.client(Client::new);
    let arns = unit
        .list(
            "ecs:ListTaskDefinitions",
            |token| {
                client
                    .list_task_definitions()
                    .max_results(100)
                    .set_next_token(token)
                    .send()
            },
            |out| out.next_token(),
            |out| out.task_definition_arns.unwrap_or_default(),
        )
        .await?;
    let absent: &[&str] = &["ClientException"];
    let rows = crate::collectors::for_each_listed(arns, |arn| {
        let client = &client;
        async move {
            let out = unit
                .detail(
                    unit.region,
                    "ecs:DescribeTaskDefinition",
                    &arn,
                    absent,
                    || {
                        client
                            .describe_task_definition()
                            .task_definition(&arn)
                            .include(TaskDefinitionField::Tags)
                            .send()
                    },
                )
                .await
                .found();
            let t = out.as_ref().and_then(|o| o.task_definition());
            let family_revision = t
                .and_then(|t| t.family())
                .map(|f| format!("{f}:{}", t.map_or(0, |t| t.revision())));
            TASK_DEFINITIONS.row(
                &TaskDef {
                    arn,
                    out,
                    family_revision,
                },
                unit.cx(),
            )
        }
    })
    .await;
    Ok(vec![TASK_DEFINITIONS.batch(rows)])
}

collectors! {
    task_definitions: TASK_DEFINITIONS;
}
