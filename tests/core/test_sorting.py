"""Lists sort only by their own sortable columns (issue 16, item 14): a column named in the address
(`_oc_<View>`) that the list does not offer — the letter's content, a user's password hash, a
name that does not exist — is ignored (the default order), on every list and its export, never
a server error."""

from __future__ import annotations

import re

import pytest
from flask_appbuilder.baseviews import BaseCRUDView

from app.core.listing import SortsByOfferedColumns
from app.core.views import ScopedModelView
from tests.support import DEMO_PASSWORD, login

NOT_OFFERED = ("content", "created_by.password", "password", "no_such_column", "township.no_such", "id;drop",
               "permissions")


def list_views(app) -> list[BaseCRUDView]:
    """Every registered view with a list page: ours (ScopedModelView) and FAB's own (the
    security views) alike."""
    return [v for v in app.appbuilder.baseviews if isinstance(v, BaseCRUDView)]


def test_every_list_view_carries_the_one_sort_rule(module_app):
    views = list_views(module_app)
    assert any(not isinstance(v, ScopedModelView) for v in views)  # FAB's own are walked too
    assert [type(v).__name__ for v in views if not isinstance(v, SortsByOfferedColumns)] == []


def row_ids(response) -> list[str]:
    return re.findall(r'name="rowid" value="([^"]+)"', response.get_data(as_text=True)) or re.findall(
        r'href="[^"]*/show/(\d+)', response.get_data(as_text=True)
    )


@pytest.fixture(scope="module")
def admin(module_app):
    client = module_app.test_client()
    login(client, "admin", DEMO_PASSWORD)
    return client


def test_every_list_ignores_a_sort_column_it_does_not_offer(module_app, admin):
    walked = 0
    for view in list_views(module_app):
        name = type(view).__name__
        url = f"{view.route_base}/list/"
        plain = admin.get(url)
        if plain.status_code != 200:
            continue  # not a list the administrator opens (covered by the authorization matrix)
        walked += 1
        for column in NOT_OFFERED:
            assert column not in view.order_columns
            for direction in ("asc", "desc"):
                response = admin.get(url, query_string={f"_oc_{name}": column, f"_od_{name}": direction})
                assert response.status_code == 200, (name, column, direction)
                assert row_ids(response) == row_ids(plain), (name, column, direction)
    assert walked > 10


def test_the_case_list_sorts_by_an_offered_column_and_not_by_the_content(module_app):
    clerk = module_app.test_client()
    login(clerk, "clerk", DEMO_PASSWORD)
    view = next(v for v in list_views(module_app) if type(v).__name__ == "CaseView")
    assert "received_at" in view.order_columns and "content" not in view.order_columns
    ascending = row_ids(clerk.get("/cases/list/?_oc_CaseView=received_at&_od_CaseView=asc&psize_CaseView=100"))
    descending = row_ids(clerk.get("/cases/list/?_oc_CaseView=received_at&_od_CaseView=desc&psize_CaseView=100"))
    assert len(ascending) > 5 and ascending != descending
    default = row_ids(clerk.get("/cases/list/?psize_CaseView=100"))
    by_content = row_ids(clerk.get("/cases/list/?_oc_CaseView=content&_od_CaseView=asc&psize_CaseView=100"))
    assert by_content == default


def test_the_export_follows_the_same_rule(module_app, admin):
    plain = admin.post("/users/export/csv")
    assert plain.status_code == 200
    by_hash = admin.post("/users/export/csv?_oc_AppUserView=password&_od_AppUserView=desc")
    assert by_hash.status_code == 200
    assert by_hash.get_data() == plain.get_data()
    unknown = admin.post("/users/export/csv?_oc_AppUserView=no_such_column")
    assert unknown.status_code == 200
    assert unknown.get_data() == plain.get_data()
