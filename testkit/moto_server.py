"""The AWS emulator canopy's tests, demo and benchmarks run against.

moto's own server application, wrapped in a small WSGI middleware that
  * counts calls per (service, action, account, region),
  * injects faults: AWS errors in each protocol's own shape (JSON, query, EC2, REST-XML, REST-JSON),
    optionally only for some accounts, regions, actions, or the first N matching calls,
  * adds latency to every call (benchmarks),
  * keeps the bodies of chosen actions' requests (to check what was sent, e.g. SNS messages),
  * keeps connections alive (HTTP/1.1), as AWS does, where moto's server closes every one, and
    counts the connections AWS requests arrived on (to test that clients reuse them),
  * answers as AWS documents where moto does not: EC2's DescribeVolumeAttribute and CloudWatch
    Logs' GetDataProtectionPolicy, RDS's DescribeCertificates and
    DescribePendingMaintenanceActions, DynamoDB's DescribeKinesisStreamingDestination (missing
    in moto), classic ELB's predefined policies (DescribeLoadBalancerPolicies naming no load
    balancer: moto answers LoadBalancerNotFound), Security Hub's ListTagsForResource, Redshift's
    DescribeScheduledActions, CloudFront's GetMonitoringSubscription, AWS managed policies in
    every account for IAM's Attach*Policy (moto has them only when told, and then parses its
    whole list per account; also for GetPolicy and GetPolicyVersion), and IAM
    Access Analyzer's CreateAnalyzer and ListAnalyzers (kept per account and region), DescribeSnapshots' OwnerId=self (ignored by moto), S3's GetBucketVersioning and
    GetBucketNotificationConfiguration bodies carry AWS's root elements (VersioningConfiguration,
    NotificationConfiguration; moto names them Get...Response, which SDKs reject),
  * answers Organizations' account lifecycle (asynchronous creation, EMAIL_ALREADY_EXISTS, the
    account quota and the 5 creations in progress, MoveAccount's checks) and Identity Center's
    asynchronous, never duplicated account assignments and its permission-set provisioning
    (outdated copies after a change, provisioned accounts listed by status) as AWS does
    (aws_lifecycle.py),
  * answers Security Hub's GetFindings with its filters and paging, the administrator seeing its
    members' findings, and BatchUpdateFindings (missing in moto) with AWS's limits
    (aws_findings.py),
  * holds IAM credential reports back: an account's first GenerateCredentialReport answers STARTED
    (a fresh generation), later ones INPROGRESS until `report_generation_s` seconds have passed
    (benchmarks of report generation).

Control endpoints (plain JSON over HTTP, never reached by the AWS SDK):
  GET  /_canopy/calls           -> {"calls": [{"service","action","account","region","count"}],
                                    "connections": <connections that carried AWS requests>}
  POST /_canopy/calls/reset
  GET  /_canopy/requests        -> {"requests": [{"service","action","account","region","body"}]}
  POST /_canopy/faults          <- {"latency_ms": 0, "rules": [rule, ...], "record": ["Publish"],
                                    "report_generation_s": 0, "account_creation_s": 0,
                                    "account_quota": null, "foreign_emails": [],
                                    "assignment_s": 0, "unprocessed_findings": {}}
                                   (replaces the previous set)
  rule: {"service": "organizations", "action": "ListRoots", "account": "123456789012",
         "region": "us-east-1", "code": "AccessDeniedException", "message": "...",
         "status": 400, "times": 2, "contains": "text"}
  every key optional; "times" absent = always; "after": N = not the first N matching calls;
  "contains" matches the URL-decoded body; "code" answers that error; without one,
  "delay_response_s" = the call is done but its answer comes that late

Usage: python moto_server.py [--port N]  (port 0 = any free port; prints "PORT <n>" once listening)
"""

import argparse
import io
import json
import re
import sys
import threading
import time
from urllib.parse import parse_qs, unquote_plus

from werkzeug.serving import make_server

from aws_findings import Findings
from aws_lifecycle import Lifecycle
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

CREDENTIAL_RE = re.compile(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/")


class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency_ms = 0
        self.rules = []
        self.calls = {}
        self.record_actions = set()
        self.requests = []
        self.generation_s = 0.0
        self.generation_started = {}
        self.connections = set()

    def configure(self, spec):
        with self.lock:
            self.latency_ms = int(spec.get("latency_ms", 0))
            self.rules = [dict(rule) for rule in spec.get("rules", [])]
            self.record_actions = set(spec.get("record", []))
            self.generation_s = float(spec.get("report_generation_s", 0))
            self.generation_started = {}

    def keep(self, service, action, account, region, body):
        with self.lock:
            if action in self.record_actions:
                self.requests.append(
                    {"service": service, "action": action, "account": account, "region": region, "body": body}
                )

    def generating(self, account):
        """None when reports are not held back or this one is done; else the state to answer:
        STARTED for an account's first call (a fresh generation, even if moto has a report),
        INPROGRESS until `generation_s` seconds have passed."""
        with self.lock:
            if not self.generation_s:
                return None
            now = time.monotonic()
            started = self.generation_started.setdefault(account, now)
            if started == now:
                return "STARTED"
            return "INPROGRESS" if now - started < self.generation_s else None

    def record(self, key, connection):
        with self.lock:
            self.calls[key] = self.calls.get(key, 0) + 1
            self.connections.add(connection)

    def match(self, service, action, account, region, body):
        with self.lock:
            for rule in self.rules:
                if rule.get("contains") is not None and rule["contains"] not in body:
                    continue
                if any(
                    rule.get(field) not in (None, value)
                    for field, value in (
                        ("service", service),
                        ("action", action),
                        ("account", account),
                        ("region", region),
                    )
                ):
                    continue
                after = rule.get("after", 0)
                if after > 0:
                    rule["after"] = after - 1
                    continue
                times = rule.get("times")
                if times is not None:
                    if times <= 0:
                        continue
                    rule["times"] = times - 1
                return rule
        return None


# S3 bucket configuration calls, named by their subresource as AWS names the operation
S3_SUBRESOURCES = [
    ("policyStatus", "BucketPolicyStatus"), ("policy", "BucketPolicy"),
    ("versioning", "BucketVersioning"), ("publicAccessBlock", "PublicAccessBlock"),
    ("encryption", "BucketEncryption"), ("acl", "BucketAcl"),
    ("lifecycle", "BucketLifecycleConfiguration"), ("logging", "BucketLogging"),
    ("object-lock", "ObjectLockConfiguration"), ("ownershipControls", "BucketOwnershipControls"),
    ("replication", "BucketReplication"), ("website", "BucketWebsite"),
    ("tagging", "BucketTagging"), ("notification", "BucketNotificationConfiguration"),
    ("location", "BucketLocation"),
]


def volume_attribute(body, start_response):
    """DescribeVolumeAttribute, which moto lacks (HTTP 500): AWS's answer for a volume made
    outside the Marketplace with the default setting (autoEnableIO false, no product codes)."""
    form = parse_qs(body.decode("utf-8", "replace"))
    volume = (form.get("VolumeId") or [""])[0]
    attribute = (form.get("Attribute") or [""])[0]
    inner = {
        "autoEnableIO": "<autoEnableIO><value>false</value></autoEnableIO>",
        "productCodes": "<productCodes/>",
    }.get(attribute, "")
    data = (
        '<DescribeVolumeAttributeResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
        f"<requestId>canopy-volume-attribute</requestId><volumeId>{volume}</volumeId>{inner}"
        "</DescribeVolumeAttributeResponse>"
    ).encode("utf-8")
    start_response("200 OK", [("Content-Type", "text/xml"), ("Content-Length", str(len(data)))])
    return [data]


def data_protection_policy(body, start_response):
    """GetDataProtectionPolicy, which moto lacks (HTTP 500): AWS's answer for a log group with no
    data protection policy (its identifier, no document)."""
    try:
        identifier = json.loads(body or b"{}").get("logGroupIdentifier", "")
    except ValueError:
        identifier = ""
    data = json.dumps({"logGroupIdentifier": identifier}).encode("utf-8")
    start_response("200 OK", [("Content-Type", "application/x-amz-json-1.1"),
                              ("Content-Length", str(len(data)))])
    return [data]


# the certificate authorities RDS lists in commercial regions (DescribeCertificates), with
# their validity; thumbprints left out
RDS_CAS = [
    ("rds-ca-2019", "2019-08-22T17:08:50Z", "2024-08-22T17:08:50Z"),
    ("rds-ca-rsa2048-g1", "2021-05-25T23:34:57Z", "2061-05-25T23:34:57Z"),
    ("rds-ca-rsa4096-g1", "2021-05-25T23:38:12Z", "2121-05-25T23:38:12Z"),
    ("rds-ca-ecc384-g1", "2021-05-25T23:40:26Z", "2121-05-25T23:40:26Z"),
]


def rds_answer(action, region, start_response):
    """RDS's DescribeCertificates and DescribePendingMaintenanceActions, which moto lacks
    (HTTP 500): AWS's CA list, and nothing pending (what a fresh estate has)."""
    if action == "DescribeCertificates":
        inner = "<Certificates>" + "".join(
            f"<Certificate><CertificateIdentifier>{name}</CertificateIdentifier>"
            f"<CertificateType>CA</CertificateType><ValidFrom>{start}</ValidFrom>"
            f"<ValidTill>{end}</ValidTill><CertificateArn>arn:aws:rds:{region}::cert:{name}"
            f"</CertificateArn><CustomerOverride>false</CustomerOverride></Certificate>"
            for name, start, end in RDS_CAS
        ) + "</Certificates><DefaultCertificateForNewLaunches>rds-ca-rsa2048-g1</DefaultCertificateForNewLaunches>"
    else:
        inner = "<PendingMaintenanceActions/>"
    data = (
        f'<{action}Response xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><{action}Result>'
        f"{inner}</{action}Result><ResponseMetadata><RequestId>canopy-rds</RequestId>"
        f"</ResponseMetadata></{action}Response>"
    ).encode("utf-8")
    start_response("200 OK", [("Content-Type", "text/xml"), ("Content-Length", str(len(data)))])
    return [data]


def no_scheduled_actions(start_response):
    """Redshift's DescribeScheduledActions, which moto lacks (HTTP 500): AWS's answer for an
    account with none."""
    data = (
        '<DescribeScheduledActionsResponse xmlns="http://redshift.amazonaws.com/doc/2012-12-01/">'
        "<DescribeScheduledActionsResult><ScheduledActions/></DescribeScheduledActionsResult>"
        "<ResponseMetadata><RequestId>canopy-redshift</RequestId></ResponseMetadata>"
        "</DescribeScheduledActionsResponse>"
    ).encode("utf-8")
    start_response("200 OK", [("Content-Type", "text/xml"), ("Content-Length", str(len(data)))])
    return [data]


def kinesis_destinations(body, start_response):
    """DynamoDB's DescribeKinesisStreamingDestination, which moto lacks (HTTP 500): AWS's answer
    for a table that streams to no Kinesis data stream."""
    try:
        table = json.loads(body or b"{}").get("TableName", "")
    except ValueError:
        table = ""
    data = json.dumps({"TableName": table, "KinesisDataStreamDestinations": []}).encode("utf-8")
    start_response("200 OK", [("Content-Type", "application/x-amz-json-1.0"),
                              ("Content-Length", str(len(data)))])
    return [data]


# two of the predefined policies ELB lists when asked for no load balancer's (AWS lists a few
# dozen, each with every cipher's attribute; these carry a protocol attribute each)
ELB_SAMPLE_POLICIES = [
    ("ELBSecurityPolicy-2016-08", "Protocol-TLSv1"),
    ("ELBSecurityPolicy-TLS-1-2-2017-01", "Protocol-TLSv1.2"),
]


def elb_sample_policies(start_response):
    """Classic ELB's DescribeLoadBalancerPolicies with no load balancer named: AWS answers with
    its predefined (sample) policies; moto answers LoadBalancerNotFound."""
    members = "".join(
        f"<member><PolicyName>{name}</PolicyName><PolicyTypeName>SSLNegotiationPolicyType</PolicyTypeName>"
        f"<PolicyAttributeDescriptions><member><AttributeName>{attribute}</AttributeName>"
        "<AttributeValue>true</AttributeValue></member></PolicyAttributeDescriptions></member>"
        for name, attribute in ELB_SAMPLE_POLICIES
    )
    data = (
        '<DescribeLoadBalancerPoliciesResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2012-06-01/">'
        f"<DescribeLoadBalancerPoliciesResult><PolicyDescriptions>{members}</PolicyDescriptions>"
        "</DescribeLoadBalancerPoliciesResult><ResponseMetadata><RequestId>canopy-elb</RequestId>"
        "</ResponseMetadata></DescribeLoadBalancerPoliciesResponse>"
    ).encode("utf-8")
    start_response("200 OK", [("Content-Type", "text/xml"), ("Content-Length", str(len(data)))])
    return [data]


def owned_by_self(environ, body, account):
    """DescribeSnapshots with Owner.N=self: moto ignores the owner (and so lists the snapshots
    behind its built-in public AMIs as the account's own); AWS lists the account's. Rewritten as
    the owner-id filter moto honours."""
    form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    owners = [k for k, v in form.items() if k.startswith(("Owner.", "OwnerId.")) and v == ["self"]]
    if not owners:
        return environ
    for key in owners:
        del form[key]
    taken = {k.split(".")[1] for k in form if k.startswith("Filter.")}
    slot = str(max([int(n) for n in taken if n.isdigit()] + [0]) + 1)
    form[f"Filter.{slot}.Name"] = ["owner-id"]
    form[f"Filter.{slot}.Value.1"] = [account]
    from urllib.parse import urlencode
    new_body = urlencode([(k, v) for k, values in form.items() for v in values]).encode("utf-8")
    environ = dict(environ)
    environ["wsgi.input"] = io.BytesIO(new_body)
    environ["CONTENT_LENGTH"] = str(len(new_body))
    return environ


# moto's root element -> AWS's, for S3 answers whose root moto misnames
S3_ROOTS = {
    "GetBucketVersioning": ("GetBucketVersioningResponse", "VersioningConfiguration"),
    "GetBucketNotificationConfiguration": ("GetBucketNotificationResponse", "NotificationConfiguration"),
}


def rename_root(app, environ, start_response, wrong, right):
    """Runs moto's app and renames the body's root element `wrong` to `right`."""
    captured = {}

    def capture(status, headers, exc_info=None):
        captured["status"], captured["headers"] = status, headers
        return lambda data: None

    body = b"".join(app(environ, capture))
    if captured.get("status", "").startswith("200"):
        text = body.decode("utf-8")
        text = text.replace(f"<{wrong} ", f"<{right} ", 1).replace(f"<{wrong}>", f"<{right}>", 1)
        text = text.replace(f"</{wrong}>", f"</{right}>", 1)
        body = text.encode("utf-8")
    headers = [(k, v) for k, v in captured.get("headers", []) if k.lower() != "content-length"]
    headers.append(("Content-Length", str(len(body))))
    start_response(captured.get("status", "500 Internal Server Error"), headers)
    return [body]


# REST calls' operation names, by service, method and path (S3's are named by subresource)
REST_ROUTES = [
    ("lambda", "GET", r"/functions/?$", "ListFunctions"),
    ("lambda", "GET", r"/functions/[^/]+/policy/?$", "GetPolicy"),
    ("lambda", "GET", r"/functions/[^/]+/url/?$", "GetFunctionUrlConfig"),
    ("lambda", "GET", r"/functions/[^/]+/?$", "GetFunction"),
    ("eks", "GET", r"/clusters/?$", "ListClusters"),
    ("eks", "GET", r"/clusters/[^/]+/?$", "DescribeCluster"),
    ("elasticfilesystem", "GET", r"/file-systems/?$", "DescribeFileSystems"),
    ("elasticfilesystem", "GET", r"/file-systems/[^/]+/policy/?$", "DescribeFileSystemPolicy"),
    ("guardduty", "GET", r"/detector/?$", "ListDetectors"),
    ("guardduty", "GET", r"/detector/[^/]+/administrator/?$", "GetAdministratorAccount"),
    ("guardduty", "GET", r"/detector/[^/]+/?$", "GetDetector"),
    ("securityhub", "GET", r"/accounts/?$", "DescribeHub"),
    ("securityhub", "GET", r"/administrator/?$", "GetAdministratorAccount"),
    ("securityhub", "GET", r"/tags/.+$", "ListTagsForResource"),
    ("securityhub", "POST", r"/findings/?$", "GetFindings"),
    ("account", "POST", r"/getAlternateContact/?$", "GetAlternateContact"),
    ("account", "POST", r"/putAlternateContact/?$", "PutAlternateContact"),
    ("securityhub", "PATCH", r"/findings/batchupdate/?$", "BatchUpdateFindings"),
    ("securityhub", "POST", r"/findings/import/?$", "BatchImportFindings"),
    ("access-analyzer", "GET", r"/analyzer/?$", "ListAnalyzers"),
    ("access-analyzer", "PUT", r"/analyzer/?$", "CreateAnalyzer"),
    ("es", "GET", r"/domain/?$", "ListDomainNames"),
    ("es", "POST", r"/opensearch/domain-info/?$", "DescribeDomains"),
    ("es", "GET", r"/tags/?$", "ListTags"),
    ("cloudfront", "GET", r"/distribution/?$", "ListDistributions"),
    ("cloudfront", "GET", r"/distributions/[^/]+/monitoring-subscription/?$", "GetMonitoringSubscription"),
    ("cloudfront", "GET", r"/distribution/[^/]+/?$", "GetDistribution"),
    ("cloudfront", "GET", r"/tagging/?$", "ListTagsForResource"),
]


def rest_action(service, method, path, query):
    """A REST call's operation name: S3's by method and subresource (GetBucketPolicy,
    ListBuckets, HeadBucket, PutObject, ...), the reads canopy makes by REST_ROUTES, others as
    "METHOD /path"."""
    for route_service, route_method, pattern, name in REST_ROUTES:
        if service == route_service and method == route_method and re.search(pattern, path):
            return name
    if service != "s3":
        return f"{method} {path}"
    parts = [p for p in path.split("/") if p]
    if not parts:
        return "ListBuckets" if method == "GET" else f"{method} /"
    verb = {"GET": "Get", "PUT": "Put", "DELETE": "Delete"}.get(method)
    if len(parts) == 1:
        for key, name in S3_SUBRESOURCES:
            if key in query and verb:
                return verb + name
        return {"HEAD": "HeadBucket", "PUT": "CreateBucket", "DELETE": "DeleteBucket",
                "GET": "ListObjectsV2" if "list-type" in query else "ListObjects"}.get(method, f"{method} {path}")
    return {"HEAD": "HeadObject", "PUT": "PutObject", "GET": "GetObject",
            "DELETE": "DeleteObject"}.get(method, f"{method} {path}")


def account_of(environ, access_key):
    header = environ.get("HTTP_X_MOTO_ACCOUNT_ID")
    if header:
        return header
    if not access_key:
        return "123456789012"
    from moto.iam.models import get_account_id_from

    return get_account_id_from(access_key)


def error_response(protocol, code, message, status):
    if protocol in ("json", "rest-json"):
        body = json.dumps({"__type": code, "message": message})
        return status, [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", code)], body
    if protocol == "ec2":
        body = (
            f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>{code}</Code>"
            f"<Message>{message}</Message></Error></Errors><RequestID>canopy-fault</RequestID></Response>"
        )
        return status, [("Content-Type", "text/xml")], body
    if protocol == "query":
        body = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>"
            f"</Error><RequestId>canopy-fault</RequestId></ErrorResponse>"
        )
        return status, [("Content-Type", "text/xml")], body
    body = f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{message}</Message><RequestId>canopy-fault</RequestId></Error>"
    return status, [("Content-Type", "application/xml")], body


def no_monitoring_subscription(start_response):
    """CloudFront's GetMonitoringSubscription, which moto lacks (404 without a body): AWS's
    answer for a distribution without one, NoSuchMonitoringSubscription in its error shape."""
    status, headers, body = error_response(
        "query", "NoSuchMonitoringSubscription",
        "A monitoring subscription does not exist for the specified distribution.", 404)
    data = body.encode("utf-8")
    headers.append(("Content-Length", str(len(data))))
    start_response(f"{status} Not Found", headers)
    return [data]


class Analyzers:
    """IAM Access Analyzer, which moto lacks entirely: CreateAnalyzer and ListAnalyzers, kept
    per (account, region) as AWS does, answered in its REST-JSON shape."""

    def __init__(self):
        self.lock = threading.Lock()
        self.made = {}

    def answer(self, method, body, account, region, start_response):
        if method == "PUT":
            spec = json.loads(body or b"{}")
            name = spec.get("analyzerName", "")
            arn = f"arn:aws:access-analyzer:{region}:{account}:analyzer/{name}"
            analyzer = {
                "arn": arn, "name": name, "type": spec.get("type", "ACCOUNT"),
                "createdAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "status": "ACTIVE", "tags": spec.get("tags", {}),
            }
            with self.lock:
                self.made.setdefault((account, region), {})[name] = analyzer
            data = json.dumps({"arn": arn})
        else:
            with self.lock:
                listed = list(self.made.get((account, region), {}).values())
            data = json.dumps({"analyzers": listed})
        data = data.encode("utf-8")
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]


AWS_MANAGED = {}


def with_aws_managed_policy(body, account):
    """AWS managed policies exist in every account, as in AWS. moto loads them only when told
    to, and then parses its whole bundled list for every account's IAM backend (too slow for
    estates of hundreds of accounts): the one policy an Attach*Policy, GetPolicy or
    GetPolicyVersion call names is added to the account's backend from the list, parsed once."""
    arn = (parse_qs(body.decode("utf-8", "replace")).get("PolicyArn") or [""])[0]
    prefix = "arn:aws:iam::aws:policy/"
    if not arn.startswith(prefix):
        return
    from moto.iam.aws_managed_policies import aws_managed_policies_data
    from moto.iam.models import AWSManagedPolicy, iam_backends

    if not AWS_MANAGED:
        AWS_MANAGED.update(json.loads(aws_managed_policies_data))
    name = arn.rsplit("/", 1)[-1]
    data = AWS_MANAGED.get(name)
    backend = iam_backends[account]["global"]
    if data is None or arn in backend.managed_policies:
        return
    policy = AWSManagedPolicy.from_data(name, account, "us-east-1", data)
    if policy.arn == arn:
        backend.managed_policies[arn] = policy


def no_tags(start_response):
    """Security Hub's ListTagsForResource, which moto lacks (404): a hub without tags."""
    data = b'{"Tags": {}}'
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


class Middleware:
    def __init__(self, app, faults):
        self.app = app
        self.faults = faults
        self.analyzers = Analyzers()
        self.lifecycle = Lifecycle()
        self.findings = Findings()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_canopy/"):
            return self.control(environ, start_response, path)

        # the whole body is read, so a kept-alive connection is drained for its next request
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length:
            body = environ["wsgi.input"].read(length)
        elif environ.get("wsgi.input_terminated"):
            body = environ["wsgi.input"].read()
        else:
            body = b""
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        body_read(environ)

        auth = environ.get("HTTP_AUTHORIZATION", "")
        found = CREDENTIAL_RE.search(auth)
        access_key, region, service = found.groups() if found else (None, "us-east-1", "unknown")
        target = environ.get("HTTP_X_AMZ_TARGET")
        if target:
            protocol, action = "json", target.split(".")[-1]
        else:
            form = parse_qs(body.decode("utf-8", "replace")) if body else {}
            query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
            action = (form.get("Action") or query.get("Action") or [None])[0]
            if action:
                protocol = "ec2" if service == "ec2" else "query"
            else:
                # REST with XML bodies (S3, CloudFront), else REST with JSON bodies
                protocol = "rest" if service in ("s3", "cloudfront", "route53") else "rest-json"
                action = rest_action(service, environ.get("REQUEST_METHOD"), path, query)
        account = account_of(environ, access_key)

        self.faults.record((service, action, account, region), environ.get("canopy.connection"))
        if self.faults.latency_ms:
            time.sleep(self.faults.latency_ms / 1000.0)
        text = unquote_plus(body.decode("utf-8", "replace"))
        self.faults.keep(service, action, account, region, text)
        state = self.faults.generating(account) if action == "GenerateCredentialReport" else None
        if state is not None:
            if state == "STARTED":
                # moto makes its report now (answering STARTED or, with one already there,
                # COMPLETE): its answer is replaced, so every run waits for a fresh generation
                for _ in self.app(environ, lambda *a, **k: None):
                    pass
            data = (
                '<GenerateCredentialReportResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
                f"<GenerateCredentialReportResult><State>{state}</State>"
                "<Description>held back by the canopy test harness</Description>"
                "</GenerateCredentialReportResult><ResponseMetadata><RequestId>canopy-held</RequestId>"
                "</ResponseMetadata></GenerateCredentialReportResponse>"
            ).encode("utf-8")
            start_response("200 OK", [("Content-Type", "text/xml"), ("Content-Length", str(len(data)))])
            return [data]
        rule = self.faults.match(service, action, account, region, text)
        if rule is not None and rule.get("code"):
            status, headers, text = error_response(
                protocol,
                rule["code"],
                rule.get("message", "injected by the canopy test harness"),
                int(rule.get("status", 400)),
            )
            data = text.encode("utf-8")
            headers.append(("Content-Length", str(len(data))))
            start_response(f"{status} Error", headers)
            return [data]
        delay = float(rule.get("delay_response_s", 0)) if rule is not None else 0.0
        if delay:
            # done, but the answer is late: a caller killed meanwhile never hears it
            answered = list(self.route(environ, start_response, service, action, account, region, body, text, path))
            time.sleep(delay)
            return answered
        return self.route(environ, start_response, service, action, account, region, body, text, path)

    def route(self, environ, start_response, service, action, account, region, body, text, path):
        if self.findings.handles(service, action):
            return self.findings.answer(action, account, region, body, start_response)
        if self.lifecycle.handles(service, action):
            return self.lifecycle.answer(self.app, environ, service, action, account, region, body, start_response)
        if service == "logs" and action == "GetDataProtectionPolicy":
            return data_protection_policy(body, start_response)
        if service == "access-analyzer" and path.rstrip("/").endswith("/analyzer"):
            return self.analyzers.answer(environ.get("REQUEST_METHOD"), body, account, region, start_response)
        if service == "cloudfront" and action == "GetMonitoringSubscription":
            return no_monitoring_subscription(start_response)
        if service == "redshift" and action == "DescribeScheduledActions":
            return no_scheduled_actions(start_response)
        if service == "securityhub" and action == "ListTagsForResource":
            return no_tags(start_response)
        if (service == "elasticloadbalancing" and action == "DescribeLoadBalancerPolicies"
                and "LoadBalancerName=" not in text):
            return elb_sample_policies(start_response)
        if service == "dynamodb" and action == "DescribeKinesisStreamingDestination":
            return kinesis_destinations(body, start_response)
        if service == "rds" and action in ("DescribeCertificates", "DescribePendingMaintenanceActions"):
            return rds_answer(action, region, start_response)
        if service == "iam" and action in ("AttachRolePolicy", "AttachUserPolicy", "AttachGroupPolicy",
                                            "GetPolicy", "GetPolicyVersion"):
            with_aws_managed_policy(body, account)
        if service == "ec2" and action == "DescribeVolumeAttribute":
            return volume_attribute(body, start_response)
        if service == "ec2" and action == "DescribeSnapshots":
            environ = owned_by_self(environ, body, account)
        root = S3_ROOTS.get(action) if service == "s3" else None
        if root is not None:
            return rename_root(self.app, environ, start_response, *root)
        return self.app(environ, start_response)

    def control(self, environ, start_response, path):
        method = environ.get("REQUEST_METHOD")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        body_read(environ)
        if path == "/_canopy/calls" and method == "GET":
            with self.faults.lock:
                calls = [
                    {"service": s, "action": a, "account": acct, "region": r, "count": n}
                    for (s, a, acct, r), n in sorted(self.faults.calls.items(), key=lambda kv: tuple(str(x) for x in kv[0]))
                ]
                connections = len(self.faults.connections)
            payload = {"calls": calls, "connections": connections}
        elif path == "/_canopy/requests" and method == "GET":
            with self.faults.lock:
                payload = {"requests": list(self.faults.requests)}
        elif path == "/_canopy/calls/reset" and method == "POST":
            with self.faults.lock:
                self.faults.calls.clear()
                self.faults.requests.clear()
                self.faults.connections.clear()
            payload = {"ok": True}
        elif path == "/_canopy/faults" and method == "POST":
            spec = json.loads(body or b"{}")
            self.faults.configure(spec)
            self.lifecycle.configure(spec)
            self.findings.configure(spec)
            payload = {"ok": True}
        else:
            start_response("404 Not Found", [("Content-Type", "application/json")])
            return [b'{"error": "unknown control endpoint"}']
        data = json.dumps(payload).encode("utf-8")
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]


class DrainGuard:
    """The request stream, except that once the middleware has read a request's body whole, reads
    return nothing until the next request line is read. werkzeug drains whatever is left on the
    socket after each response (it expects to close the connection): on a kept-alive connection
    that would swallow the client's next request."""

    def __init__(self, raw):
        self._raw = raw
        self.body_read = False

    def read(self, *args):
        if self.body_read:
            return b""
        return self._raw.read(*args)

    def readline(self, *args):
        self.body_read = False
        return self._raw.readline(*args)

    def __getattr__(self, name):
        return getattr(self._raw, name)


def body_read(environ):
    """Tells the connection's stream that this request's body has been read whole."""
    stream = environ.get("canopy.stream")
    if stream is not None:
        stream.body_read = True


class KeepAliveHandler(MotoRequestHandler):
    """moto's request handler, but connections stay open between requests (werkzeug's development
    server always answers `Connection: close`, because it cannot drain a request body it did not
    read; the middleware reads every body whole). Each connection gets a number."""

    next_id = 0
    id_lock = threading.Lock()

    def setup(self):
        super().setup()
        self.rfile = DrainGuard(self.rfile)
        with KeepAliveHandler.id_lock:
            KeepAliveHandler.next_id += 1
            self.connection_id = KeepAliveHandler.next_id

    def make_environ(self):
        environ = super().make_environ()
        environ["canopy.connection"] = self.connection_id
        environ["canopy.stream"] = self.rfile
        return environ

    def send_header(self, keyword, value):
        if keyword.lower() == "connection" and value.lower() == "close" and self.request_version == "HTTP/1.1":
            return
        super().send_header(keyword, value)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    app = Middleware(DomainDispatcherApplication(create_backend_app), Faults())
    server = make_server("127.0.0.1", args.port, app, threaded=True, request_handler=KeepAliveHandler)
    print(f"PORT {server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
