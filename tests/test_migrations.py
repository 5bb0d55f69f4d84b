"""Migrations: an empty database reaches exactly the models' schema; the previous release's
database (the first migration, with data in it) upgrades to head keeping its data."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, inspect, select, text
from werkzeug.security import generate_password_hash

from tests.conftest import PG_URL, _admin_engine, _pg_url, make_app
from tests.support import login, page_text

PREVIOUS_RELEASE = "b2668c282f11"


@pytest.fixture
def empty_database(tmp_path) -> Iterator[str]:
    """A database with nothing in it (not even the tables)."""
    if PG_URL:
        name = f"xf_mig_{uuid.uuid4().hex[:12]}"
        admin = _admin_engine()
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield _pg_url(name)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        yield f"sqlite:///{tmp_path / 'empty.db'}"


@pytest.fixture
def mig_app(empty_database):
    application = make_app(empty_database)
    yield application
    with application.app_context():
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()


def migrate(app, revision: str = "head", down: bool = False) -> None:
    from flask_migrate import downgrade, upgrade

    from app.core.database import write_transactions

    with app.app_context(), write_transactions():
        (downgrade if down else upgrade)(revision=revision)


def schema_differences(app) -> list:
    from app.extensions import db
    from app.models import metadata

    with app.app_context(), db.engine.connect() as conn:
        from app.core.search import include_in_autogenerate

        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": include_in_autogenerate}
        )
        return compare_metadata(context, metadata)


def test_an_empty_database_upgrades_to_exactly_the_models(mig_app):
    migrate(mig_app)
    assert schema_differences(mig_app) == []
    # …and the newest migration can be undone and redone.
    migrate(mig_app, PREVIOUS_RELEASE, down=True)
    with mig_app.app_context():
        from app.extensions import db

        assert not inspect(db.engine).has_table("audit_entry")
    migrate(mig_app)
    assert schema_differences(mig_app) == []


def test_the_previous_release_upgrades_with_its_data(mig_app):
    migrate(mig_app, PREVIOUS_RELEASE)
    now = datetime(2026, 3, 1, 9, 30)
    with mig_app.app_context():
        from app.extensions import db

        tables = MetaData()
        tables.reflect(db.engine)
        t = tables.tables
        with db.engine.begin() as conn:

            def add(table: str, **values) -> int:
                # No explicit ids: PostgreSQL's sequences must stay in step with the rows.
                return conn.execute(t[table].insert().values(**values).returning(t[table].c.id)).scalar()

            county = add("org_unit", name="青山县", kind="county", path="/", sort_order=0, active=True)
            town = add("org_unit", name="城关镇", kind="township", parent_id=county,
                       path="/", sort_order=1, active=True)
            conn.execute(t["org_unit"].update().where(t["org_unit"].c.id == town).values(township_id=town))
            role = add("ab_role", name="系统管理员")
            user = add(
                "ab_user", first_name="建国", last_name="王", username="oldadmin",
                password=generate_password_hash("Old#Release2026", "pbkdf2:sha256:1000"),
                active=True, email="oldadmin@example.cn", login_count=7, fail_login_count=0,
                org_unit_id=county,
            )
            add("ab_user_role", user_id=user, role_id=role)
            subject = add("subject", name="劳动社保", sort_order=1, active=True)
            case_id = add(
                "petition_case", number="XF2026-000001", channel="visit", received_at=now,
                township_id=town, category="claim", subject_id=subject, title="讨要工资",
                content="工地拖欠三个月工资。", people_count=1, is_collective=False,
                is_repeat=False, skips_levels=False, status="registered",
                petitioner_names="李四", created_at=now, updated_at=now, version=3,
            )
            add("petitioner", case_id=case_id, name="李四", id_number="230101198001011234",
                phone="13812345678", sort_order=0)
            conn.execute(t["case_number_sequence"].insert(), [{"year": 2026, "last_value": 1}])

    migrate(mig_app)
    assert schema_differences(mig_app) == []

    with mig_app.app_context():
        from app.cases.models import Case
        from app.extensions import db
        from app.security.models import AppUser

        case = db.session.execute(select(Case)).scalar_one()
        assert (case.number, case.title, case.version) == ("XF2026-000001", "讨要工资", 3)
        assert [(p.name, p.id_number, p.phone) for p in case.petitioners] == [
            ("李四", "230101198001011234", "13812345678")
        ]
        user = db.session.execute(select(AppUser)).scalar_one()
        assert (user.username, user.login_count, user.org_unit_id) == ("oldadmin", 7, county)
        assert user.must_change_password is False and user.locked_at is None
        assert [r.name for r in user.roles] == ["系统管理员"]
        app_sm = mig_app.appbuilder.sm
        app_sm.sync_roles()
        db.session.remove()

    # The upgraded database serves the old data: the old login works, the case opens.
    client = mig_app.test_client()
    login(client, "oldadmin", "Old#Release2026")
    page = client.get(f"/cases/show/{case_id}")
    assert page.status_code == 200 and "讨要工资" in page_text(page)
