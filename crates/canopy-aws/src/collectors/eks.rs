//! EKS clusters: ListClusters, then DescribeCluster per cluster.

use aws_sdk_eks::Client;
use canopy_model::inventory::{Batch, Cell};
use canopy_model::table::Column;
use serde_json::{Value, json};

use super::{Unit, json_cell, tag_map, time, time_text};
use crate::error::AwsError;

/// What is read of one row of `aws_eks_cluster`.
struct Cluster {
    name: String,
    described: Option<aws_sdk_eks::operation::describe_cluster::DescribeClusterOutput>,
    vpc: Option<Value>,
    network: Option<Value>,
    encryption: Option<Value>,
    connector: Option<Value>,
    access: Option<Value>,
    outpost: Option<Value>,
    logging: Option<Value>,
    identity: Option<Value>,
    authority: Option<Value>,
    arn: String,
}

impl Cluster {
    fn c(&self) -> Option<&aws_sdk_eks::types::Cluster> {
        self.described.as_ref().and_then(|d| d.cluster())
    }
}

table! {
    CLUSTERS: Cluster = Regional "aws_eks_cluster" ["eks:ListClusters", "eks:DescribeCluster"],
        "EKS clusters: version, API endpoint exposure, logging, encryption, access mode";
    C::text("name", "The cluster's name", |x, _| Cell::Text(x.name.clone())).required(),
    C::text("id", "Its id (local clusters on Outposts)", |x, _| Cell::text(x.c().and_then(|c| c.id()))),
    C::text("arn", "The cluster's ARN", |x, _| Cell::Text(x.arn.clone())),
    C::text("client_request_token", "The idempotency token it was created with", |x, _| Cell::text(x.c().and_then(|c| c.client_request_token()))),
    C::time("created_at", "When it was created", |x, _| time(x.c().and_then(|c| c.created_at()))),
    C::text("version", "Its Kubernetes version", |x, _| Cell::text(x.c().and_then(|c| c.version()))),
    C::text("endpoint", "Its Kubernetes API server endpoint", |x, _| Cell::text(x.c().and_then(|c| c.endpoint()))),
    C::text("role_arn", "The role its control plane acts with", |x, _| Cell::text(x.c().and_then(|c| c.role_arn()))),
    C::json("encryption_config", "Envelope encryption of secrets: [{\"Resources\", \"Provider\": {\"KeyArn\"}}]", |x, _| json_cell(x.encryption.clone())),
    C::json("resources_vpc_config", "Network: {\"VpcId\", \"SubnetIds\", \"SecurityGroupIds\", \"ClusterSecurityGroupId\", \"EndpointPublicAccess\", \"EndpointPrivateAccess\", \"PublicAccessCidrs\"}", |x, _| json_cell(x.vpc.clone())),
    C::json("kubernetes_network_config", "Service network: {\"ServiceIpv4Cidr\", \"ServiceIpv6Cidr\", \"IpFamily\"}", |x, _| json_cell(x.network.clone())),
    C::json("connector_config", "How a registered cluster connects (its activation code never stored)", |x, _| json_cell(x.connector.clone())),
    C::json("access_config", "Access: {\"AuthenticationMode\", \"BootstrapClusterCreatorAdminPermissions\"}", |x, _| json_cell(x.access.clone())),
    C::json("outpost_config", "A local cluster's Outposts configuration", |x, _| json_cell(x.outpost.clone())),
    C::json("logging", "Control plane logs: {\"ClusterLogging\": [{\"Types\", \"Enabled\"}]}", |x, _| json_cell(x.logging.clone())),
    C::json("identity", "Its OIDC issuer: {\"Oidc\": {\"Issuer\"}}", |x, _| json_cell(x.identity.clone())),
    C::text("status", "Its status (ACTIVE, ...)", |x, _| Cell::variant(x.c().and_then(|c| c.status()))),
    C::json("certificate_authority", "Its CA certificate: {\"Data\"}", |x, _| json_cell(x.authority.clone())),
    C::text("platform_version", "Its EKS platform version", |x, _| Cell::text(x.c().and_then(|c| c.platform_version()))),
    C::common(Column::TAGS, |x, _| tag_map(x.c().and_then(|c| c.tags()))),
    C::common(Column::TITLE, |x, _| Cell::Text(x.name.clone())),
    C::common(Column::AKAS, |x, _| Cell::json(json!([x.arn]))),
}

pub(super) async fn clusters(unit: Unit<'_>) -> Result<Vec<Batch>, AwsError> {
    let client = unit.client(Client::new);
    let names = unit
        .list(
            "eks:ListClusters",
            |token| {
                client
                    .list_clusters()
                    .max_results(100)
                    .set_next_token(token)
                    .send()
            },
            |out| out.next_token(),
            |out| out.clusters.unwrap_or_default(),
        )
        .await?;
    let absent: &[&str] = &["ResourceNotFoundException"];
    CLUSTERS.each_listed(unit, names, |name| {
        let client = &client;
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
            Cluster {
                    name,
                    described,
                    vpc,
                    network,
                    encryption,
                    connector,
                    access,
                    outpost,
                    logging,
                    identity,
                    authority,
                    arn,
                }
        }
    })
    .await
}

collectors! {
    clusters: CLUSTERS;
}
