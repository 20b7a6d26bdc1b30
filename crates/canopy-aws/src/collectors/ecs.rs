//! ECS: clusters (ListClusters, once for clusters and services, then DescribeClusters 100 at a
//! time with their attachments, settings, statistics, configuration and tags), services (per
//! cluster ListServices, then DescribeServices 10 at a time) and active task definitions
//! (ListTaskDefinitions, then DescribeTaskDefinition each). Container environment variables
//! keep their names only: their values are often secrets.

use aws_sdk_ecs::Client;
use aws_sdk_ecs::types::{
    CapacityProviderStrategyItem, ClusterField, ContainerDefinition, KeyValuePair, LoadBalancer,
    NetworkConfiguration, ServiceField, ServiceRegistry, TaskDefinitionField,
};
use canopy_model::inventory::{Batch, Cell, Row};
use canopy_model::table::{Column, Scope, TableDef};
use serde_json::{Value, json};

use super::{Unit, batch, json_cell, list_of, tags_of, tags_src, time, time_text};
use crate::error::AwsError;

pub(super) const CLUSTERS: TableDef = TableDef {
    name: "aws_ecs_cluster",
    scope: Scope::Regional,
    description: "ECS clusters: capacity providers, Container Insights, execute-command logging",
    columns: &[
        Column::text("cluster_arn", "The cluster's ARN").required(),
        Column::text("cluster_name", "The cluster's name"),
        Column::int("active_services_count", "Services in the ACTIVE state"),
        Column::int("pending_tasks_count", "Tasks in the PENDING state"),
        Column::int(
            "registered_container_instances_count",
            "Container instances registered to it",
        ),
        Column::int("running_tasks_count", "Tasks in the RUNNING state"),
        Column::text("status", "Its status (ACTIVE, PROVISIONING, FAILED, ...)"),
        Column::text(
            "attachments_status",
            "Its capacity providers' attachment status",
        ),
        Column::text(
            "service_connect_defaults_namespace",
            "Its default Service Connect namespace",
        ),
        Column::json(
            "attachments",
            "Resources attached to it: [{\"Id\", \"Type\", \"Status\", \"Details\"}]",
        ),
        Column::json("capacity_providers", "Its capacity providers"),
        Column::json(
            "default_capacity_provider_strategy",
            "Its default strategy: [{\"CapacityProvider\", \"Weight\", \"Base\"}]",
        ),
        Column::json(
            "settings",
            "Its settings: [{\"Name\": \"containerInsights\", \"Value\"}]",
        ),
        Column::json(
            "statistics",
            "Task and service counts by launch type: [{\"Name\", \"Value\"}]",
        ),
        Column::json(
            "execute_command_configuration",
            "ECS Exec: {\"KmsKeyId\", \"Logging\", \"LogConfiguration\"}",
        ),
        Column::TAGS_SRC,
        Column::TITLE,
        Column::TAGS,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &["ecs:ListClusters", "ecs:DescribeClusters"],
    filled_by: "collect",
};

pub(super) const SERVICES: TableDef = TableDef {
    name: "aws_ecs_service",
    scope: Scope::Regional,
    description: "ECS services: task definition, launch type, network exposure, deployments",
    columns: &[
        Column::text("service_name", "The service's name").required(),
        Column::text("arn", "The service's ARN"),
        Column::text("status", "ACTIVE, DRAINING or INACTIVE"),
        Column::text("cluster_arn", "The cluster it runs in"),
        Column::text("task_definition", "The task definition it runs"),
        Column::time("created_at", "When it was created"),
        Column::text("created_by", "The principal that created it"),
        Column::text("deployment_controller_type", "ECS, CODE_DEPLOY or EXTERNAL"),
        Column::int("desired_count", "Tasks it keeps running"),
        Column::bool("enable_ecs_managed_tags", "Whether ECS tags its tasks"),
        Column::bool("enable_execute_command", "Whether ECS Exec is on"),
        Column::int(
            "health_check_grace_period_seconds",
            "Seconds unhealthy load balancer checks are ignored after a task starts",
        ),
        Column::text("launch_type", "EC2, FARGATE or EXTERNAL"),
        Column::int("pending_count", "Tasks in the PENDING state"),
        Column::text("platform_family", "The operating system its tasks run"),
        Column::text("platform_version", "Its Fargate platform version"),
        Column::text(
            "propagate_tags",
            "Where its tasks' tags come from: TASK_DEFINITION, SERVICE or NONE",
        ),
        Column::text("role_arn", "The role its load balancer registration uses"),
        Column::int("running_count", "Tasks in the RUNNING state"),
        Column::text("scheduling_strategy", "REPLICA or DAEMON"),
        Column::json(
            "capacity_provider_strategy",
            "[{\"CapacityProvider\", \"Weight\", \"Base\"}]",
        ),
        Column::json(
            "deployment_configuration",
            "{\"MaximumPercent\", \"MinimumHealthyPercent\", \"DeploymentCircuitBreaker\"}",
        ),
        Column::json("deployments", "Its deployments and their state"),
        Column::json(
            "events",
            "Its latest events: [{\"Id\", \"CreatedAt\", \"Message\"}]",
        ),
        Column::json(
            "load_balancers",
            "[{\"TargetGroupArn\", \"LoadBalancerName\", \"ContainerName\", \"ContainerPort\"}]",
        ),
        Column::json(
            "network_configuration",
            "{\"AwsvpcConfiguration\": {\"Subnets\", \"SecurityGroups\", \"AssignPublicIp\"}}",
        ),
        Column::json("placement_constraints", "[{\"Type\", \"Expression\"}]"),
        Column::json("placement_strategy", "[{\"Type\", \"Field\"}]"),
        Column::json(
            "service_registries",
            "Service discovery: [{\"RegistryArn\", \"Port\", \"ContainerName\", \"ContainerPort\"}]",
        ),
        Column::json(
            "task_sets",
            "Its task sets (CODE_DEPLOY and EXTERNAL deployments)",
        ),
        Column::TAGS_SRC,
        Column::TITLE,
        Column::TAGS,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &[
        "ecs:ListClusters",
        "ecs:ListServices",
        "ecs:DescribeServices",
    ],
    filled_by: "collect",
};

pub(super) const TASK_DEFINITIONS: TableDef = TableDef {
    name: "aws_ecs_task_definition",
    scope: Scope::Regional,
    description: "Active ECS task definitions: containers, roles, network mode (environment values never stored)",
    columns: &[
        Column::text("task_definition_arn", "The task definition's ARN").required(),
        Column::int("cpu", "CPU units for the task"),
        Column::text("status", "ACTIVE, INACTIVE or DELETE_IN_PROGRESS"),
        Column::text(
            "execution_role_arn",
            "The role the ECS agent pulls images and writes logs with",
        ),
        Column::text("family", "Its family"),
        Column::text("ipc_mode", "host, task or none"),
        Column::int("memory", "Memory for the task, MiB"),
        Column::text("network_mode", "bridge, host, awsvpc or none"),
        Column::text("pid_mode", "host or task"),
        Column::int("revision", "Its revision in the family"),
        Column::text("task_role_arn", "The role its containers act with"),
        Column::text("registered_at", "When it was registered"),
        Column::text("registered_by", "The principal that registered it"),
        Column::time("deregistered_at", "When it was deregistered"),
        Column::int(
            "ephemeral_storage_size_in_gib",
            "Ephemeral storage for the task, GiB (Fargate)",
        ),
        Column::json(
            "container_definitions",
            "Its containers: [{\"Name\", \"Image\", \"Privileged\", \"User\", \"Environment\": [{\"Name\"}] (values never stored), \"Secrets\", \"LogConfiguration\", \"PortMappings\", ...}]",
        ),
        Column::json("compatibilities", "Launch types it is compatible with"),
        Column::json(
            "runtime_platform",
            "{\"CpuArchitecture\", \"OperatingSystemFamily\"}",
        ),
        Column::json(
            "inference_accelerators",
            "[{\"DeviceName\", \"DeviceType\"}]",
        ),
        Column::json("placement_constraints", "[{\"Type\", \"Expression\"}]"),
        Column::json("proxy_configuration", "App Mesh proxy configuration"),
        Column::json(
            "requires_attributes",
            "Container instance attributes it needs",
        ),
        Column::json("requires_compatibilities", "Launch types it requires"),
        Column::json(
            "volumes",
            "Its volumes: [{\"Name\", \"Host\", \"EfsVolumeConfiguration\", ...}]",
        ),
        Column::TAGS_SRC,
        Column::TITLE,
        Column::TAGS,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &["ecs:ListTaskDefinitions", "ecs:DescribeTaskDefinition"],
    filled_by: "collect",
};

/// Clusters per DescribeClusters call, services per DescribeServices call (AWS's maxima).
const CLUSTERS_PER_CALL: usize = 100;
const SERVICES_PER_CALL: usize = 10;

fn pairs(items: &[KeyValuePair]) -> Value {
    Value::Array(
        items
            .iter()
            .map(|p| json!({"Name": p.name(), "Value": p.value()}))
            .collect(),
    )
}

fn strategy(items: &[CapacityProviderStrategyItem]) -> Cell {
    list_of(
        items,
        |s| json!({"Base": s.base(), "CapacityProvider": s.capacity_provider(), "Weight": s.weight()}),
    )
}

fn network(config: Option<&NetworkConfiguration>) -> Option<Value> {
    config.map(|n| {
        json!({
            "AwsvpcConfiguration": n.awsvpc_configuration().map(|a| json!({
                "AssignPublicIp": a.assign_public_ip().map(|p| p.as_str()),
                "SecurityGroups": a.security_groups(),
                "Subnets": a.subnets(),
            })),
        })
    })
}

fn load_balancers(items: &[LoadBalancer]) -> Value {
    Value::Array(
        items
            .iter()
            .map(|l| {
                json!({
                    "ContainerName": l.container_name(),
                    "ContainerPort": l.container_port(),
                    "LoadBalancerName": l.load_balancer_name(),
                    "TargetGroupArn": l.target_group_arn(),
                })
            })
            .collect(),
    )
}

fn registries(items: &[ServiceRegistry]) -> Value {
    Value::Array(
        items
            .iter()
            .map(|r| {
                json!({
                    "ContainerName": r.container_name(),
                    "ContainerPort": r.container_port(),
                    "Port": r.port(),
                    "RegistryArn": r.registry_arn(),
                })
            })
            .collect(),
    )
}

async fn cluster_arns(unit: &Unit<'_>, client: &Client) -> Result<Vec<String>, AwsError> {
    let mut arns = Vec::new();
    unit.paginate(
        "ecs:ListClusters",
        |token| {
            client
                .list_clusters()
                .max_results(100)
                .set_next_token(token)
                .send()
        },
        |out| out.next_token(),
        |out| arns.extend(out.cluster_arns().iter().cloned()),
    )
    .await?;
    Ok(arns)
}

/// Clusters and their services from one cluster listing (two tables, one ListClusters).
pub(super) async fn clusters_and_services(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.session.client(unit.region, Client::new);
    let arns = cluster_arns(&unit, &client).await?;
    let mut out = clusters(unit, &client, &arns).await?;
    out.extend(services(unit, &client, &arns).await?);
    Ok(out)
}

async fn clusters(
    unit: Unit<'_>,
    client: &Client,
    arns: &[String],
) -> Result<Vec<Batch>, AwsError> {
    let partition = unit.partition();
    let mut rows = Vec::new();
    for chunk in arns.chunks(CLUSTERS_PER_CALL) {
        let out = unit
            .call("ecs:DescribeClusters", || {
                client
                    .describe_clusters()
                    .set_clusters(Some(chunk.to_vec()))
                    .include(ClusterField::Attachments)
                    .include(ClusterField::Configurations)
                    .include(ClusterField::Settings)
                    .include(ClusterField::Statistics)
                    .include(ClusterField::Tags)
                    .send()
            })
            .await?;
        for c in out.clusters() {
            let tag_pairs = || c.tags().iter().map(|t| (t.key(), t.value()));
            let exec = c
                .configuration()
                .and_then(|k| k.execute_command_configuration())
                .map(|e| {
                    json!({
                        "KmsKeyId": e.kms_key_id(),
                        "LogConfiguration": e.log_configuration().map(|l| json!({
                            "CloudWatchEncryptionEnabled": l.cloud_watch_encryption_enabled(),
                            "CloudWatchLogGroupName": l.cloud_watch_log_group_name(),
                            "S3BucketName": l.s3_bucket_name(),
                            "S3EncryptionEnabled": l.s3_encryption_enabled(),
                            "S3KeyPrefix": l.s3_key_prefix(),
                        })),
                        "Logging": e.logging().map(|l| l.as_str()),
                    })
                });
            let arn = c.cluster_arn().unwrap_or_default().to_owned();
            rows.push(
                Row::default()
                    .with("cluster_arn", Cell::Text(arn.clone()))
                    .with("cluster_name", Cell::text(c.cluster_name()))
                    .with(
                        "active_services_count",
                        Cell::int(Some(c.active_services_count())),
                    )
                    .with(
                        "pending_tasks_count",
                        Cell::int(Some(c.pending_tasks_count())),
                    )
                    .with(
                        "registered_container_instances_count",
                        Cell::int(Some(c.registered_container_instances_count())),
                    )
                    .with(
                        "running_tasks_count",
                        Cell::int(Some(c.running_tasks_count())),
                    )
                    .with("status", Cell::text(c.status()))
                    .with("attachments_status", Cell::text(c.attachments_status()))
                    .with(
                        "service_connect_defaults_namespace",
                        Cell::text(c.service_connect_defaults().and_then(|d| d.namespace())),
                    )
                    .with(
                        "attachments",
                        list_of(c.attachments(), |a| {
                            json!({
                                "Details": pairs(a.details()),
                                "Id": a.id(),
                                "Status": a.status(),
                                "Type": a.r#type(),
                            })
                        }),
                    )
                    .with(
                        "capacity_providers",
                        list_of(c.capacity_providers(), |p| json!(p)),
                    )
                    .with(
                        "default_capacity_provider_strategy",
                        strategy(c.default_capacity_provider_strategy()),
                    )
                    .with(
                        "settings",
                        list_of(
                            c.settings(),
                            |s| json!({"Name": s.name().map(|n| n.as_str()), "Value": s.value()}),
                        ),
                    )
                    .with(
                        "statistics",
                        list_of(
                            c.statistics(),
                            |p| json!({"Name": p.name(), "Value": p.value()}),
                        ),
                    )
                    .with("execute_command_configuration", json_cell(exec))
                    .with("tags_src", tags_src(tag_pairs()))
                    .with("title", Cell::text(c.cluster_name()))
                    .with("tags", tags_of(tag_pairs()))
                    .with("akas", Cell::json(json!([arn])))
                    .with("partition", partition.clone()),
            );
        }
    }
    Ok(vec![batch(&CLUSTERS, rows)])
}

async fn services(
    unit: Unit<'_>,
    client: &Client,
    clusters: &[String],
) -> Result<Vec<Batch>, AwsError> {
    let partition = unit.partition();
    let mut rows = Vec::new();
    for cluster in clusters {
        let mut arns = Vec::new();
        unit.paginate(
            "ecs:ListServices",
            |token| {
                client
                    .list_services()
                    .cluster(cluster)
                    .max_results(100)
                    .set_next_token(token)
                    .send()
            },
            |out| out.next_token(),
            |out| arns.extend(out.service_arns().iter().cloned()),
        )
        .await?;
        for chunk in arns.chunks(SERVICES_PER_CALL) {
            let out = unit
                .call("ecs:DescribeServices", || {
                    client
                        .describe_services()
                        .cluster(cluster)
                        .set_services(Some(chunk.to_vec()))
                        .include(ServiceField::Tags)
                        .send()
                })
                .await?;
            rows.extend(out.services().iter().map(|s| service_row(s, &partition)));
        }
    }
    Ok(vec![batch(&SERVICES, rows)])
}

fn service_row(s: &aws_sdk_ecs::types::Service, partition: &Cell) -> Row {
    let tag_pairs = || s.tags().iter().map(|t| (t.key(), t.value()));
    let deployment_configuration = s.deployment_configuration().map(|d| {
        json!({
            "DeploymentCircuitBreaker": d.deployment_circuit_breaker().map(|b| json!({
                "Enable": b.enable(),
                "Rollback": b.rollback(),
            })),
            "MaximumPercent": d.maximum_percent(),
            "MinimumHealthyPercent": d.minimum_healthy_percent(),
        })
    });
    let arn = s.service_arn().unwrap_or_default().to_owned();
    Row::default()
        .with("service_name", Cell::text(s.service_name()))
        .with("arn", Cell::Text(arn.clone()))
        .with("status", Cell::text(s.status()))
        .with("cluster_arn", Cell::text(s.cluster_arn()))
        .with("task_definition", Cell::text(s.task_definition()))
        .with("created_at", time(s.created_at()))
        .with("created_by", Cell::text(s.created_by()))
        .with(
            "deployment_controller_type",
            Cell::text(s.deployment_controller().map(|d| d.r#type().as_str())),
        )
        .with("desired_count", Cell::int(Some(s.desired_count())))
        .with(
            "enable_ecs_managed_tags",
            Cell::bool(Some(s.enable_ecs_managed_tags())),
        )
        .with(
            "enable_execute_command",
            Cell::bool(Some(s.enable_execute_command())),
        )
        .with(
            "health_check_grace_period_seconds",
            Cell::int(s.health_check_grace_period_seconds()),
        )
        .with("launch_type", Cell::text(s.launch_type().map(|l| l.as_str())))
        .with("pending_count", Cell::int(Some(s.pending_count())))
        .with("platform_family", Cell::text(s.platform_family()))
        .with("platform_version", Cell::text(s.platform_version()))
        .with(
            "propagate_tags",
            Cell::text(s.propagate_tags().map(|p| p.as_str())),
        )
        .with("role_arn", Cell::text(s.role_arn()))
        .with("running_count", Cell::int(Some(s.running_count())))
        .with(
            "scheduling_strategy",
            Cell::text(s.scheduling_strategy().map(|p| p.as_str())),
        )
        .with(
            "capacity_provider_strategy",
            strategy(s.capacity_provider_strategy()),
        )
        .with("deployment_configuration", json_cell(deployment_configuration))
        .with(
            "deployments",
            list_of(s.deployments(), |d| {
                json!({
                    "CapacityProviderStrategy": d.capacity_provider_strategy().iter().map(|c| json!({"Base": c.base(), "CapacityProvider": c.capacity_provider(), "Weight": c.weight()})).collect::<Vec<_>>(),
                    "CreatedAt": time_text(d.created_at()),
                    "DesiredCount": d.desired_count(),
                    "FailedTasks": d.failed_tasks(),
                    "Id": d.id(),
                    "LaunchType": d.launch_type().map(|l| l.as_str()),
                    "NetworkConfiguration": network(d.network_configuration()),
                    "PendingCount": d.pending_count(),
                    "PlatformFamily": d.platform_family(),
                    "PlatformVersion": d.platform_version(),
                    "RolloutState": d.rollout_state().map(|r| r.as_str()),
                    "RolloutStateReason": d.rollout_state_reason(),
                    "RunningCount": d.running_count(),
                    "Status": d.status(),
                    "TaskDefinition": d.task_definition(),
                    "UpdatedAt": time_text(d.updated_at()),
                })
            }),
        )
        .with(
            "events",
            list_of(s.events(), |e| {
                json!({"CreatedAt": time_text(e.created_at()), "Id": e.id(), "Message": e.message()})
            }),
        )
        .with(
            "load_balancers",
            if s.load_balancers().is_empty() {
                Cell::Null
            } else {
                Cell::json(load_balancers(s.load_balancers()))
            },
        )
        .with(
            "network_configuration",
            json_cell(network(s.network_configuration())),
        )
        .with(
            "placement_constraints",
            list_of(s.placement_constraints(), |p| {
                json!({"Expression": p.expression(), "Type": p.r#type().map(|t| t.as_str())})
            }),
        )
        .with(
            "placement_strategy",
            list_of(s.placement_strategy(), |p| {
                json!({"Field": p.field(), "Type": p.r#type().map(|t| t.as_str())})
            }),
        )
        .with(
            "service_registries",
            if s.service_registries().is_empty() {
                Cell::Null
            } else {
                Cell::json(registries(s.service_registries()))
            },
        )
        .with(
            "task_sets",
            list_of(s.task_sets(), |t| {
                json!({
                    "ClusterArn": t.cluster_arn(),
                    "ComputedDesiredCount": t.computed_desired_count(),
                    "CreatedAt": time_text(t.created_at()),
                    "ExternalId": t.external_id(),
                    "Id": t.id(),
                    "LaunchType": t.launch_type().map(|l| l.as_str()),
                    "LoadBalancers": load_balancers(t.load_balancers()),
                    "NetworkConfiguration": network(t.network_configuration()),
                    "PendingCount": t.pending_count(),
                    "PlatformVersion": t.platform_version(),
                    "RunningCount": t.running_count(),
                    "ServiceArn": t.service_arn(),
                    "ServiceRegistries": registries(t.service_registries()),
                    "StabilityStatus": t.stability_status().map(|s| s.as_str()),
                    "StartedBy": t.started_by(),
                    "Status": t.status(),
                    "TaskDefinition": t.task_definition(),
                    "TaskSetArn": t.task_set_arn(),
                    "UpdatedAt": time_text(t.updated_at()),
                })
            }),
        )
        .with("tags_src", tags_src(tag_pairs()))
        .with("title", Cell::text(s.service_name()))
        .with("tags", tags_of(tag_pairs()))
        .with("akas", Cell::json(json!([arn])))
        .with("partition", partition.clone())
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

pub(super) async fn task_definitions(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.session.client(unit.region, Client::new);
    let mut arns = Vec::new();
    unit.paginate(
        "ecs:ListTaskDefinitions",
        |token| {
            client
                .list_task_definitions()
                .max_results(100)
                .set_next_token(token)
                .send()
        },
        |out| out.next_token(),
        |out| arns.extend(out.task_definition_arns().iter().cloned()),
    )
    .await?;
    let partition = unit.partition();
    let absent: &[&str] = &["ClientException"];
    let rows = super::for_each_listed(arns, |arn| {
        let client = &client;
        let partition = &partition;
        async move {
            let out = unit
                .detail(unit.region, "ecs:DescribeTaskDefinition", &arn, absent, || {
                    client
                        .describe_task_definition()
                        .task_definition(&arn)
                        .include(TaskDefinitionField::Tags)
                        .send()
                })
                .await
                .found();
            let t = out.as_ref().and_then(|o| o.task_definition());
            let tags = out.as_ref().map(|o| o.tags()).unwrap_or_default();
            let tag_pairs = || tags.iter().map(|t| (t.key(), t.value()));
            let number = |v: Option<&str>| v.and_then(|v| v.parse::<i64>().ok());
            let compat = |v: &[aws_sdk_ecs::types::Compatibility]| {
                if v.is_empty() {
                    Cell::Null
                } else {
                    Cell::json(json!(v.iter().map(|c| c.as_str()).collect::<Vec<_>>()))
                }
            };
            let family_revision = t
                .and_then(|t| t.family())
                .map(|f| format!("{f}:{}", t.map_or(0, |t| t.revision())));
            Row::default()
                .with("task_definition_arn", Cell::Text(arn.clone()))
                .with("cpu", Cell::int(number(t.and_then(|t| t.cpu()))))
                .with("status", Cell::text(t.and_then(|t| t.status()).map(|s| s.as_str())))
                .with("execution_role_arn", Cell::text(t.and_then(|t| t.execution_role_arn())))
                .with("family", Cell::text(t.and_then(|t| t.family())))
                .with("ipc_mode", Cell::text(t.and_then(|t| t.ipc_mode()).map(|m| m.as_str())))
                .with("memory", Cell::int(number(t.and_then(|t| t.memory()))))
                .with("network_mode", Cell::text(t.and_then(|t| t.network_mode()).map(|m| m.as_str())))
                .with("pid_mode", Cell::text(t.and_then(|t| t.pid_mode()).map(|m| m.as_str())))
                .with("revision", Cell::int(t.map(|t| t.revision())))
                .with("task_role_arn", Cell::text(t.and_then(|t| t.task_role_arn())))
                .with("registered_at", time(t.and_then(|t| t.registered_at())))
                .with("registered_by", Cell::text(t.and_then(|t| t.registered_by())))
                .with("deregistered_at", time(t.and_then(|t| t.deregistered_at())))
                .with(
                    "ephemeral_storage_size_in_gib",
                    Cell::int(t.and_then(|t| t.ephemeral_storage()).map(|e| e.size_in_gib())),
                )
                .with(
                    "container_definitions",
                    t.map_or(Cell::Null, |t| list_of(t.container_definitions(), container)),
                )
                .with("compatibilities", t.map_or(Cell::Null, |t| compat(t.compatibilities())))
                .with(
                    "runtime_platform",
                    json_cell(t.and_then(|t| t.runtime_platform()).map(|r| json!({
                        "CpuArchitecture": r.cpu_architecture().map(|c| c.as_str()),
                        "OperatingSystemFamily": r.operating_system_family().map(|o| o.as_str()),
                    }))),
                )
                .with(
                    "inference_accelerators",
                    t.map_or(Cell::Null, |t| list_of(t.inference_accelerators(), |a| {
                        json!({"DeviceName": a.device_name(), "DeviceType": a.device_type()})
                    })),
                )
                .with(
                    "placement_constraints",
                    t.map_or(Cell::Null, |t| list_of(t.placement_constraints(), |p| {
                        json!({"Expression": p.expression(), "Type": p.r#type().map(|t| t.as_str())})
                    })),
                )
                .with(
                    "proxy_configuration",
                    json_cell(t.and_then(|t| t.proxy_configuration()).map(|p| json!({
                        "ContainerName": p.container_name(),
                        "Properties": pairs(p.properties()),
                        "Type": p.r#type().map(|t| t.as_str()),
                    }))),
                )
                .with(
                    "requires_attributes",
                    t.map_or(Cell::Null, |t| list_of(t.requires_attributes(), |a| {
                        json!({
                            "Name": a.name(),
                            "TargetId": a.target_id(),
                            "TargetType": a.target_type().map(|t| t.as_str()),
                            "Value": a.value(),
                        })
                    })),
                )
                .with(
                    "requires_compatibilities",
                    t.map_or(Cell::Null, |t| compat(t.requires_compatibilities())),
                )
                .with(
                    "volumes",
                    t.map_or(Cell::Null, |t| list_of(t.volumes(), |v| {
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
                    })),
                )
                .with("tags_src", tags_src(tag_pairs()))
                .with("title", Cell::text(family_revision.as_deref()))
                .with("tags", tags_of(tag_pairs()))
                .with("akas", Cell::json(json!([arn])))
                .with("partition", partition.clone())
        }
    })
    .await;
    Ok(vec![batch(&TASK_DEFINITIONS, rows)])
}
