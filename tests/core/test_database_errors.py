"""A database error is not "changed by someone else" (issue 16, item 16): only a real conflict (a
stale version, a race on a unique constraint) is a 409; a database that fails or cannot be
reached is a 503 with a Chinese message, logged, nothing saved — on pages and in the API.

The failures are real database errors, not mocks: a trigger that makes the database refuse the
write the way a server going down does (SQLite: a table that is not there; PostgreSQL: SQLSTATE
57P01 "admin shutdown"), and a database that cannot be opened at all."""

from __future__ import annotations

import logging
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select, text

from app.cases.models import Case
from tests.api.support import case_payload, org, token
from tests.cases.workflow_support import register, step
from tests.conftest import PG_URL, _admin_engine
from tests.support import login, page_text

OUTAGE_TEXT = "数据库暂时无法连接"
CONFLICT_TEXT = "他人"


@contextmanager
def case_update_trigger(db_session, name: str, pg_raise: str, sqlite_body: str):
    """Every UPDATE of a case runs a trigger `name` that fails inside the database: PostgreSQL
    executes `pg_raise` (a RAISE statement), SQLite `sqlite_body`."""
    postgres = db_session.get_bind().dialect.name == "postgresql"
    if postgres:
        db_session.execute(text(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {pg_raise}; END $$"
        ))
        db_session.execute(text(
            f"CREATE TRIGGER {name} BEFORE UPDATE ON petition_case FOR EACH ROW EXECUTE FUNCTION {name}()"
        ))
    else:
        db_session.execute(text(f"CREATE TRIGGER {name} BEFORE UPDATE ON petition_case BEGIN {sqlite_body}; END"))
    try:
        yield
    finally:
        db_session.execute(text(f"DROP TRIGGER {name}" + (" ON petition_case" if postgres else "")))
        if postgres:
            db_session.execute(text(f"DROP FUNCTION {name}()"))


@contextmanager
def failing_case_writes(db_session, app):
    """The app's writes fail as when the database is going away. PostgreSQL: every UPDATE of a
    case raises SQLSTATE 57P01 "admin shutdown". SQLite: another connection holds the database's
    write lock, and the app's connections wait 0.1 s for it instead of 15 s ("database is
    locked": a lock not granted in time)."""
    if db_session.get_bind().dialect.name == "postgresql":
        with case_update_trigger(
            db_session, "xf_test_outage",
            "RAISE EXCEPTION 'terminating connection due to administrator command' USING ERRCODE = '57P01'", "",
        ):
            yield
        return
    import sqlite3

    from sqlalchemy import event

    from app.extensions import db

    with app.app_context():
        engine = db.engine
        engine.dispose()

    def short_wait(dbapi_connection, _record, _proxy):
        dbapi_connection.execute("PRAGMA busy_timeout=100")

    event.listen(engine, "checkout", short_wait)
    holder = sqlite3.connect(engine.url.database, isolation_level=None, timeout=15)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        event.remove(engine, "checkout", short_wait)
        engine.dispose()  # the next connections wait the usual 15 s again


def mistaken_case_writes(db_session):
    """Every UPDATE of a case runs a statement the database cannot run — a programming error of
    ours (SQLite: a table that is not there, an OperationalError; PostgreSQL: SQLSTATE 42P01)."""
    return case_update_trigger(
        db_session, "xf_test_mistake",
        "RAISE EXCEPTION 'relation \"xf_gone_table\" does not exist' USING ERRCODE = '42P01'",
        "INSERT INTO xf_gone_table VALUES (1)",
    )


def case_state(db_session, case_id: int) -> tuple[str, int]:
    db_session.expire_all()
    case = db_session.get(Case, case_id)
    return case.status, case.version


def test_a_step_that_fails_in_the_database_is_a_503_not_a_conflict(app, client_as, db_session, caplog):
    clerk = client_as("clerk")
    case = register(clerk, db_session, title="数据库故障时的受理")
    before = case_state(db_session, case.id)
    with failing_case_writes(db_session, app), caplog.at_level(logging.ERROR):
        response = step(clerk, case.id, "accept", note="予以受理")
    assert response.status_code == 503
    shown = page_text(response)
    assert OUTAGE_TEXT in shown and CONFLICT_TEXT not in shown
    assert response.headers["Retry-After"] == "60"
    assert case_state(db_session, case.id) == before  # nothing saved
    assert any(r.levelno >= logging.ERROR and "Database unavailable" in r.getMessage() for r in caplog.records)

    # The database back: the same step goes through.
    assert step(clerk, case.id, "accept", note="予以受理").status_code == 302


def test_a_real_version_conflict_is_still_a_409(client_as, db_session):
    clerk = client_as("clerk")
    case = register(clerk, db_session, title="版本冲突仍为409")
    response = step(clerk, case.id, "accept", version=str(case.version + 5), note="予以受理")
    assert response.status_code == 409
    assert CONFLICT_TEXT in page_text(response)


def test_an_api_step_that_fails_in_the_database_is_a_503(app, client, db_session, caplog):
    clerk = token(client, "clerk")
    town = org(db_session, "城关镇")
    case = client.post("/api/v1/cases/", json=case_payload(town.id), headers=clerk).get_json()["result"]
    before = case_state(db_session, case["id"])
    with failing_case_writes(db_session, app), caplog.at_level(logging.ERROR):
        response = client.post(f"/api/v1/cases/{case['id']}/steps/accept", json={}, headers=clerk)
    assert response.status_code == 503
    body = response.get_json()
    assert body["code"] == "database_unavailable"
    assert OUTAGE_TEXT in body["message"]
    assert case_state(db_session, case["id"]) == before
    assert any(r.levelno >= logging.ERROR and "failed in the database" in r.getMessage() for r in caplog.records)


# --- the database out of reach altogether --------------------------------------------------------


@contextmanager
def database_down(app, database_uri: str):
    """The app's database cannot be opened: its connections are closed and new ones refused."""
    from app.extensions import db

    with app.app_context():
        db.engine.dispose()
    if PG_URL:
        name = database_uri.rsplit("/", 1)[1]
        admin = _admin_engine()
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'))
            conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ), {"name": name})
        try:
            yield
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true'))
            admin.dispose()
    else:
        path = Path(database_uri.removeprefix("sqlite:///"))
        aside = path.with_name(path.name + ".aside")
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{path}{suffix}").exists():
                Path(f"{path}{suffix}").rename(Path(f"{aside}{suffix}"))
        path.mkdir()  # a directory where the file was: "unable to open database file"
        try:
            yield
        finally:
            shutil.rmtree(path)
            for suffix in ("", "-wal", "-shm"):
                if Path(f"{aside}{suffix}").exists():
                    Path(f"{aside}{suffix}").rename(Path(f"{path}{suffix}"))
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("username", ["clerk", "county_manager"])
def test_pages_and_the_api_answer_503_while_the_database_is_down(app, database_uri, username, caplog):
    browser = app.test_client()
    login(browser, username)
    api = app.test_client()
    bearer = token(api, username)
    with database_down(app, database_uri), caplog.at_level(logging.ERROR):
        page = browser.get("/cases/list/")
        assert page.status_code == 503
        assert OUTAGE_TEXT in page_text(page) and CONFLICT_TEXT not in page_text(page)
        response = api.get("/api/v1/cases/?page_size=1", headers=bearer)
        assert response.status_code == 503
        assert response.get_json()["code"] == "database_unavailable"
    assert any(r.levelno >= logging.ERROR for r in caplog.records)
    # Back up: the same session and token work again.
    assert browser.get("/cases/list/").status_code == 200
    assert api.get("/api/v1/cases/?page_size=1", headers=bearer).status_code == 200


def test_nothing_half_saved_when_the_database_goes_away_before_a_save(app, database_uri, db_session):
    browser = app.test_client()
    login(browser, "clerk")
    before = db_session.execute(select(text("count(*)")).select_from(text("petition_case"))).scalar()
    from tests.cases.workflow_support import unit
    from tests.support import case_form

    form = case_form(unit(db_session, "城关镇").id, title="停机时登记")
    db_session.close()
    with database_down(app, database_uri):
        response = browser.post("/cases/add", data=form)
        assert response.status_code == 503
    db_session.get_bind().dispose()  # the outage closed this session's connection as well
    assert db_session.execute(select(text("count(*)")).select_from(text("petition_case"))).scalar() == before


# --- a database refusal that is not a race -------------------------------------------------------

FAULT_TEXT = "系统处理出错"


def refused_case_writes(db_session):
    """Every UPDATE of a case is refused by a constraint of the database that no other user's
    write explains (a CHECK, as a column rule the code broke would be): IntegrityError, no race."""
    return case_update_trigger(
        db_session, "xf_test_refuse",
        "RAISE EXCEPTION 'xf test: a check refused the row' USING ERRCODE = '23514'",
        "SELECT RAISE(ABORT, 'xf test: a check refused the row')",
    )


def test_a_constraint_refusal_that_is_no_race_is_a_fault_not_a_conflict(client_as, client, db_session):
    """Issue 17 "Names": only a lost race reads "changed by someone else". A constraint the
    database refuses for other reasons is our fault: 500 with the Chinese fault message, on the
    case page and in the API, nothing saved."""
    clerk = client_as("clerk")
    case = register(clerk, db_session, title="约束拒绝不是冲突")
    before = case_state(db_session, case.id)
    bearer = token(client, "clerk")
    with refused_case_writes(db_session):
        response = step(clerk, case.id, "accept", note="予以受理")
        api = client.post(f"/api/v1/cases/{case.id}/steps/accept", json={}, headers=bearer)
    assert response.status_code == 500
    shown = page_text(response)
    assert FAULT_TEXT in shown
    assert CONFLICT_TEXT not in shown
    assert api.status_code == 500
    assert api.get_json()["code"] == "internal_error"
    assert "系统处理出错" in api.get_json()["message"]
    assert case_state(db_session, case.id) == before


# --- a programming error is no outage (issue 16 round two) --------------------------------------


def test_a_programming_error_in_the_database_is_a_logged_500_not_an_outage(client_as, client, db_session, caplog):
    """SQLite reports "no such table" as an OperationalError, like a locked database: it is a
    fault of ours — 500 with the fault message, logged — never "try again later" (503)."""
    clerk = client_as("clerk")
    case = register(clerk, db_session, title="程序错误不是停机")
    before = case_state(db_session, case.id)
    bearer = token(client, "clerk")
    with mistaken_case_writes(db_session), caplog.at_level(logging.ERROR):
        response = step(clerk, case.id, "accept", note="予以受理")
        api = client.post(f"/api/v1/cases/{case.id}/steps/accept", json={}, headers=bearer)
    assert response.status_code == 500
    assert FAULT_TEXT in page_text(response) and OUTAGE_TEXT not in page_text(response)
    assert (api.status_code, api.get_json()["code"]) == (500, "internal_error")
    assert case_state(db_session, case.id) == before
    assert any(r.levelno >= logging.ERROR and r.exc_info for r in caplog.records)


def test_the_portal_letter_answers_503_while_the_database_is_out(app, db_session, caplog):
    """The public form goes through the same outage answer as every page: 503 in Chinese,
    nothing registered (it answered 500 "could not be saved")."""
    from tests.portal.support import form_token, letter

    public = app.test_client()
    count = "SELECT count(*) FROM petition_case"
    before = db_session.execute(text(count)).scalar()
    data = {**letter(db_session, title="停机时的网上来信"), "form_token": form_token(public)}
    db_session.rollback()
    with portal_writes_failing(db_session, app), caplog.at_level(logging.ERROR):
        response = public.post("/portal/write", data=data, content_type="multipart/form-data")
    assert response.status_code == 503
    assert OUTAGE_TEXT in page_text(response)
    assert db_session.execute(text(count)).scalar() == before


@contextmanager
def portal_writes_failing(db_session, app):
    """A new case cannot be written: the SQLite write lock held elsewhere, or (PostgreSQL) a
    57P01 on every INSERT of a case."""
    if db_session.get_bind().dialect.name != "postgresql":
        with failing_case_writes(db_session, app):
            yield
        return
    name = "xf_test_portal_outage"
    db_session.execute(text(
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION "
        "'terminating connection due to administrator command' USING ERRCODE = '57P01'; END $$"))
    db_session.execute(text(
        f"CREATE TRIGGER {name} BEFORE INSERT ON petition_case FOR EACH ROW EXECUTE FUNCTION {name}()"))
    db_session.commit()
    try:
        yield
    finally:
        db_session.execute(text(f"DROP TRIGGER {name} ON petition_case"))
        db_session.execute(text(f"DROP FUNCTION {name}()"))
        db_session.commit()
