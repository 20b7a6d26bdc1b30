"""`canopy exec` against two in-process ways of running one job in every account and region:
the "multi-region and multi-account tools" post's shape (one AssumeRole per account, then each
region, accounts on a thread pool) and botocove (PyPI: a decorator, one AssumeRole per account
and region, every result held in memory). The job in each (account, region): STS
GetCallerIdentity and EC2 DescribeVpcs. The emulator adds L ms to every call.

Also canopy exec's own overhead and peak memory with a trivial child (`true`) at two sizes.

    python3 bench/exec.py [--accounts 100] [--regions us-east-1,eu-west-1] [--latency-ms 50]
        [--concurrency 8]

botocove is installed into its own venv beside the emulator's (BENCH_VENV, default
~/.cache/canopy-bench-venv) on first use. Peak memory: the largest resident set of the measured
process (canopy itself, not its children), sampled every 20 ms."""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from emulator import calls_by_action, canopy_binary, control, emulator, seed

JOB = """
import boto3, json, os
s = boto3.Session()
acct = s.client("sts").get_caller_identity()["Account"]
vpcs = len(s.client("ec2").describe_vpcs()["Vpcs"])
print(json.dumps([acct, os.environ.get("AWS_REGION"), vpcs]))
"""

POST = """
import boto3, json, sys
from concurrent.futures import ThreadPoolExecutor
accounts, regions, workers = json.loads(sys.argv[1]), sys.argv[2].split(","), int(sys.argv[3])
def one(account):
    creds = boto3.client("sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
                                            RoleSessionName="post")["Credentials"]
    out = []
    for region in regions:
        s = boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                          aws_session_token=creds["SessionToken"], region_name=region)
        out.append((s.client("sts").get_caller_identity()["Account"], region, len(s.client("ec2").describe_vpcs()["Vpcs"])))
    return out
with ThreadPoolExecutor(workers) as pool:
    results = [r for rs in pool.map(one, accounts) for r in rs]
print(len(results))
"""

BOTOCOVE = """
import json, sys
from botocove import cove
accounts, regions, workers = json.loads(sys.argv[1]), sys.argv[2].split(","), int(sys.argv[3])
@cove(target_ids=accounts, regions=regions, thread_workers=workers)
def job(session):
    return (session.client("sts").get_caller_identity()["Account"], session.region_name,
            len(session.client("ec2").describe_vpcs()["Vpcs"]))
out = job()
print(len(out["Results"]), len(out["Exceptions"]), len(out["FailedAssumeRole"]))
"""


def bench_venv():
    venv = Path(os.environ.get("BENCH_VENV", Path.home() / ".cache/canopy-bench-venv"))
    python = venv / "bin/python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "botocove==1.7.4", "boto3"], check=True)
    return str(python)


def measured(cmd, env):
    """Runs cmd; returns (seconds, peak RSS MiB of that process, stdout)."""
    started = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    peak = [0]

    def sample():
        while proc.poll() is None:
            try:
                for line in open(f"/proc/{proc.pid}/status"):
                    if line.startswith("VmRSS:"):
                        peak[0] = max(peak[0], int(line.split()[1]))
            except OSError:
                pass
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    out, _ = proc.communicate()
    sampler.join()
    return time.monotonic() - started, peak[0] / 1024, out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--regions", default="us-east-1,eu-west-1")
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    canopy = canopy_binary(os.environ.get("CANOPY_PROFILE", "release"))
    cove_python = bench_venv()
    regions = args.regions.split(",")
    with emulator() as endpoint, tempfile.TemporaryDirectory() as work:
        seeded = seed(endpoint, {"organizations": [{"management_account_id": "123456789012",
                                                    "tree": {"accounts": [{"name": f"app-{i:03}"} for i in range(args.accounts)]}}]})
        members = [a["id"] for a in seeded["organizations"][0]["accounts"] if a["id"] != "123456789012"]
        env = {**os.environ, "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "bench",
               "AWS_SECRET_ACCESS_KEY": "bench", "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
               "AWS_EC2_METADATA_DISABLED": "true", "CANOPY_DB": os.path.join(work, "canopy.db"), "CANOPY_PACING": "0"}
        env.pop("AWS_PROFILE", None)
        subprocess.run([canopy, "org", "sync", "--quiet"], env=env, check=True, stdout=subprocess.DEVNULL)
        control(endpoint, "/_canopy/faults", {"latency_ms": args.latency_ms, "rules": []})
        targets = len(members) * len(regions)
        print(f"{len(members)} member accounts x {len(regions)} regions = {targets} targets, "
              f"latency {args.latency_ms} ms, {args.concurrency} at once")
        print("| tool | time | AssumeRole calls | peak RSS (the tool's process) |")
        print("| --- | ---: | ---: | ---: |")
        ids = ",".join(members)
        runs = [
            ("canopy exec (one python+boto3 child per target)",
             [canopy, "exec", "--accounts", ids, "--regions", args.regions, "--children", str(args.concurrency),
              "--out", os.path.join(work, "out"), "--", cove_python, "-c", JOB]),
            ("the post's shape (in-process, AssumeRole per account)",
             [cove_python, "-c", POST, json.dumps(members), args.regions, str(args.concurrency)]),
            ("botocove (in-process, AssumeRole per account and region)",
             [cove_python, "-c", BOTOCOVE, json.dumps(members), args.regions, str(args.concurrency)]),
        ]
        for name, cmd in runs:
            control(endpoint, "/_canopy/calls/reset", {})
            seconds, mib, _ = measured(cmd, env)
            assumed = calls_by_action(endpoint).get("AssumeRole", 0)
            print(f"| {name} | {seconds:.1f} s | {assumed} | {mib:.0f} MiB |")
        control(endpoint, "/_canopy/faults", {"latency_ms": 0, "rules": []})
        print()
        print("canopy exec's own cost, child `true`, no added latency:")
        print("| targets | time | peak RSS of canopy |")
        print("| ---: | ---: | ---: |")
        for n in (len(members) // 4, len(members)):
            some = ",".join(members[:n])
            seconds, mib, _ = measured([canopy, "exec", "--accounts", some, "--regions", args.regions,
                                        "--concurrency", str(args.concurrency), "--", "true"], env)
            print(f"| {n * len(regions)} | {seconds:.1f} s | {mib:.0f} MiB |")


if __name__ == "__main__":
    main()
