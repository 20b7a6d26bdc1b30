"""Benchmark: canopy at scale against awssim (bench/awssim), a fast AWS simulator with AWS's
documented throttling, a log-normal latency and a seeded long-tail estate.

For each scenario it prints the wall time, the lower bound on it and the ratio, the calls made
against the minimum (calls that were not retries of a throttled call nor repeats of an earlier
successful one), the throttling errors received and surfaced, canopy's peak RSS, canopy's CPU
seconds per 1,000 calls and the connections opened.

The bound, for the estate and the settings: the largest of
  * each throttled API's bucket: (successful calls - burst) / refill rate, for every bucket the
    simulator keeps (Organizations per management account; STS per calling account; EC2 and the
    rest per account, region and API: there the largest is the huge account's own chain);
  * the concurrency bound: the latency the simulator added to the successful calls, summed,
    divided by canopy's concurrency (requests in flight).

Scenarios (--scenarios, comma-separated; default all, in this order):
  org-sync    canopy org sync at --accounts in --ous
  collect     canopy collect --tables all --regions all, at every size of --collect-sizes
  credreport  canopy credreport collect at --accounts
  exec        canopy exec -- true at --accounts targets (one region)

Usage: python3 bench/scale.py [--accounts 10000] [--ous 500] [--collect-sizes 100,1000,10000]
       [--scenarios org-sync,collect,credreport,exec] [--concurrency 256] [--latency-ms 30]
       [--latency-sigma 0.5] [--tls] [--uniform N] [--repeat N] [--json results.json]
Builds awssim (cargo build --release) and expects canopy's release build (CANOPY_BIN overrides;
CANOPY_PROFILE=debug takes the debug build). Setup steps (the organization snapshot a collect
reads) run with throttling paused and are not measured.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from emulator import ROOT, canopy_binary

SIM_DIR = ROOT / "bench" / "awssim"

# the simulator's buckets (bench/awssim/src/limits.rs): (refill per second, burst)
ORG_RATES = {"ListAccounts": (8, 12), "ListAccountsForParent": (5, 8), "ListParents": (5, 8),
             "ListOrganizationalUnitsForParent": (6, 10), "ListChildren": (6, 10),
             "ListTagsForResource": (10, 15), "DescribeAccount": (20, 30), "DescribePolicy": (20, 30),
             "ListRoots": (1, 2), "DescribeOrganization": (1, 2)}
STS_RATE = (600, 600)


def build_sim():
    """Builds awssim in a target folder of its own (it shares nothing with canopy's workspace):
    `awssim` under CARGO_TARGET_DIR when that is set, else bench/awssim/target."""
    cache = os.environ.get("CARGO_TARGET_DIR")
    target = Path(cache) / "awssim" if cache else SIM_DIR / "target"
    cmd = ["cargo", "build", "--release", "--quiet", "--locked", "--manifest-path", str(SIM_DIR / "Cargo.toml"),
           "--target-dir", str(target)]
    subprocess.run(cmd, check=True)
    return str(target / "release" / "awssim")


class Sim:
    """awssim on a free loopback port, killed on exit."""

    def __init__(self, binary, args, tls_dir=None):
        extra = []
        self.ca = None
        if tls_dir:
            sys.path.insert(0, str(ROOT / "bench"))
            from tls_proxy import make_certificates
            self.ca, cert, key = make_certificates(tls_dir)
            extra = ["--tls-cert", cert, "--tls-key", key]
        self.proc = subprocess.Popen([binary, "--port", "0", *args, *extra], stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if "listening on" not in line:
            sys.exit(f"awssim did not start: {line!r}")
        self.endpoint = line.split()[-1]

    def get(self, path, body=None):
        import ssl
        ctx = ssl.create_default_context(cafile=self.ca) if self.ca else None
        req = urllib.request.Request(f"{self.endpoint}{path}", data=body, method="GET" if body is None else "POST")
        return json.load(urllib.request.urlopen(req, context=ctx))

    def cpu(self):
        """The simulator's CPU seconds so far (it shares the machine with canopy)."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self):
        self.proc.kill()
        self.proc.wait()


def measured(binary, env, args):
    """Runs canopy under wait4 for its own rusage."""
    start = time.monotonic()
    proc = subprocess.Popen([binary, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # read both pipes to the end, then reap with wait4 for this child's own usage
    out, err = [], []
    t = threading.Thread(target=lambda: err.append(proc.stderr.read()))
    t.start()
    out.append(proc.stdout.read())
    t.join()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - start
    return {"wall": wall, "rss_mib": usage.ru_maxrss / 1024, "cpu": usage.ru_utime + usage.ru_stime,
            "code": proc.returncode, "stdout": out[0], "stderr": err[0]}


def bound(stats, concurrency):
    """The lower bound on wall time (seconds) and what sets it."""
    ok = stats["calls"] - stats["throttled"]
    terms = {}
    latency_ok = stats["latency_seconds"] * (ok / stats["calls"]) if stats["calls"] else 0.0
    terms["concurrency"] = latency_ok / concurrency
    for api, c in stats["by_api"].items():
        service, op = api.split(":", 1)
        good = c["calls"] - c["throttled"]
        if service == "organizations":
            rate, burst = ORG_RATES.get(op, (5, 8))
            terms[f"org {op}"] = max(0.0, good - burst) / rate
        elif service == "sts":
            terms["sts"] = terms.get("sts", 0.0) + good
    if "sts" in terms:
        terms["sts"] = max(0.0, terms["sts"] - STS_RATE[1]) / STS_RATE[0]
    tails = stats.get("tails") or []
    if tails:
        t = tails[0]
        terms[f"chain of {t['account']} ({t['instances']} instances: {t['chain_bucket']})"] = t["chain_seconds"]
    what = max(terms, key=terms.get)
    return terms[what], what, terms


def row(name, run, stats, concurrency):
    b, what, terms = bound(stats, concurrency)
    ok = stats["calls"] - stats["throttled"]
    minimum = ok - stats["repeats"]
    return {
        "scenario": name,
        "wall_s": round(run["wall"], 2),
        "bound_s": round(b, 2),
        "bound_by": what,
        "ratio": round(run["wall"] / b, 3) if b else None,
        "calls": stats["calls"],
        "minimum_calls": minimum,
        "throttled_received": stats["throttled"],
        "throttled_pct": round(100.0 * stats["throttled"] / stats["calls"], 3) if stats["calls"] else 0.0,
        "errors_surfaced": run.get("surfaced"),
        "peak_rss_mib": round(run["rss_mib"], 1),
        "cpu_s": round(run["cpu"], 2),
        "cpu_s_per_1000_calls": round(1000 * run["cpu"] / stats["calls"], 4) if stats["calls"] else None,
        "connections": stats["connections"],
        "handshakes": stats["handshakes"],
        "peak_in_flight": stats["peak_in_flight"],
        "sim_cpu_s": round(stats.get("sim_cpu", 0.0), 2),
        # not part of the bound (AWS's side): the time these CPU seconds need on this machine's
        # cores, canopy's and the simulator's together. A wall time near it is CPU-bound here.
        "cpu_floor_s": round((run["cpu"] + stats.get("sim_cpu", 0.0)) / (os.cpu_count() or 1), 2),
        "terms": {k: round(v, 2) for k, v in terms.items()},
        "tails": (stats.get("tails") or [])[:3],
        "repeats_by_api": {k: v["repeats"] for k, v in stats["by_api"].items() if v.get("repeats")},
        "throttled_by_api": {k: v["throttled"] for k, v in stats["by_api"].items() if v["throttled"]},
    }


def show(r):
    print(f"\n== {r['scenario']}")
    print(f"  wall {r['wall_s']} s   bound {r['bound_s']} s ({r['bound_by']})   ratio {r['ratio']}")
    print(f"  calls {r['calls']:,} (minimum {r['minimum_calls']:,})   throttled {r['throttled_received']:,} "
          f"({r['throttled_pct']}%)   surfaced {r['errors_surfaced']}")
    print(f"  peak RSS {r['peak_rss_mib']} MiB   CPU {r['cpu_s']} s = {r['cpu_s_per_1000_calls']} s per 1,000 calls   "
          f"connections {r['connections']} (TLS handshakes {r['handshakes']})   peak in flight {r['peak_in_flight']}   "
          f"simulator CPU {r['sim_cpu_s']} s")
    print(f"  bound terms: {r['terms']}")
    print(f"  this machine's CPU floor: {r['cpu_floor_s']} s (canopy's and the simulator's CPU over "
          f"{os.cpu_count()} cores; not part of the bound)")
    for t in r["tails"]:
        print(f"  tail: {t['account']} {t['instances']} instances, chain {t['chain_seconds']:.1f} s "
              f"({t['chain_bucket']}), calls from {t['first_call']:.1f} s to {t['last_call']:.1f} s")
    if r["repeats_by_api"]:
        print(f"  repeated calls: {r['repeats_by_api']}")
    if r["throttled_by_api"]:
        print(f"  throttled by API: {r['throttled_by_api']}")
    sys.stdout.flush()


def summary(run):
    """canopy's JSON summary (collect, credreport) if it printed one."""
    try:
        return json.loads(run["stdout"])
    except (ValueError, TypeError):
        return {}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--accounts", type=int, default=10_000)
    p.add_argument("--ous", type=int, default=500)
    p.add_argument("--collect-sizes", default="100,1000,10000")
    p.add_argument("--scenarios", default="org-sync,collect,credreport,exec")
    p.add_argument("--concurrency", type=int, default=256)
    p.add_argument("--latency-ms", type=float, default=30.0)
    p.add_argument("--latency-sigma", type=float, default=0.5)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--max-instances", type=int, default=3000)
    p.add_argument("--uniform", type=int, help="every account gets N instances (no long tail)")
    p.add_argument("--tls", action="store_true")
    p.add_argument("--repeat", type=int, default=1,
                   help="collect N times into the same store (the second run knows the accounts' sizes)")
    p.add_argument("--sim-threads", type=int, default=1)
    p.add_argument("--json", help="append the rows to this file (JSON lines)")
    p.add_argument("--check", action="store_true",
                   help="exit 1 unless every run ends with exit code 0 and nothing failed (the test suite's smoke run)")
    args = p.parse_args()
    scenarios = args.scenarios.split(",")
    canopy = canopy_binary("release")
    if not Path(canopy).exists():
        sys.exit(f"no canopy binary at {canopy}: cargo build --release -p canopy-cli (or set CANOPY_BIN)")
    sim_bin = build_sim()
    print(f"canopy {canopy}\nawssim {sim_bin}\nconcurrency {args.concurrency}, latency log-normal median "
          f"{args.latency_ms} ms sigma {args.latency_sigma}, TLS {args.tls}, {os.cpu_count()} CPUs")
    rows = []

    def estate_args(accounts):
        ous = args.ous if accounts == args.accounts else max(1, accounts // 20)
        a = ["--accounts", str(accounts), "--ous", str(ous), "--seed", str(args.seed),
             "--max-instances", str(args.max_instances), "--latency-ms", str(args.latency_ms),
             "--latency-sigma", str(args.latency_sigma), "--threads", str(args.sim_threads)]
        if args.uniform is not None:
            a += ["--uniform", str(args.uniform)]
        return a

    def session(accounts, work):
        with tempfile.TemporaryDirectory() as tmp:
            sim = Sim(sim_bin, estate_args(accounts), tmp if args.tls else None)
            try:
                env = dict(os.environ, AWS_ENDPOINT_URL=sim.endpoint, AWS_ACCESS_KEY_ID="AKIASIMMANAGEMENT",
                           AWS_SECRET_ACCESS_KEY="simulated", AWS_REGION="us-east-1", HOME=tmp,
                           CANOPY_DB=f"{tmp}/canopy.db", NO_COLOR="1")
                env.pop("AWS_PROFILE", None)
                if sim.ca:
                    env["SSL_CERT_FILE"] = sim.ca
                estate = sim.get("/_sim/estate")
                print(f"\nestate: {estate['accounts']:,} accounts ({estate['active_accounts']:,} active) in "
                      f"{estate['ous']} OUs, {estate['instances']:,} instances; the largest account "
                      f"{estate['largest_account']} has {estate['largest_instances']:,}")
                work(sim, env, tmp)
            finally:
                sim.close()

    def measure(name, sim, env, cmd, concurrency):
        sim.get("/_sim/reset", b"")
        sim_cpu = sim.cpu()
        run = measured(canopy, env, cmd)
        stats = sim.get("/_sim/stats")
        stats["sim_cpu"] = sim.cpu() - sim_cpu
        if run["code"] not in (0, 1) or (args.check and run["code"] != 0):
            print(run["stderr"][-3000:], file=sys.stderr)
            sys.exit(f"{name}: canopy exited {run['code']}")
        s = summary(run)
        run["surfaced"] = s.get("failed_units", s.get("failed", 0 if run["code"] == 0 else "exit 1"))
        r = row(name, run, stats, concurrency)
        show(r)
        rows.append(r)
        if args.json:
            with open(args.json, "a") as f:
                f.write(json.dumps(r) + "\n")
        return r

    def setup_snapshot(sim, env):
        sim.get("/_sim/throttle/off", b"")
        e = dict(env, CANOPY_PACING="0")
        run = measured(canopy, e, ["org", "sync", "--quiet", "--concurrency", "64"])
        sim.get("/_sim/throttle/on", b"")
        if run["code"] != 0:
            sys.exit(f"setup org sync failed: {run['stderr'][-2000:]}")

    if "org-sync" in scenarios or "credreport" in scenarios or "exec" in scenarios:
        def big(sim, env, tmp):
            if "org-sync" in scenarios:
                measure(f"org sync, {args.accounts:,} accounts in {args.ous} OUs", sim, env,
                        ["org", "sync", "--quiet", "--format", "json", "--concurrency", "16"], 16)
            else:
                setup_snapshot(sim, env)
            if "credreport" in scenarios:
                measure(f"credreport collect, {args.accounts:,} accounts", sim, env,
                        ["credreport", "collect", "--quiet", "--concurrency", str(args.concurrency)],
                        args.concurrency)
            if "exec" in scenarios:
                measure(f"exec true, {args.accounts:,} targets", sim, env,
                        ["exec", "--quiet", "--regions", "us-east-1", "--children", str(args.concurrency),
                         "--concurrency", str(args.concurrency),
                         "--out", f"{tmp}/exec-out", "--", "true"], args.concurrency)
        session(args.accounts, big)

    if "collect" in scenarios:
        for size in [int(s) for s in args.collect_sizes.split(",") if s]:
            def one(sim, env, tmp, size=size):
                setup_snapshot(sim, env)
                for n in range(args.repeat):
                    again = "" if n == 0 else " (again: largest accounts first)"
                    measure(f"collect every table, {size:,} accounts x 17 regions{again}", sim, env,
                            ["collect", "--tables", "all", "--regions", "all", "--quiet", "--format", "json",
                             "--concurrency", str(args.concurrency)], args.concurrency)
            session(size, one)

    print("\n| scenario | wall | bound (set by) | ratio | calls (minimum) | throttled received | surfaced | peak RSS | CPU s / 1,000 calls | connections |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['scenario']} | {r['wall_s']} s | {r['bound_s']} s ({r['bound_by']}) | {r['ratio']} | "
              f"{r['calls']:,} ({r['minimum_calls']:,}) | {r['throttled_received']:,} ({r['throttled_pct']}%) | "
              f"{r['errors_surfaced']} | {r['peak_rss_mib']} MiB | {r['cpu_s_per_1000_calls']} | {r['connections']:,} |")


if __name__ == "__main__":
    main()
