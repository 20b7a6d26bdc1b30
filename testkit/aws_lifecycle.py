"""Organizations' account lifecycle and Identity Center's account assignments, answered as AWS
documents them where moto 5.2.5 is too forgiving. Used by the emulator wrapper (moto_server.py),
in the same process as moto, over moto's own backends.

Organizations (calls made with the management account's credentials):
  * CreateAccount is asynchronous: the request stays IN_PROGRESS for `account_creation_s`
    seconds (0 = done at once, as moto) and the account exists only once it SUCCEEDED;
  * a creation whose email already belongs to an account (any case), of this organization or of
    `foreign_emails` (accounts outside it), ends FAILED with EMAIL_ALREADY_EXISTS;
  * at most 5 creations in progress (ConstraintViolationException
    ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED) and, with `account_quota`, at most that many accounts
    (ConstraintViolationException ACCOUNT_NUMBER_LIMIT_EXCEEDED);
  * DescribeCreateAccountStatus on an unknown id: CreateAccountStatusNotFoundException;
    ListCreateAccountStatus lists the creation requests only, paged correctly (moto repeats its
    second page forever and lists the management account);
  * MoveAccount checks that SourceParentId is the current parent (SourceParentNotFoundException)
    and refuses a move to where the account already is (DuplicateAccountException);
  * Service Quotas answers the organization's account quota (L-29A0C5DF): `account_quota`
    when set, else NoSuchResourceException from GetServiceQuota and AWS's default, 10, from
    GetAWSDefaultServiceQuota.

Invitations (moto answers every handshake call with HTTP 500):
  * InviteAccountToOrganization makes an OPEN handshake that expires after 15 days; an account
    already in an organization: HandshakeConstraintViolationException ALREADY_IN_AN_ORGANIZATION;
    an open invitation to the same target: DuplicateHandshakeException;
  * ListHandshakesForOrganization lists the organization's handshakes (ActionType filter);
  * AcceptHandshake, called by the invited account, joins it to the organization (INVITED, no
    OrganizationAccountAccessRole); CancelHandshake by the management account cancels it.

Identity Center (sso-admin):
  * CreateAccountAssignment is asynchronous: IN_PROGRESS for `assignment_s` seconds, then
    SUCCEEDED (DescribeAccountAssignmentCreationStatus, which moto lacks); an assignment that
    exists already is not stored twice (moto lists it twice); a second request on the same
    account and permission set while one is in progress: ConflictException; more than 10
    outstanding: ThrottlingException.
  * an assignment provisions its permission set to the account (moto provisions nothing); a
    change to a permission set (inline policy, managed or customer-managed policy attached or
    detached, UpdatePermissionSet) leaves every account it is provisioned to with the old copy
    until ProvisionPermissionSet (one account or ALL_PROVISIONED_ACCOUNTS);
    ListAccountsForProvisionedPermissionSet and ListPermissionSetsProvisionedToAccount answer
    from that, honouring AccountId, ProvisioningStatus and paging (moto ignores all three);
  * ListTagsForResource answers a permission set's tags (moto lacks it).
"""

import json
import threading
import time
import uuid

ACCOUNT_QUOTA_CODE = "L-29A0C5DF"


def answer(start_response, payload, status="200 OK"):
    data = json.dumps(payload).encode("utf-8")
    start_response(status, [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(data)))])
    return [data]


def refuse(start_response, code, message, **extra):
    payload = {"__type": code, "message": message, "Message": message}
    payload.update(extra)
    data = json.dumps(payload).encode("utf-8")
    start_response(
        "400 Bad Request",
        [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", code),
         ("Content-Length", str(len(data)))],
    )
    return [data]


def org_backend(account):
    from moto.organizations.models import organizations_backends

    backend = organizations_backends[account]["aws"]
    return backend if backend.org is not None else None


class Lifecycle:
    def __init__(self):
        self.lock = threading.Lock()
        self.creation_s = 0.0
        self.quota = None
        self.foreign = set()
        self.assignment_s = 0.0
        self.requests = {}  # creation request id -> request
        self.assignments = {}  # assignment request id -> request
        self.handshakes = {}  # handshake id -> (management account, handshake)
        self.versions = {}  # permission set ARN -> its version (bumped by every change)
        self.provisioned = {}  # permission set ARN -> {account: version provisioned there}

    def configure(self, spec):
        with self.lock:
            self.creation_s = float(spec.get("account_creation_s", 0))
            quota = spec.get("account_quota")
            self.quota = int(quota) if quota is not None else None
            self.foreign = {e.lower() for e in spec.get("foreign_emails", [])}
            self.assignment_s = float(spec.get("assignment_s", 0))

    def handles(self, service, action):
        return (service, action) in {
            ("organizations", "CreateAccount"),
            ("organizations", "DescribeCreateAccountStatus"),
            ("organizations", "ListCreateAccountStatus"),
            ("organizations", "MoveAccount"),
            ("organizations", "InviteAccountToOrganization"),
            ("organizations", "ListHandshakesForOrganization"),
            ("organizations", "AcceptHandshake"),
            ("organizations", "CancelHandshake"),
            ("servicequotas", "GetServiceQuota"),
            ("servicequotas", "GetAWSDefaultServiceQuota"),
            ("sso", "CreateAccountAssignment"),
            ("sso", "DescribeAccountAssignmentCreationStatus"),
            ("sso", "ListAccountAssignments"),
        } or (service, action) in PROVISIONING or (service, action) in CHANGES

    def answer(self, app, environ, service, action, account, region, body, start_response):
        spec = json.loads(body or b"{}")
        if service == "servicequotas":
            return self.quota_answer(action, spec, start_response)
        if service == "sso":
            return self.sso_answer(app, environ, action, account, region, spec, start_response)
        if action == "AcceptHandshake":
            return self.accept(spec, account, start_response)
        backend = org_backend(account)
        if backend is None:
            return app(environ, start_response)
        if action in ("InviteAccountToOrganization", "ListHandshakesForOrganization", "CancelHandshake"):
            with self.lock:
                return self.invitations(backend, account, action, spec, start_response)
        with self.lock:
            self.advance(backend)
            if action == "CreateAccount":
                return self.create(backend, spec, start_response)
            if action == "DescribeCreateAccountStatus":
                found = self.requests.get(spec.get("CreateAccountRequestId"))
                if found is None or found["org"] != backend.org.id:
                    return refuse(start_response, "CreateAccountStatusNotFoundException",
                                  "We can't find a create account request with the CreateAccountRequestId that you specified.")
                return answer(start_response, {"CreateAccountStatus": public(found)})
            if action == "ListCreateAccountStatus":
                return self.list_statuses(backend, spec, start_response)
        return self.move(app, environ, backend, spec, start_response)

    def create(self, backend, spec, start_response):
        open_requests = [
            r for r in self.requests.values() if r["org"] == backend.org.id and r["State"] == "IN_PROGRESS"
        ]
        if len(open_requests) >= 5:
            return refuse(start_response, "ConstraintViolationException",
                          "You have exceeded the number of account creation requests in progress.",
                          Reason="ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED")
        if self.quota is not None and len(backend.accounts) + len(open_requests) >= self.quota:
            return refuse(start_response, "ConstraintViolationException",
                          "You have exceeded the allowed number of AWS accounts.",
                          Reason="ACCOUNT_NUMBER_LIMIT_EXCEEDED")
        now = time.time()
        request = {
            "Id": "car-" + uuid.uuid4().hex,
            "AccountName": spec.get("AccountName", ""),
            "State": "IN_PROGRESS",
            "RequestedTimestamp": now,
            "org": backend.org.id,
            "spec": spec,
        }
        self.requests[request["Id"]] = request
        if self.creation_s <= 0:
            self.complete(backend, request)
        return answer(start_response, {"CreateAccountStatus": public(request)})

    def advance(self, backend):
        """Completes, in the order requested, every creation whose time has come."""
        now = time.time()
        due = sorted(
            (r for r in self.requests.values()
             if r["org"] == backend.org.id and r["State"] == "IN_PROGRESS"
             and now - r["RequestedTimestamp"] >= self.creation_s),
            key=lambda r: r["RequestedTimestamp"],
        )
        for request in due:
            self.complete(backend, request)

    def complete(self, backend, request):
        spec = request["spec"]
        email = spec.get("Email", "").lower()
        request["CompletedTimestamp"] = time.time()
        if email in self.foreign or any(a.email.lower() == email for a in backend.accounts):
            request["State"] = "FAILED"
            request["FailureReason"] = "EMAIL_ALREADY_EXISTS"
            return
        made = backend.create_account(**{k: v for k, v in spec.items() if k in ("AccountName", "Email", "RoleName", "Tags")})
        account_id = made["CreateAccountStatus"]["AccountId"]
        backend.get_account_by_id(account_id).create_account_status_id = request["Id"]
        request["State"] = "SUCCEEDED"
        request["AccountId"] = account_id

    def list_statuses(self, backend, spec, start_response):
        states = spec.get("States") or ["IN_PROGRESS", "SUCCEEDED", "FAILED"]
        listed = sorted(
            (r for r in self.requests.values() if r["org"] == backend.org.id and r["State"] in states),
            key=lambda r: r["RequestedTimestamp"],
        )
        start = int(spec.get("NextToken") or 0)
        size = min(int(spec.get("MaxResults") or 20), 20)
        page = listed[start:start + size]
        payload = {"CreateAccountStatuses": [public(r) for r in page]}
        if start + size < len(listed):
            payload["NextToken"] = str(start + size)
        return answer(start_response, payload)

    def move(self, app, environ, backend, spec, start_response):
        try:
            account = backend.get_account_by_id(spec.get("AccountId", ""))
        except Exception:  # moto answers AccountNotFoundException itself
            return app(environ, start_response)
        if account.parent_id == spec.get("DestinationParentId"):
            return refuse(start_response, "DuplicateAccountException",
                          "That account is already present in the specified destination.")
        if account.parent_id != spec.get("SourceParentId"):
            return refuse(start_response, "SourceParentNotFoundException",
                          "We can't find a source root or OU with the ParentId that you specified.")
        return app(environ, start_response)

    def invitations(self, backend, account, action, spec, start_response):
        from moto.organizations.models import organizations_backends

        now = time.time()
        for _, shake in self.handshakes.values():
            if shake["State"] == "OPEN" and shake["ExpirationTimestamp"] <= now:
                shake["State"] = "EXPIRED"
        if action == "ListHandshakesForOrganization":
            wanted = (spec.get("Filter") or {}).get("ActionType")
            listed = [h for mgmt, h in self.handshakes.values()
                      if mgmt == account and (wanted is None or h["Action"] == wanted)]
            return answer(start_response, {"Handshakes": sorted(listed, key=lambda h: h["RequestedTimestamp"])})
        if action == "CancelHandshake":
            found = self.handshakes.get(spec.get("HandshakeId"))
            if found is None or found[0] != account:
                return refuse(start_response, "HandshakeNotFoundException", "We can't find a handshake with the HandshakeId that you specified.")
            found[1]["State"] = "CANCELED"
            return answer(start_response, {"Handshake": found[1]})
        target = spec.get("Target") or {}
        target_id, target_type = target.get("Id", ""), target.get("Type", "ACCOUNT")
        if target_type == "ACCOUNT" and (target_id in organizations_backends.master_accounts
                                         or any(a.id == target_id for a in backend.accounts)):
            return refuse(start_response, "HandshakeConstraintViolationException",
                          "The account is already a member of an organization.", Reason="ALREADY_IN_AN_ORGANIZATION")
        if any(h["State"] == "OPEN" and h["Parties"][1]["Id"].lower() == target_id.lower()
               for mgmt, h in self.handshakes.values() if mgmt == account):
            return refuse(start_response, "DuplicateHandshakeException",
                          "A handshake with the same action and target already exists.")
        handshake_id = "h-" + uuid.uuid4().hex
        org_id = backend.org.id
        shake = {
            "Id": handshake_id,
            "Arn": f"arn:aws:organizations::{account}:handshake/{org_id}/invite/{handshake_id}",
            "Parties": [{"Id": org_id[2:], "Type": "ORGANIZATION"}, {"Id": target_id, "Type": target_type}],
            "State": "OPEN",
            "RequestedTimestamp": now,
            "ExpirationTimestamp": now + 15 * 24 * 3600,
            "Action": "INVITE",
            "Resources": [{"Value": org_id, "Type": "ORGANIZATION"}]
            + ([{"Value": spec["Notes"], "Type": "NOTES"}] if spec.get("Notes") else []),
        }
        self.handshakes[handshake_id] = (account, shake)
        return answer(start_response, {"Handshake": shake})

    def accept(self, spec, account, start_response):
        from moto.organizations.models import FakeAccount, organizations_backends

        with self.lock:
            found = self.handshakes.get(spec.get("HandshakeId"))
            if found is None or found[1]["Parties"][1]["Id"] not in (account,):
                return refuse(start_response, "HandshakeNotFoundException", "We can't find a handshake with the HandshakeId that you specified.")
            management, shake = found
            if shake["State"] != "OPEN":
                return refuse(start_response, "InvalidHandshakeTransitionException",
                              f"The handshake is {shake['State']}.")
            backend = org_backend(management)
            joined = FakeAccount.__new__(FakeAccount)
            joined.__dict__.update({
                "type": "ACCOUNT", "region": backend.org.region, "organization_id": backend.org.id,
                "master_account_id": management, "create_account_status_id": None, "id": account,
                "name": f"invited-{account}", "email": f"{account}@example.com", "status": "ACTIVE",
                "state": "ACTIVE", "joined_method": "INVITED", "parent_id": backend.org.root_id,
                "attached_policies": [], "tags": {},
            })
            from moto.core.utils import utcnow
            joined.create_time = utcnow()
            backend.accounts.append(joined)
            organizations_backends.master_accounts[account] = (management, backend.partition)
            shake["State"] = "ACCEPTED"
            return answer(start_response, {"Handshake": shake})

    def quota_answer(self, action, spec, start_response):
        if spec.get("ServiceCode") != "organizations" or spec.get("QuotaCode") != ACCOUNT_QUOTA_CODE:
            return refuse(start_response, "NoSuchResourceException", "The specified resource does not exist.")
        with self.lock:
            quota = self.quota
        if action == "GetServiceQuota" and quota is None:
            return refuse(start_response, "NoSuchResourceException", "The specified resource does not exist.")
        value = 10 if action == "GetAWSDefaultServiceQuota" else quota
        return answer(start_response, {"Quota": {
            "ServiceCode": "organizations", "QuotaCode": ACCOUNT_QUOTA_CODE,
            "QuotaName": "Default maximum number of accounts", "Value": float(value),
            "Adjustable": True, "GlobalQuota": True,
        }})

    def sso_answer(self, app, environ, action, account, region, spec, start_response):
        from moto.ssoadmin.models import ssoadmin_backends

        backend = ssoadmin_backends[account][region]
        if ("sso", action) in CHANGES:
            status, headers, body = passed(app, environ)
            if status.startswith("200"):
                with self.lock:
                    arn = spec.get("PermissionSetArn")
                    self.versions[arn] = self.versions.get(arn, 0) + 1
            start_response(status, headers)
            return [body]
        with self.lock:
            self.advance_assignments(backend)
            if action == "ListAccountAssignments":
                return app(environ, start_response)
            if ("sso", action) in PROVISIONING:
                return self.provisioning(backend, action, spec, start_response)
            if action == "DescribeAccountAssignmentCreationStatus":
                found = self.assignments.get(spec.get("AccountAssignmentCreationRequestId"))
                if found is None:
                    return refuse(start_response, "ResourceNotFoundException", "Request not found.")
                return answer(start_response, {"AccountAssignmentCreationStatus": assignment_status(found)})
            open_requests = [r for r in self.assignments.values() if r["Status"] == "IN_PROGRESS"]
            key = (spec.get("InstanceArn"), spec.get("TargetId"), spec.get("PermissionSetArn"))
            if any(r["key"][:3] == key for r in open_requests):
                return refuse(start_response, "ConflictException",
                              "An operation on this account and permission set is in progress; retry.")
            if len(open_requests) >= 10:
                return refuse(start_response, "ThrottlingException",
                              "Too many account assignment requests in progress.")
            request = {
                "RequestId": str(uuid.uuid4()),
                "Status": "IN_PROGRESS",
                "key": key + (spec.get("PrincipalType"), spec.get("PrincipalId")),
                "spec": spec,
                "CreatedDate": time.time(),
            }
            self.assignments[request["RequestId"]] = request
            if self.assignment_s <= 0:
                self.finish_assignment(backend, request)
            return answer(start_response, {"AccountAssignmentCreationStatus": assignment_status(request)})

    def advance_assignments(self, backend):
        now = time.time()
        for request in sorted(self.assignments.values(), key=lambda r: r["CreatedDate"]):
            if request["Status"] == "IN_PROGRESS" and now - request["CreatedDate"] >= self.assignment_s:
                self.finish_assignment(backend, request)

    def finish_assignment(self, backend, request):
        instance, target, permission_set, principal_type, principal_id = request["key"]
        existing = [
            a for a in backend.account_assignments
            if (a.instance_arn, a.target_id, a.permission_set_arn) == (instance, target, permission_set)
        ]
        if not any(a.principal_type == principal_type and a.principal_id == principal_id for a in existing):
            backend.create_account_assignment(
                instance, target, "AWS_ACCOUNT", permission_set, principal_type, principal_id)
            # assigning provisions the permission set to the account (its current version)
            self.provisioned.setdefault(permission_set, {})[target] = self.versions.get(permission_set, 0)
        request["Status"] = "SUCCEEDED"

    def provisioning(self, backend, action, spec, start_response):
        arn = spec.get("PermissionSetArn")
        current = self.versions.get(arn, 0)
        if action == "ListTagsForResource":
            found = [p for p in backend.permission_sets if p.permission_set_arn == spec.get("ResourceArn")]
            if not found:
                return refuse(start_response, "ResourceNotFoundException", "Resource not found.")
            return answer(start_response, {"Tags": found[0].tags or []})
        if action == "ProvisionPermissionSet":
            accounts = self.provisioned.setdefault(arn, {})
            if spec.get("TargetType") == "ALL_PROVISIONED_ACCOUNTS":
                targets = list(accounts)
            else:
                targets = [spec.get("TargetId")]
            for target in targets:
                accounts[target] = current
            return answer(start_response, {"PermissionSetProvisioningStatus": {
                "RequestId": str(uuid.uuid4()), "Status": "SUCCEEDED", "PermissionSetArn": arn,
                "AccountId": targets[0] if len(targets) == 1 else None, "CreatedDate": time.time()}})
        wanted = spec.get("ProvisioningStatus")

        def keep(permission_set, version):
            latest = version >= self.versions.get(permission_set, 0)
            return (wanted is None or (wanted == "LATEST_PERMISSION_SET_PROVISIONED") == latest)

        if action == "ListAccountsForProvisionedPermissionSet":
            items = sorted(a for a, v in self.provisioned.get(arn, {}).items() if keep(arn, v))
            key = "AccountIds"
        else:
            account = spec.get("AccountId")
            items = sorted(p for p, accounts in self.provisioned.items()
                           if account in accounts and keep(p, accounts[account]))
            key = "PermissionSets"
        start = int(spec.get("NextToken") or 0)
        size = int(spec.get("MaxResults") or 100)
        payload = {key: items[start:start + size]}
        if start + size < len(items):
            payload["NextToken"] = str(start + size)
        return answer(start_response, payload)


# Identity Center's provisioning, answered here
PROVISIONING = {
    ("sso", "ProvisionPermissionSet"),
    ("sso", "ListAccountsForProvisionedPermissionSet"),
    ("sso", "ListPermissionSetsProvisionedToAccount"),
    ("sso", "ListTagsForResource"),
}
# changes to a permission set: done by moto, then every provisioned copy is out of date
CHANGES = {
    ("sso", action) for action in (
        "PutInlinePolicyToPermissionSet", "DeleteInlinePolicyFromPermissionSet",
        "AttachManagedPolicyToPermissionSet", "DetachManagedPolicyFromPermissionSet",
        "AttachCustomerManagedPolicyReferenceToPermissionSet",
        "DetachCustomerManagedPolicyReferenceFromPermissionSet", "UpdatePermissionSet",
    )
}


def passed(app, environ):
    """Runs moto's answer, keeping its status, headers and body."""
    kept = {}

    def capture(status, headers, exc_info=None):
        kept["status"], kept["headers"] = status, headers
        return lambda data: None

    body = b"".join(app(environ, capture))
    return kept["status"], kept["headers"], body


def public(request):
    return {k: v for k, v in request.items() if k not in ("org", "spec")}


def assignment_status(request):
    instance, target, permission_set, principal_type, principal_id = request["key"]
    return {
        "RequestId": request["RequestId"], "Status": request["Status"], "TargetId": target,
        "TargetType": "AWS_ACCOUNT", "PermissionSetArn": permission_set,
        "PrincipalType": principal_type, "PrincipalId": principal_id, "CreatedDate": request["CreatedDate"],
    }
