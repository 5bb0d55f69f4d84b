"""Fixtures for the public portal: an app with its own upload folder, anonymous clients."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import make_app
from tests.support import login


@pytest.fixture
def uploads(tmp_path) -> Path:
    return tmp_path / "uploads"


@pytest.fixture
def portal_app(database_uri, uploads):
    application = make_app(database_uri, UPLOAD_FOLDER=str(uploads), PORTAL_MAX_FILE_MB=1)
    yield application
    with application.app_context():
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def public(portal_app):
    """A member of the public: no login."""
    return portal_app.test_client()


@pytest.fixture
def staff(portal_app):
    """staff("clerk") → a client of `portal_app` logged in as that demo user."""

    def make(username: str):
        client = portal_app.test_client()
        login(client, username)
        return client

    return make
