"""Benchmark: connection reuse. `canopy collect` over an estate behind a TLS-terminating proxy in
front of the emulator (bench/tls_proxy.py), once with the process's one HTTP client (canopy's
way) and once with a new HTTP client per SDK client (the SDK's default, CANOPY_HTTP_POOL=
per-client). For each: wall time, calls, TLS handshakes (= TCP connections opened), canopy's CPU.

Usage: .venv/bin/python bench/connections.py [--accounts 20] [--regions 2] [--latency-ms 20]
       [--concurrency 8] [--connect-rtt-ms 20]
(build first: cargo build --release -p canopy-cli; CANOPY_PROFILE=debug takes the debug build)
"""

import argparse
import os
import subprocess
import tempfile
from urllib.parse import urlparse

from collect import REGIONS, TABLES, run
from emulator import calls_by_action, canopy_binary, control, emulator, seed
from tls_proxy import TlsProxy


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--regions", type=int, default=2)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--connect-rtt-ms", type=int, default=20,
                        help="network round trip a new connection pays twice (TCP + TLS 1.3)")
    args = parser.parse_args()
    binary = canopy_binary("release")
    regions = REGIONS[: args.regions]

    with emulator() as endpoint, tempfile.TemporaryDirectory() as tmp:
        spec = {"tree": {"accounts": [{"name": f"m-{i:03}"} for i in range(args.accounts - 1)], "ous": []}}
        seeded = seed(endpoint, {"organizations": [spec]})
        ids = [a["id"] for a in seeded["organizations"][0]["accounts"]] + ["123456789012"]
        seed(endpoint, {"resources": [{"account": a, "region": regions[0], "instances": [{"name": f"i-{a}"}]}
                                      for a in ids]})
        proxy = TlsProxy(urlparse(endpoint).port, tmp, args.connect_rtt_ms)
        env = dict(os.environ, AWS_ENDPOINT_URL=proxy.endpoint(), SSL_CERT_FILE=proxy.ca_file,
                   AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_REGION="us-east-1",
                   HOME=tmp, CANOPY_DB=f"{tmp}/canopy.db", CANOPY_ORG_TTL="24h")
        env.pop("CANOPY_CONFIG", None)
        collect = ["collect", "--tables", TABLES, "--regions", ",".join(regions),
                   "--concurrency", str(args.concurrency), "--format", "json"]
        subprocess.run([binary, "org", "sync", "--quiet"], env=env, check=True, stdout=subprocess.DEVNULL)
        # warm-up without latency: moto makes each account+region's default VPC on first use
        run(binary, env, collect)
        control(endpoint, "/_canopy/faults", {"latency_ms": args.latency_ms, "rules": []})
        print(f"estate: {args.accounts} accounts x {len(regions)} regions, latency {args.latency_ms} ms, "
              f"concurrency {args.concurrency}, TLS 1.3 proxy on loopback, a new connection costs "
              f"2 x {args.connect_rtt_ms} ms")
        results = {}
        for pool in ("shared", "per-client"):
            control(endpoint, "/_canopy/calls/reset", {})
            proxy.reset()
            seconds, _, summary = run(binary, dict(env, CANOPY_HTTP_POOL=pool), collect)
            calls = sum(calls_by_action(endpoint).values())
            results[pool] = (seconds, calls, proxy.handshakes, summary["cpu_seconds"])
            print(f"{pool:>10}: {seconds:.2f} s, {calls} calls, {proxy.handshakes} TLS handshakes, "
                  f"canopy CPU {summary['cpu_seconds']:.2f} s, {summary.get('failed_units')} failed units")
        shared, per_client = results["shared"], results["per-client"]
        print(f"one pool: {per_client[2] / max(shared[2], 1):.0f}x fewer handshakes, "
              f"{per_client[0] / shared[0]:.2f}x faster, {per_client[3] / max(shared[3], 0.001):.2f}x less CPU")
        proxy.close()


if __name__ == "__main__":
    main()
