//! EC2 and VPC: the calls per account and region, the seed's queries, VPCs, subnets, security
//! groups and their rules, flow logs, endpoints, and the two network reports.

use serde_json::{Value, json};

use super::Collected;

/// The checks of this family on the estate collect read.
pub(super) fn check(c: &Collected) {
    let s = &c.s;
    let seeded = &c.seeded;
    let prod = &c.prod;
    let dev = &c.dev;
    assert_eq!(s.moto.count("DescribeSecurityGroupRules"), 3 * 2);
    assert_eq!(s.moto.count("DescribeVolumes"), 3 * 2);
    assert_eq!(s.moto.count("DescribeSnapshots"), 3 * 2);
    assert_eq!(s.moto.count("DescribeImages"), 3 * 2);

    // per instance: two attributes and its launch template data; per volume, two attributes
    let instances = 4;
    assert_eq!(s.moto.count("DescribeInstanceAttribute"), 2 * instances);
    assert_eq!(s.moto.count("GetLaunchTemplateData"), instances);
    assert_eq!(
        s.moto.count("DescribeVolumeAttribute"),
        2 * s.query("select count(*) as n from aws_ebs_volume")[0]["n"]
            .as_u64()
            .unwrap()
    );
    assert_eq!(s.moto.count("DescribeInstances"), 3 * 2);
    assert_eq!(s.moto.count("DescribeRouteTables"), 3 * 2);
    assert_eq!(s.moto.count("DescribeVpcs"), 3 * 2);
    assert_eq!(s.moto.count("DescribeSubnets"), 3 * 2);
    assert_eq!(s.moto.count("DescribeSecurityGroups"), 3 * 2);
    assert_eq!(s.moto.count("DescribeFlowLogs"), 3 * 2);
    assert_eq!(s.moto.count("DescribeVpcEndpoints"), 3 * 2);

    // the seed's queries, verbatim
    let instances = s.query(
        "select instance_id, region, account_id, tags ->> 'Name' as name from aws_ec2_instance",
    );
    let mut names: Vec<(String, String, String)> = instances
        .iter()
        .map(|i| {
            (
                i["name"].as_str().unwrap().to_owned(),
                i["region"].as_str().unwrap().to_owned(),
                i["account_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            ("api-1".into(), "us-east-1".into(), prod.clone()),
            ("batch-1".into(), "eu-west-1".into(), dev.clone()),
            ("web-1".into(), "eu-west-1".into(), prod.clone()),
            ("worker-1".into(), "eu-west-1".into(), prod.clone()),
        ]
    );
    let joined = s.query("select ec2.instance_id, ec2.region, ec2.account_id, org.name as account_name, ec2.tags ->> 'Name' as instance_name from aws_ec2_instance as ec2, aws_organizations_account as org where org.id = ec2.account_id",
    );
    assert_eq!(joined.len(), 4);
    let web = joined
        .iter()
        .find(|r| r["instance_name"] == "web-1")
        .unwrap();
    assert_eq!(web["account_name"], "prod");

    // JSON columns come out as JSON, booleans as booleans
    let eni = s.query("select groups, source_dest_check, association_public_ip, attached_instance_id from aws_ec2_network_interface where association_allocation_id is not null",
    );
    assert_eq!(eni.len(), 1, "one Elastic IP");
    assert!(eni[0]["groups"].is_array());
    assert_eq!(eni[0]["source_dest_check"], true);
    let seeded_ip = &seeded["organizations"][0]["resources"][0]["public_ips"][0];
    assert_eq!(&eni[0]["association_public_ip"], seeded_ip);

    // VPCs and subnets: the seeded ones (titled by their Name tag), and every account and
    // region's default VPC
    let vpc_id = seeded["organizations"][0]["resources"][0]["vpc_id"]
        .as_str()
        .unwrap();
    let vpcs = s.query(&format!(
        "select vpc_id, account_id, region, cidr_block, is_default, title, tags ->> 'Name' as name, akas from aws_vpc where vpc_id = '{vpc_id}'"
    ));
    assert_eq!(vpcs.len(), 1);
    assert_eq!(vpcs[0]["account_id"], prod.as_str());
    assert_eq!(vpcs[0]["region"], "eu-west-1");
    assert_eq!(vpcs[0]["cidr_block"], "10.1.0.0/16");
    assert_eq!(vpcs[0]["is_default"], false);
    assert_eq!(vpcs[0]["title"], "workloads");
    assert_eq!(
        vpcs[0]["akas"],
        json!([format!("arn:aws:ec2:eu-west-1:{prod}:vpc/{vpc_id}")])
    );
    let defaults = s.query("select count(*) as n from aws_vpc where is_default");
    assert_eq!(
        defaults[0]["n"],
        3 * 2,
        "a default VPC per account and region"
    );
    let subnets = s.query(&format!(
        "select cidr_block, vpc_id, title, map_public_ip_on_launch, available_ip_address_count from aws_vpc_subnet where vpc_id = '{vpc_id}' order by cidr_block"
    ));
    // the seeded subnet, and the second zone's the load balancers need
    assert_eq!(subnets.len(), 2);
    assert_eq!(subnets[0]["cidr_block"], "10.1.1.0/24");
    assert_eq!(subnets[0]["title"], "workloads-a");
    assert!(subnets[0]["map_public_ip_on_launch"].is_boolean());
    assert!(subnets[0]["available_ip_address_count"].as_i64().unwrap() > 0);

    // security groups open to the world, found with SQLite's JSON functions over AWS's shape
    // (`->>` gives text, as in PostgreSQL: a number is cast)
    let open = s.query(&format!(
        "select g.group_name, g.vpc_id, cast(p.value ->> 'FromPort' as integer) as port from aws_vpc_security_group g, json_each(g.ip_permissions) p, json_each(p.value -> 'IpRanges') r where r.value ->> 'CidrIp' = '0.0.0.0/0' and g.account_id = '{prod}' order by port"
    ));
    assert_eq!(
        open,
        vec![
            json!({"group_name": "web", "vpc_id": vpc_id, "port": 22}),
            json!({"group_name": "web", "vpc_id": vpc_id, "port": 443}),
        ]
    );
    // VPCs without flow logs: every one but the seeded VPC, whose log goes to its bucket
    let logged = s.query(
        "select resource_id, traffic_type, log_destination_type, bucket_name from aws_vpc_flow_log",
    );
    assert_eq!(
        logged,
        vec![
            json!({"resource_id": vpc_id, "traffic_type": "REJECT", "log_destination_type": "s3", "bucket_name": "prod-flow-logs"})
        ]
    );
    // gateway endpoints with their policy, as written and in Steampipe's canonical form
    let endpoints = s.query("select vpc_id, service_name, policy -> 'Statement' -> 0 ->> 'Principal' as principal, policy_std -> 'Statement' -> 0 -> 'Principal' -> 'AWS' ->> 0 as principal_std, policy_std -> 'Statement' -> 0 -> 'Action' as actions from aws_vpc_endpoint");
    assert_eq!(
        endpoints,
        vec![
            json!({"vpc_id": vpc_id, "service_name": "com.amazonaws.eu-west-1.s3", "principal": "*",
                    "principal_std": "*", "actions": ["s3:getobject", "s3:listbucket"]})
        ]
    );
    let unlogged = s.query("select count(*) as n from aws_vpc v where not exists (select 1 from aws_vpc_flow_log f where f.resource_id = v.vpc_id)");
    assert_eq!(unlogged[0]["n"], 3 * 2, "the default VPCs have no flow log");
    let defaults =
        s.query("select count(*) as n from aws_vpc_security_group where group_name = 'default'");
    assert!(
        defaults[0]["n"].as_i64().unwrap() >= 3 * 2,
        "every VPC has a default group"
    );

    // the rules one by one: who can reach port 22 from anywhere
    let ssh = s.query(&format!("select group_id, type, ip_protocol, from_port, to_port, title from aws_vpc_security_group_rule where cidr_ipv4 = '0.0.0.0/0' and not is_egress and account_id = '{prod}' order by from_port"));
    assert_eq!(ssh.len(), 2, "{ssh:?}");
    assert_eq!(ssh[0]["from_port"], 22);
    assert_eq!(ssh[0]["type"], "ingress");
    assert!(
        ssh[0]["title"]
            .as_str()
            .unwrap()
            .ends_with("_ingress_tcp_22_22_0.0.0.0/0"),
        "{ssh:?}"
    );

    // the reports
    let ips = s.json(&["report", "public-ips", "--format", "json"]);
    let ips = ips.as_array().unwrap();
    assert_eq!(
        ips.len(),
        3,
        "the Elastic IP, and the addresses default subnets give api-1 and batch-1"
    );
    let eip = ips.iter().find(|ip| &ip["public_ip"] == seeded_ip).unwrap();
    assert_eq!(eip["account_name"], "prod");
    assert_eq!(eip["ou_path"], "Root/Workloads");
    assert_eq!(eip["region"], "eu-west-1");
    assert_eq!(
        eip["attachment"].as_str().unwrap(),
        seeded["organizations"][0]["resources"][0]["instances"][0]
            .as_str()
            .unwrap()
    );
    let routes = s.json(&["report", "internet-routes", "--format", "json"]);
    let igw = seeded["organizations"][0]["resources"][0]["internet_gateway_id"]
        .as_str()
        .unwrap();
    let ours: Vec<&Value> = routes
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["gateway_id"] == igw)
        .collect();
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0]["destination"], "0.0.0.0/0");
    assert_eq!(ours[0]["account_name"], "prod");
    assert!(
        ours[0]["associations"]
            .as_str()
            .unwrap()
            .starts_with("subnet-")
    );
}
