//! EKS clusters: ListClusters, then DescribeCluster per cluster.

use aws_sdk_eks::Client;
use canopy_model::inventory::{Batch, Cell, Row};
use canopy_model::table::{Column, Scope, TableDef};
use serde_json::{Value, json};

use super::{Unit, batch, json_cell, tag_map, time, time_text};
use crate::error::AwsError;

pub(super) const CLUSTERS: TableDef = TableDef {
    name: "aws_eks_cluster",
    scope: Scope::Regional,
    description: "EKS clusters: version, API endpoint exposure, logging, encryption, access mode",
    columns: &[
        Column::text("name", "The cluster's name").required(),
        Column::text("id", "Its id (local clusters on Outposts)"),
        Column::text("arn", "The cluster's ARN"),
        Column::text(
            "client_request_token",
            "The idempotency token it was created with",
        ),
        Column::time("created_at", "When it was created"),
        Column::text("version", "Its Kubernetes version"),
        Column::text("endpoint", "Its Kubernetes API server endpoint"),
        Column::text("role_arn", "The role its control plane acts with"),
        Column::json(
            "encryption_config",
            "Envelope encryption of secrets: [{\"Resources\", \"Provider\": {\"KeyArn\"}}]",
        ),
        Column::json(
            "resources_vpc_config",
            "Network: {\"VpcId\", \"SubnetIds\", \"SecurityGroupIds\", \"ClusterSecurityGroupId\", \"EndpointPublicAccess\", \"EndpointPrivateAccess\", \"PublicAccessCidrs\"}",
        ),
        Column::json(
            "kubernetes_network_config",
            "Service network: {\"ServiceIpv4Cidr\", \"ServiceIpv6Cidr\", \"IpFamily\"}",
        ),
        Column::json(
            "connector_config",
            "How a registered cluster connects (its activation code never stored)",
        ),
        Column::json(
            "access_config",
            "Access: {\"AuthenticationMode\", \"BootstrapClusterCreatorAdminPermissions\"}",
        ),
        Column::json("outpost_config", "A local cluster's Outposts configuration"),
        Column::json(
            "logging",
            "Control plane logs: {\"ClusterLogging\": [{\"Types\", \"Enabled\"}]}",
        ),
        Column::json("identity", "Its OIDC issuer: {\"Oidc\": {\"Issuer\"}}"),
        Column::text("status", "Its status (ACTIVE, ...)"),
        Column::json("certificate_authority", "Its CA certificate: {\"Data\"}"),
        Column::text("platform_version", "Its EKS platform version"),
        Column::TAGS,
        Column::TITLE,
        Column::AKAS,
        Column::PARTITION,
    ],
    actions: &["eks:ListClusters", "eks:DescribeCluster"],
    filled_by: "collect",
};

pub(super) async fn clusters(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.session.client(unit.region, Client::new);
    let mut names = Vec::new();
    unit.paginate(
        "eks:ListClusters",
        |token| {
            client
                .list_clusters()
                .max_results(100)
                .set_next_token(token)
                .send()
        },
        |out| out.next_token(),
        |out| names.extend(out.clusters().iter().cloned()),
    )
    .await?;
    let partition = unit.partition();
    let absent: &[&str] = &["ResourceNotFoundException"];
    let rows = super::for_each_listed(names, |name| {
        let client = &client;
        let partition = &partition;
        async move {
            let described = unit
                .detail(unit.region, "eks:DescribeCluster", &name, absent, || {
                    client.describe_cluster().name(&name).send()
                })
                .await
                .found();
            let c = described.as_ref().and_then(|d| d.cluster());
            let strs = |v: &[String]| json!(v);
            let vpc = c.and_then(|c| c.resources_vpc_config()).map(|v| {
                json!({
                    "ClusterSecurityGroupId": v.cluster_security_group_id(),
                    "EndpointPrivateAccess": v.endpoint_private_access(),
                    "EndpointPublicAccess": v.endpoint_public_access(),
                    "PublicAccessCidrs": strs(v.public_access_cidrs()),
                    "SecurityGroupIds": strs(v.security_group_ids()),
                    "SubnetIds": strs(v.subnet_ids()),
                    "VpcId": v.vpc_id(),
                })
            });
            let network = c.and_then(|c| c.kubernetes_network_config()).map(|n| {
                json!({
                    "ElasticLoadBalancing": n.elastic_load_balancing().map(|e| json!({"Enabled": e.enabled()})),
                    "IpFamily": n.ip_family().map(|f| f.as_str()),
                    "ServiceIpv4Cidr": n.service_ipv4_cidr(),
                    "ServiceIpv6Cidr": n.service_ipv6_cidr(),
                })
            });
            let encryption = c.filter(|c| !c.encryption_config().is_empty()).map(|c| {
                Value::Array(
                    c.encryption_config()
                        .iter()
                        .map(|e| {
                            json!({
                                "Provider": e.provider().map(|p| json!({"KeyArn": p.key_arn()})),
                                "Resources": strs(e.resources()),
                            })
                        })
                        .collect(),
                )
            });
            // the activation code registers a cluster: a secret, never stored
            let connector = c.and_then(|c| c.connector_config()).map(|k| {
                json!({
                    "ActivationExpiry": time_text(k.activation_expiry()),
                    "ActivationId": k.activation_id(),
                    "Provider": k.provider(),
                    "RoleArn": k.role_arn(),
                })
            });
            let access = c.and_then(|c| c.access_config()).map(|a| {
                json!({
                    "AuthenticationMode": a.authentication_mode().map(|m| m.as_str()),
                    "BootstrapClusterCreatorAdminPermissions": a.bootstrap_cluster_creator_admin_permissions(),
                })
            });
            let outpost = c.and_then(|c| c.outpost_config()).map(|o| {
                json!({
                    "ControlPlaneInstanceType": o.control_plane_instance_type(),
                    "ControlPlanePlacement": o.control_plane_placement().map(|p| json!({"GroupName": p.group_name()})),
                    "OutpostArns": strs(o.outpost_arns()),
                })
            });
            let logging = c.and_then(|c| c.logging()).map(|l| {
                let setups: Vec<Value> = l
                    .cluster_logging()
                    .iter()
                    .map(|s| {
                        json!({
                            "Enabled": s.enabled(),
                            "Types": s.types().iter().map(|t| t.as_str()).collect::<Vec<_>>(),
                        })
                    })
                    .collect();
                json!({"ClusterLogging": setups})
            });
            let identity = c
                .and_then(|c| c.identity())
                .map(|i| json!({"Oidc": i.oidc().map(|o| json!({"Issuer": o.issuer()}))}));
            let authority = c
                .and_then(|c| c.certificate_authority())
                .map(|a| json!({"Data": a.data()}));
            let arn = c
                .and_then(|c| c.arn())
                .map_or_else(|| unit.arn("eks", &format!("cluster/{name}")), str::to_owned);
            Row::default()
                .with("name", Cell::Text(name.clone()))
                .with("id", Cell::text(c.and_then(|c| c.id())))
                .with("arn", Cell::Text(arn.clone()))
                .with(
                    "client_request_token",
                    Cell::text(c.and_then(|c| c.client_request_token())),
                )
                .with("created_at", time(c.and_then(|c| c.created_at())))
                .with("version", Cell::text(c.and_then(|c| c.version())))
                .with("endpoint", Cell::text(c.and_then(|c| c.endpoint())))
                .with("role_arn", Cell::text(c.and_then(|c| c.role_arn())))
                .with("encryption_config", json_cell(encryption))
                .with("resources_vpc_config", json_cell(vpc))
                .with("kubernetes_network_config", json_cell(network))
                .with("connector_config", json_cell(connector))
                .with("access_config", json_cell(access))
                .with("outpost_config", json_cell(outpost))
                .with("logging", json_cell(logging))
                .with("identity", json_cell(identity))
                .with(
                    "status",
                    Cell::text(c.and_then(|c| c.status()).map(|s| s.as_str())),
                )
                .with("certificate_authority", json_cell(authority))
                .with(
                    "platform_version",
                    Cell::text(c.and_then(|c| c.platform_version())),
                )
                .with("tags", tag_map(c.and_then(|c| c.tags())))
                .with("title", Cell::Text(name))
                .with("akas", Cell::json(json!([arn])))
                .with("partition", partition.clone())
        }
    })
    .await;
    Ok(vec![batch(&CLUSTERS, rows)])
}
