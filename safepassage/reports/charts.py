"""Server-rendered SVG charts, each with the data table it draws.

Every function returns one ``<figure>`` holding an inline ``<svg
role="img">`` named by its ``<title>`` (``aria-labelledby``), followed by
the same figures as an HTML table inside an open ``<details>``: screen
readers read the table, and so can anyone who would rather read than look.
``data_table`` and ``published_table`` give the table alone.

The markup is safe under the project's Content Security Policy
(``style-src 'self'``, no inline script): colours and sizes are SVG
presentation attributes (``fill=``, ``font-size=``), never ``style=``, and
there is no script. Text stays ``<text>``, inheriting the page's font, so
the browser shapes Burmese; every label is escaped. Labels are not
measured on the server (Burmese widths cannot be known there): a
horizontal bar chart puts each label on its own line above its bar.

A suppressed value (``None``) is drawn as a short hatched bar labelled
``[c]``, never as zero.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from .disclosure import Published

SUPPRESSED = "[c]"
BAR = "#1f5f8b"
INK = "#1d2327"
MUTED = "#5b6770"
LINE = "#d5dadf"

WIDTH = 640
LABEL_SIZE = 14
STUB = 28  # length of the hatched bar drawn for a suppressed value

Items = Sequence[tuple[str, int | None]]


def _chart_id(kind: str, title: str, items: Items) -> str:
    digest = hashlib.sha256(repr((kind, title, list(items))).encode()).hexdigest()
    return f"chart-{digest[:12]}"


def _shown(value: int | None) -> str:
    return SUPPRESSED if value is None else str(value)


def _hatch(chart_id: str) -> SafeString:
    return format_html(
        '<defs><pattern id="{}-hatch" patternUnits="userSpaceOnUse" width="6" height="6" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="{}" stroke-width="2"/></pattern></defs>',
        chart_id,
        MUTED,
    )


def _figure(
    chart_id: str, title: str, view: tuple[int, int], body: list[SafeString], table: SafeString
) -> SafeString:
    return format_html(
        '<figure class="report-chart">'
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{id}-title" '
        'viewBox="0 0 {w} {h}" width="100%" preserveAspectRatio="xMinYMin meet" '
        'font-size="{size}" fill="{ink}">'
        '<title id="{id}-title">{title}</title>{hatch}{body}</svg>'
        "<details open><summary>{summary}</summary>{table}</details>"
        "</figure>",
        id=chart_id,
        w=view[0],
        h=view[1],
        size=LABEL_SIZE,
        ink=INK,
        title=title,
        hatch=_hatch(chart_id),
        # Each part is a format_html SafeString, kept as it is; anything
        # else would be escaped.
        body=format_html_join("", "{}", ((part,) for part in body)),
        summary=gettext("Data table"),
        table=table,
    )


def bar_chart(
    items: Items,
    *,
    title: str,
    horizontal: bool = True,
    rank: bool = True,
    label_header: str = "",
    value_header: str = "",
) -> SafeString:
    """A ranked bar chart of ``(label, count)``; ``None`` is suppressed.

    ``rank`` orders the bars largest first with suppressed values last (in
    their given order); ``horizontal=False`` draws columns. The paired
    table lists the items in the order drawn.
    """
    ordered = list(items)
    if rank:
        shown = sorted((i for i in ordered if i[1] is not None), key=lambda i: -(i[1] or 0))
        ordered = shown + [i for i in ordered if i[1] is None]
    if not horizontal:
        return _columns(ordered, title=title, kind="bar", headers=(label_header, value_header))
    chart_id = _chart_id("hbar", title, ordered)
    top = max((v for _, v in ordered if v is not None), default=0)
    value_room = 70
    span = WIDTH - value_room
    step = 44
    parts: list[SafeString] = []
    for n, (label, value) in enumerate(ordered):
        y = 8 + n * step
        parts.append(format_html('<text x="0" y="{}">{}</text>', y + LABEL_SIZE, label))
        bar_y = y + LABEL_SIZE + 6
        if value is None:
            length = STUB
            parts.append(
                format_html(
                    '<rect x="0" y="{}" width="{}" height="16" fill="url(#{}-hatch)" stroke="{}"/>',
                    bar_y,
                    length,
                    chart_id,
                    MUTED,
                )
            )
        else:
            length = round(span * value / top) if top else 0
            parts.append(
                format_html(
                    '<rect x="0" y="{}" width="{}" height="16" fill="{}"/>',
                    bar_y,
                    length,
                    BAR,
                )
            )
        parts.append(
            format_html('<text x="{}" y="{}">{}</text>', length + 6, bar_y + 13, _shown(value))
        )
    height = max(8 + len(ordered) * step, 24)
    table = data_table(ordered, caption=title, label_header=label_header, value_header=value_header)
    return _figure(chart_id, title, (WIDTH, height), parts, table)


def trend_chart(
    points: Items, *, title: str, label_header: str = "", value_header: str = ""
) -> SafeString:
    """Columns over periods, in the order given (oldest first)."""
    return _columns(list(points), title=title, kind="trend", headers=(label_header, value_header))


def _columns(items: Items, *, title: str, kind: str, headers: tuple[str, str]) -> SafeString:
    chart_id = _chart_id(kind, title, items)
    top = max((v for _, v in items if v is not None), default=0)
    plot_top, plot_bottom = 24, 200
    span = plot_bottom - plot_top
    count = max(len(items), 1)
    slot = max(WIDTH // count, 1)
    bar = max(min(slot - 8, 60), 2)
    parts = [
        format_html(
            '<line x1="0" y1="{y}" x2="{w}" y2="{y}" stroke="{c}" stroke-width="1"/>',
            y=plot_bottom,
            w=WIDTH,
            c=LINE,
        )
    ]
    for n, (label, value) in enumerate(items):
        x = n * slot + (slot - bar) // 2
        middle = n * slot + slot // 2
        if value is None:
            height = STUB
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="url(#{}-hatch)" '
                    'stroke="{}"/>',
                    x,
                    plot_bottom - height,
                    bar,
                    height,
                    chart_id,
                    MUTED,
                )
            )
        else:
            height = round(span * value / top) if top else 0
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
                    x,
                    plot_bottom - height,
                    bar,
                    height,
                    BAR,
                )
            )
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="middle">{}</text>',
                middle,
                plot_bottom - height - 6,
                _shown(value),
            )
        )
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="middle" font-size="12" fill="{}">{}</text>',
                middle,
                plot_bottom + 18,
                MUTED,
                label,
            )
        )
    table = data_table(items, caption=title, label_header=headers[0], value_header=headers[1])
    return _figure(chart_id, title, (WIDTH, plot_bottom + 28), parts, table)


def data_table(
    items: Items, *, caption: str, label_header: str = "", value_header: str = ""
) -> SafeString:
    """The ``(label, count)`` items as a table; ``None`` is written ``[c]``."""
    rows = format_html_join(
        "",
        '<tr><th scope="row">{}</th><td class="num">{}</td></tr>',
        ((label, _shown(value)) for label, value in items),
    )
    return format_html(
        '<table class="report-table"><caption>{}</caption>'
        '<thead><tr><th scope="col">{}</th><th scope="col">{}</th></tr></thead>'
        "<tbody>{}</tbody></table>{}",
        caption,
        label_header,
        value_header or gettext("Count"),
        rows,
        _legend(any(v is None for _, v in items)),
    )


def published_table(published: Published, *, caption: str, corner: str = "") -> SafeString:
    """A published two-way table with its totals, as an HTML table.

    The layout matches the exports: row labels first, column labels in the
    header, ``Total`` last in both directions, ``[c]`` for hidden values.
    """
    total = gettext("Total")
    head = format_html_join("", '<th scope="col">{}</th>', ((c,) for c in published.col_labels))
    body = format_html_join(
        "",
        '<tr><th scope="row">{}</th>{}<td class="num total">{}</td></tr>',
        (
            (
                label,
                format_html_join("", '<td class="num">{}</td>', ((_shown(v),) for v in cells)),
                _shown(row_total),
            )
            for label, cells, row_total in zip(
                published.row_labels, published.cells, published.row_totals, strict=True
            )
        ),
    )
    foot = format_html(
        '<tr><th scope="row">{}</th>{}<td class="num total">{}</td></tr>',
        total,
        format_html_join(
            "", '<td class="num total">{}</td>', ((_shown(v),) for v in published.col_totals)
        ),
        _shown(published.total),
    )
    hidden = published.suppressed_count > 0
    return format_html(
        '<table class="report-table"><caption>{}</caption>'
        '<thead><tr><th scope="col">{}</th>{}<th scope="col">{}</th></tr></thead>'
        "<tbody>{}</tbody><tfoot>{}</tfoot></table>{}",
        caption,
        corner,
        head,
        total,
        body,
        foot,
        _legend(hidden),
    )


def _legend(hidden: bool) -> SafeString:
    if not hidden:
        return SafeString("")
    return format_html(
        '<p class="report-legend">{}</p>',
        gettext("[c]: hidden, because the figure could point to a person."),
    )


__all__ = ["bar_chart", "data_table", "published_table", "trend_chart"]
