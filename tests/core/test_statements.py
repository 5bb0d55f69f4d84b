"""Report statements kept per process (app/core/statements.py): bounded, and keyed exactly."""

from __future__ import annotations

from sqlalchemy import select

from app.cases.models import Case
from app.core import statements
from app.core.scoping import Scope, scope_clause


def test_kept_statements_are_bounded_and_the_oldest_go_first(monkeypatch):
    monkeypatch.setattr(statements, "SIZE", 3)
    statements.clear()
    built = []

    def build(n: int):
        built.append(n)
        return select(Case.id).where(Case.id == n)

    for n in (1, 2, 3):
        statements.reused(("t", n), lambda n=n: build(n))
    statements.reused(("t", 1), lambda: build(1))  # kept: not built again, and now the newest
    statements.reused(("t", 4), lambda: build(4))  # the oldest unused one (2) makes room
    assert built == [1, 2, 3, 4]
    assert list(statements._statements) == [("t", 3), ("t", 1), ("t", 4)]
    statements.reused(("t", 2), lambda: build(2))
    assert built == [1, 2, 3, 4, 2]
    statements.clear()


def test_a_scope_keys_by_its_sql_and_values(app):
    town = Scope(township_ids=frozenset({5}), unit_ids=frozenset({5}), units_within_place=True,
                 lineage=frozenset({5}))
    other = Scope(township_ids=frozenset({6}), unit_ids=frozenset({6}), units_within_place=True,
                  lineage=frozenset({6}))
    with app.test_request_context():  # a scope's 会审 branch is looked up in the database
        key = statements.clause_key(scope_clause(Case, town))
        assert key == statements.clause_key(scope_clause(Case, town))  # built anew, the same key
        assert key != statements.clause_key(scope_clause(Case, other))
        assert statements.clause_key(scope_clause(Case, Scope.all())) != key
