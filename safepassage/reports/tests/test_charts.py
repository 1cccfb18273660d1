"""Charts: escaped, CSP-safe SVG, suppressed values drawn as [c], with their tables."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from defusedxml import ElementTree
from django.template import Context, Template

from safepassage.reports.charts import bar_chart, data_table, published_table, trend_chart
from safepassage.reports.disclosure import Table, publish

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert("x")</script>'


class _Collect(HTMLParser):
    """Every start tag with its attributes, as an HTML parser sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(markup: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Collect()
    parser.feed(markup)
    return parser.tags


def svg_of(markup: str):
    match = re.search(r"<svg.*</svg>", markup, re.S)
    assert match, "no svg"
    return ElementTree.fromstring(match.group(0))


ITEMS = [("Sagaing", 120), ("မကွေး", 40), ("Bago", None), (HOSTILE, 75)]


@pytest.mark.parametrize(
    "render",
    [
        lambda: bar_chart(ITEMS, title=HOSTILE),
        lambda: bar_chart(ITEMS, title=HOSTILE, horizontal=False),
        lambda: trend_chart(ITEMS, title=HOSTILE),
    ],
)
def test_every_chart_is_escaped_csp_safe_and_accessible(render) -> None:
    markup = str(render())
    assert "<script" not in markup
    assert "&lt;script&gt;" in markup
    found = tags(markup)
    for tag, attrs in found:
        assert "style" not in attrs, f"<{tag}> has a style attribute, which CSP blocks"
        assert not any(a.startswith("on") for a in attrs), f"<{tag}> has a handler"
        assert tag not in ("script", "style", "foreignobject")
    svg = svg_of(markup)
    assert svg.get("role") == "img"
    title = svg.find(f"{SVG}title")
    assert title is not None
    assert svg.get("aria-labelledby") == title.get("id")
    assert title.text == HOSTILE
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "မကွေး" in texts, "Burmese labels are left to the browser as text"
    assert HOSTILE in texts
    assert "[c]" in texts
    # The data table follows, with the same values.
    assert [t for t, _ in found].count("table") == 1
    assert '<td class="num">[c]</td>' in markup
    assert '<td class="num">120</td>' in markup


def test_a_suppressed_value_is_a_hatched_stub_not_a_zero() -> None:
    svg = svg_of(str(bar_chart([("a", 100), ("b", None)], title="t")))
    rects = [r for r in svg.iter(f"{SVG}rect") if r.get("height") == "16"]
    assert len(rects) == 2
    full, stub = rects
    assert full.get("width") == "570"
    assert stub.get("fill", "").startswith("url(#chart-")
    assert stub.get("fill", "").endswith("-hatch)")
    pattern_ids = {p.get("id") for p in svg.iter(f"{SVG}pattern")}
    assert stub.get("fill", "")[5:-1] in pattern_ids


def test_bars_are_ranked_and_scaled() -> None:
    svg = svg_of(str(bar_chart([("small", 10), ("hidden", None), ("big", 40)], title="t")))
    labels = [t.text for t in svg.iter(f"{SVG}text")]
    assert labels[::2] == ["big", "small", "hidden"]
    widths = [int(r.get("width")) for r in svg.iter(f"{SVG}rect") if r.get("height") == "16"]
    assert widths[0] == pytest.approx(4 * widths[1], abs=2)
    unranked = svg_of(str(bar_chart([("small", 10), ("big", 40)], title="t", rank=False)))
    assert [t.text for t in unranked.iter(f"{SVG}text")][::2] == ["small", "big"]


def test_empty_and_all_hidden_charts_render() -> None:
    for items in ([], [("a", None)], [("a", 0)]):
        for markup in (bar_chart(items, title="t"), trend_chart(items, title="t")):
            svg_of(str(markup))


def test_two_charts_get_distinct_ids() -> None:
    a = svg_of(str(bar_chart(ITEMS, title="one")))
    b = svg_of(str(bar_chart(ITEMS, title="two")))
    assert a.get("aria-labelledby") != b.get("aria-labelledby")


def test_data_table_escapes_and_marks_suppression() -> None:
    markup = str(data_table([(HOSTILE, None)], caption=HOSTILE, label_header="Region"))
    assert "<script" not in markup
    assert "[c]" in markup
    assert "report-legend" in markup
    assert "report-legend" not in str(data_table([("a", 3)], caption="c"))


def test_published_table_matches_the_published_values() -> None:
    p = publish(Table.from_rows(["r1", HOSTILE], ["c1", "c2"], [[1, 30], [40, 50]]), k=10)
    markup = str(published_table(p, caption="cap"))
    assert "<script" not in markup
    cells = re.findall(r'<td class="num(?: total)?">([^<]*)</td>', markup)
    expected = []
    for row, total in zip(p.cells, p.row_totals, strict=True):
        expected += ["[c]" if v is None else str(v) for v in (*row, total)]
    expected += ["[c]" if v is None else str(v) for v in (*p.col_totals, p.total)]
    assert cells == expected


def test_template_tags_render_the_same_markup() -> None:
    template = Template(
        "{% load reports_charts %}{% bar_chart items title=title %}"
        "{% trend_chart items title=title %}{% data_table items caption=title %}"
    )
    out = template.render(Context({"items": ITEMS, "title": HOSTILE}))
    assert str(bar_chart(ITEMS, title=HOSTILE)) in out
    assert "<script" not in out
