"""The rates report's figure cells are built as HTML by hand (for speed): every part of them is
escaped, so nothing a figure prints can become markup (issue 16, item 15)."""

from __future__ import annotations

import html
import re

from app.reports.figures import FigureDef, Value

HOSTILE = '"><script>alert(1)</script><b x="'


class PrintedValue(Value):
    """A value whose printed text and detail are whatever the test says."""

    __slots__ = ("shown",)

    def __init__(self, shown: str) -> None:
        super().__init__("rate", 1, 2)
        self.shown = shown

    @property
    def text(self) -> str:
        return self.shown

    @property
    def detail(self) -> str:
        return self.shown


def test_every_part_of_a_figure_cell_is_escaped(module_app):
    from app.reports.views import figure_cells

    figure = FigureDef(code=HOSTILE, label="回复率", definition="已答复 ÷ 收到")
    with module_app.test_request_context():
        cells = str(figure_cells([figure], [(PrintedValue(HOSTILE), PrintedValue(HOSTILE))]))
    assert "<script" not in cells and "<b " not in cells
    # Only our own tags remain, and the hostile text reads back unchanged in each of the five places.
    assert re.findall(r"<(\w+)", cells) == ["td", "span", "small"]
    attributes = re.findall(r'(?:data-code|title)="([^"]*)"', cells)
    assert [html.unescape(a) for a in attributes] == [HOSTILE, HOSTILE, f"上期 {HOSTILE}"]
    texts = re.findall(r">([^<]+)</(?:span|small)>", cells)
    assert [html.unescape(t) for t in texts] == [HOSTILE, HOSTILE]


def test_ordinary_figures_read_as_before(module_app):
    from app.reports.views import figure_cells

    figure = FigureDef(code="reply_rate", label="回复率", definition="已答复 ÷ 收到")
    with module_app.test_request_context():
        cells = str(figure_cells([figure], [(Value("rate", 224, 247), Value("rate", 0, 0))]))
    assert 'data-code="reply_rate"' in cells
    assert f'title="224 / 247">{Value("rate", 224, 247).text}</span>' in cells
