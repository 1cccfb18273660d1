"""``{% load reports_charts %}``: the charts of ``reports.charts`` in templates.

    {% bar_chart items title=_("Defections by region") %}
    {% trend_chart points title=... %}
    {% data_table items caption=... %}
    {% published_table published caption=... %}

Each tag returns the markup of the function of the same name (escaped
labels, CSP-safe SVG, paired data table).
"""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from .. import charts
from ..disclosure import Published

register = template.Library()


@register.simple_tag(name="bar_chart")
def bar_chart_tag(
    items: charts.Items,
    title: str,
    horizontal: bool = True,
    rank: bool = True,
    label_header: str = "",
    value_header: str = "",
) -> SafeString:
    return charts.bar_chart(
        items,
        title=title,
        horizontal=horizontal,
        rank=rank,
        label_header=label_header,
        value_header=value_header,
    )


@register.simple_tag(name="trend_chart")
def trend_chart_tag(
    points: charts.Items, title: str, label_header: str = "", value_header: str = ""
) -> SafeString:
    return charts.trend_chart(
        points, title=title, label_header=label_header, value_header=value_header
    )


@register.simple_tag(name="data_table")
def data_table_tag(
    items: charts.Items, caption: str, label_header: str = "", value_header: str = ""
) -> SafeString:
    return charts.data_table(
        items, caption=caption, label_header=label_header, value_header=value_header
    )


@register.simple_tag(name="published_table")
def published_table_tag(published: Published, caption: str, corner: str = "") -> SafeString:
    return charts.published_table(published, caption=caption, corner=corner)
