"""Security Hub (CSPM) findings as AWS documents them, where moto 5.2.5 lacks or ignores it. Used
by the emulator wrapper (moto_server.py), in the same process as moto, over moto's own backends.

  * GetFindings honours Filters (EQUALS, NOT_EQUALS and PREFIX on Id, ProductArn, AwsAccountId,
    RecordState, WorkflowStatus, SeverityLabel, ComplianceStatus; any other field is refused as
    AWS would not ignore it), pages by MaxResults (1-100) and NextToken, and the Security Hub
    administrator of an organization — its management account, or the account delegated for
    securityhub.amazonaws.com — sees every member's findings of the region (moto keeps findings
    per account and region, and shows each account its own only);
  * BatchUpdateFindings (missing in moto): at most 100 FindingIdentifiers; Note.Text at most 512
    characters, at most 50 UserDefinedFields with keys up to 128 and values up to 1,024
    characters (otherwise InvalidInputException, nothing updated); the fields given replace the
    finding's, the note replaces its note (UpdatedBy kept); a finding the caller cannot see is
    unprocessed (FindingNotFound), as is one named in the `unprocessed_findings` fault setting
    ({"finding id": "ErrorCode"}).
"""

import json
import threading
import time

from aws_lifecycle import answer, refuse

FIELDS = {
    "Id": lambda f: f.get("Id"),
    "ProductArn": lambda f: f.get("ProductArn"),
    "AwsAccountId": lambda f: f.get("AwsAccountId"),
    "RecordState": lambda f: f.get("RecordState", "ACTIVE"),
    "WorkflowStatus": lambda f: (f.get("Workflow") or {}).get("Status", "NEW"),
    "SeverityLabel": lambda f: (f.get("Severity") or {}).get("Label"),
    "ComplianceStatus": lambda f: (f.get("Compliance") or {}).get("Status"),
}


def visible_accounts(account):
    """The accounts whose findings `account` sees: its own, or every account of its
    organization when it is the organization's Security Hub administrator (its management
    account, or the account delegated for securityhub.amazonaws.com)."""
    from moto.organizations.models import organizations_backends

    owner = organizations_backends.master_accounts.get(account)
    master = owner[0] if owner else account
    backend = organizations_backends[master]["aws"]
    if backend.org is None:
        return {account}
    admins = {d.account.id for d in backend.admins if "securityhub.amazonaws.com" in d.services}
    if account != backend.org.master_account_id and account not in admins:
        return {account}
    return {a.id for a in backend.accounts} | {backend.org.master_account_id}


def matches(finding, filters):
    for field, conditions in (filters or {}).items():
        value = FIELDS[field](finding)
        wanted = [c for c in conditions if c.get("Comparison", "EQUALS") in ("EQUALS", "PREFIX")]
        unwanted = [c for c in conditions if c.get("Comparison") == "NOT_EQUALS"]
        if wanted and not any(
            (value == c["Value"]) if c.get("Comparison", "EQUALS") == "EQUALS"
            else str(value or "").startswith(c["Value"]) for c in wanted
        ):
            return False
        if any(value == c["Value"] for c in unwanted):
            return False
    return True


class Findings:
    def __init__(self):
        self.lock = threading.Lock()
        self.unprocessed = {}

    def configure(self, spec):
        with self.lock:
            self.unprocessed = dict(spec.get("unprocessed_findings", {}))

    def handles(self, service, action):
        return service == "securityhub" and action in ("GetFindings", "BatchUpdateFindings")

    def findings(self, account, region):
        from moto.securityhub.models import securityhub_backends

        out = []
        for acct in sorted(visible_accounts(account)):
            if acct in securityhub_backends and region in securityhub_backends[acct]:
                out.extend(securityhub_backends[acct][region].findings)
        return out

    def answer(self, action, account, region, body, start_response):
        spec = json.loads(body or b"{}")
        with self.lock:
            if action == "GetFindings":
                return self.get(account, region, spec, start_response)
            return self.update(account, region, spec, start_response)

    def get(self, account, region, spec, start_response):
        filters = spec.get("Filters") or {}
        unknown = sorted(set(filters) - set(FIELDS))
        if unknown:
            return refuse(start_response, "InvalidInputException",
                          f"The filter fields {unknown} are not supported by this emulator.")
        size = int(spec.get("MaxResults") or 100)
        if size < 1 or size > 100:
            return refuse(start_response, "InvalidInputException", "MaxResults must be between 1 and 100.")
        found = [f.data for f in self.findings(account, region) if matches(f.data, filters)]
        start = int(spec.get("NextToken") or 0)
        payload = {"Findings": found[start:start + size]}
        if start + size < len(found):
            payload["NextToken"] = str(start + size)
        return answer(start_response, payload)

    def update(self, account, region, spec, start_response):
        ids = spec.get("FindingIdentifiers") or []
        if not ids or len(ids) > 100:
            return refuse(start_response, "InvalidInputException",
                          "FindingIdentifiers must hold between 1 and 100 findings.")
        note = spec.get("Note")
        if note is not None and len(note.get("Text", "")) > 512:
            return refuse(start_response, "InvalidInputException", "Note.Text is longer than 512 characters.")
        fields = spec.get("UserDefinedFields")
        if fields is not None:
            if len(fields) > 50:
                return refuse(start_response, "InvalidInputException",
                              "UserDefinedFields holds more than 50 fields.")
            if any(len(k) > 128 or len(v) > 1024 for k, v in fields.items()):
                return refuse(start_response, "InvalidInputException",
                              "A UserDefinedFields key is longer than 128 or a value longer than 1024 characters.")
        visible = {(f.data.get("Id"), f.data.get("ProductArn")): f for f in self.findings(account, region)}
        processed, unprocessed = [], []
        for ident in ids:
            key = (ident.get("Id"), ident.get("ProductArn"))
            finding = visible.get(key)
            code = self.unprocessed.get(ident.get("Id")) or (None if finding else "FindingNotFound")
            if code:
                unprocessed.append({"FindingIdentifier": ident, "ErrorCode": code,
                                    "ErrorMessage": f"The finding could not be updated: {code}."})
                continue
            now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
            if note is not None:
                finding.data["Note"] = {"Text": note["Text"], "UpdatedBy": note.get("UpdatedBy", ""),
                                        "UpdatedAt": now}
            if fields is not None:
                finding.data["UserDefinedFields"] = dict(fields)
            finding.data["UpdatedAt"] = now
            processed.append(ident)
        return answer(start_response, {"ProcessedFindings": processed, "UnprocessedFindings": unprocessed})
