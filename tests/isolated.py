"""A short session on the app under test, opened and closed between requests.

For tests that build their own app (special configuration) and so cannot use the `db_session`
fixture, and for arranging data in a real transaction (the fixture's session is autocommit).
The context is closed before the next request, so requests never share it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session


@contextmanager
def database(app) -> Iterator[Session]:
    """A fresh session in a short app context (closed afterwards)."""
    from app.extensions import db

    with app.app_context():
        try:
            yield db.session
        finally:
            db.session.remove()
