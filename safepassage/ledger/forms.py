from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import BudgetPurpose
from .services import MAX_MINOR

MONTH_RE = re.compile(r"(\d{4})-(\d{2})")


class MonthField(forms.Field):
    """A calendar month typed as YYYY-MM (an <input type="month">)."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2026-11", "maxlength": 7})

    def to_python(self, value: Any) -> dt.date | None:
        if value in self.empty_values:
            return None
        match = MONTH_RE.fullmatch(str(value).strip()[:20])
        if not match:
            raise forms.ValidationError(_("Give the month as YYYY-MM."))
        try:
            return dt.date(int(match[1]), int(match[2]), 1)
        except ValueError:
            raise forms.ValidationError(_("Give the month as YYYY-MM.")) from None


class ReconcileForm(forms.Form):
    month = MonthField(label=_("Month"))
    currency = forms.RegexField(
        label=_("Currency"), regex=r"^[A-Z]{3}$", initial="MMK", max_length=3
    )
    counted_minor = forms.IntegerField(
        label=_("Cash counted (whole kyat)"), min_value=0, max_value=MAX_MINOR
    )
    note = forms.CharField(
        label=_("Note (no names)"), required=False, max_length=1000, widget=forms.Textarea
    )


class BudgetForm(forms.Form):
    """One month's budget for one purpose. The amount is a Decimal in
    whole minor units (kyat have none); a fraction is refused."""

    month = MonthField(label=_("Month"))
    purpose = forms.ChoiceField(label=_("Purpose"), choices=BudgetPurpose.choices)
    currency = forms.RegexField(
        label=_("Currency"), regex=r"^[A-Z]{3}$", initial="MMK", max_length=3
    )
    amount = forms.DecimalField(
        label=_("Budget (whole kyat)"),
        min_value=Decimal(0),
        max_value=Decimal(MAX_MINOR),
        max_digits=16,
        decimal_places=0,
    )

    def clean_amount(self) -> int:
        value = self.cleaned_data["amount"]
        return int(value)
