"""Parquet export and import (`canopy export`, `canopy import`): rows per second, bytes against the
SQLite store, and peak memory as the store grows. No AWS is involved: the store is filled with
synthetic but realistic rows (aws_vpc, aws_iam_role, aws_ec2_instance, with JSON tags and
policies) written straight into the SQLite file canopy created.

    python3 bench/export.py [ROWS_PER_TABLE ...]   (default: 20000 200000)

Peak memory is the child's maximum resident set (getrusage), one fresh process per measure."""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

from emulator import canopy_binary

TABLES = ["aws_vpc", "aws_iam_role", "aws_ec2_instance"]


PEAK = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def run(canopy, args, db):
    """Runs canopy under a fresh Python parent (so the peak is this run's alone); returns
    (seconds, peak resident MiB)."""
    started = time.monotonic()
    out = subprocess.run([sys.executable, "-c", PEAK, canopy, *args], check=True, text=True,
                         env={**os.environ, "CANOPY_DB": db}, stdout=subprocess.PIPE).stdout
    return time.monotonic() - started, int(out.strip()) / 1024


def fill(db, rows):
    """`rows` rows in each table, over 2,000 accounts and 17 regions."""
    conn = sqlite3.connect(db)
    regions = [f"xx-region-{i}" for i in range(17)]
    for table in TABLES:
        columns = [r[1] for r in conn.execute(f"pragma table_info({table})")]
        types = {r[1]: r[2] for r in conn.execute(f"pragma table_info({table})")}
        def value(column, i):
            ty = types[column].upper()
            if column == "account_id":
                return f"{100000000000 + i % 2000:012d}"
            if column == "region":
                return regions[i % 17]
            if ty == "JSON":
                return json.dumps({"Name": f"{table}-{i}", "team": f"team-{i % 40}", "env": "prod" if i % 3 else "dev"})
            if ty == "TIMESTAMP":
                return f"2026-11-{1 + i % 28:02d}T{i % 24:02d}:00:00Z"
            if ty == "BOOLEAN":
                return i % 2
            if ty == "INTEGER":
                return i
            if ty == "REAL":
                return i / 7
            return f"{column}-{i:08d}"
        sql = f"insert into {table} ({', '.join(columns)}) values ({', '.join('?' * len(columns))})"
        conn.executemany(sql, ([value(c, i) for c in columns] for i in range(rows)))
    conn.commit()
    conn.close()


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [20000, 200000]
    canopy = canopy_binary(os.environ.get("CANOPY_PROFILE", "release"))
    print(f"canopy: {canopy}")
    print("| rows (3 tables) | SQLite store | Parquet | export | rows/s | peak RSS | import | rows/s | peak RSS |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for rows in sizes:
        work = tempfile.mkdtemp()
        try:
            db = os.path.join(work, "canopy.db")
            subprocess.run([canopy, "tables"], check=True, env={**os.environ, "CANOPY_DB": db},
                           stdout=subprocess.DEVNULL)
            fill(db, rows)
            out = os.path.join(work, "lake")
            export_s, export_mib = run(canopy, ["export", "--out", out, "--tables", ",".join(TABLES),
                                                "--run-id", "bench"], db)
            parquet = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(out)
                          for f in fs if f.endswith(".parquet"))
            import_s, import_mib = run(canopy, ["import", out], os.path.join(work, "merged.db"))
            total = rows * len(TABLES)
            print(f"| {total:,} | {os.path.getsize(db) / 1e6:.1f} MB | {parquet / 1e6:.1f} MB | "
                  f"{export_s:.2f} s | {total / export_s:,.0f} | {export_mib:.0f} MiB | "
                  f"{import_s:.2f} s | {total / import_s:,.0f} | {import_mib:.0f} MiB |")
        finally:
            shutil.rmtree(work)


if __name__ == "__main__":
    main()
