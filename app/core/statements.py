"""Report statements built once per process and run again with fresh values.

A report's aggregate statements are large (the rates report's has some sixty CASE sums) and
SQLAlchemy spends about as long building one and computing its cache key as SQLite spends
running the small ones. The same report asked again — every county manager's annual report,
the dashboard every clerk opens — asks for the very same statements. `reused(key, build)` keeps
what `build()` returned under `key` (an LRU of `SIZE` per process) and returns it again; the
statement object keeps its memoized cache key, so running it again costs SQLAlchemy one dict
look-up. The rows always come from the database: only the statement is kept, never its result.

What goes in a key: everything the statement is built from. A condition built from data (a
scope's 会审 co-unit branch exists only when the unit is a co-unit somewhere) goes in by
`clause_key`, the condition's own SQL structure and values, so a statement is never reused for
a condition it was not built with. A value that changes on every request (the moment "now")
goes into the statement as a named bind parameter, passed at execution, not into the key.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy.sql.elements import ClauseElement

T = TypeVar("T")

# A statement and its compiled form take some 40 KB (measured over twenty years' reports): at
# most some 10 MB per process, the statements of the last 36 or so different reports.
SIZE = 256
_statements: OrderedDict[Hashable, Any] = OrderedDict()
_lock = threading.Lock()
# A key part that means "do not reuse" (see clause_key).
UNKEYABLE = ("unkeyable", object())


def _frozen(value: Any) -> Hashable:
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, set | frozenset):
        return frozenset(value)
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    return value


def clause_key(clause: ClauseElement | None) -> Hashable:
    """What identifies `clause` exactly: SQLAlchemy's cache key of its structure (columns,
    operators, tables) and the values of its bound parameters. UNKEYABLE when it cannot be
    keyed (a construct SQLAlchemy does not cache): `reused` then builds afresh."""
    if clause is None:
        return None
    key = clause._generate_cache_key()  # SQLAlchemy's own statement-cache key
    if key is None:
        return UNKEYABLE
    return key.key, tuple(_frozen(b.effective_value) for b in key.bindparams)


def reused(key: Hashable, build: Callable[[], T]) -> T:
    """The statement `build()` makes, made once per `key` in this process (see the module)."""
    if key is UNKEYABLE or (isinstance(key, tuple) and any(part is UNKEYABLE for part in key)):
        return build()
    with _lock:
        statement = _statements.get(key)
        if statement is not None:
            _statements.move_to_end(key)
            return statement
    statement = build()
    with _lock:
        _statements[key] = statement
        while len(_statements) > SIZE:
            _statements.popitem(last=False)
    return statement


def clear() -> None:
    with _lock:
        _statements.clear()
