"""Reference (a) of the benchmarks: what a plain Flask-AppBuilder ModelView gives on our data.

A separate Flask app on the same database with FAB's defaults: `ModelView` over the cases
table, the same list columns, no scoping mechanism of ours, no quick search (FAB's own
`_flt_` filters instead), no denormalisation tricks. Anonymous access is granted by a builtin
nothing else: the harness logs in as the demo `admin`, whose role is given the views' permissions
at start-up the way FAB does it (FAB_UPDATE_PERMS). A township-scoped variant uses FAB's standard `base_filters`
(FilterEqual on township_id), which is how one would scope a plain FAB view.

Run: `gunicorn -w 1 -b 127.0.0.1:5302 'bench.plain_fab:create_plain_app()'`
"""

from __future__ import annotations

import os

from flask import Flask
from flask_appbuilder import AppBuilder, ModelView
from flask_appbuilder.models.sqla.base import SQLA
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.models.sqla.interface import SQLAInterface

TOWNSHIP_ID = int(os.environ.get("BENCH_TOWNSHIP_ID", "0"))


def create_plain_app() -> Flask:
    from app import models  # noqa: F401 — the same mapped classes as the product
    from app.cases.models import Case
    from config import database_url

    app = Flask("plain_fab")
    app.config.update(
        SQLALCHEMY_DATABASE_URI=os.environ.get("BENCH_DATABASE_URI") or database_url(),
        SECRET_KEY="bench-only",  # noqa: S106 — a local benchmark process
        FAB_CREATE_DB=False,
        FAB_UPDATE_PERMS=True,
        AUTH_ROLE_ADMIN="系统管理员",
        WTF_CSRF_ENABLED=False,
    )
    db = SQLA()
    db.init_app(app)

    class PlainCaseView(ModelView):
        datamodel = SQLAInterface(Case)
        list_columns = [
            "number", "received_at", "channel", "petitioner_names", "township", "category",
            "subject", "title", "status",
        ]
        search_columns = ["number", "title", "content", "status", "township", "category", "received_at"]
        base_order = ("received_at", "desc")
        page_size = 20

    class PlainTownshipCaseView(PlainCaseView):
        base_filters = [["township_id", FilterEqual, TOWNSHIP_ID]]

    with app.app_context():
        appbuilder = AppBuilder()
        appbuilder.init_app(app, db.session)
        appbuilder.add_view(PlainCaseView, "cases")
        appbuilder.add_view(PlainTownshipCaseView, "township cases")
    return app
