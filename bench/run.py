"""Benchmarks: `make bench` (SQLite, 1,000,000 cases) / `make bench DB=postgres SCALE=10000000`.

Prepares a database of SCALE cases with the seed commands, starts the app (gunicorn, one worker,
one thread: we measure latency, not throughput) and the plain Flask-AppBuilder reference app
(bench/plain_fab.py) on the same database, and measures every scenario over HTTP as median and
p95 after a warm-up. In the same run it times the raw SQL each page needs, executed directly:
the floor. Prints a table (ours, plain FAB, raw SQL, ratios) and writes bench/out/results.json.
Nothing here is asserted; bench/RESULTS.md records measured tables with date and machine.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
VENV_BIN = ROOT / ".venv" / "bin"
OURS_PORT, PLAIN_PORT = 5301, 5302
PASSWORD = "Demo@2026"  # noqa: S105 — the demo county's documented password


# --- HTTP ---------------------------------------------------------------------------------------


class Browser:
    """A keep-alive HTTP client with a cookie jar of one session cookie."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
        payload = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, payload, dict(response.getheaders())

    def get(self, path: str) -> tuple[int, bytes]:
        status, payload, _ = self.request("GET", path)
        return status, payload

    def post(self, path: str) -> tuple[int, bytes]:
        """A POST with the session's CSRF token (exports are CSRF-protected POSTs)."""
        if not getattr(self, "csrf", None):
            _, page = self.get("/cases/list/?psize_CaseView=1")
            found = re.search(rb'name="csrf_token" value="([^"]+)"', page)
            self.csrf = found.group(1).decode() if found else ""
        status, payload, _ = self.request("POST", path, {"csrf_token": self.csrf})
        return status, payload

    def fetch(self, method: str, path: str) -> tuple[int, bytes]:
        return self.post(path) if method == "POST" else self.get(path)

    def login(self, username: str) -> None:
        _, page, _ = self.request("GET", "/login/")
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page)
        form = {"username": username, "password": PASSWORD}
        if token:
            form["csrf_token"] = token.group(1).decode()
        status, _, headers = self.request("POST", "/login/", form)
        if status != 302 or "/login" in headers.get("Location", ""):
            raise SystemExit(f"login as {username} failed ({status})")


def calibration_ms() -> float:
    """How long a fixed piece of pure Python takes here now (best of three): this machine's
    speed varies by half from hour to hour (a shared host), so every table says what it was."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(1_000_000):
            total += i * i % 7
        best = min(best, (time.perf_counter() - started) * 1000)
    return round(best, 1)


class StealWatch:
    """The share of CPU time the host took from this machine meanwhile (/proc/stat "steal")."""

    def __init__(self) -> None:
        self.start = self._read()

    @staticmethod
    def _read() -> list[int]:
        return [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]

    def percent(self) -> float:
        now = self._read()
        delta = [b - a for a, b in zip(self.start, now, strict=False)]
        return round(100 * delta[7] / max(1, sum(delta)), 1) if len(delta) > 7 else 0.0


def timed(fn, repeat: int, warmup: int) -> list[float]:
    return timed_together([fn], repeat, warmup)[0]


def timed_together(fns: list, repeat: int, warmup: int) -> list[list[float]]:
    """`fns` timed in turn, one call each per round: the machine's speed, which moves within a
    minute here, then weighs on all of them alike (a page against its own SQL floor)."""
    for _ in range(warmup):
        for fn in fns:
            fn()
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for fn, out in zip(fns, samples, strict=True):
            start = time.perf_counter()
            fn()
            out.append((time.perf_counter() - start) * 1000)
    return samples


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


# --- scenarios ----------------------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    user: str
    ours: str
    plain: str | None = None
    raw: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    repeat: int = 20
    method: str = "GET"
    memory: bool = False  # sample the server worker's memory while it runs (exports)
    # The floor is the page's own statements: captured from the app in this process, replayed.
    raw_from_page: bool = False
    warmup: int = 3


def scenarios(ctx: dict[str, Any]) -> list[Scenario]:
    town = ctx["township_id"]
    number, id_number, phone = ctx["number"], ctx["id_number"], ctx["phone"]
    case_id = ctx["case_id"]
    list_sql = (
        "SELECT c.id, c.number, c.received_at, c.channel, c.petitioner_names, t.name, c.category, s.name, c.title, c.status "
        "FROM petition_case c JOIN org_unit t ON t.id = c.township_id LEFT JOIN subject s ON s.id = c.subject_id "
    )
    scoped = "WHERE c.township_id = :town "
    plain_scoped = "/plaintownshipcaseview/list/"
    plain_all = "/plaincaseview/list/"
    out: list[Scenario] = []
    for user, where, prefix, plain_list in (
        ("clerk", scoped, "township", plain_scoped),
        ("county_manager", "WHERE 1=1 ", "county", plain_all),
    ):
        p = {"town": town}
        out += [
            Scenario(f"{prefix}: list, first page", user, "/cases/list/", plain_list, [
                (f"SELECT count(*) FROM petition_case c {where}", p),
                (list_sql + where + "ORDER BY c.received_at DESC LIMIT 20", p)]),
            Scenario(f"{prefix}: filter status", user, "/cases/list/?q_status=handling",
                     plain_list + "?_flt_0_status=handling", [
                (f"SELECT count(*) FROM petition_case c {where}AND c.status = 'handling'", p),
                (list_sql + where + "AND c.status = 'handling' ORDER BY c.received_at DESC LIMIT 20", p)]),
            # A saved view opens the list with its filters (/cases/saved-views/<id> redirects here):
            # several statuses at once, sorted by deadline.
            Scenario(f"{prefix}: saved view, two statuses", user,
                     "/cases/list/?q_status=handling&q_status=assigned&_oc_CaseView=next_due_at&_od_CaseView=asc", None, [
                (f"SELECT count(*) FROM petition_case c {where}AND c.status IN ('handling', 'assigned')", p),
                (list_sql + where + "AND c.status IN ('handling', 'assigned') ORDER BY c.next_due_at ASC LIMIT 20", p)]),
            Scenario(f"{prefix}: township+category+dates", user,
                     f"/cases/list/?q_township={town}&q_category=claim&q_from=2025-01-01&q_to=2025-06-30",
                     plain_list + f"?_flt_0_township={town}&_flt_0_category=claim&_flt_1_received_at=2025-01-01+00:00:00&_flt_2_received_at=2025-06-30+23:59:59",
                     [(f"SELECT count(*) FROM petition_case c {where}AND c.township_id = :town AND c.category = 'claim' "
                       "AND c.received_at BETWEEN '2025-01-01' AND '2025-06-30 23:59:59'", p),
                      (list_sql + where + "AND c.township_id = :town AND c.category = 'claim' AND c.received_at "
                       "BETWEEN '2025-01-01' AND '2025-06-30 23:59:59' ORDER BY c.received_at DESC LIMIT 20", p)]),
            Scenario(f"{prefix}: page 1,000", user, "/cases/list/?page_CaseView=999",
                     plain_list + ("?page_PlainTownshipCaseView=999" if prefix == "township" else "?page_PlainCaseView=999"), [
                (f"SELECT count(*) FROM petition_case c {where}", p),
                (list_sql + where + "ORDER BY c.received_at DESC LIMIT 20 OFFSET 19980", p)]),
            Scenario(f"{prefix}: lookup case number", user, f"/cases/list/?q_number={number}",
                     plain_list + f"?_flt_0_number={number}", [
                (list_sql + where + "AND c.number = :n", {**p, "n": number})]),
            Scenario(f"{prefix}: lookup ID number", user, f"/cases/list/?q_person={id_number}", None, [
                (list_sql + where + "AND c.id IN (SELECT case_id FROM petitioner WHERE id_number = :i)", {**p, "i": id_number})]),
            Scenario(f"{prefix}: lookup phone", user, f"/cases/list/?q_person={phone}", None, [
                (list_sql + where + "AND c.id IN (SELECT case_id FROM petitioner WHERE phone = :ph)", {**p, "ph": phone})]),
            Scenario(f"{prefix}: keyword search", user, "/cases/list/?q_keyword=" + urllib.parse.quote("养殖场污水"),
                     plain_list + "?_flt_2_content=" + urllib.parse.quote("养殖场污水"), [
                (list_sql + where + "AND (c.title LIKE :k OR c.content LIKE :k) ORDER BY c.received_at DESC LIMIT 20",
                 {**p, "k": "%养殖场污水%"})], repeat=10),
        ]
    out += [
        Scenario("township: case page", "clerk", f"/cases/show/{case_id}", None, [
            ("SELECT * FROM petition_case WHERE id = :id", {"id": case_id}),
            ("SELECT * FROM petitioner WHERE case_id = :id", {"id": case_id})]),
        Scenario("township: home / work queue", "clerk", "/", None, []),
        Scenario("township: 我的信访件", "handler", "/cases/mine/", None, []),
        Scenario("township: workload per handler", "leader", "/cases/workload/", None, []),
        # The navbar's box (issue 19): a number's last digits, in every year, cases and ledger.
        *[Scenario(f"{prefix}: navbar search 316", user, "/search/?q=316", None, [
            ("SELECT id, number, title FROM petition_case WHERE number IN ("
             + ", ".join(f"'XF{y}-000316'" for y in range(time.localtime().tm_year - 3, time.localtime().tm_year + 1))
             + ")", {}),
            ("SELECT id, title FROM ledger_entry WHERE id = 316", {})])
          for prefix, user in (("township", "clerk"), ("county", "county_manager"))],
        # 一案一档 (issue 19): the case page with its holdings, orders, meetings, receptions … gathered.
        Scenario("county: case page with everything gathered", "county_manager",
                 f"/cases/show/{ctx['gathered_case_id']}", None, [
            ("SELECT * FROM petition_case WHERE id = :id", {"id": ctx["gathered_case_id"]}),
            ("SELECT * FROM supervision_order WHERE id IN (SELECT order_id FROM supervision_order_target "
             "WHERE case_id = :id)", {"id": ctx["gathered_case_id"]}),
            ("SELECT * FROM leader_holding WHERE case_id = :id", {"id": ctx["gathered_case_id"]})]),
        Scenario("county: home / work queue", "county_manager", "/", None, []),
    ]
    out += report_scenarios(ctx)
    out += notification_scenarios(ctx)
    out += practice_scenarios()
    return out


def practice_scenarios() -> list[Scenario]:
    """The seeds' practices with a page of their own (issue 21): the hard-case fund's report
    (applications and disbursements by township and category) and the published duty roster."""
    return [
        Scenario("county: hard-case fund report", "county_leader", "/fund/report/", None, repeat=10,
                 raw_from_page=True),
        Scenario("township: duty roster", "clerk", "/duty/roster/", None, repeat=10, raw_from_page=True),
    ]


def notification_scenarios(ctx: dict[str, Any]) -> list[Scenario]:
    """The notification list and the bell's number (issue 18), as the user with the most
    notifications (seed.bulk.HEAVY_USER, a fifth of them)."""
    u = {"u": ctx["heavy_user_id"]}
    page = ("SELECT * FROM notification WHERE user_id = :u{} ORDER BY created_at DESC, id DESC LIMIT 50")
    return [
        Scenario("township: notification list", "handler", "/notifications/", None, [
            ("SELECT count(*) FROM notification WHERE user_id = :u", u), (page.format(""), u)]),
        Scenario("township: notification list, unread", "handler", "/notifications/?state=unread", None, [
            ("SELECT count(*) FROM notification WHERE user_id = :u AND read_at IS NULL", u),
            (page.format(" AND read_at IS NULL"), u)]),
        Scenario("township: notification list, page 20", "handler", "/notifications/?page=19", None, [
            ("SELECT count(*) FROM notification WHERE user_id = :u", u),
            (page.format("") + " OFFSET 950", u)]),
        Scenario("township: navbar count", "handler", "/notifications/count", None, [
            ("SELECT count(*) FROM notification WHERE user_id = :u AND read_at IS NULL", u)]),
    ]


# The case figures of the rates report in one pass: the raw SQL floor of its aggregate (one
# GROUP BY over the year and the year before, the same sums the app asks for).
EXPORT_SQL = (
    "SELECT c.number, c.received_at, c.channel, c.petitioner_names, t.name, c.category, s.name, c.title, c.status "
    "FROM petition_case c JOIN org_unit t ON t.id = c.township_id LEFT JOIN subject s ON s.id = c.subject_id "
    "ORDER BY c.received_at DESC, c.id DESC"
)


def report_scenarios(ctx: dict[str, Any]) -> list[Scenario]:
    """Reports and exports (issue 6): a year's rates report, the supervision report, the
    dashboard's data, and exports of every case to CSV and .xlsx (time and server memory)."""
    year = time.localtime().tm_year - 1
    near = "SELECT count(*) FROM petition_case WHERE status IN ('accepted','approved','assigned','handling','in_review','instructed','proposed','registered','returned','reviewing') AND next_due_at < :soon"
    soon = {"soon": time.strftime("%Y-%m-%d", time.localtime(time.time() + 4 * 86400))}
    return [
        Scenario("county: rates report, one year", "county_manager",
                 f"/reports/rates/?start={year}-01-01&end={year}-12-31", None, repeat=10, raw_from_page=True),
        Scenario("township: rates report, one year", "manager",
                 f"/reports/rates/?start={year}-01-01&end={year}-12-31", None, repeat=10, raw_from_page=True),
        Scenario("county: supervision report", "county_manager", "/reports/supervision/", None, [
            (near.replace("count(*)", "responsible_unit_id, count(*)") + " GROUP BY responsible_unit_id", soon),
            (near, soon),
            ("SELECT count(*) FROM petition_case WHERE redo_count > 3 OR transfer_count > 3", {})], repeat=5),
        Scenario("county: dashboard data", "county_manager", "/reports/dashboard/data", None, repeat=10,
                 raw_from_page=True),
        # 四联四包: open overdue or 积案 cases no county leader holds (ix_case_due_status, ix_case_backlog).
        Scenario("county: 四联四包 page", "county_manager", "/leaders/coverage/", None, repeat=10, raw_from_page=True),
        Scenario("township: 四联四包 page", "manager", "/leaders/coverage/", None, repeat=10, raw_from_page=True),
        Scenario("county: 积案 report", "county_manager", "/reports/backlog/", None, repeat=10, raw_from_page=True),
        Scenario("county: case list, 积案 filter", "county_manager", "/cases/list/?q_marks=backlog", None, repeat=10,
                 raw_from_page=True),
        Scenario("township: dashboard data", "clerk", "/reports/dashboard/data", None, repeat=10,
                 raw_from_page=True),
        # 风险期建议: one GROUP BY township, subject, year, month over three years of cases.
        Scenario("county: proposed risk periods", "admin", "/sweeps/risk-proposals/", None, repeat=5,
                 raw_from_page=True),
        Scenario("county: export all cases, CSV", "county_manager", "/cases/export/csv", None,
                 [(EXPORT_SQL, {})], repeat=1, method="POST", memory=True, warmup=0),
        Scenario("county: export all cases, xlsx", "county_manager", "/cases/export/xlsx", None,
                 [], repeat=1, method="POST", memory=True, warmup=0),
        Scenario("county: export rates report, xlsx", "county_manager",
                 f"/reports/rates/export/xlsx?start={year}-01-01&end={year}-12-31", None, [], repeat=3,
                 method="POST", warmup=1),
    ]


class MemoryWatch:
    """Samples the resident memory of a process's children (gunicorn's worker) every 50 ms."""

    def __init__(self, pid: int) -> None:
        import threading

        self.pid = pid
        self.peak = 0
        self.start_rss = self.rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def rss(self) -> int:
        total = 0
        try:
            children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()
        except OSError:
            children = []
        for child in children or [str(self.pid)]:
            try:
                for line in Path(f"/proc/{child}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            except OSError:
                pass
        return total

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self.rss())

    def stop(self) -> tuple[float, float]:
        self._stop.set()
        self._thread.join()
        return self.start_rss / 2**20, max(self.peak, self.start_rss) / 2**20


# --- preparation --------------------------------------------------------------------------------


def database_env(db: str) -> dict[str, str]:
    env = dict(os.environ)
    if db == "postgres":
        env["DATABASE_URL"] = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:54329/xf_bench")
    else:
        env["DATABASE_URL"] = f"sqlite:///{OUT / 'bench.db'}"
    env["XF_ENV"] = "demo"
    env["RATELIMIT_ENABLED"] = "0"
    return env


def flask(env: dict[str, str], *args: str) -> str:
    return subprocess.run([str(VENV_BIN / "flask"), "--app", "run", *args], cwd=ROOT, env=env,
                          check=True, capture_output=True, text=True).stdout


def prepare(db: str, scale: int, env: dict[str, str]) -> None:
    OUT.mkdir(exist_ok=True)
    if db == "postgres":
        admin_url = env["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
        name = env["DATABASE_URL"].rsplit("/", 1)[1]
        subprocess.run(["psql", admin_url, "-qc", f'CREATE DATABASE "{name}"'], capture_output=True)
    count = current_cases(env)
    if count >= scale:
        print(f"database has {count:,} cases (>= {scale:,}); reusing it")
        flask(env, "xf", "init", "--no-demo")
        prepare_notifications(scale // 10, env)
        return
    if count:
        print(f"database has {count:,} cases; adding {scale - count:,}")
    else:
        print("creating the demo county …")
    flask(env, "xf", "init")
    missing = scale - current_cases(env)
    if missing > 0:
        started = time.perf_counter()
        flask(env, "seed", "bulk", "--cases", str(missing))
        print(f"seeded {missing:,} cases in {time.perf_counter() - started:.0f} s")
    prepare_notifications(scale // 10, env)


def prepare_notifications(wanted: int, env: dict[str, str]) -> None:
    """A tenth as many notifications as cases (100,000 beside 1,000,000 cases)."""
    from sqlalchemy import inspect, text

    engine = engine_for(env)
    try:
        have = 0
        if inspect(engine).has_table("notification"):
            with engine.connect() as conn:
                have = conn.execute(text("SELECT count(*) FROM notification")).scalar() or 0
    finally:
        engine.dispose()
    if have < wanted:
        started = time.perf_counter()
        flask(env, "seed", "notifications", "--count", str(wanted - have))
        print(f"seeded {wanted - have:,} notifications in {time.perf_counter() - started:.0f} s")


def engine_for(env: dict[str, str]):
    from sqlalchemy import create_engine

    url = env["DATABASE_URL"]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return create_engine(url)


def current_cases(env: dict[str, str]) -> int:
    from sqlalchemy import inspect, text

    engine = engine_for(env)
    try:
        if not inspect(engine).has_table("petition_case"):
            return 0
        with engine.connect() as conn:
            return conn.execute(text("SELECT max(id) FROM petition_case")).scalar() or 0
    finally:
        engine.dispose()


def context(env: dict[str, str]) -> dict[str, Any]:
    from sqlalchemy import text

    engine = engine_for(env)
    with engine.connect() as conn:
        town = conn.execute(text("SELECT id FROM org_unit WHERE name = '城关镇'")).scalar()
        row = conn.execute(text(
            "SELECT c.id, c.number, p.id_number, p.phone FROM petition_case c JOIN petitioner p ON p.case_id = c.id "
            "WHERE c.township_id = :t AND p.id_number IS NOT NULL AND p.phone IS NOT NULL "
            "ORDER BY c.id DESC LIMIT 1 OFFSET 5000"), {"t": town}).one()
        heavy = conn.execute(text("SELECT id FROM ab_user WHERE username = 'handler'")).scalar()
        # The case most other records name (orders, holdings, meetings, receptions, 问责).
        gathered = conn.execute(text(
            "SELECT case_id FROM (SELECT case_id FROM supervision_order_target UNION ALL "
            "SELECT case_id FROM leader_holding UNION ALL SELECT case_id FROM joint_meeting_case UNION ALL "
            "SELECT case_id FROM reception_case UNION ALL SELECT case_id FROM accountability_case) linked "
            "WHERE case_id IS NOT NULL GROUP BY case_id ORDER BY count(*) DESC, case_id LIMIT 1")).scalar()
    engine.dispose()
    return {"township_id": town, "case_id": row[0], "number": row[1], "id_number": row[2], "phone": row[3],
            "heavy_user_id": heavy, "gathered_case_id": gathered or row[0]}


def start(cmd: list[str], env: dict[str, str], port: int) -> subprocess.Popen:
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/static/favicon.svg")
            return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"server on port {port} did not start: {proc.stderr.read().decode()[-2000:]}")


def raw_timing(env: dict[str, str], statements: list[tuple[str, dict[str, Any]]], repeat: int) -> list[float]:
    from sqlalchemy import text

    engine = engine_for(env)
    with engine.connect() as conn:
        def run() -> None:
            for sql, params in statements:
                conn.execute(text(sql), params).fetchall()

        samples = timed(run, repeat, 2)
    engine.dispose()
    return samples


def page_statements(env: dict[str, str], user: str, path: str) -> list[tuple[str, Any]]:
    """Every SQL statement our page runs, with its parameters: the page requested once through
    the app in this process (on the same database), the statements recorded at the driver."""
    from sqlalchemy import event

    os.environ.update(env)
    from app import create_app
    from app.extensions import db

    app = create_app()
    app.config["WTF_CSRF_ENABLED"] = False
    statements: list[tuple[str, Any]] = []
    client = app.test_client()
    client.post("/login/", data={"username": user, "password": PASSWORD})
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ARG001
        # Transaction control is the replaying connection's own business.
        if statement.split(None, 1)[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"):
            statements.append((statement, parameters))

    client.get(path)  # warm: the page's first request loads caches the next ones do not query
    event.listen(engine, "before_cursor_execute", record)
    response = client.get(path)
    event.remove(engine, "before_cursor_execute", record)
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code} in process")
    with app.app_context():
        db.engine.dispose()
    return statements


def replay_together(env: dict[str, str], statements: list[tuple[str, Any]], page, repeat: int,
                    warmup: int) -> tuple[list[float], list[float]]:
    """The page and the replay of its statements, timed in turn: (page samples, replay samples)."""
    engine = engine_for(env)
    with engine.connect() as conn:
        def run() -> None:
            for sql, params in statements:
                result = conn.exec_driver_sql(sql, params)
                if result.returns_rows:
                    result.fetchall()

        ours, raw = timed_together([page, run], repeat, warmup)
        conn.rollback()
    engine.dispose()
    return ours, raw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--scale", type=int, default=1_000_000)
    parser.add_argument("--only", default="", help="substrings of scenario names to run, comma-separated")
    args = parser.parse_args()

    env = database_env(args.db)
    sys.path.insert(0, str(ROOT))
    prepare(args.db, args.scale, env)
    calibrated, steal = calibration_ms(), StealWatch()
    ctx = context(env)
    env_plain = {**env, "BENCH_TOWNSHIP_ID": str(ctx["township_id"]), "BENCH_DATABASE_URI": env["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://")}
    gunicorn = str(VENV_BIN / "gunicorn")
    ours = start([gunicorn, "-w", "1", "--threads", "1", "--timeout", "900", "-b", f"127.0.0.1:{OURS_PORT}", "run:app"], env, OURS_PORT)
    plain = start([gunicorn, "-w", "1", "--threads", "1", "-b", f"127.0.0.1:{PLAIN_PORT}",
                   "bench.plain_fab:create_plain_app()"], env_plain, PLAIN_PORT)
    results = []
    try:
        browsers: dict[str, Browser] = {}
        plain_browser = Browser(PLAIN_PORT)
        plain_browser.login("admin")
        for sc in scenarios(ctx):
            if args.only and not any(part in sc.name for part in args.only.split(",")):
                continue
            if sc.user not in browsers:
                browsers[sc.user] = Browser(OURS_PORT)
                browsers[sc.user].login(sc.user)
            browser = browsers[sc.user]
            watch = MemoryWatch(ours.pid) if sc.memory else None
            status, body = browser.fetch(sc.method, sc.ours)
            row: dict[str, Any] = {"scenario": sc.name, "status": status}
            if sc.method == "POST":
                row["bytes"] = len(body)
            if status != 200:
                if watch is not None:
                    watch.stop()
                row["note"] = f"HTTP {status}"
                results.append(row)
                print_row(row)
                continue
            def page(sc: Scenario = sc, b: Any = browser) -> Any:
                return b.fetch(sc.method, sc.ours)

            raw_ms = None
            if sc.raw_from_page:
                # The page and its own statements replayed, in turn, in the same rounds.
                statements = page_statements(env, sc.user, sc.ours)
                ours_ms, raw_ms = replay_together(env, statements, page, sc.repeat, sc.warmup)
                row.update(raw_statements=len(statements))
            else:
                ours_ms = timed(page, sc.repeat, sc.warmup)
            row.update(ours_median=statistics.median(ours_ms), ours_p95=p95(ours_ms))
            if watch is not None:
                before, peak = watch.stop()
                row.update(rss_before_mb=round(before, 1), rss_peak_mb=round(peak, 1))
                print(f"  server memory: {before:.0f} MB before, {peak:.0f} MB at peak; {row['bytes'] / 2**20:.0f} MB sent")
            if sc.plain:
                plain_status, _ = plain_browser.get(sc.plain)
                if plain_status != 200:
                    raise SystemExit(f"plain FAB answered {plain_status} for {sc.plain}")
                plain_ms = timed(lambda sc=sc: plain_browser.get(sc.plain), sc.repeat, 3)
                row.update(plain_median=statistics.median(plain_ms), plain_p95=p95(plain_ms))
            if sc.raw:
                raw_ms = raw_timing(env, sc.raw, sc.repeat)
                row.update(raw_median=statistics.median(raw_ms))
            elif raw_ms is not None:
                row.update(raw_median=statistics.median(raw_ms))
            results.append(row)
            print_row(row)
    finally:
        ours.terminate()
        plain.terminate()
    machine = f"{platform.node()} · {platform.processor() or platform.machine()} · {os.cpu_count()} cores"
    speed = {"calibration_ms_before": calibrated, "calibration_ms_after": calibration_ms(), "steal_percent": steal.percent()}
    print(f"\nmachine: calibration loop {speed['calibration_ms_before']} ms before, "
          f"{speed['calibration_ms_after']} ms after (lower is faster); CPU steal {speed['steal_percent']} %")
    (OUT / "results.json").write_text(json.dumps(
        {"date": time.strftime("%Y-%m-%d %H:%M"), "db": args.db, "scale": args.scale, "machine": machine,
         **speed, "results": results}, ensure_ascii=False, indent=1))
    print(f"\nwritten to {OUT / 'results.json'}")


HEADER_PRINTED = False


def print_row(row: dict[str, Any]) -> None:
    global HEADER_PRINTED
    if not HEADER_PRINTED:
        print(f"\n{'scenario':42} {'ours med':>9} {'p95':>8} {'plain FAB':>10} {'×plain':>7} {'raw SQL':>8} {'×raw':>6}")
        HEADER_PRINTED = True
    if "ours_median" not in row:
        print(f"{row['scenario']:42} {row.get('note', '')}")
        return

    def fmt(key: str) -> str:
        return f"{row[key]:.1f}" if key in row else "—"

    def ratio(key: str) -> str:
        return f"{row['ours_median'] / row[key]:.2f}" if row.get(key) else "—"

    print(f"{row['scenario']:42} {fmt('ours_median'):>9} {fmt('ours_p95'):>8} {fmt('plain_median'):>10} "
          f"{ratio('plain_median'):>7} {fmt('raw_median'):>8} {ratio('raw_median'):>6}")


if __name__ == "__main__":
    main()
