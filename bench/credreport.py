"""Benchmark: `canopy credreport collect` over N accounts whose reports take G seconds to generate.

The emulator wrapper adds a fixed latency to every call (the proxy) and holds each account's
report back: for G seconds after an account's first GenerateCredentialReport, later ones answer
INPROGRESS. Then it measures, for the same estate:

  * canopy: one process, every account's generation started at once, each polled with backoff
    (1 s doubling to 5 s), --concurrency C requests in flight;
  * the sample's approach (AWS's Step Functions + Lambda sample, replayed with boto3 threads):
    at most 10 accounts at a time (its Map state), each: assume the role, generate, and if the
    report is not COMPLETE wait a fixed time (the sample sleeps 60 s in the state machine) and
    loop (at most 45 times), then fetch the report and write the file;
  * the bound: one generation time + calls x latency / C (and the chain each account needs:
    AssumeRole, GenerateCredentialReport, wait, GenerateCredentialReport, GetCredentialReport);
  * calls made (counted by the emulator).

Usage: .venv/bin/python bench/credreport.py [--accounts 40] [--generation-s 10] [--latency-ms 100]
       [--concurrency 32] [--sample-wait-s 60] [--skip-sample]
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
from pathlib import Path

import boto3

from emulator import calls_by_action, canopy_binary, control, emulator, seed

SAMPLE_CONCURRENCY = 10  # the sample's Map state
SAMPLE_MAX_LOOPS = 45


def sample_account(endpoint, account, wait_s, out):
    """One iteration of the sample's state machine for one account (its Lambda, then its Wait)."""
    session = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="bench",
                   aws_secret_access_key="bench")
    creds = boto3.client("sts", **session).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", RoleSessionName="cred-report"
    )["Credentials"]
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                       aws_session_token=creds["SessionToken"])
    for _ in range(SAMPLE_MAX_LOOPS):
        if iam.generate_credential_report()["State"] == "COMPLETE":
            content = iam.get_credential_report()["Content"]
            Path(out, f"credentialReport_{account}.csv").write_bytes(content)
            return True
        time.sleep(wait_s)
    return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=40)
    parser.add_argument("--generation-s", type=float, default=10)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--sample-wait-s", type=float, default=60)
    parser.add_argument("--skip-sample", action="store_true")
    args = parser.parse_args()
    binary = canopy_binary("release")

    with emulator() as endpoint:
        members = args.accounts - 1  # the management account is one of them
        spec = {"tree": {"accounts": [{"name": f"a-{j:03}"} for j in range(members)]}}
        seeded = seed(endpoint, {"organizations": [spec]})
        account_ids = [a["id"] for a in seeded["organizations"][0]["accounts"]] + ["123456789012"]
        seed(endpoint, {"resources": [{"account": a, "users": [{"name": "alice", "access_keys": 1, "password": True},
                                                               {"name": "deploy", "access_keys": 2}]}
                                      for a in account_ids]})

        with tempfile.TemporaryDirectory() as tmp:
            env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="bench",
                       AWS_SECRET_ACCESS_KEY="bench", AWS_REGION="us-east-1", HOME=tmp,
                       CANOPY_DB=f"{tmp}/canopy.db", CANOPY_ORG_TTL="24h")
            env.pop("CANOPY_CONFIG", None)
            subprocess.run([binary, "org", "sync", "--quiet"], env=env, check=True, stdout=subprocess.DEVNULL)

            faults = {"latency_ms": args.latency_ms, "report_generation_s": args.generation_s, "rules": []}
            control(endpoint, "/_canopy/faults", faults)
            control(endpoint, "/_canopy/calls/reset", {})
            start = time.monotonic()
            proc = subprocess.run([binary, "credreport", "collect", "--out", f"{tmp}/canopy",
                                   "--concurrency", str(args.concurrency), "--format", "json", "--quiet"],
                                  env=env, stdout=subprocess.PIPE, text=True)
            seconds = time.monotonic() - start
            if proc.returncode != 0:
                sys.exit(f"canopy credreport collect failed with exit code {proc.returncode}")
            summary = json.loads(proc.stdout)
            by_action = calls_by_action(endpoint)
            polls = [a["polls"] for a in summary["accounts"]]
            ok = sum(1 for a in summary["accounts"] if a["status"] == "ok")

            sample_seconds = None
            if not args.skip_sample:
                # a fresh hold-back for every account, as for canopy
                control(endpoint, "/_canopy/faults", faults)
                control(endpoint, "/_canopy/calls/reset", {})
                out = Path(tmp, "sample")
                out.mkdir()
                start = time.monotonic()
                with ThreadPoolExecutor(max_workers=SAMPLE_CONCURRENCY) as pool:
                    done = list(pool.map(lambda a: sample_account(endpoint, a, args.sample_wait_s, out), account_ids))
                sample_seconds = time.monotonic() - start
                sample_calls = sum(calls_by_action(endpoint).values())
                if not all(done):
                    sys.exit("the sample's approach did not finish every account")

    calls = sum(by_action.values())
    latency = args.latency_ms / 1000
    bound = args.generation_s + calls * latency / args.concurrency
    chain = args.generation_s + 4 * latency + latency  # + GetCallerIdentity before the first AssumeRole
    print(f"estate: {args.accounts} accounts, report generation {args.generation_s:g} s, latency {args.latency_ms} ms, concurrency {args.concurrency}")
    print(f"canopy: {seconds:.2f} s, {ok}/{len(account_ids)} reports, polls per account {min(polls)}..{max(polls)}")
    print(f"calls: {calls}")
    for action, n in sorted(by_action.items()):
        print(f"  {action}: {n}")
    print(f"bound: {args.generation_s:g} s + {calls} x {args.latency_ms} ms / {args.concurrency} = {bound:.2f} s "
          f"(one account's chain alone: {chain:.2f} s); canopy reaches {bound / seconds:.0%} of it")
    if sample_seconds is not None:
        print(f"sample's approach ({SAMPLE_CONCURRENCY} at a time, {args.sample_wait_s:g} s wait per loop): {sample_seconds:.2f} s, "
              f"{sample_calls} calls; canopy is {sample_seconds / seconds:.1f}x faster")


if __name__ == "__main__":
    main()
