"""Forms of the catalogue headquarters keeps (`services.catalogue`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Dimension, PlanTemplate, StipendRule, TemplateGoal, TemplateStep


class _CatalogueForm(forms.ModelForm):  # type: ignore[type-arg]
    """Checks the fields' shape only. The record itself is left untouched
    (no `construct_instance`): the service sets, validates and audits it."""

    def _post_clean(self) -> None:
        pass

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self._meta.fields or ()}


class DimensionForm(_CatalogueForm):
    class Meta:
        model = Dimension
        fields = ("code", "name_en", "name_my", "order", "is_active")


class TemplateForm(_CatalogueForm):
    class Meta:
        model = PlanTemplate
        fields = ("code", "name_en", "name_my", "description_en", "description_my", "is_active")
        widgets = {
            "description_en": forms.Textarea(attrs={"rows": 3}),
            "description_my": forms.Textarea(attrs={"rows": 3}),
        }


class TemplateGoalForm(_CatalogueForm):
    class Meta:
        model = TemplateGoal
        fields = ("dimension", "title_en", "title_my", "order")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["dimension"]
        field.queryset = Dimension.objects.filter(is_active=True)  # type: ignore[attr-defined]
        field.label_from_instance = lambda d: d.name  # type: ignore[attr-defined]


class TemplateStepForm(_CatalogueForm):
    offset_days = forms.IntegerField(
        label=_("due, days after the start"),
        min_value=0,
        max_value=3650,
        help_text=_("A plan that starts on day 0 has this step due on this day."),
    )

    class Meta:
        model = TemplateStep
        fields = ("kind", "title_en", "title_my", "offset_days", "order")
        help_texts = {
            "offset_days": _("A plan that starts on day 0 has this step due on this day.")
        }


class StipendRuleForm(_CatalogueForm):
    class Meta:
        model = StipendRule
        fields = ("code", "name_en", "name_my", "min_attendance_percent", "is_default", "is_active")
