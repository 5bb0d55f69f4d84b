"""Fixtures for the public portal: an app with its own upload folder, anonymous clients."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import login


@pytest.fixture
def uploads(tmp_path) -> Path:
    return tmp_path / "uploads"


@pytest.fixture
def portal_app(app, uploads):
    """The worker's app with this test's upload folder and a 1 MB file limit (undone after)."""
    app.config.update(UPLOAD_FOLDER=str(uploads), PORTAL_MAX_FILE_MB=1)
    return app


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
