"""Helpers for the API tests: tokens, API clients and keys (through the admin pages), payloads."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.org.models import OrgUnit
from tests.support import DEMO_PASSWORD, county_now, valid_id_number


def org(db_session, name: str) -> OrgUnit:
    return db_session.execute(select(OrgUnit).where(OrgUnit.name == name)).scalars().first()


def token(client, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    """Authorization header with a JWT for `username` (through POST /api/v1/auth/login)."""
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_data(as_text=True)
    return {"Authorization": f"Bearer {response.get_json()['result']['access_token']}"}


def register_client(admin_client, db_session, *, name: str, source: str, role: str, org_name: str,
                    active: bool = True) -> int:
    """Register an API client on the admin page; returns its id."""
    from app.api.models import ApiClient

    data = {"name": name, "source": source, "role": role, "org_unit": str(org(db_session, org_name).id),
            "note": ""}
    if active:
        data["active"] = "y"
    response = admin_client.post("/api-clients/add", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    return db_session.execute(select(ApiClient.id).where(ApiClient.source == source)).scalar_one()


def issue_key(admin_client, client_id: int) -> str:
    """Issue a key on the client's page and read it off the page (it is shown only then)."""
    response = admin_client.post(f"/api-clients/issue/{client_id}")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") == "no-store"
    found = re.search(r"xfk_[A-Za-z0-9_-]{20,}", response.get_data(as_text=True))
    assert found, "the new key is not shown"
    return found.group(0)


def key_header(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def case_payload(township_id: int | None, **overrides: Any) -> dict[str, Any]:
    """A valid case registration for POST /api/v1/cases/."""
    data: dict[str, Any] = {
        "channel": "phone",
        "received_at": (county_now() - timedelta(hours=2)).replace(microsecond=0).isoformat(),
        "category": "claim",
        "title": "12345转来：小区供暖温度不达标",
        "content": "小区供暖温度长期低于18度，物业不予处理。",
        "demands": "尽快解决供暖问题",
        "township_id": township_id,
        "petitioners": [
            {"name": "孙丽", "id_number": valid_id_number("19850315", "246"), "phone": "13900002222",
             "address": "城关镇北街社区"},
        ],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def all_ids(client, path: str, headers: dict[str, str]) -> set[int]:
    """Every id a list returns, page by page at the largest page size."""
    ids: set[int] = set()
    page = 1
    while True:
        response = client.get(f"{path}?page={page}&page_size=200", headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        ids.update(row["id"] for row in body["result"])
        if page * 200 >= body["count"]:
            return ids
        page += 1
