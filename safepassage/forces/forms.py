from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.utils.translation import gettext_lazy as _

from safepassage.accounts.selectors import units_receiving
from safepassage.geo.selectors import townships_all

from .models import UnitProfile
from .selectors import unit_coverage_list


class UnitDirectoryForm(forms.ModelForm[UnitProfile]):
    """A unit's base township and covered townships, edited together."""

    coverage = forms.ModelMultipleChoiceField(
        label=_("townships covered"),
        queryset=townships_all(),
        required=False,
        widget=FilteredSelectMultiple(_("townships"), is_stacked=False),
        help_text=_("Townships from which this unit can receive people."),
    )

    class Meta:
        model = UnitProfile
        fields = ["unit", "base_township"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "unit" in self.fields:
            field: Any = self.fields["unit"]
            field.queryset = units_receiving().filter(profile__isnull=True)
        if self.instance.pk is not None:
            self.fields["coverage"].initial = unit_coverage_list(self.instance.unit)
