"""Benchmark: import a 10,000-row dispute ledger from Excel, end to end, and print the timings.

    .venv/bin/python bench/import_ledger.py [--rows 10000] [--database-url postgresql://…]

Builds a scratch database (migrations + the demo county; SQLite in a temporary folder unless
--database-url is given — that database must be empty), writes a realistic .xlsx from the
downloaded template, then uploads it through HTTP as the county administrator exactly as a
user would (upload → background job → the page polls) and reports each phase. Run it twice to
see the idempotent re-import (every row skipped).
"""

from __future__ import annotations

import argparse
import io
import random
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.core.clock import today as county_today  # noqa: E402

TEST_CONFIG = {
    "TESTING": True,
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    "AUTH_RATE_LIMITED": False,
    "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    "SECRET_KEY": "bench",
    "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
}


def build(uri: str):
    from flask_migrate import upgrade

    from app import create_app
    from app.core.database import write_transactions
    from seed.demo import load_demo

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": uri})
    with app.app_context(), write_transactions():
        upgrade()
        app.appbuilder.sm.sync_roles()
        load_demo(cases=100)
    return app


def spreadsheet(template: bytes, rows: int, rng: random.Random) -> bytes:
    import openpyxl

    from app.ledgers.importing import LEDGER_IMPORT
    from seed import data
    from seed.demo import fake_id_number, fake_mobile

    keys = [c.key for c in LEDGER_IMPORT.columns]
    types = ["土地权属及地界纠纷", "邻里纠纷", "婚姻家庭纠纷", "劳资纠纷", "合同债务纠纷", "征地拆迁纠纷", "物业纠纷"]
    units = ["县自然资源局", "县司法局", "县人力资源和社会保障局", "县住房和城乡建设局"]
    book = openpyxl.load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    today = county_today()
    for index in range(rows):
        township, villages = rng.choice(data.TOWNSHIPS)
        village = rng.choice(villages)
        names = [rng.choice(data.SURNAMES) + rng.choice(data.GIVEN) for _ in range(rng.choice([1, 2, 2]))]
        level = rng.choice([1, 2, 2, 3])
        found = today - timedelta(days=rng.randint(30, 700))
        values = {
            "township": township, "village": village, "dispute_type": rng.choice(types),
            "title": f"{village}{'与'.join(names)}纠纷（第{index + 1}号）",
            "description": f"{village}村民反映的矛盾纠纷，经网格员排查发现。" * 2,
            "parties": "、".join(names),
            "id_numbers": "、".join(fake_id_number(rng) for _ in names),
            "phones": "、".join(fake_mobile(rng) for _ in names),
            "people_count": len(names) + rng.choice([0, 0, 1]),
            "responsible_unit": township if rng.random() < 0.5 else rng.choice(units),
            "responsible_person": rng.choice(data.SURNAMES) + "书记",
            "measures": "属地包保，定期回访",
            "level": level, "found_on": found,
            "resolved_on": found + timedelta(days=rng.randint(1, 25)) if level == 1 else None,
            "progress": "已入户走访" if rng.random() < 0.5 else None,
        }
        sheet.append([values.get(key) for key in keys])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="xf-bench-")
    uri = args.database_url or f"sqlite:///{folder}/bench.db"
    if uri.startswith("postgresql://"):
        uri = "postgresql+psycopg://" + uri[len("postgresql://"):]
    started = time.perf_counter()
    app = build(uri)
    print(f"database {uri.split('@')[-1]} ready in {time.perf_counter() - started:.1f} s")

    from tests.support import login

    client = app.test_client()
    login(client, "admin")
    template = client.get("/ledgers/import/template").data
    t = time.perf_counter()
    data = spreadsheet(template, args.rows, random.Random(10_000))
    print(f"generated {args.rows:,} rows: {len(data) / 1024 / 1024:.2f} MB in {time.perf_counter() - t:.1f} s")

    for attempt in ("first import", "same file again"):
        t0 = time.perf_counter()
        response = client.post("/ledgers/import/upload", data={"file": (io.BytesIO(data), "台账.xlsx")},
                               content_type="multipart/form-data")
        assert response.status_code == 302, response.status_code
        job_url = response.headers["Location"]
        t1 = time.perf_counter()
        saving_at = None
        polls = 0
        while True:
            state = client.get(f"{job_url}/status").get_json()
            polls += 1
            if state["status"] == "saving" and saving_at is None:
                saving_at = time.perf_counter()
            if state["finished"]:
                break
            time.sleep(0.05)
        t3 = time.perf_counter()
        saving_at = saving_at or t3
        print(
            f"{attempt}: {state['status']} — imported {state['imported']:,}, skipped {state['skipped']:,}, "
            f"errors {state['errors']:,}"
        )
        print(
            f"  upload + file check {t1 - t0:.2f} s · rows checked {saving_at - t1:.2f} s · "
            f"saved {t3 - saving_at:.2f} s · end to end {t3 - t0:.2f} s ({polls} progress polls)"
        )
        if state["status"] != "done":
            print("  " + state["message"])
            sys.exit(1)
    with app.app_context():
        from app.extensions import db

        db.engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
