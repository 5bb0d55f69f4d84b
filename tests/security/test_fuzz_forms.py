"""Property-based fuzzing (hypothesis) of every generated add and edit form.

The forms are enumerated from the running app (`appbuilder.baseviews`: every model view with
`can_add` / `can_edit`), not listed by hand. For each, the form is fetched as a user who may use
it (the 城关镇 clerk when the clerk may, else the administrator), its field names read from the
page, and hypothesis posts generated values: random unicode, huge strings, wrong types, empty
values, HTML, dates out of range, ids of other townships' records and of nothing at all.

The properties, for every post:
- never a 5xx;
- either the record was saved (a redirect and exactly one row more / the row changed), or
  nothing was saved: the model's table and every table holding its child rows are unchanged.

Bounded for CI: `max_examples` per form (XF_FUZZ_EXAMPLES, default 12) and a derandomized
profile, so a run is repeatable and its time does not wander.

Extending: `EXTRA_FORMS` takes any other form as (url, fields, user, model) — e.g. the public
portal's submission form after it is merged:

    EXTRA_FORMS.append(ExtraForm("/portal/submit", ("name", "phone", "content"), None, "Case"))
"""

from __future__ import annotations

import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from tests.forms import form_values
from tests.support import DEMO_PASSWORD, login

EXAMPLES = int(os.environ.get("XF_FUZZ_EXAMPLES", "12"))
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@dataclass(frozen=True)
class ExtraForm:
    """A hand-built form to fuzz as well: where it posts, its field names, who posts (a demo
    login, or None for an anonymous visitor) and the model (class name) whose rows it creates."""

    url: str
    fields: tuple[str, ...]
    user: str | None
    model: str


EXTRA_FORMS: list[ExtraForm] = [
    # The public portal's letter form (issue 7): anonymous, creates a Case.
    ExtraForm("/portal/write", ("mailbox", "department", "township", "village", "category", "subject",
                                "title", "content", "name", "phone", "id_number", "consent", "homepage",
                                "form_token"), None, "Case"),
]

# --- what gets posted -------------------------------------------------------------------------------

NASTY = [
    "", " ", "0", "-1", "1e309", "NaN", "None", "__None", "null", "true", "[]", "{}",
    "<script>alert(1)</script>", "\"'><img src=x onerror=alert(1)>", "'; DROP TABLE petition_case; --",
    "0001-01-01", "9999-12-31", "2026-13-45", "2026-02-30T25:61", "1900-01-01 00:00:00",
    "99999999999999999999", "-2147483649", "3.14", "\x00", "\u202e\u200b", "𠀀𠀁𠀂", "😀" * 50,
    "x" * 300, "长" * 5000, "1" * 18, "11010519491231002X", "138000000000000",
]


def values_for(ids: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(NASTY),
        st.text(max_size=40),
        st.text(min_size=2000, max_size=6000, alphabet=st.characters(codec="utf-8")).map(lambda s: s[:6000]),
        st.integers(min_value=-(2**63), max_value=2**63).map(str),
        st.dates().map(str),
        st.datetimes().map(lambda d: d.isoformat()),
        st.sampled_from(ids or ["1"]),
    )


def payloads(fields: list[str], base: dict[str, Any], ids: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """The form as the browser would send it, with a random subset of fields replaced."""

    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        data = dict(base)
        chosen = draw(st.lists(st.sampled_from(fields), min_size=1, max_size=max(1, len(fields)), unique=True))
        for name in chosen:
            if draw(st.booleans()) and draw(st.booleans()):
                data.pop(name, None)  # a field missing altogether
            else:
                data[name] = draw(values_for(ids))
        return data

    return build()


# --- one app and database for the module --------------------------------------------------------------


@pytest.fixture(scope="module")
def fuzz_app(template_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from tests.conftest import PG_URL, _admin_engine, _pg_url, make_app

    if PG_URL:
        name = f"xf_f_{uuid.uuid4().hex[:12]}"
        admin = _admin_engine()
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"'))
        uri = _pg_url(name)
    else:
        target = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
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


@pytest.fixture(scope="module")
def users(fuzz_app) -> dict[str | None, Any]:
    found: dict[str | None, Any] = {None: fuzz_app.test_client()}
    for username in ("clerk", "admin"):
        c = fuzz_app.test_client()
        login(c, username, DEMO_PASSWORD)
        found[username] = c
    return found


def generated_forms(app: Any) -> list[tuple[str, Any, str]]:
    """(view name, view, "add"/"edit") for every model view with a generated form."""
    forms = []
    for view in app.appbuilder.baseviews:
        if getattr(view, "datamodel", None) is None or not hasattr(view, "add_form"):
            continue
        perms = set(view.base_permissions or ())
        for mode in ("add", "edit"):
            if f"can_{mode}" in perms:
                forms.append((type(view).__name__, view, mode))
    return forms


def _children(model: Any) -> list[Any]:
    """The tables holding child rows of `model` (a foreign key to it), audit tables aside."""
    table = model.__table__
    return [
        t for t in table.metadata.sorted_tables
        if t is not table and not t.name.startswith("audit")
        and any(fk.column.table is table for fk in t.foreign_keys)
    ]


def _counts(app: Any, tables: list[Any]) -> dict[str, int]:
    from app.extensions import db

    with app.app_context():
        found = {t.name: db.session.execute(select(func.count()).select_from(t)).scalar() for t in tables}
        db.session.remove()
        return found


def _row(app: Any, model: Any, pk: int) -> tuple[Any, ...] | None:
    from app.extensions import db

    with app.app_context():
        row = db.session.execute(select(model.__table__).where(model.id == pk)).first()
        db.session.remove()
        return tuple(row) if row else None


def _other_township_ids(app: Any) -> list[str]:
    """Ids a 城关镇 user must not be able to attach records to: 河东镇's places and records."""
    from app.cases.models import Case
    from app.extensions import db
    from app.org.models import OrgUnit

    with app.app_context():
        town = db.session.execute(select(OrgUnit.id).where(OrgUnit.name == "河东镇")).scalar()
        ids = {town}
        ids |= set(db.session.execute(select(OrgUnit.id).where(OrgUnit.township_id == town).limit(5)).scalars())
        ids |= set(db.session.execute(select(Case.id).where(Case.township_id == town).limit(5)).scalars())
        db.session.remove()
    return [str(i) for i in ids] + ["0", "-1", "987654321"]


def _who(users: dict[str | None, Any], url: str) -> Any:
    clerk = users["clerk"]
    return clerk if clerk.get(url).status_code == 200 else users["admin"]


# --- the tests --------------------------------------------------------------------------------------


def test_every_generated_form_survives_fuzzing(fuzz_app, users):
    started = time.monotonic()
    forms = generated_forms(fuzz_app)
    assert len(forms) >= 15, [f[0] for f in forms]
    foreign_ids = _other_township_ids(fuzz_app)
    failures: list[str] = []
    timings: list[str] = []
    for name, view, mode in forms:
        t0 = time.monotonic()
        model = view.datamodel.obj
        if mode == "add":
            url = f"{view.route_base}/add"
            pk = None
        else:
            pk = _first_editable(fuzz_app, model, users)
            if pk is None:
                continue
            url = f"{view.route_base}/edit/{pk}"
        client = _who(users, url)
        page = client.get(url)
        assert page.status_code == 200, f"{name} {mode}: GET {url} → {page.status_code}"
        base = form_values(page)
        fields = [f for f in base if f not in ("csrf_token",)]
        if not fields:
            continue
        ids = sorted(set(re.findall(r'<option[^>]*value="(\d+)"', page.get_data(as_text=True))))[:20]

        label = f"{name} {mode}"
        strategy = payloads(fields, base, ids + foreign_ids)
        try:
            fuzz_form(fuzz_app, client, url, label, model, pk, strategy)
        except AssertionError as exc:
            failures.append(str(exc).splitlines()[0][:600])
        except Exception as exc:  # a crash inside the app surfaces as 500 above; this is the harness
            failures.append(f"{name} {mode}: {type(exc).__name__}: {exc}"[:600])
        timings.append(f"{name}.{mode} {time.monotonic() - t0:.1f}s")
    print(f"\nfuzzed {len(forms)} forms × {EXAMPLES} examples in {time.monotonic() - started:.1f}s: " + ", ".join(timings))
    assert not failures, "\n".join(failures)


def fuzz_form(app: Any, client: Any, url: str, label: str, model: Any, pk: int | None,
              strategy: st.SearchStrategy[dict[str, Any]], at_most_one: bool = False) -> None:
    """Post `strategy`'s payloads to `url`: no 5xx; saved (a redirect: one row more, or the
    record changed) or nothing saved at all (the table and its child tables unchanged).
    `at_most_one`: a redirect may also mean "already saved" (a form token sent twice)."""
    tables = [model.__table__, *_children(model)]

    @FUZZ
    @given(strategy)
    def post(data: dict[str, Any]) -> None:
        before = _counts(app, tables)
        row_before = _row(app, model, pk) if pk is not None else None
        response = client.post(url, data=data)
        assert response.status_code < 500, f"{label}: {response.status_code} for {data!r:.500}"
        after = _counts(app, tables)
        if response.status_code in (301, 302, 303):
            if pk is None:
                grown = after[model.__table__.name] - before[model.__table__.name]
                assert grown == 1 or (at_most_one and grown == 0), f"{label}: redirect but {grown} rows added"
            return
        assert after == before, f"{label}: refused ({response.status_code}) but rows changed {before} → {after}"
        if pk is not None:
            assert _row(app, model, pk) == row_before, f"{label}: refused but the record changed"

    post()


def _first_editable(app: Any, model: Any, users: dict[str | None, Any]) -> int | None:
    """A record the clerk (or else the administrator) may open for editing."""
    from app.core.scoping import scope_clause
    from app.extensions import db
    from app.org.scoping import scope_for_user
    from app.security.models import AppUser

    with app.app_context():
        query = select(model.id).order_by(model.id)
        if getattr(model, "__scope__", None) is not None:
            clerk = db.session.execute(select(AppUser).where(AppUser.username == "clerk")).scalars().one()
            own = db.session.execute(query.where(scope_clause(model, scope_for_user(clerk))).limit(1)).scalar()
            if own is not None:
                db.session.remove()
                return own
        found = db.session.execute(query.limit(1)).scalar()
        db.session.remove()
        return found


@pytest.mark.skipif(not EXTRA_FORMS, reason="no extra forms registered (e.g. the public portal)")
def test_extra_forms_survive_fuzzing(fuzz_app, users):
    for form in EXTRA_FORMS:
        client = users.get(form.user) or _logged_in(fuzz_app, form.user)
        model = next(m.class_ for m in _mappers() if m.class_.__name__ == form.model)
        page = client.get(form.url)
        base = form_values(page) if page.status_code == 200 else {}
        fuzz_form(fuzz_app, client, form.url, form.url, model, None,
                  payloads(list(form.fields), base, ["1", "0", "-1"]), at_most_one=True)


def _mappers() -> list[Any]:
    from flask_appbuilder import Model

    return list(Model.registry.mappers)


def _logged_in(app: Any, username: str | None) -> Any:
    c = app.test_client()
    if username:
        login(c, username, DEMO_PASSWORD)
    return c


def test_a_nul_character_is_refused_before_any_view(clerk_client, db_session):
    """Found by the fuzzing on PostgreSQL: a NUL in a form or search was a 500 there."""
    from app.cases.models import Case

    before = db_session.execute(select(func.count()).select_from(Case)).scalar()
    assert clerk_client.post("/cases/add", data={"title": "a\x00b"}).status_code == 400
    assert clerk_client.get("/cases/list/?q_person=%00").status_code == 400
    assert clerk_client.post("/api/v1/auth/login", json={"username": "a\u0000", "password": "x"}).status_code == 400
    assert db_session.execute(select(func.count()).select_from(Case)).scalar() == before
