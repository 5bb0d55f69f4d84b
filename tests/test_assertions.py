"""The tests' own assertions cannot pass vacuously (issue 17): no non-empty string literal as
an operand of `and`/`or` in an assert (always true; `x or ""` stays allowed), no status check
accepting a redirect or a 404 where the authorization matrix says 403 (a missing permission is a
403; outside the scope, a 404)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _asserts():
    for path in sorted(TESTS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Assert):
                yield f"{path.relative_to(TESTS.parent)}:{node.lineno}", node.test


def test_no_string_literal_is_an_operand_of_and_or_in_an_assert():
    found = [where for where, test in _asserts() for node in ast.walk(test)
             if isinstance(node, ast.BoolOp) and any(isinstance(v, ast.Constant) and isinstance(v.value, str)
                                                      and v.value for v in node.values)]
    assert found == [], f"always-true operands in asserts: {found}"


def test_no_status_check_accepts_403_with_a_redirect_or_a_404():
    def accepted(test: ast.expr) -> set[int] | None:
        if isinstance(test, ast.Compare) and isinstance(test.ops[0], ast.In) and isinstance(test.comparators[0],
                                                                                              ast.Tuple | ast.Set):
            values = test.comparators[0].elts
            if all(isinstance(v, ast.Constant) and isinstance(v.value, int) for v in values):
                return {v.value for v in values}
        return None

    found = [where for where, test in _asserts() for node in ast.walk(test)
             if (codes := accepted(node)) is not None and (codes >= {302, 403} or codes == {403, 404})]
    assert found == [], f"status checks that accept two answers where the rule allows one: {found}"
