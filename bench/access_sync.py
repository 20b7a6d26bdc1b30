"""`canopy access sync` on a seeded Identity Center (A accounts, P permission sets, U users, G
groups of U/G members each, every group holding S permission sets on A/2 accounts, every fifth
user one set directly) with L ms of latency per call: the calls made, by action, and the time
against the bound Identity Center's shared 20 requests a second sets ((calls - the bucket's burst
of 20) / 20).

Usage: .venv/bin/python bench/access_sync.py [--accounts 40] [--permission-sets 8] [--users 200]
       [--groups 20] [--sets-per-group 2] [--latency-ms 50]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from emulator import calls_by_action, canopy_binary, control, emulator, seed


def scenario(args):
    accounts = [{"name": f"app-{i:03}"} for i in range(args.accounts)]
    users = [{"email": f"user-{i:04}@example.com", "given": "User", "family": f"N{i}"} for i in range(args.users)]
    sets = [f"Set{i:02}" for i in range(args.permission_sets)]
    per_group = max(1, args.users // args.groups)
    groups = [{"name": f"team-{g:02}", "members": [u["email"] for u in users[g * per_group:(g + 1) * per_group]]}
              for g in range(args.groups)]
    assignments = []
    for g in range(args.groups):
        for k in range(args.sets_per_group):
            for a in range(args.accounts // 2):
                account = accounts[(g + a) % args.accounts]["name"]
                assignments.append({"account": account, "permission_set": sets[(g + k) % len(sets)],
                                    "group": f"team-{g:02}"})
    for i in range(0, args.users, 5):
        assignments.append({"account": accounts[i % args.accounts]["name"], "permission_set": sets[0],
                            "user": users[i]["email"]})
    return {"organizations": [{
        "tree": {"accounts": accounts},
        "identity_center": {"region": "us-east-1", "permission_sets": sets, "users": users, "groups": groups,
                            "assignments": assignments, "outdated": sets[:1]},
    }]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=40)
    parser.add_argument("--permission-sets", type=int, default=8)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--groups", type=int, default=20)
    parser.add_argument("--sets-per-group", type=int, default=2)
    parser.add_argument("--latency-ms", type=int, default=50)
    args = parser.parse_args()
    binary = canopy_binary()

    with emulator() as endpoint:
        seed(endpoint, scenario(args))
        with tempfile.TemporaryDirectory() as tmp:
            env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="bench",
                       AWS_SECRET_ACCESS_KEY="bench", AWS_REGION="us-east-1", HOME=tmp,
                       CANOPY_DB=f"{tmp}/canopy.db", CANOPY_ORG_TTL="24h")
            env.pop("CANOPY_CONFIG", None)
            subprocess.run([binary, "org", "sync", "--quiet"], env=env, check=True, stdout=subprocess.DEVNULL)
            control(endpoint, "/_canopy/faults", {"latency_ms": args.latency_ms, "rules": []})
            control(endpoint, "/_canopy/calls/reset", {})
            start = time.monotonic()
            proc = subprocess.run([binary, "access", "sync", "--format", "json", "--quiet"],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            seconds = time.monotonic() - start
            if proc.returncode != 0:
                sys.exit(f"canopy access sync failed with exit code {proc.returncode}")
            report = json.loads(proc.stdout)["organizations"][0]
            calls = calls_by_action(endpoint)
            matrix = subprocess.run([binary, "query", "select count(*) as n from canopy_sso_access",
                                     "--format", "json", "--quiet"], env=env, check=True,
                                    stdout=subprocess.PIPE, text=True).stdout

    sso = {a: n for a, n in calls.items() if a not in ("AssumeRole", "GetCallerIdentity", "DescribeRegions")}
    total = sum(sso.values())
    print(f"estate: {args.accounts} accounts, {args.permission_sets} permission sets, {args.users} users, "
          f"{args.groups} groups, latency {args.latency_ms} ms")
    print(f"rows: {json.dumps(report['rows'], sort_keys=True)}; matrix rows {json.loads(matrix)[0]['n']}")
    print(f"enumerated {report['enumeration']}: {report['provisioned_pairs']} provisioned pairs against "
          f"{report['principals']} principals")
    bound = max(total - 20, 0) / 20
    other = report["principals"] if report["enumeration"] != "by principal" else report["provisioned_pairs"]
    print(f"canopy: {seconds:.1f} s for {total} Identity Center calls (reported {report['requests']}); "
          f"bound at 20/s after a burst of 20: {bound:.1f} s, canopy reaches {bound / seconds:.0%} of it; "
          f"the other enumeration would have cost {other} calls instead of "
          f"{min(report['principals'], report['provisioned_pairs'])}")
    print("calls: " + ", ".join(f"{a} {n}" for a, n in sorted(sso.items())))


if __name__ == "__main__":
    main()
