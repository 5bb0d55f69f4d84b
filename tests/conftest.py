"""Fixtures: a real database per test (SQLite file or PostgreSQL), the app, a client per role.

The schema is built once per test session by the real migrations (`flask db upgrade`), roles
are synchronised and a small demo county is loaded; every test then starts on a fresh copy of
that database (a file copy on SQLite, `CREATE DATABASE … TEMPLATE` on PostgreSQL), so tests
never see each other's writes and can commit freely. The copy keeps one address per worker, so
the app under test (and the observer app of `db_session`) is built once per worker and reused;
a test's changes to `app.config` are undone after it.

Set XF_TEST_DATABASE_URL=postgresql://user@host:port/postgres to run the suite on PostgreSQL.
"""

from __future__ import annotations

import gc
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.support import DEMO_PASSWORD, Client, login

PG_URL = os.environ.get("XF_TEST_DATABASE_URL", "").strip()
TEST_CASES = 60  # demo cases in the template database

BASE_TEST_CONFIG: dict[str, Any] = {
    "TESTING": True,
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    "AUTH_RATE_LIMITED": False,
    "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    "SERVER_NAME": None,
    "SECRET_KEY": "test-secret-key-not-for-production",
}


def _pg_url(database: str) -> str:
    base = PG_URL.rsplit("/", 1)[0]
    url = f"{base}/{database}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix):]
    return url


def _admin_engine():
    return create_engine(_pg_url(PG_URL.rsplit("/", 1)[1] or "postgres"), isolation_level="AUTOCOMMIT")


def build_database(uri: str) -> None:
    """Migrate, synchronise roles and load the small demo county into `uri`."""
    from flask_migrate import upgrade

    from app import create_app
    from app.core.database import write_transactions
    from seed.demo import load_demo

    app = create_app({**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": uri})
    with app.app_context(), write_transactions():
        upgrade()
        app.appbuilder.sm.sync_roles()
        load_demo(cases=TEST_CASES)
    with app.app_context():
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Build the template once per session (per xdist worker)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    if PG_URL:
        name = f"xf_tpl_{worker}_{uuid.uuid4().hex[:8]}"
        admin = _admin_engine()
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        build_database(_pg_url(name))
        yield name
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        build_database(f"sqlite:///{path}")
        yield str(path)


class SharedDatabase:
    """This worker's one test database, reset to the template before each test.

    The database keeps its location (a file path on SQLite, a name on PostgreSQL) for the whole
    session, so one app (and one observer app for `db_session`) serves every test of the worker:
    building an app registers ~1,400 routes and ~110 views, half a second a test. Resetting is a
    new copy behind the same link on SQLite and `CREATE DATABASE … TEMPLATE` on PostgreSQL,
    after the apps bound to the database have closed their connections.
    """

    def __init__(self, template: str, folder: Path) -> None:
        self.template = template
        self.apps: list[Any] = []
        if PG_URL:
            self.name = f"xf_t_{uuid.uuid4().hex[:12]}"
            self.uri = _pg_url(self.name)
            self.admin = _admin_engine()
        else:
            # The apps open a link; each test's copy is a file of its own behind it (below).
            self.folder = folder
            self.path = folder / "test.db"
            self.uri = f"sqlite:///{self.path}"
            self.copies = 0

    def close_connections(self) -> None:
        from app.extensions import db

        for application in self.apps:
            with application.app_context():
                db.session.remove()
                db.engine.dispose()

    def reset(self) -> None:
        self.close_connections()
        if PG_URL:
            with self.admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{self.name}" TEMPLATE "{self.template}"'))
        else:
            # Each test's copy has a name of its own, behind the link the apps open (SQLite
            # resolves the link and names the copy's -wal and -shm after the real file). Under one
            # reused name, a connection a test left open would, when it is finally closed, delete
            # "test.db-wal" and "test.db-shm" — the files of the next test's database, in use by
            # its worker processes — and the WAL would silently split in two.
            previous = self.path.resolve() if self.path.is_symlink() else None
            self.copies += 1
            copy = self.folder / f"test-{self.copies}.db"
            shutil.copyfile(self.template, copy)
            link = self.folder / "test.link"
            link.unlink(missing_ok=True)
            link.symlink_to(copy.name)
            os.replace(link, self.path)
            if previous is not None:
                for leftover in ("", "-wal", "-shm"):
                    Path(f"{previous}{leftover}").unlink(missing_ok=True)

    def drop(self) -> None:
        self.close_connections()
        if PG_URL:
            # Connections a test left checked out (a response it did not read to the end) are
            # finalised here, while the database still exists, not by a later garbage collection
            # in the middle of something else: CPython 3.11.7 reports "AST constructor recursion
            # depth mismatch" when a finaliser runs Python code while an AST is being built.
            gc.collect()
            with self.admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            self.admin.dispose()


@pytest.fixture(scope="session")
def shared_database(template_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedDatabase]:
    shared = SharedDatabase(template_db, tmp_path_factory.mktemp("shared"))
    yield shared
    shared.drop()


@pytest.fixture
def database_uri(shared_database: SharedDatabase) -> Iterator[str]:
    """The worker's test database, as the template left it: a test never sees another's writes."""
    shared_database.reset()
    yield shared_database.uri
    shared_database.close_connections()


def make_app(database_uri: str, **overrides: Any):
    from app import create_app

    config = {**BASE_TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_uri, **overrides}
    try:
        return create_app(config)
    except SystemError as exc:
        # CPython 3.11.7 (the CI machine's) keeps the AST recursion depth per interpreter, not per
        # thread: Werkzeug compiling an app's routes while another thread of the test process
        # (a live server, hypothesis) converts an AST fails now and then with this error, before
        # any of our code runs. Fixed in later CPython releases; one retry builds the app.
        if "AST constructor recursion depth mismatch" not in str(exc):
            raise
        return create_app(config)


@contextmanager
def shared_app(shared: SharedDatabase, key: str, **overrides: Any) -> Iterator[Any]:
    """The worker's app `key` on the shared database, built on first use; what a test changes in
    its configuration is undone afterwards."""
    application = SHARED_APPS.get(key)
    if application is None:
        application = SHARED_APPS[key] = make_app(shared.uri, **overrides)
        shared.apps.append(application)
    config = dict(application.config)
    try:
        yield application
    finally:
        application.config.clear()
        application.config.update(config)


SHARED_APPS: dict[str, Any] = {}


@pytest.fixture
def app(database_uri: str, shared_database: SharedDatabase):
    with shared_app(shared_database, "app") as application:
        yield application


@pytest.fixture(scope="module")
def module_app(template_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One app and one private database for a whole module: for read-only walks over every
    view × role, where a fresh database per check would cost minutes."""
    if PG_URL:
        name = f"xf_m_{uuid.uuid4().hex[:12]}"
        admin = _admin_engine()
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"'))
        uri = _pg_url(name)
    else:
        target = tmp_path_factory.mktemp("module") / "module.db"
        shutil.copyfile(template_db, target)
        uri = f"sqlite:///{target}"
    application = make_app(uri)
    yield application
    with application.app_context():
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()
    if PG_URL:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def db_session(database_uri: str, shared_database: SharedDatabase):
    """A session for arranging and checking data directly, beside the app under test.

    It belongs to a second app instance on the same database, in autocommit mode: every read
    sees what the app's requests have committed (no stale snapshot), and the app's requests keep
    their own app context and transaction exactly as in production — sharing one app context
    would make consecutive test requests share one session and one open transaction.
    """
    from app.extensions import db

    observer_config = {
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "isolation_level": "AUTOCOMMIT",
            "execution_options": {"xf_autocommit": True},
        },
    }
    with shared_app(shared_database, "observer", **observer_config) as observer, observer.app_context():
        yield db.session
        db.session.remove()


@pytest.fixture
def client(app) -> Client:
    return app.test_client()


def _logged_in(app, username: str) -> Client:
    test_client = app.test_client()
    login(test_client, username, DEMO_PASSWORD)
    return test_client


@pytest.fixture
def client_as(app):
    """client_as("clerk") → a test client logged in as that demo user."""
    return lambda username: _logged_in(app, username)


@pytest.fixture
def admin_client(app) -> Client:
    return _logged_in(app, "admin")


@pytest.fixture
def xz_admin_client(app) -> Client:
    return _logged_in(app, "xz_admin")


@pytest.fixture
def clerk_client(app) -> Client:
    return _logged_in(app, "clerk")


@pytest.fixture
def clerk2_client(app) -> Client:
    """A clerk of another township (河东镇)."""
    return _logged_in(app, "clerk2")


@pytest.fixture
def handler_client(app) -> Client:
    return _logged_in(app, "handler")


@pytest.fixture
def leader_client(app) -> Client:
    return _logged_in(app, "leader")


@pytest.fixture
def supervisor_client(app) -> Client:
    return _logged_in(app, "supervisor")


@pytest.fixture
def manager_client(app) -> Client:
    return _logged_in(app, "manager")
