"""`canopy account apply` on an N-row batch file against the emulator, with account creation
held IN_PROGRESS for C seconds (AWS takes minutes) and assignments for A seconds: the wall time
against the bound AWS's 5-creations-in-flight limit sets, and the calls made.

Usage: .venv/bin/python bench/account_batch.py [--rows 25] [--creation-s 5] [--assignment-s 1]
       [--latency-ms 50] [--poll-ms 1000]
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from emulator import calls_by_action, canopy_binary, control, emulator, seed

HEADER = "AccountName,SSOUserEmail,AccountEmail,SSOUserFirstName,SSOUserLastName,OrgUnit,Status,AccountId,ErrorMsg,Tags,SSOGroup,PermissionSet"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=25)
    parser.add_argument("--creation-s", type=float, default=5)
    parser.add_argument("--assignment-s", type=float, default=1)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--poll-ms", type=int, default=1000)
    args = parser.parse_args()
    binary = canopy_binary()

    with emulator() as endpoint:
        spec = {
            "tree": {"accounts": [{"name": "shared"}],
                     "ous": [{"name": "Workloads", "accounts": [], "ous": [{"name": "Prod", "accounts": [], "ous": []}]}]},
            "identity_center": {"region": "us-east-1", "permission_sets": ["AWSAdministratorAccess", "ReadOnlyAccess"],
                                "groups": ["Platform"], "users": []},
        }
        seed(endpoint, {"organizations": [spec]})
        with tempfile.TemporaryDirectory() as tmp:
            rows = [HEADER] + [
                f"team-{i:03},,team-{i:03}@example.com,,,Workloads/Prod,,,,env=prod,Platform,ReadOnlyAccess"
                for i in range(args.rows)
            ]
            batch = Path(tmp, "batch.csv")
            batch.write_text("\n".join(rows) + "\n")
            env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="bench",
                       AWS_SECRET_ACCESS_KEY="bench", AWS_REGION="us-east-1", HOME=tmp,
                       CANOPY_DB=f"{tmp}/canopy.db", CANOPY_ORG_TTL="24h", CANOPY_POLL_MS=str(args.poll_ms))
            env.pop("CANOPY_CONFIG", None)
            subprocess.run([binary, "org", "sync", "--quiet"], env=env, check=True, stdout=subprocess.DEVNULL)
            control(endpoint, "/_canopy/faults", {
                "latency_ms": args.latency_ms, "account_creation_s": args.creation_s,
                "assignment_s": args.assignment_s, "account_quota": 1000, "rules": [],
            })
            control(endpoint, "/_canopy/calls/reset", {})
            start = time.monotonic()
            proc = subprocess.run([binary, "account", "apply", str(batch), "--yes", "--format", "json", "--quiet"],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            seconds = time.monotonic() - start
            if proc.returncode != 0:
                sys.exit(f"canopy account apply failed with exit code {proc.returncode}")
            report = json.loads(proc.stdout)
            first = calls_by_action(endpoint)

            control(endpoint, "/_canopy/calls/reset", {})
            start = time.monotonic()
            subprocess.run([binary, "account", "apply", str(batch), "--yes", "--format", "json", "--quiet"],
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            again_seconds = time.monotonic() - start
            again = calls_by_action(endpoint)

    ok = sum(1 for r in report["rows"] if r["status"] == "SUCCEEDED")
    waves = math.ceil(args.rows / 5)
    bound = waves * args.creation_s + args.assignment_s
    serial = args.rows * (args.creation_s + args.assignment_s)
    writes = ("CreateAccount", "MoveAccount", "TagResource", "CreateUser", "CreateAccountAssignment")
    print(f"batch: {args.rows} rows, creation {args.creation_s:g} s, assignment {args.assignment_s:g} s, "
          f"latency {args.latency_ms} ms, first poll {args.poll_ms} ms")
    print(f"canopy: {seconds:.1f} s, {ok}/{args.rows} SUCCEEDED")
    print(f"bound (5 creations in flight): {waves} x {args.creation_s:g} s + {args.assignment_s:g} s = {bound:.1f} s; "
          f"canopy reaches {bound / seconds:.0%} of it")
    print(f"one account at a time (the post's Lambda chain): {serial:.0f} s")
    print("calls: " + ", ".join(f"{a} {n}" for a, n in sorted(first.items())))
    print(f"applied again: {again_seconds:.1f} s, writes {sum(again.get(w, 0) for w in writes)}, "
          f"calls {sum(again.values())}: " + ", ".join(f"{a} {n}" for a, n in sorted(again.items())))


if __name__ == "__main__":
    main()
