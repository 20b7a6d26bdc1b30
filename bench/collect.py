"""Benchmark: `canopy collect` across an estate of N accounts x R regions behind a latency proxy.

The emulator wrapper adds a fixed latency to every call (the proxy), after a warm-up run without
latency (moto creates each account+region's default VPC on first touch; real AWS has it already).
Then it measures, for the same estate and the same tables:

  * canopy: one process, --concurrency C (requests in flight across all accounts);
  * the sample tool's way: one worker per account walking its regions one after another (here:
    one `canopy collect --accounts ID --concurrency 1` process per account, at most C at once,
    so both use the same calls, parsing and store, and the same number of requests in flight);
  * the concurrency bound: calls x latency / C;
  * calls made (counted by the emulator) against the minimum the work needs;
  * canopy's peak memory (max RSS); --memory-only measures a warm run without latency and no
    sample run, to compare estates of different sizes quickly.

Usage: .venv/bin/python bench/collect.py [--accounts 40] [--regions 4] [--latency-ms 50]
       [--concurrency 8] [--skip-sample] [--memory-only] [--tables all]
(--tables all collects every table canopy fills, and prints the calls per account and region of
each API next to the total)
(build first: cargo build --release -p canopy-cli; CANOPY_BIN overrides the binary path,
 CANOPY_PROFILE=debug takes the debug build)
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from emulator import calls_by_action, canopy_binary, control, emulator, seed

REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "sa-east-1", "eu-central-1", "us-west-2",
           "ap-northeast-1", "ca-central-1"]
# the regional tables and the global one (aws_region comes with region discovery)
TABLES = "aws_region,aws_ec2_instance,aws_ec2_network_interface,aws_vpc_route_table,aws_vpc_internet_gateway,aws_iam_role"
REGIONAL_TABLES = 4


def run(binary, env, args):
    """Runs canopy; returns (seconds, its peak RSS in MiB, its summary JSON with its CPU seconds)."""
    start = time.monotonic()
    proc = subprocess.Popen([binary, *args, "--quiet"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    stdout = proc.stdout.read()
    # wait4 gives this child's own usage (RUSAGE_CHILDREN would mix in the seeder's)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        sys.exit(f"canopy {args} failed with exit code {proc.returncode}")
    summary = json.loads(stdout) if stdout.strip().startswith("{") else {}
    summary["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    return seconds, usage.ru_maxrss / 1024, summary


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=40)
    parser.add_argument("--regions", type=int, default=4)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--skip-sample", action="store_true")
    parser.add_argument("--memory-only", action="store_true", help="no latency, canopy only")
    parser.add_argument("--tables", default=TABLES, help="the tables to collect (default: the first six; `all`)")
    args = parser.parse_args()
    binary = canopy_binary("release")
    regions = REGIONS[: args.regions]

    with emulator() as endpoint:
        members = args.accounts - 1  # the management account is one of them
        per_ou = 20
        ous = [{"name": f"ou-{i:03}", "accounts": [{"name": f"a-{i:03}-{j:03}"} for j in range(per_ou)]}
               for i in range(members // per_ou)]
        rest = members - per_ou * len(ous)
        spec = {"tree": {"accounts": [{"name": f"root-{j:03}"} for j in range(rest)], "ous": ous}}
        seeded = seed(endpoint, {"organizations": [spec]})
        account_ids = [a["id"] for a in seeded["organizations"][0]["accounts"]]
        account_ids.append("123456789012")
        # one instance per account, in its first region
        resources = [{"account": a, "region": regions[0], "instances": [{"name": f"i-{a}"}]} for a in account_ids]
        if args.tables != TABLES:
            # something for the detail calls of the tables: a bucket, a topic, a user, a
            # DynamoDB table, an ECR repository and an SSM parameter
            for r in resources:
                r.update({"buckets": [{"name": f"bench-{r['account']}"}], "topics": [{"name": "alerts"}],
                          "users": [{"name": "operator", "password": True}],
                          "dynamodb_tables": [{"name": "orders"}], "repositories": [{"name": "web"}],
                          "parameters": [{"name": "/app/flag"}]})
        seed(endpoint, {"resources": resources})

        with tempfile.TemporaryDirectory() as tmp:
            env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="bench",
                       AWS_SECRET_ACCESS_KEY="bench", AWS_REGION="us-east-1", HOME=tmp,
                       CANOPY_DB=f"{tmp}/canopy.db", CANOPY_ORG_TTL="24h")
            env.pop("CANOPY_CONFIG", None)
            collect = ["collect", "--tables", args.tables, "--regions", ",".join(regions),
                       "--concurrency", str(args.concurrency), "--format", "json"]
            subprocess.run([binary, "org", "sync", "--quiet"], env=env, check=True, stdout=subprocess.DEVNULL)
            # warm-up without latency: moto makes each account+region's default VPC on first use
            warm_seconds, _, warm = run(binary, env, collect)
            floor_seconds = 0.0
            floor = {"cpu_seconds": 0.0}
            if not args.memory_only:
                # the emulator's own floor: the same run with no added latency
                floor_seconds, _, floor = run(binary, env, collect)

            control(endpoint, "/_canopy/faults", {"latency_ms": 0 if args.memory_only else args.latency_ms, "rules": []})
            control(endpoint, "/_canopy/calls/reset", {})
            seconds, rss, summary = run(binary, env, collect)
            by_action = calls_by_action(endpoint)
            connections = control(endpoint, "/_canopy/calls")["connections"]

            sample_seconds = None
            if not args.skip_sample and not args.memory_only:
                control(endpoint, "/_canopy/calls/reset", {})

                def one(account):
                    one_env = dict(env, CANOPY_DB=f"{tmp}/sample-{account}.db")
                    subprocess.run([binary, "org", "sync", "--quiet"], env=dict(one_env), check=True,
                                   stdout=subprocess.DEVNULL)
                    return account

                # each worker needs the organization in its own store: prepared before the clock
                control(endpoint, "/_canopy/faults", {"latency_ms": 0, "rules": []})
                with ThreadPoolExecutor(max_workers=4) as pool:
                    list(pool.map(one, account_ids))
                control(endpoint, "/_canopy/faults", {"latency_ms": args.latency_ms, "rules": []})
                control(endpoint, "/_canopy/calls/reset", {})

                def worker(account):
                    one_env = dict(env, CANOPY_DB=f"{tmp}/sample-{account}.db")
                    subprocess.run([binary, "collect", "--tables", args.tables, "--regions", ",".join(regions),
                                    "--concurrency", "1", "--accounts", account, "--quiet", "--format", "json"],
                                   env=one_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

                start = time.monotonic()
                with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
                    list(pool.map(worker, account_ids))
                sample_seconds = time.monotonic() - start
                sample_calls = sum(calls_by_action(endpoint).values())

    calls = sum(by_action.values())
    members = args.accounts - 1
    minimum = members + args.accounts * (1 + REGIONAL_TABLES * len(regions) + 1)  # assume, regions, units, IAM
    every_table = args.tables != TABLES
    bound = calls * args.latency_ms / 1000 / args.concurrency
    print(f"estate: {args.accounts} accounts x {len(regions)} regions, latency {0 if args.memory_only else args.latency_ms} ms, concurrency {args.concurrency}")
    print(f"warm-up (no latency): {warm_seconds:.2f} s, {warm.get('failed_units')} failed units {warm.get('failures')}, {warm.get('retries')} retries")
    if not args.memory_only:
        print(f"again, warm (the emulator's floor): {floor_seconds:.2f} s, canopy CPU {floor['cpu_seconds']:.2f} s")
    print(f"canopy: {seconds:.2f} s, {summary.get('units')} units, {summary.get('failed_units')} failed, peak RSS {rss:.1f} MiB, CPU {summary['cpu_seconds']:.2f} s, {summary.get('retries')} retries")
    if summary.get("failures"):
        print(f"failures: {summary['failures']}")
    if every_table:
        print(f"calls: {calls} made; {connections} TCP connections opened")
    else:
        print(f"calls: {calls} made, {minimum} minimum (+1 GetCallerIdentity); {connections} TCP connections opened")
    units = args.accounts * len(regions)
    for action, n in sorted(by_action.items()):
        print(f"  {action}: {n} ({n / args.accounts:.2f} per account, {n / units:.2f} per account-region)")
    if not args.memory_only:
        print(f"concurrency bound: {calls} x {args.latency_ms} ms / {args.concurrency} = {bound:.2f} s; canopy reaches {bound / seconds:.0%} of it")
    if sample_seconds is not None:
        print(f"sample tool's way (one sequential worker per account, {args.concurrency} at once): {sample_seconds:.2f} s, {sample_calls} calls; canopy is {sample_seconds / seconds:.1f}x faster")


if __name__ == "__main__":
    main()
