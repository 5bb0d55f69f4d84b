"""Keyword search on the case list: the count a user reads is the number of rows they can page
through, whichever way it was counted (on SQLite a keyword alone is counted off the FTS index,
with other inputs along the list's own indexes), and both are what reading every row finds."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, or_, select

from app.cases.models import Case

LONG, SHORT = "养殖场", "河道"  # three characters: the trigram index; two: LIKE


@pytest.fixture
def generated(app):
    """A few hundred more cases (the bulk generator's matters), so the words match many."""
    with app.app_context():
        from app.extensions import db
        from seed.bulk import generate

        generate(300, years=1.0, seed=7)
        db.session.commit()


def _listed(client, query: dict[str, str]) -> tuple[str, int]:
    body = client.get("/cases/list/", query_string={**query, "psize_CaseView": 100}).get_data(as_text=True)
    count = re.search(r"记录数\s*:\s*</strong>\s*([\d,]+\+?)", body)
    assert count, "the list shows no record count"
    return count.group(1), len(set(re.findall(r'href="/cases/show/(\d+)"', body)))


@pytest.mark.parametrize("user", ["clerk", "county_manager", "handler"])
@pytest.mark.parametrize(
    "query",
    [{"q_keyword": LONG}, {"q_keyword": f"{LONG} {SHORT}"}, {"q_keyword": LONG, "q_status": "handling"},
     {"q_keyword": SHORT}],
    ids=["long word", "long and short word", "word and status", "short word"],
)
def test_the_keyword_count_is_the_rows_listed(generated, client_as, user, query):
    shown, rows = _listed(client_as(user), query)
    assert shown == str(rows)


def test_keyword_search_finds_what_reading_every_row_finds(generated, client_as, db_session):
    def scanned(*words: str) -> int:
        return db_session.execute(select(func.count()).select_from(Case).where(
            *[or_(Case.title.contains(w), Case.content.contains(w)) for w in words])).scalar()

    client = client_as("admin")  # the whole county (no accusation names the county itself)
    expected = scanned(LONG, SHORT)
    assert 0 < expected < 100
    assert _listed(client, {"q_keyword": f"{LONG} {SHORT}"}) == (str(expected), expected)
