"""Ledger tests act as several users in one test: see support.db_session."""

from tests.ledgers.support import db_session  # noqa: F401
