"""Every generated page reads in Chinese: no English label, heading, button or filter name, and
no Python object printed where a value belongs.

`tests/test_i18n.py` checks that every *extracted* string has a translation; this walks the
pages themselves, where Flask-AppBuilder invents labels from column names ("Created At",
"Org Unit") that no catalog ever sees. Data (user names, e-mail addresses) may be Latin; the
labels around it may not.
"""

from __future__ import annotations

import html
import re

import pytest
from flask_appbuilder import ModelView

from tests.support import DEMO_PASSWORD, login

# Words that are Chinese usage as they are.
ALLOWED_WORDS = {"Excel", "CSV", "API", "Swagger", "JSON", "URL", "PDF", "SMS", "OpenAPI", "Bearer",
                 "JWT", "xlsx", "csv", "HTTPS", "English"}
# Where labels live on a generated page: table headings, form labels, headings, buttons, the
# filter menu's entries, panel titles.
_LABELS = re.compile(
    r"<(th|label|h[1-6]|button|legend)\b[^>]*>(.*?)</\1>"
    r"|<a[^>]*class=\"[^\"]*filter[^\"]*\"[^>]*>(.*?)</a>"
    r"|<div class=\"panel-heading\"[^>]*>(.*?)</div>",
    re.S,
)
_REPR = re.compile(r"&lt;[\w.]+ object at 0x[0-9a-f]+&gt;|<[\w.]+ object at 0x[0-9a-f]+>")
_WORD = re.compile(r"[A-Za-z]{3,}")

ROLES = ["admin", "county_leader", "clerk", "xz_admin", "supervisor"]


def _english(fragment: str) -> str | None:
    text = html.unescape(re.sub(r"<[^>]+>", " ", fragment))
    text = re.sub(r"\s+", " ", text).strip()
    words = set(_WORD.findall(text)) - ALLOWED_WORDS
    return text if words else None


def findings(body: str) -> list[str]:
    body = re.sub(r"<script.*?</script>|<style.*?</style>", " ", body, flags=re.S)
    found = [f"object printed: {m.group(0)}" for m in _REPR.finditer(body)]
    for match in _LABELS.finditer(body):
        fragment = next(g for g in match.groups()[1:] if g is not None)
        english = _english(fragment)
        if english:
            found.append(english)
    return found


def pages_of(client, view) -> list[tuple[str, str]]:
    base = "/" + view.route_base.strip("/")
    urls = [f"{base}/list/", f"{base}/add"]
    listing = client.get(f"{base}/list/")
    if listing.status_code == 200:
        first = re.search(re.escape(base) + r"/show/(\d+)", listing.get_data(as_text=True))
        if first:
            urls += [f"{base}/show/{first.group(1)}", f"{base}/edit/{first.group(1)}"]
    out = []
    for url in urls:
        response = listing if url.endswith("/list/") else client.get(url)
        if response.status_code == 200:
            out.append((url, response.get_data(as_text=True)))
    return out


@pytest.mark.parametrize("username", ROLES)
def test_generated_pages_show_no_english_labels(module_app, username):
    client = module_app.test_client()
    login(client, username, DEMO_PASSWORD)
    wrong: dict[str, list[str]] = {}
    walked = 0
    for view in module_app.appbuilder.baseviews:
        if not isinstance(view, ModelView):
            continue
        for url, body in pages_of(client, view):
            walked += 1
            found = findings(body)
            if found:
                wrong[url] = sorted(set(found))[:10]
    assert walked, f"{username} opened no page"
    assert wrong == {}, "\n".join(f"{url}: {items}" for url, items in wrong.items())
