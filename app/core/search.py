"""Keyword search in long texts without reading every row.

Chinese has no spaces between words, so a keyword is a substring of the text. Both databases
index substrings with trigrams (every three consecutive characters):

- SQLite: an FTS5 table with the trigram tokenizer (`case_fts`), an "external content" index over
  petition_case.title/content kept in step by triggers on every insert, update and delete;
- PostgreSQL: a pg_trgm GIN index on ``title || ' ' || content``, which LIKE '%…%' uses.

`TEXT_INDEXES` lists the tables indexed so (cases; the policy knowledge base's documents and
answered questions): one recipe for all, the index's columns in the order the document joins them.

Keywords of three or more characters use the index; shorter ones (一、两个字) cannot form a
trigram and fall back to LIKE over the rows the other filters leave. Several keywords separated by
spaces must all occur. Results stay scoped: this is only one more condition on the list's query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, column, func, literal_column, or_, select, table, text
from sqlalchemy.sql.elements import ColumnElement

from app.core.quick_search import QueryStep
from app.extensions import db

MIN_INDEXED = 3
COMMON_KEYWORD = 2000


@dataclass(frozen=True)
class TextIndex:
    """One table's keyword index: its FTS5 table (SQLite) and pg_trgm index (PostgreSQL)."""

    table: str
    fts: str
    columns: tuple[str, str]
    trgm: str


TEXT_INDEXES = (
    TextIndex("petition_case", "case_fts", ("title", "content"), "ix_case_text_trgm"),
    TextIndex("policy_document", "policy_fts", ("title", "body"), "ix_policy_text_trgm"),
    TextIndex("policy_answer", "policy_answer_fts", ("question", "answer"), "ix_policy_answer_text_trgm"),
)
FTS_TABLES = {index.table: index.fts for index in TEXT_INDEXES}


def keywords(value: str) -> list[str]:
    return [word for word in value.replace("\u3000", " ").split() if word][:8]


def _fts_phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def keyword_clause(model: Any, value: str, columns: tuple[str, ...] = ("title", "content")) -> ColumnElement | None:
    """The condition "every keyword in `value` occurs in one of `columns`" for `model`."""
    words = keywords(value)
    if not words:
        return None
    long_words = [w for w in words if len(w) >= MIN_INDEXED]
    short_words = [w for w in words if len(w) < MIN_INDEXED]
    conditions: list[ColumnElement] = []
    dialect = db.session.get_bind().dialect.name
    fts = FTS_TABLES.get(model.__tablename__)
    if long_words and dialect == "sqlite" and fts:
        match = " AND ".join(_fts_phrase(w) for w in long_words)
        rowids = select(literal_column("rowid")).select_from(table(fts)).where(
            text(f"{fts} MATCH :xf_match").bindparams(xf_match=match)
        )
        # A rare keyword: look its rows up by id, then sort the few. A common one (thousands
        # of rows): walk the list's own index in order and test each row against the matches —
        # `id + 0` hides the primary key from the planner, which would otherwise fetch and sort
        # every match before showing the first page.
        hits = db.session.execute(
            select(func.count()).select_from(rowids.limit(COMMON_KEYWORD + 1).subquery())
        ).scalar()
        target = (model.id + 0) if hits > COMMON_KEYWORD else model.id
        conditions.append(target.in_(rowids))
    elif long_words and dialect == "postgresql":
        # The GIN index is on this very expression (see the migration).
        # The GIN index is on this very expression (see the migration): a literal space, not a
        # bound parameter, or PostgreSQL would not recognise it as the indexed expression.
        document = getattr(model, columns[0])
        for name in columns[1:]:
            document = document.op("||")(literal_column("' '")).op("||")(getattr(model, name))
        conditions.extend(document.like(f"%{_escape(w)}%", escape="\\") for w in long_words)
    else:
        short_words = words
    conditions.extend(_in_any_column(model, word, columns) for word in short_words)
    return and_(*conditions) if len(conditions) > 1 else conditions[0]


def _in_any_column(model: Any, word: str, columns: tuple[str, ...]) -> ColumnElement:
    """`word` occurs in one of `columns` (LIKE: for words too short for the trigram index)."""
    pattern = f"%{_escape(word)}%"
    return or_(*(getattr(model, c).like(pattern, escape="\\") for c in columns))


class KeywordMatches(QueryStep):
    """The FTS5 matches joined to the rows: SQLite reads them off the index as it goes and stops
    at a count's limit, where `id IN (matches)` first collects every match (6–11 ms for a
    common word in a million cases; 0.7 ms this way). Short words still filter by LIKE."""

    def __init__(self, model: Any, fts: str, match: str, others: list[ColumnElement]) -> None:
        self.model, self.fts, self.match, self.others = model, fts, match, others

    def apply(self, query: Any) -> Any:
        matches = table(self.fts, column("rowid"))
        query = query.join(matches, matches.c.rowid == self.model.id).filter(
            text(f"{self.fts} MATCH :xf_count_match").bindparams(xf_count_match=self.match)
        )
        return query.filter(*self.others) if self.others else query


def keyword_count_criterion(model: Any, value: str, columns: tuple[str, ...] = ("title", "content")) -> Any:
    """What a count of the rows matching `value` filters with (`QuickSearch.count_build`): on
    SQLite the keyword index joined in (`KeywordMatches`), elsewhere `keyword_clause`."""
    words = keywords(value)
    long_words = [w for w in words if len(w) >= MIN_INDEXED]
    fts = FTS_TABLES.get(model.__tablename__)
    if not (long_words and fts and db.session.get_bind().dialect.name == "sqlite"):
        return keyword_clause(model, value, columns)
    others = [_in_any_column(model, w, columns) for w in words if len(w) < MIN_INDEXED]
    return KeywordMatches(model, fts, " AND ".join(_fts_phrase(w) for w in long_words), others)


def _escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --- the indexes themselves ------------------------------------------------------------------


def search_objects() -> set[str]:
    """Names of the search tables/indexes that live outside the models (Alembic ignores them)."""
    names: set[str] = set()
    for index in TEXT_INDEXES:
        fts = index.fts
        names |= {index.trgm, fts, f"{fts}_data", f"{fts}_idx", f"{fts}_content", f"{fts}_docsize", f"{fts}_config"}
    return names


def include_in_autogenerate(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic's `include_name`: the search objects are not in the models, and not a difference."""
    return name not in search_objects()


def _present(connection: Any, only: tuple[str, ...] | None) -> tuple[set[str], list[TextIndex]]:
    from sqlalchemy import inspect

    tables = set(inspect(connection).get_table_names())
    return tables, [i for i in TEXT_INDEXES if i.table in tables and (only is None or i.table in only)]


def repair_text_search_triggers(connection: Any) -> None:
    """Put back the FTS triggers if a migration dropped them (run after every migration run).

    SQLite's batch mode rebuilds a table by copying it, which drops the table's triggers:
    without this, a later migration of petition_case would silently stop the index updating.
    Row ids survive the copy, so the index itself stays valid. (PostgreSQL never rebuilds.)
    """
    if connection.dialect.name != "sqlite":
        return
    tables, indexes = _present(connection, None)
    for index in indexes:
        if index.fts in tables:
            for statement in _sqlite_triggers(index):
                connection.exec_driver_sql(statement)


def ensure_text_search(connection: Any, only: tuple[str, ...] | None = None) -> None:
    """Create the keyword indexes (of the tables `only` names, else every one present) and their
    triggers if they are missing; idempotent."""
    tables, indexes = _present(connection, only)
    for index in indexes:
        first, second = index.columns
        if connection.dialect.name == "sqlite":
            if index.fts not in tables:
                connection.exec_driver_sql(
                    f"CREATE VIRTUAL TABLE {index.fts} USING fts5({first}, {second}, "
                    f"content='{index.table}', content_rowid='id', tokenize='trigram')"
                )
                connection.exec_driver_sql(f"INSERT INTO {index.fts}({index.fts}) VALUES ('rebuild')")  # noqa: S608
            for statement in _sqlite_triggers(index):
                connection.exec_driver_sql(statement)
        elif connection.dialect.name == "postgresql":
            connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            connection.exec_driver_sql(
                f"CREATE INDEX IF NOT EXISTS {index.trgm} ON {index.table} "
                f"USING gin (({first} || ' ' || {second}) gin_trgm_ops)"
            )


def drop_text_search(connection: Any, only: tuple[str, ...] | None = None) -> None:
    for index in TEXT_INDEXES:
        if only is not None and index.table not in only:
            continue
        if connection.dialect.name == "sqlite":
            for suffix in ("ai", "ad", "au"):
                connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {index.fts}_{suffix}")
            connection.exec_driver_sql(f"DROP TABLE IF EXISTS {index.fts}")
        elif connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"DROP INDEX IF EXISTS {index.trgm}")


def _sqlite_triggers(index: TextIndex) -> tuple[str, ...]:
    """The triggers keeping an external-content FTS5 table in step with its table (names from
    TEXT_INDEXES, never from input)."""
    fts, table_name = index.fts, index.table
    first, second = index.columns
    cols = f"{first}, {second}"
    old = f"old.{first}, old.{second}"
    new = f"new.{first}, new.{second}"
    return (
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table_name} BEGIN "  # noqa: S608
        f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table_name} BEGIN "  # noqa: S608
        f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE OF {cols} ON {table_name} BEGIN "  # noqa: S608
        f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END",
    )
