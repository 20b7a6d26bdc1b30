"""Seeds an emulated AWS estate from a scenario (JSON on stdin); prints what it made (JSON on stdout).

Scenario:
{"organizations": [{
   "management_account_id": "123456789012",          # the account that creates the organization
   "policy_types": ["SERVICE_CONTROL_POLICY", ...],   # enabled on the root (default: SCPs)
   "tree": {"accounts": [ACCOUNT, ...], "ous": [{"name": "Sports", "tags": {}, "accounts": [...], "ous": [...]}]},
   "policies": [{"name": "...", "type": "SERVICE_CONTROL_POLICY", "content": {...}, "targets": ["Root", "Root/Sports", "account:prod"]}],
   "service_access": ["guardduty.amazonaws.com"],
   "security_contacts": {"prod": {"name": "...", "email": "..."}},  # SECURITY alternate contact
   "delegated_admins": [{"account": "security", "service": "guardduty.amazonaws.com"}],
   "resources": [RESOURCES, ...]}]}
ACCOUNT: {"name": "prod", "email": "optional", "tags": {"env": "prod"}, "state": "ACTIVE" | "SUSPENDED"}
RESOURCES: {"account": "prod" (a name in this organization, or an id), "region": "eu-west-1",
            "vpc": {"cidr": "10.1.0.0/16", "internet": true,    # a VPC, a subnet, and with
                    "name": "workloads"},                      # internet: an IGW and a 0.0.0.0/0
                                                               # route; name: Name tags (subnet
                                                               # NAME-a); made: vpc_id, subnet_id
            "endpoints": [{"service": "s3", "policy": {...}}],       # gateway endpoints in the VPC
            "security_groups": [{"name": "web", "open": [22, 443]}],  # in the VPC; open: ports
                                                               # reachable from 0.0.0.0/0
            "instances": [{"name": "web-1", "elastic_ip": true}],  # in the VPC's subnet
            "roles": [{"name": "app", "trusts": "444455556666"},  # IAM (global); or a whole
                      {"name": "ci", "trust": {...}}],              # trust policy
            "oidc_providers": ["token.actions.githubusercontent.com"],  # IAM (global)
            "iam_policies": [{"name": "extra", "path": "/", "document": {...}}],  # customer managed
            "findings": [{"id": "f-1", "title": "...", "severity": "HIGH",  # Security Hub (ASFF),
                          "record_state": "ACTIVE", "user_defined_fields": {...},  # imported
                          "note": {"text": "...", "by": "..."}}],      # in the region
            "users": [{"name": "alice", "access_keys": 2, "password": true}],  # IAM (global)
            "buckets": [{"name": "reports", "policy": {...},         # S3, in the region, with
                         "versioning": true, "encryption": "AES256",  # what is given
                         "block_public": true, "tags": {"k": "v"}}],
            "flow_logs": [{"bucket": "reports", "traffic": "REJECT"}],  # on the VPC, to a bucket
                                                                     # of "buckets"
            "topics": [{"name": "alerts", "policy": {...}}],         # SNS, in the region
            "kms_keys": [{"alias": "alias/reports", "rotation": true,  # KMS, in the region
                          "policy": {...}}],
            "queues": [{"name": "uploads", "policy": {...}}],         # SQS, in the region
            "log_groups": [{"name": "/app", "retention": 30}],       # CloudWatch Logs
            "secrets": [{"name": "db", "policy": {...}}],             # Secrets Manager
            "functions": [{"name": "thumbnailer", "env": {"K": "v"},  # Lambda, in the region
                           "public": true}],                          # public: invoke by "*"
            "trails": [{"name": "audit", "bucket": "reports",          # CloudTrail, to one of
                        "multi_region": true, "validation": true}],     # "buckets"; logging
            "databases": [{"name": "orders", "engine": "postgres",     # RDS instances, with a
                           "public": true, "encrypted": false,          # manual snapshot each
                           "snapshot": {"name": "orders-1",             # when asked, shared
                                        "shared_with": ["all"]}}],      # with these
            "db_clusters": [{"name": "ledger", "snapshot": {...}}],    # Aurora clusters, same
            "dynamodb_tables": [{"name": "orders", "pitr": true}],    # DynamoDB
            "repositories": [{"name": "web", "policy": {...},          # ECR
                              "scan_on_push": true, "lifecycle": {...}}],
            "eks_clusters": [{"name": "platform"}],                    # EKS, in the VPC
            "ecs": {"cluster": "apps", "services": [{"name": "web",    # ECS: a cluster, task
                    "env": {"K": "v"}, "privileged": false}]},         # definitions, services
            "file_systems": [{"name": "shared", "policy": {...},       # EFS
                              "encrypted": false}],
            "certificates": [{"domain": "www.example.com"}],           # ACM (requested)
            "parameters": [{"name": "/app/db", "secure": true}],        # SSM
            "load_balancers": [{"name": "web", "type": "application"}, # ELBv2, in the VPC's
                               {"name": "legacy", "type": "classic"}],  # subnets; or classic
            "security": {"guardduty": true, "securityhub": true,       # the region's security
                         "analyzer": "ORGANIZATION", "config": true},   # services, turned on
            "cache_clusters": [{"name": "sessions"}],                  # ElastiCache (redis)
            "warehouses": [{"name": "warehouse", "public": true}],     # Redshift
            "build_projects": [{"name": "deploy", "env": {"K": "v"}}], # CodeBuild
            "search_domains": [{"name": "logs", "policy": {...}}],     # OpenSearch
            "distributions": [{"name": "site", "origin": "site.example.com"}]}  # CloudFront

Output: {"organizations": [{"id", "arn", "root_id", "management_account_id",
                            "ous": {"Root/Sports": "ou-..."},
                            "accounts": [{"name", "id", "ou": "Root/Sports", "state"}],
                            "resources": [{"account", "region", "instances": [...], "public_ips": [...]}]}]}

Resources may also sit at the top level ({"resources": [RESOURCES, ...]}), with accounts by id;
made topics and keys come back as "topics": {name: arn}, "kms_keys": {alias: arn}.

Reading back (for tests): {"read_s3": [{"account": "123456789012", "bucket": "reports",
"region": "us-east-1"}]} adds "s3": {bucket: [{"key", "size", "sse", "kms_key_id", "body"}]}.

Usage: python seed.py --endpoint http://127.0.0.1:PORT < scenario.json
"""

import argparse
import json
import re
import sys

import boto3

DEFAULT_MANAGEMENT = "123456789012"


# the smallest zip archive (an empty one): a Lambda function's code, never run
EMPTY_ZIP = b"PK\x05\x06" + b"\x00" * 18

# one of moto's built-in images (moto is pinned, so it is always there)
IMAGE_ID = "ami-03cf127a"


def client(service, endpoint, account_id, region="us-east-1"):
    c = boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )

    def as_account(request, **_):
        request.headers["x-moto-account-id"] = account_id

    c.meta.events.register("before-sign.*.*", as_account)
    return c


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "account"


class Seeder:
    def __init__(self, endpoint):
        self.endpoint = endpoint
        self.emails = 0

    def email(self, name):
        self.emails += 1
        return f"{slug(name)[:40]}-{self.emails}@example.com"

    def organization(self, spec):
        mgmt = spec.get("management_account_id", DEFAULT_MANAGEMENT)
        org_client = client("organizations", self.endpoint, mgmt)
        org = org_client.create_organization(FeatureSet=spec.get("feature_set", "ALL"))["Organization"]
        root_id = org_client.list_roots()["Roots"][0]["Id"]
        for policy_type in spec.get("policy_types", ["SERVICE_CONTROL_POLICY"]):
            org_client.enable_policy_type(RootId=root_id, PolicyType=policy_type)
        made = {
            "id": org["Id"],
            "arn": org["Arn"],
            "root_id": root_id,
            "management_account_id": mgmt,
            "ous": {"Root": root_id},
            "accounts": [],
        }
        self.walk(org_client, spec.get("tree", {}), root_id, "Root", made)
        by_name = {}
        for account in made["accounts"]:
            by_name.setdefault(account["name"], account["id"])
        if spec.get("identity_center"):
            made["identity_center"] = seed_identity_center(
                self.endpoint, spec["identity_center"], mgmt, by_name)
        for policy in spec.get("policies", []):
            content = policy["content"]
            created = org_client.create_policy(
                Name=policy["name"],
                Description=policy.get("description", policy["name"]),
                Type=policy.get("type", "SERVICE_CONTROL_POLICY"),
                Content=content if isinstance(content, str) else json.dumps(content),
            )["Policy"]["PolicySummary"]
            for target in policy.get("targets", []):
                if target.startswith("account:"):
                    target_id = by_name[target[len("account:"):]]
                else:
                    target_id = made["ous"][target]
                org_client.attach_policy(PolicyId=created["Id"], TargetId=target_id)
        for name, contact in spec.get("security_contacts", {}).items():
            client("account", self.endpoint, mgmt).put_alternate_contact(
                AccountId=by_name.get(name, name), AlternateContactType="SECURITY",
                Name=contact["name"], EmailAddress=contact["email"],
                PhoneNumber=contact.get("phone", "+1-555-0100"), Title=contact.get("title", "Security"))
        for principal in spec.get("service_access", []):
            org_client.enable_aws_service_access(ServicePrincipal=principal)
        for admin in spec.get("delegated_admins", []):
            org_client.register_delegated_administrator(
                AccountId=by_name[admin["account"]], ServicePrincipal=admin["service"]
            )
        made["resources"] = [
            self.resources(r, by_name.get(r["account"], r["account"])) for r in spec.get("resources", [])
        ]
        return made

    def resources(self, spec, account_id):
        region = spec.get("region", "us-east-1")
        made = {"account": account_id, "region": region, "instances": [], "public_ips": []}
        ec2 = client("ec2", self.endpoint, account_id, region)
        subnet_id = None
        if "vpc" in spec:
            cidr = spec["vpc"].get("cidr", "10.1.0.0/16")
            name = spec["vpc"].get("name")

            def named(kind, value):
                return {"TagSpecifications": [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": value}]}]} if name else {}

            vpc_id = ec2.create_vpc(CidrBlock=cidr, **named("vpc", name))["Vpc"]["VpcId"]
            subnet_id = ec2.create_subnet(
                VpcId=vpc_id, CidrBlock=cidr.replace("0.0/16", "1.0/24"), **named("subnet", f"{name}-a")
            )["Subnet"]["SubnetId"]
            made["vpc_id"] = vpc_id
            made["subnet_id"] = subnet_id
            if spec["vpc"].get("internet"):
                igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
                ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
                table = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
                ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
                ec2.associate_route_table(RouteTableId=table, SubnetId=subnet_id)
                made["internet_gateway_id"] = igw
        made["endpoints"] = []
        for endpoint in spec.get("endpoints", []):
            tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [made["vpc_id"]]}])
            extra = {"PolicyDocument": json.dumps(endpoint["policy"])} if "policy" in endpoint else {}
            made["endpoints"].append(ec2.create_vpc_endpoint(
                VpcId=made["vpc_id"], ServiceName=f"com.amazonaws.{region}.{endpoint['service']}",
                RouteTableIds=[tables["RouteTables"][0]["RouteTableId"]], **extra,
            )["VpcEndpoint"]["VpcEndpointId"])
        made["security_groups"] = {}
        for group in spec.get("security_groups", []):
            extra = {"VpcId": made["vpc_id"]} if "vpc_id" in made else {}
            group_id = ec2.create_security_group(
                GroupName=group["name"], Description=f"{group['name']} (seeded)", **extra
            )["GroupId"]
            if group.get("open"):
                ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[
                    {"IpProtocol": "tcp", "FromPort": port, "ToPort": port,
                     "IpRanges": [{"CidrIp": "0.0.0.0/0"}]} for port in group["open"]
                ])
            made["security_groups"][group["name"]] = group_id
        for instance in spec.get("instances", []):
            extra = {"SubnetId": subnet_id} if subnet_id else {}
            created = ec2.run_instances(
                ImageId=IMAGE_ID,
                MinCount=1,
                MaxCount=1,
                InstanceType=instance.get("type", "t3.micro"),
                TagSpecifications=[
                    {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": instance["name"]}]}
                ],
                **extra,
            )["Instances"][0]
            made["instances"].append(created["InstanceId"])
            if instance.get("elastic_ip"):
                eip = ec2.allocate_address(Domain="vpc")
                ec2.associate_address(AllocationId=eip["AllocationId"], InstanceId=created["InstanceId"])
                made["public_ips"].append(eip["PublicIp"])
        iam = client("iam", self.endpoint, account_id)
        for user in spec.get("users", []):
            iam.create_user(UserName=user["name"])
            for _ in range(user.get("access_keys", 0)):
                iam.create_access_key(UserName=user["name"])
            if user.get("password"):
                iam.create_login_profile(UserName=user["name"], Password="Demo-passw0rd!")
        for bucket in spec.get("buckets", []):
            s3 = client("s3", self.endpoint, account_id, region)
            extra = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
            s3.create_bucket(Bucket=bucket["name"], **extra)
            name = bucket["name"]
            if "policy" in bucket:
                s3.put_bucket_policy(Bucket=name, Policy=json.dumps(bucket["policy"]))
            if bucket.get("versioning"):
                s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
            if "encryption" in bucket:
                s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": bucket["encryption"]}}]})
            if bucket.get("block_public"):
                s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration={
                    "BlockPublicAcls": True, "IgnorePublicAcls": True,
                    "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
            if bucket.get("tags"):
                s3.put_bucket_tagging(Bucket=name, Tagging={
                    "TagSet": [{"Key": k, "Value": v} for k, v in bucket["tags"].items()]})
        made["flow_logs"] = []
        for flow in spec.get("flow_logs", []):
            # the bucket is one of this resource's own "buckets"
            created = ec2.create_flow_logs(
                ResourceIds=[made["vpc_id"]], ResourceType="VPC", TrafficType=flow.get("traffic", "ALL"),
                LogDestinationType="s3", LogDestination=f"arn:aws:s3:::{flow['bucket']}",
            )
            if created.get("Unsuccessful"):
                raise RuntimeError(f"flow log not created: {created['Unsuccessful']}")
            made["flow_logs"].extend(created["FlowLogIds"])
        sns = client("sns", self.endpoint, account_id, region)
        made["topics"] = {t["name"]: sns.create_topic(Name=t["name"])["TopicArn"] for t in spec.get("topics", [])}
        for topic in spec.get("topics", []):
            if "policy" in topic:
                sns.set_topic_attributes(TopicArn=made["topics"][topic["name"]], AttributeName="Policy",
                                         AttributeValue=json.dumps(topic["policy"]))
        kms = client("kms", self.endpoint, account_id, region)
        made["kms_keys"] = {}
        for key in spec.get("kms_keys", []):
            arn = kms.create_key()["KeyMetadata"]["Arn"]
            kms.create_alias(AliasName=key["alias"], TargetKeyId=arn)
            made["kms_keys"][key["alias"]] = arn
            if key.get("rotation"):
                kms.enable_key_rotation(KeyId=arn)
            if "policy" in key:
                kms.put_key_policy(KeyId=arn, PolicyName="default", Policy=json.dumps(key["policy"]))
        logs = client("logs", self.endpoint, account_id, region)
        for group in spec.get("log_groups", []):
            logs.create_log_group(logGroupName=group["name"])
            if "retention" in group:
                logs.put_retention_policy(logGroupName=group["name"], retentionInDays=group["retention"])
        secrets = client("secretsmanager", self.endpoint, account_id, region)
        for secret in spec.get("secrets", []):
            arn = secrets.create_secret(Name=secret["name"], SecretString="not-a-real-secret")["ARN"]
            if "policy" in secret:
                secrets.put_resource_policy(SecretId=arn, ResourcePolicy=json.dumps(secret["policy"]))
        sqs = client("sqs", self.endpoint, account_id, region)
        for queue in spec.get("queues", []):
            attributes = {"Policy": json.dumps(queue["policy"])} if "policy" in queue else {}
            sqs.create_queue(QueueName=queue["name"], Attributes=attributes)
        if spec.get("functions"):
            iam = client("iam", self.endpoint, account_id, "us-east-1")
            trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                     "Principal": {"Service": "lambda.amazonaws.com"}}]}
            role = iam.create_role(RoleName=f"lambda-exec-{region}",
                                   AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
            lam = client("lambda", self.endpoint, account_id, region)
            for fn in spec["functions"]:
                lam.create_function(FunctionName=fn["name"], Runtime=fn.get("runtime", "python3.12"),
                                    Role=role, Handler="app.handler", Code={"ZipFile": EMPTY_ZIP},
                                    Environment={"Variables": fn.get("env", {})})
                if fn.get("public"):
                    lam.add_permission(FunctionName=fn["name"], StatementId="public",
                                       Action="lambda:InvokeFunction", Principal="*")
        cloudtrail = client("cloudtrail", self.endpoint, account_id, region)
        for trail in spec.get("trails", []):
            # the bucket is one of this resource's own "buckets"
            cloudtrail.create_trail(Name=trail["name"], S3BucketName=trail["bucket"],
                                    IsMultiRegionTrail=trail.get("multi_region", False),
                                    EnableLogFileValidation=trail.get("validation", False))
            if trail.get("logging", True):
                cloudtrail.start_logging(Name=trail["name"])
        if spec.get("findings"):
            findings = []
            for f in spec["findings"]:
                finding = {
                    "SchemaVersion": "2018-10-08", "Id": f["id"],
                    "ProductArn": f"arn:aws:securityhub:{region}:{account_id}:product/{account_id}/default",
                    "GeneratorId": f.get("generator", "canopy-seed"), "AwsAccountId": account_id,
                    "Types": ["Software and Configuration Checks"], "CreatedAt": "2026-11-01T00:00:00.000Z",
                    "UpdatedAt": "2026-11-01T00:00:00.000Z", "Severity": {"Label": f.get("severity", "HIGH")},
                    "Title": f.get("title", f["id"]), "Description": f.get("title", f["id"]),
                    "Resources": [{"Type": "AwsAccount", "Id": f"AWS::::Account:{account_id}"}],
                    "RecordState": f.get("record_state", "ACTIVE"),
                    "Workflow": {"Status": f.get("workflow", "NEW")},
                }
                if "user_defined_fields" in f:
                    finding["UserDefinedFields"] = f["user_defined_fields"]
                if "note" in f:
                    finding["Note"] = {"Text": f["note"]["text"], "UpdatedBy": f["note"]["by"],
                                       "UpdatedAt": "2026-11-01T00:00:00.000Z"}
                findings.append(finding)
            client("securityhub", self.endpoint, account_id, region).batch_import_findings(Findings=findings)
        for policy in spec.get("iam_policies", []):
            client("iam", self.endpoint, account_id, "us-east-1").create_policy(
                PolicyName=policy["name"], Path=policy.get("path", "/"),
                PolicyDocument=json.dumps(policy["document"]))
        for provider in spec.get("oidc_providers", []):
            client("iam", self.endpoint, account_id, "us-east-1").create_open_id_connect_provider(
                Url=f"https://{provider}", ClientIDList=["sts.amazonaws.com"], ThumbprintList=["a" * 40])
        if spec.get("roles"):
            iam = client("iam", self.endpoint, account_id, "us-east-1")
            for role in spec["roles"]:
                if "trust" in role:
                    # a whole trust policy, as written
                    iam.create_role(RoleName=role["name"], AssumeRolePolicyDocument=json.dumps(role["trust"]))
                    continue
                trust = {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"AWS": f"arn:aws:iam::{role.get('trusts', account_id)}:root"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
                iam.create_role(RoleName=role["name"], AssumeRolePolicyDocument=json.dumps(trust))
        for seeder in SEEDERS:
            seeder(self.endpoint, spec, account_id, region)
        seed_edge(self.endpoint, spec, account_id, region, made)
        return made

    def walk(self, org_client, node, parent_id, path, made):
        for account in node.get("accounts", []):
            status = org_client.create_account(
                AccountName=account["name"], Email=account.get("email") or self.email(account["name"])
            )["CreateAccountStatus"]
            account_id = status["AccountId"]
            root_id = made["root_id"]
            if parent_id != root_id:
                org_client.move_account(AccountId=account_id, SourceParentId=root_id, DestinationParentId=parent_id)
            tags = account.get("tags", {})
            if tags:
                org_client.tag_resource(
                    ResourceId=account_id, Tags=[{"Key": k, "Value": v} for k, v in sorted(tags.items())]
                )
            state = account.get("state", "ACTIVE")
            if state == "SUSPENDED":
                org_client.close_account(AccountId=account_id)
            made["accounts"].append({"name": account["name"], "id": account_id, "ou": path, "state": state})
        for ou in node.get("ous", []):
            created = org_client.create_organizational_unit(ParentId=parent_id, Name=ou["name"])
            ou_id = created["OrganizationalUnit"]["Id"]
            tags = ou.get("tags", {})
            if tags:
                org_client.tag_resource(ResourceId=ou_id, Tags=[{"Key": k, "Value": v} for k, v in sorted(tags.items())])
            child_path = f"{path}/{ou['name']}"
            made["ous"][child_path] = ou_id
            self.walk(org_client, ou, ou_id, child_path, made)


def seed_identity_center(endpoint, spec, management, accounts):
    """The organization's Identity Center instance (the management account's, in the spec's
    region): permission sets (SessionDuration given as AWS gives it; a name, or an object with
    an inline policy, AWS-managed and customer-managed policies and tags), groups (a name, or an
    object with members by email) and users, created in the identity store the instance names;
    then assignments (account by name or id; a user by email or a group), and the permission sets
    named in "outdated" changed afterwards (their provisioned copies are then out of date)."""
    region = spec.get("region", "us-east-1")
    sso = client("sso-admin", endpoint, management, region)
    instance = sso.list_instances()["Instances"][0]
    arn = instance["InstanceArn"]
    made = {"instance_arn": arn, "identity_store_id": instance["IdentityStoreId"],
            "permission_sets": {}, "groups": {}, "users": {}}
    inline = {}
    for item in spec.get("permission_sets", []):
        item = item if isinstance(item, dict) else {"name": item}
        tags = [{"Key": k, "Value": v} for k, v in item.get("tags", {}).items()]
        ps = sso.create_permission_set(
            InstanceArn=arn, Name=item["name"], SessionDuration="PT1H", **({"Tags": tags} if tags else {}),
        )["PermissionSet"]["PermissionSetArn"]
        made["permission_sets"][item["name"]] = ps
        if "inline_policy" in item:
            inline[item["name"]] = json.dumps(item["inline_policy"])
            sso.put_inline_policy_to_permission_set(InstanceArn=arn, PermissionSetArn=ps,
                                                    InlinePolicy=inline[item["name"]])
        for policy in item.get("managed", []):
            sso.attach_managed_policy_to_permission_set(InstanceArn=arn, PermissionSetArn=ps,
                                                        ManagedPolicyArn=policy)
        for policy in item.get("customer_managed", []):
            sso.attach_customer_managed_policy_reference_to_permission_set(
                InstanceArn=arn, PermissionSetArn=ps,
                CustomerManagedPolicyReference={"Name": policy["name"], "Path": policy.get("path", "/")})
    store = client("identitystore", endpoint, management, region)
    for user in spec.get("users", []):
        made["users"][user["email"]] = store.create_user(
            IdentityStoreId=instance["IdentityStoreId"], UserName=user["email"],
            DisplayName=f"{user['given']} {user['family']}",
            Name={"GivenName": user["given"], "FamilyName": user["family"]},
            Emails=[{"Value": user["email"], "Primary": True, "Type": "work"}],
        )["UserId"]
    for group in spec.get("groups", []):
        group = group if isinstance(group, dict) else {"name": group}
        group_id = store.create_group(IdentityStoreId=instance["IdentityStoreId"],
                                      DisplayName=group["name"])["GroupId"]
        made["groups"][group["name"]] = group_id
        for email in group.get("members", []):
            store.create_group_membership(IdentityStoreId=instance["IdentityStoreId"], GroupId=group_id,
                                          MemberId={"UserId": made["users"][email]})
    for assignment in spec.get("assignments", []):
        if "group" in assignment:
            principal = ("GROUP", made["groups"][assignment["group"]])
        else:
            principal = ("USER", made["users"][assignment["user"]])
        sso.create_account_assignment(
            InstanceArn=arn, TargetId=accounts.get(assignment["account"], assignment["account"]),
            TargetType="AWS_ACCOUNT", PermissionSetArn=made["permission_sets"][assignment["permission_set"]],
            PrincipalType=principal[0], PrincipalId=principal[1])
    for name in spec.get("outdated", []):
        sso.put_inline_policy_to_permission_set(
            InstanceArn=arn, PermissionSetArn=made["permission_sets"][name],
            InlinePolicy=inline.get(name) or json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Deny", "Action": "account:CloseAccount", "Resource": "*"}]}))
    return made


def seed_rds(endpoint, spec, account_id, region):
    """RDS instances and Aurora clusters, each with a manual snapshot when asked, shared with
    the given accounts (or "all": public)."""
    if not spec.get("databases") and not spec.get("db_clusters"):
        return
    rds = client("rds", endpoint, account_id, region)
    for db in spec.get("databases", []):
        rds.create_db_instance(
            DBInstanceIdentifier=db["name"], DBInstanceClass=db.get("class", "db.t3.micro"),
            Engine=db.get("engine", "postgres"), AllocatedStorage=20, MasterUsername="admin",
            MasterUserPassword="not-a-real-password", PubliclyAccessible=db.get("public", False),
            StorageEncrypted=db.get("encrypted", True), BackupRetentionPeriod=db.get("backups", 7),
            Tags=[{"Key": k, "Value": v} for k, v in db.get("tags", {}).items()],
        )
        snapshot = db.get("snapshot")
        if snapshot:
            rds.create_db_snapshot(DBInstanceIdentifier=db["name"], DBSnapshotIdentifier=snapshot["name"])
            if snapshot.get("shared_with"):
                rds.modify_db_snapshot_attribute(DBSnapshotIdentifier=snapshot["name"], AttributeName="restore",
                                                 ValuesToAdd=snapshot["shared_with"])
    for cluster in spec.get("db_clusters", []):
        rds.create_db_cluster(
            DBClusterIdentifier=cluster["name"], Engine=cluster.get("engine", "aurora-postgresql"),
            MasterUsername="admin", MasterUserPassword="not-a-real-password",
            StorageEncrypted=cluster.get("encrypted", True),
            DeletionProtection=cluster.get("deletion_protection", False),
        )
        snapshot = cluster.get("snapshot")
        if snapshot:
            rds.create_db_cluster_snapshot(DBClusterIdentifier=cluster["name"],
                                           DBClusterSnapshotIdentifier=snapshot["name"])
            if snapshot.get("shared_with"):
                rds.modify_db_cluster_snapshot_attribute(
                    DBClusterSnapshotIdentifier=snapshot["name"], AttributeName="restore",
                    ValuesToAdd=snapshot["shared_with"])


def seed_containers(endpoint, spec, account_id, region):
    """DynamoDB tables, ECR repositories, EKS clusters, an ECS cluster with a task definition
    and a service per entry, and EFS file systems."""
    if spec.get("dynamodb_tables"):
        ddb = client("dynamodb", endpoint, account_id, region)
        for table in spec["dynamodb_tables"]:
            ddb.create_table(TableName=table["name"], BillingMode="PAY_PER_REQUEST",
                             AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                             KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
            if table.get("pitr"):
                ddb.update_continuous_backups(TableName=table["name"], PointInTimeRecoverySpecification={
                    "PointInTimeRecoveryEnabled": True})
    if spec.get("repositories"):
        ecr = client("ecr", endpoint, account_id, region)
        for repo in spec["repositories"]:
            ecr.create_repository(repositoryName=repo["name"],
                                  imageScanningConfiguration={"scanOnPush": repo.get("scan_on_push", False)})
            if "policy" in repo:
                ecr.set_repository_policy(repositoryName=repo["name"], policyText=json.dumps(repo["policy"]))
            if "lifecycle" in repo:
                ecr.put_lifecycle_policy(repositoryName=repo["name"],
                                         lifecyclePolicyText=json.dumps(repo["lifecycle"]))
    if spec.get("eks_clusters"):
        eks = client("eks", endpoint, account_id, region)
        for cluster in spec["eks_clusters"]:
            eks.create_cluster(name=cluster["name"], roleArn=f"arn:aws:iam::{account_id}:role/eks",
                               resourcesVpcConfig={"subnetIds": [], "endpointPublicAccess": True})
    if spec.get("ecs"):
        ecs = client("ecs", endpoint, account_id, region)
        cluster = spec["ecs"]["cluster"]
        ecs.create_cluster(clusterName=cluster)
        for service in spec["ecs"].get("services", []):
            arn = ecs.register_task_definition(
                family=service["name"], networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
                cpu="256", memory="512",
                containerDefinitions=[{
                    "name": service["name"], "image": f"{service['name']}:latest", "essential": True,
                    "privileged": service.get("privileged", False),
                    "environment": [{"name": k, "value": v} for k, v in service.get("env", {}).items()],
                }])["taskDefinition"]["taskDefinitionArn"]
            ecs.create_service(cluster=cluster, serviceName=service["name"], taskDefinition=arn,
                               desiredCount=1, launchType="FARGATE")
    if spec.get("file_systems"):
        efs = client("efs", endpoint, account_id, region)
        for fs in spec["file_systems"]:
            made = efs.create_file_system(CreationToken=fs["name"], Encrypted=fs.get("encrypted", True),
                                          Tags=[{"Key": "Name", "Value": fs["name"]}])
            if "policy" in fs:
                efs.put_file_system_policy(FileSystemId=made["FileSystemId"], Policy=json.dumps(fs["policy"]))


def seed_edge(endpoint, spec, account_id, region, made):
    """ACM certificates, SSM parameters (their values never read back by canopy) and load
    balancers (application and network ones in the VPC's subnets, made here in two zones)."""
    if spec.get("certificates"):
        acm = client("acm", endpoint, account_id, region)
        for cert in spec["certificates"]:
            acm.request_certificate(DomainName=cert["domain"], ValidationMethod="DNS",
                                    SubjectAlternativeNames=cert.get("alternative_names", [cert["domain"]]))
    if spec.get("parameters"):
        ssm = client("ssm", endpoint, account_id, region)
        for parameter in spec["parameters"]:
            tags = [{"Key": k, "Value": v} for k, v in parameter.get("tags", {}).items()]
            ssm.put_parameter(Name=parameter["name"], Value=parameter.get("value", "not-a-real-secret"),
                              Type="SecureString" if parameter.get("secure") else "String",
                              **({"Tags": tags} if tags else {}))
    balancers = spec.get("load_balancers", [])
    if not balancers:
        return
    ec2 = client("ec2", endpoint, account_id, region)
    subnets = [made["subnet_id"]] if made.get("subnet_id") else []
    if not subnets:
        # no VPC made here: the default VPC's subnets, one per zone
        subnets = [s["SubnetId"] for s in ec2.describe_subnets(
            Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]][:2]
    elif "vpc" in spec:
        cidr = spec["vpc"].get("cidr", "10.1.0.0/16").replace("0.0/16", "2.0/24")
        subnets.append(ec2.create_subnet(VpcId=made["vpc_id"], CidrBlock=cidr,
                                         AvailabilityZone=f"{region}b")["Subnet"]["SubnetId"])
    for balancer in balancers:
        if balancer.get("type") == "classic":
            elb = client("elb", endpoint, account_id, region)
            elb.create_load_balancer(LoadBalancerName=balancer["name"], AvailabilityZones=[f"{region}a"],
                                     Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80,
                                                 "InstanceProtocol": "HTTP", "InstancePort": 80}])
        else:
            elbv2 = client("elbv2", endpoint, account_id, region)
            elbv2.create_load_balancer(Name=balancer["name"], Subnets=subnets,
                                       Type=balancer.get("type", "application"),
                                       Scheme=balancer.get("scheme", "internet-facing"))


def seed_security(endpoint, spec, account_id, region):
    """GuardDuty, Security Hub, an Access Analyzer analyzer (of the given zone of trust) and an
    AWS Config recorder, as asked."""
    wanted = spec.get("security") or {}
    if wanted.get("guardduty"):
        client("guardduty", endpoint, account_id, region).create_detector(Enable=True)
    if wanted.get("securityhub"):
        client("securityhub", endpoint, account_id, region).enable_security_hub()
    if wanted.get("analyzer"):
        client("accessanalyzer", endpoint, account_id, region).create_analyzer(
            analyzerName=f"{wanted['analyzer'].lower()}-analyzer", type=wanted["analyzer"])
    if wanted.get("config"):
        config = client("config", endpoint, account_id, region)
        config.put_configuration_recorder(ConfigurationRecorder={
            "name": "default", "roleARN": f"arn:aws:iam::{account_id}:role/config",
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}})


def seed_data(endpoint, spec, account_id, region):
    """ElastiCache clusters, Redshift clusters, CodeBuild projects, OpenSearch domains and
    CloudFront distributions (global)."""
    for cache in spec.get("cache_clusters", []):
        client("elasticache", endpoint, account_id, region).create_cache_cluster(
            CacheClusterId=cache["name"], Engine=cache.get("engine", "redis"),
            CacheNodeType="cache.t3.micro", NumCacheNodes=1)
    for warehouse in spec.get("warehouses", []):
        client("redshift", endpoint, account_id, region).create_cluster(
            ClusterIdentifier=warehouse["name"], NodeType="ra3.xlplus", MasterUsername="admin",
            MasterUserPassword="Not-a-real-passw0rd", ClusterType="single-node",
            PubliclyAccessible=warehouse.get("public", False), Encrypted=warehouse.get("encrypted", False))
    for project in spec.get("build_projects", []):
        client("codebuild", endpoint, account_id, region).create_project(
            name=project["name"], source={"type": "S3", "location": f"builds-{account_id}/source.zip"},
            artifacts={"type": "NO_ARTIFACTS"},
            environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
                         "computeType": "BUILD_GENERAL1_SMALL",
                         "environmentVariables": [{"name": k, "value": v, "type": "PLAINTEXT"}
                                                  for k, v in project.get("env", {}).items()]},
            serviceRole=f"arn:aws:iam::{account_id}:role/codebuild")
    for distribution in spec.get("distributions", []):
        client("cloudfront", endpoint, account_id, "us-east-1").create_distribution(DistributionConfig={
            "CallerReference": distribution["name"], "Comment": distribution["name"], "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [{
                "Id": "origin", "DomainName": distribution.get("origin", "origin.example.com"),
                "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443,
                                       "OriginProtocolPolicy": distribution.get("origin_protocol", "https-only")}}]},
            "DefaultCacheBehavior": {"TargetOriginId": "origin",
                                     "ViewerProtocolPolicy": distribution.get("viewer_protocol", "redirect-to-https"),
                                     "MinTTL": 0, "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}}}})
    for domain in spec.get("search_domains", []):
        extra = {"AccessPolicies": json.dumps(domain["policy"])} if "policy" in domain else {}
        client("opensearch", endpoint, account_id, region).create_domain(
            DomainName=domain["name"], EngineVersion="OpenSearch_2.13", **extra)


# seeders of the services added after the first ones: each takes what it knows from a
# RESOURCES entry and ignores the rest
SEEDERS = [seed_rds, seed_containers, seed_security, seed_data]


def read_s3(endpoint, spec):
    s3 = client("s3", endpoint, spec.get("account", DEFAULT_MANAGEMENT), spec.get("region", "us-east-1"))
    objects = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=spec["bucket"]):
        for item in page.get("Contents", []):
            got = s3.get_object(Bucket=spec["bucket"], Key=item["Key"])
            objects.append(
                {
                    "key": item["Key"],
                    "size": item["Size"],
                    "sse": got.get("ServerSideEncryption"),
                    "kms_key_id": got.get("SSEKMSKeyId"),
                    "content_type": got.get("ContentType"),
                    "body": got["Body"].read().decode("utf-8"),
                }
            )
    return objects


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True)
    args = parser.parse_args()
    scenario = json.load(sys.stdin)
    seeder = Seeder(args.endpoint)
    made = {"organizations": [seeder.organization(spec) for spec in scenario.get("organizations", [])]}
    # resources in accounts given by id, outside any organization spec
    made["resources"] = [seeder.resources(r, r["account"]) for r in scenario.get("resources", [])]
    if scenario.get("read_s3"):
        made["s3"] = {spec["bucket"]: read_s3(args.endpoint, spec) for spec in scenario["read_s3"]}
    json.dump(made, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
