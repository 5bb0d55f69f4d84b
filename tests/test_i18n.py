"""The zh catalog is complete: every string the code can show has a Chinese translation."""

from __future__ import annotations

from babel.messages.pofile import read_po

from app.core import i18n_tools


def test_every_catalog_entry_has_a_chinese_translation():
    missing = i18n_tools.untranslated()
    assert missing == [], f"{len(missing)} msgids without Chinese: {missing[:20]}"


def test_catalog_holds_every_string_in_the_code(tmp_path, monkeypatch):
    """Strings added to the code but never extracted would show in English: re-extract and compare."""
    pot = tmp_path / "messages.pot"
    monkeypatch.setattr(i18n_tools, "POT", pot)
    monkeypatch.setattr(i18n_tools, "ZH_PO", i18n_tools.ZH_PO)  # never re-initialised here
    i18n_tools.extract()
    with pot.open("rb") as fh:
        extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    with i18n_tools.ZH_PO.open("rb") as fh:
        catalog = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    not_in_catalog = sorted(extracted - catalog)
    assert not_in_catalog == [], f"run `make i18n` and translate: {not_in_catalog[:20]}"


def test_pages_render_in_chinese_by_default(client):
    response = client.get("/login/")
    body = response.get_data(as_text=True)
    assert 'lang="zh-CN"' in body
    assert "登录" in body


def test_english_is_selectable(client):
    client.get("/lang/en")
    body = client.get("/login/").get_data(as_text=True)
    assert "Sign in" in body
