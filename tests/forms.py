"""Reading a rendered form back into a dict, as a browser would submit it unchanged."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class _FormReader(HTMLParser):
    def __init__(self, form_id: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.values: dict[str, Any] = {}
        self._select: str | None = None
        self._chosen = False
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and (self.form_id is None or a.get("id") == self.form_id):
            self.inside = True
            return
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.values[name] = a.get("value", "y")
            elif kind not in ("submit", "button", "file"):
                self.values[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
            self._chosen = False
            self.values.pop(name, None)
        elif tag == "option" and self._select:
            # A browser submits the selected option, or the first one when none is selected.
            if "selected" in a or self._select not in self.values:
                if "selected" in a or not self._chosen:
                    self.values[self._select] = a.get("value", "")
                self._chosen = self._chosen or "selected" in a
        elif tag == "textarea" and name:
            self._textarea = name
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            # Like a browser: one newline right after <textarea> is not part of the value.
            value = "".join(self._text)
            for newline in ("\r\n", "\n"):
                if value.startswith(newline):
                    value = value[len(newline):]
                    break
            self.values[self._textarea] = value
            self._textarea = None


def form_values(response: Any, form_id: str | None = "model_form") -> dict[str, Any]:
    reader = _FormReader(form_id)
    reader.feed(response.get_data(as_text=True))
    return reader.values
