"""Import tests act as several users: see tests/ledgers/support.db_session."""

from tests.ledgers.support import db_session  # noqa: F401
