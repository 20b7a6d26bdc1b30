//! The answers: STS, Organizations, EC2, IAM (credential reports included) and S3 from the
//! estate; every other collected service's list and describe calls answer empty, in their
//! protocol's shape (an account with none of that service's resources).

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::estate::{Estate, OPT_IN_REGIONS, ORG_ID, REGIONS, ROOT_ID};
use crate::wire::{
    Answer, Call, Proto, ec2_ok, error, esc, iso, json_ok, now, query_ok, rest_json_ok, xml_ok,
};

/// The credentials' access key for an account: `ASIASIM` + its id.
pub fn access_key(account: u64) -> String {
    format!("ASIASIM{}", Estate::id(account))
}

/// The calling account: the one a session's key names, else the management account (the
/// caller's own keys).
pub fn caller(estate: &Estate, key: &str) -> u64 {
    key.strip_prefix("ASIASIM")
        .and_then(Estate::index)
        .filter(|&i| estate.exists(i))
        .unwrap_or(0)
}

const CREATED: i64 = 1_704_067_200; // 2024-01-01

pub fn answer(estate: &Estate, call: &Call, account: u64) -> Answer {
    match call.service.as_str() {
        "sts" => sts(estate, call, account),
        "organizations" => organizations(estate, call),
        "ec2" => ec2(estate, call, account),
        "iam" => iam(estate, call, account),
        "s3" => s3(estate, call, account),
        _ => empty(call),
    }
}

/// An account without any of the service's resources.
fn empty(call: &Call) -> Answer {
    match call.proto {
        Proto::Query => query_ok(&call.op, ""),
        Proto::Ec2 => ec2_ok(&call.op, ""),
        Proto::Json => json_ok(json!({})),
        Proto::RestJson => match (call.service.as_str(), call.op.as_str()) {
            ("guardduty", "GET /detector") => rest_json_ok(json!({"detectorIds": []})),
            ("securityhub", "GET /accounts") => error(
                call,
                401,
                "InvalidAccessException",
                "Account is not subscribed to AWS Security Hub",
            ),
            _ => rest_json_ok(json!({})),
        },
        Proto::RestXml => match call.op.as_str() {
            op if op.starts_with("GET /2020-05-31/distribution") => xml_ok(
                "<DistributionList><Marker></Marker><MaxItems>100</MaxItems><IsTruncated>false</IsTruncated><Quantity>0</Quantity></DistributionList>".to_owned(),
            ),
            _ => xml_ok(String::new()),
        },
    }
}

fn page(call_token: Option<&str>, max: usize, total: usize) -> (usize, usize, Option<String>) {
    let start = call_token.and_then(|t| t.parse().ok()).unwrap_or(0usize);
    let end = (start + max).min(total);
    let next = (end < total).then(|| end.to_string());
    (start.min(total), end, next)
}

// ---- STS ----

fn sts(estate: &Estate, call: &Call, account: u64) -> Answer {
    match call.op.as_str() {
        "AssumeRole" => {
            let arn = call.param("RoleArn").unwrap_or_default();
            let target = arn
                .split(':')
                .nth(4)
                .and_then(Estate::index)
                .filter(|&i| estate.exists(i) && !estate.suspended(i));
            let Some(target) = target else {
                return error(
                    call,
                    403,
                    "AccessDenied",
                    &format!(
                        "User is not authorized to perform: sts:AssumeRole on resource: {}",
                        esc(arn)
                    ),
                );
            };
            let session = call.param("RoleSessionName").unwrap_or("session");
            let role = arn.rsplit('/').next().unwrap_or("role");
            let id = Estate::id(target);
            query_ok(
                "AssumeRole",
                &format!(
                    "<Credentials><AccessKeyId>{}</AccessKeyId><SecretAccessKey>simulated-secret</SecretAccessKey><SessionToken>simulated-session-token</SessionToken><Expiration>{}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROASIM{id}:{}</AssumedRoleId><Arn>arn:aws:sts::{id}:assumed-role/{}/{}</Arn></AssumedRoleUser>",
                    access_key(target),
                    iso(now() + 3600),
                    esc(session),
                    esc(role),
                    esc(session)
                ),
            )
        }
        "GetCallerIdentity" => {
            let id = Estate::id(account);
            let arn = if account == 0 {
                format!("arn:aws:iam::{id}:user/platform-admin")
            } else {
                format!("arn:aws:sts::{id}:assumed-role/OrganizationAccountAccessRole/canopy")
            };
            query_ok(
                "GetCallerIdentity",
                &format!("<Arn>{arn}</Arn><UserId>AIDASIM{id}</UserId><Account>{id}</Account>"),
            )
        }
        _ => empty(call),
    }
}

// ---- Organizations ----

fn org_account(estate: &Estate, i: u64) -> Value {
    let id = Estate::id(i);
    let state = if estate.suspended(i) {
        "SUSPENDED"
    } else {
        "ACTIVE"
    };
    json!({
        "Id": id,
        "Arn": format!("arn:aws:organizations::{}:account/{ORG_ID}/{id}", Estate::id(0)),
        "Email": format!("{}@example.com", Estate::name(i)),
        "Name": Estate::name(i),
        "Status": state,
        "State": state,
        "JoinedMethod": if i % 10 == 3 { "INVITED" } else { "CREATED" },
        "JoinedTimestamp": CREATED + i as i64 * 600,
    })
}

fn ou_json(j: u64) -> Value {
    json!({
        "Id": Estate::ou_id(j),
        "Arn": format!("arn:aws:organizations::{}:ou/{ORG_ID}/{}", Estate::id(0), Estate::ou_id(j)),
        "Name": format!("ou-{j:04}"),
    })
}

/// Service control policies: AWS's FullAWSAccess (on the root, every OU and every account, as
/// AWS attaches it) and four of the organization's own, each on a few OUs; one tag policy.
struct OrgPolicy {
    id: &'static str,
    name: &'static str,
    kind: &'static str,
}

const POLICIES: [OrgPolicy; 6] = [
    OrgPolicy {
        id: "p-FullAWSAccess",
        name: "FullAWSAccess",
        kind: "SERVICE_CONTROL_POLICY",
    },
    OrgPolicy {
        id: "p-sim00001",
        name: "deny-leave-org",
        kind: "SERVICE_CONTROL_POLICY",
    },
    OrgPolicy {
        id: "p-sim00002",
        name: "region-guard",
        kind: "SERVICE_CONTROL_POLICY",
    },
    OrgPolicy {
        id: "p-sim00003",
        name: "protect-security-tools",
        kind: "SERVICE_CONTROL_POLICY",
    },
    OrgPolicy {
        id: "p-sim00004",
        name: "deny-root-user",
        kind: "SERVICE_CONTROL_POLICY",
    },
    OrgPolicy {
        id: "p-sim00005",
        name: "cost-center-tags",
        kind: "TAG_POLICY",
    },
];

fn policy_summary(p: &OrgPolicy) -> Value {
    json!({
        "Id": p.id,
        "Arn": format!("arn:aws:organizations::{}:policy/{ORG_ID}/{}/{}", Estate::id(0), p.kind.to_lowercase(), p.id),
        "Name": p.name,
        "Description": p.name,
        "Type": p.kind,
        "AwsManaged": p.id == "p-FullAWSAccess",
    })
}

/// A policy's targets: (id, type, name).
fn policy_targets(estate: &Estate, p: &OrgPolicy) -> Vec<(String, &'static str, String)> {
    let mut out = Vec::new();
    if p.id == "p-FullAWSAccess" {
        out.push((ROOT_ID.to_owned(), "ROOT", "Root".to_owned()));
        out.extend((0..estate.ous).map(|j| {
            (
                Estate::ou_id(j),
                "ORGANIZATIONAL_UNIT",
                format!("ou-{j:04}"),
            )
        }));
        out.extend((0..estate.accounts).map(|i| (Estate::id(i), "ACCOUNT", Estate::name(i))));
    } else {
        let top = estate.top_ous();
        out.push((ROOT_ID.to_owned(), "ROOT", "Root".to_owned()));
        out.extend((0..top).step_by(3).map(|j| {
            (
                Estate::ou_id(j),
                "ORGANIZATIONAL_UNIT",
                format!("ou-{j:04}"),
            )
        }));
    }
    out
}

fn organizations(estate: &Estate, call: &Call) -> Answer {
    let token = call.str("NextToken");
    let max = call
        .json
        .get("MaxResults")
        .and_then(Value::as_u64)
        .unwrap_or(20)
        .min(20) as usize;
    let mgmt = Estate::id(0);
    match call.op.as_str() {
        "DescribeOrganization" => json_ok(json!({"Organization": {
            "Id": ORG_ID,
            "Arn": format!("arn:aws:organizations::{mgmt}:organization/{ORG_ID}"),
            "FeatureSet": "ALL",
            "MasterAccountArn": format!("arn:aws:organizations::{mgmt}:account/{ORG_ID}/{mgmt}"),
            "MasterAccountId": mgmt,
            "MasterAccountEmail": "management@example.com",
            "AvailablePolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}],
        }})),
        "ListRoots" => json_ok(json!({"Roots": [{
            "Id": ROOT_ID,
            "Arn": format!("arn:aws:organizations::{mgmt}:root/{ORG_ID}/{ROOT_ID}"),
            "Name": "Root",
            "PolicyTypes": [
                {"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"},
                {"Type": "TAG_POLICY", "Status": "ENABLED"},
            ],
        }]})),
        "ListOrganizationalUnitsForParent" | "ListAccountsForParent" | "ListChildren" => {
            let parent = call.str("ParentId").unwrap_or_default();
            let parent = if parent == ROOT_ID {
                None
            } else {
                match Estate::ou_index(parent).filter(|&j| j < estate.ous) {
                    Some(j) => Some(j),
                    None => {
                        return error(
                            call,
                            400,
                            "ParentNotFoundException",
                            "We can't find a root or OU with the ParentId that you specified.",
                        );
                    }
                }
            };
            let ous = call.op == "ListOrganizationalUnitsForParent"
                || call.str("ChildType") == Some("ORGANIZATIONAL_UNIT");
            let items: Vec<u64> = if ous {
                estate.ou_children(parent)
            } else {
                estate.accounts_under(parent)
            };
            let (start, end, next) = page(token, max, items.len());
            let list: Vec<Value> = items[start..end]
                .iter()
                .map(|&x| match (ous, call.op.as_str()) {
                    (_, "ListChildren") => json!({
                        "Id": if ous { Estate::ou_id(x) } else { Estate::id(x) },
                        "Type": if ous { "ORGANIZATIONAL_UNIT" } else { "ACCOUNT" },
                    }),
                    (true, _) => ou_json(x),
                    (false, _) => org_account(estate, x),
                })
                .collect();
            let field = match call.op.as_str() {
                "ListChildren" => "Children",
                "ListOrganizationalUnitsForParent" => "OrganizationalUnits",
                _ => "Accounts",
            };
            json_ok(json!({field: list, "NextToken": next}))
        }
        "ListAccounts" => {
            let (start, end, next) = page(token, max, estate.accounts as usize);
            let list: Vec<Value> = (start..end)
                .map(|i| org_account(estate, i as u64))
                .collect();
            json_ok(json!({"Accounts": list, "NextToken": next}))
        }
        "DescribeAccount" => match call
            .str("AccountId")
            .and_then(Estate::index)
            .filter(|&i| estate.exists(i))
        {
            Some(i) => json_ok(json!({"Account": org_account(estate, i)})),
            None => error(call, 400, "AccountNotFoundException", "account not found"),
        },
        "ListParents" => {
            let child = call.str("ChildId").unwrap_or_default();
            let parent = if let Some(i) = Estate::index(child).filter(|&i| estate.exists(i)) {
                estate.account_parent(i)
            } else if let Some(j) = Estate::ou_index(child) {
                (j >= estate.top_ous()).then(|| j % estate.top_ous())
            } else {
                return error(call, 400, "ChildNotFoundException", "child not found");
            };
            let p = match parent {
                Some(j) => json!({"Id": Estate::ou_id(j), "Type": "ORGANIZATIONAL_UNIT"}),
                None => json!({"Id": ROOT_ID, "Type": "ROOT"}),
            };
            json_ok(json!({"Parents": [p]}))
        }
        "ListTagsForResource" => {
            let id = call.str("ResourceId").unwrap_or_default();
            let tags: Vec<Value> = match Estate::index(id).filter(|&i| estate.exists(i)) {
                Some(i) => estate
                    .tags(i)
                    .into_iter()
                    .map(|(k, v)| json!({"Key": k, "Value": v}))
                    .collect(),
                None => Vec::new(),
            };
            json_ok(json!({"Tags": tags}))
        }
        "ListPolicies" => {
            let kind = call.str("Filter").unwrap_or("SERVICE_CONTROL_POLICY");
            let list: Vec<Value> = POLICIES
                .iter()
                .filter(|p| p.kind == kind)
                .map(policy_summary)
                .collect();
            json_ok(json!({"Policies": list}))
        }
        "DescribePolicy" => {
            let id = call.str("PolicyId").unwrap_or_default();
            let Some(p) = POLICIES.iter().find(|p| p.id == id) else {
                return error(call, 400, "PolicyNotFoundException", "policy not found");
            };
            let content = if p.kind == "TAG_POLICY" {
                r#"{"tags":{"cost-center":{"tag_key":{"@@assign":"cost-center"}}}}"#.to_owned()
            } else if p.id == "p-FullAWSAccess" {
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#.to_owned()
            } else {
                format!(
                    r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"{}","Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}}]}}"#,
                    p.name.replace('-', "")
                )
            };
            json_ok(json!({"Policy": {"PolicySummary": policy_summary(p), "Content": content}}))
        }
        "ListTargetsForPolicy" => {
            let id = call.str("PolicyId").unwrap_or_default();
            let Some(p) = POLICIES.iter().find(|p| p.id == id) else {
                return error(call, 400, "PolicyNotFoundException", "policy not found");
            };
            let targets = policy_targets(estate, p);
            let (start, end, next) = page(token, max, targets.len());
            let list: Vec<Value> = targets[start..end]
                .iter()
                .map(|(tid, kind, name)| {
                    json!({
                        "TargetId": tid,
                        "Arn": format!("arn:aws:organizations::{mgmt}:target/{ORG_ID}/{tid}"),
                        "Name": name,
                        "Type": kind,
                    })
                })
                .collect();
            json_ok(json!({"Targets": list, "NextToken": next}))
        }
        "ListDelegatedAdministrators" => {
            let admins: Vec<Value> = [1u64, 2]
                .iter()
                .filter(|&&i| estate.exists(i))
                .map(|&i| {
                    let mut a = org_account(estate, i);
                    a["DelegationEnabledDate"] = json!(CREATED);
                    a
                })
                .collect();
            json_ok(json!({"DelegatedAdministrators": admins}))
        }
        "ListDelegatedServicesForAccount" => {
            let service = match call.str("AccountId").and_then(Estate::index) {
                Some(1) => "securityhub.amazonaws.com",
                _ => "guardduty.amazonaws.com",
            };
            json_ok(
                json!({"DelegatedServices": [{"ServicePrincipal": service, "DelegationEnabledDate": CREATED}]}),
            )
        }
        "ListAWSServiceAccessForOrganization" => json_ok(json!({"EnabledServicePrincipals": [
            {"ServicePrincipal": "sso.amazonaws.com", "DateEnabled": CREATED},
            {"ServicePrincipal": "securityhub.amazonaws.com", "DateEnabled": CREATED},
            {"ServicePrincipal": "guardduty.amazonaws.com", "DateEnabled": CREATED},
        ]})),
        _ => empty(call),
    }
}

// ---- EC2 ----

fn instance_id(account: u64, region: usize, k: u64) -> String {
    format!("i-{:08x}{:02x}{:07x}", account, region, k)
}

fn region_index(region: &str) -> usize {
    REGIONS.iter().position(|r| *r == region).unwrap_or(0)
}

fn ec2_page(call: &Call, total: u64, default_max: u64) -> (u64, u64, Option<String>) {
    let max = call
        .param("MaxResults")
        .and_then(|m| m.parse().ok())
        .unwrap_or(default_max)
        .max(5);
    let (s, e, n) = page(call.param("NextToken"), max as usize, total as usize);
    (s as u64, e as u64, n)
}

/// One page of an EC2 listing: the set's element with an item written by `item` for each
/// index on the page, then the next token.
fn ec2_set(
    x: &mut String,
    call: &Call,
    total: u64,
    default_max: u64,
    set: &str,
    mut item: impl FnMut(&mut String, u64),
) {
    let (s, e, next) = ec2_page(call, total, default_max);
    let _ = write!(x, "<{set}>");
    for k in s..e {
        item(x, k);
    }
    let _ = write!(x, "</{set}>");
    x.push_str(&next_token(next));
}

fn next_token(next: Option<String>) -> String {
    next.map(|t| format!("<nextToken>{t}</nextToken>"))
        .unwrap_or_default()
}

fn ec2(estate: &Estate, call: &Call, account: u64) -> Answer {
    let region = call.region.as_str();
    let r = region_index(region);
    let id = Estate::id(account);
    let vpc = format!("vpc-{account:08x}{r:02x}0000000");
    let subnet = |s: u64| format!("subnet-{account:08x}{r:02x}{s:07x}");
    let n = estate.instances(account, region);
    let op = call.op.as_str();
    let mut x = String::new();
    match op {
        "DescribeRegions" => {
            x.push_str("<regionInfo>");
            for name in REGIONS {
                let _ = write!(
                    x,
                    "<item><regionName>{name}</regionName><regionEndpoint>ec2.{name}.amazonaws.com</regionEndpoint><optInStatus>opt-in-not-required</optInStatus></item>"
                );
            }
            if call.param("AllRegions") == Some("true") {
                for name in OPT_IN_REGIONS {
                    let _ = write!(
                        x,
                        "<item><regionName>{name}</regionName><regionEndpoint>ec2.{name}.amazonaws.com</regionEndpoint><optInStatus>not-opted-in</optInStatus></item>"
                    );
                }
            }
            x.push_str("</regionInfo>");
        }
        "DescribeInstances" => {
            ec2_set(&mut x, call, n, n.max(1), "reservationSet", |x, k| {
                let iid = instance_id(account, r, k);
                let _ = write!(
                    x,
                    "<item><reservationId>r-{account:08x}{r:02x}{k:07x}</reservationId><ownerId>{id}</ownerId><groupSet/><instancesSet><item><instanceId>{iid}</instanceId><imageId>ami-0sim{r:02x}</imageId><instanceState><code>16</code><name>running</name></instanceState><privateDnsName>ip-10-{}-{}-{}.{region}.compute.internal</privateDnsName><instanceType>{}</instanceType><launchTime>{}</launchTime><placement><availabilityZone>{region}a</availabilityZone><tenancy>default</tenancy></placement><monitoring><state>disabled</state></monitoring><subnetId>{}</subnetId><vpcId>{vpc}</vpcId><privateIpAddress>10.{}.{}.{}</privateIpAddress><architecture>x86_64</architecture><rootDeviceType>ebs</rootDeviceType><rootDeviceName>/dev/xvda</rootDeviceName><blockDeviceMapping><item><deviceName>/dev/xvda</deviceName><ebs><volumeId>vol-{account:08x}{r:02x}{k:07x}</volumeId><status>attached</status><attachTime>{}</attachTime><deleteOnTermination>true</deleteOnTermination></ebs></item></blockDeviceMapping><groupSet><item><groupId>sg-{account:08x}{r:02x}0000000</groupId><groupName>default</groupName></item></groupSet><tagSet><item><key>Name</key><value>web-{k}</value></item></tagSet><metadataOptions><httpTokens>required</httpTokens></metadataOptions></item></instancesSet></item>",
                    k / 65536 % 256,
                    k / 256 % 256,
                    k % 256,
                    ["t3.micro", "m5.large", "c6g.xlarge"][(k % 3) as usize],
                    iso(CREATED + k as i64 * 60),
                    subnet(k % 3),
                    k / 65536 % 256,
                    k / 256 % 256,
                    k % 256,
                    iso(CREATED + k as i64 * 60),
                );
            });
        }
        "DescribeInstanceStatus" => {
            ec2_set(&mut x, call, n, 1000, "instanceStatusSet", |x, k| {
                let _ = write!(
                    x,
                    "<item><instanceId>{}</instanceId><availabilityZone>{region}a</availabilityZone><instanceState><code>16</code><name>running</name></instanceState><systemStatus><status>ok</status></systemStatus><instanceStatus><status>ok</status></instanceStatus></item>",
                    instance_id(account, r, k)
                );
            });
        }
        "DescribeInstanceAttribute" => {
            let iid = esc(call.param("InstanceId").unwrap_or_default());
            let _ = write!(x, "<instanceId>{iid}</instanceId>");
            match call.param("Attribute") {
                Some("disableApiTermination") => x.push_str("<disableApiTermination><value>false</value></disableApiTermination>"),
                Some("instanceInitiatedShutdownBehavior") => x.push_str("<instanceInitiatedShutdownBehavior><value>stop</value></instanceInitiatedShutdownBehavior>"),
                _ => {}
            }
        }
        "GetLaunchTemplateData" => {
            x.push_str("<launchTemplateData><instanceType>t3.micro</instanceType><monitoring><enabled>false</enabled></monitoring></launchTemplateData>");
        }
        "DescribeNetworkInterfaces" => {
            ec2_set(&mut x, call, n, n.max(1), "networkInterfaceSet", |x, k| {
                let _ = write!(
                    x,
                    "<item><networkInterfaceId>eni-{account:08x}{r:02x}{k:07x}</networkInterfaceId><subnetId>{}</subnetId><vpcId>{vpc}</vpcId><availabilityZone>{region}a</availabilityZone><ownerId>{id}</ownerId><status>in-use</status><privateIpAddress>10.{}.{}.{}</privateIpAddress><interfaceType>interface</interfaceType><attachment><attachmentId>eni-attach-{account:08x}{r:02x}{k:07x}</attachmentId><instanceId>{}</instanceId><deviceIndex>0</deviceIndex><status>attached</status></attachment><groupSet><item><groupId>sg-{account:08x}{r:02x}0000000</groupId><groupName>default</groupName></item></groupSet><tagSet/></item>",
                    subnet(k % 3),
                    k / 65536 % 256,
                    k / 256 % 256,
                    k % 256,
                    instance_id(account, r, k)
                );
            });
        }
        "DescribeVolumes" => {
            ec2_set(&mut x, call, n, n.max(1), "volumeSet", |x, k| {
                let _ = write!(
                    x,
                    "<item><volumeId>vol-{account:08x}{r:02x}{k:07x}</volumeId><size>8</size><availabilityZone>{region}a</availabilityZone><status>in-use</status><createTime>{}</createTime><attachmentSet><item><volumeId>vol-{account:08x}{r:02x}{k:07x}</volumeId><instanceId>{}</instanceId><device>/dev/xvda</device><status>attached</status><deleteOnTermination>true</deleteOnTermination></item></attachmentSet><volumeType>gp3</volumeType><iops>3000</iops><encrypted>true</encrypted><tagSet/></item>",
                    iso(CREATED + k as i64 * 60),
                    instance_id(account, r, k)
                );
            });
        }
        "DescribeVolumeAttribute" => {
            let vid = esc(call.param("VolumeId").unwrap_or_default());
            let _ = write!(x, "<volumeId>{vid}</volumeId>");
            match call.param("Attribute") {
                Some("autoEnableIO") => {
                    x.push_str("<autoEnableIO><value>false</value></autoEnableIO>")
                }
                _ => x.push_str("<productCodes/>"),
            }
        }
        "DescribeVpcs" => {
            let _ = write!(
                x,
                "<vpcSet><item><vpcId>{vpc}</vpcId><ownerId>{id}</ownerId><state>available</state><cidrBlock>172.31.0.0/16</cidrBlock><cidrBlockAssociationSet><item><cidrBlock>172.31.0.0/16</cidrBlock><associationId>vpc-cidr-assoc-{account:08x}{r:02x}</associationId><cidrBlockState><state>associated</state></cidrBlockState></item></cidrBlockAssociationSet><dhcpOptionsId>dopt-{account:08x}{r:02x}</dhcpOptionsId><instanceTenancy>default</instanceTenancy><isDefault>true</isDefault><tagSet/></item></vpcSet>"
            );
        }
        "DescribeSubnets" => {
            x.push_str("<subnetSet>");
            for s in 0..3u64 {
                let _ = write!(
                    x,
                    "<item><subnetId>{}</subnetId><subnetArn>arn:aws:ec2:{region}:{id}:subnet/{}</subnetArn><ownerId>{id}</ownerId><state>available</state><vpcId>{vpc}</vpcId><cidrBlock>172.31.{}.0/20</cidrBlock><availableIpAddressCount>4091</availableIpAddressCount><availabilityZone>{region}{}</availabilityZone><defaultForAz>true</defaultForAz><mapPublicIpOnLaunch>true</mapPublicIpOnLaunch><tagSet/></item>",
                    subnet(s),
                    subnet(s),
                    s * 16,
                    ['a', 'b', 'c'][s as usize]
                );
            }
            x.push_str("</subnetSet>");
        }
        "DescribeSecurityGroups" => {
            let groups = estate.security_groups(account, region);
            ec2_set(&mut x, call, groups, groups, "securityGroupInfo", |x, g| {
                let name = if g == 0 {
                    "default".to_owned()
                } else {
                    format!("app-{g}")
                };
                let _ = write!(
                    x,
                    "<item><ownerId>{id}</ownerId><groupId>sg-{account:08x}{r:02x}{g:07x}</groupId><groupName>{name}</groupName><groupDescription>{name} group</groupDescription><vpcId>{vpc}</vpcId><ipPermissions><item><ipProtocol>tcp</ipProtocol><fromPort>443</fromPort><toPort>443</toPort><ipRanges><item><cidrIp>10.0.0.0/8</cidrIp></item></ipRanges></item></ipPermissions><ipPermissionsEgress><item><ipProtocol>-1</ipProtocol><ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges></item></ipPermissionsEgress><tagSet/></item>"
                );
            });
        }
        "DescribeSecurityGroupRules" => {
            let rules = estate.security_groups(account, region) * 2;
            ec2_set(&mut x, call, rules, 1000, "securityGroupRuleSet", |x, k| {
                let g = k / 2;
                let egress = k % 2 == 1;
                let _ = write!(
                    x,
                    "<item><securityGroupRuleId>sgr-{account:08x}{r:02x}{k:07x}</securityGroupRuleId><groupId>sg-{account:08x}{r:02x}{g:07x}</groupId><groupOwnerId>{id}</groupOwnerId><isEgress>{egress}</isEgress><ipProtocol>{}</ipProtocol><fromPort>{}</fromPort><toPort>{}</toPort><cidrIpv4>{}</cidrIpv4><tagSet/></item>",
                    if egress { "-1" } else { "tcp" },
                    if egress { -1 } else { 443 },
                    if egress { -1 } else { 443 },
                    if egress { "0.0.0.0/0" } else { "10.0.0.0/8" }
                );
            });
        }
        "DescribeRouteTables" => {
            let _ = write!(
                x,
                "<routeTableSet><item><routeTableId>rtb-{account:08x}{r:02x}0000000</routeTableId><vpcId>{vpc}</vpcId><ownerId>{id}</ownerId><routeSet><item><destinationCidrBlock>172.31.0.0/16</destinationCidrBlock><gatewayId>local</gatewayId><state>active</state><origin>CreateRouteTable</origin></item><item><destinationCidrBlock>0.0.0.0/0</destinationCidrBlock><gatewayId>igw-{account:08x}{r:02x}0000000</gatewayId><state>active</state><origin>CreateRoute</origin></item></routeSet><associationSet><item><routeTableAssociationId>rtbassoc-{account:08x}{r:02x}</routeTableAssociationId><routeTableId>rtb-{account:08x}{r:02x}0000000</routeTableId><main>true</main><associationState><state>associated</state></associationState></item></associationSet><propagatingVgwSet/><tagSet/></item></routeTableSet>"
            );
        }
        "DescribeInternetGateways" => {
            let _ = write!(
                x,
                "<internetGatewaySet><item><internetGatewayId>igw-{account:08x}{r:02x}0000000</internetGatewayId><ownerId>{id}</ownerId><attachmentSet><item><vpcId>{vpc}</vpcId><state>available</state></item></attachmentSet><tagSet/></item></internetGatewaySet>"
            );
        }
        _ => {}
    }
    ec2_ok(op, &x)
}

// ---- IAM ----

fn role_name(k: u64) -> String {
    if k == 0 {
        "OrganizationAccountAccessRole".to_owned()
    } else {
        format!("app-role-{k:03}")
    }
}

const TRUST: &str = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22AWS%22%3A%22arn%3Aaws%3Aiam%3A%3A100000000000%3Aroot%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D";

fn role_xml(x: &mut String, id: &str, account: u64, k: u64, details: bool) {
    let name = role_name(k);
    let _ = write!(
        x,
        "<member><Path>/</Path><RoleName>{name}</RoleName><RoleId>AROASIM{account:08X}{k:05}</RoleId><Arn>arn:aws:iam::{id}:role/{name}</Arn><CreateDate>{}</CreateDate><AssumeRolePolicyDocument>{TRUST}</AssumeRolePolicyDocument><MaxSessionDuration>3600</MaxSessionDuration>",
        iso(CREATED)
    );
    if details {
        x.push_str("<InstanceProfileList/><RolePolicyList/>");
        if k == 0 {
            x.push_str("<AttachedManagedPolicies><member><PolicyName>AdministratorAccess</PolicyName><PolicyArn>arn:aws:iam::aws:policy/AdministratorAccess</PolicyArn></member></AttachedManagedPolicies>");
        } else {
            x.push_str("<AttachedManagedPolicies/>");
        }
        x.push_str("<Tags/>");
    }
    x.push_str("</member>");
}

fn user_xml(x: &mut String, id: &str, account: u64, k: u64, details: bool) {
    let _ = write!(
        x,
        "<member><Path>/</Path><UserName>user-{k:03}</UserName><UserId>AIDASIM{account:08X}{k:05}</UserId><Arn>arn:aws:iam::{id}:user/user-{k:03}</Arn><CreateDate>{}</CreateDate>",
        iso(CREATED)
    );
    if details {
        x.push_str("<UserPolicyList/><GroupList/><AttachedManagedPolicies/><Tags/>");
    } else if k.is_multiple_of(2) {
        let _ = write!(
            x,
            "<PasswordLastUsed>{}</PasswordLastUsed>",
            iso(now() - 86_400 * (k as i64 + 1))
        );
    }
    x.push_str("</member>");
}

fn iam(estate: &Estate, call: &Call, account: u64) -> Answer {
    let id = Estate::id(account);
    let op = call.op.as_str();
    let mut x = String::new();
    match op {
        "ListRoles" => {
            let max = call
                .param("MaxItems")
                .and_then(|m| m.parse().ok())
                .unwrap_or(100usize);
            let (s, e, next) = page(call.param("Marker"), max, estate.roles(account) as usize);
            x.push_str("<Roles>");
            for k in s..e {
                role_xml(&mut x, &id, account, k as u64, false);
            }
            x.push_str("</Roles>");
            match next {
                Some(m) => {
                    let _ = write!(x, "<IsTruncated>true</IsTruncated><Marker>{m}</Marker>");
                }
                None => x.push_str("<IsTruncated>false</IsTruncated>"),
            }
        }
        "ListUsers" => {
            x.push_str("<Users>");
            for k in 0..estate.users(account) {
                user_xml(&mut x, &id, account, k, false);
            }
            x.push_str("</Users><IsTruncated>false</IsTruncated>");
        }
        "GetAccountAuthorizationDetails" => {
            let filters = call.params_with_prefix("Filter.member.");
            let want = |f: &str| filters.is_empty() || filters.contains(&f);
            x.push_str("<RoleDetailList>");
            if want("Role") {
                for k in 0..estate.roles(account) {
                    role_xml(&mut x, &id, account, k, true);
                }
            }
            x.push_str("</RoleDetailList><UserDetailList>");
            if want("User") {
                for k in 0..estate.users(account) {
                    user_xml(&mut x, &id, account, k, true);
                }
            }
            x.push_str(
                "</UserDetailList><GroupDetailList/><Policies/><IsTruncated>false</IsTruncated>",
            );
        }
        "ListMFADevices" | "ListPolicies" | "ListAttachedRolePolicies" => {
            let list = match op {
                "ListMFADevices" => "MFADevices",
                "ListPolicies" => "Policies",
                _ => "AttachedPolicies",
            };
            let _ = write!(x, "<{list}/><IsTruncated>false</IsTruncated>");
        }
        "GetLoginProfile" => {
            let user = call.param("UserName").unwrap_or_default();
            let k: u64 = user.trim_start_matches("user-").parse().unwrap_or(1);
            if k % 2 == 1 {
                return error(
                    call,
                    404,
                    "NoSuchEntity",
                    &format!("Login Profile for User {} cannot be found.", esc(user)),
                );
            }
            let _ = write!(
                x,
                "<LoginProfile><UserName>{}</UserName><CreateDate>{}</CreateDate><PasswordResetRequired>false</PasswordResetRequired></LoginProfile>",
                esc(user),
                iso(CREATED)
            );
        }
        "GetAccountSummary" => {
            x.push_str("<SummaryMap>");
            for (k, v) in [
                ("Users", estate.users(account)),
                ("Roles", estate.roles(account)),
                ("Groups", 0),
                ("Policies", 0),
                ("AccountMFAEnabled", 1),
                ("AccountAccessKeysPresent", 0),
                ("MFADevices", 0),
            ] {
                let _ = write!(x, "<entry><key>{k}</key><value>{v}</value></entry>");
            }
            x.push_str("</SummaryMap>");
        }
        "GetAccountPasswordPolicy" => {
            if account % 2 == 1 {
                return error(
                    call,
                    404,
                    "NoSuchEntity",
                    &format!("The Password Policy with domain name {id} cannot be found."),
                );
            }
            x.push_str("<PasswordPolicy><MinimumPasswordLength>14</MinimumPasswordLength><RequireSymbols>true</RequireSymbols><RequireNumbers>true</RequireNumbers><RequireUppercaseCharacters>true</RequireUppercaseCharacters><RequireLowercaseCharacters>true</RequireLowercaseCharacters><AllowUsersToChangePassword>true</AllowUsersToChangePassword><ExpirePasswords>false</ExpirePasswords><PasswordReusePrevention>24</PasswordReusePrevention></PasswordPolicy>");
        }
        "ListAccountAliases" => {
            let _ = write!(
                x,
                "<AccountAliases><member>{}</member></AccountAliases><IsTruncated>false</IsTruncated>",
                Estate::name(account)
            );
        }
        "GenerateCredentialReport" => {
            x.push_str("<State>COMPLETE</State><Description>No report exists. Starting a new report generation task</Description>");
        }
        "GetCredentialReport" => {
            let mut csv = String::from(
                "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n",
            );
            let created = iso(CREATED).replace('Z', "+00:00");
            let _ = writeln!(
                csv,
                "<root_account>,arn:aws:iam::{id}:root,{created},not_supported,no_information,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"
            );
            for k in 0..estate.users(account) {
                let pw = k % 2 == 0;
                let _ = writeln!(
                    csv,
                    "user-{k:03},arn:aws:iam::{id}:user/user-{k:03},{created},{pw},{},{},N/A,false,true,{created},{created},us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
                    if pw { created.as_str() } else { "N/A" },
                    if pw { created.as_str() } else { "N/A" }
                );
            }
            use base64::Engine as _;
            let _ = write!(
                x,
                "<Content>{}</Content><ReportFormat>text/csv</ReportFormat><GeneratedTime>{}</GeneratedTime>",
                base64::engine::general_purpose::STANDARD.encode(csv),
                iso(now() - 60)
            );
        }
        _ => {}
    }
    query_ok(op, &x)
}

// ---- S3 ----

fn s3(estate: &Estate, call: &Call, account: u64) -> Answer {
    let id = Estate::id(account);
    let bucket = call
        .path
        .trim_matches('/')
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    // `sim-<account>-<n>`
    let owned = bucket
        .strip_prefix(&format!("sim-{id}-"))
        .and_then(|n| n.parse::<u64>().ok())
        .filter(|&b| b < estate.buckets(account));
    if call.op != "ListBuckets" && owned.is_none() {
        return error(
            call,
            404,
            "NoSuchBucket",
            "The specified bucket does not exist",
        );
    }
    let not_found = |code: &str, msg: &str| error(call, 404, code, msg);
    match call.op.as_str() {
        "ListBuckets" => {
            let mut x = format!("<ListAllMyBucketsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Owner><ID>{id}</ID></Owner><Buckets>");
            for b in 0..estate.buckets(account) {
                let _ = write!(x, "<Bucket><Name>sim-{id}-{b}</Name><CreationDate>{}</CreationDate><BucketRegion>{}</BucketRegion></Bucket>", iso(CREATED), estate.bucket_region(account, b));
            }
            x.push_str("</Buckets></ListAllMyBucketsResult>");
            xml_ok(x)
        }
        "HeadBucket" => {
            let mut a = xml_ok(String::new());
            a.headers.push(("x-amz-bucket-region", estate.bucket_region(account, owned.unwrap_or(0)).to_owned()));
            a
        }
        "GetBucketLocation" => {
            let r = estate.bucket_region(account, owned.unwrap_or(0));
            let r = if r == "us-east-1" { "" } else { r };
            xml_ok(format!("<LocationConstraint xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">{r}</LocationConstraint>"))
        }
        "GetBucketAcl" => xml_ok(format!("<AccessControlPolicy><Owner><ID>{id}</ID></Owner><AccessControlList><Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"CanonicalUser\"><ID>{id}</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>")),
        "GetBucketEncryption" => xml_ok("<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>".to_owned()),
        "GetBucketOwnershipControls" => xml_ok("<OwnershipControls><Rule><ObjectOwnership>BucketOwnerEnforced</ObjectOwnership></Rule></OwnershipControls>".to_owned()),
        "GetPublicAccessBlock" => xml_ok("<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>".to_owned()),
        "GetBucketVersioning" => xml_ok("<VersioningConfiguration/>".to_owned()),
        "GetBucketLogging" => xml_ok("<BucketLoggingStatus/>".to_owned()),
        "GetBucketNotificationConfiguration" => xml_ok("<NotificationConfiguration/>".to_owned()),
        "GetBucketPolicy" => not_found("NoSuchBucketPolicy", "The bucket policy does not exist"),
        "GetBucketPolicyStatus" => not_found("NoSuchBucketPolicy", "The bucket policy does not exist"),
        "GetBucketLifecycleConfiguration" => not_found("NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist"),
        "GetBucketReplication" => not_found("ReplicationConfigurationNotFoundError", "The replication configuration was not found"),
        "GetBucketTagging" => not_found("NoSuchTagSet", "The TagSet does not exist"),
        "GetBucketWebsite" => not_found("NoSuchWebsiteConfiguration", "The specified bucket does not have a website configuration"),
        "GetObjectLockConfiguration" => not_found("ObjectLockConfigurationNotFoundError", "Object Lock configuration does not exist for this bucket"),
        _ => not_found("NoSuchKey", "The specified key does not exist."),
    }
}
