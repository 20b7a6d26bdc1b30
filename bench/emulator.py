"""What the benchmarks share: the emulator (started on a free port, killed on exit), its control
endpoints, the seeder, and the canopy binary to measure."""

import contextlib
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def canopy_binary(profile="debug"):
    """CANOPY_BIN, else the build of CANOPY_PROFILE (or `profile`) in the target folder."""
    return os.environ.get("CANOPY_BIN") or str(
        Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / os.environ.get("CANOPY_PROFILE", profile) / "canopy"
    )


@contextlib.contextmanager
def emulator():
    """Starts the emulator on a free loopback port; yields its endpoint."""
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "testkit/moto_server.py"), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        port = int(server.stdout.readline().split()[1])
        yield f"http://127.0.0.1:{port}"
    finally:
        server.kill()
        server.wait()


def seed(endpoint, scenario):
    """Seeds a scenario (see testkit/seed.py); returns what was made."""
    out = subprocess.run([sys.executable, str(ROOT / "testkit/seed.py"), "--endpoint", endpoint],
                         input=json.dumps(scenario), text=True, check=True, stdout=subprocess.PIPE).stdout
    return json.loads(out)


def control(endpoint, path, body=None):
    """GET (no body) or POST (JSON body) to one of the emulator's /_canopy endpoints."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"{endpoint}{path}", data=data, method="GET" if body is None else "POST",
                                 headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req))


def calls_by_action(endpoint):
    """Calls the emulator answered since the last reset, by action."""
    out = {}
    for c in control(endpoint, "/_canopy/calls")["calls"]:
        out[c["action"]] = out.get(c["action"], 0) + c["count"]
    return out
