"""Seeds an emulated AWS estate from a scenario (JSON on stdin); prints what it made (JSON on stdout).

Scenario:
{"organizations": [{
   "management_account_id": "123456789012",          # the account that creates the organization
   "policy_types": ["SERVICE_CONTROL_POLICY", ...],   # enabled on the root (default: SCPs)
   "tree": {"accounts": [ACCOUNT, ...], "ous": [{"name": "Sports", "tags": {}, "accounts": [...], "ous": [...]}]},
   "policies": [{"name": "...", "type": "SERVICE_CONTROL_POLICY", "content": {...}, "targets": ["Root", "Root/Sports", "account:prod"]}],
   "service_access": ["guardduty.amazonaws.com"],
   "delegated_admins": [{"account": "security", "service": "guardduty.amazonaws.com"}]}]}
ACCOUNT: {"name": "prod", "email": "optional", "tags": {"env": "prod"}, "state": "ACTIVE" | "SUSPENDED"}

Output: {"organizations": [{"id", "arn", "root_id", "management_account_id",
                            "ous": {"Root/Sports": "ou-..."},
                            "accounts": [{"name", "id", "ou": "Root/Sports", "state"}]}]}

Usage: python seed.py --endpoint http://127.0.0.1:PORT < scenario.json
"""

import argparse
import json
import re
import sys

import boto3

DEFAULT_MANAGEMENT = "123456789012"


def client(service, endpoint, account_id):
    c = boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
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
        for principal in spec.get("service_access", []):
            org_client.enable_aws_service_access(ServicePrincipal=principal)
        for admin in spec.get("delegated_admins", []):
            org_client.register_delegated_administrator(
                AccountId=by_name[admin["account"]], ServicePrincipal=admin["service"]
            )
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True)
    args = parser.parse_args()
    scenario = json.load(sys.stdin)
    seeder = Seeder(args.endpoint)
    made = {"organizations": [seeder.organization(spec) for spec in scenario.get("organizations", [])]}
    json.dump(made, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
