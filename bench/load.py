"""Load test: `make load` (SQLite) / `make load DB=postgres`.

Uses the benchmark's database (bench/run.py prepares it with the seed commands, SCALE cases),
serves the app with gunicorn (4 workers) and runs locust headless on loopback with USERS
simulated staff (bench/locustfile.py: clerks, handlers, managers) for a bounded time. Prints
throughput, p50/p95/p99 and the error count per request kind and in total; writes
bench/out/load-<db>.json. Nothing is asserted; bench/RESULTS.md records measured runs.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.run import OUT, VENV_BIN, StealWatch, calibration_ms, database_env, prepare, start  # noqa: E402

PORT = 5303


def warm_up(port: int, workers: int) -> None:
    """Before measuring: every worker serves each kind of page a few times (its first requests
    compile templates and fill caches — seconds that belong to a deploy, not to a working day)."""
    from concurrent.futures import ThreadPoolExecutor

    from bench.run import Browser

    pages = ["/", "/reports/dashboard/data", "/cases/list/", "/cases/list/?q_status=handling",
             "/cases/list/?q_keyword=养殖场", "/cases/add", "/login/"]

    def browse(username: str) -> None:
        browser = Browser(port)
        browser.login(username)
        for _ in range(3):
            for page in pages:
                browser.get(urllib.parse.quote(page, safe="/?=&"))
            status, body = browser.get("/cases/list/")
            found = re.search(rb'href="/cases/show/(\d+)"', body)
            if found:
                browser.get(f"/cases/show/{found.group(1).decode()}")

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers * 2) as pool:
        list(pool.map(browse, ["clerk", "handler", "county_manager"] * workers))
    print(f"warm-up: {time.perf_counter() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--scale", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=100)
    # Staff arrive two a second (each login is a deliberately slow password check), and the run
    # is long enough that the arrivals are not most of it.
    parser.add_argument("--spawn-rate", type=float, default=2)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    env = database_env(args.db)
    prepare(args.db, args.scale, env)
    server = start([str(VENV_BIN / "gunicorn"), "-w", str(args.workers), "-b", f"127.0.0.1:{PORT}",
                    "--timeout", "120", "--access-logfile", str(OUT / f"load-{args.db}-access.log"),
                    "--access-logformat", '%(m)s %(U)s %(s)s %(D)s', "run:app"], env, PORT)
    prefix = OUT / f"load-{args.db}"
    try:
        warm_up(PORT, args.workers)
        # After the warm-up: the workers have finished starting, so the loop measures the machine.
        calibrated = calibration_ms()
        steal = StealWatch()
        subprocess.run(
            [str(VENV_BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
             "--host", f"http://127.0.0.1:{PORT}", "-u", str(args.users), "-r", str(args.spawn_rate),
             "-t", f"{args.seconds}s", "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"],
            cwd=ROOT, check=False, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    speed = {"calibration_ms_before": calibrated, "calibration_ms_after": calibration_ms(), "steal_percent": steal.percent()}
    rows = list(csv.DictReader(open(f"{prefix}_stats.csv", encoding="utf-8")))
    print(f"\n{'request':44} {'count':>7} {'errors':>6} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6}")
    summary = {}
    for row in rows:
        name = row["Name"] if row["Type"] else "TOTAL"
        if row["Name"] == "Aggregated":
            name = "TOTAL"
        line = {
            "count": int(row["Request Count"]),
            "errors": int(row["Failure Count"]),
            "rps": float(row["Requests/s"]),
            "p50": float(row["50%"] or 0),
            "p95": float(row["95%"] or 0),
            "p99": float(row["99%"] or 0),
        }
        summary[f"{row['Type']} {name}".strip()] = line
        print(f"{(row['Type'] + ' ' + name).strip()[:44]:44} {line['count']:>7} {line['errors']:>6} "
              f"{line['rps']:>7.1f} {line['p50']:>6.0f} {line['p95']:>6.0f} {line['p99']:>6.0f}")
    machine = f"{platform.node()} · {platform.machine()} · {os.cpu_count()} cores"
    (OUT / f"load-{args.db}.json").write_text(json.dumps(
        {"date": time.strftime("%Y-%m-%d %H:%M"), "db": args.db, "scale": args.scale,
         "users": args.users, "seconds": args.seconds, "workers": args.workers,
         "machine": machine, **speed, "requests": summary}, ensure_ascii=False, indent=1))
    print("(times in ms; 409 on a workflow step — someone else moved the case first — is not an error)")
    print(f"machine: calibration loop {speed['calibration_ms_before']} ms before, {speed['calibration_ms_after']} ms "
          f"after (lower is faster); CPU steal during the run {speed['steal_percent']} %")


if __name__ == "__main__":
    main()
