"""Production refuses what only a demo may have (issue 16, item 17): an unknown XF_ENV stops the
start, demo data never enters a production database, and `flask xf doctor` says — in Chinese,
check by check — whether the installation is fit for production."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta

import chinese_calendar
import pytest
from sqlalchemy import select, text, update

from app.security.models import AppUser
from seed.data import DEMO_USERS, EXTRA_DEMO_USERS, STAFF_USERS
from tests.conftest import make_app
from tests.isolated import database
from tests.support import county_now, county_today
from tests.test_migrations import empty_database  # noqa: F401 — the fixture

STRONG_KEY = "k3y-for-the-doctor-test-" + "x" * 24
DEMO_LOGINS = [row[0] for row in DEMO_USERS + EXTRA_DEMO_USERS + STAFF_USERS]


# --- XF_ENV ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["prod", "Production", "staging"])
def test_an_unknown_xf_env_stops_the_start(value, tmp_path):
    env = {**os.environ, "XF_ENV": value, "SECRET_KEY": "s" * 40, "XF_INSTANCE_DIR": str(tmp_path)}
    started = subprocess.run([sys.executable, "-c", "import config"], env=env, capture_output=True, text=True)
    assert started.returncode != 0
    assert f"XF_ENV={value!r}" in started.stderr and "production" in started.stderr


def test_an_unknown_xf_env_in_the_app_config_stops_the_app(database_uri):
    with pytest.raises(RuntimeError, match="XF_ENV='prod'"):
        make_app(database_uri, XF_ENV="prod")


@pytest.mark.parametrize("value", ["demo", "development", "production"])
def test_the_known_environments_start(value, tmp_path):
    env = {**os.environ, "XF_ENV": value, "SECRET_KEY": "s" * 40, "XF_INSTANCE_DIR": str(tmp_path)}
    started = subprocess.run(
        [sys.executable, "-c", "import config; print(config.XF_ENV, config.DEMO_MODE)"],
        env=env, capture_output=True, text=True,
    )
    assert started.returncode == 0, started.stderr
    assert started.stdout.split() == [value, str(value != "production")]


# --- no demo data in production -------------------------------------------------------------------


def production_app(uri: str, **overrides):
    return make_app(uri, XF_ENV="production", DEMO_MODE=False, **overrides)


def user_count(app) -> int:
    with database(app) as s:
        return s.execute(text("SELECT count(*) FROM ab_user")).scalar()


def test_production_init_loads_no_demo_and_refuses_to_be_asked(empty_database):  # noqa: F811
    app = production_app(empty_database)
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["xf", "init", "--demo"])
    assert refused.exit_code != 0
    assert "生产环境不加载演示数据" in refused.output
    done = runner.invoke(args=["xf", "init"])
    assert done.exit_code == 0, done.output
    assert user_count(app) == 0  # the schema and roles, no demo logins
    assert "demo" not in done.output
    for command in (["seed", "demo", "--cases", "5"], ["seed", "bulk", "--cases", "5"],
                    ["seed", "notifications", "--count", "5"]):
        refused = runner.invoke(args=command)
        assert refused.exit_code != 0 and "生产环境不加载演示数据" in refused.output, command
    assert user_count(app) == 0
    with database(app) as s:
        assert s.execute(text("SELECT count(*) FROM petition_case")).scalar() == 0
        assert s.execute(text("SELECT count(*) FROM notification")).scalar() == 0
    with app.app_context():
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()


# --- flask xf doctor ------------------------------------------------------------------------------


def doctor(app) -> tuple[int, dict[str, tuple[bool, str]]]:
    result = app.test_cli_runner().invoke(args=["xf", "doctor"])
    lines = {}
    for line in result.output.splitlines():
        if line[:1] in ("✓", "✗"):
            name, _, text_ = line[2:].partition("：")
            lines[name] = (line[0] == "✓", text_)
    return result.exit_code, lines


def next_year_known() -> bool:
    """Straight from the library: does it hold next year's holiday schedule?"""
    try:
        chinese_calendar.is_holiday(date(county_today().year + 1, 1, 1))
    except NotImplementedError:
        return False
    return True


CHECK_NAMES = ["生产模式", "密钥", "演示账号", "HTTPS Cookie", "备份", "限流存储", "消息链接", "后台工作进程", "时区",
               "明年节假日"]


def test_the_doctor_finds_a_demo_installation_unfit(app, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    code, lines = doctor(app)
    assert code == 1
    assert list(lines) == CHECK_NAMES
    assert lines["生产模式"] == (False, lines["生产模式"][1]) and "XF_ENV=production" in lines["生产模式"][1]
    assert not lines["密钥"][0] and "SECRET_KEY" in lines["密钥"][1]
    assert not lines["演示账号"][0] and "admin" in lines["演示账号"][1]
    assert f"存在 {len(DEMO_LOGINS)} 个演示账号" in lines["演示账号"][1]
    assert not lines["HTTPS Cookie"][0]
    assert not lines["备份"][0] and "从未做过备份" in lines["备份"][1]
    assert lines["限流存储"][0] and "memory://" in lines["限流存储"][1]  # one process: enough for a demo
    assert not lines["消息链接"][0] and "未设置 PUBLIC_BASE_URL" in lines["消息链接"][1]
    assert not lines["后台工作进程"][0] and "flask --app run xf worker" in lines["后台工作进程"][1]
    assert lines["时区"][0] and "Asia/Shanghai" in lines["时区"][1]
    assert lines["明年节假日"][0] is next_year_known()


def test_the_doctor_passes_a_production_installation(database_uri, tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", STRONG_KEY)
    app = production_app(
        database_uri, SECRET_KEY=STRONG_KEY, SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True,
        UPLOAD_FOLDER=str(tmp_path / "uploads"), RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
        PUBLIC_BASE_URL="https://xf.example.cn",
    )
    with database(app) as s:
        s.execute(update(AppUser).where(AppUser.username.in_(DEMO_LOGINS)).values(active=False))
        year = county_today().year + 1
        if not next_year_known():
            from app.deadlines.models import HolidayOverride, HolidayYear

            # Entered and confirmed complete by the administrator (the holiday page's button).
            s.add(HolidayOverride(day=date(year, 1, 1), is_workday=False, name="元旦"))
            s.add(HolidayYear(year=year, confirmed_at=county_now()))
        s.commit()
    backup = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "nightly.tar.gz")])
    assert backup.exit_code == 0, backup.output
    from app.worker.jobs import JOBS
    from app.worker.runner import run_once

    assert run_once(app, next(j for j in JOBS if j.name == "outbox"), "doctor-test-worker")  # a worker at work

    code, lines = doctor(app)
    assert list(lines) == CHECK_NAMES
    assert all(ok for ok, _ in lines.values()), lines
    assert code == 0
    assert f"{county_today():%Y-%m-%d}" in lines["备份"][1]
    assert lines["消息链接"][1] == "消息中的链接指向 https://xf.example.cn。"
    assert "redis://" in lines["限流存储"][1] and "6379" not in lines["限流存储"][1]


def test_the_doctor_names_a_wrong_time_zone_and_a_short_key(database_uri, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "short-key")
    app = production_app(database_uri, SECRET_KEY="short-key", XF_TIMEZONE="Europe/Berlin")
    code, lines = doctor(app)
    assert code == 1
    assert not lines["时区"][0] and "Europe/Berlin" in lines["时区"][1] and "北京时间" in lines["时区"][1]
    assert not lines["密钥"][0] and "只有 9 个字符" in lines["密钥"][1]
    # Production with the defaults: limits counted per process, no links, no worker lately.
    assert not lines["限流存储"][0] and "redis://" in lines["限流存储"][1]
    assert not lines["消息链接"][0]
    from app.core.clock import now
    from app.worker.models import JobRun

    with app.app_context():
        eleven = now().replace(microsecond=0) - timedelta(minutes=11)  # the app's clock (Berlin, here)
    with database(app) as s:
        s.add(JobRun(name="outbox", slot_at=eleven, holder="w", started_at=eleven, finished_at=eleven, outcome="done"))
        s.commit()
    _, lines = doctor(app)
    assert not lines["后台工作进程"][0] and "最近 10 分钟内没有后台工作进程运行任务" in lines["后台工作进程"][1]
    assert f"{eleven:%Y-%m-%d %H:%M}" in lines["后台工作进程"][1]
    with database(app) as s:
        assert s.execute(select(AppUser.id).limit(1)).scalar() is not None  # nothing was changed
