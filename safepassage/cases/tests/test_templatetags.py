import datetime as dt

from django.utils import timezone, translation

from safepassage.cases.selectors import CaseRow
from safepassage.cases.templatetags.case_tables import case_table_rows

WHEN = dt.datetime(2026, 3, 1, 6, 30, tzinfo=dt.UTC)


def test_rows_link_to_the_case_and_show_translated_labels() -> None:
    row = CaseRow(pk=1, code="SP-7K3Q-9XWM", status="screening", priority=2, updated_at=WHEN)
    with translation.override("my"), timezone.override("Asia/Yangon"):
        out = case_table_rows([row])
    assert '<a href="/cases/SP-7K3Q-9XWM/">SP-7K3Q-9XWM</a>' in out
    assert "2026-03-01 13:00" in out  # Yangon is UTC+6:30
    with translation.override("my"):
        from safepassage.cases.workflow import Status

        assert f"<td>{Status.SCREENING.label}</td>" in out


def test_every_value_is_escaped() -> None:
    row = CaseRow(pk=1, code='<b>"x"</b>', status="<i>", priority=99, updated_at=WHEN)
    out = case_table_rows([row])
    assert "<b>" not in out
    assert "<i>" not in out
    assert "&lt;b&gt;&quot;x&quot;&lt;/b&gt;" in out
    assert 'href="/cases/%3Cb%3E%22x%22%3C%2Fb%3E/"' in out


def test_no_rows_no_markup() -> None:
    assert case_table_rows([]) == ""
