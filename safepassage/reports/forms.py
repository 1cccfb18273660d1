"""The report filters: a GET form, validated here, never trusted.

Bad input gets a clear message on the page (never a 500): a range that
ends before it starts, a range over 50 years, too many columns, a unit
that is unknown or outside the user's scope (the same message for both,
so that asking learns nothing), weeks asked for by a unit's analyst.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from safepassage.cases.models import Category

from .policies import Scope
from .selectors import MAX_PERIOD_COLUMNS, Filters, periods_between, units_in_scope

MAX_YEARS = 50


class ReportFilterForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, input_formats=["%Y-%m-%d"])
    end = forms.DateField(label=_("To"), required=False, input_formats=["%Y-%m-%d"])
    period = forms.ChoiceField(label=_("Period"), required=False)
    region = forms.CharField(label=_("State or region (place code)"), required=False, max_length=6)
    category = forms.ChoiceField(label=_("Category"), required=False)
    unit = forms.CharField(label=_("Unit"), required=False)

    def __init__(self, *args: Any, scope: Scope, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.today = today
        periods = [("month", _("Months"))]
        if scope.weeks_allowed:
            periods.insert(0, ("week", _("Weeks")))
        cast(forms.ChoiceField, self.fields["period"]).choices = periods
        cast(forms.ChoiceField, self.fields["category"]).choices = [
            ("", _("All")),
            *Category.choices,
        ]
        self.units = units_in_scope(scope)
        for name in ("start", "end"):
            self.fields[name].error_messages["invalid"] = _("Enter a date as year-month-day.")
        self.fields["period"].error_messages["invalid_choice"] = _(
            "Weeks are shown at headquarters only; choose months."
        )

    def clean_unit(self) -> int | None:
        value = (self.cleaned_data.get("unit") or "").strip()
        if not value:
            return None
        allowed = {str(pk): pk for pk, _name in self.units}
        if value not in allowed:
            # Unknown and out of scope answer alike.
            raise forms.ValidationError(_("There is no such unit among those you may see."))
        return allowed[value]

    def clean_region(self) -> str:
        value = (self.cleaned_data.get("region") or "").strip().upper()
        if value and not (len(value) == 6 and value.startswith("MMR") and value[3:].isdigit()):
            raise forms.ValidationError(_("Enter a state or region's place code, e.g. MMR013."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("period") or ("week" if self.scope.weeks_allowed else "month")
        data["period"] = kind
        end = data.get("end") or self.today
        start = data.get("start")
        for day in (start, end):
            if day is not None and not 1900 <= day.year <= 2200:
                raise forms.ValidationError(_("Choose dates between 1900 and 2200."))
        if start is None:
            start = end - dt.timedelta(days=7 * 11 if kind == "week" else 365 - 31)
        if start > end:
            raise forms.ValidationError(_("The range ends before it starts."))
        if (end - start).days > 365 * MAX_YEARS:
            raise forms.ValidationError(
                _("The range is longer than 50 years. Choose a shorter one.")
            )
        if len(periods_between(start, end, kind)) > MAX_PERIOD_COLUMNS:
            raise forms.ValidationError(
                _("The range has too many periods for one table. Choose months or a shorter range.")
            )
        data["start"], data["end"] = start, end
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            start=data["start"],
            end=data["end"],
            period_kind=data["period"],
            region=data.get("region") or "",
            category=data.get("category") or "",
            unit_id=data.get("unit"),
        )
