"""Reading the database between requests without sharing the requests' app context.

The `db_session` fixture keeps an app context pushed for the whole test; Flask then runs every
test-client request inside that same context, so `g` (the logged-in user, the cached scope)
and the SQLAlchemy session are shared by all clients of the test — a request by `clerk2` can
see `clerk`'s cached identity. Tests that use several logins open a short context instead.
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
