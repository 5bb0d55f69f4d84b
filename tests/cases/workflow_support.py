"""Helpers for workflow tests: register a case, read the case page, take a step over HTTP."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from app.cases.models import Case
from app.cases.workflow_models import CaseEvent
from app.org.models import OrgUnit
from tests.support import case_form, form_errors


def unit(db_session, name: str) -> OrgUnit:
    return db_session.execute(select(OrgUnit).where(OrgUnit.name == name)).scalar_one()


def register(client, db_session, township: str = "城关镇", **overrides: Any) -> Case:
    """Register a case through the form as `client` (a clerk); returns it."""
    town = unit(db_session, township)
    title = overrides.pop("title", "反映村道施工长期停工")
    response = client.post("/cases/add", data=case_form(town.id, title=title, **overrides))
    assert response.status_code == 302, form_errors(response)
    # As a browser does: the receipt page (it shows the flash naming the new case).
    assert client.get(response.headers["Location"].split("#", 1)[0]).status_code == 200
    db_session.expire_all()
    return db_session.execute(
        select(Case).where(Case.title == title).order_by(Case.id.desc()).limit(1)
    ).scalar_one()


def edit_registration(client, case: Case, **overrides: Any):
    """Post the case's edit form as loaded (its version, its first petitioner), with changes."""
    body = client.get(f"/cases/edit/{case.id}").get_data(as_text=True)
    tag = re.search(r'<input[^>]*name="row_version"[^>]*>', body).group(0)
    version = re.search(r'value="(\d+)"', tag).group(1)
    person = re.search(r'name="petitioners-0-id"[^>]*value="(\d+)"', body).group(1)
    data = case_form(case.township_id, title=case.title, row_version=version,
                     **{"petitioners-0-id": person, **overrides})
    return client.post(f"/cases/edit/{case.id}", data=data)


def page_state(client, case_id: int) -> tuple[str, str]:
    """(version, token) from the case page's step forms."""
    body = client.get(f"/cases/show/{case_id}").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', body)
    token = re.search(r'name="token" value="([0-9a-f]+)-', body)
    assert version and token, "the case page offers no step form"
    return version.group(1), token.group(1)


def step(client, case_id: int, code: str, version: str | None = None, token: str | None = None,
         **fields: Any):
    """Post one step as the case page would (with the page's current version)."""
    if version is None:
        body = client.get(f"/cases/show/{case_id}").get_data(as_text=True)
        found = re.search(r'name="version" value="(\d+)"', body)
        version = found.group(1) if found else ""
    data = {"version": version, **{k: v for k, v in fields.items() if v is not None}}
    if token:
        data["token"] = token
    return client.post(f"/cases/step/{case_id}/{code}", data=data)


def ok(response) -> None:
    assert response.status_code == 302, f"step refused ({response.status_code}): {form_errors(response)}"


def refused(response, *words: str) -> str:
    assert response.status_code in (409, 422), f"expected a refusal, got {response.status_code}"
    text = " ".join(form_errors(response))
    for word in words:
        assert word in text, f"{word!r} not in {text!r}"
    return text


def fresh(db_session, case_id: int) -> Case:
    db_session.expire_all()
    return db_session.get(Case, case_id)


def steps_of(db_session, case_id: int) -> list[str]:
    db_session.expire_all()
    return list(
        db_session.execute(
            select(CaseEvent.step).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
        ).scalars()
    )
