"""A list never fails on what the address asks for, and never drops a filter silently: an unknown
sort column reads in the default order (200); a date filter whose value is not a date is left
out of the query and the page says which filter was ignored and why (in Chinese)."""

from __future__ import annotations

import pytest

from tests.support import DEMO_PASSWORD, login, page_text

USERS = ("county_clerk", "county_manager", "county_leader", "clerk", "handler", "clerk2")


@pytest.mark.parametrize("username", USERS)
def test_unknown_sort_and_bad_dates_on_the_case_list(module_app, username):
    client = module_app.test_client()
    login(client, username, DEMO_PASSWORD)
    assert client.get("/cases/list/?_oc_CaseView=nosuch").status_code == 200
    assert client.get("/cases/list/?_oc_CaseView=nosuch&_od_CaseView=asc").status_code == 200

    quick = client.get("/cases/list/?q_from=2026-99-01")
    assert quick.status_code == 200
    assert "筛选条件“收到时间起”未生效：“2026-99-01”不是有效日期" in page_text(quick)

    fab = client.get("/cases/list/?_flt_1_received_at=nosuch")
    assert fab.status_code == 200
    assert "筛选条件“收到时间”未生效：“nosuch”不是有效日期" in page_text(fab)

    good = client.get("/cases/list/?q_from=2026-01-01&_flt_1_received_at=2025-01-01")
    assert good.status_code == 200
    assert "未生效" not in page_text(good)
