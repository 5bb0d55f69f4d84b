"""The public portal (群众): petition online, follow it with a query code, rate the answer.

`init_portal(app)` mounts the public blueprint under /portal and puts the per-address rate
limits on submitting and looking up (Flask-Limiter, the instance the security manager already
runs: memory by default, Redis or another store when RATELIMIT_STORAGE_URI says so).
"""

from __future__ import annotations

from flask import Flask, current_app


def _limit(name: str):
    return lambda: current_app.config[name]


def init_portal(app: Flask) -> None:
    """The public blueprint, its rate limits and its error pages."""
    from app.portal import views

    app.register_blueprint(views.bp)
    limiter = app.appbuilder.sm.limiter
    for endpoint, setting in (
        ("portal.write", "PORTAL_SUBMIT_LIMIT"),
        ("portal.query", "PORTAL_LOOKUP_LIMIT"),
        ("portal.rate", "PORTAL_LOOKUP_LIMIT"),
        ("portal.sms_stop", "PORTAL_LOOKUP_LIMIT"),
    ):
        # Wrapped per app (each test app has its own limiter), on POST only: reading the form
        # costs nothing.
        app.view_functions[endpoint] = limiter.limit(_limit(setting), methods=["POST"])(
            app.view_functions[endpoint]
        )
