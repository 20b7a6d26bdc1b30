//! ECS: clusters (ListClusters, once for clusters and services, then DescribeClusters 100 at a
//! time with their attachments, settings, statistics, configuration and tags), services (per
//! cluster ListServices, then DescribeServices 10 at a time) and active task definitions
//! (ListTaskDefinitions, then DescribeTaskDefinition each). Container environment variables
//! keep their names only: their values are often secrets.

pub(super) mod task_definition;

use aws_sdk_ecs::Client;
use aws_sdk_ecs::types::{
    CapacityProviderStrategyItem, ClusterField, KeyValuePair, LoadBalancer, NetworkConfiguration,
    ServiceField, ServiceRegistry,
};
use canopy_model::inventory::{Batch, Cell, Row};
use canopy_model::table::Column;
use serde_json::{Value, json};

use super::columns::{self};
use super::{Unit, json_cell, list_of, tags_of, tags_src, time, time_text};
use crate::error::AwsError;

/// What is read of one row of `aws_ecs_cluster`.
struct Cluster {
    c: aws_sdk_ecs::types::Cluster,
    exec: Option<Value>,
    arn: String,
}

table! {
    CLUSTERS: Cluster = Regional "aws_ecs_cluster" ["ecs:ListClusters", "ecs:DescribeClusters"],
        "ECS clusters: capacity providers, Container Insights, execute-command logging";
    C::text("cluster_arn", "The cluster's ARN", |x, _| Cell::Text(x.arn.clone())).required(),
    C::text("cluster_name", "The cluster's name", |x, _| Cell::text(x.c.cluster_name())),
    C::int("active_services_count", "Services in the ACTIVE state", |x, _| Cell::int(Some(x.c.active_services_count()))),
    C::int("pending_tasks_count", "Tasks in the PENDING state", |x, _| Cell::int(Some(x.c.pending_tasks_count()))),
    C::int("registered_container_instances_count", "Container instances registered to it", |x, _| Cell::int(Some(x.c.registered_container_instances_count()))),
    C::int("running_tasks_count", "Tasks in the RUNNING state", |x, _| Cell::int(Some(x.c.running_tasks_count()))),
    C::text("status", "Its status (ACTIVE, PROVISIONING, FAILED, ...)", |x, _| Cell::text(x.c.status())),
    C::text("attachments_status", "Its capacity providers' attachment status", |x, _| Cell::text(x.c.attachments_status())),
    C::text("service_connect_defaults_namespace", "Its default Service Connect namespace", |x, _| Cell::text(x.c.service_connect_defaults().and_then(|d| d.namespace()))),
    C::json("attachments", "Resources attached to it: [{\"Id\", \"Type\", \"Status\", \"Details\"}]", |x, _| list_of(x.c.attachments(), |a| {
                        json!({
                            "Details": pairs(a.details()),
                            "Id": a.id(),
                            "Status": a.status(),
                            "Type": a.r#type(),
                        })
                    })),
    C::json("capacity_providers", "Its capacity providers", |x, _| list_of(x.c.capacity_providers(), |p| json!(p))),
    C::json("default_capacity_provider_strategy", "Its default strategy: [{\"CapacityProvider\", \"Weight\", \"Base\"}]", |x, _| strategy(x.c.default_capacity_provider_strategy())),
    C::json("settings", "Its settings: [{\"Name\": \"containerInsights\", \"Value\"}]", |x, _| list_of(
                        x.c.settings(),
                        |s| json!({"Name": s.name().map(|n| n.as_str()), "Value": s.value()}),
                    )),
    C::json("statistics", "Task and service counts by launch type: [{\"Name\", \"Value\"}]", |x, _| list_of(
                        x.c.statistics(),
                        |p| json!({"Name": p.name(), "Value": p.value()}),
                    )),
    C::json("execute_command_configuration", "ECS Exec: {\"KmsKeyId\", \"Logging\", \"LogConfiguration\"}", |x, _| json_cell(x.exec.clone())),
    C::common(Column::TAGS_SRC, |x, _| tags_src(x.c.tags().iter())),
    C::common(Column::TITLE, |x, _| Cell::text(x.c.cluster_name())),
    C::common(Column::TAGS, |x, _| tags_of(x.c.tags().iter())),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
}

/// What is read of one row of `aws_ecs_service`.
struct Service {
    s: aws_sdk_ecs::types::Service,
    deployment_configuration: Option<Value>,
    arn: String,
}

table! {
    SERVICES: Service = Regional "aws_ecs_service"
        ["ecs:ListClusters", "ecs:ListServices", "ecs:DescribeServices"],
        "ECS services: task definition, launch type, network exposure, deployments";
    C::text("service_name", "The service's name", |x, _| Cell::text(x.s.service_name())).required(),
    C::text("arn", "The service's ARN", |x, _| Cell::Text(x.arn.clone())),
    C::text("status", "ACTIVE, DRAINING or INACTIVE", |x, _| Cell::text(x.s.status())),
    C::text("cluster_arn", "The cluster it runs in", |x, _| Cell::text(x.s.cluster_arn())),
    C::text("task_definition", "The task definition it runs", |x, _| Cell::text(x.s.task_definition())),
    C::time("created_at", "When it was created", |x, _| time(x.s.created_at())),
    C::text("created_by", "The principal that created it", |x, _| Cell::text(x.s.created_by())),
    C::text("deployment_controller_type", "ECS, CODE_DEPLOY or EXTERNAL", |x, _| Cell::text(x.s.deployment_controller().map(|d| d.r#type().as_str()))),
    C::int("desired_count", "Tasks it keeps running", |x, _| Cell::int(Some(x.s.desired_count()))),
    C::bool("enable_ecs_managed_tags", "Whether ECS tags its tasks", |x, _| Cell::bool(Some(x.s.enable_ecs_managed_tags()))),
    C::bool("enable_execute_command", "Whether ECS Exec is on", |x, _| Cell::bool(Some(x.s.enable_execute_command()))),
    C::int("health_check_grace_period_seconds", "Seconds unhealthy load balancer checks are ignored after a task starts", |x, _| Cell::int(x.s.health_check_grace_period_seconds())),
    C::text("launch_type", "EC2, FARGATE or EXTERNAL", |x, _| Cell::variant(x.s.launch_type())),
    C::int("pending_count", "Tasks in the PENDING state", |x, _| Cell::int(Some(x.s.pending_count()))),
    C::text("platform_family", "The operating system its tasks run", |x, _| Cell::text(x.s.platform_family())),
    C::text("platform_version", "Its Fargate platform version", |x, _| Cell::text(x.s.platform_version())),
    C::text("propagate_tags", "Where its tasks' tags come from: TASK_DEFINITION, SERVICE or NONE", |x, _| Cell::variant(x.s.propagate_tags())),
    C::text("role_arn", "The role its load balancer registration uses", |x, _| Cell::text(x.s.role_arn())),
    C::int("running_count", "Tasks in the RUNNING state", |x, _| Cell::int(Some(x.s.running_count()))),
    C::text("scheduling_strategy", "REPLICA or DAEMON", |x, _| Cell::variant(x.s.scheduling_strategy())),
    C::json("capacity_provider_strategy", "[{\"CapacityProvider\", \"Weight\", \"Base\"}]", |x, _| strategy(x.s.capacity_provider_strategy())),
    C::json("deployment_configuration", "{\"MaximumPercent\", \"MinimumHealthyPercent\", \"DeploymentCircuitBreaker\"}", |x, _| json_cell(x.deployment_configuration.clone())),
    C::json("deployments", "Its deployments and their state", |x, _| list_of(x.s.deployments(), |d| {
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
        })),
    C::json("events", "Its latest events: [{\"Id\", \"CreatedAt\", \"Message\"}]", |x, _| list_of(x.s.events(), |e| { json!({"CreatedAt": time_text(e.created_at()), "Id": e.id(), "Message": e.message()}) })),
    C::json("load_balancers", "[{\"TargetGroupArn\", \"LoadBalancerName\", \"ContainerName\", \"ContainerPort\"}]", |x, _| if x.s.load_balancers().is_empty() { Cell::Null } else { Cell::json(load_balancers(x.s.load_balancers())) }),
    C::json("network_configuration", "{\"AwsvpcConfiguration\": {\"Subnets\", \"SecurityGroups\", \"AssignPublicIp\"}}", |x, _| json_cell(network(x.s.network_configuration()))),
    C::json("placement_constraints", "[{\"Type\", \"Expression\"}]", |x, _| list_of(x.s.placement_constraints(), |p| { json!({"Expression": p.expression(), "Type": p.r#type().map(|t| t.as_str())}) })),
    C::json("placement_strategy", "[{\"Type\", \"Field\"}]", |x, _| list_of(x.s.placement_strategy(), |p| { json!({"Field": p.field(), "Type": p.r#type().map(|t| t.as_str())}) })),
    C::json("service_registries", "Service discovery: [{\"RegistryArn\", \"Port\", \"ContainerName\", \"ContainerPort\"}]", |x, _| if x.s.service_registries().is_empty() { Cell::Null } else { Cell::json(registries(x.s.service_registries())) }),
    C::json("task_sets", "Its task sets (CODE_DEPLOY and EXTERNAL deployments)", |x, _| list_of(x.s.task_sets(), |t| {
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
        })),
    C::common(Column::TAGS_SRC, |x, _| tags_src(x.s.tags().iter())),
    C::common(Column::TITLE, |x, _| Cell::text(x.s.service_name())),
    C::common(Column::TAGS, |x, _| tags_of(x.s.tags().iter())),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
}

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
    let arns = unit
        .list(
            "ecs:ListClusters",
            |token| {
                client
                    .list_clusters()
                    .max_results(100)
                    .set_next_token(token)
                    .send()
            },
            |out| out.next_token(),
            |out| out.cluster_arns.unwrap_or_default(),
        )
        .await?;
    Ok(arns)
}

/// Clusters and their services from one cluster listing (two tables, one ListClusters).
pub(super) async fn clusters_and_services(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.client(Client::new);
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
        for c in out.clusters.unwrap_or_default() {
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
            rows.push(CLUSTERS.row(&Cluster { exec, arn, c }, unit.cx()));
        }
    }
    Ok(vec![CLUSTERS.batch(rows)])
}

async fn services(
    unit: Unit<'_>,
    client: &Client,
    clusters: &[String],
) -> Result<Vec<Batch>, AwsError> {
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
            rows.extend(out.services().iter().map(|s| service_row(s, unit.cx())));
        }
    }
    Ok(vec![SERVICES.batch(rows)])
}

fn service_row(s: &aws_sdk_ecs::types::Service, cx: columns::RowCtx<'_>) -> Row {
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
    SERVICES.row(
        &Service {
            s: s.clone(),
            deployment_configuration,
            arn,
        },
        cx,
    )
}

collectors! {
    clusters_and_services: CLUSTERS, SERVICES;
}
